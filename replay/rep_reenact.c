/* rep_reenact.c - one mode of a re-enactment: the scenario runner's network
 * with a scripted server per session, the captured commands sent by the client
 * model, and the replies and transfer sizes it saw compared with the capture's. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/sim_run_int.h"
#include "rep_reenact.h"

struct rep_run_sess {
	const struct rep_session *s;
	struct sim_ftpd_step *script;
	size_t n_script;
	char **texts;            /* strings the script points to */
	size_t n_texts;
	struct sim_ftpc_step *steps;
	long *step_cmd;          /* captured command of each client step */
	size_t n_steps;
	size_t stop_k;           /* first command not re-enacted (n_cmds: none) */
	size_t n_unanswered;     /* commands skipped: their reply was not captured */
	size_t first_unanswered;
	struct sim_ftpc_config cfg;
	struct sim_host *host;
	struct sim_ftpc *c;
	bool done;
	size_t *n_done, n_total;
	struct sim_sched *sched;
};

/* A reason's text: cut at the buffer's end if it must be (it is read by people). */
__attribute__((format(printf, 3, 4)))
static void rep_say(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

static bool rep_verb_is(const char *v, const char *a)
{
	return strcmp(v, a) == 0;
}

/* A capture reply's text as the scripted server wants it: the lines
 * without their "123 " / "123-" prefixes. */
static const char *rep_text(struct rep_run_sess *r, const char *reply)
{
	size_t len, o = 0;
	char *t;

	if (!reply || !*reply)
		return NULL;
	len = strlen(reply);
	t = malloc(len + 1);
	if (!t)
		return NULL;
	for (const char *p = reply; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n >= 4 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-')) {
			p += 4;
			n -= 4;
		} else if (n == 3) {
			p += 3;
			n = 0;
		}
		memcpy(t + o, p, n);
		o += n;
		if (e)
			t[o++] = '\n';
		p += n + (e ? 1 : 0);
	}
	t[o] = '\0';
	r->texts[r->n_texts++] = t;
	return t;
}

static struct sim_ftpd_step *rep_script_add(struct rep_run_sess *r, const char *verb, int code,
					    const char *reply)
{
	struct sim_ftpd_step *st = &r->script[r->n_script++];

	memset(st, 0, sizeof(*st));
	st->verb = verb;
	st->code = code;
	st->text = rep_text(r, reply);
	return st;
}

static const struct rep_xfer *rep_xfer_at(const struct rep_session *s, size_t k)
{
	for (size_t i = 0; i < s->n_xfers; i++)
		if (s->xfers[i].cmd_idx == k)
			return &s->xfers[i];
	return NULL;
}

static bool rep_is_setup_verb(const char *v)
{
	return rep_verb_is(v, "PORT") || rep_verb_is(v, "EPRT") || rep_verb_is(v, "PASV") ||
	       rep_verb_is(v, "EPSV");
}

static bool rep_is_setup_of_xfer(const struct rep_session *s, size_t k)
{
	if (!rep_is_setup_verb(s->cmds[k].verb))
		return false;
	for (size_t i = 0; i < s->n_xfers; i++)
		if (s->xfers[i].setup_cmd == (long)k)
			return true;
	return false;
}

static enum sim_ftpc_op rep_op(const char *v)
{
	static const struct { const char *v; enum sim_ftpc_op op; } ops[] = {
		{"RETR", SIM_FTPC_RETR}, {"STOR", SIM_FTPC_STOR}, {"APPE", SIM_FTPC_APPE},
		{"STOU", SIM_FTPC_STOU}, {"LIST", SIM_FTPC_LIST}, {"NLST", SIM_FTPC_NLST},
		{"MLSD", SIM_FTPC_MLSD}, {"QUIT", SIM_FTPC_QUIT}};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (rep_verb_is(v, ops[i].v))
			return ops[i].op;
	return SIM_FTPC_CMD;
}

static enum sim_ftpc_mode rep_mode(const char *setup_verb)
{
	if (rep_verb_is(setup_verb, "PORT"))
		return SIM_FTPC_PORT;
	if (rep_verb_is(setup_verb, "EPRT"))
		return SIM_FTPC_EPRT;
	if (rep_verb_is(setup_verb, "EPSV"))
		return SIM_FTPC_EPSV;
	return SIM_FTPC_PASV;
}

/* Script and client steps for one session; stops at the first command the
 * capture shows no reply to (the capture ends there). */
