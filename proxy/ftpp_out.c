/* ftpp_out.c - the session's output: a queue of actions whose bytes live in
 * one growing area, located by offset so growth never leaves a dangling
 * pointer; the area is reset once the driver has drained the queue. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ftpp_int.h"

int ftpp_buf_append(struct ftpp_buf *b, const void *data, size_t len)
{
	size_t ncap;
	uint8_t *p;

	if (len == 0)
		return 0;
	if (b->len + len > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + len)
			ncap *= 2;
		p = realloc(b->p, ncap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

void ftpp_buf_consume(struct ftpp_buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->consumed += n;
}

/* Called at the top of every entry point: bytes of actions the driver has
 * already popped are no longer referenced. */
void ftpp_out_begin(struct ftpp_session *s)
{
	if (s->q_n == 0) {
		s->q_head = 0;
		s->out.len = 0;
	}
}

void ftpp_out_push(struct ftpp_session *s, const struct ftpp_action *a, const void *data,
		   size_t len)
{
	struct ftpp_qitem *it, *nq;
	size_t off = s->out.len, ncap;

	if (s->err)
		return;
	if (s->q_head + s->q_n == s->q_cap) {
		if (s->q_head > 0) {
			memmove(s->q, s->q + s->q_head, s->q_n * sizeof(*s->q));
			s->q_head = 0;
		} else {
			ncap = s->q_cap ? s->q_cap * 2 : 16;
			nq = realloc(s->q, ncap * sizeof(*nq));
			if (!nq) {
				s->err = -ENOMEM;
				return;
			}
			s->q = nq;
			s->q_cap = ncap;
		}
	}
	if (ftpp_buf_append(&s->out, data, len) != 0) {
		s->err = -ENOMEM;
		return;
	}
	it = &s->q[s->q_head + s->q_n++];
	it->a = *a;
	it->a.data = NULL;
	it->a.len = len;
	it->off = off;
}

void ftpp_out_simple(struct ftpp_session *s, enum ftpp_action_type t)
{
	struct ftpp_action a;

	memset(&a, 0, sizeof(a));
	a.type = t;
	ftpp_out_push(s, &a, NULL, 0);
}

void ftpp_out_send(struct ftpp_session *s, enum ftpp_action_type t, const void *data, size_t len)
{
	struct ftpp_action a;

	memset(&a, 0, sizeof(a));
	a.type = t;
	ftpp_out_push(s, &a, data, len);
}

void ftpp_out_reply(struct ftpp_session *s, int code, const char *text)
{
	char line[FTP_MAX_LINE + 3];
	int n = snprintf(line, sizeof(line), "%03d %s\r\n", code, text);

	if (n < 0 || (size_t)n >= sizeof(line))
		n = snprintf(line, sizeof(line), "%03d Error\r\n", code);
	ftpp_out_send(s, FTPP_ACT_SEND_CLIENT, line, (size_t)n);
	ftpp_out_log(s, "S%u reply %03d %s", s->id, code, text);
}

void ftpp_out_log(struct ftpp_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	ftpp_out_send(s, FTPP_ACT_LOG, line, (size_t)n);
}

/* Peer bytes in a log line: escaped, and a password never written. */
void ftpp_out_log_line(struct ftpp_session *s, const char *tag, const uint8_t *line, size_t len)
{
	char esc[FTP_MAX_LINE * 4 + 1];

	if (len >= 5 && strncasecmp((const char *)line, "PASS ", 5) == 0)
		len = 5;
	ftpp_escape(line, len, esc, sizeof(esc));
	ftpp_out_log(s, "S%u %s %s", s->id, tag, esc);
}

size_t ftpp_escape(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];
		size_t need = (c == '\\') ? 2 : (c >= 0x20 && c < 0x7f) ? 1 : 4;

		if (o + need >= cap)
			break;
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (need == 1) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = (char)('0' + ((c >> 6) & 7));
			out[o++] = (char)('0' + ((c >> 3) & 7));
			out[o++] = (char)('0' + (c & 7));
		}
	}
	out[o] = '\0';
	return o;
}

int ftpp_next_action(struct ftpp_session *s, struct ftpp_action *out)
{
	struct ftpp_qitem *it;

	if (!s || !out)
		return -EINVAL;
	if (s->q_n == 0)
		return 0;
	it = &s->q[s->q_head++];
	s->q_n--;
	*out = it->a;
	out->data = it->a.len ? s->out.p + it->off : NULL;
	return 1;
}

void ftpp_out_free(struct ftpp_session *s)
{
	free(s->q);
	free(s->out.p);
	s->q = NULL;
	s->out.p = NULL;
}
