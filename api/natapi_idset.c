/* natapi_idset.c - the ids a NAT API handle created: a pool of entries
 * chained by id and, doubly, by group, so a handle holding thousands of
 * redirects checks, forgets and cancels a group without a scan. */
#include "natapi_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

static uint32_t idset_hash(uint32_t k, uint32_t salt)
{
	uint64_t h = ((uint64_t)k ^ ((uint64_t)salt << 32)) * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32);
}

static uint32_t *idset_ihead(const struct natapi_idset *s, uint32_t id)
{
	return &s->ib[idset_hash(id, 1) & s->mask];
}

static uint32_t *idset_ghead(const struct natapi_idset *s, uint32_t group)
{
	return &s->gb[idset_hash(group, 2) & s->mask];
}

static void idset_link(struct natapi_idset *s, uint32_t i)
{
	struct natapi_ident *e = &s->e[i];
	uint32_t *h = idset_ihead(s, e->id);

	e->inext = *h;
	*h = i;
	e->gprev = e->gnext = NIL;
	if (!e->group)
		return;
	h = idset_ghead(s, e->group);
	e->gnext = *h;
	if (*h != NIL)
		s->e[*h].gprev = i;
	*h = i;
}

int natapi_idset_room(struct natapi_idset *s)
{
	uint32_t ncap, *ib, *gb;
	struct natapi_ident *e;

	if (s->free != NIL && s->cap)
		return 0;
	ncap = s->cap ? s->cap * 2 : 16;
	if (ncap < s->cap)
		return -ENOMEM;
	e = realloc(s->e, (size_t)ncap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	s->e = e;
	ib = malloc((size_t)ncap * sizeof(*ib));
	gb = malloc((size_t)ncap * sizeof(*gb));
	if (!ib || !gb) {
		free(ib);
		free(gb);
		return -ENOMEM;
	}
	free(s->ib);
	free(s->gb);
	s->ib = ib;
	s->gb = gb;
	s->mask = ncap - 1;
	memset(ib, 0xff, (size_t)ncap * sizeof(*ib));
	memset(gb, 0xff, (size_t)ncap * sizeof(*gb));
	memset(&e[s->cap], 0, (size_t)(ncap - s->cap) * sizeof(*e));
	for (uint32_t i = 0; i < s->cap; i++)
		if (e[i].live)
			idset_link(s, i);
	for (uint32_t i = s->cap; i < ncap; i++)
		e[i].inext = i + 1 < ncap ? i + 1 : NIL;
	s->free = s->cap;
	s->cap = ncap;
	return 0;
}

void natapi_idset_add(struct natapi_idset *s, uint32_t id, uint32_t group)
{
	uint32_t i = s->free;

	s->free = s->e[i].inext;
	s->e[i].id = id;
	s->e[i].group = group;
	s->e[i].held = 0;
	s->e[i].live = true;
	idset_link(s, i);
	s->n++;
}

static uint32_t *idset_find(const struct natapi_idset *s, uint32_t id)
{
	uint32_t *pi;

	if (!s->cap)
		return NULL;
	for (pi = idset_ihead(s, id); *pi != NIL; pi = &s->e[*pi].inext)
		if (s->e[*pi].id == id)
			return pi;
	return NULL;
}

bool natapi_idset_has(const struct natapi_idset *s, uint32_t id)
{
	return idset_find(s, id) != NULL;
}

uint64_t *natapi_idset_held(struct natapi_idset *s, uint32_t id)
{
	uint32_t *pi = idset_find(s, id);

	return pi ? &s->e[*pi].held : NULL;
}

/* Unlink entry i, whose id-chain link is *pi. */
static void idset_drop(struct natapi_idset *s, uint32_t *pi)
{
	uint32_t i = *pi;
	struct natapi_ident *e = &s->e[i];

	*pi = e->inext;
	if (e->group) {
		if (e->gprev != NIL)
			s->e[e->gprev].gnext = e->gnext;
		else
			*idset_ghead(s, e->group) = e->gnext;
		if (e->gnext != NIL)
			s->e[e->gnext].gprev = e->gprev;
	}
	e->live = false;
	e->inext = s->free;
	s->free = i;
	s->n--;
}

bool natapi_idset_del(struct natapi_idset *s, uint32_t id)
{
	uint32_t *pi = idset_find(s, id);

	if (!pi)
		return false;
	idset_drop(s, pi);
	return true;
}

void natapi_idset_take_group(struct natapi_idset *s, uint32_t group,
			     void (*fn)(void *arg, uint32_t id), void *arg)
{
	uint32_t i, next;

	if (!s->cap || !group)
		return;
	for (i = *idset_ghead(s, group); i != NIL; i = next) {
		next = s->e[i].gnext;
		if (s->e[i].group != group)
			continue;
		fn(arg, s->e[i].id);
		natapi_idset_del(s, s->e[i].id);
	}
}

void natapi_idset_foreach(const struct natapi_idset *s, void (*fn)(void *arg, uint32_t id),
			  void *arg)
{
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->e[i].live)
			fn(arg, s->e[i].id);
}

void natapi_idset_free(struct natapi_idset *s)
{
	free(s->e);
	free(s->ib);
	free(s->gb);
	memset(s, 0, sizeof(*s));
}
