/* net_addr.h - IPv4/IPv6 addresses, prefixes and transport tuples.
 * Pure value types shared by every layer; no allocation, no I/O. */
#ifndef GATELAB_NET_ADDR_H
#define GATELAB_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_AF_NONE 0
#define NET_AF_INET4 4
#define NET_AF_INET6 6

/* An address of either family. IPv4 lives in a[0..3], the rest is zero, so
 * memcmp/hash over the whole struct is well defined (always zero the struct). */
struct net_addr {
	uint8_t family; /* NET_AF_INET4, NET_AF_INET6 or NET_AF_NONE */
	uint8_t a[16];
};

/* A prefix; len 0 with family NET_AF_NONE matches every address. */
struct net_prefix {
	struct net_addr addr;
	uint8_t len;
};

/* A transport 5-tuple in one direction. For ICMP echo, sport = dport = id. */
struct net_tuple {
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	struct net_addr src, dst;
	uint16_t sport, dport; /* host byte order */
};

#define NET_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Parse "192.0.2.1" or "2001:db8::1". Returns 0 or -EINVAL. */
int net_addr_parse(const char *s, struct net_addr *out);
/* Format into buf (at least NET_ADDR_STRLEN). Returns 0 or -EINVAL/-ENOSPC. */
int net_addr_format(const struct net_addr *a, char *buf, size_t len);
void net_addr_from_v4(struct net_addr *out, const uint8_t v4[4]);
void net_addr_from_v6(struct net_addr *out, const uint8_t v6[16]);
bool net_addr_eq(const struct net_addr *x, const struct net_addr *y);
bool net_addr_is_set(const struct net_addr *a);
/* Address length in bytes for the family (4, 16, or 0). */
size_t net_addr_len(const struct net_addr *a);

/* Parse "192.0.2.0/24", "2001:db8:1::/64" or a bare address (full length).
 * Host bits beyond len are cleared. "any" is the family-less prefix (the form
 * net_prefix_format writes for it). Returns 0 or -EINVAL. */
int net_prefix_parse(const char *s, struct net_prefix *out);
int net_prefix_format(const struct net_prefix *p, char *buf, size_t len);
/* True if p matches a. A prefix of family NET_AF_NONE matches anything. */
bool net_prefix_contains(const struct net_prefix *p, const struct net_addr *a);

bool net_tuple_eq(const struct net_tuple *x, const struct net_tuple *y);
/* The tuple of the opposite direction (src<->dst, sport<->dport). */
void net_tuple_reverse(const struct net_tuple *in, struct net_tuple *out);
/* 64-bit hash of a tuple with a caller-provided seed (for hash tables). */
uint64_t net_tuple_hash(const struct net_tuple *t, uint64_t seed);
/* "tcp 192.0.2.10:1025 -> 203.0.113.20:21" (IPv6 in brackets). */
int net_tuple_format(const struct net_tuple *t, char *buf, size_t len);

#endif
