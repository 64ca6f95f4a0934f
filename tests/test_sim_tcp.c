/* test_sim_tcp.c - the simulated TCP end to end between two hosts on one
 * link: handshake, MSS, bulk transfers over IPv4/IPv6 with the received
 * bytes hashed, flow control, loss and reordering, timeouts, FIN/TIME-WAIT,
 * RST, sequence wrap-around and determinism. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/sim_host.h"
#include "../sim/sim_link.h"
#include "../sim/sim_sock.h"
#include "../sim/sim_world.h"
#include "tu.h"

#define PORT 5001

struct net2 {
	struct sim_world w;
	struct sim_host a, b; /* a: client, b: server */
	struct sim_link l;
};

static void net2_init(struct net2 *n, uint64_t seed, const struct sim_link_params *lp)
{
	struct sim_link_params def;

	if (!lp) {
		sim_link_params_default(&def);
		lp = &def;
	}
	sim_world_init(&n->w, seed);
	CU_ASSERT_FATAL(sim_host_init(&n->a, &n->w, "client") == 0);
	CU_ASSERT_FATAL(sim_host_init(&n->b, &n->w, "server") == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&n->a) == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&n->b) == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&n->a, 0, "192.0.2.1") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&n->a, 0, "2001:db8::1") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&n->b, 0, "192.0.2.2") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&n->b, 0, "2001:db8::2") == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&n->a, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&n->b, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_link_init(&n->l, &n->w, lp, &n->a.ifc[0], &n->b.ifc[0]) == 0);
}

static void net2_free(struct net2 *n)
{
	sim_host_free(&n->a);
	sim_host_free(&n->b);
	sim_link_free(&n->l);
	CU_ASSERT(n->w.pool.n_in_use == 0); /* every packet buffer came back */
	sim_world_free(&n->w);
}

/* ---- a generated stream and a hash of what arrives ---- */

