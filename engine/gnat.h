/* gnat.h - the generalized NAT ("gNAT"): the gateway's kernel side. Pure C:
 * no I/O, no clock (time is passed in as nanoseconds); the per-packet path
 * allocates only when a table doubles (amortized O(1), up to the configured
 * limits). One handle, no globals; packets are translated in place. */
#ifndef GATELAB_GNAT_H
#define GATELAB_GNAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"
#include "../net/net_pkt.h"

struct gnat; /* opaque */

#define GNAT_MAX_INSIDE 4
#define GNAT_MAX_LOCAL 8
#define GNAT_NS_PER_S 1000000000ULL

/* Fragments. TRACK: the first fragment (it carries the ports) goes through
 * the mapping like any packet, and its (src, dst, proto, IP ID) as it arrived
 * is recorded with the resulting addresses in a table of max_frag_ids entries
 * (a ring: the oldest record is overwritten when full; a record lives 30 s).
 * Later fragments of that datagram get the same address rewrite (they have no
 * ports); a later fragment with no record (unknown datagram, arrived before
 * its first fragment, or evicted) is dropped as GNAT_DROP_FRAGMENT. Fragments
 * are never reassembled and never edited. DROP: every fragment is dropped as
 * GNAT_DROP_FRAGMENT. The inverse translation drops non-first fragments. */
enum gnat_frag_policy {
	GNAT_FRAG_TRACK, /* translate the first fragment, remember its ID, translate
			    later fragments of the same datagram the same way */
	GNAT_FRAG_DROP   /* drop every fragment with a counter */
};

struct gnat_config {
	/* Inside prefixes (at most one per family is typical). */
	struct net_prefix inside[GNAT_MAX_INSIDE];
	size_t n_inside;
	/* Public address per family used for source NAT (masquerade). A family
	 * without a public address is not masqueraded. */
	struct net_addr public4, public6;
	/* The gateway's own addresses besides the public ones (inside-facing
	 * addresses, the proxy's address): packets to them are delivered up. */
	struct net_addr local[GNAT_MAX_LOCAL];
	size_t n_local;
	bool masquerade;          /* source-NAT inside->outside sessions (default true) */
	/* Limits: the tables start small and grow by doubling up to these;
	 * beyond, a session is refused with a counter (mappings_refused,
	 * GNAT_DROP_TABLE_FULL; redirects_refused, -ENOSPC). */
	uint32_t max_mappings;    /* mappings (default 65536) */
	uint32_t max_redirects;   /* pending redirects (default 16384) */
	uint32_t max_frag_ids;    /* tracked fragment IDs (default 1024) */
	uint16_t port_min, port_max; /* masquerade and reservation range (1024..65535) */
	/* Timeouts in ns (defaults follow Linux conntrack, documented in gnat.c). */
	uint64_t tcp_syn_timeout, tcp_est_timeout, tcp_fin_timeout, tcp_tw_timeout;
	uint64_t udp_timeout, icmp_timeout;
	uint64_t redirect_timeout; /* default lifetime of an unused one-shot redirect */
	enum gnat_frag_policy frag_policy;
	bool ftp_editor;          /* register the FTP editor (default true) */
	/* The FTP editor's control ports (TCP destination ports of the sessions
	 * it edits); NULL or 0 ports: 21 only. Read by gnat_create only (the
	 * array is the caller's); a port may appear once, 0 is invalid. */
	const uint16_t *ftp_ports;
	size_t n_ftp_ports;
	/* Seeds every table hash and the port probing. 0 (default): a random
	 * seed per instance; non-zero: that seed, so two instances fed the
	 * same packets choose the same ports (the simulator, tests). */
	uint64_t hash_seed;
	/* Let a non-SYN TCP packet open a mapping (as ESTABLISHED): for
	 * `translate` of captures that start mid-session (default false). */
	bool tcp_pickup;
	/* Every packet takes the full path (parse, state machine, rewrite),
	 * never the established-flow fast path: for tests that check the two
	 * agree byte for byte, and for diagnostics (default false). */
	bool no_fast_path;
};
void gnat_config_default(struct gnat_config *cfg);

