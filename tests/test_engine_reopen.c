/* test_engine_reopen.c - a TCP SYN on the 4-tuple of a finished session
 * (TIME_WAIT, CLOSED) ends that mapping and opens a new one, redirects matched
 * afresh; SYNs on live sessions do not; pools hand out ports next-fit. */
#include "test_engine_util.h"

#include <errno.h>

#define DATA_PUB_PORT 5000

static struct gnat_redirect_spec data_rdr(const char *to, uint16_t to_port)
{
	struct gnat_redirect_spec s;

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	s.match.src = te_prefix(TE_SERVER "/32");
	s.match.sport = 20;
	s.match.dst = te_prefix(TE_PUBLIC "/32");
	s.match.dport = DATA_PUB_PORT;
	s.set_dst = true;
	s.new_dst = te_addr(to);
	s.new_dport = to_port;
	s.one_shot = true;
	return s;
}

static void srv_data(struct gnat *g, struct te_out *o, uint64_t now, uint8_t flags)
{
	te_send(g, o, GNAT_SIDE_OUTSIDE, now, 6, TE_SERVER, 20, TE_PUBLIC, DATA_PUB_PORT, flags,
		NULL);
}

/* An active-mode data connection server:20 -> public:5000 -> (client, cport),
 * opened, carried, closed by the server: left in TIME_WAIT. */
static uint32_t data_conn_to_tw(struct gnat *g, const char *client, uint16_t cport,
				uint64_t t)
{
	struct gnat_redirect_spec s = data_rdr(client, cport);
	struct te_out o;
	uint32_t rid, mid;

	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, t, &rid) == 0);
	srv_data(g, &o, t, NET_TCP_SYN);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.new_mapping);
	CU_ASSERT(o.res.redirect_id == rid);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, client) && o.p.tuple.dport == cport);
	mid = o.res.mapping_id;
	te_send(g, &o, GNAT_SIDE_INSIDE, t + 1, 6, client, cport, TE_SERVER, 20,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.mapping_id == mid);
	srv_data(g, &o, t + 2, NET_TCP_ACK);
	srv_data(g, &o, t + 3, NET_TCP_FIN | NET_TCP_ACK);
	te_send(g, &o, GNAT_SIDE_INSIDE, t + 4, 6, client, cport, TE_SERVER, 20,
		NET_TCP_FIN | NET_TCP_ACK, NULL);
	srv_data(g, &o, t + 5, NET_TCP_ACK);
	CU_ASSERT_FATAL(te_mapping(g, mid).found);
	CU_ASSERT(te_mapping(g, mid).mi.tcp_state == GNAT_TCP_TIME_WAIT);
	return mid;
}

/* The bug this fixes: the server's second data connection on the same
 * 4-tuple went to the first transfer's client port. */
static void test_syn_reopens_time_wait_with_fresh_redirect(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = data_rdr(TE_CLIENT2, 7001);
	struct te_out o;
	uint32_t old, rid;

	old = data_conn_to_tw(g, TE_CLIENT, 6001, 10);
	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 20, &rid) == 0);
	srv_data(g, &o, 21, NET_TCP_SYN);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.new_mapping);
	CU_ASSERT(o.res.mapping_id != old);
	CU_ASSERT(o.res.redirect_id == rid);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_CLIENT2));
	CU_ASSERT(o.p.tuple.dport == 7001);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	CU_ASSERT(!te_mapping(g, old).found);
	CU_ASSERT(te_mapping(g, o.res.mapping_id).mi.tcp_state == GNAT_TCP_SYN_SENT);
	CU_ASSERT(te_counters(g).tcp_reopened == 1);
	CU_ASSERT(te_counters(g).mappings_active == 1);
	CU_ASSERT(te_counters(g).redirects_consumed == 2);
	/* the new client answers through the new mapping */
	te_send(g, &o, GNAT_SIDE_INSIDE, 22, 6, TE_CLIENT2, 7001, TE_SERVER, 20,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, TE_PUBLIC) && o.p.tuple.sport == DATA_PUB_PORT);
	gnat_destroy(g);
}

/* Without a new redirect the reopening SYN finds nothing to take it: it is
 * not let through to the old client. CLOSED (after an RST) counts too. */
