/* compare.h - `gatelab compare`'s core: two metrics JSON documents walked in
 * parallel, every leaf classified (deterministic count or timing) and judged
 * against a baseline; text, JUnit and Markdown renderings of the verdicts. */
#ifndef GATELAB_RPT_COMPARE_H
#define GATELAB_RPT_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What a leaf is, by its path (docs/COMPARE.md states the rule). */
enum rpt_kind {
	RPT_KIND_COUNT,  /* deterministic number: must match (or --count-tolerance) */
	RPT_KIND_TIMING, /* measured: ratio against a tolerance; non-numbers informational */
	RPT_KIND_VALUE,  /* string, boolean or null in a deterministic place: exact */
};

/* Which way a timing gets worse. */
enum rpt_dir {
	RPT_DIR_NONE,   /* unknown: a change is reported, never a regression */
	RPT_DIR_HIGHER, /* throughput-like: pps, per_s, throughput, bps */
	RPT_DIR_LOWER,  /* duration-like: _s, _ns, time, cpu */
};

enum rpt_verdict {
	RPT_SAME,      /* equal */
	RPT_WITHIN,    /* changed within the tolerance */
	RPT_IMPROVED,  /* a timing better than the tolerance (faster): reported */
	RPT_CHANGED,   /* changed where no direction applies: reported */
	RPT_NEW,       /* only in current: reported */
	RPT_REGRESSED, /* failure */
	RPT_MISSING,   /* only in baseline: failure */
	RPT_RETYPED,   /* JSON type changed in a deterministic place: failure */
	RPT_VERDICT_COUNT
};

struct rpt_class {
	enum rpt_kind kind; /* COUNT or TIMING (the location's class) */
	enum rpt_dir dir;
};

struct rpt_entry {
	char *path;        /* a.b[2].c; odd keys as ["k"] with escapes */
	enum rpt_kind kind;
	enum rpt_dir dir;
	enum rpt_verdict verdict;
	json_t *base;      /* own reference; NULL when absent (NEW) */
	json_t *cur;       /* own reference; NULL when absent (MISSING) */
	double change;     /* numbers: (cur - base) / |base| (+-inf from 0); else 0 */
};

struct rpt_compare_opts {
	double tolerance;       /* timings, a fraction (0.10 = 10%) */
	double count_tolerance; /* counts, a fraction; negative = exact */
};

/* Every leaf of the union of both documents; per object, the baseline's keys
 * in sorted order, then the keys only current has, sorted. */
struct rpt_compare {
	char *schema;                  /* NULL when neither document has one */
	struct rpt_entry *e;
	size_t n, cap;
	size_t by_verdict[RPT_VERDICT_COUNT];
};

/* Loads PATH (whole document, no trailing data, no duplicate keys). On error
 * fills ERR with "PATH: line L, column C: what" (or the system error) and
 * returns -errno (-EINVAL for bad JSON). */
int rpt_compare_load(const char *path, json_t **doc, char *err, size_t errlen);

/* Compares CUR against BASE into OUT (zeroed first; free with
 * rpt_compare_free even on error). -EINVAL with ERR filled when the two are
 * not comparable (different or one-sided "schema"), -ENOMEM. */
int rpt_compare_docs(const json_t *base, const json_t *cur, const struct rpt_compare_opts *o,
		     struct rpt_compare *out, char *err, size_t errlen);
void rpt_compare_free(struct rpt_compare *c);

/* The location rule. SCHEMA may be NULL; KEYS are the object keys from the
 * root to the leaf (array indices left out: an element is judged by the key
 * of its array). */
struct rpt_class rpt_compare_classify(const char *schema, const char *const *keys, size_t n_keys);
/* Direction a single key name implies. */
enum rpt_dir rpt_compare_key_dir(const char *key);

bool rpt_verdict_fails(enum rpt_verdict v);
const char *rpt_verdict_name(enum rpt_verdict v);
const char *rpt_kind_name(enum rpt_kind k);
size_t rpt_compare_failures(const struct rpt_compare *c);

/* One value as text: numbers, quoted strings with control characters, quote
 * and backslash escaped, true/false/null, {N keys}/[N items]; NULL is "-". */
void rpt_compare_fmt_value(const json_t *v, char *buf, size_t len);
/* The change column: counts as a signed difference, timings as a ratio. */
void rpt_compare_fmt_change(const struct rpt_entry *e, char *buf, size_t len);

/* Renderings. The table fits 100 columns; ALL also lists unchanged leaves. */
int rpt_compare_table(FILE *f, const struct rpt_compare *c, bool all);
void rpt_compare_summary(FILE *f, const struct rpt_compare *c);

struct rpt_compare_meta {
	const char *baseline; /* file names, shown in the reports */
	const char *current;
	const struct rpt_compare_opts *opts;
};
int rpt_compare_junit(FILE *f, const struct rpt_compare *c, const struct rpt_compare_meta *m);
int rpt_compare_markdown(FILE *f, const struct rpt_compare *c, const struct rpt_compare_meta *m);

/* Writes PATH through FN into a temporary file beside it, renamed over PATH
 * only when everything was written. 0 or -errno. */
int rpt_compare_write_file(const char *path,
			   int (*fn)(FILE *f, const struct rpt_compare *c,
				     const struct rpt_compare_meta *m),
			   const struct rpt_compare *c, const struct rpt_compare_meta *m);

#endif
