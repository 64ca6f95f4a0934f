/* sim_trace.c - turns the gateway's per-packet hook calls into report trace
 * events: tuples formatted, the verdict and what matched, and a flow key
 * equal for both directions so each connection keeps its first packets. */
#include <stdio.h>
#include <string.h>

#include "sim_trace.h"

static enum rpt_trace_side sim_trace_side(enum gnat_side s)
{
	switch (s) {
	case GNAT_SIDE_INSIDE: return RPT_SIDE_INSIDE;
	case GNAT_SIDE_OUTSIDE: return RPT_SIDE_OUTSIDE;
	case GNAT_SIDE_LOCAL: return RPT_SIDE_LOCAL;
	}
	return RPT_SIDE_LOCAL;
}

/* The connection as the inside sees it, hashed the same both ways. */
static uint64_t sim_trace_flow(const struct sim_gw_trace_info *ti)
{
	const struct net_tuple *t = &ti->before;
	struct net_tuple r;

	if (ti->side == GNAT_SIDE_OUTSIDE && ti->parsed_after)
		t = &ti->after;
	net_tuple_reverse(t, &r);
	return net_tuple_hash(t, 0x6761746c) ^ net_tuple_hash(&r, 0x6761746c);
}

void sim_trace_hook(void *ctx, const struct sim_gw_trace_info *ti)
{
	struct sim_trace *st = ctx;
	struct rpt_trace_ev ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.t_ns = ti->now_ns;
	memcpy(ev.mode, st->mode, sizeof(ev.mode));
	ev.side = sim_trace_side(ti->side);
	ev.out_side = sim_trace_side(ti->res.out_side);
	if (!ti->parsed_before || net_tuple_format(&ti->before, ev.before, sizeof(ev.before)) < 0)
		strcpy(ev.before, "(unparsable)");
	if (ti->parsed_after && net_tuple_format(&ti->after, ev.after, sizeof(ev.after)) < 0)
		ev.after[0] = '\0';
	ev.translated = ti->parsed_after && ti->parsed_before &&
			!net_tuple_eq(&ti->before, &ti->after);
	ev.mapping_id = ti->res.mapping_id;
	ev.redirect_id = ti->res.redirect_id;
	ev.new_mapping = ti->res.new_mapping;
	ev.edits = ti->res.edits;
	ev.payload = ti->payload;
	switch (ti->res.verdict) {
	case GNAT_FORWARD:
		ev.verdict = RPT_V_FORWARD;
		break;
	case GNAT_LOCAL:
		ev.verdict = RPT_V_LOCAL;
		break;
	case GNAT_DROP:
		ev.verdict = RPT_V_DROP;
		snprintf(ev.reason, sizeof(ev.reason), "%s", gnat_drop_reason_name(ti->res.reason));
		break;
	}
	rc = rpt_trace_add(st->out, &ev, sim_trace_flow(ti));
	if (rc && !st->err)
		st->err = rc;
}

void sim_trace_attach(struct sim_gw *gw, struct sim_trace *st, const char *mode)
{
	snprintf(st->mode, sizeof(st->mode), "%s", mode);
	st->err = 0;
	rpt_trace_begin_mode(st->out);
	sim_gw_set_trace(gw, sim_trace_hook, st);
}
