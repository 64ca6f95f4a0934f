/* gnat_rdr.c - redirects (port and session, persistent and one-shot), the
 * NAT API's handle on new sessions. A pool grown by doubling, five hash
 * indexes with chains linked through the redirects (enum gnat_rx) and an
 * expiry min-heap: every operation touches one chain or one heap path,
 * never the table. */
#include "gnat_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RDR_INITIAL 64u /* first pool size; doubles up to max_redirects */

static uint32_t rdr_mix(uint64_t k, uint64_t seed)
{
	k ^= seed;
	k *= 0x9e3779b97f4a7c15ULL;
	k ^= k >> 31;
	k *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(k >> 32) ^ (uint32_t)k;
}

/* The engine hands out ids in sequence, so the id itself spreads them:
 * recent ids sit in neighbouring buckets (shared cache lines) and live ids
 * collide only when a multiple of the table size apart. Nobody outside
 * chooses them, so no seed is needed. */
static uint32_t rdr_id_key(uint32_t id)
{
	return id;
}

static bool prefix_is_host(const struct net_prefix *p)
{
	return p->addr.family != NET_AF_NONE && p->len == net_addr_len(&p->addr) * 8;
}

/* INV key: the end a redirect rewrites, as it leaves (see rdr_unapply):
 * the new destination (or, for a source-only rewrite, the new source) with
 * the port it must leave with, 0 when any port would do. */
static uint64_t rdr_inv_key(uint8_t proto, bool dst_end, const struct net_addr *a,
			    uint16_t port, uint64_t seed)
{
	uint64_t w0, w1;

	memcpy(&w0, a->a, 8);
	memcpy(&w1, a->a + 8, 8);
	return rdr_mix(w0 ^ rdr_mix(w1, seed) ^ ((uint64_t)proto << 17 | (uint64_t)dst_end << 16 |
						    port),
		       seed ^ a->family);
}

/* Can some arriving packet be told from what this redirect let leave? Only
 * when the match names each rewritten end exactly (host prefix, and a port
 * when the rewrite sets one). */
static bool rdr_invertible(const struct gnat_redirect *r)
{
	const struct gnat_redirect_spec *s = &r->spec;

	if (s->set_dst && (!prefix_is_host(&s->match.dst) || (s->new_dport && !s->match.dport)))
		return false;
	if (s->set_src && (!prefix_is_host(&s->match.src) || (s->new_sport && !s->match.sport)))
		return false;
	return true;
}

/* MATCH key of a session redirect: both hosts and both ports, or, when
 * either port is a wildcard, both hosts alone (few such redirects share a
 * pair of hosts), so thousands of them on one port do not share a chain. */
static uint32_t rdr_session_key(uint8_t proto, const struct net_addr *src, uint16_t sport,
				const struct net_addr *dst, uint16_t dport, uint64_t seed)
{
	uint64_t k = rdr_inv_key(proto, false, src, sport, seed + 5);

	return (uint32_t)rdr_inv_key(proto, true, dst, dport, seed ^ k);
}

static uint32_t rdr_session_key_of(const struct gnat_match *m, uint64_t seed)
{
	bool full = m->sport && m->dport;

	return rdr_session_key(m->proto, &m->src.addr, full ? m->sport : 0, &m->dst.addr,
			       full ? m->dport : 0, seed);
}

static uint32_t rdr_key(const struct gnat *g, const struct gnat_redirect *r, int x)
{
	const struct gnat_redirect_spec *s = &r->spec;
	uint64_t seed = g->cfg.hash_seed;

	switch (x) {
	case GNAT_RX_MATCH:
		if (r->session)
			return rdr_session_key_of(&s->match, seed);
		return rdr_mix((uint64_t)s->match.dport << 8 | s->match.proto, seed);
	case GNAT_RX_ID:
		return rdr_id_key(r->id);
	case GNAT_RX_OWNER:
		return rdr_mix(r->owner, seed + 2);
	case GNAT_RX_GROUP:
		return rdr_mix(s->group, seed + 3);
	default:
		if (s->set_dst)
			return (uint32_t)rdr_inv_key(s->match.proto, true, &s->new_dst,
						     s->new_dport ? s->new_dport : s->match.dport, seed);
		return (uint32_t)rdr_inv_key(s->match.proto, false, &s->new_src,
					     s->new_sport ? s->new_sport : s->match.sport, seed);
	}
}

