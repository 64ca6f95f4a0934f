/* test_net_rewrite_ends.c - net_pkt_rewrite_ends (one checksum update for
 * both ends) and net_pkt_rewrite_ends_delta (the update precomputed) against
 * net_pkt_rewrite_src then _dst, byte for byte, on random
 * TCP/UDP/ICMP packets of both families, including checksum fields forced to
 * the one's-complement edge values 0x0000 and 0xFFFF. */
#include "../net/net_pkt.h"
#include "tu.h"
#include "tu_pkt.h"

#include <stdio.h>
#include <string.h>

#define TR_CAP 256

static uint64_t tr_state = 0x2545f4914f6cdd1dULL;

static uint32_t tr_rand(uint32_t n)
{
	tr_state ^= tr_state >> 12, tr_state ^= tr_state << 25, tr_state ^= tr_state >> 27;
	return (uint32_t)((tr_state * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

static void tr_addr(bool v6, char *buf, size_t len)
{
	if (v6)
		snprintf(buf, len, "2001:db8:%x::%x", tr_rand(65536), 1 + tr_rand(65535));
	else
		snprintf(buf, len, "%u.%u.%u.%u", 1 + tr_rand(223), tr_rand(256), tr_rand(256),
			 tr_rand(256));
}

static void test_ends_equal_sequential(void)
{
	unsigned fast = 0, edge = 0;

	for (int k = 0; k < 20000; k++) {
		uint8_t a[TR_CAP], b[TR_CAP], c[TR_CAP];
		struct tu_pkt_spec s;
		struct net_pkt pa, pb, pc;
		struct net_tuple to;
		uint16_t dip, dl4;
		struct net_addr ns, nd;
		char src[64], dst[64], s2[64], d2[64];
		bool v6 = tr_rand(2), do_src = tr_rand(4) != 0, do_dst = !do_src || tr_rand(2);
		uint16_t sport = (uint16_t)tr_rand(65536), dport = (uint16_t)tr_rand(65536);
		uint8_t payload[40];
		bool forced = false;
		int n;

		tr_addr(v6, src, sizeof(src));
		tr_addr(v6, dst, sizeof(dst));
		tr_addr(v6, s2, sizeof(s2));
		tr_addr(v6, d2, sizeof(d2));
		for (size_t i = 0; i < sizeof(payload); i++)
			payload[i] = (uint8_t)tr_rand(256);
		memset(&s, 0, sizeof(s));
		s.proto = tr_rand(10) == 0 ? (v6 ? 58 : 1) : tr_rand(2) ? 6 : 17;
		s.src = src;
		s.dst = dst;
		s.sport = (uint16_t)tr_rand(65536);
		s.dport = (uint16_t)tr_rand(65536);
		s.seq = tr_rand(UINT32_MAX);
		s.tcp_flags = 0x18;
		s.payload = payload;
		s.payload_len = tr_rand(sizeof(payload));
		s.udp_zero_csum = !v6 && tr_rand(4) == 0;
		n = tu_pkt_build(&s, a, sizeof(a));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_FATAL(net_pkt_parse(a, (size_t)n, &pa, NULL) == 0);
		/* an edge value in the transport checksum (still a valid packet to
		 * rewrite: the update is incremental and never verifies) */
		if (tr_rand(8) == 0 && (s.proto == 6 || (s.proto == 17 && !s.udp_zero_csum))) {
			size_t c = pa.l4_off + (s.proto == 6 ? 16 : 6);

			a[c] = a[c + 1] = tr_rand(2) ? 0xff : 0x00;
			forced = true;
			edge++;
		}
		memcpy(b, a, sizeof(a));
		memcpy(c, a, sizeof(a));
		CU_ASSERT_FATAL(net_pkt_parse(a, (size_t)n, &pa, NULL) == 0);
		CU_ASSERT_FATAL(net_pkt_parse(c, (size_t)n, &pc, NULL) == 0);
		CU_ASSERT_FATAL(net_pkt_parse(b, (size_t)n, &pb, NULL) == 0);
		CU_ASSERT_FATAL(net_addr_parse(s2, &ns) == 0);
		CU_ASSERT_FATAL(net_addr_parse(d2, &nd) == 0);
		if (do_src)
			CU_ASSERT(net_pkt_rewrite_src(&pa, &ns, sport) == 0);
		if (do_dst)
			CU_ASSERT(net_pkt_rewrite_dst(&pa, &nd, dport) == 0);
		CU_ASSERT(net_pkt_rewrite_ends(&pb, do_src ? &ns : NULL, sport, do_dst ? &nd : NULL,
					       dport) == 0);
		CU_ASSERT(memcmp(a, b, (size_t)n) == 0);
		CU_ASSERT(net_tuple_eq(&pa.tuple, &pb.tuple));
		/* the precomputed-delta rewrite (a NAT mapping's) gives the same
		 * bytes for TCP and UDP */
		if (s.proto == 6 || s.proto == 17) {
			to = pc.tuple;
			if (do_src) {
				to.src = ns;
				to.sport = sport;
			}
			if (do_dst) {
				to.dst = nd;
				to.dport = dport;
			}
			if (net_ends_delta(&pc.tuple, &to, &dip, &dl4))
				CU_ASSERT(net_pkt_rewrite_ends_delta(&pc, &to, dip, dl4) == 0);
			CU_ASSERT(memcmp(a, c, (size_t)n) == 0);
			CU_ASSERT(net_tuple_eq(&pa.tuple, &pc.tuple));
		}
		/* an untouched valid packet stays valid */
		if (!forced)
			CU_ASSERT(net_pkt_checksums_ok(&pb));
		fast += s.proto == 6 || s.proto == 17;
	}
	CU_ASSERT(fast > 15000);
	CU_ASSERT(edge > 500);
}

static void test_ends_checksums_valid(void)
{
	uint8_t buf[TR_CAP];
	struct tu_pkt_spec s;
	struct net_pkt p;
	struct net_addr ns, nd;
	int n;

	memset(buf, 0, sizeof(buf));
	memset(&s, 0, sizeof(s));
	s.proto = 6;
	s.src = "192.0.2.10";
	s.dst = "198.51.100.7";
	s.sport = 1025;
	s.dport = 80;
	s.tcp_flags = 0x02;
	n = tu_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &ns) == 0);
	CU_ASSERT_FATAL(net_addr_parse("10.1.2.3", &nd) == 0);
	CU_ASSERT(net_pkt_rewrite_ends(&p, &ns, 40000, &nd, 8080) == 0);
	CU_ASSERT(net_pkt_checksums_ok(&p));
	CU_ASSERT_FATAL(net_pkt_parse(buf, (size_t)n, &p, NULL) == 0);
	CU_ASSERT_EQUAL(p.tuple.sport, 40000);
	CU_ASSERT_EQUAL(p.tuple.dport, 8080);
	CU_ASSERT(net_addr_eq(&p.tuple.src, &ns));
	CU_ASSERT(net_addr_eq(&p.tuple.dst, &nd));
	/* a family mismatch is refused and changes nothing */
	CU_ASSERT_FATAL(net_addr_parse("2001:db8::1", &nd) == 0);
	{
		uint8_t before[TR_CAP];

		memcpy(before, buf, sizeof(buf));
		CU_ASSERT(net_pkt_rewrite_ends(&p, NULL, 0, &nd, 1) != 0);
		CU_ASSERT(memcmp(before, buf, sizeof(buf)) == 0);
	}
}

TU_MAIN("net_rewrite_ends", TU_CASE(test_ends_equal_sequential),
	TU_CASE(test_ends_checksums_valid))
