/* sim_walk.c - the walk-through's recorder: for each packet the gateway
 * handled, decides whether it is a step (control lines, SYN/FIN/RST, the
 * first data segment each way, drops), fills both links' views, what
 * happened and the table after it; NAT API calls are steps of their own. */
#include "sim_walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_walk_cap.h"

#define SIM_WALK_TEXT_MAX 512 /* control payload shown as text; longer says how much more */

static bool sim_walk_is_ctl(const struct net_tuple *t)
{
	return t->proto == 6 && (t->sport == 21 || t->dport == 21);
}

/* The payload as text: printable bytes, CR LF as "\n"; a payload longer than
 * SIM_WALK_TEXT_MAX ends with how many bytes are not shown. */
static char *sim_walk_text(const uint8_t *p, size_t n)
{
	size_t show = n < SIM_WALK_TEXT_MAX ? n : SIM_WALK_TEXT_MAX;
	char *s = malloc(show * 4 + 64);
	size_t k = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < show; i++) {
		if (p[i] == '\r')
			continue;
		if (p[i] == '\n' || (p[i] >= 0x20 && p[i] < 0x7f))
			s[k++] = (char)p[i];
		else
			k += (size_t)sprintf(s + k, "\\x%02x", p[i]);
	}
	if (k && s[k - 1] == '\n')
		k--;
	s[k] = '\0';
	if (show < n)
		sprintf(s + k, " ... (%zu more bytes)", n - show);
	return s;
}

/* Parses a packet the hook handed over (net_pkt_parse only reads). */
static bool sim_walk_parse(const uint8_t *buf, size_t len, struct net_pkt *p)
{
	enum net_err e;

	return buf && net_pkt_parse((uint8_t *)buf, len, p, &e) == 0;
}

static int sim_walk_view(const struct net_pkt *p, bool ctl, struct rpt_walk_view *v)
{
	v->present = true;
	if (net_tuple_format(&p->tuple, v->tuple, sizeof(v->tuple)) < 0)
		snprintf(v->tuple, sizeof(v->tuple), "(unformattable)");
	v->tcp = p->tuple.proto == 6;
	v->seq = p->seq;
	v->ack = p->ack;
	v->flags = p->tcp_flags;
	v->len = (uint32_t)p->payload_len;
	if (ctl && p->payload_len && !(v->text = sim_walk_text(p->buf + p->payload_off,
								   p->payload_len)))
		return -ENOMEM;
	return 0;
}

/* Flow key of a packet's connection, equal both ways, and the direction. */
static uint64_t sim_walk_flow(const struct net_tuple *t, bool dir)
{
	struct net_tuple r;
	uint64_t k;

	net_tuple_reverse(t, &r);
	k = net_tuple_hash(t, 0x77616c6b) ^ net_tuple_hash(&r, 0x77616c6b);
	return (k ^ (dir ? 0x9e3779b97f4a7c15ULL : 0)) | 1; /* 0 marks a free slot */
}

/* Adds key to the seen set; true if it was new. -ENOMEM sets sw->err. */
static bool sim_walk_first(struct sim_walk *sw, uint64_t key)
{
	size_t i;

	if (2 * (sw->n_seen + 1) > sw->cap_seen) {
		size_t cap = sw->cap_seen ? sw->cap_seen * 2 : 64;
		uint64_t *s = calloc(cap, sizeof(*s));

		if (!s) {
			sw->err = -ENOMEM;
			return false;
		}
		for (size_t j = 0; j < sw->cap_seen; j++) {
			if (!sw->seen[j])
				continue;
			for (i = sw->seen[j] & (cap - 1); s[i]; i = (i + 1) & (cap - 1))
				;
			s[i] = sw->seen[j];
		}
		free(sw->seen);
		sw->seen = s;
		sw->cap_seen = cap;
	}
	for (i = key & (sw->cap_seen - 1); sw->seen[i]; i = (i + 1) & (sw->cap_seen - 1))
		if (sw->seen[i] == key)
			return false;
	sw->seen[i] = key;
	sw->n_seen++;
	return true;
}

static void sim_walk_counters(struct sim_walk *sw, struct rpt_walk_step *st)
{
	struct sim_gw_metrics m;

	sim_gw_metrics_get(sw->gw, &m);
	st->transitions = m.transitions;
	st->bytes_copied = m.bytes_copied;
	st->api_calls = m.api_calls;
	st->hidden = sw->hidden;
	sw->hidden = 0;
}

static bool sim_walk_has_row(const struct rpt_walk_step *st, char kind, uint32_t id)
{
	char key[16];
	size_t n = (size_t)snprintf(key, sizeof(key), "%c%u\t", kind, id);

	for (size_t i = 0; i < st->n_rows; i++)
		if (strncmp(st->rows[i], key, n) == 0)
			return true;
	return false;
}

