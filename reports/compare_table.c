/* compare_table.c - the terminal rendering of a comparison: one row per
 * leaf that changed, columns cut to fit 100 characters, and a summary. */
#include <errno.h>
#include <string.h>

#include "compare.h"

/* Column widths: with the verdict (at most 9) and the gaps, 97 columns. */
enum { W_PATH = 36, W_VAL = 13, W_CHANGE = 10, W_KIND = 6 };

/* Display width in code points (each byte that does not continue a UTF-8 sequence). */
static size_t u8_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Byte offset where the last KEEP code points of S begin. */
static size_t u8_tail(const char *s, size_t n, size_t keep)
{
	size_t i = n, w = 0;

	while (i > 0 && w < keep) {
		i--;
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	}
	return i;
}

/* Byte length of the first KEEP code points of S. */
static size_t u8_head(const char *s, size_t n, size_t keep)
{
	size_t i = 0, w = 0;

	while (i < n) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (w == keep)
				break;
			w++;
		}
		i++;
	}
	return i;
}

/* S in exactly WIDTH columns: padded, or cut with "..." at the head (paths:
 * the end is the specific part) or at the tail (values). */
static void put_cell(FILE *f, const char *s, size_t width, bool keep_tail)
{
	size_t n = strlen(s), w = u8_width(s, n);

	if (w <= width) {
		fputs(s, f);
		for (; w < width; w++)
			fputc(' ', f);
	} else if (keep_tail) {
		fputs("...", f);
		fputs(s + u8_tail(s, n, width - 3), f);
	} else {
		fwrite(s, 1, u8_head(s, n, width - 3), f);
		fputs("...", f);
	}
}

static void put_row(FILE *f, const char *path, const char *b, const char *c, const char *ch,
		    const char *kind, const char *verdict)
{
	put_cell(f, path, W_PATH, true);
	fputs("  ", f);
	put_cell(f, b, W_VAL, false);
	fputs("  ", f);
	put_cell(f, c, W_VAL, false);
	fputs("  ", f);
	put_cell(f, ch, W_CHANGE, false);
	fputs("  ", f);
	put_cell(f, kind, W_KIND, false);
	fputs("  ", f);
	fputs(verdict, f); /* last column: no padding, no trailing blanks */
	fputc('\n', f);
}

int rpt_compare_table(FILE *f, const struct rpt_compare *c, bool all)
{
	size_t rows = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct rpt_entry *e = &c->e[i];
		char b[64], cur[64], ch[32];

		if (e->verdict == RPT_SAME && !all)
			continue;
		if (rows++ == 0)
			put_row(f, "PATH", "BASELINE", "CURRENT", "CHANGE", "KIND", "VERDICT");
		rpt_compare_fmt_value(e->base, b, sizeof(b));
		rpt_compare_fmt_value(e->cur, cur, sizeof(cur));
		rpt_compare_fmt_change(e, ch, sizeof(ch));
		put_row(f, e->path, b, cur, ch, rpt_kind_name(e->kind), rpt_verdict_name(e->verdict));
	}
	return ferror(f) ? -EIO : 0;
}

void rpt_compare_summary(FILE *f, const struct rpt_compare *c)
{
	const size_t *v = c->by_verdict;

	/* Two lines, each well inside 100 columns whatever the counts. */
	fprintf(f, "%zu leaves: %zu same, %zu within tolerance, %zu improved, %zu changed, %zu new\n",
		c->n, v[RPT_SAME], v[RPT_WITHIN], v[RPT_IMPROVED], v[RPT_CHANGED], v[RPT_NEW]);
	fprintf(f, "result: %s: %zu regressed, %zu missing, %zu retyped\n",
		rpt_compare_failures(c) ? "REGRESSION" : "ok", v[RPT_REGRESSED], v[RPT_MISSING],
		v[RPT_RETYPED]);
}
