/* gnat_process.c - the per-packet path: parse, find the mapping from either
 * direction, or open one (redirects first, then masquerade), else decide
 * LOCAL / pass / drop; then TCP state, editor, seq/ack and address rewrite.
 * No allocation, no clock: time comes in as now_ns. */
#include "gnat_int.h"
#include "gnat_fast.h"

#include <errno.h>

void gnat_count_drop(struct gnat *g, struct gnat_result *res, enum gnat_drop_reason r)
{
	res->verdict = GNAT_DROP;
	res->reason = r;
	g->c.drops[r]++;
}

static void count_route(struct gnat *g, struct gnat_result *res, const struct net_pkt *p,
			uint8_t verdict, uint8_t side, bool mapped)
{
	res->verdict = (enum gnat_verdict)verdict;
	res->out_side = (enum gnat_side)side;
	if (verdict == GNAT_LOCAL) {
		g->c.pkts_local++;
		g->c.bytes_local += p->len;
	} else if (mapped) {
		g->c.pkts_translated++;
		g->c.bytes_translated += p->len;
	} else {
		g->c.pkts_passed++;
	}
}

/* net_pkt_rewrite_* keep p->tuple up to date themselves. Both ends in one
 * call: a TCP/UDP packet then has each checksum updated once. */
static inline bool rewrite_ends(struct net_pkt *p, const struct net_addr *src, uint16_t sport,
				const struct net_addr *dst, uint16_t dport)
{
	bool new_src = p->tuple.sport != sport || !gnat_addr_eq(&p->tuple.src, src);
	bool new_dst = p->tuple.dport != dport || !gnat_addr_eq(&p->tuple.dst, dst);

	if (!new_src && !new_dst)
		return false;
	net_pkt_rewrite_ends(p, new_src ? src : NULL, sport, new_dst ? dst : NULL, dport);
	return true;
}

bool gnat_rewrite(struct net_pkt *p, const struct net_tuple *to)
{
	return rewrite_ends(p, &to->src, to->sport, &to->dst, to->dport);
}

bool gnat_rewrite_rev(struct net_pkt *p, const struct net_tuple *k)
{
	return rewrite_ends(p, &k->dst, k->dport, &k->src, k->sport);
}

void gnat_seq_translate(struct gnat *g, uint32_t midx, enum gnat_dir dir, struct net_pkt *p,
			bool inverse, uint32_t seq_out)
{
	const struct gnat_seqadj_dir *other = &g->seqadj[midx].dir[!dir];

	if (seq_out != p->seq) {
		net_pkt_set_seq(p, seq_out);
		p->seq = seq_out;
	}
	if ((p->tcp_flags & NET_TCP_ACK) && other->n) {
		/* an ACK acknowledges the other direction's data: forward it
		 * arrives in that direction's translated space */
		uint32_t ack = inverse ? gnat_seqadj_fwd(other, p->ack) : gnat_seqadj_back(other, p->ack);

		if (ack != p->ack) {
			net_pkt_set_ack(p, ack);
			p->ack = ack;
		}
		gnat_seqadj_sack(p, other, !inverse);
	}
}

/* A packet with no mapping that will not get one. */
static void no_mapping(struct gnat *g, struct net_pkt *p, enum gnat_side from,
		       struct gnat_result *res)
{
	uint8_t verdict, side;

	gnat_route(g, &p->tuple.dst, &verdict, &side);
	if (verdict == GNAT_FORWARD && from == GNAT_SIDE_OUTSIDE && side == GNAT_SIDE_INSIDE) {
		/* the gateway protects the inside from unsolicited packets */
		gnat_count_drop(g, res, GNAT_DROP_NO_MAPPING);
		return;
	}
	count_route(g, res, p, verdict, side, false);
}

static bool is_opener(const struct gnat *g, const struct net_pkt *p)
{
	switch (p->tuple.proto) {
	case 6:
		return gnat_tcp_can_open(g, p->tcp_flags);
	case 17:
		return true;
	default:
		return p->icmp_type == 8 || p->icmp_type == 128; /* echo requests */
	}
}

