/* sim_run.h - runs a scenario (scen/scen.h) in the simulator under each of
 * its modes (direct, nat, proxy, fastpath) and fills the per-mode metrics
 * (reports/metrics.h): topology, endpoints, gateway, proxy driver, clients. */
#ifndef GATELAB_SIM_RUN_H
#define GATELAB_SIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../reports/metrics.h"
#include "../reports/report_trace.h"
#include "../scen/scen.h"

/* One failure counted in a mode's transfers_failed: a failed transfer, or a
 * session that failed (or never ended) without a failed transfer to show. */
struct sim_run_failure {
	enum scen_mode mode;
	size_t session;            /* index in the scenario's sessions */
	uint32_t copy, copies;     /* which copy of the session (`count`), 0-based, of how many */
	const char *cmd;           /* "RETR /pub/x"; NULL: no transfer (session failure) */
	int reply_code;            /* the transfer's final reply; 0: none came */
	const char *reply;         /* its text ("" when none) */
	const char *why;           /* beyond the reply, what was wrong ("content does not
				    * match ..."), or the session's reason; NULL: the reply says it */
};
struct sim_gw;
struct sim_link;

struct sim_run_opts {
	bool seed_set;             /* override the scenario's seed */
	uint64_t seed;
	bool modes_set;            /* override the scenario's modes */
	bool modes[SCEN_MODE__COUNT];
	const char *pcap_dir;      /* NULL: no captures; else <dir>/<mode>-{inside,outside}.pcap */
	uint64_t time_limit_ns;    /* virtual time budget per mode (0: 1 hour) */
	/* NULL: no transfer log; else <dir>/<mode>.xferlog (sim_xferlog.h),
	 * renamed into place only when the mode's run returns 0 */
	const char *xferlog_dir;
	/* Appended: NULL, or where each mode's gateway records its packets
	 * (bounded; `gatelab run --trace`, sim_trace.h). */
	struct rpt_trace *trace;
	/* Appended: NULL, or called once per failure transfers_failed counts,
	 * every one (the metrics list only RPT_MAX_XFERS transfers), in session
	 * order, when the mode's run is over. The strings live for the call only. */
	void (*on_failure)(void *ctx, const struct sim_run_failure *f);
	void *failure_ctx;
	/* Appended: NULL, or called when a mode's gateway and links are built
	 * (before the proxy starts and makes its first NAT API calls, before the
	 * first session; a negative return ends the run with it) and
	 * when its sessions are done (before teardown): the walk-through's
	 * recorder attaches here (sim_walk.h). */
	int (*watch_begin)(void *ctx, enum scen_mode mode, struct sim_gw *gw, struct sim_link *in,
			   struct sim_link *out);
	void (*watch_end)(void *ctx, enum scen_mode mode);
	void *watch_ctx;
};

void sim_run_opts_default(struct sim_run_opts *o);

/* Runs one mode into *out (zeroed first). Returns 0 when the run happened
 * (failed transfers are counted, not errors), -EINVAL with err filled for a
 * scenario the simulator cannot build (cost profile, addresses), -ENOMEM,
 * -EIO (pcap), -ETIMEDOUT when the time limit ends the run (out is filled
 * with what happened until then). */
int sim_run_mode(const struct scen *sc, enum scen_mode mode, const struct sim_run_opts *o,
		 struct rpt_mode_metrics *out, char *err, size_t errlen);

/* Every selected mode, in the order direct, nat, proxy, fastpath. */
int sim_run(const struct scen *sc, const struct sim_run_opts *o, struct rpt_metrics *out,
	    char *err, size_t errlen);

#endif
