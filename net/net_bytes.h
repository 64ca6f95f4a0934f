/* net_bytes.h - big-endian loads and stores at any alignment (private to net/).
 * Packet fields are rarely aligned, and reading them through casts is UB. */
#ifndef GATELAB_NET_BYTES_H
#define GATELAB_NET_BYTES_H

#include <stdint.h>

/* memcpy of a constant size is one unaligned load or store, and the byte
 * swap one instruction: the byte-by-byte form was not always merged. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NET_BSWAP16(x) __builtin_bswap16(x)
#define NET_BSWAP32(x) __builtin_bswap32(x)
#else
#define NET_BSWAP16(x) (x)
#define NET_BSWAP32(x) (x)
#endif

static inline uint16_t net_rd16(const uint8_t *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, 2);
	return NET_BSWAP16(v);
}

static inline uint32_t net_rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return NET_BSWAP32(v);
}

static inline void net_wr16(uint8_t *p, uint16_t v)
{
	v = NET_BSWAP16(v);
	__builtin_memcpy(p, &v, 2);
}

static inline void net_wr32(uint8_t *p, uint32_t v)
{
	v = NET_BSWAP32(v);
	__builtin_memcpy(p, &v, 4);
}

#endif
