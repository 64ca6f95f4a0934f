/* compare_walk.c - walks baseline and current in parallel (object keys in
 * sorted order, arrays by index) and records one judged entry per leaf, per
 * missing subtree and per new subtree. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

struct walk {
	const struct rpt_compare_opts *o;
	struct rpt_compare *out;
	const char **keys; /* object keys from the root, for the classifier */
	size_t nk, kcap;
	char *path;
	size_t plen, pcap;
};

static int path_reserve(struct walk *w, size_t more)
{
	char *p;
	size_t cap = w->pcap ? w->pcap : 64;

	if (w->plen + more + 1 <= w->pcap)
		return 0;
	while (cap < w->plen + more + 1)
		cap *= 2;
	p = realloc(w->path, cap);
	if (!p)
		return -ENOMEM;
	w->path = p;
	w->pcap = cap;
	return 0;
}

static bool key_is_plain(const char *k)
{
	if (!*k)
		return false;
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* Appends .key, or ["key"] with escapes when the key is not a plain word:
 * paths reach terminals and reports, and key bytes come from the file. */
static int path_push_key(struct walk *w, const char *k)
{
	size_t n = strlen(k);

	if (path_reserve(w, 4 * n + 5) != 0) /* at most 4 out per byte in */
		return -ENOMEM;
	if (key_is_plain(k)) {
		if (w->plen > 0)
			w->path[w->plen++] = '.';
		memcpy(w->path + w->plen, k, n);
		w->plen += n;
	} else {
		w->path[w->plen++] = '[';
		w->path[w->plen++] = '"';
		for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
			if (*p < 0x20 || *p == 0x7f) {
				w->plen += (size_t)snprintf(w->path + w->plen, 5, "\\x%02x", *p);
			} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				/* C1 controls: some terminals obey them as escapes */
				w->plen += (size_t)snprintf(w->path + w->plen, 7, "\\u%04x", p[1]);
				p++;
			} else {
				if (*p == '"' || *p == '\\')
					w->path[w->plen++] = '\\';
				w->path[w->plen++] = (char)*p;
			}
		}
		w->path[w->plen++] = '"';
		w->path[w->plen++] = ']';
	}
	w->path[w->plen] = '\0';
	return 0;
}

static int path_push_index(struct walk *w, size_t i)
{
	if (path_reserve(w, 24) != 0)
		return -ENOMEM;
	w->plen += (size_t)snprintf(w->path + w->plen, 24, "[%zu]", i);
	return 0;
}

