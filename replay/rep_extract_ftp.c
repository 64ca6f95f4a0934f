/* rep_extract_ftp.c - what a control connection says, read with ftp/ftp.h:
 * commands and their final replies, the endpoints PORT/EPRT/227/229 announce,
 * transfers paired with data connections and judged complete or not. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ftp/ftp.h"
#include "rep_extract_int.h"

bool rep_ftp_is_xfer_verb(const char *v)
{
	static const char *const verbs[] = {"RETR", "STOR", "STOU", "APPE", "LIST", "NLST",
					    "MLSD"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(v, verbs[i]) == 0)
			return true;
	return false;
}

static int rep_grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static void rep_copy_text(char *dst, size_t cap, const uint8_t *s, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = (s[i] >= 32 && s[i] < 127) ? (char)s[i] : '?';
	dst[n] = '\0';
}

static void rep_add_announce(struct rep_flow *f, const struct ftp_endpoint *ep, bool passive,
			     long cmd)
{
	struct rep_announce *a;

	if (f->c->n_ann == REP_MAX_ANNOUNCED) {
		memmove(&f->c->ann[0], &f->c->ann[1], (REP_MAX_ANNOUNCED - 1) * sizeof(f->c->ann[0]));
		f->c->n_ann--;
	}
	a = &f->c->ann[f->c->n_ann++];
	memset(a, 0, sizeof(*a));
	a->addr = ep->has_addr ? ep->addr : f->sess->server;
	a->port = ep->port;
	a->passive = passive;
	a->xfer = -1;
	a->cmd = cmd;
}

/* A data flow's bytes and FIN into its transfer. */
static void rep_xfer_fill(struct rep_flow *d)
{
	struct rep_session *s = d->ctl->sess;
	struct rep_xfer *x = &s->xfers[d->xfer];
	bool up = rep_xfer_is_upload(x->cmd);
	/* Passive: the announced endpoint is the server; active: the client. */
	int server_dir = x->passive ? d->ep_dir : 1 - d->ep_dir;
	int send_dir = up ? 1 - server_dir : server_dir;

	x->connected = true;
	x->bytes = d->st[send_dir].delivered;
	x->lost = d->st[send_dir].lost;
	x->fin = d->fin[send_dir];
	x->unverifiable = d->cut[send_dir];
}

static int rep_command(struct rep_flow *f, const uint8_t *line, size_t len)
{
	struct rep_session *s = f->sess;
	struct ftp_cmd c;
	struct ftp_addr_span span;
	struct rep_cmd *rc;
	int e;

	if (ftp_cmd_parse(line, len, &c) != 0) {
		s->bad_lines++;
		return 0;
	}
	if ((e = rep_grow((void **)&s->cmds, &s->cap_cmds, s->n_cmds, sizeof(*s->cmds))) < 0)
		return e;
	rc = &s->cmds[s->n_cmds++];
	memset(rc, 0, sizeof(*rc));
	snprintf(rc->verb, sizeof(rc->verb), "%s", c.verb);
	rep_copy_text(rc->line, sizeof(rc->line), line, len);
	rc->t_ns = f->ts_ns - s->t0_ns;
	if (ftp_find_addr(line, len, false, &span) == 1)
		rep_add_announce(f, &span.ep, false, (long)s->n_cmds - 1);
	if (rep_ftp_is_xfer_verb(c.verb)) {
		struct rep_xfer *x;

		if ((e = rep_grow((void **)&s->xfers, &s->cap_xfers, s->n_xfers,
				  sizeof(*s->xfers))) < 0)
			return e;
		x = &s->xfers[s->n_xfers];
		memset(x, 0, sizeof(*x));
		snprintf(x->cmd, sizeof(x->cmd), "%s", c.verb);
		rep_copy_text(x->arg, sizeof(x->arg), c.arg ? c.arg : line, c.arg ? c.arg_len : 0);
		x->cmd_idx = s->n_cmds - 1;
		x->setup_cmd = -1;
		/* a REST applies to the next transfer only */
		x->rest = f->c->rest;
		x->ascii = f->c->ascii;
		f->c->rest = 0;
		if (!strcmp(c.verb, "RETR") && f->c->size_val && !strcmp(x->arg, f->c->size_arg))
			x->announced_size = f->c->size_val; /* a 150 "(N bytes)" may still say */
		if (f->c->n_ann > 0 && f->c->ann[f->c->n_ann - 1].xfer < 0) {
			struct rep_announce *a = &f->c->ann[f->c->n_ann - 1];

			a->xfer = (long)s->n_xfers;
			x->announced = true;
			x->passive = a->passive;
			x->setup_cmd = a->cmd;
			if (a->flow) {
				a->flow->xfer = a->xfer;
				s->n_xfers++;
				rep_xfer_fill(a->flow);
				return 0;
			}
		}
		s->n_xfers++;
	}
	return 0;
}

/* The transfer a reply to command k belongs to, or NULL. */
static struct rep_xfer *rep_xfer_of(struct rep_session *s, size_t k)
{
	for (size_t i = s->n_xfers; i-- > 0;)
		if (s->xfers[i].cmd_idx == k)
			return &s->xfers[i];
	return NULL;
}

