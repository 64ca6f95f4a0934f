/* render_escape.c - every string a report prints (scenario, host and command
 * names come from users' YAML) goes through one of these escapers, chosen by
 * the output language: HTML/SVG, CSV, Graphviz. */
#include <string.h>

#include "render.h"

static const char *rpt_html_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

size_t rpt_html_escape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		const char *e = rpt_html_entity(*s);
		size_t k = e ? strlen(e) : 1;

		if (n + k < cap)
			memcpy(out + n, e ? e : s, k);
		else if (n < cap)
			cap = n + 1; /* stop writing: no half entity */
		n += k;
	}
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

void rpt_html_puts(FILE *f, const char *s)
{
	for (; *s; s++) {
		const char *e = rpt_html_entity(*s);

		if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

void rpt_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void rpt_dot_puts(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s != '\n' && *s != '\r')
			fputc(*s, f);
	}
}

uint64_t rpt_mode_bytes(const struct rpt_mode_metrics *mm)
{
	uint64_t b = 0;

	for (size_t i = 0; i < mm->n_xfers && i < RPT_MAX_XFERS; i++)
		b += mm->xfers[i].bytes;
	return b;
}
