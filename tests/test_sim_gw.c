/* test_sim_gw.c - the simulated gateway: a client host and a server host on
 * either side of it; TCP through masquerade, a port redirect to a local
 * listening socket with lookup_original, the proxy path's exact crossing
 * counts against a fast-path session redirect, router mode, port claims,
 * drops by reason, and determinism. CPU timing is test_sim_gw_cpu.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../api/natapi.h"
#include "../engine/gnat.h"
#include "../sim/sim_gw.h"
#include "../sim/sim_udp.h"
#include "tu.h"

#define CLI_ADDR "192.0.2.10"
#define SRV_ADDR "203.0.113.10"
#define GW_PUB "203.0.113.1"
#define GW_IN "192.0.2.1"

static struct net_addr A(const char *s)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	CU_ASSERT_FATAL(net_addr_parse(s, &a) == 0);
	return a;
}

struct topo {
	struct sim_world w;
	struct sim_host cli, srv;
	struct sim_gw gw;
	struct sim_link lin, lout;
};

static void topo_init(struct topo *t, uint64_t seed, bool translate, double loss)
{
	struct sim_gw_config cfg;
	struct sim_link_params lp;

	memset(t, 0, sizeof(*t));
	sim_world_init(&t->w, seed);
	CU_ASSERT_FATAL(sim_host_init(&t->cli, &t->w, "cli") == 0);
	CU_ASSERT_FATAL(sim_host_init(&t->srv, &t->w, "srv") == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&t->cli) == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&t->srv) == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&t->cli, 0, CLI_ADDR) == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&t->srv, 0, SRV_ADDR) == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&t->cli, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&t->srv, "default", 0) == 0);
	sim_gw_config_default(&cfg);
	cfg.translate = translate;
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg.nat.inside[0]) == 0);
	cfg.nat.n_inside = 1;
	cfg.nat.public4 = A(GW_PUB);
	cfg.inside4 = A(GW_IN);
	CU_ASSERT_FATAL(sim_gw_init(&t->gw, &t->w, "gw", &cfg) == 0);
	sim_link_params_default(&lp);
	lp.bw_bps = 100000000ULL;
	lp.delay_ns = 500 * SIM_NS_PER_US;
	lp.loss = loss;
	CU_ASSERT_FATAL(sim_link_init(&t->lin, &t->w, &lp, &t->gw.host.ifc[SIM_GW_IFC_INSIDE],
				      &t->cli.ifc[0]) == 0);
	CU_ASSERT_FATAL(sim_link_init(&t->lout, &t->w, &lp, &t->gw.host.ifc[SIM_GW_IFC_OUTSIDE],
				      &t->srv.ifc[0]) == 0);
}

static void topo_free(struct topo *t)
{
	sim_gw_free(&t->gw);
	sim_host_free(&t->cli);
	sim_host_free(&t->srv);
	sim_link_free(&t->lin);
	sim_link_free(&t->lout);
	CU_ASSERT_EQUAL(t->w.pool.n_in_use, 0);
	sim_world_free(&t->w);
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 9) + 7);
}

/* ---- the client: sends total pattern bytes, half-closes, closes at EOF ---- */

struct sender {
	struct sim_sock *s;
	uint64_t total, sent;
	bool shut, connected, eof;
	int err;
};

static void sender_push(struct sim_sock *s, void *ctx)
{
	struct sender *sd = ctx;
	uint8_t buf[8192];

	while (sd->sent < sd->total) {
		size_t n = sd->total - sd->sent < sizeof(buf) ? sd->total - sd->sent : sizeof(buf);
		long r;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(sd->sent + i);
		r = sim_sock_send(s, buf, n);
		if (r <= 0)
			return;
		sd->sent += (uint64_t)r;
	}
	if (!sd->shut) {
		sd->shut = true;
		sim_sock_shutdown(s);
	}
}

static void sender_connected(struct sim_sock *s, void *ctx)
{
	((struct sender *)ctx)->connected = true;
	sender_push(s, ctx);
}

