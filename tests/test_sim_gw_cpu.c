/* test_sim_gw_cpu.c - the gateway CPU as one serial resource: packets that
 * arrive together finish one per_packet_ns apart, user-mode work and NAT API
 * calls push them back, a bounded backlog drops, and cost profiles load from
 * JSON with bad values refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/sim_cost.h"
#include "../sim/sim_gw.h"
#include "../sim/sim_udp.h"
#include "tu.h"

#define K 5
#define PER_PKT 10000ULL
#define DELAY 1000ULL

struct arrivals {
	int n;
	uint64_t t[16];
	struct sim_world *w;
};

static void on_recv(void *ctx, struct sim_udp_sock *s, const struct net_addr *from,
		    uint16_t sport, const uint8_t *data, size_t len)
{
	struct arrivals *a = ctx;

	(void)s, (void)from, (void)sport, (void)data, (void)len;
	if (a->n < 16)
		a->t[a->n++] = sim_world_now(a->w);
}

struct cpu_topo {
	struct sim_world w;
	struct sim_host cli, srv;
	struct sim_gw gw;
	struct sim_link lin, lout;
	struct sim_udp_sock *cu, *su;
	struct arrivals arr;
};

/* Infinite bandwidth, DELAY ns each way: only the CPU spaces packets out. */
static void cpu_topo_init(struct cpu_topo *t, bool translate, uint64_t backlog_max)
{
	struct sim_gw_config cfg;
	struct sim_link_params lp;
	struct sim_udp_ops ops = {on_recv, &t->arr};

	memset(t, 0, sizeof(*t));
	sim_world_init(&t->w, 9);
	t->arr.w = &t->w;
	CU_ASSERT_FATAL(sim_host_init(&t->cli, &t->w, "cli") == 0);
	CU_ASSERT_FATAL(sim_host_init(&t->srv, &t->w, "srv") == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&t->cli) == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(&t->srv) == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&t->cli, 0, "192.0.2.10") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(&t->srv, 0, "203.0.113.10") == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&t->cli, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_host_add_route(&t->srv, "default", 0) == 0);
	sim_gw_config_default(&cfg);
	cfg.translate = translate;
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg.nat.inside[0]) == 0);
	cfg.nat.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &cfg.nat.public4) == 0);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.1", &cfg.inside4) == 0);
	sim_cost_free(&cfg.cost);
	cfg.cost.per_packet_ns = PER_PKT;
	cfg.cost.per_transition_ns = 3000;
	cfg.cost.per_byte_ps = 500;
	cfg.cost.per_api_call_ns = 7000;
	cfg.cpu_backlog_max_ns = backlog_max;
	CU_ASSERT_FATAL(sim_gw_init(&t->gw, &t->w, "gw", &cfg) == 0);
	sim_link_params_default(&lp);
	lp.bw_bps = 0;
	lp.delay_ns = DELAY;
	CU_ASSERT_FATAL(sim_link_init(&t->lin, &t->w, &lp, &t->gw.host.ifc[SIM_GW_IFC_INSIDE],
				      &t->cli.ifc[0]) == 0);
	CU_ASSERT_FATAL(sim_link_init(&t->lout, &t->w, &lp, &t->gw.host.ifc[SIM_GW_IFC_OUTSIDE],
				      &t->srv.ifc[0]) == 0);
	CU_ASSERT_FATAL(sim_udp_bind(&t->cli, 4000, NULL, &t->cu) == 0);
	CU_ASSERT_FATAL(sim_udp_bind(&t->srv, 7000, &ops, &t->su) == 0);
}

static void cpu_topo_free(struct cpu_topo *t)
{
	sim_udp_close(t->cu);
	sim_udp_close(t->su);
	sim_gw_free(&t->gw);
	sim_host_free(&t->cli);
	sim_host_free(&t->srv);
	sim_link_free(&t->lin);
	sim_link_free(&t->lout);
	CU_ASSERT_EQUAL(t->w.pool.n_in_use, 0);
	sim_world_free(&t->w);
}