static int keys_push(struct walk *w, const char *k)
{
	if (w->nk == w->kcap) {
		size_t cap = w->kcap ? 2 * w->kcap : 16;
		const char **p = realloc(w->keys, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->keys = p;
		w->kcap = cap;
	}
	w->keys[w->nk++] = k;
	return 0;
}

static int add_entry(struct walk *w, const json_t *b, const json_t *c, enum rpt_verdict v,
		     double change)
{
	struct rpt_compare *o = w->out;
	struct rpt_class cls = rpt_compare_classify(o->schema, w->keys, w->nk);
	const json_t *any = b ? b : c;
	struct rpt_entry *e;

	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		struct rpt_entry *p = realloc(o->e, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		o->e = p;
		o->cap = cap;
	}
	e = &o->e[o->n];
	e->path = strdup(w->plen ? w->path : "(root)");
	if (!e->path)
		return -ENOMEM;
	o->n++;
	/* Non-numbers in a timing place stay TIMING: their changes only inform. */
	e->kind = cls.kind == RPT_KIND_COUNT && !json_is_number(any) ? RPT_KIND_VALUE : cls.kind;
	e->dir = cls.dir;
	e->verdict = v;
	e->base = b ? json_incref((json_t *)b) : NULL;
	e->cur = c ? json_incref((json_t *)c) : NULL;
	e->change = change;
	o->by_verdict[v]++;
	return 0;
}

static enum rpt_verdict judge_numbers(const struct walk *w, const json_t *b, const json_t *c,
				      double *change)
{
	struct rpt_class cls = rpt_compare_classify(w->out->schema, w->keys, w->nk);
	double bv = json_number_value(b), cv = json_number_value(c), d;
	double tol = w->o->tolerance;
	bool equal;

	/* Integers compared as integers: doubles lose exactness above 2^53. */
	if (json_is_integer(b) && json_is_integer(c))
		equal = json_integer_value(b) == json_integer_value(c);
	else
		equal = bv == cv;
	if (equal) {
		*change = 0;
		return RPT_SAME;
	}
	d = bv != 0 ? (cv - bv) / fabs(bv) : (cv > 0 ? INFINITY : -INFINITY);
	*change = d;
	if (cls.kind == RPT_KIND_COUNT) {
		if (w->o->count_tolerance >= 0 && fabs(d) <= w->o->count_tolerance)
			return RPT_WITHIN;
		return RPT_REGRESSED;
	}
	switch (cls.dir) {
	case RPT_DIR_HIGHER:
		return d < -tol ? RPT_REGRESSED : d > tol ? RPT_IMPROVED : RPT_WITHIN;
	case RPT_DIR_LOWER:
		return d > tol ? RPT_REGRESSED : d < -tol ? RPT_IMPROVED : RPT_WITHIN;
	case RPT_DIR_NONE:
		break;
	}
	return RPT_CHANGED;
}

static int walk_leaf(struct walk *w, const json_t *b, const json_t *c)
{
	struct rpt_class cls;
	enum rpt_verdict v;
	double change = 0;

	if (json_is_number(b) && json_is_number(c)) {
		/* Judge first: arguments are evaluated in no set order. */
		v = judge_numbers(w, b, c, &change);
		return add_entry(w, b, c, v, change);
	}
	if (json_equal((json_t *)b, (json_t *)c))
		return add_entry(w, b, c, RPT_SAME, 0);
	cls = rpt_compare_classify(w->out->schema, w->keys, w->nk);
	if (cls.kind == RPT_KIND_TIMING)
		return add_entry(w, b, c, RPT_CHANGED, 0);
	/* Strings with strings, booleans with booleans: a changed value; else the
	 * type itself changed. */
	if ((json_is_string(b) && json_is_string(c)) || (json_is_boolean(b) && json_is_boolean(c)))
		return add_entry(w, b, c, RPT_REGRESSED, 0);
	return add_entry(w, b, c, RPT_RETYPED, 0);
}

static int walk(struct walk *w, const json_t *b, const json_t *c);

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted keys of an object, so reports do not depend on file order. */
static int sorted_keys(const json_t *obj, const char ***out, size_t *n)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	*out = malloc((*n ? *n : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_object_foreach((json_t *)obj, k, v) {
		(void)v;
		(*out)[i++] = k;
	}
	qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

/* One child: K is an object key (or NULL with index I); B or C may be NULL. */
static int walk_child(struct walk *w, const char *k, size_t i, const json_t *b, const json_t *c)
{
	size_t plen = w->plen, nk = w->nk;
	int rc;

	rc = k ? path_push_key(w, k) : path_push_index(w, i);
	if (rc == 0 && k)
		rc = keys_push(w, k);
	if (rc == 0) {
		if (!c)
			rc = add_entry(w, b, NULL, RPT_MISSING, 0);
		else if (!b)
			rc = add_entry(w, NULL, c, RPT_NEW, 0);
		else
			rc = walk(w, b, c);
	}
	w->plen = plen;
	w->nk = nk;
	if (w->path)
		w->path[plen] = '\0';
	return rc;
}

static int walk_objects(struct walk *w, const json_t *b, const json_t *c)
{
	const char **kb = NULL, **kc = NULL;
	size_t nb = 0, nc = 0;
	int rc;

	rc = sorted_keys(b, &kb, &nb);
	if (rc == 0)
		rc = sorted_keys(c, &kc, &nc);
	for (size_t i = 0; rc == 0 && i < nb; i++)
		rc = walk_child(w, kb[i], 0, json_object_get(b, kb[i]),
				json_object_get(c, kb[i]));
	for (size_t i = 0; rc == 0 && i < nc; i++)
		if (!json_object_get(b, kc[i]))
			rc = walk_child(w, kc[i], 0, NULL, json_object_get(c, kc[i]));
	free(kb);
	free(kc);
	return rc;
}

static int walk_arrays(struct walk *w, const json_t *b, const json_t *c)
{
	size_t nb = json_array_size(b), nc = json_array_size(c);
	int rc = 0;

	for (size_t i = 0; rc == 0 && (i < nb || i < nc); i++)
		rc = walk_child(w, NULL, i, i < nb ? json_array_get(b, i) : NULL,
				i < nc ? json_array_get(c, i) : NULL);
	return rc;
}

static int walk(struct walk *w, const json_t *b, const json_t *c)
{
	if (json_is_object(b) && json_is_object(c))
		return walk_objects(w, b, c);
	if (json_is_array(b) && json_is_array(c))
		return walk_arrays(w, b, c);
	if (json_is_object(b) || json_is_array(b) || json_is_object(c) || json_is_array(c))
		return add_entry(w, b, c, RPT_RETYPED, 0);
	return walk_leaf(w, b, c);
}

static const char *schema_of(const json_t *doc)
{
	return json_string_value(json_object_get(doc, "schema"));
}

/* Two files of different schemas have different meanings for the same path:
 * refuse rather than report nonsense. */
static int check_schemas(const json_t *base, const json_t *cur, char *err, size_t errlen)
{
	const json_t *bs = json_object_get(base, "schema"), *cs = json_object_get(cur, "schema");
	const char *b = json_string_value(bs), *c = json_string_value(cs);

	if ((bs && !b) || (cs && !c)) {
		snprintf(err, errlen, "the %s's \"schema\" is not a string", bs && !b ? "baseline" : "current");
		return -EINVAL;
	}
	if (b && c && strcmp(b, c) != 0) {
		snprintf(err, errlen,
			 "baseline is %s, current is %s: compare files of the same schema version",
			 b, c);
		return -EINVAL;
	}
	if (!b != !c) {
		snprintf(err, errlen,
			 "%s has schema %s but %s has none: compare files of the same schema version",
			 b ? "baseline" : "current", b ? b : c, b ? "current" : "baseline");
		return -EINVAL;
	}
	return 0;
}

int rpt_compare_docs(const json_t *base, const json_t *cur, const struct rpt_compare_opts *o,
		     struct rpt_compare *out, char *err, size_t errlen)
{
	struct walk w = {.o = o, .out = out};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_schemas(base, cur, err, errlen);
	if (rc)
		goto out;
	if (schema_of(base)) {
		out->schema = strdup(schema_of(base));
		if (!out->schema) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = walk(&w, base, cur);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
out:
	free(w.keys);
	free(w.path);
	return rc;
}

void rpt_compare_free(struct rpt_compare *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].path);
		json_decref(c->e[i].base);
		json_decref(c->e[i].cur);
	}
	free(c->e);
	free(c->schema);
	memset(c, 0, sizeof(*c));
}

size_t rpt_compare_failures(const struct rpt_compare *c)
{
	size_t n = 0;

	for (int v = 0; v < RPT_VERDICT_COUNT; v++)
		if (rpt_verdict_fails((enum rpt_verdict)v))
			n += c->by_verdict[v];
	return n;
}
