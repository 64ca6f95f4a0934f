/* scen_yaml.h - private to scen/: a walker over a libyaml document that
 * checks node kinds, converts scalars and reports "file:line:col: ..." at the
 * node that is wrong; mappings are walked against a table of known keys. */
#ifndef GATELAB_SCEN_YAML_H
#define GATELAB_SCEN_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "scen.h"

struct scen_ctx {
	const char *name;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	struct scen *sc;
};

/* A known key of a mapping: its handler gets the value node and obj. */
struct scen_key {
	const char *name;
	int (*fn)(struct scen_ctx *c, yaml_node_t *val, void *obj);
	bool required;
};

/* Writes "name:line:col: message" for node n (or line 1 col 1) and returns -EINVAL. */
int scen_err(struct scen_ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
yaml_node_t *scen_node(struct scen_ctx *c, int idx);

/* Walks mapping n against keys (at most 64): unknown, duplicate and missing
 * required keys are errors; `what` names the mapping in messages. */
int scen_map(struct scen_ctx *c, yaml_node_t *n, const char *what, const struct scen_key *keys,
	     void *obj);
/* Calls fn for each item of sequence n, stopping at the first error. */
int scen_seq(struct scen_ctx *c, yaml_node_t *n, const char *what,
	     int (*fn)(struct scen_ctx *c, yaml_node_t *item, void *obj), void *obj);

/* Scalar conversions: each checks the kind and the syntax. */
int scen_str(struct scen_ctx *c, yaml_node_t *n, const char *what, char *out, size_t cap);
int scen_u64(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t max, uint64_t *out);
int scen_bool(struct scen_ctx *c, yaml_node_t *n, const char *what, bool *out);
int scen_size(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t *out);
int scen_rate(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t *out);
int scen_time(struct scen_ctx *c, yaml_node_t *n, const char *what, uint64_t *out);
int scen_prob(struct scen_ctx *c, yaml_node_t *n, const char *what, double *out);
int scen_addr(struct scen_ctx *c, yaml_node_t *n, const char *what, struct net_addr *out);

/* The section parsers (scen_parse_*.c). */
int scen_parse_links(struct scen_ctx *c, yaml_node_t *n, void *obj);
int scen_parse_gateway(struct scen_ctx *c, yaml_node_t *n, void *obj);
int scen_parse_clients(struct scen_ctx *c, yaml_node_t *n, void *obj);
int scen_parse_servers(struct scen_ctx *c, yaml_node_t *n, void *obj);
int scen_parse_policy(struct scen_ctx *c, yaml_node_t *n, void *obj);
int scen_parse_sessions(struct scen_ctx *c, yaml_node_t *n, void *obj);

#endif
