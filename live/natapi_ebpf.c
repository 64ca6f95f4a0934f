/* natapi_ebpf.c - the eBPF backend's life: the program loaded (verifier),
 * its maps sized, attached to both links' tc ingress and detached at close;
 * the ring buffer and the deadline loop; the NAT API operations table, which
 * leaves to nftables what must reach a local socket. */
#ifdef GL_HAVE_BPF
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gl_fast.skel.h"
#include "natapi_ebpf_int.h"
#include "natapi_nft.h"

/* Our filter on each link's ingress: a fixed handle and priority, so a run
 * killed before its close is replaced (and named) by the next. */
#define EB_TC_HANDLE 0x6c
#define EB_TC_PRIO 0x6c

bool natapi_ebpf_built(void)
{
	return true;
}

uint64_t natapi_ebpf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* libbpf's warnings (the verifier's log among them) on stderr, prefixed;
 * its info and debug chatter not. */
static bool eb_quiet; /* set around a query whose "not found" is the usual answer */

static int eb_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || eb_quiet)
		return 0;
	fputs("gatelab: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static int eb_lookup_original(void *state, const struct net_tuple *t, struct net_tuple *o)
{
	struct natapi_ebpf *b = state;

	if (!b->cfg.nft_backend->lookup_original)
		return -ENOTSUP;
	return b->cfg.nft_backend->lookup_original(b->cfg.nft, t, o);
}

static int eb_reserve(void *state, uint8_t proto, uint32_t n, uint32_t *id)
{
	struct natapi_ebpf *b = state;

	return b->cfg.nft_backend->reserve(b->cfg.nft, proto, n, id);
}

static int eb_unreserve(void *state, uint32_t id)
{
	struct natapi_ebpf *b = state;

	return b->cfg.nft_backend->unreserve(b->cfg.nft, id);
}

static int eb_acquire(void *state, uint32_t id, uint32_t n, uint16_t *first)
{
	struct natapi_ebpf *b = state;

	return b->cfg.nft_backend->acquire(b->cfg.nft, id, n, first);
}

static int eb_release(void *state, uint32_t id, uint16_t first, uint32_t n)
{
	struct natapi_ebpf *b = state;

	return b->cfg.nft_backend->release(b->cfg.nft, id, first, n);
}

static void eb_hook(struct natapi_ebpf *b, int i, struct bpf_tc_hook *h)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = b->ifindex[i];
	h->attach_point = BPF_TC_INGRESS;
}

static void eb_detach(struct natapi_ebpf *b)
{
	for (int i = 0; i < 2; i++) {
		struct bpf_tc_hook h;
		struct bpf_tc_opts o;

		if (!b->ifindex[i])
			continue;
		eb_hook(b, i, &h);
		if (b->attached[i]) {
			memset(&o, 0, sizeof(o));
			o.sz = sizeof(o);
			o.handle = EB_TC_HANDLE;
			o.priority = EB_TC_PRIO;
			if (bpf_tc_detach(&h, &o) != 0)
				fprintf(stderr, "gatelab: ebpf: could not detach from %s\n",
					i ? b->cfg.outside_if : b->cfg.inside_if);
			b->attached[i] = false;
		}
		if (b->hook_made[i]) {
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; /* the clsact qdisc */
			(void)bpf_tc_hook_destroy(&h);
			b->hook_made[i] = false;
		}
	}
}

static int eb_attach(struct natapi_ebpf *b)
{
	int pfd = bpf_program__fd(b->skel->progs.gl_fast);

	for (int i = 0; i < 2; i++) {
		struct bpf_tc_hook h;
		struct bpf_tc_opts o;
		int rc;

		eb_hook(b, i, &h);
		rc = bpf_tc_hook_create(&h);
		if (rc == 0)
			b->hook_made[i] = true;
		else if (rc != -EEXIST)
			return rc;
		memset(&o, 0, sizeof(o));
		o.sz = sizeof(o);
		o.handle = EB_TC_HANDLE;
		o.priority = EB_TC_PRIO;
		eb_quiet = true;
		rc = bpf_tc_query(&h, &o);
		eb_quiet = false;
		if (rc == 0) {
			/* A filter of a run that never closed: ours goes in its
			 * place, and the qdisc counts as ours to remove. */
			b->st.stale_replaced++;
			b->hook_made[i] = true;
			fprintf(stderr, "gatelab: ebpf: replacing the tc filter left on %s by an earlier run\n",
				i ? b->cfg.outside_if : b->cfg.inside_if);
		}
		memset(&o, 0, sizeof(o));
		o.sz = sizeof(o);
		o.handle = EB_TC_HANDLE;
		o.priority = EB_TC_PRIO;
		o.prog_fd = pfd;
		o.flags = BPF_TC_F_REPLACE;
		rc = bpf_tc_attach(&h, &o);
		if (rc)
			return rc;
		b->attached[i] = true;
	}
	return 0;
}

