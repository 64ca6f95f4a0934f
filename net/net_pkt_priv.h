/* net_pkt_priv.h - helpers shared by the net_pkt_*.c files (private to net/):
 * where the transport checksum lives and what the pseudo-header adds to it. */
#ifndef GATELAB_NET_PKT_PRIV_H
#define GATELAB_NET_PKT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_pkt.h"

#define NET_PROTO_ICMP 1
#define NET_PROTO_TCP 6
#define NET_PROTO_UDP 17
#define NET_PROTO_ICMPV6 58

/* Offset of the source (or destination) address in an IP header. */
size_t net_pkt_addr_off(uint8_t family, bool is_src);
/* True if the packet has a transport checksum we can maintain (transport
 * header present: not a non-first fragment; TCP, UDP, ICMP or ICMPv6), with
 * the offset of its field. */
bool net_pkt_l4_csum_off(const struct net_pkt *p, size_t *off);
/* True if the transport checksum covers the IP addresses. */
bool net_pkt_l4_has_pseudo(uint8_t proto);
/* The pseudo-header's contribution for l4_len bytes of transport data. */
uint32_t net_pkt_pseudo_sum(const struct net_pkt *p, size_t l4_len);
/* An IPv4 UDP checksum of zero means "none" and must not be filled in. */
bool net_pkt_udp_csum_absent(const struct net_pkt *p);

#endif
