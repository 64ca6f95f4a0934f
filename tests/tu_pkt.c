/* tu_pkt.c - the test packet builders of tu_pkt.h. libnet (build-only
 * context, no injection) lays out the headers and fills the checksums, so the
 * packets the tests feed to net/ do not come from net/'s own code. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#define _BSD_SOURCE
#define __BSD_SOURCE
#define __FAVOR_BSD
#define HAVE_NET_ETHERNET_H 1
#include <libnet.h>

#include "tu_pkt.h"

#include <errno.h>
#include <string.h>

/* libnet takes some payloads as non-const but only copies them. */
static uint8_t *tu_unconst(const void *p)
{
	return (uint8_t *)(uintptr_t)p;
}

static struct libnet_in6_addr tu_in6(const struct net_addr *a)
{
	struct libnet_in6_addr r;

	memcpy(&r, a->a, sizeof(r));
	return r;
}

static uint32_t tu_in4(const struct net_addr *a)
{
	uint32_t r;

	memcpy(&r, a->a, 4); /* libnet wants network byte order */
	return r;
}

/* The transport header (with payload) on top of which the IP header goes. */
static int tu_build_l4(libnet_t *l, const struct tu_pkt_spec *s, bool v6, uint32_t *l4_len)
{
	const uint8_t *pl = s->payload;
	uint32_t pl_len = (uint32_t)s->payload_len;
	uint16_t win = s->window ? s->window : 65535;
	libnet_ptag_t t;

	switch (s->proto) {
	case IPPROTO_TCP:
		*l4_len = LIBNET_TCP_H + pl_len;
		t = libnet_build_tcp(s->sport, s->dport, s->seq, s->ack, s->tcp_flags, win, 0, 0,
				     (uint16_t)*l4_len, pl, pl_len, l, 0);
		break;
	case IPPROTO_UDP:
		*l4_len = LIBNET_UDP_H + pl_len;
		t = libnet_build_udp(s->sport, s->dport, (uint16_t)*l4_len, 0, pl, pl_len, l, 0);
		break;
	case IPPROTO_ICMP:
		if (v6)
			return -EINVAL;
		*l4_len = LIBNET_ICMPV4_ECHO_H + pl_len;
		t = libnet_build_icmpv4_echo(s->icmp_type ? s->icmp_type : 8, s->icmp_code, 0,
					     s->sport, (uint16_t)s->seq, pl, pl_len, l, 0);
		break;
	case IPPROTO_ICMPV6:
		if (!v6)
			return -EINVAL;
		*l4_len = 8 + pl_len;
		t = libnet_build_icmpv6_echo(s->icmp_type ? s->icmp_type : 128, s->icmp_code, 0,
					     s->sport, (uint16_t)s->seq, tu_unconst(pl), pl_len, l, 0);
		break;
	default:
		return -EINVAL;
	}
	return t == -1 ? -EINVAL : 0;
}

static int tu_build_ip(libnet_t *l, const struct net_addr *src, const struct net_addr *dst,
		       uint8_t proto, uint32_t l4_len, uint8_t ttl, uint16_t id)
{
	libnet_ptag_t t;

	if (!ttl)
		ttl = 64;
	if (src->family == NET_AF_INET4) {
		if (l4_len + LIBNET_IPV4_H > 65535)
			return -EMSGSIZE;
		t = libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4_len), 0, id, 0, ttl, proto, 0,
				      tu_in4(src), tu_in4(dst), NULL, 0, l, 0);
	} else {
		if (l4_len > 65535)
			return -EMSGSIZE;
		t = libnet_build_ipv6(0, 0, (uint16_t)l4_len, proto, ttl, tu_in6(src), tu_in6(dst),
				      NULL, 0, l, 0);
	}
	return t == -1 ? -EINVAL : 0;
}

/* Copies the assembled packet out of libnet into the caller's buffer. */
static int tu_collect(libnet_t *l, uint8_t *buf, size_t cap)
{
	uint8_t *pkt = NULL;
	uint32_t n = 0;
	int rc;

	if (libnet_pblock_coalesce(l, &pkt, &n) == -1)
		return -EINVAL;
	if (n > cap || n > INT32_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	memcpy(buf, pkt, n);
	rc = (int)n;
out:
	libnet_adv_free_packet(l, pkt);
	return rc;
}

static int tu_parse_pair(const char *from, const char *to, struct net_addr *a,
			 struct net_addr *b)
{
	if (!from || !to || net_addr_parse(from, a) != 0 || net_addr_parse(to, b) != 0)
		return -EINVAL;
	return a->family == b->family ? 0 : -EINVAL;
}

int tu_pkt_build(const struct tu_pkt_spec *s, uint8_t *buf, size_t cap)
{
	char errbuf[LIBNET_ERRBUF_SIZE];
	struct net_addr src, dst;
	libnet_t *l = NULL;
	uint32_t l4_len = 0;
	int rc;

	rc = tu_parse_pair(s->src, s->dst, &src, &dst);
	if (rc)
		return rc;
	if (s->payload_len > 65535 || (s->payload_len && !s->payload))
		return -EINVAL;
	l = libnet_init(LIBNET_NONE, NULL, errbuf);
	if (!l)
		return -ENOMEM;
	rc = tu_build_l4(l, s, src.family == NET_AF_INET6, &l4_len);
	if (rc)
		goto out;
	rc = tu_build_ip(l, &src, &dst, s->proto, l4_len, s->ttl, s->ip_id);
	if (rc)
		goto out;
	rc = tu_collect(l, buf, cap);
	/* libnet always fills the UDP checksum; a zero one means "none" (IPv4). */
	if (rc > 0 && s->udp_zero_csum && s->proto == IPPROTO_UDP && src.family == NET_AF_INET4) {
		buf[LIBNET_IPV4_H + 6] = 0;
		buf[LIBNET_IPV4_H + 7] = 0;
	}
out:
	libnet_destroy(l);
	return rc;
}

int tu_pkt_build_icmp_error(const char *from, const char *to, const uint8_t *inner,
			    size_t inner_len, size_t quote_len, uint8_t *buf, size_t cap)
{
	char errbuf[LIBNET_ERRBUF_SIZE];
	struct net_addr src, dst;
	libnet_t *l = NULL;
	libnet_ptag_t t;
	bool v6;
	int rc;

	rc = tu_parse_pair(from, to, &src, &dst);
	if (rc)
		return rc;
	if (quote_len > inner_len)
		quote_len = inner_len;
	if (quote_len > 60000)
		return -EINVAL;
	v6 = src.family == NET_AF_INET6;
	l = libnet_init(LIBNET_NONE, NULL, errbuf);
	if (!l)
		return -ENOMEM;
	/* Type 3 code 3 (port unreachable) / ICMPv6 type 1 code 4: what a host
	 * answers to a datagram for a closed port. */
	if (v6)
		t = libnet_build_icmpv6_unreach(1, 4, 0, tu_unconst(inner), (uint32_t)quote_len, l, 0);
	else
		t = libnet_build_icmpv4_unreach(3, 3, 0, inner, (uint32_t)quote_len, l, 0);
	if (t == -1) {
		rc = -EINVAL;
		goto out;
	}
	rc = tu_build_ip(l, &src, &dst, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
			 (uint32_t)(8 + quote_len), 64, 0);
	if (rc)
		goto out;
	rc = tu_collect(l, buf, cap);
out:
	libnet_destroy(l);
	return rc;
}
