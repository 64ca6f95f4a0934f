/* sim_world.h - one simulation run: its clock and event queue, its PRNG and
 * its packet pool. Every node and link of the run points at its world; there
 * are no globals, so several runs can coexist in one process. */
#ifndef GATELAB_SIM_WORLD_H
#define GATELAB_SIM_WORLD_H

#include <stdint.h>

#include "sim_event.h"
#include "sim_pkt.h"
#include "sim_rand.h"

struct sim_world {
	struct sim_sched sched;
	struct sim_rand rand;
	struct sim_pkt_pool pool;
	uint64_t seed;
};

void sim_world_init(struct sim_world *w, uint64_t seed);
/* Frees the queue and the pool; nodes and links must be destroyed first. */
void sim_world_free(struct sim_world *w);

static inline uint64_t sim_world_now(const struct sim_world *w)
{
	return w->sched.now;
}

#endif
