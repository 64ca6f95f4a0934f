/* test_engine_scale.c - the gNAT at size: tables grow past their first
 * allocation with everything still found, set cancels (group, owner) leave
 * nothing, port exhaustion is bounded and counted with its reason, and the
 * cost of redirect operations does not grow with the table, shown by the
 * engine's work counters (counted, never timed). */
#include "test_engine_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Redirect i: a session redirect 198.51.100.x:SC_SPORT(i) -> public:
 * SC_DPORT(i), rewritten to an inside client. Only 50 destination ports for
 * all of them: thousands of session redirects share each port. */
#define SC_SPORT(i) ((uint16_t)(1024 + ((i) / 250) % 60000))
#define SC_DPORT(i) ((uint16_t)(1024 + (i) % 50))

static void sc_spec(uint32_t i, uint32_t group, struct gnat_redirect_spec *s)
{
	char src[32];

	memset(s, 0, sizeof(*s));
	snprintf(src, sizeof(src), "198.51.100.%u/32", i % 250 + 1);
	s->match.proto = 6;
	s->match.src = te_prefix(src);
	s->match.sport = SC_SPORT(i);
	s->match.dst = te_prefix(TE_PUBLIC "/32");
	s->match.dport = SC_DPORT(i);
	s->set_dst = true;
	s->new_dst = te_addr(TE_CLIENT);
	s->new_dport = 20000;
	s->group = group;
}

static void sc_tuple_str(uint32_t i, char *src, size_t n)
{
	snprintf(src, n, "198.51.100.%u", i % 250 + 1);
}

static struct gnat *sc_open(uint32_t max_redirects, uint32_t max_mappings)
{
	struct gnat_config cfg;

	te_config(&cfg);
	cfg.max_redirects = max_redirects;
	cfg.max_mappings = max_mappings;
	return te_open(&cfg);
}

static uint64_t sc_rdr_steps(struct gnat *g)
{
	struct gnat_work w;

	gnat_work_get(g, &w);
	return w.rdr_steps;
}

/* Past the first allocation: every redirect is still found by a packet and
 * by id, and the pool grew (counted). */
static void test_redirect_pool_grows(void)
{
	const uint32_t n = 5000;
	struct gnat *g = sc_open(n, 65536);
	struct gnat_redirect_spec s;
	uint32_t *ids = calloc(n, sizeof(*ids)), extra;
	struct te_out o;
	char src[32];

	CU_ASSERT_FATAL(ids != NULL);
	for (uint32_t i = 0; i < n; i++) {
		sc_spec(i, 0, &s);
		CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &ids[i]) == 0);
	}
	CU_ASSERT(te_counters(g).table_grows > 0);
	CU_ASSERT(te_counters(g).redirects_active == n);
	sc_spec(n, 0, &s);
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &extra) == -ENOSPC);
	CU_ASSERT(te_counters(g).redirects_refused == 1);
	for (uint32_t i = 0; i < n; i += 7) {
		sc_tuple_str(i, src, sizeof(src));
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, 6, src, SC_SPORT(i), TE_PUBLIC, SC_DPORT(i),
			0x02, NULL);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD && o.res.redirect_id == ids[i]);
	}
	for (uint32_t i = 0; i < n; i++)
		CU_ASSERT(gnat_redirect_cancel(g, ids[i]) == 0);
	CU_ASSERT(te_counters(g).redirects_active == 0);
	CU_ASSERT(gnat_redirect_cancel(g, ids[0]) == -ENOENT);
	free(ids);
	gnat_destroy(g);
}

