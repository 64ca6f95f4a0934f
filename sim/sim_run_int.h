/* sim_run_int.h - private to the scenario runner: the network one mode runs
 * on (hosts, the gateway, links, the switches that fan the gateway's two
 * links out to several clients or servers) and what runs on it. */
#ifndef GATELAB_SIM_RUN_INT_H
#define GATELAB_SIM_RUN_INT_H

#include "sim_ftpc.h"
#include "sim_ftpd.h"
#include "sim_gw.h"
#include "sim_link.h"
#include "sim_pcap.h"
#include "sim_proxy_drv.h"
#include "sim_run.h"
#include "sim_vfs.h"

/* A learning-free switch: hosts hang off ports by their known addresses;
 * anything else goes up (towards the gateway). */
struct sim_run_sw {
	struct sim_node node;            /* first: links deliver through it */
	struct sim_world *w;
	struct sim_iface up;
	struct sim_iface port[SCEN_MAX_HOSTS];
	const struct scen_host *who[SCEN_MAX_HOSTS];
	size_t n;
	uint64_t drops;                  /* unparsable or refused by a link */
};

struct sim_run_net {
	struct sim_world w;
	struct sim_gw gw;
	bool gw_up;
	struct sim_host clients[SCEN_MAX_HOSTS], servers[SCEN_MAX_HOSTS];
	size_t n_clients, n_servers;     /* initialised hosts */
	struct sim_run_sw sw_in, sw_out;
	struct sim_link in_link, out_link; /* the scenario's links, at the gateway */
	struct sim_link c_links[SCEN_MAX_HOSTS], s_links[SCEN_MAX_HOSTS];
	size_t n_links_c, n_links_s, n_main_links;
	struct sim_pcap *pcap_in, *pcap_out;
	struct sim_vfs vfs[SCEN_MAX_HOSTS];
	size_t n_vfs;
	struct sim_ftpd *ftpd[SCEN_MAX_HOSTS];
	struct sim_pxd *pxd;
	/* Appended: NULL, or called once the gateway and its links exist and
	 * before the proxy starts, so its first NAT API calls are seen
	 * (sim_run_opts.watch_begin); a negative return fails the build. */
	int (*watch)(void *ctx, enum scen_mode mode, struct sim_gw *gw, struct sim_link *in,
		     struct sim_link *out);
	void *watch_ctx;
};

/* sim_run_net.c: builds the hosts, gateway, switches and links for mode. */
int sim_run_net_build(struct sim_run_net *n, const struct scen *sc, enum scen_mode mode,
		      uint64_t seed, const char *pcap_dir, char *err, size_t errlen);
/* Endpoints first, then the gateway, links and the world. Returns the pcap
 * close result (0 or -EIO). */
int sim_run_net_free(struct sim_run_net *n);

#endif
