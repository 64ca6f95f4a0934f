/* test_run_active.c - several active-mode (PORT/EPRT) transfers in one
 * session, in all four modes: each data connection from the server reuses
 * its port 20 towards the proxy's reservation, so TIME_WAIT of the previous
 * one must neither stall nor misroute the next (engine reopen + next fit). */
#include <stdio.h>
#include <string.h>

#include "../sim/sim_run.h"
#include "tu.h"

static const char yaml_fmt[] =
	"name: active\n"
	"modes: [direct, nat, proxy, fastpath]\n"
	"clients: [{name: alice, addresses: [192.0.2.10, 2001:db8:1::10]}]\n"
	"servers:\n"
	"  - name: ftp\n"
	"    addresses: [198.51.100.20, 2001:db8:2::20]\n"
	"    files: [{path: /pub/a.bin, size: 300kB}, {path: /pub/b.bin, size: 1MB},\n"
	"            {path: /pub/c.bin, size: 20kB}]\n"
	"sessions:\n"
	"  - client: alice\n"
	"    server: ftp\n"
	"    family: %d\n"
	"    data: active\n"
	"    commands: [TYPE I, RETR /pub/a.bin, STOR /pub/up1.bin 500kB, RETR /pub/b.bin,\n"
	"               STOR /pub/up2.bin 64kB, RETR /pub/c.bin]\n";

static struct scen sc;
static struct rpt_metrics m;

static void run_family(int family)
{
	static const char *const cmds[] = {"RETR", "STOR", "RETR", "STOR", "RETR"};
	struct sim_run_opts o;
	char yaml[2048], err[512] = "";
	int n = snprintf(yaml, sizeof(yaml), yaml_fmt, family);
	int rc;

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(yaml));
	CU_ASSERT_FATAL(scen_parse_buf("active.yaml", (const uint8_t *)yaml, (size_t)n, &sc, err,
				       sizeof(err)) == 0);
	sim_run_opts_default(&o);
	/* a TIME_WAIT-stalled transfer would take seconds: a short budget shows it */
	o.time_limit_ns = 60ULL * 1000000000ULL;
	rc = sim_run(&sc, &o, &m, err, sizeof(err));
	if (rc)
		printf("\nsim_run: %d %s\n", rc, err);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_FATAL(m.n_modes == 4);
	for (size_t i = 0; i < m.n_modes; i++) {
		const struct rpt_mode_metrics *x = &m.modes[i];

		if (x->transfers_failed)
			printf("\nIPv%d mode %s: %llu failed\n", family, x->mode,
			       (unsigned long long)x->transfers_failed);
		CU_ASSERT(x->transfers_ok == 5);
		CU_ASSERT(x->transfers_failed == 0);
		CU_ASSERT_FATAL(x->n_xfers == 5);
		for (size_t k = 0; k < 5; k++) {
			CU_ASSERT(x->xfers[k].ok);
			CU_ASSERT(strncmp(x->xfers[k].cmd, cmds[k], 4) == 0);
			CU_ASSERT(x->xfers[k].bytes == x->xfers[k].expected || k % 2);
			/* same content in every mode */
			CU_ASSERT_STRING_EQUAL(x->xfers[k].hash, m.modes[0].xfers[k].hash);
			/* nothing waited out a retransmission timeout */
			CU_ASSERT(x->xfers[k].duration_s < 0.9);
		}
		if (strcmp(x->mode, "fastpath") == 0) {
			CU_ASSERT(x->data_transitions == 0);
			CU_ASSERT(x->api_calls > 0);
		}
		if (strcmp(x->mode, "proxy") == 0)
			CU_ASSERT(x->data_transitions > 0);
	}
	CU_ASSERT_EQUAL(m.modes[0].xfers[1].bytes, 500000);
	CU_ASSERT_EQUAL(m.modes[0].xfers[3].bytes, 64000);
}

static void test_active_ipv4_port(void)
{
	run_family(4);
}

static void test_active_ipv6_eprt(void)
{
	run_family(6);
}

TU_MAIN("run_active", TU_CASE(test_active_ipv4_port), TU_CASE(test_active_ipv6_eprt))
