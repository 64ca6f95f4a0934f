/* test_csum.c - checksums: RFC 1071/1624 examples, and a property test that
 * every incremental rewrite of net_pkt leaves exactly the bytes a full
 * recomputation gives, over thousands of random libnet-built packets. */
#include "tu.h"
#include "tu_pkt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../net/net_csum.h"
#include "../net/net_pkt.h"

#define CS_ROUNDS 12000
#define CS_CAP 2048

static uint16_t cs_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 section 3's worked example. */
static void test_rfc1071_example(void)
{
	static const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint32_t s = net_csum_add(0, d, sizeof(d));

	CU_ASSERT_EQUAL(net_csum_fold(s), (uint16_t)~0xddf2);
	/* Summing in pieces (even splits) equals summing at once. */
	CU_ASSERT_EQUAL(net_csum_fold(net_csum_add(net_csum_add(0, d, 4), d + 4, 4)),
			net_csum_fold(s));
}

/* An odd trailing byte counts as the high byte of a zero-padded word. */
static void test_odd_length(void)
{
	static const uint8_t odd[] = {0x12, 0x34, 0x56};
	static const uint8_t padded[] = {0x12, 0x34, 0x56, 0x00};

	CU_ASSERT_EQUAL(net_csum_add(0, odd, 3), net_csum_add(0, padded, 4));
	CU_ASSERT_EQUAL(net_csum_fold(net_csum_add(0, odd, 3)), (uint16_t)~(0x1234 + 0x5600));
	CU_ASSERT_EQUAL(net_csum_fold(0), 0xffff);
}

/* RFC 1624 section 4: HC 0xDD2F, m 0x5555 -> m' 0x3285. Eqn. 2 would give
 * 0xFFFF; the correct result (eqn. 3) is 0x0000. */
static void test_rfc1624_example(void)
{
	uint8_t f[2] = {0xdd, 0x2f};

	net_csum_replace16(f, 0x5555, 0x3285);
	CU_ASSERT_EQUAL(cs_rd16(f), 0x0000);

	f[0] = 0xdd;
	f[1] = 0x2f;
	net_csum_replace32(f, 0x00005555, 0x00003285);
	CU_ASSERT_EQUAL(cs_rd16(f), 0x0000);
}

/* Incremental update equals recomputation for random data and edits. */
static void test_replace_matches_full(void)
{
	uint64_t rs = 7;

	for (int r = 0; r < 2000; r++) {
		uint8_t d[64], f[2];
		size_t n = 2 + (tu_rand(&rs) % 31) * 2, at = (tu_rand(&rs) % (n / 2)) * 2;
		uint8_t old[2];
		uint16_t c;

		for (size_t i = 0; i < n; i++)
			d[i] = (uint8_t)tu_rand(&rs);
		c = net_csum_fold(net_csum_add(0, d, n));
		f[0] = (uint8_t)(c >> 8);
		f[1] = (uint8_t)c;
		memcpy(old, d + at, 2);
		d[at] = (uint8_t)tu_rand(&rs);
		d[at + 1] = (uint8_t)tu_rand(&rs);
		net_csum_replace(f, old, d + at, 2);
		c = net_csum_fold(net_csum_add(0, d, n));
		if (cs_rd16(f) != c)
			CU_FAIL("incremental differs from full");
	}
}

/* Parses pkt, and finds a value of the destination port for which the full
 * TCP/UDP checksum would come out as 0x0000 (or 0xFFFF for UDP). */
static int cs_find_zero_port(uint8_t *pkt, size_t len)
{
	uint8_t tmp[CS_CAP];
	struct net_pkt q;

	for (uint32_t v = 0; v < 65536; v++) {
		memcpy(tmp, pkt, len);
		if (net_pkt_parse(tmp, len, &q, NULL) != 0)
			return -1;
		tmp[q.l4_off + 2] = (uint8_t)(v >> 8);
		tmp[q.l4_off + 3] = (uint8_t)v;
		net_pkt_fix_checksums(&q);
		/* A computed UDP zero is stored as 0xFFFF (full data never sums to 0). */
		if (cs_rd16(tmp + q.l4_off + (q.tuple.proto == 6 ? 16 : 6)) ==
		    (q.tuple.proto == 6 ? 0x0000 : 0xffff))
			return (int)v;
	}
	return -1;
}

