/* cli_report.c - `gatelab report METRICS.json -o DIR`: re-renders a report
 * from saved metrics; also the scenario-to-metrics topology copy that
 * `gatelab run --report` uses (reports only ever see the metrics). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/metrics.h"
#include "../reports/render.h"
#include "../scen/scen.h"
#include "cli.h"

void cli_report_usage(void)
{
	printf("usage: gatelab report METRICS.json -o DIR\n"
	       "\n"
	       "Renders a report from gatelab.metrics/1 JSON (written by 'gatelab run --json' or\n"
	       "found in an earlier report directory) into DIR: index.html (self-contained),\n"
	       "report.md, metrics.json, metrics.csv, topology.svg, path-MODE.svg, plot-*.svg\n"
	       "(docs/REPORTS.md). DIR is replaced as a whole, and only if it is empty or an\n"
	       "earlier report. Needs dot (graphviz) and gnuplot.\n"
	       "\n"
	       "  -o, --output DIR  the report directory (required)\n"
	       "  -h, --help        this text\n"
	       "\n"
	       "Exit status: 0 written, 1 rendering failed, 2 bad usage or bad metrics.\n");
}

static void cli_report_host(struct rpt_topo_host *h, const char *name, const char *role,
			    const struct net_addr *a, size_t n)
{
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->role, sizeof(h->role), "%s", role);
	for (size_t i = 0; i < n && h->n_addr < 4; i++)
		if (net_addr_is_set(&a[i]) &&
		    net_addr_format(&a[i], h->addr[h->n_addr], RPT_ADDR_LEN) == 0)
			h->n_addr++;
}

static void cli_report_link(struct rpt_topo_link *l, const char *name, const struct scen_link *s)
{
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->bandwidth_bps = s->bw_bps;
	l->delay_s = (double)s->delay_ns / 1e9;
	l->loss = s->loss;
	l->mtu = s->mtu;
}

void cli_report_topology(const struct scen *sc, struct rpt_metrics *m)
{
	struct rpt_topology *t = &m->topo;
	struct net_addr gw[4] = {sc->gw.public4, sc->gw.public6, sc->gw.inside4, sc->gw.inside6};

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sc->n_clients && t->n_hosts < RPT_MAX_HOSTS; i++)
		cli_report_host(&t->hosts[t->n_hosts++], sc->clients[i].name, "client",
				sc->clients[i].addr, sc->clients[i].n_addr);
	if (t->n_hosts < RPT_MAX_HOSTS)
		cli_report_host(&t->hosts[t->n_hosts++], "gateway", "gateway", gw, 4);
	for (size_t i = 0; i < sc->n_servers && t->n_hosts < RPT_MAX_HOSTS; i++)
		cli_report_host(&t->hosts[t->n_hosts++], sc->servers[i].name, "server",
				sc->servers[i].addr, sc->servers[i].n_addr);
	cli_report_link(&t->links[0], "inside", &sc->inside);
	cli_report_link(&t->links[1], "outside", &sc->outside);
	t->n_links = 2;
	m->has_topology = true;
}

int cli_report_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rpt_metrics *m = NULL;
	const char *out = NULL;
	char err[512];
	int c, rc, status = CLI_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			cli_report_usage();
			return CLI_EXIT_OK;
		default:
			cli_error("report: see 'gatelab help report'");
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !out) {
		cli_error("report: expected METRICS.json and -o DIR (see 'gatelab help report')");
		return CLI_EXIT_USAGE;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		cli_error("report: out of memory");
		return CLI_EXIT_FAIL;
	}
	rc = rpt_metrics_read(argv[optind], m, err, sizeof(err));
	if (rc) {
		cli_error("report: %s", rc == -EINVAL ? err : strerror(-rc));
		goto out;
	}
	rc = rpt_render_report(m, NULL, out, err, sizeof(err));
	if (rc) {
		cli_error("report: %s", err);
		status = CLI_EXIT_FAIL;
		goto out;
	}
	printf("report: %s/index.html\n", out);
	status = CLI_EXIT_OK;
out:
	free(m);
	return status;
}
