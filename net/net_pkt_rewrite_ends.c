/* net_pkt_rewrite_ends.c - rewrite source and destination of a TCP/UDP packet
 * in one pass: every changed word goes into one sum per checksum (IPv4 header,
 * transport), folded once. One's-complement folding makes that bit-identical
 * to the field-by-field updates of net_pkt_rewrite_src/_dst, which the rarer
 * cases (ICMP, fragments without ports, bad arguments) still use. */
#include "net_pkt.h"

#include <string.h>

#include "net_bytes.h"
#include "net_pkt_priv.h"

/* RFC 1624 eqn. 3 terms (~m + m') for the address (n = 4 or 16 bytes) or
 * port replaced in place. 32-bit words are fine: 2^16 = 1 (mod 0xFFFF), so
 * their halves add up to the same folded value (and to zero only when every
 * 16-bit term would be zero). */
static uint64_t ends_swap_addr(uint8_t *field, const uint8_t *with, size_t n)
{
	uint64_t s = 0;

	for (size_t i = 0; i < n; i += 4)
		s += (uint32_t)~net_rd32(field + i) + (uint64_t)net_rd32(with + i);
	if (n == 4)
		memcpy(field, with, 4);
	else
		memcpy(field, with, 16);
	return s;
}

static uint64_t ends_swap_port(uint8_t *field, uint16_t port)
{
	uint64_t s = (uint16_t)~net_rd16(field) + (uint64_t)port;

	net_wr16(field, port);
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
	       p->l4_off + (proto == NET_PROTO_TCP ? 20 : 8) <= p->len && !p->icmp_error &&
	       (!src || src->family == p->family) && (!dst || dst->family == p->family);
}

int net_pkt_rewrite_ends(struct net_pkt *p, const struct net_addr *src, uint16_t sport,
			 const struct net_addr *dst, uint16_t dport)
{
	uint8_t *b = p->buf, *l4 = p->buf + p->l4_off, *c;
	bool v4 = p->family == NET_AF_INET4, udp = p->tuple.proto == NET_PROTO_UDP;
	size_t alen = v4 ? 4 : 16;
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
	/* where net_pkt_l4_csum_off puts it; decided before writing: a zero
	 * IPv4 UDP checksum ("none") must stay zero */
	c = l4 + (udp ? 6 : 16);
	csum = !(udp && v4 && net_rd16(c) == 0);
	if (src) {
		addr = ends_swap_addr(b + (v4 ? 12 : 8), src->a, alen);
		ip += addr;
		tr += addr + ends_swap_port(l4, sport);
		p->tuple.src = *src;
		p->tuple.sport = sport;
	}
	if (dst) {
		addr = ends_swap_addr(b + (v4 ? 16 : 24), dst->a, alen);
		ip += addr;
		tr += addr + ends_swap_port(l4 + 2, dport);
		p->tuple.dst = *dst;
		p->tuple.dport = dport;
	}
	if (!src && !dst)
		return 0;
	if (v4)
		ends_csum(b + 10, ip, false);
	if (csum)
		ends_csum(c, tr, udp);
	return 0;
}

/* One's-complement sum folded to 16 bits (0 only for a zero sum). */
static uint16_t ends_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint64_t ends_addr_terms(const struct net_addr *from, const struct net_addr *to)
{
	size_t n = from->family == NET_AF_INET4 ? 4 : 16;
	uint64_t s = 0;

	for (size_t i = 0; i < n; i += 4)
		s += (uint32_t)~net_rd32(from->a + i) + (uint64_t)net_rd32(to->a + i);
	return s;
}

bool net_ends_delta(const struct net_tuple *from, const struct net_tuple *to, uint16_t *ip,
		    uint16_t *l4)
{
	bool new_src = from->sport != to->sport || !net_addr_eq(&from->src, &to->src);
	bool new_dst = from->dport != to->dport || !net_addr_eq(&from->dst, &to->dst);
	uint64_t sip = 0, sl4 = 0, a;

	if (new_src) {
		a = ends_addr_terms(&from->src, &to->src);
		sip += a;
		sl4 += a + (uint16_t)~from->sport + (uint64_t)to->sport;
	}
	if (new_dst) {
		a = ends_addr_terms(&from->dst, &to->dst);
		sip += a;
		sl4 += a + (uint16_t)~from->dport + (uint64_t)to->dport;
	}
	*ip = ends_fold(sip);
	*l4 = ends_fold(sl4);
	return new_src || new_dst;
}

/* The header's own fields are the arriving ones the deltas were made from,
 * so folding a delta in equals folding the field-by-field terms: both sums
 * are congruent mod 0xFFFF and zero only together. */
void net_rewrite_ends_raw(uint8_t *b, uint8_t family, size_t l4_off, uint8_t proto,
			  const struct net_addr *src, uint16_t sport, const struct net_addr *dst,
			  uint16_t dport, uint16_t ip, uint16_t l4)
{
	uint8_t *l4h = b + l4_off, *c;
	bool v4 = family == NET_AF_INET4, udp = proto == NET_PROTO_UDP;

	c = l4h + (udp ? 6 : 16);
	if (!(udp && v4 && net_rd16(c) == 0)) {
		uint16_t s = ends_fold((uint16_t)~net_rd16(c) + (uint64_t)l4);

		s = (uint16_t)~s;
		net_wr16(c, udp && s == 0 ? 0xffff : s);
	}
	if (v4) {
		memcpy(b + 12, src->a, 4);
		memcpy(b + 16, dst->a, 4);
		net_wr16(b + 10, (uint16_t)~ends_fold((uint16_t)~net_rd16(b + 10) + (uint64_t)ip));
	} else {
		memcpy(b + 8, src->a, 16);
		memcpy(b + 24, dst->a, 16);
	}
	net_wr16(l4h, sport);
	net_wr16(l4h + 2, dport);
}

int net_pkt_rewrite_ends_delta(struct net_pkt *p, const struct net_tuple *to, uint16_t ip,
			       uint16_t l4)
{
	if (!ends_fast(p, &to->src, &to->dst))
		return net_pkt_rewrite_ends(p, &to->src, to->sport, &to->dst, to->dport);
	net_rewrite_ends_raw(p->buf, p->family, p->l4_off, p->tuple.proto, &to->src, to->sport,
			     &to->dst, to->dport, ip, l4);
	p->tuple = *to;
	return 0;
}
