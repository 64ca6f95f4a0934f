/* gnat_edit.c - payload editors (the kernel ALGs): the registry matched on a
 * session's original destination port, and the context an editor works
 * through. Length changes go to the shared sequence adjustment, recorded in
 * forward terms even when the inverse translation edits (so forward and
 * inverse leave the same breakpoints behind). */
#include "gnat_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint16_t gnat_editor_port(const struct gnat_editor *ed, size_t i)
{
	return i == 0 ? ed->port : ed->more_ports[i - 1];
}

int gnat_editor_register(struct gnat *g, const struct gnat_editor *ed)
{
	size_t n, pi;
	uint8_t *map;

	if (!g || !ed || !ed->edit || (ed->proto != 6 && ed->proto != 17) ||
	    (ed->n_more_ports && !ed->more_ports))
		return -EINVAL;
	n = 1 + ed->n_more_ports;
	pi = ed->proto == 6 ? 0 : 1;
	for (size_t i = 0; i < n; i++) {
		if (gnat_editor_find(g, ed->proto, gnat_editor_port(ed, i)) >= 0)
			return -EEXIST;
		for (size_t k = 0; k < i; k++)
			if (gnat_editor_port(ed, k) == gnat_editor_port(ed, i))
				return -EEXIST;
	}
	if (g->n_editors == GNAT_MAX_EDITORS)
		return -ENOSPC;
	if (!g->editor_of[pi]) {
		g->editor_of[pi] = calloc(65536, 1);
		if (!g->editor_of[pi])
			return -ENOMEM;
	}
	map = g->editor_of[pi];
	for (size_t i = 0; i < n; i++)
		map[gnat_editor_port(ed, i)] = (uint8_t)(g->n_editors + 1);
	g->editors[g->n_editors].ed = *ed;
	/* the caller's port array is not kept: the map holds the ports */
	g->editors[g->n_editors].ed.more_ports = NULL;
	g->editors[g->n_editors].ed.n_more_ports = 0;
	g->editors[g->n_editors].live = true;
	g->n_editors++;
	return 0;
}

/* O(1): called for every new session, with any number of editor ports. */
int gnat_editor_find(const struct gnat *g, uint8_t proto, uint16_t port)
{
	const uint8_t *map;

	if (proto != 6 && proto != 17)
		return -1;
	map = g->editor_of[proto == 6 ? 0 : 1];
	if (!map || map[port] == 0 || !g->editors[map[port] - 1].live)
		return -1;
	return map[port] - 1;
}

void gnat_editors_fini(struct gnat *g)
{
	free(g->editor_of[0]);
	free(g->editor_of[1]);
	g->editor_of[0] = g->editor_of[1] = NULL;
}

int gnat_edit_run(struct gnat *g, uint32_t midx, enum gnat_dir dir, bool inverse,
		  struct net_pkt *p, size_t cap, uint32_t seg_seq_orig, uint64_t now_ns,
		  struct gnat_result *res)
{
	struct gnat_mapping *m = &g->maps[midx];
	const struct gnat_editor *ed = &g->editors[m->editor].ed;
	struct gnat_edit e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.g = g;
	e.m = m;
	e.midx = midx;
	e.p = p;
	e.cap = cap;
	e.dir = dir;
	e.inverse = inverse;
	e.now_ns = now_ns;
	net_tuple_reverse(&m->key[1], &e.trans);
	rc = ed->edit(&e, ed->arg);
	/* ports allocated but not given to an expectation go back */
	for (uint32_t i = 0; i < e.n_held; i++)
		gnat_port_unhold(g, e.held_pi[i], e.held[i]);
	res->edits += e.edits;
	if (e.diff != 0 && p->tuple.proto == 6) {
		struct gnat_seqadj_dir *sd = &g->seqadj[midx].dir[dir];
		uint32_t cur = (uint32_t)p->payload_len;

		/* forward: the segment arrived with cur - diff bytes and grew by
		 * diff; inverse: the arrived (forward-original) segment is what the
		 * editor just produced, and the forward change was -diff */
		bool rec;

		if (inverse)
			rec = gnat_seqadj_record(sd, seg_seq_orig, cur, -e.diff);
		else
			rec = gnat_seqadj_record(sd, seg_seq_orig, cur - (uint32_t)e.diff, e.diff);
		m->has_seqadj = true;
		/* a retransmission re-edited is not a new length change */
		if (rec)
			g->c.editor_length_changes++;
	} else if (e.diff != 0) {
		g->c.editor_length_changes++;
	}
	return rc < 0 ? rc : 0;
}

