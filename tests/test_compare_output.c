/* test_compare_output.c - the renderings of a comparison: the table fits 100
 * columns, JUnit and Markdown carry every verdict with hostile text escaped,
 * and report files appear whole or not at all. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../reports/compare.h"
#include "tu.h"

static const struct rpt_compare_opts opts = {.tolerance = 0.10, .count_tolerance = -1};

/* A comparison with one of each verdict, long paths and hostile text. */
static const char base_json[] =
	"{\"schema\": \"gatelab.metrics/1\","
	" \"modes\": {\"fastpath_with_a_rather_long_mode_name\": {\"transitions_of_the_gateway\": 12,"
	"   \"api_calls\": 6, \"old\": 1},"
	"   \"x<&>\\\"'|y\": {\"note\": \"a|b<c>&\\u0001 \\u00e9t\\u00e9 \\u00e9t\\u00e9 \\u00e9t\\u00e9\"}},"
	" \"reproduced\": true,"
	" \"host\": {\"wall_s\": 2.0, \"events_per_s\": 100.0, \"boot_s\": 1.0}}";
static const char cur_json[] =
	"{\"schema\": \"gatelab.metrics/1\","
	" \"modes\": {\"fastpath_with_a_rather_long_mode_name\": {\"transitions_of_the_gateway\": 13,"
	"   \"api_calls\": 6, \"added\": 2},"
	"   \"x<&>\\\"'|y\": {\"note\": \"a|b<c>&\\u0002\"}},"
	" \"reproduced\": false,"
	" \"host\": {\"wall_s\": 1.0, \"events_per_s\": 105.0, \"boot_s\": 1.5}}";

static void build(struct rpt_compare *c)
{
	json_t *b = json_loads(base_json, 0, NULL), *cur = json_loads(cur_json, 0, NULL);
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
	CU_ASSERT_EQUAL_FATAL(rpt_compare_docs(b, cur, &opts, c, err, sizeof(err)), 0);
	json_decref(b);
	json_decref(cur);
}

/* Renders with FN into a malloc'd string. */
static char *render(int (*fn)(FILE *, const struct rpt_compare *, const struct rpt_compare_meta *),
		    const struct rpt_compare *c, const struct rpt_compare_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fn(f, c, m), 0);
	fclose(f);
	return buf;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static size_t display_width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static void test_verdict_mix(void)
{
	struct rpt_compare c;

	build(&c);
	CU_ASSERT_EQUAL(c.by_verdict[RPT_REGRESSED], 4); /* transitions, reproduced, note, boot_s */
	CU_ASSERT_EQUAL(c.by_verdict[RPT_MISSING], 1);
	CU_ASSERT_EQUAL(c.by_verdict[RPT_NEW], 1);
	CU_ASSERT_EQUAL(c.by_verdict[RPT_IMPROVED], 1); /* wall_s halved */
	CU_ASSERT_EQUAL(c.by_verdict[RPT_WITHIN], 1);   /* 5% more events per second */
	CU_ASSERT_EQUAL(c.by_verdict[RPT_REGRESSED] + c.by_verdict[RPT_MISSING],
			rpt_compare_failures(&c));
	rpt_compare_free(&c);
}

static void test_table_fits_100_columns(void)
{
	struct rpt_compare c;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, rows = 0;
	FILE *f;

	build(&c);
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(rpt_compare_table(f, &c, false), 0);
	rpt_compare_summary(f, &c);
	fclose(f);
	/* the long path keeps its specific end */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "...e_name.transitions_of_the_gateway  12"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "result: REGRESSION: 4 regressed, 1 missing"));
	/* no raw control byte from the document reaches the terminal */
	CU_ASSERT_PTR_NULL(strchr(buf, '\x01'));
	CU_ASSERT_PTR_NULL(strchr(buf, '\x02'));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		CU_ASSERT(display_width(line, strlen(line)) <= 100);
		CU_ASSERT(line[strlen(line) - 1] != ' ');
		rows++;
	}
	/* header + 8 changed leaves (unchanged api_calls and schema not listed) + summary */
	CU_ASSERT_EQUAL(rows, 1 + 8 + 2);
	free(buf);

	/* --all lists every leaf */
	buf = NULL;
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(rpt_compare_table(f, &c, true), 0);
	fclose(f);
	CU_ASSERT_EQUAL(count_of(buf, "\n"), 1 + c.n);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "api_calls"));
	free(buf);
	rpt_compare_free(&c);
}

static void test_value_formatting(void)
{
	char buf[16];
	json_t *s = json_string("\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9");

	/* cut with ..., never inside a UTF-8 sequence */
	rpt_compare_fmt_value(s, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "...\""));
	for (size_t i = 0; buf[i]; i++)
		if (((unsigned char)buf[i] & 0xe0) == 0xc0)
			CU_ASSERT(((unsigned char)buf[i + 1] & 0xc0) == 0x80);
	json_decref(s);
	s = json_string("a\"b\\c\n");
	rpt_compare_fmt_value(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "\"a\\\"b\\\\c\\x0a\"");
	json_decref(s);
	/* C1 controls (CSI is U+009B) are escaped; other non-ASCII text is kept */
	s = json_string("\xc2\x9b" "2J\xc3\xa9");
	rpt_compare_fmt_value(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "\"\\u009b2J\xc3\xa9\"");
	json_decref(s);
	/* a NUL inside a string (in memory; files cannot carry one) is shown */
	s = json_stringn("a\0b", 3);
	rpt_compare_fmt_value(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "\"a\\x00b\"");
	json_decref(s);
	rpt_compare_fmt_value(NULL, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "-");
	s = json_integer(-9007199254740993LL);
	rpt_compare_fmt_value(s, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "-90071992547409"); /* cut to the buffer, NUL-terminated */
	json_decref(s);
}

