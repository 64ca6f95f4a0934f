/* sim_gw_user.c - the gateway's user space: sockets for its processes (local
 * ports claimed in the gNAT so masquerade never collides with them), the
 * crossing hook that counts user/kernel transitions and copied bytes and
 * charges them to the CPU, and the NAT API whose every call is charged too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_gw_internal.h"

/* ---- counting at the boundary ---- */

static void on_xfer(void *ctx, struct sim_sock *s, enum sim_sock_dir dir, size_t bytes)
{
	struct sim_gw_xfer_ctx *x = ctx;
	struct sim_gw *gw = x->gw;
	uint64_t cost = sim_cost_transition_ns(&gw->cfg.cost, bytes);

	(void)s;
	(void)dir; /* a copy costs the same up or down */
	gw->m.transitions++;
	gw->m.bytes_copied += bytes;
	if (x->data) {
		gw->m.data_transitions++;
		gw->m.data_bytes_copied += bytes;
	}
	sim_gw_cpu_take(gw, cost);
	gw->m.cpu_transition_ns += cost;
}

void sim_gw_sock_set_data(struct sim_gw *gw, struct sim_sock *s, bool data)
{
	struct sim_sock_xfer_hook h = {on_xfer, data ? &gw->xdata : &gw->xctl};

	sim_sock_set_xfer_hook(s, &h);
}

/* ---- port claims ---- */

/* The claim lives in the socket itself, so dropping it is O(1). A socket
 * released without sim_gw_close keeps its port claimed (as the array of
 * claims this replaces did). */
static int claim_add(struct sim_gw *gw, struct sim_sock *s, uint16_t port)
{
	(void)gw;
	s->gw_claim = port;
	return 0;
}

static void claim_drop(struct sim_gw *gw, struct sim_sock *s)
{
	if (!s->gw_claim)
		return;
	sim_gw_port_put(gw, s->gw_claim);
	s->gw_claim = 0;
}

int sim_gw_listen(struct sim_gw *gw, uint16_t port, const struct sim_sock_ops *ops, void *ctx,
		  struct sim_sock **out)
{
	struct sim_sock *s = NULL;
	int rc;

	if ((rc = sim_gw_port_excl(gw, &port)) < 0)
		return rc;
	if ((rc = sim_sock_listen(&gw->host, port, ops, ctx, &s)) < 0)
		goto out;
	if ((rc = claim_add(gw, s, port)) < 0) {
		sim_sock_close(s);
		goto out;
	}
	sim_gw_sock_set_data(gw, s, false);
	*out = s;
out:
	if (rc < 0)
		sim_gw_port_put(gw, port);
	return rc;
}

int sim_gw_connect(struct sim_gw *gw, const struct net_addr *src, const struct net_addr *dst,
		   uint16_t port, const struct sim_sock_ops *ops, void *ctx, struct sim_sock **out)
{
	struct sim_sock *s = NULL;
	uint16_t lport = 0;
	int rc;

	if ((rc = sim_gw_port_connect(gw, src, dst, port, ops, ctx, &s, &lport)) < 0)
		return rc; /* nothing claimed */
	if ((rc = claim_add(gw, s, lport)) < 0) {
		sim_sock_abort(s);
		sim_gw_port_put(gw, lport);
		goto out;
	}
	sim_gw_sock_set_data(gw, s, false);
	*out = s;
out:
	return rc;
}

void sim_gw_close(struct sim_gw *gw, struct sim_sock *s)
{
	claim_drop(gw, s);
	sim_sock_close(s);
}

void sim_gw_abort(struct sim_gw *gw, struct sim_sock *s)
{
	claim_drop(gw, s);
	sim_sock_abort(s);
}

/* ---- the NAT API, charged per call ---- */

/* The reservations made through the API and their ports, so the gateway's
 * own sockets skip them (Linux's ip_local_reserved_ports). */
#define GW_API_MAX_RES 64

struct gw_api {
	struct sim_gw *gw;
	const struct natapi_backend *in;
	void *ist;
	struct gw_api_res { uint32_t id; uint16_t first; uint32_t n; } res[GW_API_MAX_RES];
	size_t n_res;
};

static void *charge(void *state)
{
	struct gw_api *a = state;
	uint64_t ns = a->gw->cfg.cost.per_api_call_ns;

	sim_gw_cpu_take(a->gw, ns);
	a->gw->m.cpu_api_ns += ns;
	return a->ist;
}

static void api_close(void *state)
{
	struct gw_api *a = state;

	a->in->close(a->ist);
	free(a);
}

/* Tells the API hook (if any) what a call did. */
static int api_note(struct gw_api *a, struct sim_gw_api_info *ai, int rc)
{
	if (a->gw->api_trace_fn) {
		ai->now_ns = sim_world_now(a->gw->w);
		ai->rc = rc;
		a->gw->api_trace_fn(a->gw->api_trace_ctx, ai);
	}
	return rc;
}

