/* net_pkt.h - parse a raw IPv4/IPv6 packet (no link layer) into offsets, and
 * rewrite its addresses, ports, TCP sequence numbers and payload with checksums
 * kept correct. Every read is bounds-checked against the buffer length. */
#ifndef GATELAB_NET_PKT_H
#define GATELAB_NET_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_addr.h"

/* Why a packet could not be parsed: each has a drop counter in the engine. */
enum net_err {
	NET_OK = 0,
	NET_ERR_TRUNCATED,     /* shorter than a header it announces */
	NET_ERR_VERSION,       /* IP version not 4 or 6 */
	NET_ERR_IHL,           /* IPv4 IHL < 5 or beyond the packet */
	NET_ERR_TOTLEN,        /* IPv4 total length / IPv6 payload length inconsistent */
	NET_ERR_EXTHDR,        /* IPv6 extension header chain malformed or too long */
	NET_ERR_TCP_DOFF,      /* TCP data offset < 5 or beyond the packet */
	NET_ERR_UDP_LEN,       /* UDP length field inconsistent */
	NET_ERR_ICMP_INNER,    /* ICMP error quoting a header we cannot read */
	NET_ERR__COUNT
};
const char *net_err_name(enum net_err e);

/* Where the quoted packet of an ICMP error is and what it says. */
struct net_icmp_inner {
	size_t l3_off;   /* offset of the quoted IP header in the outer buffer */
	size_t l4_off;   /* offset of the quoted transport header */
	size_t l4_len;   /* bytes of it present (>= 8 guaranteed when parsed) */
	struct net_tuple tuple; /* as quoted (i.e. the original packet's direction) */
};

/* A parsed packet: offsets into buf plus decoded fields (host order). The
 * struct points into the caller's buffer and owns nothing. */
struct net_pkt {
	uint8_t *buf;
	size_t len;           /* bytes of packet (may be < buffer capacity) */
	uint8_t family;       /* NET_AF_INET4 / NET_AF_INET6 */
	size_t l4_off;        /* offset of the transport header */
	size_t l4_len;        /* bytes from l4_off to the end of the IP payload */
	size_t payload_off;   /* TCP/UDP payload offset (== len if none) */
	size_t payload_len;
	struct net_tuple tuple; /* proto, addresses, ports (ICMP echo: id) */

	/* IPv4 fragments and IPv6 fragment headers */
	bool is_fragment;     /* MF set or offset != 0 */
	bool first_fragment;  /* offset 0 (transport header present) */
	uint32_t frag_id;
	uint16_t frag_offset; /* in bytes */

	/* TCP (valid when tuple.proto == 6) */
	uint32_t seq, ack;
	uint8_t tcp_flags;    /* NET_TCP_* */
	uint16_t window;

	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	bool icmp_echo;       /* echo request/reply: id in tuple.sport/dport */
	bool icmp_error;      /* error with a quoted packet in inner */
	struct net_icmp_inner inner;
};

#define NET_TCP_FIN 0x01
#define NET_TCP_SYN 0x02
#define NET_TCP_RST 0x04
#define NET_TCP_PSH 0x08
#define NET_TCP_ACK 0x10

/* Parse buf[0..len) as an IP packet. Non-first fragments parse with
 * l4_off = payload_off = len and zero ports. Unknown transport protocols parse
 * with zero ports. Returns 0, or -EINVAL with *err set. */
int net_pkt_parse(uint8_t *buf, size_t len, struct net_pkt *p, enum net_err *err);

/* Rewrite the source (or destination) address and port of the packet and
 * update the IPv4 header checksum and the transport checksum incrementally
 * (pseudo-header included; a zero IPv4 UDP checksum stays zero). For ICMP echo
 * the port is the identifier. For ICMP errors this rewrites the outer header
 * only; use net_pkt_rewrite_inner_* for the quoted packet. Family must match.
 * Returns 0 or -EINVAL. */