/* Returns 0, -EINVAL (bad config) or -ENOMEM. */
int gnat_create(const struct gnat_config *cfg, struct gnat **out);
void gnat_destroy(struct gnat *g);

/* Which side a packet arrives from. LOCAL: written by a user-mode process on
 * the gateway (its socket layer hands it down). */
enum gnat_side { GNAT_SIDE_INSIDE, GNAT_SIDE_OUTSIDE, GNAT_SIDE_LOCAL };

enum gnat_verdict {
	GNAT_FORWARD, /* translated (or passed) in the kernel; send out res->out_side */
	GNAT_LOCAL,   /* destined to the gateway itself: deliver up to user mode */
	GNAT_DROP     /* dropped; res->reason says why (and a counter was bumped) */
};

enum gnat_drop_reason {
	GNAT_DROP_NONE = 0,
	GNAT_DROP_MALFORMED,       /* net_pkt_parse failed (see net_err counters) */
	GNAT_DROP_UNSUPPORTED,     /* protocol the gNAT cannot translate */
	GNAT_DROP_FRAGMENT,        /* fragment refused by policy or of unknown datagram */
	GNAT_DROP_NO_MAPPING,      /* unsolicited packet from outside, no redirect */
	GNAT_DROP_TABLE_FULL,      /* mapping table at max_mappings */
	GNAT_DROP_PORTS_EXHAUSTED, /* no free public port for masquerade */
	GNAT_DROP_STATE,           /* TCP packet invalid for the mapping state (e.g. non-SYN opening) */
	GNAT_DROP_EDIT_NOSPACE,    /* an editor grew the packet beyond the buffer */
	GNAT_DROP_EDIT_FAILED,     /* an editor refused the payload */
	GNAT_DROP_UNKNOWN_ORIGIN,  /* inverse translation: no mapping tells the original */
	GNAT_DROP__COUNT
};
const char *gnat_drop_reason_name(enum gnat_drop_reason r);

struct gnat_result {
	enum gnat_verdict verdict;
	enum gnat_drop_reason reason;
	enum net_err parse_err;     /* when reason == GNAT_DROP_MALFORMED */
	enum gnat_side out_side;    /* FORWARD: INSIDE if the new destination is inside */
	uint32_t mapping_id;        /* 0 if none */
	uint32_t redirect_id;       /* redirect consumed or matched to create the mapping, 0 if none */
	bool translated;            /* any header field changed */
	bool new_mapping;
	unsigned edits;             /* editor rewrites in this packet */
};

/* Translate one packet in place. buf holds len bytes and has room for cap
 * (editors may grow it); *len is updated. Always returns 0 with the verdict in
 * res, or -EINVAL for a NULL argument. Expired mappings and redirects are
 * reaped lazily as time advances. */
int gnat_process(struct gnat *g, uint8_t *buf, size_t *len, size_t cap, enum gnat_side from,
		 uint64_t now_ns, struct gnat_result *res);

/* The inverse, for reconstructing the other link of a capture: given a packet
 * as it LEFT the gateway (already translated by an existing mapping), rewrite it
 * to what ARRIVED. Only packets belonging to an existing mapping can be
 * inverted (else GNAT_DROP_UNKNOWN_ORIGIN); FTP editing is inverted too.
 * A session's first packet that left through a redirect whose match names the
 * original ends exactly (e.g. an FTP expectation) opens its mapping here, as
 * gnat_process would have. `to` is the side the packet left on; on FORWARD,
 * res->out_side is the side the reconstructed packet arrived from. */
int gnat_process_inverse(struct gnat *g, uint8_t *buf, size_t *len, size_t cap,
			 enum gnat_side to, uint64_t now_ns, struct gnat_result *res);

