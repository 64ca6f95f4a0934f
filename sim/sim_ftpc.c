/* sim_ftpc.c - the client model's control side: the step program (login,
 * commands, transfers, QUIT) as a state machine driven by replies, reply
 * framing with multi-line replies, expectations, timeouts and the result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_ftpc_priv.h"

void sim_ftpc_config_default(struct sim_ftpc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 21;
	c->user = "anonymous";
	c->pass = "sim@";
	c->mode = SIM_FTPC_MODE_DEFAULT;
	c->upload_seed = 0x5eed;
	c->active_port_min = 40000;
	c->active_port_max = 40999;
	c->reply_timeout_ns = 60 * SIM_NS_PER_S;
	c->xfer_timeout_ns = 120 * SIM_NS_PER_S;
	c->quit_at_end = true;
}

const char *sim_ftpc_mode_name(enum sim_ftpc_mode m)
{
	switch (m) {
	case SIM_FTPC_PASV: return "PASV";
	case SIM_FTPC_EPSV: return "EPSV";
	case SIM_FTPC_PORT: return "PORT";
	case SIM_FTPC_EPRT: return "EPRT";
	case SIM_FTPC_MODE_DEFAULT: break;
	}
	return "default";
}

uint64_t sim_ftpc_now(const struct sim_ftpc *c)
{
	return sim_world_now(c->h->w);
}

const struct sim_ftpc_step *sim_ftpc_cur(const struct sim_ftpc *c)
{
	return c->step < c->cfg.n_steps ? &c->steps[c->step] : NULL;
}

void sim_ftpc_progress(struct sim_ftpc *c)
{
	bool xfer = c->ph == SIM_FTPC_P_XFER || c->ph == SIM_FTPC_P_XFER_CMD;
	uint64_t t = xfer ? c->cfg.xfer_timeout_ns : c->cfg.reply_timeout_ns;

	if (c->ph != SIM_FTPC_P_DONE && c->ph != SIM_FTPC_P_THINK)
		sim_timer_set(&c->watchdog, sim_ftpc_now(c) + t);
}

void sim_ftpc_send(struct sim_ftpc *c, const char *fmt, ...)
{
	char line[FTP_MAX_LINE + 3];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, FTP_MAX_LINE + 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if (k > FTP_MAX_LINE)
		k = FTP_MAX_LINE;
	memcpy(line + k, "\r\n", 2);
	/* control lines are tiny against a 256 KiB send buffer: never short */
	if (c->ctl)
		sim_sock_send(c->ctl, line, (size_t)k + 2);
	sim_ftpc_progress(c);
}

static void finish(struct sim_ftpc *c, bool ok)
{
	struct sim_ftpc_result *r = &c->res;
	uint64_t busy = 0;

	if (c->ph == SIM_FTPC_P_DONE)
		return;
	c->ph = SIM_FTPC_P_DONE;
	sim_timer_stop(&c->watchdog);
	sim_timer_stop(&c->think_timer);
	sim_ftpc_data_close(c, !ok);
	if (c->ctl) {
		if (ok)
			sim_sock_close(c->ctl);
		else
			sim_sock_abort(c->ctl);
		c->ctl = NULL;
	}
	r->done = true;
	r->ok = ok;
	if (ok)
		r->failed_step = -1;
	r->t_end = sim_ftpc_now(c);
	for (size_t i = 0; i < r->n_xfers; i++)
		busy += r->xfers[i].t_end - r->xfers[i].t_start;
	if (busy)
		r->throughput_bps =
			(double)(r->bytes_down + r->bytes_up) * 8.0 * 1e9 / (double)busy;
	if (c->on_done)
		c->on_done(c->ctx, c);
}