static void rep_reply_size(struct rep_xfer *x, const char *text)
{
	const char *p = strchr(text, '(');
	unsigned long long n;

	if (p && sscanf(p, "(%llu bytes", &n) == 1)
		x->announced_size = n;
}

/* A whole reply (its last line read): code and the joined text in f. */
static int rep_reply(struct rep_flow *f, int code)
{
	struct rep_session *s = f->sess;
	const char *text = f->c->reply_buf ? f->c->reply_buf : "";
	int e;

	if (code >= 200) {
		if ((e = rep_grow((void **)&s->replies, &s->cap_replies, s->n_replies,
				  sizeof(*s->replies))) < 0)
			return e;
		s->replies[s->n_replies++] = code;
	}
	/* which command it answers: none before the first one (the greeting),
	 * none for one sent before the capture started or lost in a hole */
	bool answers = !(s->n_cmds == 0 && f->c->cursor == 0) && f->c->cursor < s->n_cmds &&
		       rep_ftp_realign(f, code);

	if (code == 227 || code == 229) {
		struct ftp_addr_span span;

		if (ftp_find_addr((const uint8_t *)text, strlen(text), true, &span) == 1)
			rep_add_announce(f, &span.ep, true, answers ? (long)f->c->cursor : -1);
	}
	if (s->n_cmds == 0 && f->c->cursor == 0) {
		if (code >= 200 && s->greeting == 0)
			s->greeting = code;
		return 0;
	}
	if (!answers)
		return 0;
	struct rep_cmd *c = &s->cmds[f->c->cursor];
	struct rep_xfer *x = rep_xfer_of(s, f->c->cursor);

	if (code < 200) {
		if (x) {
			x->prelim = code;
			rep_reply_size(x, text);
			snprintf(x->prelim_text, sizeof(x->prelim_text), "%s",
				 strlen(text) > 4 ? text + 4 : "");
		}
		return 0;
	}
	c->reply = code;
	free(c->reply_text);
	c->reply_text = strdup(text);
	if (!c->reply_text)
		return -ENOMEM;
	if (x)
		x->final = code;
	if (strcmp(c->verb, "SIZE") == 0 && code == 213) {
		const char *arg = strchr(c->line, ' ');
		unsigned long long n;

		if (sscanf(text, "213 %llu", &n) == 1) {
			f->c->size_val = n;
			snprintf(f->c->size_arg, sizeof(f->c->size_arg), "%s", arg ? arg + 1 : "");
		}
	}
	if (strcmp(c->verb, "REST") == 0 && code == 350) {
		const char *arg = strchr(c->line, ' ');
		unsigned long long n;

		f->c->rest = arg && sscanf(arg + 1, "%llu", &n) == 1 ? n : 0;
	}
	if (strcmp(c->verb, "TYPE") == 0 && code == 200) {
		const char *arg = strchr(c->line, ' ');

		f->c->ascii = arg && (arg[1] == 'A' || arg[1] == 'a');
	}
	if (strcmp(c->verb, "AUTH") == 0 && code == 234) {
		s->tls = true;
		rep_session_note(s, "control channel became unreadable after AUTH (TLS): "
				 "extraction stopped");
	}
	f->c->cursor++;
	return 0;
}

static int rep_reply_append(struct rep_flow *f, const uint8_t *line, size_t len)
{
	size_t add = len + (f->c->reply_len ? 1 : 0);

	if (!f->c->reply_buf) {
		f->c->reply_buf = malloc(REP_REPLY_TEXT_MAX);
		if (!f->c->reply_buf)
			return -ENOMEM;
	}
	if (f->c->reply_len + add + 1 > REP_REPLY_TEXT_MAX)
		return 0; /* the reply text is only kept up to the limit */
	if (f->c->reply_len)
		f->c->reply_buf[f->c->reply_len++] = '\n';
	rep_copy_text(f->c->reply_buf + f->c->reply_len, len + 1, line, len);
	f->c->reply_len += len;
	return 0;
}

static int rep_reply_line(struct rep_flow *f, const uint8_t *line, size_t len)
{
	struct ftp_reply_line rl;
	int e;

	if (ftp_reply_line_parse(line, len, f->c->in_multiline, &rl) != 0) {
		f->sess->bad_lines++;
		return 0;
	}
	if (!f->c->in_multiline)
		f->c->reply_len = 0;
	if ((e = rep_reply_append(f, line, len)) < 0)
		return e;
	if (!f->c->in_multiline) {
		if (rl.code == 0)
			return 0;
		if (rl.more) {
			f->c->in_multiline = true;
			f->c->ml_code = rl.code;
			return 0;
		}
		return rep_reply(f, rl.code);
	}
	if (rl.code == f->c->ml_code && !rl.more) {
		f->c->in_multiline = false;
		return rep_reply(f, rl.code);
	}
	return 0;
}

