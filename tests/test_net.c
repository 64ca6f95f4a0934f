/* test_net.c - net/: parsing every kind of packet, hostile inputs (every
 * truncation, bad lengths, random corruption in exact-size buffers), addresses,
 * prefixes, tuples, and rewriting the packet an ICMP error quotes. */
#include "tu.h"
#include "tu_pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_csum.h"
#include "../net/net_pkt.h"

#define NT_CAP 2048

static const uint8_t nt_payload[] = "The quick brown fox jumps over the lazy dog";

static int nt_build(uint8_t proto, const char *src, const char *dst, size_t plen, uint8_t *buf)
{
	struct tu_pkt_spec s = {.proto = proto, .src = src, .dst = dst, .sport = 40000,
				.dport = 21, .seq = 0x01020304, .ack = 0xa0b0c0d0,
				.tcp_flags = NET_TCP_ACK | NET_TCP_PSH, .window = 1234,
				.payload = nt_payload, .payload_len = plen, .ip_id = 0x4242};
	int n = tu_pkt_build(&s, buf, NT_CAP);

	CU_ASSERT_FATAL(n > 0);
	return n;
}

static void nt_addr(const char *s, struct net_addr *a)
{
	CU_ASSERT_FATAL(net_addr_parse(s, a) == 0);
}

static uint16_t nt_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void nt_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Parses a copy held in a buffer of exactly len bytes, so that ASan reports
 * any read past the end. Returns the parse result; *p is then stale. */
static int nt_parse_exact(const uint8_t *pkt, size_t len, enum net_err *err, struct net_pkt *out)
{
	uint8_t *b = malloc(len ? len : 1);
	struct net_pkt p;
	int rc;

	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, pkt, len);
	rc = net_pkt_parse(b, len, &p, err);
	if (rc == 0) {
		/* Whatever parsed must lie inside the buffer. */
		CU_ASSERT(p.len <= len);
		CU_ASSERT(p.l4_off <= p.len && p.l4_len <= p.len - p.l4_off);
		CU_ASSERT(p.payload_off <= p.len && p.payload_len <= p.len - p.payload_off);
		if (p.icmp_error) {
			CU_ASSERT(p.inner.l4_off <= p.len && p.inner.l4_len >= 8);
			CU_ASSERT(p.inner.l4_len <= p.len - p.inner.l4_off);
		}
		net_pkt_checksums_ok(&p);
	}
	if (out) {
		*out = p;
		out->buf = NULL;
	}
	free(b);
	return rc;
}

static void test_parse_tcp(void)
{
	const char *pairs[2][2] = {{"192.0.2.10", "203.0.113.20"}, {"2001:db8::10", "2001:db8:1::20"}};

	for (int f = 0; f < 2; f++) {
		uint8_t buf[NT_CAP];
		int n = nt_build(6, pairs[f][0], pairs[f][1], 10, buf);
		struct net_addr s, d;
		struct net_pkt p;
		enum net_err err = NET_ERR__COUNT;
		size_t ip = f ? 40 : 20;

		nt_addr(pairs[f][0], &s);
		nt_addr(pairs[f][1], &d);
		CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, &err) == 0);
		CU_ASSERT_EQUAL(err, NET_OK);
		CU_ASSERT_EQUAL(p.family, f ? NET_AF_INET6 : NET_AF_INET4);
		CU_ASSERT_EQUAL(p.len, (size_t)n);
		CU_ASSERT_EQUAL(p.tuple.proto, 6);
		CU_ASSERT_TRUE(net_addr_eq(&p.tuple.src, &s));
		CU_ASSERT_TRUE(net_addr_eq(&p.tuple.dst, &d));
		CU_ASSERT_EQUAL(p.tuple.sport, 40000);
		CU_ASSERT_EQUAL(p.tuple.dport, 21);
		CU_ASSERT_EQUAL(p.seq, 0x01020304);
		CU_ASSERT_EQUAL(p.ack, 0xa0b0c0d0);
		CU_ASSERT_EQUAL(p.tcp_flags, NET_TCP_ACK | NET_TCP_PSH);
		CU_ASSERT_EQUAL(p.window, 1234);
		CU_ASSERT_EQUAL(p.l4_off, ip);
		CU_ASSERT_EQUAL(p.l4_len, 30);
		CU_ASSERT_EQUAL(p.payload_off, ip + 20);
		CU_ASSERT_EQUAL(p.payload_len, 10);
		CU_ASSERT_EQUAL(memcmp(buf + p.payload_off, nt_payload, 10), 0);
		CU_ASSERT_FALSE(p.is_fragment);
		CU_ASSERT_TRUE(p.first_fragment);
		CU_ASSERT_FALSE(p.icmp_echo || p.icmp_error);
		CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
	}
}

static void test_parse_udp(void)
{
	const char *pairs[2][2] = {{"10.1.2.3", "10.3.2.1"}, {"fe80::1", "ff02::fb"}};

	for (int f = 0; f < 2; f++) {
		uint8_t buf[NT_CAP];
		int n = nt_build(17, pairs[f][0], pairs[f][1], 7, buf);
		struct net_pkt p;

		CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
		CU_ASSERT_EQUAL(p.tuple.proto, 17);
		CU_ASSERT_EQUAL(p.tuple.sport, 40000);
		CU_ASSERT_EQUAL(p.tuple.dport, 21);
		CU_ASSERT_EQUAL(p.l4_len, 15);
		CU_ASSERT_EQUAL(p.payload_off, p.l4_off + 8);
		CU_ASSERT_EQUAL(p.payload_len, 7);
		CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
		/* A corrupted payload byte must fail verification. */
		buf[p.payload_off] ^= 0x40;
		CU_ASSERT_FALSE(net_pkt_checksums_ok(&p));
	}
}

