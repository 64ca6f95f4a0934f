/* sim_trace.h - connects the gateway's per-packet trace hook (sim_gw.h) to a
 * bounded report trace (reports/report_trace.h): `gatelab run --trace`. */
#ifndef GATELAB_SIM_TRACE_H
#define GATELAB_SIM_TRACE_H

#include "../reports/report_trace.h"
#include "sim_gw.h"

/* The hook's context: where events go and the mode they belong to. */
struct sim_trace {
	struct rpt_trace *out;
	char mode[16];
	int err;            /* first -ENOMEM while recording, 0 otherwise */
};

/* Points gw's hook at st (st must outlive the run). */
void sim_trace_attach(struct sim_gw *gw, struct sim_trace *st, const char *mode);
/* The hook itself (exposed for tests). */
void sim_trace_hook(void *ctx, const struct sim_gw_trace_info *ti);

#endif
