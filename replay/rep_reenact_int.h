/* rep_reenact_int.h - private to the re-enactment: one session's scripted
 * server steps and client steps (rep_reenact_script.c), its run on the mode's
 * network (rep_reenact.c) and its verdict (rep_reenact_judge.c). */
#ifndef GATELAB_REP_REENACT_INT_H
#define GATELAB_REP_REENACT_INT_H

#include "../sim/sim_run_int.h"
#include "rep_reenact.h"

struct rep_run_sess {
	const struct rep_session *s;
	enum scen_mode mode;     /* what the gateway is: policy answers only with a proxy */
	struct sim_ftpd_step *script;
	size_t n_script;
	char **texts;            /* strings the script points to */
	size_t n_texts;
	struct sim_ftpc_step *steps;
	long *step_cmd;          /* captured command of each client step */
	size_t n_steps;
	size_t stop_k;           /* first command not re-enacted (n_cmds: none) */
	size_t n_unanswered;     /* commands skipped: their reply was not captured */
	size_t first_unanswered;
	struct sim_ftpc_config cfg;
	struct sim_host *host;
	struct sim_ftpc *c;
	bool done;
	size_t *n_done, n_total;
	struct sim_sched *sched;
};

/* Script and client steps for one session; stops at the first command the
 * capture shows no reply to and no later command has one either. Returns 0
 * or -ENOMEM (rep_run_free cleans up either way). */
int rep_run_build(struct rep_run_sess *r, uint64_t max_gap);
void rep_run_free(struct rep_run_sess *r);
/* The transfer captured command k started, or NULL. */
const struct rep_xfer *rep_run_xfer_at(const struct rep_session *s, size_t k);
/* The session's verdict from what its client saw. */
void rep_run_judge(const struct rep_run_sess *r, struct rep_verdict *v);

#endif
