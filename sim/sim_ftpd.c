/* sim_ftpd.c - the server model's control side: the listener, sessions,
 * line framing of commands (bounded by FTP_MAX_LINE, whatever the peer
 * sends) and the reply queue that holds replies for configured delays. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ftpd_priv.h"

void sim_ftpd_config_default(struct sim_ftpd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 21;
	c->active_src_port = 20;
	c->pasv_min = 50000;
	c->pasv_max = 50999;
	c->prelim_code = 150;
	c->pasv_fmt = SIM_FTPD_227_PAREN;
	c->bounce_protect = true;
	c->bounce_code = 504;
	c->refuse_low_port = true;
	c->unknown_code = 500;
	c->epsv_v4 = true;
	c->greeting = "gatelab sim ftpd ready";
	c->data_timeout_ns = 30 * SIM_NS_PER_S;
}

uint64_t sim_ftpd_now(const struct sim_ftpd_sess *s)
{
	return sim_world_now(s->d->h->w);
}

static void sess_free(struct sim_ftpd_sess *s)
{
	struct sim_ftpd_sess **pp;

	for (pp = &s->d->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->d->st.sessions_active--;
	sim_ftpd_data_free(s);
	sim_timer_stop(&s->out_timer);
	if (s->ctl)
		sim_sock_close(s->ctl);
	free(s->out);
	free(s);
}

static void flush(struct sim_ftpd_sess *s)
{
	long n;

	if (!s->ctl || sim_ftpd_now(s) < s->hold_until)
		return;
	while (s->out_len) {
		n = sim_sock_send(s->ctl, s->out, s->out_len);
		if (n <= 0)
			break; /* -EAGAIN: on_writable resumes; errors: on_closed ends it */
		memmove(s->out, s->out + n, s->out_len - (size_t)n);
		s->out_len -= (size_t)n;
	}
	if (!s->out_len && s->quitting)
		sim_sock_shutdown(s->ctl);
}

static void out_timer_fn(void *arg)
{
	flush(arg);
}

void sim_ftpd_reply_hold(struct sim_ftpd_sess *s, uint64_t delay_ns)
{
	uint64_t t = sim_ftpd_now(s) + delay_ns;

	if (t > s->hold_until)
		s->hold_until = t;
}

static int out_put(struct sim_ftpd_sess *s, const char *p, size_t n)
{
	if (s->out_len + n > s->out_cap) {
		size_t cap = (s->out_len + n) * 2;
		uint8_t *o = realloc(s->out, cap);

		if (!o)
			return -ENOMEM;
		s->out = o;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, p, n);
	s->out_len += n;
	return 0;
}

void sim_ftpd_reply(struct sim_ftpd_sess *s, int code, const char *text)
{
	char line[FTP_MAX_LINE + 8];
	const char *p = text ? text : "";
	bool first = true;

	s->d->st.replies++;
	sim_ftpd_reply_hold(s, s->d->cfg.reply_delay_ns);
	/* RFC 959 4.2: "123-first", continuation lines, "123 last" */
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int k;

		if (n > FTP_MAX_LINE - 8)
			n = FTP_MAX_LINE - 8;
		if (nl && first)
			k = snprintf(line, sizeof(line), "%03d-%.*s\r\n", code, (int)n, p);
		else if (nl)
			k = snprintf(line, sizeof(line), "%.*s\r\n", (int)n, p);
		else
			k = snprintf(line, sizeof(line), "%03d %.*s\r\n", code, (int)n, p);
		if (k > 0 && out_put(s, line, (size_t)k) < 0)
			break;
		if (!nl)
			break;
		first = false;
		p = nl + 1;
	}
	if (sim_ftpd_now(s) < s->hold_until)
		sim_timer_set(&s->out_timer, s->hold_until);
	else
		flush(s);
}

