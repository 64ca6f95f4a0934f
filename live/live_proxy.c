/* live_proxy.c - live_proxy_run: the nftables backend and the proxy core set
 * up, one epoll loop over every socket, session timers in a min-heap (the
 * epoll_wait timeout), the backend's rule expiry, clean shutdown on stop_fd. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "live_proxy_int.h"
#include "natapi_nft.h"

/* getsockopt names of the netfilter headers (linux/netfilter_ipv4.h and
 * linux/netfilter_ipv6/ip6_tables.h clash with the libc ones). */
#define LP_SO_ORIGINAL_DST 80
#define LP_IP6T_SO_ORIGINAL_DST 80

#define LP_MAX_EVENTS 64

uint64_t lp_now(void)
{
	return natapi_nft_now();
}

/* ---- session timers: a min-heap on timer_at ------------------------------------- */

static void lp_heap_swap(struct lp *d, size_t i, size_t j)
{
	struct lp_sess *t = d->heap[i];

	d->heap[i] = d->heap[j];
	d->heap[j] = t;
	d->heap[i]->heap_i = i;
	d->heap[j]->heap_i = j;
}

static void lp_heap_fix(struct lp *d, size_t i)
{
	while (i > 0 && d->heap[(i - 1) / 2]->timer_at > d->heap[i]->timer_at) {
		lp_heap_swap(d, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < d->n_heap && d->heap[l]->timer_at < d->heap[m]->timer_at)
			m = l;
		if (r < d->n_heap && d->heap[r]->timer_at < d->heap[m]->timer_at)
			m = r;
		if (m == i)
			return;
		lp_heap_swap(d, i, m);
		i = m;
	}
}

static void lp_heap_remove(struct lp *d, struct lp_sess *ps)
{
	size_t i = ps->heap_i;

	if (i == SIZE_MAX)
		return;
	ps->heap_i = SIZE_MAX;
	if (i == --d->n_heap)
		return;
	d->heap[i] = d->heap[d->n_heap];
	d->heap[i]->heap_i = i;
	lp_heap_fix(d, i);
}

/* Replaces the session's timer (the core's TIMER semantics). */
void lp_timer_set(struct lp_sess *ps, uint64_t at)
{
	struct lp *d = ps->d;

	if (ps->heap_i != SIZE_MAX) {
		ps->timer_at = at;
		lp_heap_fix(d, ps->heap_i);
		return;
	}
	if (d->n_heap == d->cap_heap) {
		size_t ncap = d->cap_heap ? 2 * d->cap_heap : 64;
		struct lp_sess **h = realloc(d->heap, ncap * sizeof(*h));

		if (!h) {
			d->st->errors++; /* the session's deadlines will not fire */
			return;
		}
		d->heap = h;
		d->cap_heap = ncap;
	}
	ps->timer_at = at;
	ps->heap_i = d->n_heap;
	d->heap[d->n_heap++] = ps;
	lp_heap_fix(d, ps->heap_i);
}

/* ---- session end ------------------------------------------------------------------ */

static void lp_sess_unlink(struct lp *d, struct lp_sess *ps)
{
	if (ps->prev)
		ps->prev->next = ps->next;
	else
		d->sessions = ps->next;
	if (ps->next)
		ps->next->prev = ps->prev;
	ps->next = ps->prev = NULL;
}

/* A finished session leaves the live list at once; its memory waits for the
 * end of the epoll batch (later events of the batch may still point at it). */
void lp_sess_maybe_free(struct lp_sess *ps)
{
	struct lp *d = ps->d;

	if (ps->dead || ps->draining || !lp_sess_idle(ps))
		return;
	ps->dead = true;
	lp_heap_remove(d, ps);
	lp_sess_unlink(d, ps);
	lp_sess_release(ps);
	ps->dead_next = d->dead;
	d->dead = ps;
}

static void lp_free_dead(struct lp *d)
{
	while (d->dead) {
		struct lp_sess *ps = d->dead;

		d->dead = ps->dead_next;
		free(ps);
	}
}

/* ---- the backend's question: where was this connection going? -------------------- */

