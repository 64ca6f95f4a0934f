/* ftpp_session.c - one intercepted control session's life: the entry points
 * that take bytes and events, the timer, and the close and free that leave
 * nothing behind in the NAT. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftpp_int.h"

void ftpp_arm_timer(struct ftpp_session *s, uint64_t now)
{
	struct ftpp_action a;
	uint64_t at = UINT64_MAX;

	if (s->state == FTPP_SESS_CLOSED)
		return;
	if (s->x.st == FTPP_XFER_NONE)
		at = s->idle_deadline;
	if (ftpp_xfer_due(s) && s->x.deadline < at)
		at = s->x.deadline;
	if (at == UINT64_MAX || (s->timer_at > now && s->timer_at <= at))
		return; /* the armed timer fires first and re-arms */
	s->timer_at = at;
	memset(&a, 0, sizeof(a));
	a.type = FTPP_ACT_TIMER;
	a.at_ns = at;
	ftpp_out_push(s, &a, NULL, 0);
}

const char *ftpp_close_reason_name(enum ftpp_close_reason r)
{
	switch (r) {
	case FTPP_CLOSE_NONE:
		return "none";
	case FTPP_CLOSE_PEER:
		return "peer";
	case FTPP_CLOSE_DENIED:
		return "denied";
	case FTPP_CLOSE_LIMIT:
		return "limit";
	case FTPP_CLOSE_NOT_INTERCEPTED:
		return "not-intercepted";
	case FTPP_CLOSE_CONNECT_FAILED:
		return "connect-failed";
	case FTPP_CLOSE_LINE_TOO_LONG:
		return "line-too-long";
	case FTPP_CLOSE_NUL:
		return "nul";
	case FTPP_CLOSE_SERVER_PROTOCOL:
		return "server-protocol";
	case FTPP_CLOSE_IDLE:
		return "idle";
	case FTPP_CLOSE_INTERNAL:
		return "internal";
	}
	return "unknown";
}

static void ftpp_session_unlive(struct ftpp_session *s);

void ftpp_session_close(struct ftpp_session *s, enum ftpp_close_reason why, bool from_server,
			uint64_t offset, int code, const char *text)
{
	if (s->state == FTPP_SESS_CLOSED)
		return;
	if (code)
		ftpp_out_reply(s, code, text);
	ftpp_xfer_end(s, "session end");
	if (s->group_dirty) {
		(void)natapi_cancel_group(s->f->api, s->group);
		s->group_dirty = false;
	}
	ftpp_out_simple(s, FTPP_ACT_CLOSE_CLIENT);
	if (s->server_asked && why != FTPP_CLOSE_CONNECT_FAILED)
		ftpp_out_simple(s, FTPP_ACT_CLOSE_SERVER);
	s->state = FTPP_SESS_CLOSED;
	ftpp_session_unlive(s);
	s->info.reason = why;
	s->info.reason_from_server = from_server;
	s->info.reason_offset = offset;
	ftpp_out_log(s, "S%u closed reason=%s transfers=%u fast=%u proxy=%u refused=%u", s->id,
		     ftpp_close_reason_name(why), s->info.transfers, s->info.fast_transfers, s->info.proxy_transfers,
		     s->info.refused);
}

/* Leaves the live counts (admission limits) once: on close, or on a free
 * of a session never closed. */
static void ftpp_session_unlive(struct ftpp_session *s)
{
	if (!s->live)
		return;
	s->live = false;
	s->f->n_live--;
	ftpp_clients_dec(&s->f->clients, &s->accepted.src);
}

int ftpp_session_open(struct ftpp *f, const struct net_tuple *accepted, uint64_t now,
		      struct ftpp_session **out)
{
	struct ftpp_session *s;
	int rc;

