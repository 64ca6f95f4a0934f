/* rep_reenact_script.c - a captured session as the simulator's scripted
 * server steps (captured codes and texts, transfers with their sizes) and the
 * client model's steps (captured commands, timing, data modes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rep_reenact_int.h"

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

const struct rep_xfer *rep_run_xfer_at(const struct rep_session *s, size_t k)
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
int rep_run_build(struct rep_run_sess *r, uint64_t max_gap)
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
		const struct rep_xfer *x = rep_run_xfer_at(s, k);
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

void rep_run_free(struct rep_run_sess *r)
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
