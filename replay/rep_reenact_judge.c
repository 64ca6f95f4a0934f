/* rep_reenact_judge.c - a re-enacted session against its capture: the first
 * reply code or transfer size that differs, the answers the gateway's policy
 * gave by design, and whether the capture itself is a complete record. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rep_reenact_int.h"

/* A reason's text: cut at the buffer's end if it must be (it is read by people). */
__attribute__((format(printf, 3, 4)))
static void rep_say(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

/* The last reply the client got for step j, 0 if none. */
static int rep_step_code(const struct sim_ftpc_result *res, size_t j)
{
	int code = 0;

	for (size_t i = 0; i < res->n_replies; i++)
		if (res->replies[i].step == j)
			code = res->replies[i].code;
	return code;
}

const char *rep_outcome_name(enum rep_outcome o)
{
	switch (o) {
	case REP_OUT_REPRODUCED: return "reproduced";
	case REP_OUT_POLICY: return "reproduced_except_policy";
	default: return "not_reproduced";
	}
}

/* Answers the proxy core gives by design, never the server (docs/PROXY.md):
 * a reply with this code to this verb in a mode with a proxy is the gateway's
 * policy speaking, not a divergence. */
static const struct {
	const char *verb;
	int code;
	const char *policy;
} rep_policies[] = {
	{"AUTH", 534, "AUTH TLS refused by the gateway's policy (it must read the control channel)"},
	{"PORT", 500, "the PORT/EPRT check (the client's own address, port >= 1024: no FTP bounce)"},
	{"EPRT", 500, "the PORT/EPRT check (the client's own address, port >= 1024: no FTP bounce)"},
};

static const char *rep_policy_of(enum scen_mode mode, const char *verb, int got)
{
	if (mode != SCEN_MODE_PROXY && mode != SCEN_MODE_FASTPATH)
		return NULL;
	for (size_t i = 0; i < sizeof(rep_policies) / sizeof(rep_policies[0]); i++)
		if (strcmp(verb, rep_policies[i].verb) == 0 && got == rep_policies[i].code)
			return rep_policies[i].policy;
	return NULL;
}

static void rep_policy_hit(struct rep_verdict *v, long k, const char *verb, const char *policy,
			   int captured, int got)
{
	if (v->n_policy < REP_MAX_POLICY) {
		struct rep_policy_hit *h = &v->policy[v->n_policy];

		h->cmd = k;
		snprintf(h->verb, sizeof(h->verb), "%s", verb);
		h->policy = policy;
		h->captured = captured;
		h->got = got;
	}
	v->n_policy++;
}

/* The first difference between the client's view and the capture's, or
 * "" (commands up to where the capture stops showing replies). Replies the
 * gateway's policy gave are noted in v and the comparison goes on. */
static void rep_first_diff(const struct rep_run_sess *r, const struct sim_ftpc_result *res,
			   struct rep_verdict *v, char *why, size_t len)
{
	const struct rep_session *s = r->s;

	why[0] = '\0';
	for (size_t j = 0; j < r->n_steps; j++) {
		const struct rep_cmd *c = &s->cmds[r->step_cmd[j]];
		const struct rep_xfer *x = rep_run_xfer_at(s, (size_t)r->step_cmd[j]);
		int got = rep_step_code(res, j);

		if (got != c->reply) {
			const char *pol = rep_policy_of(r->mode, c->verb, got);

			if (pol) {
				rep_policy_hit(v, r->step_cmd[j], c->verb, pol, c->reply, got);
				continue;
			}
			rep_say(why, len, "command %ld (%s): the capture's reply %d, the "
				 "re-enactment's %d", r->step_cmd[j] + 1, c->verb, c->reply, got);
			return;
		}
		if (!x || (x->prelim / 100 != 1 && c->reply / 100 != 2))
			continue;
		for (size_t i = 0; i < res->n_xfers; i++) {
			if (res->xfers[i].step == j && res->xfers[i].bytes != x->bytes) {
				rep_say(why, len, "%s %.60s: the capture's %" PRIu64 " bytes, the "
					 "re-enactment's %" PRIu64, x->cmd, x->arg, x->bytes,
					 res->xfers[i].bytes);
				return;
			}
		}
	}
}

/* A broken capture is reported as such first (its own record is what
 * differs), then the first difference the mode showed. */
void rep_run_judge(const struct rep_run_sess *r, struct rep_verdict *v)
{
	const struct rep_session *s = r->s;
	const struct sim_ftpc_result *res = r->c ? sim_ftpc_result(r->c) : NULL;
	char broken[112], diff[112]; /* both fit in a reason with the words around */

	v->reenacted = true;
	v->reproduced = false;
	v->outcome = REP_OUT_NOT_REPRODUCED;
	v->n_policy = 0;
	if (!res || !res->done) {
		rep_say(v->reason, sizeof(v->reason), "the re-enacted session did not finish%s%.160s",
			 res && res->reason[0] ? ": " : "", res ? res->reason : "");
		return;
	}
	rep_first_diff(r, res, v, diff, sizeof(diff));
	if (r->stop_k < s->n_cmds)
		rep_say(broken, sizeof(broken), "no reply to command %zu (%s), %zu of %zu "
			 "commands re-enacted", r->stop_k + 1, s->cmds[r->stop_k].verb, r->stop_k,
			 s->n_cmds);
	else if (r->n_unanswered)
		rep_say(broken, sizeof(broken), "no reply captured to %zu command(s), the "
			 "first command %zu (%s): not re-enacted", r->n_unanswered,
			 r->first_unanswered + 1, s->cmds[r->first_unanswered].verb);
	else
		rep_session_broken(s, broken, sizeof(broken));
	if (broken[0])
		rep_say(v->reason, sizeof(v->reason), "capture incomplete: %s%s%s", broken,
			 diff[0] ? "; then " : "", diff);
	else if (diff[0])
		rep_say(v->reason, sizeof(v->reason), "%s", diff);
	else if (v->n_policy) {
		const struct rep_policy_hit *h = &v->policy[0];

		v->outcome = REP_OUT_POLICY;
		rep_say(v->reason, sizeof(v->reason), "command %ld (%s): %s; the client got %d "
			 "(the capture's %d)%s", h->cmd + 1, h->verb, h->policy, h->got, h->captured,
			 v->n_policy > 1 ? " and more, see the JSON" : "");
	} else {
		v->outcome = REP_OUT_REPRODUCED;
		v->reproduced = true;
	}
}
