/* net_csum.c - RFC 1071 sums and RFC 1624 incremental updates. The update
 * uses eqn. 3 (~(~HC + ~m + m')) so a result of 0x0000 is never turned into
 * 0xFFFF, which eqn. 2 would do. */
#include "net_csum.h"

#include "net_bytes.h"

#include <string.h>

/* Folding carries back in keeps the value congruent mod 0xFFFF, which is all a
 * one's-complement sum needs; 64 bits leave room for any buffer length. */
static uint32_t csum_fold32(uint64_t s)
{
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

#define CSUM_BLOCK ((size_t)1 << 30) /* bytes per native pass: lo + hi < 2^61 */

/* The byte order of a 16-bit one's-complement sum only swaps its two bytes
 * (RFC 1071 2(B)): summing native words, folding, then swapping gives the
 * network-order sum at 8 bytes a step, the cost of every packet the
 * simulator checksums. memcpy loads: data has no alignment. */
static uint64_t csum_native64(const uint8_t *b, size_t n8)
{
	uint64_t lo = 0, hi = 0, w;

	/* 32-bit halves into two 64-bit sums (deferred carries, RFC 1071 2(C)):
	 * no carry to chase from step to step, so the loop vectorises */
	for (size_t i = 0; i < n8; i++) {
		memcpy(&w, b + 8 * i, 8);
		lo += w & 0xffffffffu;
		hi += w >> 32;
	}
	return lo + hi;
}

/* A native-order sum folded to 16 bits and put in network order. An
 * end-around-carry fold is zero only for a zero sum, as the 16-bit loop's. */
static uint32_t csum_to_net16(uint64_t s)
{
	uint32_t v;

	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	v = (uint32_t)s;
	v = (v & 0xffff) + (v >> 16);
	v = (v & 0xffff) + (v >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return ((v & 0xff) << 8) | (v >> 8);
#endif
}

uint32_t net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	uint64_t s = sum;
	size_t i = len & ~(size_t)7;

	for (size_t done = 0; done < i;) {
		size_t n = i - done > CSUM_BLOCK ? CSUM_BLOCK : i - done;

		s += csum_to_net16(csum_native64(b + done, n / 8));
		done += n;
	}
	/* the tail starts at an even offset: network-order words as before */
	for (; i + 1 < len; i += 2)
		s += net_rd16(b + i);
	/* An odd tail is padded with a zero byte (RFC 1071); only valid at the end. */
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return csum_fold32(s);
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void net_csum_replace(uint8_t *csum, const void *old_bytes, const void *new_bytes, size_t n)
{
	const uint8_t *o = old_bytes, *w = new_bytes;
	uint64_t s = (uint16_t)~net_rd16(csum);
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		s += (uint16_t)~net_rd16(o + i);
		s += net_rd16(w + i);
	}
	net_wr16(csum, net_csum_fold(csum_fold32(s)));
}

void net_csum_replace16(uint8_t *csum, uint16_t old_val, uint16_t new_val)
{
	uint8_t o[2], w[2];

	net_wr16(o, old_val);
	net_wr16(w, new_val);
	net_csum_replace(csum, o, w, 2);
}

void net_csum_replace32(uint8_t *csum, uint32_t old_val, uint32_t new_val)
{
	uint8_t o[4], w[4];

	net_wr32(o, old_val);
	net_wr32(w, new_val);
	net_csum_replace(csum, o, w, 4);
}