static uint64_t gen_word(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void gen_fill(void *ctx, uint64_t off, uint8_t *dst, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		dst[i] = (uint8_t)(gen_word(o >> 3) >> ((o & 7) * 8));
	}
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV0 0xcbf29ce484222325ULL

static uint64_t expected_hash(uint64_t total)
{
	uint8_t buf[65536];
	uint64_t h = FNV0;

	for (uint64_t off = 0; off < total; off += sizeof(buf)) {
		size_t n = total - off < sizeof(buf) ? (size_t)(total - off) : sizeof(buf);

		gen_fill(NULL, off, buf, n);
		h = fnv(h, buf, n);
	}
	return h;
}

/* ---- the test application: a client sends total bytes and closes, the
 * server reads (from the ring or a sink), hashes, and closes at EOF ---- */

struct app {
	struct net2 *n;
	uint64_t total;
	bool use_sink;
	bool slow_reader;       /* server reads only on its own timer */
	size_t slow_chunk;
	struct sim_sock *cli, *srv, *lst;
	bool connected;
	int cli_closed, srv_closed;
	int cli_err, srv_err;
	uint64_t rx_bytes, rx_hash;
	bool rx_eof;
	uint64_t t_eof;
	uint32_t max_buffered;
	uint64_t up_bytes, down_bytes, up_calls, down_calls;
	struct sim_tcp_conn_stats cli_cs, srv_cs; /* taken before close */
};

static void srv_drain(struct app *a)
{
	uint8_t buf[16384];
	long n;

	if (a->srv && sim_sock_readable_bytes(a->srv) > a->max_buffered)
		a->max_buffered = (uint32_t)sim_sock_readable_bytes(a->srv);
	while (a->srv && !a->rx_eof) {
		size_t want = a->slow_reader ? a->slow_chunk : sizeof(buf);

		n = sim_sock_recv(a->srv, buf, want);
		if (n > 0) {
			a->rx_hash = fnv(a->rx_hash, buf, (size_t)n);
			a->rx_bytes += (uint64_t)n;
			if (a->slow_reader)
				break;
			continue;
		}
		if (n == 0) {
			a->rx_eof = true;
			a->t_eof = sim_world_now(&a->n->w);
			a->srv_cs = *sim_sock_stats(a->srv);
			sim_sock_close(a->srv);
			a->srv = NULL;
		}
		break;
	}
}

static void srv_readable(struct sim_sock *s, void *ctx)
{
	struct app *a = ctx;

	(void)s;
	if (!a->slow_reader)
		srv_drain(a);
	else if (sim_sock_readable_bytes(a->srv) > a->max_buffered)
		a->max_buffered = (uint32_t)sim_sock_readable_bytes(a->srv);
}

static void slow_tick(void *arg)
{
	struct app *a = arg;

	srv_drain(a);
	if (a->srv)
		sim_sched_after(&a->n->w.sched, 10 * SIM_NS_PER_MS, slow_tick, a, NULL);
}

static void srv_sink(void *ctx, struct sim_sock *s, uint64_t off, const uint8_t *data, size_t len)
{
	struct app *a = ctx;

	(void)s;
	CU_ASSERT(off == a->rx_bytes);
	a->rx_hash = fnv(a->rx_hash, data, len);
	a->rx_bytes += len;
}

static void srv_closed(struct sim_sock *s, void *ctx, int err)
{
	struct app *a = ctx;

	a->srv_closed++;
	a->srv_err = err;
	if (a->use_sink && s == a->srv) {
		a->rx_eof = true;
		a->t_eof = sim_world_now(&a->n->w);
		a->srv_cs = *sim_sock_stats(s);
		sim_sock_close(s);
		a->srv = NULL;
	}
}

static void count_xfer(void *ctx, struct sim_sock *s, enum sim_sock_dir dir, size_t bytes)
{
	struct app *a = ctx;

	(void)s;
	if (dir == SIM_SOCK_UP) {
		a->up_bytes += bytes;
		a->up_calls++;
	} else {
		a->down_bytes += bytes;
		a->down_calls++;
	}
}

static void srv_readable_sink(struct sim_sock *s, void *ctx)
{
	struct app *a = ctx;

	/* With a sink only EOF is left to read. */
	if (sim_sock_recv(s, NULL, 0) == 0 && !a->rx_eof) {
		a->rx_eof = true;
		a->t_eof = sim_world_now(&a->n->w);
	}
}

static void srv_accept(struct sim_sock *l, struct sim_sock *child, void *ctx)
{
	struct app *a = ctx;
	struct sim_sock_ops ops = {.on_readable = a->use_sink ? srv_readable_sink : srv_readable,
				   .on_closed = srv_closed};

	(void)l;
	a->srv = child;
	sim_sock_set_ops(child, &ops, a);
	if (a->use_sink) {
		struct sim_sock_sink sink = {srv_sink, a};

		CU_ASSERT(sim_sock_set_sink(child, &sink) == 0);
	}
	if (a->slow_reader)
		sim_sched_after(&a->n->w.sched, 1 * SIM_NS_PER_MS, slow_tick, a, NULL);
}

static void cli_connected(struct sim_sock *s, void *ctx)
{
	struct app *a = ctx;
	struct sim_sock_source src = {gen_fill, NULL, a->total};

	a->connected = true;
	CU_ASSERT(sim_sock_set_source(s, &src) == 0);
	CU_ASSERT(sim_sock_shutdown(s) == 0);
}

static void cli_closed(struct sim_sock *s, void *ctx, int err)
{
	struct app *a = ctx;

	a->cli_closed++;
	a->cli_err = err;
	a->cli_cs = *sim_sock_stats(s);
	sim_sock_close(s);
	a->cli = NULL;
}

static void app_start(struct app *a, struct net2 *n, const char *dst, uint64_t total)
{
	struct sim_sock_ops lops = {.on_accept = srv_accept};
	struct sim_sock_ops cops = {.on_connected = cli_connected, .on_closed = cli_closed};
	struct sim_sock_xfer_hook hook = {count_xfer, a};
	struct net_addr da;

	a->n = n;
	a->total = total;
	a->rx_hash = FNV0;
	CU_ASSERT_FATAL(net_addr_parse(dst, &da) == 0);
	CU_ASSERT_FATAL(sim_sock_listen(&n->b, PORT, &lops, a, &a->lst) == 0);
	sim_sock_set_xfer_hook(a->lst, &hook);
	CU_ASSERT_FATAL(sim_sock_connect(&n->a, &da, PORT, &cops, a, &a->cli) == 0);
	sim_sock_set_xfer_hook(a->cli, &hook);
}

static void app_finish(struct app *a)
{
	if (a->lst)
		sim_sock_close(a->lst);
	a->lst = NULL;
}

/* Runs a whole transfer and checks the data arrived intact. */
static void run_transfer(struct net2 *n, struct app *a, const char *dst, uint64_t total)
{
	app_start(a, n, dst, total);
	sim_sched_run(&n->w.sched, 600 * SIM_NS_PER_S);
	CU_ASSERT(a->connected);
	CU_ASSERT(a->rx_eof);
	CU_ASSERT_EQUAL(a->rx_bytes, total);
	CU_ASSERT_EQUAL(a->rx_hash, expected_hash(total));
	app_finish(a);
}

/* ---- cases ---- */

/* A hook on the server host sees SYN, SYN-ACK's answer and the MSS option. */
struct syn_seen {
	int syns;
	uint16_t mss;
	uint32_t max_payload;
};

static bool watch_b(void *ctx, struct sim_host *h, struct net_pkt *p, struct sim_pkt *pkt)
{
	struct syn_seen *ss = ctx;

	(void)h;
	(void)pkt;
	if (p->tuple.proto == 6 && (p->tcp_flags & NET_TCP_SYN)) {
		uint16_t mss = 0;
		int ws = -1;

		ss->syns++;
		CU_ASSERT(sim_tcp_parse_syn_opts(p, &mss, &ws) == 0);
		ss->mss = mss;
	}
	if (p->payload_len > ss->max_payload)
		ss->max_payload = (uint32_t)p->payload_len;
	return false;
}

static void test_handshake_and_mss(void)
{
	struct net2 n;
	struct app a = {0};
	struct syn_seen ss = {0};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.mtu = 1000;
	net2_init(&n, 1, &lp);
	n.b.hook.fn = watch_b;
	n.b.hook.ctx = &ss;
	run_transfer(&n, &a, "192.0.2.2", 100000);
	CU_ASSERT_EQUAL(ss.syns, 1);
	CU_ASSERT_EQUAL(ss.mss, 1000 - 40);   /* from the MTU of the link */
	CU_ASSERT_EQUAL(ss.max_payload, 960); /* segments fill the MSS, never more */
	CU_ASSERT_EQUAL(n.l.dir[0].st.drop_mtu, 0);
	/* The client's orderly close: on_closed(0) once on both ends. */
	CU_ASSERT_EQUAL(a.cli_closed, 1);
	CU_ASSERT_EQUAL(a.cli_err, 0);
	CU_ASSERT_EQUAL(a.srv_closed, 0); /* server closed first at EOF: no callback after close */
	net2_free(&n);
}

static void test_mss_from_config(void)
{
	struct net2 n;
	struct app a = {0};
	struct syn_seen ss = {0};

	net2_init(&n, 2, NULL);
	n.b.tcp->cfg.mss = 500; /* the server's smaller MSS limits the client */
	n.b.hook.fn = watch_b;
	n.b.hook.ctx = &ss;
	run_transfer(&n, &a, "192.0.2.2", 50000);
	CU_ASSERT_EQUAL(ss.mss, 1460);
	CU_ASSERT_EQUAL(ss.max_payload, 500);
	net2_free(&n);
}

static void test_1mb_ipv4(void)
{
	struct net2 n;
	struct app a = {0};

	net2_init(&n, 3, NULL);
	run_transfer(&n, &a, "192.0.2.2", 1 << 20);
	CU_ASSERT_EQUAL(a.up_bytes, 1 << 20);   /* every byte crossed up once */
	CU_ASSERT_EQUAL(a.down_bytes, 1 << 20); /* and down once */
	CU_ASSERT(a.up_calls > 1);
	CU_ASSERT_EQUAL(n.a.st.rx_bad_csum + n.b.st.rx_bad_csum, 0);
	net2_free(&n);
}

static void test_1mb_ipv6(void)
{
	struct net2 n;
	struct app a = {0};
	struct syn_seen ss = {0};

	net2_init(&n, 4, NULL);
	n.b.hook.fn = watch_b;
	n.b.hook.ctx = &ss;
	run_transfer(&n, &a, "2001:db8::2", 1 << 20);
	CU_ASSERT_EQUAL(ss.mss, 1500 - 60);
	CU_ASSERT_EQUAL(n.b.st.rx_bad_csum, 0);
	net2_free(&n);
}

static void test_flow_control_slow_reader(void)
{
	struct net2 n;
	struct app a = {0};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.bw_bps = 10000000000ULL; /* the reader, not the link, is the bottleneck */
	net2_init(&n, 5, &lp);
	n.b.tcp->cfg.rcvbuf = 32768;
	a.slow_reader = true;
	a.slow_chunk = 4096; /* every 10 ms: 400 kB/s, far below the link */
	run_transfer(&n, &a, "192.0.2.2", 400000);
	CU_ASSERT_EQUAL(a.max_buffered, 32768); /* the window closed completely */
	CU_ASSERT(a.t_eof >= 950 * SIM_NS_PER_MS); /* paced by the reader */
	CU_ASSERT(a.t_eof <= 1100 * SIM_NS_PER_MS); /* and kept busy by window updates */
	CU_ASSERT_EQUAL(n.l.dir[0].st.drop_queue, 0);
	net2_free(&n);
}

static void test_loss_1pct(void)
{
	struct net2 n;
	struct app a = {0};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.loss = 0.01;
	net2_init(&n, 6, &lp);
	run_transfer(&n, &a, "192.0.2.2", 2 << 20);
	CU_ASSERT(n.l.dir[0].st.drop_loss > 5);
	CU_ASSERT(a.cli_cs.fast_retrans > 0);     /* losses repaired by dup ACKs */
	CU_ASSERT(a.cli_cs.retrans_segs >= n.l.dir[0].st.drop_loss / 2);
	CU_ASSERT(a.srv_cs.ooo_segs > 0);
	net2_free(&n);
}

static void test_loss_and_reorder(void)
{
	struct net2 n;
	struct app a = {0};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.loss = 0.01;
	lp.reorder = 0.02;
	lp.reorder_delay_ns = 300 * SIM_NS_PER_US;
	net2_init(&n, 7, &lp);
	a.use_sink = false;
	run_transfer(&n, &a, "2001:db8::2", 2 << 20);
	CU_ASSERT(n.l.dir[0].st.reordered > 10);
	CU_ASSERT(a.srv_cs.ooo_segs > n.l.dir[0].st.reordered / 2);
	CU_ASSERT(a.cli_cs.dupacks_in > 0);
	net2_free(&n);
}

static void test_rto_after_dropped_syn(void)
{
	struct net2 n;
	struct app a = {0};
	struct syn_seen ss = {0};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.qlimit_pkts = 1;
	net2_init(&n, 8, &lp);
	n.b.hook.fn = watch_b;
	n.b.hook.ctx = &ss;
	/* Fill the client's transmit queue so its SYN is tail-dropped. */
	n.l.dir[0].busy_until = 500 * SIM_NS_PER_MS;
	{
		struct sim_pkt *filler = sim_pkt_get(&n.w.pool);

		filler->len = 40;
		memset(filler->data, 0, 40);
		filler->data[0] = 0x45;
		CU_ASSERT(sim_link_send(&n.a.ifc[0], filler) == 0);
	}
	app_start(&a, &n, "192.0.2.2", 1000);
	CU_ASSERT_EQUAL(n.l.dir[0].st.drop_queue, 1); /* the SYN */
	n.l.p.qlimit_pkts = 0; /* nothing else is dropped */
	sim_sched_run(&n.w.sched, 900 * SIM_NS_PER_MS);
	CU_ASSERT(!a.connected); /* nothing before the 1 s initial RTO */
	sim_sched_run(&n.w.sched, 30 * SIM_NS_PER_S);
	CU_ASSERT(a.connected);
	CU_ASSERT(a.rx_eof);
	CU_ASSERT_EQUAL(a.rx_hash, expected_hash(1000));
	CU_ASSERT_EQUAL(a.cli_cs.rto_fired, 1); /* the SYN's, and none after */
	CU_ASSERT_EQUAL(ss.syns, 1);            /* only the retransmitted SYN arrived */
	app_finish(&a);
	net2_free(&n);
}

struct close_app {
	struct sim_sock *c, *s, *l;
	int c_closed, s_closed, c_err, s_err;
	bool s_eof;
};

static void ca_accept(struct sim_sock *l, struct sim_sock *child, void *ctx)
{
	struct close_app *ca = ctx;

	(void)l;
	ca->s = child;
}

static void ca_s_readable(struct sim_sock *s, void *ctx)
{
	struct close_app *ca = ctx;
	uint8_t b[64];

	while (sim_sock_recv(s, b, sizeof(b)) > 0)
		;
	if (sim_sock_recv(s, b, sizeof(b)) == 0 && !ca->s_eof) {
		ca->s_eof = true;
		CU_ASSERT(sim_sock_shutdown(s) == 0); /* passive close: CLOSE_WAIT -> LAST_ACK */
	}
}

static void ca_s_closed(struct sim_sock *s, void *ctx, int err)
{
	struct close_app *ca = ctx;

	(void)s;
	ca->s_closed++;
	ca->s_err = err;
}

static void ca_c_closed(struct sim_sock *s, void *ctx, int err)
{
	struct close_app *ca = ctx;

	(void)s;
	ca->c_closed++;
	ca->c_err = err;
}

static void ca_c_connected(struct sim_sock *s, void *ctx)
{
	(void)ctx;
	CU_ASSERT(sim_sock_send(s, "hello", 5) == 5);
	CU_ASSERT(sim_sock_shutdown(s) == 0);
	CU_ASSERT(sim_sock_send(s, "x", 1) == -EPIPE);
}

static void test_fin_time_wait(void)
{
	struct net2 n;
	struct close_app ca = {0};
	struct sim_sock_ops lops = {.on_accept = ca_accept, .on_readable = ca_s_readable,
				    .on_closed = ca_s_closed};
	struct sim_sock_ops cops = {.on_connected = ca_c_connected, .on_closed = ca_c_closed};
	struct net_addr da;

	net2_init(&n, 9, NULL);
	n.a.tcp->cfg.msl_ns = 2 * SIM_NS_PER_S;
	net_addr_parse("192.0.2.2", &da);
	CU_ASSERT_FATAL(sim_sock_listen(&n.b, PORT, &lops, &ca, &ca.l) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&n.a, &da, PORT, &cops, &ca, &ca.c) == 0);
	sim_sched_run(&n.w.sched, 100 * SIM_NS_PER_MS);
	CU_ASSERT(ca.s_eof);
	/* The active closer waits in TIME-WAIT; the passive one is gone. */
	CU_ASSERT_EQUAL(sim_sock_state(ca.c), SIM_TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(ca.c_closed, 1);
	CU_ASSERT_EQUAL(ca.c_err, 0);
	CU_ASSERT_EQUAL(sim_sock_state(ca.s), SIM_TCP_CLOSED);
	CU_ASSERT_EQUAL(ca.s_closed, 1);
	CU_ASSERT_EQUAL(ca.s_err, 0);
	sim_sched_run(&n.w.sched, 3900 * SIM_NS_PER_MS); /* < 2 MSL after the FIN */
	CU_ASSERT_EQUAL(sim_sock_state(ca.c), SIM_TCP_TIME_WAIT);
	sim_sched_run(&n.w.sched, 4200 * SIM_NS_PER_MS);
	CU_ASSERT_EQUAL(sim_sock_state(ca.c), SIM_TCP_CLOSED);
	CU_ASSERT_EQUAL(n.a.tcp->n_conn, 0);
	sim_sock_close(ca.c);
	sim_sock_close(ca.s);
	sim_sock_close(ca.l);
	CU_ASSERT_EQUAL(n.a.tcp->st.conns_created, n.a.tcp->st.conns_freed);
	CU_ASSERT_EQUAL(n.b.tcp->st.conns_created, n.b.tcp->st.conns_freed);
	net2_free(&n);
}

static void test_rst_closed_port(void)
{
	struct net2 n;
	struct close_app ca = {0};
	struct sim_sock_ops cops = {.on_connected = ca_c_connected, .on_closed = ca_c_closed};
	struct net_addr da;

	net2_init(&n, 10, NULL);
	net_addr_parse("2001:db8::2", &da);
	CU_ASSERT_FATAL(sim_sock_connect(&n.a, &da, 9, &cops, &ca, &ca.c) == 0);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(ca.c_closed, 1);
	CU_ASSERT_EQUAL(ca.c_err, -ECONNREFUSED);
	CU_ASSERT_EQUAL(n.b.tcp->st.rst_out, 1);
	CU_ASSERT(sim_sock_recv(ca.c, NULL, 0) == 0 || true);
	CU_ASSERT(sim_sock_send(ca.c, "x", 1) == -ECONNREFUSED);
	CU_ASSERT(sim_sched_len(&n.w.sched) == 0); /* no timer left behind */
	sim_sock_close(ca.c);
	net2_free(&n);
}

static void test_seq_wraparound(void)
{
	struct net2 n;
	struct app a = {0};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.loss = 0.005;
	net2_init(&n, 11, &lp);
	n.a.tcp->cfg.isn_fixed = true;
	n.a.tcp->cfg.isn = 0xffffffffu - 50000; /* wraps after ~50 kB */
	n.b.tcp->cfg.isn_fixed = true;
	n.b.tcp->cfg.isn = 0xfffffff0u;
	run_transfer(&n, &a, "192.0.2.2", 1 << 20);
	net2_free(&n);
}

struct run_result {
	uint64_t events, t_eof, segs;
};

static struct run_result one_run(uint64_t seed)
{
	struct net2 n;
	struct app a = {0};
	struct sim_link_params lp;
	struct run_result r;

	sim_link_params_default(&lp);
	lp.loss = 0.01;
	lp.reorder = 0.01;
	lp.reorder_delay_ns = 200 * SIM_NS_PER_US;
	net2_init(&n, seed, &lp);
	run_transfer(&n, &a, "192.0.2.2", 1 << 20);
	r.events = n.w.sched.events_run;
	r.t_eof = a.t_eof;
	r.segs = n.a.tcp->st.segs_out + n.b.tcp->st.segs_out;
	net2_free(&n);
	return r;
}

static void test_determinism(void)
{
	struct run_result x = one_run(42), y = one_run(42), z = one_run(43);

	CU_ASSERT_EQUAL(x.events, y.events);
	CU_ASSERT_EQUAL(x.t_eof, y.t_eof);
	CU_ASSERT_EQUAL(x.segs, y.segs);
	CU_ASSERT(x.t_eof != z.t_eof);
}

static void test_100mb_fast(void)
{
	struct net2 n;
	struct app a = {0};
	struct sim_link_params lp;
	struct timespec t0, t1;
	double wall;
	/* Under valgrind (tests/run_all.sh sets VALGRIND=1) the same path runs
	 * on 8 MB and the wall clock is not judged. */
	bool vg = getenv("VALGRIND") != NULL;
	uint64_t total = vg ? 8ULL << 20 : 100ULL << 20;

	sim_link_params_default(&lp);
	lp.bw_bps = 10000000000ULL;
	lp.delay_ns = 100 * SIM_NS_PER_US;
	net2_init(&n, 12, &lp);
	n.a.tcp->cfg.sndbuf = n.b.tcp->cfg.rcvbuf = 4 << 20;
	a.use_sink = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	app_start(&a, &n, "192.0.2.2", total);
	sim_sched_run(&n.w.sched, 600 * SIM_NS_PER_S);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CU_ASSERT(a.rx_eof);
	CU_ASSERT_EQUAL(a.rx_bytes, total);
	CU_ASSERT_EQUAL(a.rx_hash, expected_hash(total));
	printf("\n    %llu MB: %.3f s wall, %llu events, %.1f ms virtual ",
	       (unsigned long long)(total >> 20), wall, (unsigned long long)n.w.sched.events_run, (double)a.t_eof / 1e6);
	if (!vg)
		CU_ASSERT(wall < 8.0);
	app_finish(&a);
	net2_free(&n);
}

TU_MAIN("sim_tcp", TU_CASE(test_handshake_and_mss), TU_CASE(test_mss_from_config),
	TU_CASE(test_1mb_ipv4), TU_CASE(test_1mb_ipv6), TU_CASE(test_flow_control_slow_reader),
	TU_CASE(test_loss_1pct), TU_CASE(test_loss_and_reorder),
	TU_CASE(test_rto_after_dropped_syn), TU_CASE(test_fin_time_wait),
	TU_CASE(test_rst_closed_port), TU_CASE(test_seq_wraparound), TU_CASE(test_determinism),
	TU_CASE(test_100mb_fast))
