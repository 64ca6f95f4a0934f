/* test_natapi.c - the NAT API over the in-process engine backend: every call,
 * call and error counting, error names, ownership and the close sweep, and a
 * proxy's TCP/21 redirect with lookup_original on packets through the gNAT. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../api/natapi.h"
#include "../engine/gnat.h"
#include "../net/net_pkt.h"
#include "tu.h"
#include "tu_pkt.h"

#define CAP 2048
#define CLIENT "192.0.2.10"
#define SERVER "198.51.100.20"
#define PROXY "192.0.2.1" /* the gateway's inside-facing address */
#define PUBLIC "203.0.113.1"

struct fx {
	struct gnat *g;
	struct natapi *api;
	uint64_t now;
};

static uint64_t fx_clock(void *arg)
{
	return *(const uint64_t *)arg;
}

static struct natapi *fx_open_api(struct fx *f)
{
	const struct natapi_backend *b = NULL;
	struct natapi *api = NULL;
	void *st = NULL;

	CU_ASSERT_FATAL(natapi_engine_backend(f->g, fx_clock, &f->now, &b, &st) == 0);
	CU_ASSERT_FATAL(b != NULL && st != NULL);
	CU_ASSERT_FATAL(natapi_open(b, st, &api) == 0);
	return api;
}

static void fx_open(struct fx *f, uint32_t max_redirects)
{
	struct gnat_config cfg;

	memset(f, 0, sizeof(*f));
	gnat_config_default(&cfg);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg.inside[0]) == 0);
	cfg.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse(PUBLIC, &cfg.public4) == 0);
	CU_ASSERT_FATAL(net_addr_parse(PROXY, &cfg.local[0]) == 0);
	cfg.n_local = 1;
	if (max_redirects)
		cfg.max_redirects = max_redirects;
	CU_ASSERT_FATAL(gnat_create(&cfg, &f->g) == 0);
	f->now = 5 * GNAT_NS_PER_S;
	f->api = fx_open_api(f);
}

static void fx_close(struct fx *f)
{
	natapi_close(f->api);
	gnat_destroy(f->g);
}

static void addr(struct net_addr *a, const char *s)
{
	CU_ASSERT_FATAL(net_addr_parse(s, a) == 0);
}

static bool addr_is(const struct net_addr *a, const char *s)
{
	struct net_addr b;

	return net_addr_parse(s, &b) == 0 && net_addr_eq(a, &b);
}

/* A TCP segment through the gNAT; returns the result, p parsed when not dropped. */
static struct gnat_result push(struct fx *f, enum gnat_side from, const char *src, uint16_t sport,
			       const char *dst, uint16_t dport, uint8_t flags, struct net_pkt *p)
{
	static uint8_t buf[CAP];
	struct gnat_result res;
	struct tu_pkt_spec s;
	enum net_err err;
	size_t len;
	int n;

	memset(&s, 0, sizeof(s));
	s.proto = 6;
	s.src = src;
	s.dst = dst;
	s.sport = sport;
	s.dport = dport;
	s.seq = 100;
	s.tcp_flags = flags;
	n = tu_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	len = (size_t)n;
	f->now += GNAT_NS_PER_S / 1000;
	memset(&res, 0, sizeof(res));
	CU_ASSERT_FATAL(gnat_process(f->g, buf, &len, sizeof(buf), from, f->now, &res) == 0);
	if (res.verdict != GNAT_DROP && p)
		CU_ASSERT_FATAL(net_pkt_parse(buf, len, p, &err) == 0);
	return res;
}

/* Not let through by a redirect: unsolicited packets to the public address go
 * up to the gateway (or are dropped), never to the inside. */
static bool not_through(const struct gnat_result *res)
{
	return res->verdict != GNAT_FORWARD && res->redirect_id == 0;
}

static struct natapi_port_redirect ftp_rdr(void)
{
	struct natapi_port_redirect r;

	memset(&r, 0, sizeof(r));
	r.proto = 6;
	r.dport = 21;
	addr(&r.new_dst, PROXY);
	r.new_dport = 8021;
	return r;
}

static uint64_t redirects_active(const struct fx *f)
{
	struct gnat_counters c;

	gnat_counters_get(f->g, &c);
	return c.redirects_active;
}

