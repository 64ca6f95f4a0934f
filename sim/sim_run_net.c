/* sim_run_net.c - one mode's network: clients and servers behind switches
 * on the gateway's two links; the gateway a router (direct), a gNAT (nat) or
 * a gNAT with the proxy (proxy, fastpath); FTP servers; optional captures. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim_run_int.h"

/* ---- switch ------------------------------------------------------------------- */

/* The destination address straight from the IP header (bounds checked). */
static bool sim_run_sw_dst(const struct sim_pkt *pkt, struct net_addr *dst)
{
	const uint8_t *d = pkt->data;

	memset(dst, 0, sizeof(*dst));
	if (pkt->len >= 20 && (d[0] >> 4) == 4) {
		dst->family = NET_AF_INET4;
		memcpy(dst->a, d + 16, 4);
		return true;
	}
	if (pkt->len >= 40 && (d[0] >> 4) == 6) {
		dst->family = NET_AF_INET6;
		memcpy(dst->a, d + 24, 16);
		return true;
	}
	return false;
}

static void sim_run_sw_rx(struct sim_node *node, struct sim_iface *ifc, struct sim_pkt *pkt)
{
	struct sim_run_sw *sw = (struct sim_run_sw *)node;
	struct sim_iface *out = &sw->up;
	struct net_addr dst;

	if (!sim_run_sw_dst(pkt, &dst)) {
		sw->drops++;
		sim_pkt_put(&sw->w->pool, pkt);
		return;
	}
	for (size_t i = 0; i < sw->n; i++)
		for (size_t k = 0; k < sw->who[i]->n_addr; k++)
			if (net_addr_eq(&sw->who[i]->addr[k], &dst))
				out = &sw->port[i];
	if (out == ifc) { /* never back where it came from */
		sw->drops++;
		sim_pkt_put(&sw->w->pool, pkt);
		return;
	}
	if (sim_link_send(out, pkt) != 0)
		sw->drops++;
}

static void sim_run_sw_init(struct sim_run_sw *sw, struct sim_world *w, const struct scen_host *hosts,
			    size_t n)
{
	sw->node.rx = sim_run_sw_rx;
	sw->w = w;
	sw->up.node = &sw->node;
	sw->up.w = w;
	for (size_t i = 0; i < n; i++) {
		sw->port[i].node = &sw->node;
		sw->port[i].w = w;
		sw->who[i] = &hosts[i];
	}
	sw->n = n;
}

/* ---- building --------------------------------------------------------------------- */

static void sim_run_link_params(const struct scen_link *l, struct sim_link_params *p)
{
	sim_link_params_default(p);
	p->bw_bps = l->bw_bps;
	p->delay_ns = l->delay_ns;
	p->mtu = l->mtu;
	p->qlimit_pkts = l->queue_pkts;
	p->qlimit_bytes = l->queue_bytes;
	p->loss = l->loss;
	p->reorder = l->reorder;
	p->reorder_delay_ns = l->reorder_delay_ns;
}

/* A host's access link to its switch: no delay, no limit, no loss; the
 * scenario's MTU, so TCP's MSS fits the gateway link behind it. */
static void sim_run_access_params(const struct scen_link *l, struct sim_link_params *p)
{
	sim_link_params_default(p);
	p->bw_bps = 0;
	p->delay_ns = 0;
	p->mtu = l->mtu;
}

static int sim_run_host(struct sim_host *h, struct sim_world *w, const struct scen_host *sh,
			char *err, size_t errlen)
{
	char buf[NET_ADDR_STRLEN];
	int rc = sim_host_init(h, w, sh->name);

	if (rc) {
		snprintf(err, errlen, "host %s: %s", sh->name, strerror(-rc));
		return rc;
	}
	if ((rc = sim_host_add_iface(h)) < 0)
		goto fail;
	for (size_t i = 0; i < sh->n_addr; i++) {
		if ((rc = net_addr_format(&sh->addr[i], buf, sizeof(buf))) < 0 ||
		    (rc = sim_host_add_addr(h, 0, buf)) < 0)
			goto fail;
	}
	if ((rc = sim_host_add_route(h, "default", 0)) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "host %s: %s", sh->name, strerror(-rc));
	sim_host_free(h);
	return rc;
}

