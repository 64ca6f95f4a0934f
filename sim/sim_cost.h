/* sim_cost.h - the gateway CPU's cost profile: what one kernel packet, one
 * user/kernel transition, one copied byte and one NAT API call cost in
 * nanoseconds. Loaded from a small JSON file that scenarios name (docs/COSTS.md). */
#ifndef GATELAB_SIM_COST_H
#define GATELAB_SIM_COST_H

#include <stddef.h>
#include <stdint.h>

struct sim_cost_profile {
	char name[32];
	uint64_t per_packet_ns;     /* kernel: parse + NAT lookup/rewrite + forward */
	uint64_t per_transition_ns; /* one syscall with its context switch */
	uint64_t per_byte_ps;       /* copying one byte across the boundary, picoseconds */
	uint64_t per_api_call_ns;   /* one NAT API command (a syscall into the NAT) */
};

/* The documented defaults (docs/COSTS.md), named "default". */
void sim_cost_default(struct sim_cost_profile *c);
/* All zero, named "free": a gateway whose CPU never delays anything. */
void sim_cost_free(struct sim_cost_profile *c);

/* Cost of one crossing that copies `bytes` (transition + copy, rounded to ns). */
uint64_t sim_cost_transition_ns(const struct sim_cost_profile *c, uint64_t bytes);

/* Parses a profile from JSON text of len bytes: an object with per_packet_ns,
 * per_transition_ns, per_byte_ns (a number, may be fractional) and
 * per_api_call_ns; missing keys keep the default, "name" is optional. Other
 * keys (e.g. calibrate's measurements) are ignored. Returns 0 or -EINVAL. */
int sim_cost_parse(const char *text, size_t len, struct sim_cost_profile *c);
/* Loads "default", "free", or a JSON file path. Returns 0, -EINVAL, -ENOENT
 * or another negative errno from reading the file. */
int sim_cost_load(const char *name_or_path, struct sim_cost_profile *c);

#endif
