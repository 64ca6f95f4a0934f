/* test_natapi_ebpf.c - the eBPF NAT API backend in a fresh network namespace
 * per case (two veth pairs): the program through the kernel's verifier, tc
 * attach and detach, session redirects as gl_pend entries (exact, wildcard,
 * v4/v6), refusals, local destinations left to nftables, cancel by id and by
 * group, one-shot expiry, counters. Needs root (else SKIP); packets: it_live_ebpf.sh. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../live/natapi_ebpf.h"
#include "../live/natapi_nft.h"
#include "tu.h"

#ifdef GL_HAVE_BPF
#include <bpf/bpf.h>
#endif

static bool skip(void)
{
	if (!natapi_ebpf_built()) {
		printf("SKIP: built without the eBPF fast path ");
		return true;
	}
	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespaces, tc, BPF) ");
		return true;
	}
	return false;
}

/* A namespace of the test's own with links in0/out0 (and their peers). */
static void fresh_netns(void)
{
	CU_ASSERT_FATAL(unshare(CLONE_NEWNET) == 0);
	CU_ASSERT_FATAL(system("ip link add in0 type veth peer name in1 && "
			       "ip link add out0 type veth peer name out1 && "
			       "ip link set in0 up && ip link set out0 up && "
			       "ip addr add 192.0.2.1/24 dev in0 && ip addr add 203.0.113.1/24 dev out0") == 0);
}

static struct natapi *open_api(void **state, struct natapi_ebpf_stats *final, uint64_t tmo_ns)
{
	struct natapi_nft_cfg nc;
	struct natapi_ebpf_cfg ec;
	const struct natapi_backend *b;
	void *nft;
	struct natapi *api = NULL;

	memset(&nc, 0, sizeof(nc));
	snprintf(nc.table, sizeof(nc.table), "glebpf");
	snprintf(nc.inside_if, sizeof(nc.inside_if), "in0");
	CU_ASSERT_FATAL(natapi_nft_open(&nc, &b, &nft) == 0);
	memset(&ec, 0, sizeof(ec));
	snprintf(ec.inside_if, sizeof(ec.inside_if), "in0");
	snprintf(ec.outside_if, sizeof(ec.outside_if), "out0");
	ec.nft = nft;
	ec.nft_backend = b;
	ec.on_close = final;
	ec.default_timeout_ns = tmo_ns;
	ec.max_pending = 8;
	CU_ASSERT_FATAL(natapi_ebpf_open(&ec, &b, state) == 0);
	CU_ASSERT_FATAL(natapi_open(b, *state, &api) == 0);
	return api;
}

/* What `tc filter show dev DEV ingress` says, in a static buffer. */
static const char *tc_show(const char *dev)
{
	static char buf[4096];
	char cmd[128];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "tc filter show dev %s ingress; tc qdisc show dev %s", dev, dev);
	p = popen(cmd, "r");
	CU_ASSERT_FATAL(p != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	return buf;
}

/* Entries of a map by id; -1 when the map is gone. */
static int map_entries(uint32_t id)
{
#ifdef GL_HAVE_BPF
	uint8_t key[64], next[64];
	int fd = bpf_map_get_fd_by_id(id), n = 0;
	void *prev = NULL;

	if (fd < 0)
		return -1;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	close(fd);
	return n;
#else
	(void)id;
	return -1;
#endif
}

static struct net_addr A(const char *s)
{
	struct net_addr a;

	CU_ASSERT_FATAL(net_addr_parse(s, &a) == 0);
	return a;
}

static struct natapi_session_redirect passive(const char *client, const char *apparent,
					      uint16_t q, const char *server, uint32_t group)
{
	struct natapi_session_redirect r;

	memset(&r, 0, sizeof(r));
	r.proto = 6;
	r.src.addr = A(client);
	r.src.len = r.src.addr.family == NET_AF_INET6 ? 128 : 32;
	r.dst = A(apparent);
	r.dport = q;
	r.set_src = true;
	r.new_src = A(r.src.addr.family == NET_AF_INET6 ? "2001:db8:2::1" : "203.0.113.1");
	r.new_dst = A(server);
	r.new_dport = q;
	r.one_shot = true;
	r.group = group;
	return r;
}