static int lp_orig(void *arg, const struct net_tuple *acc, struct net_tuple *orig)
{
	struct lp *d = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	if (d->acc_fd < 0 || !net_tuple_eq(acc, &d->acc_t))
		return -ENOENT;
	d->sc[LP_SC_GETSOCKOPT]++;
	if (acc->src.family == NET_AF_INET6)
		rc = getsockopt(d->acc_fd, IPPROTO_IPV6, LP_IP6T_SO_ORIGINAL_DST, &ss, &len);
	else
		rc = getsockopt(d->acc_fd, IPPROTO_IP, LP_SO_ORIGINAL_DST, &ss, &len);
	if (rc < 0)
		return -ENOENT; /* no conntrack entry: not a translated connection */
	*orig = *acc;
	lp_from_sockaddr(&ss, &orig->dst, &orig->dport);
	/* A client that came to the proxy's own port was not intercepted. */
	if (net_addr_eq(&orig->dst, &acc->dst) && orig->dport == acc->dport)
		return -ENOENT;
	return 0;
}

/* ---- set-up and tear-down ------------------------------------------------------------ */

static int lp_cfg_check(const struct live_proxy_cfg *cfg)
{
	if (cfg->stop_fd < 0 || !net_addr_is_set(&cfg->ftpp.listen_addr) ||
	    cfg->ftpp.listen_port == 0)
		return -EINVAL;
	if (cfg->ebpf && (!cfg->inside_if[0] || !cfg->outside_if[0]))
		return -EINVAL;
	if (memchr(cfg->inside_if, 0, sizeof(cfg->inside_if)) == NULL ||
	    memchr(cfg->outside_if, 0, sizeof(cfg->outside_if)) == NULL ||
	    memchr(cfg->nft_table, 0, sizeof(cfg->nft_table)) == NULL)
		return -EINVAL;
	return 0;
}

static int lp_open_nat(struct lp *d)
{
	const struct live_proxy_cfg *cfg = d->cfg;
	struct natapi_nft_cfg nc;
	const struct natapi_backend *be;
	int rc;

	memset(&nc, 0, sizeof(nc));
	snprintf(nc.table, sizeof(nc.table), "%s", cfg->nft_table);
	snprintf(nc.inside_if, sizeof(nc.inside_if), "%s", cfg->inside_if);
	nc.port_lo = cfg->port_lo;
	nc.port_hi = cfg->port_hi;
	nc.default_timeout_ns = cfg->ftpp.data_timeout_ns;
	nc.orig = lp_orig;
	nc.orig_arg = d;
	nc.on_close = &d->nft_final;
	rc = natapi_nft_open(&nc, &be, &d->nft);
	if (rc)
		return rc;
	natapi_nft_port_range(d->nft, &d->st->port_lo, &d->st->port_hi);
	if (cfg->ebpf) {
		/* The eBPF backend takes the nftables one over: data connections
		 * to other hosts in its maps, the rest in nftables. */
		struct natapi_ebpf_cfg ec;

		memset(&ec, 0, sizeof(ec));
		snprintf(ec.inside_if, sizeof(ec.inside_if), "%s", cfg->inside_if);
		snprintf(ec.outside_if, sizeof(ec.outside_if), "%s", cfg->outside_if);
		ec.linger_ns = cfg->ebpf_linger_ns;
		ec.idle_ns = cfg->ebpf_idle_ns;
		ec.max_flows = cfg->ebpf_max_flows;
		ec.default_timeout_ns = cfg->ftpp.data_timeout_ns;
		ec.nft = d->nft;
		ec.nft_backend = be;
		ec.on_close = &d->ebpf_final;
		d->nft = NULL; /* owned by the eBPF backend from here, even on failure */
		rc = natapi_ebpf_open(&ec, &be, &d->ebpf);
		if (rc)
			return rc;
		d->nat = (struct lp_ep){.kind = LP_EP_NAT, .fd = natapi_ebpf_fd(d->ebpf)};
		rc = lp_epoll_set(d, &d->nat, EPOLLIN);
		if (rc) {
			be->close(d->ebpf);
			d->ebpf = NULL;
			d->nat.fd = -1;
			return rc;
		}
	}
	rc = natapi_open(be, d->ebpf ? d->ebpf : d->nft, &d->api);
	if (rc) {
		be->close(d->ebpf ? d->ebpf : d->nft);
		d->nft = d->ebpf = NULL;
	}
	return rc;
}

