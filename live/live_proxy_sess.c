/* live_proxy_sess.c - intercepted control sessions on real sockets: accept
 * (the fd lent to lookup_original), the drain loop carrying out the core's
 * actions, control-socket reads and writes, connect completion, closes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "live_proxy_int.h"

/* ---- pending output ------------------------------------------------------------ */

static int lp_buf_add(struct lp_buf *b, const uint8_t *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		uint8_t *nb;

		while (cap < b->len + n)
			cap *= 2;
		nb = realloc(b->p, cap);
		if (!nb)
			return -ENOMEM;
		b->p = nb;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* The interest a control socket needs now: input unless its peer is gone,
 * output while bytes wait (or while the connect is in progress). */
static void lp_ctl_interest(struct lp_sess *ps, bool srv)
{
	struct lp_ep *ep = srv ? &ps->sv : &ps->c;
	struct lp_buf *b = srv ? &ps->sout : &ps->cout;
	bool gone = srv ? ps->s_gone : ps->c_gone;
	uint32_t ev = 0;

	if (ep->fd < 0)
		return;
	if (gone) {
		lp_epoll_del(ps->d, ep); /* EOF or HUP would wake us forever */
		return;
	}
	if (srv && !ps->s_connected) {
		ev = EPOLLOUT;
	} else {
		ev = EPOLLIN;
		if (b->len)
			ev |= EPOLLOUT;
	}
	if (lp_epoll_set(ps->d, ep, ev) != 0)
		ps->d->st->errors++;
}

/* Writes what is pending; closes the socket once asked and nothing is left
 * (or the peer is gone and nothing can leave). */
static void lp_flush(struct lp_sess *ps, bool srv)
{
	struct lp_ep *ep = srv ? &ps->sv : &ps->c;
	struct lp_buf *b = srv ? &ps->sout : &ps->cout;
	bool *gone = srv ? &ps->s_gone : &ps->c_gone;
	bool want_close = srv ? ps->s_close : ps->c_close;

	if (ep->fd < 0)
		return;
	while (b->len && !*gone && (!srv || ps->s_connected)) {
		ssize_t n = lp_write(ps->d, ep->fd, b->p, b->len);

		if (n > 0) {
			memmove(b->p, b->p + n, b->len - (size_t)n);
			b->len -= (size_t)n;
			continue;
		}
		if (n == -EAGAIN || n == -EINTR)
			break;
		*gone = true; /* the connection ended: nothing more can go out */
	}
	if (*gone)
		b->len = 0;
	if (want_close && b->len == 0) {
		lp_ep_close(ps->d, ep);
		return;
	}
	lp_ctl_interest(ps, srv);
}

/* ---- actions ------------------------------------------------------------------------ */

static void lp_connect_server(struct lp_sess *ps, const struct ftpp_action *a)
{
	int fd = lp_tcp_connect(ps->d, &a->src, &a->addr, a->port);

	if (fd < 0) {
		ps->s_gone = ps->s_told = true;
		ps->d->st->errors++;
		lp_event(ps, FTPP_EV_SERVER_CONNECT_FAILED, 0, 0, 0, 0);
		return;
	}
	ps->sv.fd = fd;
	lp_ctl_interest(ps, true);
}

static void lp_log(struct lp_sess *ps, const struct ftpp_action *a)
{
	ps->d->st->logs++;
	if (ps->d->cfg->log_to_stderr)
		fprintf(stderr, "%.*s\n", (int)a->len, (const char *)a->data);
}

static void lp_data_failed(struct lp_sess *ps, const struct ftpp_action *a)
{
	ps->d->st->errors++;
	lp_event(ps, FTPP_EV_DATA_FAILED, a->data_id, (int)a->side, 0, 0);
}

static void lp_do(struct lp_sess *ps, const struct ftpp_action *a)
{
	struct lp_buf *b;

	switch (a->type) {
	case FTPP_ACT_SEND_CLIENT:
	case FTPP_ACT_SEND_SERVER:
		/* Queued: the drain flushes once at its end, so a line the core
		 * hands over in pieces leaves in one write. */
		b = a->type == FTPP_ACT_SEND_SERVER ? &ps->sout : &ps->cout;
		if (lp_buf_add(b, a->data, a->len) != 0)
			ps->d->st->errors++;
		break;
	case FTPP_ACT_CONNECT_SERVER:
		lp_connect_server(ps, a);
		break;
	case FTPP_ACT_CLOSE_CLIENT:
		ps->c_close = true;
		break;
	case FTPP_ACT_CLOSE_SERVER:
		ps->s_close = true;
		break;
	case FTPP_ACT_LISTEN_DATA:
		if (lp_data_listen(ps, a) < 0)
			lp_data_failed(ps, a);
		break;
	case FTPP_ACT_CONNECT_DATA:
		if (lp_data_connect(ps, a) < 0)
			lp_data_failed(ps, a);
		break;
	case FTPP_ACT_SPLICE_DATA:
		if (lp_data_splice(ps, a->data_id) < 0)
			lp_data_failed(ps, a);
		break;
	case FTPP_ACT_CLOSE_DATA:
		lp_data_close(ps, a->data_id);
		break;
	case FTPP_ACT_TIMER:
		lp_timer_set(ps, a->at_ns ? a->at_ns : 1);
		break;
	case FTPP_ACT_LOG:
		lp_log(ps, a);
		break;
	}
}

static bool lp_core_closed(const struct lp_sess *ps)
{
	struct ftpp_session_info info;

	ftpp_session_get_info(ps->s, &info);
	return info.state == FTPP_SESS_CLOSED;
}

/* Carries out every queued action, then the events raised meanwhile; at the
 * end, a closed core closes what is left, and pending output is written. */
static void lp_drain(struct lp_sess *ps)
{
	struct ftpp_action a;

	if (ps->draining)
		return;
	ps->draining = true;
	for (;;) {
		while (ftpp_next_action(ps->s, &a) == 1)
			lp_do(ps, &a);
		if (ps->n_pend == 0)
			break;
		struct ftpp_event ev = ps->pend[0];

		memmove(ps->pend, ps->pend + 1, (ps->n_pend - 1) * sizeof(ps->pend[0]));
		ps->n_pend--;
		(void)ftpp_event(ps->s, &ev, lp_now());
	}
	ps->draining = false;
	if (lp_core_closed(ps)) {
		ps->c_close = ps->s_close = true;
		lp_data_close_all(ps);
	}
	lp_flush(ps, false);
	lp_flush(ps, true);
}

void lp_event(struct lp_sess *ps, enum ftpp_event_type t, uint32_t data_id, int side,
	      uint64_t to_client, uint64_t to_server)
{
	struct ftpp_event *ev;

	if (ps->n_pend == LP_MAX_PEND_EV) {
		/* Cannot happen with the core's bounded actions per call;
		 * counted rather than silently lost. */
		ps->d->st->errors++;
		return;
	}
	ev = &ps->pend[ps->n_pend++];
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	ev->data_id = data_id;
	ev->side = (enum ftpp_data_side)side;
	ev->bytes_to_client = to_client;
	ev->bytes_to_server = to_server;
	lp_drain(ps);
}

/* ---- control socket readiness ----------------------------------------------------------- */

static void lp_ctl_gone(struct lp_sess *ps, bool srv)
{
	bool *gone = srv ? &ps->s_gone : &ps->c_gone;
	bool *told = srv ? &ps->s_told : &ps->c_told;

	*gone = true;
	lp_ctl_interest(ps, srv);
	if (*told)
		return;
	*told = true;
	if (srv && !ps->s_connected)
		lp_event(ps, FTPP_EV_SERVER_CONNECT_FAILED, 0, 0, 0, 0);
	else
		lp_event(ps, srv ? FTPP_EV_SERVER_CLOSED : FTPP_EV_CLIENT_CLOSED, 0, 0, 0, 0);
}

static void lp_ctl_read(struct lp_sess *ps, bool srv)
{
	struct lp_ep *ep = srv ? &ps->sv : &ps->c;
	uint8_t buf[LP_CTL_BUF];
	ssize_t n;

	if (ep->fd < 0)
		return;
	n = lp_read(ps->d, ep->fd, buf, sizeof(buf));
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n <= 0) {
		lp_ctl_gone(ps, srv);
		return;
	}
	if (srv)
		(void)ftpp_feed_server(ps->s, buf, (size_t)n, lp_now());
	else
		(void)ftpp_feed_client(ps->s, buf, (size_t)n, lp_now());
	lp_drain(ps);
}

