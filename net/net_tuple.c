/* net_tuple.c - transport tuples: equality, direction reversal, a seeded
 * hash for the engine's tables, and the one text form used in logs. */
#include "net_addr.h"

#include <errno.h>
#include <stdio.h>

bool net_tuple_eq(const struct net_tuple *x, const struct net_tuple *y)
{
	return x->proto == y->proto && x->sport == y->sport && x->dport == y->dport &&
	       net_addr_eq(&x->src, &y->src) && net_addr_eq(&x->dst, &y->dst);
}

void net_tuple_reverse(const struct net_tuple *in, struct net_tuple *out)
{
	struct net_tuple t = *in; /* in and out may be the same object */

	t.src = in->dst;
	t.dst = in->src;
	t.sport = in->dport;
	t.dport = in->sport;
	*out = t;
}

/* FNV-1a over the fields (never over padding), then a splitmix64 finaliser so
 * that nearby tuples spread over every bit of the result. */
static uint64_t tuple_mix(uint64_t h, uint8_t b)
{
	return (h ^ b) * 0x100000001b3ULL;
}

static uint64_t tuple_mix_addr(uint64_t h, const struct net_addr *a)
{
	h = tuple_mix(h, a->family);
	for (size_t i = 0; i < net_addr_len(a); i++)
		h = tuple_mix(h, a->a[i]);
	return h;
}

uint64_t net_tuple_hash(const struct net_tuple *t, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	h = tuple_mix(h, t->proto);
	h = tuple_mix_addr(h, &t->src);
	h = tuple_mix_addr(h, &t->dst);
	h = tuple_mix(h, (uint8_t)(t->sport >> 8));
	h = tuple_mix(h, (uint8_t)t->sport);
	h = tuple_mix(h, (uint8_t)(t->dport >> 8));
	h = tuple_mix(h, (uint8_t)t->dport);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static const char *tuple_proto_name(uint8_t proto, char *tmp, size_t len)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		snprintf(tmp, len, "proto-%u", (unsigned)proto);
		return tmp;
	}
}

static int tuple_endpoint(const struct net_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[NET_ADDR_STRLEN];
	int n;

	if (net_addr_format(a, s, sizeof(s)) != 0)
		n = snprintf(buf, len, "?:%u", (unsigned)port);
	else if (a->family == NET_AF_INET6)
		n = snprintf(buf, len, "[%s]:%u", s, (unsigned)port);
	else
		n = snprintf(buf, len, "%s:%u", s, (unsigned)port);
	return (n < 0 || (size_t)n >= len) ? -ENOSPC : 0;
}

int net_tuple_format(const struct net_tuple *t, char *buf, size_t len)
{
	char src[NET_ADDR_STRLEN + 8], dst[NET_ADDR_STRLEN + 8], pname[16];
	int n;

	if (tuple_endpoint(&t->src, t->sport, src, sizeof(src)) != 0 ||
	    tuple_endpoint(&t->dst, t->dport, dst, sizeof(dst)) != 0)
		return -ENOSPC;
	n = snprintf(buf, len, "%s %s -> %s", tuple_proto_name(t->proto, pname, sizeof(pname)),
		     src, dst);
	return (n < 0 || (size_t)n >= len) ? -ENOSPC : 0;
}