static int lp_listen(struct lp *d, struct lp_ep *ep, const struct net_addr *a)
{
	int fd = lp_tcp_socket(d, a, d->cfg->ftpp.listen_port, 128);

	if (fd < 0)
		return fd;
	*ep = (struct lp_ep){.kind = LP_EP_LSN, .fd = fd};
	return lp_epoll_set(d, ep, EPOLLIN);
}

static int lp_setup(struct lp *d)
{
	const struct live_proxy_cfg *cfg = d->cfg;
	int rc;

	d->sc[LP_SC_EPOLL_CREATE1]++;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	d->stop = (struct lp_ep){.kind = LP_EP_STOP, .fd = cfg->stop_fd};
	rc = lp_epoll_set(d, &d->stop, EPOLLIN);
	if (rc)
		return rc;
	rc = lp_open_nat(d);
	if (rc)
		return rc;
	rc = ftpp_create(&cfg->ftpp, d->api, &d->f);
	if (rc)
		return rc;
	rc = lp_listen(d, &d->lsn4, &cfg->ftpp.listen_addr);
	if (rc == 0 && net_addr_is_set(&cfg->ftpp.listen_addr6))
		rc = lp_listen(d, &d->lsn6, &cfg->ftpp.listen_addr6);
	return rc;
}

/* Everything goes, in an order that leaves nothing: sessions (their
 * redirects and ports), the core (its port redirects and reservation),
 * the NAT handle (the table), the sockets. */
static void lp_teardown(struct lp *d)
{
	struct natapi_stats as;

	while (d->sessions) {
		struct lp_sess *ps = d->sessions;

		lp_heap_remove(d, ps);
		lp_sess_unlink(d, ps);
		lp_sess_release(ps);
		free(ps);
	}
	lp_free_dead(d);
	ftpp_destroy(d->f);
	d->f = NULL;
	natapi_stats_get(d->api, &as);
	d->st->api_calls = as.calls;
	/* The backend writes its final counts (its table's delete included)
	 * into nft_final as it closes. */
	if (d->nat.fd >= 0 && d->nat.in_set)
		lp_epoll_del(d, &d->nat);
	d->nat.fd = -1; /* the backend's own fd, closed by it */
	natapi_close(d->api);
	d->api = NULL;
	d->nft = d->ebpf = NULL;
	d->st->nl_transactions = d->nft_final.transactions;
	d->st->nl_wall_ns = d->nft_final.wall_ns;
	d->st->nl_failed = d->nft_final.failed;
	d->st->rules_expired = d->nft_final.expired;
	if (d->cfg->ebpf) {
		const struct natapi_ebpf_stats *e = &d->ebpf_final;

		d->st->fast_flows = e->flows_created;
		d->st->fast_flows_closed = e->flows_closed;
		d->st->fast_flows_idle = e->flows_idle;
		d->st->fast_flows_left = e->flows_left;
		d->st->fast_packets = e->packets;
		d->st->fast_bytes = e->bytes;
		d->st->fast_untranslated = e->prog_ring_full + e->prog_collision +
					   e->prog_table_full + e->prog_no_route;
		d->st->fast_map_ops = e->map_ops;
		d->st->rules_expired += e->expired;
	}
	lp_ep_close(d, &d->lsn4);
	lp_ep_close(d, &d->lsn6);
	if (d->epfd >= 0)
		lp_close(d, &d->epfd);
	free(d->heap);
	d->heap = NULL;
	lp_stats_fill(d);
}

/* ---- the loop ------------------------------------------------------------------------------ */

static int lp_timeout_ms(struct lp *d, uint64_t nft_next)
{
	uint64_t next = d->n_heap ? d->heap[0]->timer_at : 0;
	uint64_t now;

	if (nft_next && (!next || nft_next < next))
		next = nft_next;
	if (d->lsn_resume && (!next || d->lsn_resume < next))
		next = d->lsn_resume;
	if (!next)
		return -1;
	now = lp_now();
	if (next <= now)
		return 0;
	uint64_t ms = (next - now + 999999) / 1000000;

	return ms > 60000 ? 60000 : (int)ms;
}

static void lp_fire_timers(struct lp *d, uint64_t now)
{
	while (d->n_heap && d->heap[0]->timer_at <= now) {
		struct lp_sess *ps = d->heap[0];

		lp_heap_remove(d, ps);
		ps->timer_at = 0;
		lp_event(ps, FTPP_EV_TIMER, 0, 0, 0, 0);
		lp_sess_maybe_free(ps);
	}
}