static int rep_run_build(struct rep_run_sess *r, uint64_t max_gap)
{
	const struct rep_session *s = r->s;
	size_t n = s->n_cmds;
	uint64_t prev = 0;

	r->script = calloc(2 * n + 2, sizeof(*r->script));
	r->texts = calloc(4 * n + 2, sizeof(*r->texts));
	r->steps = calloc(n + 1, sizeof(*r->steps));
	r->step_cmd = calloc(n + 1, sizeof(*r->step_cmd));
	if (!r->script || !r->texts || !r->steps || !r->step_cmd)
		return -ENOMEM;
	rep_script_add(r, NULL, s->greeting ? s->greeting : 220, NULL);
	r->stop_k = n;
	for (size_t k = 0; k < n; k++) {
		const struct rep_cmd *c = &s->cmds[k];
		const struct rep_xfer *x = rep_xfer_at(s, k);
		struct sim_ftpc_step *st;
		const char *arg = strchr(c->line, ' ');

		if (c->reply == 0) {
			bool later = false;

			for (size_t i = k + 1; i < n && !later; i++)
				later = s->cmds[i].reply != 0;
			if (later) {
				/* its reply fell in a hole of the capture: not sent */
				if (r->n_unanswered++ == 0)
					r->first_unanswered = k;
				continue;
			}
			r->stop_k = k;
			break;
		}
		if (rep_is_setup_of_xfer(s, k))
			continue; /* said again right before its transfer */
		st = &r->steps[r->n_steps];
		memset(st, 0, sizeof(*st));
		st->op = rep_op(c->verb);
		st->may_fail = true;
		st->think_ns = c->t_ns > prev ? c->t_ns - prev : 0;
		if (max_gap && st->think_ns > max_gap)
			st->think_ns = max_gap;
		prev = c->t_ns;
		r->step_cmd[r->n_steps++] = (long)k;
		if (x) {
			const struct rep_cmd *sc = x->setup_cmd >= 0 ? &s->cmds[x->setup_cmd] : NULL;

			if (sc && !rep_is_setup_verb(sc->verb))
				sc = NULL; /* the capture lost it: the client model's own */
			struct sim_ftpd_step *ft;

			st->mode = sc ? rep_mode(sc->verb) : SIM_FTPC_MODE_DEFAULT;
			if (sc)
				rep_script_add(r, sc->verb, sc->reply, sc->reply_text);
			else if (s->client.family == NET_AF_INET6)
				rep_script_add(r, "EPSV", 229, NULL);
			else
				rep_script_add(r, "PASV", 227, NULL);
			/* a 2xx final without a 1xx: the capture lost the 150 */
			ft = rep_script_add(r, c->verb, x->prelim ? x->prelim
							  : c->reply / 100 == 2 ? 150 : c->reply,
					    x->prelim_text[0] ? x->prelim_text : NULL);
			if (ft->text)
				*strchrnul((char *)ft->text, '\n') = '\0';
			ft->final_code = c->reply;
			ft->final_text = rep_text(r, c->reply_text);
			ft->size = x->bytes;
			st->arg = x->arg[0] ? x->arg : NULL;
			st->size = x->bytes;
			st->no_verify = true;
			st->expect = c->reply;
			continue;
		}
		rep_script_add(r, c->verb, c->reply, c->reply_text);
		st->arg = st->op == SIM_FTPC_CMD ? c->line : (arg ? arg + 1 : NULL);
		if (st->op == SIM_FTPC_QUIT)
			st->arg = NULL;
		st->expect = c->reply;
	}
	return 0;
}

static void rep_run_free(struct rep_run_sess *r)
{
	if (r->c)
		sim_ftpc_destroy(r->c);
	for (size_t i = 0; r->texts && i < r->n_texts; i++)
		free(r->texts[i]);
	free(r->texts);
	free(r->script);
	free(r->steps);
	free(r->step_cmd);
}

static void rep_run_done(void *ctx, struct sim_ftpc *c)
{
	struct rep_run_sess *r = ctx;

	(void)c;
	if (r->done)
		return;
	r->done = true;
	if (++*r->n_done == r->n_total)
		sim_sched_stop(r->sched);
}

static void rep_run_start(void *arg)
{
	struct rep_run_sess *r = arg;

	if (sim_ftpc_start(r->host, &r->cfg, rep_run_done, r, &r->c) < 0) {
		r->c = NULL;
		rep_run_done(r, NULL);
	}
}

/* The last reply the client got for step j, 0 if none. */
static int rep_step_code(const struct sim_ftpc_result *res, size_t j)
{
	int code = 0;

	for (size_t i = 0; i < res->n_replies; i++)
		if (res->replies[i].step == j)
			code = res->replies[i].code;
	return code;
}

/* The first difference between the client's view and the capture's, or
 * "" (commands up to where the capture stops showing replies). */