static void test_cancel_group_leaves_nothing(void)
{
	struct gnat *g = sc_open(4096, 4096);
	struct gnat_redirect_spec s;
	uint32_t ids[900];
	struct te_out o;
	char src[32];

	for (uint32_t i = 0; i < 900; i++) {
		sc_spec(i, i < 300 ? 7 : i < 600 ? 8 : 0, &s);
		CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &ids[i]) == 0);
	}
	CU_ASSERT(gnat_redirect_cancel_group(g, 7) == 300);
	CU_ASSERT(gnat_redirect_cancel_group(g, 7) == 0);
	CU_ASSERT(te_counters(g).redirects_active == 600);
	for (uint32_t i = 0; i < 300; i++)
		CU_ASSERT(gnat_redirect_cancel(g, ids[i]) == -ENOENT);
	/* a session group 7 would have redirected finds nothing now */
	sc_tuple_str(5, src, sizeof(src));
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, 6, src, SC_SPORT(5), TE_PUBLIC, SC_DPORT(5), 0x02,
		NULL);
	CU_ASSERT(o.res.redirect_id == 0);
	/* the others are intact */
	sc_tuple_str(305, src, sizeof(src));
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, 6, src, SC_SPORT(305), TE_PUBLIC, SC_DPORT(305), 0x02,
		NULL);
	CU_ASSERT(o.res.redirect_id == ids[305]);
	CU_ASSERT(gnat_redirect_cancel_group(g, 8) == 300);
	CU_ASSERT(te_counters(g).redirects_active == 300);
	gnat_destroy(g);
}

/* A control session's expectations (owner = its mapping) go with it. */
static void test_cancel_owner_leaves_nothing(void)
{
	struct gnat_config cfg;
	struct tu_pkt_spec ps;
	struct gnat *g;
	struct te_out o;
	char cmd[64];
	uint32_t seq = 1001;

	te_config(&cfg);
	cfg.ftp_editor = true;
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 21, 0x02, NULL);
	CU_ASSERT_FATAL(o.res.new_mapping);
	for (int i = 0; i < 40; i++) {
		int len = snprintf(cmd, sizeof(cmd), "PORT 192,0,2,10,%d,%d\r\n", 100 + i, 7);

		memset(&ps, 0, sizeof(ps));
		ps.proto = 6;
		ps.src = TE_CLIENT;
		ps.dst = TE_SERVER;
		ps.sport = 40000;
		ps.dport = 21;
		ps.tcp_flags = 0x18;
		ps.seq = seq;
		ps.ack = 5001;
		ps.payload = cmd;
		ps.payload_len = (size_t)len;
		seq += (uint32_t)len;
		te_send_spec(g, &o, GNAT_SIDE_INSIDE, 1, &ps);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	}
	CU_ASSERT(te_counters(g).redirects_active == 40);
	/* an RST closes the control session; its mapping expires 10 s later */
	te_send(g, &o, GNAT_SIDE_INSIDE, 2, 6, TE_CLIENT, 40000, TE_SERVER, 21, 0x04, NULL);
	gnat_expire(g, TE_S(13));
	CU_ASSERT(te_counters(g).mappings_active == 0);
	CU_ASSERT(te_counters(g).redirects_active == 0);
	CU_ASSERT(te_counters(g).redirects_cancelled == 40);
	CU_ASSERT(te_counters(g).redirects_expired == 0);
	gnat_destroy(g);
}

/* The work of k create+cancel pairs, k new sessions matched against the
 * redirects and k inverse misses, with `active` redirects in the table. */
