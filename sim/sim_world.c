/* sim_world.c - set-up and tear-down of a run's shared state. */
#include "sim_world.h"

void sim_world_init(struct sim_world *w, uint64_t seed)
{
	sim_sched_init(&w->sched);
	sim_rand_seed(&w->rand, seed);
	sim_pkt_pool_init(&w->pool);
	w->seed = seed;
}

void sim_world_free(struct sim_world *w)
{
	sim_sched_free(&w->sched);
	sim_pkt_pool_free(&w->pool);
}