static void sender_readable(struct sim_sock *s, void *ctx)
{
	struct sender *sd = ctx;
	uint8_t buf[256];
	long r;

	while ((r = sim_sock_recv(s, buf, sizeof(buf))) > 0)
		;
	if (r == 0 && !sd->eof) {
		sd->eof = true;
		sim_sock_close(s);
		sd->s = NULL;
	}
}

static void sender_closed(struct sim_sock *s, void *ctx, int err)
{
	struct sender *sd = ctx;

	sd->err = err;
	if (sd->s == s) {
		sim_sock_close(s);
		sd->s = NULL;
	}
}

static const struct sim_sock_ops sender_ops = {
	.on_connected = sender_connected, .on_readable = sender_readable,
	.on_writable = sender_push, .on_closed = sender_closed};

/* ---- the server: checks the pattern, closes at EOF ---- */

struct receiver {
	struct sim_sock *lst, *s;
	uint64_t got;
	bool bad, eof;
	struct net_addr peer;
	uint16_t peer_port;
};

static void receiver_readable(struct sim_sock *s, void *ctx)
{
	struct receiver *rx = ctx;
	uint8_t buf[8192];
	long r;

	while ((r = sim_sock_recv(s, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r; i++)
			if (buf[i] != pattern(rx->got + (uint64_t)i))
				rx->bad = true;
		rx->got += (uint64_t)r;
	}
	if (r == 0 && !rx->eof) {
		rx->eof = true;
		sim_sock_close(s);
		rx->s = NULL;
	}
}

static void receiver_accept(struct sim_sock *l, struct sim_sock *child, void *ctx)
{
	struct receiver *rx = ctx;

	(void)l;
	rx->s = child;
	sim_sock_peer(child, &rx->peer, &rx->peer_port);
}

static const struct sim_sock_ops receiver_ops = {.on_readable = receiver_readable,
						 .on_accept = receiver_accept};

static void run(struct topo *t)
{
	sim_sched_run(&t->w.sched, SIM_TIME_NEVER);
}

/* ---- masquerade ---- */

static void test_nat_tcp_masquerade(void)
{
	struct topo t;
	struct sender sd = {.total = 300000};
	struct receiver rx = {0};
	struct sim_gw_metrics m;
	struct gnat_counters c;
	struct net_addr dst = A(SRV_ADDR);

	topo_init(&t, 1, true, 0);
	CU_ASSERT_FATAL(sim_sock_listen(&t.srv, 80, &receiver_ops, &rx, &rx.lst) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&t.cli, &dst, 80, &sender_ops, &sd, &sd.s) == 0);
	run(&t);
	CU_ASSERT(sd.connected);
	CU_ASSERT_EQUAL(rx.got, sd.total);
	CU_ASSERT(!rx.bad);
	CU_ASSERT(rx.eof);
	CU_ASSERT(sd.s == NULL && sd.err == 0); /* both FINs exchanged, released */
	/* The server saw the gateway's public address, not the client. */
	struct net_addr pub = A(GW_PUB);
	CU_ASSERT(net_addr_eq(&rx.peer, &pub));
	sim_gw_metrics_get(&t.gw, &m);
	gnat_counters_get(sim_gw_gnat(&t.gw), &c);
	CU_ASSERT_EQUAL(c.mappings_created, 1);
	CU_ASSERT(c.pkts_translated > 200); /* 300 kB in 1460-byte segments, plus ACKs */
	CU_ASSERT_EQUAL(m.fastpath_packets, c.pkts_translated);
	CU_ASSERT_EQUAL(m.kernel_packets, c.pkts_in);
	CU_ASSERT_EQUAL(m.kernel_packets, m.fastpath_packets);
	CU_ASSERT_EQUAL(m.proxied_packets, 0);
	CU_ASSERT_EQUAL(m.transitions, 0);
	CU_ASSERT_EQUAL(m.bytes_copied, 0);
	CU_ASSERT_EQUAL(m.api_calls, 0);
	CU_ASSERT_EQUAL(m.drops_total, 0);
	CU_ASSERT_EQUAL(m.gateway_cpu_ns, m.kernel_packets * t.gw.cfg.cost.per_packet_ns);
	sim_sock_close(rx.lst);
	topo_free(&t);
}