/* ---- the proxy's redirect ------------------------------------------------ */

static void test_port_redirect_and_lookup_original(void)
{
	struct natapi_port_redirect r = ftp_rdr();
	struct natapi_stats st;
	struct net_tuple seen, orig;
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t id = 0;

	fx_open(&f, 0);
	CU_ASSERT(natapi_redirect_port(f.api, &r, &id) == 0);
	CU_ASSERT(id != 0);
	CU_ASSERT(redirects_active(&f) == 1);

	/* The client's control connection to its server lands on the proxy. */
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 40000, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT_FATAL(res.verdict == GNAT_LOCAL);
	CU_ASSERT(res.redirect_id == id);
	CU_ASSERT(addr_is(&p.tuple.dst, PROXY));
	CU_ASSERT(p.tuple.dport == 8021);
	CU_ASSERT(addr_is(&p.tuple.src, CLIENT));
	CU_ASSERT(p.tuple.sport == 40000);

	/* What the proxy's accept() saw, back to where the client was going. */
	seen = p.tuple;
	CU_ASSERT(natapi_lookup_original(f.api, &seen, &orig) == 0);
	CU_ASSERT(orig.proto == 6);
	CU_ASSERT(addr_is(&orig.src, CLIENT));
	CU_ASSERT(orig.sport == 40000);
	CU_ASSERT(addr_is(&orig.dst, SERVER));
	CU_ASSERT(orig.dport == 21);

	/* The proxy's answer goes back to the client as if from its server. */
	res = push(&f, GNAT_SIDE_LOCAL, PROXY, 8021, CLIENT, 40000, NET_TCP_SYN | NET_TCP_ACK, &p);
	CU_ASSERT_FATAL(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(addr_is(&p.tuple.src, SERVER));
	CU_ASSERT(p.tuple.sport == 21);
	CU_ASSERT(addr_is(&p.tuple.dst, CLIENT));
	CU_ASSERT(p.tuple.dport == 40000);

	/* Persistent: a second client is redirected too. */
	res = push(&f, GNAT_SIDE_INSIDE, "192.0.2.11", 40001, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_LOCAL);
	CU_ASSERT(p.tuple.dport == 8021);

	/* An unknown tuple has no original. */
	seen.sport = 1;
	CU_ASSERT(natapi_lookup_original(f.api, &seen, &orig) == -ENOENT);

	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.calls == 3);
	CU_ASSERT(st.errors == 1);
	CU_ASSERT(st.redirects_active == 1);
	CU_ASSERT(st.reservations_active == 0);

	/* Cancelled: new sessions go to their server again (masqueraded). */
	CU_ASSERT(natapi_cancel(f.api, id) == 0);
	CU_ASSERT(redirects_active(&f) == 0);
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 40002, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&p.tuple.dst, SERVER));
	CU_ASSERT(addr_is(&p.tuple.src, PUBLIC));
	CU_ASSERT(natapi_cancel(f.api, id) == -ENOENT);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.calls == 5);
	CU_ASSERT(st.errors == 2);
	CU_ASSERT(st.redirects_active == 0);
	fx_close(&f);
}

static void test_port_redirect_filters(void)
{
	struct natapi_port_redirect r = ftp_rdr();
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t id;

	fx_open(&f, 0);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.128/25", &r.src) == 0);
	CU_ASSERT(natapi_redirect_port(f.api, &r, &id) == 0);
	res = push(&f, GNAT_SIDE_INSIDE, "192.0.2.200", 40000, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_LOCAL);
	res = push(&f, GNAT_SIDE_INSIDE, "192.0.2.20", 40000, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&p.tuple.dst, SERVER));
	fx_close(&f);
}

/* ---- session redirects ---------------------------------------------------- */

static struct natapi_session_redirect data_rdr(uint16_t pub_port, uint32_t group)
{
	struct natapi_session_redirect r;

	/* "a connection from the server to public:P becomes server -> client:51201" */
	memset(&r, 0, sizeof(r));
	r.proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse(SERVER "/32", &r.src) == 0);
	addr(&r.dst, PUBLIC);
	r.dport = pub_port;
	addr(&r.new_dst, CLIENT);
	r.new_dport = 51201;
	r.one_shot = true;
	r.group = group;
	return r;
}

