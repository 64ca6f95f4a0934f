/* live_mode_direct.c - the physical baseline: the gateway routes, nothing is
 * translated, no process on the gateway touches a packet; the servers get a
 * route back to the inside prefixes for this mode only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live_mode.h"

static int live_direct_start(struct live_mode_state *s)
{
	int rc = live_topo_route_inside(s->t, true);

	if (rc < 0)
		snprintf(s->err, sizeof(s->err), "route from the servers to the inside prefixes");
	return rc;
}

static int live_direct_stop(struct live_mode_state *s, struct rpt_mode_metrics *m)
{
	int rc = live_topo_route_inside(s->t, false);

	snprintf(m->live.measured_by, sizeof(m->live.measured_by),
		 "no process on the gateway: routing only");
	if (rc < 0)
		snprintf(s->err, sizeof(s->err), "removing the route to the inside prefixes");
	return rc;
}

const struct live_mode live_mode_direct = {
	.name = "direct",
	.xfer_path = "kernel",
	.ipv6 = true,
	.ext = true,
	.start = live_direct_start,
	.stop = live_direct_stop,
};