static void test_parse_icmp_echo(void)
{
	const char *pairs[2][2] = {{"192.0.2.1", "192.0.2.2"}, {"2001:db8::1", "2001:db8::2"}};
	const uint8_t protos[2] = {1, 58}, types[2] = {8, 128};

	for (int f = 0; f < 2; f++) {
		uint8_t buf[NT_CAP];
		int n = nt_build(protos[f], pairs[f][0], pairs[f][1], 5, buf);
		struct net_pkt p;

		CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
		CU_ASSERT_EQUAL(p.tuple.proto, protos[f]);
		CU_ASSERT_TRUE(p.icmp_echo);
		CU_ASSERT_FALSE(p.icmp_error);
		CU_ASSERT_EQUAL(p.icmp_type, types[f]);
		CU_ASSERT_EQUAL(p.icmp_code, 0);
		/* The identifier (the spec's sport) in both ports. */
		CU_ASSERT_EQUAL(p.tuple.sport, 40000);
		CU_ASSERT_EQUAL(p.tuple.dport, 40000);
		CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
	}
}

/* Ethernet pads short frames: the IP length, not the buffer, decides. */
static void test_parse_padding(void)
{
	uint8_t buf[NT_CAP];
	int n = nt_build(17, "192.0.2.1", "192.0.2.2", 2, buf);
	struct net_pkt p;

	memset(buf + n, 0, 16);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n + 16, &p, NULL) == 0);
	CU_ASSERT_EQUAL(p.len, (size_t)n);
	CU_ASSERT_EQUAL(p.payload_len, 2);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
	n = nt_build(6, "2001:db8::1", "2001:db8::2", 0, buf);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n + 6, &p, NULL) == 0);
	CU_ASSERT_EQUAL(p.len, (size_t)n);
}

/* Inserts opt_len bytes of IPv4 options after the fixed header. */
static int nt_add_ipv4_options(uint8_t *buf, int n, const uint8_t *opt, size_t opt_len)
{
	uint8_t tmp[NT_CAP];
	uint8_t ihl = (uint8_t)((20 + opt_len) / 4);

	memcpy(tmp, buf, (size_t)n);
	memcpy(buf + 20, opt, opt_len);
	memcpy(buf + 20 + opt_len, tmp + 20, (size_t)n - 20);
	n += (int)opt_len;
	buf[0] = (uint8_t)(0x40 | ihl);
	nt_wr16(buf + 2, (uint16_t)n);
	nt_wr16(buf + 10, 0);
	nt_wr16(buf + 10, net_csum_fold(net_csum_add(0, buf, 20 + opt_len)));
	return n;
}

static void test_parse_ipv4_options(void)
{
	/* Record route (7, len 11, ptr 4, two slots) then NOP and EOL. */
	static const uint8_t opt[12] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t buf[NT_CAP];
	int n = nt_build(6, "192.0.2.1", "192.0.2.2", 4, buf);
	struct net_pkt p;

	n = nt_add_ipv4_options(buf, n, opt, sizeof(opt));
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_EQUAL(p.l4_off, 32);
	CU_ASSERT_EQUAL(p.payload_off, 52);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(p.tuple.sport, 40000);
	/* The TCP checksum does not cover options, so it still verifies. */
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
}

/* Builds an IPv6 UDP packet with the given extension headers (each 8 bytes
 * unless AH) inserted between the fixed header and UDP. */
static int nt_build_v6_ext(const uint8_t *types, int count, bool frag_non_first, uint8_t *buf)
{
	uint8_t tmp[NT_CAP];
	int n = nt_build(17, "2001:db8::1", "2001:db8::2", 6, tmp);
	size_t off = 40;

	memcpy(buf, tmp, 40);
	buf[6] = count ? types[0] : 17;
	for (int i = 0; i < count; i++) {
		uint8_t nh = i + 1 < count ? types[i + 1] : 17;
		size_t hl = types[i] == 51 ? 24 : 8;

		memset(buf + off, 0, hl);
		buf[off] = nh;
		if (types[i] == 51)
			buf[off + 1] = 4; /* (4 + 2) * 4 = 24 bytes */
		else if (types[i] == 44 && frag_non_first)
			nt_wr16(buf + off + 2, 1480 | 1); /* offset 1480, M set */
		else if (types[i] == 0 || types[i] == 60)
			buf[off + 2] = 1, buf[off + 3] = 4; /* PadN over the 4 spare bytes */
		if (types[i] == 44)
			buf[off + 4] = 0xde, buf[off + 7] = 0xef;
		off += hl;
	}
	memcpy(buf + off, tmp + 40, (size_t)n - 40);
	n = (int)off + n - 40;
	nt_wr16(buf + 4, (uint16_t)(n - 40));
	return n;
}