static void test_session_redirect_one_shot(void)
{
	struct natapi_session_redirect r = data_rdr(50000, 7);
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t id = 0;

	fx_open(&f, 0);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &r, &id) == 0);
	CU_ASSERT(id != 0);
	res = push(&f, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 50000, NET_TCP_SYN, &p);
	CU_ASSERT_FATAL(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.redirect_id == id);
	CU_ASSERT(addr_is(&p.tuple.dst, CLIENT));
	CU_ASSERT(p.tuple.dport == 51201);
	CU_ASSERT(addr_is(&p.tuple.src, SERVER));
	CU_ASSERT(p.tuple.sport == 20);
	/* consumed: a second connection is not let through */
	res = push(&f, GNAT_SIDE_OUTSIDE, SERVER, 21000, PUBLIC, 50000, NET_TCP_SYN, &p);
	CU_ASSERT(not_through(&res));
	/* cancelling a consumed one-shot says so, and forgets it */
	CU_ASSERT(natapi_cancel(f.api, id) == -ENOENT);
	fx_close(&f);
}

static void test_session_redirect_both_ends(void)
{
	struct natapi_session_redirect r;
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t id;

	/* PASV to another server B while the client believes it talks to A:
	 * "client -> A:Q becomes public -> B:Q". */
	fx_open(&f, 0);
	memset(&r, 0, sizeof(r));
	r.proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse(CLIENT "/32", &r.src) == 0);
	addr(&r.dst, SERVER);
	r.dport = 30000;
	r.set_src = true;
	addr(&r.new_src, PUBLIC);
	r.new_sport = 0;
	addr(&r.new_dst, "198.51.100.99");
	r.new_dport = 30000;
	r.one_shot = true;
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &r, &id) == 0);
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 45000, SERVER, 30000, NET_TCP_SYN, &p);
	CU_ASSERT_FATAL(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.redirect_id == id);
	CU_ASSERT(addr_is(&p.tuple.src, PUBLIC));
	CU_ASSERT(addr_is(&p.tuple.dst, "198.51.100.99"));
	CU_ASSERT(p.tuple.dport == 30000);
	fx_close(&f);
}

static void test_session_redirect_expires_by_clock(void)
{
	struct natapi_session_redirect r = data_rdr(50001, 0);
	struct gnat_result res;
	struct fx f;
	uint32_t id;

	fx_open(&f, 0);
	r.timeout_ns = 2 * GNAT_NS_PER_S;
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &r, &id) == 0);
	CU_ASSERT(redirects_active(&f) == 1);
	f.now += 3 * GNAT_NS_PER_S; /* the backend read the clock when it was added */
	res = push(&f, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 50001, NET_TCP_SYN, NULL);
	CU_ASSERT(not_through(&res));
	CU_ASSERT(redirects_active(&f) == 0);
	fx_close(&f);
}

/* A handle with thousands of redirects in many groups: cancelling one
 * group removes exactly its members from the handle and the engine, and the
 * handle's other ids stay its own. */
static void test_cancel_group_at_scale(void)
{
	struct natapi_stats st;
	struct gnat_counters c;
	uint32_t ids[3000];
	struct fx f;

	fx_open(&f, 4096);
	for (uint32_t i = 0; i < 3000; i++) {
		struct natapi_session_redirect r = data_rdr((uint16_t)(20000 + i), 100 + i % 30);

		r.one_shot = false;
		CU_ASSERT_FATAL(natapi_redirect_session(f.api, &r, &ids[i]) == 0);
	}
	CU_ASSERT(natapi_cancel_group(f.api, 107) == 0);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.redirects_active == 2900);
	gnat_counters_get(f.g, &c);
	CU_ASSERT(c.redirects_active == 2900);
	for (uint32_t i = 7; i < 3000; i += 30)
		CU_ASSERT(natapi_cancel(f.api, ids[i]) == -ENOENT);
	CU_ASSERT(natapi_cancel(f.api, ids[8]) == 0);
	CU_ASSERT(natapi_cancel_group(f.api, 107) == 0);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.redirects_active == 2899);
	fx_close(&f);
	/* closing the handle removed the rest from the engine */
}

