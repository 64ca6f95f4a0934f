/* test_engine_tcp.c - the TCP state machine of a mapping and the timeouts
 * of each state, UDP and ICMP; expiry driven only by the time passed in. */
#include "test_engine_util.h"

struct conv {
	struct gnat *g;
	uint16_t pub_port;
	uint32_t id;
};

static void from_client(struct conv *c, struct te_out *o, uint64_t now, uint8_t flags)
{
	te_send(c->g, o, GNAT_SIDE_INSIDE, now, 6, TE_CLIENT, 40000, TE_SERVER, 80, flags, NULL);
}

static void from_server(struct conv *c, struct te_out *o, uint64_t now, uint8_t flags)
{
	te_send(c->g, o, GNAT_SIDE_OUTSIDE, now, 6, TE_SERVER, 80, TE_PUBLIC, c->pub_port, flags,
		NULL);
}

static enum gnat_tcp_state state_of(struct conv *c)
{
	struct te_find f = te_mapping(c->g, c->id);

	return f.found ? f.mi.tcp_state : GNAT_TCP_NONE;
}

static void open_conv(struct conv *c, const struct gnat_config *cfg)
{
	struct te_out o;

	c->g = te_open(cfg);
	from_client(c, &o, 0, NET_TCP_SYN);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	c->pub_port = o.p.tuple.sport;
	c->id = o.res.mapping_id;
	CU_ASSERT(state_of(c) == GNAT_TCP_SYN_SENT);
	from_server(c, &o, 1, NET_TCP_SYN | NET_TCP_ACK);
	CU_ASSERT(state_of(c) == GNAT_TCP_SYN_RECV);
	from_client(c, &o, 2, NET_TCP_ACK);
	CU_ASSERT(state_of(c) == GNAT_TCP_ESTABLISHED);
}

static void test_lifecycle_and_time_wait(void)
{
	struct gnat_config cfg;
	struct conv c;
	struct te_out o;
	struct te_find f;

	te_config(&cfg);
	open_conv(&c, &cfg);
	from_client(&c, &o, 3, NET_TCP_ACK | NET_TCP_PSH);
	CU_ASSERT(state_of(&c) == GNAT_TCP_ESTABLISHED);
	CU_ASSERT(te_mapping(c.g, c.id).mi.expires_ns == 3 + cfg.tcp_est_timeout);
	from_client(&c, &o, 4, NET_TCP_FIN | NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_FIN_WAIT);
	CU_ASSERT(te_mapping(c.g, c.id).mi.expires_ns == 4 + cfg.tcp_fin_timeout);
	from_server(&c, &o, 5, NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_CLOSE_WAIT);
	from_server(&c, &o, 6, NET_TCP_FIN | NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_LAST_ACK);
	from_client(&c, &o, 7, NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_TIME_WAIT);
	f = te_mapping(c.g, c.id);
	CU_ASSERT(f.mi.expires_ns == 7 + cfg.tcp_tw_timeout);
	CU_ASSERT(f.mi.pkts[0] == 5 && f.mi.pkts[1] == 3);
	gnat_expire(c.g, 7 + cfg.tcp_tw_timeout - 1);
	CU_ASSERT(te_mapping(c.g, c.id).found);
	gnat_expire(c.g, 7 + cfg.tcp_tw_timeout);
	CU_ASSERT(!te_mapping(c.g, c.id).found);
	CU_ASSERT(te_counters(c.g).mappings_expired == 1);
	CU_ASSERT(te_counters(c.g).mappings_active == 0);
	/* gone: the server's late packet is no longer let in */
	from_server(&c, &o, 8 + cfg.tcp_tw_timeout, NET_TCP_ACK);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL); /* to the public address, no mapping */
	gnat_destroy(c.g);
}

/* Simultaneous close: both FINs before either ACK. */
static void test_simultaneous_close_and_reopen(void)
{
	struct gnat_config cfg;
	struct conv c;
	struct te_out o;

	te_config(&cfg);
	open_conv(&c, &cfg);
	from_server(&c, &o, 3, NET_TCP_FIN | NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_FIN_WAIT);
	from_client(&c, &o, 4, NET_TCP_FIN | NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_LAST_ACK);
	from_client(&c, &o, 5, NET_TCP_ACK); /* not the first closer's ACK */
	CU_ASSERT(state_of(&c) == GNAT_TCP_LAST_ACK);
	from_server(&c, &o, 5, NET_TCP_ACK);
	CU_ASSERT(state_of(&c) == GNAT_TCP_TIME_WAIT);
	/* the same ports reused: a new SYN ends the old mapping and opens a
	 * new one, as conntrack does (tests/test_engine_reopen.c for more) */
	from_client(&c, &o, 6, NET_TCP_SYN);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.new_mapping);
	CU_ASSERT(o.res.mapping_id != c.id);
	CU_ASSERT(!te_mapping(c.g, c.id).found);
	c.id = o.res.mapping_id;
	CU_ASSERT(state_of(&c) == GNAT_TCP_SYN_SENT);
	gnat_destroy(c.g);
}

