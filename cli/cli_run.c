/* cli_run.c - `gatelab run SCENARIO`: parses the scenario, runs its modes in
 * the simulator, prints one summary row per mode, writes gatelab.metrics/1
 * JSON and per-mode captures on request; exit 0, 1 (a transfer failed), 2. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../reports/metrics.h"
#include "../reports/render.h"
#include "../scen/scen.h"
#include "../sim/sim_run.h"
#include "cli.h"
#include "cli_walk.h"

void cli_run_usage(void)
{
	printf("usage: gatelab run SCENARIO [options]\n"
	       "\n"
	       "Runs the scenario (YAML, docs/SCENARIOS.md) in the simulator once per mode:\n"
	       "  direct    no gateway: a plain router, addresses unchanged\n"
	       "  nat       the gNAT masquerades, its FTP editor rewrites PORT/PASV in the kernel\n"
	       "  proxy     the FTP proxy on the gateway carries every transfer in user space\n"
	       "  fastpath  the proxy commands the gNAT: data stays in the kernel\n"
	       "and prints one row per mode. Every transfer is verified by hash.\n"
	       "\n"
	       "  --modes LIST   comma-separated modes to run (default: the scenario's)\n"
	       "  --seed N       the run's seed (default: the scenario's)\n"
	       "  --json FILE    write the metrics as JSON (gatelab.metrics/1, docs/METRICS.md)\n"
	       "  --pcap DIR     write DIR/MODE-inside.pcap and DIR/MODE-outside.pcap\n"
	       "  --xferlog DIR  write DIR/MODE.xferlog, one xferlog(5) line per transfer\n"
	       "  --report DIR   write a report into DIR: index.html, report.md, metrics.json,\n"
	       "                 metrics.csv, SVG figures and plots (docs/REPORTS.md)\n"
	       "  --trace        print each packet's journey through the gateway (the first\n"
	       "                 12 of each flow); with --report also trace.md and trace.svg\n"
	       "  --trace-limit N  at most N packets in the trace (default 200; implies --trace)\n"
	       "  --walkthrough DIR  write DIR/walkthrough.html: one session step by step in\n"
	       "                 each mode (ladder, both links' packets, the gNAT's table,\n"
	       "                 counters; docs/TEACHING.md); with --pcap also\n"
	       "                 DIR(pcap)/walk-MODE-{inside,outside}.pcapng with packet comments.\n"
	       "                 --report DIR includes it too\n"
	       "  --session N    the session the walk-through follows (default 1: the\n"
	       "                 scenario's first; it runs alone, its first copy)\n"
	       "  --timing       add the wall-clock time under \"host\" in the JSON\n"
	       "  -q, --quiet    no table on stdout\n"
	       "  -h, --help     this text\n"
	       "\n"
	       "Each failed transfer is one line on stderr: mode, session, command and the\n"
	       "final reply (\"fastpath: session 3: RETR /pub/x: 550 ...\"), every one.\n"
	       "Exit status: 0 every transfer intact, 1 a transfer failed (or the run did),\n"
	       "2 bad usage or a bad scenario (errors are FILE:LINE:COLUMN: what is wrong).\n");
}

static int cli_run_modes(const char *arg, struct sim_run_opts *o)
{
	char buf[128];
	char *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	memset(o->modes, 0, sizeof(o->modes));
	o->modes_set = true;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum scen_mode m;

		if (scen_mode_parse(t, &m) != 0) {
			cli_error("run: --modes: unknown mode '%s' (direct, nat, proxy, fastpath)", t);
			return -EINVAL;
		}
		o->modes[m] = true;
	}
	for (int m = 0; m < SCEN_MODE__COUNT; m++)
		if (o->modes[m])
			return 0;
	cli_error("run: --modes names no mode");
	return -EINVAL;
}

static int cli_run_seed(const char *arg, struct sim_run_opts *o)
{
	char *end = NULL;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		goto bad;
	o->seed = strtoull(arg, &end, 0);
	if (errno || *end)
		goto bad;
	o->seed_set = true;
	return 0;
bad:
	cli_error("run: --seed '%s' is not a non-negative integer", arg);
	return -EINVAL;
}

static void cli_run_table(const struct rpt_metrics *m)
{
	printf("scenario %s, seed %llu\n", m->scenario, (unsigned long long)m->seed);
	printf("%-8s %11s %10s %13s %5s %9s %9s %9s %9s %7s\n", "mode", "transitions",
	       "data_tr", "bytes_copied", "api", "fastpath", "proxied", "cpu_s", "Mbit/s",
	       "ok/fail");
	for (size_t i = 0; i < m->n_modes; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];
		char okf[24];

		snprintf(okf, sizeof(okf), "%llu/%llu", (unsigned long long)x->transfers_ok,
			 (unsigned long long)x->transfers_failed);
		printf("%-8s %11llu %10llu %13llu %5llu %9llu %9llu %9.4f %9.1f %7s\n", x->mode,
		       (unsigned long long)x->transitions, (unsigned long long)x->data_transitions,
		       (unsigned long long)x->bytes_copied, (unsigned long long)x->api_calls,
		       (unsigned long long)x->fastpath_packets,
		       (unsigned long long)x->proxied_packets, x->gateway_cpu_s,
		       x->throughput_bps / 1e6, okf);
	}
}

/* One line per failure on stderr, every one, as the run reports it:
 * "fastpath: session 3: RETR /pub/x: 550 No such file" (sessions counted
 * from 1, as in the scenario's errors). */