static void send_burst(struct cpu_topo *t, int n)
{
	struct net_addr dst;
	uint8_t payload[100];

	memset(payload, 0xab, sizeof(payload));
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.10", &dst) == 0);
	for (int i = 0; i < n; i++)
		CU_ASSERT(sim_udp_sendto(t->cu, &dst, 7000, payload, sizeof(payload)) == 0);
}

/* K packets reach the gateway together at DELAY; packet i leaves when the CPU
 * has done i+1 packets, and arrives DELAY later. */
static void check_burst(bool translate)
{
	struct cpu_topo t;
	struct sim_gw_metrics m;

	cpu_topo_init(&t, translate, 0);
	send_burst(&t, K);
	sim_sched_run(&t.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL_FATAL(t.arr.n, K);
	for (int i = 0; i < K; i++)
		CU_ASSERT_EQUAL(t.arr.t[i], DELAY + (uint64_t)(i + 1) * PER_PKT + DELAY);
	sim_gw_metrics_get(&t.gw, &m);
	CU_ASSERT_EQUAL(m.kernel_packets, K);
	CU_ASSERT_EQUAL(m.gateway_cpu_ns, K * PER_PKT);
	CU_ASSERT_EQUAL(m.cpu_wait_max_ns, (K - 1) * PER_PKT);
	CU_ASSERT_EQUAL(m.cpu_busy_until_ns, DELAY + K * PER_PKT);
	CU_ASSERT_EQUAL(translate ? m.fastpath_packets : m.passed_packets, K);
	cpu_topo_free(&t);
}

static void test_burst_serialised_nat(void)
{
	check_burst(true);
}

static void test_burst_serialised_router(void)
{
	check_burst(false);
}

/* User-mode work and an API call made at time 0 occupy the CPU first. */
static void test_user_work_delays_packets(void)
{
	struct cpu_topo t;
	struct sim_gw_metrics m;
	struct natapi_port_redirect pr;
	uint32_t id;
	const uint64_t work = 50000, api = 7000;

	cpu_topo_init(&t, true, 0);
	sim_gw_cpu_charge(&t.gw, work);
	memset(&pr, 0, sizeof(pr));
	pr.proto = 17;
	pr.dport = 9;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.1", &pr.new_dst) == 0);
	CU_ASSERT_FATAL(natapi_redirect_port(sim_gw_natapi(&t.gw), &pr, &id) == 0);
	send_burst(&t, K);
	sim_sched_run(&t.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL_FATAL(t.arr.n, K);
	for (int i = 0; i < K; i++)
		CU_ASSERT_EQUAL(t.arr.t[i], work + api + (uint64_t)(i + 1) * PER_PKT + DELAY);
	sim_gw_metrics_get(&t.gw, &m);
	CU_ASSERT_EQUAL(m.cpu_other_ns, work);
	CU_ASSERT_EQUAL(m.cpu_api_ns, api);
	CU_ASSERT_EQUAL(m.api_calls, 1);
	CU_ASSERT_EQUAL(m.gateway_cpu_ns, work + api + K * PER_PKT);
	CU_ASSERT_EQUAL(m.cpu_wait_max_ns, work + api - DELAY + (K - 1) * PER_PKT);
	cpu_topo_free(&t);
}

/* A backlog limit of 2.5 packets: the 4th and 5th would wait 3 and 4 packets. */
static void test_backlog_limit_drops(void)
{
	struct cpu_topo t;
	struct sim_gw_metrics m;

	cpu_topo_init(&t, true, 25000);
	send_burst(&t, K);
	sim_sched_run(&t.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(t.arr.n, 3);
	sim_gw_metrics_get(&t.gw, &m);
	CU_ASSERT_EQUAL(m.drop_cpu_overload, 2);
	CU_ASSERT_EQUAL(m.drops_total, 2);
	CU_ASSERT_EQUAL(m.kernel_packets, 3);
	CU_ASSERT_EQUAL(m.gateway_cpu_ns, 3 * PER_PKT);
	cpu_topo_free(&t);
}

/* ---- cost profiles ---- */

static void test_cost_transition_rounding(void)
{
	struct sim_cost_profile c;

	sim_cost_free(&c);
	c.per_transition_ns = 100;
	c.per_byte_ps = 150;
	CU_ASSERT_EQUAL(sim_cost_transition_ns(&c, 0), 100);
	CU_ASSERT_EQUAL(sim_cost_transition_ns(&c, 3), 100);   /* 0.45 ns rounds down */
	CU_ASSERT_EQUAL(sim_cost_transition_ns(&c, 4), 101);   /* 0.6 ns rounds up */
	CU_ASSERT_EQUAL(sim_cost_transition_ns(&c, 1000000), 100 + 150000);
	sim_cost_default(&c);
	CU_ASSERT_STRING_EQUAL(c.name, "default");
	CU_ASSERT(c.per_packet_ns > 0 && c.per_transition_ns > 0 && c.per_byte_ps > 0 &&
		  c.per_api_call_ns > 0);
}

static void test_cost_parse(void)
{
	struct sim_cost_profile c, def;
	const char *ok = "{\"name\": \"vm\", \"per_packet_ns\": 1234, \"per_transition_ns\": 250.4,"
			 " \"per_byte_ns\": 0.125, \"per_api_call_ns\": 4000,"
			 " \"measurements\": {\"syscall_ns\": {\"median\": 80}}}";
	const char *partial = "{\"per_packet_ns\": 900}";
	const char *bad[] = {"", "[]", "{\"per_packet_ns\": -1}", "{\"per_byte_ns\": \"fast\"}",
			     "{\"per_transition_ns\": 1e12}", "{\"name\": 7}", "{\"per_packet_ns\": 1"};

	sim_cost_default(&def);
	CU_ASSERT_FATAL(sim_cost_parse(ok, strlen(ok), &c) == 0);
	CU_ASSERT_STRING_EQUAL(c.name, "vm");
	CU_ASSERT_EQUAL(c.per_packet_ns, 1234);
	CU_ASSERT_EQUAL(c.per_transition_ns, 250);
	CU_ASSERT_EQUAL(c.per_byte_ps, 125);
	CU_ASSERT_EQUAL(c.per_api_call_ns, 4000);
	CU_ASSERT_FATAL(sim_cost_parse(partial, strlen(partial), &c) == 0);
	CU_ASSERT_EQUAL(c.per_packet_ns, 900);
	CU_ASSERT_EQUAL(c.per_transition_ns, def.per_transition_ns); /* missing: default */
	CU_ASSERT_EQUAL(c.per_byte_ps, def.per_byte_ps);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sim_cost_free(&c);
		CU_ASSERT_EQUAL(sim_cost_parse(bad[i], strlen(bad[i]), &c), -EINVAL);
		CU_ASSERT_STRING_EQUAL(c.name, "free"); /* untouched on error */
	}
}

static void test_cost_load(void)
{
	struct sim_cost_profile c;
	char path[] = "/tmp/gatelab_cost_XXXXXX";
	const char *text = "{\"per_packet_ns\": 777, \"per_byte_ns\": 0.2}";
	int fd;

	CU_ASSERT(sim_cost_load("default", &c) == 0 && c.per_packet_ns > 0);
	CU_ASSERT(sim_cost_load("free", &c) == 0 && c.per_packet_ns == 0);
	CU_ASSERT_EQUAL(sim_cost_load("/nonexistent/gatelab.json", &c), -ENOENT);
	CU_ASSERT_EQUAL(sim_cost_load(NULL, &c), -EINVAL);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CU_ASSERT(sim_cost_load(path, &c) == 0);
	CU_ASSERT_EQUAL(c.per_packet_ns, 777);
	CU_ASSERT_EQUAL(c.per_byte_ps, 200);
	unlink(path);
}

TU_MAIN("sim_gw_cpu", TU_CASE(test_burst_serialised_nat), TU_CASE(test_burst_serialised_router),
	TU_CASE(test_user_work_delays_packets), TU_CASE(test_backlog_limit_drops),
	TU_CASE(test_cost_transition_rounding), TU_CASE(test_cost_parse), TU_CASE(test_cost_load))