/* ---- the proxy path: a process on the gateway relays client -> server ---- */

struct relay {
	struct sim_gw *gw;
	struct sim_sock *lst, *in, *out;
	uint8_t buf[4096];
	size_t pend_off, pend_len;
	bool out_connected, in_eof, out_eof;
	uint64_t calls, bytes, cost_ns; /* the relay's own count of its crossings */
	int lookup_rc;
	struct net_tuple orig;
};

static void relay_count(struct relay *r, long n)
{
	r->calls++;
	r->bytes += (uint64_t)n;
	r->cost_ns += r->gw->cfg.cost.per_transition_ns +
		      ((uint64_t)n * r->gw->cfg.cost.per_byte_ps + 500) / 1000;
}

/* Copies in -> out: every data byte crosses up once and down once. */
static void relay_pump(struct relay *r)
{
	long n;

	if (!r->out_connected || !r->in || !r->out)
		return;
	for (;;) {
		if (r->pend_len) {
			n = sim_sock_send(r->out, r->buf + r->pend_off, r->pend_len);
			if (n <= 0)
				return; /* on_writable resumes */
			relay_count(r, n);
			r->pend_off += (size_t)n;
			r->pend_len -= (size_t)n;
			continue;
		}
		n = sim_sock_recv(r->in, r->buf, sizeof(r->buf));
		if (n > 0) {
			relay_count(r, n);
			r->pend_off = 0;
			r->pend_len = (size_t)n;
			continue;
		}
		if (n == 0 && !r->in_eof) {
			r->in_eof = true;
			sim_sock_shutdown(r->out);
		}
		return;
	}
}

static void relay_in_readable(struct sim_sock *s, void *ctx)
{
	(void)s;
	relay_pump(ctx);
}

static void relay_out_connected(struct sim_sock *s, void *ctx)
{
	struct relay *r = ctx;

	(void)s;
	r->out_connected = true;
	relay_pump(r);
}

/* The server only ever sends its FIN: pass the end of stream back. */
static void relay_out_readable(struct sim_sock *s, void *ctx)
{
	struct relay *r = ctx;
	uint8_t b[64];

	if (sim_sock_recv(s, b, sizeof(b)) == 0 && !r->out_eof && r->in) {
		r->out_eof = true;
		sim_sock_shutdown(r->in);
	}
}

static void relay_closed(struct sim_sock *s, void *ctx, int err)
{
	struct relay *r = ctx;

	(void)err;
	if (s == r->in) {
		r->in = NULL;
	} else if (s == r->out) {
		r->out = NULL;
		if (!r->out_eof && r->in) { /* the server's FIN came with the close */
			r->out_eof = true;
			sim_sock_shutdown(r->in);
		}
	}
	sim_gw_close(r->gw, s);
}

static const struct sim_sock_ops relay_in_ops = {
	.on_readable = relay_in_readable, .on_closed = relay_closed};
static const struct sim_sock_ops relay_out_ops = {
	.on_connected = relay_out_connected, .on_readable = relay_out_readable,
	.on_writable = relay_in_readable, .on_closed = relay_closed};

static void relay_accept(struct sim_sock *l, struct sim_sock *child, void *ctx)
{
	struct relay *r = ctx;
	struct net_tuple tr;

	(void)l;
	r->in = child;
	sim_sock_set_ops(child, &relay_in_ops, r);
	sim_gw_sock_set_data(r->gw, child, true);
	/* The accepted connection as the proxy's socket sees it ... */
	memset(&tr, 0, sizeof(tr));
	tr.proto = 6;
	sim_sock_peer(child, &tr.src, &tr.sport);
	sim_sock_local(child, &tr.dst, &tr.dport);
	/* ... and where the client really meant to go. */
	r->lookup_rc = natapi_lookup_original(sim_gw_natapi(r->gw), &tr, &r->orig);
	if (r->lookup_rc < 0)
		return;
	if (sim_gw_connect(r->gw, NULL, &r->orig.dst, r->orig.dport, &relay_out_ops, r, &r->out) ==
	    0)
		sim_gw_sock_set_data(r->gw, r->out, true);
}