static void test_change_column(void)
{
	struct rpt_entry e = {.kind = RPT_KIND_COUNT, .verdict = RPT_REGRESSED};
	char buf[32];

	e.base = json_integer(INT64_MIN);
	e.cur = json_integer(INT64_MAX);
	/* the difference does not fit an int64: still exact */
	rpt_compare_fmt_change(&e, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "+18446744073709551615");
	json_decref(e.base);
	json_decref(e.cur);
	e.kind = RPT_KIND_TIMING;
	e.base = json_real(2.0);
	e.cur = json_real(3.0);
	rpt_compare_fmt_change(&e, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "x1.500");
	json_decref(e.base);
	e.base = json_real(0);
	rpt_compare_fmt_change(&e, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "from 0");
	json_decref(e.base);
	json_decref(e.cur);
}

static void test_junit(void)
{
	struct rpt_compare c;
	struct rpt_compare_meta m = {"base<1>.json", "cur&\xff.json", &opts};
	char *x;

	build(&c);
	x = render(rpt_compare_junit, &c, &m);
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	CU_ASSERT_EQUAL(count_of(x, "<testcase "), c.n);
	CU_ASSERT_EQUAL(count_of(x, "<failure "), rpt_compare_failures(&c));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "tests=\"10\" failures=\"5\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "type=\"MISSING\""));
	/* file names and keys escaped; invalid UTF-8 replaced */
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "value=\"base&lt;1&gt;.json\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "value=\"cur&amp;?.json\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "name=\"modes[&quot;x&lt;&amp;&gt;\\&quot;&apos;|y&quot;].note\""));
	CU_ASSERT_PTR_NULL(strstr(x, "\xff"));
	CU_ASSERT_PTR_NULL(strchr(x, '\x01'));
	/* improvements go to system-out, not failures */
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "<system-out>timing improved: baseline 2, current 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "</testsuites>\n"));
	free(x);
	rpt_compare_free(&c);
}

static void test_markdown(void)
{
	struct rpt_compare c;
	struct rpt_compare_meta m = {"base.json", "cur|2.json", &opts};
	char *md, *reg, *other;

	build(&c);
	md = render(rpt_compare_markdown, &c, &m);
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "**Result: REGRESSION** (5 failing of 10 leaves)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "- current: cur\\|2.json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "- tolerance: timings 10%, counts exact"));
	reg = strstr(md, "## Regressions");
	other = strstr(md, "## Other changes");
	CU_ASSERT_PTR_NOT_NULL_FATAL(reg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT(reg < other);
	/* failures above, the rest below */
	CU_ASSERT(strstr(reg, "| reproduced | true | false |  | value | REGRESSED |") < other);
	CU_ASSERT(strstr(md, "| host.wall\\_s | 2 | 1 | x0.500 | timing | improved |") > other);
	/* a | or < in a value cannot open a cell or a tag */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "\"a\\|b&lt;c&gt;&amp;\\\\x01"));
	/* every table row has the same number of unescaped cell separators */
	for (char *l = strstr(reg, "\n| "); l; l = strstr(l + 1, "\n| ")) {
		size_t bars = 0;

		for (char *p = l + 1; *p && *p != '\n'; p++)
			if (*p == '|' && p[-1] != '\\')
				bars++;
		CU_ASSERT(bars == 7 || bars == 9);
	}
	free(md);
	rpt_compare_free(&c);

	/* nothing regressed: says so, and "None." under Regressions */
	{
		json_t *d = json_loads("{\"a\": 1}", 0, NULL);
		char err[64];

		CU_ASSERT_EQUAL(rpt_compare_docs(d, d, &opts, &c, err, sizeof(err)), 0);
		md = render(rpt_compare_markdown, &c, &m);
		CU_ASSERT_PTR_NOT_NULL(strstr(md, "**Result: ok**"));
		CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Regressions\n\nNone.\n"));
		free(md);
		rpt_compare_free(&c);
		json_decref(d);
	}
}

static int fail_fn(FILE *f, const struct rpt_compare *c, const struct rpt_compare_meta *m)
{
	(void)c;
	(void)m;
	fputs("half a report", f);
	return -1;
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_write_file_whole_or_nothing(void)
{
	char dir[] = "/tmp/gatelab-test-compare.XXXXXX";
	char path[128], missing[160];
	struct rpt_compare c;
	struct rpt_compare_meta m = {"b", "c", &opts};
	uint8_t *data;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.md", dir);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/report.md", dir);
	build(&c);
	CU_ASSERT_EQUAL(rpt_compare_write_file(path, rpt_compare_markdown, &c, &m), 0);
	data = tu_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT(len > 100 && memcmp(data, "# gatelab compare", 17) == 0);
	free(data);
	CU_ASSERT_EQUAL(dir_entries(dir), 1);
	/* a failing writer leaves the previous report in place and no temp file */
	CU_ASSERT_EQUAL(rpt_compare_write_file(path, fail_fn, &c, &m), -EIO);
	data = tu_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT(memcmp(data, "# gatelab compare", 17) == 0);
	free(data);
	CU_ASSERT_EQUAL(dir_entries(dir), 1);
	CU_ASSERT_EQUAL(rpt_compare_write_file(missing, rpt_compare_junit, &c, &m), -ENOENT);
	CU_ASSERT_EQUAL(dir_entries(dir), 1);
	rpt_compare_free(&c);
	unlink(path);
	rmdir(dir);
}

TU_MAIN("compare_output", TU_CASE(test_verdict_mix), TU_CASE(test_table_fits_100_columns),
	TU_CASE(test_value_formatting), TU_CASE(test_change_column), TU_CASE(test_junit),
	TU_CASE(test_markdown), TU_CASE(test_write_file_whole_or_nothing))
