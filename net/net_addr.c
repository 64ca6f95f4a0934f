/* net_addr.c - addresses and prefixes: text forms (via inet_pton/ntop, so
 * every IPv6 spelling the libc knows is accepted) and prefix matching. */
#include "net_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void net_addr_from_v4(struct net_addr *out, const uint8_t v4[4])
{
	memset(out, 0, sizeof(*out));
	out->family = NET_AF_INET4;
	memcpy(out->a, v4, 4);
}

void net_addr_from_v6(struct net_addr *out, const uint8_t v6[16])
{
	memset(out, 0, sizeof(*out));
	out->family = NET_AF_INET6;
	memcpy(out->a, v6, 16);
}

int net_addr_parse(const char *s, struct net_addr *out)
{
	uint8_t b[16];

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, b) == 1) {
		net_addr_from_v4(out, b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		net_addr_from_v6(out, b);
		return 0;
	}
	return -EINVAL;
}

int net_addr_format(const struct net_addr *a, char *buf, size_t len)
{
	int af;

	if (a->family == NET_AF_INET4)
		af = AF_INET;
	else if (a->family == NET_AF_INET6)
		af = AF_INET6;
	else
		return -EINVAL;
	/* socklen_t is narrower than size_t; nothing longer than 46 is ever needed. */
	if (len > NET_ADDR_STRLEN)
		len = NET_ADDR_STRLEN;
	if (!inet_ntop(af, a->a, buf, (socklen_t)len))
		return -ENOSPC;
	return 0;
}

bool net_addr_eq(const struct net_addr *x, const struct net_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, net_addr_len(x)) == 0;
}

bool net_addr_is_set(const struct net_addr *a)
{
	return a->family == NET_AF_INET4 || a->family == NET_AF_INET6;
}

size_t net_addr_len(const struct net_addr *a)
{
	switch (a->family) {
	case NET_AF_INET4:
		return 4;
	case NET_AF_INET6:
		return 16;
	default:
		return 0;
	}
}

static void prefix_clear_host_bits(struct net_prefix *p)
{
	size_t n = net_addr_len(&p->addr);

	for (size_t i = 0; i < n; i++) {
		size_t bit = i * 8;

		if (bit >= p->len)
			p->addr.a[i] = 0;
		else if (bit + 8 > p->len)
			p->addr.a[i] &= (uint8_t)(0xff << (8 - (p->len - bit)));
	}
}

int net_prefix_parse(const char *s, struct net_prefix *out)
{
	char host[NET_ADDR_STRLEN + 1];
	const char *slash;
	size_t hlen, max;
	unsigned len = 0;

	if (!s)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	/* "any" is the text form of the family-less prefix (see net_prefix_format). */
	if (strcmp(s, "any") == 0)
		return 0;
	slash = strchr(s, '/');
	hlen = slash ? (size_t)(slash - s) : strlen(s);
	if (hlen == 0 || hlen > NET_ADDR_STRLEN)
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (net_addr_parse(host, &out->addr) != 0)
		return -EINVAL;
	max = net_addr_len(&out->addr) * 8;
	if (!slash) {
		len = (unsigned)max;
	} else {
		const char *d = slash + 1;

		/* Strict decimal: no sign, no spaces, no leading zeros beyond "0". */
		if (*d == '\0' || (d[0] == '0' && d[1] != '\0'))
			goto bad;
		for (; *d; d++) {
			if (*d < '0' || *d > '9' || len > max)
				goto bad;
			len = len * 10 + (unsigned)(*d - '0');
		}
		if (len > max)
			goto bad;
	}
	out->len = (uint8_t)len;
	prefix_clear_host_bits(out);
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int net_prefix_format(const struct net_prefix *p, char *buf, size_t len)
{
	char a[NET_ADDR_STRLEN];
	int n;

	if (!net_addr_is_set(&p->addr))
		n = snprintf(buf, len, "any");
	else if (net_addr_format(&p->addr, a, sizeof(a)) != 0)
		return -EINVAL;
	else
		n = snprintf(buf, len, "%s/%u", a, (unsigned)p->len);
	return (n < 0 || (size_t)n >= len) ? -ENOSPC : 0;
}

bool net_prefix_contains(const struct net_prefix *p, const struct net_addr *a)
{
	size_t full, rem;

	if (!net_addr_is_set(&p->addr))
		return true;
	if (p->addr.family != a->family || p->len > net_addr_len(a) * 8)
		return false;
	full = p->len / 8;
	rem = p->len % 8;
	if (memcmp(p->addr.a, a->a, full) != 0)
		return false;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));

		if ((p->addr.a[full] & mask) != (a->a[full] & mask))
			return false;
	}
	return true;
}