/* Masquerade applies to a session from the inside to a non-inside,
 * non-gateway destination when the family has a public address. */
static bool wants_masq(const struct gnat *g, const struct net_pkt *p, enum gnat_side from,
		       const struct net_addr *dst)
{
	return from == GNAT_SIDE_INSIDE && g->cfg.masquerade &&
	       gnat_public_addr(g, p->tuple.src.family) && gnat_is_inside(g, &p->tuple.src) &&
	       !gnat_is_inside(g, dst) && !gnat_is_gateway_addr(g, dst);
}

static uint32_t new_session(struct gnat *g, struct net_pkt *p, enum gnat_side from,
			    uint64_t now_ns, struct gnat_result *res)
{
	struct net_tuple trans = p->tuple, reply;
	const struct gnat_redirect *r = NULL;
	uint32_t ridx = GNAT_NIL, idx;
	bool masq;
	enum gnat_dir d;

	/* like PREROUTING DNAT: the gateway's own packets are never redirected
	 * (else the proxy's connection to a server would loop back to it) */
	if ((p->tuple.proto == 6 || p->tuple.proto == 17) && from != GNAT_SIDE_LOCAL)
		ridx = gnat_rdr_match(g, &p->tuple);
	if (ridx != GNAT_NIL) {
		r = &g->rdrs[ridx];
		if (r->spec.set_dst) {
			trans.dst = r->spec.new_dst;
			if (r->spec.new_dport)
				trans.dport = r->spec.new_dport;
		}
		if (r->spec.set_src) {
			trans.src = r->spec.new_src;
			if (r->spec.new_sport)
				trans.sport = r->spec.new_sport;
		}
		masq = !r->spec.set_src && wants_masq(g, p, from, &trans.dst);
	} else {
		masq = wants_masq(g, p, from, &p->tuple.dst);
		if (!masq) {
			no_mapping(g, p, from, res);
			return GNAT_NIL;
		}
	}
	if (!is_opener(g, p)) {
		gnat_count_drop(g, res, GNAT_DROP_STATE);
		return GNAT_NIL;
	}
	if (!gnat_map_room(g)) {
		g->c.mappings_refused++;
		gnat_count_drop(g, res, GNAT_DROP_TABLE_FULL);
		return GNAT_NIL;
	}
	if (masq) {
		trans.src = *gnat_public_addr(g, p->tuple.src.family);
		if (gnat_port_masq(g, &trans) != 0) {
			gnat_count_drop(g, res, GNAT_DROP_PORTS_EXHAUSTED);
			return GNAT_NIL;
		}
	} else {
		/* a redirect's fixed ends must still give a unique reply tuple */
		net_tuple_reverse(&trans, &reply);
		if (gnat_map_lookup(g, &reply, &d) != GNAT_NIL) {
			g->c.ports_exhausted[GNAT_PORTS_REPLY_TAKEN]++;
			gnat_count_drop(g, res, GNAT_DROP_PORTS_EXHAUSTED);
			return GNAT_NIL;
		}
	}
	idx = gnat_map_create(g, &p->tuple, &trans, now_ns);
	if (r) {
		g->maps[idx].redirect_id = r->id;
		res->redirect_id = r->id;
		gnat_rdr_used(g, ridx);
	}
	g->maps[idx].editor = (int8_t)gnat_editor_find(g, p->tuple.proto, p->tuple.dport);
	res->new_mapping = true;
	return idx;
}

