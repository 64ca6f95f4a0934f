/* sim_vfs_content.c - generated file content and the content hash: both work
 * a 64-bit word at a time, because a 100 MB transfer is generated, hashed at
 * the receiver and hashed again for the expected value. */
#include <string.h>

#include "sim_vfs.h"

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t gen_word(uint64_t seed, uint64_t k)
{
	uint64_t z;

	if (k == 0)
		return seed; /* the stream names its generator */
	z = seed ^ (k * 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void store_le64(uint8_t *p, uint64_t w)
{
	for (unsigned k = 0; k < 8; k++)
		p[k] = (uint8_t)(w >> (8 * k));
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t w = 0;

	for (unsigned k = 0; k < 8; k++)
		w |= (uint64_t)p[k] << (8 * k);
	return w;
}

void sim_vfs_gen_fill(uint64_t seed, uint64_t off, uint8_t *dst, size_t len)
{
	size_t i = 0;

	/* a leading partial word, then whole words, then a trailing part */
	while (i < len && ((off + i) & 7)) {
		uint64_t o = off + i;

		dst[i++] = (uint8_t)(gen_word(seed, o >> 3) >> (8 * (o & 7)));
	}
	for (; len - i >= 8; i += 8)
		store_le64(dst + i, gen_word(seed, (off + i) >> 3));
	if (i < len) {
		uint64_t w = gen_word(seed, (off + i) >> 3);

		for (unsigned k = 0; i < len; k++, i++)
			dst[i] = (uint8_t)(w >> (8 * k));
	}
}

void sim_vfs_hash_init(struct sim_vfs_hash *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->h = FNV_OFF;
}

void sim_vfs_hash_update(struct sim_vfs_hash *hs, const uint8_t *p, size_t n)
{
	size_t i = 0;

	hs->len += n;
	while (hs->n_part && i < n) {
		hs->part[hs->n_part++] = p[i++];
		if (hs->n_part == 8) {
			hs->h = (hs->h ^ load_le64(hs->part)) * FNV_PRIME;
			hs->n_part = 0;
		}
	}
	for (; n - i >= 8; i += 8)
		hs->h = (hs->h ^ load_le64(p + i)) * FNV_PRIME;
	while (i < n)
		hs->part[hs->n_part++] = p[i++];
}

uint64_t sim_vfs_hash_final(const struct sim_vfs_hash *hs)
{
	uint64_t h = hs->h;

	for (unsigned k = 0; k < hs->n_part; k++)
		h = (h ^ hs->part[k]) * FNV_PRIME;
	/* the length keeps a zero tail from hashing like no tail */
	return (h ^ hs->len) * FNV_PRIME;
}

uint64_t sim_vfs_gen_hash(uint64_t seed, uint64_t off, uint64_t len)
{
	uint8_t buf[16384];
	struct sim_vfs_hash hs;

	sim_vfs_hash_init(&hs);
	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		sim_vfs_gen_fill(seed, off, buf, n);
		sim_vfs_hash_update(&hs, buf, n);
		off += n;
		len -= n;
	}
	return sim_vfs_hash_final(&hs);
}