static void test_cancel_group(void)
{
	struct natapi_session_redirect a = data_rdr(50010, 3), b = data_rdr(50011, 3),
				       c = data_rdr(50012, 4);
	struct natapi_stats st;
	struct gnat_result res;
	struct fx f;
	uint32_t ia, ib, ic;

	fx_open(&f, 0);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &a, &ia) == 0);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &b, &ib) == 0);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &c, &ic) == 0);
	CU_ASSERT(redirects_active(&f) == 3);
	CU_ASSERT(natapi_cancel_group(f.api, 3) == 0);
	CU_ASSERT(redirects_active(&f) == 1);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.redirects_active == 1);
	res = push(&f, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 50010, NET_TCP_SYN, NULL);
	CU_ASSERT(not_through(&res));
	res = push(&f, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 50012, NET_TCP_SYN, NULL);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.redirect_id == ic);
	/* an empty group is fine; group 0 ("none") is not a group */
	CU_ASSERT(natapi_cancel_group(f.api, 3) == 0);
	CU_ASSERT(natapi_cancel_group(f.api, 0) == -EINVAL);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.calls == 6);
	CU_ASSERT(st.errors == 1);
	fx_close(&f);
}

/* ---- reservations --------------------------------------------------------- */

static void test_reserve_acquire_release(void)
{
	struct natapi_stats st;
	struct fx f;
	uint32_t res_id = 0, res2;
	uint16_t p1, p2, p3;

	fx_open(&f, 0);
	CU_ASSERT_FATAL(natapi_reserve(f.api, 6, 4, &res_id) == 0);
	CU_ASSERT(natapi_acquire(f.api, res_id, 2, &p1) == 0);
	CU_ASSERT(natapi_acquire(f.api, res_id, 2, &p2) == 0);
	CU_ASSERT(p1 >= 1024 && p2 >= 1024);
	CU_ASSERT(p1 + 2 == p2 || p2 + 2 == p1); /* 4 contiguous ports, 2 runs of 2 */
	CU_ASSERT(natapi_acquire(f.api, res_id, 1, &p3) == -ENOSPC);
	CU_ASSERT(natapi_release(f.api, res_id, p1, 2) == 0);
	CU_ASSERT(natapi_acquire(f.api, res_id, 1, &p3) == 0);
	CU_ASSERT(p3 == p1 || p3 == p1 + 1);
	/* a destroyed reservation is unknown afterwards */
	CU_ASSERT(natapi_reserve(f.api, 17, 2, &res2) == 0);
	CU_ASSERT(natapi_unreserve(f.api, res2) == 0);
	CU_ASSERT(natapi_unreserve(f.api, res2) == -ENOENT);
	CU_ASSERT(natapi_acquire(f.api, res2, 1, &p3) == -ENOENT);
	CU_ASSERT(natapi_release(f.api, res2, p3, 1) == -ENOENT);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.calls == 11);
	CU_ASSERT(st.errors == 4);
	CU_ASSERT(st.reservations_active == 1);
	fx_close(&f);
}

static void test_reserved_ports_avoided_by_masquerade(void)
{
	struct gnat_config cfg;
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t rid;
	uint16_t first;

	/* a range of 8 ports; reserve 4 and masquerade must use the other 4 */
	memset(&f, 0, sizeof(f));
	gnat_config_default(&cfg);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg.inside[0]) == 0);
	cfg.n_inside = 1;
	addr(&cfg.public4, PUBLIC);
	cfg.port_min = 2000;
	cfg.port_max = 2007;
	CU_ASSERT_FATAL(gnat_create(&cfg, &f.g) == 0);
	f.now = GNAT_NS_PER_S;
	f.api = fx_open_api(&f);
	CU_ASSERT_FATAL(natapi_reserve(f.api, 6, 4, &rid) == 0);
	CU_ASSERT_FATAL(natapi_acquire(f.api, rid, 4, &first) == 0);
	for (uint16_t i = 0; i < 4; i++) {
		res = push(&f, GNAT_SIDE_INSIDE, CLIENT, (uint16_t)(2000 + i), SERVER, 80,
			   NET_TCP_SYN, &p);
		CU_ASSERT_FATAL(res.verdict == GNAT_FORWARD);
		CU_ASSERT(p.tuple.sport < first || p.tuple.sport >= first + 4);
	}
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 2004, SERVER, 80, NET_TCP_SYN, NULL);
	CU_ASSERT(res.verdict == GNAT_DROP);
	CU_ASSERT(res.reason == GNAT_DROP_PORTS_EXHAUSTED);
	/* closing the handle gives the ports back */
	natapi_close(f.api);
	f.api = fx_open_api(&f);
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 2005, SERVER, 80, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	fx_close(&f);
}

