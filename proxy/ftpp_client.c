/* ftpp_client.c - commands from the client: reassembled into lines, bounded
 * (FTP_MAX_LINE, no NUL), parsed with the shared ftp/ grammar, checked
 * against policy, answered locally or forwarded in order. */
#include <string.h>
#include <strings.h>

#include "ftpp_int.h"

#define FTPP_TELNET_IAC 0xff

static bool ftpp_verb_in(const char *verb, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(verb, set[i]) == 0)
			return true;
	}
	return false;
}

static void ftpp_forward(struct ftpp_session *s, const uint8_t *line, size_t len,
			 const struct ftpp_pending *p)
{
	ftpp_out_send(s, FTPP_ACT_SEND_SERVER, line, len);
	ftpp_out_send(s, FTPP_ACT_SEND_SERVER, "\r\n", 2);
	ftpp_pend_push(s, p);
}

/* PORT/EPRT: only the client's own address and an unprivileged port (the
 * FTP bounce attack names a third host or a service port). */
static void ftpp_client_port(struct ftpp_session *s, const uint8_t *line, size_t len,
			     uint64_t now)
{
	struct ftp_addr_span span;

	if (ftp_find_addr(line, len, false, &span) != 1) {
		ftpp_pend_local(s, 501, "Syntax error in parameters or arguments");
		return;
	}
	if (!net_addr_eq(&span.ep.addr, &s->info.client.src) || span.ep.port < 1024) {
		ftpp_out_log(s, "S%u bounce attempt refused", s->id);
		ftpp_pend_local(s, 500, "Illegal PORT command");
		return;
	}
	ftpp_xfer_port(s, &span, now);
}

static void ftpp_client_line(struct ftpp_session *s, const uint8_t *line, size_t len, uint64_t now)
{
	static const char *const xfer[] = {"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"};
	static const char *const listing[] = {"LIST", "NLST", "MLSD"};
	const struct ftpp_policy *pol = &s->f->cfg.policy;
	struct ftpp_pending p;
	struct ftp_cmd cmd;

	/* Telnet IP/Synch in front of ABOR (RFC 959 4.1.3): the urgent signal
	 * cannot be relayed through a byte stream; the command can. */
	while (len >= 2 && line[0] == FTPP_TELNET_IAC) {
		line += 2;
		len -= 2;
	}
	if (len && line[0] == 0xf2) { /* a Data Mark left after the urgent IAC */
		line++;
		len--;
	}
	ftpp_out_log_line(s, "C>", line, len);
	memset(&p, 0, sizeof(p));
	p.kind = FTPP_CMD_OTHER;
	if (ftp_cmd_parse(line, len, &cmd) != 0) {
		/* Never forwarded: a line we cannot read could be one a lax
		 * server reads as PORT. */
		ftpp_pend_local(s, 500, "Syntax error, command unrecognized");
		return;
	}
	if (pol->read_only && ftpp_policy_is_write(cmd.verb)) {
		ftpp_pend_local(s, pol->read_only_code ? pol->read_only_code : 550,
				"Permission denied (read-only policy)");
		return;
	}
	if (strcmp(cmd.verb, "AUTH") == 0) {
		/* The fast path needs a readable control channel. */
		ftpp_pend_local(s, 534, "TLS refused by gateway policy; continue in clear");
		return;
	}
	if (strcmp(cmd.verb, "PORT") == 0 || strcmp(cmd.verb, "EPRT") == 0) {
		ftpp_client_port(s, line, len, now);
		return;
	}
	if (strcmp(cmd.verb, "PASV") == 0 ||
	    (strcmp(cmd.verb, "EPSV") == 0 && !(cmd.arg_len == 3 && strncasecmp((const char *)cmd.arg, "ALL", 3) == 0))) {
		p.kind = FTPP_CMD_PASV;
		p.epsv = cmd.verb[0] == 'E';
	} else if (ftpp_verb_in(cmd.verb, xfer, sizeof(xfer) / sizeof(xfer[0]))) {
		p.kind = FTPP_CMD_XFER;
		p.listing = ftpp_verb_in(cmd.verb, listing, sizeof(listing) / sizeof(listing[0]));
		memcpy(p.verb, cmd.verb, sizeof(p.verb));
		if (ftpp_xfer_start(s, cmd.verb, p.listing, now) < 0) {
			ftpp_pend_local(s, 425, "Can't open data connection");
			return;
		}
	} else if (strcmp(cmd.verb, "SIZE") == 0) {
		p.kind = FTPP_CMD_SIZE;
	} else if (strcmp(cmd.verb, "ABOR") == 0 && s->x.st != FTPP_XFER_NONE &&
		   s->x.path == FTPP_MODE_PROXY && s->x.spliced && !s->x.done) {
		/* The copy stops here; the server's 426/226 follow. */
		struct ftpp_action a;

		memset(&a, 0, sizeof(a));
		a.type = FTPP_ACT_CLOSE_DATA;
		a.data_id = s->x.id;
		ftpp_out_push(s, &a, NULL, 0);
		s->x.done = true;
	}
	ftpp_forward(s, line, len, &p);
}

void ftpp_client_process(struct ftpp_session *s, uint64_t now)
{
	struct ftpp_buf *b = &s->cin;

	while (s->state == FTPP_SESS_OPEN && s->pend_n < FTPP_MAX_PENDING) {
		size_t clen, n = ftp_line_next(b->p, b->len, &clen);

		if (n == 0) {
			if (b->len > FTP_MAX_LINE + 1)
				ftpp_session_close(s, FTPP_CLOSE_LINE_TOO_LONG, false, b->consumed,
						   500, "Line too long");
			return;
		}
		if (clen > FTP_MAX_LINE) {
			ftpp_session_close(s, FTPP_CLOSE_LINE_TOO_LONG, false, b->consumed, 500,
					   "Line too long");
			return;
		}
		if (memchr(b->p, '\0', clen)) {
			ftpp_session_close(s, FTPP_CLOSE_NUL, false, b->consumed, 500,
					   "NUL in command line refused");
			return;
		}
		ftpp_client_line(s, b->p, clen, now);
		ftpp_buf_consume(b, n);
	}
}
