/* rep_reenact_judge.c - a re-enacted session against its capture: the first
 * reply code or transfer size that differs, and whether the capture itself is
 * a complete record (that is reported first). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

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

/* The first difference between the client's view and the capture's, or
 * "" (commands up to where the capture stops showing replies). */
static void rep_first_diff(const struct rep_run_sess *r, const struct sim_ftpc_result *res,
			   char *why, size_t len)
{
	const struct rep_session *s = r->s;

	why[0] = '\0';
	for (size_t j = 0; j < r->n_steps; j++) {
		const struct rep_cmd *c = &s->cmds[r->step_cmd[j]];
		const struct rep_xfer *x = rep_run_xfer_at(s, (size_t)r->step_cmd[j]);
		int got = rep_step_code(res, j);

		if (got != c->reply) {
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
	if (!res || !res->done) {
		rep_say(v->reason, sizeof(v->reason), "the re-enacted session did not finish%s%.160s",
			 res && res->reason[0] ? ": " : "", res ? res->reason : "");
		return;
	}
	rep_first_diff(r, res, diff, sizeof(diff));
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
	else
		v->reproduced = true;
}
