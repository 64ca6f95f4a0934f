/* net_pkt_csum.c - whole-packet checksums: recompute from scratch, verify,
 * and the pseudo-header and field-location helpers the rewriters share. */
#include "net_pkt.h"

#include "net_bytes.h"
#include "net_csum.h"
#include "net_pkt_priv.h"

size_t net_pkt_addr_off(uint8_t family, bool is_src)
{
	if (family == NET_AF_INET4)
		return is_src ? 12 : 16;
	return is_src ? 8 : 24;
}

bool net_pkt_l4_has_pseudo(uint8_t proto)
{
	return proto == NET_PROTO_TCP || proto == NET_PROTO_UDP || proto == NET_PROTO_ICMPV6;
}

bool net_pkt_l4_csum_off(const struct net_pkt *p, size_t *off)
{
	if (!p->first_fragment || p->l4_off >= p->len)
		return false;
	switch (p->tuple.proto) {
	case NET_PROTO_TCP:
		*off = p->l4_off + 16;
		return true;
	case NET_PROTO_UDP:
		*off = p->l4_off + 6;
		return true;
	case NET_PROTO_ICMP:
		*off = p->l4_off + 2;
		return p->family == NET_AF_INET4;
	case NET_PROTO_ICMPV6:
		*off = p->l4_off + 2;
		return p->family == NET_AF_INET6;
	default:
		return false;
	}
}

uint32_t net_pkt_pseudo_sum(const struct net_pkt *p, size_t l4_len)
{
	size_t alen = p->family == NET_AF_INET4 ? 4 : 16;
	uint32_t s;

	s = net_csum_add(0, p->buf + net_pkt_addr_off(p->family, true), alen);
	s = net_csum_add(s, p->buf + net_pkt_addr_off(p->family, false), alen);
	/* Both pseudo-header layouts sum to addresses + protocol + length. */
	s = net_csum_add(s, (const uint8_t[]){0, p->tuple.proto}, 2);
	s = net_csum_add(s, (const uint8_t[]){(uint8_t)(l4_len >> 24), (uint8_t)(l4_len >> 16),
					      (uint8_t)(l4_len >> 8), (uint8_t)l4_len},
			 4);
	return s;
}

bool net_pkt_udp_csum_absent(const struct net_pkt *p)
{
	return p->tuple.proto == NET_PROTO_UDP && p->family == NET_AF_INET4 &&
	       p->l4_off + 8 <= p->len && net_rd16(p->buf + p->l4_off + 6) == 0;
}

static uint16_t ipv4_hdr_csum(const uint8_t *ip)
{
	return net_csum_fold(net_csum_add(0, ip, (size_t)(ip[0] & 0x0f) * 4));
}

/* A fragment's transport checksum covers bytes we do not have. */
static bool l4_verifiable(const struct net_pkt *p, size_t *off)
{
	return !p->is_fragment && net_pkt_l4_csum_off(p, off) && !net_pkt_udp_csum_absent(p);
}

static uint32_t l4_sum(const struct net_pkt *p)
{
	uint32_t s = 0;

	if (net_pkt_l4_has_pseudo(p->tuple.proto))
		s = net_pkt_pseudo_sum(p, p->l4_len);
	return net_csum_add(s, p->buf + p->l4_off, p->l4_len);
}

void net_pkt_fix_checksums(struct net_pkt *p)
{
	size_t off;

	if (p->family == NET_AF_INET4) {
		net_wr16(p->buf + 10, 0);
		net_wr16(p->buf + 10, ipv4_hdr_csum(p->buf));
	}
	/* The quoted IPv4 header is whole, so its checksum can be redone; it is
	 * part of the ICMP message, so it goes before the ICMP checksum. */
	if (p->icmp_error && p->family == NET_AF_INET4) {
		uint8_t *ip = p->buf + p->inner.l3_off;

		net_wr16(ip + 10, 0);
		net_wr16(ip + 10, ipv4_hdr_csum(ip));
	}
	if (!l4_verifiable(p, &off))
		return;
	net_wr16(p->buf + off, 0);
	net_wr16(p->buf + off, net_csum_fold(l4_sum(p)));
	/* A computed UDP checksum of 0 is sent as its other zero, 0xFFFF. */
	if (p->tuple.proto == NET_PROTO_UDP && net_rd16(p->buf + off) == 0)
		net_wr16(p->buf + off, 0xffff);
}

bool net_pkt_checksums_ok(const struct net_pkt *p)
{
	size_t off;

	if (p->family == NET_AF_INET4 && ipv4_hdr_csum(p->buf) != 0)
		return false;
	if (!l4_verifiable(p, &off))
		return true;
	return net_csum_fold(l4_sum(p)) == 0;
}