/* ---- errors --------------------------------------------------------------- */

static void test_invalid_arguments(void)
{
	struct natapi_port_redirect r = ftp_rdr();
	struct natapi_session_redirect s = data_rdr(50000, 0);
	struct natapi_stats st;
	struct net_tuple t, o;
	struct fx f;
	uint32_t id;
	uint16_t port;

	fx_open(&f, 0);
	memset(&t, 0, sizeof(t));
	r.proto = 1;
	CU_ASSERT(natapi_redirect_port(f.api, &r, &id) == -EINVAL);
	r = ftp_rdr();
	r.dport = 0;
	CU_ASSERT(natapi_redirect_port(f.api, &r, &id) == -EINVAL);
	r = ftp_rdr();
	memset(&r.new_dst, 0, sizeof(r.new_dst));
	CU_ASSERT(natapi_redirect_port(f.api, &r, &id) == -EINVAL);
	CU_ASSERT(natapi_redirect_port(f.api, NULL, &id) == -EINVAL);
	s.dport = 0;
	CU_ASSERT(natapi_redirect_session(f.api, &s, &id) == -EINVAL);
	s = data_rdr(50000, 0);
	memset(&s.dst, 0, sizeof(s.dst));
	CU_ASSERT(natapi_redirect_session(f.api, &s, &id) == -EINVAL);
	s = data_rdr(50000, 0);
	s.set_src = true; /* with no new source */
	CU_ASSERT(natapi_redirect_session(f.api, &s, &id) == -EINVAL);
	CU_ASSERT(natapi_lookup_original(f.api, NULL, &o) == -EINVAL);
	CU_ASSERT(natapi_reserve(f.api, 6, 0, &id) == -EINVAL);
	CU_ASSERT(natapi_reserve(f.api, 58, 4, &id) == -EINVAL);
	CU_ASSERT(natapi_acquire(f.api, 12345, 1, &port) == -ENOENT);
	CU_ASSERT(natapi_cancel(f.api, 12345) == -ENOENT);
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.calls == 12);
	CU_ASSERT(st.errors == 12);
	CU_ASSERT(st.redirects_active == 0);
	CU_ASSERT(redirects_active(&f) == 0);
	fx_close(&f);
}

static void test_table_full(void)
{
	struct natapi_session_redirect s;
	struct natapi_stats st;
	struct fx f;
	uint32_t id, rid;
	int rc = 0, n = 0;

	fx_open(&f, 4);
	for (int i = 0; i < 10 && rc == 0; i++) {
		s = data_rdr((uint16_t)(50000 + i), 1);
		rc = natapi_redirect_session(f.api, &s, &id);
		if (rc == 0)
			n++;
	}
	CU_ASSERT(n == 4);
	CU_ASSERT(rc == -ENOSPC);
	CU_ASSERT(natapi_reserve(f.api, 6, 65535 - 1024 + 1, &rid) == 0);
	CU_ASSERT(natapi_reserve(f.api, 6, 1, &rid) == -ENOSPC);
	CU_ASSERT(natapi_reserve(f.api, 6, 70000, &rid) == -EINVAL); /* beyond the range */
	natapi_stats_get(f.api, &st);
	CU_ASSERT(st.redirects_active == 4);
	CU_ASSERT(st.reservations_active == 1);
	CU_ASSERT(st.errors == 3);
	fx_close(&f);
}

static void unsup_close(void *state)
{
	free(state);
}