	if (!f || !accepted || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->f = f;
	s->id = ++f->next_id;
	s->group = f->cfg.group_base + s->id;
	s->accepted = *accepted;
	s->state = FTPP_SESS_CONNECTING;
	s->info.id = s->id;
	if (ftpp_clients_inc(&f->clients, &accepted->src) < 0) {
		free(s);
		return -ENOMEM;
	}
	s->live = true;
	f->n_live++;
	s->prev = NULL;
	s->next = f->sessions;
	if (f->sessions)
		f->sessions->prev = s;
	f->sessions = s;
	ftpp_session_admit(s, now);
	rc = s->err;
	if (rc < 0) {
		ftpp_session_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ftpp_session_free(struct ftpp_session *s)
{
	if (!s)
		return;
	ftpp_xfer_end(s, "session freed");
	if (s->group_dirty)
		(void)natapi_cancel_group(s->f->api, s->group);
	ftpp_session_unlive(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		s->f->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	ftpp_out_free(s);
	free(s->cin.p);
	free(s->sin.p);
	free(s->held.p);
	free(s);
}

/* Appends in slices so a huge feed cannot grow the buffer beyond the limit
 * while complete lines wait to be processed. */
static int ftpp_feed(struct ftpp_session *s, bool server, const uint8_t *buf, size_t len,
		     uint64_t now)
{
	struct ftpp_buf *b = server ? &s->sin : &s->cin;

	while (len > 0 && s->state != FTPP_SESS_CLOSED) {
		size_t room = FTPP_MAX_INBUF - b->len, n = len < room ? len : room;

		if (n == 0) {
			/* Full of lines we may not process yet (queue full). */
			ftpp_session_close(s, FTPP_CLOSE_LINE_TOO_LONG, server, b->consumed, 421,
					   "Too much pipelined input");
			break;
		}
		if (ftpp_buf_append(b, buf, n) != 0)
			return -ENOMEM;
		buf += n;
		len -= n;
		if (s->state == FTPP_SESS_OPEN) {
			if (server)
				ftpp_server_process(s, now);
			else
				ftpp_client_process(s, now);
		}
	}
	return s->err;
}

static int ftpp_entry(struct ftpp_session *s, uint64_t now)
{
	if (s->state == FTPP_SESS_CLOSED)
		return -EPIPE;
	ftpp_out_begin(s);
	if (s->timer_at && now >= s->timer_at)
		s->timer_at = 0;
	return 0;
}

int ftpp_feed_client(struct ftpp_session *s, const uint8_t *buf, size_t len, uint64_t now)
{
	int rc;

	if (!s || (!buf && len))
		return -EINVAL;
	rc = ftpp_entry(s, now);
	if (rc < 0)
		return rc;
	s->idle_deadline = now + s->f->cfg.idle_timeout_ns;
	rc = ftpp_feed(s, false, buf, len, now);
	ftpp_arm_timer(s, now);
	return rc ? rc : s->err;
}

int ftpp_feed_server(struct ftpp_session *s, const uint8_t *buf, size_t len, uint64_t now)
{
	int rc;

	if (!s || (!buf && len))
		return -EINVAL;
	rc = ftpp_entry(s, now);
	if (rc < 0)
		return rc;
	s->idle_deadline = now + s->f->cfg.idle_timeout_ns;
	rc = ftpp_feed(s, true, buf, len, now);
	ftpp_arm_timer(s, now);
	return rc ? rc : s->err;
}

static void ftpp_timer(struct ftpp_session *s, uint64_t now)
{
	ftpp_xfer_timeout(s, now);
	if (s->state == FTPP_SESS_OPEN)
		ftpp_server_process(s, now);
	if (s->x.st == FTPP_XFER_NONE && now >= s->idle_deadline)
		ftpp_session_close(s, FTPP_CLOSE_IDLE, false, 0, 421,
				   "Timeout: closing control connection");
}

int ftpp_event(struct ftpp_session *s, const struct ftpp_event *ev, uint64_t now)
{
	struct ftpp_pending greet;
	int rc;

	if (!s || !ev)
		return -EINVAL;
	rc = ftpp_entry(s, now);
	if (rc < 0)
		return rc;
	switch (ev->type) {
	case FTPP_EV_SERVER_CONNECTED:
		if (s->state != FTPP_SESS_CONNECTING)
			break;
		s->state = FTPP_SESS_OPEN;
		s->server_connected = true;
		memset(&greet, 0, sizeof(greet));
		greet.kind = FTPP_CMD_GREETING;
		ftpp_pend_push(s, &greet);
		/* Commands the client sent early, and a greeting already read. */
		ftpp_server_process(s, now);
		ftpp_client_process(s, now);
		break;
	case FTPP_EV_SERVER_CONNECT_FAILED:
		ftpp_session_close(s, FTPP_CLOSE_CONNECT_FAILED, true, 0, 421,
				   "Service not available (server unreachable)");
		break;
	case FTPP_EV_CLIENT_CLOSED:
		ftpp_session_close(s, FTPP_CLOSE_PEER, false, s->cin.consumed, 0, NULL);
		break;
	case FTPP_EV_SERVER_CLOSED:
		ftpp_session_close(s, FTPP_CLOSE_PEER, true, s->sin.consumed, 0, NULL);
		break;
	case FTPP_EV_DATA_UP:
	case FTPP_EV_DATA_FAILED:
	case FTPP_EV_DATA_DONE:
		ftpp_xfer_event(s, ev);
		/* A final reply held for the data's end may go now. */
		if (s->state == FTPP_SESS_OPEN)
			ftpp_server_process(s, now);
		break;
	case FTPP_EV_TIMER:
		ftpp_timer(s, now);
		break;
	default:
		return -EINVAL;
	}
	ftpp_arm_timer(s, now);
	return s->err;
}

void ftpp_session_get_info(const struct ftpp_session *s, struct ftpp_session_info *out)
{
	*out = s->info;
	out->state = s->state;
}
