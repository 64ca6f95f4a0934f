/* scen_parse.c - the scenario file's top level: loading the YAML document,
 * the top-level keys, links and gateway, and the checks that span sections
 * (sessions name clients and servers defined anywhere in the file). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scen_yaml.h"

/* ---- links ---------------------------------------------------------------- */

static int scen_link_bw(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_rate(c, v, "bandwidth", &((struct scen_link *)o)->bw_bps);
}

static int scen_link_delay(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_time(c, v, "delay", &((struct scen_link *)o)->delay_ns);
}

static int scen_link_mtu(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	uint64_t x;
	int rc = scen_u64(c, v, "mtu", 9216, &x);

	if (rc)
		return rc;
	if (x < 1280)
		return scen_err(c, v, "mtu must be between 1280 and 9216");
	((struct scen_link *)o)->mtu = (uint32_t)x;
	return 0;
}

static int scen_link_queue(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	uint64_t x;
	int rc = scen_u64(c, v, "queue", UINT32_MAX, &x);

	if (rc == 0)
		((struct scen_link *)o)->queue_pkts = (uint32_t)x;
	return rc;
}

static int scen_link_qbytes(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_size(c, v, "queue_bytes", &((struct scen_link *)o)->queue_bytes);
}

static int scen_link_loss(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_prob(c, v, "loss", &((struct scen_link *)o)->loss);
}

static int scen_link_reorder(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_prob(c, v, "reorder", &((struct scen_link *)o)->reorder);
}

static int scen_link_rdelay(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_time(c, v, "reorder_delay", &((struct scen_link *)o)->reorder_delay_ns);
}

static const struct scen_key scen_link_keys[] = {
	{"bandwidth", scen_link_bw, false},   {"delay", scen_link_delay, false},
	{"mtu", scen_link_mtu, false},        {"queue", scen_link_queue, false},
	{"queue_bytes", scen_link_qbytes, false}, {"loss", scen_link_loss, false},
	{"reorder", scen_link_reorder, false}, {"reorder_delay", scen_link_rdelay, false},
	{NULL, NULL, false},
};

static int scen_links_inside(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_map(c, v, "links.inside", scen_link_keys, &c->sc->inside);
}

static int scen_links_outside(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_map(c, v, "links.outside", scen_link_keys, &c->sc->outside);
}

int scen_parse_links(struct scen_ctx *c, yaml_node_t *n, void *obj)
{
	static const struct scen_key keys[] = {
		{"inside", scen_links_inside, false},
		{"outside", scen_links_outside, false},
		{NULL, NULL, false},
	};
	return scen_map(c, n, "links", keys, obj);
}

/* ---- gateway -------------------------------------------------------------- */

static int scen_gw_addr(struct scen_ctx *c, yaml_node_t *v, const char *what, uint8_t family,
			struct net_addr *out)
{
	int rc = scen_addr(c, v, what, out);

	if (rc == 0 && out->family != family)
		return scen_err(c, v, "%s must be an IPv%u address", what, family);
	return rc;
}

static int scen_gw_pub4(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_gw_addr(c, v, "gateway.public4", NET_AF_INET4, &c->sc->gw.public4);
}

static int scen_gw_pub6(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_gw_addr(c, v, "gateway.public6", NET_AF_INET6, &c->sc->gw.public6);
}

static int scen_gw_in4(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_gw_addr(c, v, "gateway.inside4", NET_AF_INET4, &c->sc->gw.inside4);
}

static int scen_gw_in6(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_gw_addr(c, v, "gateway.inside6", NET_AF_INET6, &c->sc->gw.inside6);
}

/* Table sizes a scenario of thousands of sessions must raise. */
static int scen_gw_limit(struct scen_ctx *c, yaml_node_t *v, const char *what, uint64_t min,
			 uint64_t max, uint32_t *out)
{
	uint64_t x;
	int rc = scen_u64(c, v, what, max, &x);

	if (rc)
		return rc;
	if (x < min)
		return scen_err(c, v, "%s must be %llu..%llu", what, (unsigned long long)min,
				(unsigned long long)max);
	*out = (uint32_t)x;
	return 0;
}

static int scen_gw_maps(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_gw_limit(c, v, "gateway.max_mappings", 16, 4000000, &c->sc->gw.max_mappings);
}

static int scen_gw_ports(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_gw_limit(c, v, "gateway.proxy_ports", 1, 32768, &c->sc->gw.proxy_ports);
}

/* "LO-HI": the range the gateway's own sockets take local ports from. */
static int scen_gw_local(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	char buf[32], *dash, *end;
	unsigned long lo, hi;
	int rc = scen_str(c, v, "gateway.local_ports", buf, sizeof(buf));

	(void)o;
	if (rc)
		return rc;
	dash = strchr(buf, '-');
	if (!dash || dash == buf || buf[0] < '0' || buf[0] > '9' || dash[1] < '0' || dash[1] > '9')
		goto bad;
	*dash = '\0';
	lo = strtoul(buf, &end, 10);
	if (*end)
		goto bad;
	hi = strtoul(dash + 1, &end, 10);
	if (*end || lo < 1024 || hi > 65535 || lo > hi)
		goto bad;
	c->sc->gw.local_port_min = (uint16_t)lo;
	c->sc->gw.local_port_max = (uint16_t)hi;
	return 0;
bad:
	return scen_err(c, v, "gateway.local_ports must be LO-HI within 1024-65535");
}

