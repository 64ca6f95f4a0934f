/* rep_reenact.c - one mode of a re-enactment: the scenario runner's network
 * with a scripted server per session in place of its own, every session's
 * client started, the mode's metrics and the sessions' verdicts collected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_reenact_int.h"

static void rep_run_done(void *ctx, struct sim_ftpc *c)
{
	struct rep_run_sess *r = ctx;

	(void)c;
	if (r->done)
		return;
	r->done = true;
	if (++*r->n_done == r->n_total)
		sim_sched_stop(r->sched);
}

static void rep_run_start(void *arg)
{
	struct rep_run_sess *r = arg;

	if (sim_ftpc_start(r->host, &r->cfg, rep_run_done, r, &r->c) < 0) {
		r->c = NULL;
		rep_run_done(r, NULL);
	}
}

/* Which path a transfer took (docs/METRICS.md): the kernel's without a proxy;
 * with one, "proxy" if the driver spliced a transfer for this client that
 * ended while the transfer ran, else "fast" (as the scenario runner says). */
static const char *rep_xfer_path(struct sim_run_net *net, enum scen_mode mode,
				 const struct net_addr *client, const struct sim_ftpc_xfer *x)
{
	const struct sim_pxd_splice *sp;
	size_t n = 0;

	if (mode == SCEN_MODE_DIRECT || mode == SCEN_MODE_NAT || !net->pxd)
		return "kernel";
	sp = sim_pxd_splices(net->pxd, &n);
	for (size_t i = 0; i < n; i++)
		if (net_addr_eq(&sp[i].client, client) && sp[i].t_done >= x->t_start &&
		    sp[i].t_done <= x->t_end)
			return "proxy";
	return "fast";
}

/* The contract counters of the gateway, the transfers the clients made. */
static void rep_metrics(struct sim_run_net *net, const struct scen *sc, enum scen_mode mode,
			const struct rep_run_sess *rs, struct rpt_mode_metrics *m)
{
	size_t n = sc->n_sessions;

	struct sim_gw_metrics gm;
	uint64_t bits = 0, ns = 0;

	sim_gw_metrics_get(&net->gw, &gm);
	m->transitions = gm.transitions;
	m->data_transitions = gm.data_transitions;
	m->bytes_copied = gm.bytes_copied;
	m->api_calls = gm.api_calls;
	m->fastpath_packets = gm.fastpath_packets;
	m->proxied_packets = gm.proxied_packets;
	m->gateway_cpu_s = (double)gm.gateway_cpu_ns / 1e9;
	m->events = net->w.sched.events_run;
	m->sim_time_s = (double)sim_world_now(&net->w) / 1e9;
	m->drops.gateway = gm.drops_total - gm.drop_link;
	for (size_t i = 0; i < n; i++) {
		const struct sim_ftpc_result *res = rs[i].c ? sim_ftpc_result(rs[i].c) : NULL;

		for (size_t k = 0; res && k < res->n_xfers; k++) {
			const struct sim_ftpc_xfer *x = &res->xfers[k];
			uint64_t d = x->t_end > x->t_start ? x->t_end - x->t_start : 0;
			bool ok = x->final_code >= 200 && x->final_code < 300 && !x->aborted;

			if (ok)
				m->transfers_ok++;
			else
				m->transfers_failed++;
			bits += 8 * x->bytes;
			ns += d;
			if (m->n_xfers == RPT_MAX_XFERS) {
				m->xfers_omitted++;
				continue;
			}
			struct rpt_xfer *rx = &m->xfers[m->n_xfers++];

			rx->session = (uint32_t)i;
			snprintf(rx->cmd, sizeof(rx->cmd), "%s", x->cmd);
			snprintf(rx->path, sizeof(rx->path), "%s",
				 rep_xfer_path(net, mode, &sc->clients[i].addr[0], x));
			rx->bytes = x->bytes;
			rx->expected = x->expected;
			rx->duration_s = (double)d / 1e9;
			rx->throughput_bps = d ? (double)x->bytes * 8e9 / (double)d : 0.0;
			rx->ok = ok;
			snprintf(rx->hash, sizeof(rx->hash), "%016llx", (unsigned long long)x->hash);
		}
	}
	m->throughput_bps = ns ? (double)bits * 1e9 / (double)ns : 0.0;
}

/* The gateway's NAT API redirects now (0 without one). */
static uint64_t rep_gw_redirects(struct sim_run_net *net)
{
	struct natapi *api = sim_gw_natapi(&net->gw);
	struct natapi_stats st;

	natapi_stats_get(api, &st);
	return st.redirects_active;
}

