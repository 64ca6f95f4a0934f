/* ftpp_pend.c - the commands of a session that wait for a reply, in order:
 * replies are matched to them first in, first out (RFC 959 has no tags), and
 * a command the proxy answers itself waits its turn in the same queue. */
#include <string.h>

#include "ftpp_int.h"

struct ftpp_pending *ftpp_pend_at(struct ftpp_session *s, size_t i)
{
	return i < s->pend_n ? &s->pend[(s->pend_head + i) % FTPP_MAX_PENDING] : NULL;
}

void ftpp_pend_push(struct ftpp_session *s, const struct ftpp_pending *p)
{
	/* Callers stop reading commands while the queue is full. */
	if (s->pend_n == FTPP_MAX_PENDING)
		return;
	s->pend[(s->pend_head + s->pend_n++) % FTPP_MAX_PENDING] = *p;
	ftpp_pend_flush_local(s);
}

void ftpp_pend_local(struct ftpp_session *s, int code, const char *text)
{
	struct ftpp_pending p;

	memset(&p, 0, sizeof(p));
	p.kind = FTPP_CMD_LOCAL;
	p.code = code;
	p.text = text;
	s->info.refused++;
	ftpp_pend_push(s, &p);
}

/* A locally answered command replies in its turn, never ahead of replies the
 * server still owes for earlier commands. */
void ftpp_pend_flush_local(struct ftpp_session *s)
{
	while (s->pend_n && s->state != FTPP_SESS_CLOSED) {
		struct ftpp_pending *p = ftpp_pend_at(s, 0);

		if (p->kind != FTPP_CMD_LOCAL)
			break;
		ftpp_out_reply(s, p->code, p->text);
		s->pend_head = (s->pend_head + 1) % FTPP_MAX_PENDING;
		s->pend_n--;
	}
}