/* ---- Redirects: commanded from above (the NAT API) -------------------- */

/* What a redirect matches on a session's first packet. A prefix of family
 * NET_AF_NONE, or a port 0, matches anything. */
struct gnat_match {
	uint8_t proto;           /* required: 6 or 17 */
	struct net_prefix src;
	uint16_t sport;
	struct net_prefix dst;
	uint16_t dport;
};

/* A redirect rewrites a matching session's first packet (and so its mapping):
 * - port redirect: set new_dst (e.g. TCP/21 -> the proxy's socket);
 * - session redirect: set new_src and new_dst (both ends rewritten).
 * Unset fields are kept as in the packet (after masquerade, for the source of
 * an inside->outside session when new_src is unset). A port of 0 keeps the
 * packet's port. */
struct gnat_redirect_spec {
	struct gnat_match match;
	bool set_src;
	struct net_addr new_src;
	uint16_t new_sport;
	bool set_dst;
	struct net_addr new_dst;
	uint16_t new_dport;
	bool one_shot;           /* consumed by the first matching session */
	uint64_t timeout_ns;     /* one-shot: expires unused after this (0 = config default);
				    persistent: 0 = never */
	uint32_t group;          /* caller's set (e.g. one per proxy session); 0 = none */
};

/* Redirects apply to sessions arriving from INSIDE or OUTSIDE; packets the
 * gateway itself sends (GNAT_SIDE_LOCAL) are never redirected, as locally
 * generated packets skip PREROUTING DNAT in Linux.
 * Returns 0 with *id (never 0) or -EINVAL, -ENOSPC (max_redirects reached,
 * counted). Session redirects (match with src and dst fully specified) are
 * found before port redirects; among equals, the most recent wins. */
int gnat_redirect_add(struct gnat *g, const struct gnat_redirect_spec *spec, uint64_t now_ns,
		      uint32_t *id);
/* Returns 0 or -ENOENT. Mappings already created by it live on. */
int gnat_redirect_cancel(struct gnat *g, uint32_t id);
/* Cancel every redirect of a group; returns how many were cancelled. */
int gnat_redirect_cancel_group(struct gnat *g, uint32_t group);

/* Given a session's tuple as seen after translation (e.g. by the proxy's
 * socket: client -> proxy address), give the tuple as the session's first
 * packet arrived (client -> original server). Returns 0 or -ENOENT. */
int gnat_lookup_original(struct gnat *g, const struct net_tuple *translated,
			 struct net_tuple *original);

/* ---- Port reservations ------------------------------------------------ */

/* Reserve nports ports (contiguous) from [port_min, port_max] for proto (6 or
 * 17) on the public address of `family`; masquerade never hands them out.
 * Returns 0 with *pool_id, -ENOSPC (no such free block) or -EINVAL. */
int gnat_pool_create(struct gnat *g, uint8_t proto, uint32_t nports, uint32_t *pool_id);
/* Acquire n contiguous ports from the pool: *first gets the first. -ENOSPC if
 * the pool has no such run free, -ENOENT for an unknown pool. */
int gnat_pool_acquire(struct gnat *g, uint32_t pool_id, uint32_t n, uint16_t *first);
/* Release n ports starting at first (must have been acquired): 0, -ENOENT, -EINVAL. */
int gnat_pool_release(struct gnat *g, uint32_t pool_id, uint16_t first, uint32_t n);
/* Destroy the pool; all its ports return to the free range. 0 or -ENOENT. */
int gnat_pool_destroy(struct gnat *g, uint32_t pool_id);
/* Mark a single port as used by a local socket (so masquerade avoids it) and
 * unmark it. Used by the gateway's socket layer. 0, -EADDRINUSE, -ENOENT. */
int gnat_port_claim(struct gnat *g, uint8_t proto, uint16_t port);
int gnat_port_unclaim(struct gnat *g, uint8_t proto, uint16_t port);

