/* gnat_ports.c - the public port space: bitmaps of ports reserved by pools,
 * claimed by local sockets and held for expectations, a per-port count of
 * mappings using it, masquerade's port choice, and the pool API. One port
 * space per protocol (TCP, UDP, ICMP ids), shared by both address families. */
#include "gnat_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PORT_WORDS (65536 / 64)

static bool bit_get(const uint64_t *bm, uint32_t i)
{
	return (bm[i >> 6] >> (i & 63)) & 1;
}

static void bit_set(uint64_t *bm, uint32_t i, bool v)
{
	if (v)
		bm[i >> 6] |= 1ULL << (i & 63);
	else
		bm[i >> 6] &= ~(1ULL << (i & 63));
}

int gnat_ports_init(struct gnat *g)
{
	g->next_pool_id = 1;
	for (int pi = 0; pi < GNAT_NPROTO; pi++) {
		g->reserved[pi] = calloc(PORT_WORDS, sizeof(uint64_t));
		g->claimed[pi] = calloc(PORT_WORDS, sizeof(uint64_t));
		g->held[pi] = calloc(PORT_WORDS, sizeof(uint64_t));
		g->port_refs[pi] = calloc(65536, sizeof(uint32_t));
		if (!g->reserved[pi] || !g->claimed[pi] || !g->held[pi] || !g->port_refs[pi])
			return -ENOMEM;
	}
	return 0;
}

void gnat_ports_fini(struct gnat *g)
{
	for (int pi = 0; pi < GNAT_NPROTO; pi++) {
		free(g->reserved[pi]);
		free(g->claimed[pi]);
		free(g->held[pi]);
		free(g->port_refs[pi]);
	}
	for (int i = 0; i < GNAT_MAX_POOLS; i++)
		free(g->pools[i].used);
}

int gnat_port_space(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 0;
	case 17:
		return 1;
	case 1:
	case 58:
		return 2;
	default:
		return -1;
	}
}

bool gnat_port_usable(const struct gnat *g, int pi, uint16_t port)
{
	return port != 0 && !bit_get(g->reserved[pi], port) && !bit_get(g->claimed[pi], port) &&
	       !bit_get(g->held[pi], port);
}

static bool port_in_range(const struct gnat *g, uint32_t port)
{
	return port >= g->cfg.port_min && port <= g->cfg.port_max;
}

/* A candidate is good if no reservation, claim or hold covers it and the
 * reply tuple it would give is not any mapping's key. */
static bool masq_ok(const struct gnat *g, int pi, struct net_tuple *trans, uint16_t port)
{
	struct net_tuple reply;
	enum gnat_dir d;

	if (!gnat_port_usable(g, pi, port))
		return false;
	trans->sport = port;
	if (trans->proto == 1 || trans->proto == 58)
		trans->dport = port; /* an echo id is both "ports" */
	net_tuple_reverse(trans, &reply);
	return gnat_map_lookup(g, &reply, &d) == GNAT_NIL;
}

/* Bounded probing, after Linux nf_nat_l4proto_unique_tuple: a run of
 * consecutive candidates from a start, then shorter runs from new
 * pseudo-random starts, then give up (counted with its reason). A range no
 * longer than the first run is searched whole. */
#define PORT_RUN_FIRST 128u
#define PORT_RUN_LAST 16u

/* A start for round r of a search keyed by key: the first round's start is
 * the caller's, later ones come from the seeded hash. */
static uint32_t port_round_start(struct gnat *g, uint64_t key, uint32_t r, uint32_t range)
{
	/* the instance's search count too: searches for the same key (many
	 * clients wanting one port towards one server) must not all walk the
	 * same candidates; deterministic for a given seed and history */
	uint64_t k = (key + r + (++g->port_searches << 8)) * 0x9e3779b97f4a7c15ULL ^
		     g->cfg.hash_seed;

	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 32;
	return (uint32_t)(((k & 0xffffffffu) * range) >> 32);
}

typedef bool (*port_ok_fn)(struct gnat *g, int pi, void *arg, uint16_t port);

/* Candidates: port_min + (start + i) % range, or counted down from
 * port_max when down. After the first run, `scatter` tries PORT_RUN_FIRST
 * single ports from independent starts (as Linux nf_nat_exp_find_port
 * does for expectations: many of them crowd together) instead of ever
 * shorter runs. Returns the port found or 0. */