static void test_parse_ipv6_ext_chain(void)
{
	static const uint8_t chain[] = {0, 43, 60, 51, 44};
	uint8_t buf[NT_CAP];
	int n = nt_build_v6_ext(chain, 5, false, buf);
	struct net_pkt p;
	enum net_err err;

	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, &err) == 0);
	CU_ASSERT_EQUAL(p.tuple.proto, 17);
	CU_ASSERT_EQUAL(p.l4_off, 40 + 8 + 8 + 8 + 24 + 8);
	CU_ASSERT_EQUAL(p.tuple.sport, 40000);
	CU_ASSERT_EQUAL(p.payload_len, 6);
	/* An atomic fragment header (offset 0, M clear) is not a fragment. */
	CU_ASSERT_FALSE(p.is_fragment);
	/* The checksum covers the UDP part only: still valid after insertion. */
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));

	/* Eight headers are walked, nine are refused. */
	{
		static const uint8_t eight[8] = {60, 60, 60, 60, 60, 60, 60, 60};
		static const uint8_t nine[9] = {60, 60, 60, 60, 60, 60, 60, 60, 60};

		n = nt_build_v6_ext(eight, 8, false, buf);
		CU_ASSERT_EQUAL(net_pkt_parse(buf, (size_t)n, &p, &err), 0);
		CU_ASSERT_EQUAL(p.l4_off, 40 + 64);
		n = nt_build_v6_ext(nine, 9, false, buf);
		CU_ASSERT_EQUAL(net_pkt_parse(buf, (size_t)n, &p, &err), -EINVAL);
		CU_ASSERT_EQUAL(err, NET_ERR_EXTHDR);
	}
	/* A header length running past the payload. */
	n = nt_build_v6_ext(chain, 1, false, buf);
	buf[41] = 200;
	CU_ASSERT_EQUAL(net_pkt_parse(buf, (size_t)n, &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(err, NET_ERR_EXTHDR);
}

static void test_parse_ipv6_no_next(void)
{
	uint8_t buf[NT_CAP];
	int n = nt_build(17, "2001:db8::1", "2001:db8::2", 0, buf);
	struct net_pkt p;

	buf[6] = 59;
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_EQUAL(p.tuple.proto, 59);
	CU_ASSERT_EQUAL(p.tuple.sport, 0);
	CU_ASSERT_EQUAL(p.tuple.dport, 0);
	CU_ASSERT_EQUAL(p.payload_off, p.len);
	CU_ASSERT_EQUAL(p.payload_len, 0);
}

static void test_parse_ipv6_fragment(void)
{
	static const uint8_t chain[] = {0, 44};
	uint8_t buf[NT_CAP];
	int n = nt_build_v6_ext(chain, 2, true, buf);
	struct net_pkt p;

	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_FALSE(p.first_fragment);
	CU_ASSERT_EQUAL(p.frag_offset, 1480);
	CU_ASSERT_EQUAL(p.frag_id, 0xde0000ef);
	CU_ASSERT_EQUAL(p.tuple.proto, 17);
	CU_ASSERT_EQUAL(p.tuple.sport, 0);
	CU_ASSERT_EQUAL(p.l4_off, p.len);
	CU_ASSERT_EQUAL(p.payload_off, p.len);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
}

static void test_parse_ipv4_fragments(void)
{
	uint8_t buf[NT_CAP];
	int n = nt_build(17, "192.0.2.1", "192.0.2.2", 40, buf);
	struct net_pkt p;
	enum net_err err;

	/* First fragment: MF set, only 16 of the 40 payload bytes here; the UDP
	 * length still announces the whole datagram. */
	n = 20 + 8 + 16;
	nt_wr16(buf + 2, (uint16_t)n);
	nt_wr16(buf + 6, 0x2000);
	nt_wr16(buf + 10, 0);
	nt_wr16(buf + 10, net_csum_fold(net_csum_add(0, buf, 20)));
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, &err) == 0);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_TRUE(p.first_fragment);
	CU_ASSERT_EQUAL(p.frag_id, 0x4242);
	CU_ASSERT_EQUAL(p.frag_offset, 0);
	CU_ASSERT_EQUAL(p.tuple.sport, 40000);
	CU_ASSERT_EQUAL(p.payload_len, 16);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));

	/* Non-first: offset 24 bytes (3 units), no transport header. */
	nt_wr16(buf + 6, 3);
	nt_wr16(buf + 10, 0);
	nt_wr16(buf + 10, net_csum_fold(net_csum_add(0, buf, 20)));
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, &err) == 0);
	CU_ASSERT_TRUE(p.is_fragment);
	CU_ASSERT_FALSE(p.first_fragment);
	CU_ASSERT_EQUAL(p.frag_offset, 24);
	CU_ASSERT_EQUAL(p.tuple.proto, 17);
	CU_ASSERT_EQUAL(p.tuple.sport, 0);
	CU_ASSERT_EQUAL(p.tuple.dport, 0);
	CU_ASSERT_EQUAL(p.l4_off, p.len);
	CU_ASSERT_EQUAL(p.payload_off, p.len);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
	/* Rewriting a non-first fragment touches the IP header only. */
	{
		struct net_addr a;

		nt_addr("198.51.100.9", &a);
		CU_ASSERT_EQUAL(net_pkt_rewrite_src(&p, &a, 999), 0);
		CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
		CU_ASSERT_EQUAL(memcmp(buf + 12, a.a, 4), 0);
		CU_ASSERT_EQUAL(nt_rd16(buf + 20), 40000);
	}
}

