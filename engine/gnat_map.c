/* gnat_map.c - the mapping table: a pool with a free list that doubles up
 * to max_mappings, one hash table of cache-line buckets holding each mapping
 * under both of its arriving tuples (so either direction is found in O(1)),
 * creation-order and per-timeout-class expiry lists (a class has one
 * timeout, so its list is ordered by expiry and reaping only looks at list
 * heads: O(expired)). */
#include "gnat_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAP_LINE 64
#define MAP_HUGE (2u << 20)

uint32_t gnat_hash_tuple(const struct net_tuple *t, uint64_t seed)
{
	uint64_t h = gnat_hash_tuple64(t, seed);

	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* The tables every packet hits at random: cache-line aligned, so a 160-byte
 * mapping always spans 3 lines (not 4 every other one), and on Linux backed
 * by huge pages when big, so a random lookup in a large table does not also
 * miss the TLB. Zeroed like calloc. */
static void *map_table_alloc(size_t size)
{
	size_t align = size >= MAP_HUGE ? MAP_HUGE : MAP_LINE;
	size_t n = (size + align - 1) / align * align;
	void *t = aligned_alloc(align, n ? n : align);

	if (!t)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (align == MAP_HUGE)
		(void)madvise(t, n, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
	memset(t, 0, n);
	return t;
}

/* Where the pool of cap mappings wants its buckets: 8 slots each, 2
 * entries per mapping, at most a quarter of the slots used. */
static uint32_t map_buckets_for(uint32_t cap)
{
	uint32_t nb = 1;

	while ((uint64_t)nb * GNAT_MB_SLOTS < 8ULL * cap)
		nb <<= 1;
	return nb;
}

static void map_hash_insert(struct gnat *g, uint32_t idx, unsigned d)
{
	uint64_t h = gnat_hash_tuple64(&g->maps[idx].key[d], g->cfg.hash_seed);
	struct gnat_mbucket *b = gnat_map_bucket(g, h);
	unsigned free_lanes;

	/* the table is at most a quarter full: a free slot is near */
	while ((free_lanes = gnat_map_sig_lanes(b, 0)) == 0) {
		b->over++;
		b = &g->mbk[(uint32_t)(b - g->mbk + 1) & g->mbk_mask];
	}
	unsigned i = (unsigned)__builtin_ctz(free_lanes);

	b->sig[i] = gnat_map_sig(h);
	b->ent[i] = idx << 1 | d;
}

static void map_hash_remove(struct gnat *g, uint32_t idx, unsigned d)
{
	uint64_t h = gnat_hash_tuple64(&g->maps[idx].key[d], g->cfg.hash_seed);
	struct gnat_mbucket *b = gnat_map_bucket(g, h);
	uint32_t want = idx << 1 | d;

	for (;;) {
		unsigned lanes = gnat_map_sig_lanes(b, gnat_map_sig(h));

		for (; lanes; lanes &= lanes - 1) {
			unsigned i = (unsigned)__builtin_ctz(lanes);

			if (b->ent[i] == want) {
				b->sig[i] = 0;
				b->ent[i] = GNAT_NIL;
				return;
			}
		}
		/* not here: it passed this bucket on insert */
		b->over--;
		b = &g->mbk[(uint32_t)(b - g->mbk + 1) & g->mbk_mask];
	}
}

static int map_buckets_build(struct gnat *g, uint32_t nb)
{
	struct gnat_mbucket *nbk = map_table_alloc((size_t)nb * sizeof(*nbk));

	if (!nbk)
		return -ENOMEM;
	for (uint32_t i = 0; i < nb; i++)
		memset(nbk[i].ent, 0xff, sizeof(nbk[i].ent));
	free(g->mbk);
	g->mbk = nbk;
	g->mbk_mask = nb - 1;
	for (uint32_t idx = g->age_head; idx != GNAT_NIL; idx = g->maps[idx].age_next) {
		map_hash_insert(g, idx, 0);
		map_hash_insert(g, idx, 1);
	}
	return 0;
}

/* A copy of the first `keep` elements of `old` in a new table of `n`. */
static void *map_table_move(void *old, size_t keep, size_t n)
{
	void *t = map_table_alloc(n);

	if (t && keep)
		memcpy(t, old, keep);
	return t;
}

/* Double the pool (up to max_mappings); mappings keep their index, so
 * every link stays valid. The hash is rebuilt when it would pass a quarter
 * full. Amortized O(1) per mapping; nothing is lost on failure. */
static int map_grow(struct gnat *g)
{
	uint32_t old = g->map_cap, n;
	struct gnat_mapping *maps;
	struct gnat_seqadj *sa;
	struct gnat_lru *lru;

	if (old >= g->cfg.max_mappings)
		return -ENOSPC;
	n = old ? old * 2 : 1024;
	if (n > g->cfg.max_mappings || n < old)
		n = g->cfg.max_mappings;
	maps = map_table_move(g->maps, (size_t)old * sizeof(*maps), (size_t)n * sizeof(*maps));
	lru = map_table_move(g->lru, (size_t)old * sizeof(*lru), (size_t)n * sizeof(*lru));
	sa = realloc(g->seqadj, (size_t)n * sizeof(*sa));
	if (sa)
		g->seqadj = sa;
	if (!maps || !lru || !sa) {
		free(maps);
		free(lru);
		return -ENOMEM;
	}
	free(g->maps);
	free(g->lru);
	g->maps = maps;
	g->lru = lru;
	for (uint32_t i = old; i < n; i++)
		maps[i].age_next = i + 1 < n ? i + 1 : g->free_head;
	g->free_head = old;
	g->map_cap = n;
	if (old)
		g->c.table_grows++;
	if (!g->mbk || map_buckets_for(n) > g->mbk_mask + 1)
		return map_buckets_build(g, map_buckets_for(n));
	return 0;
}

bool gnat_map_room(struct gnat *g)
{
	return g->free_head != GNAT_NIL || map_grow(g) == 0;
}

int gnat_map_init(struct gnat *g)
{
	g->free_head = GNAT_NIL;
	g->age_head = g->age_tail = GNAT_NIL;
	for (int c = 0; c < GNAT_TC__COUNT; c++)
		g->lru_head[c] = g->lru_tail[c] = GNAT_NIL;
	g->next_expiry = UINT64_MAX;
	g->tc_timeout[GNAT_TC_SYN] = g->cfg.tcp_syn_timeout;
	g->tc_timeout[GNAT_TC_EST] = g->cfg.tcp_est_timeout;
	g->tc_timeout[GNAT_TC_FIN] = g->cfg.tcp_fin_timeout;
	g->tc_timeout[GNAT_TC_TW] = g->cfg.tcp_tw_timeout;
	g->tc_timeout[GNAT_TC_CLOSED] = GNAT_CLOSED_TIMEOUT < g->cfg.tcp_tw_timeout
						? GNAT_CLOSED_TIMEOUT
						: g->cfg.tcp_tw_timeout;
	g->tc_timeout[GNAT_TC_UDP] = g->cfg.udp_timeout;
	g->tc_timeout[GNAT_TC_ICMP] = g->cfg.icmp_timeout;
	return map_grow(g);
}

void gnat_map_fini(struct gnat *g)
{
	free(g->maps);
	free(g->seqadj);
	free(g->lru);
	free(g->mbk);
}

uint32_t gnat_map_lookup(const struct gnat *g, const struct net_tuple *t, enum gnat_dir *dir)
{
	return gnat_map_lookup_hashed(g, t, gnat_hash_tuple64(t, g->cfg.hash_seed), dir);
}

/* The links live in their own compact array (g->lru): a touch rewrites two
 * neighbours' links, and 8-byte entries keep those writes in cache far more
 * often than the neighbours' whole mappings would be. */
static void map_lru_unlink(struct gnat *g, uint32_t idx)
{
	struct gnat_lru *l = &g->lru[idx];
	uint8_t tc = g->maps[idx].tclass;

	if (l->prev != GNAT_NIL)
		g->lru[l->prev].next = l->next;
	else
		g->lru_head[tc] = l->next;
	if (l->next != GNAT_NIL)
		g->lru[l->next].prev = l->prev;
	else
		g->lru_tail[tc] = l->prev;
}

static void map_lru_append(struct gnat *g, uint32_t idx)
{
	struct gnat_mapping *m = &g->maps[idx];
	uint32_t tail = g->lru_tail[m->tclass];

	/* a touch only ever makes a list head later, so the earliest head
	 * expiry is a lower bound that only appends can lower */
	if (m->expires_ns < g->next_expiry)
		g->next_expiry = m->expires_ns;
	g->lru[idx].prev = tail;
	g->lru[idx].next = GNAT_NIL;
	if (tail != GNAT_NIL)
		g->lru[tail].next = idx;
	else
		g->lru_head[m->tclass] = idx;
	g->lru_tail[m->tclass] = idx;
}

void gnat_map_touch(struct gnat *g, uint32_t idx, uint64_t now_ns)
{
	struct gnat_mapping *m = &g->maps[idx];
	uint64_t exp = now_ns + g->tc_timeout[m->tclass];

	/* The list only has to stay ordered by expiry: an unchanged expiry
	 * (another packet of the flow in the same clock tick, every packet of
	 * a batch) keeps its place, and the neighbours' links (cache misses on
	 * a big table) are not touched. */
	if (exp == m->expires_ns)
		return;
	m->expires_ns = exp;
	if (g->lru_tail[m->tclass] == idx)
		return;
	map_lru_unlink(g, idx);
	map_lru_append(g, idx);
}

void gnat_map_set_class(struct gnat *g, uint32_t idx, enum gnat_tclass tc, uint64_t now_ns)
{
	struct gnat_mapping *m = &g->maps[idx];

	if (m->tclass != tc) {
		map_lru_unlink(g, idx);
		m->tclass = (uint8_t)tc;
		/* expires_ns first: the append keeps next_expiry a lower bound */
		m->expires_ns = now_ns + g->tc_timeout[tc];
		map_lru_append(g, idx);
	}
	gnat_map_touch(g, idx, now_ns);
}

uint32_t gnat_map_create(struct gnat *g, const struct net_tuple *orig,
			 const struct net_tuple *trans, uint64_t now_ns)
{
	uint32_t idx = g->free_head;
	struct gnat_mapping *m;
	int pi;

	if (idx == GNAT_NIL)
		return GNAT_NIL;
	m = &g->maps[idx];
	g->free_head = m->age_next;
	memset(m, 0, sizeof(*m));
	m->key[0] = *orig;
	net_tuple_reverse(trans, &m->key[1]);
	m->id = g->next_mapping_id++;
	if (g->next_mapping_id == 0)
		g->next_mapping_id = 1;
	m->editor = -1;
	m->live = true;
	m->tcp_state = GNAT_TCP_NONE;
	map_hash_insert(g, idx, 0);
	map_hash_insert(g, idx, 1);
	/* creation order */
	m->age_prev = g->age_tail;
	m->age_next = GNAT_NIL;
	if (g->age_tail != GNAT_NIL)
		g->maps[g->age_tail].age_next = idx;
	else
		g->age_head = idx;
	g->age_tail = idx;
	/* expiry */
	m->tclass = orig->proto == 6 ? GNAT_TC_SYN : orig->proto == 17 ? GNAT_TC_UDP : GNAT_TC_ICMP;
	m->expires_ns = now_ns + g->tc_timeout[m->tclass];
	map_lru_append(g, idx);
	/* the public port it occupies, so reservations and expectations avoid it */
	pi = gnat_port_space(orig->proto);
	if (pi >= 0) {
		if (gnat_is_gateway_addr(g, &trans->src))
			m->pub_port = trans->sport;
		else if (gnat_is_gateway_addr(g, &orig->dst))
			m->pub_port = orig->dport;
		m->pub_pi = (uint8_t)pi;
		if (m->pub_port)
			g->port_refs[pi][m->pub_port]++;
	}
	for (int d = 0; d < 2; d++) {
		struct net_tuple to;

		net_tuple_reverse(&m->key[!d], &to);
		m->rewrites[d] = net_ends_delta(&m->key[d], &to, &m->csum_ip[d], &m->csum_l4[d]);
	}
	gnat_route(g, &trans->dst, &m->out_verdict[0], &m->out_side[0]);
	gnat_route(g, &orig->src, &m->out_verdict[1], &m->out_side[1]);
	g->seqadj[idx].dir[0].n = 0;
	g->seqadj[idx].dir[1].n = 0;
	g->c.mappings_created++;
	g->c.mappings_active++;
	return idx;
}

void gnat_map_free(struct gnat *g, uint32_t idx)
{
	struct gnat_mapping *m = &g->maps[idx];

	if (!m->live)
		return;
	map_hash_remove(g, idx, 0);
	map_hash_remove(g, idx, 1);
	map_lru_unlink(g, idx);
	if (m->age_prev != GNAT_NIL)
		g->maps[m->age_prev].age_next = m->age_next;
	else
		g->age_head = m->age_next;
	if (m->age_next != GNAT_NIL)
		g->maps[m->age_next].age_prev = m->age_prev;
	else
		g->age_tail = m->age_prev;
	if (m->pub_port)
		g->port_refs[m->pub_pi][m->pub_port]--;
	if (m->has_expect)
		gnat_rdr_cancel_owner(g, m->id);
	m->live = false;
	m->age_next = g->free_head;
	g->free_head = idx;
	g->c.mappings_active--;
}

void gnat_map_expire(struct gnat *g, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;

	if (now_ns < g->next_expiry)
		return;
	for (int c = 0; c < GNAT_TC__COUNT; c++) {
		uint32_t idx;

		while ((idx = g->lru_head[c]) != GNAT_NIL && g->maps[idx].expires_ns <= now_ns) {
			gnat_map_free(g, idx);
			g->c.mappings_expired++;
		}
		if (idx != GNAT_NIL && g->maps[idx].expires_ns < next)
			next = g->maps[idx].expires_ns;
	}
	g->next_expiry = next;
}

void gnat_expire(struct gnat *g, uint64_t now_ns)
{
	if (!g)
		return;
	gnat_map_expire(g, now_ns);
	gnat_rdr_expire(g, now_ns);
}

void gnat_map_info(const struct gnat *g, uint32_t idx, struct gnat_mapping_info *mi)
{
	const struct gnat_mapping *m = &g->maps[idx];

	memset(mi, 0, sizeof(*mi));
	mi->id = m->id;
	mi->orig = m->key[0];
	net_tuple_reverse(&m->key[1], &mi->trans);
	mi->tcp_state = (enum gnat_tcp_state)m->tcp_state;
	mi->expires_ns = m->expires_ns;
	mi->redirect_id = m->redirect_id;
	for (int d = 0; d < 2; d++) {
		mi->pkts[d] = m->pkts[d];
		mi->bytes[d] = m->bytes[d];
		mi->seq_delta[d] = m->has_seqadj ? gnat_seqadj_delta(&g->seqadj[idx].dir[d]) : 0;
	}
}

void gnat_mapping_foreach(const struct gnat *g,
			  void (*fn)(const struct gnat_mapping_info *mi, void *arg), void *arg)
{
	struct gnat_mapping_info mi;

	if (!g || !fn)
		return;
	for (uint32_t idx = g->age_head; idx != GNAT_NIL; idx = g->maps[idx].age_next) {
		gnat_map_info(g, idx, &mi);
		fn(&mi, arg);
	}
}

/* The receiver's view (client -> redirect target) is the mapping's
 * translated tuple; its reverse is the reply key. */
int gnat_lookup_original(struct gnat *g, const struct net_tuple *translated,
			 struct net_tuple *original)
{
	struct net_tuple rev;
	enum gnat_dir d;
	uint32_t idx;

	if (!g || !translated || !original)
		return -ENOENT;
	net_tuple_reverse(translated, &rev);
	idx = gnat_map_lookup(g, &rev, &d);
	if (idx == GNAT_NIL || d != GNAT_DIR_REPLY)
		return -ENOENT;
	*original = g->maps[idx].key[0];
	return 0;
}
