/* report_trace.c - the bounded per-packet trace of `gatelab run --trace`:
 * keeps the first packets of each flow (a 100 MB run has ~140k packets) and
 * renders them as lines, a Markdown table and an SVG sequence diagram. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "report_trace.h"

void rpt_trace_init(struct rpt_trace *t, size_t limit, size_t per_flow)
{
	memset(t, 0, sizeof(*t));
	t->limit = limit ? limit : 200;
	t->per_flow = per_flow ? per_flow : 12;
}

void rpt_trace_free(struct rpt_trace *t)
{
	free(t->ev);
	t->ev = NULL;
	t->n = t->cap = 0;
}

void rpt_trace_begin_mode(struct rpt_trace *t)
{
	t->n_flows = 0;
	t->mode_start = t->n;
}

int rpt_trace_add(struct rpt_trace *t, const struct rpt_trace_ev *ev, uint64_t flow)
{
	size_t i;

	t->seen++;
	for (i = 0; i < t->n_flows; i++)
		if (t->flow_key[i] == flow)
			break;
	if (i == t->n_flows) {
		if (t->n_flows == RPT_TRACE_FLOWS) {
			t->skipped++;
			return 0;
		}
		t->flow_key[t->n_flows] = flow;
		t->flow_n[t->n_flows++] = 0;
	}
	if (t->n - t->mode_start >= t->limit || t->flow_n[i] >= t->per_flow) {
		t->skipped++;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct rpt_trace_ev *n = realloc(t->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->ev = n;
		t->cap = cap;
	}
	t->ev[t->n++] = *ev;
	t->flow_n[i]++;
	return 0;
}

const char *rpt_trace_side_name(enum rpt_trace_side s)
{
	switch (s) {
	case RPT_SIDE_INSIDE: return "inside";
	case RPT_SIDE_OUTSIDE: return "outside";
	case RPT_SIDE_LOCAL: return "local";
	}
	return "?";
}

/* "FORWARD kernel -> outside", "LOCAL up to user mode", "DROP no_mapping". */
static void rpt_trace_verdict(const struct rpt_trace_ev *e, char *buf, size_t cap)
{
	switch (e->verdict) {
	case RPT_V_FORWARD:
		snprintf(buf, cap, "FORWARD %s -> %s", e->side == RPT_SIDE_LOCAL ?
			 "down from user mode" : "in the kernel", rpt_trace_side_name(e->out_side));
		return;
	case RPT_V_LOCAL:
		snprintf(buf, cap, "LOCAL up to user mode");
		return;
	case RPT_V_DROP:
		snprintf(buf, cap, "DROP %s", e->reason);
		return;
	}
	snprintf(buf, cap, "?");
}

static void rpt_trace_match(const struct rpt_trace_ev *e, char *buf, size_t cap)
{
	int k = 0;

	buf[0] = '\0';
	if (e->mapping_id)
		k = snprintf(buf, cap, "mapping #%" PRIu32 "%s", e->mapping_id,
			     e->new_mapping ? " (new)" : "");
	if (e->redirect_id && k >= 0 && (size_t)k < cap)
		k += snprintf(buf + k, cap - (size_t)k, "%sredirect #%" PRIu32, k ? ", " : "",
			      e->redirect_id);
	if (e->edits && k >= 0 && (size_t)k < cap)
		snprintf(buf + k, cap - (size_t)k, "%s%u payload edit(s)", k ? ", " : "", e->edits);
}

void rpt_trace_print(const struct rpt_trace *t, FILE *f)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct rpt_trace_ev *e = &t->ev[i];
		char v[64], mt[96];

		rpt_trace_verdict(e, v, sizeof(v));
		rpt_trace_match(e, mt, sizeof(mt));
		fprintf(f, "%12.6f %-8s %-7s %s", (double)e->t_ns / 1e9, e->mode,
			rpt_trace_side_name(e->side), e->before);
		if (e->translated)
			fprintf(f, " => %s", e->after);
		fprintf(f, " len %" PRIu32 " | %s%s%s\n", e->payload, v, mt[0] ? " | " : "", mt);
	}
	fprintf(f, "trace: %zu of %" PRIu64 " packets shown (first %zu per flow, %zu per mode at most)\n",
		t->n, t->seen, t->per_flow, t->limit);
}

