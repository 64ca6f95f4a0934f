/* sim_rand.c - xoshiro256** (Blackman & Vigna) with splitmix64 seeding; small
 * and fast enough to draw per packet. */
#include "sim_rand.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_rand_seed(struct sim_rand *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t sim_rand_u64(struct sim_rand *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t sim_rand_u32(struct sim_rand *r)
{
	return (uint32_t)(sim_rand_u64(r) >> 32);
}

uint64_t sim_rand_below(struct sim_rand *r, uint64_t n)
{
	uint64_t limit, x;

	if (n == 0)
		return 0;
	/* Reject the top partial range so every residue is equally likely. */
	limit = UINT64_MAX - (UINT64_MAX % n);
	do
		x = sim_rand_u64(r);
	while (x >= limit);
	return x % n;
}

double sim_rand_unit(struct sim_rand *r)
{
	return (double)(sim_rand_u64(r) >> 11) * 0x1.0p-53;
}

bool sim_rand_bernoulli(struct sim_rand *r, double p)
{
	if (p <= 0.0)
		return false;
	if (p >= 1.0)
		return true;
	return sim_rand_unit(r) < p;
}
