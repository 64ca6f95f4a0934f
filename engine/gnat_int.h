/* gnat_int.h - the engine's private state, shared by the engine/ files only.
 * Every table is an array linked by 32-bit indices (GNAT_NIL = none), grown
 * by doubling up to its configured limit: the per-packet path allocates only
 * when a table grows (amortized O(1)). */
#ifndef GATELAB_GNAT_INT_H
#define GATELAB_GNAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gnat.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define GNAT_NIL UINT32_MAX
#define GNAT_SEQADJ_MAX 8   /* breakpoints per direction (see gnat_seqadj.c) */
#define GNAT_MAX_EDITORS 8
#define GNAT_MAX_POOLS 64
#define GNAT_MAX_HELD 16    /* ports one edit() call may allocate */
#define GNAT_CLOSED_TIMEOUT (10 * GNAT_NS_PER_S) /* after RST, as Linux' "close" */
#define GNAT_FRAG_TIMEOUT (30 * GNAT_NS_PER_S)   /* as Linux' ipfrag_time */
#define GNAT_NPROTO 3       /* port spaces: TCP, UDP, ICMP identifiers */

/* ---- sequence adjustment ---------------------------------------------- */

/* Bytes of one direction at or after original-space position pos are shifted
 * by delta (cumulative over all earlier edits). Sorted by pos. */
struct gnat_seqadj_bp {
	uint32_t pos;
	int32_t delta;
};

struct gnat_seqadj_dir {
	struct gnat_seqadj_bp bp[GNAT_SEQADJ_MAX];
	uint32_t n;
};

struct gnat_seqadj {
	struct gnat_seqadj_dir dir[2];
};

/* Original-space seq -> translated-space (what the receiver sees). */
uint32_t gnat_seqadj_fwd(const struct gnat_seqadj_dir *d, uint32_t seq);
/* Translated-space seq (e.g. an ACK of it) -> original space. */
uint32_t gnat_seqadj_back(const struct gnat_seqadj_dir *d, uint32_t seq);
/* A segment starting at original-space seq with orig_len payload bytes
 * changed length by diff. Returns true if a breakpoint was recorded (false
 * for a retransmission at or before the last recorded position). */
bool gnat_seqadj_record(struct gnat_seqadj_dir *d, uint32_t seq, uint32_t orig_len, int32_t diff);
int32_t gnat_seqadj_delta(const struct gnat_seqadj_dir *d);
/* Rewrite SACK blocks (option 5) of a TCP packet acknowledging data of the
 * direction described by d: inverse=false maps translated->original. */
void gnat_seqadj_sack(struct net_pkt *p, const struct gnat_seqadj_dir *d, bool to_orig);

/* ---- mappings ---------------------------------------------------------- */

enum gnat_tclass {
	GNAT_TC_SYN, GNAT_TC_EST, GNAT_TC_FIN, GNAT_TC_TW, GNAT_TC_CLOSED,
	GNAT_TC_UDP, GNAT_TC_ICMP, GNAT_TC__COUNT
};

struct gnat_mapping {
	/* key[0]: the original direction as it arrives; key[1]: the reply
	 * direction as it arrives (the reverse of the translated tuple). */
	struct net_tuple key[2];
	uint32_t age_prev, age_next; /* creation order (also the free list) */
	uint64_t expires_ns;
	uint32_t id;
	uint32_t redirect_id;
	uint64_t pkts[2], bytes[2];
	uint16_t pub_port;        /* public port it holds (refcounted), 0 if none */
	uint8_t pub_pi;           /* port space of pub_port */
	uint8_t tclass;
	uint8_t tcp_state;        /* enum gnat_tcp_state */
	uint8_t fin_dir;          /* direction that sent the first FIN */
	int8_t editor;            /* index into g->editors, -1 none */
	bool live;
	bool has_seqadj;          /* g->seqadj[idx] holds breakpoints */
	bool has_expect;          /* owns expectations to cancel on expiry */
	uint8_t out_verdict[2];   /* cached per direction: enum gnat_verdict */
	uint8_t out_side[2];      /* cached per direction: enum gnat_side */
	/* per direction: does the header change, and the checksum deltas of
	 * that change (net_ends_delta), the same for every packet */
	bool rewrites[2];
	uint16_t csum_ip[2], csum_l4[2];
};

/* One cache line of the mapping hash (after the flow tables of DPDK and
 * VPP): 8 slots, each a 16-bit signature of the key's hash (0: empty) and
 * an entry (mapping index << 1 | direction). A lookup compares the 8
 * signatures at once and reads only the mappings whose signature matches.
 * A full bucket sends an insert on to the next; `over` counts the entries
 * that passed this bucket that way, so a lookup goes on only while it is
 * non-zero (and a table kept under half full rarely needs a second line). */
