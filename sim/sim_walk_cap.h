/* sim_walk_cap.h - the walk-through's captures: both gateway links'
 * packets kept in memory with a comment on each packet the gateway touched
 * ("mapping 3 created", "PORT rewritten ... seq +2", "redirect 7 consumed",
 * "delivered to the proxy"), written as pcapng at the end (sim_pcapng.h).
 * Control packets (TCP port 21) are kept whole; data packets keep their
 * first SIM_WALK_CAP_SNAP bytes (headers), their length says the rest. */
#ifndef GATELAB_SIM_WALK_CAP_H
#define GATELAB_SIM_WALK_CAP_H

#include "../net/net_pkt.h"
#include "sim_gw.h"
#include "sim_link.h"

#define SIM_WALK_CAP_SNAP 96

struct sim_walk_cap;

int sim_walk_cap_new(struct sim_walk_cap **out);
/* Taps the gateway's inside and outside links (replacing their taps). */
void sim_walk_cap_attach(struct sim_walk_cap *c, struct sim_gw *gw, struct sim_link *in,
			 struct sim_link *out);
/* The gateway's hook: comments the packet as it arrived and, for its next
 * appearance on the outgoing link, as it left. pb/pa: parsed before/after,
 * NULL when not parsable / dropped. */
void sim_walk_cap_gateway(struct sim_walk_cap *c, const struct sim_gw_trace_info *ti,
			  const struct net_pkt *pb, const struct net_pkt *pa);
/* Writes inside_path and outside_path (pcapng). 0, -ENOMEM (while
 * recording), -EIO, -errno. */
int sim_walk_cap_write(struct sim_walk_cap *c, const char *inside_path, const char *outside_path);
void sim_walk_cap_free(struct sim_walk_cap *c);

#endif
