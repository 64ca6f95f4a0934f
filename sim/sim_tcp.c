/* sim_tcp.c - the per-host TCP stack: configuration, the connection hash
 * (chained, grown by doubling, so lookup stays O(1) per segment), listeners,
 * passive open, and the demultiplexing of arriving segments. */
#include "sim_tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_host.h"
#include "sim_sock.h"

void sim_tcp_config_default(struct sim_tcp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sndbuf = 256 * 1024;
	c->rcvbuf = 256 * 1024;
	c->window_scaling = true;
	c->init_cwnd_segs = 10;
	c->rto_init_ns = 1 * SIM_NS_PER_S;
	c->rto_min_ns = 200 * SIM_NS_PER_MS;
	c->rto_max_ns = 60 * SIM_NS_PER_S;
	c->delack_ns = 40 * SIM_NS_PER_MS;
	c->msl_ns = 1 * SIM_NS_PER_S;
	c->max_retries = 8;
}

const char *sim_tcp_state_name(enum sim_tcp_state s)
{
	switch (s) {
	case SIM_TCP_CLOSED: return "CLOSED";
	case SIM_TCP_LISTEN: return "LISTEN";
	case SIM_TCP_SYN_SENT: return "SYN_SENT";
	case SIM_TCP_SYN_RCVD: return "SYN_RCVD";
	case SIM_TCP_ESTABLISHED: return "ESTABLISHED";
	case SIM_TCP_FIN_WAIT_1: return "FIN_WAIT_1";
	case SIM_TCP_FIN_WAIT_2: return "FIN_WAIT_2";
	case SIM_TCP_CLOSING: return "CLOSING";
	case SIM_TCP_TIME_WAIT: return "TIME_WAIT";
	case SIM_TCP_CLOSE_WAIT: return "CLOSE_WAIT";
	case SIM_TCP_LAST_ACK: return "LAST_ACK";
	}
	return "?";
}

int sim_tcp_stack_create(struct sim_host *h, struct sim_tcp_stack **out)
{
	struct sim_tcp_stack *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->h = h;
	sim_tcp_config_default(&st->cfg);
	st->n_bucket = 64;
	st->bucket = calloc(st->n_bucket, sizeof(*st->bucket));
	if (!st->bucket) {
		free(st);
		return -ENOMEM;
	}
	st->hash_seed = sim_rand_u64(&h->w->rand);
	st->next_eph = (uint16_t)(49152 + sim_rand_below(&h->w->rand, 16384));
	*out = st;
	return 0;
}

void sim_tcp_stack_destroy(struct sim_tcp_stack *st)
{
	if (!st)
		return;
	while (st->all) {
		struct sim_sock *s = st->all;

		sim_tcp_timers_stop(s);
		while (s->ooo) {
			struct sim_pkt *p = s->ooo;

			s->ooo = p->next;
			sim_pkt_put(&st->h->w->pool, p);
		}
		st->all = s->anext;
		free(s->sndring.buf);
		free(s->rcvring.buf);
		free(s);
	}
	free(st->bucket);
	free(st->lbucket);
	free(st);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t addr_word(const struct net_addr *a)
{
	uint64_t x = 0, y = 0;

	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	return x ^ (y * 0xff51afd7ed558ccdULL) ^ a->family;
}

static uint32_t conn_hash(const struct sim_tcp_stack *st, const struct net_addr *la, uint16_t lp,
			  const struct net_addr *ra, uint16_t rp)
{
	uint64_t h = st->hash_seed;

	h = mix(h, addr_word(la));
	h = mix(h, addr_word(ra));
	h = mix(h, (uint64_t)lp << 16 | rp);
	return (uint32_t)(h >> 32) & (st->n_bucket - 1);
}

static struct sim_sock *conn_find(struct sim_tcp_stack *st, const struct net_addr *la, uint16_t lp,
				  const struct net_addr *ra, uint16_t rp)
{
	struct sim_sock *s = st->bucket[conn_hash(st, la, lp, ra, rp)];

	for (; s; s = s->hnext)
		if (s->lport == lp && s->rport == rp && net_addr_eq(&s->laddr, la) &&
		    net_addr_eq(&s->raddr, ra))
			return s;
	return NULL;
}

static void rehash(struct sim_tcp_stack *st)
{
	uint32_t n = st->n_bucket * 2;
	struct sim_sock **nb = calloc(n, sizeof(*nb));
	struct sim_sock **old = st->bucket;
	uint32_t old_n = st->n_bucket;

	if (!nb)
		return; /* keep the smaller table: slower, still correct */
	st->bucket = nb;
	st->n_bucket = n;
	for (uint32_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct sim_sock *s = old[i];
			uint32_t b = conn_hash(st, &s->laddr, s->lport, &s->raddr, s->rport);

			old[i] = s->hnext;
			s->hnext = nb[b];
			nb[b] = s;
		}
	}
	free(old);
}

