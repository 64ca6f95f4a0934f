/* render_live.c - the live lab's section of report.md and index.html: what a
 * real gateway measured besides the contract fields (docs/LIVE.md, "Metrics").
 * The summary table above it keeps the simulator's column names. */
#include <inttypes.h>

#include "render.h"

static bool rpt_any_live(const struct rpt_metrics *m)
{
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++)
		if (m->modes[i].has_live)
			return true;
	return false;
}

static uint64_t rpt_live_calls(const struct rpt_live *l)
{
	uint64_t n = 0;

	for (size_t i = 0; i < l->n_syscalls && i < RPT_MAX_SYSCALLS; i++)
		n += l->syscalls[i].n;
	return n;
}

/* The few most frequent names, "recvfrom 218, sendto 231, ...". */
static void rpt_live_top(const struct rpt_live *l, FILE *f, void (*put)(FILE *, const char *))
{
	bool used[RPT_MAX_SYSCALLS] = {false};

	for (int k = 0; k < 4; k++) {
		size_t best = RPT_MAX_SYSCALLS;

		for (size_t i = 0; i < l->n_syscalls && i < RPT_MAX_SYSCALLS; i++)
			if (!used[i] && (best == RPT_MAX_SYSCALLS || l->syscalls[i].n > l->syscalls[best].n))
				best = i;
		if (best == RPT_MAX_SYSCALLS)
			break;
		used[best] = true;
		if (k)
			fputs(", ", f);
		put(f, l->syscalls[best].name);
		fprintf(f, " %" PRIu64, l->syscalls[best].n);
	}
}

static void rpt_md_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

void rpt_render_live_md(const struct rpt_metrics *m, FILE *f)
{
	if (!rpt_any_live(m))
		return;
	fputs("\n## Live measurements\n\nA real gateway (`gatelab live`, docs/LIVE.md): "
	      "**CPU s** above is the proxy process's user + system time (0 when no process "
	      "carries the traffic), **Mbit/s** the clients' measured goodput.\n\n"
	      "| mode | wall s | softirq s | context switches | syscalls | most frequent | "
	      "measured by |\n|---|--:|--:|--:|--:|---|---|\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		if (!x->has_live)
			continue;
		fputs("| ", f);
		rpt_md_put(f, x->mode);
		fprintf(f, " | %.2f | %.3f | %" PRIu64 " | %" PRIu64 " | ", x->live.wall_s,
			x->live.softirq_s, x->live.context_switches, rpt_live_calls(&x->live));
		rpt_live_top(&x->live, f, rpt_md_put);
		fputs(" | ", f);
		rpt_md_put(f, x->live.measured_by);
		fputs(" |\n", f);
	}
	fputs("\n- **softirq s**: the whole machine's softirq CPU during the mode (forwarding, NAT "
	      "and every namespace's network stack: one kernel)\n", f);
}

void rpt_render_live_html(const struct rpt_metrics *m, FILE *f)
{
	if (!rpt_any_live(m))
		return;
	fputs("<h2>Live measurements</h2>\n<p>A real gateway (<code>gatelab live</code>): "
	      "gateway CPU above is the proxy process's user + system time (0 when no process "
	      "carries the traffic); softirq is the whole machine's, one kernel serving every "
	      "namespace.</p>\n<table>\n<tr><th class=\"l\">mode</th><th>wall s</th>"
	      "<th>softirq s</th><th>context switches</th><th>syscalls</th>"
	      "<th class=\"l\">most frequent</th><th class=\"l\">measured by</th></tr>\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		if (!x->has_live)
			continue;
		fputs("<tr><td class=\"l\">", f);
		rpt_html_puts(f, x->mode);
		fprintf(f, "</td><td>%.2f</td><td>%.3f</td><td>%" PRIu64 "</td><td>%" PRIu64
			"</td><td class=\"l\">", x->live.wall_s, x->live.softirq_s,
			x->live.context_switches, rpt_live_calls(&x->live));
		rpt_live_top(&x->live, f, rpt_html_puts);
		fputs("</td><td class=\"l\">", f);
		rpt_html_puts(f, x->live.measured_by);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}
