/* sim_sock.c - the application side of simulated TCP: socket lifetime (the
 * stack frees a socket only when the connection is over, the application has
 * released it, and no stack code is running on it), callbacks, and
 * listen/connect/shutdown/close/abort. The data path is sim_sock_buf.c. */
#include "sim_sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_host.h"

struct sim_sock *sim_sock_alloc(struct sim_tcp_stack *st)
{
	struct sim_sock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->st = st;
	s->sndring.cap = st->cfg.sndbuf;
	s->rcvring.cap = st->cfg.rcvbuf;
	sim_tcp_timers_init(s);
	s->anext = st->all;
	if (st->all)
		st->all->aprev = &s->anext;
	s->aprev = &st->all;
	st->all = s;
	st->st.conns_created++;
	return s;
}

void sim_sock_child_attach(struct sim_sock *l, struct sim_sock *c)
{
	c->listener = l;
	c->cnext = l->children;
	if (l->children)
		l->children->cprev = &c->cnext;
	c->cprev = &l->children;
	l->children = c;
}

void sim_sock_child_detach(struct sim_sock *c)
{
	if (!c->listener)
		return;
	*c->cprev = c->cnext;
	if (c->cnext)
		c->cnext->cprev = c->cprev;
	c->cnext = NULL;
	c->cprev = NULL;
	c->listener = NULL;
}

/* Children still in the handshake lose their listener: they close
 * themselves once established (sim_sock_ev_accept). Only this listener's
 * children are visited, never the stack's every socket. */
static void listener_orphan(struct sim_sock *l)
{
	while (l->children)
		sim_sock_child_detach(l->children);
}

void sim_sock_put(struct sim_sock *s)
{
	if (s->busy || s->state != SIM_TCP_CLOSED || !s->app_closed)
		return;
	sim_sock_child_detach(s);
	listener_orphan(s);
	*s->aprev = s->anext;
	if (s->anext)
		s->anext->aprev = s->aprev;
	s->st->st.conns_freed++;
	free(s->sndring.buf);
	free(s->rcvring.buf);
	free(s);
}

void sim_sock_terminate(struct sim_sock *s, int err)
{
	enum sim_tcp_state prev = s->state;

	if (prev == SIM_TCP_CLOSED)
		return;
	if (err && !s->err)
		s->err = err;
	sim_tcp_timers_stop(s);
	sim_tcp_hash_del(s->st, s);
	if (prev == SIM_TCP_LISTEN)
		sim_tcp_listener_del(s->st, s);
	while (s->ooo) {
		struct sim_pkt *p = s->ooo;

		s->ooo = p->next;
		sim_pkt_put(&s->st->h->w->pool, p);
	}
	s->ooo_count = 0;
	s->state = SIM_TCP_CLOSED;
	if (prev != SIM_TCP_LISTEN)
		sim_sock_ev_closed(s, err);
	sim_sock_put(s);
}

/* ---- events to the application ---- */

void sim_sock_ev_connected(struct sim_sock *s)
{
	if (!s->app_closed && s->ops.on_connected)
		s->ops.on_connected(s, s->ctx);
}

void sim_sock_ev_readable(struct sim_sock *s)
{
	if (!s->app_closed && s->ops.on_readable)
		s->ops.on_readable(s, s->ctx);
}

void sim_sock_ev_writable(struct sim_sock *s)
{
	if (!s->app_closed && s->ops.on_writable)
		s->ops.on_writable(s, s->ctx);
}

void sim_sock_ev_closed(struct sim_sock *s, int err)
{
	if (s->closed_notified)
		return;
	s->closed_notified = true;
	if (!s->app_closed && s->ops.on_closed)
		s->ops.on_closed(s, s->ctx, err);
}

void sim_sock_ev_accept(struct sim_sock *listener, struct sim_sock *child)
{
	sim_sock_child_detach(child);
	if (!listener || listener->app_closed) {
		sim_sock_shutdown(child); /* nobody owns it: finish and free */
		return;
	}
	child->app_closed = false;
	if (listener->ops.on_accept)
		listener->ops.on_accept(listener, child, listener->ctx);
}

/* ---- API ---- */

int sim_sock_listen(struct sim_host *h, uint16_t port, const struct sim_sock_ops *ops,
		    void *ctx, struct sim_sock **out)
{
	struct sim_tcp_stack *st = h->tcp;
	struct sim_sock *s;
	int rc;

	if (!port)
		return -EINVAL;
	if (sim_tcp_listener_find(st, port))
		return -EADDRINUSE;
	s = sim_sock_alloc(st);
	if (!s)
		return -ENOMEM;
	s->state = SIM_TCP_LISTEN;
	s->lport = port;
	if (ops)
		s->ops = *ops;
	s->ctx = ctx;
	rc = sim_tcp_listener_add(st, s);
	if (rc < 0) {
		s->state = SIM_TCP_CLOSED;
		s->app_closed = true;
		sim_sock_put(s);
		return rc;
	}
	*out = s;
	return 0;
}

