/* live_proxy_data.c - the proxy path's data connections on real sockets:
 * listen or connect each side, then copy both ways with splice(2) through a
 * pipe per direction, or read/write through a buffer, until both ends end. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live_proxy_int.h"

static struct lp_data *lp_slot(struct lp_sess *ps, uint32_t id, bool create)
{
	struct lp_data *free_slot = NULL;

	for (int i = 0; i < LP_MAX_DATA; i++) {
		struct lp_data *dt = &ps->data[i];

		if (dt->used && dt->id == id)
			return dt;
		if (!dt->used && !free_slot)
			free_slot = dt;
	}
	if (!create || !free_slot)
		return NULL;
	free_slot->used = true;
	free_slot->id = id;
	return free_slot;
}

bool lp_data_any(const struct lp_sess *ps)
{
	for (int i = 0; i < LP_MAX_DATA; i++)
		if (ps->data[i].used)
			return true;
	return false;
}

/* Lets go of the slot: a finished copy closes (FINs already sent), an
 * abandoned one closes at once too: the core has given up on it. */
static void lp_slot_release(struct lp_sess *ps, struct lp_data *dt)
{
	struct lp *d = ps->d;

	for (int k = 0; k < 2; k++) {
		lp_ep_close(d, &dt->lsn[k]);
		lp_ep_close(d, &dt->sock[k]);
		lp_close(d, &dt->pipe[k][0]);
		lp_close(d, &dt->pipe[k][1]);
		free(dt->buf[k]);
		dt->buf[k] = NULL;
	}
	/* Keep the endpoints' identity (kind, slot, side) for the next use. */
	struct lp_ep l0 = dt->lsn[0], l1 = dt->lsn[1], s0 = dt->sock[0], s1 = dt->sock[1];

	memset(dt, 0, sizeof(*dt));
	dt->lsn[0] = l0;
	dt->lsn[1] = l1;
	dt->sock[0] = s0;
	dt->sock[1] = s1;
	for (int k = 0; k < 2; k++)
		dt->pipe[k][0] = dt->pipe[k][1] = -1;
}

void lp_data_close(struct lp_sess *ps, uint32_t id)
{
	struct lp_data *dt = lp_slot(ps, id, false);

	if (dt)
		lp_slot_release(ps, dt);
}

void lp_data_close_all(struct lp_sess *ps)
{
	for (int i = 0; i < LP_MAX_DATA; i++)
		if (ps->data[i].used)
			lp_slot_release(ps, &ps->data[i]);
}

int lp_data_listen(struct lp_sess *ps, const struct ftpp_action *a)
{
	struct lp_data *dt = lp_slot(ps, a->data_id, true);
	int side = (int)a->side;
	int fd;

	if (!dt || side < 0 || side > 1 || dt->lsn[side].fd >= 0 || dt->sock[side].fd >= 0 ||
	    a->port == 0)
		return -EINVAL;
	fd = lp_tcp_socket(ps->d, &a->addr, a->port, 1);
	if (fd < 0)
		return fd;
	dt->lsn[side].fd = fd;
	return lp_epoll_set(ps->d, &dt->lsn[side], EPOLLIN);
}

int lp_data_connect(struct lp_sess *ps, const struct ftpp_action *a)
{
	struct lp_data *dt = lp_slot(ps, a->data_id, true);
	int side = (int)a->side;
	int fd;

	if (!dt || side < 0 || side > 1 || dt->sock[side].fd >= 0)
		return -EINVAL;
	fd = lp_tcp_connect(ps->d, &a->src, &a->addr, a->port);
	if (fd < 0)
		return fd;
	dt->sock[side].fd = fd;
	dt->connecting[side] = true;
	return lp_epoll_set(ps->d, &dt->sock[side], EPOLLOUT);
}

/* ---- the copy ---------------------------------------------------------------------------- */

static size_t lp_pending(const struct lp_data *dt, int i)
{
	return dt->buf[i] ? dt->len[i] - dt->off[i] : dt->inpipe[i];
}

/* Moves what waits from side i to side j. Returns 1 when all of it left, 0
 * when the socket is full, and drops it (the far side is gone) on error. */
static int lp_push(struct lp_sess *ps, struct lp_data *dt, int i, int j)
{
	struct lp *d = ps->d;

	while (lp_pending(dt, i)) {
		ssize_t n;

		if (dt->shut[j]) {
			n = -EPIPE;
		} else if (dt->buf[i]) {
			n = lp_write(d, dt->sock[j].fd, dt->buf[i] + dt->off[i], lp_pending(dt, i));
		} else {
			d->sc[LP_SC_SPLICE]++;
			n = splice(dt->pipe[i][0], NULL, dt->sock[j].fd, NULL, dt->inpipe[i],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0)
				n = -errno;
		}
		if (n == -EAGAIN || n == -EINTR)
			return 0;
		if (n <= 0) {
			/* What the far side cannot take is lost; stop reading
			 * for it too (nothing could be delivered). */
			dt->shut[j] = dt->eof[i] = true;
			dt->off[i] = dt->len[i] = dt->inpipe[i] = 0;
			return 1;
		}
		d->st->bytes_copied += (uint64_t)n;
		dt->moved[i] += (uint64_t)n;
		if (dt->buf[i])
			dt->off[i] += (size_t)n;
		else
			dt->inpipe[i] -= (size_t)n;
	}
	dt->off[i] = dt->len[i] = 0;
	return 1;
}