static void translate(struct gnat *g, uint32_t idx, enum gnat_dir dir, struct net_pkt *p,
		      size_t cap, uint64_t now_ns, struct gnat_result *res)
{
	struct gnat_mapping *m = &g->maps[idx];
	uint32_t seq_out = p->seq;
	int rc;

	res->mapping_id = m->id;
	if (p->tuple.proto == 6) {
		/* the common case, an ESTABLISHED segment without FIN or RST,
		 * changes no state: only the expiry moves */
		if (m->tcp_state == GNAT_TCP_ESTABLISHED &&
		    !(p->tcp_flags & (NET_TCP_FIN | NET_TCP_RST)))
			gnat_map_touch(g, idx, now_ns);
		else
			gnat_map_set_class(g, idx, gnat_tcp_update(m, dir, p->tcp_flags), now_ns);
		if (m->has_seqadj)
			seq_out = gnat_seqadj_fwd(&g->seqadj[idx].dir[dir], p->seq);
	} else {
		gnat_map_touch(g, idx, now_ns);
	}
	if (m->editor >= 0 && p->payload_len && !p->is_fragment) {
		/* edit first; the segment's own seq uses the delta before its edit */
		rc = gnat_edit_run(g, idx, dir, false, p, cap, p->seq, now_ns, res);
		if (rc) {
			gnat_count_drop(g, res, rc == -ENOSPC ? GNAT_DROP_EDIT_NOSPACE
							: GNAT_DROP_EDIT_FAILED);
			return;
		}
	}
	if (m->has_seqadj && p->tuple.proto == 6)
		gnat_seq_translate(g, idx, dir, p, false, seq_out);
	/* it leaves as the reverse of the other direction's arriving key */
	if (p->tuple.proto == 6 || p->tuple.proto == 17) {
		if (m->rewrites[dir]) {
			struct net_tuple to;

			net_tuple_reverse(&m->key[!dir], &to);
			net_pkt_rewrite_ends_delta(p, &to, m->csum_ip[dir], m->csum_l4[dir]);
			res->translated = true;
		}
	} else if (gnat_rewrite_rev(p, &m->key[!dir])) {
		res->translated = true;
	}
	m->pkts[dir]++;
	m->bytes[dir] += p->len;
	count_route(g, res, p, m->out_verdict[dir], m->out_side[dir], true);
}

/* Protocols and ICMP types with nothing to translate. */
static void untranslatable(struct gnat *g, struct net_pkt *p, enum gnat_side from,
			   struct gnat_result *res)
{
	uint8_t verdict, side;

	gnat_route(g, &p->tuple.dst, &verdict, &side);
	if (verdict == GNAT_LOCAL || from == GNAT_SIDE_LOCAL ||
	    (from == GNAT_SIDE_OUTSIDE && side == GNAT_SIDE_OUTSIDE) ||
	    (from == GNAT_SIDE_INSIDE && side == GNAT_SIDE_INSIDE)) {
		count_route(g, res, p, verdict, side, false);
		return;
	}
	gnat_count_drop(g, res, GNAT_DROP_UNSUPPORTED);
}

/* A SYN (without ACK) on the 4-tuple of a finished session, from either
 * end, is a new connection reusing the ports, as Linux conntrack has it
 * (RFC 1122 4.2.2.13: reopening from TIME-WAIT): the old mapping ends and the
 * SYN is matched afresh - redirects and masquerade decide again. Reviving the
 * old mapping instead would send the new connection to the old one's
 * destination (e.g. an FTP data connection reaching the previous client). */
static bool tcp_reopens(const struct gnat_mapping *m, uint8_t flags)
{
	enum gnat_tcp_state s = (enum gnat_tcp_state)m->tcp_state;

	return (flags & (NET_TCP_SYN | NET_TCP_ACK | NET_TCP_RST)) == NET_TCP_SYN &&
	       (s == GNAT_TCP_TIME_WAIT || s == GNAT_TCP_CLOSED);
}

