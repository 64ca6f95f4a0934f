/* gnat_rdr.c - redirects (port and session, persistent and one-shot), the
 * NAT API's handle on new sessions. Pooled, hashed by (proto, dport) with the
 * newest first in each chain; dport-wildcards sit in one extra chain. An
 * unused one-shot expires: the table is swept only when the earliest expiry
 * is due (redirect tables are small; lookups never sweep). */
#include "gnat_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gnat_rdr_init(struct gnat *g)
{
	uint32_t n = g->cfg.max_redirects, nb = 1;

	while (nb < n)
		nb <<= 1;
	g->rdrs = calloc(n, sizeof(*g->rdrs));
	g->rdr_buckets = malloc((size_t)nb * sizeof(*g->rdr_buckets));
	if (!g->rdrs || !g->rdr_buckets)
		return -ENOMEM;
	memset(g->rdr_buckets, 0xff, (size_t)nb * sizeof(*g->rdr_buckets));
	g->rdr_mask = nb - 1;
	g->rdr_wild = GNAT_NIL;
	for (uint32_t i = 0; i < n; i++)
		g->rdrs[i].next = i + 1 < n ? i + 1 : GNAT_NIL;
	g->rdr_free = 0;
	g->rdr_next_expiry = UINT64_MAX;
	return 0;
}

void gnat_rdr_fini(struct gnat *g)
{
	free(g->rdrs);
	free(g->rdr_buckets);
}

static uint32_t *rdr_chain(struct gnat *g, uint8_t proto, uint16_t dport)
{
	if (dport == 0)
		return &g->rdr_wild;
	return &g->rdr_buckets[((uint32_t)dport * 0x9e3779b1u ^ proto) & g->rdr_mask];
}

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
	for (; i != GNAT_NIL; i = g->rdrs[i].next) {
		const struct gnat_redirect *r = &g->rdrs[i];

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

	if (g->c.redirects_active == 0)
		return GNAT_NIL;
	rdr_scan(g, *rdr_chain((struct gnat *)g, t->proto, t->dport), t, &best, &best_idx);
	rdr_scan(g, g->rdr_wild, t, &best, &best_idx);
	return best_idx;
}

static bool prefix_is_host(const struct net_prefix *p)
{
	return p->addr.family != NET_AF_NONE && p->len == net_addr_len(&p->addr) * 8;
}

int gnat_rdr_add_owned(struct gnat *g, const struct gnat_redirect_spec *spec, uint64_t now_ns,
		       uint32_t owner, uint16_t held_port, uint8_t held_pi, uint32_t *id)
{
	struct gnat_redirect *r;
	uint32_t idx, *chain;
	uint64_t tmo;

	if (!g || !spec || !id || (spec->match.proto != 6 && spec->match.proto != 17))
		return -EINVAL;
	if (!spec->set_src && !spec->set_dst)
		return -EINVAL;
	if ((spec->set_src && !net_addr_is_set(&spec->new_src)) ||
	    (spec->set_dst && !net_addr_is_set(&spec->new_dst)))
		return -EINVAL;
	idx = g->rdr_free;
	if (idx == GNAT_NIL) {
		g->c.redirects_refused++;
		return -ENOSPC;
	}
	r = &g->rdrs[idx];
	g->rdr_free = r->next;
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
	tmo = spec->timeout_ns;
	if (spec->one_shot && tmo == 0)
		tmo = g->cfg.redirect_timeout;
	r->expires_ns = tmo ? now_ns + tmo : 0;
	if (r->expires_ns && r->expires_ns < g->rdr_next_expiry)
		g->rdr_next_expiry = r->expires_ns;
	chain = rdr_chain(g, spec->match.proto, spec->match.dport);
	r->next = *chain;
	*chain = idx;
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
	uint32_t *pi = rdr_chain(g, r->spec.match.proto, r->spec.match.dport);

	while (*pi != GNAT_NIL && *pi != idx)
		pi = &g->rdrs[*pi].next;
	if (*pi == idx)
		*pi = r->next;
	if (r->held_port)
		gnat_port_unhold(g, r->held_pi, r->held_port);
	r->live = false;
	r->next = g->rdr_free;
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
	uint64_t next = UINT64_MAX;

	if (now_ns < g->rdr_next_expiry)
		return;
	for (uint32_t i = 0; i < g->cfg.max_redirects; i++) {
		struct gnat_redirect *r = &g->rdrs[i];

		if (!r->live || !r->expires_ns)
			continue;
		if (r->expires_ns <= now_ns) {
			rdr_remove(g, i);
			g->c.redirects_expired++;
		} else if (r->expires_ns < next) {
			next = r->expires_ns;
		}
	}
	g->rdr_next_expiry = next;
}

int gnat_redirect_cancel(struct gnat *g, uint32_t id)
{
	if (!g || id == 0)
		return -ENOENT;
	for (uint32_t i = 0; i < g->cfg.max_redirects; i++) {
		if (g->rdrs[i].live && g->rdrs[i].id == id) {
			rdr_remove(g, i);
			g->c.redirects_cancelled++;
			return 0;
		}
	}
	return -ENOENT;
}

static int rdr_cancel_where(struct gnat *g, bool by_owner, uint32_t key)
{
	int n = 0;

	for (uint32_t i = 0; i < g->cfg.max_redirects; i++) {
		const struct gnat_redirect *r = &g->rdrs[i];

		if (r->live && (by_owner ? r->owner : r->spec.group) == key) {
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
	return rdr_cancel_where(g, false, group);
}

void gnat_rdr_cancel_owner(struct gnat *g, uint32_t owner)
{
	if (owner)
		rdr_cancel_where(g, true, owner);
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
	for (uint32_t i = 0; i < g->cfg.max_redirects; i++) {
		const struct gnat_redirect *r = &g->rdrs[i];

		if (r->live && r->owner == owner && rdr_spec_eq(&r->spec, spec)) {
			*id = r->id;
			return 0;
		}
	}
	return -ENOENT;
}

bool gnat_rdr_owner_holds(const struct gnat *g, uint32_t owner, uint8_t pi, uint16_t port)
{
	for (uint32_t i = 0; i < g->cfg.max_redirects && g->c.redirects_active; i++) {
		const struct gnat_redirect *r = &g->rdrs[i];

		if (r->live && r->owner == owner && r->held_pi == pi && r->held_port == port)
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

uint32_t gnat_rdr_match_inverse(const struct gnat *g, const struct net_tuple *left,
				struct net_tuple *arrived)
{
	const struct gnat_redirect *best = NULL;
	uint32_t best_idx = GNAT_NIL;
	struct net_tuple t;

	for (uint32_t i = 0; i < g->cfg.max_redirects && g->c.redirects_active; i++) {
		const struct gnat_redirect *r = &g->rdrs[i];

		if (r->live && r->spec.match.proto == left->proto && rdr_unapply(r, left, &t) &&
		    rdr_better(r, best)) {
			best = r;
			best_idx = i;
			*arrived = t;
		}
	}
	return best_idx;
}
