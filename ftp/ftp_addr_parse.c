/* ftp_addr_parse.c - parse the address-carrying forms of PORT, 227, EPRT and
 * 229 (RFC 959, RFC 2428). Strict as nf_conntrack_ftp: digits and separators
 * only, every field range-checked, no read beyond the given length. */
#include "ftp.h"

#include <errno.h>
#include <string.h>

#include "ftp_priv.h"

static bool ftp_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Reads 1..max_digits decimal digits at s[*i] into *val, advancing *i. */
static int ftp_read_num(const uint8_t *s, size_t len, size_t *i, int max_digits, unsigned *val)
{
	int n = 0;

	*val = 0;
	while (*i < len && ftp_is_digit(s[*i])) {
		if (++n > max_digits)
			return -EINVAL;
		*val = *val * 10 + (unsigned)(s[*i] - '0');
		(*i)++;
	}
	return n ? 0 : -EINVAL;
}

/* The six comma-separated fields starting at s[0]; *used gets how many bytes
 * they span. */
static int ftp_read_six(const uint8_t *s, size_t len, struct ftp_endpoint *out, size_t *used)
{
	unsigned f[6];
	size_t i = 0;
	uint8_t a[4];

	for (int k = 0; k < 6; k++) {
		if (k > 0) {
			if (i >= len || s[i] != ',')
				return -EINVAL;
			i++;
		}
		if (ftp_read_num(s, len, &i, 3, &f[k]) != 0 || f[k] > 255)
			return -EINVAL;
	}
	for (int k = 0; k < 4; k++)
		a[k] = (uint8_t)f[k];
	memset(out, 0, sizeof(*out));
	out->has_addr = true;
	net_addr_from_v4(&out->addr, a);
	out->port = (uint16_t)(f[4] << 8 | f[5]);
	*used = i;
	return 0;
}

int ftp_parse_port_arg(const uint8_t *s, size_t len, struct ftp_endpoint *out)
{
	struct ftp_endpoint ep;
	size_t used;

	if (ftp_read_six(s, len, &ep, &used) != 0 || used != len)
		return -EINVAL;
	*out = ep;
	return 0;
}

bool ftp_delim_ok(uint8_t d)
{
	if (d < 33 || d > 126 || ftp_is_digit(d) || d == '.' || d == ':')
		return false;
	return !((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z'));
}

/* A port of 1..5 digits in 1..65535 (0 is not a connectable port). */
static int ftp_read_port(const uint8_t *s, size_t len, size_t *i, uint16_t *port)
{
	unsigned v;

	if (ftp_read_num(s, len, i, 5, &v) != 0 || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int ftp_parse_eprt_arg(const uint8_t *s, size_t len, struct ftp_endpoint *out, char *delim)
{
	char host[NET_ADDR_STRLEN + 1];
	struct ftp_endpoint ep;
	size_t i = 3, h0;
	uint8_t d;

	memset(&ep, 0, sizeof(ep));
	if (len < 4)
		return -EINVAL;
	d = s[0];
	if (!ftp_delim_ok(d) || (s[1] != '1' && s[1] != '2') || s[2] != d)
		return -EINVAL;
	h0 = i;
	while (i < len && s[i] != d)
		i++;
	if (i >= len || i == h0 || i - h0 > NET_ADDR_STRLEN)
		return -EINVAL;
	memcpy(host, s + h0, i - h0);
	host[i - h0] = '\0';
	/* memchr, not strlen: a NUL inside the address must not shorten it. */
	if (memchr(s + h0, '\0', i - h0) || net_addr_parse(host, &ep.addr) != 0 ||
	    ep.addr.family != (s[1] == '1' ? NET_AF_INET4 : NET_AF_INET6))
		return -EINVAL;
	i++;
	if (ftp_read_port(s, len, &i, &ep.port) != 0 || i + 1 != len || s[i] != d)
		return -EINVAL;
	ep.has_addr = true;
	*out = ep;
	if (delim)
		*delim = (char)d;
	return 0;
}

/* Servers wrap the six fields in "(...)", follow "=" or put them bare after
 * text; what they all share is one run of digits and commas. The first such
 * run decides: a bad one is not skipped in favour of a later one, which could
 * otherwise be a tail of it ("(300,1,2,3,4,5,6)"). */
int ftp_parse_227_text(const uint8_t *text, size_t len, struct ftp_endpoint *out,
		       size_t *span_off, size_t *span_len)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, used;
		bool digit = false, comma = false;
		struct ftp_endpoint ep;

		while (i < len && (ftp_is_digit(text[i]) || text[i] == ',')) {
			digit = digit || text[i] != ',';
			comma = comma || text[i] == ',';
			i++;
		}
		if (!digit || !comma) {
			i = i > start ? i : i + 1;
			continue;
		}
		if (ftp_read_six(text + start, i - start, &ep, &used) != 0 || used != i - start)
			return -EINVAL;
		*out = ep;
		*span_off = start;
		*span_len = used;
		return 0;
	}
	return -EINVAL;
}

/* "(" d d d port d ")" with four equal delimiters; the span includes the
 * parentheses, as ftp_format_229 writes them. */
static int ftp_read_229_at(const uint8_t *t, size_t len, struct ftp_endpoint *out, size_t *used,
			   char *delim)
{
	size_t i = 4;
	uint16_t port;
	uint8_t d;

	if (len < 7 || t[0] != '(')
		return -EINVAL;
	d = t[1];
	if (!ftp_delim_ok(d) || t[2] != d || t[3] != d)
		return -EINVAL;
	if (ftp_read_port(t, len, &i, &port) != 0 || i + 2 > len || t[i] != d || t[i + 1] != ')')
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->port = port;
	*used = i + 2;
	*delim = (char)d;
	return 0;
}

int ftp_parse_229_text(const uint8_t *text, size_t len, struct ftp_endpoint *out,
		       size_t *span_off, size_t *span_len, char *delim)
{
	for (size_t i = 0; i < len; i++) {
		struct ftp_endpoint ep;
		size_t used;
		char d;

		if (text[i] != '(' || ftp_read_229_at(text + i, len - i, &ep, &used, &d) != 0)
			continue;
		*out = ep;
		*span_off = i;
		*span_len = used;
		if (delim)
			*delim = d;
		return 0;
	}
	return -EINVAL;
}