static int sim_run_gw(struct sim_run_net *n, const struct scen *sc, enum scen_mode mode, char *err,
		      size_t errlen)
{
	struct sim_gw_config gc;
	int rc;

	sim_gw_config_default(&gc);
	gc.translate = mode != SCEN_MODE_DIRECT;
	if (net_prefix_parse("192.0.2.0/24", &gc.nat.inside[0]) ||
	    net_prefix_parse("2001:db8:1::/64", &gc.nat.inside[1]))
		return -EINVAL;
	gc.nat.n_inside = 2;
	gc.nat.public4 = sc->gw.public4;
	gc.nat.public6 = sc->gw.public6;
	gc.nat.masquerade = true;
	/* nat: the kernel's FTP editor does the job; proxy modes: the proxy does
	 * (both rewriting the same PORT would break it). */
	gc.nat.ftp_editor = mode == SCEN_MODE_NAT;
	if (sc->gw.max_mappings)
		gc.nat.max_mappings = sc->gw.max_mappings;
	gc.inside4 = sc->gw.inside4;
	gc.inside6 = sc->gw.inside6;
	gc.local_port_min = sc->gw.local_port_min;
	gc.local_port_max = sc->gw.local_port_max;
	rc = sim_cost_load(sc->cost_profile, &gc.cost);
	if (rc) {
		snprintf(err, errlen, "cost profile '%s': %s", sc->cost_profile, strerror(-rc));
		return -EINVAL;
	}
	rc = sim_gw_init(&n->gw, &n->w, "gw", &gc);
	if (rc) {
		snprintf(err, errlen, "gateway: %s", strerror(-rc));
		return rc;
	}
	n->gw_up = true;
	return 0;
}

static int sim_run_proxy(struct sim_run_net *n, const struct scen *sc, enum scen_mode mode,
			 char *err, size_t errlen)
{
	struct ftpp_config pc;
	int rc;

	ftpp_config_default(&pc);
	pc.listen_addr = sc->gw.inside4;
	pc.listen_port = 8021;
	pc.listen_addr6 = sc->gw.inside6;
	pc.public4 = sc->gw.public4;
	pc.public6 = sc->gw.public6;
	pc.inside4 = sc->gw.inside4;
	pc.inside6 = sc->gw.inside6;
	pc.policy = sc->policy;
	if (sc->gw.proxy_ports)
		pc.reserve_ports = sc->gw.proxy_ports;
	if (mode == SCEN_MODE_PROXY) { /* every transfer through user space */
		pc.policy.default_mode = FTPP_MODE_PROXY;
		pc.policy.file_path = FTPP_PATH_PROXY;
		pc.policy.listing_path = FTPP_PATH_PROXY;
		pc.policy.fast_min_size = 0;
	}
	rc = sim_pxd_create(&n->gw, &pc, &n->pxd);
	if (rc)
		snprintf(err, errlen, "proxy: %s", strerror(-rc));
	return rc;
}

static int sim_run_servers(struct sim_run_net *n, const struct scen *sc, char *err, size_t errlen)
{
	struct sim_ftpd_config fc;
	int rc;

	sim_ftpd_config_default(&fc);
	for (size_t i = 0; i < sc->n_servers; i++) {
		const struct scen_host *sh = &sc->servers[i];

		/* Content depends on the path only, not on the seed, the mode or
		 * the server: every mode must deliver the same bytes, and a
		 * redirected session is verified against the server it named. */
		rc = sim_vfs_init(&n->vfs[i], 0x6761746500000000ULL);
		if (rc)
			goto fail;
		n->n_vfs++;
		for (size_t k = 0; k < sh->n_files; k++) {
			const char *fp = sh->files[k].path;
			size_t fl = strlen(fp);

			/* a path ending in '/' is a directory (scenario exports of captures) */
			if (fl > 1 && fp[fl - 1] == '/') {
				rc = sim_vfs_mkdir(&n->vfs[i], fp);
				rc = rc == -EEXIST ? 0 : rc;
			} else {
				rc = sim_vfs_add_file(&n->vfs[i], fp, sh->files[k].size);
			}
			if (rc) {
				snprintf(err, errlen, "server %s: file %s: %s", sh->name,
					 sh->files[k].path, strerror(-rc));
				return rc;
			}
		}
		rc = sim_ftpd_create(&n->servers[i], &n->vfs[i], &fc, &n->ftpd[i]);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "servers: %s", strerror(-rc));
	return rc;
}

static int sim_run_pcaps(struct sim_run_net *n, enum scen_mode mode, const char *dir, char *err,
			 size_t errlen)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s-inside.pcap", dir, scen_mode_name(mode));
	if ((rc = sim_pcap_open(path, 0, &n->pcap_in)) < 0)
		goto fail;
	sim_pcap_attach(n->pcap_in, &n->in_link, false);
	snprintf(path, sizeof(path), "%s/%s-outside.pcap", dir, scen_mode_name(mode));
	if ((rc = sim_pcap_open(path, 0, &n->pcap_out)) < 0)
		goto fail;
	sim_pcap_attach(n->pcap_out, &n->out_link, false);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