int sim_tcp_hash_add(struct sim_tcp_stack *st, struct sim_sock *s)
{
	uint32_t b;

	if (conn_find(st, &s->laddr, s->lport, &s->raddr, s->rport))
		return -EADDRINUSE;
	if (st->n_conn >= st->n_bucket)
		rehash(st);
	b = conn_hash(st, &s->laddr, s->lport, &s->raddr, s->rport);
	s->hnext = st->bucket[b];
	st->bucket[b] = s;
	st->n_conn++;
	s->hashed = true;
	return 0;
}

void sim_tcp_hash_del(struct sim_tcp_stack *st, struct sim_sock *s)
{
	struct sim_sock **pp;

	if (!s->hashed)
		return;
	pp = &st->bucket[conn_hash(st, &s->laddr, s->lport, &s->raddr, s->rport)];
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = s->hnext;
		st->n_conn--;
	}
	s->hnext = NULL;
	s->hashed = false;
}

uint16_t sim_tcp_mss_for(struct sim_tcp_stack *st, const struct net_addr *dst)
{
	int ifc = sim_host_route(st->h, dst);
	uint32_t mtu = 1500, mss;
	const struct sim_link *l;

	if (ifc >= 0 && (l = st->h->ifc[ifc].link) != NULL)
		mtu = l->p.mtu;
	mss = mtu - (uint32_t)sim_host_ip_hlen(dst->family) - 20;
	if (mtu < sim_host_ip_hlen(dst->family) + 20 + 64)
		mss = 64;
	if (st->cfg.mss && st->cfg.mss < mss)
		mss = st->cfg.mss;
	return (uint16_t)(mss > 65535 ? 65535 : mss);
}

uint8_t sim_tcp_our_wscale(const struct sim_tcp_stack *st)
{
	uint8_t ws = 0;

	while (ws < 14 && (st->cfg.rcvbuf >> ws) > 65535)
		ws++;
	return ws;
}

uint32_t sim_tcp_new_isn(struct sim_tcp_stack *st)
{
	return st->cfg.isn_fixed ? st->cfg.isn : sim_rand_u32(&st->h->w->rand);
}

static uint32_t listener_hash(const struct sim_tcp_stack *st, uint16_t port)
{
	return (uint32_t)(mix(st->hash_seed, port) >> 32) & (st->n_lbucket - 1);
}

struct sim_sock *sim_tcp_listener_find(struct sim_tcp_stack *st, uint16_t port)
{
	if (!st->n_lbucket)
		return NULL;
	for (struct sim_sock *l = st->lbucket[listener_hash(st, port)]; l; l = l->lnext)
		if (l->lport == port)
			return l;
	return NULL;
}

static void listener_link(struct sim_tcp_stack *st, struct sim_sock *s)
{
	struct sim_sock **h = &st->lbucket[listener_hash(st, s->lport)];

	s->lnext = *h;
	if (*h)
		(*h)->lprev = &s->lnext;
	s->lprev = h;
	*h = s;
}

/* Doubles the listener buckets; a failure keeps the table (longer chains). */
static void listener_rehash(struct sim_tcp_stack *st)
{
	uint32_t n = st->n_lbucket ? st->n_lbucket * 2 : 8, old_n = st->n_lbucket;
	struct sim_sock **nb = calloc(n, sizeof(*nb)), **old = st->lbucket;

	if (!nb)
		return;
	st->lbucket = nb;
	st->n_lbucket = n;
	for (uint32_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct sim_sock *s = old[i];

			old[i] = s->lnext;
			listener_link(st, s);
		}
	}
	free(old);
}