static uint16_t port_probe(struct gnat *g, int pi, bool down, bool scatter, uint32_t start0,
			   uint64_t key, port_ok_fn ok, void *arg)
{
	uint32_t range = (uint32_t)g->cfg.port_max - g->cfg.port_min + 1;
	uint32_t run = range < PORT_RUN_FIRST ? range : PORT_RUN_FIRST;
	uint32_t start = start0;

	for (uint32_t r = 0;; r++) {
		if (scatter && r > 0) {
			if (r > PORT_RUN_FIRST)
				return 0;
			run = 1;
		}
		for (uint32_t i = 0; i < run; i++) {
			uint32_t off = (start + i) % range;
			uint32_t port = down ? g->cfg.port_max - off : g->cfg.port_min + off;

			g->w.port_probes++;
			if (ok(g, pi, arg, (uint16_t)port))
				return (uint16_t)port;
		}
		if (run >= range || (!scatter && run <= PORT_RUN_LAST))
			return 0;
		if (!scatter)
			run /= 2;
		start = port_round_start(g, key, r + 1, range);
	}
}

static bool masq_probe_ok(struct gnat *g, int pi, void *arg, uint16_t port)
{
	return masq_ok(g, pi, arg, port);
}

int gnat_port_masq(struct gnat *g, struct net_tuple *trans)
{
	int pi = gnat_port_space(trans->proto);
	uint16_t keep = trans->sport, port;
	uint32_t range, h;
	bool icmp;

	if (pi < 0)
		return -EINVAL;
	icmp = pi == 2;
	/* like Linux masquerade: keep the source port (echo id) when it is free */
	g->w.port_probes++;
	if ((icmp || port_in_range(g, keep)) && masq_ok(g, pi, trans, keep))
		return 0;
	range = (uint32_t)g->cfg.port_max - g->cfg.port_min + 1;
	trans->sport = 0;
	h = gnat_hash_tuple(trans, g->cfg.hash_seed ^ keep);
	port = port_probe(g, pi, false, false, (uint32_t)(((uint64_t)h * range) >> 32), h,
			  masq_probe_ok, trans);
	if (port)
		return 0;
	trans->sport = keep;
	if (icmp)
		trans->dport = keep;
	g->c.ports_exhausted[GNAT_PORTS_MASQ]++;
	return -ENOSPC;
}

/* Free for a new owner: no reservation/claim/hold and no mapping on it. */
static bool port_free(const struct gnat *g, int pi, uint32_t port)
{
	return gnat_port_usable(g, pi, (uint16_t)port) && g->port_refs[pi][port] == 0;
}

static bool hold_probe_ok(struct gnat *g, int pi, void *arg, uint16_t port)
{
	(void)arg;
	return port_free(g, pi, port);
}

int gnat_port_hold(struct gnat *g, int pi, uint16_t want, uint16_t *port)
{
	if (!(want && port_in_range(g, want) && port_free(g, pi, want))) {
		/* from the top of the range down first, away from kept source
		 * ports; each later search of the same want starts elsewhere */
		want = port_probe(g, pi, true, true, 0,
				  (uint64_t)want << 32 | g->c.redirects_added, hold_probe_ok, NULL);
		if (!want) {
			g->c.ports_exhausted[GNAT_PORTS_EXPECT]++;
			return -ENOSPC;
		}
	}
	bit_set(g->held[pi], want, true);
	*port = want;
	return 0;
}

void gnat_port_unhold(struct gnat *g, int pi, uint16_t port)
{
	bit_set(g->held[pi], port, false);
}

int gnat_port_claim(struct gnat *g, uint8_t proto, uint16_t port)
{
	int pi = gnat_port_space(proto);

	if (!g || pi < 0 || pi > 1 || port == 0)
		return -EINVAL;
	if (bit_get(g->claimed[pi], port))
		return -EADDRINUSE;
	bit_set(g->claimed[pi], port, true);
	return 0;
}

int gnat_port_unclaim(struct gnat *g, uint8_t proto, uint16_t port)
{
	int pi = gnat_port_space(proto);

	if (!g || pi < 0 || pi > 1 || port == 0)
		return -EINVAL;
	if (!bit_get(g->claimed[pi], port))
		return -ENOENT;
	bit_set(g->claimed[pi], port, false);
	return 0;
}

/* ---- pools ---- */

static struct gnat_pool *pool_find(struct gnat *g, uint32_t id)
{
	for (int i = 0; i < GNAT_MAX_POOLS; i++)
		if (g->pools[i].live && g->pools[i].id == id)
			return &g->pools[i];
	return NULL;
}