static const struct sim_sock_ops relay_lst_ops = {.on_accept = relay_accept};

/* Redirect inside TCP/21 to the gateway's inside address, port 8021. */
static void add_port_redirect(struct topo *t)
{
	struct natapi_port_redirect pr;
	uint32_t id = 0;

	memset(&pr, 0, sizeof(pr));
	pr.proto = 6;
	pr.dport = 21;
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &pr.src) == 0);
	pr.new_dst = A(GW_IN);
	pr.new_dport = 8021;
	CU_ASSERT_FATAL(natapi_redirect_port(sim_gw_natapi(&t->gw), &pr, &id) == 0);
	CU_ASSERT(id != 0);
}

static void relay_scenario(uint64_t seed, double loss, uint64_t total, struct sim_gw_metrics *m,
			   struct relay *r, struct receiver *rx, struct sender *sd)
{
	struct topo t;
	struct net_addr dst = A(SRV_ADDR);

	topo_init(&t, seed, true, loss);
	memset(r, 0, sizeof(*r));
	memset(rx, 0, sizeof(*rx));
	memset(sd, 0, sizeof(*sd));
	sd->total = total;
	r->gw = &t.gw;
	add_port_redirect(&t);
	CU_ASSERT_FATAL(sim_gw_listen(&t.gw, 8021, &relay_lst_ops, r, &r->lst) == 0);
	CU_ASSERT_FATAL(sim_sock_listen(&t.srv, 21, &receiver_ops, rx, &rx->lst) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&t.cli, &dst, 21, &sender_ops, sd, &sd->s) == 0);
	run(&t);
	sim_gw_metrics_get(&t.gw, m);
	{
		struct gnat_counters c;

		gnat_counters_get(sim_gw_gnat(&t.gw), &c);
		/* Every proxied packet is one the gNAT delivered up or took down. */
		CU_ASSERT_EQUAL(m->proxied_packets, c.pkts_local + c.pkts_from_local);
		CU_ASSERT_EQUAL(m->packets_up, c.pkts_local);
	}
	sim_gw_close(&t.gw, r->lst);
	sim_sock_close(rx->lst);
	r->gw = NULL;
	topo_free(&t);
}

static void test_redirect_to_local_socket(void)
{
	struct sim_gw_metrics m;
	struct relay r;
	struct receiver rx;
	struct sender sd;

	relay_scenario(2, 0, 1000, &m, &r, &rx, &sd);
	/* The proxy learnt the original destination through the NAT API. */
	CU_ASSERT_EQUAL(r.lookup_rc, 0);
	CU_ASSERT(net_addr_eq(&r.orig.dst, &(struct net_addr){0}) == false);
	struct net_addr srv = A(SRV_ADDR), cli = A(CLI_ADDR), pub = A(GW_PUB);
	CU_ASSERT(net_addr_eq(&r.orig.dst, &srv));
	CU_ASSERT_EQUAL(r.orig.dport, 21);
	CU_ASSERT(net_addr_eq(&r.orig.src, &cli));
	/* The client believed it talked to the server all along (its
	 * connection completed with replies rewritten to come from SRV:21),
	 * and the server saw the proxy's own connection from the public address. */
	CU_ASSERT(sd.connected && sd.s == NULL);
	CU_ASSERT(sd.err == 0);
	CU_ASSERT_EQUAL(rx.got, 1000);
	CU_ASSERT(!rx.bad);
	CU_ASSERT(net_addr_eq(&rx.peer, &pub));
	CU_ASSERT(rx.peer_port >= 49152);
	CU_ASSERT_EQUAL(m.api_calls, 2); /* the redirect and the lookup */
	CU_ASSERT(m.proxied_packets > 0);
	CU_ASSERT_EQUAL(m.fastpath_packets, 0);
}