void sim_ftpd_replyf(struct sim_ftpd_sess *s, int code, const char *fmt, ...)
{
	char text[FTP_MAX_LINE * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sim_ftpd_reply(s, code, text);
}

static void handle_line(struct sim_ftpd_sess *s, const uint8_t *line, size_t len)
{
	struct ftp_cmd c;

	s->d->st.commands++;
	/* Telnet IP and Synch some clients put before ABOR (RFC 959 4.1.3) */
	while (len && line[0] >= 0x80) {
		line++;
		len--;
	}
	if (ftp_cmd_parse(line, len, &c) < 0) {
		s->d->st.protocol_errors++;
		sim_ftpd_reply(s, 500, "Syntax error, command unrecognized.");
		return;
	}
	if (s->d->script)
		sim_ftpd_script_cmd(s, &c);
	else
		sim_ftpd_cmd(s, &c);
}

static void ctl_readable(struct sim_sock *sock, void *ctx)
{
	struct sim_ftpd_sess *s = ctx;
	long n;

	(void)sock;
	while (!s->quitting) {
		size_t used = 0, ll, cl;

		n = sim_sock_recv(s->ctl, s->in + s->in_len, sizeof(s->in) - s->in_len);
		if (n == 0) {
			/* the client left without QUIT: close our side too, so the
			 * connection ends and on_closed frees the session */
			sim_ftpd_data_free(s);
			sim_sock_shutdown(s->ctl);
		}
		if (n <= 0)
			break; /* errors arrive as on_closed */
		s->in_len += (size_t)n;
		while (!s->quitting && (ll = ftp_line_next(s->in + used, s->in_len - used, &cl))) {
			if (s->in_overlong)
				s->in_overlong = false; /* the tail of a line already refused */
			else
				handle_line(s, s->in + used, cl);
			used += ll;
		}
		memmove(s->in, s->in + used, s->in_len - used);
		s->in_len -= used;
		if (s->in_len == sizeof(s->in)) {
			/* no terminator within the limit: refuse, skip to the next one */
			s->d->st.protocol_errors++;
			sim_ftpd_reply(s, 500, "Command line too long.");
			s->in_overlong = true;
			s->in_len = 0;
		}
	}
}

static void ctl_writable(struct sim_sock *sock, void *ctx)
{
	(void)sock;
	flush(ctx);
}

static void ctl_closed(struct sim_sock *sock, void *ctx, int err)
{
	(void)sock;
	(void)err;
	sess_free(ctx);
}

static const struct sim_sock_ops ctl_ops = {
	.on_readable = ctl_readable,
	.on_writable = ctl_writable,
	.on_closed = ctl_closed,
};

static void on_accept(struct sim_sock *lst, struct sim_sock *child, void *ctx)
{
	struct sim_ftpd *d = ctx;
	struct sim_ftpd_sess *s;

	(void)lst;
	if (d->cfg.max_sessions && d->st.sessions_active >= d->cfg.max_sessions) {
		/* RFC 959: 421 and close, like a server at its limit */
		static const char msg[] = "421 Too many connections.\r\n";

		d->st.sessions_refused++;
		sim_sock_send(child, msg, sizeof(msg) - 1);
		sim_sock_close(child);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		sim_sock_abort(child);
		return;
	}
	s->d = d;
	s->ctl = child;
	strcpy(s->cwd, "/");
	sim_timer_init(&s->out_timer, &d->h->w->sched, out_timer_fn, s);
	sim_ftpd_data_init(s);
	s->next = d->sessions;
	d->sessions = s;
	d->st.sessions++;
	d->st.sessions_active++;
	sim_sock_set_ops(child, &ctl_ops, s);
	if (d->script && d->cfg.n_script && d->script[0].verb == NULL) {
		/* a scripted greeting: the first step without a verb */
		sim_ftpd_reply_hold(s, d->script[0].delay_ns);
		sim_ftpd_reply(s, d->script[0].code, d->script[0].text ? d->script[0].text : "");
		s->script_pos = 1;
	} else {
		sim_ftpd_reply(s, 220, d->cfg.greeting);
	}
}

int sim_ftpd_create(struct sim_host *h, struct sim_vfs *vfs, const struct sim_ftpd_config *cfg,
		    struct sim_ftpd **out)
{
	static const struct sim_sock_ops lst_ops = {.on_accept = on_accept};
	struct sim_ftpd *d;
	int rc = -ENOMEM;

	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	if (cfg)
		d->cfg = *cfg;
	else
		sim_ftpd_config_default(&d->cfg);
	if (d->cfg.pasv_max < d->cfg.pasv_min || !d->cfg.pasv_min) {
		rc = -EINVAL;
		goto out;
	}
	d->h = h;
	d->vfs = vfs;
	d->next_pasv = d->cfg.pasv_min;
	if (d->cfg.script && d->cfg.n_script) {
		d->script = calloc(d->cfg.n_script, sizeof(*d->script));
		if (!d->script)
			goto out;
		memcpy(d->script, d->cfg.script, d->cfg.n_script * sizeof(*d->script));
	}
	rc = sim_sock_listen(h, d->cfg.port, &lst_ops, d, &d->lst);
out:
	if (rc < 0 && d) {
		free(d->script);
		free(d);
		d = NULL;
	}
	if (rc == 0)
		*out = d;
	return rc;
}

void sim_ftpd_destroy(struct sim_ftpd *d)
{
	if (!d)
		return;
	if (d->lst)
		sim_sock_close(d->lst);
	while (d->sessions) {
		struct sim_ftpd_sess *s = d->sessions;
		struct sim_sock *c = s->ctl;

		s->ctl = NULL;
		sess_free(s);
		if (c)
			sim_sock_abort(c);
	}
	free(d->script);
	free(d->xfers);
	free(d);
}

const struct sim_ftpd_stats *sim_ftpd_stats(const struct sim_ftpd *d)
{
	return &d->st;
}

const struct sim_ftpd_xfer *sim_ftpd_xfers(const struct sim_ftpd *d, size_t *n)
{
	*n = d->n_xfers;
	return d->xfers;
}