/* The program's per-CPU counters, summed. */
static void eb_prog_counts(const struct natapi_ebpf *b, struct natapi_ebpf_stats *st)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v, sum[GL_C_N] = {0};

	if (ncpu <= 0 || b->cnt_fd < 0)
		return;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return;
	for (uint32_t k = 0; k < GL_C_N; k++) {
		if (bpf_map_lookup_elem(b->cnt_fd, &k, v) != 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			sum[k] += v[c];
	}
	free(v);
	st->prog_redirected = sum[GL_C_REDIRECTED];
	st->prog_ring_full = sum[GL_C_RB_FULL];
	st->prog_collision = sum[GL_C_COLLISION];
	st->prog_table_full = sum[GL_C_TABLE_FULL];
	st->prog_no_route = sum[GL_C_NO_ROUTE];
	st->prog_ttl = sum[GL_C_TTL];
}

void natapi_ebpf_stats_get(const void *state, struct natapi_ebpf_stats *out)
{
	const struct natapi_ebpf *b = state;

	memset(out, 0, sizeof(*out));
	if (!b)
		return;
	*out = b->st;
	eb_prog_counts(b, out);
}

static void eb_close(void *state)
{
	struct natapi_ebpf *b = state;

	if (!b)
		return;
	if (b->skel) {
		/* What the ring still holds, so the counts are complete. */
		if (b->rb)
			(void)ring_buffer__consume(b->rb);
		b->st.flows_left = b->st.flows_active;
		if (b->cfg.on_close)
			natapi_ebpf_stats_get(b, b->cfg.on_close);
	}
	eb_detach(b);
	ring_buffer__free(b->rb);
	/* The maps go with the last reference: the program, now detached. */
	gl_fast__destroy(b->skel);
	eb_flows_free(b);
	eb_rdrs_free(b);
	eb_heap_free(b);
	if (b->cfg.nft_backend && b->cfg.nft)
		b->cfg.nft_backend->close(b->cfg.nft);
	free(b);
}

static const struct natapi_backend natapi_ebpf_ops = {
	.name = "ebpf",
	.close = eb_close,
	.redirect_port = eb_redirect_port,
	.redirect_session = eb_redirect_session,
	.cancel = eb_cancel,
	.cancel_group = eb_cancel_group,
	.lookup_original = eb_lookup_original,
	.reserve = eb_reserve,
	.unreserve = eb_unreserve,
	.acquire = eb_acquire,
	.release = eb_release,
	.counters = eb_counters,
};

static int eb_load(struct natapi_ebpf *b)
{
	int rc;

	libbpf_set_print(eb_libbpf_print);
	b->skel = gl_fast__open();
	if (!b->skel)
		return errno ? -errno : -ENOMEM;
	/* Sized by the user before the kernel makes them. */
	if (bpf_map__set_max_entries(b->skel->maps.gl_pend, b->cfg.max_pending) ||
	    bpf_map__set_max_entries(b->skel->maps.gl_flows, 2 * b->cfg.max_flows))
		return -EINVAL;
	rc = gl_fast__load(b->skel); /* the verifier */
	if (rc)
		return rc;
	b->pend_fd = bpf_map__fd(b->skel->maps.gl_pend);
	b->flows_fd = bpf_map__fd(b->skel->maps.gl_flows);
	b->cnt_fd = bpf_map__fd(b->skel->maps.gl_cnt);
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.gl_events), eb_on_event, b, NULL);
	if (!b->rb)
		return errno ? -errno : -ENOMEM;
	return 0;
}