/* The RFC 1624 corner on a real packet: a rewrite whose correct TCP checksum
 * is 0x0000 must store 0x0000, and a UDP one must store 0xFFFF. */
static void test_rfc1624_packet_corner(void)
{
	static const uint8_t pl[] = "corner";
	const uint8_t protos[] = {6, 17};

	for (size_t k = 0; k < 2; k++) {
		struct tu_pkt_spec s = {.proto = protos[k], .src = "192.0.2.10", .dst = "203.0.113.20",
					.sport = 1025, .dport = 21, .seq = 1, .payload = pl,
					.payload_len = 6};
		uint8_t pkt[CS_CAP], ref[CS_CAP];
		struct net_pkt p, r;
		int n = tu_pkt_build(&s, pkt, sizeof(pkt)), v;

		CU_ASSERT_FATAL(n > 0);
		v = cs_find_zero_port(pkt, (size_t)n);
		CU_ASSERT_FATAL(v >= 0);
		memcpy(ref, pkt, (size_t)n);
		CU_ASSERT_FATAL(net_pkt_parse(pkt, (size_t)n, &p, NULL) == 0);
		CU_ASSERT_FATAL(net_pkt_parse(ref, (size_t)n, &r, NULL) == 0);
		CU_ASSERT_EQUAL(net_pkt_rewrite_dst(&p, &p.tuple.dst, (uint16_t)v), 0);
		ref[r.l4_off + 2] = (uint8_t)(v >> 8);
		ref[r.l4_off + 3] = (uint8_t)v;
		net_pkt_fix_checksums(&r);
		CU_ASSERT_EQUAL(cs_rd16(pkt + p.l4_off + (k ? 6 : 16)), k ? 0xffff : 0x0000);
		CU_ASSERT_EQUAL(memcmp(pkt, ref, (size_t)n), 0);
		CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
	}
}

static void cs_rand_addr(uint64_t *rs, uint8_t family, struct net_addr *a, char *s)
{
	uint8_t b[16];

	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)tu_rand(rs);
	if (family == NET_AF_INET4)
		net_addr_from_v4(a, b);
	else
		net_addr_from_v6(a, b);
	CU_ASSERT_FATAL(net_addr_format(a, s, NET_ADDR_STRLEN) == 0);
}

struct cs_stats {
	unsigned packets, ops, udp_zero;
};

/* After each edit, the packet must equal a copy whose checksums were all
 * recomputed from scratch, and must parse back to what was written. */
static void cs_check(struct net_pkt *p, bool udp_zero, struct cs_stats *st)
{
	uint8_t copy[CS_CAP];
	struct net_pkt c;

	memcpy(copy, p->buf, p->len);
	if (net_pkt_parse(copy, p->len, &c, NULL) != 0) {
		CU_FAIL("edited packet no longer parses");
		return;
	}
	net_pkt_fix_checksums(&c);
	if (memcmp(copy, p->buf, p->len) != 0) {
		char t[160];

		net_tuple_format(&p->tuple, t, sizeof(t));
		fprintf(stderr, "mismatch after edit: %s len %zu\n", t, p->len);
		CU_FAIL("incremental checksum differs from recomputation");
	}
	if (!net_pkt_checksums_ok(p))
		CU_FAIL("checksums do not verify");
	if (!net_tuple_eq(&c.tuple, &p->tuple) || c.seq != p->seq || c.ack != p->ack)
		CU_FAIL("re-parse disagrees with the rewritten fields");
	if (udp_zero) {
		st->udp_zero++;
		if (p->buf[p->l4_off + 6] != 0 || p->buf[p->l4_off + 7] != 0)
			CU_FAIL("zero IPv4 UDP checksum was filled in");
	}
	st->ops++;
}

