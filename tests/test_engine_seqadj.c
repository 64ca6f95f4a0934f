/* test_engine_seqadj.c - unit tests of the shared sequence adjustment
 * (engine-internal API): several edits, retransmissions, 32-bit wraparound,
 * the bounded breakpoint list, and SACK edges with checksums kept right. */
#include "../engine/gnat_int.h"
#include "../net/net_csum.h"
#include "tu.h"

#include <string.h>

static void test_multiple_edits(void)
{
	struct gnat_seqadj_dir d;

	memset(&d, 0, sizeof(d));
	CU_ASSERT(gnat_seqadj_fwd(&d, 1234) == 1234);
	CU_ASSERT(gnat_seqadj_back(&d, 1234) == 1234);
	/* a 20-byte segment at 1000 grew by 5 */
	CU_ASSERT(gnat_seqadj_record(&d, 1000, 20, 5));
	CU_ASSERT(gnat_seqadj_fwd(&d, 1000) == 1000); /* itself: delta before its edit */
	CU_ASSERT(gnat_seqadj_fwd(&d, 1019) == 1019);
	CU_ASSERT(gnat_seqadj_fwd(&d, 1020) == 1025);
	CU_ASSERT(gnat_seqadj_back(&d, 1025) == 1020);
	CU_ASSERT(gnat_seqadj_back(&d, 1024) == 1024); /* ACK inside the grown segment */
	/* a 10-byte segment at 1100 shrank by 3 */
	CU_ASSERT(gnat_seqadj_record(&d, 1100, 10, -3));
	CU_ASSERT(gnat_seqadj_delta(&d) == 2);
	CU_ASSERT(gnat_seqadj_fwd(&d, 1100) == 1105);
	CU_ASSERT(gnat_seqadj_fwd(&d, 1110) == 1112);
	CU_ASSERT(gnat_seqadj_back(&d, 1112) == 1110);
	CU_ASSERT(gnat_seqadj_back(&d, 1105) == 1100);
	/* round trip over a range */
	for (uint32_t s = 1020; s < 1200; s++)
		if (s < 1100 || s >= 1110)
			CU_ASSERT(gnat_seqadj_back(&d, gnat_seqadj_fwd(&d, s)) == s);
	/* no change, nothing recorded */
	CU_ASSERT(!gnat_seqadj_record(&d, 1200, 10, 0));
	CU_ASSERT(d.n == 2);
}

static void test_retransmission_not_recorded_twice(void)
{
	struct gnat_seqadj_dir d;

	memset(&d, 0, sizeof(d));
	CU_ASSERT(gnat_seqadj_record(&d, 1000, 20, 5));
	CU_ASSERT(gnat_seqadj_record(&d, 1100, 10, 4));
	CU_ASSERT(!gnat_seqadj_record(&d, 1000, 20, 5));
	CU_ASSERT(!gnat_seqadj_record(&d, 1100, 10, 4));
	CU_ASSERT(d.n == 2);
	CU_ASSERT(gnat_seqadj_delta(&d) == 9);
	/* the retransmitted first segment is placed where it was the first time */
	CU_ASSERT(gnat_seqadj_fwd(&d, 1000) == 1000);
	CU_ASSERT(gnat_seqadj_fwd(&d, 1100) == 1105);
}

static void test_wraparound(void)
{
	struct gnat_seqadj_dir d;

	memset(&d, 0, sizeof(d));
	CU_ASSERT(gnat_seqadj_record(&d, 0xfffffff0u, 0x20, 4)); /* ends at 0x10 */
	CU_ASSERT(gnat_seqadj_fwd(&d, 0xfffffff8u) == 0xfffffff8u);
	CU_ASSERT(gnat_seqadj_fwd(&d, 0xffffffffu) == 0xffffffffu);
	CU_ASSERT(gnat_seqadj_fwd(&d, 0x10) == 0x14);
	CU_ASSERT(gnat_seqadj_fwd(&d, 0x20) == 0x24);
	CU_ASSERT(gnat_seqadj_back(&d, 0x14) == 0x10);
	/* a retransmission from before the wrap is still not recorded */
	CU_ASSERT(!gnat_seqadj_record(&d, 0xfffffff0u, 0x20, 4));
	/* a shrink that moves a sequence number back across zero */
	memset(&d, 0, sizeof(d));
	CU_ASSERT(gnat_seqadj_record(&d, 0xfffffff0u, 0x14, -0x10)); /* ends at 0x4 */
	CU_ASSERT(gnat_seqadj_fwd(&d, 0x4) == 0xfffffff4u);
	CU_ASSERT(gnat_seqadj_back(&d, 0xfffffff4u) == 0x4);
	CU_ASSERT(gnat_seqadj_fwd(&d, 0xfffffff0u) == 0xfffffff0u);
}

