/* net_pkt_parse.c - decode a raw IPv4/IPv6 packet into offsets and a tuple,
 * including the packet an ICMP error quotes. Every read is checked against
 * the end of the buffer (or of the quote), never against a length field. */
#include "net_pkt.h"

#include <errno.h>
#include <string.h>

#include "net_bytes.h"
#include "net_pkt_priv.h"

#define NET_EXT_MAX 8 /* IPv6 extension headers we walk before giving up */

/* What the IP layer says, for the outer packet or a quoted one. Offsets are
 * relative to the start of that IP header. */
struct pkt_l3 {
	uint8_t proto;
	struct net_addr src, dst;
	size_t l4_off;
	size_t end; /* end of the IP payload present in the buffer */
	bool is_fragment, first_fragment;
	uint32_t frag_id;
	uint16_t frag_offset;
};

const char *net_err_name(enum net_err e)
{
	switch (e) {
	case NET_OK:
		return "ok";
	case NET_ERR_TRUNCATED:
		return "truncated";
	case NET_ERR_VERSION:
		return "version";
	case NET_ERR_IHL:
		return "ihl";
	case NET_ERR_TOTLEN:
		return "totlen";
	case NET_ERR_EXTHDR:
		return "exthdr";
	case NET_ERR_TCP_DOFF:
		return "tcp_doff";
	case NET_ERR_UDP_LEN:
		return "udp_len";
	case NET_ERR_ICMP_INNER:
		return "icmp_inner";
	case NET_ERR__COUNT:
		break;
	}
	return "unknown";
}

/* A quoted header (inside an ICMP error) is normally cut short: its length
 * field then describes the original packet, not the bytes we have. */
static enum net_err l3_parse_v4(const uint8_t *b, size_t len, bool quoted, struct pkt_l3 *h)
{
	size_t ihl, tot;
	uint16_t fo;

	if (len < 20)
		return NET_ERR_TRUNCATED;
	ihl = (size_t)(b[0] & 0x0f) * 4;
	if (ihl < 20)
		return NET_ERR_IHL;
	tot = net_rd16(b + 2);
	if (tot < 20)
		return NET_ERR_TOTLEN;
	if (tot > len && !quoted)
		return NET_ERR_TRUNCATED;
	h->end = tot < len ? tot : len;
	if (ihl > h->end)
		return NET_ERR_IHL;
	fo = net_rd16(b + 6);
	h->frag_offset = (uint16_t)((fo & 0x1fff) * 8);
	h->is_fragment = (fo & 0x2000) || h->frag_offset;
	h->first_fragment = h->frag_offset == 0;
	h->frag_id = net_rd16(b + 4);
	h->proto = b[9];
	net_addr_from_v4(&h->src, b + 12);
	net_addr_from_v4(&h->dst, b + 16);
	h->l4_off = ihl;
	return NET_OK;
}

static bool l3_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static enum net_err l3_parse_v6(const uint8_t *b, size_t len, bool quoted, struct pkt_l3 *h)
{
	size_t tot, off = 40;
	uint8_t nh;
	int depth = 0;

	if (len < 40)
		return NET_ERR_TRUNCATED;
	tot = 40 + (size_t)net_rd16(b + 4);
	if (tot > len && !quoted)
		return NET_ERR_TRUNCATED;
	h->end = tot < len ? tot : len;
	nh = b[6];
	h->first_fragment = true;
	while (l3_is_ext(nh)) {
		size_t hl;

		if (++depth > NET_EXT_MAX || h->end - off < 8)
			return NET_ERR_EXTHDR;
		if (nh == 44)
			hl = 8;
		else if (nh == 51)
			hl = ((size_t)b[off + 1] + 2) * 4; /* AH counts 4-byte words */
		else
			hl = ((size_t)b[off + 1] + 1) * 8;
		if (hl > h->end - off)
			return NET_ERR_EXTHDR;
		if (nh == 44) {
			uint16_t fo = net_rd16(b + off + 2);

			h->frag_offset = fo & 0xfff8;
			h->is_fragment = (fo & 1) || h->frag_offset;
			h->first_fragment = h->frag_offset == 0;
			h->frag_id = net_rd32(b + off + 4);
		}
		nh = b[off];
		off += hl;
		/* Past a non-first fragment header lies fragment data, not headers. */
		if (!h->first_fragment)
			break;
	}
	h->proto = nh;
	net_addr_from_v6(&h->src, b + 8);
	net_addr_from_v6(&h->dst, b + 24);
	h->l4_off = off;
	return NET_OK;
}

