/* compare_junit.c - a comparison as JUnit XML for CI test reports: one
 * testcase per leaf, a <failure> for each regression, every byte from the
 * documents or the command line escaped into well-formed XML. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "compare.h"

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if invalid:
 * XML parsers reject malformed UTF-8, and file names need not be UTF-8. */
static size_t u8_valid(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

static void xml_put(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	for (size_t i = 0; i < n;) {
		size_t l = u8_valid(s + i, n - i);

		if (l == 0) {
			fputc('?', f);
			i++;
			continue;
		}
		switch (s[i]) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			/* XML 1.0 has no way to carry other control characters. */
			if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
				fputc('?', f);
			else
				fwrite(s + i, 1, l, f);
		}
		i += l;
	}
}

static void junit_property(FILE *f, const char *name, const char *value)
{
	fprintf(f, "      <property name=\"%s\" value=\"", name);
	xml_put(f, value);
	fputs("\"/>\n", f);
}

static void junit_case(FILE *f, const struct rpt_entry *e)
{
	char b[64], c[64], ch[32], msg[256];

	rpt_compare_fmt_value(e->base, b, sizeof(b));
	rpt_compare_fmt_value(e->cur, c, sizeof(c));
	rpt_compare_fmt_change(e, ch, sizeof(ch));
	snprintf(msg, sizeof(msg), "%s %s: baseline %s, current %s%s%s%s", rpt_kind_name(e->kind),
		 rpt_verdict_name(e->verdict), b, c, ch[0] ? " (" : "", ch, ch[0] ? ")" : "");
	fprintf(f, "    <testcase classname=\"gatelab.compare.%s\" name=\"", rpt_kind_name(e->kind));
	xml_put(f, e->path);
	fputs("\" time=\"0\"", f);
	if (rpt_verdict_fails(e->verdict)) {
		fprintf(f, ">\n      <failure type=\"%s\" message=\"", rpt_verdict_name(e->verdict));
		xml_put(f, msg);
		fputs("\">", f);
		xml_put(f, e->path);
		fputs(": ", f);
		xml_put(f, msg);
		fputs("</failure>\n    </testcase>\n", f);
	} else if (e->verdict != RPT_SAME) {
		fputs(">\n      <system-out>", f);
		xml_put(f, msg);
		fputs("</system-out>\n    </testcase>\n", f);
	} else {
		fputs("/>\n", f);
	}
}

int rpt_compare_junit(FILE *f, const struct rpt_compare *c, const struct rpt_compare_meta *m)
{
	size_t fails = rpt_compare_failures(c);
	char tol[64], ctol[64];

	snprintf(tol, sizeof(tol), "%g%%", m->opts->tolerance * 100);
	if (m->opts->count_tolerance < 0)
		snprintf(ctol, sizeof(ctol), "exact");
	else
		snprintf(ctol, sizeof(ctol), "%g%%", m->opts->count_tolerance * 100);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"gatelab compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
		c->n, fails);
	fprintf(f, "  <testsuite name=\"gatelab.compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
		   " skipped=\"0\" time=\"0\">\n    <properties>\n", c->n, fails);
	junit_property(f, "baseline", m->baseline);
	junit_property(f, "current", m->current);
	junit_property(f, "schema", c->schema ? c->schema : "(none)");
	junit_property(f, "tolerance", tol);
	junit_property(f, "count_tolerance", ctol);
	fputs("    </properties>\n", f);
	for (size_t i = 0; i < c->n; i++)
		junit_case(f, &c->e[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}
