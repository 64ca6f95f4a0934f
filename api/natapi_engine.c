/* natapi_engine.c - the in-process NAT API backend: turns API requests into
 * gNAT redirects and port pools. Everything engine-specific stays here so a
 * Linux nftables backend can fill the same struct natapi_backend. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/gnat.h"
#include "natapi.h"

struct natapi_engine {
	struct gnat *g; /* not owned */
	uint64_t (*clock)(void *clock_arg);
	void *clock_arg;
};

static bool natapi_engine_proto_ok(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static void natapi_engine_host(struct net_prefix *p, const struct net_addr *a)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->len = (uint8_t)(net_addr_len(a) * 8);
}

static void natapi_engine_close(void *state)
{
	free(state);
}

static int natapi_engine_redirect_port(void *state, const struct natapi_port_redirect *r,
				       uint32_t *id)
{
	struct natapi_engine *ne = state;
	struct gnat_redirect_spec spec;

	if (!natapi_engine_proto_ok(r->proto) || r->dport == 0 || !net_addr_is_set(&r->new_dst))
		return -EINVAL;
	memset(&spec, 0, sizeof(spec));
	spec.match.proto = r->proto;
	spec.match.src = r->src;
	spec.match.dst = r->dst;
	spec.match.dport = r->dport;
	spec.set_dst = true;
	spec.new_dst = r->new_dst;
	spec.new_dport = r->new_dport;
	spec.one_shot = false; /* a listener's redirect lives until cancelled */
	return gnat_redirect_add(ne->g, &spec, ne->clock(ne->clock_arg), id);
}

static int natapi_engine_redirect_session(void *state, const struct natapi_session_redirect *r,
					  uint32_t *id)
{
	struct natapi_engine *ne = state;
	struct gnat_redirect_spec spec;

	if (!natapi_engine_proto_ok(r->proto) || !net_addr_is_set(&r->dst) || r->dport == 0 ||
	    !net_addr_is_set(&r->new_dst))
		return -EINVAL;
	if (r->set_src && !net_addr_is_set(&r->new_src))
		return -EINVAL;
	memset(&spec, 0, sizeof(spec));
	spec.match.proto = r->proto;
	spec.match.src = r->src;
	spec.match.sport = r->sport;
	natapi_engine_host(&spec.match.dst, &r->dst);
	spec.match.dport = r->dport;
	spec.set_src = r->set_src;
	if (r->set_src) {
		spec.new_src = r->new_src;
		spec.new_sport = r->new_sport;
	}
	spec.set_dst = true;
	spec.new_dst = r->new_dst;
	spec.new_dport = r->new_dport;
	spec.one_shot = r->one_shot;
	spec.timeout_ns = r->timeout_ns;
	spec.group = r->group;
	return gnat_redirect_add(ne->g, &spec, ne->clock(ne->clock_arg), id);
}

static int natapi_engine_cancel(void *state, uint32_t id)
{
	struct natapi_engine *ne = state;

	return gnat_redirect_cancel(ne->g, id);
}

static int natapi_engine_cancel_group(void *state, uint32_t group)
{
	struct natapi_engine *ne = state;
	int n = gnat_redirect_cancel_group(ne->g, group);

	return n < 0 ? n : 0;
}

static int natapi_engine_lookup_original(void *state, const struct net_tuple *translated,
					 struct net_tuple *original)
{
	struct natapi_engine *ne = state;

	return gnat_lookup_original(ne->g, translated, original);
}

static int natapi_engine_reserve(void *state, uint8_t proto, uint32_t nports, uint32_t *res_id)
{
	struct natapi_engine *ne = state;

	if (!natapi_engine_proto_ok(proto) || nports == 0)
		return -EINVAL;
	return gnat_pool_create(ne->g, proto, nports, res_id);
}

static int natapi_engine_unreserve(void *state, uint32_t res_id)
{
	struct natapi_engine *ne = state;

	return gnat_pool_destroy(ne->g, res_id);
}

static int natapi_engine_acquire(void *state, uint32_t res_id, uint32_t n, uint16_t *first)
{
	struct natapi_engine *ne = state;

	if (n == 0)
		return -EINVAL;
	return gnat_pool_acquire(ne->g, res_id, n, first);
}

static int natapi_engine_release(void *state, uint32_t res_id, uint16_t first, uint32_t n)
{
	struct natapi_engine *ne = state;

	if (n == 0)
		return -EINVAL;
	return gnat_pool_release(ne->g, res_id, first, n);
}

static const struct natapi_backend natapi_engine_ops = {
	.name = "engine",
	.close = natapi_engine_close,
	.redirect_port = natapi_engine_redirect_port,
	.redirect_session = natapi_engine_redirect_session,
	.cancel = natapi_engine_cancel,
	.cancel_group = natapi_engine_cancel_group,
	.lookup_original = natapi_engine_lookup_original,
	.reserve = natapi_engine_reserve,
	.unreserve = natapi_engine_unreserve,
	.acquire = natapi_engine_acquire,
	.release = natapi_engine_release,
};

int natapi_engine_backend(struct gnat *g, uint64_t (*clock)(void *clock_arg), void *clock_arg,
			  const struct natapi_backend **backend, void **state)
{
	struct natapi_engine *ne;

	if (!g || !clock || !backend || !state)
		return -EINVAL;
	ne = calloc(1, sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	ne->g = g;
	ne->clock = clock;
	ne->clock_arg = clock_arg;
	*backend = &natapi_engine_ops;
	*state = ne;
	return 0;
}