static int nt_icmp_error(const char *from, const char *to, const uint8_t *inner, int inner_len,
			 size_t quote, uint8_t *buf)
{
	int n = tu_pkt_build_icmp_error(from, to, inner, (size_t)inner_len, quote, buf, NT_CAP);

	CU_ASSERT_FATAL(n > 0);
	return n;
}

static void test_parse_icmp_error(void)
{
	const char *v[2][3] = {{"10.0.0.5", "198.51.100.7", "203.0.113.1"},
			       {"2001:db8::5", "2001:db8:2::7", "2001:db8:ff::1"}};
	const uint8_t protos[2] = {17, 6};

	for (int f = 0; f < 2; f++) {
		for (int k = 0; k < 2; k++) {
			uint8_t in[NT_CAP], buf[NT_CAP];
			int m = nt_build(protos[k], v[f][0], v[f][1], 12, in);
			size_t ip = f ? 40 : 20;
			int n = nt_icmp_error(v[f][2], v[f][0], in, m, ip + 8, buf);
			struct net_addr s, d;
			struct net_pkt p;
			enum net_err err;

			nt_addr(v[f][0], &s);
			nt_addr(v[f][1], &d);
			CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, &err) == 0);
			CU_ASSERT_TRUE(p.icmp_error);
			CU_ASSERT_FALSE(p.icmp_echo);
			CU_ASSERT_EQUAL(p.icmp_type, f ? 1 : 3);
			CU_ASSERT_EQUAL(p.inner.l3_off, p.l4_off + 8);
			CU_ASSERT_EQUAL(p.inner.l4_off, p.l4_off + 8 + ip);
			CU_ASSERT_EQUAL(p.inner.l4_len, 8);
			CU_ASSERT_EQUAL(p.inner.tuple.proto, protos[k]);
			CU_ASSERT_TRUE(net_addr_eq(&p.inner.tuple.src, &s));
			CU_ASSERT_TRUE(net_addr_eq(&p.inner.tuple.dst, &d));
			CU_ASSERT_EQUAL(p.inner.tuple.sport, 40000);
			CU_ASSERT_EQUAL(p.inner.tuple.dport, 21);
			CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));

			/* A quote of fewer than 8 transport bytes is unreadable. */
			n = nt_icmp_error(v[f][2], v[f][0], in, m, ip + 7, buf);
			CU_ASSERT_EQUAL(net_pkt_parse(buf, (size_t)n, &p, &err), -EINVAL);
			CU_ASSERT_EQUAL(err, NET_ERR_ICMP_INNER);
			n = nt_icmp_error(v[f][2], v[f][0], in, m, ip - 1, buf);
			CU_ASSERT_EQUAL(net_pkt_parse(buf, (size_t)n, &p, &err), -EINVAL);
			CU_ASSERT_EQUAL(err, NET_ERR_ICMP_INNER);
		}
	}
	/* An ICMPv4 error quoting an IPv6 packet makes no sense. */
	{
		uint8_t in[NT_CAP], buf[NT_CAP];
		int m = nt_build(17, "2001:db8::1", "2001:db8::2", 0, in);
		int n = nt_icmp_error("192.0.2.1", "192.0.2.2", in, m, (size_t)m, buf);
		struct net_pkt p;
		enum net_err err;

		CU_ASSERT_EQUAL(net_pkt_parse(buf, (size_t)n, &p, &err), -EINVAL);
		CU_ASSERT_EQUAL(err, NET_ERR_ICMP_INNER);
	}
}

/* A set of valid packets of every kind, for the hostile tests. */
static int nt_corpus(uint8_t bufs[][NT_CAP], int *lens)
{
	static const uint8_t chain[] = {0, 43, 60, 44};
	static const uint8_t opt[8] = {1, 1, 1, 1, 1, 1, 1, 0};
	uint8_t in[NT_CAP];
	int k = 0, m;

	lens[k] = nt_build(6, "192.0.2.1", "192.0.2.2", 20, bufs[k]), k++;
	lens[k] = nt_build(6, "2001:db8::1", "2001:db8::2", 9, bufs[k]), k++;
	lens[k] = nt_build(17, "192.0.2.1", "192.0.2.2", 3, bufs[k]), k++;
	lens[k] = nt_build(17, "::1", "::2", 0, bufs[k]), k++;
	lens[k] = nt_build(1, "192.0.2.1", "192.0.2.2", 4, bufs[k]), k++;
	lens[k] = nt_build(58, "2001:db8::1", "2001:db8::2", 4, bufs[k]), k++;
	lens[k] = nt_build(6, "192.0.2.1", "192.0.2.2", 5, bufs[k]);
	lens[k] = nt_add_ipv4_options(bufs[k], lens[k], opt, sizeof(opt)), k++;
	lens[k] = nt_build_v6_ext(chain, 4, false, bufs[k]), k++;
	m = nt_build(17, "10.0.0.1", "192.0.2.9", 8, in);
	lens[k] = nt_icmp_error("192.0.2.254", "10.0.0.1", in, m, (size_t)m, bufs[k]), k++;
	m = nt_build(6, "2001:db8::1", "2001:db8::9", 8, in);
	lens[k] = nt_icmp_error("2001:db8::fe", "2001:db8::1", in, m, 48, bufs[k]), k++;
	return k;
}

/* Every prefix of a valid packet is an inconsistent packet: each must be
 * refused, and none may make the parser read past its end. */