/* After a hole the first line may be the tail of a lost one: kept only if it
 * reads as a whole command or reply line (segments usually start lines). */
static bool rep_line_starts(const struct rep_flow *f, int dir, const uint8_t *p, size_t len)
{
	struct ftp_cmd c;
	struct ftp_reply_line rl;

	if (dir == f->client_dir)
		return ftp_cmd_parse(p, len, &c) == 0;
	return ftp_reply_line_parse(p, len, false, &rl) == 0 && rl.code != 0;
}

static int rep_line(struct rep_flow *f, int dir, struct rep_lines *l)
{
	size_t len = l->len;

	while (len > 0 && (l->buf[len - 1] == '\n' || l->buf[len - 1] == '\r'))
		len--;
	if (l->resync) {
		l->resync = false;
		if (!rep_line_starts(f, dir, l->buf, len))
			return 0;
	}
	if (l->truncated)
		f->sess->truncated_lines++;
	if (dir == f->client_dir)
		return rep_command(f, l->buf, len);
	return rep_reply_line(f, l->buf, len);
}

int rep_ftp_control_bytes(struct rep_flow *f, int dir, const uint8_t *p, size_t len, bool gap)
{
	struct rep_lines *l = &f->c->lines[dir];
	int rc = 0;

	if (f->sess->tls)
		return 0;
	if (gap) {
		l->len = 0;
		l->truncated = false;
		l->resync = true;
		if (dir != f->client_dir)
			f->c->in_multiline = false;
	}
	for (size_t i = 0; i < len && !f->sess->tls; i++) {
		uint8_t b = p[i];

		if (l->len < REP_LINE_LIMIT)
			l->buf[l->len++] = b;
		else
			l->truncated = true;
		if (b == '\n') {
			if (l->truncated)
				l->buf[l->len - 1] = '\n';
			rc = rep_line(f, dir, l);
			l->len = 0;
			l->truncated = false;
			if (rc)
				break;
		}
	}
	return rc;
}

bool rep_ftp_pair_data(struct rep_flow *ctl, struct rep_flow *d)
{
	const struct net_tuple *t = &d->t;

	for (struct rep_flow *f = ctl; f; f = f->next_ctl) {
		for (size_t i = f->c->n_ann; i-- > 0;) {
			struct rep_announce *a = &f->c->ann[i];
			int ep_dir;

			if (a->flow)
				continue;
			if (a->port == t->dport && net_addr_eq(&a->addr, &t->dst))
				ep_dir = 1;
			else if (a->port == t->sport && net_addr_eq(&a->addr, &t->src))
				ep_dir = 0;
			else
				continue;
			a->flow = d;
			d->ctl = f;
			f->n_data++;
			d->ep_dir = ep_dir;
			d->xfer = a->xfer;
			return true;
		}
	}
	return false;
}

void rep_ftp_data_done(struct rep_flow *d)
{
	struct rep_flow *f = d->ctl;

	/* the endpoint served its connection: it pairs no other */
	for (size_t i = 0; i < f->c->n_ann; i++) {
		if (f->c->ann[i].flow == d) {
			f->c->ann[i].flow = NULL;
			f->c->ann[i].port = 0;
		}
	}
	if (d->xfer >= 0) {
		rep_xfer_fill(d);
	} else {
		char t[128];

		net_tuple_format(&d->t, t, sizeof(t));
		rep_session_note(f->sess, "data connection %s carried %" PRIu64
				 " bytes for no transfer command", t,
				 d->st[0].delivered + d->st[1].delivered);
	}
}

void rep_ftp_session_end(struct rep_flow *f)
{
	struct rep_session *s = f->sess;

	s->lost_c2s = f->st[f->client_dir].lost;
	s->lost_s2c = f->st[1 - f->client_dir].lost;
	if (s->lost_c2s || s->lost_s2c)
		rep_session_note(s, "control bytes lost: %" PRIu64 " client->server, %" PRIu64
				 " server->client", s->lost_c2s, s->lost_s2c);
	if (s->truncated_lines)
		rep_session_note(s, "%" PRIu64 " control lines over %d bytes truncated",
				 s->truncated_lines, REP_LINE_LIMIT);
	for (size_t i = 0; i < s->n_xfers; i++) {
		struct rep_xfer *x = &s->xfers[i];
		/* What should flow: the announced size less a REST offset (vsftpd's
		 * 150 names the whole file). Only binary downloads can be held to
		 * it: in ASCII mode the wire carries CRLF for LF, and uploads are
		 * announced by no one. Beyond that the size is advisory. */
		uint64_t expect = x->announced_size > x->rest ? x->announced_size - x->rest : 0;

		if (x->ascii || rep_xfer_is_upload(x->cmd))
			expect = 0;
		/* holes are measured modulo 2^32; an announced size knows better */
		if (x->connected && !x->unverifiable && expect > x->bytes + x->lost)
			x->lost = expect - x->bytes;
		x->complete = x->connected && x->fin && x->lost == 0 && !x->unverifiable &&
			      (x->final == 226 || x->final == 250);
	}
}
