/* gnat_inverse.c - the inverse translation for `gatelab translate`: a packet
 * as it LEFT the gateway through a mapping is turned back into what ARRIVED.
 * It leaves with the reverse of the other direction's arriving key, so the
 * same hash finds it; seq/ack use the breakpoints the other way round, and
 * editors run with gnat_edit_inverse() true. */
#include "gnat_int.h"

#include <errno.h>

/* A session's first packet that left through a redirect (e.g. an FTP
 * expectation): open its mapping as the forward path would have. */
static uint32_t inverse_open(struct gnat *g, const struct net_pkt *p, uint64_t now_ns,
			     struct gnat_result *res, enum gnat_dir *d)
{
	struct net_tuple arrived;
	enum gnat_dir dd;
	uint32_t ridx, idx;

	if (p->tuple.proto != 6 && p->tuple.proto != 17)
		return GNAT_NIL;
	ridx = gnat_rdr_match_inverse(g, &p->tuple, &arrived);
	if (ridx == GNAT_NIL || !gnat_map_room(g))
		return GNAT_NIL;
	if (gnat_map_lookup(g, &arrived, &dd) != GNAT_NIL)
		return GNAT_NIL;
	idx = gnat_map_create(g, &arrived, &p->tuple, now_ns);
	g->maps[idx].redirect_id = g->rdrs[ridx].id;
	g->maps[idx].editor = (int8_t)gnat_editor_find(g, arrived.proto, arrived.dport);
	res->redirect_id = g->rdrs[ridx].id;
	res->new_mapping = true;
	gnat_rdr_used(g, ridx);
	/* found as if by its reply key: the packet is of the original direction */
	*d = GNAT_DIR_REPLY;
	return idx;
}

static void inverse_parsed(struct gnat *g, struct net_pkt *p, size_t cap, uint64_t now_ns,
			   struct gnat_result *res)
{
	struct net_tuple rev;
	struct gnat_mapping *m;
	enum gnat_dir d, pd;
	uint32_t idx, seq_a;
	uint8_t verdict, side;
	int rc;

	if (p->is_fragment && !p->first_fragment) {
		gnat_count_drop(g, res, GNAT_DROP_FRAGMENT);
		return;
	}
	net_tuple_reverse(&p->tuple, &rev);
	idx = p->icmp_error ? GNAT_NIL : gnat_map_lookup(g, &rev, &d);
	if (idx == GNAT_NIL && !p->icmp_error)
		idx = inverse_open(g, p, now_ns, res, &d);
	if (idx == GNAT_NIL) {
		gnat_count_drop(g, res, GNAT_DROP_UNKNOWN_ORIGIN);
		return;
	}
	m = &g->maps[idx];
	pd = (enum gnat_dir)!d; /* leaving as reverse(key[d]): direction !d */
	res->mapping_id = m->id;
	seq_a = p->seq;
	if (p->tuple.proto == 6) {
		gnat_map_set_class(g, idx, gnat_tcp_update(m, pd, p->tcp_flags), now_ns);
		if (m->has_seqadj)
			seq_a = gnat_seqadj_back(&g->seqadj[idx].dir[pd], p->seq);
	} else {
		gnat_map_touch(g, idx, now_ns);
	}
	if (m->editor >= 0 && p->payload_len && !p->is_fragment) {
		rc = gnat_edit_run(g, idx, pd, true, p, cap, seq_a, now_ns, res);
		if (rc) {
			gnat_count_drop(g, res, rc == -ENOSPC ? GNAT_DROP_EDIT_NOSPACE
							: GNAT_DROP_EDIT_FAILED);
			return;
		}
	}
	if (m->has_seqadj && p->tuple.proto == 6)
		gnat_seq_translate(g, idx, pd, p, true, seq_a);
	if (gnat_rewrite(p, &m->key[pd]))
		res->translated = true;
	/* out_side: where the reconstructed packet came from */
	gnat_route(g, &m->key[pd].src, &verdict, &side);
	res->verdict = GNAT_FORWARD;
	res->out_side = (enum gnat_side)side;
	m->pkts[pd]++;
	m->bytes[pd] += p->len;
	g->c.pkts_translated++;
	g->c.bytes_translated += p->len;
}

int gnat_process_inverse(struct gnat *g, uint8_t *buf, size_t *len, size_t cap,
			 enum gnat_side to, uint64_t now_ns, struct gnat_result *res)
{
	struct net_pkt p;
	enum net_err err = NET_OK;

	(void)to;
	if (!g || !buf || !len || !res)
		return -EINVAL;
	*res = (struct gnat_result){.verdict = GNAT_FORWARD};
	g->c.pkts_in++;
	g->c.bytes_in += *len;
	gnat_map_expire(g, now_ns);
	gnat_rdr_expire(g, now_ns);
	if (net_pkt_parse(buf, *len, &p, &err) != 0) {
		if ((unsigned)err >= NET_ERR__COUNT)
			err = NET_ERR_TRUNCATED;
		g->c.parse_errors[err]++;
		res->parse_err = err;
		gnat_count_drop(g, res, GNAT_DROP_MALFORMED);
		return 0;
	}
	inverse_parsed(g, &p, cap < *len ? *len : cap, now_ns, res);
	*len = p.len;
	return 0;
}
