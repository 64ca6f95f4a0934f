/* net_pkt_rewrite.c - change addresses, ports (ICMP echo ids) and TCP
 * sequence numbers in place, each checksum updated by RFC 1624 rather than
 * recomputed, so the cost does not depend on the payload size. */
#include "net_pkt.h"

#include <errno.h>
#include <string.h>

#include "net_bytes.h"
#include "net_csum.h"
#include "net_pkt_priv.h"

/* Where the port (or echo id) sits in a transport header, if anywhere. */
static bool port_off(uint8_t proto, const uint8_t *l4, bool is_src, size_t *off)
{
	switch (proto) {
	case NET_PROTO_TCP:
	case NET_PROTO_UDP:
		*off = is_src ? 0 : 2;
		return true;
	case NET_PROTO_ICMP:
		*off = 4;
		return l4[0] == 0 || l4[0] == 8;
	case NET_PROTO_ICMPV6:
		*off = 4;
		return l4[0] == 128 || l4[0] == 129;
	default:
		return false;
	}
}

static void tuple_set(struct net_tuple *t, bool is_src, bool echo, const struct net_addr *a,
		      uint16_t port, bool has_port)
{
	if (is_src)
		t->src = *a;
	else
		t->dst = *a;
	if (!has_port)
		return;
	if (echo)
		t->sport = t->dport = port;
	else if (is_src)
		t->sport = port;
	else
		t->dport = port;
}

static int rewrite_outer(struct net_pkt *p, bool is_src, const struct net_addr *a, uint16_t port)
{
	size_t aoff, alen, coff = 0, poff = 0;
	bool csum, has_port;
	uint8_t old[16];

	if (a->family != p->family || !net_addr_is_set(a))
		return -EINVAL;
	alen = net_addr_len(a);
	/* Decide before writing: a zero IPv4 UDP checksum must stay zero. */
	csum = net_pkt_l4_csum_off(p, &coff) && !net_pkt_udp_csum_absent(p);
	has_port = p->first_fragment && p->l4_off + 8 <= p->len && !p->icmp_error &&
		   port_off(p->tuple.proto, p->buf + p->l4_off, is_src, &poff);

	aoff = net_pkt_addr_off(p->family, is_src);
	memcpy(old, p->buf + aoff, alen);
	memcpy(p->buf + aoff, a->a, alen);
	if (p->family == NET_AF_INET4)
		net_csum_replace(p->buf + 10, old, a->a, 4);
	if (csum && net_pkt_l4_has_pseudo(p->tuple.proto))
		net_csum_replace(p->buf + coff, old, a->a, alen);
	if (has_port) {
		uint8_t *f = p->buf + p->l4_off + poff;
		uint16_t prev = net_rd16(f);

		net_wr16(f, port);
		if (csum)
			net_csum_replace16(p->buf + coff, prev, port);
	}
	if (csum && p->tuple.proto == NET_PROTO_UDP && net_rd16(p->buf + coff) == 0)
		net_wr16(p->buf + coff, 0xffff);
	tuple_set(&p->tuple, is_src, p->icmp_echo, a, port, has_port);
	return 0;
}

int net_pkt_rewrite_src(struct net_pkt *p, const struct net_addr *a, uint16_t port)
{
	return rewrite_outer(p, true, a, port);
}

int net_pkt_rewrite_dst(struct net_pkt *p, const struct net_addr *a, uint16_t port)
{
	return rewrite_outer(p, false, a, port);
}

/* Every byte of the quote is covered by the outer ICMP checksum, so each
 * write into it is mirrored there. */
static void inner_write(struct net_pkt *p, size_t off, const void *bytes, size_t n)
{
	uint8_t old[16];

	memcpy(old, p->buf + off, n);
	memcpy(p->buf + off, bytes, n);
	net_csum_replace(p->buf + p->l4_off + 2, old, bytes, n);
}

