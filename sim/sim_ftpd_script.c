/* sim_ftpd_script.c - the server re-enacting a capture: each command gets the
 * script's code and text, transfers the script's sizes; only the 227/229
 * address (spliced into the capture's own text) and data sockets are live. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_ftpd_priv.h"

static const char *default_text(int code)
{
	switch (code) {
	case 150: return "Opening data connection.";
	case 200: return "Command okay.";
	case 220: return "Service ready.";
	case 221: return "Goodbye.";
	case 226: return "Transfer complete.";
	case 230: return "Login successful.";
	case 250: return "Requested file action okay.";
	case 331: return "Please specify the password.";
	case 350: return "Pending further information.";
	case 425: return "Can't open data connection.";
	case 426: return "Connection closed; transfer aborted.";
	case 500: return "Unknown command.";
	case 502: return "Command not implemented.";
	case 530: return "Not logged in.";
	case 550: return "Requested action not taken.";
	default: return code < 400 ? "OK." : "Failed.";
	}
}

static bool is_verb(const struct ftp_cmd *c, const char *v)
{
	return strcmp(c->verb, v) == 0;
}

/* Seed of a scripted download: a function of the argument, so a re-run of
 * the same capture sends the same bytes. */
static uint64_t arg_seed(const struct ftp_cmd *c)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < c->arg_len; i++)
		h = (h ^ c->arg[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* PASV/EPSV: our real endpoint spliced into the capture's reply text. */
static void passive(struct sim_ftpd_sess *s, const struct sim_ftpd_step *st, bool epsv)
{
	struct ftp_endpoint ep = {.has_addr = true}, old;
	char text[FTP_MAX_LINE], f[64];
	const uint8_t *t8 = (const uint8_t *)st->text;
	size_t off = 0, len = 0, tl;
	uint16_t lp;
	char delim = '|';
	int k;

	if ((epsv ? st->code != 229 : st->code != 227) || sim_ftpd_pasv_open(s, &ep.port) < 0) {
		sim_ftpd_reply(s, st->code, st->text ? st->text : default_text(st->code));
		return;
	}
	if (net_addr_is_set(&s->d->cfg.pasv_addr))
		ep.addr = s->d->cfg.pasv_addr;
	else
		sim_sock_local(s->ctl, &ep.addr, &lp);
	if (!st->text) {
		k = epsv ? ftp_format_229(ep.port, '|', f, sizeof(f))
			 : sim_ftpd_format_227(s, &ep, f, sizeof(f));
		if (k > 0 && epsv)
			snprintf(text, sizeof(text), "Entering Extended Passive Mode %.*s", k, f);
		else if (k > 0)
			snprintf(text, sizeof(text), "%.*s", k, f);
		sim_ftpd_reply(s, st->code, k > 0 ? text : "Entering Passive Mode.");
		return;
	}
	tl = strlen(st->text);
	k = epsv ? ftp_parse_229_text(t8, tl, &old, &off, &len, &delim)
		 : ftp_parse_227_text(t8, tl, &old, &off, &len);
	if (k == 0)
		k = epsv ? ftp_format_229(ep.port, delim, f, sizeof(f))
			 : ftp_format_port(&ep, f, sizeof(f));
	if (k < 0) {
		/* no address in the capture's text we can replace: say it as given */
		sim_ftpd_reply(s, st->code, st->text);
		return;
	}
	snprintf(text, sizeof(text), "%.*s%.*s%s", (int)off, st->text, k, f, st->text + off + len);
	sim_ftpd_reply(s, st->code, text);
}

static void active(struct sim_ftpd_sess *s, const struct sim_ftpd_step *st,
		   const struct ftp_cmd *c)
{
	struct ftp_endpoint ep;
	char delim;
	int rc = is_verb(c, "PORT") ? ftp_parse_port_arg(c->arg, c->arg_len, &ep)
				     : ftp_parse_eprt_arg(c->arg, c->arg_len, &ep, &delim);

	if (rc == 0 && st->code / 100 == 2 && s->xs == SIM_FTPD_X_IDLE)
		sim_ftpd_port_set(s, &ep);
	sim_ftpd_reply(s, st->code, st->text ? st->text : default_text(st->code));
}

static bool transfer(struct sim_ftpd_sess *s, const struct sim_ftpd_step *st,
		     const struct ftp_cmd *c)
{
	static const char *const down[] = {"RETR", "LIST", "NLST", "MLSD"};
	static const char *const up[] = {"STOR", "APPE", "STOU"};
	char path[SIM_VFS_MAX_PATH];
	bool is_down = false, is_up = false;

	for (size_t i = 0; i < sizeof(down) / sizeof(down[0]); i++)
		is_down = is_down || is_verb(c, down[i]);
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++)
		is_up = is_up || is_verb(c, up[i]);
	if (!is_down && !is_up)
		return false;
	if (st->code / 100 != 1) {
		sim_ftpd_reply(s, st->code, st->text ? st->text : default_text(st->code));
		return true;
	}
	if (sim_vfs_resolve(s->cwd, (const char *)c->arg, c->arg_len, path) < 0)
		snprintf(path, sizeof(path), "/scripted");
	s->x_prelim_code = st->code;
	snprintf(s->x_prelim_text, sizeof(s->x_prelim_text), "%s",
		 st->text ? st->text : default_text(st->code));
	if (is_down)
		sim_ftpd_xfer_send(s, c->verb, path, arg_seed(c), NULL, st->size,
				   st->final_code ? st->final_code : 226, st->final_text);
	else
		sim_ftpd_xfer_recv(s, c->verb, path, st->final_code ? st->final_code : 226,
				   st->final_text);
	return true;
}

static void rest(struct sim_ftpd_sess *s, const struct ftp_cmd *c)
{
	uint64_t v = 0;

	for (size_t i = 0; i < c->arg_len && i < 19 && c->arg[i] >= '0' && c->arg[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(c->arg[i] - '0');
	s->rest = v;
}

void sim_ftpd_script_cmd(struct sim_ftpd_sess *s, const struct ftp_cmd *c)
{
	struct sim_ftpd *d = s->d;
	const struct sim_ftpd_step *st = NULL;
	size_t i;

	for (i = s->script_pos; i < d->cfg.n_script; i++)
		if (!d->script[i].verb || strcasecmp(d->script[i].verb, c->verb) == 0) {
			st = &d->script[i];
			break;
		}
	if (!st) {
		d->st.script_mismatches++;
		d->st.unknown_commands++;
		sim_ftpd_reply(s, d->cfg.unknown_code == 502 ? 502 : 500, "Unexpected command.");
		return;
	}
	d->st.script_mismatches += i - s->script_pos;
	s->script_pos = i + 1;
	sim_ftpd_reply_hold(s, st->delay_ns);
	if (is_verb(c, "PASV") || is_verb(c, "EPSV")) {
		passive(s, st, is_verb(c, "EPSV"));
	} else if (is_verb(c, "PORT") || is_verb(c, "EPRT")) {
		active(s, st, c);
	} else if (is_verb(c, "ABOR")) {
		if (s->xs != SIM_FTPD_X_IDLE)
			sim_ftpd_xfer_abort(s); /* the 426 and 226 of the model, then */
		else
			sim_ftpd_reply(s, st->code, st->text ? st->text : default_text(st->code));
	} else if (!transfer(s, st, c)) {
		if (is_verb(c, "REST") && st->code == 350)
			rest(s, c);
		if (is_verb(c, "QUIT")) {
			s->quitting = true;
			sim_ftpd_data_free(s);
		}
		sim_ftpd_reply(s, st->code, st->text ? st->text : default_text(st->code));
	}
}
