/* sim_run.c - runs a scenario's sessions on each mode's network: clients
 * started at their times, the run stopped when the last is done, then the
 * gateway's counters, link drops and hash-verified transfers into metrics. */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_run_int.h"
#include "sim_trace.h"
#include "sim_xferlog.h"

#define SIM_RUN_COPY_PORT0 10000 /* copies' active ports: 2500 ranges of 8 from here */

/* A scenario entry's client script, shared by all its copies (`count`):
 * 10,000 copies of one would otherwise carry 47 MB of identical steps. */
struct sim_run_script {
	struct sim_ftpc_step steps[SCEN_MAX_CMDS + 1];
	char args[SCEN_MAX_CMDS][SCEN_CMD_LEN];
};

struct sim_run_client {
	struct sim_run *run;
	size_t idx;
	struct sim_ftpc_config cfg;
	struct sim_run_script *sp;     /* its entry's, in run->scripts */
	struct sim_ftpc *c;
	bool started, done;
	int start_rc;
};

struct sim_run {
	const struct scen *sc;
	struct sim_run_net net;
	struct sim_run_client *cl;    /* every copy of every session (`count`) */
	struct sim_run_script *scripts; /* one per scenario entry */
	size_t n_cl;
	size_t n_done;
	enum scen_mode mode;
	struct sim_xferlog *xlog;        /* NULL: no transfer log */
	int xlog_rc;                     /* first write error */
};

void sim_run_opts_default(struct sim_run_opts *o)
{
	memset(o, 0, sizeof(*o));
}

/* ---- sessions into client scripts ----------------------------------------------- */

