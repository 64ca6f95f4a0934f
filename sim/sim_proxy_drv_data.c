/* sim_proxy_drv_data.c - the proxy path's data connections: listen or
 * connect each side, tag the sockets as data (data_transitions), splice
 * chunk by chunk with back-pressure until both sides have ended. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_proxy_drv_int.h"

static void pxd_d_accept(struct sim_sock *lsn, struct sim_sock *child, void *ctx);
static void pxd_d_connected(struct sim_sock *s, void *ctx);
static void pxd_d_readable(struct sim_sock *s, void *ctx);
static void pxd_d_writable(struct sim_sock *s, void *ctx);
static void pxd_d_closed(struct sim_sock *s, void *ctx, int err);

static const struct sim_sock_ops pxd_data_ops = {
	.on_connected = pxd_d_connected,
	.on_readable = pxd_d_readable,
	.on_writable = pxd_d_writable,
	.on_closed = pxd_d_closed,
	.on_accept = pxd_d_accept,
};

static struct pxd_data *pxd_slot(struct pxd_sess *ps, uint32_t id, bool create)
{
	struct pxd_data *free_slot = NULL;

	for (int i = 0; i < PXD_MAX_DATA; i++) {
		struct pxd_data *dt = &ps->data[i];

		if (dt->used && dt->id == id)
			return dt;
		if (!dt->used && !free_slot)
			free_slot = dt;
	}
	if (!create || !free_slot)
		return NULL;
	struct pxd_ep ep0 = free_slot->ep[0], ep1 = free_slot->ep[1];

	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->ep[0] = ep0;
	free_slot->ep[1] = ep1;
	free_slot->used = true;
	free_slot->id = id;
	ps->d->st.data_open++;
	return free_slot;
}

bool pxd_data_any(const struct pxd_sess *ps)
{
	for (int i = 0; i < PXD_MAX_DATA; i++)
		if (ps->data[i].used)
			return true;
	return false;
}

/* Remembers a splice (finished or abandoned) for per-transfer reports (best effort: an
 * allocation failure only loses the record). */
static void pxd_splice_log(struct pxd_sess *ps, const struct pxd_data *dt)
{
	struct sim_pxd *d = ps->d;
	struct sim_pxd_splice *sp;
	uint16_t port;

	if (d->n_splices == d->cap_splices) {
		size_t cap = d->cap_splices ? 2 * d->cap_splices : 16;
		struct sim_pxd_splice *ns = realloc(d->splices, cap * sizeof(*ns));

		if (!ns) {
			d->st.errors++;
			return;
		}
		d->splices = ns;
		d->cap_splices = cap;
	}
	sp = &d->splices[d->n_splices++];
	memset(sp, 0, sizeof(*sp));
	if (dt->sock[FTPP_DATA_CLIENT])
		sim_sock_peer(dt->sock[FTPP_DATA_CLIENT], &sp->client, &port);
	sp->t_done = pxd_now(ps);
	sp->to_client = dt->moved[FTPP_DATA_SERVER];
	sp->to_server = dt->moved[FTPP_DATA_CLIENT];
}

/* Lets go of the slot's sockets: a finished splice closes gracefully (the
 * queued bytes and the FIN still go out), an abandoned one resets. */
static void pxd_slot_release(struct pxd_sess *ps, struct pxd_data *dt, bool graceful)
{
	struct sim_gw *gw = ps->d->gw;

	if (dt->spliced) /* finished or abandoned (ABOR): it took the proxy path */
		pxd_splice_log(ps, dt);

	for (int k = 0; k < 2; k++) {
		if (dt->lsn[k]) {
			sim_gw_close(gw, dt->lsn[k]);
			ps->d->st.listeners_open--;
		}
		if (dt->sock[k]) {
			if (graceful)
				sim_gw_close(gw, dt->sock[k]);
			else
				sim_gw_abort(gw, dt->sock[k]);
		}
		free(dt->buf[k]);
		dt->lsn[k] = dt->sock[k] = NULL;
		dt->buf[k] = NULL;
	}
	dt->used = false;
	ps->d->st.data_open--;
}

