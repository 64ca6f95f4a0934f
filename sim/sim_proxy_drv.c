/* sim_proxy_drv.c - the proxy core's driver on the simulated gateway: the
 * listener intercepted sessions land on, control sockets, the drain loop
 * that carries out the core's actions, timers, session lifetime. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_proxy_drv_int.h"

static void pxd_ctl_readable(struct sim_sock *s, void *ctx);
static void pxd_ctl_writable(struct sim_sock *s, void *ctx);
static void pxd_ctl_connected(struct sim_sock *s, void *ctx);
static void pxd_ctl_closed(struct sim_sock *s, void *ctx, int err);

static const struct sim_sock_ops pxd_ctl_ops = {
	.on_connected = pxd_ctl_connected,
	.on_readable = pxd_ctl_readable,
	.on_writable = pxd_ctl_writable,
	.on_closed = pxd_ctl_closed,
};

uint64_t pxd_now(const struct pxd_sess *ps)
{
	return sim_world_now(ps->d->gw->w);
}

/* ---- session lifetime ------------------------------------------------------ */

static bool pxd_core_closed(const struct pxd_sess *ps)
{
	struct ftpp_session_info info;

	ftpp_session_get_info(ps->s, &info);
	return info.state == FTPP_SESS_CLOSED;
}

static void pxd_sess_free(struct pxd_sess *ps, bool abort_socks)
{
	struct sim_pxd *d = ps->d;

	sim_sched_cancel(&d->gw->w->sched, &ps->timer);
	if (abort_socks) {
		if (ps->cs)
			sim_gw_abort(d->gw, ps->cs);
		if (ps->ss)
			sim_gw_abort(d->gw, ps->ss);
		ps->cs = ps->ss = NULL;
	}
	pxd_data_close_all(ps);
	ftpp_session_free(ps->s);
	*ps->pprev = ps->next;
	if (ps->next)
		ps->next->pprev = ps->pprev;
	free(ps->cout.p);
	free(ps->sout.p);
	d->st.sessions_freed++;
	free(ps);
}

/* The session ends when the core has closed it and the driver has let go
 * of every socket; only at the outermost driver frame. */
static void pxd_maybe_free(struct pxd_sess *ps)
{
	if (ps->depth || ps->draining || !pxd_core_closed(ps))
		return;
	if (ps->cs || ps->ss || pxd_data_any(ps))
		return;
	pxd_sess_free(ps, false);
}

void pxd_enter(struct pxd_sess *ps)
{
	ps->depth++;
}

void pxd_leave(struct pxd_sess *ps)
{
	if (--ps->depth == 0)
		pxd_maybe_free(ps);
}

/* ---- control socket output --------------------------------------------------- */

static int pxd_buf_add(struct pxd_buf *b, const uint8_t *p, size_t n)
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

/* Writes what is pending on the client (srv false) or server control socket
 * and closes it once asked to and nothing is left (or the peer is gone). */
static void pxd_flush(struct pxd_sess *ps, bool srv)
{
	struct sim_sock **sp = srv ? &ps->ss : &ps->cs;
	struct pxd_buf *b = srv ? &ps->sout : &ps->cout;
	bool gone = srv ? ps->s_gone : ps->c_gone;
	bool want_close = srv ? ps->s_close : ps->c_close;

	if (!*sp)
		return;
	while (b->len && !gone) {
		long n = sim_sock_send(*sp, b->p, b->len);

		if (n > 0) {
			memmove(b->p, b->p + n, b->len - (size_t)n);
			b->len -= (size_t)n;
			continue;
		}
		if (n == -EAGAIN || (n == -ENOTCONN && srv && !ps->s_connected))
			break;
		gone = true; /* the connection ended: nothing more can go out */
	}
	if (gone)
		b->len = 0;
	if (want_close && (b->len == 0 || gone)) {
		sim_gw_close(ps->d->gw, *sp);
		*sp = NULL;
	}
}

/* Queued only: the drain flushes once at its end, so a line the core hands
 * over in pieces leaves in one write (one crossing, one segment). */
static void pxd_send(struct pxd_sess *ps, bool srv, const uint8_t *p, size_t n)
{
	if (pxd_buf_add(srv ? &ps->sout : &ps->cout, p, n) != 0)
		ps->d->st.errors++;
}

/* ---- actions ------------------------------------------------------------------ */

static void pxd_timer_fire(void *arg)
{
	struct pxd_sess *ps = arg;

	ps->timer.slot = 0;
	pxd_enter(ps);
	pxd_event(ps, FTPP_EV_TIMER, 0, 0, 0, 0);
	pxd_leave(ps);
}