int rpt_trace_md(const struct rpt_trace *t, FILE *f)
{
	fprintf(f, "# Packet trace\n\n%zu of %" PRIu64 " packets through the gateway, the first "
		"%zu of each flow.\n\n| time s | mode | from | tuple in | tuple out | payload | "
		"verdict | matched |\n|--:|---|---|---|---|--:|---|---|\n", t->n, t->seen,
		t->per_flow);
	for (size_t i = 0; i < t->n; i++) {
		const struct rpt_trace_ev *e = &t->ev[i];
		char v[64], mt[96];

		rpt_trace_verdict(e, v, sizeof(v));
		rpt_trace_match(e, mt, sizeof(mt));
		fprintf(f, "| %.6f | %s | %s | `%s` | `%s` | %" PRIu32 " | %s | %s |\n",
			(double)e->t_ns / 1e9, e->mode, rpt_trace_side_name(e->side), e->before,
			e->translated ? e->after : "(unchanged)", e->payload, v, mt);
	}
	fputs("\nColumns: **from** is where the packet entered the gateway's kernel (`local`: "
	      "written by the proxy); **verdict** FORWARD stays in the kernel, LOCAL goes up to "
	      "user mode (a transition), DROP names the reason; **matched** is the gNAT mapping "
	      "or redirect that applied and the payload edits (PORT/PASV rewrites).\n", f);
	return ferror(f) ? -EIO : 0;
}

/* Lanes: client, gateway kernel, gateway user, server. */
static const int rpt_lane_x[4] = {90, 360, 600, 870};

static int rpt_lane_of(enum rpt_trace_side s)
{
	return s == RPT_SIDE_INSIDE ? 0 : s == RPT_SIDE_OUTSIDE ? 3 : 2;
}

static void rpt_svg_arrow(FILE *f, int x1, int x2, int y, const char *col)
{
	int dir = x2 > x1 ? -1 : 1;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		"stroke-width=\"1.5\"/>\n<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"%s\"/>\n",
		x1, y, x2, y, col, x2, y, x2 + 7 * dir, y - 4, x2 + 7 * dir, y + 4, col);
}

int rpt_trace_svg(const struct rpt_trace *t, FILE *f)
{
	static const char *const lanes[4] = {"client", "gateway kernel (gNAT)",
					     "gateway user (proxy)", "server"};
	const int row = 30, top = 60;
	int h = top + (int)t->n * row + 40, y;
	const char *mode = "";

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/"
		"2000/svg\" width=\"960\" height=\"%d\" viewBox=\"0 0 960 %d\" font-family="
		"\"Helvetica,Arial,sans-serif\" font-size=\"10\">\n<rect width=\"960\" height=\"%d\" "
		"fill=\"white\"/>\n", h, h, h);
	for (int i = 0; i < 4; i++)
		fprintf(f, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"13\" "
			"font-weight=\"bold\">%s</text>\n<line x1=\"%d\" y1=\"40\" x2=\"%d\" "
			"y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n", rpt_lane_x[i],
			lanes[i], rpt_lane_x[i], rpt_lane_x[i], h - 10);
	for (size_t i = 0; i < t->n; i++) {
		const struct rpt_trace_ev *e = &t->ev[i];
		int from = rpt_lane_of(e->side), to;
		char v[64], mt[96];

		y = top + (int)i * row + 14;
		if (strcmp(mode, e->mode) != 0) {
			mode = e->mode;
			fprintf(f, "<text x=\"4\" y=\"%d\" fill=\"#1f3f6f\" font-weight=\"bold\">",
				y - 16);
			rpt_html_puts(f, e->mode);
			fputs("</text>\n", f);
		}
		to = e->verdict == RPT_V_LOCAL ? 2 : e->verdict == RPT_V_DROP ? 1 :
		     rpt_lane_of(e->out_side);
		rpt_trace_verdict(e, v, sizeof(v));
		rpt_trace_match(e, mt, sizeof(mt));
		/* Into the kernel, then out of it (or up, or nowhere). */
		rpt_svg_arrow(f, rpt_lane_x[from], rpt_lane_x[1], y, from == 2 ? "#8e44ad" :
			      "#1f5fbf");
		if (e->verdict == RPT_V_DROP)
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#c0392b\" font-size=\"14\" "
				"text-anchor=\"middle\">&#x2716;</text>\n", rpt_lane_x[1] + 12, y + 5);
		else if (to != 1)
			rpt_svg_arrow(f, rpt_lane_x[1], rpt_lane_x[to], y,
				      to == 2 ? "#c0392b" : "#27ae60");
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#333\">%.6f s ",
			rpt_lane_x[0] - 80, y - 4, (double)e->t_ns / 1e9);
		rpt_html_puts(f, e->translated ? e->after : e->before);
		fprintf(f, " (%" PRIu32 " B)</text>\n<text x=\"%d\" y=\"%d\" fill=\"#555\">",
			e->payload, rpt_lane_x[1] + 16, y + 11);
		rpt_html_puts(f, v);
		if (mt[0]) {
			fputs(" | ", f);
			rpt_html_puts(f, mt);
		}
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}
