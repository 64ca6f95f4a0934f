/* fuzz_scen_body.c - hostile scenario files: the input is a YAML file for the
 * parser (from memory). Either it parses into a scenario that keeps every rule
 * of docs/SCENARIOS.md, or the error points with file:line:column inside it. */
#include "fuzz_targets.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scen/scen.h"

#define FZS_NAME "fuzz.yaml"

static void fzs_check(bool ok)
{
	if (!ok)
		abort();
}

static bool fzs_in(const struct net_addr *a, const char *prefix)
{
	struct net_prefix p;

	fzs_check(net_prefix_parse(prefix, &p) == 0);
	return net_prefix_contains(&p, a);
}

/* NUL inside the array, no control characters before it. */
static void fzs_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	fzs_check(n < cap);
	for (size_t i = 0; i < n; i++)
		fzs_check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static bool fzs_is_gw(const struct scen *sc, const struct net_addr *a)
{
	return net_addr_eq(a, &sc->gw.public4) || net_addr_eq(a, &sc->gw.public6) ||
	       net_addr_eq(a, &sc->gw.inside4) || net_addr_eq(a, &sc->gw.inside6);
}

static const struct net_addr *fzs_host_addr(const struct scen_host *h, uint8_t family)
{
	for (size_t i = 0; i < h->n_addr; i++) {
		if (h->addr[i].family == family)
			return &h->addr[i];
	}
	return NULL;
}

static void fzs_host(const struct scen *sc, const struct scen_host *h, bool server)
{
	fzs_check(strnlen(h->name, SCEN_NAME_LEN) > 0);
	fzs_text(h->name, SCEN_NAME_LEN);
	fzs_check(h->n_addr >= 1 && h->n_addr <= SCEN_MAX_ADDRS);
	for (size_t i = 0; i < h->n_addr; i++) {
		const struct net_addr *a = &h->addr[i];

		for (size_t j = 0; j < i; j++)
			fzs_check(h->addr[j].family != a->family);
		fzs_check(!fzs_is_gw(sc, a));
		if (server)
			fzs_check(fzs_in(a, "203.0.113.0/24") || fzs_in(a, "198.51.100.0/24") ||
				  fzs_in(a, "2001:db8:2::/64"));
		else
			fzs_check(fzs_in(a, "192.0.2.0/24") || fzs_in(a, "2001:db8:1::/64"));
	}
	fzs_check(h->n_files <= SCEN_MAX_FILES && (server || h->n_files == 0));
	for (size_t i = 0; i < h->n_files; i++) {
		fzs_text(h->files[i].path, SCEN_PATH_LEN);
		fzs_check(h->files[i].path[0] == '/');
		for (size_t j = 0; j < i; j++)
			fzs_check(strcmp(h->files[i].path, h->files[j].path) != 0);
	}
}

static void fzs_link(const struct scen_link *l)
{
	fzs_check(l->mtu >= 1280 && l->mtu <= 9216);
	fzs_check(!isnan(l->loss) && l->loss >= 0.0 && l->loss <= 1.0);
	fzs_check(!isnan(l->reorder) && l->reorder >= 0.0 && l->reorder <= 1.0);
}

static void fzs_policy(const struct ftpp_policy *p)
{
	fzs_check(p->n_sites <= FTPP_MAX_SITES && p->n_maps <= FTPP_MAX_MAPS);
	fzs_check(p->default_deny_code == 0 ||
		  (p->default_deny_code >= 400 && p->default_deny_code <= 599));
	fzs_check(p->read_only_code == 0 || (p->read_only_code >= 400 && p->read_only_code <= 599));
	fzs_text(p->default_deny_message, FTPP_MSG_LEN);
	for (size_t i = 0; i < p->n_sites; i++) {
		const struct ftpp_site_rule *r = &p->sites[i];

		fzs_check(r->code == 0 || (r->code >= 400 && r->code <= 599));
		fzs_text(r->message, FTPP_MSG_LEN);
		fzs_check(r->server.addr.family == NET_AF_INET4 ||
			  r->server.addr.family == NET_AF_INET6);
		fzs_check(r->server.len <= (r->server.addr.family == NET_AF_INET4 ? 32 : 128));
	}
	for (size_t i = 0; i < p->n_maps; i++) {
		fzs_check(p->maps[i].from.family != NET_AF_NONE);
		fzs_check(p->maps[i].from.family == p->maps[i].to.family);
	}
}

