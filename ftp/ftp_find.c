/* ftp_find.c - which lines carry a data endpoint, and where. A table maps each
 * form (a client verb or a server reply code) to its parser, as
 * nf_conntrack_ftp's search table does; adding a form is adding a row. */
#include "ftp.h"

#include <errno.h>
#include <string.h>

struct ftp_form {
	enum ftp_addr_kind kind;
	bool is_reply;
	const char *verb; /* commands */
	int code;         /* replies */
};

static const struct ftp_form ftp_forms[] = {
	{FTP_ADDR_PORT, false, "PORT", 0},
	{FTP_ADDR_EPRT, false, "EPRT", 0},
	{FTP_ADDR_227, true, NULL, 227},
	{FTP_ADDR_229, true, NULL, 229},
};

/* Parses the argument or reply text of a line already matched to a form.
 * Offsets in out are relative to text until the caller shifts them. */
static int ftp_form_parse(enum ftp_addr_kind kind, const uint8_t *text, size_t len,
			  struct ftp_addr_span *out)
{
	switch (kind) {
	case FTP_ADDR_PORT:
		out->off = 0;
		out->len = len;
		return ftp_parse_port_arg(text, len, &out->ep);
	case FTP_ADDR_EPRT:
		out->off = 0;
		out->len = len;
		return ftp_parse_eprt_arg(text, len, &out->ep, &out->delim);
	case FTP_ADDR_227:
		return ftp_parse_227_text(text, len, &out->ep, &out->off, &out->len);
	case FTP_ADDR_229:
		return ftp_parse_229_text(text, len, &out->ep, &out->off, &out->len, &out->delim);
	}
	return -EINVAL;
}

int ftp_find_addr(const uint8_t *line, size_t len, bool is_reply, struct ftp_addr_span *out)
{
	struct ftp_reply_line r;
	struct ftp_cmd c;
	const uint8_t *text;
	size_t text_len;

	memset(out, 0, sizeof(*out));
	if (is_reply) {
		/* Only a final line ("227 ...") announces; "227-" would be odd. */
		if (ftp_reply_line_parse(line, len, false, &r) != 0 || r.more)
			return 0;
		text = r.text;
		text_len = r.text_len;
	} else {
		if (ftp_cmd_parse(line, len, &c) != 0)
			return 0;
		text = c.arg;
		text_len = c.arg_len;
	}
	for (size_t i = 0; i < sizeof(ftp_forms) / sizeof(ftp_forms[0]); i++) {
		const struct ftp_form *f = &ftp_forms[i];

		if (f->is_reply != is_reply)
			continue;
		if (is_reply ? r.code != f->code : strcmp(c.verb, f->verb) != 0)
			continue;
		out->kind = f->kind;
		if (ftp_form_parse(f->kind, text, text_len, out) != 0) {
			memset(out, 0, sizeof(*out));
			return -EINVAL;
		}
		out->off += (size_t)(text - line);
		return 1;
	}
	return 0;
}