void lp_ctl_ready(struct lp_sess *ps, struct lp_ep *ep, uint32_t events)
{
	bool srv = ep->kind == LP_EP_CTL_S;

	if (srv && !ps->s_connected) {
		int err = lp_sock_error(ps->d, ep->fd);

		if (err) {
			lp_ctl_gone(ps, true);
			return;
		}
		ps->s_connected = true;
		lp_event(ps, FTPP_EV_SERVER_CONNECTED, 0, 0, 0, 0);
		lp_flush(ps, true);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		lp_ctl_read(ps, srv);
	if ((events & EPOLLOUT) && ep->fd >= 0)
		lp_flush(ps, srv);
}

/* ---- accept ----------------------------------------------------------------------------- */

static void lp_sess_link(struct lp *d, struct lp_sess *ps)
{
	ps->next = d->sessions;
	if (d->sessions)
		d->sessions->prev = ps;
	d->sessions = ps;
}

/* Accepts one intercepted connection and opens its session. Returns 0, or
 * -EAGAIN when nothing more waits, or a negative errno. */
int lp_accept(struct lp *d, struct lp_ep *lsn)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof(peer), llen = sizeof(local);
	struct lp_sess *ps;
	struct net_tuple t;
	int fd, rc;

	d->sc[LP_SC_ACCEPT4]++;
	fd = accept4(lsn->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	d->sc[LP_SC_GETSOCKNAME]++;
	if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0) {
		rc = -errno;
		lp_close(d, &fd);
		d->st->errors++;
		return rc;
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		lp_close(d, &fd);
		d->st->errors++;
		return -ENOMEM;
	}
	ps->d = d;
	ps->heap_i = SIZE_MAX;
	ps->c = (struct lp_ep){.kind = LP_EP_CTL_C, .fd = fd, .ps = ps};
	ps->sv = (struct lp_ep){.kind = LP_EP_CTL_S, .fd = -1, .ps = ps};
	for (int i = 0; i < LP_MAX_DATA; i++)
		for (int k = 0; k < 2; k++) {
			ps->data[i].lsn[k] = (struct lp_ep){.kind = LP_EP_DLSN, .fd = -1, .ps = ps,
							   .slot = i, .side = k};
			ps->data[i].sock[k] = (struct lp_ep){.kind = LP_EP_DSOCK, .fd = -1, .ps = ps,
							    .slot = i, .side = k};
			ps->data[i].pipe[k][0] = ps->data[i].pipe[k][1] = -1;
		}
	memset(&t, 0, sizeof(t));
	t.proto = 6;
	lp_from_sockaddr(&peer, &t.src, &t.sport);
	lp_from_sockaddr(&local, &t.dst, &t.dport);
	/* lookup_original may ask about this tuple: the fd answers it. */
	d->acc_fd = fd;
	d->acc_t = t;
	rc = ftpp_session_open(d->f, &t, lp_now(), &ps->s);
	d->acc_fd = -1;
	if (rc != 0 || !ps->s) {
		lp_close(d, &ps->c.fd);
		free(ps);
		d->st->errors++;
		return rc ? rc : -ENOMEM;
	}
	lp_sess_link(d, ps);
	d->st->sessions++;
	lp_ctl_interest(ps, false);
	lp_drain(ps);
	lp_sess_maybe_free(ps);
	return 0;
}

/* Closes every fd of the session and frees the core's session (its NAT
 * redirects and port go with it); the memory is the caller's to free. */
void lp_sess_release(struct lp_sess *ps)
{
	struct ftpp_session_info info;
	struct live_proxy_stats *st = ps->d->st;

	lp_data_close_all(ps);
	lp_ep_close(ps->d, &ps->c);
	lp_ep_close(ps->d, &ps->sv);
	if (ps->s) {
		ftpp_session_get_info(ps->s, &info);
		st->fast_transfers += info.fast_transfers;
		st->proxy_transfers += info.proxy_transfers;
		st->refused += info.refused;
		if (info.reason == FTPP_CLOSE_DENIED || info.reason == FTPP_CLOSE_LIMIT)
			st->refused++;
		if (info.reason == FTPP_CLOSE_INTERNAL)
			st->errors++;
		ftpp_session_free(ps->s);
		ps->s = NULL;
	}
	free(ps->cout.p);
	free(ps->sout.p);
	ps->cout.p = ps->sout.p = NULL;
}

bool lp_sess_idle(const struct lp_sess *ps)
{
	return lp_core_closed(ps) && ps->c.fd < 0 && ps->sv.fd < 0 && !lp_data_any(ps);
}
