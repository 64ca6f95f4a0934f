/* natapi_ebpf_flows.c - the connections the program made: its ring-buffer
 * events (a connection made, one ending), their removal after the linger or
 * when idle, and their counters read from the flow map. */
#ifdef GL_HAVE_BPF
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "natapi_ebpf_int.h"

static void eb_flow_link(struct eb_flow *f, struct eb_rdr *r)
{
	f->rdr = r;
	f->rprev = NULL;
	f->rnext = r->flows;
	if (r->flows)
		r->flows->rprev = f;
	r->flows = f;
}

static void eb_flow_unlink(struct eb_flow *f)
{
	struct eb_rdr *r = f->rdr;

	if (!r)
		return;
	if (f->rprev)
		f->rprev->rnext = f->rnext;
	else
		r->flows = f->rnext;
	if (f->rnext)
		f->rnext->rprev = f->rprev;
	f->rdr = NULL;
	f->rnext = f->rprev = NULL;
}

static int eb_lookup(struct natapi_ebpf *b, const struct gl_key *k, struct gl_flow *v)
{
	b->st.map_ops++;
	return bpf_map_lookup_elem(b->flows_fd, k, v) == 0 ? 0 : -errno;
}

/* One entry's counters, when the entry still belongs to f (a new connection
 * on the same tuple may have taken it over). */
static bool eb_entry(struct natapi_ebpf *b, const struct eb_flow *f, const struct gl_key *k,
		     struct gl_flow *v)
{
	return eb_lookup(b, k, v) == 0 && v->flow_id == f->id;
}

void eb_flow_read(struct natapi_ebpf *b, const struct eb_flow *f, struct natapi_counters *c)
{
	struct gl_flow v;

	c->connections++;
	if (eb_entry(b, f, &f->fwd, &v)) {
		c->packets += v.packets;
		c->bytes += v.bytes;
	}
	if (eb_entry(b, f, &f->rev, &v)) {
		c->reply_packets += v.packets;
		c->reply_bytes += v.bytes;
	}
}

/* Both entries go (those still f's); their counts go to the redirect (if
 * still there) and the totals. Between the lookup and the delete the
 * program could hand a key to a new connection: that needs a SYN within
 * microseconds of this connection's linger end on the same tuple. */
static void eb_flow_remove(struct natapi_ebpf *b, struct eb_flow *f)
{
	struct natapi_counters c = {0};
	struct gl_flow v;

	eb_flow_read(b, f, &c);
	if (eb_entry(b, f, &f->fwd, &v)) {
		b->st.map_ops++;
		(void)bpf_map_delete_elem(b->flows_fd, &f->fwd);
	}
	if (eb_entry(b, f, &f->rev, &v)) {
		b->st.map_ops++;
		(void)bpf_map_delete_elem(b->flows_fd, &f->rev);
	}
	b->st.packets += c.packets + c.reply_packets;
	b->st.bytes += c.bytes + c.reply_bytes;
	if (f->rdr) {
		struct natapi_counters *d = &f->rdr->done;

		d->packets += c.packets;
		d->bytes += c.bytes;
		d->reply_packets += c.reply_packets;
		d->reply_bytes += c.reply_bytes;
		d->connections++;
	}
	eb_flow_unlink(f);
	eb_heap_remove(b, &f->t);
	(void)live_map_del(&b->flows, f->id);
	b->st.flows_active--;
	free(f);
}

static int eb_ev_new(struct natapi_ebpf *b, const struct gl_event *ev)
{
	struct eb_flow *f = calloc(1, sizeof(*f));
	struct eb_rdr *r;
	uint64_t now = natapi_ebpf_now();
	int rc;

	if (!f)
		goto fail;
	f->t.kind = EB_T_FLOW;
	f->t.heap_i = SIZE_MAX;
	f->id = ev->flow_id;
	f->fwd = ev->fwd;
	f->rev = ev->rev;
	if (live_map_put(&b->flows, f->id, f) != 0)
		goto fail;
	if (eb_heap_add(b, &f->t, now + b->cfg.idle_ns) != 0) {
		(void)live_map_del(&b->flows, f->id);
		goto fail;
	}
	b->st.flows_created++;
	b->st.flows_active++;
	r = live_map_get(&b->rdrs, ev->rdr_id);
	if (r && !r->nft) {
		eb_flow_link(f, r);
		if (r->pending && r->one_shot) {
			/* The program took its key out of gl_pend with this packet. */
			r->pending = false;
			b->st.pend_active--;
			b->st.consumed++;
			eb_heap_remove(b, &r->t);
		}
	}
	return 0;
fail:
	/* Not tracked, it would stay in the map: take it out now, loudly. */
	fprintf(stderr, "gatelab: ebpf: out of memory tracking connection %u: removed\n",
		ev->flow_id);
	b->st.map_ops += 2;
	(void)bpf_map_delete_elem(b->flows_fd, &ev->fwd);
	(void)bpf_map_delete_elem(b->flows_fd, &ev->rev);
	free(f);
	rc = -ENOMEM;
	return rc;
}

int eb_on_event(void *ctx, void *data, size_t size)
{
	struct natapi_ebpf *b = ctx;
	const struct gl_event *ev = data;
	struct eb_flow *f;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == GL_EV_NEW) {
		if (eb_ev_new(b, ev) != 0)
			b->rb_err = -ENOMEM;
		return 0;
	}
	f = live_map_get(&b->flows, ev->flow_id);
	if (ev->type == GL_EV_CLOSE && f && f->st == EB_F_OPEN) {
		f->st = EB_F_LINGER;
		/* The heap entry exists (an open flow always has its idle check). */
		(void)eb_heap_add(b, &f->t, natapi_ebpf_now() + b->cfg.linger_ns);
	}
	return 0;
}

/* Its deadline came: the linger is over, or it may be idle. */
int eb_flow_due(struct natapi_ebpf *b, struct eb_flow *f, uint64_t now)
{
	struct gl_flow a, c;
	uint64_t last;

	if (f->st == EB_F_LINGER) {
		eb_flow_remove(b, f);
		b->st.flows_closed++;
		return 1;
	}
	/* Idle when either way has been silent that long: a peer that vanished
	 * leaves the other one retransmitting into the void. */
	if (!eb_entry(b, f, &f->fwd, &a) || !eb_entry(b, f, &f->rev, &c)) {
		eb_flow_remove(b, f);
		b->st.flows_idle++;
		return 1;
	}
	last = a.last_ns < c.last_ns ? a.last_ns : c.last_ns;
	if (last + b->cfg.idle_ns <= now) {
		eb_flow_remove(b, f);
		b->st.flows_idle++;
		return 1;
	}
	eb_heap_remove(b, &f->t);
	return eb_heap_add(b, &f->t, last + b->cfg.idle_ns) == 0 ? 0 : -ENOMEM;
}

/* At close: the maps go with the program; only the records are freed. */
void eb_flows_free(struct natapi_ebpf *b)
{
	live_map_free_with(&b->flows, free);
}
#endif
