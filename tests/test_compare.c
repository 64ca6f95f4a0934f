/* test_compare.c - `gatelab compare`'s judgement: the crafted pairs in
 * tests/data/compare, tolerances at their edges, strict loading with line and
 * column, schema checks, and paths that stay unambiguous. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../reports/compare.h"
#include "tu.h"

#define DATA "tests/data/compare/"

static const struct rpt_compare_opts default_opts = {.tolerance = 0.10, .count_tolerance = -1};

static const struct rpt_entry *find(const struct rpt_compare *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->e[i].path, path) == 0)
			return &c->e[i];
	return NULL;
}

/* Compares two files of tests/data/compare; returns rpt_compare_docs' code. */
static int compare_files(const char *b, const char *c, const struct rpt_compare_opts *o,
			 struct rpt_compare *out, char *err, size_t errlen)
{
	json_t *jb = NULL, *jc = NULL;
	int rc;

	rc = rpt_compare_load(b, &jb, err, errlen);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	rc = rpt_compare_load(c, &jc, err, errlen);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	rc = rpt_compare_docs(jb, jc, o, out, err, errlen);
	json_decref(jb);
	json_decref(jc);
	return rc;
}

/* Compares two JSON texts. */
static int compare_text(const char *b, const char *c, const struct rpt_compare_opts *o,
			struct rpt_compare *out)
{
	json_t *jb = json_loads(b, 0, NULL), *jc = json_loads(c, 0, NULL);
	char err[256];
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(jb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(jc);
	rc = rpt_compare_docs(jb, jc, o, out, err, sizeof(err));
	json_decref(jb);
	json_decref(jc);
	return rc;
}

static void test_identical_any_key_order(void)
{
	struct rpt_compare c;
	char err[256];

	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_same.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.schema, "gatelab.metrics/1");
	CU_ASSERT(c.n > 30);
	CU_ASSERT_EQUAL(c.by_verdict[RPT_SAME], c.n);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
	/* entries come in sorted path order, whatever the files' order */
	for (size_t i = 1; i < c.n; i++)
		CU_ASSERT(strcmp(c.e[i - 1].path, c.e[i].path) < 0);
	rpt_compare_free(&c);
}