static void pxd_connect_server(struct pxd_sess *ps, const struct ftpp_action *a)
{
	struct sim_gw *gw = ps->d->gw;
	int rc = sim_gw_connect(gw, net_addr_is_set(&a->src) ? &a->src : NULL, &a->addr, a->port,
				&pxd_ctl_ops, &ps->sep, &ps->ss);

	if (rc < 0) {
		ps->ss = NULL;
		ps->s_gone = ps->s_told = true;
		ps->d->st.errors++;
		pxd_event(ps, FTPP_EV_SERVER_CONNECT_FAILED, 0, 0, 0, 0);
	}
}

static void pxd_do(struct pxd_sess *ps, const struct ftpp_action *a)
{
	struct sim_sched *sched = &ps->d->gw->w->sched;
	uint64_t now = pxd_now(ps);

	switch (a->type) {
	case FTPP_ACT_SEND_CLIENT:
		pxd_send(ps, false, a->data, a->len);
		break;
	case FTPP_ACT_SEND_SERVER:
		pxd_send(ps, true, a->data, a->len);
		break;
	case FTPP_ACT_CONNECT_SERVER:
		pxd_connect_server(ps, a);
		break;
	case FTPP_ACT_CLOSE_CLIENT:
		ps->c_close = true;
		pxd_flush(ps, false);
		break;
	case FTPP_ACT_CLOSE_SERVER:
		ps->s_close = true;
		pxd_flush(ps, true);
		break;
	case FTPP_ACT_LISTEN_DATA:
		if (pxd_data_listen(ps, a) < 0) {
			ps->d->st.errors++;
			pxd_event(ps, FTPP_EV_DATA_FAILED, a->data_id, (int)a->side, 0, 0);
		}
		break;
	case FTPP_ACT_CONNECT_DATA:
		if (pxd_data_connect(ps, a) < 0) {
			ps->d->st.errors++;
			pxd_event(ps, FTPP_EV_DATA_FAILED, a->data_id, (int)a->side, 0, 0);
		}
		break;
	case FTPP_ACT_SPLICE_DATA:
		if (pxd_data_splice(ps, a->data_id) < 0) {
			ps->d->st.errors++;
			pxd_event(ps, FTPP_EV_DATA_FAILED, a->data_id, FTPP_DATA_CLIENT, 0, 0);
		}
		break;
	case FTPP_ACT_CLOSE_DATA:
		pxd_data_close(ps, a->data_id);
		break;
	case FTPP_ACT_TIMER:
		sim_sched_cancel(sched, &ps->timer);
		if (sim_sched_at(sched, a->at_ns > now ? a->at_ns : now, pxd_timer_fire, ps,
				 &ps->timer) != 0)
			ps->d->st.errors++;
		break;
	case FTPP_ACT_LOG:
		ps->d->st.logs++;
		break;
	}
}

/* Carries out every queued action, then the events raised meanwhile (each
 * may queue more actions); at the end, a closed core closes what is left. */
static void pxd_drain(struct pxd_sess *ps)
{
	struct ftpp_action a;

	if (ps->draining)
		return;
	ps->draining = true;
	for (;;) {
		while (ftpp_next_action(ps->s, &a) == 1)
			pxd_do(ps, &a);
		if (ps->n_pend == 0)
			break;
		struct ftpp_event ev = ps->pend[0];

		memmove(ps->pend, ps->pend + 1, (ps->n_pend - 1) * sizeof(ps->pend[0]));
		ps->n_pend--;
		(void)ftpp_event(ps->s, &ev, pxd_now(ps));
	}
	ps->draining = false;
	if (pxd_core_closed(ps)) {
		ps->c_close = ps->s_close = true;
		pxd_data_close_all(ps);
	}
	pxd_flush(ps, false);
	pxd_flush(ps, true);
}

void pxd_event(struct pxd_sess *ps, enum ftpp_event_type t, uint32_t data_id, int side,
	       uint64_t to_client, uint64_t to_server)
{
	struct ftpp_event *ev;

	if (ps->n_pend == PXD_MAX_PEND_EV) {
		ps->d->st.errors++;
		return;
	}
	ev = &ps->pend[ps->n_pend++];
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	ev->data_id = data_id;
	ev->side = (enum ftpp_data_side)side;
	ev->bytes_to_client = to_client;
	ev->bytes_to_server = to_server;
	pxd_drain(ps);
}

/* ---- control socket events ------------------------------------------------------ */

static void pxd_ctl_gone(struct pxd_sess *ps, bool srv)
{
	bool *gone = srv ? &ps->s_gone : &ps->c_gone;
	bool *told = srv ? &ps->s_told : &ps->c_told;

	*gone = true;
	if (*told)
		return;
	*told = true;
	if (srv && !ps->s_connected)
		pxd_event(ps, FTPP_EV_SERVER_CONNECT_FAILED, 0, 0, 0, 0);
	else
		pxd_event(ps, srv ? FTPP_EV_SERVER_CLOSED : FTPP_EV_CLIENT_CLOSED, 0, 0, 0, 0);
}

