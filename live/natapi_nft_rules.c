/* natapi_nft_rules.c - NAT API redirects as nftables rules: the port redirect
 * in the base prerouting chain, session redirects in per-group chains (dnat
 * that sets ct mark = id, snat matched by that mark), cancel by handle, and
 * the expiry heap of one-shot redirects nobody used. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natapi_nft_int.h"

/* ---- text of matches and translations -------------------------------------- */

static const char *nft_fam(const struct net_addr *a)
{
	return a->family == NET_AF_INET6 ? "ip6" : "ip";
}

static void nft_match_prefix(struct nft_cmd *c, const char *dir, const struct net_prefix *p)
{
	char buf[NET_ADDR_STRLEN + 8];

	if (p->addr.family == NET_AF_NONE || p->len == 0)
		return;
	if (net_prefix_format(p, buf, sizeof(buf)) != 0) {
		c->oom = true; /* cannot happen for a valid prefix; fail the batch */
		return;
	}
	nft_cmd_add(c, " %s %s %s", nft_fam(&p->addr), dir, buf);
}

static void nft_match_addr(struct nft_cmd *c, const char *dir, const struct net_addr *a)
{
	char buf[NET_ADDR_STRLEN];

	if (net_addr_format(a, buf, sizeof(buf)) != 0) {
		c->oom = true;
		return;
	}
	nft_cmd_add(c, " %s %s %s", nft_fam(a), dir, buf);
}

/* "dnat ip to 192.0.2.1:8021", "snat ip6 to [2001:db8:2::1]" */
static void nft_nat_to(struct nft_cmd *c, const char *verb, const struct net_addr *a, uint16_t port)
{
	char buf[NET_ADDR_STRLEN];

	if (net_addr_format(a, buf, sizeof(buf)) != 0) {
		c->oom = true;
		return;
	}
	if (a->family == NET_AF_INET6)
		nft_cmd_add(c, " %s ip6 to [%s]", verb, buf);
	else
		nft_cmd_add(c, " %s ip to %s", verb, buf);
	if (port)
		nft_cmd_add(c, ":%u", port);
}

static const char *nft_l4(uint8_t proto)
{
	return proto == 17 ? "udp" : "tcp";
}

