/* ftpp_server.c - server replies: bounded lines grouped into (multi-line)
 * replies matched in order to commands; 227/229 replies held whole and handed
 * to the data channel, which rewrites or refuses them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ftpp_int.h"

static void ftpp_pend_pop(struct ftpp_session *s)
{
	s->pend_head = (s->pend_head + 1) % FTPP_MAX_PENDING;
	s->pend_n--;
}

/* The first command after the head that carries a transfer verb, if the
 * client pipelined it behind its PASV: then the path is known, not guessed. */
static const struct ftpp_pending *ftpp_next_xfer(struct ftpp_session *s)
{
	for (size_t i = 1; i < s->pend_n; i++) {
		const struct ftpp_pending *p = ftpp_pend_at(s, i);

		if (p->kind == FTPP_CMD_XFER)
			return p;
		if (p->kind == FTPP_CMD_PASV || p->kind == FTPP_CMD_PORT)
			break;
	}
	return NULL;
}

static uint64_t ftpp_parse_size(const uint8_t *t, size_t len, bool *ok)
{
	uint64_t v = 0;
	size_t i = 0;

	*ok = false;
	while (i < len && t[i] >= '0' && t[i] <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(t[i] - '0');
		i++;
	}
	*ok = i > 0;
	return v;
}

static bool ftpp_epsv_refused(struct ftpp_session *s, int code)
{
	const struct ftpp_pending *head = ftpp_pend_at(s, 0);

	return head && head->kind == FTPP_CMD_PASV && head->epsv && !head->converted &&
	       s->info.server.family == NET_AF_INET4 && code >= 500 && code <= 502;
}

/* A complete reply to the head command (code >= 200), or a preliminary one. */
static void ftpp_reply_done(struct ftpp_session *s, int code, const struct ftp_reply_line *last)
{
	struct ftpp_pending *p = ftpp_pend_at(s, 0);

	if (code < 200 || !p)
		return; /* preliminary, or unsolicited (e.g. 421 before closing) */
	switch (p->kind) {
	case FTPP_CMD_PORT:
		if (code >= 400)
			ftpp_xfer_end(s, "PORT refused by server");
		break;
	case FTPP_CMD_XFER:
		ftpp_xfer_end(s, code < 400 ? "complete" : "failed");
		break;
	case FTPP_CMD_SIZE:
		if (code == 213)
			s->last_size = ftpp_parse_size(last->text, last->text_len, &s->have_size);
		break;
	case FTPP_CMD_PASV:
	case FTPP_CMD_GREETING:
	case FTPP_CMD_OTHER:
	case FTPP_CMD_LOCAL:
		break;
	}
	ftpp_pend_pop(s);
	ftpp_pend_flush_local(s);
}

/* A whole 227/229 reply: find the endpoint in any of its lines, let the data
 * code accept it, and send the reply (rewritten) or a refusal instead. */
static void ftpp_pasv_reply(struct ftpp_session *s, int code, uint64_t now)
{
	struct ftpp_pending *head = ftpp_pend_at(s, 0);
	const struct ftpp_pending *nx;
	struct ftp_addr_span span;
	struct ftp_endpoint ann;
	struct ftp_reply_line rl;
	const uint8_t *p = s->held.p;
	size_t left = s->held.len, found_at = 0;
	bool found = false;
	char rep[64];
	int n;

	while (left > 0 && !found) {
		size_t clen, ln = ftp_line_next(p, left, &clen);
		size_t off, slen;
		char delim = 0;
		int rc;

		if (ln == 0)
			break;
		if (ftp_reply_line_parse(p, clen, true, &rl) == 0) {
			memset(&span, 0, sizeof(span));
			span.kind = code == 227 ? FTP_ADDR_227 : FTP_ADDR_229;
			rc = code == 227 ? ftp_parse_227_text(rl.text, rl.text_len, &span.ep, &off, &slen)
					 : ftp_parse_229_text(rl.text, rl.text_len, &span.ep, &off, &slen,
							      &delim);
			if (rc == 0) {
				span.off = (size_t)(rl.text - p) + off;
				span.len = slen;
				span.delim = delim;
				found = true;
				found_at = (size_t)(p - s->held.p);
				break;
			}
		}
		p += ln;
		left -= ln;
	}
	if (!found || !head || head->kind != FTPP_CMD_PASV) {
		ftpp_out_log(s, "S%u unusable or unsolicited %d reply refused", s->id, code);
		ftpp_out_reply(s, 425, "Can't open data connection");
		goto out;
	}
	nx = ftpp_next_xfer(s);
	if (ftpp_xfer_pasv_reply(s, &span, nx, now, &ann) < 0) {
		ftpp_out_reply(s, 425, "Can't open data connection");
		goto out;
	}
	/* Everything but the endpoint text is the server's own, byte for byte. */
	n = ftp_format_span(&span, &ann, rep, sizeof(rep));
	if (n < 0) {
		ftpp_xfer_end(s, "format failed");
		ftpp_out_reply(s, 425, "Can't open data connection");
		goto out;
	}
	if (head->converted) {
		/* The client asked EPSV: it gets a 229, built from the 227. */
		n = ftp_format_229(ann.port, '|', rep, sizeof(rep));
		if (n < 0) {
			ftpp_xfer_end(s, "format failed");
			ftpp_out_reply(s, 425, "Can't open data connection");
			goto out;
		}
		ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, "229 Entering Extended Passive Mode ", 35);
		ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, rep, (size_t)n);
		ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, "\r\n", 2);
		goto out;
	}
	ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, s->held.p, found_at + span.off);
	ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, rep, (size_t)n);
	ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, s->held.p + found_at + span.off + span.len,
		      s->held.len - found_at - span.off - span.len);