static enum net_err l3_parse(const uint8_t *b, size_t len, bool quoted, struct pkt_l3 *h)
{
	memset(h, 0, sizeof(*h));
	if (len < 1)
		return NET_ERR_TRUNCATED;
	switch (b[0] >> 4) {
	case 4:
		return l3_parse_v4(b, len, quoted, h);
	case 6:
		return l3_parse_v6(b, len, quoted, h);
	default:
		return NET_ERR_VERSION;
	}
}

static bool icmp_is_echo(uint8_t proto, uint8_t type)
{
	if (proto == NET_PROTO_ICMP)
		return type == 0 || type == 8;
	return proto == NET_PROTO_ICMPV6 && (type == 128 || type == 129);
}

static bool icmp_is_error(uint8_t proto, uint8_t type)
{
	if (proto == NET_PROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return proto == NET_PROTO_ICMPV6 && type >= 1 && type <= 4;
}

/* The quoted packet must be of the outer family, carry a whole IP header and
 * at least 8 bytes of transport header (RFC 792): enough for the ports. A
 * quoted non-first fragment has no ports, so no flow to map it to: refused. */
static enum net_err icmp_inner_parse(struct net_pkt *p)
{
	struct net_icmp_inner *in = &p->inner;
	size_t off = p->l4_off + 8;
	const uint8_t *b = p->buf + off;
	size_t avail = p->len - off;
	struct pkt_l3 h;
	const uint8_t *l4;

	if (avail < 1 || (b[0] >> 4) != p->family)
		return NET_ERR_ICMP_INNER;
	if (l3_parse(b, avail, true, &h) != NET_OK || !h.first_fragment || h.end - h.l4_off < 8)
		return NET_ERR_ICMP_INNER;
	in->l3_off = off;
	in->l4_off = off + h.l4_off;
	in->l4_len = h.end - h.l4_off;
	in->tuple.proto = h.proto;
	in->tuple.src = h.src;
	in->tuple.dst = h.dst;
	l4 = p->buf + in->l4_off;
	if (h.proto == NET_PROTO_TCP || h.proto == NET_PROTO_UDP) {
		in->tuple.sport = net_rd16(l4);
		in->tuple.dport = net_rd16(l4 + 2);
	} else if (icmp_is_echo(h.proto, l4[0])) {
		in->tuple.sport = in->tuple.dport = net_rd16(l4 + 4);
	}
	return NET_OK;
}

static enum net_err l4_parse_tcp(struct net_pkt *p)
{
	const uint8_t *t = p->buf + p->l4_off;
	size_t doff;

	if (p->l4_len < 20)
		return NET_ERR_TRUNCATED;
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > p->l4_len)
		return NET_ERR_TCP_DOFF;
	p->tuple.sport = net_rd16(t);
	p->tuple.dport = net_rd16(t + 2);
	p->seq = net_rd32(t + 4);
	p->ack = net_rd32(t + 8);
	p->tcp_flags = t[13];
	p->window = net_rd16(t + 14);
	p->payload_off = p->l4_off + doff;
	p->payload_len = p->l4_len - doff;
	return NET_OK;
}

/* The UDP length must match the IP payload exactly, except in a first
 * fragment, where it describes the whole datagram. */
static enum net_err l4_parse_udp(struct net_pkt *p)
{
	const uint8_t *u = p->buf + p->l4_off;
	size_t ulen;

	if (p->l4_len < 8)
		return NET_ERR_TRUNCATED;
	ulen = net_rd16(u + 4);
	if (ulen < 8 || (p->is_fragment ? ulen < p->l4_len : ulen != p->l4_len))
		return NET_ERR_UDP_LEN;
	p->tuple.sport = net_rd16(u);
	p->tuple.dport = net_rd16(u + 2);
	p->payload_off = p->l4_off + 8;
	p->payload_len = p->l4_len - 8;
	return NET_OK;
}

static enum net_err l4_parse_icmp(struct net_pkt *p)
{
	const uint8_t *c = p->buf + p->l4_off;