void sim_ftpc_fail(struct sim_ftpc *c, const char *fmt, ...)
{
	va_list ap;

	if (c->ph == SIM_FTPC_P_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(c->res.reason, sizeof(c->res.reason), fmt, ap);
	va_end(ap);
	c->res.failed_step = (int)c->step;
	finish(c, false);
}

/* expect: exact code, class digit, or 0 for the default class. */
/* "REST n" (any case): true with n. */
static bool parse_rest(const char *line, uint64_t *n)
{
	char *end;
	unsigned long long v;

	if (strncasecmp(line, "REST ", 5) != 0 || line[5] < '0' || line[5] > '9')
		return false;
	errno = 0;
	v = strtoull(line + 5, &end, 10);
	if (errno || (*end && *end != ' '))
		return false;
	*n = v;
	return true;
}

static bool code_ok(int expect, int def_class, int code)
{
	if (expect >= 100)
		return code == expect;
	if (expect >= 1 && expect <= 5)
		return code / 100 == expect;
	return code / 100 == def_class || (def_class == 23 && (code / 100 == 2 || code / 100 == 3));
}

static void step_begin(struct sim_ftpc *c);

static void step_next(struct sim_ftpc *c)
{
	c->step++;
	step_begin(c);
}

/* A reply that did not match: the step fails the session unless may_fail. */
static void mismatch(struct sim_ftpc *c, int code, const char *what)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	if (st && st->may_fail) {
		sim_ftpc_data_close(c, true);
		step_next(c);
		return;
	}
	sim_ftpc_fail(c, "step %zu (%s): unexpected reply %d \"%s\"", c->step, what, code,
		      c->first_text);
}

static const char *xfer_verb(enum sim_ftpc_op op)
{
	switch (op) {
	case SIM_FTPC_RETR: return "RETR";
	case SIM_FTPC_ABOR: return "RETR";
	case SIM_FTPC_STOR: return "STOR";
	case SIM_FTPC_APPE: return "APPE";
	case SIM_FTPC_STOU: return "STOU";
	case SIM_FTPC_LIST: return "LIST";
	case SIM_FTPC_NLST: return "NLST";
	case SIM_FTPC_MLSD: return "MLSD";
	default: return NULL;
	}
}

static void send_xfer_cmd(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);
	const char *v = xfer_verb(st->op);

	if (st->arg)
		snprintf(c->cur.cmd, sizeof(c->cur.cmd), "%s %s", v, st->arg);
	else
		snprintf(c->cur.cmd, sizeof(c->cur.cmd), "%s", v);
	c->ph = SIM_FTPC_P_XFER_CMD;
	c->cur.t_start = sim_ftpc_now(c);
	if (st->arg)
		sim_ftpc_send(c, "%s %s", v, st->arg);
	else
		sim_ftpc_send(c, "%s", v);
}

static void xfer_end(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);
	int code = c->final_code;
	bool ok;

	sim_ftpc_data_record(c);
	sim_ftpc_data_close(c, false);
	if (st->op == SIM_FTPC_ABOR)
		ok = st->expect ? code_ok(st->expect, 2, code) : (code == 226 || code == 225);
	else
		ok = code_ok(st->expect, 2, code);
	if (!ok) {
		mismatch(c, code, c->cur.cmd);
		return;
	}
	if (c->cur.verified < 0 && !st->may_fail) {
		sim_ftpc_fail(c, "step %zu: %s: content does not match the server's file",
			      c->step, c->cur.cmd);
		return;
	}
	step_next(c);
}

void sim_ftpc_data_check_done(struct sim_ftpc *c)
{
	if ((c->ph == SIM_FTPC_P_XFER || c->ph == SIM_FTPC_P_ABOR) && sim_ftpc_data_done(c))
		xfer_end(c);
}

static void update_cwd(struct sim_ftpc *c, const char *line)
{
	char p[SIM_VFS_MAX_PATH];

	if (strncasecmp(line, "CWD ", 4) == 0 &&
	    sim_vfs_resolve(c->cwd, line + 4, strlen(line + 4), p) == 0)
		memcpy(c->cwd, p, sizeof(c->cwd));
	else if (strncasecmp(line, "CDUP", 4) == 0 && sim_vfs_resolve(c->cwd, "..", 2, p) == 0)
		memcpy(c->cwd, p, sizeof(c->cwd));
}