static void cs_replace(uint64_t *rs, struct net_pkt *p, struct cs_stats *st, bool udp_zero)
{
	uint8_t data[48], expect[CS_CAP];
	size_t off = p->payload_len ? tu_rand(rs) % (p->payload_len + 1) : 0;
	size_t old_len = (p->payload_len - off) ? tu_rand(rs) % (p->payload_len - off + 1) : 0;
	size_t new_len = tu_rand(rs) % sizeof(data), exp_len = 0;

	for (size_t i = 0; i < new_len; i++)
		data[i] = (uint8_t)tu_rand(rs);
	memcpy(expect, p->buf + p->payload_off, off);
	exp_len = off;
	memcpy(expect + exp_len, data, new_len);
	exp_len += new_len;
	memcpy(expect + exp_len, p->buf + p->payload_off + off + old_len,
	       p->payload_len - off - old_len);
	exp_len += p->payload_len - off - old_len;

	if (net_pkt_replace_payload(p, CS_CAP, off, old_len, data, new_len) != 0) {
		CU_FAIL("replace_payload failed");
		return;
	}
	CU_ASSERT_EQUAL(p->payload_len, exp_len);
	CU_ASSERT_EQUAL(memcmp(p->buf + p->payload_off, expect, exp_len), 0);
	cs_check(p, udp_zero, st);
}

static void cs_one_packet(uint64_t *rs, struct cs_stats *st)
{
	static const uint8_t protos4[] = {6, 17, 1}, protos6[] = {6, 17, 58};
	uint8_t family = (tu_rand(rs) & 1) ? NET_AF_INET6 : NET_AF_INET4;
	uint8_t buf[CS_CAP], payload[600];
	char src[NET_ADDR_STRLEN], dst[NET_ADDR_STRLEN];
	struct net_addr sa, da;
	struct tu_pkt_spec s;
	struct net_pkt p;
	bool udp_zero;
	int n, ops;

	memset(&s, 0, sizeof(s));
	s.proto = (family == NET_AF_INET4 ? protos4 : protos6)[tu_rand(rs) % 3];
	cs_rand_addr(rs, family, &sa, src);
	cs_rand_addr(rs, family, &da, dst);
	s.src = src;
	s.dst = dst;
	s.sport = (uint16_t)tu_rand(rs);
	s.dport = (uint16_t)tu_rand(rs);
	s.seq = (uint32_t)tu_rand(rs);
	s.ack = (uint32_t)tu_rand(rs);
	s.tcp_flags = (uint8_t)(tu_rand(rs) & 0x1f);
	s.ip_id = (uint16_t)tu_rand(rs);
	/* Sizes: often 0 and 1, otherwise anything up to 600 (odd and even). */
	switch (tu_rand(rs) % 4) {
	case 0:
		s.payload_len = tu_rand(rs) % 2;
		break;
	default:
		s.payload_len = tu_rand(rs) % sizeof(payload);
	}
	for (size_t i = 0; i < s.payload_len; i++)
		payload[i] = (uint8_t)tu_rand(rs);
	s.payload = payload;
	udp_zero = s.proto == 17 && family == NET_AF_INET4 && tu_rand(rs) % 4 == 0;
	s.udp_zero_csum = udp_zero;

	n = tu_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_FATAL(net_pkt_checksums_ok(&p));
	st->packets++;

	ops = 1 + (int)(tu_rand(rs) % 4);
	for (int k = 0; k < ops; k++) {
		struct net_addr a;
		char tmp[NET_ADDR_STRLEN];
		uint16_t port = (uint16_t)tu_rand(rs);

		switch (tu_rand(rs) % 5) {
		case 0:
			cs_rand_addr(rs, family, &a, tmp);
			CU_ASSERT_EQUAL(net_pkt_rewrite_src(&p, &a, port), 0);
			CU_ASSERT_TRUE(net_addr_eq(&p.tuple.src, &a));
			if (s.proto == 6 || s.proto == 17)
				CU_ASSERT_EQUAL(p.tuple.sport, port);
			break;
		case 1:
			cs_rand_addr(rs, family, &a, tmp);
			CU_ASSERT_EQUAL(net_pkt_rewrite_dst(&p, &a, port), 0);
			CU_ASSERT_TRUE(net_addr_eq(&p.tuple.dst, &a));
			CU_ASSERT_EQUAL(p.tuple.dport, port);
			break;
		case 2:
			net_pkt_set_seq(&p, (uint32_t)tu_rand(rs));
			break;
		case 3:
			net_pkt_set_ack(&p, (uint32_t)tu_rand(rs));
			break;
		default:
			if (s.proto == 6 || s.proto == 17) {
				cs_replace(rs, &p, st, udp_zero);
				continue;
			}
			break;
		}
		cs_check(&p, udp_zero, st);
	}
}