/* A scenario the parser accepted: everything docs/SCENARIOS.md promises. */
static void fzs_valid(const struct scen *sc)
{
	bool any = false;

	fzs_text(sc->name, SCEN_NAME_LEN);
	fzs_text(sc->cost_profile, SCEN_PATH_LEN);
	for (size_t m = 0; m < SCEN_MODE__COUNT; m++)
		any |= sc->modes[m];
	fzs_check(any);
	fzs_link(&sc->inside);
	fzs_link(&sc->outside);
	fzs_check(sc->gw.public4.family == NET_AF_INET4 && sc->gw.inside4.family == NET_AF_INET4);
	fzs_check(sc->gw.public6.family == NET_AF_INET6 && sc->gw.inside6.family == NET_AF_INET6);
	fzs_check(sc->n_clients >= 1 && sc->n_clients <= SCEN_MAX_HOSTS);
	fzs_check(sc->n_servers >= 1 && sc->n_servers <= SCEN_MAX_HOSTS);
	for (size_t i = 0; i < sc->n_clients; i++)
		fzs_host(sc, &sc->clients[i], false);
	for (size_t i = 0; i < sc->n_servers; i++)
		fzs_host(sc, &sc->servers[i], true);
	for (size_t i = 0; i < sc->n_clients + sc->n_servers; i++) {
		const struct scen_host *a = i < sc->n_clients ? &sc->clients[i]
							      : &sc->servers[i - sc->n_clients];

		for (size_t j = 0; j < sc->n_servers; j++) {
			const struct scen_host *b = &sc->servers[j];

			fzs_check(a == b || strcmp(a->name, b->name) != 0);
		}
	}
	fzs_policy(&sc->policy);
	fzs_check(sc->n_sessions >= 1 && sc->n_sessions <= SCEN_MAX_SESSIONS);
	for (size_t i = 0; i < sc->n_sessions; i++) {
		const struct scen_session *s = &sc->sessions[i];

		fzs_check(s->client < sc->n_clients && s->server < sc->n_servers);
		fzs_check(s->family == NET_AF_INET4 || s->family == NET_AF_INET6);
		fzs_check(fzs_host_addr(&sc->clients[s->client], s->family) != NULL);
		fzs_check(fzs_host_addr(&sc->servers[s->server], s->family) != NULL);
		fzs_check(s->data == SCEN_DATA_PASSIVE || s->data == SCEN_DATA_ACTIVE);
		fzs_text(s->user, SCEN_NAME_LEN);
		fzs_text(s->pass, SCEN_NAME_LEN);
		fzs_check(s->n_cmds >= 1 && s->n_cmds <= SCEN_MAX_CMDS);
		for (size_t k = 0; k < s->n_cmds; k++)
			fzs_text(s->cmds[k], SCEN_CMD_LEN);
	}
}

/* "fuzz.yaml:L:C: what" with L and C inside the input. libyaml counts CR,
 * LF, CRLF, NEL and LS/PS as line breaks and columns in characters, so the
 * bounds are the break bytes and the byte length (plus the end of input). */
static void fzs_error(const char *err, size_t errlen, const uint8_t *data, size_t size)
{
	const char *p = err + strlen(FZS_NAME);
	unsigned long line, col;
	size_t breaks = 0;
	char *end;

	fzs_check(strnlen(err, errlen) < errlen);
	fzs_check(strncmp(err, FZS_NAME ":", strlen(FZS_NAME) + 1) == 0);
	p++;
	line = strtoul(p, &end, 10);
	fzs_check(end != p && *end == ':');
	p = end + 1;
	col = strtoul(p, &end, 10);
	fzs_check(end != p && end[0] == ':' && end[1] == ' ' && end[2] != '\0');
	for (size_t i = 0; i < size; i++)
		breaks += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 ||
			  data[i] == 0xa8 || data[i] == 0xa9;
	/* libyaml ends an input without a final break with one of its own: the
	 * end of the stream is then the first column of the line after. */
	fzs_check(line >= 1 && col >= 1);
	fzs_check((line <= breaks + 1 && col <= size + 1) || (line == breaks + 2 && col == 1));
}

/* The unit parsers on the input's first bytes as a string. */
static void fzs_units(const uint8_t *data, size_t size)
{
	char s[48];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	uint64_t v;
	double pr;

	memcpy(s, data, n);
	s[n] = '\0';
	(void)scen_parse_size(s, &v);
	(void)scen_parse_rate(s, &v);
	(void)scen_parse_time(s, &v);
	if (scen_parse_prob(s, &pr) == 0)
		fzs_check(!isnan(pr) && pr >= 0.0 && pr <= 1.0);
}

int fuzz_scen_one(const uint8_t *data, size_t size)
{
	char err[SCEN_ERR_LEN];
	struct scen *sc = malloc(sizeof(*sc));
	int rc;

	if (!sc)
		return 0;
	fzs_units(data, size);
	memset(err, 0, sizeof(err));
	rc = scen_parse_buf(FZS_NAME, data, size, sc, err, sizeof(err));
	fzs_check(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == 0)
		fzs_valid(sc);
	else if (rc == -EINVAL)
		fzs_error(err, sizeof(err), data, size);
	free(sc);
	return 0;
}
