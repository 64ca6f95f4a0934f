/* tu_sim.c - the two-host simulator fixture shared by the sim tests (tu_sim.h). */
#include "tu_sim.h"

#include <CUnit/CUnit.h>

void tu_sim_pair_init(struct sim_world *w, uint64_t seed, struct sim_host *a, const char *name_a,
		      struct sim_host *b, const char *name_b, struct sim_link *l,
		      const struct sim_link_params *lp)
{
	sim_world_init(w, seed);
	CU_ASSERT_FATAL(sim_host_init(a, w, name_a) == 0);
	CU_ASSERT_FATAL(sim_host_init(b, w, name_b) == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(a) == 0);
	CU_ASSERT_FATAL(sim_host_add_iface(b) == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(a, 0, "192.0.2.1") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(a, 0, "2001:db8::1") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(b, 0, "192.0.2.2") == 0);
	CU_ASSERT_FATAL(sim_host_add_addr(b, 0, "2001:db8::2") == 0);
	CU_ASSERT_FATAL(sim_host_add_route(a, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_host_add_route(b, "default", 0) == 0);
	CU_ASSERT_FATAL(sim_link_init(l, w, lp, &a->ifc[0], &b->ifc[0]) == 0);
}

void tu_sim_pair_free(struct sim_world *w, struct sim_host *a, struct sim_host *b,
		      struct sim_link *l)
{
	sim_host_free(a);
	sim_host_free(b);
	sim_link_free(l);
	CU_ASSERT(w->pool.n_in_use == 0); /* every packet buffer came back */
	sim_world_free(w);
}