/* What the run left behind in the gateway (struct rep_gw_left). */
static void rep_gw_left_get(struct sim_run_net *net, uint64_t rdr0, struct rep_gw_left *left)
{
	struct natapi_stats st;

	memset(left, 0, sizeof(*left));
	natapi_stats_get(sim_gw_natapi(&net->gw), &st);
	left->redirects = st.redirects_active > rdr0 ? st.redirects_active - rdr0 : 0;
	left->ports = st.ports_held;
	if (net->pxd) {
		left->listeners = sim_pxd_stats(net->pxd)->listeners_open;
		left->data = sim_pxd_stats(net->pxd)->data_open;
	}
}

int rep_reenact_mode(const struct rep_capture *c, const struct rep_plan *p, enum scen_mode mode,
		     uint64_t max_gap_ns, struct rep_verdict *v, struct rpt_mode_metrics *m,
		     struct rep_gw_left *left, char *err, size_t errlen)
{
	uint64_t rdr0 = 0;
	struct sim_run_net *net = calloc(1, sizeof(*net));
	struct rep_run_sess *rs = calloc(p->sc.n_sessions + 1, sizeof(*rs));
	struct scen *sc = NULL;
	size_t n_done = 0;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->mode, sizeof(m->mode), "%s", scen_mode_name(mode));
	for (size_t k = 0; k < c->n_sessions; k++) {
		memset(&v[k], 0, sizeof(v[k]));
		if (p->slot[k] < 0)
			snprintf(v[k].reason, sizeof(v[k].reason), "%s", p->why[k]);
	}
	if (!net || !rs) {
		rc = -ENOMEM;
		goto out;
	}
	/* the scripted servers serve no files: the exported ones are for editing */
	sc = malloc(sizeof(*sc));
	if (!sc) {
		rc = -ENOMEM;
		goto out;
	}
	*sc = p->sc;
	for (size_t i = 0; i < sc->n_servers; i++)
		sc->servers[i].n_files = 0;
	if ((rc = sim_run_net_build(net, sc, mode, sc->seed, NULL, err, errlen)) < 0)
		goto out;
	rdr0 = rep_gw_redirects(net);
	for (size_t k = 0; k < c->n_sessions; k++) {
		struct rep_run_sess *r;
		struct sim_ftpd_config fc;
		size_t i;

		if (p->slot[k] < 0)
			continue;
		i = (size_t)p->slot[k];
		r = &rs[i];
		r->s = c->sessions[k];
		r->mode = mode;
		r->n_done = &n_done;
		r->n_total = p->sc.n_sessions;
		r->sched = &net->w.sched;
		r->host = &net->clients[i];
		if ((rc = rep_run_build(r, max_gap_ns)) < 0)
			goto out;
		sim_ftpd_config_default(&fc);
		fc.script = r->script;
		fc.n_script = r->n_script;
		sim_ftpd_destroy(net->ftpd[i]);
		net->ftpd[i] = NULL;
		if ((rc = sim_ftpd_create(&net->servers[i], &net->vfs[i], &fc, &net->ftpd[i])) < 0) {
			snprintf(err, errlen, "scripted server: %s", strerror(-rc));
			goto out;
		}
		sim_ftpc_config_default(&r->cfg);
		r->cfg.server = p->sc.servers[i].addr[0];
		r->cfg.port = 21;
		r->cfg.mode = r->s->client.family == NET_AF_INET6 ? SIM_FTPC_EPSV : SIM_FTPC_PASV;
		r->cfg.steps = r->steps;
		r->cfg.n_steps = r->n_steps;
		r->cfg.quit_at_end = false;
		if ((rc = sim_sched_at(&net->w.sched, p->sc.sessions[i].start_ns, rep_run_start, r,
				       NULL)) < 0)
			goto out;
	}
	sim_sched_run(&net->w.sched, 3600ULL * SIM_NS_PER_S);
	rep_metrics(net, sc, mode, rs, m);
	if (left) {
		/* the closes the last replies started still run their course */
		sim_sched_run(&net->w.sched, sim_world_now(&net->w) + 2 * SIM_NS_PER_S);
		rep_gw_left_get(net, rdr0, left);
	}
	for (size_t k = 0; k < c->n_sessions; k++)
		if (p->slot[k] >= 0)
			rep_run_judge(&rs[p->slot[k]], &v[k]);
out:
	for (size_t i = 0; rs && i < p->sc.n_sessions; i++)
		rep_run_free(&rs[i]);
	if (net)
		(void)sim_run_net_free(net);
	free(rs);
	free(net);
	free(sc);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}
