/* render_html.c - index.html: one self-contained page (inline CSS and SVG,
 * no scripts, no network) from the metrics and the SVGs already rendered
 * into the report directory. Every user string is HTML-escaped. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"

int rpt_inline_svg(FILE *f, const char *path)
{
	FILE *in = fopen(path, "rb");
	char *buf = NULL, *start;
	long n;
	int rc = 0;

	if (!in)
		return -errno;
	if (fseek(in, 0, SEEK_END) != 0 || (n = ftell(in)) < 0 || fseek(in, 0, SEEK_SET) != 0) {
		rc = -EIO;
		goto out;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	if (fread(buf, 1, (size_t)n, in) != (size_t)n) {
		rc = -EIO;
		goto out;
	}
	buf[n] = '\0';
	/* The prolog, DOCTYPE and generator comments precede the root element. */
	start = strstr(buf, "<svg");
	if (!start) {
		rc = -EINVAL;
		goto out;
	}
	fwrite(start, 1, (size_t)(buf + n - start), f);
	fputc('\n', f);
out:
	free(buf);
	fclose(in);
	return rc;
}

static void rpt_html_head(const struct rpt_metrics *m, const json_t *replay, FILE *f)
{
	/* a replay is named by its capture: its scenario is only "replay" */
	const char *what = replay ? "gatelab replay: " : "gatelab run: ";
	const char *name = replay ? rpt_replay_file(replay) : m->scenario;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>", f);
	fputs(replay ? "gatelab replay: " : "gatelab report: ", f);
	rpt_html_puts(f, name);
	fputs("</title>\n<style>\n"
	      "body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;"
	      "color:#222;padding:0 1em}\n"
	      "h1{border-bottom:2px solid #c0392b;padding-bottom:.3em}\n"
	      "h2{margin-top:2em;color:#1f3f6f}\n"
	      "table{border-collapse:collapse;margin:1em 0}\n"
	      "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\n"
	      "th{background:#eef2f8}\ntd.l,th.l{text-align:left}\n"
	      ".grid{display:flex;flex-wrap:wrap;gap:1em}\n"
	      ".grid figure{margin:0;border:1px solid #ddd;padding:.5em;background:#fff}\n"
	      "figcaption{font-size:.9em;color:#555;text-align:center}\n"
	      "svg{max-width:100%;height:auto}\n.bad{color:#c0392b;font-weight:bold}\n"
	      "dt{font-weight:bold}\ndd{margin:0 0 .4em 1.5em}\n"
	      "td.v-ok b{color:#1e7d32}\ntd.v-bad b{color:#c0392b}\ntd.v-mid b{color:#b26a00}\n"
	      "table.sessions td{vertical-align:top}\n"
	      "</style>\n</head>\n<body>\n<h1>", f);
	fputs(what, f);
	rpt_html_puts(f, name);
	fputs("</h1>\n<p>Scenario <code>", f);
	rpt_html_puts(f, m->scenario);
	fprintf(f, "</code>, seed %" PRIu64 ", %zu mode(s); metrics schema <code>%s</code>.</p>\n",
		m->seed, m->n_modes, RPT_METRICS_SCHEMA);
}

static void rpt_html_summary(const struct rpt_metrics *m, FILE *f)
{
	fputs("<h2>Summary</h2>\n<table>\n<tr><th class=\"l\">mode</th><th>transitions</th>"
	      "<th>data transitions</th><th>bytes copied</th><th>API calls</th>"
	      "<th>fast-path packets</th><th>proxied packets</th><th>gateway CPU s</th>"
	      "<th>Mbit/s</th><th>transitions/MB</th><th>ok/failed</th></tr>\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];
		uint64_t b = rpt_mode_bytes(x);

		fputs("<tr><td class=\"l\">", f);
		rpt_html_puts(f, x->mode);
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%"
			PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%.4f</td><td>%.1f"
			"</td><td>%.2f</td><td%s>%" PRIu64 "/%" PRIu64 "</td></tr>\n",
			x->transitions, x->data_transitions, x->bytes_copied, x->api_calls,
			x->fastpath_packets, x->proxied_packets, x->gateway_cpu_s,
			x->throughput_bps / 1e6, b ? (double)x->transitions * 1e6 / (double)b : 0.0,
			x->transfers_failed ? " class=\"bad\"" : "", x->transfers_ok,
			x->transfers_failed);
	}
	fputs("</table>\n<dl>\n"
	      "<dt>transitions</dt><dd>user/kernel crossings by a process on the gateway "
	      "(each recv/send); 0 when nothing runs there</dd>\n"
	      "<dt>data transitions</dt><dd>the crossings that carried data-connection bytes: "
	      "0 on the fast path, where data never leaves the kernel</dd>\n"
	      "<dt>bytes copied</dt><dd>bytes moved across the boundary, both directions</dd>\n"
	      "<dt>API calls</dt><dd>NAT API calls the proxy made to command the gNAT</dd>\n"
	      "<dt>fast-path / proxied packets</dt><dd>forwarded by the kernel through a "
	      "mapping / carried up to or down from a gateway socket</dd>\n"
	      "<dt>gateway CPU</dt><dd>seconds the cost model charged the gateway's CPU</dd>\n"
	      "</dl>\n", f);
}