int net_pkt_rewrite_src(struct net_pkt *p, const struct net_addr *a, uint16_t port);
int net_pkt_rewrite_dst(struct net_pkt *p, const struct net_addr *a, uint16_t port);
/* Rewrite the quoted packet of an ICMP error (its addresses, ports, its IP
 * header checksum when IPv4) and fix the outer ICMP checksum. */
int net_pkt_rewrite_inner_src(struct net_pkt *p, const struct net_addr *a, uint16_t port);
int net_pkt_rewrite_inner_dst(struct net_pkt *p, const struct net_addr *a, uint16_t port);

/* TCP sequence/ack rewrite with incremental checksum update. */
void net_pkt_set_seq(struct net_pkt *p, uint32_t seq);
void net_pkt_set_ack(struct net_pkt *p, uint32_t ack);

/* Replace payload bytes [off, off+old_len) (off relative to payload_off) with
 * new_len bytes; the packet grows or shrinks within cap. Fixes IP length
 * fields, IPv4 header checksum and recomputes the transport checksum.
 * Returns 0, -ENOSPC if cap is too small, -EINVAL on bad offsets. On success
 * p is re-parsed (len, payload_len updated). */
int net_pkt_replace_payload(struct net_pkt *p, size_t cap, size_t off, size_t old_len,
			    const void *data, size_t new_len);

/* Recompute every checksum from scratch (tests, crafted packets): the IPv4
 * header, the quoted IPv4 header of an ICMP error, the transport checksum
 * (not for fragments: it covers bytes of other fragments). A zero IPv4 UDP
 * checksum ("none") stays zero; a computed 0 is stored as 0xFFFF. */
void net_pkt_fix_checksums(struct net_pkt *p);
/* True if the IPv4 header and transport checksums verify (a zero IPv4 UDP
 * checksum counts as valid). Fragments (first ones too: the transport checksum
 * covers the whole datagram) check the IP header only. */
bool net_pkt_checksums_ok(const struct net_pkt *p);

/* Rewrite source (if src) and destination (if dst) addresses and ports at
 * once: the same bytes and tuple as net_pkt_rewrite_src then _dst, but a
 * TCP/UDP packet gets one checksum update per checksum instead of one per
 * field. Returns 0 or -EINVAL (nothing changed by the failing end). */
int net_pkt_rewrite_ends(struct net_pkt *p, const struct net_addr *src, uint16_t sport,
			 const struct net_addr *dst, uint16_t dport);

/* A flow rewritten the same way on every packet (a NAT mapping) computes
 * the checksum change once. net_ends_delta: the folded changes of turning a
 * TCP/UDP tuple `from` into `to` (the ends that differ, as
 * net_pkt_rewrite_ends would change them): *ip for the IPv4 header, *l4 for
 * the transport checksum; false if nothing differs. */
bool net_ends_delta(const struct net_tuple *from, const struct net_tuple *to, uint16_t *ip,
		    uint16_t *l4);
/* Rewrite p (whose tuple is the `from` of the deltas) to `to` with those
 * deltas: the same bytes and tuple as net_pkt_rewrite_ends, fewer
 * instructions. Packets its fast case does not cover (not TCP/UDP, later
 * fragments, short headers, ICMP errors) take net_pkt_rewrite_ends. */
int net_pkt_rewrite_ends_delta(struct net_pkt *p, const struct net_tuple *to, uint16_t ip,
			       uint16_t l4);
/* The same on a raw buffer whose header the caller has checked: an IPv4
 * (options allowed) or IPv6 header of `family`, a whole TCP or UDP header
 * at l4_off, addresses of that family. */
void net_rewrite_ends_raw(uint8_t *buf, uint8_t family, size_t l4_off, uint8_t proto,
			  const struct net_addr *src, uint16_t sport, const struct net_addr *dst,
			  uint16_t dport, uint16_t ip, uint16_t l4);

#endif
