/* ftp_line.c - FTP control-connection lines: splitting a byte stream into
 * lines (CRLF or bare LF), command lines "VERB arg" and reply lines "123 text",
 * "123-text" and multi-line continuations (RFC 959 4.2). */
#include "ftp.h"

#include <errno.h>
#include <string.h>

size_t ftp_line_next(const uint8_t *buf, size_t len, size_t *content_len)
{
	const uint8_t *nl = len ? memchr(buf, '\n', len) : NULL;
	size_t n;

	*content_len = 0;
	if (!nl)
		return 0;
	n = (size_t)(nl - buf);
	*content_len = (n > 0 && buf[n - 1] == '\r') ? n - 1 : n;
	return n + 1;
}

static bool ftp_is_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool ftp_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

int ftp_cmd_parse(const uint8_t *line, size_t len, struct ftp_cmd *out)
{
	size_t v = 0;

	memset(out, 0, sizeof(*out));
	if (len > FTP_MAX_LINE)
		return -E2BIG;
	while (v < len && v < FTP_MAX_VERB + 1 && ftp_is_alpha(line[v]))
		v++;
	/* The verb ends at the end of the line or at one SP; anything else
	 * (a fifth letter, a digit, a TAB, a NUL) is not a command we know. */
	if (v < 3 || v > FTP_MAX_VERB || (v < len && line[v] != ' '))
		return -EINVAL;
	for (size_t i = 0; i < v; i++)
		out->verb[i] = (char)(line[i] & ~0x20); /* ASCII letters only: upper-case */
	out->verb[v] = '\0';
	out->arg = v < len ? line + v + 1 : line + len;
	out->arg_len = v < len ? len - v - 1 : 0;
	return 0;
}

/* Three digits 100..599: the only reply codes RFC 959 defines. */
static int ftp_reply_code(const uint8_t *line, size_t len)
{
	if (len < 3 || !ftp_is_digit(line[0]) || !ftp_is_digit(line[1]) || !ftp_is_digit(line[2]))
		return 0;
	if (line[0] < '1' || line[0] > '5')
		return 0;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* In a multi-line reply, every line but the closing "123 " is text; only the
 * caller knows the opening code, so a "456 x" or "123-x" inside one is
 * reported as such and the caller compares codes. */
int ftp_reply_line_parse(const uint8_t *line, size_t len, bool in_multiline,
			 struct ftp_reply_line *out)
{
	int code = ftp_reply_code(line, len);

	memset(out, 0, sizeof(*out));
	if (len > FTP_MAX_LINE)
		return -EINVAL;
	if (code && (len == 3 || line[3] == ' ' || line[3] == '-')) {
		out->code = code;
		out->more = len > 3 && line[3] == '-';
		out->text = line + (len > 3 ? 4 : 3);
		out->text_len = len > 3 ? len - 4 : 0;
		return 0;
	}
	if (!in_multiline)
		return -EINVAL;
	out->code = 0;
	out->more = true;
	out->text = line;
	out->text_len = len;
	return 0;
}