static void test_count_changed(void)
{
	struct rpt_compare c;
	struct rpt_compare_opts o = default_opts;
	const struct rpt_entry *e;
	char err[256];

	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_count.json", &o, &c,
				      err, sizeof(err)), 0);
	e = find(&c, "modes.proxy.bytes_copied");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->kind, RPT_KIND_COUNT);
	CU_ASSERT_EQUAL(e->verdict, RPT_REGRESSED);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 1);
	rpt_compare_free(&c);

	/* a count tolerance of 1% lets one byte in a megabyte through... */
	o.count_tolerance = 0.01;
	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_count.json", &o, &c,
				      err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(find(&c, "modes.proxy.bytes_copied")->verdict, RPT_WITHIN);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
	rpt_compare_free(&c);
	/* ...and works both ways: a count is not better for being smaller */
	CU_ASSERT_EQUAL(compare_text("{\"n\": 100}", "{\"n\": 98}", &o, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_REGRESSED);
	rpt_compare_free(&c);
	CU_ASSERT_EQUAL(compare_text("{\"n\": 100}", "{\"n\": 101}", &o, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_WITHIN);
	rpt_compare_free(&c);
}

static void test_big_integers_exact(void)
{
	struct rpt_compare c;

	/* 2^53 and 2^53+1 are the same double: counts must compare as integers */
	CU_ASSERT_EQUAL(compare_text("{\"n\": 9007199254740992}", "{\"n\": 9007199254740993}",
				     &default_opts, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_REGRESSED);
	rpt_compare_free(&c);
	/* an integer and an equal real are the same number */
	CU_ASSERT_EQUAL(compare_text("{\"n\": 3}", "{\"n\": 3.0}", &default_opts, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_SAME);
	rpt_compare_free(&c);
}

static void test_timing_tolerance_both_ways(void)
{
	struct rpt_compare c;
	char err[256];
	const struct rpt_entry *e;

	CU_ASSERT_EQUAL(compare_files(DATA "bench_base.json", DATA "bench_within.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
	CU_ASSERT_EQUAL(find(&c, "wall_clock.tools[0].median_s")->verdict, RPT_WITHIN);
	CU_ASSERT_EQUAL(find(&c, "wall_clock.tools[0].median_pps")->verdict, RPT_WITHIN);
	/* another machine: its description changes, which is reported, not failed */
	CU_ASSERT_EQUAL(find(&c, "wall_clock.host")->verdict, RPT_CHANGED);
	CU_ASSERT_EQUAL(find(&c, "deterministic.packets")->verdict, RPT_SAME);
	rpt_compare_free(&c);

	CU_ASSERT_EQUAL(compare_files(DATA "bench_base.json", DATA "bench_slower.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	e = find(&c, "wall_clock.tools[0].median_s");
	CU_ASSERT_EQUAL(e->verdict, RPT_REGRESSED);
	CU_ASSERT_EQUAL(e->dir, RPT_DIR_LOWER);
	CU_ASSERT_DOUBLE_EQUAL(e->change, 0.25, 1e-9);
	e = find(&c, "wall_clock.tools[0].median_pps");
	CU_ASSERT_EQUAL(e->verdict, RPT_REGRESSED);
	CU_ASSERT_EQUAL(e->dir, RPT_DIR_HIGHER);
	CU_ASSERT_EQUAL(find(&c, "wall_clock.tools[0].wall_s[4]")->verdict, RPT_REGRESSED);
	rpt_compare_free(&c);

	/* faster is never a regression, but it is reported */
	CU_ASSERT_EQUAL(compare_files(DATA "bench_base.json", DATA "bench_faster.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
	CU_ASSERT_EQUAL(find(&c, "wall_clock.tools[0].median_s")->verdict, RPT_IMPROVED);
	CU_ASSERT_EQUAL(find(&c, "wall_clock.tools[0].median_pps")->verdict, RPT_IMPROVED);
	CU_ASSERT_EQUAL(c.by_verdict[RPT_IMPROVED], 10);
	rpt_compare_free(&c);

	/* the 25% slower run passes a 30% tolerance */
	{
		struct rpt_compare_opts o = {.tolerance = 0.30, .count_tolerance = -1};

		CU_ASSERT_EQUAL(compare_files(DATA "bench_base.json", DATA "bench_slower.json", &o,
					      &c, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
		CU_ASSERT_EQUAL(c.by_verdict[RPT_WITHIN], 10);
		rpt_compare_free(&c);
	}
}

static void test_tolerance_edges(void)
{
	struct rpt_compare c;

	/* exactly at the tolerance passes; just beyond fails */
	CU_ASSERT_EQUAL(compare_text("{\"timing\": {\"run_s\": 1.0}}",
				     "{\"timing\": {\"run_s\": 1.1}}", &default_opts, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, fabs(1.1 - 1.0) <= 0.10 ? RPT_WITHIN : RPT_REGRESSED);
	rpt_compare_free(&c);
	CU_ASSERT_EQUAL(compare_text("{\"timing\": {\"run_s\": 1.0}}",
				     "{\"timing\": {\"run_s\": 1.1001}}", &default_opts, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_REGRESSED);
	rpt_compare_free(&c);
	/* from zero: any duration is infinitely worse, any rate infinitely better */
	CU_ASSERT_EQUAL(compare_text("{\"timing\": {\"run_s\": 0, \"x_pps\": 0}}",
				     "{\"timing\": {\"run_s\": 0.5, \"x_pps\": 7}}", &default_opts,
				     &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_REGRESSED);
	CU_ASSERT(isinf(c.e[0].change) && c.e[0].change > 0);
	CU_ASSERT_EQUAL(c.e[1].verdict, RPT_IMPROVED);
	rpt_compare_free(&c);
	/* a timing whose name gives no direction changes without failing */
	CU_ASSERT_EQUAL(compare_text("{\"timing\": {\"runs\": 5}}", "{\"timing\": {\"runs\": 9}}",
				     &default_opts, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_CHANGED);
	rpt_compare_free(&c);
}

static void test_engine_json(void)
{
	struct rpt_compare c;
	char err[256];

	CU_ASSERT_EQUAL(compare_files(DATA "engine_base.json", DATA "engine_slower.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(c.schema);
	CU_ASSERT_EQUAL(find(&c, "established[0].pps_median")->verdict, RPT_REGRESSED);
	CU_ASSERT_EQUAL(find(&c, "new_sessions[0].new_sessions_per_s")->verdict, RPT_IMPROVED);
	CU_ASSERT_EQUAL(find(&c, "established[0].mappings")->verdict, RPT_SAME);
	rpt_compare_free(&c);
	/* callgrind counts are exact: 1.4% more instructions is a regression */
	CU_ASSERT_EQUAL(compare_files(DATA "engine_base.json", DATA "engine_instructions.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(find(&c, "instructions_per_packet.batch")->kind, RPT_KIND_COUNT);
	CU_ASSERT_EQUAL(find(&c, "instructions_per_packet.batch")->verdict, RPT_REGRESSED);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 1);
	rpt_compare_free(&c);
}

static void test_missing_new_bool_retyped(void)
{
	struct rpt_compare c;
	const struct rpt_entry *e;
	char err[256];

	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_missing.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	e = find(&c, "modes.fastpath.api_calls");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->verdict, RPT_MISSING);
	CU_ASSERT_PTR_NULL(e->cur);
	CU_ASSERT_EQUAL(json_integer_value(e->base), 6);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 1);
	rpt_compare_free(&c);

	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_new.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	e = find(&c, "modes.fastpath.redirects_opened");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->verdict, RPT_NEW);
	CU_ASSERT_PTR_NULL(e->base);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
	rpt_compare_free(&c);

	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_bool.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	e = find(&c, "reproduced");
	CU_ASSERT_EQUAL(e->kind, RPT_KIND_VALUE);
	CU_ASSERT_EQUAL(e->verdict, RPT_REGRESSED);
	rpt_compare_free(&c);

	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_retyped.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(find(&c, "modes.nat.transfers_ok")->verdict, RPT_RETYPED);
	rpt_compare_free(&c);

	/* the host is the wall clock: another machine and 5% slower pass */
	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_host_within.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rpt_compare_failures(&c), 0);
	CU_ASSERT_EQUAL(find(&c, "host.wall_s")->verdict, RPT_WITHIN);
	CU_ASSERT_EQUAL(find(&c, "host.uname")->verdict, RPT_CHANGED);
	rpt_compare_free(&c);
	CU_ASSERT_EQUAL(compare_files(DATA "metrics_base.json", DATA "metrics_host_slower.json",
				      &default_opts, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(find(&c, "host.wall_s")->verdict, RPT_REGRESSED);
	rpt_compare_free(&c);
}

static void test_subtrees_and_arrays(void)
{
	struct rpt_compare c;

	CU_ASSERT_EQUAL(compare_text("{\"a\": {\"x\": 1, \"y\": 2}, \"l\": [1, 2, 3]}",
				     "{\"b\": {\"z\": 1}, \"l\": [1, 2], \"m\": [4]}",
				     &default_opts, &c), 0);
	/* a whole missing object is one entry, so is a new one */
	CU_ASSERT_EQUAL(find(&c, "a")->verdict, RPT_MISSING);
	CU_ASSERT_EQUAL(find(&c, "b")->verdict, RPT_NEW);
	CU_ASSERT_EQUAL(find(&c, "l[2]")->verdict, RPT_MISSING);
	CU_ASSERT_EQUAL(find(&c, "l[1]")->verdict, RPT_SAME);
	CU_ASSERT_EQUAL(find(&c, "m")->verdict, RPT_NEW);
	CU_ASSERT_EQUAL(c.n, 6);
	rpt_compare_free(&c);
	/* an object turned into a number is a type change */
	CU_ASSERT_EQUAL(compare_text("{\"a\": {\"x\": 1}}", "{\"a\": 1}", &default_opts, &c), 0);
	CU_ASSERT_EQUAL(c.e[0].verdict, RPT_RETYPED);
	rpt_compare_free(&c);
	/* a root that is an array, one more element in current */
	CU_ASSERT_EQUAL(compare_text("[1]", "[1, 2]", &default_opts, &c), 0);
	CU_ASSERT_EQUAL(find(&c, "[1]")->verdict, RPT_NEW);
	rpt_compare_free(&c);
}

static void test_odd_keys_escaped(void)
{
	struct rpt_compare c;

	CU_ASSERT_EQUAL(compare_text("{\"a.b\": 1, \"q\\\"\\n\": {\"\": 2}}",
				     "{\"a.b\": 1, \"q\\\"\\n\": {\"\": 2}}", &default_opts, &c), 0);
	/* "a.b" is not a.b: the path must tell them apart, and carry no raw newline */
	CU_ASSERT_PTR_NOT_NULL(find(&c, "[\"a.b\"]"));
	CU_ASSERT_PTR_NOT_NULL(find(&c, "[\"q\\\"\\x0a\"][\"\"]"));
	rpt_compare_free(&c);
	CU_ASSERT_EQUAL(compare_text("{\"\xc2\x9b" "1m\": 1}", "{\"\xc2\x9b" "1m\": 1}",
				     &default_opts, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.e[0].path, "[\"\\u009b1m\"]");
	rpt_compare_free(&c);
}

static void test_schema_checks(void)
{
	json_t *b = NULL, *c = NULL;
	struct rpt_compare r;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(rpt_compare_load(DATA "metrics_base.json", &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rpt_compare_load(DATA "metrics_v2.json", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rpt_compare_docs(b, c, &default_opts, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "baseline is gatelab.metrics/1, current is gatelab.metrics/2: "
				    "compare files of the same schema version");
	rpt_compare_free(&r);
	json_decref(c);
	CU_ASSERT_EQUAL_FATAL(rpt_compare_load(DATA "metrics_noschema.json", &c, err, sizeof(err)),
			      0);
	CU_ASSERT_EQUAL(rpt_compare_docs(b, c, &default_opts, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "baseline has schema gatelab.metrics/1 but current has none"));
	rpt_compare_free(&r);
	CU_ASSERT_EQUAL(rpt_compare_docs(c, b, &default_opts, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "current has schema gatelab.metrics/1 but baseline has none"));
	rpt_compare_free(&r);
	json_decref(c);
	c = json_pack("{s:i}", "schema", 1);
	CU_ASSERT_EQUAL(rpt_compare_docs(b, c, &default_opts, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a string"));
	rpt_compare_free(&r);
	json_decref(c);
	json_decref(b);
}

static void test_load_errors(void)
{
	json_t *d = (json_t *)1;
	char err[256];

	CU_ASSERT_EQUAL(rpt_compare_load(DATA "no-such-file.json", &d, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-file.json: cannot read"));
	CU_ASSERT_EQUAL(rpt_compare_load(DATA, &d, err, sizeof(err)), -EIO);
	CU_ASSERT_PTR_NULL(d);

	CU_ASSERT_EQUAL(rpt_compare_load(DATA "malformed_truncated.json", &d, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "malformed_truncated.json: line 25, column 5: "));
	CU_ASSERT_EQUAL(rpt_compare_load(DATA "malformed_trailing.json", &d, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 50, column 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "end of file expected"));
	CU_ASSERT_EQUAL(rpt_compare_load(DATA "malformed_empty.json", &d, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 1"));
}

/* A random document of counts: keys from a set with no timing words. */
static json_t *random_doc(uint64_t *st, int depth)
{
	static const char *const keys[] = {"a", "b", "packets", "x.y", "q\"", "modes", "n_1"};
	uint64_t r = tu_rand(st) % 8;
	json_t *v;

	if (depth >= 4 || r < 3) {
		switch (tu_rand(st) % 4) {
		case 0:
			return json_integer((json_int_t)(tu_rand(st) % 1000));
		case 1:
			return json_real((double)(tu_rand(st) % 1000) / 8);
		case 2:
			return json_string(keys[tu_rand(st) % 7]);
		default:
			return json_boolean(tu_rand(st) & 1);
		}
	}
	if (r < 6) {
		v = json_object();
		for (uint64_t i = 0, n = 1 + tu_rand(st) % 4; i < n; i++)
			json_object_set_new(v, keys[tu_rand(st) % 7], random_doc(st, depth + 1));
	} else {
		v = json_array();
		for (uint64_t i = 0, n = 1 + tu_rand(st) % 4; i < n; i++)
			json_array_append_new(v, random_doc(st, depth + 1));
	}
	return v;
}

static size_t count_leaves(const json_t *v)
{
	const char *k;
	json_t *c;
	size_t n = 0;

	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			n += count_leaves(json_array_get(v, i));
		return n;
	}
	if (!json_is_object(v))
		return 1;
	json_object_foreach((json_t *)v, k, c)
		n += count_leaves(c);
	return n;
}

/* Walks to a random leaf of V (an object or array) and returns its container
 * and where it is; NULL when V has no leaf. */
static json_t *random_leaf(json_t *v, uint64_t *st, const char **key, size_t *index)
{
	for (;;) {
		size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
		size_t pick;
		json_t *child;

		if (n == 0)
			return NULL;
		pick = (size_t)(tu_rand(st) % n);
		if (json_is_object(v)) {
			void *it = json_object_iter(v);

			for (size_t i = 0; i < pick; i++)
				it = json_object_iter_next(v, it);
			*key = json_object_iter_key(it);
			child = json_object_iter_value(it);
		} else {
			*key = NULL;
			*index = pick;
			child = json_array_get(v, pick);
		}
		if (!json_is_object(child) && !json_is_array(child))
			return v;
		v = child;
	}
}

static void test_random_documents(void)
{
	uint64_t st = 0x9e3779b97f4a7c15ULL;

	for (int round = 0; round < 300; round++) {
		json_t *d = json_object(), *m, *parent;
		struct rpt_compare c;
		const char *key = NULL;
		size_t index = 0;
		char err[256];

		json_object_set_new(d, "root", random_doc(&st, 0));
		/* the same document: every leaf reported, all the same */
		CU_ASSERT_EQUAL_FATAL(rpt_compare_docs(d, d, &default_opts, &c, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(c.n, count_leaves(d));
		CU_ASSERT_EQUAL(c.by_verdict[RPT_SAME], c.n);
		rpt_compare_free(&c);
		/* one leaf changed to a value no generator makes: exactly one failure */
		m = json_deep_copy(d);
		parent = random_leaf(m, &st, &key, &index);
		if (parent) {
			if (key)
				json_object_set_new(parent, key, json_integer(-1));
			else
				json_array_set_new(parent, index, json_integer(-1));
			CU_ASSERT_EQUAL(rpt_compare_docs(d, m, &default_opts, &c, err, sizeof(err)), 0);
			CU_ASSERT_EQUAL(rpt_compare_failures(&c), 1);
			CU_ASSERT_EQUAL(c.by_verdict[RPT_SAME] + 1, c.n);
			rpt_compare_free(&c);
			/* and the other way round: a failure too, never a crash */
			CU_ASSERT_EQUAL(rpt_compare_docs(m, d, &default_opts, &c, err, sizeof(err)), 0);
			CU_ASSERT_EQUAL(rpt_compare_failures(&c), 1);
			rpt_compare_free(&c);
		}
		json_decref(m);
		json_decref(d);
	}
}

TU_MAIN("compare", TU_CASE(test_identical_any_key_order), TU_CASE(test_count_changed),
	TU_CASE(test_big_integers_exact), TU_CASE(test_timing_tolerance_both_ways),
	TU_CASE(test_tolerance_edges), TU_CASE(test_engine_json),
	TU_CASE(test_missing_new_bool_retyped), TU_CASE(test_subtrees_and_arrays),
	TU_CASE(test_odd_keys_escaped), TU_CASE(test_schema_checks), TU_CASE(test_load_errors),
	TU_CASE(test_random_documents))