#define LP_LSN_PAUSE_NS 100000000ULL

/* Out of fds or memory, a level-triggered listener would wake the loop
 * forever: its interest is dropped for 100 ms (said on stderr when a pause
 * starts, counted in errors); waiting connections stay in the backlog. */
static void lp_accept_or_pause(struct lp *d, struct lp_ep *lsn)
{
	int rc = lp_accept(d, lsn);

	if (rc != -EMFILE && rc != -ENFILE && rc != -ENOBUFS && rc != -ENOMEM)
		return; /* accepted, nothing waiting, or the connection's own error */
	if (!d->lsn_resume)
		fprintf(stderr, "gatelab: live proxy cannot accept (%s): pausing the listeners\n",
			strerror(-rc));
	d->st->errors++;
	lp_epoll_del(d, &d->lsn4);
	lp_epoll_del(d, &d->lsn6);
	d->lsn_resume = lp_now() + LP_LSN_PAUSE_NS;
}

static void lp_listeners_resume(struct lp *d, uint64_t now)
{
	if (!d->lsn_resume || now < d->lsn_resume)
		return;
	d->lsn_resume = 0;
	if (lp_epoll_set(d, &d->lsn4, EPOLLIN) != 0 || lp_epoll_set(d, &d->lsn6, EPOLLIN) != 0)
		d->st->errors++;
}

static void lp_dispatch(struct lp *d, struct lp_ep *ep, uint32_t events)
{
	struct lp_sess *ps = ep->ps;

	switch (ep->kind) {
	case LP_EP_STOP:
		d->stop_now = true;
		return;
	case LP_EP_NAT:
		d->nat_due = true; /* read after the batch, with the deadlines */
		return;
	case LP_EP_LSN:
		lp_accept_or_pause(d, ep);
		return;
	default:
		break;
	}
	if (!ps || ps->dead || ep->fd < 0)
		return; /* a stale event of this batch */
	if (ep->kind == LP_EP_CTL_C || ep->kind == LP_EP_CTL_S)
		lp_ctl_ready(ps, ep, events);
	else
		lp_data_ready(ps, ep, events);
	lp_sess_maybe_free(ps);
}

static int lp_loop(struct lp *d)
{
	struct epoll_event evs[LP_MAX_EVENTS];
	uint64_t nft_next = 0;

	while (!d->stop_now) {
		int n, tmo = lp_timeout_ms(d, nft_next);

		d->sc[LP_SC_EPOLL_WAIT]++;
		n = epoll_wait(d->epfd, evs, LP_MAX_EVENTS, tmo);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !d->stop_now; i++)
			lp_dispatch(d, evs[i].data.ptr, evs[i].events);
		lp_free_dead(d);
		uint64_t now = lp_now();

		lp_fire_timers(d, now);
		lp_free_dead(d);
		lp_listeners_resume(d, now);
		if ((d->ebpf ? natapi_ebpf_expire(d->ebpf, now, &nft_next)
			     : natapi_nft_expire(d->nft, now, &nft_next)) < 0)
			d->st->errors++;
		d->nat_due = false;
	}
	return 0;
}

int live_proxy_run(const struct live_proxy_cfg *cfg, struct live_proxy_stats *stats)
{
	struct lp d;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	int rc;

	if (!stats)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	if (!cfg || lp_cfg_check(cfg) != 0)
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.st = stats;
	d.epfd = -1;
	d.acc_fd = -1;
	d.lsn4.fd = d.lsn6.fd = d.nat.fd = -1;
	/* write(2) or splice(2) to a socket whose peer is gone raises SIGPIPE:
	 * an error to handle here, not a reason to die. Restored on return. */
	sigaction(SIGPIPE, &ign, &old);
	rc = lp_setup(&d);
	if (rc == 0 && cfg->ready_fd >= 0) {
		d.sc[LP_SC_WRITE]++;
		if (write(cfg->ready_fd, "R", 1) != 1)
			rc = -errno;
	}
	if (rc == 0)
		rc = lp_loop(&d);
	lp_teardown(&d);
	sigaction(SIGPIPE, &old, NULL);
	return rc;
}
