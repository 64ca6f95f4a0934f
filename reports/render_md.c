/* render_md.c - report.md: the run's summary table and a legend saying what
 * each column means, readable as plain text and on any Markdown host. */
#include <errno.h>
#include <inttypes.h>

#include "render.h"

/* Markdown table cells: a | would split the cell. */
static void rpt_md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static const char *const rpt_md_legend[][2] = {
	{"transitions", "user/kernel crossings by a gateway process (recv/send calls)"},
	{"data tr.", "the crossings that carried data-connection bytes (0 on the fast path)"},
	{"bytes copied", "bytes moved across the boundary, both directions added"},
	{"API", "NAT API calls the proxy made (redirects, lookups, reservations)"},
	{"fast-path pkts", "packets the gateway's kernel forwarded through a mapping"},
	{"proxied pkts", "packets delivered up to a gateway socket or written down by one"},
	{"CPU s", "gateway CPU seconds the cost model charged"},
	{"Mbit/s", "simulated goodput of the data transfers"},
	{"tr./MB", "transitions per megabyte (10^6 bytes) transferred"},
	{"ok/failed", "transfers verified by hash / transfers or sessions that failed"},
};

int rpt_render_md(const struct rpt_metrics *m, FILE *f)
{
	return rpt_render_md_doc(m, NULL, f);
}

int rpt_render_md_doc(const struct rpt_metrics *m, const json_t *replay, FILE *f)
{
	int rc;

	fputs(replay ? "# gatelab replay: " : "# gatelab run: ", f);
	rpt_md_cell(f, replay ? rpt_replay_file(replay) : m->scenario);
	if (replay) {
		fputs("\n\n", f);
		rc = rpt_replay_md(replay, f);
		if (rc)
			return rc;
		fputs("## The re-enactment's figures", f);
	}
	fprintf(f, "\n\nScenario `");
	rpt_md_cell(f, m->scenario);
	fprintf(f, "`, seed %" PRIu64 ", %zu mode(s). Schema `%s`.\n\n", m->seed, m->n_modes,
		RPT_METRICS_SCHEMA);
	fputs("| mode | transitions | data tr. | bytes copied | API | fast-path pkts | "
	      "proxied pkts | CPU s | Mbit/s | tr./MB | ok/failed |\n"
	      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];
		uint64_t b = rpt_mode_bytes(x);

		fputs("| ", f);
		rpt_md_cell(f, x->mode);
		fprintf(f, " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
			" | %" PRIu64 " | %.4f | %.1f | %.2f | %" PRIu64 "/%" PRIu64 " |\n",
			x->transitions, x->data_transitions, x->bytes_copied, x->api_calls,
			x->fastpath_packets, x->proxied_packets, x->gateway_cpu_s,
			x->throughput_bps / 1e6, b ? (double)x->transitions * 1e6 / (double)b : 0.0,
			x->transfers_ok, x->transfers_failed);
	}
	fputs("\n## Columns\n\n", f);
	for (size_t i = 0; i < sizeof(rpt_md_legend) / sizeof(rpt_md_legend[0]); i++)
		fprintf(f, "- **%s**: %s\n", rpt_md_legend[i][0], rpt_md_legend[i][1]);
	rpt_render_live_md(m, f);
	fputs("\n## Transfers\n\n| mode | session | command | path | bytes | seconds | Mbit/s | ok |\n"
	      "|---|--:|---|---|--:|--:|--:|---|\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		for (size_t k = 0; k < x->n_xfers && k < RPT_MAX_XFERS; k++) {
			const struct rpt_xfer *t = &x->xfers[k];

			fputs("| ", f);
			rpt_md_cell(f, x->mode);
			fprintf(f, " | %" PRIu32 " | `", t->session);
			rpt_md_cell(f, t->cmd);
			fputs("` | ", f);
			rpt_md_cell(f, t->path);
			fprintf(f, " | %" PRIu64 " | %.6f | %.1f | %s |\n", t->bytes, t->duration_s,
				t->throughput_bps / 1e6, t->ok ? "yes" : "**no**");
		}
	}
	fputs("\nThe full figures are in `metrics.json` (gatelab.metrics/1, "
	      "docs/METRICS.md) and `metrics.csv`.\n", f);
	return ferror(f) ? -EIO : 0;
}