static bool nft_proto_ok(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

/* ---- bookkeeping ---------------------------------------------------------------- */

static void nft_heap_swap(struct natapi_nft *b, size_t i, size_t j)
{
	struct nft_rdr *t = b->heap[i];

	b->heap[i] = b->heap[j];
	b->heap[j] = t;
	b->heap[i]->heap_i = i;
	b->heap[j]->heap_i = j;
}

static void nft_heap_up(struct natapi_nft *b, size_t i)
{
	while (i > 0 && b->heap[(i - 1) / 2]->deadline > b->heap[i]->deadline) {
		nft_heap_swap(b, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void nft_heap_down(struct natapi_nft *b, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < b->n_heap && b->heap[l]->deadline < b->heap[m]->deadline)
			m = l;
		if (r < b->n_heap && b->heap[r]->deadline < b->heap[m]->deadline)
			m = r;
		if (m == i)
			return;
		nft_heap_swap(b, i, m);
		i = m;
	}
}

static int nft_heap_room(struct natapi_nft *b)
{
	if (b->n_heap < b->cap_heap)
		return 0;
	size_t ncap = b->cap_heap ? 2 * b->cap_heap : 16;
	struct nft_rdr **h = realloc(b->heap, ncap * sizeof(*h));

	if (!h)
		return -ENOMEM;
	b->heap = h;
	b->cap_heap = ncap;
	return 0;
}

static void nft_heap_remove(struct natapi_nft *b, struct nft_rdr *r)
{
	size_t i = r->heap_i;

	if (i == SIZE_MAX)
		return;
	r->heap_i = SIZE_MAX;
	if (i == --b->n_heap)
		return;
	b->heap[i] = b->heap[b->n_heap];
	b->heap[i]->heap_i = i;
	nft_heap_down(b, i);
	nft_heap_up(b, i);
}

/* Forgets a redirect whose rules are gone (and its group when it was the last). */
static void nft_rdr_drop(struct natapi_nft *b, struct nft_rdr *r)
{
	struct nft_grp *g = r->grp;

	nft_heap_remove(b, r);
	(void)live_map_del(&b->rdrs, r->id);
	b->st.rules_active -= (r->h_pre != 0) + (r->h_post != 0);
	if (g) {
		if (r->gprev)
			r->gprev->gnext = r->gnext;
		else
			g->members = r->gnext;
		if (r->gnext)
			r->gnext->gprev = r->gprev;
		if (--g->n == 0) {
			(void)live_map_del(&b->grps, g->group);
			free(g);
		}
	}
	free(r);
}

/* The commands that take a group's chains away (jumps, then the chains with
 * whatever they still hold). */
static void nft_cmd_drop_group(struct natapi_nft *b, struct nft_cmd *c, const struct nft_grp *g)
{
	const char *t = b->cfg.table;

	nft_cmd_add(c, "delete rule inet %s prerouting handle %llu\n", t,
		    (unsigned long long)g->h_jpre);
	nft_cmd_add(c, "delete rule inet %s postrouting handle %llu\n", t,
		    (unsigned long long)g->h_jpost);
	nft_cmd_add(c, "flush chain inet %s g%u_pre\ndelete chain inet %s g%u_pre\n", t, g->group,
		    t, g->group);
	nft_cmd_add(c, "flush chain inet %s g%u_post\ndelete chain inet %s g%u_post\n", t, g->group,
		    t, g->group);
}

/* ---- the port redirect ------------------------------------------------------------- */

int nft_redirect_port(void *state, const struct natapi_port_redirect *r, uint32_t *id)
{
	struct natapi_nft *b = state;
	const char *fam;
	struct nft_cmd c = {0};
	struct nft_rdr *rd = NULL;
	uint64_t h;
	int rc = -EINVAL;

	if (!nft_proto_ok(r->proto) || r->dport == 0 || !net_addr_is_set(&r->new_dst))
		goto out;
	if ((r->dst.addr.family && r->dst.addr.family != r->new_dst.family) ||
	    (r->src.addr.family && r->src.addr.family != r->new_dst.family))
		goto out;
	rc = -ENOMEM;
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		goto out;
	rd->heap_i = SIZE_MAX;
	rd->id = ++b->next_id;
	fam = r->new_dst.family == NET_AF_INET6 ? "ipv6" : "ipv4";
	nft_cmd_add(&c, "add rule inet %s prerouting", b->cfg.table);
	if (b->cfg.inside_if[0])
		nft_cmd_add(&c, " iifname \"%s\"", b->cfg.inside_if);
	nft_cmd_add(&c, " meta nfproto %s", fam);
	nft_match_prefix(&c, "saddr", &r->src);
	nft_match_prefix(&c, "daddr", &r->dst);
	nft_cmd_add(&c, " %s dport %u", nft_l4(r->proto), r->dport);
	nft_nat_to(&c, "dnat", &r->new_dst, r->new_dport ? r->new_dport : r->dport);
	nft_cmd_add(&c, "\n");
	rc = live_map_put(&b->rdrs, rd->id, rd);
	if (rc)
		goto out;
	rc = nft_batch(b, &c, &h, 1);
	if (rc) {
		(void)live_map_del(&b->rdrs, rd->id);
		goto out;
	}
	rd->h_pre = h;
	b->st.rules_active++;
	*id = rd->id;
	rd = NULL;
out:
	free(rd);
	nft_cmd_free(&c);
	return rc;
}

/* ---- session redirects --------------------------------------------------------------- */

static int nft_session_check(const struct natapi_session_redirect *r)
{
	uint8_t fam = r->dst.family;

	if (!nft_proto_ok(r->proto) || !net_addr_is_set(&r->dst) || r->dport == 0 ||
	    !net_addr_is_set(&r->new_dst) || r->new_dst.family != fam)
		return -EINVAL;
	if (r->set_src && (!net_addr_is_set(&r->new_src) || r->new_src.family != fam))
		return -EINVAL;
	if (r->src.addr.family && r->src.addr.family != fam)
		return -EINVAL;
	return 0;
}

int nft_redirect_session(void *state, const struct natapi_session_redirect *r, uint32_t *id)
{
	struct natapi_nft *b = state;
	const char *t = b->cfg.table;
	struct nft_cmd c = {0};
	struct nft_rdr *rd = NULL;
	struct nft_grp *g = NULL;
	bool new_grp = false;
	char pre[24] = "prerouting", post[24] = "postrouting";
	uint64_t h[4];
	size_t nh = 0, k = 0;
	int rc = nft_session_check(r);

	if (rc)
		goto out;
	rc = -ENOMEM;
	rd = calloc(1, sizeof(*rd));
	if (!rd || nft_heap_room(b) != 0)
		goto out;
	rd->heap_i = SIZE_MAX;
	rd->id = ++b->next_id;
	if (r->group) {
		g = live_map_get(&b->grps, r->group);
		if (!g) {
			g = calloc(1, sizeof(*g));
			if (!g)
				goto out;
			g->group = r->group;
			new_grp = true;
			rc = live_map_put(&b->grps, g->group, g);
			if (rc) {
				free(g);
				g = NULL;
				goto out;
			}
			/* The group's chains and their entry, in the same transaction. */
			nft_cmd_add(&c, "add chain inet %s g%u_pre\nadd chain inet %s g%u_post\n", t,
				    g->group, t, g->group);
			nft_cmd_add(&c, "add rule inet %s prerouting jump g%u_pre\n", t, g->group);
			nft_cmd_add(&c, "add rule inet %s postrouting jump g%u_post\n", t, g->group);
			nh = 2;
		}
		snprintf(pre, sizeof(pre), "g%u_pre", g->group);
		snprintf(post, sizeof(post), "g%u_post", g->group);
	}
	/* Only a connection's first packet reaches a nat chain; ct state new
	 * says so explicitly. The mark ties the snat below to this dnat. */
	nft_cmd_add(&c, "add rule inet %s %s meta nfproto %s", t, pre,
		    r->dst.family == NET_AF_INET6 ? "ipv6" : "ipv4");
	nft_match_prefix(&c, "saddr", &r->src);
	nft_match_addr(&c, "daddr", &r->dst);
	if (r->sport)
		nft_cmd_add(&c, " %s sport %u", nft_l4(r->proto), r->sport);
	nft_cmd_add(&c, " %s dport %u ct state new ct mark set 0x%08x", nft_l4(r->proto), r->dport,
		    rd->id);
	nft_nat_to(&c, "dnat", &r->new_dst, r->new_dport ? r->new_dport : r->dport);
	nft_cmd_add(&c, "\n");
	nh++;
	if (r->set_src) {
		nft_cmd_add(&c, "add rule inet %s %s ct mark 0x%08x", t, post, rd->id);
		nft_nat_to(&c, "snat", &r->new_src, r->new_sport);
		nft_cmd_add(&c, "\n");
		nh++;
	}
	rc = live_map_put(&b->rdrs, rd->id, rd);
	if (rc)
		goto out;
	rc = nft_batch(b, &c, h, nh);
	if (rc) {
		(void)live_map_del(&b->rdrs, rd->id);
		goto out;
	}
	if (new_grp) {
		g->h_jpre = h[k++];
		g->h_jpost = h[k++];
	}
	rd->h_pre = h[k++];
	if (r->set_src)
		rd->h_post = h[k++];
	b->st.rules_active += 1 + (r->set_src ? 1 : 0);
	if (g) {
		rd->grp = g;
		rd->gnext = g->members;
		if (g->members)
			g->members->gprev = rd;
		g->members = rd;
		g->n++;
	}
	if (r->one_shot) {
		rd->deadline = natapi_nft_now() +
			       (r->timeout_ns ? r->timeout_ns : b->cfg.default_timeout_ns);
		rd->heap_i = b->n_heap;
		b->heap[b->n_heap++] = rd;
		nft_heap_up(b, rd->heap_i);
	}
	*id = rd->id;
	rd = NULL;
	new_grp = false;
out:
	if (new_grp && g) {
		(void)live_map_del(&b->grps, g->group);
		free(g);
	}
	free(rd);
	nft_cmd_free(&c);
	return rc;
}

/* ---- cancel ------------------------------------------------------------------------- */

int nft_cancel(void *state, uint32_t id)
{
	struct natapi_nft *b = state;
	struct nft_rdr *r = live_map_get(&b->rdrs, id);
	const char *t = b->cfg.table;
	struct nft_cmd c = {0};
	int rc;

	if (!r)
		return -ENOENT;
	if (r->grp && r->grp->n == 1) {
		nft_cmd_drop_group(b, &c, r->grp); /* the last member goes with its chains */
	} else {
		char pre[24] = "prerouting", post[24] = "postrouting";

		if (r->grp) {
			snprintf(pre, sizeof(pre), "g%u_pre", r->grp->group);
			snprintf(post, sizeof(post), "g%u_post", r->grp->group);
		}
		nft_cmd_add(&c, "delete rule inet %s %s handle %llu\n", t, pre,
			    (unsigned long long)r->h_pre);
		if (r->h_post)
			nft_cmd_add(&c, "delete rule inet %s %s handle %llu\n", t, post,
				    (unsigned long long)r->h_post);
	}
	rc = nft_batch(b, &c, NULL, 0);
	nft_cmd_free(&c);
	if (rc == 0)
		nft_rdr_drop(b, r);
	return rc;
}

int nft_cancel_group(void *state, uint32_t group)
{
	struct natapi_nft *b = state;
	struct nft_grp *g = live_map_get(&b->grps, group);
	struct nft_cmd c = {0};
	int rc;

	if (!g)
		return 0; /* an empty group is a valid group */
	nft_cmd_drop_group(b, &c, g);
	rc = nft_batch(b, &c, NULL, 0);
	nft_cmd_free(&c);
	if (rc)
		return rc;
	while (g->n > 1)
		nft_rdr_drop(b, g->members);
	nft_rdr_drop(b, g->members); /* frees g */
	return 0;
}

int natapi_nft_expire(void *state, uint64_t now_ns, uint64_t *next_ns)
{
	struct natapi_nft *b = state;
	int n = 0, err = 0;

	while (b->n_heap && b->heap[0]->deadline <= now_ns) {
		struct nft_rdr *r = b->heap[0];
		int rc = nft_cancel(b, r->id);

		if (rc) {
			/* Not retried at once (that would spin): the rule stays
			 * until a cancel or the table's delete; counted in failed. */
			nft_heap_remove(b, r);
			r->deadline = 0;
			err = rc;
			continue;
		}
		b->st.expired++;
		n++;
	}
	*next_ns = b->n_heap ? b->heap[0]->deadline : 0;
	return err ? err : n;
}

void nft_rules_free(struct natapi_nft *b)
{
	live_map_free_with(&b->rdrs, free);
	live_map_free_with(&b->grps, free);
	free(b->heap);
	b->heap = NULL;
	b->n_heap = b->cap_heap = 0;
}
