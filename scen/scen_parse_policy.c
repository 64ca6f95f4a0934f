/* scen_parse_policy.c - the scenario's proxy policy, mapped field by field
 * onto proxy/ftpp.h's struct ftpp_policy (site rules, read-only, redirect
 * map, session limits, per-transfer path choice). */
#include <string.h>

#include "scen_yaml.h"

static int scen_reply_code(struct scen_ctx *c, yaml_node_t *v, const char *what, int *out)
{
	uint64_t x;
	int rc = scen_u64(c, v, what, 599, &x);

	if (rc)
		return rc;
	if (x < 400)
		return scen_err(c, v, "%s must be a 4xx or 5xx reply code", what);
	*out = (int)x;
	return 0;
}

static int scen_allow_deny(struct scen_ctx *c, yaml_node_t *v, const char *what, bool *deny)
{
	char buf[8];
	int rc = scen_str(c, v, what, buf, sizeof(buf));

	if (rc)
		return rc;
	if (strcmp(buf, "allow") == 0)
		*deny = false;
	else if (strcmp(buf, "deny") == 0)
		*deny = true;
	else
		return scen_err(c, v, "%s must be allow or deny, not '%s'", what, buf);
	return 0;
}

/* ---- sites ---------------------------------------------------------------- */

static int scen_site_server(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct ftpp_site_rule *r = o;
	char buf[64];
	int rc = scen_str(c, v, "server", buf, sizeof(buf));

	if (rc)
		return rc;
	if (net_prefix_parse(buf, &r->server))
		return scen_err(c, v, "server: '%s' is not a prefix (198.51.100.0/24)", buf);
	return 0;
}

static int scen_site_action(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_allow_deny(c, v, "action", &((struct ftpp_site_rule *)o)->deny);
}

static int scen_site_code(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_reply_code(c, v, "code", &((struct ftpp_site_rule *)o)->code);
}

static int scen_site_msg(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct ftpp_site_rule *r = o;

	return scen_str(c, v, "message", r->message, sizeof(r->message));
}

static int scen_site1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	static const struct scen_key keys[] = {
		{"server", scen_site_server, true}, {"action", scen_site_action, true},
		{"code", scen_site_code, false},    {"message", scen_site_msg, false},
		{NULL, NULL, false},
	};
	struct ftpp_policy *p = o;
	int rc;

	if (p->n_sites == FTPP_MAX_SITES)
		return scen_err(c, v, "more than %d site rules", FTPP_MAX_SITES);
	rc = scen_map(c, v, "site rule", keys, &p->sites[p->n_sites]);
	if (rc == 0)
		p->n_sites++;
	return rc;
}

static int scen_pol_sites(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_seq(c, v, "sites", scen_site1, o);
}

/* ---- redirect map --------------------------------------------------------- */

static int scen_map_from(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_addr(c, v, "from", &((struct ftpp_server_map *)o)->from);
}

static int scen_map_to(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_addr(c, v, "to", &((struct ftpp_server_map *)o)->to);
}

static int scen_map_port(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	uint64_t x;
	int rc = scen_u64(c, v, "port", 65535, &x);

	if (rc == 0)
		((struct ftpp_server_map *)o)->to_port = (uint16_t)x;
	return rc;
}

static int scen_map1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	static const struct scen_key keys[] = {
		{"from", scen_map_from, true},
		{"to", scen_map_to, true},
		{"port", scen_map_port, false},
		{NULL, NULL, false},
	};
	struct ftpp_policy *p = o;
	struct ftpp_server_map *m;
	int rc;

	if (p->n_maps == FTPP_MAX_MAPS)
		return scen_err(c, v, "more than %d redirects", FTPP_MAX_MAPS);
	m = &p->maps[p->n_maps];
	rc = scen_map(c, v, "redirect", keys, m);
	if (rc)
		return rc;
	if (m->from.family != m->to.family)
		return scen_err(c, v, "redirect from and to must be of the same family");
	p->n_maps++;
	return 0;
}

