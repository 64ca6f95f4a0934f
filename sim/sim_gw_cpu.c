/* sim_gw_cpu.c - the gateway's kernel packet path on its one CPU: every
 * packet (arriving, or written by the gateway's own sockets) waits for the
 * CPU, costs per_packet_ns, then goes through the gNAT (or plain routing)
 * and is forwarded, delivered up, or dropped with a counter. */
#include <errno.h>
#include <string.h>

#include "sim_gw_internal.h"

uint64_t sim_gw_cpu_take(struct sim_gw *gw, uint64_t ns)
{
	uint64_t now = sim_world_now(gw->w);
	uint64_t start = gw->busy_until > now ? gw->busy_until : now;

	gw->busy_until = start + ns;
	gw->m.gateway_cpu_ns += ns;
	return gw->busy_until;
}

void sim_gw_cpu_charge(struct sim_gw *gw, uint64_t ns)
{
	sim_gw_cpu_take(gw, ns);
	gw->m.cpu_other_ns += ns;
}

/* The trace hook's view of the packet as it arrived (before the gNAT). */
static void trace_before(struct sim_gw *gw, struct sim_pkt *pkt, enum gnat_side side,
			 struct sim_gw_trace_info *ti)
{
	struct net_pkt p;
	enum net_err err;

	memset(ti, 0, sizeof(*ti));
	ti->now_ns = sim_world_now(gw->w);
	ti->side = side;
	ti->router = gw->gnat == NULL;
	/* gnat_process rewrites in place: keep the arrival's bytes. */
	memcpy(gw->trace_copy, pkt->data, pkt->len);
	ti->pkt_before = gw->trace_copy;
	ti->len_before = pkt->len;
	if (net_pkt_parse(pkt->data, pkt->len, &p, &err) == 0) {
		ti->parsed_before = true;
		ti->before = p.tuple;
		ti->payload = (uint32_t)(p.len - p.payload_off);
	}
}

static void trace_after(struct sim_gw *gw, struct sim_pkt *pkt, struct sim_gw_trace_info *ti)
{
	struct net_pkt p;
	enum net_err err;

	if (ti->res.verdict != GNAT_DROP && net_pkt_parse(pkt->data, pkt->len, &p, &err) == 0) {
		ti->parsed_after = true;
		ti->after = p.tuple;
	}
	if (ti->res.verdict != GNAT_DROP) {
		ti->pkt_after = pkt->data;
		ti->len_after = pkt->len;
	}
	gw->trace_fn(gw->trace_ctx, ti);
}

static void count_xmit(struct sim_gw *gw, int rc)
{
	if (rc == -ENETUNREACH || rc == -EINVAL)
		gw->m.drop_no_route++;
	else if (rc < 0)
		gw->m.drop_link++;
}

static void deliver_up(struct sim_gw *gw, struct sim_pkt *pkt)
{
	struct net_pkt p;
	enum net_err err;

	if (net_pkt_parse(pkt->data, pkt->len, &p, &err) < 0) {
		gw->m.drop_no_route++; /* cannot happen after the gNAT parsed it */
		sim_pkt_put(&gw->w->pool, pkt);
		return;
	}
	gw->m.packets_up++;
	gw->m.proxied_packets++;
	sim_host_deliver_local(&gw->host, &p, pkt);
}

/* Router mode (`direct`): no translation, route by destination. TTL is left
 * alone, as sim_host_forward does. */
static void route_one(struct sim_gw *gw, struct sim_pkt *pkt, enum gnat_side side, int ifc)
{
	struct net_pkt p;
	enum net_err err;
	struct sim_gw_trace_info ti;

	if (gw->trace_fn) {
		trace_before(gw, pkt, side, &ti);
		ti.res.verdict = GNAT_FORWARD;
		ti.res.out_side = ifc == SIM_GW_IFC_INSIDE ? GNAT_SIDE_INSIDE : GNAT_SIDE_OUTSIDE;
		if (side != GNAT_SIDE_LOCAL) {
			ti.res.out_side = side == GNAT_SIDE_INSIDE ? GNAT_SIDE_OUTSIDE : GNAT_SIDE_INSIDE;
			if (ti.parsed_before && sim_host_is_local(&gw->host, &ti.before.dst))
				ti.res.verdict = GNAT_LOCAL;
		}
		trace_after(gw, pkt, &ti);
	}
	if (side == GNAT_SIDE_LOCAL) {
		gw->m.packets_down++;
		gw->m.proxied_packets++;
		count_xmit(gw, sim_host_xmit(&gw->host, ifc, pkt));
		return;
	}
	if (net_pkt_parse(pkt->data, pkt->len, &p, &err) == 0 &&
	    sim_host_is_local(&gw->host, &p.tuple.dst)) {
		deliver_up(gw, pkt);
		return;
	}
	gw->m.passed_packets++;
	count_xmit(gw, sim_host_forward(&gw->host, pkt));
}