/* Is r in index x at all? */
static bool rdr_indexed(const struct gnat_redirect *r, int x)
{
	switch (x) {
	case GNAT_RX_OWNER:
		return r->owner != 0;
	case GNAT_RX_GROUP:
		return r->spec.group != 0;
	case GNAT_RX_INV:
		return rdr_invertible(r);
	default:
		return true;
	}
}

static uint32_t *rdr_head(struct gnat *g, const struct gnat_redirect *r, int x)
{
	if (x == GNAT_RX_MATCH && r->spec.match.dport == 0 && !r->session)
		return &g->rdr_wild;
	return &g->rdr_heads[x][rdr_key(g, r, x) & g->rdr_mask];
}

static void rdr_link(struct gnat *g, uint32_t idx, int x)
{
	struct gnat_redirect *r = &g->rdrs[idx];
	uint32_t *h;

	if (!rdr_indexed(r, x))
		return;
	h = rdr_head(g, r, x);
	r->lk[x].next = *h;
	*h = idx;
	r->linked |= (uint8_t)(1u << x);
}

/* The chain is walked from its head to the link naming idx: chains hold
 * about one entry (the buckets are at least as many as the pool's slots),
 * and unlike a back link this touches no other redirect when idx is the
 * head (the newest), the common case of an add soon undone. */
static void rdr_unlink(struct gnat *g, uint32_t idx, int x)
{
	struct gnat_redirect *r = &g->rdrs[idx];
	uint32_t *pp;

	if (!(r->linked & (1u << x)))
		return;
	for (pp = rdr_head(g, r, x); *pp != idx; pp = &g->rdrs[*pp].lk[x].next)
		g->w.rdr_steps++;
	*pp = r->lk[x].next;
	r->linked &= (uint8_t)~(1u << x);
}

/* Buckets for a pool of cap slots: at least cap, a power of two. */
static int rdr_index_build(struct gnat *g)
{
	uint32_t nb = 1;

	while (nb < g->rdr_cap)
		nb <<= 1;
	for (int x = 0; x < GNAT_RX__COUNT; x++) {
		uint32_t *h = realloc(g->rdr_heads[x], (size_t)nb * sizeof(*h));

		if (!h)
			return -ENOMEM;
		g->rdr_heads[x] = h;
		memset(h, 0xff, (size_t)nb * sizeof(*h));
	}
	g->rdr_mask = nb - 1;
	g->rdr_wild = GNAT_NIL;
	for (uint32_t i = 0; i < g->rdr_cap; i++) {
		if (!g->rdrs[i].live)
			continue;
		g->rdrs[i].linked = 0;
		for (int x = 0; x < GNAT_RX__COUNT; x++)
			rdr_link(g, i, x);
	}
	return 0;
}

/* Double the pool (bounded by max_redirects) and its indexes. The pool is
 * an array indexed by slot, so a move keeps every link valid. */
