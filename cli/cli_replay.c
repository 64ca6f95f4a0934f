/* cli_replay.c - `gatelab replay`: FTP sessions extracted from a capture,
 * re-enacted in the simulator under each mode, judged against the capture;
 * the table on stdout, the JSON, the scenario export and the report. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../reports/render.h"
#include "../replay/rep_export.h"
#include "../replay/rep_reenact.h"
#include "cli.h"

void cli_replay_usage(void)
{
	printf("usage: gatelab replay CAPTURE [options]\n"
	       "\n"
	       "Reads CAPTURE (pcap or pcapng, any link type gatelab reads), reassembles every FTP\n"
	       "control session (TCP port 21; also sessions whose start was not captured), pairs\n"
	       "each data connection with the PORT/EPRT/PASV/EPSV that announced it, and extracts\n"
	       "per session the commands with their timing, the replies, and each transfer's\n"
	       "direction and size. Then re-enacts the sessions in the simulator under each mode\n"
	       "(a scripted server answers as the capture shows, the client sends the captured\n"
	       "commands, transfers carry the captured sizes) and says per session whether the\n"
	       "re-enactment reproduced the capture (commands, reply codes, transfer sizes).\n"
	       "\n"
	       "  --modes LIST            comma-separated: direct,nat,proxy,fastpath (default all)\n"
	       "  --export-scenario FILE  write the sessions as a scenario file (gatelab run)\n"
	       "  --json FILE             gatelab.metrics/1 with a \"capture\" object and per mode\n"
	       "                          a \"replay\" verdict per session (docs/REPLAY.md)\n"
	       "  --report DIR            the run's report (as gatelab run --report) + replay.json\n"
	       "  --ftp-port PORT         a TCP port FTP control sessions use; may repeat\n"
	       "                          (default 21)\n"
	       "  --max-gap TIME          cap on the pause between two commands (default 1s;\n"
	       "                          0 = the captured timing)\n"
	       "  -q, --quiet             only the summary line per mode on stdout\n"
	       "  -h, --help              this text\n"
	       "\n"
	       "Exit status: 0 done (verdicts may say not reproduced), 1 the run failed, 2 bad\n"
	       "usage or bad input. Errors are one line: gatelab: replay: FILE: what is wrong\n");
}

struct cli_replay_opts {
	const char *capture, *json, *export_path, *report;
	bool modes[SCEN_MODE__COUNT];
	uint64_t max_gap_ns;
	bool quiet;
	uint16_t *ftp_ports;     /* --ftp-port, malloc'd (NULL: 21) */
	size_t n_ftp_ports;
};

/* --ftp-port: 1..65535, each once; the list grows as needed. */
static int cli_replay_ftp_port(struct cli_replay_opts *o, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	uint16_t *n;

	if (*arg == '\0' || *end != '\0' || v < 1 || v > 65535) {
		cli_error("replay: --ftp-port '%s' is not a port (1..65535)", arg);
		return -EINVAL;
	}
	for (size_t i = 0; i < o->n_ftp_ports; i++) {
		if (o->ftp_ports[i] == v) {
			cli_error("replay: --ftp-port %ld given twice", v);
			return -EINVAL;
		}
	}
	n = realloc(o->ftp_ports, (o->n_ftp_ports + 1) * sizeof(*n));
	if (!n) {
		cli_error("replay: out of memory");
		return -ENOMEM;
	}
	n[o->n_ftp_ports++] = (uint16_t)v;
	o->ftp_ports = n;
	return 0;
}

static int cli_replay_modes(const char *arg, bool *modes)
{
	char buf[128], *save = NULL;
	bool any = false;

	snprintf(buf, sizeof(buf), "%s", arg);
	memset(modes, 0, SCEN_MODE__COUNT * sizeof(*modes));
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum scen_mode m;

		if (scen_mode_parse(t, &m) != 0) {
			cli_error("replay: --modes: unknown mode '%s' (direct, nat, proxy, fastpath)",
				  t);
			return -EINVAL;
		}
		modes[m] = any = true;
	}
	if (!any) {
		cli_error("replay: --modes names no mode");
		return -EINVAL;
	}
	return 0;
}