static void translate_one(struct sim_gw *gw, struct sim_pkt *pkt, enum gnat_side side)
{
	struct gnat_result res;
	struct sim_gw_trace_info ti;
	size_t len = pkt->len;
	int ifc;

	if (gw->trace_fn)
		trace_before(gw, pkt, side, &ti);
	gnat_process(gw->gnat, pkt->data, &len, SIM_PKT_CAP, side, sim_world_now(gw->w), &res);
	pkt->len = (uint32_t)len;
	if (gw->trace_fn) {
		ti.res = res;
		trace_after(gw, pkt, &ti);
	}
	switch (res.verdict) {
	case GNAT_FORWARD:
		if (side == GNAT_SIDE_LOCAL) {
			gw->m.packets_down++;
			gw->m.proxied_packets++;
		} else if (res.mapping_id) {
			gw->m.fastpath_packets++;
		} else {
			gw->m.passed_packets++;
		}
		ifc = res.out_side == GNAT_SIDE_INSIDE ? SIM_GW_IFC_INSIDE : SIM_GW_IFC_OUTSIDE;
		count_xmit(gw, sim_host_xmit(&gw->host, ifc, pkt));
		return;
	case GNAT_LOCAL:
		deliver_up(gw, pkt);
		return;
	case GNAT_DROP:
		break; /* counted by the gNAT under res.reason */
	}
	sim_pkt_put(&gw->w->pool, pkt);
}

/* The CPU finished the packet at the head of the queue: completions come in
 * queue order because each one ends after the one before. */
static void cpu_done(void *arg)
{
	struct sim_gw *gw = arg;
	struct sim_pkt *pkt = gw->q_head;
	enum gnat_side side;
	int ifc;

	if (!pkt)
		return;
	gw->q_head = pkt->next;
	if (!gw->q_head)
		gw->q_tail = NULL;
	gw->q_len--;
	pkt->next = NULL;
	side = (enum gnat_side)pkt->seg_flags;
	ifc = (int)pkt->seg_start;
	gw->m.kernel_packets++;
	if (gw->gnat)
		translate_one(gw, pkt, side);
	else
		route_one(gw, pkt, side, ifc);
}

static void enqueue(struct sim_gw *gw, struct sim_pkt *pkt, enum gnat_side side, int ifc)
{
	uint64_t now = sim_world_now(gw->w);
	uint64_t start = gw->busy_until > now ? gw->busy_until : now;
	uint64_t cost = gw->cfg.cost.per_packet_ns;

	if (gw->cfg.cpu_backlog_max_ns && start - now > gw->cfg.cpu_backlog_max_ns)
		goto drop;
	/* A packet that cannot be queued (no memory for its event) is an overload too. */
	if (sim_sched_at(&gw->w->sched, start + cost, cpu_done, gw, NULL) < 0)
		goto drop;
	sim_gw_cpu_take(gw, cost);
	gw->m.cpu_packet_ns += cost;
	if (start - now > gw->m.cpu_wait_max_ns)
		gw->m.cpu_wait_max_ns = start - now;
	pkt->owner = gw;
	pkt->t = now;
	pkt->seg_flags = (uint32_t)side;
	pkt->seg_start = (uint32_t)ifc;
	pkt->next = NULL;
	if (gw->q_tail)
		gw->q_tail->next = pkt;
	else
		gw->q_head = pkt;
	gw->q_tail = pkt;
	gw->q_len++;
	return;
drop:
	gw->m.drop_cpu_overload++;
	sim_pkt_put(&gw->w->pool, pkt);
}

bool sim_gw_ingress(void *ctx, struct sim_host *h, int ifc, struct net_pkt *p,
		    struct sim_pkt *pkt)
{
	(void)h;
	(void)p; /* parsed again after the wait: the gNAT may rewrite it first */
	enqueue(ctx, pkt, ifc == SIM_GW_IFC_INSIDE ? GNAT_SIDE_INSIDE : GNAT_SIDE_OUTSIDE, ifc);
	return true;
}

bool sim_gw_egress(void *ctx, struct sim_host *h, int ifc, struct sim_pkt *pkt)
{
	(void)h;
	enqueue(ctx, pkt, GNAT_SIDE_LOCAL, ifc);
	return true;
}

void sim_gw_cpu_flush(struct sim_gw *gw)
{
	while (gw->q_head) {
		struct sim_pkt *pkt = gw->q_head;

		gw->q_head = pkt->next;
		sim_pkt_put(&gw->w->pool, pkt);
	}
	gw->q_tail = NULL;
	gw->q_len = 0;
}
