/* rep_redirect.c - parser of the --redirect SPEC language (see rep_redirect.h):
 * endpoints are read left to right against the string's end, every field
 * range-checked, every failure says which part of which spec is wrong. */
#include "rep_redirect.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* An endpoint "ADDR[:PORT]", "[V6][:PORT]" or, where allowed, a bare PORT. */
struct rr_ep {
	bool has_addr;
	struct net_addr addr;
	bool has_port;
	uint16_t port;
};

static int parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int parse_addr(const char *s, size_t n, struct net_addr *out)
{
	char buf[NET_ADDR_STRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return net_addr_parse(buf, out);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Parses s[0..n) as an endpoint; what names the part for messages. */
static int parse_ep(const char *s, size_t n, bool port_only_ok, struct rr_ep *ep,
		    const char **why)
{
	const char *colon;
	size_t an;

	memset(ep, 0, sizeof(*ep));
	if (n == 0) {
		*why = "is empty";
		return -EINVAL;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			*why = "has '[' without ']'";
			return -EINVAL;
		}
		if (parse_addr(s + 1, (size_t)(close - s - 1), &ep->addr) != 0 ||
		    ep->addr.family != NET_AF_INET6) {
			*why = "has a bad IPv6 address in brackets";
			return -EINVAL;
		}
		ep->has_addr = true;
		an = (size_t)(close - s) + 1;
		if (an == n)
			return 0;
		if (s[an] != ':' || parse_port(s + an + 1, n - an - 1, &ep->port) != 0) {
			*why = "has a bad port after the IPv6 address (1-65535)";
			return -EINVAL;
		}
		ep->has_port = true;
		return 0;
	}
	if (port_only_ok && all_digits(s, n)) {
		if (parse_port(s, n, &ep->port) != 0) {
			*why = "has a bad port (1-65535)";
			return -EINVAL;
		}
		ep->has_port = true;
		return 0;
	}
	colon = memchr(s, ':', n);
	if (colon && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1)) {
		*why = "has an IPv6 address without brackets";
		return -EINVAL;
	}
	an = colon ? (size_t)(colon - s) : n;
	if (parse_addr(s, an, &ep->addr) != 0 || ep->addr.family != NET_AF_INET4) {
		*why = "has a bad address";
		return -EINVAL;
	}
	ep->has_addr = true;
	if (!colon)
		return 0;
	if (parse_port(colon + 1, n - an - 1, &ep->port) != 0) {
		*why = "has a bad port (1-65535)";
		return -EINVAL;
	}
	ep->has_port = true;
	return 0;
}

static void host_prefix(struct net_prefix *p, const struct net_addr *a)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->len = (uint8_t)(net_addr_len(a) * 8);
}

/* Finds c in s[0..n) outside brackets; NULL if absent. */
static const char *find_unbracketed(const char *s, size_t n, char c)
{
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '[')
			depth++;
		else if (s[i] == ']')
			depth--;
		else if (s[i] == c && depth == 0)
			return s + i;
	}
	return NULL;
}

static int fail(const char *spec, const char *part, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "redirect '%s': %s %s", spec, part, why);
	return -EINVAL;
}

/* The two-sided session form: both sides "SRC>DST". */
static int parse_session(const char *spec, const char *l, size_t ln, const char *r, size_t rn,
			 struct gnat_redirect_spec *out, char *err, size_t errlen)
{
	const char *lg = find_unbracketed(l, ln, '>');
	const char *rg = find_unbracketed(r, rn, '>');
	struct rr_ep src, dst, nsrc, ndst;
	const char *why = "";

	if (!lg || !rg)
		return fail(spec, "session form", "needs SRC>DST on both sides of '='", err,
			    errlen);
	if (parse_ep(l, (size_t)(lg - l), false, &src, &why))
		return fail(spec, "match source", why, err, errlen);
	if (parse_ep(lg + 1, ln - (size_t)(lg - l) - 1, false, &dst, &why))
		return fail(spec, "match destination", why, err, errlen);
	if (parse_ep(r, (size_t)(rg - r), false, &nsrc, &why))
		return fail(spec, "new source", why, err, errlen);
	if (parse_ep(rg + 1, rn - (size_t)(rg - r) - 1, false, &ndst, &why))
		return fail(spec, "new destination", why, err, errlen);
	if (!dst.has_port)
		return fail(spec, "match destination", "needs a port", err, errlen);
	if (!ndst.has_port)
		return fail(spec, "new destination", "needs a port", err, errlen);
	if (src.addr.family != dst.addr.family || nsrc.addr.family != ndst.addr.family)
		return fail(spec, "session form", "mixes address families", err, errlen);
	host_prefix(&out->match.src, &src.addr);
	out->match.sport = src.port;
	host_prefix(&out->match.dst, &dst.addr);
	out->match.dport = dst.port;
	out->set_src = true;
	out->new_src = nsrc.addr;
	out->new_sport = nsrc.port;
	out->set_dst = true;
	out->new_dst = ndst.addr;
	out->new_dport = ndst.port;
	return 0;
}

int rep_redirect_parse(const char *spec, struct gnat_redirect_spec *out, char *err,
		       size_t errlen)
{
	const char *s = spec, *eq, *rest;
	size_t n = strlen(spec), ln, rn;
	struct rr_ep m, nd;
	const char *why = "";

	memset(out, 0, sizeof(*out));
	if (n > 4 && memcmp(s, "tcp:", 4) == 0)
		out->match.proto = 6;
	else if (n > 4 && memcmp(s, "udp:", 4) == 0)
		out->match.proto = 17;
	else
		return fail(spec, "protocol", "must be 'tcp:' or 'udp:'", err, errlen);
	rest = s + 4;
	n -= 4;
	eq = find_unbracketed(rest, n, '=');
	if (!eq)
		return fail(spec, "spec", "has no '=' between match and target", err, errlen);
	ln = (size_t)(eq - rest);
	rn = n - ln - 1;
	if (find_unbracketed(eq + 1, rn, '='))
		return fail(spec, "spec", "has more than one '='", err, errlen);
	if (find_unbracketed(rest, ln, '>') || find_unbracketed(eq + 1, rn, '>'))
		return parse_session(spec, rest, ln, eq + 1, rn, out, err, errlen);

	if (parse_ep(rest, ln, true, &m, &why))
		return fail(spec, "match", why, err, errlen);
	if (!m.has_port)
		return fail(spec, "match", "needs a destination port", err, errlen);
	if (parse_ep(eq + 1, rn, false, &nd, &why))
		return fail(spec, "target", why, err, errlen);
	if (m.has_addr) {
		if (m.addr.family != nd.addr.family)
			return fail(spec, "target", "is not of the match's address family", err,
				    errlen);
		host_prefix(&out->match.dst, &m.addr);
	}
	out->match.dport = m.port;
	out->set_dst = true;
	out->new_dst = nd.addr;
	out->new_dport = nd.port; /* 0 keeps the packet's port */
	return 0;
}