static int cli_replay_args(int argc, char **argv, struct cli_replay_opts *o)
{
	static const struct option lopts[] = {
		{"modes", required_argument, NULL, 'm'}, {"export-scenario", required_argument, NULL, 'e'},
		{"json", required_argument, NULL, 'j'},  {"report", required_argument, NULL, 'R'},
		{"max-gap", required_argument, NULL, 'g'}, {"quiet", no_argument, NULL, 'q'},
		{"ftp-port", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	for (int m = 0; m < SCEN_MODE__COUNT; m++)
		o->modes[m] = true;
	o->max_gap_ns = 1000000000ULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (cli_replay_modes(optarg, o->modes) < 0)
				return -EINVAL;
			break;
		case 'e':
			o->export_path = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'R':
			o->report = optarg;
			break;
		case 'g':
			if (scen_parse_time(optarg, &o->max_gap_ns) != 0 &&
			    strcmp(optarg, "0") != 0) {
				cli_error("replay: --max-gap '%s' is not a time (10ms, 1s)", optarg);
				return -EINVAL;
			}
			if (strcmp(optarg, "0") == 0)
				o->max_gap_ns = 0;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'f':
			if (cli_replay_ftp_port(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'h':
			cli_replay_usage();
			return 1;
		default:
			cli_error("replay: bad option (gatelab help replay)");
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		cli_error("replay: expected one CAPTURE (gatelab help replay)");
		return -EINVAL;
	}
	o->capture = argv[optind];
	return 0;
}

struct cli_replay_progress {
	uint64_t size;
	bool shown;
};

static void cli_replay_progress(void *ctx, uint64_t frames, uint64_t bytes)
{
	struct cli_replay_progress *p = ctx;
	/* file bytes run ahead of frame bytes by the record headers only */
	double pct = p->size ? 100.0 * (double)bytes / (double)p->size : 100.0;
	int bar = (int)(pct > 100.0 ? 40 : pct * 0.4);

	fprintf(stderr, "\rreplay: [%-40.*s] %5.1f%% %" PRIu64 " packets", bar,
		"########################################", pct > 100.0 ? 100.0 : pct, frames);
	p->shown = true;
}

static void cli_replay_table(const struct rep_capture *c, const struct rpt_metrics *m,
			     struct rep_verdict *const *v, const enum scen_mode *mode_of)
{
	printf("%zu FTP session(s), %" PRIu64 " packets", c->n_sessions, c->frames);
	if (c->unannounced_flows)
		printf(", %" PRIu64 " TCP flow(s) no session announced (first: %s)",
		       c->unannounced_flows, c->first_unannounced);
	printf("\n");
	if (c->cut_frames)
		printf("%" PRIu64 " frame(s) cut by the snap length: their payload was counted from "
		       "sequence numbers, not read (transfers \"unverifiable\", control lines lost)\n",
		       c->cut_frames);
	if (c->reassembly_bound_hits)
		printf("%" PRIu64 " hole(s) given up: more data out of order than the receiver's "
		       "window allows (the capture missed bytes)\n", c->reassembly_bound_hits);
	if (c->late_segments)
		printf("%" PRIu64 " segment(s) after their connection closed (retransmissions): "
		       "ignored\n", c->late_segments);
	if (c->unreadable_frames)
		printf("%" PRIu64 " frame(s) unreadable (headers cut or malformed): skipped\n",
		       c->unreadable_frames);
	if (c->ftp_like_flows)
		printf("%" PRIu64 " TCP flow(s) look like FTP on a port not taken as FTP (first: %s), "
		       "not treated as FTP: try --ftp-port %u\n", c->ftp_like_flows,
		       c->first_ftp_like, c->ftp_like_port);
	if (c->read_error)
		printf("capture ends in a broken record: %s\n", c->error);
	for (size_t k = 0; k < c->n_sessions; k++) {
		const struct rep_session *s = c->sessions[k];
		char a[NET_ADDR_STRLEN], b[NET_ADDR_STRLEN];

		(void)net_addr_format(&s->client, a, sizeof(a));
		(void)net_addr_format(&s->server, b, sizeof(b));
		printf("session %zu: %s:%u -> %s:%u, %zu commands, %zu transfers\n", k + 1, a,
		       s->client_port, b, s->server_port, s->n_cmds, s->n_xfers);
		for (size_t i = 0; i < s->n_xfers; i++) {
			const struct rep_xfer *x = &s->xfers[i];

			char refused[16];

			snprintf(refused, sizeof(refused), "refused %d", x->final);
			printf("  %-4s %-30.30s %-7s %12" PRIu64 " bytes %s\n", x->cmd, x->arg,
			       !x->announced ? "?" : x->passive ? "passive" : "active", x->bytes,
			       x->unverifiable ? "unverifiable"
			       : x->complete ? "complete"
			       : x->final >= 400 && x->bytes == 0 ? refused
										  : "INCOMPLETE");
		}
		for (size_t i = 0; i < s->n_notes; i++)
			printf("  note: %s\n", s->notes[i]);
		for (size_t i = 0; i < m->n_modes; i++) {
			const struct rep_verdict *vv = &v[i][k];

			printf("  %-8s %s%s%s\n", scen_mode_name(mode_of[i]),
			       vv->outcome == REP_OUT_REPRODUCED ? "reproduced"
			       : vv->outcome == REP_OUT_POLICY ? "reproduced except by gateway policy"
							       : "NOT reproduced",
			       vv->reproduced ? "" : ": ", vv->reproduced ? "" : vv->reason);
		}
	}
}

/* One line per mode: how many sessions had each outcome (printed with -q too). */
static void cli_replay_summary(const struct rep_capture *c, const struct rpt_metrics *m,
			       struct rep_verdict *const *v, const struct rep_gw_left *left,
			       const enum scen_mode *mode_of)
{
	for (size_t i = 0; i < m->n_modes; i++) {
		size_t n[3] = {0, 0, 0};

		for (size_t k = 0; k < c->n_sessions; k++)
			n[v[i][k].outcome]++;
		printf("%-8s %zu reproduced, %zu reproduced except by gateway policy, %zu not "
		       "reproduced\n", scen_mode_name(mode_of[i]), n[REP_OUT_REPRODUCED],
		       n[REP_OUT_POLICY], n[REP_OUT_NOT_REPRODUCED]);
		if (left[i].listeners || left[i].data || left[i].redirects || left[i].ports)
			printf("%-8s the gateway kept %" PRIu64 " data listener(s), %" PRIu64
			       " proxied transfer(s), %" PRIu64 " redirect(s), %" PRIu64
			       " port(s) after the sessions\n", scen_mode_name(mode_of[i]),
			       left[i].listeners, left[i].data, left[i].redirects, left[i].ports);
	}
}

static json_t *cli_replay_policy_json(const struct rep_verdict *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < v->n_policy && i < REP_MAX_POLICY; i++) {
		const struct rep_policy_hit *h = &v->policy[i];

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:i, s:i}", "command",
						   (json_int_t)(h->cmd + 1), "verb", h->verb,
						   "policy", h->policy, "client_got", h->got,
						   "captured", h->captured));
	}
	return a;
}