static int scen_pol_redirect(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_seq(c, v, "redirect", scen_map1, o);
}

/* ---- scalars -------------------------------------------------------------- */

static int scen_pol_default(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_allow_deny(c, v, "default", &((struct ftpp_policy *)o)->default_deny);
}

static int scen_pol_deny_code(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_reply_code(c, v, "deny_code", &((struct ftpp_policy *)o)->default_deny_code);
}

static int scen_pol_deny_msg(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct ftpp_policy *p = o;

	return scen_str(c, v, "deny_message", p->default_deny_message,
			sizeof(p->default_deny_message));
}

static int scen_pol_ro(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_bool(c, v, "read_only", &((struct ftpp_policy *)o)->read_only);
}

static int scen_pol_ro_code(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_reply_code(c, v, "read_only_code", &((struct ftpp_policy *)o)->read_only_code);
}

static int scen_pol_u32(struct scen_ctx *c, yaml_node_t *v, const char *what, uint32_t *out)
{
	uint64_t x;
	int rc = scen_u64(c, v, what, UINT32_MAX, &x);

	if (rc == 0)
		*out = (uint32_t)x;
	return rc;
}

static int scen_pol_max(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_pol_u32(c, v, "max_sessions", &((struct ftpp_policy *)o)->max_sessions);
}

static int scen_pol_max_client(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_pol_u32(c, v, "max_per_client", &((struct ftpp_policy *)o)->max_per_client);
}

static int scen_path_rule(struct scen_ctx *c, yaml_node_t *v, const char *what,
			  enum ftpp_path_rule *out)
{
	char buf[16];
	int rc = scen_str(c, v, what, buf, sizeof(buf));

	if (rc)
		return rc;
	if (strcmp(buf, "default") == 0)
		*out = FTPP_PATH_DEFAULT;
	else if (strcmp(buf, "fast") == 0)
		*out = FTPP_PATH_FAST;
	else if (strcmp(buf, "proxy") == 0)
		*out = FTPP_PATH_PROXY;
	else
		return scen_err(c, v, "%s must be default, fast or proxy, not '%s'", what, buf);
	return 0;
}

static int scen_pol_path(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct ftpp_policy *p = o;
	enum ftpp_path_rule r;
	int rc = scen_path_rule(c, v, "path", &r);

	if (rc)
		return rc;
	if (r == FTPP_PATH_DEFAULT)
		return scen_err(c, v, "path must be fast or proxy");
	p->default_mode = r == FTPP_PATH_PROXY ? FTPP_MODE_PROXY : FTPP_MODE_FAST;
	return 0;
}

static int scen_pol_file_path(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_path_rule(c, v, "file_path", &((struct ftpp_policy *)o)->file_path);
}

static int scen_pol_list_path(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_path_rule(c, v, "listing_path", &((struct ftpp_policy *)o)->listing_path);
}

static int scen_pol_min(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_size(c, v, "fast_min_size", &((struct ftpp_policy *)o)->fast_min_size);
}

int scen_parse_policy(struct scen_ctx *c, yaml_node_t *n, void *obj)
{
	static const struct scen_key keys[] = {
		{"default", scen_pol_default, false},
		{"deny_code", scen_pol_deny_code, false},
		{"deny_message", scen_pol_deny_msg, false},
		{"sites", scen_pol_sites, false},
		{"read_only", scen_pol_ro, false},
		{"read_only_code", scen_pol_ro_code, false},
		{"redirect", scen_pol_redirect, false},
		{"max_sessions", scen_pol_max, false},
		{"max_per_client", scen_pol_max_client, false},
		{"path", scen_pol_path, false},
		{"file_path", scen_pol_file_path, false},
		{"listing_path", scen_pol_list_path, false},
		{"fast_min_size", scen_pol_min, false},
		{NULL, NULL, false},
	};
	(void)obj;
	return scen_map(c, n, "policy", keys, &c->sc->policy);
}