static void test_proxy_path_counts_exact(void)
{
	const uint64_t n = 200000;
	struct sim_gw_metrics m;
	struct relay r;
	struct receiver rx;
	struct sender sd;
	struct sim_cost_profile def;

	sim_cost_default(&def);
	relay_scenario(3, 0, n, &m, &r, &rx, &sd);
	CU_ASSERT_EQUAL(rx.got, n);
	CU_ASSERT(!rx.bad);
	/* Every data byte crossed twice: up from the client's socket, down into the server's. */
	CU_ASSERT_EQUAL(r.bytes, 2 * n);
	CU_ASSERT_EQUAL(m.bytes_copied, 2 * n);
	CU_ASSERT_EQUAL(m.data_bytes_copied, 2 * n);
	CU_ASSERT_EQUAL(m.transitions, r.calls);
	CU_ASSERT_EQUAL(m.data_transitions, r.calls);
	CU_ASSERT(r.calls >= 2 * (n / sizeof(r.buf)));
	CU_ASSERT_EQUAL(m.cpu_transition_ns, r.cost_ns);
	CU_ASSERT_EQUAL(m.cpu_api_ns, 2 * def.per_api_call_ns);
	CU_ASSERT_EQUAL(m.cpu_packet_ns, m.kernel_packets * def.per_packet_ns);
	CU_ASSERT_EQUAL(m.gateway_cpu_ns,
			m.cpu_packet_ns + m.cpu_transition_ns + m.cpu_api_ns + m.cpu_other_ns);
	CU_ASSERT_EQUAL(m.kernel_packets, m.proxied_packets + m.fastpath_packets + m.passed_packets);
	CU_ASSERT(m.packets_up > 0 && m.packets_down > 0);
}

/* The fast path: the "proxy" commands one session redirect and the kernel
 * does the rest; no data byte enters user space. */
static void test_fastpath_session_redirect(void)
{
	const uint64_t n = 200000;
	struct topo t;
	struct sender sd = {.total = n};
	struct receiver rx = {0};
	struct sim_gw_metrics m;
	struct gnat_counters c;
	struct natapi_session_redirect sr;
	struct net_addr adv = A("203.0.113.99"), srv = A(SRV_ADDR), pub = A(GW_PUB);
	uint32_t id = 0;

	topo_init(&t, 4, true, 0);
	memset(&sr, 0, sizeof(sr));
	sr.proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse(CLI_ADDR "/32", &sr.src) == 0);
	sr.dst = adv;
	sr.dport = 5000;
	sr.new_dst = srv;
	sr.new_dport = 6000;
	sr.one_shot = true;
	CU_ASSERT_FATAL(natapi_redirect_session(sim_gw_natapi(&t.gw), &sr, &id) == 0);
	CU_ASSERT_FATAL(sim_sock_listen(&t.srv, 6000, &receiver_ops, &rx, &rx.lst) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&t.cli, &adv, 5000, &sender_ops, &sd, &sd.s) == 0);
	run(&t);
	CU_ASSERT_EQUAL(rx.got, n);
	CU_ASSERT(!rx.bad);
	CU_ASSERT(net_addr_eq(&rx.peer, &pub));
	sim_gw_metrics_get(&t.gw, &m);
	gnat_counters_get(sim_gw_gnat(&t.gw), &c);
	CU_ASSERT_EQUAL(m.data_transitions, 0);
	CU_ASSERT_EQUAL(m.transitions, 0);
	CU_ASSERT_EQUAL(m.bytes_copied, 0);
	CU_ASSERT_EQUAL(m.proxied_packets, 0);
	CU_ASSERT_EQUAL(m.api_calls, 1);
	CU_ASSERT(m.fastpath_packets > n / 1460);
	CU_ASSERT_EQUAL(m.fastpath_packets, c.pkts_translated);
	CU_ASSERT_EQUAL(c.redirects_consumed, 1);
	sim_sock_close(rx.lst);
	topo_free(&t);
}

/* ---- router mode (`direct`) ---- */

