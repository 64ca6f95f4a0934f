/* sim_udp.c - bound ports kept in a plain list: simulated hosts bind a few
 * UDP ports, so a short scan costs less than a 65536-entry table per host. */
#include "sim_udp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_csum.h"
#include "sim_bytes.h"
#include "sim_host.h"

struct sim_udp_sock {
	struct sim_udp_sock *next;
	struct sim_udp_stack *st;
	uint16_t port;
	struct sim_udp_ops ops;
};

struct sim_udp_stack {
	struct sim_host *h;
	struct sim_udp_sock *socks;
	uint16_t next_eph;
	struct sim_udp_stats st;
};

int sim_udp_stack_create(struct sim_host *h, struct sim_udp_stack **out)
{
	struct sim_udp_stack *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->h = h;
	st->next_eph = 49152;
	*out = st;
	return 0;
}

void sim_udp_stack_destroy(struct sim_udp_stack *st)
{
	if (!st)
		return;
	while (st->socks) {
		struct sim_udp_sock *s = st->socks;

		st->socks = s->next;
		free(s);
	}
	free(st);
}

const struct sim_udp_stats *sim_udp_stats(const struct sim_udp_stack *st)
{
	return &st->st;
}

static struct sim_udp_sock *find(struct sim_udp_stack *st, uint16_t port)
{
	for (struct sim_udp_sock *s = st->socks; s; s = s->next)
		if (s->port == port)
			return s;
	return NULL;
}

void sim_udp_input(struct sim_udp_stack *st, struct net_pkt *p, struct sim_pkt *pkt)
{
	struct sim_udp_sock *s = find(st, p->tuple.dport);

	if (!s) {
		st->st.rx_no_port++;
	} else {
		st->st.rx_dgrams++;
		if (s->ops.on_recv)
			s->ops.on_recv(s->ops.ctx, s, &p->tuple.src, p->tuple.sport,
				       p->buf + p->payload_off, p->payload_len);
	}
	sim_pkt_put(&st->h->w->pool, pkt);
}

int sim_udp_bind(struct sim_host *h, uint16_t port, const struct sim_udp_ops *ops,
		 struct sim_udp_sock **out)
{
	struct sim_udp_stack *st = h->udp;
	struct sim_udp_sock *s;

	if (port == 0) {
		for (int i = 0; i < 16384 && !port; i++) {
			uint16_t c = st->next_eph;

			st->next_eph = c == 65535 ? 49152 : (uint16_t)(c + 1);
			if (!find(st, c))
				port = c;
		}
		if (!port)
			return -EADDRINUSE;
	} else if (find(st, port)) {
		return -EADDRINUSE;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->st = st;
	s->port = port;
	if (ops)
		s->ops = *ops;
	s->next = st->socks;
	st->socks = s;
	*out = s;
	return 0;
}

uint16_t sim_udp_port(const struct sim_udp_sock *s)
{
	return s->port;
}

int sim_udp_sendto(struct sim_udp_sock *s, const struct net_addr *dst, uint16_t dport,
		   const void *data, size_t len)
{
	struct sim_host *h = s->st->h;
	struct net_addr src;
	struct sim_pkt *pkt;
	size_t hl = sim_host_ip_hlen(dst->family);
	uint8_t *u;
	uint16_t csum;
	int rc;

	if (len > 65535 - 8 || hl + 8 + len > SIM_PKT_CAP)
		return -EMSGSIZE;
	if ((rc = sim_host_pick_src(h, dst, &src)) < 0)
		return rc;
	pkt = sim_pkt_get(&h->w->pool);
	if (!pkt)
		return -ENOMEM;
	u = pkt->data + hl;
	sim_wr16(u, s->port);
	sim_wr16(u + 2, dport);
	sim_wr16(u + 4, (uint16_t)(8 + len));
	sim_wr16(u + 6, 0);
	if (len)
		memcpy(u + 8, data, len);
	csum = net_csum_fold(net_csum_add(sim_host_pseudo_sum(&src, dst, 17, 8 + len), u, 8 + len));
	sim_wr16(u + 6, csum ? csum : 0xffff); /* 0 means "no checksum" in UDP */
	s->st->st.tx_dgrams++;
	return sim_host_output(h, &src, dst, 17, pkt, 8 + len);
}

void sim_udp_close(struct sim_udp_sock *s)
{
	struct sim_udp_sock **pp = &s->st->socks;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	free(s);
}