static void test_syn_on_closed_without_redirect_not_forwarded(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = data_rdr(TE_CLIENT, 6001);
	struct te_out o;
	uint32_t rid, mid;

	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &rid) == 0);
	srv_data(g, &o, 1, NET_TCP_SYN);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	mid = o.res.mapping_id;
	te_send(g, &o, GNAT_SIDE_INSIDE, 2, 6, TE_CLIENT, 6001, TE_SERVER, 20, NET_TCP_RST, NULL);
	CU_ASSERT(te_mapping(g, mid).mi.tcp_state == GNAT_TCP_CLOSED);
	srv_data(g, &o, 3, NET_TCP_SYN);
	CU_ASSERT(o.res.verdict != GNAT_FORWARD);
	CU_ASSERT(!o.res.new_mapping);
	CU_ASSERT(!te_mapping(g, mid).found);
	CU_ASSERT(te_counters(g).tcp_reopened == 1);
	CU_ASSERT(te_counters(g).mappings_active == 0);
	gnat_destroy(g);
}

/* Masquerade: the client reopens its own TIME_WAIT session (new mapping,
 * fresh state); the server's SYN from the reply side ends one as well. */
static void test_reopen_either_direction(void)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	uint32_t first = 0, second;
	uint16_t pub = 0;
	int step;

	for (step = 0; step < 2; step++) {
		te_send(g, &o, GNAT_SIDE_INSIDE, 10 * step, 6, TE_CLIENT, 40000, TE_SERVER, 80,
			NET_TCP_SYN, NULL);
		CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(o.res.new_mapping);
		if (step == 0)
			first = o.res.mapping_id;
		pub = o.p.tuple.sport;
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 10 * step + 1, 6, TE_SERVER, 80, TE_PUBLIC, pub,
			NET_TCP_SYN | NET_TCP_ACK, NULL);
		te_send(g, &o, GNAT_SIDE_INSIDE, 10 * step + 2, 6, TE_CLIENT, 40000, TE_SERVER, 80,
			NET_TCP_FIN | NET_TCP_ACK, NULL);
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 10 * step + 3, 6, TE_SERVER, 80, TE_PUBLIC, pub,
			NET_TCP_FIN | NET_TCP_ACK, NULL);
		te_send(g, &o, GNAT_SIDE_INSIDE, 10 * step + 4, 6, TE_CLIENT, 40000, TE_SERVER, 80,
			NET_TCP_ACK, NULL);
		CU_ASSERT(te_mapping(g, o.res.mapping_id).mi.tcp_state == GNAT_TCP_TIME_WAIT);
	}
	second = o.res.mapping_id;
	CU_ASSERT(second != first);
	CU_ASSERT(!te_mapping(g, first).found);
	CU_ASSERT(te_counters(g).tcp_reopened == 1);
	/* now from the server's side, to the public end of the reply tuple */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 30, 6, TE_SERVER, 80, TE_PUBLIC, pub, NET_TCP_SYN, NULL);
	CU_ASSERT(!te_mapping(g, second).found);
	CU_ASSERT(te_counters(g).tcp_reopened == 2);
	CU_ASSERT(o.res.verdict != GNAT_FORWARD); /* unsolicited: nothing leads inside */
	CU_ASSERT(te_counters(g).mappings_active == 0);
	gnat_destroy(g);
}

/* Only finished sessions reopen: a SYN (a retransmission, a duplicate) on
 * a live mapping and a SYN+ACK on a TIME_WAIT one keep the mapping. */
