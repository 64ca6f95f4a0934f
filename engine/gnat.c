/* gnat.c - the gNAT handle: configuration defaults and checks, creation and
 * destruction of every table, counters, names, and the address predicates
 * (inside? gateway's own?) the rest of the engine routes by. */
#include "gnat_int.h"
#include "gnat_ftp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Defaults follow Linux conntrack (nf_conntrack_proto_tcp.c & co.):
 * SYN_SENT 120 s, ESTABLISHED 5 days, FIN_WAIT 120 s, TIME_WAIT 120 s,
 * UDP 30 s (unreplied stream), ICMP 30 s. One-shot redirects wait 60 s. */
void gnat_config_default(struct gnat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->masquerade = true;
	cfg->max_mappings = 65536;
	cfg->max_redirects = 16384;
	cfg->max_frag_ids = 1024;
	cfg->port_min = 1024;
	cfg->port_max = 65535;
	cfg->tcp_syn_timeout = 120 * GNAT_NS_PER_S;
	cfg->tcp_est_timeout = 432000 * GNAT_NS_PER_S;
	cfg->tcp_fin_timeout = 120 * GNAT_NS_PER_S;
	cfg->tcp_tw_timeout = 120 * GNAT_NS_PER_S;
	cfg->udp_timeout = 30 * GNAT_NS_PER_S;
	cfg->icmp_timeout = 30 * GNAT_NS_PER_S;
	cfg->redirect_timeout = 60 * GNAT_NS_PER_S;
	cfg->frag_policy = GNAT_FRAG_TRACK;
	cfg->ftp_editor = true;
	cfg->hash_seed = 0; /* a random seed per instance */
	cfg->tcp_pickup = false;
}

static int gnat_config_check(const struct gnat_config *cfg)
{
	if (cfg->n_inside > GNAT_MAX_INSIDE || cfg->n_local > GNAT_MAX_LOCAL)
		return -EINVAL;
	if (cfg->max_mappings == 0 || cfg->max_mappings > (1u << 30))
		return -EINVAL;
	if (cfg->max_redirects == 0 || cfg->max_redirects > (1u << 24))
		return -EINVAL;
	if (cfg->max_frag_ids == 0 || cfg->max_frag_ids > (1u << 24))
		return -EINVAL;
	if (cfg->port_min == 0 || cfg->port_min > cfg->port_max)
		return -EINVAL;
	if (cfg->public4.family != NET_AF_NONE && cfg->public4.family != NET_AF_INET4)
		return -EINVAL;
	if (cfg->public6.family != NET_AF_NONE && cfg->public6.family != NET_AF_INET6)
		return -EINVAL;
	if (cfg->frag_policy != GNAT_FRAG_TRACK && cfg->frag_policy != GNAT_FRAG_DROP)
		return -EINVAL;
	if (cfg->n_ftp_ports && !cfg->ftp_ports)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_ftp_ports; i++)
		if (cfg->ftp_ports[i] == 0)
			return -EINVAL;
	return 0;
}

/* Unpredictable per instance, so nobody can aim packets at one hash chain
 * (the tables still hold with a chosen seed: they are bounded by probing
 * and over-counts, but fewer collisions are cheaper). getrandom() does not
 * block once the kernel's pool is initialized; should it fail, the clock
 * and the handle's address still differ per instance. */
static uint64_t gnat_random_seed(const struct gnat *g)
{
	uint64_t seed = 0;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) ^
		       (uint64_t)(uintptr_t)g * 0x9e3779b97f4a7c15ULL;
	}
	return seed ? seed : 1;
}

int gnat_create(const struct gnat_config *cfg, struct gnat **out)
{
	struct gnat *g = NULL;
	int rc;

	if (!cfg || !out)
		return -EINVAL;
	rc = gnat_config_check(cfg);
	if (rc)
		return rc;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	g->cfg.ftp_ports = NULL; /* the caller's array: read once below */
	g->cfg.n_ftp_ports = 0;
	if (g->cfg.hash_seed == 0)
		g->cfg.hash_seed = gnat_random_seed(g);
	g->fast_path = !g->cfg.no_fast_path;
	g->next_mapping_id = 1;
	g->next_redirect_id = 1;
	rc = gnat_map_init(g);
	if (rc)
		goto out;
	rc = gnat_rdr_init(g);
	if (rc)
		goto out;
	rc = gnat_frag_init(g);
	if (rc)
		goto out;
	rc = gnat_ports_init(g);
	if (rc)
		goto out;
	if (cfg->ftp_editor) {
		rc = gnat_ftp_editor_register(g, cfg->ftp_ports, cfg->n_ftp_ports);
		if (rc)
			goto out;
	}
	*out = g;
	g = NULL;
out:
	gnat_destroy(g);
	return rc;
}

