/* natapi_int.h - private to api/: the set of ids a NAT API handle created
 * (redirects with their group, reservations), hashed by id and by group so
 * that ownership checks, forgetting and group cancel are O(1) per member. */
#ifndef GATELAB_NATAPI_INT_H
#define GATELAB_NATAPI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct natapi_ident {
	uint32_t id, group;       /* group 0: in no group chain */
	uint32_t inext;           /* id chain, or the free list */
	uint32_t gprev, gnext;    /* group chain (doubly linked) */
	uint64_t held;            /* reservations: ports acquired, not yet released */
	bool live;
};

struct natapi_idset {
	struct natapi_ident *e;   /* pool, grown by doubling */
	uint32_t cap, n, free;
	uint32_t *ib, *gb;        /* chain heads by id, by group */
	uint32_t mask;
};

/* Make room for one more id (before asking the backend, so a created
 * object can always be recorded). 0 or -ENOMEM. */
int natapi_idset_room(struct natapi_idset *s);
/* Record id (room must have been made). */
void natapi_idset_add(struct natapi_idset *s, uint32_t id, uint32_t group);
bool natapi_idset_has(const struct natapi_idset *s, uint32_t id);
/* The member's held counter (0 when added), or NULL when id is not there. */
uint64_t *natapi_idset_held(struct natapi_idset *s, uint32_t id);
/* Forget id; false if it was not there. */
bool natapi_idset_del(struct natapi_idset *s, uint32_t id);
/* Forget every member of group (non-zero), calling fn on each id first. */
void natapi_idset_take_group(struct natapi_idset *s, uint32_t group,
			     void (*fn)(void *arg, uint32_t id), void *arg);
/* Call fn on every id (close). */
void natapi_idset_foreach(const struct natapi_idset *s, void (*fn)(void *arg, uint32_t id),
			  void *arg);
void natapi_idset_free(struct natapi_idset *s);

#endif
