/* scen_yaml.c - the checked walk over a libyaml document: kinds, key tables,
 * scalar conversions, and error messages that point at the offending node
 * (libyaml marks are 0-based; messages are 1-based like editors). */
#include "scen_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int scen_err(struct scen_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	size_t line = n ? n->start_mark.line + 1 : 1;
	size_t col = n ? n->start_mark.column + 1 : 1;
	int k;
	va_list ap;

	if (!c->err || c->errlen == 0)
		return -EINVAL;
	k = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->name, line, col);
	if (k >= 0 && (size_t)k < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

yaml_node_t *scen_node(struct scen_ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static const char *scen_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

int scen_map(struct scen_ctx *c, yaml_node_t *n, const char *what, const struct scen_key *keys,
	     void *obj)
{
	uint64_t seen = 0;
	size_t nk = 0;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return scen_err(c, n, "%s must be a mapping, not %s", what, scen_kind(n));
	while (keys[nk].name)
		nk++;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = scen_node(c, p->key), *v = scen_node(c, p->value);
		const char *ks;
		size_t i;

		if (!k || !v)
			return scen_err(c, n, "%s: broken document", what);
		if (k->type != YAML_SCALAR_NODE)
			return scen_err(c, k, "%s: keys must be scalars", what);
		ks = (const char *)k->data.scalar.value;
		for (i = 0; i < nk; i++)
			if (strlen(keys[i].name) == k->data.scalar.length &&
			    memcmp(keys[i].name, ks, k->data.scalar.length) == 0)
				break;
		if (i == nk)
			return scen_err(c, k, "unknown key '%.*s' in %s",
					(int)(k->data.scalar.length > 64 ? 64 : k->data.scalar.length),
					ks, what);
		if (seen & (1ULL << i))
			return scen_err(c, k, "key '%s' given twice in %s", keys[i].name, what);
		seen |= 1ULL << i;
		rc = keys[i].fn(c, v, obj);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < nk; i++)
		if (keys[i].required && !(seen & (1ULL << i)))
			return scen_err(c, n, "%s lacks the required key '%s'", what, keys[i].name);
	return 0;
}

int scen_seq(struct scen_ctx *c, yaml_node_t *n, const char *what,
	     int (*fn)(struct scen_ctx *c, yaml_node_t *item, void *obj), void *obj)
{
	int rc;

	if (n->type != YAML_SEQUENCE_NODE)
		return scen_err(c, n, "%s must be a list, not %s", what, scen_kind(n));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = scen_node(c, *it);

		if (!v)
			return scen_err(c, n, "%s: broken document", what);
		rc = fn(c, v, obj);
		if (rc)
			return rc;
	}
	return 0;
}

int scen_str(struct scen_ctx *c, yaml_node_t *n, const char *what, char *out, size_t cap)
{
	size_t len;

	if (n->type != YAML_SCALAR_NODE)
		return scen_err(c, n, "%s must be a scalar, not %s", what, scen_kind(n));
	len = n->data.scalar.length;
	if (len >= cap)
		return scen_err(c, n, "%s is too long (at most %zu characters)", what, cap - 1);
	if (memchr(n->data.scalar.value, '\0', len))
		return scen_err(c, n, "%s contains a NUL character", what);
	memcpy(out, n->data.scalar.value, len);
	out[len] = '\0';
	return 0;
}

/* A conversion through a scalar copied into a bounded buffer. */
#define SCEN_CONV(c, n, what, buf)                                                  \
	do {                                                                        \
		int rc_ = scen_str((c), (n), (what), (buf), sizeof(buf));          \
		if (rc_)                                                            \
			return rc_;                                                 \
	} while (0)

int scen_u64(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t max, uint64_t *out)
{
	char buf[32];
	uint64_t v = 0;

	SCEN_CONV(c, n, what, buf);
	if (!buf[0])
		return scen_err(c, n, "%s must be an integer", what);
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return scen_err(c, n, "%s must be an integer, not '%s'", what, buf);
		if (v > (UINT64_MAX - 9) / 10)
			return scen_err(c, n, "%s is too large", what);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return scen_err(c, n, "%s must be at most %llu", what, (unsigned long long)max);
	*out = v;
	return 0;
}

int scen_bool(struct scen_ctx *c, yaml_node_t *n, const char *what, bool *out)
{
	char buf[8];

	SCEN_CONV(c, n, what, buf);
	if (strcmp(buf, "true") == 0 || strcmp(buf, "yes") == 0)
		*out = true;
	else if (strcmp(buf, "false") == 0 || strcmp(buf, "no") == 0)
		*out = false;
	else
		return scen_err(c, n, "%s must be true or false, not '%s'", what, buf);
	return 0;
}

int scen_size(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t *out)
{
	char buf[32];

	SCEN_CONV(c, n, what, buf);
	if (scen_parse_size(buf, out))
		return scen_err(c, n, "%s: '%s' is not a size (100MB, 1KiB, 512)", what, buf);
	return 0;
}

int scen_rate(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t *out)
{
	char buf[32];

	SCEN_CONV(c, n, what, buf);
	if (scen_parse_rate(buf, out))
		return scen_err(c, n, "%s: '%s' is not a rate (1Gbps, 100Mbps, 64kbps)", what,
				buf);
	return 0;
}

int scen_time(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t *out)
{
	char buf[32];

	SCEN_CONV(c, n, what, buf);
	if (scen_parse_time(buf, out))
		return scen_err(c, n, "%s: '%s' is not a time (10ms, 5us, 2s)", what, buf);
	return 0;
}

int scen_prob(struct scen_ctx *c, yaml_node_t *n, const char *what, double *out)
{
	char buf[32];

	SCEN_CONV(c, n, what, buf);
	if (scen_parse_prob(buf, out))
		return scen_err(c, n, "%s: '%s' is not a probability (0.01 or 1%%)", what, buf);
	return 0;
}

int scen_addr(struct scen_ctx *c, yaml_node_t *n, const char *what, struct net_addr *out)
{
	char buf[64];

	SCEN_CONV(c, n, what, buf);
	if (net_addr_parse(buf, out))
		return scen_err(c, n, "%s: '%s' is not an IPv4 or IPv6 address", what, buf);
	return 0;
}