static void test_property_rewrite(void)
{
	struct cs_stats st = {0};
	uint64_t rs = 0x5eed;

	for (int r = 0; r < CS_ROUNDS; r++)
		cs_one_packet(&rs, &st);
	CU_ASSERT(st.packets >= 10000);
	CU_ASSERT(st.udp_zero > 100);
	printf("\n    %u packets, %u edits checked (%u with zero UDP checksum)\n", st.packets,
	       st.ops, st.udp_zero);
}

/* The family must match; nothing is written otherwise. */
static void test_family_mismatch(void)
{
	struct tu_pkt_spec s = {.proto = 6, .src = "192.0.2.1", .dst = "192.0.2.2", .sport = 1,
				.dport = 2};
	uint8_t buf[128], before[128];
	struct net_addr a6;
	struct net_pkt p;
	int n = tu_pkt_build(&s, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	memcpy(before, buf, (size_t)n);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_FATAL(net_addr_parse("2001:db8::1", &a6) == 0);
	CU_ASSERT_EQUAL(net_pkt_rewrite_src(&p, &a6, 1), -EINVAL);
	CU_ASSERT_EQUAL(net_pkt_rewrite_dst(&p, &a6, 1), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(buf, before, (size_t)n), 0);
}

/* replace_payload: cap and offsets are enforced before anything moves. */
static void test_replace_limits(void)
{
	static const uint8_t pl[] = "PORT 10,0,0,1,4,1\r\n";
	struct tu_pkt_spec s = {.proto = 6, .src = "10.0.0.1", .dst = "192.0.2.2", .sport = 1025,
				.dport = 21, .payload = pl, .payload_len = sizeof(pl) - 1};
	uint8_t buf[128], before[128];
	struct net_pkt p;
	int n = tu_pkt_build(&s, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	memcpy(before, buf, (size_t)n);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_EQUAL(net_pkt_replace_payload(&p, (size_t)n + 2, 5, 12, "203,0,113,77,200,1", 18),
			-ENOSPC);
	CU_ASSERT_EQUAL(net_pkt_replace_payload(&p, sizeof(buf), p.payload_len + 1, 0, "x", 1),
			-EINVAL);
	CU_ASSERT_EQUAL(net_pkt_replace_payload(&p, sizeof(buf), 5, p.payload_len, "x", 1), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(buf, before, (size_t)n), 0);
	CU_ASSERT_EQUAL(net_pkt_replace_payload(&p, sizeof(buf), 5, 12, "203,0,113,77,200,1", 18), 0);
	CU_ASSERT_EQUAL(p.len, (size_t)n + 6);
	CU_ASSERT_EQUAL(memcmp(p.buf + p.payload_off, "PORT 203,0,113,77,200,1\r\n", 25), 0);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
}

TU_MAIN("csum", TU_CASE(test_rfc1071_example), TU_CASE(test_odd_length),
	TU_CASE(test_rfc1624_example), TU_CASE(test_replace_matches_full),
	TU_CASE(test_rfc1624_packet_corner), TU_CASE(test_property_rewrite),
	TU_CASE(test_family_mismatch), TU_CASE(test_replace_limits))
