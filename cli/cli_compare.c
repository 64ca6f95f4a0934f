/* cli_compare.c - `gatelab compare`: the regression gate for CI. Options to
 * rpt_compare_opts, the table on stdout, JUnit/Markdown files, and the exit
 * status a pipeline acts on (0 ok, 1 regression, 2 bad usage or bad input). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/compare.h"
#include "cli.h"

void cli_compare_usage(void)
{
	printf("usage: gatelab compare BASELINE.json CURRENT.json [options]\n"
	       "\n"
	       "Compares a metrics file (gatelab run/replay/translate --json, make bench's\n"
	       "build/bench/*.json) against a baseline. Deterministic counts must match exactly;\n"
	       "timings (wall clock: \"host\", \"timing\", \"wall_clock\" objects, *_pps, *_per_s,\n"
	       "...) may get worse by the tolerance; a faster run is reported, never a failure.\n"
	       "Strings and booleans must match; a field missing from CURRENT is a regression,\n"
	       "a new field is reported. docs/COMPARE.md has the exact rule.\n"
	       "\n"
	       "  --tolerance PCT        timings may be this much worse (default 10)\n"
	       "  --count-tolerance PCT  counts may differ by this much either way (default: exact)\n"
	       "  --junit FILE           also write JUnit XML (one testcase per leaf)\n"
	       "  --markdown FILE        also write a Markdown report\n"
	       "  --all                  list unchanged leaves in the table too\n"
	       "  -q, --quiet            no table or summary; regressions still go to stderr\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Exit status: 0 no regression, 1 regression, 2 bad usage or bad input (unreadable\n"
	       "file, malformed JSON, different schemas) or a report that cannot be written.\n");
}

/* "10", "10%" or "2.5" percent, as a fraction. */
static int parse_pct(const char *opt, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end != arg && *end == '%')
		end++;
	if (end == arg || *end || errno || !isfinite(v) || v < 0) {
		cli_error("compare: %s '%s' is not a percentage (10, 2.5%%)", opt, arg);
		return -EINVAL;
	}
	*out = v / 100;
	return 0;
}

/* Error text can quote file bytes (a schema value): keep them off the terminal. */
static void sanitize(char *str)
{
	unsigned char *s = (unsigned char *)str;

	for (; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			*s = '?';
		else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) /* C1 controls */
			s[0] = s[1] = '?';
	}
}

static void report_regressions(const struct rpt_compare *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct rpt_entry *e = &c->e[i];
		char b[64], cur[64], ch[32];

		if (!rpt_verdict_fails(e->verdict))
			continue;
		rpt_compare_fmt_value(e->base, b, sizeof(b));
		rpt_compare_fmt_value(e->cur, cur, sizeof(cur));
		rpt_compare_fmt_change(e, ch, sizeof(ch));
		cli_error("compare: %s %s: %s: baseline %s, current %s%s%s%s",
			  rpt_kind_name(e->kind), rpt_verdict_name(e->verdict), e->path, b, cur,
			  ch[0] ? " (" : "", ch, ch[0] ? ")" : "");
	}
}

static int write_report(const char *what, const char *path,
			int (*fn)(FILE *, const struct rpt_compare *,
				  const struct rpt_compare_meta *),
			const struct rpt_compare *c, const struct rpt_compare_meta *m)
{
	int rc = rpt_compare_write_file(path, fn, c, m);

	if (rc)
		cli_error("compare: %s: cannot write the %s: %s", path, what, strerror(-rc));
	return rc;
}

int cli_compare_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"tolerance", required_argument, NULL, 't'},
		{"count-tolerance", required_argument, NULL, 'c'},
		{"junit", required_argument, NULL, 'j'},
		{"markdown", required_argument, NULL, 'm'},
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rpt_compare_opts o = {.tolerance = 0.10, .count_tolerance = -1};
	struct rpt_compare res = {0};
	struct rpt_compare_meta meta;
	const char *junit = NULL, *markdown = NULL;
	json_t *base = NULL, *cur = NULL;
	bool quiet = false, all = false;
	char err[512];
	int opt, rc = CLI_EXIT_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_pct("--tolerance", optarg, &o.tolerance) != 0)
				goto out;
			break;
		case 'c':
			if (parse_pct("--count-tolerance", optarg, &o.count_tolerance) != 0)
				goto out;
			break;
		case 'j':
			junit = optarg;
			break;
		case 'm':
			markdown = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_compare_usage();
			rc = CLI_EXIT_OK;
			goto out;
		default:
			cli_error("compare: see 'gatelab compare --help'");
			goto out;
		}
	}
	if (argc - optind != 2) {
		cli_error("compare: need BASELINE.json and CURRENT.json (see 'gatelab compare --help')");
		goto out;
	}
	meta = (struct rpt_compare_meta){argv[optind], argv[optind + 1], &o};
	if (rpt_compare_load(meta.baseline, &base, err, sizeof(err)) != 0 ||
	    rpt_compare_load(meta.current, &cur, err, sizeof(err)) != 0) {
		cli_error("compare: %s", err);
		goto out;
	}
	if (rpt_compare_docs(base, cur, &o, &res, err, sizeof(err)) != 0) {
		sanitize(err);
		cli_error("compare: %s", err);
		goto out;
	}
	if ((junit && write_report("JUnit XML", junit, rpt_compare_junit, &res, &meta) != 0) ||
	    (markdown &&
	     write_report("Markdown report", markdown, rpt_compare_markdown, &res, &meta) != 0))
		goto out;
	if (!quiet) {
		printf("baseline: %s\ncurrent:  %s\nschema:   %s\n\n", meta.baseline, meta.current,
		       res.schema ? res.schema : "(none)");
		rpt_compare_table(stdout, &res, all);
		rpt_compare_summary(stdout, &res);
	} else {
		report_regressions(&res);
	}
	rc = rpt_compare_failures(&res) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
	rpt_compare_free(&res);
	json_decref(base);
	json_decref(cur);
	return rc;
}