	if (p->l4_len < 8)
		return NET_ERR_TRUNCATED;
	p->icmp_type = c[0];
	p->icmp_code = c[1];
	if (icmp_is_echo(p->tuple.proto, c[0])) {
		p->icmp_echo = true;
		p->tuple.sport = p->tuple.dport = net_rd16(c + 4);
	} else if (icmp_is_error(p->tuple.proto, c[0]) && !p->is_fragment) {
		/* A fragmented error's quote is incomplete here: left as plain ICMP. */
		p->icmp_error = true;
		return icmp_inner_parse(p);
	}
	return NET_OK;
}

static enum net_err l4_parse(struct net_pkt *p)
{
	p->payload_off = p->len;
	p->payload_len = 0;
	if (!p->first_fragment) {
		p->l4_off = p->len;
		p->l4_len = 0;
		return NET_OK;
	}
	switch (p->tuple.proto) {
	case NET_PROTO_TCP:
		return l4_parse_tcp(p);
	case NET_PROTO_UDP:
		return l4_parse_udp(p);
	case NET_PROTO_ICMP:
		return p->family == NET_AF_INET4 ? l4_parse_icmp(p) : NET_OK;
	case NET_PROTO_ICMPV6:
		return p->family == NET_AF_INET6 ? l4_parse_icmp(p) : NET_OK;
	default:
		return NET_OK;
	}
}

/* The common case straight from the header into p: IPv4 without options or
 * fragmentation, IPv6 without extension headers, carrying TCP or UDP. Fills
 * p exactly as the general path would; false (p untouched) for anything else. */
static bool parse_fast_l3(uint8_t *buf, size_t len, struct net_pkt *p)
{
	size_t tot, alen, aoff;
	uint8_t proto;

	if (len >= 20 && buf[0] == 0x45) {
		tot = net_rd16(buf + 2);
		proto = buf[9];
		if (tot < 20 || tot > len || (net_rd16(buf + 6) & 0x3fff) != 0)
			return false;
		p->family = NET_AF_INET4;
		p->l4_off = 20;
		p->frag_id = net_rd16(buf + 4);
		alen = 4;
		aoff = 12;
	} else if (len >= 40 && (buf[0] >> 4) == 6) {
		tot = 40 + (size_t)net_rd16(buf + 4);
		proto = buf[6];
		if (tot > len)
			return false;
		p->family = NET_AF_INET6;
		p->l4_off = 40;
		alen = 16;
		aoff = 8;
	} else {
		return false;
	}
	if (proto != NET_PROTO_TCP && proto != NET_PROTO_UDP)
		return false;
	p->buf = buf;
	p->len = tot;
	p->l4_len = tot - p->l4_off;
	p->first_fragment = true;
	p->tuple.proto = proto;
	p->tuple.src.family = p->tuple.dst.family = p->family;
	/* constant sizes: plain moves instead of a memcpy call */
	if (alen == 4) {
		memcpy(p->tuple.src.a, buf + aoff, 4);
		memcpy(p->tuple.dst.a, buf + aoff + 4, 4);
	} else {
		memcpy(p->tuple.src.a, buf + aoff, 16);
		memcpy(p->tuple.dst.a, buf + aoff + 16, 16);
	}
	return true;
}

int net_pkt_parse(uint8_t *buf, size_t len, struct net_pkt *p, enum net_err *err)
{
	struct pkt_l3 h;
	enum net_err e;

	memset(p, 0, sizeof(*p));
	if (parse_fast_l3(buf, len, p)) {
		e = p->tuple.proto == NET_PROTO_TCP ? l4_parse_tcp(p) : l4_parse_udp(p);
		goto out;
	}
	p->buf = buf;
	e = l3_parse(buf, len, false, &h);
	if (e == NET_OK) {
		p->len = h.end;
		p->family = (buf[0] >> 4) == 4 ? NET_AF_INET4 : NET_AF_INET6;
		p->l4_off = h.l4_off;
		p->l4_len = h.end - h.l4_off;
		p->tuple.proto = h.proto;
		p->tuple.src = h.src;
		p->tuple.dst = h.dst;
		p->is_fragment = h.is_fragment;
		p->first_fragment = h.first_fragment;
		p->frag_id = h.frag_id;
		p->frag_offset = h.frag_offset;
		e = l4_parse(p);
	}
out:
	if (err)
		*err = e;
	if (e != NET_OK) {
		memset(p, 0, sizeof(*p));
		p->buf = buf;
		return -EINVAL;
	}
	return 0;
}