int natapi_ebpf_open(const struct natapi_ebpf_cfg *cfg, const struct natapi_backend **backend,
		     void **state)
{
	struct natapi_ebpf *b;
	int rc;

	if (!cfg || !backend || !state)
		return -EINVAL;
	*backend = NULL;
	*state = NULL;
	b = calloc(1, sizeof(*b));
	if (!b) {
		if (cfg->nft_backend && cfg->nft)
			cfg->nft_backend->close(cfg->nft);
		return -ENOMEM;
	}
	b->cfg = *cfg;
	b->pend_fd = b->flows_fd = b->cnt_fd = -1;
	if (!b->cfg.max_pending)
		b->cfg.max_pending = 4096;
	if (!b->cfg.max_flows)
		b->cfg.max_flows = 32768;
	if (!b->cfg.linger_ns)
		b->cfg.linger_ns = 1000000000ULL;
	if (!b->cfg.idle_ns)
		b->cfg.idle_ns = 300ULL * 1000000000ULL;
	if (!b->cfg.default_timeout_ns)
		b->cfg.default_timeout_ns = 60ULL * 1000000000ULL;
	rc = -EINVAL;
	if (!b->cfg.nft_backend || !b->cfg.nft ||
	    !memchr(b->cfg.inside_if, 0, sizeof(b->cfg.inside_if)) ||
	    !memchr(b->cfg.outside_if, 0, sizeof(b->cfg.outside_if)) ||
	    b->cfg.max_flows > (UINT32_MAX >> 2))
		goto fail;
	b->ifindex[0] = (int)if_nametoindex(b->cfg.inside_if);
	b->ifindex[1] = (int)if_nametoindex(b->cfg.outside_if);
	if (!b->ifindex[0] || !b->ifindex[1] || b->ifindex[0] == b->ifindex[1]) {
		fprintf(stderr, "gatelab: ebpf: needs two distinct links (inside '%s', outside '%s')\n",
			b->cfg.inside_if, b->cfg.outside_if);
		goto fail;
	}
	rc = eb_load(b);
	if (rc) {
		fprintf(stderr, "gatelab: ebpf: loading the program failed: %s\n", strerror(-rc));
		goto fail;
	}
	rc = eb_attach(b);
	if (rc) {
		fprintf(stderr, "gatelab: ebpf: attaching to tc ingress failed: %s\n", strerror(-rc));
		goto fail;
	}
	*backend = &natapi_ebpf_ops;
	*state = b;
	return 0;
fail:
	eb_close(b);
	return rc;
}

int natapi_ebpf_fd(const void *state)
{
	const struct natapi_ebpf *b = state;

	return b && b->rb ? ring_buffer__epoll_fd(b->rb) : -1;
}

int natapi_ebpf_expire(void *state, uint64_t now_ns, uint64_t *next_ns)
{
	struct natapi_ebpf *b = state;
	uint64_t nft_next = 0;
	int n = 0, rc = 0, r;

	*next_ns = 0;
	b->rb_err = 0;
	r = ring_buffer__consume(b->rb);
	if (r < 0)
		rc = r;
	else if (b->rb_err)
		rc = b->rb_err;
	while (b->n_heap && b->heap[0]->at <= now_ns) {
		struct eb_tmr *t = b->heap[0];
		enum eb_tmr_kind kind = t->kind; /* t may be freed by its handler */

		if (kind == EB_T_PEND)
			r = eb_pend_expire(b, (struct eb_rdr *)t);
		else
			r = eb_flow_due(b, (struct eb_flow *)t, now_ns);
		if (r < 0) {
			/* Not removable now: try again at the next wake-up. */
			eb_heap_remove(b, t);
			(void)eb_heap_add(b, t, now_ns + b->cfg.linger_ns);
			rc = r;
			break;
		}
		n += r;
	}
	r = natapi_nft_expire(b->cfg.nft, now_ns, &nft_next);
	if (r < 0)
		rc = r;
	else
		n += r;
	*next_ns = b->n_heap ? b->heap[0]->at : 0;
	if (nft_next && (!*next_ns || nft_next < *next_ns))
		*next_ns = nft_next;
	return rc < 0 ? rc : n;
}

void natapi_ebpf_ids(const void *state, uint32_t *prog_id, uint32_t *flows_id, uint32_t *pend_id)
{
	const struct natapi_ebpf *b = state;
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	uint32_t len;

	*prog_id = *flows_id = *pend_id = 0;
	if (!b || !b->skel)
		return;
	memset(&pi, 0, sizeof(pi));
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(bpf_program__fd(b->skel->progs.gl_fast), &pi, &len) == 0)
		*prog_id = pi.id;
	memset(&mi, 0, sizeof(mi));
	len = sizeof(mi);
	if (bpf_obj_get_info_by_fd(b->flows_fd, &mi, &len) == 0)
		*flows_id = mi.id;
	memset(&mi, 0, sizeof(mi));
	len = sizeof(mi);
	if (bpf_obj_get_info_by_fd(b->pend_fd, &mi, &len) == 0)
		*pend_id = mi.id;
}
#endif
