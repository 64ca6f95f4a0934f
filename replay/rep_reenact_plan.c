/* rep_reenact_plan.c - the scenarios a capture becomes: its sessions cut into
 * batches of one simulated network each, a client host per captured client
 * and a server host per session at mapped addresses; batch 0 also as the
 * export's view (rep_plan_export.c: commands in the scenario's vocabulary). */
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

static int rep_plan_map(struct rep_plan *p, const struct net_addr *cap, const struct net_addr *sim,
			bool server, size_t session, size_t batch)
{
	struct rep_map *m;

	if (p->n_map == p->cap_map) {
		size_t n = p->cap_map ? p->cap_map * 2 : 16;
		struct rep_map *v = realloc(p->map, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->map = v;
		p->cap_map = n;
	}
	m = &p->map[p->n_map++];
	m->captured = *cap;
	m->sim = *sim;
	m->server = server;
	m->session = session;
	m->batch = batch;
	return 0;
}

/* The client host of session k within batch [lo, k): an earlier session of
 * the same captured client shares it; else a new index. */
static size_t rep_plan_client_of(const struct rep_plan *p, const struct rep_capture *c,
				 size_t lo, size_t k, size_t n_clients)
{
	for (size_t j = lo; j < k; j++)
		if (p->slot[j] >= 0 && net_addr_eq(&c->sessions[j]->client, &c->sessions[k]->client))
			return p->client[j];
	return n_clients;
}

static int rep_plan_grow_batches(struct rep_plan *p, size_t *cap)
{
	size_t n = *cap ? *cap * 2 : 8;
	size_t *lo = realloc(p->batch_lo, n * sizeof(*lo));

	if (!lo)
		return -ENOMEM;
	p->batch_lo = lo;
	size_t *hi = realloc(p->batch_hi, n * sizeof(*hi));

	if (!hi)
		return -ENOMEM;
	p->batch_hi = hi;
	size_t *nc = realloc(p->batch_clients, n * sizeof(*nc));

	if (!nc)
		return -ENOMEM;
	p->batch_clients = nc;
	*cap = n;
	return 0;
}

/* The batch's first session start: offsets are taken from it. */
static uint64_t rep_plan_t0(const struct rep_plan *p, const struct rep_capture *c, size_t b)
{
	uint64_t t0 = UINT64_MAX;

	for (size_t k = p->batch_lo[b]; k < p->batch_hi[b]; k++)
		if (p->slot[k] >= 0 && c->sessions[k]->t0_ns < t0)
			t0 = c->sessions[k]->t0_ns;
	return t0;
}

void rep_plan_batch(const struct rep_plan *p, const struct rep_capture *c, size_t b,
		    struct scen *sc)
{
	uint64_t t0 = rep_plan_t0(p, c, b);

	scen_defaults(sc);
	snprintf(sc->name, sizeof(sc->name), "replay");
	for (size_t k = p->batch_lo[b]; k < p->batch_hi[b]; k++) {
		const struct rep_session *s = c->sessions[k];
		struct scen_host *cl, *sv;
		struct scen_session *ss;
		size_t n;

		if (p->slot[k] < 0)
			continue;
		n = (size_t)p->slot[k];
		cl = &sc->clients[p->client[k]];
		sv = &sc->servers[n];
		if (cl->n_addr == 0) {
			snprintf(cl->name, sizeof(cl->name), "client%zu", k + 1);
			rep_plan_addr(s->client.family, false, p->client[k], &cl->addr[0]);
			cl->n_addr = 1;
		}
		snprintf(sv->name, sizeof(sv->name), "server%zu", k + 1);
		rep_plan_addr(s->client.family, true, n, &sv->addr[0]);
		sv->n_addr = 1;
		/* what the re-enactment reads of a session: its hosts and start */
		ss = &sc->sessions[n];
		memset(ss, 0, sizeof(*ss));
		ss->client = p->client[k];
		ss->server = n;
		ss->family = s->client.family;
		ss->start_ns = s->t0_ns > t0 ? s->t0_ns - t0 : 0;
		sc->n_sessions = sc->n_servers = n + 1;
	}
	sc->n_clients = p->batch_clients[b];
}

int rep_plan_build(const struct rep_capture *c, struct rep_plan **out)
{
	struct rep_plan *p = calloc(1, sizeof(*p));
	size_t n = 0, n_cl = 0, cap_b = 0, lo = 0;
	int rc = 0;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->n_capture = c->n_sessions;
	p->slot = calloc(c->n_sessions + 1, sizeof(*p->slot));
	p->batch = calloc(c->n_sessions + 1, sizeof(*p->batch));
	p->client = calloc(c->n_sessions + 1, sizeof(*p->client));
	p->why = calloc(c->n_sessions + 1, sizeof(*p->why));
	if (!p->slot || !p->batch || !p->client || !p->why) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < c->n_sessions; k++) {
		const struct rep_session *s = c->sessions[k];
		size_t ci;

		p->slot[k] = -1;
		if (s->n_cmds == 0) {
			snprintf(p->why[k], REP_REASON_LEN, "no command captured");
			continue;
		}
		ci = rep_plan_client_of(p, c, lo, k, n_cl);
		/* a batch is full when its servers (one per session) or its
		 * client hosts reach the simulated network's size */
		if (n > 0 && (n == SCEN_MAX_HOSTS || (ci == n_cl && n_cl == SCEN_MAX_HOSTS))) {
			n = n_cl = 0;
			ci = 0;
		}
		if (n == 0) {
			if (p->n_batches == cap_b && (rc = rep_plan_grow_batches(p, &cap_b)) < 0)
				goto out;
			p->batch_lo[p->n_batches++] = k;
			lo = k;
		}
		if (ci == n_cl)
			n_cl++;
		p->client[k] = ci;
		p->batch[k] = p->n_batches - 1;
		p->slot[k] = (long)n++;
		p->batch_hi[p->n_batches - 1] = k + 1;
		p->batch_clients[p->n_batches - 1] = n_cl;
	}
	/* the mapping: the same addresses the batch's scenario gets */
	for (size_t k = 0; k < c->n_sessions; k++) {
		struct net_addr a;

		if (p->slot[k] < 0)
			continue;
		rep_plan_addr(c->sessions[k]->client.family, false, p->client[k], &a);
		if ((rc = rep_plan_map(p, &c->sessions[k]->client, &a, false, k, p->batch[k])) < 0)
			goto out;
		rep_plan_addr(c->sessions[k]->client.family, true, (size_t)p->slot[k], &a);
		if ((rc = rep_plan_map(p, &c->sessions[k]->server, &a, true, k, p->batch[k])) < 0)
			goto out;
	}
	if (p->n_batches == 0) {
		scen_defaults(&p->sc);
		snprintf(p->sc.name, sizeof(p->sc.name), "replay");
		snprintf(p->export_refusal, sizeof(p->export_refusal),
			 "no session with a command: a scenario needs at least one");
	} else {
		/* batch 0 is also the export's view: the commands in the
		 * scenario's vocabulary, the servers' files */
		uint64_t t0 = rep_plan_t0(p, c, 0);

		rep_plan_batch(p, c, 0, &p->sc);
		for (size_t k = p->batch_lo[0]; k < p->batch_hi[0]; k++) {
			if (p->slot[k] < 0)
				continue;
			rep_plan_session(p, c->sessions[k], (size_t)p->slot[k], t0);
			p->sc.sessions[p->slot[k]].client = p->client[k];
		}
		if (p->n_batches > 1)
			snprintf(p->export_refusal, sizeof(p->export_refusal),
				 "the capture has more than %d sessions with commands (%zu batches "
				 "re-enacted); a scenario holds at most %d clients and servers "
				 "(SCEN_MAX_HOSTS)", SCEN_MAX_HOSTS, p->n_batches, SCEN_MAX_HOSTS);
	}
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
	free(p->batch);
	free(p->client);
	free(p->why);
	free(p->batch_lo);
	free(p->batch_hi);
	free(p->batch_clients);
	free(p->map);
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