static void test_router_mode(void)
{
	struct topo t;
	struct sender sd = {.total = 50000};
	struct receiver rx = {0};
	struct sim_gw_metrics m;
	struct net_addr dst = A(SRV_ADDR), cli = A(CLI_ADDR);

	topo_init(&t, 5, false, 0);
	CU_ASSERT(sim_gw_gnat(&t.gw) == NULL);
	CU_ASSERT(sim_gw_natapi(&t.gw) == NULL);
	CU_ASSERT_FATAL(sim_sock_listen(&t.srv, 80, &receiver_ops, &rx, &rx.lst) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&t.cli, &dst, 80, &sender_ops, &sd, &sd.s) == 0);
	run(&t);
	CU_ASSERT_EQUAL(rx.got, 50000);
	CU_ASSERT(!rx.bad);
	CU_ASSERT(net_addr_eq(&rx.peer, &cli)); /* no translation */
	sim_gw_metrics_get(&t.gw, &m);
	CU_ASSERT(m.kernel_packets > 50000 / 1460);
	CU_ASSERT_EQUAL(m.passed_packets, m.kernel_packets);
	CU_ASSERT_EQUAL(m.passed_packets, t.lin.dir[0].st.tx_pkts + t.lout.dir[0].st.tx_pkts);
	CU_ASSERT_EQUAL(m.fastpath_packets, 0);
	CU_ASSERT_EQUAL(m.drops_total, 0);
	CU_ASSERT_EQUAL(m.gateway_cpu_ns, m.kernel_packets * t.gw.cfg.cost.per_packet_ns);
	sim_sock_close(rx.lst);
	topo_free(&t);
}

/* ---- user space: claimed ports ---- */

static void test_local_ports_claimed(void)
{
	struct topo t;
	struct sim_sock *c = NULL, *l = NULL;
	struct net_addr dst = A(SRV_ADDR), in = A(GW_IN), bad = A("198.51.100.1");
	uint16_t cp, lp;
	struct gnat *g;

	topo_init(&t, 6, true, 0);
	g = sim_gw_gnat(&t.gw);
	CU_ASSERT_FATAL(sim_gw_connect(&t.gw, NULL, &dst, 80, NULL, NULL, &c) == 0);
	cp = sim_sock_local_port(c);
	CU_ASSERT(cp >= 49152);
	CU_ASSERT_EQUAL(gnat_port_claim(g, 6, cp), -EADDRINUSE);
	CU_ASSERT_FATAL(sim_gw_listen(&t.gw, 0, NULL, NULL, &l) == 0);
	lp = sim_sock_local_port(l);
	CU_ASSERT(lp >= 49152 && lp != cp);
	CU_ASSERT_EQUAL(gnat_port_claim(g, 6, lp), -EADDRINUSE);
	CU_ASSERT_EQUAL(sim_gw_listen(&t.gw, lp, NULL, NULL, &(struct sim_sock *){NULL}),
			-EADDRINUSE);
	/* A chosen source must be the gateway's own. */
	CU_ASSERT_EQUAL(sim_gw_connect(&t.gw, &bad, &dst, 80, NULL, NULL, &(struct sim_sock *){NULL}),
			-EINVAL);
	{
		struct sim_sock *c2 = NULL;
		struct net_addr la;
		uint16_t lport;

		CU_ASSERT_FATAL(sim_gw_connect(&t.gw, &in, &dst, 80, NULL, NULL, &c2) == 0);
		sim_sock_local(c2, &la, &lport);
		CU_ASSERT(net_addr_eq(&la, &in));
		sim_gw_abort(&t.gw, c2);
		CU_ASSERT_EQUAL(gnat_port_claim(g, 6, lport), 0);
		CU_ASSERT_EQUAL(gnat_port_unclaim(g, 6, lport), 0);
	}
	sim_gw_abort(&t.gw, c);
	sim_gw_close(&t.gw, l);
	CU_ASSERT_EQUAL(gnat_port_claim(g, 6, cp), 0); /* given back */
	CU_ASSERT_EQUAL(gnat_port_claim(g, 6, lp), 0);
	run(&t);
	topo_free(&t);
}

/* ---- configuration errors: nothing half-built is left ---- */