static json_t *cli_replay_map_json(const struct rep_plan *p)
{
	json_t *a = json_array();
	char x[NET_ADDR_STRLEN], y[NET_ADDR_STRLEN];

	for (size_t i = 0; a && i < p->n_map; i++) {
		(void)net_addr_format(&p->map[i].captured, x, sizeof(x));
		(void)net_addr_format(&p->map[i].sim, y, sizeof(y));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "captured", x, "sim", y,
						   "role", p->map[i].server ? "server" : "client",
						   "session", (json_int_t)(i / 2)));
	}
	return a;
}

static json_t *cli_replay_doc(const struct cli_replay_opts *o, const struct rep_capture *c,
			      const struct rep_plan *p, const struct rpt_metrics *m,
			      struct rep_verdict *const *v, const struct rep_gw_left *left)
{
	json_t *doc = rpt_metrics_to_json(m), *cap, *modes;

	if (!doc)
		return NULL;
	cap = rep_capture_to_json(c, o->capture);
	if (cap) {
		json_object_set_new(cap, "mapping", cli_replay_map_json(p));
		json_object_set_new(doc, "capture", cap);
	}
	modes = json_object_get(doc, "modes");
	for (size_t i = 0; modes && i < m->n_modes; i++) {
		json_t *mo = json_object_get(modes, m->modes[i].mode), *r = json_array();

		for (size_t k = 0; r && k < c->n_sessions; k++) {
			json_t *e = json_pack("{s:I, s:b, s:b, s:s}", "session", (json_int_t)k,
					      "reenacted", v[i][k].reenacted, "reproduced",
					      v[i][k].reproduced, "outcome",
					      rep_outcome_name(v[i][k].outcome));

			if (e && !v[i][k].reproduced)
				json_object_set_new(e, "reason", json_string(v[i][k].reason));
			if (e && v[i][k].n_policy) {
				json_object_set_new(e, "policy", cli_replay_policy_json(&v[i][k]));
				json_object_set_new(e, "policy_answers",
						    json_integer((json_int_t)v[i][k].n_policy));
			}
			json_array_append_new(r, e);
		}
		if (mo) {
			json_object_set_new(mo, "replay", r);
			json_object_set_new(mo, "gateway_left",
					    json_pack("{s:I, s:I, s:I, s:I}", "listeners",
						      (json_int_t)left[i].listeners, "transfers",
						      (json_int_t)left[i].data, "redirects",
						      (json_int_t)left[i].redirects, "ports",
						      (json_int_t)left[i].ports));
		} else {
			json_decref(r);
		}
	}
	return doc;
}

