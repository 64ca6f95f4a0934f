/* gnat_fast.h - the established-flow fast path (private to engine/): an
 * ordinary TCP/UDP packet of a mapping that needs no state change, no editor
 * and no sequence adjustment is checked from its header, looked up and
 * rewritten with the mapping's precomputed checksum deltas, without the full
 * parse. Anything else falls back to the full path untouched, so outcomes
 * are identical. Inline in its two callers (gnat_process, the batch): a call
 * per packet would cost more than some of these steps. */
#ifndef GATELAB_GNAT_FAST_H
#define GATELAB_GNAT_FAST_H

#include "gnat_int.h"

#include <string.h>

struct gnat_fast {
	struct net_tuple t;  /* the packet's tuple as it arrived */
	uint32_t tot;        /* IP total length */
	uint8_t l4_off;
	uint8_t flags;       /* TCP flags (0 for UDP) */
	bool payload;        /* carries transport payload */
};

static inline uint16_t gnat_fast_rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

/* The header checks of the common case, what net_pkt_parse's own fast case accepts, with its transport checks:
 * IPv4 without options or fragmentation, or IPv6 without extension
 * headers, carrying a whole TCP header (valid data offset) or a UDP header
 * whose length is the IP payload's. */
static inline bool gnat_fast_parse(const uint8_t *b, size_t len, struct gnat_fast *f)
{
	size_t tot, l4, l4_len;
	uint8_t proto;

	memset(&f->t, 0, sizeof(f->t));
	if (len >= 20 && b[0] == 0x45) {
		tot = gnat_fast_rd16(b + 2);
		proto = b[9];
		if (tot < 20 || tot > len || (gnat_fast_rd16(b + 6) & 0x3fff) != 0)
			return false;
		l4 = 20;
		f->t.src.family = f->t.dst.family = NET_AF_INET4;
		memcpy(f->t.src.a, b + 12, 4);
		memcpy(f->t.dst.a, b + 16, 4);
	} else if (len >= 40 && (b[0] >> 4) == 6) {
		tot = 40 + (size_t)gnat_fast_rd16(b + 4);
		proto = b[6];
		if (tot > len)
			return false;
		l4 = 40;
		f->t.src.family = f->t.dst.family = NET_AF_INET6;
		memcpy(f->t.src.a, b + 8, 16);
		memcpy(f->t.dst.a, b + 24, 16);
	} else {
		return false;
	}
	l4_len = tot - l4;
	if (proto == 6) {
		size_t doff;

		if (l4_len < 20)
			return false;
		doff = (size_t)(b[l4 + 12] >> 4) * 4;
		if (doff < 20 || doff > l4_len)
			return false;
		f->flags = b[l4 + 13];
		f->payload = l4_len > doff;
	} else if (proto == 17) {
		if (l4_len < 8 || gnat_fast_rd16(b + l4 + 4) != l4_len)
			return false;
		f->flags = 0;
		f->payload = l4_len > 8;
	} else {
		return false;
	}
	f->t.proto = proto;
	f->t.sport = gnat_fast_rd16(b + l4);
	f->t.dport = gnat_fast_rd16(b + l4 + 2);
	f->tot = (uint32_t)tot;
	f->l4_off = (uint8_t)l4;
	return true;
}

/* The mapping's packet goes through as translate() would take it: an
 * ESTABLISHED TCP segment without SYN, FIN or RST (no state change, no
 * reopening) or any UDP datagram, with no editor to run on a payload and
 * no sequence adjustment. */
static inline bool gnat_fast_ok(const struct gnat_mapping *m, const struct gnat_fast *f)
{
	if (m->has_seqadj || (m->editor >= 0 && f->payload))
		return false;
	if (f->t.proto == 6)
		return m->tcp_state == GNAT_TCP_ESTABLISHED &&
		       !(f->flags & (NET_TCP_SYN | NET_TCP_FIN | NET_TCP_RST));
	return true;
}

/* Translate it if it is an established flow's ordinary packet (h: its
 * gnat_hash_tuple64). true: done, res filled and counted exactly as the full
 * path would; false: nothing changed or counted, take the full path. */
static inline bool gnat_fast_process(struct gnat *g, uint8_t *buf, size_t *len,
				     const struct gnat_fast *f, uint64_t h, enum gnat_side from,
				     uint64_t now_ns, struct gnat_result *res)
{
	struct gnat_mapping *m;
	const struct net_tuple *k;
	enum gnat_dir dir;
	uint32_t idx;

	/* what gnat_process_parsed does first, in its order: reaping is
	 * idempotent, so the full path doing it again changes nothing */
	if (now_ns >= g->next_expiry)
		gnat_map_expire(g, now_ns);
	if (now_ns >= g->rdr_next_expiry)
		gnat_rdr_expire(g, now_ns);
	idx = gnat_map_lookup_hashed(g, &f->t, h, &dir);
	if (idx == GNAT_NIL || !gnat_fast_ok(&g->maps[idx], f))
		return false;
	m = &g->maps[idx];
	*res = (struct gnat_result){.verdict = (enum gnat_verdict)m->out_verdict[dir],
				    .out_side = (enum gnat_side)m->out_side[dir],
				    .mapping_id = m->id,
				    .translated = m->rewrites[dir]};
	g->c.pkts_in++;
	g->c.bytes_in += *len;
	if (from == GNAT_SIDE_LOCAL) {
		g->c.pkts_from_local++;
		g->c.bytes_from_local += *len;
	}
	/* most packets of a flow arrive in the same tick as the one before */
	if (m->expires_ns != now_ns + g->tc_timeout[m->tclass])
		gnat_map_touch(g, idx, now_ns);
	if (m->rewrites[dir]) {
		/* it leaves as the reverse of the other direction's arriving key */
		k = &m->key[!dir];
		net_rewrite_ends_raw(buf, f->t.src.family, f->l4_off, f->t.proto, &k->dst, k->dport,
				     &k->src, k->sport, m->csum_ip[dir], m->csum_l4[dir]);
	}
	m->pkts[dir]++;
	m->bytes[dir] += f->tot;
	if (res->verdict == GNAT_LOCAL) {
		g->c.pkts_local++;
		g->c.bytes_local += f->tot;
	} else {
		g->c.pkts_translated++;
		g->c.bytes_translated += f->tot;
	}
	*len = f->tot;
	g->w.fast_pkts++;
	return true;
}

#endif
