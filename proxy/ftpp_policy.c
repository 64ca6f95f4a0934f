/* ftpp_policy.c - the proxy's decisions, kept apart from its mechanics: which
 * servers may be reached, where a server is really reached, which commands a
 * read-only policy refuses, and which path a transfer takes. */
#include <string.h>

#include "ftpp_int.h"

const struct ftpp_site_rule *ftpp_policy_site(const struct ftpp_policy *p,
					      const struct net_addr *server, bool *deny)
{
	for (size_t i = 0; i < p->n_sites && i < FTPP_MAX_SITES; i++) {
		if (net_prefix_contains(&p->sites[i].server, server)) {
			*deny = p->sites[i].deny;
			return &p->sites[i];
		}
	}
	*deny = p->default_deny;
	return NULL;
}

void ftpp_policy_map(const struct ftpp_policy *p, const struct net_addr *apparent,
		     uint16_t port, struct net_addr *real, uint16_t *real_port)
{
	*real = *apparent;
	*real_port = port;
	for (size_t i = 0; i < p->n_maps && i < FTPP_MAX_MAPS; i++) {
		if (net_addr_eq(&p->maps[i].from, apparent)) {
			*real = p->maps[i].to;
			if (p->maps[i].to_port)
				*real_port = p->maps[i].to_port;
			return;
		}
	}
}

/* The verbs that change the server's file system (RFC 959, RFC 775's X
 * forms, SITE because servers hang CHMOD and the like under it). */
bool ftpp_policy_is_write(const char *verb)
{
	static const char *const w[] = {"STOR", "STOU", "APPE", "DELE", "RMD",  "MKD",
					"XMKD", "XRMD", "RNFR", "RNTO", "SITE"};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		if (strcmp(verb, w[i]) == 0)
			return true;
	}
	return false;
}

static enum ftpp_mode ftpp_policy_rule(const struct ftpp_policy *p, enum ftpp_path_rule r)
{
	switch (r) {
	case FTPP_PATH_FAST:
		return FTPP_MODE_FAST;
	case FTPP_PATH_PROXY:
		return FTPP_MODE_PROXY;
	case FTPP_PATH_DEFAULT:
		break;
	}
	return p->default_mode;
}

enum ftpp_mode ftpp_policy_path(const struct ftpp_policy *p, bool listing, bool have_size,
				uint64_t size)
{
	enum ftpp_mode m;

	if (listing)
		return ftpp_policy_rule(p, p->listing_path);
	m = ftpp_policy_rule(p, p->file_path);
	/* Setting up the kernel path costs NAT API calls; a small file is
	 * cheaper copied. */
	if (m == FTPP_MODE_FAST && p->fast_min_size && have_size && size < p->fast_min_size)
		m = FTPP_MODE_PROXY;
	return m;
}
