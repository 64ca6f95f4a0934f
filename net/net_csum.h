/* net_csum.h - Internet checksum (RFC 1071) and incremental updates (RFC 1624).
 * All functions work on network-byte-order data in place. */
#ifndef GATELAB_NET_CSUM_H
#define GATELAB_NET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes added to sum (not folded, not inverted). */
uint32_t net_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold a 32-bit sum to 16 bits and invert: the value to store in a header. */
uint16_t net_csum_fold(uint32_t sum);

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). csum points at the 2-byte field in
 * the packet; old/new are n bytes (n even) of the covered data before and
 * after the change. */
void net_csum_replace(uint8_t *csum, const void *old_bytes, const void *new_bytes, size_t n);
/* Same for one 16-bit word given in host order. */
void net_csum_replace16(uint8_t *csum, uint16_t old_val, uint16_t new_val);
/* Same for one 32-bit word given in host order. */
void net_csum_replace32(uint8_t *csum, uint32_t old_val, uint32_t new_val);

#endif