int gnat_pool_create(struct gnat *g, uint8_t proto, uint32_t nports, uint32_t *pool_id)
{
	struct gnat_pool *pl = NULL;
	int pi = gnat_port_space(proto);
	uint32_t run = 0, first = 0;

	if (!g || !pool_id || pi < 0 || pi > 1 || nports == 0 ||
	    nports > (uint32_t)g->cfg.port_max - g->cfg.port_min + 1)
		return -EINVAL;
	for (int i = 0; i < GNAT_MAX_POOLS && !pl; i++)
		if (!g->pools[i].live)
			pl = &g->pools[i];
	if (!pl)
		return -ENOSPC;
	/* first fit from the top of the range, away from kept source ports */
	for (uint32_t p = g->cfg.port_max; p >= g->cfg.port_min; p--) {
		run = port_free(g, pi, p) ? run + 1 : 0;
		if (run == nports) {
			first = p;
			break;
		}
	}
	if (!first)
		return -ENOSPC;
	pl->used = calloc((nports + 63) / 64, sizeof(uint64_t));
	if (!pl->used)
		return -ENOMEM;
	for (uint32_t i = 0; i < nports; i++)
		bit_set(g->reserved[pi], first + i, true);
	pl->live = true;
	pl->pi = (uint8_t)pi;
	pl->first = (uint16_t)first;
	pl->n = nports;
	pl->next_fit = 0;
	pl->id = g->next_pool_id++;
	*pool_id = pl->id;
	return 0;
}

/* Next fit: the search starts after the run handed out last and wraps, so a
 * released port is not handed out again at once. A data connection on the
 * same 4-tuple as the one before would otherwise meet its predecessor's
 * mapping still in TIME_WAIT; like an ephemeral range, ports rotate. Runs
 * never wrap past the pool's end (they must be contiguous ports). */
/* The first free position in [a, b), a word (64 positions) at a time, or
 * b if none: a nearly full pool costs pool/64 steps, not pool. */
static uint32_t pool_free_in(const struct gnat_pool *pl, uint32_t a, uint32_t b)
{
	while (a < b) {
		uint64_t free_bits = ~pl->used[a >> 6] & (~0ULL << (a & 63));

		if (free_bits) {
			uint32_t pos = (a & ~63u) + (uint32_t)__builtin_ctzll(free_bits);

			return pos < b ? pos : b;
		}
		a = (a & ~63u) + 64;
	}
	return b;
}

int gnat_pool_acquire(struct gnat *g, uint32_t pool_id, uint32_t n, uint16_t *first)
{
	struct gnat_pool *pl = g ? pool_find(g, pool_id) : NULL;
	uint32_t run = 0;

	if (!pl)
		return -ENOENT;
	if (!first || n == 0)
		return -EINVAL;
	if (n > pl->n)
		return -ENOSPC;
	if (n == 1) {
		/* one port (a data connection's): the same next fit, by words */
		uint32_t pos = pool_free_in(pl, pl->next_fit, pl->n);

		if (pos == pl->n)
			pos = pool_free_in(pl, 0, pl->next_fit);
		if (pos == pl->next_fit && bit_get(pl->used, pos))
			return -ENOSPC;
		bit_set(pl->used, pos, true);
		pl->next_fit = (pos + 1) % pl->n;
		*first = (uint16_t)(pl->first + pos);
		return 0;
	}
	/* n - 1 steps past a full turn find a run straddling the start */
	for (uint32_t i = 0; i < pl->n + n - 1; i++) {
		uint32_t pos = (pl->next_fit + i) % pl->n;

		if (pos == 0)
			run = 0;
		run = bit_get(pl->used, pos) ? 0 : run + 1;
		if (run == n) {
			uint32_t s = pos + 1 - n;

			for (uint32_t k = s; k <= pos; k++)
				bit_set(pl->used, k, true);
			pl->next_fit = (pos + 1) % pl->n;
			*first = (uint16_t)(pl->first + s);
			return 0;
		}
	}
	return -ENOSPC;
}

int gnat_pool_release(struct gnat *g, uint32_t pool_id, uint16_t first, uint32_t n)
{
	struct gnat_pool *pl = g ? pool_find(g, pool_id) : NULL;
	uint32_t s;

	if (!pl)
		return -ENOENT;
	if (n == 0 || first < pl->first || (uint32_t)first - pl->first + n > pl->n)
		return -EINVAL;
	s = (uint32_t)first - pl->first;
	for (uint32_t k = s; k < s + n; k++)
		if (!bit_get(pl->used, k))
			return -EINVAL;
	for (uint32_t k = s; k < s + n; k++)
		bit_set(pl->used, k, false);
	return 0;
}

int gnat_pool_destroy(struct gnat *g, uint32_t pool_id)
{
	struct gnat_pool *pl = g ? pool_find(g, pool_id) : NULL;

	if (!pl)
		return -ENOENT;
	for (uint32_t i = 0; i < pl->n; i++)
		bit_set(g->reserved[pl->pi], pl->first + i, false);
	free(pl->used);
	pl->used = NULL;
	pl->live = false;
	return 0;
}