static int rdr_grow(struct gnat *g)
{
	uint32_t old = g->rdr_cap, ncap;
	struct gnat_redirect *r;
	uint32_t *heap;

	if (old >= g->cfg.max_redirects)
		return -ENOSPC;
	ncap = old ? old * 2 : RDR_INITIAL;
	if (ncap > g->cfg.max_redirects || ncap < old)
		ncap = g->cfg.max_redirects;
	r = realloc(g->rdrs, (size_t)ncap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	g->rdrs = r;
	heap = realloc(g->rdr_heap, (size_t)ncap * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	g->rdr_heap = heap;
	memset(&r[old], 0, (size_t)(ncap - old) * sizeof(*r));
	for (uint32_t i = old; i < ncap; i++)
		r[i].next_free = i + 1 < ncap ? i + 1 : g->rdr_free;
	g->rdr_free = old;
	g->rdr_cap = ncap;
	if (old)
		g->c.table_grows++;
	return rdr_index_build(g);
}

int gnat_rdr_init(struct gnat *g)
{
	g->rdr_free = GNAT_NIL;
	g->rdr_next_expiry = UINT64_MAX;
	g->rdr_cap = 0;
	g->rdr_heap_n = 0;
	return rdr_grow(g);
}

void gnat_rdr_fini(struct gnat *g)
{
	free(g->rdrs);
	free(g->rdr_heap);
	for (int x = 0; x < GNAT_RX__COUNT; x++)
		free(g->rdr_heads[x]);
}

/* ---- expiry heap: slot indices ordered by expires_ns ---- */

static bool heap_before(const struct gnat *g, uint32_t a, uint32_t b)
{
	return g->rdrs[a].expires_ns < g->rdrs[b].expires_ns;
}

static void heap_place(struct gnat *g, uint32_t pos, uint32_t idx)
{
	g->rdr_heap[pos] = idx;
	g->rdrs[idx].heap_pos = pos;
}

static void heap_up(struct gnat *g, uint32_t pos)
{
	uint32_t idx = g->rdr_heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!heap_before(g, idx, g->rdr_heap[parent]))
			break;
		heap_place(g, pos, g->rdr_heap[parent]);
		pos = parent;
		g->w.rdr_steps++;
	}
	heap_place(g, pos, idx);
}

static void heap_down(struct gnat *g, uint32_t pos)
{
	uint32_t idx = g->rdr_heap[pos], n = g->rdr_heap_n;

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= n)
			break;
		if (c + 1 < n && heap_before(g, g->rdr_heap[c + 1], g->rdr_heap[c]))
			c++;
		if (!heap_before(g, g->rdr_heap[c], idx))
			break;
		heap_place(g, pos, g->rdr_heap[c]);
		pos = c;
		g->w.rdr_steps++;
	}
	heap_place(g, pos, idx);
}

static void heap_sync_next(struct gnat *g)
{
	g->rdr_next_expiry = g->rdr_heap_n ? g->rdrs[g->rdr_heap[0]].expires_ns : UINT64_MAX;
}

static void heap_insert(struct gnat *g, uint32_t idx)
{
	heap_place(g, g->rdr_heap_n++, idx);
	heap_up(g, g->rdr_heap_n - 1);
	heap_sync_next(g);
}

static void heap_remove(struct gnat *g, uint32_t idx)
{
	uint32_t pos = g->rdrs[idx].heap_pos, last;

	if (pos == GNAT_NIL)
		return;
	g->rdrs[idx].heap_pos = GNAT_NIL;
	last = g->rdr_heap[--g->rdr_heap_n];
	if (last != idx) {
		heap_place(g, pos, last);
		heap_up(g, pos);
		heap_down(g, g->rdrs[last].heap_pos);
	}
	heap_sync_next(g);
}

/* ---- matching ---- */

static bool rdr_prefix_ok(const struct net_prefix *p, const struct net_addr *a)
{
	if (p->addr.family == NET_AF_NONE)
		return true;
	return p->addr.family == a->family && net_prefix_contains(p, a);
}

static bool rdr_matches(const struct gnat_redirect *r, const struct net_tuple *t)
{
	const struct gnat_match *mt = &r->spec.match;

	if (mt->proto != t->proto || (mt->dport && mt->dport != t->dport) ||
	    (mt->sport && mt->sport != t->sport))
		return false;
	if (!rdr_prefix_ok(&mt->src, &t->src) || !rdr_prefix_ok(&mt->dst, &t->dst))
		return false;
	/* the rewrite must fit the packet's family */
	if (r->spec.set_src && r->spec.new_src.family != t->src.family)
		return false;
	if (r->spec.set_dst && r->spec.new_dst.family != t->dst.family)
		return false;
	return true;
}

static bool rdr_better(const struct gnat_redirect *a, const struct gnat_redirect *b)
{
	if (!b)
		return true;
	if (a->session != b->session)
		return a->session;
	return a->id > b->id;
}

static void rdr_scan(const struct gnat *g, uint32_t i, const struct net_tuple *t,
		     const struct gnat_redirect **best, uint32_t *best_idx)
{
	for (; i != GNAT_NIL; i = g->rdrs[i].lk[GNAT_RX_MATCH].next) {
		const struct gnat_redirect *r = &g->rdrs[i];

		((struct gnat *)g)->w.rdr_steps++;
		if (rdr_matches(r, t) && rdr_better(r, *best)) {
			*best = r;
			*best_idx = i;
		}
	}
}