static void rep_first_diff(const struct rep_run_sess *r, const struct sim_ftpc_result *res,
			   char *why, size_t len)
{
	const struct rep_session *s = r->s;

	why[0] = '\0';
	for (size_t j = 0; j < r->n_steps; j++) {
		const struct rep_cmd *c = &s->cmds[r->step_cmd[j]];
		const struct rep_xfer *x = rep_xfer_at(s, (size_t)r->step_cmd[j]);
		int got = rep_step_code(res, j);

		if (got != c->reply) {
			rep_say(why, len, "command %ld (%s): the capture's reply %d, the "
				 "re-enactment's %d", r->step_cmd[j] + 1, c->verb, c->reply, got);
			return;
		}
		if (!x || (x->prelim / 100 != 1 && c->reply / 100 != 2))
			continue;
		for (size_t i = 0; i < res->n_xfers; i++) {
			if (res->xfers[i].step == j && res->xfers[i].bytes != x->bytes) {
				rep_say(why, len, "%s %.60s: the capture's %" PRIu64 " bytes, the "
					 "re-enactment's %" PRIu64, x->cmd, x->arg, x->bytes,
					 res->xfers[i].bytes);
				return;
			}
		}
	}
}

/* A broken capture is reported as such first (its own record is what
 * differs), then the first difference the mode showed. */
static void rep_judge(const struct rep_run_sess *r, struct rep_verdict *v)
{
	const struct rep_session *s = r->s;
	const struct sim_ftpc_result *res = r->c ? sim_ftpc_result(r->c) : NULL;
	char broken[112], diff[112]; /* both fit in a reason with the words around */

	v->reenacted = true;
	v->reproduced = false;
	if (!res || !res->done) {
		rep_say(v->reason, sizeof(v->reason), "the re-enacted session did not finish%s%.160s",
			 res && res->reason[0] ? ": " : "", res ? res->reason : "");
		return;
	}
	rep_first_diff(r, res, diff, sizeof(diff));
	if (r->stop_k < s->n_cmds)
		rep_say(broken, sizeof(broken), "no reply to command %zu (%s), %zu of %zu "
			 "commands re-enacted", r->stop_k + 1, s->cmds[r->stop_k].verb, r->stop_k,
			 s->n_cmds);
	else if (r->n_unanswered)
		rep_say(broken, sizeof(broken), "no reply captured to %zu command(s), the "
			 "first command %zu (%s): not re-enacted", r->n_unanswered,
			 r->first_unanswered + 1, s->cmds[r->first_unanswered].verb);
	else
		rep_session_broken(s, broken, sizeof(broken));
	if (broken[0])
		rep_say(v->reason, sizeof(v->reason), "capture incomplete: %s%s%s", broken,
			 diff[0] ? "; then " : "", diff);
	else if (diff[0])
		rep_say(v->reason, sizeof(v->reason), "%s", diff);
	else
		v->reproduced = true;
}

/* Which path a transfer took (docs/METRICS.md): the kernel's without a proxy;
 * with one, "proxy" if the driver spliced a transfer for this client that
 * ended while the transfer ran, else "fast" (as the scenario runner says). */
static const char *rep_xfer_path(struct sim_run_net *net, enum scen_mode mode,
				 const struct net_addr *client, const struct sim_ftpc_xfer *x)
{
	const struct sim_pxd_splice *sp;
	size_t n = 0;

	if (mode == SCEN_MODE_DIRECT || mode == SCEN_MODE_NAT || !net->pxd)
		return "kernel";
	sp = sim_pxd_splices(net->pxd, &n);
	for (size_t i = 0; i < n; i++)
		if (net_addr_eq(&sp[i].client, client) && sp[i].t_done >= x->t_start &&
		    sp[i].t_done <= x->t_end)
			return "proxy";
	return "fast";
}

/* The contract counters of the gateway, the transfers the clients made. */
static void rep_metrics(struct sim_run_net *net, const struct scen *sc, enum scen_mode mode,
			const struct rep_run_sess *rs, struct rpt_mode_metrics *m)
{
	size_t n = sc->n_sessions;

	struct sim_gw_metrics gm;
	uint64_t bits = 0, ns = 0;

	sim_gw_metrics_get(&net->gw, &gm);
	m->transitions = gm.transitions;
	m->data_transitions = gm.data_transitions;
	m->bytes_copied = gm.bytes_copied;
	m->api_calls = gm.api_calls;
	m->fastpath_packets = gm.fastpath_packets;
	m->proxied_packets = gm.proxied_packets;
	m->gateway_cpu_s = (double)gm.gateway_cpu_ns / 1e9;
	m->events = net->w.sched.events_run;
	m->sim_time_s = (double)sim_world_now(&net->w) / 1e9;
	m->drops.gateway = gm.drops_total - gm.drop_link;
	for (size_t i = 0; i < n; i++) {
		const struct sim_ftpc_result *res = rs[i].c ? sim_ftpc_result(rs[i].c) : NULL;

		for (size_t k = 0; res && k < res->n_xfers; k++) {
			const struct sim_ftpc_xfer *x = &res->xfers[k];
			uint64_t d = x->t_end > x->t_start ? x->t_end - x->t_start : 0;
			bool ok = x->final_code >= 200 && x->final_code < 300 && !x->aborted;

			if (ok)
				m->transfers_ok++;
			else
				m->transfers_failed++;
			bits += 8 * x->bytes;
			ns += d;
			if (m->n_xfers == RPT_MAX_XFERS) {
				m->xfers_omitted++;
				continue;
			}
			struct rpt_xfer *rx = &m->xfers[m->n_xfers++];

			rx->session = (uint32_t)i;
			snprintf(rx->cmd, sizeof(rx->cmd), "%s", x->cmd);
			snprintf(rx->path, sizeof(rx->path), "%s",
				 rep_xfer_path(net, mode, &sc->clients[i].addr[0], x));
			rx->bytes = x->bytes;
			rx->expected = x->expected;
			rx->duration_s = (double)d / 1e9;
			rx->throughput_bps = d ? (double)x->bytes * 8e9 / (double)d : 0.0;
			rx->ok = ok;
			snprintf(rx->hash, sizeof(rx->hash), "%016llx", (unsigned long long)x->hash);
		}
	}
	m->throughput_bps = ns ? (double)bits * 1e9 / (double)ns : 0.0;
}

