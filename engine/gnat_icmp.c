/* gnat_icmp.c - ICMP errors about translated sessions. The quoted packet is
 * one that LEFT the gateway through a mapping, so the error travels the other
 * way: the quote is rewritten back to what that packet looked like when it
 * arrived, and the outer header is routed like any packet of the error's
 * direction (its source too when the translated endpoint itself complains). */
#include "gnat_int.h"

void gnat_icmp_error(struct gnat *g, struct net_pkt *p, enum gnat_side from, uint64_t now_ns,
		     struct gnat_result *res)
{
	const struct net_tuple inner = p->inner.tuple;
	const struct net_tuple outer = p->tuple;
	struct net_tuple rev;
	const struct net_tuple *q, *self;
	struct gnat_mapping *m;
	enum gnat_dir d;
	uint32_t idx;
	uint8_t verdict, side;

	(void)now_ns;
	net_tuple_reverse(&inner, &rev);
	idx = gnat_map_lookup(g, &rev, &d);
	if (idx == GNAT_NIL) {
		gnat_route(g, &outer.dst, &verdict, &side);
		if (verdict == GNAT_FORWARD && from == GNAT_SIDE_OUTSIDE &&
		    side == GNAT_SIDE_INSIDE) {
			gnat_count_drop(g, res, GNAT_DROP_NO_MAPPING);
			return;
		}
		res->verdict = (enum gnat_verdict)verdict;
		res->out_side = (enum gnat_side)side;
		if (verdict == GNAT_LOCAL) {
			g->c.pkts_local++;
			g->c.bytes_local += p->len;
		} else {
			g->c.pkts_passed++;
		}
		return;
	}
	m = &g->maps[idx];
	q = &m->key[!d];   /* the quoted packet as it arrived */
	self = &m->key[d]; /* a packet of the error's direction as it arrives */
	if (!net_addr_eq(&inner.src, &q->src) || inner.sport != q->sport)
		net_pkt_rewrite_inner_src(p, &q->src, q->sport);
	if (!net_addr_eq(&inner.dst, &q->dst) || inner.dport != q->dport)
		net_pkt_rewrite_inner_dst(p, &q->dst, q->dport);
	if (net_addr_eq(&outer.src, &self->src) && !net_addr_eq(&outer.src, &q->dst))
		net_pkt_rewrite_src(p, &q->dst, 0);
	if (!net_addr_eq(&outer.dst, &q->src))
		net_pkt_rewrite_dst(p, &q->src, 0);
	res->translated = true;
	res->mapping_id = m->id;
	res->verdict = (enum gnat_verdict)m->out_verdict[d];
	res->out_side = (enum gnat_side)m->out_side[d];
	g->c.icmp_errors_translated++;
	if (res->verdict == GNAT_LOCAL) {
		g->c.pkts_local++;
		g->c.bytes_local += p->len;
	} else {
		g->c.pkts_translated++;
		g->c.bytes_translated += p->len;
	}
}
