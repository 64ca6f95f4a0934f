/* tu_sim.h - the simulator fixture most sim tests start from: one world and
 * two hosts joined by one link, each host with an IPv4 and an IPv6 address
 * and a default route. One place for it, so every test builds the same pair. */
#ifndef GATELAB_TU_SIM_H
#define GATELAB_TU_SIM_H

#include <stdint.h>

#include "../sim/sim_host.h"
#include "../sim/sim_link.h"
#include "../sim/sim_world.h"

/* Initialises w with seed, host a (name_a: 192.0.2.1, 2001:db8::1) and host
 * b (name_b: 192.0.2.2, 2001:db8::2), both routing everything over their one
 * interface, and the link l between them (lp NULL: the link defaults).
 * Fails the test (CU_ASSERT_FATAL) if any step fails. */
void tu_sim_pair_init(struct sim_world *w, uint64_t seed, struct sim_host *a, const char *name_a,
		      struct sim_host *b, const char *name_b, struct sim_link *l,
		      const struct sim_link_params *lp);
/* Frees the pair and the world, asserting every packet buffer came back. */
void tu_sim_pair_free(struct sim_world *w, struct sim_host *a, struct sim_host *b,
		      struct sim_link *l);

#endif