int rep_reenact_mode(const struct rep_capture *c, const struct rep_plan *p, enum scen_mode mode,
		     uint64_t max_gap_ns, struct rep_verdict *v, struct rpt_mode_metrics *m,
		     char *err, size_t errlen)
{
	struct sim_run_net *net = calloc(1, sizeof(*net));
	struct rep_run_sess *rs = calloc(p->sc.n_sessions + 1, sizeof(*rs));
	struct scen *sc = NULL;
	size_t n_done = 0;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	snprintf(m->mode, sizeof(m->mode), "%s", scen_mode_name(mode));
	for (size_t k = 0; k < c->n_sessions; k++) {
		memset(&v[k], 0, sizeof(v[k]));
		if (p->slot[k] < 0)
			snprintf(v[k].reason, sizeof(v[k].reason), "%s", p->why[k]);
	}
	if (!net || !rs) {
		rc = -ENOMEM;
		goto out;
	}
	/* the scripted servers serve no files: the exported ones are for editing */
	sc = malloc(sizeof(*sc));
	if (!sc) {
		rc = -ENOMEM;
		goto out;
	}
	*sc = p->sc;
	for (size_t i = 0; i < sc->n_servers; i++)
		sc->servers[i].n_files = 0;
	if ((rc = sim_run_net_build(net, sc, mode, sc->seed, NULL, err, errlen)) < 0)
		goto out;
	for (size_t k = 0; k < c->n_sessions; k++) {
		struct rep_run_sess *r;
		struct sim_ftpd_config fc;
		size_t i;

		if (p->slot[k] < 0)
			continue;
		i = (size_t)p->slot[k];
		r = &rs[i];
		r->s = c->sessions[k];
		r->n_done = &n_done;
		r->n_total = p->sc.n_sessions;
		r->sched = &net->w.sched;
		r->host = &net->clients[i];
		if ((rc = rep_run_build(r, max_gap_ns)) < 0)
			goto out;
		sim_ftpd_config_default(&fc);
		fc.script = r->script;
		fc.n_script = r->n_script;
		sim_ftpd_destroy(net->ftpd[i]);
		net->ftpd[i] = NULL;
		if ((rc = sim_ftpd_create(&net->servers[i], &net->vfs[i], &fc, &net->ftpd[i])) < 0) {
			snprintf(err, errlen, "scripted server: %s", strerror(-rc));
			goto out;
		}
		sim_ftpc_config_default(&r->cfg);
		r->cfg.server = p->sc.servers[i].addr[0];
		r->cfg.port = 21;
		r->cfg.mode = r->s->client.family == NET_AF_INET6 ? SIM_FTPC_EPSV : SIM_FTPC_PASV;
		r->cfg.steps = r->steps;
		r->cfg.n_steps = r->n_steps;
		r->cfg.quit_at_end = false;
		if ((rc = sim_sched_at(&net->w.sched, p->sc.sessions[i].start_ns, rep_run_start, r,
				       NULL)) < 0)
			goto out;
	}
	sim_sched_run(&net->w.sched, 3600ULL * SIM_NS_PER_S);
	rep_metrics(net, sc, mode, rs, m);
	for (size_t k = 0; k < c->n_sessions; k++)
		if (p->slot[k] >= 0)
			rep_judge(&rs[p->slot[k]], &v[k]);
out:
	for (size_t i = 0; rs && i < p->sc.n_sessions; i++)
		rep_run_free(&rs[i]);
	if (net)
		(void)sim_run_net_free(net);
	free(rs);
	free(net);
	free(sc);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}
