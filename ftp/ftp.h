/* ftp.h - the FTP grammar shared by the kernel editor, the proxy, the
 * simulated endpoints and the capture extractor: lines, commands, replies, and
 * the address-carrying arguments PORT, EPRT (RFC 2428), 227 and 229 replies.
 * Everything is bounds-checked against the given length; nothing needs a NUL. */
#ifndef GATELAB_FTP_H
#define GATELAB_FTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"

#define FTP_MAX_LINE 512 /* as OpenBSD ftp-proxy's MAX_LINE, plus CRLF slack */
#define FTP_MAX_VERB 4

/* Find the end of the first line in buf[0..len): returns the length of the
 * line including its terminator (CRLF or a bare LF), or 0 when no terminator
 * is present yet. *content_len gets the length without the terminator. */
size_t ftp_line_next(const uint8_t *buf, size_t len, size_t *content_len);

/* A command line: VERB [SP arg]. verb is upper-cased into a NUL-terminated
 * array; arg points into the caller's buffer (not NUL-terminated). */
struct ftp_cmd {
	char verb[FTP_MAX_VERB + 1];
	const uint8_t *arg;
	size_t arg_len;
};
/* Parse a line without its terminator. Returns 0, -EINVAL for a verb that is
 * not 3-4 ASCII letters, -E2BIG for a line over FTP_MAX_LINE. */
int ftp_cmd_parse(const uint8_t *line, size_t len, struct ftp_cmd *out);

/* One reply line: "123 text" (final), "123-text" (first of a multi-line
 * reply) or a continuation line of a multi-line reply (code = 0). */
struct ftp_reply_line {
	int code;        /* 100..599, or 0 for a continuation line */
	bool more;       /* "123-": the reply continues */
	const uint8_t *text;
	size_t text_len;
};
/* Parse a line without its terminator. Returns 0 or -EINVAL. A line that
 * starts with 3 digits followed by neither SP, '-' nor end of line is -EINVAL
 * unless in_multiline (then it is a continuation: code 0, more true, text the
 * whole line). Inside a multi-line reply a "123 x" line is reported with its
 * code; the caller compares it with the opening code. Lines longer than
 * FTP_MAX_LINE are -EINVAL. */
int ftp_reply_line_parse(const uint8_t *line, size_t len, bool in_multiline,
			 struct ftp_reply_line *out);

/* An announced data endpoint. EPSV replies carry no address (has_addr false). */
struct ftp_endpoint {
	bool has_addr;
	struct net_addr addr;
	uint16_t port;
};

enum ftp_addr_kind { FTP_ADDR_PORT, FTP_ADDR_EPRT, FTP_ADDR_227, FTP_ADDR_229 };

/* Where in a line the address-carrying text is, so an editor can replace
 * exactly those bytes. Offsets are relative to the start of the line. */
struct ftp_addr_span {
	enum ftp_addr_kind kind;
	size_t off, len;
	char delim;            /* EPRT/229 delimiter character */
	struct ftp_endpoint ep;
};

/* "h1,h2,h3,h4,p1,p2" with each field 0..255. Returns 0 or -EINVAL. */
int ftp_parse_port_arg(const uint8_t *s, size_t len, struct ftp_endpoint *out);
/* "|1|192.0.2.1|1025|" or "|2|2001:db8::1|1025|" (any delimiter in 33..126
 * except digits, letters, '.' and ':', which would be ambiguous); port 1..65535. */
int ftp_parse_eprt_arg(const uint8_t *s, size_t len, struct ftp_endpoint *out, char *delim);
/* Search a 227 reply text for h1,h2,h3,h4,p1,p2 in any of the forms servers
 * send: "(a,b,c,d,e,f)", "=a,b,c,d,e,f", or bare digits after text. The first
 * run of digits and commas decides: if it is malformed, -EINVAL. The span is
 * the six fields without parentheses. */
int ftp_parse_227_text(const uint8_t *text, size_t len, struct ftp_endpoint *out,
		       size_t *span_off, size_t *span_len);
/* "(|||port|)" in a 229 reply text; the span includes the parentheses. */
int ftp_parse_229_text(const uint8_t *text, size_t len, struct ftp_endpoint *out,
		       size_t *span_off, size_t *span_len, char *delim);

/* Given a full line (no terminator) from the client (is_reply false) or the
 * server, find a PORT/EPRT command or a 227/229 reply and where its address
 * text is. Returns 1 if found, 0 if the line carries no address, -EINVAL if
 * it is a PORT/EPRT/227/229 that does not parse. */
int ftp_find_addr(const uint8_t *line, size_t len, bool is_reply, struct ftp_addr_span *out);

/* Formatters write the replacement for the span (not the whole line) and
 * return its length, or -ENOSPC. PORT and 227 forms are "h1,h2,h3,h4,p1,p2"
 * (IPv4 only, -EAFNOSUPPORT otherwise); EPRT is "|1|addr|port|" or
 * "|2|addr|port|" with the given delimiter; 229 is "(|||port|)". */
int ftp_format_port(const struct ftp_endpoint *ep, char *buf, size_t len);
int ftp_format_eprt(const struct ftp_endpoint *ep, char delim, char *buf, size_t len);
int ftp_format_229(uint16_t port, char delim, char *buf, size_t len);
/* Format the span's replacement of the same kind as span->kind. */
int ftp_format_span(const struct ftp_addr_span *span, const struct ftp_endpoint *ep,
		    char *buf, size_t len);

#endif
