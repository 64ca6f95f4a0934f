/* test_sim_host.c - simulated hosts: longest-prefix routing and source
 * selection, UDP over IPv4 and IPv6, the receive-side checks (not mine, bad
 * checksum, unknown protocol), the deliver hook, and a TCP exchange recorded
 * to pcap whose packets parse and verify with net/. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "../net/net_pkt.h"
#include "../sim/sim_host.h"
#include "../sim/sim_link.h"
#include "../sim/sim_pcap.h"
#include "../sim/sim_sock.h"
#include "../sim/sim_udp.h"
#include "../sim/sim_world.h"
#include "tu.h"
#include "tu_sim.h"
#include "tu_pkt.h"

struct net2 {
	struct sim_world w;
	struct sim_host a, b;
	struct sim_link l;
};

static void net2_init(struct net2 *n, uint64_t seed)
{
	tu_sim_pair_init(&n->w, seed, &n->a, "a", &n->b, "b", &n->l, NULL);
}

static void net2_free(struct net2 *n)
{
	tu_sim_pair_free(&n->w, &n->a, &n->b, &n->l);
}

static struct net_addr A(const char *s)
{
	struct net_addr a;

	CU_ASSERT_FATAL(net_addr_parse(s, &a) == 0);
	return a;
}

/* A parsed address that stays valid for a few calls (tests only). */
static const struct net_addr *addr_ptr(const char *s)
{
	static struct net_addr slots[4];
	static int next;
	struct net_addr *a = &slots[next++ & 3];

	*a = A(s);
	return a;
}

static void test_routing_lpm(void)
{
	struct sim_world w;
	struct sim_host h;
	struct net_addr a, src;

	sim_world_init(&w, 1);
	CU_ASSERT_FATAL(sim_host_init(&h, &w, "r") == 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT(sim_host_add_iface(&h) == i);
	a = A("203.0.113.9");
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), -ENETUNREACH); /* no routes yet */
	CU_ASSERT(sim_host_add_route(&h, "0.0.0.0/0", 0) == 0);
	CU_ASSERT(sim_host_add_route(&h, "198.51.100.0/24", 1) == 0);
	CU_ASSERT(sim_host_add_route(&h, "198.51.100.128/25", 2) == 0);
	CU_ASSERT(sim_host_add_route(&h, "2001:db8:1::/48", 1) == 0);
	CU_ASSERT(sim_host_add_route(&h, "bogus", 1) == -EINVAL);
	CU_ASSERT(sim_host_add_route(&h, "::/0", 7) == -EINVAL);
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), 0);
	a = A("198.51.100.7");
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), 1);
	a = A("198.51.100.200");
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), 2); /* the longer prefix wins */
	a = A("2001:db8:1:2::5");
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), 1);
	a = A("2001:db8:2::5");
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), -ENETUNREACH); /* v4 default is not v6's */
	CU_ASSERT(sim_host_add_route(&h, "default", 2) == 0);
	CU_ASSERT_EQUAL(sim_host_route(&h, &a), 2);
	/* Source selection prefers an address on the outgoing interface. */
	CU_ASSERT(sim_host_add_addr(&h, 0, "192.0.2.1") == 0);
	CU_ASSERT(sim_host_add_addr(&h, 1, "198.51.100.1") == 0);
	CU_ASSERT(sim_host_add_addr(&h, 9, "198.51.100.1") == -EINVAL);
	a = A("198.51.100.7");
	CU_ASSERT(sim_host_pick_src(&h, &a, &src) == 0);
	CU_ASSERT(net_addr_eq(&src, addr_ptr("198.51.100.1")));
	a = A("198.51.100.200"); /* via interface 2, which has no address */
	CU_ASSERT(sim_host_pick_src(&h, &a, &src) == 0);
	CU_ASSERT(net_addr_eq(&src, addr_ptr("192.0.2.1")));
	a = A("2001:db8:1::1");
	CU_ASSERT(sim_host_pick_src(&h, &a, &src) == -EADDRNOTAVAIL);
	CU_ASSERT(sim_host_is_local(&h, addr_ptr("198.51.100.1")));
	CU_ASSERT(!sim_host_is_local(&h, addr_ptr("198.51.100.2")));
	sim_host_free(&h);
	sim_world_free(&w);
}

