/* cli_walk.h - `gatelab run --walkthrough DIR [--session N]`: the chosen
 * session's walk-through, recorded in runs of its own and written as
 * DIR/walkthrough.html (and, with --pcap, pcapng captures with comments). */
#ifndef GATELAB_CLI_WALK_H
#define GATELAB_CLI_WALK_H

#include <stddef.h>

#include "../reports/report_walk.h"
#include "../scen/scen.h"
#include "../sim/sim_run.h"

/* Records session (1-based) of sc in the modes o selects into w (the caller
 * frees it with rpt_walk_free); with dir, writes dir/walkthrough.html
 * (dir created when missing; the file appears whole or not at all); with
 * pcap_dir, pcap_dir/walk-MODE-{inside,outside}.pcapng. Returns 0, -EINVAL
 * (no such session: a usage error) or another negative errno; err says
 * what failed. */
int cli_walk_make(const struct scen *sc, const struct sim_run_opts *o, unsigned session,
		  const char *dir, const char *pcap_dir, struct rpt_walk *w, char *err,
		  size_t errlen);
/* Parses --session's argument: 1..SCEN_MAX_SESSIONS. 0 or -EINVAL. */
int cli_walk_session(const char *arg, unsigned *out);

#endif