/* ---- cases ---------------------------------------------------------------------- */

static void test_verifier_attach_detach(void)
{
	struct natapi_ebpf_stats final;
	uint32_t prog, flows, pend;
	void *state;
	struct natapi *api;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, &final, 0);
	/* Loaded means the kernel's verifier accepted it. */
	natapi_ebpf_ids(state, &prog, &flows, &pend);
	CU_ASSERT(prog != 0 && flows != 0 && pend != 0);
	CU_ASSERT(strstr(tc_show("in0"), "gl_fast") != NULL);
	CU_ASSERT(strstr(tc_show("out0"), "direct-action") != NULL);
	CU_ASSERT(strstr(tc_show("in1"), "gl_fast") == NULL);
	CU_ASSERT_EQUAL(map_entries(flows), 0);
	CU_ASSERT_EQUAL(map_entries(pend), 0);
	CU_ASSERT(natapi_ebpf_fd(state) >= 0);
	natapi_close(api);
	CU_ASSERT(strstr(tc_show("in0"), "gl_fast") == NULL);
	CU_ASSERT(strstr(tc_show("in0"), "clsact") == NULL);
	CU_ASSERT(strstr(tc_show("out0"), "clsact") == NULL);
	/* The program and its maps go once the last reference is dropped
	 * (freed after an RCU grace period). */
	for (int i = 0; i < 100 && map_entries(flows) >= 0; i++)
		usleep(10000);
	CU_ASSERT_EQUAL(map_entries(flows), -1);
	CU_ASSERT_EQUAL(final.flows_left, 0);
	CU_ASSERT_EQUAL(final.stale_replaced, 0);
}

static void test_session_redirects(void)
{
	struct natapi_session_redirect r4 = passive("192.0.2.10", "203.0.113.10", 40001,
						    "203.0.113.10", 7);
	struct natapi_session_redirect r6 = passive("2001:db8:1::10", "2001:db8:2::10", 40002,
						    "2001:db8:2::10", 7);
	struct natapi_session_redirect any = r4, wide = r4, local = r4;
	struct natapi_counters c;
	struct natapi_ebpf_stats st;
	uint32_t prog, flows, pend, id4, id6, ida, idl, idx;
	void *state;
	struct natapi *api;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL, 0);
	natapi_ebpf_ids(state, &prog, &flows, &pend);
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r4, &id4), 0);
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r6, &id6), 0);
	/* any source, any source port (active mode's "server -> public:P") */
	memset(&any.src, 0, sizeof(any.src));
	any.dport = 40003;
	any.group = 8;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &any, &ida), 0);
	CU_ASSERT_EQUAL(map_entries(pend), 3);
	/* the same match twice: refused, not overwritten */
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r4, &idx), -EADDRINUSE);
	/* a real prefix cannot be an exact-match key: refused, not widened */
	wide.src.len = 24;
	wide.dport = 40004;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &wide, &idx), -ENOTSUP);
	/* to the gateway itself (the proxy path's listener): nftables */
	local.new_dst = A("192.0.2.1");
	local.dport = 40005;
	local.set_src = false;
	local.group = 9;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &local, &idl), 0);
	CU_ASSERT_EQUAL(map_entries(pend), 3);
	natapi_ebpf_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.nft_redirects, 1);
	CU_ASSERT_EQUAL(st.pend_active, 3);
	CU_ASSERT(system("nft list table inet glebpf | grep -q 'dport 40005'") == 0);
	/* counters: a redirect nobody used has none yet; nftables keeps none */
	CU_ASSERT_EQUAL(natapi_redirect_counters(api, id4, &c), 0);
	CU_ASSERT(c.connections == 0 && c.packets == 0 && c.bytes == 0);
	CU_ASSERT_EQUAL(natapi_redirect_counters(api, idl, &c), -ENOTSUP);
	/* the group goes as one unit: both members of 7, not 8's */
	CU_ASSERT_EQUAL(natapi_cancel_group(api, 7), 0);
	CU_ASSERT_EQUAL(map_entries(pend), 1);
	CU_ASSERT_EQUAL(natapi_cancel(api, ida), 0);
	CU_ASSERT_EQUAL(natapi_cancel(api, idl), 0);
	CU_ASSERT_EQUAL(map_entries(pend), 0);
	CU_ASSERT(system("nft list table inet glebpf | grep -q 'dport 40005'") != 0);
	CU_ASSERT_EQUAL(natapi_cancel(api, ida), -ENOENT);
	natapi_ebpf_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.pend_active, 0);
	natapi_close(api);
}