/* ---- Editors: payload rewriting (the kernel "ALG") --------------------- */

struct gnat_edit; /* opaque context, valid during one edit() call */

enum gnat_dir { GNAT_DIR_ORIGINAL = 0, GNAT_DIR_REPLY = 1 }; /* opener->responder, back */

struct gnat_editor {
	const char *name;
	uint8_t proto;
	uint16_t port;   /* matched against the session's original destination port */
	/* More destination ports the same editor serves (may be NULL): copied
	 * at registration, looked up in O(1) per new session. */
	const uint16_t *more_ports;
	size_t n_more_ports;
	/* Called for every payload-carrying packet of a matching session, before
	 * sequence adjustment. May call gnat_edit_replace and gnat_edit_expect.
	 * Returns 0, or a negative code to drop the packet (counted). */
	int (*edit)(struct gnat_edit *e, void *arg);
	void *arg;
};
/* Register an editor for port and more_ports. Returns 0, -ENOSPC (at most 8
 * editors; an editor's ports are not limited), -EEXIST (a port already has an
 * editor), -ENOMEM. The FTP editor is registered by gnat_create when
 * cfg->ftp_editor, on cfg->ftp_ports. */
int gnat_editor_register(struct gnat *g, const struct gnat_editor *ed);

/* Accessors for an editor during edit(). */
enum gnat_dir gnat_edit_dir(const struct gnat_edit *e);
bool gnat_edit_inverse(const struct gnat_edit *e); /* inside gnat_process_inverse */
const uint8_t *gnat_edit_payload(const struct gnat_edit *e, size_t *len);
/* The session's tuples in the ORIGINAL direction: as it arrived and as it left. */
const struct net_tuple *gnat_edit_orig(const struct gnat_edit *e);
const struct net_tuple *gnat_edit_trans(const struct gnat_edit *e);
/* Replace payload bytes [off, off+old_len) with data. The engine records the
 * length change for sequence adjustment (once per sequence position, so a
 * retransmitted segment edited again is not counted twice). Offsets refer to
 * the payload as the editor sees it (earlier replacements in the same call
 * already applied). Returns 0, -ENOSPC, -EINVAL. */
int gnat_edit_replace(struct gnat_edit *e, size_t off, size_t old_len, const void *data,
		      size_t new_len);
/* Create a one-shot redirect on behalf of the session (an "expectation"), with
 * the editor's session as its group. Same returns as gnat_redirect_add. */
int gnat_edit_expect(struct gnat_edit *e, const struct gnat_redirect_spec *spec, uint32_t *id);
/* Pick a public port for an expected connection, preferring `want` when free.
 * Returns 0 with *port or -ENOSPC. */
int gnat_edit_alloc_port(struct gnat_edit *e, uint8_t proto, uint16_t want, uint16_t *port);
/* The gNAT's public address for a family (NULL if none). */
const struct net_addr *gnat_public_addr(const struct gnat *g, uint8_t family);
struct gnat *gnat_edit_gnat(struct gnat_edit *e);

/* ---- Observation -------------------------------------------------------- */

/* Why no public port could be had (gnat_counters.ports_exhausted[]). */
enum gnat_ports_reason {
	GNAT_PORTS_MASQ,        /* masquerade: the source port taken and every probe too */
	GNAT_PORTS_EXPECT,      /* an editor's expectation: no free port after probing */
	GNAT_PORTS_REPLY_TAKEN, /* a redirect's fixed ends give a reply tuple in use */
	GNAT_PORTS__COUNT
};
const char *gnat_ports_reason_name(enum gnat_ports_reason r);