void pxd_data_close(struct pxd_sess *ps, uint32_t id)
{
	struct pxd_data *dt = pxd_slot(ps, id, false);

	if (dt)
		pxd_slot_release(ps, dt, false);
}

void pxd_data_close_all(struct pxd_sess *ps)
{
	for (int i = 0; i < PXD_MAX_DATA; i++)
		if (ps->data[i].used)
			pxd_slot_release(ps, &ps->data[i], false);
}

int pxd_data_listen(struct pxd_sess *ps, const struct ftpp_action *a)
{
	struct pxd_data *dt = pxd_slot(ps, a->data_id, true);
	int side = (int)a->side;
	int rc;

	if (!dt || side < 0 || side > 1 || dt->lsn[side] || dt->sock[side] || a->port == 0)
		return -EINVAL;
	rc = sim_gw_listen(ps->d->gw, a->port, &pxd_data_ops, &dt->ep[side], &dt->lsn[side]);
	if (rc < 0) {
		dt->lsn[side] = NULL;
		return rc;
	}
	sim_gw_sock_set_data(ps->d->gw, dt->lsn[side], true);
	ps->d->st.listeners_open++;
	return 0;
}

int pxd_data_connect(struct pxd_sess *ps, const struct ftpp_action *a)
{
	struct pxd_data *dt = pxd_slot(ps, a->data_id, true);
	int side = (int)a->side;
	int rc;

	if (!dt || side < 0 || side > 1 || dt->sock[side])
		return -EINVAL;
	rc = sim_gw_connect(ps->d->gw, net_addr_is_set(&a->src) ? &a->src : NULL, &a->addr,
			    a->port, &pxd_data_ops, &dt->ep[side], &dt->sock[side]);
	if (rc < 0) {
		dt->sock[side] = NULL;
		return rc;
	}
	sim_gw_sock_set_data(ps->d->gw, dt->sock[side], true);
	return 0;
}

/* Moves bytes from side i to the other side until one of them blocks; then
 * reports DATA_DONE once both directions have ended and drained. */
static void pxd_pump(struct pxd_sess *ps, struct pxd_data *dt, int i)
{
	int j = 1 - i;

	for (;;) {
		if (dt->off[i] < dt->len[i]) {
			long n = dt->shut[j] ? -EPIPE
					     : sim_sock_send(dt->sock[j], dt->buf[i] + dt->off[i],
							     dt->len[i] - dt->off[i]);

			if (n == -EAGAIN)
				return;
			if (n < 0) { /* the far side is gone: what it cannot take is lost */
				dt->off[i] = dt->len[i];
				dt->shut[j] = true;
			} else {
				dt->off[i] += (size_t)n;
				dt->moved[i] += (uint64_t)n;
				ps->d->st.spliced_bytes += (uint64_t)n;
				if (dt->off[i] < dt->len[i])
					return;
			}
		}
		dt->off[i] = dt->len[i] = 0;
		if (dt->eof[i]) {
			if (!dt->shut[j]) {
				(void)sim_sock_shutdown(dt->sock[j]);
				dt->shut[j] = true;
			}
			break;
		}
		long n = sim_sock_recv(dt->sock[i], dt->buf[i], PXD_SPLICE_BUF);

		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			dt->eof[i] = true;
			continue;
		}
		dt->len[i] = (size_t)n;
	}
	if (dt->done || !dt->eof[0] || !dt->eof[1] || !dt->shut[0] || !dt->shut[1])
		return;
	dt->done = true;
	ps->d->st.data_spliced++;
	uint32_t id = dt->id;
	uint64_t to_client = dt->moved[FTPP_DATA_SERVER], to_server = dt->moved[FTPP_DATA_CLIENT];

	pxd_slot_release(ps, dt, true);
	pxd_event(ps, FTPP_EV_DATA_DONE, id, 0, to_client, to_server);
}

