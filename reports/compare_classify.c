/* compare_classify.c - the rule that says, from a leaf's path alone, whether
 * a figure is a deterministic count or a wall-clock timing and which way a
 * timing gets worse (docs/COMPARE.md is the prose of the same rule). */
#include <string.h>

#include "compare.h"

/* Object keys that put everything below them on the wall clock. */
static const char *const timing_parents[] = {"timing", "timings", "host", "wall", "wall_clock"};
/* Parents whose figures default to durations when their own names say nothing. */
static const char *const duration_parents[] = {"timing", "timings", "wall", "wall_clock"};
/* Bare statistics: they inherit their meaning from the key above them. */
static const char *const stat_names[] = {"min", "max", "median", "mean", "avg", "stddev",
					 "p50", "p90", "p95", "p99"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof((list)[0]))

/* Is W one of the '_'-separated words of KEY? */
static bool has_word(const char *key, const char *w)
{
	size_t wl = strlen(w);

	for (const char *p = key; *p;) {
		const char *end = strchr(p, '_');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == wl && memcmp(p, w, wl) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool last_word_is(const char *key, const char *w)
{
	const char *u = strrchr(key, '_');

	return strcmp(u ? u + 1 : key, w) == 0;
}

enum rpt_dir rpt_compare_key_dir(const char *key)
{
	static const char *const higher[] = {"pps", "bps", "throughput", "speedup"};
	static const char *const lower_units[] = {"s", "ns", "us", "ms", "sec", "seconds"};
	static const char *const lower_words[] = {"time", "cpu", "latency", "duration",
						  "elapsed", "wall"};

	/* Rates first: "new_sessions_per_s" ends in _s but is per second. */
	for (size_t i = 0; i < sizeof(higher) / sizeof(higher[0]); i++)
		if (has_word(key, higher[i]))
			return RPT_DIR_HIGHER;
	if (ends_with(key, "per_s") || ends_with(key, "per_sec") || ends_with(key, "per_second"))
		return RPT_DIR_HIGHER;
	for (size_t i = 0; i < sizeof(lower_units) / sizeof(lower_units[0]); i++)
		if (last_word_is(key, lower_units[i]))
			return RPT_DIR_LOWER;
	for (size_t i = 0; i < sizeof(lower_words) / sizeof(lower_words[0]); i++)
		if (has_word(key, lower_words[i]))
			return RPT_DIR_LOWER;
	return RPT_DIR_NONE;
}

/* Wall-clock naming of a leaf key, for documents without a known schema. */
static bool key_is_timing(const char *key)
{
	return has_word(key, "pps") || has_word(key, "wall") || ends_with(key, "per_s") ||
	       ends_with(key, "per_sec") || ends_with(key, "_wall_s") ||
	       ends_with(key, "_wall_ns") || ends_with(key, "_seconds_wall");
}

/* The direction of a timing: the leaf's own name, else (for a bare statistic
 * such as "median") the nearest key above it that names a direction; a bare
 * statistic under a timing object is a duration. */
static enum rpt_dir timing_dir(const char *const *keys, size_t n)
{
	enum rpt_dir d;

	if (n == 0)
		return RPT_DIR_NONE;
	d = rpt_compare_key_dir(keys[n - 1]);
	if (d != RPT_DIR_NONE || !IN_LIST(keys[n - 1], stat_names))
		return d;
	for (size_t i = n - 1; i-- > 0;) {
		d = rpt_compare_key_dir(keys[i]);
		if (d != RPT_DIR_NONE)
			return d;
		if (IN_LIST(keys[i], duration_parents))
			return RPT_DIR_LOWER;
	}
	return RPT_DIR_NONE;
}

static bool any_key_in(const char *const *keys, size_t n, const char *const *list, size_t m)
{
	for (size_t i = 0; i < n; i++)
		if (in_list(keys[i], list, m))
			return true;
	return false;
}

static bool any_key_contains(const char *const *keys, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(keys[i], s))
			return true;
	return false;
}

enum schema_family { FAM_GENERIC, FAM_METRICS, FAM_BENCH };

static enum schema_family family(const char *schema)
{
	if (!schema)
		return FAM_GENERIC;
	if (strncmp(schema, "gatelab.metrics/", 16) == 0)
		return FAM_METRICS;
	if (strncmp(schema, "gatelab.bench.", 14) == 0)
		return FAM_BENCH;
	return FAM_GENERIC;
}

struct rpt_class rpt_compare_classify(const char *schema, const char *const *keys, size_t n)
{
	struct rpt_class c = {RPT_KIND_COUNT, RPT_DIR_NONE};
	size_t nt = sizeof(timing_parents) / sizeof(timing_parents[0]);
	bool timing = false;

	/* Callgrind instruction counts are exact whatever surrounds them; only a
	 * top-level "host" (the machine) outranks them. */
	if (any_key_contains(keys, n, "instructions") && !(n > 0 && strcmp(keys[0], "host") == 0))
		goto out;
	switch (family(schema)) {
	case FAM_METRICS:
		/* Simulated: every figure is a function of the scenario and seed. */
		timing = any_key_in(keys, n, timing_parents, nt);
		break;
	case FAM_BENCH:
		timing = !(n > 0 && strcmp(keys[0], "deterministic") == 0);
		break;
	case FAM_GENERIC:
		timing = any_key_in(keys, n, timing_parents, nt) ||
			 (n > 0 && key_is_timing(keys[n - 1]));
		break;
	}
	if (timing) {
		c.kind = RPT_KIND_TIMING;
		c.dir = timing_dir(keys, n);
	}
out:
	return c;
}