struct udp_log {
	int n;
	struct net_addr from;
	uint16_t sport;
	char data[64];
	size_t len;
	struct sim_udp_sock *echo; /* echo back when set */
};

static void udp_rx(void *ctx, struct sim_udp_sock *s, const struct net_addr *from, uint16_t sport,
		   const uint8_t *data, size_t len)
{
	struct udp_log *lg = ctx;

	(void)s;
	lg->n++;
	lg->from = *from;
	lg->sport = sport;
	lg->len = len < sizeof(lg->data) ? len : sizeof(lg->data);
	memcpy(lg->data, data, lg->len);
	if (lg->echo)
		CU_ASSERT(sim_udp_sendto(lg->echo, from, sport, data, len) == 0);
}

static void udp_roundtrip(const char *dst)
{
	struct net2 n;
	struct udp_log srv = {0}, cli = {0};
	struct sim_udp_ops so = {udp_rx, &srv}, co = {udp_rx, &cli};
	struct sim_udp_sock *ss, *cs, *dup;
	struct net_addr d = A(dst);

	net2_init(&n, 2);
	CU_ASSERT_FATAL(sim_udp_bind(&n.b, 7, &so, &ss) == 0);
	CU_ASSERT(sim_udp_bind(&n.b, 7, &so, &dup) == -EADDRINUSE);
	srv.echo = ss;
	CU_ASSERT_FATAL(sim_udp_bind(&n.a, 0, &co, &cs) == 0);
	CU_ASSERT(sim_udp_port(cs) >= 49152);
	CU_ASSERT(sim_udp_sendto(cs, &d, 7, "ping", 4) == 0);
	CU_ASSERT(sim_udp_sendto(cs, &d, 8, "lost", 4) == 0); /* nobody on port 8 */
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(srv.n, 1);
	CU_ASSERT_EQUAL(srv.sport, sim_udp_port(cs));
	CU_ASSERT_EQUAL(srv.from.family, d.family);
	CU_ASSERT_EQUAL(cli.n, 1);
	CU_ASSERT_EQUAL(cli.sport, 7);
	CU_ASSERT_EQUAL(cli.len, 4);
	CU_ASSERT(memcmp(cli.data, "ping", 4) == 0);
	CU_ASSERT(net_addr_eq(&cli.from, &d));
	CU_ASSERT_EQUAL(sim_udp_stats(n.b.udp)->rx_no_port, 1);
	CU_ASSERT_EQUAL(n.b.st.rx_bad_csum, 0);
	sim_udp_close(cs);
	net2_free(&n);
}

static void test_udp_ipv4(void)
{
	udp_roundtrip("192.0.2.2");
}

static void test_udp_ipv6(void)
{
	udp_roundtrip("2001:db8::2");
}

/* Sends a crafted packet from a's interface onto the link. */
static void inject(struct net2 *n, const struct tu_pkt_spec *sp, int corrupt_at)
{
	struct sim_pkt *pkt = sim_pkt_get(&n->w.pool);
	int len = tu_pkt_build(sp, pkt->data, sizeof(pkt->data));

	CU_ASSERT_FATAL(len > 0);
	pkt->len = (uint32_t)len;
	if (corrupt_at >= 0)
		pkt->data[corrupt_at] ^= 0x40;
	CU_ASSERT(sim_link_send(&n->a.ifc[0], pkt) == 0);
}

struct hook_log {
	int n;
	uint8_t proto;
	bool consume;
	struct sim_world *w;
};