int pxd_data_splice(struct pxd_sess *ps, uint32_t id)
{
	struct pxd_data *dt = pxd_slot(ps, id, false);

	if (!dt || !dt->up[0] || !dt->up[1] || dt->spliced)
		return -EINVAL;
	for (int k = 0; k < 2; k++) {
		dt->buf[k] = malloc(PXD_SPLICE_BUF);
		if (!dt->buf[k])
			return -ENOMEM;
	}
	dt->spliced = true;
	pxd_pump(ps, dt, 0);
	if (dt->used && dt->spliced && !dt->done)
		pxd_pump(ps, dt, 1);
	return 0;
}

/* ---- socket events ------------------------------------------------------------- */

static void pxd_d_up(struct pxd_sess *ps, struct pxd_data *dt, int side)
{
	dt->up[side] = true;
	pxd_event(ps, FTPP_EV_DATA_UP, dt->id, side, 0, 0);
}

static void pxd_d_accept(struct sim_sock *lsn, struct sim_sock *child, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	struct pxd_data *dt = &ps->data[ep->slot];

	(void)lsn;
	pxd_enter(ps);
	if (!dt->used || dt->sock[ep->side] || !dt->lsn[ep->side]) {
		sim_gw_abort(ps->d->gw, child); /* one connection per listen */
	} else {
		dt->sock[ep->side] = child;
		sim_sock_set_ops(child, &pxd_data_ops, ep);
		sim_gw_close(ps->d->gw, dt->lsn[ep->side]);
		dt->lsn[ep->side] = NULL;
		ps->d->st.listeners_open--;
		pxd_d_up(ps, dt, ep->side);
	}
	pxd_leave(ps);
}

static void pxd_d_connected(struct sim_sock *s, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	struct pxd_data *dt = &ps->data[ep->slot];

	pxd_enter(ps);
	if (dt->used && dt->sock[ep->side] == s)
		pxd_d_up(ps, dt, ep->side);
	pxd_leave(ps);
}

static void pxd_d_readable(struct sim_sock *s, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	struct pxd_data *dt = &ps->data[ep->slot];

	/* Before the splice, bytes wait in the socket (its window closes). */
	pxd_enter(ps);
	if (dt->used && dt->spliced && !dt->done && dt->sock[ep->side] == s)
		pxd_pump(ps, dt, ep->side);
	pxd_leave(ps);
}

static void pxd_d_writable(struct sim_sock *s, void *ctx)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	struct pxd_data *dt = &ps->data[ep->slot];

	pxd_enter(ps);
	if (dt->used && dt->spliced && !dt->done && dt->sock[ep->side] == s)
		pxd_pump(ps, dt, 1 - ep->side);
	pxd_leave(ps);
}

static void pxd_d_closed(struct sim_sock *s, void *ctx, int err)
{
	struct pxd_ep *ep = ctx;
	struct pxd_sess *ps = ep->ps;
	struct pxd_data *dt = &ps->data[ep->slot];
	int side = ep->side;

	pxd_enter(ps);
	if (!dt->used || dt->sock[side] != s) {
		/* a listener's or a stale socket's end: nothing to report */
	} else if (!dt->up[side]) {
		sim_gw_close(ps->d->gw, s);
		dt->sock[side] = NULL;
		ps->d->st.data_failed++;
		pxd_event(ps, FTPP_EV_DATA_FAILED, dt->id, side, 0, 0);
	} else if (dt->spliced && !dt->done) {
		/* The end of the stream is read by the pump; a reset also
		 * means nothing more can be written to that side. */
		if (err)
			dt->shut[side] = true;
		pxd_pump(ps, dt, side);
		if (dt->used && !dt->done)
			pxd_pump(ps, dt, 1 - side);
	}
	pxd_leave(ps);
}
