/* ftpp.c - the proxy instance: validates the configuration, makes the TCP/21
 * port redirect and the data-port reservation at start and undoes both at
 * the end, and counts live sessions for the limits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftpp_int.h"

void ftpp_config_default(struct ftpp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_port = 8021;
	cfg->reserve_ports = 256;
	cfg->group_base = 0x10000;
	cfg->idle_timeout_ns = 900ULL * 1000000000ULL;
	cfg->data_timeout_ns = 60ULL * 1000000000ULL;
	cfg->policy.default_mode = FTPP_MODE_FAST;
	cfg->policy.default_deny_code = 421;
	cfg->policy.read_only_code = 550;
}

static const struct net_addr *ftpp_public(const struct ftpp_config *cfg, uint8_t family)
{
	const struct net_addr *a = family == NET_AF_INET6 ? &cfg->public6 : &cfg->public4;

	return net_addr_is_set(a) ? a : NULL;
}

static int ftpp_config_check(const struct ftpp_config *cfg)
{
	const struct ftpp_policy *p = &cfg->policy;

	if (!net_addr_is_set(&cfg->listen_addr) || cfg->listen_port == 0 ||
	    (net_addr_is_set(&cfg->listen_addr6) &&
	     cfg->listen_addr6.family == cfg->listen_addr.family) ||
	    cfg->reserve_ports == 0 || cfg->data_timeout_ns == 0 || cfg->idle_timeout_ns == 0)
		return -EINVAL;
	if (!ftpp_public(cfg, NET_AF_INET4) && !ftpp_public(cfg, NET_AF_INET6))
		return -EINVAL;
	if (p->n_sites > FTPP_MAX_SITES || p->n_maps > FTPP_MAX_MAPS)
		return -EINVAL;
	/* A data session cannot change family in the gNAT. */
	for (size_t i = 0; i < p->n_maps; i++) {
		if (p->maps[i].from.family != p->maps[i].to.family ||
		    !net_addr_is_set(&p->maps[i].to))
			return -EINVAL;
	}
	return 0;
}

/* TCP/21 of this family only (a prefix of length 0 of the family): a
 * listener of one family cannot take the other family's sessions. */
static int ftpp_intercept(struct ftpp *f, const struct net_addr *listen, uint32_t *id)
{
	struct natapi_port_redirect r;

	memset(&r, 0, sizeof(r));
	r.proto = 6;
	r.dport = 21;
	r.src = f->cfg.intercept_src;
	r.dst.addr.family = listen->family;
	r.new_dst = *listen;
	r.new_dport = f->cfg.listen_port;
	return natapi_redirect_port(f->api, &r, id);
}

int ftpp_create(const struct ftpp_config *cfg, struct natapi *api, struct ftpp **out)
{
	struct ftpp *f = NULL;
	int rc;

	if (!cfg || !api || !out)
		return -EINVAL;
	rc = ftpp_config_check(cfg);
	if (rc < 0)
		return rc;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->cfg = *cfg;
	f->api = api;
	rc = ftpp_intercept(f, &cfg->listen_addr, &f->rdr_id);
	if (rc < 0)
		goto out;
	if (net_addr_is_set(&cfg->listen_addr6)) {
		rc = ftpp_intercept(f, &cfg->listen_addr6, &f->rdr6_id);
		if (rc < 0)
			goto undo;
	}
	rc = natapi_reserve(api, 6, cfg->reserve_ports, &f->res_id);
	if (rc < 0)
		goto undo;
	*out = f;
	f = NULL;
	goto out;
undo:
	(void)natapi_cancel(api, f->rdr_id);
	if (f->rdr6_id)
		(void)natapi_cancel(api, f->rdr6_id);
out:
	free(f);
	return rc;
}

void ftpp_destroy(struct ftpp *f)
{
	if (!f)
		return;
	while (f->sessions)
		ftpp_session_free(f->sessions);
	(void)natapi_cancel(f->api, f->rdr_id);
	if (f->rdr6_id)
		(void)natapi_cancel(f->api, f->rdr6_id);
	(void)natapi_unreserve(f->api, f->res_id);
	ftpp_clients_free(&f->clients);
	free(f);
}

uint32_t ftpp_active_sessions(const struct ftpp *f)
{
	return f ? f->n_live : 0;
}
