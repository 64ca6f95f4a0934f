/* test_engine_rdr.c - redirects (port and session, one-shot and persistent,
 * expiry, cancel by id and group, precedence), gnat_lookup_original, port
 * pools and claims and masquerade staying clear of them. */
#include "test_engine_util.h"

#include <errno.h>

static struct gnat_redirect_spec port_rdr(uint16_t dport, const char *to, uint16_t to_port)
{
	struct gnat_redirect_spec s;

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	s.match.dport = dport;
	s.set_dst = true;
	s.new_dst = te_addr(to);
	s.new_dport = to_port;
	return s;
}

/* TCP/21 -> the proxy's socket: delivered up, the proxy can ask where the
 * client meant to go, and its answers look like the server's. */
static void test_port_redirect_to_proxy(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = port_rdr(21, TE_GW_IN, 2121);
	struct net_tuple seen, orig;
	struct te_out o;
	uint32_t id;

	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
	CU_ASSERT(id != 0);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 21, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_LOCAL);
	CU_ASSERT(o.res.redirect_id == id);
	CU_ASSERT(o.res.new_mapping);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_GW_IN));
	CU_ASSERT(o.p.tuple.dport == 2121);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, TE_CLIENT)); /* not masqueraded */
	CU_ASSERT(o.p.tuple.sport == 40000);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	seen = o.p.tuple;
	CU_ASSERT_FATAL(gnat_lookup_original(g, &seen, &orig) == 0);
	CU_ASSERT(net_tuple_eq(&orig, &(struct net_tuple){0}) == false);
	CU_ASSERT(te_addr_is(&orig.dst, TE_SERVER) && orig.dport == 21);
	CU_ASSERT(te_addr_is(&orig.src, TE_CLIENT) && orig.sport == 40000);
	/* the original tuple itself is not a "translated" view */
	CU_ASSERT(gnat_lookup_original(g, &orig, &seen) == -ENOENT);
	CU_ASSERT(te_mapping(g, 0).mi.redirect_id == id);

	/* the proxy's socket answers; the client sees the server */
	te_send(g, &o, GNAT_SIDE_LOCAL, 1, 6, TE_GW_IN, 2121, TE_CLIENT, 40000,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, TE_SERVER) && o.p.tuple.sport == 21);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));

	/* persistent: the next client is redirected too */
	te_send(g, &o, GNAT_SIDE_INSIDE, 2, 6, TE_CLIENT2, 40000, TE_SERVER2, 21, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	CU_ASSERT(o.res.redirect_id == id);
	/* other ports are not */
	te_send(g, &o, GNAT_SIDE_INSIDE, 2, 6, TE_CLIENT2, 40000, TE_SERVER2, 80, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id == 0);
	/* the proxy's own connection to a server is not sent back to itself */
	te_send(g, &o, GNAT_SIDE_LOCAL, 3, 6, TE_PUBLIC, 50000, TE_SERVER, 21, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(o.res.redirect_id == 0);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_SERVER) && o.p.tuple.dport == 21);
	CU_ASSERT(te_counters(g).redirects_active == 1);
	CU_ASSERT(te_counters(g).redirects_consumed == 0);
	gnat_destroy(g);
}

/* "client -> A:Q becomes public -> B:Q", one-shot. */
static struct gnat_redirect_spec session_rdr(void)
{
	struct gnat_redirect_spec s;

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	s.match.src = te_prefix(TE_CLIENT "/32");
	s.match.dst = te_prefix(TE_SERVER "/32");
	s.match.dport = 30000;
	s.set_src = true;
	s.new_src = te_addr(TE_PUBLIC);
	s.new_sport = 45000;
	s.set_dst = true;
	s.new_dst = te_addr(TE_SERVER2);
	s.one_shot = true;
	s.group = 77;
	return s;
}

