/* ftpp_clients.c - live sessions per client address, for the per-client
 * limit: an open-addressing table (linear probing, backward-shift removal,
 * grown at half load), so admission costs O(1) however many sessions run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftpp_int.h"

static uint32_t clients_hash(const struct net_addr *a)
{
	uint64_t w0, w1, h;

	memcpy(&w0, a->a, 8);
	memcpy(&w1, a->a + 8, 8);
	h = (w0 ^ (w1 * 0xff51afd7ed558ccdULL) ^ a->family) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32);
}

/* Slot of a, or the empty slot where it would go. */
static uint32_t clients_slot(const struct ftpp_clients *c, const struct net_addr *a)
{
	uint32_t i = clients_hash(a) & c->mask;

	while (c->e[i].n && !net_addr_eq(&c->e[i].addr, a))
		i = (i + 1) & c->mask;
	return i;
}

static int clients_grow(struct ftpp_clients *c)
{
	struct ftpp_clients n = {0};
	uint32_t cap = c->mask ? (c->mask + 1) * 2 : 16;

	n.e = calloc(cap, sizeof(*n.e));
	if (!n.e)
		return -ENOMEM;
	n.mask = cap - 1;
	for (uint32_t i = 0; c->mask && i <= c->mask; i++)
		if (c->e[i].n)
			n.e[clients_slot(&n, &c->e[i].addr)] = c->e[i];
	n.used = c->used;
	free(c->e);
	*c = n;
	return 0;
}

int ftpp_clients_inc(struct ftpp_clients *c, const struct net_addr *a)
{
	uint32_t i;
	int rc;

	if (!c->mask || 2 * (c->used + 1) > c->mask + 1) {
		rc = clients_grow(c);
		if (rc < 0)
			return rc;
	}
	i = clients_slot(c, a);
	if (!c->e[i].n) {
		c->e[i].addr = *a;
		c->used++;
	}
	c->e[i].n++;
	return 0;
}

/* Backward-shift deletion: later members of the probe run move up, so no
 * tombstones accumulate. */
void ftpp_clients_dec(struct ftpp_clients *c, const struct net_addr *a)
{
	uint32_t i, j;

	if (!c->mask)
		return;
	i = clients_slot(c, a);
	if (!c->e[i].n || --c->e[i].n)
		return;
	c->used--;
	for (j = (i + 1) & c->mask; c->e[j].n; j = (j + 1) & c->mask) {
		uint32_t home = clients_hash(&c->e[j].addr) & c->mask;

		/* e[j] may fill the hole at i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			c->e[i] = c->e[j];
			i = j;
		}
	}
	c->e[i].n = 0;
}

uint32_t ftpp_clients_get(const struct ftpp_clients *c, const struct net_addr *a)
{
	return c->mask ? c->e[clients_slot(c, a)].n : 0;
}

void ftpp_clients_free(struct ftpp_clients *c)
{
	free(c->e);
	memset(c, 0, sizeof(*c));
}
