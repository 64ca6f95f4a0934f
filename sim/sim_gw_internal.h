/* sim_gw_internal.h - what the gateway node's files share among themselves
 * (sim_gw.c, sim_gw_cpu.c, sim_gw_user.c); not for users of sim_gw.h. */
#ifndef GATELAB_SIM_GW_INTERNAL_H
#define GATELAB_SIM_GW_INTERNAL_H

#include "sim_gw.h"

/* First local port the gateway's own connections try (the ephemeral range). */
#define SIM_GW_PORT_FIRST 49152

bool sim_gw_ingress(void *ctx, struct sim_host *h, int ifc, struct net_pkt *p,
		    struct sim_pkt *pkt);
bool sim_gw_egress(void *ctx, struct sim_host *h, int ifc, struct sim_pkt *pkt);
/* Drops every packet still waiting for the CPU (teardown). */
void sim_gw_cpu_flush(struct sim_gw *gw);
/* Occupies the CPU for ns from max(now, busy_until); returns the end time. */
uint64_t sim_gw_cpu_take(struct sim_gw *gw, uint64_t ns);
/* Opens gw->api: the engine backend wrapped to charge each call. */
int sim_gw_api_open(struct sim_gw *gw);

#endif