#define GNAT_MB_SLOTS 8
struct gnat_mbucket {
	uint16_t sig[GNAT_MB_SLOTS];
	uint32_t ent[GNAT_MB_SLOTS];
	uint32_t over;
	uint32_t spare[3];
};

/* Links of a mapping in the expiry list of its timeout class. */
struct gnat_lru {
	uint32_t prev, next;
};

/* ---- redirects --------------------------------------------------------- */

/* A redirect sits in up to five hash indexes, each a bucket array of chain
 * heads (at least one per pool slot) with chains linked through the
 * redirects, so that adding, removing (a walk of its short chain) and every
 * lookup are O(1) expected:
 * MATCH (session redirects by both hosts and dport, port redirects by
 * proto and dport, dport 0 in one wildcard chain) for new sessions,
 * ID for cancel, OWNER (an expectation's session) and GROUP for the set
 * operations, INV (the rewritten end, see gnat_rdr.c) for the inverse. */
enum gnat_rx { GNAT_RX_MATCH, GNAT_RX_ID, GNAT_RX_OWNER, GNAT_RX_GROUP, GNAT_RX_INV,
	       GNAT_RX__COUNT };

struct gnat_rlink {
	uint32_t next;            /* GNAT_NIL at the chain's end */
};

struct gnat_redirect {
	struct gnat_redirect_spec spec;
	uint32_t id;
	uint32_t owner;           /* mapping id of an expectation's session, 0 none */
	uint64_t expires_ns;      /* 0 = never */
	uint32_t heap_pos;        /* place in the expiry heap, GNAT_NIL if not in it */
	uint32_t next_free;       /* free list */
	struct gnat_rlink lk[GNAT_RX__COUNT];
	uint16_t held_port;       /* port allocated for it by gnat_edit_alloc_port */
	uint8_t held_pi;
	uint8_t linked;           /* bit per enum gnat_rx: in that index */
	bool session;             /* session redirect (src and dst fully given) */
	bool live;
};

/* ---- fragments --------------------------------------------------------- */

struct gnat_frag {
	struct net_addr src, dst;      /* as the first fragment arrived */
	uint32_t frag_id;
	uint8_t proto;
	bool live;
	struct net_addr new_src, new_dst;
	uint8_t verdict, side;
	uint32_t next;                 /* bucket chain */
	uint64_t expires_ns;
};

/* ---- ports ------------------------------------------------------------- */

struct gnat_pool {
	uint32_t id;
	bool live;
	uint8_t pi;
	uint16_t first;
	uint32_t n;
	uint64_t *used;           /* bitmap of acquired ports */
	uint32_t next_fit;        /* where gnat_pool_acquire's search starts */
};

struct gnat_edreg {
	struct gnat_editor ed;
	bool live;
};

struct gnat {
	struct gnat_config cfg;
	struct gnat_counters c;
	struct gnat_work w;
	bool fast_path;               /* !cfg.no_fast_path */
	uint32_t next_mapping_id, next_redirect_id;

	/* mapping pool (grown by doubling up to max_mappings) + tuple hash
	 * (2 entries per mapping, at most a quarter of the slots in use) */
	struct gnat_mapping *maps;
	struct gnat_seqadj *seqadj;   /* parallel to maps */
	struct gnat_lru *lru;         /* parallel to maps */
	uint32_t map_cap;             /* mapping slots allocated */
	struct gnat_mbucket *mbk;
	uint32_t mbk_mask;            /* buckets - 1 */
	uint32_t free_head;
	uint32_t age_head, age_tail;
	uint32_t lru_head[GNAT_TC__COUNT], lru_tail[GNAT_TC__COUNT];
	uint64_t tc_timeout[GNAT_TC__COUNT];
	uint64_t next_expiry;         /* no mapping expires before this */

	/* redirects: a pool grown by doubling up to max_redirects, five hash
	 * indexes (enum gnat_rx) rebuilt when the pool outgrows their buckets,
	 * and a min-heap of expiry times (one-shots and timed persistent ones) */
	struct gnat_redirect *rdrs;
	uint32_t rdr_cap;             /* slots allocated */
	uint32_t *rdr_heads[GNAT_RX__COUNT];
	uint32_t rdr_mask;            /* buckets - 1 (same for every index) */
	uint32_t rdr_wild;            /* MATCH chain of dport-wildcard redirects */
	uint32_t rdr_free;
	uint32_t *rdr_heap;           /* slot indices, earliest expiry first */
	uint32_t rdr_heap_n;
	uint64_t rdr_next_expiry;     /* earliest expiry among live redirects */