static void cli_run_failure(void *ctx, const struct sim_run_failure *f)
{
	char copy[48] = "";

	(void)ctx;
	if (f->copies > 1)
		snprintf(copy, sizeof(copy), " (copy %u of %u)", (unsigned)f->copy + 1,
			 (unsigned)f->copies);
	if (!f->cmd)
		cli_error("run: %s: session %zu%s: %s", scen_mode_name(f->mode), f->session + 1,
			  copy, f->why ? f->why : "failed");
	else if (!f->reply_code)
		cli_error("run: %s: session %zu%s: %s: no final reply%s%s", scen_mode_name(f->mode),
			  f->session + 1, copy, f->cmd, f->why ? ": " : "", f->why ? f->why : "");
	else
		cli_error("run: %s: session %zu%s: %s: %d %s%s%s%s", scen_mode_name(f->mode),
			  f->session + 1, copy, f->cmd, f->reply_code, f->reply,
			  f->why ? " (" : "", f->why ? f->why : "", f->why ? ")" : "");
}

static double cli_run_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_run_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"xferlog", required_argument, NULL, 'x'},
		{"modes", required_argument, NULL, 'm'}, {"seed", required_argument, NULL, 's'},
		{"json", required_argument, NULL, 'j'},  {"pcap", required_argument, NULL, 'p'},
		{"timing", no_argument, NULL, 't'},      {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"report", required_argument, NULL, 'R'}, {"trace", no_argument, NULL, 'T'},
		{"trace-limit", required_argument, NULL, 'L'},
		{"walkthrough", required_argument, NULL, 'W'}, {"session", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	const char *report = NULL, *walk_dir = NULL;
	struct rpt_walk walk;
	unsigned session = 1;
	bool walked = false, session_set = false;
	struct rpt_trace trace;
	bool tracing = false;
	unsigned long trace_limit = 200;
	char *tend = NULL;
	struct scen *sc = NULL;
	struct rpt_metrics *m = NULL;
	struct sim_run_opts o;
	const char *json = NULL;
	bool quiet = false, timing = false;
	char err[512];
	double t0;
	int c, rc, status = CLI_EXIT_USAGE;

	sim_run_opts_default(&o);
	o.on_failure = cli_run_failure;
	rpt_trace_init(&trace, 0, 0);
	rpt_walk_init(&walk);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (cli_run_modes(optarg, &o))
				return CLI_EXIT_USAGE;
			break;
		case 's':
			if (cli_run_seed(optarg, &o))
				return CLI_EXIT_USAGE;
			break;
		case 'j':
			json = optarg;
			break;
		case 'p':
			o.pcap_dir = optarg;
			break;
		case 'x':
			o.xferlog_dir = optarg;
			break;
		case 't':
			timing = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_run_usage();
			return CLI_EXIT_OK;
		case 'R':
			report = optarg;
			break;
		case 'T':
			tracing = true;
			break;
		case 'W':
			walk_dir = optarg;
			break;
		case 'S':
			if (cli_walk_session(optarg, &session)) {
				cli_error("run: --session '%s' is not a session number (1..%d)", optarg,
					  SCEN_MAX_SESSIONS);
				return CLI_EXIT_USAGE;
			}
			session_set = true;
			break;
		case 'L':
			errno = 0;
			trace_limit = strtoul(optarg, &tend, 10);
			if (errno || *tend || optarg[0] < '0' || optarg[0] > '9' || trace_limit == 0) {
				cli_error("run: --trace-limit '%s' is not a positive integer", optarg);
				return CLI_EXIT_USAGE;
			}
			tracing = true;
			break;
		default:
			cli_error("run: see 'gatelab help run'");
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_error("run: expected one SCENARIO file (see 'gatelab help run')");
		return CLI_EXIT_USAGE;
	}
	if (session_set && !walk_dir && !report) {
		cli_error("run: --session chooses the walk-through's session: give --walkthrough DIR");
		return CLI_EXIT_USAGE;
	}
	sc = malloc(sizeof(*sc));
	m = malloc(sizeof(*m));
	if (!sc || !m) {
		cli_error("run: out of memory");
		status = CLI_EXIT_FAIL;
		goto out;
	}
	rc = scen_parse_file(argv[optind], sc, err, sizeof(err));
	if (rc) {
		cli_error("%s", err);
		goto out;
	}
	if (o.pcap_dir && mkdir(o.pcap_dir, 0755) != 0 && errno != EEXIST) {
		cli_error("run: --pcap %s: %s", o.pcap_dir, strerror(errno));
		goto out;
	}
	if (o.xferlog_dir && mkdir(o.xferlog_dir, 0755) != 0 && errno != EEXIST) {
		cli_error("run: --xferlog %s: %s", o.xferlog_dir, strerror(errno));
		goto out;
	}
	if (tracing) {
		rpt_trace_init(&trace, trace_limit, 12);
		o.trace = &trace;
	}
	t0 = cli_run_wall();
	rc = sim_run(sc, &o, m, err, sizeof(err));
	if (rc == -EINVAL) {
		cli_error("run: %s: %s", argv[optind], err);
		goto out;
	}
	status = CLI_EXIT_OK;
	if (rc) {
		cli_error("run: %s", rc == -ENOMEM ? "out of memory" : err);
		status = CLI_EXIT_FAIL;
	}
	m->has_host = timing;
	m->host_wall_s = cli_run_wall() - t0;
	cli_report_topology(sc, m);
	if (tracing)
		rpt_trace_print(&trace, stdout);
	if (!quiet)
		cli_run_table(m);
	for (size_t i = 0; i < m->n_modes; i++) {
		if (m->modes[i].transfers_failed) {
			cli_error("run: %s: %llu transfer(s) failed", m->modes[i].mode,
				  (unsigned long long)m->modes[i].transfers_failed);
			status = CLI_EXIT_FAIL;
		}
	}
	if (json && (rc = rpt_metrics_write(m, json)) != 0) {
		cli_error("run: %s: %s", json, strerror(-rc));
		status = CLI_EXIT_FAIL;
	}
	if (walk_dir || report) {
		rc = cli_walk_make(sc, &o, session, walk_dir, walk_dir ? o.pcap_dir : NULL, &walk, err,
				   sizeof(err));
		walked = rc == 0;
		if (rc) {
			cli_error("run: walk-through: %s", err);
			status = rc == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
		} else if (walk_dir && !quiet) {
			printf("walk-through: %s/walkthrough.html\n", walk_dir);
		}
	}
	if (report && (rc = rpt_render_report_walk(m, tracing ? &trace : NULL,
						   walked ? &walk : NULL, report, err,
						   sizeof(err))) != 0) {
		cli_error("run: --report: %s", err);
		status = CLI_EXIT_FAIL;
	} else if (report && !quiet) {
		printf("report: %s/index.html\n", report);
	}
out:
	rpt_walk_free(&walk);
	rpt_trace_free(&trace);
	free(sc);
	free(m);
	return status;
}
