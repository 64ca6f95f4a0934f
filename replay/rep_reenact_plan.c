/* rep_reenact_plan.c - the scenario a capture becomes: a client and a server
 * host per session at mapped addresses, the downloaded files with their sizes,
 * the commands in the scenario's vocabulary (what --export-scenario writes). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_plan_int.h"

static void rep_plan_addr(uint8_t family, bool server, size_t n, struct net_addr *out)
{
	char buf[NET_ADDR_STRLEN];

	if (family == NET_AF_INET6)
		snprintf(buf, sizeof(buf), "2001:db8:%d::%zx", server ? 2 : 1, (server ? 0x20 : 0x10) + n);
	else
		snprintf(buf, sizeof(buf), "%s.%zu", server ? "203.0.113" : "192.0.2",
			 (server ? 20 : 10) + n);
	(void)net_addr_parse(buf, out);
}

static void rep_plan_map(struct rep_plan *p, const struct net_addr *cap, const struct net_addr *sim,
			 bool server)
{
	if (p->n_map == sizeof(p->map) / sizeof(p->map[0]))
		return;
	p->map[p->n_map].captured = *cap;
	p->map[p->n_map].sim = *sim;
	p->map[p->n_map++].server = server;
}

int rep_plan_build(const struct rep_capture *c, struct rep_plan **out)
{
	struct rep_plan *p = calloc(1, sizeof(*p));
	uint64_t t0 = UINT64_MAX;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->n_capture = c->n_sessions;
	p->slot = calloc(c->n_sessions + 1, sizeof(*p->slot));
	p->why = calloc(c->n_sessions + 1, sizeof(*p->why));
	if (!p->slot || !p->why) {
		rc = -ENOMEM;
		goto out;
	}
	scen_defaults(&p->sc);
	snprintf(p->sc.name, sizeof(p->sc.name), "replay");
	for (size_t k = 0; k < c->n_sessions; k++)
		if (c->sessions[k]->t0_ns < t0)
			t0 = c->sessions[k]->t0_ns;
	for (size_t k = 0; k < c->n_sessions; k++) {
		const struct rep_session *s = c->sessions[k];

		p->slot[k] = -1;
		if (s->n_cmds == 0) {
			snprintf(p->why[k], REP_REASON_LEN, "no command captured");
			continue;
		}
		if (n == SCEN_MAX_HOSTS) {
			snprintf(p->why[k], REP_REASON_LEN,
				 "not re-enacted: a scenario holds at most %d sessions", SCEN_MAX_HOSTS);
			if (!p->export_refusal[0])
				snprintf(p->export_refusal, sizeof(p->export_refusal),
					 "the capture has more than %d sessions with commands; a "
					 "scenario holds at most %d clients and servers "
					 "(SCEN_MAX_HOSTS)", SCEN_MAX_HOSTS, SCEN_MAX_HOSTS);
			continue;
		}
		struct scen_host *cl = &p->sc.clients[n], *sv = &p->sc.servers[n];

		snprintf(cl->name, sizeof(cl->name), "client%zu", k + 1);
		snprintf(sv->name, sizeof(sv->name), "server%zu", k + 1);
		rep_plan_addr(s->client.family, false, n, &cl->addr[0]);
		rep_plan_addr(s->client.family, true, n, &sv->addr[0]);
		cl->n_addr = sv->n_addr = 1;
		rep_plan_map(p, &s->client, &cl->addr[0], false);
		rep_plan_map(p, &s->server, &sv->addr[0], true);
		rep_plan_session(p, s, n, t0);
		p->slot[k] = (long)n++;
	}
	p->sc.n_clients = p->sc.n_servers = p->sc.n_sessions = n;
	if (n == 0 && !p->export_refusal[0])
		snprintf(p->export_refusal, sizeof(p->export_refusal),
			 "no session with a command: a scenario needs at least one");
	*out = p;
	p = NULL;
out:
	rep_plan_free(p);
	return rc;
}

void rep_plan_free(struct rep_plan *p)
{
	if (!p)
		return;
	free(p->slot);
	free(p->why);
	free(p->notes);
	free(p);
}

void rep_session_broken(const struct rep_session *s, char *why, size_t len)
{
	size_t o = 0;

	why[0] = '\0';
#define REP_SAY(...) \
	do { \
		if (o < len) \
			o += (size_t)snprintf(why + o, len - o, __VA_ARGS__); \
	} while (0)
	if (s->tls)
		REP_SAY("control channel unreadable after AUTH TLS; ");
	if (s->lost_c2s || s->lost_s2c)
		REP_SAY("control bytes lost (%" PRIu64 " c->s, %" PRIu64 " s->c); ", s->lost_c2s,
			s->lost_s2c);
	for (size_t i = 0; i < s->n_xfers; i++) {
		const struct rep_xfer *x = &s->xfers[i];

		if (x->complete || x->final >= 400)
			continue; /* done, or failed as the capture shows: a record all the same */
		if (!x->connected)
			REP_SAY("%s %.40s: data connection not captured; ", x->cmd, x->arg);
		else if (x->unverifiable)
			REP_SAY("%s %.40s: payload cut by the snap length, %" PRIu64 " bytes "
				"counted from sequence numbers, unverifiable; ", x->cmd, x->arg,
				x->bytes);
		else if (x->lost)
			REP_SAY("%s %.40s: %" PRIu64 " data bytes not captured; ", x->cmd, x->arg,
				x->lost);
		else if (x->announced_size && x->announced_size != x->bytes + x->rest && !x->ascii)
			REP_SAY("%s %.40s: %" PRIu64 " of %" PRIu64 " announced bytes captured; ",
				x->cmd, x->arg, x->bytes, x->announced_size);
		else if (!x->fin || x->final == 0)
			REP_SAY("%s %.40s: transfer not finished in the capture; ", x->cmd, x->arg);
	}
#undef REP_SAY
	if (o >= 2 && o < len)
		why[o - 2] = '\0';
}