int sim_sock_connect(struct sim_host *h, const struct net_addr *dst, uint16_t port,
		     const struct sim_sock_ops *ops, void *ctx, struct sim_sock **out)
{
	struct sim_tcp_stack *st = h->tcp;
	struct sim_sock *s;
	int rc, tries;

	if (!port || !net_addr_is_set(dst))
		return -EINVAL;
	s = sim_sock_alloc(st);
	if (!s)
		return -ENOMEM;
	s->state = SIM_TCP_SYN_SENT; /* set before any failure so terminate frees it */
	s->app_closed = true;
	if ((rc = sim_host_pick_src(h, dst, &s->laddr)) < 0)
		goto out;
	s->raddr = *dst;
	s->rport = port;
	for (tries = 0, rc = -EADDRINUSE; tries < 16384 && rc == -EADDRINUSE; tries++) {
		s->lport = st->next_eph;
		st->next_eph = st->next_eph == 65535 ? 49152 : (uint16_t)(st->next_eph + 1);
		rc = sim_tcp_hash_add(st, s);
	}
	if (rc < 0)
		goto out;
	if (ops)
		s->ops = *ops;
	s->ctx = ctx;
	s->app_closed = false;
	s->iss = sim_tcp_new_isn(st);
	s->mss = sim_tcp_mss_for(st, dst);
	sim_tcp_cc_init(s);
	s->rtt_timing = true; /* time the handshake unless the SYN is resent */
	s->rtt_start = h->w->sched.now;
	s->busy++;
	sim_tcp_send_ctl(s, NET_TCP_SYN);
	sim_tcp_arm_rto(s);
	s->busy--;
	*out = s;
out:
	if (rc < 0)
		sim_sock_terminate(s, rc);
	return rc;
}

void sim_sock_set_ops(struct sim_sock *s, const struct sim_sock_ops *ops, void *ctx)
{
	if (ops)
		s->ops = *ops;
	else
		memset(&s->ops, 0, sizeof(s->ops));
	s->ctx = ctx;
}

void sim_sock_set_xfer_hook(struct sim_sock *s, const struct sim_sock_xfer_hook *hook)
{
	if (hook)
		s->xfer = *hook;
	else
		memset(&s->xfer, 0, sizeof(s->xfer));
}

int sim_sock_shutdown(struct sim_sock *s)
{
	if (s->fin_queued)
		return 0;
	switch (s->state) {
	case SIM_TCP_ESTABLISHED:
		s->state = SIM_TCP_FIN_WAIT_1;
		break;
	case SIM_TCP_CLOSE_WAIT:
		s->state = SIM_TCP_LAST_ACK;
		break;
	case SIM_TCP_SYN_SENT:
		sim_sock_terminate(s, 0);
		return 0;
	default:
		return -ENOTCONN;
	}
	s->fin_queued = true;
	s->busy++;
	sim_tcp_output(s);
	s->busy--;
	return 0;
}

void sim_sock_close(struct sim_sock *s)
{
	s->busy++;
	/* Released first, so nothing below calls back into the application. */
	s->app_closed = true;
	memset(&s->ops, 0, sizeof(s->ops));
	if (s->state == SIM_TCP_LISTEN) {
		listener_orphan(s);
		sim_sock_terminate(s, 0);
	} else {
		sim_sock_shutdown(s);
	}
	s->busy--;
	sim_sock_put(s);
}

void sim_sock_abort(struct sim_sock *s)
{
	s->busy++;
	s->app_closed = true;
	if (s->state != SIM_TCP_LISTEN && s->state != SIM_TCP_CLOSED &&
	    s->state != SIM_TCP_SYN_SENT && s->state != SIM_TCP_TIME_WAIT)
		sim_tcp_send_ctl(s, NET_TCP_RST | NET_TCP_ACK);
	if (s->state == SIM_TCP_LISTEN)
		listener_orphan(s);
	sim_sock_terminate(s, -ECONNABORTED);
	s->busy--;
	sim_sock_put(s);
}

enum sim_tcp_state sim_sock_state(const struct sim_sock *s)
{
	return s->state;
}

const struct sim_tcp_conn_stats *sim_sock_stats(const struct sim_sock *s)
{
	return &s->cs;
}

uint16_t sim_sock_local_port(const struct sim_sock *s)
{
	return s->lport;
}

void sim_sock_local(const struct sim_sock *s, struct net_addr *a, uint16_t *port)
{
	*a = s->laddr;
	*port = s->lport;
}

void sim_sock_peer(const struct sim_sock *s, struct net_addr *a, uint16_t *port)
{
	*a = s->raddr;
	*port = s->rport;
}

struct sim_host *sim_sock_host(const struct sim_sock *s)
{
	return s->st->h;
}

int sim_sock_connect_from(struct sim_host *h, const struct net_addr *src, uint16_t lport,
			  const struct net_addr *dst, uint16_t port, const struct sim_sock_ops *ops,
			  void *ctx, struct sim_sock **out)
{
	struct sim_tcp_stack *st = h->tcp;
	struct sim_sock *s;
	int rc;

	if (!lport && !src)
		return sim_sock_connect(h, dst, port, ops, ctx, out);
	if (!port || !net_addr_is_set(dst) || (src && !sim_host_is_local(h, src)))
		return -EINVAL;
	if (!lport) /* a chosen address, an ephemeral port: same search as connect */
		lport = st->next_eph;
	s = sim_sock_alloc(st);
	if (!s)
		return -ENOMEM;
	s->state = SIM_TCP_SYN_SENT; /* set before any failure so terminate frees it */
	s->app_closed = true;
	rc = 0;
	if (src)
		s->laddr = *src;
	else if ((rc = sim_host_pick_src(h, dst, &s->laddr)) < 0)
		goto out;
	s->raddr = *dst;
	s->rport = port;
	s->lport = lport;
	if ((rc = sim_tcp_hash_add(st, s)) < 0)
		goto out;
	if (ops)
		s->ops = *ops;
	s->ctx = ctx;
	s->app_closed = false;
	s->iss = sim_tcp_new_isn(st);
	s->mss = sim_tcp_mss_for(st, dst);
	sim_tcp_cc_init(s);
	s->rtt_timing = true;
	s->rtt_start = h->w->sched.now;
	s->busy++;
	sim_tcp_send_ctl(s, NET_TCP_SYN);
	sim_tcp_arm_rto(s);
	s->busy--;
	*out = s;
out:
	if (rc < 0)
		sim_sock_terminate(s, rc);
	return rc;
}