/* Reads once from side i. Returns the bytes read, 0 at the end, -EAGAIN. */
static ssize_t lp_pull(struct lp_sess *ps, struct lp_data *dt, int i)
{
	struct lp *d = ps->d;
	ssize_t n;

	if (dt->buf[i]) {
		n = lp_read(d, dt->sock[i].fd, dt->buf[i], LP_COPY_BUF);
	} else {
		d->sc[LP_SC_SPLICE]++;
		n = splice(dt->sock[i].fd, NULL, dt->pipe[i][1], NULL, LP_COPY_BUF,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0)
			n = -errno;
	}
	if (n == -EAGAIN || n == -EINTR)
		return -EAGAIN;
	if (n <= 0) {
		dt->eof[i] = true;
		return 0;
	}
	d->st->bytes_copied += (uint64_t)n;
	if (dt->buf[i])
		dt->len[i] = (size_t)n;
	else
		dt->inpipe[i] = (size_t)n;
	return n;
}

/* Side i to side j until one of them blocks. A short read means the socket
 * is drained: epoll says when more comes, instead of one more read. */
static void lp_pump(struct lp_sess *ps, struct lp_data *dt, int i)
{
	int j = 1 - i;

	for (;;) {
		if (!lp_push(ps, dt, i, j))
			return;
		if (dt->eof[i]) {
			if (!dt->shut[j]) {
				ps->d->sc[LP_SC_SHUTDOWN]++;
				(void)shutdown(dt->sock[j].fd, SHUT_WR);
				dt->shut[j] = true;
			}
			return;
		}
		ssize_t n = lp_pull(ps, dt, i);

		if (n == -EAGAIN)
			return;
		/* splice into a pipe stops at page and skb boundaries: a short
		 * one says nothing about the socket, only a short read does. */
		if (n > 0 && n < LP_COPY_BUF && dt->buf[i]) {
			(void)lp_push(ps, dt, i, j);
			if (!lp_pending(dt, i))
				return;
		}
	}
}

/* Interest of side k: input while nothing of it waits, output while the
 * other side's bytes wait for it. */
static void lp_copy_interest(struct lp_sess *ps, struct lp_data *dt)
{
	for (int k = 0; k < 2; k++) {
		uint32_t ev = 0;

		if (dt->sock[k].fd < 0)
			continue;
		if (!dt->eof[k] && !lp_pending(dt, k))
			ev |= EPOLLIN;
		if (lp_pending(dt, 1 - k))
			ev |= EPOLLOUT;
		if (ev == 0) {
			lp_epoll_del(ps->d, &dt->sock[k]);
		} else if (lp_epoll_set(ps->d, &dt->sock[k], ev) != 0) {
			ps->d->st->errors++;
		}
	}
}

static void lp_copy(struct lp_sess *ps, struct lp_data *dt)
{
	lp_pump(ps, dt, 0);
	lp_pump(ps, dt, 1);
	if (!(dt->eof[0] && dt->eof[1] && dt->shut[0] && dt->shut[1])) {
		lp_copy_interest(ps, dt);
		return;
	}
	uint32_t id = dt->id;
	uint64_t to_client = dt->moved[FTPP_DATA_SERVER], to_server = dt->moved[FTPP_DATA_CLIENT];

	dt->done = true;
	lp_slot_release(ps, dt);
	lp_event(ps, FTPP_EV_DATA_DONE, id, 0, to_client, to_server);
}

int lp_data_splice(struct lp_sess *ps, uint32_t id)
{
	struct lp_data *dt = lp_slot(ps, id, false);

	if (!dt || !dt->up[0] || !dt->up[1] || dt->spliced)
		return -EINVAL;
	for (int k = 0; k < 2; k++) {
		if (ps->d->cfg->use_splice) {
			ps->d->sc[LP_SC_PIPE2]++;
			if (pipe2(dt->pipe[k], O_NONBLOCK | O_CLOEXEC) < 0)
				return -errno;
		} else {
			dt->buf[k] = malloc(LP_COPY_BUF);
			if (!dt->buf[k])
				return -ENOMEM;
		}
	}
	dt->spliced = true;
	lp_copy(ps, dt);
	return 0;
}

/* ---- readiness ----------------------------------------------------------------------------- */

static void lp_d_up(struct lp_sess *ps, struct lp_data *dt, int side)
{
	dt->up[side] = true;
	/* Until the splice, bytes wait in the socket (its window closes). */
	lp_epoll_del(ps->d, &dt->sock[side]);
	lp_event(ps, FTPP_EV_DATA_UP, dt->id, side, 0, 0);
}

static void lp_d_accept(struct lp_sess *ps, struct lp_data *dt, int side)
{
	struct lp *d = ps->d;
	int fd;

	d->sc[LP_SC_ACCEPT4]++;
	fd = accept4(dt->lsn[side].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return; /* spurious wake-up, or the connection went already */
	lp_ep_close(d, &dt->lsn[side]); /* one connection per listen */
	dt->sock[side].fd = fd;
	lp_d_up(ps, dt, side);
}

void lp_data_ready(struct lp_sess *ps, struct lp_ep *ep, uint32_t events)
{
	struct lp_data *dt = &ps->data[ep->slot];
	int side = ep->side;
	uint32_t id = dt->id;

	if (!dt->used)
		return;
	if (ep->kind == LP_EP_DLSN) {
		lp_d_accept(ps, dt, side);
		return;
	}
	if (dt->connecting[side]) {
		int err = lp_sock_error(ps->d, ep->fd);

		dt->connecting[side] = false;
		if (err) {
			lp_ep_close(ps->d, &dt->sock[side]);
			lp_event(ps, FTPP_EV_DATA_FAILED, id, side, 0, 0);
			return;
		}
		lp_d_up(ps, dt, side);
		return;
	}
	if (dt->spliced && !dt->done) {
		lp_copy(ps, dt);
		return;
	}
	(void)events;
}