static void pxd_ctl_readable(struct sim_sock *s, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	bool srv = ep->kind == PXD_EP_SERVER;
	uint8_t buf[PXD_READ_BUF];

	(void)s;
	pxd_enter(ps);
	for (;;) {
		struct sim_sock *sock = srv ? ps->ss : ps->cs;
		long n;

		if (!sock)
			break;
		n = sim_sock_recv(sock, buf, sizeof(buf));
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			pxd_ctl_gone(ps, srv);
			break;
		}
		if (srv)
			(void)ftpp_feed_server(ps->s, buf, (size_t)n, pxd_now(ps));
		else
			(void)ftpp_feed_client(ps->s, buf, (size_t)n, pxd_now(ps));
		pxd_drain(ps);
	}
	pxd_leave(ps);
}

static void pxd_ctl_writable(struct sim_sock *s, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;

	(void)s;
	pxd_enter(ps);
	pxd_flush(ps, ep->kind == PXD_EP_SERVER);
	pxd_leave(ps);
}

static void pxd_ctl_connected(struct sim_sock *s, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;

	(void)s;
	pxd_enter(ps);
	ps->s_connected = true;
	pxd_event(ps, FTPP_EV_SERVER_CONNECTED, 0, 0, 0, 0);
	pxd_flush(ps, true);
	pxd_leave(ps);
}

static void pxd_ctl_closed(struct sim_sock *s, void *ctx, int err)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	bool srv = ep->kind == PXD_EP_SERVER;

	(void)s;
	(void)err;
	pxd_enter(ps);
	pxd_ctl_gone(ps, srv);
	pxd_flush(ps, srv);
	pxd_leave(ps);
}

/* ---- the listener and the instance ---------------------------------------------- */

static void pxd_on_accept(struct sim_sock *lsn, struct sim_sock *child, void *ctx)
{
	struct sim_pxd *d = ctx;
	struct pxd_sess *ps = calloc(1, sizeof(*ps));
	struct net_tuple t;

	(void)lsn;
	if (!ps) {
		d->st.errors++;
		sim_gw_abort(d->gw, child);
		return;
	}
	ps->d = d;
	ps->cs = child;
	ps->cep = (struct pxd_ep){ps, PXD_EP_CLIENT, 0, 0};
	ps->sep = (struct pxd_ep){ps, PXD_EP_SERVER, 0, 0};
	for (int i = 0; i < PXD_MAX_DATA; i++)
		for (int k = 0; k < 2; k++)
			ps->data[i].ep[k] = (struct pxd_ep){ps, PXD_EP_DATA, i, k};
	sim_sock_set_ops(child, &pxd_ctl_ops, &ps->cep);
	memset(&t, 0, sizeof(t));
	t.proto = 6;
	sim_sock_peer(child, &t.src, &t.sport);
	sim_sock_local(child, &t.dst, &t.dport);
	if (ftpp_session_open(d->f, &t, sim_world_now(d->gw->w), &ps->s) != 0 || !ps->s) {
		d->st.errors++;
		sim_gw_abort(d->gw, child);
		free(ps);
		return;
	}
	ps->next = d->sessions;
	if (d->sessions)
		d->sessions->pprev = &ps->next;
	ps->pprev = &d->sessions;
	d->sessions = ps;
	d->st.sessions++;
	pxd_enter(ps);
	pxd_drain(ps);
	pxd_leave(ps);
}

int sim_pxd_create(struct sim_gw *gw, const struct ftpp_config *cfg, struct sim_pxd **out)
{
	static const struct sim_sock_ops lsn_ops = {.on_accept = pxd_on_accept};
	struct sim_pxd *d;
	int rc;

	*out = NULL;
	if (!sim_gw_natapi(gw))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->gw = gw;
	rc = ftpp_create(cfg, sim_gw_natapi(gw), &d->f);
	if (rc)
		goto fail;
	rc = sim_gw_listen(gw, cfg->listen_port, &lsn_ops, d, &d->lsn);
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	sim_pxd_destroy(d);
	return rc;
}

void sim_pxd_destroy(struct sim_pxd *d)
{
	if (!d)
		return;
	while (d->sessions)
		pxd_sess_free(d->sessions, true);
	if (d->lsn)
		sim_gw_close(d->gw, d->lsn);
	ftpp_destroy(d->f);
	free(d->splices);
	free(d);
}

const struct sim_pxd_stats *sim_pxd_stats(const struct sim_pxd *d)
{
	return &d->st;
}

const struct sim_pxd_splice *sim_pxd_splices(const struct sim_pxd *d, size_t *n)
{
	*n = d->n_splices;
	return d->splices;
}