static void test_pending_table_full(void)
{
	struct natapi_session_redirect r = passive("192.0.2.10", "203.0.113.10", 41000,
						   "203.0.113.10", 0);
	uint32_t id;
	void *state;
	struct natapi *api;
	int rc = 0, n = 0;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL, 0); /* max_pending 8 */
	while (n < 20 && (rc = natapi_redirect_session(api, &r, &id)) == 0) {
		n++;
		r.dport++;
	}
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(rc, -ENOSPC); /* said, never evicted */
	natapi_close(api);
}

static void test_one_shot_expiry(void)
{
	struct natapi_session_redirect r = passive("192.0.2.10", "203.0.113.10", 40010,
						   "203.0.113.10", 3);
	struct natapi_ebpf_stats final;
	uint32_t prog, flows, pend, id;
	uint64_t next = 0;
	void *state;
	struct natapi *api;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, &final, 20000000ULL); /* 20 ms */
	natapi_ebpf_ids(state, &prog, &flows, &pend);
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &id), 0);
	CU_ASSERT_EQUAL(natapi_ebpf_expire(state, natapi_nft_now(), &next), 0);
	CU_ASSERT(next > natapi_nft_now());
	CU_ASSERT_EQUAL(map_entries(pend), 1);
	usleep(30000);
	CU_ASSERT_EQUAL(natapi_ebpf_expire(state, natapi_nft_now(), &next), 1);
	CU_ASSERT_EQUAL(next, 0);
	CU_ASSERT_EQUAL(map_entries(pend), 0);
	/* the core's later cancel finds it gone: fine */
	CU_ASSERT_EQUAL(natapi_cancel_group(api, 3), 0);
	natapi_close(api);
	CU_ASSERT_EQUAL(final.expired, 1);
}

static void test_bad_config(void)
{
	struct natapi_nft_cfg nc;
	struct natapi_ebpf_cfg ec;
	const struct natapi_backend *b;
	void *nft, *state;

	if (skip())
		return;
	fresh_netns();
	memset(&ec, 0, sizeof(ec));
	CU_ASSERT_EQUAL(natapi_ebpf_open(&ec, &b, &state), -EINVAL); /* no nftables backend */
	CU_ASSERT_EQUAL(natapi_ebpf_open(NULL, &b, &state), -EINVAL);
	memset(&nc, 0, sizeof(nc));
	snprintf(nc.table, sizeof(nc.table), "glebpf");
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_FATAL(natapi_nft_open(&nc, &b, &nft) == 0);
		memset(&ec, 0, sizeof(ec));
		snprintf(ec.inside_if, sizeof(ec.inside_if), "in0");
		/* an unknown link, then the same link twice */
		snprintf(ec.outside_if, sizeof(ec.outside_if), i ? "in0" : "nosuch0");
		ec.nft = nft;
		ec.nft_backend = b;
		CU_ASSERT_EQUAL(natapi_ebpf_open(&ec, &b, &state), -EINVAL);
		/* nftables' table went with the failure */
		CU_ASSERT(system("nft list table inet glebpf >/dev/null 2>&1") != 0);
	}
	CU_ASSERT(strstr(tc_show("in0"), "clsact") == NULL);
}

static char ns_c[32], ns_s[32];

/* The named namespaces go even when a fatal assertion ends the case. */
static void ns_cleanup(void)
{
	char cmd[256];

	if (!ns_c[0])
		return;
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null; "
		 "rm -f /tmp/%s.out", ns_c, ns_s, ns_s);
	if (system(cmd) != 0)
		fprintf(stderr, "test_natapi_ebpf: could not remove namespaces %s %s\n", ns_c, ns_s);
	ns_c[0] = 0;
}

/* A UDP datagram and its answer through the program: two named namespaces
 * (client, server) on the links' peers, python3 at both ends. UDP: any
 * first datagram makes the connection, so counters can be seen exactly. */