struct gnat_counters {
	uint64_t pkts_in, bytes_in;
	uint64_t pkts_translated, bytes_translated; /* forwarded in the kernel (fast path) */
	uint64_t pkts_passed;                       /* forwarded untranslated */
	uint64_t pkts_local, bytes_local;           /* delivered up to user mode */
	uint64_t pkts_from_local, bytes_from_local; /* written down by user mode */
	uint64_t drops[GNAT_DROP__COUNT];
	uint64_t parse_errors[NET_ERR__COUNT];
	uint64_t mappings_created, mappings_expired, mappings_active, mappings_refused;
	uint64_t redirects_added, redirects_consumed, redirects_expired, redirects_cancelled;
	uint64_t redirects_active, redirects_refused;
	uint64_t editor_rewrites, editor_length_changes;
	uint64_t fragments_translated;
	uint64_t icmp_errors_translated;
	/* TCP SYNs that ended a TIME_WAIT/CLOSED mapping on their 4-tuple and
	 * opened a new session instead (see gnat_process.c) */
	uint64_t tcp_reopened;
	/* no public port found, per reason; each is also a drop
	 * (ports_exhausted) or an -ENOSPC returned to the editor */
	uint64_t ports_exhausted[GNAT_PORTS__COUNT];
	/* tables grown (mapping pool and hash, redirect pool and indexes) */
	uint64_t table_grows;
};
void gnat_counters_get(const struct gnat *g, struct gnat_counters *out);

/* How much searching the engine has done, for tests that prove an
 * operation's cost does not grow with the table (counted, not timed). */
struct gnat_work {
	uint64_t rdr_steps;   /* redirect index entries examined, heap levels moved */
	uint64_t port_probes; /* port candidates tried (masquerade, expectation ports) */
	uint64_t map_steps;   /* extra bucket lines read by mapping lookups */
	uint64_t fast_pkts;   /* packets the established-flow fast path took */
};
void gnat_work_get(const struct gnat *g, struct gnat_work *out);

enum gnat_tcp_state {
	GNAT_TCP_NONE, GNAT_TCP_SYN_SENT, GNAT_TCP_SYN_RECV, GNAT_TCP_ESTABLISHED,
	GNAT_TCP_FIN_WAIT, GNAT_TCP_CLOSE_WAIT, GNAT_TCP_LAST_ACK, GNAT_TCP_TIME_WAIT,
	GNAT_TCP_CLOSED
};
const char *gnat_tcp_state_name(enum gnat_tcp_state s);

struct gnat_mapping_info {
	uint32_t id;
	struct net_tuple orig;  /* original direction as it arrived */
	struct net_tuple trans; /* original direction as it left */
	enum gnat_tcp_state tcp_state;
	uint64_t expires_ns;
	uint32_t redirect_id;   /* redirect that created it, 0 for masquerade/pass */
	uint64_t pkts[2], bytes[2]; /* per direction */
	int32_t seq_delta[2];   /* current cumulative payload length change per direction */
};
/* Calls fn for each live mapping, in creation order. */
void gnat_mapping_foreach(const struct gnat *g,
			  void (*fn)(const struct gnat_mapping_info *mi, void *arg), void *arg);
/* Expire everything due at now_ns (also done lazily by gnat_process). */
void gnat_expire(struct gnat *g, uint64_t now_ns);

/* ---- Batches: drivers holding many packets at once (a NIC's RX ring) ---- */

/* One packet of a batch: buf holds len bytes with room for cap; len is
 * updated and res filled as gnat_process would. */
struct gnat_pkt {
	uint8_t *buf;
	size_t len, cap;
	struct gnat_result res;
};

/* Translate n packets arriving from one side at one time. Outcomes, counters
 * and mapping state are exactly those of calling gnat_process on each packet
 * in order; the batch only lets memory accesses of later packets overlap
 * (their table lookups are prefetched ahead). The packets' buffers must not
 * overlap (each is parsed before earlier ones are translated). Returns 0, or
 * -EINVAL (NULL g, NULL pkts with n > 0, or a packet with a NULL buf: then
 * nothing is processed). */
int gnat_process_batch(struct gnat *g, struct gnat_pkt *pkts, size_t n, enum gnat_side from,
		       uint64_t now_ns);

#endif
