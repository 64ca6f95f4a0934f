/* sim_walk_cap.c - records the gateway's two links for the walk-through and
 * ties each packet to what the gateway did: a packet arriving at the gateway
 * is found in its link's FIFO of packets sent towards the gateway (links keep
 * order); a packet the gateway sends gets the comment the hook left for the
 * link just before sending it. */
#include "sim_walk_cap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/gnat_snapshot.h"
#include "sim_pcapng.h"

struct sim_walk_rec {
	uint64_t t_ns;
	uint32_t len, caplen;
	uint8_t *data;
	char *comment;
};

struct sim_walk_lcap {
	struct sim_walk_cap *c;
	struct sim_link *link;
	int gw_end;                 /* which end of the link is the gateway */
	struct sim_walk_rec *rec;
	size_t n, cap;
	size_t *fifo;               /* records sent towards the gateway, not yet seen by it */
	size_t f_head, f_n, f_cap;  /* ring */
	char *pending;              /* the comment for the gateway's next packet on this link */
	uint32_t pending_len;
};

struct sim_walk_cap {
	struct sim_gw *gw;
	struct sim_walk_lcap l[2];  /* 0 inside, 1 outside */
	int err;
};

int sim_walk_cap_new(struct sim_walk_cap **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static int sim_walk_fifo_push(struct sim_walk_lcap *l, size_t idx)
{
	if (l->f_n == l->f_cap) {
		size_t cap = l->f_cap ? l->f_cap * 2 : 256;
		size_t *f = malloc(cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		for (size_t i = 0; i < l->f_n; i++)
			f[i] = l->fifo[(l->f_head + i) % l->f_cap];
		free(l->fifo);
		l->fifo = f;
		l->f_cap = cap;
		l->f_head = 0;
	}
	l->fifo[(l->f_head + l->f_n) % l->f_cap] = idx;
	l->f_n++;
	return 0;
}

static bool sim_walk_cap_ctl(const uint8_t *pkt, size_t len)
{
	struct net_pkt p;
	enum net_err e;

	return net_pkt_parse((uint8_t *)pkt, len, &p, &e) == 0 && p.tuple.proto == 6 &&
	       (p.tuple.sport == 21 || p.tuple.dport == 21);
}

static void sim_walk_cap_tap(void *ctx, const struct sim_link *link, int from, uint64_t t_ns,
			     const uint8_t *pkt, size_t len)
{
	struct sim_walk_lcap *l = ctx;
	struct sim_walk_rec *r;
	uint32_t keep;

	(void)link;
	if (l->c->err)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct sim_walk_rec *nr = realloc(l->rec, cap * sizeof(*nr));

		if (!nr) {
			l->c->err = -ENOMEM;
			return;
		}
		l->rec = nr;
		l->cap = cap;
	}
	keep = (uint32_t)len;
	if (keep > SIM_WALK_CAP_SNAP && !sim_walk_cap_ctl(pkt, len))
		keep = SIM_WALK_CAP_SNAP;
	r = &l->rec[l->n];
	memset(r, 0, sizeof(*r));
	r->t_ns = t_ns;
	r->len = (uint32_t)len;
	r->caplen = keep;
	if (!(r->data = malloc(keep ? keep : 1))) {
		l->c->err = -ENOMEM;
		return;
	}
	memcpy(r->data, pkt, keep);
	l->n++;
	if (from == l->gw_end) {
		/* The gateway's own packet: the hook has just told what it did. */
		if (l->pending && l->pending_len == len) {
			r->comment = l->pending;
			l->pending = NULL;
		}
		free(l->pending);
		l->pending = NULL;
	} else if (sim_walk_fifo_push(l, l->n - 1) < 0) {
		l->c->err = -ENOMEM;
	}
}

void sim_walk_cap_attach(struct sim_walk_cap *c, struct sim_gw *gw, struct sim_link *in,
			 struct sim_link *out)
{
	struct sim_link *links[2] = {in, out};

	c->gw = gw;
	for (int i = 0; i < 2; i++) {
		struct sim_link_tap tap = {sim_walk_cap_tap, &c->l[i], false};
		int ifc = i == 0 ? SIM_GW_IFC_INSIDE : SIM_GW_IFC_OUTSIDE;

		c->l[i].c = c;
		c->l[i].link = links[i];
		c->l[i].gw_end = links[i]->end[0] == &gw->host.ifc[ifc] ? 0 : 1;
		sim_link_set_tap(links[i], &tap);
	}
}

struct sim_walk_oneshot {
	uint32_t id;
	bool found;
};

static void sim_walk_cap_find(const struct gnat_redirect_info *ri, void *arg)
{
	struct sim_walk_oneshot *o = arg;

	if (ri->id == o->id)
		o->found = true;
}

/* The first line of a payload, CR LF dropped. */
static void sim_walk_cap_line(const struct net_pkt *p, char *buf, size_t cap)
{
	size_t n = 0;
	const uint8_t *s = p->buf + p->payload_off;

	while (n < p->payload_len && s[n] != '\r' && s[n] != '\n' && n + 1 < cap) {
		buf[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? (char)s[n] : '.';
		n++;
	}
	buf[n] = '\0';
}

/* What the gateway did, in a few words; NULL-free: "" when it did nothing. */
static void sim_walk_cap_comment(struct sim_walk_cap *c, const struct sim_gw_trace_info *ti,
				 const struct net_pkt *pb, const struct net_pkt *pa, char *buf,
				 size_t cap)
{
	char a[200], b[200];
	size_t n = 0;

#define ADD(...) (n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__))
	buf[0] = '\0';
	if (ti->res.new_mapping)
		ADD("%smapping %u created", n ? "; " : "", ti->res.mapping_id);
	if (ti->res.redirect_id) {
		struct sim_walk_oneshot o = {ti->res.redirect_id, false};

		/* Only the first packet of a session names its redirect: a
		 * one-shot one is gone from the table once it was used. */
		if (c->gw->gnat)
			gnat_redirect_foreach(c->gw->gnat, sim_walk_cap_find, &o);
		ADD("%sredirect %u %s", n ? "; " : "", ti->res.redirect_id,
		    o.found ? "matched" : "consumed");
	}
	if (ti->res.edits && pb && pa) {
		sim_walk_cap_line(ti->side == GNAT_SIDE_OUTSIDE ? pa : pb, a, sizeof(a));
		sim_walk_cap_line(ti->side == GNAT_SIDE_OUTSIDE ? pb : pa, b, sizeof(b));
		ADD("%s%s rewritten to %s, seq %+d", n ? "; " : "", ti->side == GNAT_SIDE_OUTSIDE ? b : a,
		    ti->side == GNAT_SIDE_OUTSIDE ? a : b,
		    (int)((int64_t)pa->payload_len - (int64_t)pb->payload_len));
	}
	if (ti->res.verdict == GNAT_DROP)
		ADD("%sdropped by the gateway: %s", n ? "; " : "", gnat_drop_reason_name(ti->res.reason));
	else if (ti->side == GNAT_SIDE_LOCAL)
		ADD("%swritten by the proxy (user mode)", n ? "; " : "");
	else if (ti->res.verdict == GNAT_LOCAL)
		ADD("%sdelivered to the proxy (user mode)", n ? "; " : "");
	else if (ti->res.mapping_id && !ti->router && !ti->res.new_mapping && !ti->res.edits)
		ADD("%sfast path: mapping %u", n ? "; " : "", ti->res.mapping_id);
	if (pb && pa && pb->tuple.proto == 6 && pa->tuple.proto == 6 && !ti->res.edits &&
	    pa->seq != pb->seq && ti->res.verdict == GNAT_FORWARD)
		ADD("%sseq %+d", n ? "; " : "", (int)(int32_t)(pa->seq - pb->seq));
	if (pb && pa && pb->tuple.proto == 6 && pa->tuple.proto == 6 && pa->ack != pb->ack &&
	    ti->res.verdict == GNAT_FORWARD)
		ADD("%sack %+d", n ? "; " : "", (int)(int32_t)(pa->ack - pb->ack));
#undef ADD
}

void sim_walk_cap_gateway(struct sim_walk_cap *c, const struct sim_gw_trace_info *ti,
			  const struct net_pkt *pb, const struct net_pkt *pa)
{
	char text[600];
	struct sim_walk_lcap *l;

	if (c->err)
		return;
	sim_walk_cap_comment(c, ti, pb, pa, text, sizeof(text));
	if (ti->side != GNAT_SIDE_LOCAL) {
		/* The arrival: the oldest packet sent towards the gateway with
		 * these bytes (those before it never reached the gateway). */
		l = &c->l[ti->side == GNAT_SIDE_INSIDE ? 0 : 1];
		while (l->f_n) {
			struct sim_walk_rec *r = &l->rec[l->fifo[l->f_head]];

			l->f_head = (l->f_head + 1) % l->f_cap;
			l->f_n--;
			if (r->len == ti->len_before &&
			    memcmp(r->data, ti->pkt_before, r->caplen) == 0) {
				if (text[0] && !(r->comment = strdup(text)))
					c->err = -ENOMEM;
				break;
			}
		}
	}
	if (ti->res.verdict != GNAT_FORWARD)
		return;
	/* A comment left for a packet the link then refused must not land on
	 * the next one: each forwarded packet replaces it. */
	l = &c->l[ti->res.out_side == GNAT_SIDE_INSIDE ? 0 : 1];
	free(l->pending);
	l->pending = NULL;
	if (text[0] && !(l->pending = strdup(text)))
		c->err = -ENOMEM;
	l->pending_len = (uint32_t)ti->len_after;
}

static int sim_walk_cap_file(struct sim_walk_lcap *l, const char *path, const char *name)
{
	struct sim_pcapng *pc;
	int rc;

	if ((rc = sim_pcapng_open(path, name, &pc)) < 0)
		return rc;
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		const struct sim_walk_rec *r = &l->rec[i];

		rc = sim_pcapng_write(pc, r->t_ns, r->data, r->caplen, r->len, r->comment);
	}
	if (rc) {
		sim_pcapng_close(pc, 0);
		return rc;
	}
	return sim_pcapng_close(pc, 1);
}

int sim_walk_cap_write(struct sim_walk_cap *c, const char *inside_path, const char *outside_path)
{
	int rc;

	if (c->err)
		return c->err;
	if ((rc = sim_walk_cap_file(&c->l[0], inside_path, "inside")) < 0)
		return rc;
	return sim_walk_cap_file(&c->l[1], outside_path, "outside");
}

void sim_walk_cap_free(struct sim_walk_cap *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++) {
		for (size_t k = 0; k < c->l[i].n; k++) {
			free(c->l[i].rec[k].data);
			free(c->l[i].rec[k].comment);
		}
		free(c->l[i].rec);
		free(c->l[i].fifo);
		free(c->l[i].pending);
	}
	free(c);
}
