/* live_map.c - the uint32 -> pointer hash map: linear probing, tombstones,
 * doubling at 1/2 load (counting tombstones) so probes stay short. */
#include "live_map.h"

#include <errno.h>
#include <stdlib.h>

static size_t live_map_slot(uint32_t key, size_t cap)
{
	/* Fibonacci hashing: ids are sequential, spread them. */
	return (size_t)((key * 2654435769u) & (uint32_t)(cap - 1));
}

static int live_map_grow(struct live_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct live_map nm = {0};

	if (m->n * 4 < m->cap) /* mostly tombstones: rehash at the same size */
		ncap = m->cap;
	nm.keys = calloc(ncap, sizeof(*nm.keys));
	nm.vals = calloc(ncap, sizeof(*nm.vals));
	if (!nm.keys || !nm.vals) {
		free(nm.keys);
		free(nm.vals);
		return -ENOMEM;
	}
	nm.cap = ncap;
	for (size_t i = 0; i < m->cap; i++) {
		uint32_t k = m->keys[i];

		if (k == 0 || k == LIVE_MAP_TOMB)
			continue;
		size_t s = live_map_slot(k, ncap);

		while (nm.keys[s])
			s = (s + 1) & (ncap - 1);
		nm.keys[s] = k;
		nm.vals[s] = m->vals[i];
		nm.n++;
		nm.used++;
	}
	live_map_free(m);
	*m = nm;
	return 0;
}

int live_map_put(struct live_map *m, uint32_t key, void *val)
{
	size_t s;

	if (key == 0 || key == LIVE_MAP_TOMB)
		return -EINVAL;
	if (live_map_get(m, key))
		return -EEXIST;
	if ((m->used + 1) * 2 > m->cap) {
		int rc = live_map_grow(m);

		if (rc)
			return rc;
	}
	s = live_map_slot(key, m->cap);
	while (m->keys[s] != 0 && m->keys[s] != LIVE_MAP_TOMB)
		s = (s + 1) & (m->cap - 1);
	if (m->keys[s] == 0)
		m->used++;
	m->keys[s] = key;
	m->vals[s] = val;
	m->n++;
	return 0;
}

static size_t live_map_find(const struct live_map *m, uint32_t key)
{
	size_t s;

	if (!m->cap || key == 0 || key == LIVE_MAP_TOMB)
		return SIZE_MAX;
	s = live_map_slot(key, m->cap);
	while (m->keys[s] != 0) {
		if (m->keys[s] == key)
			return s;
		s = (s + 1) & (m->cap - 1);
	}
	return SIZE_MAX;
}

void *live_map_get(const struct live_map *m, uint32_t key)
{
	size_t s = live_map_find(m, key);

	return s == SIZE_MAX ? NULL : m->vals[s];
}

void *live_map_del(struct live_map *m, uint32_t key)
{
	size_t s = live_map_find(m, key);
	void *v;

	if (s == SIZE_MAX)
		return NULL;
	v = m->vals[s];
	m->keys[s] = LIVE_MAP_TOMB;
	m->vals[s] = NULL;
	m->n--;
	return v;
}

void live_map_free(struct live_map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = m->used = 0;
}

void live_map_free_with(struct live_map *m, void (*free_val)(void *val))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] && m->keys[i] != LIVE_MAP_TOMB)
			free_val(m->vals[i]);
	live_map_free(m);
}