static void sc_work_at(uint32_t active, uint64_t *create_cancel, uint64_t *match,
		       uint64_t *inverse)
{
	const uint32_t k = 500;
	struct gnat *g = sc_open(active + k + 16, 4096);
	struct gnat_redirect_spec s;
	struct te_out o;
	uint64_t w0;
	uint32_t id;
	char src[32];

	for (uint32_t i = 0; i < active; i++) {
		sc_spec(i, i + 1, &s);
		CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
	}
	w0 = sc_rdr_steps(g);
	for (uint32_t i = 0; i < k; i++) {
		sc_spec(active + i, 0, &s);
		CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
		CU_ASSERT(gnat_redirect_cancel(g, id) == 0);
	}
	*create_cancel = sc_rdr_steps(g) - w0;
	w0 = sc_rdr_steps(g);
	for (uint32_t i = 0; i < k; i++) {
		/* sessions to the busy ports from a source port no redirect
		 * names */
		snprintf(src, sizeof(src), "198.51.100.%u", i % 200 + 1);
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, 6, src, (uint16_t)(62000 + i), TE_PUBLIC,
			SC_DPORT(i), 0x02, NULL);
		CU_ASSERT(o.res.redirect_id == 0);
	}
	*match = sc_rdr_steps(g) - w0;
	w0 = sc_rdr_steps(g);
	for (uint32_t i = 0; i < k; i++) {
		snprintf(src, sizeof(src), "198.51.100.%u", i % 200 + 1);
		memset(&o, 0, sizeof(o));
		{
			struct tu_pkt_spec ps;
			int n;

			memset(&ps, 0, sizeof(ps));
			ps.proto = 6;
			ps.src = src;
			ps.dst = TE_CLIENT;
			ps.sport = (uint16_t)(60000 + i);
			ps.dport = 20001;
			ps.tcp_flags = 0x02;
			n = tu_pkt_build(&ps, o.buf, sizeof(o.buf));
			CU_ASSERT_FATAL(n > 0);
			o.len = (size_t)n;
		}
		te_feed(g, &o, GNAT_SIDE_INSIDE, 1, true);
		CU_ASSERT(o.res.reason == GNAT_DROP_UNKNOWN_ORIGIN);
	}
	*inverse = sc_rdr_steps(g) - w0;
	gnat_destroy(g);
}

static void test_redirect_cost_flat(void)
{
	uint64_t cc1, m1, inv1, cc2, m2, inv2;

	sc_work_at(1000, &cc1, &m1, &inv1);
	sc_work_at(100000, &cc2, &m2, &inv2);
	/* 100 times the table, the same work per operation (hash collisions
	 * aside: at most twice plus a constant) */
	CU_ASSERT(cc2 <= 2 * cc1 + 1000);
	CU_ASSERT(m2 <= 2 * m1 + 1000);
	CU_ASSERT(inv2 <= 2 * inv1 + 1000);
	/* and a small constant per operation, not a walk */
	CU_ASSERT(cc2 / 500 < 40);
	CU_ASSERT(m2 / 500 < 10);
	CU_ASSERT(inv2 / 500 < 20);
}

/* A small port range filled by sessions that all want one source port:
 * every attempt tries a bounded number of candidates (Linux: 128, 64, 32,
 * 16), and a failure is a drop counted with its reason. */
static void test_port_exhaustion_bounded(void)
{
	struct gnat_config cfg;
	struct gnat_work w0, w1;
	struct gnat *g;
	struct te_out o;
	uint32_t ok = 0, full = 0;
	char src[32];

	te_config(&cfg);
	cfg.port_min = 2000;
	cfg.port_max = 2999;
	g = te_open(&cfg);
	for (uint32_t i = 0; i < 1200; i++) {
		snprintf(src, sizeof(src), "192.0.2.%u", i % 250 + 2);
		gnat_work_get(g, &w0);
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, src, (uint16_t)(30000 + i / 250), TE_SERVER,
			53, 0, "q");
		gnat_work_get(g, &w1);
		CU_ASSERT(w1.port_probes - w0.port_probes <= 1 + 128 + 64 + 32 + 16);
		if (o.res.verdict == GNAT_FORWARD) {
			ok++;
			CU_ASSERT(o.p.tuple.sport >= 2000 && o.p.tuple.sport <= 2999);
		} else {
			full++;
			CU_ASSERT(o.res.reason == GNAT_DROP_PORTS_EXHAUSTED);
		}
	}
	printf("\n  ports: %u sessions mapped, %u refused\n", ok, full);
	CU_ASSERT(ok + full == 1200);
	CU_ASSERT(ok <= 1000 && ok >= 900);
	CU_ASSERT(full >= 200);
	CU_ASSERT(te_counters(g).ports_exhausted[GNAT_PORTS_MASQ] == full);
	CU_ASSERT(te_counters(g).drops[GNAT_DROP_PORTS_EXHAUSTED] == full);
	CU_ASSERT(strcmp(gnat_ports_reason_name(GNAT_PORTS_MASQ), "masquerade") == 0);
	gnat_destroy(g);
}