int sim_run_net_build(struct sim_run_net *n, const struct scen *sc, enum scen_mode mode,
		      uint64_t seed, const char *pcap_dir, char *err, size_t errlen)
{
	struct sim_link_params p;
	int rc;

	sim_world_init(&n->w, seed);
	if ((rc = sim_run_gw(n, sc, mode, err, errlen)) < 0)
		return rc;
	for (size_t i = 0; i < sc->n_clients; i++, n->n_clients++)
		if ((rc = sim_run_host(&n->clients[i], &n->w, &sc->clients[i], err, errlen)) < 0)
			return rc;
	for (size_t i = 0; i < sc->n_servers; i++, n->n_servers++)
		if ((rc = sim_run_host(&n->servers[i], &n->w, &sc->servers[i], err, errlen)) < 0)
			return rc;
	sim_run_sw_init(&n->sw_in, &n->w, sc->clients, sc->n_clients);
	sim_run_sw_init(&n->sw_out, &n->w, sc->servers, sc->n_servers);
	sim_run_link_params(&sc->inside, &p);
	if ((rc = sim_link_init(&n->in_link, &n->w, &p, &n->sw_in.up,
				&n->gw.host.ifc[SIM_GW_IFC_INSIDE])) < 0)
		goto fail;
	n->n_main_links++;
	sim_run_link_params(&sc->outside, &p);
	if ((rc = sim_link_init(&n->out_link, &n->w, &p, &n->gw.host.ifc[SIM_GW_IFC_OUTSIDE],
				&n->sw_out.up)) < 0)
		goto fail;
	n->n_main_links++;
	sim_run_access_params(&sc->inside, &p);
	for (; n->n_links_c < sc->n_clients; n->n_links_c++)
		if ((rc = sim_link_init(&n->c_links[n->n_links_c], &n->w, &p,
					&n->clients[n->n_links_c].ifc[0],
					&n->sw_in.port[n->n_links_c])) < 0)
			goto fail;
	sim_run_access_params(&sc->outside, &p);
	for (; n->n_links_s < sc->n_servers; n->n_links_s++)
		if ((rc = sim_link_init(&n->s_links[n->n_links_s], &n->w, &p,
					&n->servers[n->n_links_s].ifc[0],
					&n->sw_out.port[n->n_links_s])) < 0)
			goto fail;
	if (pcap_dir && (rc = sim_run_pcaps(n, mode, pcap_dir, err, errlen)) < 0)
		return rc;
	if ((rc = sim_run_servers(n, sc, err, errlen)) < 0)
		return rc;
	if (n->watch && (rc = n->watch(n->watch_ctx, mode, &n->gw, &n->in_link, &n->out_link)) < 0) {
		snprintf(err, errlen, "%s: the walk-through recorder: %s", scen_mode_name(mode),
			 strerror(-rc));
		return rc;
	}
	if (mode == SCEN_MODE_PROXY || mode == SCEN_MODE_FASTPATH)
		return sim_run_proxy(n, sc, mode, err, errlen);
	return 0;
fail:
	snprintf(err, errlen, "links: %s", strerror(-rc));
	return rc;
}

int sim_run_net_free(struct sim_run_net *n)
{
	static const struct sim_link_tap no_tap = {NULL, NULL, false};
	int rc = 0, r;

	sim_pxd_destroy(n->pxd);
	n->pxd = NULL;
	for (size_t i = 0; i < SCEN_MAX_HOSTS; i++) {
		sim_ftpd_destroy(n->ftpd[i]);
		n->ftpd[i] = NULL;
	}
	if (n->gw_up)
		sim_gw_free(&n->gw);
	for (size_t i = 0; i < n->n_clients; i++)
		sim_host_free(&n->clients[i]);
	for (size_t i = 0; i < n->n_servers; i++)
		sim_host_free(&n->servers[i]);
	/* Teardown above may still send (resets): captures close after it. */
	if (n->pcap_in) {
		sim_link_set_tap(&n->in_link, &no_tap);
		rc = sim_pcap_close(n->pcap_in);
	}
	if (n->pcap_out) {
		sim_link_set_tap(&n->out_link, &no_tap);
		r = sim_pcap_close(n->pcap_out);
		rc = rc ? rc : r;
	}
	if (n->n_main_links > 0)
		sim_link_free(&n->in_link);
	if (n->n_main_links > 1)
		sim_link_free(&n->out_link);
	for (size_t i = 0; i < n->n_links_c; i++)
		sim_link_free(&n->c_links[i]);
	for (size_t i = 0; i < n->n_links_s; i++)
		sim_link_free(&n->s_links[i]);
	for (size_t i = 0; i < n->n_vfs; i++)
		sim_vfs_free(&n->vfs[i]);
	sim_world_free(&n->w);
	return rc;
}