static void test_init_errors(void)
{
	struct sim_world w;
	struct sim_gw gw;
	struct sim_gw_config cfg;

	sim_world_init(&w, 10);
	sim_gw_config_default(&cfg);
	CU_ASSERT_EQUAL(sim_gw_init(&gw, &w, "gw", NULL), -EINVAL);
	CU_ASSERT_EQUAL(sim_gw_init(NULL, &w, "gw", &cfg), -EINVAL);
	/* The gNAT's local-address table is full: the inside address cannot join. */
	for (size_t i = 0; i < GNAT_MAX_LOCAL; i++) {
		char a[32];

		snprintf(a, sizeof(a), "198.51.100.%zu", i + 1);
		CU_ASSERT_FATAL(net_addr_parse(a, &cfg.nat.local[i]) == 0);
	}
	cfg.nat.n_local = GNAT_MAX_LOCAL;
	cfg.nat.public4 = A(GW_PUB);
	cfg.inside4 = A(GW_IN);
	CU_ASSERT_EQUAL(sim_gw_init(&gw, &w, "gw", &cfg), -ENOSPC);
	sim_gw_free(&gw); /* harmless after a failed init */
	/* Router mode needs no gNAT, so the same full table is no obstacle. */
	cfg.translate = false;
	CU_ASSERT_EQUAL(sim_gw_init(&gw, &w, "gw", &cfg), 0);
	CU_ASSERT(sim_gw_gnat(&gw) == NULL);
	CU_ASSERT(sim_host_is_local(sim_gw_host(&gw), &cfg.nat.public4));
	CU_ASSERT(sim_host_is_local(sim_gw_host(&gw), &cfg.inside4));
	sim_gw_free(&gw);
	sim_gw_free(&gw); /* twice: still harmless */
	/* Table counts beyond their arrays are refused before anything reads them. */
	sim_gw_config_default(&cfg);
	cfg.nat.n_inside = GNAT_MAX_INSIDE + 1;
	CU_ASSERT_EQUAL(sim_gw_init(&gw, &w, "gw", &cfg), -EINVAL);
	cfg.nat.n_inside = 0;
	cfg.nat.n_local = GNAT_MAX_LOCAL + 1;
	CU_ASSERT_EQUAL(sim_gw_init(&gw, &w, "gw", &cfg), -EINVAL);
	CU_ASSERT_EQUAL(w.pool.n_in_use, 0);
	sim_world_free(&w);
}

/* ---- drops by reason ---- */

static void test_drop_unsolicited(void)
{
	struct topo t;
	struct sim_udp_sock *u = NULL;
	struct sim_gw_metrics m;
	struct net_addr pub = A(GW_PUB), cli = A(CLI_ADDR);

	topo_init(&t, 7, true, 0);
	CU_ASSERT_FATAL(sim_udp_bind(&t.srv, 7000, NULL, &u) == 0);
	/* Unsolicited from outside to an inside host: the gateway protects it. */
	CU_ASSERT(sim_udp_sendto(u, &cli, 9999, "x", 1) == 0);
	CU_ASSERT(sim_udp_sendto(u, &cli, 9998, "y", 1) == 0);
	/* To the gateway itself: delivered up (no socket there: the host counts it). */
	CU_ASSERT(sim_udp_sendto(u, &pub, 9997, "z", 1) == 0);
	run(&t);
	sim_gw_metrics_get(&t.gw, &m);
	CU_ASSERT_EQUAL(m.drops[GNAT_DROP_NO_MAPPING], 2);
	CU_ASSERT_EQUAL(m.drops_total, 2);
	CU_ASSERT_EQUAL(m.kernel_packets, 3);
	CU_ASSERT_EQUAL(m.packets_up, 1);
	CU_ASSERT_EQUAL(m.fastpath_packets + m.passed_packets, 0);
	CU_ASSERT_EQUAL(sim_udp_stats(t.gw.host.udp)->rx_no_port, 1);
	CU_ASSERT_EQUAL(t.lin.dir[0].st.tx_pkts, 0); /* nothing reached the client's link */
	sim_udp_close(u);
	topo_free(&t);
}

/* ---- IPv6: the same gateway masquerades NAT66 ---- */