static bool hook(void *ctx, struct sim_host *h, struct net_pkt *p, struct sim_pkt *pkt)
{
	struct hook_log *hl = ctx;

	(void)h;
	hl->n++;
	hl->proto = p->tuple.proto;
	if (hl->consume)
		sim_pkt_put(&hl->w->pool, pkt);
	return hl->consume;
}

static void test_rx_checks_and_hook(void)
{
	struct net2 n;
	struct hook_log hl = {0};
	struct udp_log srv = {0};
	struct sim_udp_ops so = {udp_rx, &srv};
	struct sim_udp_sock *ss;
	struct tu_pkt_spec sp = {.proto = 17, .src = "192.0.2.1", .dst = "192.0.2.2", .sport = 1000,
				 .dport = 53, .payload = "query", .payload_len = 5};

	net2_init(&n, 3);
	hl.w = &n.w;
	n.b.hook.fn = hook;
	n.b.hook.ctx = &hl;
	CU_ASSERT_FATAL(sim_udp_bind(&n.b, 53, &so, &ss) == 0);
	inject(&n, &sp, -1);             /* good: hook sees it, UDP gets it */
	inject(&n, &sp, 20 + 8 + 1);     /* payload bit flipped: bad checksum */
	sp.dst = "192.0.2.99";
	inject(&n, &sp, -1);             /* not one of b's addresses */
	sp.dst = "192.0.2.2";
	sp.proto = 1;                    /* ICMP echo: no handler in hosts */
	inject(&n, &sp, -1);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(srv.n, 1);
	CU_ASSERT_EQUAL(srv.len, 5);
	CU_ASSERT_EQUAL(n.b.st.rx_bad_csum, 1);
	CU_ASSERT_EQUAL(n.b.st.rx_not_mine, 1);
	CU_ASSERT_EQUAL(n.b.st.rx_no_proto, 1);
	CU_ASSERT_EQUAL(hl.n, 2);
	/* A consuming hook takes the packet away from the transport. */
	hl.consume = true;
	sp.proto = 17;
	inject(&n, &sp, -1);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(hl.n, 3);
	CU_ASSERT_EQUAL(srv.n, 1);
	/* Garbage does not parse. */
	{
		struct sim_pkt *pkt = sim_pkt_get(&n.w.pool);

		memset(pkt->data, 0x45, 30);
		pkt->len = 30;
		sim_link_send(&n.a.ifc[0], pkt);
	}
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(n.b.st.rx_parse_err, 1);
	net2_free(&n);
}

/* ---- a small TCP exchange recorded to pcap ---- */

struct echo {
	struct sim_sock *c, *s, *l;
	char got[64];
	size_t got_len;
};

static void e_accept(struct sim_sock *l, struct sim_sock *child, void *ctx)
{
	struct echo *e = ctx;

	(void)l;
	e->s = child;
}

static void e_srv_readable(struct sim_sock *s, void *ctx)
{
	uint8_t b[64];
	long r;

	(void)ctx;
	while ((r = sim_sock_recv(s, b, sizeof(b))) > 0)
		CU_ASSERT(sim_sock_send(s, b, (size_t)r) == r);
	if (r == 0)
		sim_sock_shutdown(s);
}

static void e_cli_connected(struct sim_sock *s, void *ctx)
{
	(void)ctx;
	CU_ASSERT(sim_sock_send(s, "hello, gateway", 14) == 14);
	sim_sock_shutdown(s);
}

static void e_cli_readable(struct sim_sock *s, void *ctx)
{
	struct echo *e = ctx;
	long r;

	while ((r = sim_sock_recv(s, e->got + e->got_len, sizeof(e->got) - e->got_len)) > 0)
		e->got_len += (size_t)r;
}

