/* compare_markdown.c - a comparison as a Markdown report (CI job summaries,
 * merge-request comments): result first, then regressions, then the other
 * changes; cell text escaped so a value cannot break the table or inject HTML. */
#include <errno.h>
#include <string.h>

#include "compare.h"

static void md_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else if (strchr("\\`*_[]|#", *s))
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void md_rows(FILE *f, const struct rpt_compare *c, bool failing)
{
	size_t rows = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct rpt_entry *e = &c->e[i];
		char b[64], cur[64], ch[32];

		if (e->verdict == RPT_SAME || rpt_verdict_fails(e->verdict) != failing)
			continue;
		if (rows++ == 0)
			fputs("| path | baseline | current | change | kind | verdict |\n"
			      "|---|---:|---:|---:|---|---|\n", f);
		rpt_compare_fmt_value(e->base, b, sizeof(b));
		rpt_compare_fmt_value(e->cur, cur, sizeof(cur));
		rpt_compare_fmt_change(e, ch, sizeof(ch));
		fputs("| ", f);
		md_put(f, e->path);
		fputs(" | ", f);
		md_put(f, b);
		fputs(" | ", f);
		md_put(f, cur);
		fputs(" | ", f);
		md_put(f, ch);
		fprintf(f, " | %s | %s |\n", rpt_kind_name(e->kind), rpt_verdict_name(e->verdict));
	}
	if (rows == 0)
		fputs("None.\n", f);
}

int rpt_compare_markdown(FILE *f, const struct rpt_compare *c, const struct rpt_compare_meta *m)
{
	const size_t *v = c->by_verdict;
	size_t fails = rpt_compare_failures(c);

	fputs("# gatelab compare\n\n", f);
	if (fails)
		fprintf(f, "**Result: REGRESSION** (%zu failing of %zu leaves)\n\n", fails, c->n);
	else
		fprintf(f, "**Result: ok** (%zu leaves, no regression)\n\n", c->n);
	fputs("- baseline: ", f);
	md_put(f, m->baseline);
	fputs("\n- current: ", f);
	md_put(f, m->current);
	fputs("\n- schema: ", f);
	md_put(f, c->schema ? c->schema : "(none)");
	fprintf(f, "\n- tolerance: timings %g%%, counts ", m->opts->tolerance * 100);
	if (m->opts->count_tolerance < 0)
		fputs("exact\n\n", f);
	else
		fprintf(f, "%g%%\n\n", m->opts->count_tolerance * 100);
	fputs("| same | within | improved | changed | new | regressed | missing | retyped |\n"
	      "|---:|---:|---:|---:|---:|---:|---:|---:|\n", f);
	fprintf(f, "| %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu |\n\n", v[RPT_SAME],
		v[RPT_WITHIN], v[RPT_IMPROVED], v[RPT_CHANGED], v[RPT_NEW], v[RPT_REGRESSED],
		v[RPT_MISSING], v[RPT_RETYPED]);
	fputs("## Regressions\n\n", f);
	md_rows(f, c, true);
	fputs("\n## Other changes\n\n", f);
	md_rows(f, c, false);
	return ferror(f) ? -EIO : 0;
}