static void test_session_redirect_one_shot(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = session_rdr();
	struct te_out o;
	struct gnat_counters c;
	uint32_t id;

	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
	te_send(g, &o, GNAT_SIDE_INSIDE, 1, 6, TE_CLIENT, 50000, TE_SERVER, 30000, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id == id);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, TE_PUBLIC) && o.p.tuple.sport == 45000);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_SERVER2) && o.p.tuple.dport == 30000);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	c = te_counters(g);
	CU_ASSERT(c.redirects_consumed == 1);
	CU_ASSERT(c.redirects_active == 0);
	/* B answers; the client sees A */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 2, 6, TE_SERVER2, 30000, TE_PUBLIC, 45000,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, TE_SERVER) && o.p.tuple.sport == 30000);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_CLIENT) && o.p.tuple.dport == 50000);
	/* consumed: a second session is plain masquerade to A */
	te_send(g, &o, GNAT_SIDE_INSIDE, 3, 6, TE_CLIENT, 50001, TE_SERVER, 30000, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.redirect_id == 0);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_SERVER));
	CU_ASSERT(gnat_redirect_cancel(g, id) == -ENOENT);
	gnat_destroy(g);
}

static void test_one_shot_expires_unused(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = session_rdr();
	struct te_out o;
	uint32_t id, id2;

	s.timeout_ns = TE_S(5);
	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
	s.timeout_ns = 0; /* the configured default: 60 s */
	s.match.dport = 30001;
	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id2) == 0);
	gnat_expire(g, TE_S(4));
	CU_ASSERT(te_counters(g).redirects_active == 2);
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(6), 6, TE_CLIENT, 50000, TE_SERVER, 30000,
		NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.redirect_id == 0);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_SERVER));
	CU_ASSERT(te_counters(g).redirects_expired == 1);
	CU_ASSERT(te_counters(g).redirects_active == 1);
	gnat_expire(g, TE_S(61));
	CU_ASSERT(te_counters(g).redirects_expired == 2);
	CU_ASSERT(gnat_redirect_cancel(g, id2) == -ENOENT);
	gnat_destroy(g);
}

static void test_persistent_with_timeout_and_never(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = port_rdr(8080, TE_CLIENT2, 80);
	struct te_out o;
	uint32_t id;

	/* persistent, no timeout: lives forever; the inside server is reached
	 * from outside through the public address (a "port forward") */
	s.match.dst = te_prefix(TE_PUBLIC "/32");
	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
	for (uint16_t i = 0; i < 3; i++) {
		te_send(g, &o, GNAT_SIDE_OUTSIDE, TE_S(1000000) * i, 6, TE_SERVER,
			(uint16_t)(1000 + i), TE_PUBLIC, 8080, NET_TCP_SYN, NULL);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(o.res.out_side == GNAT_SIDE_INSIDE);
		CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_CLIENT2) && o.p.tuple.dport == 80);
	}
	/* the inside server's reply goes out from the public port */
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(2000000), 6, TE_CLIENT2, 80, TE_SERVER, 1002,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, TE_PUBLIC) && o.p.tuple.sport == 8080);
	CU_ASSERT(te_counters(g).redirects_active == 1);
	gnat_destroy(g);
}

static void test_cancel_and_group(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s = session_rdr();
	struct gnat_counters c;
	struct te_out o;
	uint32_t a, b, d;

	CU_ASSERT(gnat_redirect_add(g, &s, 0, &a) == 0);
	s.match.dport = 30001;
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &b) == 0);
	s.group = 78;
	s.match.dport = 30002;
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &d) == 0);
	CU_ASSERT(a != b && b != d);
	CU_ASSERT(gnat_redirect_cancel_group(g, 77) == 2);
	CU_ASSERT(gnat_redirect_cancel_group(g, 77) == 0);
	CU_ASSERT(gnat_redirect_cancel_group(g, 0) == 0);
	CU_ASSERT(gnat_redirect_cancel(g, a) == -ENOENT);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 50000, TE_SERVER, 30001, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.redirect_id == 0);
	CU_ASSERT(gnat_redirect_cancel(g, d) == 0);
	CU_ASSERT(gnat_redirect_cancel(g, d) == -ENOENT);
	CU_ASSERT(gnat_redirect_cancel(g, 0) == -ENOENT);
	c = te_counters(g);
	CU_ASSERT(c.redirects_cancelled == 3);
	CU_ASSERT(c.redirects_active == 0);
	CU_ASSERT(c.redirects_added == 3);
	gnat_destroy(g);
}

