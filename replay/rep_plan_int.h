/* rep_plan_int.h - private to the plan (rep_reenact_plan.c): the export's
 * view of one session, built by rep_plan_export.c (commands in the
 * scenario's vocabulary, the server's files and directories, refusals). */
#ifndef GATELAB_REP_PLAN_INT_H
#define GATELAB_REP_PLAN_INT_H

#include "rep_reenact.h"

/* Fills p->sc.sessions[n] and servers[n]'s files from capture session s (t0:
 * the capture's first session start); limits of the scenario format go to
 * p->export_refusal, commands left out to p->notes. */
void rep_plan_session(struct rep_plan *p, const struct rep_session *s, size_t n, uint64_t t0);
/* Adds a note for scenario slot (a captured command the export leaves out).
 * Returns 0 or -ENOMEM (the note is then lost, the refusal says so). */
int rep_plan_note(struct rep_plan *p, size_t slot, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