/* Past GNAT_SEQADJ_MAX edits the oldest breakpoint is dropped. */
static void test_bounded_breakpoints(void)
{
	struct gnat_seqadj_dir d;

	memset(&d, 0, sizeof(d));
	for (uint32_t i = 0; i < GNAT_SEQADJ_MAX + 2; i++)
		CU_ASSERT(gnat_seqadj_record(&d, 1000 + 100 * i, 10, 1));
	CU_ASSERT(d.n == GNAT_SEQADJ_MAX);
	CU_ASSERT(gnat_seqadj_delta(&d) == GNAT_SEQADJ_MAX + 2);
	CU_ASSERT(d.bp[0].pos == 1000 + 100 * 2 + 10);
	/* recent data is right */
	CU_ASSERT(gnat_seqadj_fwd(&d, 1000 + 100 * (GNAT_SEQADJ_MAX + 1) + 10) ==
		  1000 + 100 * (GNAT_SEQADJ_MAX + 1) + 10 + GNAT_SEQADJ_MAX + 2);
}

/* IPv4 + TCP with a SACK option: lead bytes of NOPs decide its alignment. */
static size_t sack_packet(uint8_t *b, size_t lead, uint32_t left, uint32_t right)
{
	size_t opt = lead + 10, pad = (4 - opt % 4) % 4, tcp = 20 + opt + pad, len = 20 + tcp;

	memset(b, 0, len);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = 6;
	b[12] = 192, b[13] = 0, b[14] = 2, b[15] = 10;
	b[16] = 198, b[17] = 51, b[18] = 100, b[19] = 7;
	b[20] = 0x9c, b[21] = 0x40; /* 40000 */
	b[23] = 80;
	b[27] = 1;   /* seq */
	b[31] = 100; /* ack */
	b[32] = (uint8_t)((tcp / 4) << 4);
	b[33] = NET_TCP_ACK;
	b[34] = 0xff, b[35] = 0xff;
	memset(b + 40, 1, lead);
	b[40 + lead] = 5;
	b[41 + lead] = 10;
	for (int i = 0; i < 4; i++) {
		b[42 + lead + i] = (uint8_t)(left >> (24 - 8 * i));
		b[46 + lead + i] = (uint8_t)(right >> (24 - 8 * i));
	}
	memset(b + 50 + lead, 1, pad);
	return len;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_sack_edges(void)
{
	struct gnat_seqadj_dir d;
	uint8_t b[128];
	struct net_pkt p;
	enum net_err e;

	memset(&d, 0, sizeof(d));
	CU_ASSERT(gnat_seqadj_record(&d, 1000, 20, 5));
	for (size_t lead = 0; lead < 4; lead++) {
		size_t len = sack_packet(b, lead, 1030, 1045);

		CU_ASSERT_FATAL(net_pkt_parse(b, len, &p, &e) == 0);
		net_pkt_fix_checksums(&p);
		CU_ASSERT_FATAL(net_pkt_checksums_ok(&p));
		gnat_seqadj_sack(&p, &d, true);
		CU_ASSERT(rd32(b + 42 + lead) == 1025);
		CU_ASSERT(rd32(b + 46 + lead) == 1040);
		CU_ASSERT(net_pkt_checksums_ok(&p));
		gnat_seqadj_sack(&p, &d, false);
		CU_ASSERT(rd32(b + 42 + lead) == 1030);
		CU_ASSERT(net_pkt_checksums_ok(&p));
	}
	/* a malformed option length stops the walk without touching anything */
	{
		size_t len = sack_packet(b, 0, 1030, 1045);

		b[41] = 40;
		CU_ASSERT_FATAL(net_pkt_parse(b, len, &p, &e) == 0);
		gnat_seqadj_sack(&p, &d, true);
		CU_ASSERT(rd32(b + 42) == 1030);
		b[41] = 1;
		gnat_seqadj_sack(&p, &d, true);
		CU_ASSERT(rd32(b + 42) == 1030);
	}
}

TU_MAIN("engine_seqadj", TU_CASE(test_multiple_edits),
	TU_CASE(test_retransmission_not_recorded_twice), TU_CASE(test_wraparound),
	TU_CASE(test_bounded_breakpoints), TU_CASE(test_sack_edges))