uint32_t gnat_rdr_match(const struct gnat *g, const struct net_tuple *t)
{
	const struct gnat_redirect *best = NULL;
	uint32_t best_idx = GNAT_NIL;
	uint32_t h;

	uint32_t hs, hs0;

	if (g->c.redirects_active == 0)
		return GNAT_NIL;
	/* session redirects naming both ports, or not; port redirects;
	 * wildcards */
	hs = rdr_session_key(t->proto, &t->src, t->sport, &t->dst, t->dport, g->cfg.hash_seed) &
	     g->rdr_mask;
	hs0 = rdr_session_key(t->proto, &t->src, 0, &t->dst, 0, g->cfg.hash_seed) & g->rdr_mask;
	h = rdr_mix((uint64_t)t->dport << 8 | t->proto, g->cfg.hash_seed) & g->rdr_mask;
	rdr_scan(g, g->rdr_heads[GNAT_RX_MATCH][hs], t, &best, &best_idx);
	if (hs0 != hs)
		rdr_scan(g, g->rdr_heads[GNAT_RX_MATCH][hs0], t, &best, &best_idx);
	if (h != hs && h != hs0)
		rdr_scan(g, g->rdr_heads[GNAT_RX_MATCH][h], t, &best, &best_idx);
	rdr_scan(g, g->rdr_wild, t, &best, &best_idx);
	return best_idx;
}

/* ---- add and remove ---- */

int gnat_rdr_add_owned(struct gnat *g, const struct gnat_redirect_spec *spec, uint64_t now_ns,
		       uint32_t owner, uint16_t held_port, uint8_t held_pi, uint32_t *id)
{
	struct gnat_redirect *r;
	uint32_t idx;
	uint64_t tmo;
	int rc;

	if (!g || !spec || !id || (spec->match.proto != 6 && spec->match.proto != 17))
		return -EINVAL;
	if (!spec->set_src && !spec->set_dst)
		return -EINVAL;
	if ((spec->set_src && !net_addr_is_set(&spec->new_src)) ||
	    (spec->set_dst && !net_addr_is_set(&spec->new_dst)))
		return -EINVAL;
	if (g->rdr_free == GNAT_NIL) {
		rc = rdr_grow(g);
		if (rc) {
			g->c.redirects_refused++;
			return rc;
		}
	}
	idx = g->rdr_free;
	r = &g->rdrs[idx];
	g->rdr_free = r->next_free;
	memset(r, 0, sizeof(*r));
	r->spec = *spec;
	r->id = g->next_redirect_id++;
	if (g->next_redirect_id == 0)
		g->next_redirect_id = 1;
	r->owner = owner;
	r->held_port = held_port;
	r->held_pi = held_pi;
	r->session = prefix_is_host(&spec->match.src) && prefix_is_host(&spec->match.dst);
	r->live = true;
	r->heap_pos = GNAT_NIL;
	tmo = spec->timeout_ns;
	if (spec->one_shot && tmo == 0)
		tmo = g->cfg.redirect_timeout;
	r->expires_ns = tmo ? now_ns + tmo : 0;
	for (int x = 0; x < GNAT_RX__COUNT; x++)
		rdr_link(g, idx, x);
	if (r->expires_ns)
		heap_insert(g, idx);
	g->c.redirects_added++;
	g->c.redirects_active++;
	*id = r->id;
	return 0;
}

int gnat_redirect_add(struct gnat *g, const struct gnat_redirect_spec *spec, uint64_t now_ns,
		      uint32_t *id)
{
	return gnat_rdr_add_owned(g, spec, now_ns, 0, 0, 0, id);
}

/* Unlink and free slot idx; the caller counts why. */
static void rdr_remove(struct gnat *g, uint32_t idx)
{
	struct gnat_redirect *r = &g->rdrs[idx];

	for (int x = 0; x < GNAT_RX__COUNT; x++)
		rdr_unlink(g, idx, x);
	heap_remove(g, idx);
	if (r->held_port)
		gnat_port_unhold(g, r->held_pi, r->held_port);
	r->live = false;
	r->next_free = g->rdr_free;
	g->rdr_free = idx;
	g->c.redirects_active--;
}

