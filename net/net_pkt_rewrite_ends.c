/* net_pkt_rewrite_ends.c - rewrite source and destination of a TCP/UDP packet
 * in one pass: every changed word goes into one sum per checksum (IPv4 header,
 * transport), folded once. One's-complement folding makes that bit-identical
 * to the field-by-field updates of net_pkt_rewrite_src/_dst, which the rarer
 * cases (ICMP, fragments without ports, bad arguments) still use. */
#include "net_pkt.h"

#include <string.h>

#include "net_bytes.h"
#include "net_pkt_priv.h"

/* RFC 1624 eqn. 3 terms (~m + m') for n bytes (n even) replaced in place. */
static uint64_t ends_swap(uint8_t *field, const uint8_t *with, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i += 2)
		s += (uint16_t)~net_rd16(field + i) + (uint64_t)net_rd16(with + i);
	memcpy(field, with, n);
	return s;
}

static void ends_csum(uint8_t *csum, uint64_t delta, bool udp)
{
	uint64_t s = (uint16_t)~net_rd16(csum) + delta;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	/* a computed UDP checksum of 0 is sent as 0xFFFF (0 means "none") */
	net_wr16(csum, udp && s == 0 ? 0xffff : (uint16_t)s);
}

static bool ends_fast(const struct net_pkt *p, const struct net_addr *src,
		      const struct net_addr *dst)
{
	uint8_t proto = p->tuple.proto;

	return (proto == NET_PROTO_TCP || proto == NET_PROTO_UDP) && p->first_fragment &&
	       p->l4_off + 8 <= p->len && !p->icmp_error &&
	       (!src || src->family == p->family) && (!dst || dst->family == p->family);
}

int net_pkt_rewrite_ends(struct net_pkt *p, const struct net_addr *src, uint16_t sport,
			 const struct net_addr *dst, uint16_t dport)
{
	uint8_t *b = p->buf, *l4 = p->buf + p->l4_off;
	size_t alen = p->family == NET_AF_INET4 ? 4 : 16, coff = 0;
	uint64_t ip = 0, tr = 0, addr;
	bool csum;
	int rc = 0;

	if (!ends_fast(p, src, dst)) {
		if (src)
			rc = net_pkt_rewrite_src(p, src, sport);
		if (dst && rc == 0)
			rc = net_pkt_rewrite_dst(p, dst, dport);
		return rc;
	}
	/* decided before writing: a zero IPv4 UDP checksum must stay zero */
	csum = net_pkt_l4_csum_off(p, &coff) && !net_pkt_udp_csum_absent(p);
	if (src) {
		uint8_t port[2];

		net_wr16(port, sport);
		addr = ends_swap(b + net_pkt_addr_off(p->family, true), src->a, alen);
		ip += addr;
		tr += addr + ends_swap(l4, port, 2);
		p->tuple.src = *src;
		p->tuple.sport = sport;
	}
	if (dst) {
		uint8_t port[2];

		net_wr16(port, dport);
		addr = ends_swap(b + net_pkt_addr_off(p->family, false), dst->a, alen);
		ip += addr;
		tr += addr + ends_swap(l4 + 2, port, 2);
		p->tuple.dst = *dst;
		p->tuple.dport = dport;
	}
	if (p->family == NET_AF_INET4 && (src || dst))
		ends_csum(b + 10, ip, false);
	if (csum && (src || dst))
		ends_csum(b + coff, tr, p->tuple.proto == NET_PROTO_UDP);
	return 0;
}