static int api_redirect_port(void *st, const struct natapi_port_redirect *r, uint32_t *id)
{
	void *in = charge(st);
	int rc = ((struct gw_api *)st)->in->redirect_port(in, r, id);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_REDIRECT_PORT, .port = r};

	ai.id = rc == 0 ? *id : 0;
	return api_note(st, &ai, rc);
}

static int api_redirect_session(void *st, const struct natapi_session_redirect *r, uint32_t *id)
{
	void *in = charge(st);
	int rc = ((struct gw_api *)st)->in->redirect_session(in, r, id);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_REDIRECT_SESSION, .sess = r};

	ai.id = rc == 0 ? *id : 0;
	return api_note(st, &ai, rc);
}

static int api_cancel(void *st, uint32_t id)
{
	void *in = charge(st);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_CANCEL, .id = id};

	return api_note(st, &ai, ((struct gw_api *)st)->in->cancel(in, id));
}

static int api_cancel_group(void *st, uint32_t group)
{
	void *in = charge(st);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_CANCEL_GROUP, .id = group};

	return api_note(st, &ai, ((struct gw_api *)st)->in->cancel_group(in, group));
}

static int api_lookup_original(void *st, const struct net_tuple *t, struct net_tuple *o)
{
	void *in = charge(st);
	int rc = ((struct gw_api *)st)->in->lookup_original(in, t, o);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_LOOKUP, .tuple = t};

	ai.orig = rc == 0 ? o : NULL;
	return api_note(st, &ai, rc);
}

/* A fresh reservation hands out its whole block from its first port and
 * takes it back unchanged (next fit starts at the first port again): that
 * is how its ports are learnt through the API without another call into
 * the engine (the probe is not charged: it is the simulator's, not the
 * proxy's). Only TCP reservations matter to the gateway's TCP sockets. */
static void api_res_learn(struct gw_api *a, uint8_t proto, uint32_t nports, uint32_t id)
{
	uint16_t first;

	if (proto != 6 || a->n_res == GW_API_MAX_RES)
		return;
	if (a->in->acquire(a->ist, id, nports, &first) < 0)
		return;
	(void)a->in->release(a->ist, id, first, nports);
	a->res[a->n_res].id = id;
	a->res[a->n_res].first = first;
	a->res[a->n_res].n = nports;
	a->n_res++;
	sim_gw_ports_reserved(a->gw, first, nports, true);
}

static int api_reserve(void *st, uint8_t proto, uint32_t nports, uint32_t *res_id)
{
	struct gw_api *a = st;
	void *in = charge(st);
	int rc = a->in->reserve(in, proto, nports, res_id);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_RESERVE, .proto = proto, .n = nports};

	if (rc == 0)
		api_res_learn(a, proto, nports, *res_id);
	ai.id = rc == 0 ? *res_id : 0;
	return api_note(a, &ai, rc);
}

static int api_unreserve(void *st, uint32_t res_id)
{
	struct gw_api *a = st;
	void *in = charge(st);
	int rc = a->in->unreserve(in, res_id);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_UNRESERVE, .id = res_id};

	for (size_t i = 0; rc == 0 && i < a->n_res; i++) {
		if (a->res[i].id != res_id)
			continue;
		sim_gw_ports_reserved(a->gw, a->res[i].first, a->res[i].n, false);
		a->res[i] = a->res[--a->n_res];
		break;
	}
	return api_note(a, &ai, rc);
}

static int api_acquire(void *st, uint32_t res_id, uint32_t n, uint16_t *first)
{
	void *in = charge(st);
	int rc = ((struct gw_api *)st)->in->acquire(in, res_id, n, first);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_ACQUIRE, .id = res_id, .n = n};

	ai.first = rc == 0 ? *first : 0;
	return api_note(st, &ai, rc);
}

static int api_release(void *st, uint32_t res_id, uint16_t first, uint32_t n)
{
	void *in = charge(st);
	struct sim_gw_api_info ai = {.op = SIM_GW_API_RELEASE, .id = res_id, .n = n, .first = first};

	return api_note(st, &ai, ((struct gw_api *)st)->in->release(in, res_id, first, n));
}

static const struct natapi_backend gw_api_ops = {
	.name = "sim-gateway",
	.close = api_close,
	.redirect_port = api_redirect_port,
	.redirect_session = api_redirect_session,
	.cancel = api_cancel,
	.cancel_group = api_cancel_group,
	.lookup_original = api_lookup_original,
	.reserve = api_reserve,
	.unreserve = api_unreserve,
	.acquire = api_acquire,
	.release = api_release,
};

static uint64_t sim_clock(void *arg)
{
	return sim_world_now(((struct sim_gw *)arg)->w);
}

int sim_gw_api_open(struct sim_gw *gw)
{
	struct gw_api *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return -ENOMEM;
	a->gw = gw;
	if ((rc = natapi_engine_backend(gw->gnat, sim_clock, gw, &a->in, &a->ist)) < 0)
		goto out;
	rc = natapi_open(&gw_api_ops, a, &gw->api);
out:
	if (rc < 0 && a->in)
		api_close(a); /* natapi_open takes ownership only on success */
	else if (rc < 0)
		free(a);
	return rc;
}