void gnat_rdr_used(struct gnat *g, uint32_t idx)
{
	if (!g->rdrs[idx].spec.one_shot)
		return;
	rdr_remove(g, idx);
	g->c.redirects_consumed++;
}

void gnat_rdr_expire(struct gnat *g, uint64_t now_ns)
{
	while (g->rdr_heap_n && g->rdrs[g->rdr_heap[0]].expires_ns <= now_ns) {
		rdr_remove(g, g->rdr_heap[0]);
		g->c.redirects_expired++;
	}
	heap_sync_next(g);
}

static uint32_t rdr_find_id(struct gnat *g, uint32_t id)
{
	uint32_t i = g->rdr_heads[GNAT_RX_ID][rdr_id_key(id) & g->rdr_mask];

	for (; i != GNAT_NIL; i = g->rdrs[i].lk[GNAT_RX_ID].next) {
		g->w.rdr_steps++;
		if (g->rdrs[i].id == id)
			return i;
	}
	return GNAT_NIL;
}

int gnat_redirect_cancel(struct gnat *g, uint32_t id)
{
	uint32_t idx;

	if (!g || id == 0)
		return -ENOENT;
	idx = rdr_find_id(g, id);
	if (idx == GNAT_NIL)
		return -ENOENT;
	rdr_remove(g, idx);
	g->c.redirects_cancelled++;
	return 0;
}

/* The chain of an owner or group holds its members (and any other key
 * hashed to the same bucket): O(members) expected. */
static uint32_t rdr_set_head(const struct gnat *g, int x, uint32_t key)
{
	return g->rdr_heads[x][rdr_mix(key, g->cfg.hash_seed + (uint64_t)x) & g->rdr_mask];
}

static bool rdr_in_set(const struct gnat_redirect *r, int x, uint32_t key)
{
	return (x == GNAT_RX_OWNER ? r->owner : r->spec.group) == key;
}

static int rdr_cancel_set(struct gnat *g, int x, uint32_t key)
{
	uint32_t i = rdr_set_head(g, x, key), next;
	int n = 0;

	for (; i != GNAT_NIL; i = next) {
		next = g->rdrs[i].lk[x].next;
		g->w.rdr_steps++;
		if (rdr_in_set(&g->rdrs[i], x, key)) {
			rdr_remove(g, i);
			g->c.redirects_cancelled++;
			n++;
		}
	}
	return n;
}

int gnat_redirect_cancel_group(struct gnat *g, uint32_t group)
{
	if (!g || group == 0)
		return 0;
	return rdr_cancel_set(g, GNAT_RX_GROUP, group);
}

void gnat_rdr_cancel_owner(struct gnat *g, uint32_t owner)
{
	if (owner)
		rdr_cancel_set(g, GNAT_RX_OWNER, owner);
}

static bool rdr_prefix_eq(const struct net_prefix *x, const struct net_prefix *y)
{
	return x->len == y->len && net_addr_eq(&x->addr, &y->addr);
}

/* Field by field: the spec has padding, so no memcmp. */
static bool rdr_spec_eq(const struct gnat_redirect_spec *x, const struct gnat_redirect_spec *y)
{
	const struct gnat_match *a = &x->match, *b = &y->match;

	return a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       rdr_prefix_eq(&a->src, &b->src) && rdr_prefix_eq(&a->dst, &b->dst) &&
	       x->set_src == y->set_src && x->set_dst == y->set_dst &&
	       x->new_sport == y->new_sport && x->new_dport == y->new_dport &&
	       (!x->set_src || net_addr_eq(&x->new_src, &y->new_src)) &&
	       (!x->set_dst || net_addr_eq(&x->new_dst, &y->new_dst));
}