/* "VERB rest": the verb (upper-cased copy) and where its argument starts. */
static const char *sim_run_verb(const char *cmd, char *verb, size_t cap)
{
	size_t i = 0;

	while (cmd[i] && cmd[i] != ' ' && i + 1 < cap) {
		char ch = cmd[i];

		verb[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
		i++;
	}
	verb[i] = '\0';
	while (cmd[i] == ' ')
		i++;
	return cmd + i;
}

/* One scenario command as a client step; uploads take "STOR path size". */
static int sim_run_step(struct sim_run_client *rc, size_t k, const char *cmd, char *err,
			size_t errlen)
{
	struct sim_ftpc_step *st = &rc->sp->steps[k + 1];
	char verb[8];
	const char *arg = sim_run_verb(cmd, verb, sizeof(verb));
	char *sp;

	memset(st, 0, sizeof(*st));
	snprintf(rc->sp->args[k], sizeof(rc->sp->args[k]), "%s", arg);
	st->arg = rc->sp->args[k][0] ? rc->sp->args[k] : NULL;
	if (strcmp(verb, "RETR") == 0) {
		st->op = SIM_FTPC_RETR;
	} else if (strcmp(verb, "STOR") == 0 || strcmp(verb, "APPE") == 0) {
		st->op = verb[0] == 'S' ? SIM_FTPC_STOR : SIM_FTPC_APPE;
		sp = strrchr(rc->sp->args[k], ' ');
		if (!sp || scen_parse_size(sp + 1, &st->size) != 0) {
			snprintf(err, errlen, "session %zu: '%s': uploads are '%s PATH SIZE'",
				 rc->idx + 1, cmd, verb);
			return -EINVAL;
		}
		*sp = '\0';
	} else if (strcmp(verb, "ABOR") == 0) {
		/* "ABOR PATH BYTES": download PATH, abort after BYTES arrived */
		st->op = SIM_FTPC_ABOR;
		sp = strrchr(rc->sp->args[k], ' ');
		if (!sp || scen_parse_size(sp + 1, &st->abort_after) != 0) {
			snprintf(err, errlen, "session %zu: '%s': aborts are 'ABOR PATH BYTES'",
				 rc->idx + 1, cmd);
			return -EINVAL;
		}
		*sp = '\0';
	} else if (strcmp(verb, "LIST") == 0) {
		st->op = SIM_FTPC_LIST;
	} else if (strcmp(verb, "NLST") == 0) {
		st->op = SIM_FTPC_NLST;
	} else if (strcmp(verb, "MLSD") == 0) {
		st->op = SIM_FTPC_MLSD;
	} else if (strcmp(verb, "QUIT") == 0) {
		st->op = SIM_FTPC_QUIT;
		st->arg = NULL;
	} else {
		st->op = SIM_FTPC_CMD;
		snprintf(rc->sp->args[k], sizeof(rc->sp->args[k]), "%s", cmd);
		st->arg = rc->sp->args[k];
	}
	if ((st->op == SIM_FTPC_RETR || st->op == SIM_FTPC_STOR || st->op == SIM_FTPC_APPE ||
	     st->op == SIM_FTPC_ABOR) && !st->arg) {
		snprintf(err, errlen, "session %zu: '%s' needs a path", rc->idx + 1, cmd);
		return -EINVAL;
	}
	return 0;
}

/* Copy `copy` (an index into r->cl) of the scenario's session i; the
 * first copy of an entry writes the entry's script. */
static int sim_run_client_cfg(struct sim_run *r, size_t copy, size_t i, bool first,
			      uint64_t seed, char *err, size_t errlen)
{
	const struct scen_session *ss = &r->sc->sessions[i];
	const struct scen_host *srv = &r->sc->servers[ss->server];
	struct sim_run_client *rc = &r->cl[copy];
	bool v6 = ss->family == NET_AF_INET6;
	int e;

	rc->run = r;
	rc->idx = i;
	sim_ftpc_config_default(&rc->cfg);
	for (size_t k = 0; k < srv->n_addr; k++)
		if (srv->addr[k].family == ss->family)
			rc->cfg.server = srv->addr[k];
	rc->cfg.port = 21;
	rc->cfg.user = ss->user;
	rc->cfg.pass = ss->pass;
	/* PASV and PORT cannot name an IPv6 address: IPv6 sessions use EPSV/EPRT. */
	if (ss->data == SCEN_DATA_PASSIVE)
		rc->cfg.mode = ss->extended || v6 ? SIM_FTPC_EPSV : SIM_FTPC_PASV;
	else
		rc->cfg.mode = ss->extended || v6 ? SIM_FTPC_EPRT : SIM_FTPC_PORT;
	rc->sp = &r->scripts[i];
	if (first) {
		memset(&rc->sp->steps[0], 0, sizeof(rc->sp->steps[0]));
		rc->sp->steps[0].op = SIM_FTPC_LOGIN;
	}
	for (size_t k = 0; first && k < ss->n_cmds; k++) {
		if ((e = sim_run_step(rc, k, ss->cmds[k], err, errlen)) < 0)
			return e;
		rc->sp->steps[k + 1].expect = ss->expect[k];
	}
	rc->cfg.refused_code = ss->refused;
	rc->cfg.steps = rc->sp->steps;
	rc->cfg.n_steps = ss->n_cmds + 1;
	rc->cfg.verify = &r->net.vfs[ss->server];
	rc->cfg.upload_seed = seed ^ (0x9e3779b97f4a7c15ULL * (copy + 1));
	return 0;
}

/* ---- transfer log --------------------------------------------------------------- */

/* The session's address as the server sees it: the client's own when
 * nothing translates, else the gateway's public address (its masquerade,
 * or the proxy's own connections out). */
static void sim_run_xlog_host(const struct sim_run *r, size_t i, char *buf, size_t cap)
{
	const struct scen_session *ss = &r->sc->sessions[i];
	const struct scen_host *cl = &r->sc->clients[ss->client];
	const struct net_addr *a = ss->family == NET_AF_INET6 ? &r->sc->gw.public6
							       : &r->sc->gw.public4;

	if (r->mode == SCEN_MODE_DIRECT)
		for (size_t k = 0; k < cl->n_addr; k++)
			if (cl->addr[k].family == ss->family)
				a = &cl->addr[k];
	if (net_addr_format(a, buf, cap) < 0)
		snprintf(buf, cap, "?");
}

/* The representation type in force at a step: the script's last TYPE
 * before it (the simulated server starts in binary). */
static bool sim_run_xlog_ascii(const struct sim_run_client *rc, uint32_t step)
{
	bool ascii = false;

	for (uint32_t k = 0; k < step && k < rc->cfg.n_steps; k++) {
		const struct sim_ftpc_step *st = &rc->sp->steps[k];

		if (st->op == SIM_FTPC_CMD && st->arg && strncasecmp(st->arg, "TYPE ", 5) == 0)
			ascii = (st->arg[5] & ~0x20) == 'A';
	}
	return ascii;
}

/* A session's transfers, written when it ends: the client model keeps its
 * records until then anyway, and nothing piles up across sessions. */
static void sim_run_xlog_session(struct sim_run_client *rc, struct sim_ftpc *c)
{
	struct sim_run *r = rc->run;
	const struct scen_session *ss = &r->sc->sessions[rc->idx];
	const struct sim_ftpc_result *res;
	char host[NET_ADDR_STRLEN];
	bool anon = strcasecmp(ss->user, "anonymous") == 0 || strcasecmp(ss->user, "ftp") == 0;

	if (!r->xlog || !c || r->xlog_rc)
		return;
	res = sim_ftpc_result(c);
	sim_run_xlog_host(r, rc->idx, host, sizeof(host));
	for (size_t k = 0; k < res->n_xfers; k++) {
		const struct sim_ftpc_xfer *x = &res->xfers[k];
		const char *f = x->step < rc->cfg.n_steps && rc->sp->steps[x->step].arg
					? rc->sp->steps[x->step].arg : ".";
		struct sim_xferlog_rec rec;

		memset(&rec, 0, sizeof(rec));
		sim_xferlog_rec_from_xfer(x, &rec);
		rec.remote_host = host;
		rec.filename = f;
		rec.filename_len = strlen(f);
		rec.ascii = sim_run_xlog_ascii(rc, x->step);
		rec.anonymous = anon;
		rec.user = anon ? ss->pass : ss->user;
		rec.user_len = strlen(rec.user);
		if ((r->xlog_rc = sim_xferlog_write(r->xlog, &rec)) < 0)
			return;
	}
}

/* Copies of a session share a client host: each copy announces PORT/EPRT
 * ports of its own, as real clients' ephemeral ports differ. With one range
 * for all, the server's data connection for the next copy would have the
 * 4-tuple of the previous one, still in TIME-WAIT at the server. */
static void sim_run_copy_ports(struct sim_ftpc_config *cfg, uint32_t nth)
{
	cfg->active_port_min = (uint16_t)(SIM_RUN_COPY_PORT0 + (nth % 2500) * 8);
	cfg->active_port_max = (uint16_t)(cfg->active_port_min + 7);
}

static void sim_run_client_done(void *ctx, struct sim_ftpc *c)
{
	struct sim_run_client *rc = ctx;

	if (rc->done)
		return;
	rc->done = true;
	sim_run_xlog_session(rc, c);
	if (++rc->run->n_done == rc->run->n_cl)
		sim_sched_stop(&rc->run->net.w.sched);
}

static void sim_run_client_start(void *arg)
{
	struct sim_run_client *rc = arg;
	struct sim_run *r = rc->run;

	rc->started = true;
	rc->start_rc = sim_ftpc_start(&r->net.clients[r->sc->sessions[rc->idx].client], &rc->cfg,
				      sim_run_client_done, rc, &rc->c);
	if (rc->start_rc < 0) {
		rc->c = NULL;
		sim_run_client_done(rc, NULL);
	}
}

/* ---- metrics ------------------------------------------------------------------- */

static void sim_run_link_drops(const struct sim_link *l, struct rpt_drops *d)
{
	for (int from = 0; from < 2; from++) {
		const struct sim_link_stats *st = sim_link_stats(l, from);

		d->link_loss += st->drop_loss;
		d->link_queue += st->drop_queue;
		d->link_mtu += st->drop_mtu;
	}
}

/* Which path a transfer took: the kernel's without a proxy; with one, the
 * proxy path if the driver spliced a transfer for this client that ended
 * while the client's transfer was running, else the fast path. */
static const char *sim_run_path(const struct sim_run *r, enum scen_mode mode, size_t session,
				const struct sim_ftpc_xfer *x)
{
	const struct scen_session *ss = &r->sc->sessions[session];
	const struct scen_host *cl = &r->sc->clients[ss->client];
	const struct sim_pxd_splice *sp;
	size_t n = 0;

	if (mode == SCEN_MODE_DIRECT || mode == SCEN_MODE_NAT)
		return "kernel";
	sp = sim_pxd_splices(r->net.pxd, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < cl->n_addr; k++)
			if (net_addr_eq(&sp[i].client, &cl->addr[k]) && sp[i].t_done >= x->t_start &&
			    sp[i].t_done <= x->t_end)
				return "proxy";
	return "fast";
}

/* A transfer is intact when its reply says so and its bytes are the
 * file's; an ABOR step is intact when what arrived before the abort is the
 * file's beginning (the client model checks the prefix hash). */
static bool sim_run_xfer_ok(const struct sim_run_client *rc, const struct sim_ftpc_xfer *x)
{
	bool final_ok = x->final_code >= 200 && x->final_code < 300;
	int expect = x->step < SCEN_MAX_CMDS + 1 ? rc->sp->steps[x->step].expect : 0;

	/* the refusal the scenario asked for (e.g. a read-only policy's 550) */
	if (expect >= 300 && x->final_code == expect)
		return true;
	if (x->op == SIM_FTPC_ABOR)
		return x->verified == 1 && (x->aborted || final_ok);
	return final_ok && x->verified != -1 && !x->aborted &&
	       (x->op != SIM_FTPC_RETR || x->bytes == x->expected);
}

/* A reply's text as printable ASCII: it goes to a terminal and into JSON
 * (which must be UTF-8), and a replayed server's bytes may be anything. */
static void sim_run_printable(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; len && src[i] && i < len - 1; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (len)
		dst[i] = '\0';
}

/* What was wrong with a failed transfer beyond its final reply, or NULL
 * when the reply (not 2xx, not the one expected) says it all. */
static const char *sim_run_xfer_why(const struct sim_run_client *rc, const struct sim_ftpc_xfer *x,
				    char *buf, size_t len)
{
	int expect = x->step < SCEN_MAX_CMDS + 1 ? rc->sp->steps[x->step].expect : 0;

	if (expect >= 300) {
		snprintf(buf, len, "expected the refusal %d", expect);
		return buf;
	}
	if (x->op == SIM_FTPC_ABOR) {
		if (x->verified == -1)
			return "the bytes before the abort do not match the server's file";
		if (x->verified == 0)
			return "the bytes before the abort were not checked";
		return NULL;
	}
	if (x->final_code < 200 || x->final_code >= 300)
		return NULL;
	if (x->verified == -1)
		return "content does not match the server's file";
	if (x->aborted)
		return "aborted";
	snprintf(buf, len, "%llu of %llu bytes", (unsigned long long)x->bytes,
		 (unsigned long long)x->expected);
	return buf;
}

/* Tells the caller about one failure (o->on_failure). */
static void sim_run_fail_report(const struct sim_run_opts *o, enum scen_mode mode,
				const struct sim_run_client *rc, uint32_t copy,
				const struct sim_ftpc_xfer *x, const struct sim_ftpc_result *res)
{
	struct sim_run_failure f;
	char buf[64], reply[sizeof(x->final_text)];

	if (!o || !o->on_failure)
		return;
	memset(&f, 0, sizeof(f));
	f.mode = mode;
	f.session = rc->idx;
	f.copy = copy;
	f.copies = rc->run->sc->sessions[rc->idx].count ? rc->run->sc->sessions[rc->idx].count : 1;
	f.reply = "";
	if (x) {
		f.cmd = x->cmd;
		f.reply_code = x->final_code;
		sim_run_printable(reply, sizeof(reply), x->final_text);
		f.reply = reply;
		f.why = sim_run_xfer_why(rc, x, buf, sizeof(buf));
	} else if (!res) {
		f.why = "the session did not start";
	} else if (!res->done) {
		f.why = "the session did not end (time limit)";
	} else {
		f.why = res->reason[0] ? res->reason : "the session failed";
	}
	o->on_failure(o->failure_ctx, &f);
}

static void sim_run_xfers(struct sim_run *r, enum scen_mode mode, const struct sim_run_opts *o,
			  struct rpt_mode_metrics *m)
{
	uint64_t bits = 0, ns = 0;
	uint32_t copy = 0;

	for (size_t i = 0; i < r->n_cl; i++) {
		const struct sim_run_client *rc = &r->cl[i];
		const struct sim_ftpc_result *res = rc->c ? sim_ftpc_result(rc->c) : NULL;
		uint64_t failed = 0;

		/* copies of an entry are consecutive in r->cl */
		copy = i > 0 && r->cl[i - 1].idx == rc->idx ? copy + 1 : 0;
		for (size_t k = 0; res && k < res->n_xfers; k++) {
			const struct sim_ftpc_xfer *x = &res->xfers[k];
			uint64_t d = x->t_end > x->t_start ? x->t_end - x->t_start : 0;
			bool ok = sim_run_xfer_ok(rc, x);

			if (ok) {
				m->transfers_ok++;
			} else {
				failed++;
				sim_run_fail_report(o, mode, rc, copy, x, res);
			}
			bits += 8 * x->bytes;
			ns += d;
			if (m->n_xfers == RPT_MAX_XFERS) {
				m->xfers_omitted++;
				continue;
			}
			struct rpt_xfer *rx = &m->xfers[m->n_xfers++];

			rx->session = (uint32_t)rc->idx;
			snprintf(rx->cmd, sizeof(rx->cmd), "%s", x->cmd);
			snprintf(rx->path, sizeof(rx->path), "%s", sim_run_path(r, mode, rc->idx, x));
			rx->bytes = x->bytes;
			rx->expected = x->expected;
			rx->duration_s = (double)d / 1e9;
			rx->throughput_bps = d ? (double)x->bytes * 8e9 / (double)d : 0.0;
			rx->ok = ok;
			snprintf(rx->hash, sizeof(rx->hash), "%016llx", (unsigned long long)x->hash);
			rx->reply_code = x->final_code;
			sim_run_printable(rx->reply, sizeof(rx->reply), x->final_text);
		}
		/* A session that failed (or never ended) without a failed
		 * transfer to show for it still counts once. */
		if (failed == 0 && (!res || !res->done || !res->ok)) {
			failed = 1;
			sim_run_fail_report(o, mode, rc, copy, NULL, res);
		}
		m->transfers_failed += failed;
	}
	m->throughput_bps = ns ? (double)bits * 1e9 / (double)ns : 0.0;
}

static void sim_run_reason(struct rpt_drops *d, const char *name, uint64_t n)
{
	if (d->n_reasons == RPT_MAX_REASONS)
		return;
	snprintf(d->by_reason[d->n_reasons].name, RPT_REASON_LEN, "%s", name);
	d->by_reason[d->n_reasons++].n = n;
}

/* Every gNAT reason (but "none") and the gateway's own, zeros included. */
static void sim_run_reasons(const struct sim_gw_metrics *gm, struct rpt_drops *d)
{
	for (int r = GNAT_DROP_NONE + 1; r < GNAT_DROP__COUNT; r++)
		sim_run_reason(d, gnat_drop_reason_name((enum gnat_drop_reason)r), gm->drops[r]);
	sim_run_reason(d, "cpu_overload", gm->drop_cpu_overload);
	sim_run_reason(d, "no_route", gm->drop_no_route);
}

static void sim_run_collect(struct sim_run *r, enum scen_mode mode, const struct sim_run_opts *o,
			    struct rpt_mode_metrics *m)
{
	struct sim_gw_metrics gm;

	sim_gw_metrics_get(&r->net.gw, &gm);
	m->transitions = gm.transitions;
	m->data_transitions = gm.data_transitions;
	m->bytes_copied = gm.bytes_copied;
	m->api_calls = gm.api_calls;
	m->fastpath_packets = gm.fastpath_packets;
	m->proxied_packets = gm.proxied_packets;
	m->gateway_cpu_s = (double)gm.gateway_cpu_ns / 1e9;
	m->events = r->net.w.sched.events_run;
	m->sim_time_s = (double)sim_world_now(&r->net.w) / 1e9;
	sim_run_link_drops(&r->net.in_link, &m->drops);
	sim_run_link_drops(&r->net.out_link, &m->drops);
	/* Refusals by the gateway's own links are in link_* already. */
	m->drops.gateway = gm.drops_total - gm.drop_link;
	sim_run_reasons(&gm, &m->drops);
	m->drops.no_host = r->net.sw_in.drops + r->net.sw_out.drops;
	sim_run_xfers(r, mode, o, m);
}

/* ---- runs ----------------------------------------------------------------------- */

static int sim_run_xlog_open(struct sim_run *r, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.xferlog", dir, scen_mode_name(r->mode)) >=
	    sizeof(path))
		rc = -ENAMETOOLONG;
	else
		rc = sim_xferlog_open(path, &r->xlog);
	if (rc)
		snprintf(err, errlen, "%s/%s.xferlog: %s", dir, scen_mode_name(r->mode),
			 strerror(-rc));
	return rc;
}