static void on_reply(struct sim_ftpc *c, int code)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);
	struct sim_ftpc_result *r = &c->res;

	if (r->n_replies == c->cap_r) {
		size_t cap = c->cap_r ? c->cap_r * 2 : 32;
		struct sim_ftpc_reply *n = realloc(r->replies, cap * sizeof(*n));

		if (n) {
			r->replies = n;
			c->cap_r = cap;
		}
	}
	if (r->n_replies < c->cap_r) {
		struct sim_ftpc_reply *e = &r->replies[r->n_replies++];

		e->step = (uint32_t)c->step;
		e->code = code;
		e->t = sim_ftpc_now(c);
		snprintf(e->text, sizeof(e->text), "%s", c->first_text);
	}
	sim_ftpc_progress(c);
	switch (c->ph) {
	case SIM_FTPC_P_GREETING:
		if (code == 120)
			break;
		if (c->cfg.refused_code && code == c->cfg.refused_code) {
			c->res.refused = true;
			finish(c, true);
		} else if (c->cfg.refused_code) {
			sim_ftpc_fail(c, "greeting: %d \"%s\", expected the refusal %d", code,
				      c->first_text, c->cfg.refused_code);
		} else if (code != 220) {
			sim_ftpc_fail(c, "greeting: %d \"%s\"", code, c->first_text);
		} else {
			step_begin(c);
		}
		break;
	case SIM_FTPC_P_USER:
		if (code == 331) {
			c->ph = SIM_FTPC_P_PASS;
			sim_ftpc_send(c, "PASS %s", c->cfg.pass ? c->cfg.pass : "");
		} else if (code_ok(st->expect, 2, code)) {
			step_next(c);
		} else {
			mismatch(c, code, "USER");
		}
		break;
	case SIM_FTPC_P_PASS:
		if (code_ok(st->expect, 2, code))
			step_next(c);
		else
			mismatch(c, code, "PASS");
		break;
	case SIM_FTPC_P_CMD:
		if (code < 200)
			break;
		if (!code_ok(st->expect, 23, code)) {
			mismatch(c, code, st->arg ? st->arg : "");
			break;
		}
		if (code / 100 == 2 && st->arg)
			update_cwd(c, st->arg);
		c->rest_pending = code == 350 && st->arg && parse_rest(st->arg, &c->rest_offset);
		step_next(c);
		break;
	case SIM_FTPC_P_DATA_SETUP:
		if (sim_ftpc_data_reply(c, code) < 0) {
			mismatch(c, code, sim_ftpc_mode_name(c->xmode));
			break;
		}
		if (st->has_rest) {
			c->ph = SIM_FTPC_P_REST;
			sim_ftpc_send(c, "REST %llu", (unsigned long long)st->rest);
		} else {
			send_xfer_cmd(c);
		}
		break;
	case SIM_FTPC_P_REST:
		if (code != 350) {
			mismatch(c, code, "REST");
			break;
		}
		send_xfer_cmd(c);
		break;
	case SIM_FTPC_P_XFER_CMD:
		if (code / 100 == 1) {
			c->got_prelim = true;
			c->cur.prelim_code = code;
			c->ph = SIM_FTPC_P_XFER;
			sim_ftpc_data_prelim(c);
			sim_ftpc_data_check_done(c);
			break;
		}
		/* a final reply without a transfer (550, 425...) */
		c->got_final = true;
		c->final_code = code;
		c->cur.final_code = code;
		snprintf(c->cur.final_text, sizeof(c->cur.final_text), "%s", c->first_text);
		xfer_end(c);
		break;
	case SIM_FTPC_P_XFER:
		if (code / 100 == 1)
			break; /* a second preliminary reply: still waiting */
		c->got_final = true;
		c->final_code = code;
		c->cur.final_code = code;
		snprintf(c->cur.final_text, sizeof(c->cur.final_text), "%s", c->first_text);
		sim_ftpc_data_check_done(c);
		break;
	case SIM_FTPC_P_ABOR:
		/* ABOR was sent before the transfer's final reply, so two replies
		 * come: 426 + 226 (aborted), or 226 + 225/226 (it had finished) */
		if (code / 100 == 1)
			break;
		if (++c->abor_finals == 1) {
			c->saw_426 = code == 426;
			c->cur.aborted = c->saw_426;
			c->final_code = code;
			/* the code recorded is this one (426, or the 226/225 before ABOR's) */
			snprintf(c->cur.final_text, sizeof(c->cur.final_text), "%s", c->first_text);
			break;
		}
		c->got_final = true;
		if (c->saw_426)
			c->final_code = code; /* the ABOR's own 226 decides */
		c->data_eof = true; /* the data connection is being reset: not ours to wait for */
		xfer_end(c);
		break;
	case SIM_FTPC_P_QUIT:
		if (code == 221)
			finish(c, true);
		else
			sim_ftpc_fail(c, "QUIT: %d", code);
		break;
	default:
		break; /* unsolicited (e.g. 421 before a close): on_closed decides */
	}
}

