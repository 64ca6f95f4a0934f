/* test_run_scale.c - many sessions from one scenario entry (count/every),
 * scenarios/scale.yaml cut down, the gateway table keys taking effect, and
 * peak memory staying proportionate (the full 10,000 run is make bench). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../sim/sim_run.h"
#include "tu.h"

static struct scen sc;

#if defined(__SANITIZE_ADDRESS__)
#define SCALE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE_ASAN 1
#endif
#endif

/* Under ASan or valgrind (tests/run_all.sh exports VALGRIND) memory use is
 * the tool's, not the simulator's. */
static bool scale_instrumented(void)
{
#ifdef SCALE_ASAN
	return true;
#else
	const char *v = getenv("VALGRIND");

	return v && strcmp(v, "1") == 0;
#endif
}
static struct rpt_metrics m;

static void load_scale(uint32_t per_entry)
{
	char err[SCEN_ERR_LEN];

	CU_ASSERT_FATAL(scen_parse_file("scenarios/scale.yaml", &sc, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(sc.n_sessions == 20);
	CU_ASSERT(sc.gw.proxy_ports == 16384 && sc.gw.max_mappings == 200000);
	for (size_t i = 0; i < sc.n_sessions; i++) {
		CU_ASSERT(sc.sessions[i].count == 500);
		sc.sessions[i].count = per_entry;
	}
}

static int run_modes(bool nat, bool fastpath)
{
	struct sim_run_opts o;
	char err[512] = "";
	int rc;

	sim_run_opts_default(&o);
	o.modes_set = true;
	o.modes[SCEN_MODE_NAT] = nat;
	o.modes[SCEN_MODE_FASTPATH] = fastpath;
	rc = sim_run(&sc, &o, &m, err, sizeof(err));
	if (rc)
		printf("\nsim_run: %d %s\n", rc, err);
	return rc;
}

static uint64_t reason(const struct rpt_mode_metrics *x, const char *name)
{
	for (size_t i = 0; i < x->drops.n_reasons; i++)
		if (strcmp(x->drops.by_reason[i].name, name) == 0)
			return x->drops.by_reason[i].n;
	return UINT64_MAX;
}

/* 2,000 sessions from 20 entries: every copy runs and is counted once. */
static void test_scale_cut_all_ok_memory_bounded(void)
{
	struct rusage ru;

	load_scale(100);
	CU_ASSERT_FATAL(run_modes(true, true) == 0);
	CU_ASSERT_FATAL(m.n_modes == 2);
	for (size_t i = 0; i < m.n_modes; i++) {
		CU_ASSERT(m.modes[i].transfers_ok == 2000);
		CU_ASSERT(m.modes[i].transfers_failed == 0);
		CU_ASSERT(m.modes[i].n_xfers > 0);
		/* the JSON names the entry, not the copy */
		for (size_t k = 0; k < m.modes[i].n_xfers; k++)
			CU_ASSERT(m.modes[i].xfers[k].session < 20);
	}
	CU_ASSERT(m.modes[1].data_transitions == 0); /* fastpath */
	CU_ASSERT(getrusage(RUSAGE_SELF, &ru) == 0);
	/* 10,000 sessions stay under 2 GB: a fifth of them well under a fifth
	 * (instrumented builds carry shadow memory and quarantines: not them) */
	if (!scale_instrumented())
		CU_ASSERT(ru.ru_maxrss < 400L * 1024);
}

/* Copies start `every` apart: the last of 200 starts at 199 x 5 ms, so the
 * run lasts at least that long in virtual time. */
static void test_every_spaces_copies(void)
{
	load_scale(1);
	sc.n_sessions = 1;
	sc.sessions[0].count = 200;
	sc.sessions[0].every_ns = 5000000;
	CU_ASSERT_FATAL(run_modes(true, false) == 0);
	CU_ASSERT(m.modes[0].transfers_ok == 200);
	CU_ASSERT(m.modes[0].sim_time_s >= 0.995);
	CU_ASSERT(m.modes[0].sim_time_s < 1.5);
}

/* gateway.max_mappings reaches the gNAT: a tiny table refuses sessions. */
static void test_max_mappings_applies(void)
{
	load_scale(10);
	sc.gw.max_mappings = 64;
	CU_ASSERT_FATAL(run_modes(true, false) == 0);
	CU_ASSERT(m.modes[0].transfers_failed > 0);
	CU_ASSERT(reason(&m.modes[0], "table_full") > 0);
	CU_ASSERT(reason(&m.modes[0], "table_full") != UINT64_MAX);
}

/* gateway.proxy_ports reaches the proxy: 2 data ports for 200 sessions
 * starting together leave transfers without a port (425); the default
 * 256 suffices for these, and so does the scenario's 16384. */
static void test_proxy_ports_applies(void)
{
	load_scale(10);
	sc.gw.proxy_ports = 2;
	CU_ASSERT_FATAL(run_modes(false, true) == 0);
	CU_ASSERT(m.modes[0].transfers_failed > 0);
	load_scale(10);
	sc.gw.proxy_ports = 0;
	CU_ASSERT_FATAL(run_modes(false, true) == 0);
	CU_ASSERT(m.modes[0].transfers_failed == 0);
	CU_ASSERT(m.modes[0].transfers_ok == 200);
}

static int parse(const char *yaml, char *err, size_t errlen)
{
	return scen_parse_buf("t.yaml", (const uint8_t *)yaml, strlen(yaml), &sc, err, errlen);
}

#define HOSTS "clients: [{name: a, addresses: 192.0.2.10}]\n" \
	      "servers: [{name: s, addresses: 198.51.100.20}]\n"

static void test_parse_limits(void)
{
	char err[SCEN_ERR_LEN] = "";

	CU_ASSERT(parse(HOSTS "sessions: [{client: a, server: s, count: 0, commands: [LIST]}]\n",
			err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "count must be at least 1") != NULL);
	CU_ASSERT(parse(HOSTS "sessions: [{client: a, server: s, count: 60000, commands: [LIST]},\n"
			      "           {client: a, server: s, count: 40001, commands: [LIST]}]\n",
			err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "more than 100000 sessions") != NULL);
	CU_ASSERT(parse(HOSTS "sessions: [{client: a, server: s, refused: 99, commands: [LIST]}]\n",
			err, sizeof(err)) == -EINVAL);
	CU_ASSERT(parse(HOSTS "sessions: [{client: a, server: s, commands: [{expect: 550}]}]\n",
			err, sizeof(err)) == -EINVAL);
	CU_ASSERT(parse(HOSTS "gateway: {proxy_ports: 0}\n"
			      "sessions: [{client: a, server: s, commands: [LIST]}]\n",
			err, sizeof(err)) == -EINVAL);
	CU_ASSERT(parse(HOSTS "gateway: {max_mappings: 8}\n"
			      "sessions: [{client: a, server: s, commands: [LIST]}]\n",
			err, sizeof(err)) == -EINVAL);
	CU_ASSERT_FATAL(parse(HOSTS "gateway: {max_mappings: 1000, proxy_ports: 512}\n"
				    "sessions: [{client: a, server: s, refused: 550, count: 7,\n"
				    "            every: 2ms, commands: [LIST, {cmd: STOR /x 1kB,\n"
				    "            expect: 550}]}]\n",
			      err, sizeof(err)) == 0);
	CU_ASSERT(sc.gw.max_mappings == 1000 && sc.gw.proxy_ports == 512);
	CU_ASSERT(sc.sessions[0].refused == 550 && sc.sessions[0].count == 7);
	CU_ASSERT(sc.sessions[0].every_ns == 2000000);
	CU_ASSERT(sc.sessions[0].n_cmds == 2);
	CU_ASSERT_STRING_EQUAL(sc.sessions[0].cmds[1], "STOR /x 1kB");
	CU_ASSERT(sc.sessions[0].expect[0] == 0 && sc.sessions[0].expect[1] == 550);
}

TU_MAIN("run_scale", TU_CASE(test_scale_cut_all_ok_memory_bounded),
	TU_CASE(test_every_spaces_copies), TU_CASE(test_max_mappings_applies),
	TU_CASE(test_proxy_ports_applies), TU_CASE(test_parse_limits))
