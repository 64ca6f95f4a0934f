/* gnat_frag.c - fragment tracking (policy GNAT_FRAG_TRACK): the first
 * fragment's translation is remembered under (src, dst, proto, IP ID) in a
 * bounded ring (the oldest entry is overwritten when full), so later
 * fragments, which carry no ports, get the same address rewrite. */
#include "gnat_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gnat_frag_init(struct gnat *g)
{
	uint32_t n = g->cfg.max_frag_ids, nb = 1;

	while (nb < n)
		nb <<= 1;
	g->frags = calloc(n, sizeof(*g->frags));
	g->frag_buckets = malloc((size_t)nb * sizeof(*g->frag_buckets));
	if (!g->frags || !g->frag_buckets)
		return -ENOMEM;
	memset(g->frag_buckets, 0xff, (size_t)nb * sizeof(*g->frag_buckets));
	g->frag_mask = nb - 1;
	g->frag_cap = n;
	g->frag_ring = 0;
	return 0;
}

void gnat_frag_fini(struct gnat *g)
{
	free(g->frags);
	free(g->frag_buckets);
}

static uint32_t frag_bucket(const struct gnat *g, const struct net_addr *src,
			    const struct net_addr *dst, uint8_t proto, uint32_t id)
{
	struct net_tuple t;

	memset(&t, 0, sizeof(t));
	t.proto = proto;
	t.src = *src;
	t.dst = *dst;
	t.sport = (uint16_t)(id >> 16);
	t.dport = (uint16_t)id;
	return gnat_hash_tuple(&t, g->cfg.hash_seed ^ 0xf7a9) & g->frag_mask;
}

static void frag_unlink(struct gnat *g, uint32_t idx)
{
	struct gnat_frag *f = &g->frags[idx];
	uint32_t *pi = &g->frag_buckets[frag_bucket(g, &f->src, &f->dst, f->proto, f->frag_id)];

	while (*pi != GNAT_NIL && *pi != idx)
		pi = &g->frags[*pi].next;
	if (*pi == idx)
		*pi = f->next;
	f->live = false;
}

void gnat_frag_record(struct gnat *g, const struct net_pkt *p, const struct net_tuple *arrived,
		      const struct net_addr *new_src, const struct net_addr *new_dst,
		      uint8_t verdict, uint8_t side, uint64_t now_ns)
{
	uint32_t idx = g->frag_ring, *b;
	struct gnat_frag *f = &g->frags[idx];

	g->frag_ring = idx + 1 == g->frag_cap ? 0 : idx + 1;
	if (f->live)
		frag_unlink(g, idx);
	f->src = arrived->src;
	f->dst = arrived->dst;
	f->proto = arrived->proto;
	f->frag_id = p->frag_id;
	f->new_src = *new_src;
	f->new_dst = *new_dst;
	f->verdict = verdict;
	f->side = side;
	f->expires_ns = now_ns + GNAT_FRAG_TIMEOUT;
	f->live = true;
	b = &g->frag_buckets[frag_bucket(g, &f->src, &f->dst, f->proto, f->frag_id)];
	f->next = *b;
	*b = idx;
}

int gnat_frag_translate(struct gnat *g, struct net_pkt *p, uint64_t now_ns,
			struct gnat_result *res)
{
	const struct net_tuple *t = &p->tuple;
	uint32_t idx = g->frag_buckets[frag_bucket(g, &t->src, &t->dst, t->proto, p->frag_id)];

	for (; idx != GNAT_NIL; idx = g->frags[idx].next) {
		struct gnat_frag *f = &g->frags[idx];

		if (f->frag_id != p->frag_id || f->proto != t->proto ||
		    !net_addr_eq(&f->src, &t->src) || !net_addr_eq(&f->dst, &t->dst))
			continue;
		if (f->expires_ns <= now_ns) {
			frag_unlink(g, idx);
			return -ENOENT;
		}
		if (!net_addr_eq(&f->new_src, &t->src)) {
			net_pkt_rewrite_src(p, &f->new_src, 0);
			res->translated = true;
		}
		if (!net_addr_eq(&f->new_dst, &t->dst)) {
			net_pkt_rewrite_dst(p, &f->new_dst, 0);
			res->translated = true;
		}
		res->verdict = (enum gnat_verdict)f->verdict;
		res->out_side = (enum gnat_side)f->side;
		g->c.fragments_translated++;
		return 0;
	}
	return -ENOENT;
}
