/* tu_pkt.h - packet builders for tests (and later fuzz seeds and live
 * injection): well-formed and hostile IPv4/IPv6 TCP/UDP/ICMP packets built
 * with libnet as byte buffers (no injection). One place for every builder. */
#ifndef GATELAB_TU_PKT_H
#define GATELAB_TU_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"

struct tu_pkt_spec {
	uint8_t proto;            /* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
	const char *src, *dst;    /* address strings; family taken from them */
	uint16_t sport, dport;    /* ICMP echo: sport is the identifier */
	uint32_t seq, ack;
	uint8_t tcp_flags;        /* NET_TCP_* */
	uint16_t window;          /* 0 -> 65535 */
	const void *payload;
	size_t payload_len;
	uint8_t icmp_type, icmp_code; /* ICMP echo request by default (8 / 128) */
	uint8_t ttl;              /* 0 -> 64 */
	uint16_t ip_id;
	int udp_zero_csum;        /* IPv4 UDP: leave the checksum 0 */
};

/* Build the packet (raw IP, no link layer) into buf. Returns its length, or a
 * negative errno if it does not fit or the spec is invalid. Checksums are
 * correct. */
int tu_pkt_build(const struct tu_pkt_spec *s, uint8_t *buf, size_t cap);

/* Build an ICMP (v4 or v6) "destination unreachable" error from `from` to
 * `to` quoting the first quote_len bytes of the packet in `inner`. */
int tu_pkt_build_icmp_error(const char *from, const char *to, const uint8_t *inner,
			    size_t inner_len, size_t quote_len, uint8_t *buf, size_t cap);

#endif