/* Update a checksum field inside the quote for a change of old -> new. */
static void inner_csum(struct net_pkt *p, size_t coff, const void *old, const void *new_bytes,
		       size_t n, bool udp)
{
	uint8_t f[2];

	memcpy(f, p->buf + coff, 2);
	net_csum_replace(f, old, new_bytes, n);
	if (udp && net_rd16(f) == 0)
		net_wr16(f, 0xffff);
	inner_write(p, coff, f, 2);
}

/* The quoted transport checksum field, when the quote reaches it. A quoted
 * zero IPv4 UDP checksum means "none" and stays zero. */
static bool inner_csum_off(const struct net_pkt *p, size_t *coff)
{
	const struct net_icmp_inner *in = &p->inner;
	size_t rel;

	switch (in->tuple.proto) {
	case NET_PROTO_TCP:
		rel = 16;
		break;
	case NET_PROTO_UDP:
		rel = 6;
		break;
	case NET_PROTO_ICMP:
	case NET_PROTO_ICMPV6:
		rel = 2;
		break;
	default:
		return false;
	}
	if (rel + 2 > in->l4_len)
		return false;
	*coff = in->l4_off + rel;
	return !(in->tuple.proto == NET_PROTO_UDP && p->family == NET_AF_INET4 &&
		 net_rd16(p->buf + *coff) == 0);
}

static int rewrite_inner(struct net_pkt *p, bool is_src, const struct net_addr *a, uint16_t port)
{
	struct net_icmp_inner *in = &p->inner;
	uint8_t proto = in->tuple.proto;
	bool udp = proto == NET_PROTO_UDP;
	size_t aoff, alen, coff = 0, poff = 0;
	bool csum, has_port, echo;
	uint8_t old[16];

	if (!p->icmp_error || a->family != p->family)
		return -EINVAL;
	alen = net_addr_len(a);
	csum = inner_csum_off(p, &coff);
	has_port = port_off(proto, p->buf + in->l4_off, is_src, &poff);
	echo = has_port && (proto == NET_PROTO_ICMP || proto == NET_PROTO_ICMPV6);

	aoff = in->l3_off + net_pkt_addr_off(p->family, is_src);
	memcpy(old, p->buf + aoff, alen);
	inner_write(p, aoff, a->a, alen);
	if (p->family == NET_AF_INET4)
		inner_csum(p, in->l3_off + 10, old, a->a, 4, false);
	if (csum && net_pkt_l4_has_pseudo(proto))
		inner_csum(p, coff, old, a->a, alen, udp);
	if (has_port) {
		uint8_t prev[2], next[2];

		memcpy(prev, p->buf + in->l4_off + poff, 2);
		net_wr16(next, port);
		inner_write(p, in->l4_off + poff, next, 2);
		if (csum)
			inner_csum(p, coff, prev, next, 2, udp);
	}
	tuple_set(&in->tuple, is_src, echo, a, port, has_port);
	return 0;
}

int net_pkt_rewrite_inner_src(struct net_pkt *p, const struct net_addr *a, uint16_t port)
{
	return rewrite_inner(p, true, a, port);
}

int net_pkt_rewrite_inner_dst(struct net_pkt *p, const struct net_addr *a, uint16_t port)
{
	return rewrite_inner(p, false, a, port);
}

static void tcp_set32(struct net_pkt *p, size_t rel, uint32_t v, uint32_t *field)
{
	uint8_t *t = p->buf + p->l4_off;

	if (p->tuple.proto != NET_PROTO_TCP || !p->first_fragment || p->l4_off + 20 > p->len)
		return;
	net_csum_replace32(t + 16, net_rd32(t + rel), v);
	net_wr32(t + rel, v);
	*field = v;
}

void net_pkt_set_seq(struct net_pkt *p, uint32_t seq)
{
	tcp_set32(p, 4, seq, &p->seq);
}

void net_pkt_set_ack(struct net_pkt *p, uint32_t ack)
{
	tcp_set32(p, 8, ack, &p->ack);
}