static void test_hostile_truncation(void)
{
	static uint8_t bufs[12][NT_CAP];
	int lens[12], k = nt_corpus(bufs, lens);

	for (int i = 0; i < k; i++) {
		enum net_err err;

		CU_ASSERT_EQUAL(nt_parse_exact(bufs[i], (size_t)lens[i], &err, NULL), 0);
		for (int len = 0; len < lens[i]; len++) {
			err = NET_OK;
			if (nt_parse_exact(bufs[i], (size_t)len, &err, NULL) != -EINVAL || err == NET_OK)
				CU_FAIL("a truncated packet parsed");
		}
	}
}

/* Random corruption of valid packets, parsed from exact-size buffers: any
 * outcome is allowed except reading out of bounds (ASan) or offsets outside
 * the packet (checked in nt_parse_exact). */
static void test_hostile_random(void)
{
	static uint8_t bufs[12][NT_CAP];
	int lens[12], k = nt_corpus(bufs, lens), ok = 0, bad = 0;
	uint64_t rs = 99;

	for (int r = 0; r < 20000; r++) {
		int i = (int)(tu_rand(&rs) % (uint64_t)k);
		uint8_t b[NT_CAP];
		size_t len = (size_t)lens[i];
		int flips = 1 + (int)(tu_rand(&rs) % 4);

		memcpy(b, bufs[i], len);
		for (int f = 0; f < flips; f++)
			b[tu_rand(&rs) % len] = (uint8_t)tu_rand(&rs);
		if (tu_rand(&rs) % 3 == 0)
			len = tu_rand(&rs) % (len + 1);
		if (nt_parse_exact(b, len, NULL, NULL) == 0)
			ok++;
		else
			bad++;
	}
	CU_ASSERT(ok > 0 && bad > 0);
}

static void nt_expect_err(uint8_t *buf, size_t len, enum net_err want)
{
	struct net_pkt p;
	enum net_err err = NET_OK;

	CU_ASSERT_EQUAL(net_pkt_parse(buf, len, &p, &err), -EINVAL);
	CU_ASSERT_EQUAL(err, want);
	CU_ASSERT_STRING_NOT_EQUAL(net_err_name(err), "unknown");
}

static void test_hostile_fields(void)
{
	uint8_t buf[NT_CAP], b[NT_CAP];
	int n = nt_build(6, "192.0.2.1", "192.0.2.2", 4, buf), n6, nu;

	memcpy(b, buf, (size_t)n);
	b[0] = 0x44; /* IHL 4 */
	nt_expect_err(b, (size_t)n, NET_ERR_IHL);
	memcpy(b, buf, (size_t)n);
	b[0] = 0x4f; /* IHL 15: 60 bytes, beyond the 44-byte packet */
	nt_expect_err(b, (size_t)n, NET_ERR_IHL);
	memcpy(b, buf, (size_t)n);
	nt_wr16(b + 2, 12); /* total length shorter than a header */
	nt_expect_err(b, (size_t)n, NET_ERR_TOTLEN);
	memcpy(b, buf, (size_t)n);
	nt_wr16(b + 2, (uint16_t)(n + 1)); /* cut by the snaplen */
	nt_expect_err(b, (size_t)n, NET_ERR_TRUNCATED);
	memcpy(b, buf, (size_t)n);
	b[0] = 0x55;
	nt_expect_err(b, (size_t)n, NET_ERR_VERSION);
	memcpy(b, buf, (size_t)n);
	b[32] = 0xf0; /* TCP data offset 60 > 24 bytes of segment */
	nt_expect_err(b, (size_t)n, NET_ERR_TCP_DOFF);
	memcpy(b, buf, (size_t)n);
	b[32] = 0x40; /* 16 < 20 */
	nt_expect_err(b, (size_t)n, NET_ERR_TCP_DOFF);
	memcpy(b, buf, (size_t)n);
	b[32] = 0x60; /* 24: exactly the segment, no payload */
	{
		struct net_pkt p;

		CU_ASSERT_EQUAL(net_pkt_parse(b, (size_t)n, &p, NULL), 0);
		CU_ASSERT_EQUAL(p.payload_len, 0);
		CU_ASSERT_EQUAL(p.payload_off, (size_t)n);
	}

	n6 = nt_build(6, "2001:db8::1", "2001:db8::2", 0, buf);
	memcpy(b, buf, (size_t)n6);
	nt_wr16(b + 4, 21); /* payload length beyond the buffer */
	nt_expect_err(b, (size_t)n6, NET_ERR_TRUNCATED);
	memcpy(b, buf, (size_t)n6);
	nt_wr16(b + 4, 12); /* a TCP header cut by the payload length */
	nt_expect_err(b, (size_t)n6, NET_ERR_TRUNCATED);

	nu = nt_build(17, "192.0.2.1", "192.0.2.2", 4, buf);
	for (int d = -1; d <= 1; d += 2) {
		memcpy(b, buf, (size_t)nu);
		nt_wr16(b + 24, (uint16_t)(12 + d));
		nt_expect_err(b, (size_t)nu, NET_ERR_UDP_LEN);
	}
	memcpy(b, buf, (size_t)nu);
	nt_wr16(b + 24, 7);
	nt_expect_err(b, (size_t)nu, NET_ERR_UDP_LEN);
	nt_expect_err(b, 0, NET_ERR_TRUNCATED);
}