static void test_redirect_limits_and_errors(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct gnat_redirect_spec s = port_rdr(21, TE_GW_IN, 2121);
	uint32_t id;

	te_config(&cfg);
	cfg.max_redirects = 2;
	g = te_open(&cfg);
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &id) == 0);
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &id) == 0);
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &id) == -ENOSPC);
	CU_ASSERT(te_counters(g).redirects_refused == 1);
	CU_ASSERT(gnat_redirect_cancel(g, id) == 0);
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &id) == 0);
	s.match.proto = 1;
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &id) == -EINVAL);
	s = port_rdr(21, TE_GW_IN, 2121);
	s.set_dst = false;
	CU_ASSERT(gnat_redirect_add(g, &s, 0, &id) == -EINVAL);
	CU_ASSERT(gnat_redirect_add(g, NULL, 0, &id) == -EINVAL);
	gnat_destroy(g);
}

/* Session redirects beat port redirects; among equals the newest wins; a
 * redirect whose rewrite is of the other family is skipped. */
static void test_precedence(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec sess = session_rdr(), p1 = port_rdr(30000, TE_GW_IN, 1),
				  p2 = port_rdr(30000, TE_GW_IN, 2),
				  p6 = port_rdr(30000, "2001:db8:1::1", 3);
	struct te_out o;
	uint32_t ids, id1, id2, id6;

	sess.one_shot = false;
	CU_ASSERT(gnat_redirect_add(g, &sess, 0, &ids) == 0);
	CU_ASSERT(gnat_redirect_add(g, &p1, 0, &id1) == 0);
	CU_ASSERT(gnat_redirect_add(g, &p2, 0, &id2) == 0);
	CU_ASSERT(gnat_redirect_add(g, &p6, 0, &id6) == 0);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 50000, TE_SERVER, 30000, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.redirect_id == ids);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT2, 50000, TE_SERVER, 30000, NET_TCP_SYN,
		NULL);
	CU_ASSERT(o.res.redirect_id == id2);
	CU_ASSERT(o.p.tuple.dport == 2);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT6, 50000, TE_SERVER6, 30000, NET_TCP_SYN,
		NULL);
	CU_ASSERT(o.res.redirect_id == id6);
	CU_ASSERT(o.p.tuple.dport == 3);
	/* a wildcard-port redirect is found too */
	CU_ASSERT(gnat_redirect_cancel(g, id2) == 0);
	p2.match.dport = 0;
	p2.new_dport = 9;
	CU_ASSERT(gnat_redirect_add(g, &p2, 0, &id2) == 0);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT2, 50001, TE_SERVER, 30000, NET_TCP_SYN,
		NULL);
	CU_ASSERT(o.res.redirect_id == id2);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT2, 50002, TE_SERVER, 31000, NET_TCP_SYN,
		NULL);
	CU_ASSERT(o.res.redirect_id == id2);
	CU_ASSERT(o.p.tuple.dport == 9);
	/* a redirect to the same ends twice: the second reply tuple would clash */
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT2, 50002, TE_SERVER2, 31000, NET_TCP_SYN,
		NULL);
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_PORTS_EXHAUSTED);
	gnat_destroy(g);
}

