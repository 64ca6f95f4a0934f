/* sim_walk.h - records one FTP session's walk-through (`gatelab run
 * --walkthrough`): the gateway's packet and NAT API hooks become steps of a
 * reports/report_walk.h walk, each with the gNAT's table after it; with a
 * capture attached, the links' packets are kept with a comment on each one
 * the gateway touched (sim_walk_cap.h). */
#ifndef GATELAB_SIM_WALK_H
#define GATELAB_SIM_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../reports/report_walk.h"
#include "../scen/scen.h"
#include "sim_gw.h"

struct sim_walk_cap;

/* The hooks' context for one mode's run. */
struct sim_walk {
	struct rpt_walk *out;
	struct rpt_walk_mode *m;   /* the mode being recorded */
	struct sim_gw *gw;
	uint64_t hidden;           /* packets not shown since the last step */
	int err;                   /* first error while recording (-ENOMEM), 0 otherwise */
	/* data connections whose first payload packet (per direction) was shown:
	 * an open-addressing set of flow keys, grown at half full */
	uint64_t *seen;
	size_t n_seen, cap_seen;
	struct sim_walk_cap *cap;  /* NULL, or the links' capture (sim_walk_cap.h) */
};

/* Starts a mode: a new mode in out, hooks on gw. cap may be NULL. Returns 0,
 * -ENOSPC (out has all its modes) or -ENOMEM. */
int sim_walk_attach(struct sim_walk *sw, struct rpt_walk *out, struct sim_gw *gw,
		    const char *mode, struct sim_walk_cap *cap);
/* Ends the mode: hooks off, counters of the run's end kept. */
void sim_walk_detach(struct sim_walk *sw);
/* Lets go of a run that ended before sim_walk_detach (its gateway is gone). */
void sim_walk_forget(struct sim_walk *sw);

/* The hooks (exposed for tests). */
void sim_walk_pkt_hook(void *ctx, const struct sim_gw_trace_info *ti);
void sim_walk_api_hook(void *ctx, const struct sim_gw_api_info *ai);

/* sim_walk_fmt.c: the table's rows and the API call as text. */
int sim_walk_snapshot(struct sim_gw *gw, struct rpt_walk_step *st);
int sim_walk_api_text(const struct sim_gw_api_info *ai, char *buf, size_t cap);

/* sim_walk_run.c: runs session `session` (1-based) of sc alone (its first
 * copy, its client and server, the scenario's links and gateway) in each
 * mode o selects, recording the walk into out; with pcap_dir, also writes
 * pcap_dir/walk-MODE-{inside,outside}.pcapng with packet comments. Returns
 * 0, -EINVAL (no such session; err says so), -ENOMEM, -EIO, or what
 * sim_run_mode returns; err filled. */
struct sim_run_opts;
int sim_walk_run(const struct scen *sc, unsigned session, const struct sim_run_opts *o,
		 const char *pcap_dir, struct rpt_walk *out, char *err, size_t errlen);

#endif