static void test_backend_without_operations(void)
{
	static const struct natapi_backend bare = {.name = "bare", .close = unsup_close};
	struct natapi_port_redirect r = ftp_rdr();
	struct natapi_session_redirect s = data_rdr(50000, 0);
	struct natapi_counters cnt;
	struct natapi_stats st;
	struct natapi *api;
	struct net_tuple t, o;
	uint32_t id;
	uint16_t port;

	memset(&t, 0, sizeof(t));
	CU_ASSERT(natapi_open(NULL, NULL, &api) == -EINVAL);
	CU_ASSERT_FATAL(natapi_open(&bare, malloc(1), &api) == 0);
	CU_ASSERT(natapi_redirect_port(api, &r, &id) == -ENOTSUP);
	CU_ASSERT(natapi_redirect_session(api, &s, &id) == -ENOTSUP);
	CU_ASSERT(natapi_cancel(api, 1) == -ENOTSUP);
	CU_ASSERT(natapi_cancel_group(api, 1) == -ENOTSUP);
	CU_ASSERT(natapi_lookup_original(api, &t, &o) == -ENOTSUP);
	CU_ASSERT(natapi_reserve(api, 6, 1, &id) == -ENOTSUP);
	CU_ASSERT(natapi_unreserve(api, 1) == -ENOTSUP);
	CU_ASSERT(natapi_acquire(api, 1, 1, &port) == -ENOTSUP);
	CU_ASSERT(natapi_release(api, 1, 1, 1) == -ENOTSUP);
	CU_ASSERT(natapi_redirect_counters(api, 1, &cnt) == -ENOTSUP);
	natapi_stats_get(api, &st);
	CU_ASSERT(st.calls == 10);
	CU_ASSERT(st.errors == 10);
	natapi_close(api);
	/* no handle at all */
	CU_ASSERT(natapi_cancel(NULL, 1) == -EBADF);
	CU_ASSERT(natapi_redirect_port(NULL, &r, &id) == -EBADF);
	CU_ASSERT(natapi_reserve(NULL, 6, 1, &id) == -EBADF);
	CU_ASSERT(natapi_engine_backend(NULL, fx_clock, NULL, NULL, NULL) == -EINVAL);
}

static void test_strerror_names(void)
{
	static const struct {
		int err;
		const char *name;
	} codes[] = {
		{-EINVAL, "-EINVAL: "},   {-ENOENT, "-ENOENT: "},  {-ENOSPC, "-ENOSPC: "},
		{-EADDRINUSE, "-EADDRINUSE: "}, {-ENOTSUP, "-ENOTSUP: "}, {-EBADF, "-EBADF: "},
		{-ENOMEM, "-ENOMEM: "},
	};
	const char *generic = natapi_strerror(-EPIPE);

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = natapi_strerror(codes[i].err);

		CU_ASSERT_FATAL(s != NULL);
		CU_ASSERT(strncmp(s, codes[i].name, strlen(codes[i].name)) == 0);
		CU_ASSERT(strlen(s) > strlen(codes[i].name)); /* and says what it means */
		CU_ASSERT(strcmp(s, generic) != 0);
	}
	CU_ASSERT(generic != NULL && strlen(generic) > 0);
	CU_ASSERT(strcmp(natapi_strerror(-12345), generic) == 0);
	CU_ASSERT(strcmp(natapi_strerror(0), generic) != 0);
}

/* ---- ownership and the close sweep ------------------------------------------ */

static void test_close_removes_everything(void)
{
	struct natapi_port_redirect r = ftp_rdr();
	struct natapi_session_redirect s1 = data_rdr(50020, 9), s2 = data_rdr(50021, 0);
	struct gnat_counters c;
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t id, rid, rid2;
	uint16_t first, again;

	fx_open(&f, 0);
	CU_ASSERT_FATAL(natapi_redirect_port(f.api, &r, &id) == 0);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &s1, &id) == 0);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &s2, &id) == 0);
	CU_ASSERT_FATAL(natapi_reserve(f.api, 6, 100, &rid) == 0);
	CU_ASSERT_FATAL(natapi_acquire(f.api, rid, 10, &first) == 0);
	CU_ASSERT(redirects_active(&f) == 3);
	natapi_close(f.api);
	gnat_counters_get(f.g, &c);
	CU_ASSERT(c.redirects_active == 0);
	CU_ASSERT(c.redirects_cancelled == 3);
	/* no longer redirected */
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 40000, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&p.tuple.dst, SERVER));
	res = push(&f, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 50020, NET_TCP_SYN, NULL);
	CU_ASSERT(not_through(&res));
	/* the pool is gone: the same ports are reserved again */
	f.api = fx_open_api(&f);
	CU_ASSERT(natapi_reserve(f.api, 6, 100, &rid2) == 0);
	CU_ASSERT(natapi_acquire(f.api, rid2, 10, &again) == 0);
	CU_ASSERT(again == first);
	fx_close(&f);
}