int sim_tcp_listener_add(struct sim_tcp_stack *st, struct sim_sock *s)
{
	if (sim_tcp_listener_find(st, s->lport))
		return -EADDRINUSE;
	if (st->n_listeners >= st->n_lbucket)
		listener_rehash(st);
	if (!st->n_lbucket)
		return -ENOMEM;
	listener_link(st, s);
	st->n_listeners++;
	return 0;
}

void sim_tcp_listener_del(struct sim_tcp_stack *st, struct sim_sock *s)
{
	if (!s->lprev)
		return;
	*s->lprev = s->lnext;
	if (s->lnext)
		s->lnext->lprev = s->lprev;
	s->lnext = NULL;
	s->lprev = NULL;
	st->n_listeners--;
}

/* Passive open: a SYN for a listener creates a child in SYN_RCVD that the
 * stack owns until it is established and handed to on_accept. */
static void passive_open(struct sim_tcp_stack *st, struct sim_sock *l, const struct net_pkt *p)
{
	struct sim_sock *s;
	uint16_t peer_mss = 536, our_mss;
	int peer_ws = -1;

	if (sim_tcp_parse_syn_opts(p, &peer_mss, &peer_ws) < 0) {
		st->st.bad_opts++;
		return;
	}
	s = sim_sock_alloc(st);
	if (!s)
		return;
	s->app_closed = true; /* the stack's until accepted */
	sim_sock_child_attach(l, s);
	s->ops = l->ops;
	s->ctx = l->ctx;
	s->xfer = l->xfer;
	s->laddr = p->tuple.dst;
	s->raddr = p->tuple.src;
	s->lport = p->tuple.dport;
	s->rport = p->tuple.sport;
	s->irs = p->seq;
	our_mss = sim_tcp_mss_for(st, &s->raddr);
	s->mss = peer_mss < our_mss ? peer_mss : our_mss;
	if (!s->mss)
		s->mss = 536;
	if (st->cfg.window_scaling && peer_ws >= 0) {
		s->ws_ok = true;
		s->snd_wscale = (uint8_t)(peer_ws > 14 ? 14 : peer_ws);
		s->rcv_wscale = sim_tcp_our_wscale(st);
	}
	s->snd_wnd = p->window; /* never scaled in a SYN */
	s->snd_wl1 = p->seq;
	s->iss = sim_tcp_new_isn(st);
	s->snd_wl2 = s->iss;
	sim_tcp_cc_init(s);
	s->rtt_timing = true;
	s->rtt_start = st->h->w->sched.now;
	s->state = SIM_TCP_SYN_RCVD;
	if (sim_tcp_hash_add(st, s) < 0) {
		sim_sock_terminate(s, -EADDRINUSE);
		return;
	}
	s->busy++;
	sim_tcp_send_ctl(s, NET_TCP_SYN | NET_TCP_ACK);
	sim_tcp_arm_rto(s);
	s->busy--;
}

void sim_tcp_input(struct sim_tcp_stack *st, struct net_pkt *p, struct sim_pkt *pkt)
{
	struct sim_sock *s, *l;

	st->st.segs_in++;
	s = conn_find(st, &p->tuple.dst, p->tuple.dport, &p->tuple.src, p->tuple.sport);
	if (s) {
		s->busy++;
		sim_tcp_segment(s, p, pkt); /* consumes pkt */
		s->busy--;
		sim_sock_put(s);
		return;
	}
	if ((p->tcp_flags & (NET_TCP_SYN | NET_TCP_ACK | NET_TCP_RST)) == NET_TCP_SYN &&
	    (l = sim_tcp_listener_find(st, p->tuple.dport)) != NULL && !l->app_closed) {
		passive_open(st, l, p);
	} else {
		st->st.no_conn++;
		if (!(p->tcp_flags & NET_TCP_RST))
			sim_tcp_reply_rst(st, p);
	}
	sim_pkt_put(&st->h->w->pool, pkt);
}