int gnat_rdr_find_owned(const struct gnat *g, uint32_t owner,
			const struct gnat_redirect_spec *spec, uint32_t *id)
{
	if (owner == 0)
		return -ENOENT;
	for (uint32_t i = rdr_set_head(g, GNAT_RX_OWNER, owner); i != GNAT_NIL;
	     i = g->rdrs[i].lk[GNAT_RX_OWNER].next) {
		const struct gnat_redirect *r = &g->rdrs[i];

		((struct gnat *)g)->w.rdr_steps++;
		if (r->owner == owner && rdr_spec_eq(&r->spec, spec)) {
			*id = r->id;
			return 0;
		}
	}
	return -ENOENT;
}

bool gnat_rdr_owner_holds(const struct gnat *g, uint32_t owner, uint8_t pi, uint16_t port)
{
	if (owner == 0)
		return false;
	for (uint32_t i = rdr_set_head(g, GNAT_RX_OWNER, owner); i != GNAT_NIL;
	     i = g->rdrs[i].lk[GNAT_RX_OWNER].next) {
		const struct gnat_redirect *r = &g->rdrs[i];

		((struct gnat *)g)->w.rdr_steps++;
		if (r->owner == owner && r->held_pi == pi && r->held_port == port)
			return true;
	}
	return false;
}

/* What arrived, given what a redirect let leave: only answerable when the
 * match names the rewritten ends exactly (host prefix, port or kept port). */
static bool rdr_unapply(const struct gnat_redirect *r, const struct net_tuple *left,
			struct net_tuple *arrived)
{
	const struct gnat_redirect_spec *s = &r->spec;

	*arrived = *left;
	if (s->set_dst) {
		if (!net_addr_eq(&s->new_dst, &left->dst) ||
		    (s->new_dport && s->new_dport != left->dport) || !prefix_is_host(&s->match.dst))
			return false;
		arrived->dst = s->match.dst.addr;
		if (s->new_dport) {
			if (!s->match.dport)
				return false;
			arrived->dport = s->match.dport;
		}
	}
	if (s->set_src) {
		if (!net_addr_eq(&s->new_src, &left->src) ||
		    (s->new_sport && s->new_sport != left->sport) || !prefix_is_host(&s->match.src))
			return false;
		arrived->src = s->match.src.addr;
		if (s->new_sport) {
			if (!s->match.sport)
				return false;
			arrived->sport = s->match.sport;
		}
	}
	return rdr_matches(r, arrived);
}

/* Every invertible redirect sits in INV under the end it rewrites as it
 * leaves, with its port or 0; four chains cover every candidate: the left
 * packet's destination and source, each with its port and with 0. */
uint32_t gnat_rdr_match_inverse(const struct gnat *g, const struct net_tuple *left,
				struct net_tuple *arrived)
{
	const struct gnat_redirect *best = NULL;
	uint32_t best_idx = GNAT_NIL, heads[4];
	struct net_tuple t;
	uint64_t seed = g->cfg.hash_seed;

	if (g->c.redirects_active == 0)
		return GNAT_NIL;
	heads[0] = rdr_inv_key(left->proto, true, &left->dst, left->dport, seed) & g->rdr_mask;
	heads[1] = rdr_inv_key(left->proto, true, &left->dst, 0, seed) & g->rdr_mask;
	heads[2] = rdr_inv_key(left->proto, false, &left->src, left->sport, seed) & g->rdr_mask;
	heads[3] = rdr_inv_key(left->proto, false, &left->src, 0, seed) & g->rdr_mask;
	for (int k = 0; k < 4; k++) {
		bool again = false;

		for (int j = 0; j < k; j++)
			again |= heads[j] == heads[k];
		if (again)
			continue; /* the same chain gives the same best */
		for (uint32_t i = g->rdr_heads[GNAT_RX_INV][heads[k]]; i != GNAT_NIL;
		     i = g->rdrs[i].lk[GNAT_RX_INV].next) {
			const struct gnat_redirect *r = &g->rdrs[i];

			((struct gnat *)g)->w.rdr_steps++;
			if (r->spec.match.proto == left->proto && rdr_unapply(r, left, &t) &&
			    rdr_better(r, best)) {
				best = r;
				best_idx = i;
				*arrived = t;
			}
		}
	}
	return best_idx;
}

void gnat_work_get(const struct gnat *g, struct gnat_work *out)
{
	if (g && out)
		*out = g->w;
}