int scen_parse_gateway(struct scen_ctx *c, yaml_node_t *n, void *obj)
{
	static const struct scen_key keys[] = {
		{"public4", scen_gw_pub4, false}, {"public6", scen_gw_pub6, false},
		{"inside4", scen_gw_in4, false},  {"inside6", scen_gw_in6, false},
		{"max_mappings", scen_gw_maps, false}, {"proxy_ports", scen_gw_ports, false},
		{"local_ports", scen_gw_local, false},
		{NULL, NULL, false},
	};
	return scen_map(c, n, "gateway", keys, obj);
}

/* ---- top level ------------------------------------------------------------ */

static int scen_top_name(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_str(c, v, "name", c->sc->name, sizeof(c->sc->name));
}

static int scen_top_seed(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_u64(c, v, "seed", UINT64_MAX, &c->sc->seed);
}

static int scen_top_cost(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_str(c, v, "cost_profile", c->sc->cost_profile, sizeof(c->sc->cost_profile));
}

static int scen_top_mode(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	char buf[16];
	enum scen_mode m;
	int rc = scen_str(c, v, "mode", buf, sizeof(buf));

	(void)o;
	if (rc)
		return rc;
	if (scen_mode_parse(buf, &m))
		return scen_err(c, v, "unknown mode '%s' (direct, nat, proxy, fastpath)", buf);
	if (c->sc->modes[m])
		return scen_err(c, v, "mode '%s' listed twice", buf);
	c->sc->modes[m] = true;
	return 0;
}

static int scen_top_modes(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	int rc;

	memset(c->sc->modes, 0, sizeof(c->sc->modes));
	rc = scen_seq(c, v, "modes", scen_top_mode, o);
	if (rc == 0 && v->data.sequence.items.top == v->data.sequence.items.start)
		return scen_err(c, v, "modes must name at least one mode");
	return rc;
}

/* Sessions name clients and servers: they are parsed after the rest. */
static int scen_top_sessions(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	*(yaml_node_t **)o = v;
	(void)c;
	return 0;
}

static int scen_top_gw_done(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)c;
	(void)v;
	(void)o;
	return 0;
}

/* The gateway's addresses first, wherever the key is: host addresses are
 * checked against them. */
static int scen_top_gateway(struct scen_ctx *c, yaml_node_t *root)
{
	if (root->type != YAML_MAPPING_NODE)
		return 0; /* scen_map reports it */
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = scen_node(c, p->key), *v = scen_node(c, p->value);

		if (k && v && k->type == YAML_SCALAR_NODE && k->data.scalar.length == 7 &&
		    memcmp(k->data.scalar.value, "gateway", 7) == 0)
			return scen_parse_gateway(c, v, NULL);
	}
	return 0;
}

static int scen_top(struct scen_ctx *c, yaml_node_t *root)
{
	yaml_node_t *sessions = NULL;
	const struct scen_key keys[] = {
		{"name", scen_top_name, false},
		{"seed", scen_top_seed, false},
		{"modes", scen_top_modes, false},
		{"cost_profile", scen_top_cost, false},
		{"links", scen_parse_links, false},
		{"gateway", scen_top_gw_done, false},
		{"clients", scen_parse_clients, true},
		{"servers", scen_parse_servers, true},
		{"policy", scen_parse_policy, false},
		{"sessions", scen_top_sessions, true},
		{NULL, NULL, false},
	};
	int rc;

	rc = scen_top_gateway(c, root);
	if (rc)
		return rc;
	/* Every handler but sessions' writes through c->sc; obj is sessions'. */
	rc = scen_map(c, root, "the scenario", keys, &sessions);
	if (rc)
		return rc;
	return scen_parse_sessions(c, sessions, NULL);
}

static int scen_yaml_error(struct scen_ctx *c, const yaml_parser_t *p)
{
	snprintf(c->err, c->errlen, "%s:%zu:%zu: YAML: %s%s%s", c->name,
		 p->problem_mark.line + 1, p->problem_mark.column + 1,
		 p->problem ? p->problem : "syntax error", p->context ? " " : "",
		 p->context ? p->context : "");
	return p->error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
}

int scen_parse_buf(const char *name, const uint8_t *buf, size_t len, struct scen *sc, char *err,
		   size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct scen_ctx c = {name, &doc, err, errlen, sc};
	bool have_doc = false;
	yaml_node_t *root;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	scen_defaults(sc);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = scen_yaml_error(&c, &parser);
		goto out;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		rc = scen_err(&c, NULL, "empty scenario");
		goto out;
	}
	rc = scen_top(&c, root);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int scen_parse_file(const char *path, struct scen *sc, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			if (cap >= (1u << 24)) {
				snprintf(err, errlen, "%s: larger than 16 MiB", path);
				rc = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = scen_parse_buf(path, buf, len, sc, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}