static void test_addr(void)
{
	static const struct {
		const char *in, *out;
		uint8_t family;
	} good[] = {
		{"192.0.2.1", "192.0.2.1", 4},
		{"0.0.0.0", "0.0.0.0", 4},
		{"255.255.255.255", "255.255.255.255", 4},
		{"2001:db8::1", "2001:db8::1", 6},
		{"2001:DB8:0:0:0:0:0:1", "2001:db8::1", 6},
		{"::", "::", 6},
		{"::1", "::1", 6},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1", 6},
		{"fe80::1:2:3:4", "fe80::1:2:3:4", 6},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", 6},
	};
	static const char *bad[] = {"", "1.2.3", "256.1.1.1", "1.2.3.4/8", "gg::1", "1:2:3:4:5:6:7:8:9",
				    " 1.2.3.4", "1.2.3.4 ", "2001:db8::1::2", "[::1]"};
	char s[NET_ADDR_STRLEN];
	struct net_addr a, b;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(net_addr_parse(good[i].in, &a), 0);
		CU_ASSERT_EQUAL(a.family, good[i].family);
		CU_ASSERT_EQUAL(net_addr_len(&a), good[i].family == 4 ? 4u : 16u);
		CU_ASSERT_TRUE(net_addr_is_set(&a));
		CU_ASSERT_EQUAL(net_addr_format(&a, s, sizeof(s)), 0);
		CU_ASSERT_STRING_EQUAL(s, good[i].out);
		CU_ASSERT_EQUAL(net_addr_parse(s, &b), 0);
		CU_ASSERT_TRUE(net_addr_eq(&a, &b));
		/* IPv4 keeps bytes 4..15 zero so the struct can be hashed whole. */
		if (a.family == 4)
			for (int k = 4; k < 16; k++)
				CU_ASSERT_EQUAL(a.a[k], 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(net_addr_parse(bad[i], &a), -EINVAL);
	CU_ASSERT_EQUAL(net_addr_parse(NULL, &a), -EINVAL);

	net_addr_parse("2001:db8:1:2:3:4:5:6", &a);
	CU_ASSERT_EQUAL(net_addr_format(&a, s, 8), -ENOSPC);
	memset(&b, 0, sizeof(b));
	CU_ASSERT_FALSE(net_addr_is_set(&b));
	CU_ASSERT_EQUAL(net_addr_len(&b), 0);
	CU_ASSERT_EQUAL(net_addr_format(&b, s, sizeof(s)), -EINVAL);
	/* Same bytes, other family: not equal. */
	net_addr_parse("::", &a);
	net_addr_parse("0.0.0.0", &b);
	CU_ASSERT_FALSE(net_addr_eq(&a, &b));
}

static void test_prefix(void)
{
	static const struct {
		const char *pfx, *addr;
		bool in;
	} cases[] = {
		{"10.0.0.0/8", "10.255.1.1", true},
		{"10.0.0.0/8", "11.0.0.0", false},
		{"10.0.0.0/8", "9.255.255.255", false},
		{"192.168.1.77/24", "192.168.1.200", true},
		{"192.168.1.0/23", "192.168.0.1", true},
		{"192.168.1.0/23", "192.168.2.1", false},
		{"172.16.0.0/12", "172.31.255.255", true},
		{"172.16.0.0/12", "172.32.0.0", false},
		{"0.0.0.0/0", "203.0.113.9", true},
		{"0.0.0.0/0", "::1", false},
		{"192.0.2.1/32", "192.0.2.1", true},
		{"192.0.2.1/32", "192.0.2.0", false},
		{"192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
		{"2001:db8:1::/64", "2001:db8:1::ffff", true},
		{"2001:db8:1::/64", "2001:db8:1:0:ffff::1", true},
		{"2001:db8:1::/64", "2001:db8:1:1::1", false},
		{"2001:db8::/33", "2001:db8:7fff::1", true},
		{"2001:db8::/33", "2001:db8:8000::1", false},
		{"::/0", "2001:db8::1", true},
		{"::/0", "192.0.2.1", false},
		{"2001:db8::1/128", "2001:db8::1", true},
		{"2001:db8::1/128", "2001:db8::2", false},
		{"any", "192.0.2.1", true},
		{"any", "2001:db8::1", true},
	};
	static const char *bad[] = {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08",
				    "10.0.0.0/ 8", "10.0.0.0/8x", "/8", "10.0.0/8", "10.0.0.0/8/8",
				    "10.0.0.0/4294967304"};
	struct net_prefix p, q;
	struct net_addr a;
	char s[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(net_prefix_parse(cases[i].pfx, &p), 0);
		nt_addr(cases[i].addr, &a);
		if (net_prefix_contains(&p, &a) != cases[i].in)
			CU_FAIL(cases[i].pfx);
		/* Format and parse back to the same prefix. */
		CU_ASSERT_EQUAL(net_prefix_format(&p, s, sizeof(s)), 0);
		CU_ASSERT_EQUAL(net_prefix_parse(s, &q), 0);
		CU_ASSERT_EQUAL(memcmp(&p, &q, sizeof(p)), 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (net_prefix_parse(bad[i], &p) != -EINVAL)
			CU_FAIL(bad[i]);

	net_prefix_parse("192.168.1.77/20", &p);
	net_prefix_format(&p, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "192.168.0.0/20");
	net_prefix_parse("2001:db8:abcd:ef12::1/52", &p);
	net_prefix_format(&p, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "2001:db8:abcd:e000::/52");
	net_prefix_parse("2001:db8::1", &p);
	CU_ASSERT_EQUAL(p.len, 128);
	CU_ASSERT_EQUAL(net_prefix_format(&p, s, 5), -ENOSPC);
}

static void test_tuple(void)
{
	struct net_tuple t = {.proto = 6, .sport = 1025, .dport = 21}, r, rr, u;
	char s[128];
	uint64_t h;

	nt_addr("192.0.2.10", &t.src);
	nt_addr("203.0.113.20", &t.dst);
	CU_ASSERT_EQUAL(net_tuple_format(&t, s, sizeof(s)), 0);
	CU_ASSERT_STRING_EQUAL(s, "tcp 192.0.2.10:1025 -> 203.0.113.20:21");
	CU_ASSERT_EQUAL(net_tuple_format(&t, s, 10), -ENOSPC);

	net_tuple_reverse(&t, &r);
	CU_ASSERT_TRUE(net_addr_eq(&r.src, &t.dst) && net_addr_eq(&r.dst, &t.src));
	CU_ASSERT_EQUAL(r.sport, 21);
	CU_ASSERT_EQUAL(r.dport, 1025);
	CU_ASSERT_FALSE(net_tuple_eq(&t, &r));
	net_tuple_reverse(&r, &rr);
	CU_ASSERT_TRUE(net_tuple_eq(&t, &rr));
	u = t;
	net_tuple_reverse(&u, &u); /* in place */
	CU_ASSERT_TRUE(net_tuple_eq(&u, &r));

	h = net_tuple_hash(&t, 1);
	CU_ASSERT_EQUAL(h, net_tuple_hash(&rr, 1));
	CU_ASSERT_NOT_EQUAL(h, net_tuple_hash(&t, 2));
	CU_ASSERT_NOT_EQUAL(h, net_tuple_hash(&r, 1));
	u = t;
	u.sport++;
	CU_ASSERT_FALSE(net_tuple_eq(&t, &u));
	CU_ASSERT_NOT_EQUAL(h, net_tuple_hash(&u, 1));
	u = t;
	u.proto = 17;
	CU_ASSERT_FALSE(net_tuple_eq(&t, &u));
	CU_ASSERT_NOT_EQUAL(h, net_tuple_hash(&u, 1));

	/* Spread: 4096 tuples differing in one port fill 256 buckets evenly-ish. */
	{
		int buckets[256] = {0}, max = 0;

		for (int i = 0; i < 4096; i++) {
			u = t;
			u.sport = (uint16_t)i;
			buckets[net_tuple_hash(&u, 7) & 255]++;
		}
		for (int i = 0; i < 256; i++)
			max = buckets[i] > max ? buckets[i] : max;
		CU_ASSERT(max < 40);
	}

	t.proto = 58;
	nt_addr("2001:db8::1", &t.src);
	nt_addr("2001:db8::2", &t.dst);
	t.sport = t.dport = 7;
	CU_ASSERT_EQUAL(net_tuple_format(&t, s, sizeof(s)), 0);
	CU_ASSERT_STRING_EQUAL(s, "icmpv6 [2001:db8::1]:7 -> [2001:db8::2]:7");
	t.proto = 17;
	net_tuple_format(&t, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "udp [2001:db8::1]:7 -> [2001:db8::2]:7");
}

/* Folded sum over a quoted IPv4 header: 0 when its checksum is right. */
static uint16_t nt_ipv4_hdr_check(const uint8_t *ip)
{
	return net_csum_fold(net_csum_add(0, ip, (size_t)(ip[0] & 15) * 4));
}

/* An ICMP error for a translated flow comes back quoting the public side;
 * rewriting the quote to the private side must give exactly the bytes the
 * private packet had (a libnet build of it), with the outer ICMP checksum
 * still right. Whole quotes (inner checksums verifiable) and 8-byte ones. */
static void test_inner_rewrite(void)
{
	/* private, public, remote, router */
	const char *v[2][4] = {{"10.0.0.5", "203.0.113.7", "198.51.100.7", "192.0.2.254"},
			       {"fd00::5", "2001:db8:7::7", "2001:db8:2::7", "2001:db8:ff::1"}};
	const uint8_t protos[2][3] = {{17, 6, 1}, {17, 6, 58}};

	for (int f = 0; f < 2; f++) {
		for (int k = 0; k < 3; k++) {
			for (int whole = 0; whole < 2; whole++) {
				struct tu_pkt_spec pub = {.proto = protos[f][k], .src = v[f][1],
							  .dst = v[f][2], .sport = 61000, .dport = 53,
							  .seq = 77, .payload = nt_payload,
							  .payload_len = 11, .ip_id = 9};
				struct tu_pkt_spec priv = pub;
				uint8_t in_pub[NT_CAP], in_priv[NT_CAP], buf[NT_CAP];
				size_t ip = f ? 40 : 20;
				struct net_addr pa, ra;
				struct net_pkt p, q;
				int m, m2, n;
				size_t quote;
				bool echo = protos[f][k] == 1 || protos[f][k] == 58;

				priv.src = v[f][0];
				priv.sport = 5000;
				if (echo)
					pub.sport = 61000, priv.sport = 5000;
				m = tu_pkt_build(&pub, in_pub, NT_CAP);
				m2 = tu_pkt_build(&priv, in_priv, NT_CAP);
				CU_ASSERT_FATAL(m > 0 && m == m2);
				quote = whole ? (size_t)m : ip + 8;
				n = nt_icmp_error(v[f][3], v[f][1], in_pub, m, quote, buf);
				CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
				CU_ASSERT_FATAL(p.icmp_error);

				nt_addr(v[f][0], &pa);
				nt_addr(v[f][3], &ra);
				/* Outer: to the private host; inner: from it. */
				CU_ASSERT_EQUAL(net_pkt_rewrite_dst(&p, &pa, 0), 0);
				CU_ASSERT_EQUAL(net_pkt_rewrite_inner_src(&p, &pa, 5000), 0);
				CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
				CU_ASSERT_EQUAL(memcmp(buf + p.inner.l3_off, in_priv, quote), 0);
				if (f == 0)
					CU_ASSERT_EQUAL(nt_ipv4_hdr_check(buf + p.inner.l3_off), 0);
				CU_ASSERT_TRUE(net_addr_eq(&p.inner.tuple.src, &pa));
				CU_ASSERT_EQUAL(p.inner.tuple.sport, 5000);
				if (echo)
					CU_ASSERT_EQUAL(p.inner.tuple.dport, 5000);
				CU_ASSERT_TRUE(net_addr_eq(&p.tuple.dst, &pa));
				CU_ASSERT_TRUE(net_addr_eq(&p.tuple.src, &ra));

				/* The re-parsed packet agrees with the updated struct. */
				CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &q, NULL) == 0);
				CU_ASSERT_TRUE(net_tuple_eq(&q.inner.tuple, &p.inner.tuple));

				/* And back: inner dst rewrite on a reply-direction quote. */
				CU_ASSERT_EQUAL(net_pkt_rewrite_inner_dst(&p, &ra, 4444), 0);
				CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
				if (f == 0)
					CU_ASSERT_EQUAL(nt_ipv4_hdr_check(buf + p.inner.l3_off), 0);
			}
		}
	}
}

/* A zero IPv4 UDP checksum in a quote stays zero; other calls are refused
 * on packets that are not ICMP errors. */
static void test_inner_rewrite_edges(void)
{
	struct tu_pkt_spec s = {.proto = 17, .src = "203.0.113.7", .dst = "198.51.100.7",
				.sport = 61000, .dport = 53, .udp_zero_csum = 1};
	uint8_t in[NT_CAP], buf[NT_CAP];
	struct net_addr a, a6;
	struct net_pkt p;
	int m = tu_pkt_build(&s, in, NT_CAP), n;

	CU_ASSERT_FATAL(m > 0);
	n = nt_icmp_error("192.0.2.254", "203.0.113.7", in, m, (size_t)m, buf);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	nt_addr("10.0.0.5", &a);
	nt_addr("2001:db8::1", &a6);
	CU_ASSERT_EQUAL(net_pkt_rewrite_inner_src(&p, &a, 5000), 0);
	CU_ASSERT_EQUAL(nt_rd16(buf + p.inner.l4_off + 6), 0);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
	CU_ASSERT_EQUAL(net_pkt_rewrite_inner_src(&p, &a6, 5000), -EINVAL);

	m = nt_build(17, "192.0.2.1", "192.0.2.2", 0, buf);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)m, &p, NULL) == 0);
	CU_ASSERT_EQUAL(net_pkt_rewrite_inner_src(&p, &a, 1), -EINVAL);
	CU_ASSERT_EQUAL(net_pkt_rewrite_inner_dst(&p, &a, 1), -EINVAL);
}

