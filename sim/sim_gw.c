/* sim_gw.c - the gateway node's lifetime: the host with its inside and
 * outside interfaces, addresses and routes, the gNAT as its kernel, the NAT
 * API for its user space, and the metrics snapshot. The packet path is
 * sim_gw_cpu.c, the user-space side sim_gw_user.c. */
#include "sim_gw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_gw_internal.h"

void sim_gw_config_default(struct sim_gw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->translate = true;
	gnat_config_default(&c->nat);
	sim_cost_default(&c->cost);
}

static int add_addr(struct sim_gw *gw, int ifc, const struct net_addr *a)
{
	char buf[64];

	if (!net_addr_is_set(a))
		return 0;
	if (net_addr_format(a, buf, sizeof(buf)) < 0)
		return -EINVAL;
	return sim_host_add_addr(&gw->host, ifc, buf);
}

/* Inside prefixes go in, everything else goes out. */
static int add_routes(struct sim_gw *gw)
{
	char buf[80];
	int rc;

	for (size_t i = 0; i < gw->cfg.nat.n_inside; i++) {
		if (net_prefix_format(&gw->cfg.nat.inside[i], buf, sizeof(buf)) < 0)
			return -EINVAL;
		if ((rc = sim_host_add_route(&gw->host, buf, SIM_GW_IFC_INSIDE)) < 0)
			return rc;
	}
	return sim_host_add_route(&gw->host, "default", SIM_GW_IFC_OUTSIDE);
}

/* The inside-facing addresses are the gateway's too: packets to them are
 * delivered up, as to the public ones. */
static int add_local(struct gnat_config *nat, const struct net_addr *a)
{
	if (!net_addr_is_set(a))
		return 0;
	if (nat->n_local >= GNAT_MAX_LOCAL)
		return -ENOSPC;
	nat->local[nat->n_local++] = *a;
	return 0;
}

#define SIM_GW_HASH_SEED 0x6a09e667f3bcc908ULL

static int make_kernel(struct sim_gw *gw)
{
	struct gnat_config nat = gw->cfg.nat;
	int rc;

	if ((rc = add_local(&nat, &gw->cfg.inside4)) < 0 ||
	    (rc = add_local(&nat, &gw->cfg.inside6)) < 0)
		return rc;
	/* the simulator fixes the seed (the engine's former default): a run
	 * is a function of the scenario and its own seed alone */
	if (nat.hash_seed == 0)
		nat.hash_seed = SIM_GW_HASH_SEED;
	if ((rc = gnat_create(&nat, &gw->gnat)) < 0)
		return rc;
	return sim_gw_api_open(gw);
}

int sim_gw_init(struct sim_gw *gw, struct sim_world *w, const char *name,
		const struct sim_gw_config *cfg)
{
	int rc;

	if (!gw || !w || !cfg || cfg->nat.n_inside > GNAT_MAX_INSIDE ||
	    cfg->nat.n_local > GNAT_MAX_LOCAL)
		return -EINVAL;
	memset(gw, 0, sizeof(*gw));
	gw->w = w;
	gw->cfg = *cfg;
	gw->xctl.gw = gw;
	gw->xdata.gw = gw;
	gw->xdata.data = true;
	if ((rc = sim_host_init(&gw->host, w, name ? name : "gw")) < 0)
		return rc; /* the host cleaned up after itself */
	if ((rc = sim_gw_ports_init(gw)) < 0)
		goto out;
	if (!(gw->trace_copy = malloc(SIM_PKT_CAP))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = sim_host_add_iface(&gw->host)) < 0 || (rc = sim_host_add_iface(&gw->host)) < 0)
		goto out;
	if ((rc = add_addr(gw, SIM_GW_IFC_OUTSIDE, &cfg->nat.public4)) < 0 ||
	    (rc = add_addr(gw, SIM_GW_IFC_OUTSIDE, &cfg->nat.public6)) < 0 ||
	    (rc = add_addr(gw, SIM_GW_IFC_INSIDE, &cfg->inside4)) < 0 ||
	    (rc = add_addr(gw, SIM_GW_IFC_INSIDE, &cfg->inside6)) < 0)
		goto out;
	if ((rc = add_routes(gw)) < 0)
		goto out;
	if (cfg->translate && (rc = make_kernel(gw)) < 0)
		goto out;
	gw->host.ingress.fn = sim_gw_ingress;
	gw->host.ingress.ctx = gw;
	gw->host.egress.fn = sim_gw_egress;
	gw->host.egress.ctx = gw;
	rc = 0;
out:
	if (rc < 0)
		sim_gw_free(gw);
	return rc;
}

void sim_gw_free(struct sim_gw *gw)
{
	if (!gw || !gw->w)
		return;
	/* Sockets first: their teardown may still write packets (the egress
	 * hook must not queue them any more). */
	gw->host.egress.fn = NULL;
	gw->host.ingress.fn = NULL;
	sim_host_free(&gw->host);
	sim_gw_cpu_flush(gw);
	if (gw->api)
		natapi_close(gw->api);
	gw->api = NULL;
	gnat_destroy(gw->gnat);
	gw->gnat = NULL;
	sim_gw_ports_free(gw);
	free(gw->trace_copy);
	gw->trace_copy = NULL;
	gw->w = NULL;
}

struct natapi *sim_gw_natapi(struct sim_gw *gw)
{
	return gw->api;
}

struct gnat *sim_gw_gnat(struct sim_gw *gw)
{
	return gw->gnat;
}

struct sim_host *sim_gw_host(struct sim_gw *gw)
{
	return &gw->host;
}

void sim_gw_metrics_get(const struct sim_gw *gw, struct sim_gw_metrics *m)
{
	*m = gw->m;
	if (gw->gnat) {
		struct gnat_counters c;

		gnat_counters_get(gw->gnat, &c);
		memcpy(m->drops, c.drops, sizeof(m->drops));
	}
	if (gw->api) {
		struct natapi_stats s;

		natapi_stats_get(gw->api, &s);
		m->api_calls = s.calls;
		m->api_errors = s.errors;
	}
	m->cpu_busy_until_ns = gw->busy_until;
	for (int i = 0; i < gw->host.n_ifc; i++) {
		const struct sim_link *l = gw->host.ifc[i].link;

		for (int d = 0; l && d < 2; d++) {
			const struct sim_link_stats *ls = sim_link_stats(l, d);

			m->link_drop_loss += ls->drop_loss;
			m->link_drop_queue += ls->drop_queue;
			m->link_drop_mtu += ls->drop_mtu;
		}
	}
	m->drops_total = m->drop_cpu_overload + m->drop_no_route + m->drop_link;
	for (int i = 0; i < GNAT_DROP__COUNT; i++)
		m->drops_total += m->drops[i];
}

void sim_gw_set_trace(struct sim_gw *gw,
		      void (*fn)(void *ctx, const struct sim_gw_trace_info *ti), void *ctx)
{
	gw->trace_fn = fn;
	gw->trace_ctx = ctx;
}

void sim_gw_set_api_trace(struct sim_gw *gw,
			  void (*fn)(void *ctx, const struct sim_gw_api_info *ai), void *ctx)
{
	gw->api_trace_fn = fn;
	gw->api_trace_ctx = ctx;
}