/* The mapping pool starts at 1,024 and doubles: 20,000 sessions later
 * every one is still found from its reply, and the limit still holds. */
static void test_mapping_table_grows(void)
{
	const uint32_t n = 20000;
	uint16_t *pub = calloc(n, sizeof(*pub));
	struct gnat *g = sc_open(1024, n);
	struct gnat_work w0, w1;
	char cli[32], srv[32];
	struct te_out o;

	CU_ASSERT_FATAL(pub != NULL);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(cli, sizeof(cli), "192.0.2.%u", i % 200 + 2);
		snprintf(srv, sizeof(srv), "198.51.100.%u", i / 200 % 100 + 1);
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, cli, 40000, srv, 53, 0, "q");
		CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD && o.res.new_mapping);
		pub[i] = o.p.tuple.sport;
	}
	CU_ASSERT(te_counters(g).table_grows >= 4); /* 1k, 2k, 4k, 8k, 16k, 20k */
	CU_ASSERT(te_counters(g).mappings_active == n);
	gnat_work_get(g, &w0);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(cli, sizeof(cli), "192.0.2.%u", i % 200 + 2);
		snprintf(srv, sizeof(srv), "198.51.100.%u", i / 200 % 100 + 1);
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 17, srv, 53, TE_PUBLIC, pub[i], 0, "r");
		CU_ASSERT(o.res.verdict == GNAT_FORWARD && !o.res.new_mapping);
		CU_ASSERT(te_addr_is(&o.p.tuple.dst, cli) && o.p.tuple.dport == 40000);
	}
	/* a lookup reads one bucket line: a second one (an insert went past
	 * a full bucket) for a few percent at most */
	gnat_work_get(g, &w1);
	CU_ASSERT(w1.map_steps - w0.map_steps < n / 20);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 40001, TE_SERVER, 53, 0, "q");
	CU_ASSERT(o.res.reason == GNAT_DROP_TABLE_FULL);
	CU_ASSERT(te_counters(g).mappings_refused == 1);
	free(pub);
	gnat_destroy(g);
}

/* Ten clients want one source port towards one server: all but the first
 * get a port from the seeded search. */
static void sc_ports_chosen(uint64_t seed, uint16_t *ports)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct te_out o;
	char cli[32];

	te_config(&cfg);
	cfg.hash_seed = seed;
	g = te_open(&cfg);
	for (int i = 0; i < 10; i++) {
		snprintf(cli, sizeof(cli), "192.0.2.%d", 20 + i);
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, cli, 5353, TE_SERVER, 53, 0, "q");
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
		ports[i] = o.p.tuple.sport;
	}
	gnat_destroy(g);
}

static void test_seed_random_per_instance(void)
{
	uint16_t a[10], b[10], c[10], d[10];

	sc_ports_chosen(0, a); /* 0: a random seed each */
	sc_ports_chosen(0, b);
	CU_ASSERT(a[0] == 5353 && b[0] == 5353);
	CU_ASSERT(memcmp(a + 1, b + 1, 9 * sizeof(a[0])) != 0);
	sc_ports_chosen(12345, c); /* a fixed seed reproduces */
	sc_ports_chosen(12345, d);
	CU_ASSERT(memcmp(c, d, sizeof(c)) == 0);
}

/* Expectation ports: the wanted one if free, else a bounded search; when
 * none is left the command is refused and the exhaustion counted. */