/* ICMP echo: the "port" of a rewrite is the identifier. */
static void test_echo_rewrite(void)
{
	uint8_t buf[NT_CAP];
	int n = nt_build(58, "fd00::5", "2001:db8::9", 8, buf);
	struct net_addr a;
	struct net_pkt p;

	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	nt_addr("2001:db8:7::7", &a);
	CU_ASSERT_EQUAL(net_pkt_rewrite_src(&p, &a, 3333), 0);
	CU_ASSERT_EQUAL(p.tuple.sport, 3333);
	CU_ASSERT_EQUAL(p.tuple.dport, 3333);
	CU_ASSERT_EQUAL(nt_rd16(buf + p.l4_off + 4), 3333);
	CU_ASSERT_TRUE(net_pkt_checksums_ok(&p));
}

TU_MAIN("net", TU_CASE(test_parse_tcp), TU_CASE(test_parse_udp), TU_CASE(test_parse_icmp_echo),
	TU_CASE(test_parse_padding), TU_CASE(test_parse_ipv4_options),
	TU_CASE(test_parse_ipv6_ext_chain), TU_CASE(test_parse_ipv6_no_next),
	TU_CASE(test_parse_ipv6_fragment), TU_CASE(test_parse_ipv4_fragments),
	TU_CASE(test_parse_icmp_error), TU_CASE(test_hostile_truncation),
	TU_CASE(test_hostile_random), TU_CASE(test_hostile_fields), TU_CASE(test_addr),
	TU_CASE(test_prefix), TU_CASE(test_tuple), TU_CASE(test_inner_rewrite),
	TU_CASE(test_inner_rewrite_edges), TU_CASE(test_echo_rewrite))