static void test_tcp_pcap(void)
{
	struct net2 n;
	struct echo e = {0};
	struct sim_sock_ops lops = {.on_accept = e_accept, .on_readable = e_srv_readable};
	struct sim_sock_ops cops = {.on_connected = e_cli_connected, .on_readable = e_cli_readable};
	struct sim_pcap *pc;
	const char *path = "build/test_sim_host.pcap";
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *rd;
	int pkts = 0, syns = 0, fins = 0, data_pkts = 0;
	uint64_t last_ts = 0;

	net2_init(&n, 4);
	CU_ASSERT_FATAL(sim_pcap_open(path, 0, &pc) == 0);
	sim_pcap_attach(pc, &n.l, false);
	CU_ASSERT_FATAL(sim_sock_listen(&n.b, 7, &lops, &e, &e.l) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&n.a, addr_ptr("2001:db8::2"), 7, &cops, &e, &e.c) == 0);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(e.got_len, 14);
	CU_ASSERT(memcmp(e.got, "hello, gateway", 14) == 0);
	CU_ASSERT(sim_pcap_close(pc) == 0);
	rd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	CU_ASSERT_FATAL(rd != NULL);
	while (pcap_next_ex(rd, &h, &data) == 1) {
		uint8_t buf[2048];
		struct net_pkt p;
		enum net_err ne;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;

		CU_ASSERT(ts >= last_ts);
		last_ts = ts;
		CU_ASSERT_FATAL(h->caplen <= sizeof(buf));
		memcpy(buf, data, h->caplen);
		CU_ASSERT_FATAL(net_pkt_parse(buf, h->caplen, &p, &ne) == 0);
		CU_ASSERT(net_pkt_checksums_ok(&p));
		CU_ASSERT_EQUAL(p.family, NET_AF_INET6);
		syns += !!(p.tcp_flags & NET_TCP_SYN);
		fins += !!(p.tcp_flags & NET_TCP_FIN);
		data_pkts += p.payload_len > 0;
		pkts++;
	}
	pcap_close(rd);
	remove(path);
	CU_ASSERT_EQUAL(syns, 2);
	CU_ASSERT_EQUAL(fins, 2);
	CU_ASSERT_EQUAL(data_pkts, 2);
	CU_ASSERT(pkts >= 8);
	sim_sock_close(e.c);
	sim_sock_close(e.s);
	sim_sock_close(e.l);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER); /* TIME-WAIT ends */
	CU_ASSERT_EQUAL(n.a.tcp->st.conns_created, n.a.tcp->st.conns_freed);
	net2_free(&n);
}

/* ---- a router made of a host and an ingress hook: the shape the gateway
 * node will have (its kernel in the hook, its own stack behind it) ---- */

struct router {
	struct sim_host *r;
	int forwarded, local, egress_seen;
};

static bool r_ingress(void *ctx, struct sim_host *h, int ifc, struct net_pkt *p,
		      struct sim_pkt *pkt)
{
	struct router *rt = ctx;

	CU_ASSERT(ifc == 0 || ifc == 1);
	if (sim_host_is_local(h, &p->tuple.dst)) {
		rt->local++;
		sim_host_deliver_local(h, p, pkt);
	} else {
		rt->forwarded++;
		sim_host_forward(h, pkt);
	}
	return true;
}

static bool r_egress(void *ctx, struct sim_host *h, int ifc, struct sim_pkt *pkt)
{
	struct router *rt = ctx;

	(void)h;
	(void)ifc;
	(void)pkt;
	rt->egress_seen++;
	return false;
}

