/* sim_rand.h - the simulation's own PRNG (xoshiro256**, seeded through
 * splitmix64): every random choice in a run draws from a generator owned by
 * the run, so a scenario and a seed fix the result. */
#ifndef GATELAB_SIM_RAND_H
#define GATELAB_SIM_RAND_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rand {
	uint64_t s[4];
};

void sim_rand_seed(struct sim_rand *r, uint64_t seed);
uint64_t sim_rand_u64(struct sim_rand *r);
uint32_t sim_rand_u32(struct sim_rand *r);
/* Uniform in [0, n) without modulo bias; n == 0 returns 0. */
uint64_t sim_rand_below(struct sim_rand *r, uint64_t n);
/* Uniform double in [0, 1). */
double sim_rand_unit(struct sim_rand *r);
/* True with probability p (p <= 0 never draws, so a lossless link does not
 * consume randomness and other streams stay unchanged). */
bool sim_rand_bernoulli(struct sim_rand *r, double p);

#endif
