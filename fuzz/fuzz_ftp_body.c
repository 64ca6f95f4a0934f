/* fuzz_ftp_body.c - hostile bytes through the FTP grammar: line splitting,
 * command and reply parsing, address finding; every address found is
 * formatted back and re-parsed, alone and spliced into its line as an editor
 * would, and must name the same endpoint. */
#include "fuzz_targets.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../ftp/ftp.h"

/* byte 0: bit0 the bytes come from the server (replies), bit1 start inside a
 * multi-line reply; the rest is the control-connection stream. */
#define FZF_OPT_REPLY 0x01
#define FZF_OPT_MULTI 0x02

static void fzf_check(bool ok)
{
	if (!ok)
		abort();
}

static bool fzf_within(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	if (n == 0)
		return true;
	return a >= b && a - b <= len && n <= len - (a - b);
}

static bool fzf_same_ep(const struct ftp_endpoint *a, const struct ftp_endpoint *b)
{
	if (a->port != b->port || a->has_addr != b->has_addr)
		return false;
	return !a->has_addr || net_addr_eq(&a->addr, &b->addr);
}

/* Format the span's endpoint back and parse the text again with the parser
 * of the same kind: the endpoint (and delimiter) must survive. */
static void fzf_round_trip(const struct ftp_addr_span *span)
{
	char text[128];
	struct ftp_endpoint ep;
	size_t off, len;
	char delim = 0;
	int n;

	n = ftp_format_span(span, &span->ep, text, sizeof(text));
	if (n == -EAFNOSUPPORT) /* PORT/227 can only say IPv4 */
		return;
	fzf_check(n > 0 && (size_t)n < sizeof(text));
	memset(&ep, 0, sizeof(ep));
	switch (span->kind) {
	case FTP_ADDR_PORT:
		fzf_check(ftp_parse_port_arg((const uint8_t *)text, (size_t)n, &ep) == 0);
		break;
	case FTP_ADDR_EPRT:
		fzf_check(ftp_parse_eprt_arg((const uint8_t *)text, (size_t)n, &ep, &delim) == 0);
		fzf_check(delim == span->delim);
		break;
	case FTP_ADDR_227:
		fzf_check(ftp_parse_227_text((const uint8_t *)text, (size_t)n, &ep, &off, &len) ==
			  0);
		fzf_check(off + len <= (size_t)n);
		break;
	case FTP_ADDR_229:
		fzf_check(ftp_parse_229_text((const uint8_t *)text, (size_t)n, &ep, &off, &len,
					     &delim) == 0);
		fzf_check(off + len <= (size_t)n);
		break;
	}
	fzf_check(fzf_same_ep(&ep, &span->ep));
}

/* What an editor does: put the formatted text in place of the span. The
 * edited line must be found again, at the same place, naming the same
 * endpoint, or a peer could read the rewritten line differently. */
static void fzf_splice(const uint8_t *line, size_t len, bool is_reply,
		       const struct ftp_addr_span *span)
{
	uint8_t out[FTP_MAX_LINE + 256];
	struct ftp_addr_span again;
	char text[128];
	size_t n;
	int k = ftp_format_span(span, &span->ep, text, sizeof(text));

	if (k <= 0 || len - span->len + (size_t)k > sizeof(out))
		return;
	memcpy(out, line, span->off);
	memcpy(out + span->off, text, (size_t)k);
	memcpy(out + span->off + (size_t)k, line + span->off + span->len,
	       len - span->off - span->len);
	n = len - span->len + (size_t)k;
	memset(&again, 0, sizeof(again));
	fzf_check(ftp_find_addr(out, n, is_reply, &again) == 1);
	fzf_check(again.kind == span->kind && again.off == span->off);
	fzf_check(again.len == (size_t)k);
	fzf_check(fzf_same_ep(&again.ep, &span->ep));
}

static void fzf_line(const uint8_t *line, size_t len, bool is_reply, bool *multi)
{
	struct ftp_cmd cmd;
	struct ftp_reply_line rl;
	struct ftp_addr_span span;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	if (ftp_cmd_parse(line, len, &cmd) == 0) {
		size_t vl = strnlen(cmd.verb, sizeof(cmd.verb));

		fzf_check(vl >= 3 && vl <= FTP_MAX_VERB);
		for (size_t i = 0; i < vl; i++)
			fzf_check(cmd.verb[i] >= 'A' && cmd.verb[i] <= 'Z');
		fzf_check(fzf_within(cmd.arg, cmd.arg_len, line, len));
	}
	memset(&rl, 0, sizeof(rl));
	if (ftp_reply_line_parse(line, len, *multi, &rl) == 0) {
		fzf_check(rl.code == 0 || (rl.code >= 100 && rl.code <= 599));
		fzf_check(rl.code == 0 || (len >= 3 && line[0] == '0' + rl.code / 100 &&
					   line[1] == '0' + rl.code / 10 % 10 &&
					   line[2] == '0' + rl.code % 10));
		fzf_check(fzf_within(rl.text, rl.text_len, line, len));
		if (rl.code)
			*multi = rl.more;
	}
	memset(&span, 0, sizeof(span));
	rc = ftp_find_addr(line, len, is_reply, &span);
	fzf_check(rc == 1 || rc == 0 || rc == -EINVAL);
	if (rc != 1)
		return;
	fzf_check(span.off <= len && span.len <= len - span.off);
	fzf_round_trip(&span);
	fzf_splice(line, len, is_reply, &span);
}

int fuzz_ftp_one(const uint8_t *data, size_t size)
{
	bool is_reply, multi;
	size_t pos = 1;

	if (size < 1)
		return 0;
	is_reply = data[0] & FZF_OPT_REPLY;
	multi = data[0] & FZF_OPT_MULTI;
	while (pos < size) {
		size_t content = 0;
		size_t n = ftp_line_next(data + pos, size - pos, &content);

		fzf_check(n <= size - pos && content <= n);
		if (n == 0) /* the unterminated tail is parsed as a line too */
			n = content = size - pos;
		fzf_line(data + pos, content, is_reply, &multi);
		pos += n;
	}
	return 0;
}
