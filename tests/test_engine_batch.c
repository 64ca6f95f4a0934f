/* test_engine_batch.c - gnat_process_batch against gnat_process one by one
 * and against the full path alone (no_fast_path):
 * thousands of random packets (v4/v6, TCP/UDP/ICMP echo, both sides, FTP
 * control with PORT/227 lines, malformed ones, expiry between batches) must
 * give the same bytes, results, counters and mapping table either way. */
#include "test_engine_util.h"

#include <errno.h>
#include <stdio.h>

#define TB_CAP 1600
#define TB_MAX_BATCH 40
#define TB_ROUNDS 400

struct tb_rng {
	uint64_t s;
};

static uint32_t tb_rand(struct tb_rng *r, uint32_t n)
{
	r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

static const char *const tb_in4[] = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
static const char *const tb_in6[] = {"2001:db8:1::10", "2001:db8:1::11"};
static const char *const tb_out4[] = {"198.51.100.7", "198.51.100.8"};
static const char *const tb_out6[] = {"2001:db8:ff::7", "2001:db8:ff::8"};
static const uint16_t tb_cports[] = {1025, 1026, 40000, 40001};
static const uint16_t tb_sports[] = {21, 80, 53};
static const uint8_t tb_flags[] = {0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x10, 0x18};
static bool tb_calm;

/* An FTP control line for either direction: a PORT from the client (its
 * address and port as the client sees them) or a 227 from the server. */
static const char *tb_ftp_line(struct tb_rng *r, bool reply, char *buf, size_t len)
{
	unsigned p = 1024 + tb_rand(r, 8);

	if (reply)
		snprintf(buf, len, "227 Entering Passive Mode (198,51,100,7,%u,%u).\r\n", p >> 8,
			 p & 255);
	else if (tb_rand(r, 2))
		snprintf(buf, len, "PORT 192,0,2,%u,%u,%u\r\n", 10 + tb_rand(r, 3), p >> 8, p & 255);
	else
		snprintf(buf, len, "USER anonymous\r\n");
	return buf;
}

/* One random packet of a small session space (so sessions repeat, replies
 * find mappings and earlier packets of a batch open what later ones use). */
static size_t tb_packet(struct tb_rng *r, enum gnat_side from, uint8_t *buf)
{
	struct tu_pkt_spec s;
	bool v6 = tb_rand(r, 4) == 0, reply = from == GNAT_SIDE_OUTSIDE;
	const char *in = v6 ? tb_in6[tb_rand(r, 2)] : tb_in4[tb_rand(r, 3)];
	const char *out = v6 ? tb_out6[tb_rand(r, 2)] : tb_out4[tb_rand(r, 2)];
	const char *pub = v6 ? TE_PUBLIC6 : TE_PUBLIC;
	uint16_t cport = tb_cports[tb_rand(r, 4)], sport = tb_sports[tb_rand(r, 3)];
	unsigned kind = tb_rand(r, 20);
	char line[96];
	int n;

	memset(&s, 0, sizeof(s));
	s.proto = kind < 12 ? 6 : kind < 17 ? 17 : v6 ? 58 : 1;
	s.src = reply ? out : in;
	/* replies go to the public address, and sometimes straight to the inside
	 * (unsolicited: dropped) */
	s.dst = reply ? (tb_rand(r, 8) ? pub : in) : out;
	s.sport = reply ? sport : cport;
	s.dport = reply ? cport : sport;
	/* calm: mostly plain segments, so many sessions reach ESTABLISHED */
	if (tb_calm && tb_rand(r, 8))
		s.tcp_flags = tb_rand(r, 2) ? 0x10 : 0x18;
	else
		s.tcp_flags = tb_flags[tb_rand(r, sizeof(tb_flags))];
	s.seq = 1000 + tb_rand(r, 4) * 100;
	s.ack = 5000 + tb_rand(r, 4) * 100;
	s.ip_id = (uint16_t)tb_rand(r, 65536);
	if (s.proto == 1 || s.proto == 58) {
		s.icmp_type = reply ? (v6 ? 129 : 0) : (v6 ? 128 : 8);
		s.sport = s.dport = cport;
	}
	if (s.proto == 6 && sport == 21 && (s.tcp_flags & 0x10) && tb_rand(r, 2)) {
		s.payload = tb_ftp_line(r, reply, line, sizeof(line));
		s.payload_len = strlen(line);
	} else if (tb_rand(r, 3) == 0) {
		s.payload = "payload bytes";
		s.payload_len = 13;
	}
	n = tu_pkt_build(&s, buf, TB_CAP);
	CU_ASSERT_FATAL(n > 0);
	/* now and then a packet cut short or with a bad version */
	if (tb_rand(r, 40) == 0)
		n = (int)tb_rand(r, (uint32_t)n);
	else if (tb_rand(r, 80) == 0)
		buf[0] = 0x75;
	return (size_t)n;
}

static void tb_res_eq(const struct gnat_result *a, const struct gnat_result *b)
{
	CU_ASSERT_EQUAL(a->verdict, b->verdict);
	CU_ASSERT_EQUAL(a->reason, b->reason);
	CU_ASSERT_EQUAL(a->parse_err, b->parse_err);
	CU_ASSERT_EQUAL(a->out_side, b->out_side);
	CU_ASSERT_EQUAL(a->mapping_id, b->mapping_id);
	CU_ASSERT_EQUAL(a->redirect_id, b->redirect_id);
	CU_ASSERT_EQUAL(a->translated, b->translated);
	CU_ASSERT_EQUAL(a->new_mapping, b->new_mapping);
	CU_ASSERT_EQUAL(a->edits, b->edits);
}

struct tb_maps {
	struct gnat_mapping_info mi[512];
	unsigned n;
};

static void tb_collect(const struct gnat_mapping_info *mi, void *arg)
{
	struct tb_maps *m = arg;

	if (m->n < 512)
		m->mi[m->n] = *mi;
	m->n++;
}

static void tb_tables_eq(struct gnat *a, struct gnat *b)
{
	static struct tb_maps ma, mb;
	struct gnat_counters ca = te_counters(a), cb = te_counters(b);

	CU_ASSERT(memcmp(&ca, &cb, sizeof(ca)) == 0);
	memset(&ma, 0, sizeof(ma));
	memset(&mb, 0, sizeof(mb));
	gnat_mapping_foreach(a, tb_collect, &ma);
	gnat_mapping_foreach(b, tb_collect, &mb);
	CU_ASSERT_EQUAL_FATAL(ma.n, mb.n);
	for (unsigned i = 0; i < ma.n && i < 512; i++)
		CU_ASSERT(memcmp(&ma.mi[i], &mb.mi[i], sizeof(ma.mi[i])) == 0);
}

struct tb_stats {
	unsigned pkts, forwarded, new_maps, edits, dropped, malformed;
	uint64_t fast; /* packets the fast path took (one by one) */
};

static void tb_count(struct tb_stats *st, const struct gnat_result *res)
{
	st->pkts++;
	st->forwarded += res->verdict == GNAT_FORWARD && res->translated;
	st->new_maps += res->new_mapping;
	st->edits += res->edits;
	st->dropped += res->verdict == GNAT_DROP;
	st->malformed += res->reason == GNAT_DROP_MALFORMED;
}

/* Run TB_ROUNDS random batches through both engines (same config). */
static void tb_run(const struct gnat_config *cfg, uint64_t seed, struct tb_stats *st)
{
	static uint8_t one[TB_MAX_BATCH][TB_CAP], many[TB_MAX_BATCH][TB_CAP];
	struct gnat_config full = *cfg;
	struct gnat *ga, *gb, *gc;
	static uint8_t slow[TB_MAX_BATCH][TB_CAP];
	struct gnat_result sres;
	struct gnat_work wa, wb, wc;
	size_t slen;
	struct gnat_pkt pk[TB_MAX_BATCH];
	struct gnat_result res[TB_MAX_BATCH];
	size_t len[TB_MAX_BATCH];
	struct tb_rng r = {seed};
	uint64_t now = TE_S(1);

	/* a third engine takes the full path for every packet: the fast path
	 * of established flows must agree with it byte for byte */
	full.no_fast_path = true;
	ga = te_open(cfg);
	gb = te_open(cfg);
	gc = te_open(&full);
	for (int round = 0; round < TB_ROUNDS; round++) {
		enum gnat_side from = tb_rand(&r, 3) ? GNAT_SIDE_INSIDE : GNAT_SIDE_OUTSIDE;
		size_t n = 1 + tb_rand(&r, TB_MAX_BATCH);

		/* mostly the same instant, sometimes long enough for expiry */
		now += tb_rand(&r, 10) == 0 ? TE_S(tb_rand(&r, 200)) : tb_rand(&r, 1000);
		for (size_t i = 0; i < n; i++) {
			len[i] = tb_packet(&r, from, one[i]);
			memcpy(many[i], one[i], TB_CAP);
			memcpy(slow[i], one[i], TB_CAP);
			pk[i] = (struct gnat_pkt){.buf = many[i], .len = len[i], .cap = TB_CAP};
		}
		for (size_t i = 0; i < n; i++) {
			slen = len[i];
			CU_ASSERT_FATAL(gnat_process(ga, one[i], &len[i], TB_CAP, from, now,
						     &res[i]) == 0);
			CU_ASSERT_FATAL(gnat_process(gc, slow[i], &slen, TB_CAP, from, now, &sres) ==
					0);
			CU_ASSERT_EQUAL_FATAL(slen, len[i]);
			CU_ASSERT(memcmp(one[i], slow[i], len[i]) == 0);
			tb_res_eq(&res[i], &sres);
		}
		CU_ASSERT_FATAL(gnat_process_batch(gb, pk, n, from, now) == 0);
		for (size_t i = 0; i < n; i++) {
			CU_ASSERT_EQUAL_FATAL(pk[i].len, len[i]);
			CU_ASSERT(memcmp(one[i], many[i], len[i]) == 0);
			tb_res_eq(&res[i], &pk[i].res);
			tb_count(st, &res[i]);
		}
		if (round % 50 == 0) {
			tb_tables_eq(ga, gb);
			tb_tables_eq(ga, gc);
		}
	}
	tb_tables_eq(ga, gb);
	tb_tables_eq(ga, gc);
	gnat_work_get(ga, &wa);
	gnat_work_get(gb, &wb);
	gnat_work_get(gc, &wc);
	st->fast += wa.fast_pkts;
	CU_ASSERT(wa.fast_pkts == wb.fast_pkts && wc.fast_pkts == 0);
	gnat_destroy(ga);
	gnat_destroy(gb);
	gnat_destroy(gc);
}

static void test_batch_matches_one_by_one(void)
{
	struct gnat_config cfg;
	struct tb_stats st;

	te_config(&cfg);
	cfg.ftp_editor = true;
	memset(&st, 0, sizeof(st));
	for (uint64_t seed = 1; seed <= 6; seed++)
		tb_run(&cfg, seed * 0x9e3779b97f4a7c15ULL, &st);
	/* the mix really exercised every path compared above */
	CU_ASSERT(st.pkts > 10000);
	CU_ASSERT(st.forwarded > 1000);
	CU_ASSERT(st.fast > 1000);
	CU_ASSERT(st.new_maps > 100);
	CU_ASSERT(st.edits > 10);
	CU_ASSERT(st.dropped > 100);
	CU_ASSERT(st.malformed > 10);
	/* the same with mostly plain segments picked up mid-session:
	 * established flows, where the fast path takes most packets */
	memset(&st, 0, sizeof(st));
	cfg.tcp_pickup = true;
	tb_calm = true;
	for (uint64_t seed = 1; seed <= 4; seed++)
		tb_run(&cfg, seed * 0x2545f4914f6cdd1dULL, &st);
	tb_calm = false;
	printf("\n  calm traffic: %u packets, %llu by the fast path\n", st.pkts,
	       (unsigned long long)st.fast);
	CU_ASSERT(st.fast > st.pkts / 4);
}

/* A tiny table (refusals, reuse of freed slots) and mid-session pickup. */
static void test_batch_small_table(void)
{
	struct gnat_config cfg;
	struct tb_stats st;

	te_config(&cfg);
	cfg.ftp_editor = true;
	cfg.max_mappings = 8;
	cfg.tcp_pickup = true;
	cfg.udp_timeout = TE_S(1);
	memset(&st, 0, sizeof(st));
	tb_run(&cfg, 42, &st);
	tb_run(&cfg, 4242, &st);
	CU_ASSERT(st.new_maps > 20);
	CU_ASSERT(st.forwarded > 100);
}

static void test_batch_bad_args(void)
{
	struct gnat *g = te_open_default();
	uint8_t buf[64] = {0x45};
	struct gnat_pkt pk[2] = {{.buf = buf, .len = 20, .cap = 64}, {.buf = NULL}};
	struct gnat_counters c;

	CU_ASSERT(gnat_process_batch(NULL, pk, 1, GNAT_SIDE_INSIDE, 1) == -EINVAL);
	CU_ASSERT(gnat_process_batch(g, NULL, 1, GNAT_SIDE_INSIDE, 1) == -EINVAL);
	/* a NULL buffer anywhere refuses the whole batch before any packet */
	CU_ASSERT(gnat_process_batch(g, pk, 2, GNAT_SIDE_INSIDE, 1) == -EINVAL);
	CU_ASSERT(gnat_process_batch(g, NULL, 0, GNAT_SIDE_INSIDE, 1) == 0);
	c = te_counters(g);
	CU_ASSERT_EQUAL(c.pkts_in, 0);
	CU_ASSERT(gnat_process_batch(g, pk, 1, GNAT_SIDE_INSIDE, 1) == 0);
	c = te_counters(g);
	CU_ASSERT_EQUAL(c.pkts_in, 1);
	CU_ASSERT_EQUAL(pk[0].res.verdict, GNAT_DROP);
	CU_ASSERT_EQUAL(pk[0].res.reason, GNAT_DROP_MALFORMED);
	gnat_destroy(g);
}

TU_MAIN("engine_batch", TU_CASE(test_batch_matches_one_by_one), TU_CASE(test_batch_small_table),
	TU_CASE(test_batch_bad_args))
