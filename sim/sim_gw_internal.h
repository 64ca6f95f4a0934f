/* sim_gw_internal.h - what the gateway node's files share among themselves
 * (sim_gw.c, sim_gw_cpu.c, sim_gw_user.c); not for users of sim_gw.h. */
#ifndef GATELAB_SIM_GW_INTERNAL_H
#define GATELAB_SIM_GW_INTERNAL_H

#include "sim_gw.h"

/* The default local port range of the gateway's own sockets (ephemeral). */
#define SIM_GW_PORT_FIRST 49152
#define SIM_GW_PORT_LAST 65535
/* port_use of a port a listener holds alone. */
#define SIM_GW_PORT_EXCL UINT16_MAX

bool sim_gw_ingress(void *ctx, struct sim_host *h, int ifc, struct net_pkt *p,
		    struct sim_pkt *pkt);
bool sim_gw_egress(void *ctx, struct sim_host *h, int ifc, struct sim_pkt *pkt);
/* Drops every packet still waiting for the CPU (teardown). */
void sim_gw_cpu_flush(struct sim_gw *gw);
/* Occupies the CPU for ns from max(now, busy_until); returns the end time. */
uint64_t sim_gw_cpu_take(struct sim_gw *gw, uint64_t ns);
/* Opens gw->api: the engine backend wrapped to charge each call. */
int sim_gw_api_open(struct sim_gw *gw);

/* sim_gw_ports.c: the gateway's local ports. */
int sim_gw_ports_init(struct sim_gw *gw);
void sim_gw_ports_free(struct sim_gw *gw);
/* A port for a listener, alone: port 0 picks one from the local range.
 * Claimed in the gNAT. 0, -EADDRINUSE. */
int sim_gw_port_excl(struct sim_gw *gw, uint16_t *port);
/* Connects a gateway socket from a local port of the range whose 4-tuple
 * towards dst:dport is unique; the port is claimed in the gNAT while any
 * socket uses it. Returns as sim_sock_connect_from, *lport set. */
int sim_gw_port_connect(struct sim_gw *gw, const struct net_addr *src,
			const struct net_addr *dst, uint16_t dport,
			const struct sim_sock_ops *ops, void *ctx, struct sim_sock **out,
			uint16_t *lport);
/* One socket less on port (the claim goes when the last one does). */
void sim_gw_port_put(struct sim_gw *gw, uint16_t port);
/* The NAT API reserved [first, first + n) / gave it back. */
void sim_gw_ports_reserved(struct sim_gw *gw, uint16_t first, uint32_t n, bool on);

#endif