static void read_replies(struct sim_ftpc *c)
{
	size_t used = 0, ll, cl;

	while (c->ph != SIM_FTPC_P_DONE &&
	       (ll = ftp_line_next(c->in + used, c->in_len - used, &cl))) {
		struct ftp_reply_line rl;
		const uint8_t *line = c->in + used;

		used += ll;
		if (ftp_reply_line_parse(line, cl, c->in_multi, &rl) < 0) {
			sim_ftpc_fail(c, "malformed reply line");
			return;
		}
		if (!c->in_multi) {
			size_t max = sizeof(c->first_text) - 1;
			size_t n = rl.text_len < max ? rl.text_len : max;

			memcpy(c->first_text, rl.text, n);
			c->first_text[n] = '\0';
			memcpy(c->full_text, rl.text, rl.text_len);
			c->full_text[rl.text_len] = '\0';
			if (rl.more) {
				c->in_multi = true;
				c->multi_code = rl.code;
				continue;
			}
			on_reply(c, rl.code);
			continue;
		}
		if (rl.code == c->multi_code && !rl.more) {
			c->in_multi = false;
			on_reply(c, rl.code);
		}
	}
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
}

static void ctl_readable(struct sim_sock *s, void *ctx)
{
	struct sim_ftpc *c = ctx;
	long n;

	(void)s;
	while (c->ph != SIM_FTPC_P_DONE && c->ctl) {
		n = sim_sock_recv(c->ctl, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n == 0) {
			if (c->ph == SIM_FTPC_P_QUIT)
				finish(c, true); /* closed right after 221 */
			else
				sim_ftpc_fail(c, "server closed the control connection in step %zu",
					      c->step);
		}
		if (n <= 0)
			break;
		c->in_len += (size_t)n;
		read_replies(c);
		if (c->in_len == sizeof(c->in)) {
			sim_ftpc_fail(c, "reply line over %d bytes", FTP_MAX_LINE);
			return;
		}
	}
}

static void ctl_connected(struct sim_sock *s, void *ctx)
{
	struct sim_ftpc *c = ctx;

	(void)s;
	c->ph = SIM_FTPC_P_GREETING;
	sim_ftpc_progress(c);
}

static void ctl_closed(struct sim_sock *s, void *ctx, int err)
{
	struct sim_ftpc *c = ctx;

	(void)s;
	if (c->ph == SIM_FTPC_P_QUIT && !err) {
		finish(c, true); /* closed right after 221: the same */
		return;
	}
	sim_ftpc_fail(c, "control connection closed (%d) in step %zu", err, c->step);
}

static const struct sim_sock_ops ctl_ops = {
	.on_connected = ctl_connected,
	.on_readable = ctl_readable,
	.on_closed = ctl_closed,
};

static void step_run(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	free(c->cur.listing); /* of a step that failed but may_fail */
	memset(&c->cur, 0, sizeof(c->cur));
	c->got_prelim = c->got_final = c->abor_sent = c->saw_426 = false;
	c->abor_finals = 0;
	c->wd_mark = 0;
	c->data_up = c->data_eof = false;
	c->data_err = 0;
	c->final_code = 0;
	switch (st->op) {
	case SIM_FTPC_LOGIN:
		c->ph = SIM_FTPC_P_USER;
		sim_ftpc_send(c, "USER %s", c->cfg.user ? c->cfg.user : "anonymous");
		break;
	case SIM_FTPC_CMD:
		c->ph = SIM_FTPC_P_CMD;
		sim_ftpc_send(c, "%s", st->arg ? st->arg : "NOOP");
		break;
	case SIM_FTPC_QUIT:
		c->ph = SIM_FTPC_P_QUIT;
		sim_ftpc_send(c, "QUIT");
		break;
	default:
		c->ph = SIM_FTPC_P_DATA_SETUP;
		if (sim_ftpc_data_setup(c) < 0 && c->ph != SIM_FTPC_P_DONE)
			sim_ftpc_fail(c, "step %zu: cannot set up a data connection", c->step);
		break;
	}
}

