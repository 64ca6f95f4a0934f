/* test_compare_classify.c - the count/timing rule of `gatelab compare`, per
 * schema, and the direction a key name gives a timing (docs/COMPARE.md). */
#include <stddef.h>

#include "../reports/compare.h"
#include "tu.h"

#define KEYS(...) ((const char *const[]){__VA_ARGS__})
#define NKEYS(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define CLASSIFY(schema, ...) rpt_compare_classify(schema, KEYS(__VA_ARGS__), NKEYS(__VA_ARGS__))

static void test_key_direction(void)
{
	CU_ASSERT_EQUAL(rpt_compare_key_dir("pps_median"), RPT_DIR_HIGHER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("batch_pps_min"), RPT_DIR_HIGHER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("median_pps"), RPT_DIR_HIGHER);
	/* ends in _s, but a rate: the rate rule wins */
	CU_ASSERT_EQUAL(rpt_compare_key_dir("new_sessions_per_s"), RPT_DIR_HIGHER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("throughput_bps"), RPT_DIR_HIGHER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("median_s"), RPT_DIR_LOWER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("wall_s"), RPT_DIR_LOWER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("rtt_ns"), RPT_DIR_LOWER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("gateway_cpu_s"), RPT_DIR_LOWER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("setup_time"), RPT_DIR_LOWER);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("runs"), RPT_DIR_NONE);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("host"), RPT_DIR_NONE);
	/* words, not substrings: "apps" is not pps, "status" does not end in _s */
	CU_ASSERT_EQUAL(rpt_compare_key_dir("apps"), RPT_DIR_NONE);
	CU_ASSERT_EQUAL(rpt_compare_key_dir("status"), RPT_DIR_NONE);
}

static void test_metrics_schema(void)
{
	const char *s = "gatelab.metrics/1";
	struct rpt_class c;

	/* simulated figures are exact, whatever their names say */
	c = CLASSIFY(s, "modes", "proxy", "throughput_bps");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(s, "modes", "proxy", "gateway_cpu_s");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(s, "modes", "nat", "transitions");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(s, "host", "wall_s");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_LOWER);
	c = CLASSIFY(s, "host", "events_per_s");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_HIGHER);
	/* measured figures a live mode puts under "timing" */
	c = CLASSIFY(s, "modes", "live", "timing", "median");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_LOWER);
}

static void test_bench_schema(void)
{
	const char *s = "gatelab.bench.translate/1";
	struct rpt_class c;

	c = CLASSIFY(s, "deterministic", "packets");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	/* even a rate-like name is a count inside "deterministic" */
	c = CLASSIFY(s, "deterministic", "gatelab_result", "packets", "in");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(s, "wall_clock", "tools", "median_s");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_LOWER);
	c = CLASSIFY(s, "wall_clock", "tools", "median_pps");
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_HIGHER);
	c = CLASSIFY(s, "wall_clock", "pps_ratio_gatelab_over_tcprewrite");
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_HIGHER);
	c = CLASSIFY(s, "wall_clock", "tools", "runs");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_NONE);
	c = CLASSIFY(s, "commands", "gatelab");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
}

static void test_generic_engine_json(void)
{
	struct rpt_class c;

	c = CLASSIFY(NULL, "established", "pps_min");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_HIGHER);
	c = CLASSIFY(NULL, "established", "batch_pps_median");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	c = CLASSIFY(NULL, "new_sessions", "new_sessions_per_s");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_HIGHER);
	c = CLASSIFY(NULL, "established", "mappings");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(NULL, "established", "repeats");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(NULL, "established", "packets_per_repeat");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(NULL, "packet_bytes");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	/* callgrind: deterministic, even under a timing-looking parent */
	c = CLASSIFY(NULL, "instructions_per_packet", "batch");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(NULL, "timing", "instructions");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(NULL, "host", "instructions");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	/* wall-clock naming of leaves */
	c = CLASSIFY(NULL, "setup_wall_ns");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_LOWER);
	c = CLASSIFY(NULL, "run_seconds_wall");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	c = CLASSIFY(NULL, "wall", "total");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	/* a duration name outside a timing place is not wall clock in a generic file */
	c = CLASSIFY("gatelab.translate/1", "packets", "in");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
	c = CLASSIFY(NULL, "cpu_s");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
}

static void test_bare_statistics(void)
{
	struct rpt_class c;

	/* a bare statistic takes its direction from its parent's name... */
	c = CLASSIFY(NULL, "timing", "translate_pps", "median");
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_HIGHER);
	c = CLASSIFY(NULL, "timing", "setup_s", "max");
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_LOWER);
	/* ...or is a duration under a timing object */
	c = CLASSIFY(NULL, "timing", "translate", "min");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_LOWER);
	/* but not under "host", which also holds non-durations */
	c = CLASSIFY(NULL, "host", "load", "max");
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_TIMING);
	CU_ASSERT_EQUAL(c.dir, RPT_DIR_NONE);
	/* at the root, a leaf classifies with no keys at all */
	c = rpt_compare_classify(NULL, NULL, 0);
	CU_ASSERT_EQUAL(c.kind, RPT_KIND_COUNT);
}

TU_MAIN("compare_classify", TU_CASE(test_key_direction), TU_CASE(test_metrics_schema),
	TU_CASE(test_bench_schema), TU_CASE(test_generic_engine_json),
	TU_CASE(test_bare_statistics))