static void test_nat_tcp_ipv6(void)
{
	struct sim_world w;
	struct sim_host cli, srv;
	struct sim_gw gw;
	struct sim_link lin, lout;
	struct sim_gw_config cfg;
	struct sender sd = {.total = 100000};
	struct receiver rx = {0};
	struct sim_gw_metrics m;
	struct net_addr dst = A("2001:db8:ff::10"), pub = A("2001:db8:ff::1");

	sim_world_init(&w, 8);
	CU_ASSERT_FATAL(sim_host_init(&cli, &w, "cli6") == 0);
	CU_ASSERT_FATAL(sim_host_init(&srv, &w, "srv6") == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&cli) == 0 && sim_host_add_iface(&srv) == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&cli, 0, "2001:db8:1::10") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&srv, 0, "2001:db8:ff::10") == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&cli, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&srv, "default", 0) == 0);
	sim_gw_config_default(&cfg);
	CU_ASSERT_FATAL(net_prefix_parse("2001:db8:1::/64", &cfg.nat.inside[0]) == 0);
	cfg.nat.n_inside = 1;
	cfg.nat.public6 = pub;
	cfg.inside6 = A("2001:db8:1::1");
	CU_ASSERT_FATAL(sim_gw_init(&gw, &w, "gw6", &cfg) == 0);
	CU_ASSERT_FATAL(sim_link_init(&lin, &w, NULL, &gw.host.ifc[SIM_GW_IFC_INSIDE], &cli.ifc[0]) ==
			0);
	CU_ASSERT_FATAL(sim_link_init(&lout, &w, NULL, &gw.host.ifc[SIM_GW_IFC_OUTSIDE],
				      &srv.ifc[0]) == 0);
	CU_ASSERT_FATAL(sim_sock_listen(&srv, 80, &receiver_ops, &rx, &rx.lst) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&cli, &dst, 80, &sender_ops, &sd, &sd.s) == 0);
	sim_sched_run(&w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(rx.got, 100000);
	CU_ASSERT(!rx.bad);
	CU_ASSERT(net_addr_eq(&rx.peer, &pub));
	sim_gw_metrics_get(&gw, &m);
	CU_ASSERT(m.fastpath_packets > 100000 / 1440);
	CU_ASSERT_EQUAL(m.kernel_packets, m.fastpath_packets);
	CU_ASSERT_EQUAL(m.drops_total, 0);
	sim_sock_close(rx.lst);
	sim_gw_free(&gw);
	sim_host_free(&cli);
	sim_host_free(&srv);
	sim_link_free(&lin);
	sim_link_free(&lout);
	CU_ASSERT_EQUAL(w.pool.n_in_use, 0);
	sim_world_free(&w);
}

/* ---- determinism ---- */

static void test_determinism(void)
{
	struct sim_gw_metrics m1, m2, m3;
	struct relay r;
	struct receiver rx;
	struct sender sd;

	relay_scenario(42, 0.01, 150000, &m1, &r, &rx, &sd);
	CU_ASSERT_EQUAL(rx.got, 150000);
	CU_ASSERT(!rx.bad);
	CU_ASSERT(m1.link_drop_loss > 0); /* the links did lose packets: TCP recovered */
	relay_scenario(42, 0.01, 150000, &m2, &r, &rx, &sd);
	CU_ASSERT_EQUAL(rx.got, 150000);
	CU_ASSERT(memcmp(&m1, &m2, sizeof(m1)) == 0);
	/* Another seed loses other packets: the run differs, the bytes do not. */
	relay_scenario(43, 0.01, 150000, &m3, &r, &rx, &sd);
	CU_ASSERT_EQUAL(rx.got, 150000);
	CU_ASSERT_EQUAL(m3.data_bytes_copied, 300000);
	CU_ASSERT(memcmp(&m1, &m3, sizeof(m1)) != 0);
}

TU_MAIN("sim_gw", TU_CASE(test_nat_tcp_masquerade), TU_CASE(test_redirect_to_local_socket),
	TU_CASE(test_proxy_path_counts_exact), TU_CASE(test_fastpath_session_redirect),
	TU_CASE(test_router_mode), TU_CASE(test_local_ports_claimed),
	TU_CASE(test_init_errors), TU_CASE(test_drop_unsolicited), TU_CASE(test_nat_tcp_ipv6), TU_CASE(test_determinism))