out:
	s->held.len = 0;
	s->holding_reply = false;
}

/* One server line. Returns false when processing must pause (a transfer's
 * final reply waits for its proxied data to be copied out). */
static bool ftpp_server_line(struct ftpp_session *s, const uint8_t *line, size_t clen, size_t n,
			     uint64_t now)
{
	struct ftp_reply_line rl;
	bool in_multi = s->multi_code != 0;
	bool closing;
	int code;

	if (ftp_reply_line_parse(line, clen, in_multi, &rl) != 0) {
		/* Not a reply line outside a reply: pass it, as a lax client would. */
		ftpp_out_log_line(s, "S< (bad)", line, clen);
		ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, line, n);
		return true;
	}
	if (!in_multi && rl.code >= 200 && ftpp_xfer_holds_reply(s, rl.code))
		return false;
	ftpp_out_log_line(s, "S<", line, clen);
	code = in_multi ? s->multi_code : rl.code;
	closing = in_multi ? (rl.code == s->multi_code && !rl.more) : !rl.more;
	if (!in_multi && rl.more)
		s->multi_code = rl.code;
	if (!in_multi && ftpp_epsv_refused(s, rl.code))
		s->swallow = true;
	if (s->swallow) {
		/* An old IPv4 server without RFC 2428: ask it the RFC 959 way and
		 * answer the client's EPSV ourselves from the 227. */
		if (closing) {
			s->swallow = false;
			s->multi_code = 0;
			ftpp_pend_at(s, 0)->converted = true;
			ftpp_out_send(s, FTPP_ACT_SEND_SERVER, "PASV\r\n", 6);
			ftpp_out_log(s, "S%u EPSV refused by server: retried as PASV", s->id);
		}
		return true;
	}
	/* Every 227/229 is held whole and inspected; one that answers no
	 * PASV/EPSV of ours is refused (slipstreamed announcement). */
	if (!in_multi && (code == 227 || code == 229))
		s->holding_reply = true;
	if (s->holding_reply) {
		if (s->held.len + n > FTPP_MAX_HELD_REPLY) {
			s->held.len = 0;
			s->holding_reply = false;
			s->multi_code = 0;
			ftpp_session_close(s, FTPP_CLOSE_SERVER_PROTOCOL, true, s->sin.consumed, 421,
					   "Service not available (bad server reply)");
			return false;
		}
		if (ftpp_buf_append(&s->held, line, n) != 0) {
			s->err = -ENOMEM;
			return false;
		}
		if (closing)
			ftpp_pasv_reply(s, code, now);
	} else {
		ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, line, n);
	}
	if (closing) {
		s->multi_code = 0;
		ftpp_reply_done(s, code, &rl);
	}
	return true;
}

void ftpp_server_process(struct ftpp_session *s, uint64_t now)
{
	struct ftpp_buf *b = &s->sin;

	while (s->state == FTPP_SESS_OPEN) {
		size_t clen, n = ftp_line_next(b->p, b->len, &clen);

		if (n == 0) {
			if (b->len > FTP_MAX_LINE + 1)
				ftpp_session_close(s, FTPP_CLOSE_SERVER_PROTOCOL, true, b->consumed,
						   421, "Service not available (server line too long)");
			return;
		}
		if (clen > FTP_MAX_LINE || memchr(b->p, '\0', clen)) {
			ftpp_session_close(s, FTPP_CLOSE_SERVER_PROTOCOL, true, b->consumed, 421,
					   "Service not available (bad server reply)");
			return;
		}
		if (!ftpp_server_line(s, b->p, clen, n, now))
			return;
		ftpp_buf_consume(b, n);
		/* A reply made room: commands waiting behind a full queue go on. */
		if (s->cin.len && s->pend_n < FTPP_MAX_PENDING)
			ftpp_client_process(s, now);
	}
}