static void process_parsed(struct gnat *g, struct net_pkt *p, size_t cap, enum gnat_side from,
			   uint64_t now_ns, const uint64_t *hash, struct gnat_result *res)
{
	struct net_tuple arrived;
	uint8_t proto = p->tuple.proto;
	enum gnat_dir dir = GNAT_DIR_ORIGINAL;
	uint32_t idx;

	if (p->is_fragment) {
		arrived = p->tuple;
		if (g->cfg.frag_policy == GNAT_FRAG_DROP) {
			gnat_count_drop(g, res, GNAT_DROP_FRAGMENT);
			return;
		}
		if (!p->first_fragment) {
			if (gnat_frag_translate(g, p, now_ns, res) != 0) {
				gnat_count_drop(g, res, GNAT_DROP_FRAGMENT);
				return;
			}
			count_route(g, res, p, (uint8_t)res->verdict, (uint8_t)res->out_side,
				    res->translated);
			return;
		}
	}
	if (p->icmp_error) {
		gnat_icmp_error(g, p, from, now_ns, res);
		return;
	}
	if (proto != 6 && proto != 17 && !((proto == 1 || proto == 58) && p->icmp_echo)) {
		untranslatable(g, p, from, res);
	} else {
		idx = hash ? gnat_map_lookup_hashed(g, &p->tuple, *hash, &dir)
			   : gnat_map_lookup(g, &p->tuple, &dir);
		if (idx != GNAT_NIL && proto == 6 && tcp_reopens(&g->maps[idx], p->tcp_flags)) {
			gnat_map_free(g, idx);
			g->c.tcp_reopened++;
			idx = GNAT_NIL;
		}
		if (idx == GNAT_NIL)
			idx = new_session(g, p, from, now_ns, res);
		if (idx != GNAT_NIL)
			translate(g, idx, dir, p, cap, now_ns, res);
	}
	if (p->is_fragment && res->verdict != GNAT_DROP)
		gnat_frag_record(g, p, &arrived, &p->tuple.src, &p->tuple.dst,
				 (uint8_t)res->verdict, (uint8_t)res->out_side, now_ns);
}

/* The parse is pure (it only reads the buffer), so a batch may parse ahead;
 * counting and expiry then happen in packet order exactly as one by one. */
void gnat_process_parsed(struct gnat *g, struct net_pkt *p, enum net_err err, size_t *len,
			 size_t cap, enum gnat_side from, uint64_t now_ns, const uint64_t *hash,
			 struct gnat_result *res)
{
	*res = (struct gnat_result){.verdict = GNAT_FORWARD};
	g->c.pkts_in++;
	g->c.bytes_in += *len;
	if (from == GNAT_SIDE_LOCAL) {
		g->c.pkts_from_local++;
		g->c.bytes_from_local += *len;
	}
	/* both return at once unless something is due: skip the calls */
	if (now_ns >= g->next_expiry)
		gnat_map_expire(g, now_ns);
	if (now_ns >= g->rdr_next_expiry)
		gnat_rdr_expire(g, now_ns);
	if (err != NET_OK) {
		if ((unsigned)err >= NET_ERR__COUNT)
			err = NET_ERR_TRUNCATED;
		g->c.parse_errors[err]++;
		res->parse_err = err;
		gnat_count_drop(g, res, GNAT_DROP_MALFORMED);
		return;
	}
	process_parsed(g, p, cap < *len ? *len : cap, from, now_ns, hash, res);
	*len = p->len;
}

/* The full path, kept out of gnat_process so the fast path does not pay
 * for its stack frame (a struct net_pkt) on every packet. */
static __attribute__((noinline)) void process_full(struct gnat *g, uint8_t *buf, size_t *len,
						   size_t cap, enum gnat_side from,
						   uint64_t now_ns, struct gnat_result *res)
{
	struct net_pkt p;
	enum net_err err = NET_OK;

	if (net_pkt_parse(buf, *len, &p, &err) != 0 && err == NET_OK)
		err = NET_ERR_TRUNCATED;
	gnat_process_parsed(g, &p, err, len, cap, from, now_ns, NULL, res);
}

int gnat_process(struct gnat *g, uint8_t *buf, size_t *len, size_t cap, enum gnat_side from,
		 uint64_t now_ns, struct gnat_result *res)
{
	struct gnat_fast f;

	if (!g || !buf || !len || !res)
		return -EINVAL;
	if (g->fast_path && gnat_fast_parse(buf, *len, &f) &&
	    gnat_fast_process(g, buf, len, &f, gnat_hash_tuple64(&f.t, g->cfg.hash_seed), from,
			      now_ns, res))
		return 0;
	process_full(g, buf, len, cap, from, now_ns, res);
	return 0;
}
