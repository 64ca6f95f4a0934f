/* sim_proxy_drv.h - runs the proxy core (proxy/ftpp.h) on the simulated
 * gateway: accepts intercepted sessions on its user-space sockets, carries
 * out the actions, feeds socket events back. Every byte moved is counted. */
#ifndef GATELAB_SIM_PROXY_DRV_H
#define GATELAB_SIM_PROXY_DRV_H

#include <stdint.h>

#include "../proxy/ftpp.h"
#include "sim_gw.h"

struct sim_pxd;

struct sim_pxd_stats {
	uint64_t sessions, sessions_freed;
	uint64_t data_spliced, data_failed;
	uint64_t spliced_bytes;    /* both directions */
	uint64_t logs;
	uint64_t errors;           /* actions the driver could not carry out */
	uint64_t data_open;        /* now: proxy-path transfers holding sockets */
	uint64_t listeners_open;   /* now: data listeners not yet closed */
};

/* cfg: the proxy's configuration (listen_port is the port the driver
 * listens on). The proxy is created over the gateway's NAT API, its FTP
 * editor must be off. Returns 0, -EINVAL, -ENOMEM or ftpp_create's error. */
int sim_pxd_create(struct sim_gw *gw, const struct ftpp_config *cfg, struct sim_pxd **out);
/* Frees every session and socket it still holds, then the proxy. NULL is fine. */
void sim_pxd_destroy(struct sim_pxd *d);
const struct sim_pxd_stats *sim_pxd_stats(const struct sim_pxd *d);
/* One proxy-path transfer the driver spliced to the end: the client's end
 * of it and when it ended, so a report can tell which transfer took which
 * path. */
struct sim_pxd_splice {
	struct net_addr client;
	uint64_t t_done;
	uint64_t to_client, to_server;
};
/* The spliced transfers in completion order (valid until the next event). */
const struct sim_pxd_splice *sim_pxd_splices(const struct sim_pxd *d, size_t *n);

#endif