static void test_syn_on_live_mapping_is_not_a_reopen(void)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	uint32_t mid, est;
	uint16_t pub;

	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	mid = o.res.mapping_id;
	pub = o.p.tuple.sport;
	te_send(g, &o, GNAT_SIDE_INSIDE, 1, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.mapping_id == mid && !o.res.new_mapping); /* SYN_SENT retransmission */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 2, 6, TE_SERVER, 80, TE_PUBLIC, pub,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	te_send(g, &o, GNAT_SIDE_INSIDE, 3, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_ACK, NULL);
	CU_ASSERT(te_mapping(g, mid).mi.tcp_state == GNAT_TCP_ESTABLISHED);
	te_send(g, &o, GNAT_SIDE_INSIDE, 4, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.mapping_id == mid && !o.res.new_mapping);
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 5, 6, TE_SERVER, 80, TE_PUBLIC, pub, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.mapping_id == mid && !o.res.new_mapping);
	CU_ASSERT(te_mapping(g, mid).mi.tcp_state == GNAT_TCP_ESTABLISHED);
	/* FIN_WAIT is not finished either */
	te_send(g, &o, GNAT_SIDE_INSIDE, 6, 6, TE_CLIENT, 40000, TE_SERVER, 80,
		NET_TCP_FIN | NET_TCP_ACK, NULL);
	te_send(g, &o, GNAT_SIDE_INSIDE, 7, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.mapping_id == mid && !o.res.new_mapping);
	CU_ASSERT(te_counters(g).tcp_reopened == 0);

	est = data_conn_to_tw(g, TE_CLIENT2, 6002, 20);
	srv_data(g, &o, 30, NET_TCP_SYN | NET_TCP_ACK);
	CU_ASSERT(o.res.mapping_id == est && !o.res.new_mapping);
	CU_ASSERT(te_mapping(g, est).mi.tcp_state == GNAT_TCP_TIME_WAIT);
	CU_ASSERT(te_counters(g).tcp_reopened == 0);
	CU_ASSERT(te_counters(g).mappings_active == 2);
	gnat_destroy(g);
}

/* Next fit: a released port is not handed out again at once; the search
 * wraps at the pool's end and finds a run straddling its start point. */
static void test_pool_next_fit_rotation_and_wrap(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	uint32_t pool;
	uint16_t a, p, first;

	te_config(&cfg);
	cfg.port_min = 6000;
	cfg.port_max = 6099;
	g = te_open(&cfg);
	CU_ASSERT_FATAL(gnat_pool_create(g, 6, 4, &pool) == 0);
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 1, &first) == 0);
	CU_ASSERT(gnat_pool_release(g, pool, first, 1) == 0);
	/* one port at a time, released at once: each turn gets the next */
	for (int i = 1; i <= 8; i++) {
		CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 1, &p) == 0);
		CU_ASSERT(p == first + i % 4);
		CU_ASSERT(gnat_pool_release(g, pool, p, 1) == 0);
	}
	/* a run never wraps past the end: from position 1, two ports fit at 1-2 */
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 2, &a) == 0);
	CU_ASSERT(a == first + 1);
	/* next from 3: 3 alone cannot hold two, wrap: 0 then 1 used -> none */
	CU_ASSERT(gnat_pool_acquire(g, pool, 2, &p) == -ENOSPC);
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 1, &p) == 0);
	CU_ASSERT(p == first + 3);
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 1, &p) == 0);
	CU_ASSERT(p == first); /* wrapped */
	CU_ASSERT(gnat_pool_acquire(g, pool, 1, &p) == -ENOSPC);
	CU_ASSERT(gnat_pool_destroy(g, pool) == 0);

	/* a run straddling the start point is found after a full turn */
	CU_ASSERT_FATAL(gnat_pool_create(g, 6, 6, &pool) == 0);
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 4, &first) == 0);
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 1, &p) == 0);
	CU_ASSERT(p == first + 4);
	CU_ASSERT(gnat_pool_release(g, pool, p, 1) == 0);
	/* free: 4 and 5, search starts at 5 */
	CU_ASSERT_FATAL(gnat_pool_acquire(g, pool, 2, &p) == 0);
	CU_ASSERT(p == first + 4);
	CU_ASSERT(gnat_pool_acquire(g, pool, 1, &p) == -ENOSPC);
	gnat_destroy(g);
}

TU_MAIN("engine_reopen", TU_CASE(test_syn_reopens_time_wait_with_fresh_redirect),
	TU_CASE(test_syn_on_closed_without_redirect_not_forwarded),
	TU_CASE(test_reopen_either_direction), TU_CASE(test_syn_on_live_mapping_is_not_a_reopen),
	TU_CASE(test_pool_next_fit_rotation_and_wrap))