static void test_counters_udp(void)
{
	struct natapi_session_redirect r;
	struct natapi_counters c;
	struct natapi_ebpf_stats st;
	char cmd[1024], *cn = ns_c, *sn = ns_s, out[64] = "";
	uint64_t next;
	uint32_t id;
	void *state;
	struct natapi *api;
	FILE *f;

	if (skip())
		return;
	fresh_netns();
	snprintf(ns_c, sizeof(ns_c), "glte%dc", (int)getpid());
	snprintf(ns_s, sizeof(ns_s), "glte%ds", (int)getpid());
	atexit(ns_cleanup);
	snprintf(cmd, sizeof(cmd),
		 "ip netns add %s && ip netns add %s && ip link set in1 netns %s && "
		 "ip link set out1 netns %s && ip -n %s addr add 192.0.2.10/24 dev in1 && "
		 "ip -n %s link set in1 up && ip -n %s route add default via 192.0.2.1 && "
		 "ip -n %s addr add 203.0.113.10/24 dev out1 && ip -n %s link set out1 up && "
		 "sysctl -qw net.ipv4.ip_forward=1",
		 cn, sn, cn, sn, cn, cn, cn, sn, sn);
	CU_ASSERT_FATAL(system(cmd) == 0);
	api = open_api(&state, NULL, 0);
	memset(&r, 0, sizeof(r));
	r.proto = 17;
	r.src.addr = A("192.0.2.10");
	r.src.len = 32;
	r.dst = A("203.0.113.10");
	r.dport = 5000;
	r.set_src = true;
	r.new_src = A("203.0.113.1");
	r.new_dst = A("203.0.113.10");
	r.new_dport = 5000;
	CU_ASSERT_FATAL(natapi_redirect_session(api, &r, &id) == 0);
	/* The server echoes one datagram and says whom it came from. */
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s /usr/bin/python3 -c \"import socket; s = socket.socket(2, 2); "
		 "s.bind(('203.0.113.10', 5000)); s.settimeout(5); d, a = s.recvfrom(100); "
		 "s.sendto(d, a); print(a[0])\" > /tmp/%s.out 2>&1 & sleep 0.5; "
		 "ip netns exec %s /usr/bin/python3 -c \"import socket; s = socket.socket(2, 2); "
		 "s.settimeout(5); s.sendto(b'x' * 100, ('203.0.113.10', 5000)); "
		 "print(len(s.recvfrom(200)[0]))\"; wait",
		 sn, sn, cn);
	f = popen(cmd, "r");
	CU_ASSERT_FATAL(f != NULL);
	if (!fgets(out, sizeof(out), f))
		out[0] = 0;
	pclose(f);
	CU_ASSERT_STRING_EQUAL(out, "100\n"); /* the answer came back, translated */
	snprintf(cmd, sizeof(cmd), "grep -qx 203.0.113.1 /tmp/%s.out", sn);
	CU_ASSERT(system(cmd) == 0); /* the server saw the public address */
	CU_ASSERT(natapi_ebpf_expire(state, natapi_nft_now(), &next) >= 0); /* the ring's news */
	CU_ASSERT_EQUAL(natapi_redirect_counters(api, id, &c), 0);
	CU_ASSERT_EQUAL(c.connections, 1);
	CU_ASSERT_EQUAL(c.packets, 1);
	CU_ASSERT_EQUAL(c.reply_packets, 1);
	/* frames: Ethernet 14 + IPv4 20 + UDP 8 + 100 */
	CU_ASSERT_EQUAL(c.bytes, 142);
	CU_ASSERT_EQUAL(c.reply_bytes, 142);
	natapi_ebpf_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.flows_created, 1);
	CU_ASSERT_EQUAL(st.flows_active, 1);
	CU_ASSERT_EQUAL(st.prog_redirected, 2);
	natapi_close(api);
	ns_cleanup();
}

TU_MAIN("natapi_ebpf", TU_CASE(test_verifier_attach_detach), TU_CASE(test_session_redirects),
	TU_CASE(test_pending_table_full), TU_CASE(test_one_shot_expiry), TU_CASE(test_bad_config),
	TU_CASE(test_counters_udp))