	/* fragments: ring of slots (oldest overwritten) + hash */
	struct gnat_frag *frags;
	uint32_t *frag_buckets;
	uint32_t frag_mask, frag_cap, frag_ring;

	/* ports: per port space, which ports are reserved by pools, claimed by
	 * sockets or held for expectations, and how many mappings use each */
	uint64_t *reserved[GNAT_NPROTO], *claimed[GNAT_NPROTO], *held[GNAT_NPROTO];
	uint32_t *port_refs[GNAT_NPROTO];
	uint64_t port_searches;       /* probe rounds started (varies their starts) */
	struct gnat_pool pools[GNAT_MAX_POOLS];
	uint32_t next_pool_id;

	struct gnat_edreg editors[GNAT_MAX_EDITORS];
	uint32_t n_editors;
	/* destination port -> editor index + 1 (0: none), [0] TCP, [1] UDP;
	 * 64 KiB each, allocated at the first registration for the protocol */
	uint8_t *editor_of[2];
};

/* The edit context handed to an editor (see gnat_edit.c). */
struct gnat_edit {
	struct gnat *g;
	struct gnat_mapping *m;
	uint32_t midx;
	struct net_pkt *p;
	size_t cap;
	enum gnat_dir dir;
	bool inverse;
	uint64_t now_ns;
	struct net_tuple trans;       /* the translated tuple, original direction */
	int32_t diff;                 /* payload length change so far */
	unsigned edits;
	uint32_t n_held;
	uint16_t held[GNAT_MAX_HELD];
	uint8_t held_pi[GNAT_MAX_HELD];
};

/* gnat.c */
bool gnat_is_gateway_addr(const struct gnat *g, const struct net_addr *a);
bool gnat_is_inside(const struct gnat *g, const struct net_addr *a);
/* Verdict and side for a packet whose (new) destination is dst. */
void gnat_route(const struct gnat *g, const struct net_addr *dst, uint8_t *verdict,
		uint8_t *side);

/* gnat_map.c */
int gnat_map_init(struct gnat *g);
void gnat_map_fini(struct gnat *g);
/* Find the mapping with tuple t as key of either direction. Returns the
 * mapping index or GNAT_NIL; *dir gets the direction. */
uint32_t gnat_map_lookup(const struct gnat *g, const struct net_tuple *t, enum gnat_dir *dir);
/* The bucket of hash h and the signature stored for it. */
static inline struct gnat_mbucket *gnat_map_bucket(const struct gnat *g, uint64_t h)
{
	return &g->mbk[((uint32_t)(h >> 32) ^ (uint32_t)h) & g->mbk_mask];
}
static inline uint16_t gnat_map_sig(uint64_t h)
{
	return (uint16_t)(h >> 48) | 1;
}
/* Signature lanes of bucket b equal to sig, as a bit mask (bit i: slot
 * i). SSE2 compares the 8 lanes in one instruction; elsewhere a loop. */
static inline unsigned gnat_map_sig_lanes(const struct gnat_mbucket *b, uint16_t sig)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)b->sig);
	__m128i eq = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig));

	/* 16-bit lanes of all ones or zeros packed to bytes: one bit each */
	return (unsigned)_mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128()));
#else
	unsigned m = 0;

	for (unsigned i = 0; i < GNAT_MB_SLOTS; i++)
		m |= (unsigned)(b->sig[i] == sig) << i;
	return m;
#endif
}
/* Start loading mapping idx: its first and last line; the middle one comes
 * with the first (adjacent-line prefetch), and asking for it too measured
 * slower in batches: one more miss buffer taken per packet. */
static inline void gnat_map_prefetch(const struct gnat *g, uint32_t idx)
{
	const char *m = (const char *)&g->maps[idx];

	__builtin_prefetch(m, 1);
	__builtin_prefetch(m + sizeof(g->maps[0]) - 1, 1);
}
/* Is there a slot for one more mapping (growing the pool if it may)? */
bool gnat_map_room(struct gnat *g);
/* Allocate a mapping for orig -> trans (after gnat_map_room said yes).
 * Returns index or GNAT_NIL (full). */
uint32_t gnat_map_create(struct gnat *g, const struct net_tuple *orig,
			 const struct net_tuple *trans, uint64_t now_ns);