static void test_expect_port_exhaustion_counted(void)
{
	struct gnat_config cfg;
	struct tu_pkt_spec ps;
	struct gnat *g;
	struct te_out o;
	char cmd[64];
	uint32_t seq = 1001;
	unsigned ok = 0, refused = 0;

	te_config(&cfg);
	cfg.ftp_editor = true;
	cfg.port_min = 2000;
	cfg.port_max = 2009;
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 21, 0x02, NULL);
	CU_ASSERT_FATAL(o.res.new_mapping); /* its public port is one of the ten */
	for (int i = 0; i < 12; i++) {
		/* the client's ports lie outside the range: never free */
		int len = snprintf(cmd, sizeof(cmd), "PORT 192,0,2,10,%d,%d\r\n", 100 + i, 7);

		memset(&ps, 0, sizeof(ps));
		ps.proto = 6;
		ps.src = TE_CLIENT;
		ps.dst = TE_SERVER;
		ps.sport = 40000;
		ps.dport = 21;
		ps.tcp_flags = 0x18;
		ps.seq = seq;
		ps.ack = 5001;
		ps.payload = cmd;
		ps.payload_len = (size_t)len;
		seq += (uint32_t)len;
		te_send_spec(g, &o, GNAT_SIDE_INSIDE, 1, &ps);
		if (o.res.verdict == GNAT_FORWARD && o.res.edits == 1)
			ok++;
		else
			refused++;
	}
	CU_ASSERT(ok == 9);
	CU_ASSERT(refused == 3);
	CU_ASSERT(te_counters(g).ports_exhausted[GNAT_PORTS_EXPECT] == 3);
	CU_ASSERT(te_counters(g).redirects_active == 9);
	CU_ASSERT(strcmp(gnat_ports_reason_name(GNAT_PORTS_EXPECT), "expectation") == 0);
	gnat_destroy(g);
}

/* Single-port acquisition scans the pool's bitmap by words: the same next
 * fit as a port-by-port model, over random acquires and releases. */
static void test_pool_next_fit_by_words(void)
{
	enum { NP = 300 };
	struct gnat *g = sc_open(64, 1024);
	bool used[NP] = {false};
	uint32_t pool, next = 0;
	uint64_t r = 0x9e3779b97f4a7c15ULL;
	uint16_t base = 0, port;

	CU_ASSERT_FATAL(gnat_pool_create(g, 6, NP, &pool) == 0);
	for (int k = 0; k < 20000; k++) {
		r ^= r >> 12, r ^= r << 25, r ^= r >> 27;
		if ((r >> 40) % 3) {
			int want = -1, rc = gnat_pool_acquire(g, pool, 1, &port);

			for (uint32_t i = 0; i < NP && want < 0; i++)
				if (!used[(next + i) % NP])
					want = (int)((next + i) % NP);
			if (want < 0) {
				CU_ASSERT(rc == -ENOSPC);
				continue;
			}
			CU_ASSERT_FATAL(rc == 0);
			if (k == 0 || base == 0)
				base = (uint16_t)(port - want);
			CU_ASSERT(port == base + want);
			used[want] = true;
			next = (uint32_t)(want + 1) % NP;
		} else {
			uint32_t i = (uint32_t)((r >> 20) % NP);

			if (used[i] && base) {
				CU_ASSERT(gnat_pool_release(g, pool, (uint16_t)(base + i), 1) == 0);
				used[i] = false;
			}
		}
	}
	gnat_destroy(g);
}

TU_MAIN("engine_scale", TU_CASE(test_redirect_pool_grows),
	TU_CASE(test_cancel_group_leaves_nothing), TU_CASE(test_cancel_owner_leaves_nothing),
	TU_CASE(test_redirect_cost_flat), TU_CASE(test_port_exhaustion_bounded),
	TU_CASE(test_mapping_table_grows), TU_CASE(test_seed_random_per_instance),
	TU_CASE(test_expect_port_exhaustion_counted), TU_CASE(test_pool_next_fit_by_words))
