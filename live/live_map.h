/* live_map.h - a uint32 -> pointer hash map (open addressing, grows), for
 * the live layer's lookups by id (redirects, groups): O(1), never a scan.
 * Key 0 is reserved (NAT API ids and groups are never 0). */
#ifndef GATELAB_LIVE_MAP_H
#define GATELAB_LIVE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct live_map {
	uint32_t *keys;  /* 0 empty, LIVE_MAP_TOMB removed */
	void **vals;
	size_t cap, n, used; /* used counts tombstones too */
};

#define LIVE_MAP_TOMB UINT32_MAX

/* A zeroed struct is an empty map. Keys 0 and UINT32_MAX are refused (-EINVAL). */
/* Returns 0, -EEXIST (key present), -EINVAL, -ENOMEM. */
int live_map_put(struct live_map *m, uint32_t key, void *val);
void *live_map_get(const struct live_map *m, uint32_t key);
/* Returns the removed value or NULL. */
void *live_map_del(struct live_map *m, uint32_t key);
void live_map_free(struct live_map *m);
/* Calls free_val on every value still in the map (the map owns them), then
 * live_map_free. */
void live_map_free_with(struct live_map *m, void (*free_val)(void *val));

#endif