void gnat_map_touch(struct gnat *g, uint32_t idx, uint64_t now_ns);
/* Move to the timeout class of its (new) state and refresh expiry. */
void gnat_map_set_class(struct gnat *g, uint32_t idx, enum gnat_tclass tc, uint64_t now_ns);
void gnat_map_free(struct gnat *g, uint32_t idx);
void gnat_map_expire(struct gnat *g, uint64_t now_ns);
void gnat_map_info(const struct gnat *g, uint32_t idx, struct gnat_mapping_info *mi);

/* Address equality as two 8-byte loads (memcpy: no aliasing or alignment
 * assumptions; compiles to plain loads). Both addresses are fully zeroed
 * beyond their length, as net_addr.h requires. */
static inline bool gnat_addr_eq(const struct net_addr *x, const struct net_addr *y)
{
	uint64_t a0, a1, b0, b1;

	__builtin_memcpy(&a0, x->a, 8);
	__builtin_memcpy(&b0, y->a, 8);
	__builtin_memcpy(&a1, x->a + 8, 8);
	__builtin_memcpy(&b1, y->a + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0 && x->family == y->family;
}

static inline bool gnat_tuple_eq(const struct net_tuple *x, const struct net_tuple *y)
{
	return x->sport == y->sport && x->dport == y->dport && x->proto == y->proto &&
	       gnat_addr_eq(&x->src, &y->src) && gnat_addr_eq(&x->dst, &y->dst);
}

static inline uint64_t gnat_rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t gnat_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* The seeded tuple hash: multiply-xorshift over 8-byte words, no division,
 * no byte loop; 64 bits for the mapping table (bucket and signature).
 * Inline: it is on every packet's path. */
static inline uint64_t gnat_hash_tuple64(const struct net_tuple *t, uint64_t seed)
{
	uint64_t h = seed ^ ((uint64_t)t->proto << 40 | (uint64_t)t->src.family << 36 |
			     (uint64_t)t->dst.family << 32 | (uint64_t)t->sport << 16 | t->dport);

	h = gnat_mix(h, gnat_rd64(t->src.a));
	h = gnat_mix(h, gnat_rd64(t->dst.a));
	if (t->src.family == NET_AF_INET6 || t->dst.family == NET_AF_INET6) {
		h = gnat_mix(h, gnat_rd64(t->src.a + 8));
		h = gnat_mix(h, gnat_rd64(t->dst.a + 8));
	}
	return h * 0xbf58476d1ce4e5b9ULL;
}

/* gnat_map_lookup with h = gnat_hash_tuple64(t, seed) already known: one
 * bucket line, the mappings whose signature matches, and the next line only
 * while an insert went past. */
static inline uint32_t gnat_map_lookup_hashed(const struct gnat *g, const struct net_tuple *t,
					      uint64_t h, enum gnat_dir *dir)
{
	const struct gnat_mbucket *b = gnat_map_bucket(g, h);
	uint16_t sig = gnat_map_sig(h);

	for (;;) {
		for (unsigned lanes = gnat_map_sig_lanes(b, sig); lanes; lanes &= lanes - 1) {
			uint32_t e = b->ent[__builtin_ctz(lanes)];
			const struct gnat_mapping *m = &g->maps[e >> 1];

			if (gnat_tuple_eq(&m->key[e & 1], t)) {
				*dir = (enum gnat_dir)(e & 1);
				return e >> 1;
			}
		}
		if (!b->over)
			return GNAT_NIL;
		((struct gnat *)g)->w.map_steps++;
		b = &g->mbk[(uint32_t)(b - g->mbk + 1) & g->mbk_mask];
	}
}
/* The seeded tuple hash, folded to 32 bits (gnat_hash_tuple64 above). */
uint32_t gnat_hash_tuple(const struct net_tuple *t, uint64_t seed);

/* gnat_tcp.c */
/* Is this packet allowed to open a TCP mapping? */
bool gnat_tcp_can_open(const struct gnat *g, uint8_t flags);
/* Advance m's state for a packet of direction dir; returns the timeout class. */
enum gnat_tclass gnat_tcp_update(struct gnat_mapping *m, enum gnat_dir dir, uint8_t flags);
enum gnat_tclass gnat_tclass_for(const struct gnat_mapping *m);

/* gnat_rdr.c */
int gnat_rdr_init(struct gnat *g);
void gnat_rdr_fini(struct gnat *g);
/* Best redirect for a session's first packet, or GNAT_NIL. */
uint32_t gnat_rdr_match(const struct gnat *g, const struct net_tuple *t);
/* Inverse translation: the redirect that turned some first packet into
 * `left`, with that packet's tuple in *arrived; GNAT_NIL if none. */
uint32_t gnat_rdr_match_inverse(const struct gnat *g, const struct net_tuple *left,
				struct net_tuple *arrived);
/* A mapping was created from redirect idx: consume it if one-shot. */
void gnat_rdr_used(struct gnat *g, uint32_t idx);
void gnat_rdr_expire(struct gnat *g, uint64_t now_ns);
int gnat_rdr_add_owned(struct gnat *g, const struct gnat_redirect_spec *spec, uint64_t now_ns,
		       uint32_t owner, uint16_t held_port, uint8_t held_pi, uint32_t *id);
void gnat_rdr_cancel_owner(struct gnat *g, uint32_t owner);
/* A live expectation of owner with the same spec: 0 with *id, or -ENOENT. */
int gnat_rdr_find_owned(const struct gnat *g, uint32_t owner,
			const struct gnat_redirect_spec *spec, uint32_t *id);
/* Does a live expectation of owner hold this port? */
bool gnat_rdr_owner_holds(const struct gnat *g, uint32_t owner, uint8_t pi, uint16_t port);

/* gnat_ports.c */
int gnat_ports_init(struct gnat *g);
void gnat_ports_fini(struct gnat *g);
/* Port space index of an IP protocol, or -1. */
int gnat_port_space(uint8_t proto);
/* Is port free of reservations, claims and holds? */
bool gnat_port_usable(const struct gnat *g, int pi, uint16_t port);
/* Choose the source port for a masqueraded session whose translated tuple
 * is *trans (src already the public address): keeps trans->sport if it can,
 * else probes a bounded number of candidates (counted in w.port_probes).
 * Returns 0 or -ENOSPC (counted in ports_exhausted[GNAT_PORTS_MASQ]). */
int gnat_port_masq(struct gnat *g, struct net_tuple *trans);
/* Mark a port held for an expectation (or release it). */
int gnat_port_hold(struct gnat *g, int pi, uint16_t want, uint16_t *port);
void gnat_port_unhold(struct gnat *g, int pi, uint16_t port);

/* gnat_frag.c */
int gnat_frag_init(struct gnat *g);
void gnat_frag_fini(struct gnat *g);
void gnat_frag_record(struct gnat *g, const struct net_pkt *p, const struct net_tuple *arrived,
		      const struct net_addr *new_src, const struct net_addr *new_dst,
		      uint8_t verdict, uint8_t side, uint64_t now_ns);
/* Translate a non-first fragment: 0, or -ENOENT (unknown datagram). */
int gnat_frag_translate(struct gnat *g, struct net_pkt *p, uint64_t now_ns,
			struct gnat_result *res);

/* gnat_edit.c */
/* Run the mapping's editor on p (direction dir); records the segment's
 * length change (seg_seq_orig: its seq in original space). Returns 0 or the
 * editor's negative code. */
int gnat_edit_run(struct gnat *g, uint32_t midx, enum gnat_dir dir, bool inverse,
		  struct net_pkt *p, size_t cap, uint32_t seg_seq_orig, uint64_t now_ns,
		  struct gnat_result *res);
int gnat_editor_find(const struct gnat *g, uint8_t proto, uint16_t port);
void gnat_editors_fini(struct gnat *g);

/* gnat_icmp.c */
void gnat_icmp_error(struct gnat *g, struct net_pkt *p, enum gnat_side from, uint64_t now_ns,
		     struct gnat_result *res);

/* gnat_process.c */
void gnat_count_drop(struct gnat *g, struct gnat_result *res, enum gnat_drop_reason r);
/* TCP seq/ack (and SACK) adjustment of a packet of direction dir. */
void gnat_seq_translate(struct gnat *g, uint32_t midx, enum gnat_dir dir, struct net_pkt *p,
			bool inverse, uint32_t seq_out);
/* Rewrite p's addresses/ports from its current tuple to *to (or, _rev, to
 * the reverse of *k). Returns true if anything changed. */
bool gnat_rewrite(struct net_pkt *p, const struct net_tuple *to);
bool gnat_rewrite_rev(struct net_pkt *p, const struct net_tuple *k);
/* Everything gnat_process does after net_pkt_parse (err: its outcome), in
 * the same order; hash: the tuple's table hash if already computed, or NULL. */
void gnat_process_parsed(struct gnat *g, struct net_pkt *p, enum net_err err, size_t *len,
			 size_t cap, enum gnat_side from, uint64_t now_ns, const uint64_t *hash,
			 struct gnat_result *res);

#endif