static void test_forwarding_hooks(void)
{
	struct sim_world w;
	struct sim_host a, r, b;
	struct sim_link l1, l2;
	struct router rt = {&r, 0, 0, 0};
	struct echo e = {0};
	struct udp_log ulog = {0};
	struct sim_udp_ops uo = {udp_rx, &ulog};
	struct sim_udp_sock *us, *ur;
	struct sim_sock_ops lops = {.on_accept = e_accept, .on_readable = e_srv_readable};
	struct sim_sock_ops cops = {.on_connected = e_cli_connected, .on_readable = e_cli_readable};

	sim_world_init(&w, 5);
	CU_ASSERT_FATAL(sim_host_init(&a, &w, "a") == 0);
	CU_ASSERT_FATAL(sim_host_init(&r, &w, "r") == 0);
	CU_ASSERT_FATAL(sim_host_init(&b, &w, "b") == 0);
	sim_host_add_iface(&a);
	sim_host_add_iface(&b);
	sim_host_add_iface(&r);
	sim_host_add_iface(&r);
	sim_host_add_addr(&a, 0, "192.0.2.10");
	sim_host_add_addr(&r, 0, "192.0.2.1");
	sim_host_add_addr(&r, 1, "198.51.100.1");
	sim_host_add_addr(&b, 0, "198.51.100.20");
	sim_host_add_route(&a, "default", 0);
	sim_host_add_route(&b, "default", 0);
	sim_host_add_route(&r, "192.0.2.0/24", 0);
	sim_host_add_route(&r, "198.51.100.0/24", 1);
	CU_ASSERT_FATAL(sim_link_init(&l1, &w, NULL, &a.ifc[0], &r.ifc[0]) == 0);
	CU_ASSERT_FATAL(sim_link_init(&l2, &w, NULL, &r.ifc[1], &b.ifc[0]) == 0);
	r.ingress.fn = r_ingress;
	r.ingress.ctx = &rt;
	r.egress.fn = r_egress;
	r.egress.ctx = &rt;
	/* TCP from a to b crosses r. */
	CU_ASSERT_FATAL(sim_sock_listen(&b, 7, &lops, &e, &e.l) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&a, addr_ptr("198.51.100.20"), 7, &cops, &e, &e.c) == 0);
	/* UDP from a to r itself is delivered locally; r answers through egress. */
	CU_ASSERT_FATAL(sim_udp_bind(&r, 53, &uo, &ur) == 0);
	ulog.echo = ur;
	CU_ASSERT_FATAL(sim_udp_bind(&a, 0, NULL, &us) == 0);
	CU_ASSERT(sim_udp_sendto(us, addr_ptr("192.0.2.1"), 53, "q", 1) == 0);
	sim_sched_run(&w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(e.got_len, 14);
	CU_ASSERT(memcmp(e.got, "hello, gateway", 14) == 0);
	{
		struct net_addr pa, la;
		uint16_t pp, lp;

		sim_sock_peer(e.s, &pa, &pp);
		sim_sock_local(e.c, &la, &lp);
		CU_ASSERT(net_addr_eq(&pa, addr_ptr("192.0.2.10"))); /* no NAT on r */
		CU_ASSERT(net_addr_eq(&la, &pa));
		CU_ASSERT_EQUAL(pp, lp);
		CU_ASSERT(sim_sock_host(e.s) == &b);
	}
	CU_ASSERT(rt.forwarded >= 8);
	CU_ASSERT_EQUAL(rt.local, 1);
	CU_ASSERT_EQUAL(rt.egress_seen, 1);
	CU_ASSERT_EQUAL(ulog.n, 1);
	CU_ASSERT_EQUAL(r.st.rx_not_mine, 0);
	/* Everything r sent is what it forwarded plus its own UDP answer. */
	CU_ASSERT_EQUAL(sim_link_stats(&l1, 1)->tx_pkts + sim_link_stats(&l2, 0)->tx_pkts,
			(uint64_t)rt.forwarded + 1);
	sim_sock_close(e.c);
	sim_sock_close(e.s);
	sim_sock_close(e.l);
	sim_sched_run(&w.sched, SIM_TIME_NEVER);
	sim_host_free(&a);
	sim_host_free(&r);
	sim_host_free(&b);
	sim_link_free(&l1);
	sim_link_free(&l2);
	CU_ASSERT_EQUAL(w.pool.n_in_use, 0);
	sim_world_free(&w);
}

TU_MAIN("sim_host", TU_CASE(test_routing_lpm), TU_CASE(test_udp_ipv4), TU_CASE(test_udp_ipv6),
	TU_CASE(test_rx_checks_and_hook), TU_CASE(test_tcp_pcap), TU_CASE(test_forwarding_hooks))