/* A mode's world is freed completely when it ends, but glibc keeps the
 * freed pages of its heap mapped (it trims only the top, and 10,000
 * sessions' scattered buffers are anything but the top): the next mode's
 * allocations land on other pages, and peak RSS grew by most of a mode's
 * footprint per mode (three modes of scale.yaml: 0.9 -> 1.3 GB). Giving the
 * free pages back makes every mode start from the same footprint. */
static void sim_run_release_heap(void)
{
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}

int sim_run_mode(const struct scen *sc, enum scen_mode mode, const struct sim_run_opts *o,
		 struct rpt_mode_metrics *out, char *err, size_t errlen)
{
	uint64_t seed = o->seed_set ? o->seed : sc->seed;
	uint64_t limit = o->time_limit_ns ? o->time_limit_ns : 3600ULL * SIM_NS_PER_S;
	struct sim_run *r = calloc(1, sizeof(*r));
	uint32_t host_copies[SCEN_MAX_HOSTS];
	struct sim_trace st = {NULL, {0}, 0};
	int rc, rc2;

	memset(out, 0, sizeof(*out));
	snprintf(out->mode, sizeof(out->mode), "%s", scen_mode_name(mode));
	if (!r)
		return -ENOMEM;
	r->sc = sc;
	r->mode = mode;
	r->net.watch = o->watch_begin;
	r->net.watch_ctx = o->watch_ctx;
	rc = sim_run_net_build(&r->net, sc, mode, seed, o->pcap_dir, err, errlen);
	if (rc)
		goto out;
	if (o->xferlog_dir && (rc = sim_run_xlog_open(r, o->xferlog_dir, err, errlen)) < 0)
		goto out;
	if (o->trace) {
		st.out = o->trace;
		sim_trace_attach(&r->net.gw, &st, scen_mode_name(mode));
	}
	for (size_t i = 0; i < sc->n_sessions; i++)
		r->n_cl += sc->sessions[i].count ? sc->sessions[i].count : 1;
	memset(host_copies, 0, sizeof(host_copies));
	r->cl = calloc(r->n_cl, sizeof(*r->cl));
	r->scripts = calloc(sc->n_sessions ? sc->n_sessions : 1, sizeof(*r->scripts));
	if (!r->cl || !r->scripts) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0, k = 0; i < sc->n_sessions; i++) {
		const struct scen_session *ss = &sc->sessions[i];

		for (uint32_t n = 0; n < (ss->count ? ss->count : 1); n++, k++) {
			if ((rc = sim_run_client_cfg(r, k, i, n == 0, seed, err, errlen)) < 0)
				goto out;
			if (ss->count > 1)
				sim_run_copy_ports(&r->cl[k].cfg, host_copies[ss->client]++);
			rc = sim_sched_at(&r->net.w.sched, ss->start_ns + n * ss->every_ns,
					  sim_run_client_start, &r->cl[k], NULL);
			if (rc)
				goto out;
		}
	}
	sim_sched_run(&r->net.w.sched, limit);
	if (o->watch_end)
		o->watch_end(o->watch_ctx, mode);
	sim_run_collect(r, mode, o, out);
	if (st.err) {
		rc = st.err;
		snprintf(err, errlen, "%s: recording the trace failed", scen_mode_name(mode));
		goto out;
	}
	if (r->n_done < r->n_cl) {
		rc = -ETIMEDOUT;
		snprintf(err, errlen, "%s: %zu of %zu sessions unfinished after %.0f s of virtual time",
			 scen_mode_name(mode), r->n_cl - r->n_done, r->n_cl,
			 (double)sim_world_now(&r->net.w) / 1e9);
	}