void gnat_destroy(struct gnat *g)
{
	if (!g)
		return;
	gnat_editors_fini(g);
	gnat_ports_fini(g);
	gnat_frag_fini(g);
	gnat_rdr_fini(g);
	gnat_map_fini(g);
	free(g);
}

void gnat_counters_get(const struct gnat *g, struct gnat_counters *out)
{
	if (g && out)
		*out = g->c;
}

const struct net_addr *gnat_public_addr(const struct gnat *g, uint8_t family)
{
	if (!g)
		return NULL;
	if (family == NET_AF_INET4 && g->cfg.public4.family == NET_AF_INET4)
		return &g->cfg.public4;
	if (family == NET_AF_INET6 && g->cfg.public6.family == NET_AF_INET6)
		return &g->cfg.public6;
	return NULL;
}

bool gnat_is_gateway_addr(const struct gnat *g, const struct net_addr *a)
{
	if (a->family == NET_AF_INET4 && net_addr_eq(a, &g->cfg.public4))
		return true;
	if (a->family == NET_AF_INET6 && net_addr_eq(a, &g->cfg.public6))
		return true;
	for (size_t i = 0; i < g->cfg.n_local; i++)
		if (net_addr_eq(a, &g->cfg.local[i]))
			return true;
	return false;
}

bool gnat_is_inside(const struct gnat *g, const struct net_addr *a)
{
	for (size_t i = 0; i < g->cfg.n_inside; i++)
		if (g->cfg.inside[i].addr.family == a->family &&
		    net_prefix_contains(&g->cfg.inside[i], a))
			return true;
	return false;
}

void gnat_route(const struct gnat *g, const struct net_addr *dst, uint8_t *verdict,
		uint8_t *side)
{
	if (gnat_is_gateway_addr(g, dst)) {
		*verdict = GNAT_LOCAL;
		*side = GNAT_SIDE_LOCAL;
		return;
	}
	*verdict = GNAT_FORWARD;
	*side = gnat_is_inside(g, dst) ? GNAT_SIDE_INSIDE : GNAT_SIDE_OUTSIDE;
}

const char *gnat_drop_reason_name(enum gnat_drop_reason r)
{
	switch (r) {
	case GNAT_DROP_NONE:
		return "none";
	case GNAT_DROP_MALFORMED:
		return "malformed";
	case GNAT_DROP_UNSUPPORTED:
		return "unsupported";
	case GNAT_DROP_FRAGMENT:
		return "fragment";
	case GNAT_DROP_NO_MAPPING:
		return "no_mapping";
	case GNAT_DROP_TABLE_FULL:
		return "table_full";
	case GNAT_DROP_PORTS_EXHAUSTED:
		return "ports_exhausted";
	case GNAT_DROP_STATE:
		return "state";
	case GNAT_DROP_EDIT_NOSPACE:
		return "edit_nospace";
	case GNAT_DROP_EDIT_FAILED:
		return "edit_failed";
	case GNAT_DROP_UNKNOWN_ORIGIN:
		return "unknown_origin";
	case GNAT_DROP__COUNT:
		break;
	}
	return "?";
}

const char *gnat_ports_reason_name(enum gnat_ports_reason r)
{
	switch (r) {
	case GNAT_PORTS_MASQ:
		return "masquerade";
	case GNAT_PORTS_EXPECT:
		return "expectation";
	case GNAT_PORTS_REPLY_TAKEN:
		return "reply_tuple_taken";
	case GNAT_PORTS__COUNT:
		break;
	}
	return "?";
}

const char *gnat_tcp_state_name(enum gnat_tcp_state s)
{
	switch (s) {
	case GNAT_TCP_NONE:
		return "NONE";
	case GNAT_TCP_SYN_SENT:
		return "SYN_SENT";
	case GNAT_TCP_SYN_RECV:
		return "SYN_RECV";
	case GNAT_TCP_ESTABLISHED:
		return "ESTABLISHED";
	case GNAT_TCP_FIN_WAIT:
		return "FIN_WAIT";
	case GNAT_TCP_CLOSE_WAIT:
		return "CLOSE_WAIT";
	case GNAT_TCP_LAST_ACK:
		return "LAST_ACK";
	case GNAT_TCP_TIME_WAIT:
		return "TIME_WAIT";
	case GNAT_TCP_CLOSED:
		return "CLOSED";
	}
	return "?";
}