static void test_handles_own_their_ids(void)
{
	struct natapi_port_redirect r = ftp_rdr();
	struct natapi_session_redirect s = data_rdr(50030, 5);
	struct natapi *other;
	struct gnat_result res;
	struct net_pkt p;
	struct fx f;
	uint32_t id_a, id_b, rid;
	uint16_t port;

	fx_open(&f, 0);
	other = fx_open_api(&f);
	CU_ASSERT_FATAL(natapi_redirect_port(f.api, &r, &id_a) == 0);
	CU_ASSERT_FATAL(natapi_reserve(f.api, 6, 2, &rid) == 0);
	CU_ASSERT_FATAL(natapi_redirect_session(other, &s, &id_b) == 0);
	/* another handle can neither cancel nor spend them */
	CU_ASSERT(natapi_cancel(other, id_a) == -ENOENT);
	CU_ASSERT(natapi_acquire(other, rid, 1, &port) == -ENOENT);
	CU_ASSERT(natapi_unreserve(other, rid) == -ENOENT);
	/* same group number in two handles: each cancels only its own */
	s = data_rdr(50031, 5);
	CU_ASSERT_FATAL(natapi_redirect_session(f.api, &s, &id_b) == 0);
	CU_ASSERT(natapi_cancel_group(other, 5) == 0);
	CU_ASSERT(redirects_active(&f) == 2);
	/* closing the other handle leaves ours */
	natapi_close(other);
	CU_ASSERT(redirects_active(&f) == 2);
	res = push(&f, GNAT_SIDE_INSIDE, CLIENT, 40000, SERVER, 21, NET_TCP_SYN, &p);
	CU_ASSERT(res.verdict == GNAT_LOCAL);
	CU_ASSERT(natapi_acquire(f.api, rid, 1, &port) == 0);
	fx_close(&f);
}

/* The backend on its own (what a handle calls): its group operation removes a
 * whole group at once, as a future nftables chain flush would. */
static void test_engine_backend_group(void)
{
	struct natapi_session_redirect a = data_rdr(50040, 8), b = data_rdr(50041, 8);
	const struct natapi_backend *be = NULL;
	struct fx f;
	void *st = NULL;
	uint32_t ia, ib;

	fx_open(&f, 0);
	CU_ASSERT_FATAL(natapi_engine_backend(f.g, fx_clock, &f.now, &be, &st) == 0);
	CU_ASSERT(strcmp(be->name, "engine") == 0);
	CU_ASSERT_FATAL(be->redirect_session(st, &a, &ia) == 0);
	CU_ASSERT_FATAL(be->redirect_session(st, &b, &ib) == 0);
	CU_ASSERT(ia != ib);
	CU_ASSERT(redirects_active(&f) == 2);
	CU_ASSERT(be->cancel_group(st, 8) == 0);
	CU_ASSERT(redirects_active(&f) == 0);
	CU_ASSERT(be->cancel(st, ia) == -ENOENT);
	be->close(st);
	fx_close(&f);
}

TU_MAIN("natapi", TU_CASE(test_port_redirect_and_lookup_original),
	TU_CASE(test_port_redirect_filters), TU_CASE(test_session_redirect_one_shot),
	TU_CASE(test_session_redirect_both_ends), TU_CASE(test_session_redirect_expires_by_clock),
	TU_CASE(test_cancel_group), TU_CASE(test_cancel_group_at_scale),
	TU_CASE(test_reserve_acquire_release),
	TU_CASE(test_reserved_ports_avoided_by_masquerade), TU_CASE(test_invalid_arguments),
	TU_CASE(test_table_full), TU_CASE(test_backend_without_operations),
	TU_CASE(test_strerror_names), TU_CASE(test_close_removes_everything),
	TU_CASE(test_handles_own_their_ids), TU_CASE(test_engine_backend_group))