static void test_pools(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	uint32_t pool, pool2;
	uint16_t a, b, c;

	te_config(&cfg);
	cfg.port_min = 5000;
	cfg.port_max = 5019;
	g = te_open(&cfg);
	CU_ASSERT_FATAL(gnat_pool_create(g, 6, 10, &pool) == 0);
	CU_ASSERT(gnat_pool_acquire(g, pool, 4, &a) == 0);
	CU_ASSERT(gnat_pool_acquire(g, pool, 4, &b) == 0);
	CU_ASSERT(a >= 5000 && a + 9 <= 5019);
	CU_ASSERT(b == a + 4);
	CU_ASSERT(gnat_pool_acquire(g, pool, 4, &c) == -ENOSPC);
	CU_ASSERT(gnat_pool_acquire(g, pool, 11, &c) == -ENOSPC);
	CU_ASSERT(gnat_pool_acquire(g, pool, 0, &c) == -EINVAL);
	CU_ASSERT(gnat_pool_acquire(g, pool, 2, &c) == 0);
	CU_ASSERT(c == a + 8);
	CU_ASSERT(gnat_pool_release(g, pool, a, 4) == 0);
	CU_ASSERT(gnat_pool_release(g, pool, a, 4) == -EINVAL); /* not acquired now */
	CU_ASSERT(gnat_pool_release(g, pool, (uint16_t)(a - 1), 1) == -EINVAL);
	CU_ASSERT(gnat_pool_release(g, pool, c, 3) == -EINVAL);
	CU_ASSERT(gnat_pool_release(g, 999, a, 1) == -ENOENT);
	CU_ASSERT(gnat_pool_acquire(g, 999, 1, &c) == -ENOENT);
	CU_ASSERT(gnat_pool_acquire(g, pool, 3, &c) == 0);
	CU_ASSERT(c == a);
	/* a second pool gets the other half; no room for a third */
	CU_ASSERT(gnat_pool_create(g, 6, 10, &pool2) == 0);
	CU_ASSERT(pool2 != pool);
	CU_ASSERT(gnat_pool_create(g, 6, 1, &pool2) == -ENOSPC);
	CU_ASSERT(gnat_pool_create(g, 17, 20, &pool2) == 0); /* UDP is another space */
	CU_ASSERT(gnat_pool_create(g, 1, 1, &pool2) == -EINVAL);
	CU_ASSERT(gnat_pool_create(g, 6, 0, &pool2) == -EINVAL);
	CU_ASSERT(gnat_pool_destroy(g, pool) == 0);
	CU_ASSERT(gnat_pool_destroy(g, pool) == -ENOENT);
	CU_ASSERT(gnat_pool_acquire(g, pool, 1, &c) == -ENOENT);
	CU_ASSERT(gnat_pool_create(g, 6, 10, &pool) == 0);
	gnat_destroy(g); /* frees pools still alive */
}

/* Masquerade never hands out reserved or claimed ports. */
static void test_masq_avoids_reserved_and_claimed(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct te_out o;
	uint32_t pool;
	uint16_t got[4];
	char host[32];

	te_config(&cfg);
	cfg.port_min = 5000;
	cfg.port_max = 5009;
	g = te_open(&cfg);
	CU_ASSERT_FATAL(gnat_pool_create(g, 17, 6, &pool) == 0); /* 5004..5009 */
	CU_ASSERT(gnat_port_claim(g, 17, 5001) == 0);
	CU_ASSERT(gnat_port_claim(g, 17, 5001) == -EADDRINUSE);
	CU_ASSERT(gnat_port_claim(g, 1, 5001) == -EINVAL);
	for (int i = 0; i < 4; i++) {
		snprintf(host, sizeof(host), "192.0.2.%d", 30 + i);
		/* every client asks for a reserved port */
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, host, 5005, TE_SERVER, 53, 0, "q");
		got[i] = o.p.tuple.sport;
		if (i < 3) {
			CU_ASSERT(o.res.verdict == GNAT_FORWARD);
			CU_ASSERT(got[i] == 5000 || got[i] == 5002 || got[i] == 5003);
		} else {
			CU_ASSERT(o.res.reason == GNAT_DROP_PORTS_EXHAUSTED);
		}
	}
	CU_ASSERT(got[0] != got[1] && got[1] != got[2] && got[0] != got[2]);
	/* unclaiming frees 5001 for the next session */
	CU_ASSERT(gnat_port_unclaim(g, 17, 5001) == 0);
	CU_ASSERT(gnat_port_unclaim(g, 17, 5001) == -ENOENT);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, "192.0.2.40", 5005, TE_SERVER, 53, 0, "q");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD && o.p.tuple.sport == 5001);
	/* a new pool never covers ports mappings use */
	CU_ASSERT(gnat_pool_destroy(g, pool) == 0);
	CU_ASSERT(gnat_pool_create(g, 17, 7, &pool) == -ENOSPC);
	CU_ASSERT(gnat_pool_create(g, 17, 6, &pool) == 0);
	gnat_destroy(g);
}

TU_MAIN("engine_rdr", TU_CASE(test_port_redirect_to_proxy),
	TU_CASE(test_session_redirect_one_shot), TU_CASE(test_one_shot_expires_unused),
	TU_CASE(test_persistent_with_timeout_and_never), TU_CASE(test_cancel_and_group),
	TU_CASE(test_redirect_limits_and_errors), TU_CASE(test_precedence), TU_CASE(test_pools),
	TU_CASE(test_masq_avoids_reserved_and_claimed))