static void rpt_html_xfers(const struct rpt_metrics *m, FILE *f)
{
	fputs("<h2>Transfers</h2>\n<table>\n<tr><th class=\"l\">mode</th><th>session</th>"
	      "<th class=\"l\">command</th><th class=\"l\">path</th><th>bytes</th>"
	      "<th>seconds</th><th>Mbit/s</th><th class=\"l\">verified</th></tr>\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		for (size_t k = 0; k < x->n_xfers && k < RPT_MAX_XFERS; k++) {
			const struct rpt_xfer *t = &x->xfers[k];

			fputs("<tr><td class=\"l\">", f);
			rpt_html_puts(f, x->mode);
			fprintf(f, "</td><td>%" PRIu32 "</td><td class=\"l\"><code>", t->session);
			rpt_html_puts(f, t->cmd);
			fputs("</code></td><td class=\"l\">", f);
			rpt_html_puts(f, t->path);
			fprintf(f, "</td><td>%" PRIu64 "</td><td>%.6f</td><td>%.1f</td>"
				"<td class=\"l%s\">%s</td></tr>\n", t->bytes, t->duration_s,
				t->throughput_bps / 1e6, t->ok ? "" : " bad", t->ok ? "yes" : "NO");
		}
	}
	fputs("</table>\n", f);
}

static int rpt_html_fig(FILE *f, const struct rpt_dir *d, const char *file, const char *cap)
{
	char p[4096];
	int rc = rpt_dir_path(d, file, p, sizeof(p));

	if (rc)
		return rc;
	fputs("<figure>\n", f);
	rc = rpt_inline_svg(f, p);
	fputs("<figcaption>", f);
	rpt_html_puts(f, cap);
	fputs("</figcaption>\n</figure>\n", f);
	return rc;
}

/* The walk-through section: a link when the report holds one, else how to
 * get one (every report has the section). */
static void rpt_html_walk(const struct rpt_dir *d, FILE *f)
{
	char p[4096];

	fputs("<h2 id=\"walkthrough\">Walk-through: one session, step by step</h2>\n", f);
	if (rpt_dir_path(d, "walkthrough.html", p, sizeof(p)) == 0 && access(p, F_OK) == 0) {
		fputs("<p><a href=\"walkthrough.html\">walkthrough.html</a>: one FTP session through "
		      "the gateway in each mode, as a ladder diagram you step through (arrow keys): "
		      "each packet on the inside and the outside link, the line the proxy or the "
		      "kernel rewrote, the NAT API calls, the gNAT's table at that moment and the "
		      "counters (docs/TEACHING.md).</p>\n", f);
		return;
	}
	fputs("<p>Not in this report (it is made from a run, not from saved metrics): "
	      "<code>gatelab run SCENARIO --walkthrough DIR [--session N]</code>, or "
	      "<code>gatelab run SCENARIO --report DIR</code>, writes <code>walkthrough.html</code> "
	      "(docs/TEACHING.md).</p>\n", f);
}

int rpt_render_html(const struct rpt_metrics *m, const struct rpt_trace *trace,
		    const struct rpt_dir *d, FILE *f)
{
	return rpt_render_html_doc(m, trace, NULL, d, f);
}

int rpt_render_html_doc(const struct rpt_metrics *m, const struct rpt_trace *trace,
			const json_t *replay, const struct rpt_dir *d, FILE *f)
{
	char name[96];
	int rc = 0;

	rpt_html_head(m, replay, f);
	if (replay)
		rc = rpt_replay_html(replay, f);
	rpt_html_summary(m, f);
	rpt_render_live_html(m, f);
	fputs("<h2>Topology</h2>\n<div class=\"grid\">\n", f);
	rc = rc ? rc : rpt_html_fig(f, d, "topology.svg", "hosts, the gateway and its links");
	fputs("</div>\n<h2>The path data takes through the gateway</h2>\n<p>Blue: the control "
	      "connection; red: the data. Up through user mode costs transitions and copies; "
	      "the kernel alone costs neither.</p>\n<div class=\"grid\">\n", f);
	for (size_t i = 0; rc == 0 && i < m->n_modes && i < RPT_MAX_MODES; i++) {
		rpt_path_file(m->modes[i].mode, name, sizeof(name));
		rc = rpt_html_fig(f, d, name, m->modes[i].mode);
	}
	fputs("</div>\n<h2>Plots</h2>\n<div class=\"grid\">\n", f);
	for (int p = 0; rc == 0 && p < RPT_PLOT__COUNT; p++) {
		if (!rpt_plot_wanted(m, (enum rpt_plot)p))
			continue;
		snprintf(name, sizeof(name), "%s.svg", rpt_plot_name((enum rpt_plot)p));
		rc = rpt_html_fig(f, d, name, rpt_plot_title((enum rpt_plot)p));
	}
	fputs("</div>\n", f);
	rpt_html_xfers(m, f);
	if (rc == 0 && trace) {
		fprintf(f, "<h2>Packet trace</h2>\n<p>%zu of %" PRIu64 " packets through the "
			"gateway (the first of each flow; <a href=\"trace.md\">trace.md</a>).</p>\n",
			trace->n, trace->seen);
		rc = rpt_html_fig(f, d, "trace.svg", "client | gateway kernel | gateway user | server");
	}
	rpt_html_walk(d, f);
	fputs("<h2>Files</h2>\n<ul>\n", f);
	if (replay)
		fputs("<li><a href=\"replay.json\">replay.json</a>: the capture, its sessions and "
		      "every verdict (docs/REPLAY.md)</li>\n", f);
	fputs("<li><a href=\"report.md\">report.md</a>: the summary in "
	      "Markdown</li>\n<li><a href=\"metrics.json\">metrics.json</a>: gatelab.metrics/1"
	      "</li>\n<li><a href=\"metrics.csv\">metrics.csv</a>: one row per mode</li>\n"
	      "<li>*.svg, *.dot, *.gp: the figures and their Graphviz / gnuplot sources</li>\n"
	      "</ul>\n</body>\n</html>\n", f);
	if (rc == 0 && ferror(f))
		rc = -EIO;
	return rc;
}