out:
	for (size_t i = 0; r->cl && i < r->n_cl; i++)
		if (r->cl[i].c)
			sim_ftpc_destroy(r->cl[i].c);
	free(r->cl);
	free(r->scripts);
	rc2 = sim_run_net_free(&r->net);
	if (rc == 0 && rc2) {
		rc = rc2;
		snprintf(err, errlen, "%s: writing the captures failed", scen_mode_name(mode));
	}
	/* Only a run that returns 0 leaves its log: no partial file. */
	rc2 = sim_xferlog_close(r->xlog, rc == 0);
	if (rc == 0 && rc2) {
		rc = rc2;
		snprintf(err, errlen, "%s: writing the transfer log failed: %s", scen_mode_name(mode),
			 strerror(-rc2));
	}
	free(r);
	sim_run_release_heap();
	return rc;
}

int sim_run(const struct scen *sc, const struct sim_run_opts *o, struct rpt_metrics *out,
	    char *err, size_t errlen)
{
	const bool *modes = o->modes_set ? o->modes : sc->modes;
	int rc = 0;

	/* Every simulator mode has a slot: the bound below never cuts one. */
	_Static_assert(SCEN_MODE__COUNT <= RPT_MAX_MODES, "a mode would not fit rpt_metrics");
	memset(out, 0, sizeof(*out));
	snprintf(out->scenario, sizeof(out->scenario), "%s", sc->name);
	out->seed = o->seed_set ? o->seed : sc->seed;
	for (int m = 0; m < SCEN_MODE__COUNT && out->n_modes < RPT_MAX_MODES; m++) {
		if (!modes[m])
			continue;
		int r = sim_run_mode(sc, (enum scen_mode)m, o, &out->modes[out->n_modes], err,
				     errlen);

		if (r == 0 || r == -ETIMEDOUT)
			out->n_modes++;
		if (r == -ETIMEDOUT && rc == 0)
			rc = r;
		else if (r && r != -ETIMEDOUT)
			return r;
	}
	return rc;
}