static int cli_replay_write_json(json_t *doc, const char *path)
{
	if (json_dump_file(doc, path, JSON_INDENT(1)) != 0) {
		cli_error("replay: %s: cannot write the JSON", path);
		return -EIO;
	}
	return 0;
}

/* The scenario, via a temporary file and rename: a refused or failed export
 * leaves no file behind. */
static int cli_replay_export(const struct rep_plan *p, const char *path, const char *capture)
{
	char tmp[4096], err[REP_REASON_LEN];
	FILE *f;
	int rc;

	if (p->export_refusal[0]) {
		cli_error("replay: --export-scenario %s: not written: %s", path, p->export_refusal);
		return -E2BIG;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		cli_error("replay: %s: path too long", path);
		return -ENAMETOOLONG;
	}
	f = fopen(tmp, "w");
	if (!f) {
		cli_error("replay: %s: %s", tmp, strerror(errno));
		return -EIO;
	}
	fprintf(f, "# Sessions extracted by `gatelab replay` from %s; addresses mapped into\n"
		   "# the documentation ranges. Edit freely (docs/SCENARIOS.md).\n", capture);
	rc = rep_export_plan(p, f, err, sizeof(err));
	if (fclose(f) != 0 || rc || rename(tmp, path) != 0) {
		cli_error("replay: %s: write failed", path);
		unlink(tmp);
		return -EIO;
	}
	if (p->n_notes)
		cli_error("replay: --export-scenario %s: %zu captured command(s) left out, each as a "
			  "comment saying why", path, p->n_notes);
	return 0;
}