/* The first payload line, without its end. */
static void sim_walk_line(const char *text, char *buf, size_t cap)
{
	size_t n = strcspn(text ? text : "", "\n");

	snprintf(buf, cap, "%.*s", (int)n, text ? text : "");
}

static int sim_walk_what(struct rpt_walk_step *st, const struct net_pkt *pb,
			 const struct net_pkt *pa)
{
	char buf[1400], a[256], b[256], fl[32];
	size_t n = 0;

#define ADD(...) (n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, __VA_ARGS__))
	buf[0] = '\0';
	rpt_walk_flags(pb->tcp_flags, fl, sizeof(fl));
	if (pb->tuple.proto == 6 && (pb->tcp_flags & (NET_TCP_SYN | NET_TCP_FIN | NET_TCP_RST)))
		ADD("%s of the %s connection; ", fl, st->control ? "control" : "data");
	if (st->new_mapping)
		ADD("mapping %u created; ", st->mapping_id);
	if (st->redirect_id)
		ADD("redirect %u %s; ", st->redirect_id,
		    st->redirect_consumed ? "consumed" : "matched");
	if (st->edits && pa) {
		const struct rpt_walk_view *from = st->side == RPT_SIDE_OUTSIDE ? &st->out : &st->in;
		const struct rpt_walk_view *to = st->side == RPT_SIDE_OUTSIDE ? &st->in : &st->out;

		sim_walk_line(from->text, a, sizeof(a));
		sim_walk_line(to->text, b, sizeof(b));
		ADD("rewritten by the kernel's FTP editor: %s -> %s, seq %+d from here on; ", a, b,
		    (int)st->len_delta);
	}
	if (st->seq_shift)
		ADD("seq/ack shifted by %+d (an earlier rewrite); ", (int)st->seq_shift);
	switch (st->path) {
	case RPT_PATH_FAST: ADD("translated in the kernel: fast path"); break;
	case RPT_PATH_PASS: ADD("forwarded in the kernel"); break;
	case RPT_PATH_UP: ADD("delivered to the proxy (up to user mode)"); break;
	case RPT_PATH_DOWN: ADD("written by the proxy (down from user mode)"); break;
	case RPT_PATH_DROP: ADD("dropped: %s", st->reason); break;
	}
#undef ADD
	st->what = strdup(buf);
	return st->what ? 0 : -ENOMEM;
}

static enum rpt_trace_side sim_walk_side(enum gnat_side s)
{
	return s == GNAT_SIDE_INSIDE ? RPT_SIDE_INSIDE :
	       s == GNAT_SIDE_OUTSIDE ? RPT_SIDE_OUTSIDE : RPT_SIDE_LOCAL;
}

static int sim_walk_fill(struct sim_walk *sw, struct rpt_walk_step *st,
			 const struct sim_gw_trace_info *ti, const struct net_pkt *pb,
			 const struct net_pkt *pa)
{
	int rc = 0;

	st->t_ns = ti->now_ns;
	st->kind = RPT_WALK_PACKET;
	st->side = sim_walk_side(ti->side);
	st->out_side = sim_walk_side(ti->res.out_side);
	st->mapping_id = ti->res.mapping_id;
	st->redirect_id = ti->res.redirect_id;
	st->new_mapping = ti->res.new_mapping;
	st->edits = ti->res.edits;
	if (ti->res.verdict == GNAT_DROP) {
		st->path = RPT_PATH_DROP;
		snprintf(st->reason, sizeof(st->reason), "%s", gnat_drop_reason_name(ti->res.reason));
	} else if (ti->side == GNAT_SIDE_LOCAL) {
		st->path = RPT_PATH_DOWN;
	} else if (ti->res.verdict == GNAT_LOCAL) {
		st->path = RPT_PATH_UP;
	} else {
		st->path = ti->res.mapping_id && !ti->router ? RPT_PATH_FAST : RPT_PATH_PASS;
	}
	/* Which link carried which form of the packet. */
	if (ti->side == GNAT_SIDE_INSIDE)
		rc = sim_walk_view(pb, st->control, &st->in);
	else if (ti->side == GNAT_SIDE_OUTSIDE)
		rc = sim_walk_view(pb, st->control, &st->out);
	else if (net_tuple_format(&pb->tuple, st->local, sizeof(st->local)) < 0)
		st->local[0] = '\0';
	if (rc == 0 && pa && ti->res.verdict == GNAT_FORWARD)
		rc = sim_walk_view(pa, st->control,
				   ti->res.out_side == GNAT_SIDE_INSIDE ? &st->in : &st->out);
	else if (pa && ti->res.verdict == GNAT_LOCAL &&
		 net_tuple_format(&pa->tuple, st->local, sizeof(st->local)) < 0)
		st->local[0] = '\0';
	if (rc)
		return rc;
	if (pa && pb->tuple.proto == 6 && pa->tuple.proto == 6 && ti->res.verdict == GNAT_FORWARD) {
		st->len_delta = (int32_t)pa->payload_len - (int32_t)pb->payload_len;
		st->seq_shift = (int32_t)(pa->seq - pb->seq);
	}
	if ((rc = sim_walk_snapshot(sw->gw, st)) < 0)
		return rc;
	st->redirect_consumed = st->redirect_id && !sim_walk_has_row(st, 'R', st->redirect_id);
	sim_walk_counters(sw, st);
	return sim_walk_what(st, pb, pa);
}