static void test_rst_closes(void)
{
	struct gnat_config cfg;
	struct conv c;
	struct te_out o;

	te_config(&cfg);
	open_conv(&c, &cfg);
	from_server(&c, &o, 10, NET_TCP_RST);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD); /* the RST itself gets through */
	CU_ASSERT(state_of(&c) == GNAT_TCP_CLOSED);
	CU_ASSERT(te_mapping(c.g, c.id).mi.expires_ns == 10 + TE_S(10));
	gnat_expire(c.g, 10 + TE_S(10));
	CU_ASSERT(!te_mapping(c.g, c.id).found);
	gnat_destroy(c.g);
}

static void test_syn_timeout_and_lazy_reap(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct te_out o;

	te_config(&cfg);
	cfg.tcp_syn_timeout = TE_S(5);
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	/* a retransmitted SYN refreshes */
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(4), 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN,
		NULL);
	CU_ASSERT(!o.res.new_mapping);
	/* an unrelated packet later reaps it lazily: no explicit expire call */
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(9) - 1, 17, TE_CLIENT, 1, TE_SERVER, 53, 0, "x");
	CU_ASSERT(te_counters(g).mappings_expired == 0);
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(9), 17, TE_CLIENT, 1, TE_SERVER, 53, 0, "x");
	CU_ASSERT(te_counters(g).mappings_expired == 1);
	CU_ASSERT(te_counters(g).mappings_active == 1);
	/* the late SYN|ACK finds nothing */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, TE_S(10), 6, TE_SERVER, 80, TE_PUBLIC, 40000,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	gnat_destroy(g);
}

static void test_est_timeout_refreshed_by_traffic(void)
{
	struct gnat_config cfg;
	struct conv c;
	struct te_out o;
	uint64_t t = 2;

	te_config(&cfg);
	cfg.tcp_est_timeout = TE_S(100);
	open_conv(&c, &cfg);
	for (int i = 0; i < 5; i++) {
		t += TE_S(99);
		from_server(&c, &o, t, NET_TCP_ACK);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	}
	gnat_expire(c.g, t + TE_S(100));
	CU_ASSERT(!te_mapping(c.g, c.id).found);
	from_server(&c, &o, t + TE_S(100), NET_TCP_ACK);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	gnat_destroy(c.g);
}

/* Mappings of different classes expire independently, each at its time. */
static void test_udp_icmp_timeouts(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct tu_pkt_spec s;
	struct te_out o;

	te_config(&cfg);
	cfg.udp_timeout = TE_S(30);
	cfg.icmp_timeout = TE_S(10);
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 4000, TE_SERVER, 53, 0, "q");
	CU_ASSERT(te_mapping(g, o.res.mapping_id).mi.expires_ns == TE_S(30));
	memset(&s, 0, sizeof(s));
	s.proto = 1;
	s.src = TE_CLIENT;
	s.dst = TE_SERVER;
	s.sport = 77;
	te_send_spec(g, &o, GNAT_SIDE_INSIDE, 0, &s);
	CU_ASSERT(te_mapping(g, o.res.mapping_id).mi.expires_ns == TE_S(10));
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(1), 6, TE_CLIENT, 4000, TE_SERVER, 80, NET_TCP_SYN,
		NULL);
	gnat_expire(g, TE_S(10));
	CU_ASSERT(te_counters(g).mappings_expired == 1);
	CU_ASSERT(te_mapping(g, 0).count == 2);
	gnat_expire(g, TE_S(30));
	CU_ASSERT(te_counters(g).mappings_expired == 2);
	gnat_expire(g, TE_S(121));
	CU_ASSERT(te_counters(g).mappings_expired == 3);
	CU_ASSERT(te_counters(g).mappings_active == 0);
	/* the slots are reusable */
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(200), 17, TE_CLIENT, 4000, TE_SERVER, 53, 0, "q");
	CU_ASSERT(o.res.new_mapping);
	gnat_destroy(g);
}

TU_MAIN("engine_tcp", TU_CASE(test_lifecycle_and_time_wait),
	TU_CASE(test_simultaneous_close_and_reopen), TU_CASE(test_rst_closes),
	TU_CASE(test_syn_timeout_and_lazy_reap), TU_CASE(test_est_timeout_refreshed_by_traffic),
	TU_CASE(test_udp_icmp_timeouts))
