/* natapi_ebpf_rdr.c - NAT API redirects over the eBPF backend: session
 * redirects to other hosts as gl_pend entries (exact or wildcard source),
 * those to the gateway itself and the port redirect left to nftables; cancel
 * by id or group (a per-group list: O(1) per member); per-redirect counters. */
#ifdef GL_HAVE_BPF
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "natapi_ebpf_int.h"

/* Is a one of the gateway's own addresses? Such a redirect ends in a local
 * socket (the proxy path's listener): the stack's business, not the tc
 * program's. bind(2) answers exactly, whatever the routing says. */
static bool eb_is_local(const struct net_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc;

	memset(&ss, 0, sizeof(ss));
	if (a->family == NET_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->a, 16);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->a, 4);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = bind(fd, (struct sockaddr *)&ss, len);
	close(fd);
	return rc == 0;
}

static struct eb_rdr *eb_rdr_new(struct natapi_ebpf *b)
{
	struct eb_rdr *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->t.kind = EB_T_PEND;
	r->t.heap_i = SIZE_MAX;
	r->id = ++b->next_id;
	if (r->id == LIVE_MAP_TOMB)
		r->id = b->next_id = 1;
	if (live_map_put(&b->rdrs, r->id, r) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void eb_grp_join(struct natapi_ebpf *b, struct eb_rdr *r, struct eb_grp *g)
{
	(void)b;
	r->group = g->group;
	r->gnext = g->members;
	if (g->members)
		g->members->gprev = r;
	g->members = r;
	g->n++;
}

/* Forgets r (its kernel state is already gone); its connections live on. */
static void eb_rdr_drop(struct natapi_ebpf *b, struct eb_rdr *r)
{
	struct eb_grp *g = r->group ? live_map_get(&b->grps, r->group) : NULL;

	while (r->flows) {
		struct eb_flow *f = r->flows;

		r->flows = f->rnext;
		f->rdr = NULL;
		f->rnext = f->rprev = NULL;
	}
	eb_heap_remove(b, &r->t);
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
	(void)live_map_del(&b->rdrs, r->id);
	free(r);
}

int eb_redirect_port(void *state, const struct natapi_port_redirect *pr, uint32_t *id)
{
	struct natapi_ebpf *b = state;
	struct eb_rdr *r;
	int rc;

	if (!b->cfg.nft_backend->redirect_port)
		return -ENOTSUP;
	r = eb_rdr_new(b);
	if (!r)
		return -ENOMEM;
	r->nft = true;
	rc = b->cfg.nft_backend->redirect_port(b->cfg.nft, pr, &r->inner_id);
	if (rc) {
		eb_rdr_drop(b, r);
		return rc;
	}
	*id = r->id;
	return 0;
}

static int eb_session_check(const struct natapi_session_redirect *s)
{
	uint8_t fam = s->dst.family;
	size_t full = net_addr_len(&s->dst) * 8;

	if ((s->proto != 6 && s->proto != 17) || !net_addr_is_set(&s->dst) || s->dport == 0 ||
	    !net_addr_is_set(&s->new_dst) || s->new_dst.family != fam)
		return -EINVAL;
	if (s->set_src && (!net_addr_is_set(&s->new_src) || s->new_src.family != fam))
		return -EINVAL;
	if (s->src.addr.family && s->src.addr.family != fam)
		return -EINVAL;
	/* An exact-match map: a source is one host or any (the proxy only ever
	 * names one host); a real prefix is refused, not widened. */
	if (s->src.addr.family && s->src.len != 0 && s->src.len != full)
		return -ENOTSUP;
	return 0;
}

static void eb_key(const struct natapi_session_redirect *s, struct gl_key *k)
{
	size_t n = net_addr_len(&s->dst);

	memset(k, 0, sizeof(*k));
	k->family = s->dst.family == NET_AF_INET6 ? 6 : 4;
	k->proto = s->proto;
	if (s->src.addr.family && s->src.len)
		memcpy(k->src, s->src.addr.a, n);
	else
		k->wild |= GL_WILD_SRC;
	if (s->sport)
		k->sport = htons(s->sport);
	else
		k->wild |= GL_WILD_SPORT;
	memcpy(k->dst, s->dst.a, n);
	k->dport = htons(s->dport);
}

int eb_redirect_session(void *state, const struct natapi_session_redirect *s, uint32_t *id)
{
	struct natapi_ebpf *b = state;
	struct eb_rdr *r = NULL;
	struct eb_grp *g = NULL;
	struct gl_pend pv;
	bool new_grp = false;
	int rc = eb_session_check(s);

	if (rc)
		return rc;
	r = eb_rdr_new(b);
	if (!r)
		return -ENOMEM;
	if (s->group) {
		g = live_map_get(&b->grps, s->group);
		if (!g) {
			rc = -ENOMEM;
			g = calloc(1, sizeof(*g));
			if (!g)
				goto fail;
			g->group = s->group;
			if (live_map_put(&b->grps, g->group, g) != 0) {
				free(g);
				goto fail;
			}
			new_grp = true;
		}
		eb_grp_join(b, r, g);
		new_grp = false;
	}
	if (eb_is_local(&s->new_dst)) {
		r->nft = true;
		rc = b->cfg.nft_backend->redirect_session(b->cfg.nft, s, &r->inner_id);
		if (rc)
			goto fail;
		b->st.nft_redirects++;
		*id = r->id;
		return 0;
	}
	eb_key(s, &r->key);
	memset(&pv, 0, sizeof(pv));
	memcpy(pv.new_dst, s->new_dst.a, net_addr_len(&s->new_dst));
	if (s->set_src) {
		memcpy(pv.new_src, s->new_src.a, net_addr_len(&s->new_src));
		pv.set_src = 1;
		pv.new_sport = htons(s->new_sport);
	}
	pv.new_dport = htons(s->new_dport);
	pv.one_shot = s->one_shot;
	pv.rdr_id = r->id;
	if (s->one_shot) {
		rc = eb_heap_add(b, &r->t, natapi_ebpf_now() +
						  (s->timeout_ns ? s->timeout_ns : b->cfg.default_timeout_ns));
		if (rc)
			goto fail;
	}
	b->st.map_ops++;
	if (bpf_map_update_elem(b->pend_fd, &r->key, &pv, BPF_NOEXIST) != 0) {
		/* EEXIST: another redirect waits for the same connection. E2BIG: full. */
		rc = errno == EEXIST ? -EADDRINUSE : errno == E2BIG ? -ENOSPC : -errno;
		goto fail;
	}
	r->pending = true;
	r->one_shot = s->one_shot;
	b->st.pend_active++;
	*id = r->id;
	return 0;
fail:
	(void)new_grp;
	eb_rdr_drop(b, r); /* leaves the group, frees it when it was new */
	return rc;
}

/* Takes r's key out of gl_pend (unless the program already did) and forgets r. */
static int eb_rdr_cancel(struct natapi_ebpf *b, struct eb_rdr *r)
{
	int rc = 0;

	if (r->nft) {
		rc = b->cfg.nft_backend->cancel(b->cfg.nft, r->inner_id);
		if (rc && rc != -ENOENT)
			return rc;
	} else if (r->pending) {
		b->st.map_ops++;
		/* ENOENT: consumed by a first packet whose event is still in the ring. */
		if (bpf_map_delete_elem(b->pend_fd, &r->key) != 0 && errno != ENOENT)
			return -errno;
		r->pending = false;
		b->st.pend_active--;
	}
	eb_rdr_drop(b, r);
	return 0;
}

int eb_cancel(void *state, uint32_t id)
{
	struct natapi_ebpf *b = state;
	struct eb_rdr *r = live_map_get(&b->rdrs, id);

	if (!r)
		return -ENOENT;
	return eb_rdr_cancel(b, r);
}

int eb_cancel_group(void *state, uint32_t group)
{
	struct natapi_ebpf *b = state;
	struct eb_grp *g = live_map_get(&b->grps, group);
	int rc = 0;

	if (!g)
		return 0;
	/* The last member's drop frees g. */
	while (live_map_get(&b->grps, group)) {
		int r = eb_rdr_cancel(b, g->members);

		if (r) {
			rc = r;
			break;
		}
	}
	return rc;
}

int eb_counters(void *state, uint32_t id, struct natapi_counters *out)
{
	struct natapi_ebpf *b = state;
	struct eb_rdr *r = live_map_get(&b->rdrs, id);

	if (!r)
		return -ENOENT;
	if (r->nft)
		return -ENOTSUP; /* conntrack holds those; nothing here counts them */
	*out = r->done;
	for (struct eb_flow *f = r->flows; f; f = f->rnext)
		eb_flow_read(b, f, out);
	return 0;
}

/* A one-shot redirect's timeout: nobody used it. Returns 1 (removed), 0
 * (already consumed) or a negative errno. */
int eb_pend_expire(struct natapi_ebpf *b, struct eb_rdr *r)
{
	int rc;

	eb_heap_remove(b, &r->t);
	if (!r->pending)
		return 0;
	rc = eb_rdr_cancel(b, r);
	if (rc)
		return rc;
	b->st.expired++;
	return 1;
}

void eb_rdrs_free(struct natapi_ebpf *b)
{
	live_map_free_with(&b->rdrs, free);
	live_map_free_with(&b->grps, free);
}
#endif