void sim_walk_pkt_hook(void *ctx, const struct sim_gw_trace_info *ti)
{
	struct sim_walk *sw = ctx;
	struct net_pkt pb, pa;
	bool has_b, has_a, ctl, show;
	struct rpt_walk_step *st;
	int rc;

	sw->m->packets++;
	has_b = sim_walk_parse(ti->pkt_before, ti->len_before, &pb);
	has_a = sim_walk_parse(ti->pkt_after, ti->len_after, &pa);
	if (sw->cap)
		sim_walk_cap_gateway(sw->cap, ti, has_b ? &pb : NULL, has_a ? &pa : NULL);
	if (sw->err)
		return;
	if (!has_b) {
		sw->hidden++;
		return;
	}
	ctl = sim_walk_is_ctl(&pb.tuple) || (has_a && sim_walk_is_ctl(&pa.tuple));
	show = ti->res.verdict == GNAT_DROP;
	if (pb.tuple.proto == 6 && (pb.tcp_flags & (NET_TCP_SYN | NET_TCP_FIN | NET_TCP_RST)))
		show = true;
	else if (ctl && pb.payload_len)
		show = true;
	else if (pb.payload_len)
		show = sim_walk_first(sw, sim_walk_flow(&pb.tuple, ti->side == GNAT_SIDE_INSIDE));
	if (!show || sw->err) {
		sw->hidden++;
		return;
	}
	if (!(st = rpt_walk_push(sw->m))) {
		sw->err = -ENOMEM;
		return;
	}
	st->control = ctl;
	if ((rc = sim_walk_fill(sw, st, ti, &pb, has_a ? &pa : NULL)) < 0)
		sw->err = rc;
}

void sim_walk_api_hook(void *ctx, const struct sim_gw_api_info *ai)
{
	struct sim_walk *sw = ctx;
	struct rpt_walk_step *st;
	char buf[1024];
	int rc;

	if (sw->err)
		return;
	if (!(st = rpt_walk_push(sw->m))) {
		sw->err = -ENOMEM;
		return;
	}
	st->t_ns = ai->now_ns;
	st->kind = RPT_WALK_API;
	st->control = true;
	st->side = RPT_SIDE_LOCAL;
	st->path = RPT_PATH_DOWN;
	st->redirect_id = (ai->op == SIM_GW_API_REDIRECT_PORT ||
			   ai->op == SIM_GW_API_REDIRECT_SESSION) ? ai->id : 0;
	sim_walk_api_text(ai, buf, sizeof(buf));
	if (!(st->api = strdup(buf)) ||
	    !(st->what = strdup("NAT API call: the proxy (user mode) commands the gNAT (kernel)"))) {
		sw->err = -ENOMEM;
		return;
	}
	if ((rc = sim_walk_snapshot(sw->gw, st)) < 0) {
		sw->err = rc;
		return;
	}
	sim_walk_counters(sw, st);
}

int sim_walk_attach(struct sim_walk *sw, struct rpt_walk *out, struct sim_gw *gw,
		    const char *mode, struct sim_walk_cap *cap)
{
	memset(sw, 0, sizeof(*sw));
	sw->out = out;
	sw->gw = gw;
	sw->cap = cap;
	if (!(sw->m = rpt_walk_begin_mode(out, mode)))
		return -ENOSPC;
	sim_gw_set_trace(gw, sim_walk_pkt_hook, sw);
	sim_gw_set_api_trace(gw, sim_walk_api_hook, sw);
	return 0;
}

void sim_walk_detach(struct sim_walk *sw)
{
	struct sim_gw_metrics m;

	if (!sw->gw)
		return;
	sim_gw_metrics_get(sw->gw, &m);
	sw->m->transitions = m.transitions;
	sw->m->bytes_copied = m.bytes_copied;
	sw->m->api_calls = m.api_calls;
	sw->m->hidden_tail = sw->hidden;
	sim_gw_set_trace(sw->gw, NULL, NULL);
	sim_gw_set_api_trace(sw->gw, NULL, NULL);
	free(sw->seen);
	sw->seen = NULL;
	sw->gw = NULL;
}

void sim_walk_forget(struct sim_walk *sw)
{
	free(sw->seen);
	sw->seen = NULL;
	sw->gw = NULL;
}