static void think_fn(void *arg)
{
	step_run(arg);
}

static void step_begin(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	if (c->ph == SIM_FTPC_P_DONE)
		return;
	if (!st) {
		if (c->cfg.quit_at_end && (c->cfg.n_steps == 0 ||
					   c->steps[c->cfg.n_steps - 1].op != SIM_FTPC_QUIT)) {
			c->ph = SIM_FTPC_P_QUIT;
			sim_ftpc_send(c, "QUIT");
		} else {
			finish(c, true);
		}
		return;
	}
	if (st->op == SIM_FTPC_QUIT && c->step + 1 < c->cfg.n_steps) {
		sim_ftpc_fail(c, "step %zu: QUIT before the last step", c->step);
		return;
	}
	if (st->think_ns) {
		c->ph = SIM_FTPC_P_THINK;
		sim_timer_stop(&c->watchdog);
		sim_timer_set(&c->think_timer, sim_ftpc_now(c) + st->think_ns);
		return;
	}
	step_run(c);
}

static void watchdog_fn(void *arg)
{
	struct sim_ftpc *c = arg;

	/* an upload moves without callbacks: acknowledged bytes count as progress */
	if (c->data && c->data->snd_una != c->wd_mark) {
		c->wd_mark = c->data->snd_una;
		sim_ftpc_progress(c);
		return;
	}
	sim_ftpc_fail(c, "timeout in step %zu (phase %d)", c->step, (int)c->ph);
}

int sim_ftpc_start(struct sim_host *h, const struct sim_ftpc_config *cfg,
		   void (*on_done)(void *ctx, struct sim_ftpc *c), void *ctx, struct sim_ftpc **out)
{
	struct sim_ftpc *c;
	int rc = -ENOMEM;

	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->cfg = *cfg;
	c->h = h;
	c->on_done = on_done;
	c->ctx = ctx;
	strcpy(c->cwd, "/");
	c->res.failed_step = -1;
	c->res.t_start = sim_world_now(h->w);
	c->next_active = c->cfg.active_port_min;
	sim_timer_init(&c->think_timer, &h->w->sched, think_fn, c);
	sim_timer_init(&c->watchdog, &h->w->sched, watchdog_fn, c);
	if (c->cfg.active_port_max < c->cfg.active_port_min || !c->cfg.active_port_min) {
		rc = -EINVAL;
		goto out;
	}
	if (cfg->n_steps) {
		c->steps = calloc(cfg->n_steps, sizeof(*c->steps));
		if (!c->steps)
			goto out;
		memcpy(c->steps, cfg->steps, cfg->n_steps * sizeof(*c->steps));
	}
	c->ph = SIM_FTPC_P_CONNECTING;
	rc = sim_sock_connect(h, &cfg->server, cfg->port ? cfg->port : 21, &ctl_ops, c, &c->ctl);
	if (rc == 0)
		sim_ftpc_progress(c);
out:
	if (rc < 0 && c) {
		sim_timer_stop(&c->think_timer);
		sim_timer_stop(&c->watchdog);
		free(c->steps);
		free(c);
		c = NULL;
	}
	if (rc == 0)
		*out = c;
	return rc;
}

const struct sim_ftpc_result *sim_ftpc_result(const struct sim_ftpc *c)
{
	return &c->res;
}

void sim_ftpc_destroy(struct sim_ftpc *c)
{
	if (!c)
		return;
	c->on_done = NULL;
	if (c->ph != SIM_FTPC_P_DONE) {
		snprintf(c->res.reason, sizeof(c->res.reason), "destroyed before the end");
		finish(c, false);
	}
	for (size_t i = 0; i < c->res.n_xfers; i++)
		free(c->res.xfers[i].listing);
	free(c->res.xfers);
	free(c->res.replies);
	free(c->cur.listing);
	free(c->steps);
	free(c);
}
