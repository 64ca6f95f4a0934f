/* sim_link.c - a link direction computes each packet's arrival time when it
 * is sent (FIFO transmitter: start = max(now, busy_until)), so a packet costs
 * one event. Queue occupancy = packets whose transmission has not finished. */
#include "sim_link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sim_link_params_default(struct sim_link_params *p)
{
	memset(p, 0, sizeof(*p));
	p->bw_bps = 1000000000ULL;
	p->delay_ns = 1 * SIM_NS_PER_MS;
	p->mtu = 1500;
}

int sim_link_init(struct sim_link *l, struct sim_world *w, const struct sim_link_params *p,
		  struct sim_iface *a, struct sim_iface *b)
{
	struct sim_link_params def;

	if (!p) {
		sim_link_params_default(&def);
		p = &def;
	}
	if (!a || !b || a == b || a->link || b->link || !a->node || !b->node || !a->w || !b->w)
		return -EINVAL;
	if (p->loss < 0 || p->loss > 1 || p->reorder < 0 || p->reorder > 1)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->w = w;
	l->p = *p;
	if (!l->p.mtu)
		l->p.mtu = 1500;
	if (l->p.mtu > SIM_PKT_CAP)
		return -EINVAL;
	l->end[0] = a;
	l->end[1] = b;
	a->link = l;
	a->side = 0;
	b->link = l;
	b->side = 1;
	for (int i = 0; i < 2; i++) {
		l->dir[i].link = l;
		l->dir[i].from = i;
	}
	return 0;
}

void sim_link_free(struct sim_link *l)
{
	for (int i = 0; i < 2; i++) {
		free(l->dir[i].fin_time);
		free(l->dir[i].fin_len);
		l->dir[i].fin_time = NULL;
		l->dir[i].fin_len = NULL;
	}
	for (int i = 0; i < 2; i++)
		if (l->end[i] && l->end[i]->link == l)
			l->end[i]->link = NULL;
}

void sim_link_set_tap(struct sim_link *l, const struct sim_link_tap *tap)
{
	if (tap)
		l->tap = *tap;
	else
		memset(&l->tap, 0, sizeof(l->tap));
}

uint64_t sim_link_ser_ns(const struct sim_link *l, size_t len)
{
	if (!l->p.bw_bps)
		return 0;
	return ((uint64_t)len * 8 * SIM_NS_PER_S + l->p.bw_bps - 1) / l->p.bw_bps;
}

const struct sim_link_stats *sim_link_stats(const struct sim_link *l, int from)
{
	return &l->dir[from & 1].st;
}

static void ring_expire(struct sim_link_dir *d, uint64_t now)
{
	while (d->ring_count && d->fin_time[d->ring_head] <= now) {
		d->queued_bytes -= d->fin_len[d->ring_head];
		d->ring_head = (d->ring_head + 1) & (d->ring_cap - 1);
		d->ring_count--;
	}
}

static int ring_push(struct sim_link_dir *d, uint64_t fin, uint32_t len)
{
	uint32_t tail;

	if (d->ring_count == d->ring_cap) {
		uint32_t cap = d->ring_cap ? d->ring_cap * 2 : 64;
		uint64_t *t = malloc((size_t)cap * sizeof(*t));
		uint32_t *n = malloc((size_t)cap * sizeof(*n));

		if (!t || !n) {
			free(t);
			free(n);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < d->ring_count; i++) {
			t[i] = d->fin_time[(d->ring_head + i) & (d->ring_cap - 1)];
			n[i] = d->fin_len[(d->ring_head + i) & (d->ring_cap - 1)];
		}
		free(d->fin_time);
		free(d->fin_len);
		d->fin_time = t;
		d->fin_len = n;
		d->ring_cap = cap;
		d->ring_head = 0;
	}
	tail = (d->ring_head + d->ring_count) & (d->ring_cap - 1);
	d->fin_time[tail] = fin;
	d->fin_len[tail] = len;
	d->ring_count++;
	d->queued_bytes += len;
	return 0;
}

static void link_arrive(void *arg)
{
	struct sim_pkt *pkt = arg;
	struct sim_link_dir *d = pkt->owner;
	struct sim_iface *to = d->link->end[d->from ^ 1];

	d->st.rx_pkts++;
	d->st.rx_bytes += pkt->len;
	pkt->owner = NULL;
	if (d->link->tap.fn && d->link->tap.at_arrival)
		d->link->tap.fn(d->link->tap.ctx, d->link, d->from, d->link->w->sched.now, pkt->data,
				pkt->len);
	to->node->rx(to->node, to, pkt);
}

int sim_link_send(struct sim_iface *ifc, struct sim_pkt *pkt)
{
	struct sim_link *l = ifc->link;
	struct sim_link_dir *d;
	uint64_t now, start, fin, arrive;
	int rc;

	if (!l) {
		sim_pkt_put(&ifc->w->pool, pkt);
		return -ENOTCONN;
	}
	d = &l->dir[ifc->side];
	now = l->w->sched.now;
	if (pkt->len > l->p.mtu) {
		d->st.drop_mtu++;
		rc = -EMSGSIZE;
		goto drop;
	}
	ring_expire(d, now);
	if ((l->p.qlimit_pkts && d->ring_count >= l->p.qlimit_pkts) ||
	    (l->p.qlimit_bytes && d->queued_bytes + pkt->len > l->p.qlimit_bytes)) {
		d->st.drop_queue++;
		rc = -ENOBUFS;
		goto drop;
	}
	start = d->busy_until > now ? d->busy_until : now;
	fin = start + sim_link_ser_ns(l, pkt->len);
	if ((rc = ring_push(d, fin, pkt->len)) < 0) {
		d->st.drop_nomem++;
		goto drop;
	}
	d->busy_until = fin;
	d->st.tx_pkts++;
	d->st.tx_bytes += pkt->len;
	if (d->ring_count > d->st.max_queue_pkts)
		d->st.max_queue_pkts = d->ring_count;
	if (d->queued_bytes > d->st.max_queue_bytes)
		d->st.max_queue_bytes = d->queued_bytes;
	if (l->tap.fn && !l->tap.at_arrival)
		l->tap.fn(l->tap.ctx, l, ifc->side, now, pkt->data, pkt->len);
	if (sim_rand_bernoulli(&l->w->rand, l->p.loss)) {
		d->st.drop_loss++;
		sim_pkt_put(&l->w->pool, pkt);
		return 0;
	}
	arrive = fin + l->p.delay_ns;
	if (sim_rand_bernoulli(&l->w->rand, l->p.reorder)) {
		d->st.reordered++;
		arrive += l->p.reorder_delay_ns;
	}
	pkt->owner = d;
	if ((rc = sim_sched_at(&l->w->sched, arrive, link_arrive, pkt, NULL)) < 0) {
		d->st.drop_nomem++;
		goto drop;
	}
	return 0;
drop:
	sim_pkt_put(&l->w->pool, pkt);
	return rc;
}
