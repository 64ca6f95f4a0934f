/* rep_reenact.h - extracted sessions played again in the simulator: the
 * scenario a capture becomes (addresses mapped into the documentation ranges)
 * and, per mode, whether each session reproduced the capture. */
#ifndef GATELAB_REP_REENACT_H
#define GATELAB_REP_REENACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../reports/metrics.h"
#include "../scen/scen.h"
#include "rep_extract.h"

#define REP_REASON_LEN 256

/* One capture address and the simulator address it became. */
struct rep_map {
	struct net_addr captured, sim;
	bool server;
};

/* The scenario a capture becomes. Capture session k is scenario session
 * slot[k] (clients[slot], servers[slot]) or not re-enacted (slot -1, why). */
/* A captured command the scenario export leaves out (written as a comment). */
struct rep_plan_note {
	size_t slot;                    /* scenario session */
	char text[200];
};

struct rep_plan {
	struct scen sc;
	long *slot;                     /* per capture session */
	char (*why)[REP_REASON_LEN];    /* per capture session, when slot is -1 */
	size_t n_capture;
	struct rep_map map[2 * SCEN_MAX_HOSTS];
	size_t n_map;
	/* The export's view: why the capture cannot be written as a scenario
	 * (a limit of the format, named; "" if it can), and the notes. */
	char export_refusal[REP_REASON_LEN];
	struct rep_plan_note *notes;
	size_t n_notes, cap_notes;
};

/* The three outcomes of a re-enacted session (docs/REPLAY.md). */
enum rep_outcome {
	REP_OUT_NOT_REPRODUCED = 0,
	REP_OUT_REPRODUCED,
	REP_OUT_POLICY,        /* reproduced except commands the gateway's policy
				* answered by design (AUTH refused, bounce check) */
};

#define REP_MAX_POLICY 8

/* A command the gateway answered by its policy instead of the server. */
struct rep_policy_hit {
	long cmd;              /* captured command index */
	char verb[8];
	const char *policy;    /* static text: which policy */
	int captured, got;     /* the capture's reply, the client's */
};

struct rep_verdict {
	bool reenacted;
	bool reproduced;                /* outcome == REP_OUT_REPRODUCED */
	enum rep_outcome outcome;
	char reason[REP_REASON_LEN];    /* not reproduced: why; policy: what differed */
	struct rep_policy_hit policy[REP_MAX_POLICY]; /* the first REP_MAX_POLICY */
	size_t n_policy;                /* all of them (more than the array holds: counted) */
};

/* "reproduced", "reproduced_except_policy", "not_reproduced" (the JSON's words). */
const char *rep_outcome_name(enum rep_outcome o);

/* Builds the plan (heap-allocated: the scenario is large). Returns 0 or
 * -ENOMEM. The scenario's sessions are the export's view (commands as the
 * scenario says them, at most SCEN_MAX_CMDS: more sets export_refusal); the
 * re-enactment itself sends every captured command. */
int rep_plan_build(const struct rep_capture *c, struct rep_plan **out);
void rep_plan_free(struct rep_plan *p);

/* Re-enacts every planned session under mode; v has one entry per capture
 * session, m gets the mode's metrics (the gateway's counters and the
 * transfers as the client saw them, session = scenario slot). max_gap_ns caps the captured pause between two commands (0: the
 * captured timing as is). Returns 0 (the verdicts say what differed),
 * -EINVAL with err for a network the simulator cannot build, -ENOMEM. */
/* What the gateway still held after every session ended (and 2 s of
 * virtual time for the closes): data listeners and proxy-path transfers of
 * the proxy driver, NAT API redirects beyond the proxy's own TCP/21 ones,
 * ports acquired from its reservation. All zero for a correct gateway. */
struct rep_gw_left {
	uint64_t listeners, data, redirects, ports;
};

/* left may be NULL. */
int rep_reenact_mode(const struct rep_capture *c, const struct rep_plan *p, enum scen_mode mode,
		     uint64_t max_gap_ns, struct rep_verdict *v, struct rpt_mode_metrics *m,
		     struct rep_gw_left *left, char *err, size_t errlen);

/* Why a session's capture itself is not a complete record ("" if it is). */
void rep_session_broken(const struct rep_session *s, char *why, size_t len);

#endif