enum gnat_dir gnat_edit_dir(const struct gnat_edit *e)
{
	return e->dir;
}

bool gnat_edit_inverse(const struct gnat_edit *e)
{
	return e->inverse;
}

const uint8_t *gnat_edit_payload(const struct gnat_edit *e, size_t *len)
{
	if (len)
		*len = e->p->payload_len;
	return e->p->buf + e->p->payload_off;
}

const struct net_tuple *gnat_edit_orig(const struct gnat_edit *e)
{
	return &e->m->key[0];
}

const struct net_tuple *gnat_edit_trans(const struct gnat_edit *e)
{
	return &e->trans;
}

struct gnat *gnat_edit_gnat(struct gnat_edit *e)
{
	return e->g;
}

int gnat_edit_replace(struct gnat_edit *e, size_t off, size_t old_len, const void *data,
		      size_t new_len)
{
	int rc;

	if (!e || (!data && new_len) || off > e->p->payload_len ||
	    old_len > e->p->payload_len - off)
		return -EINVAL;
	rc = net_pkt_replace_payload(e->p, e->cap, off, old_len, data, new_len);
	if (rc)
		return rc;
	e->diff += (int32_t)new_len - (int32_t)old_len;
	e->edits++;
	e->g->c.editor_rewrites++;
	return 0;
}

/* An expectation takes over a port this call allocated when it names it. */
static void edit_take_held(struct gnat_edit *e, const struct gnat_redirect_spec *spec,
			   uint16_t *port, uint8_t *pi)
{
	int want = gnat_port_space(spec->match.proto);

	for (uint32_t i = 0; i < e->n_held; i++) {
		uint16_t h = e->held[i];

		if (e->held_pi[i] != want ||
		    (h != spec->match.dport && h != spec->new_dport && h != spec->new_sport))
			continue;
		*port = h;
		*pi = e->held_pi[i];
		e->held[i] = e->held[e->n_held - 1];
		e->held_pi[i] = e->held_pi[e->n_held - 1];
		e->n_held--;
		return;
	}
}

int gnat_edit_expect(struct gnat_edit *e, const struct gnat_redirect_spec *spec, uint32_t *id)
{
	struct gnat_redirect_spec s;
	uint16_t port = 0;
	uint8_t pi = 0;
	int rc;

	if (!e || !spec || !id)
		return -EINVAL;
	s = *spec;
	s.one_shot = true;
	s.group = e->m->id;
	/* a retransmitted command asks again: the expectation already exists */
	if (gnat_rdr_find_owned(e->g, e->m->id, &s, id) == 0)
		return 0;
	edit_take_held(e, &s, &port, &pi);
	rc = gnat_rdr_add_owned(e->g, &s, e->now_ns, e->m->id, port, pi, id);
	if (rc) {
		if (port)
			gnat_port_unhold(e->g, pi, port);
		return rc;
	}
	e->m->has_expect = true;
	return 0;
}

int gnat_edit_alloc_port(struct gnat_edit *e, uint8_t proto, uint16_t want, uint16_t *port)
{
	int pi = gnat_port_space(proto);
	int rc;

	if (!e || !port || pi < 0 || pi > 1)
		return -EINVAL;
	if (e->n_held == GNAT_MAX_HELD)
		return -ENOSPC;
	/* a retransmitted command gets the port its first copy was given */
	if (want && gnat_rdr_owner_holds(e->g, e->m->id, (uint8_t)pi, want)) {
		*port = want;
		return 0;
	}
	rc = gnat_port_hold(e->g, pi, want, port);
	if (rc)
		return rc;
	e->held[e->n_held] = *port;
	e->held_pi[e->n_held] = (uint8_t)pi;
	e->n_held++;
	return 0;
}