int cli_replay_main(int argc, char **argv)
{
	struct cli_replay_opts o;
	struct rep_capture cap;
	struct rep_plan *plan = NULL;
	struct rpt_metrics *m = NULL;
	struct rep_verdict *v[SCEN_MODE__COUNT] = {NULL};
	struct rep_gw_left left[SCEN_MODE__COUNT];
	enum scen_mode mode_of[SCEN_MODE__COUNT];
	struct cli_replay_progress prog = {0, false};
	struct stat stt;
	json_t *doc = NULL;
	char err[512];
	int rc, ret = CLI_EXIT_OK;

	memset(&cap, 0, sizeof(cap));
	memset(left, 0, sizeof(left));
	rc = cli_replay_args(argc, argv, &o);
	if (rc) {
		free(o.ftp_ports);
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if (stat(o.capture, &stt) == 0)
		prog.size = (uint64_t)stt.st_size;
	{
		struct rep_extract_opts xo = {o.ftp_ports, o.n_ftp_ports};

		rc = rep_extract_file_opts(o.capture, &xo, &cap,
					   isatty(2) ? cli_replay_progress : NULL, &prog, err,
					   sizeof(err));
	}
	free(o.ftp_ports);
	o.ftp_ports = NULL;
	if (prog.shown) {
		fprintf(stderr, "\rreplay: [%s] 100.0%% %" PRIu64 " packets\n",
			"########################################", cap.frames);
	}
	if (rc) {
		cli_error("replay: %s: %s", o.capture, err);
		return rc == -ENOMEM ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
	}
	m = calloc(1, sizeof(*m));
	if (!m || rep_plan_build(&cap, &plan) < 0) {
		cli_error("replay: out of memory");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	snprintf(m->scenario, sizeof(m->scenario), "replay");
	m->seed = plan->sc.seed;
	for (int md = 0; md < SCEN_MODE__COUNT; md++) {
		size_t i = m->n_modes;

		if (!o.modes[md])
			continue;
		v[i] = calloc(cap.n_sessions + 1, sizeof(*v[i]));
		if (!v[i]) {
			cli_error("replay: out of memory");
			ret = CLI_EXIT_FAIL;
			goto out;
		}
		mode_of[i] = (enum scen_mode)md;
		rc = rep_reenact_mode(&cap, plan, (enum scen_mode)md, o.max_gap_ns, v[i],
				      &m->modes[i], &left[i], err, sizeof(err));
		if (rc) {
			cli_error("replay: %s: %s", scen_mode_name((enum scen_mode)md), err);
			ret = CLI_EXIT_FAIL;
			goto out;
		}
		m->n_modes++;
	}
	if (!o.quiet)
		cli_replay_table(&cap, m, v, mode_of);
	cli_replay_summary(&cap, m, v, left, mode_of);
	if (o.json || o.report) {
		doc = cli_replay_doc(&o, &cap, plan, m, v, left);
		if (!doc) {
			cli_error("replay: out of memory");
			ret = CLI_EXIT_FAIL;
			goto out;
		}
	}
	if (o.json && cli_replay_write_json(doc, o.json) < 0) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	if (o.report) {
		cli_report_topology(&plan->sc, m);
		/* replay.json goes into the directory with the rest, linked from it */
		if (rpt_render_replay_report(m, doc, o.report, err, sizeof(err)) < 0) {
			cli_error("replay: --report: %s", err);
			ret = CLI_EXIT_FAIL;
			goto out;
		}
	}
	/* last: a capture the scenario format cannot hold still gets its JSON */
	if (o.export_path && cli_replay_export(plan, o.export_path, o.capture) < 0)
		ret = CLI_EXIT_FAIL;
out:
	json_decref(doc);
	for (int i = 0; i < SCEN_MODE__COUNT; i++)
		free(v[i]);
	rep_plan_free(plan);
	free(m);
	rep_capture_free(&cap);
	return ret;
}
