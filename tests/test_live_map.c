/* test_live_map.c - the live layer's uint32 -> pointer map: put/get/del,
 * refusals (key 0, the tombstone key, a duplicate), growth, and a long random
 * sequence checked against a plain array (tombstone reuse, rehash). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../live/live_map.h"
#include "tu.h"

static void test_basic(void)
{
	struct live_map m = {0};
	int a, b;

	CU_ASSERT_PTR_NULL(live_map_get(&m, 1)); /* empty map, no table yet */
	CU_ASSERT_PTR_NULL(live_map_del(&m, 1));
	CU_ASSERT_EQUAL(live_map_put(&m, 0, &a), -EINVAL);
	CU_ASSERT_EQUAL(live_map_put(&m, LIVE_MAP_TOMB, &a), -EINVAL);
	CU_ASSERT_EQUAL(live_map_put(&m, 7, &a), 0);
	CU_ASSERT_EQUAL(live_map_put(&m, 7, &b), -EEXIST);
	CU_ASSERT_PTR_EQUAL(live_map_get(&m, 7), &a);
	CU_ASSERT_EQUAL(live_map_put(&m, 8, &b), 0);
	CU_ASSERT_EQUAL(m.n, 2);
	CU_ASSERT_PTR_EQUAL(live_map_del(&m, 7), &a);
	CU_ASSERT_PTR_NULL(live_map_get(&m, 7));
	CU_ASSERT_PTR_EQUAL(live_map_get(&m, 8), &b);
	CU_ASSERT_EQUAL(live_map_put(&m, 7, &b), 0); /* back, after a tombstone */
	CU_ASSERT_PTR_EQUAL(live_map_get(&m, 7), &b);
	live_map_free(&m);
	CU_ASSERT_EQUAL(m.cap, 0);
}

static void test_growth(void)
{
	struct live_map m = {0};
	static int vals[5000];

	for (uint32_t k = 1; k <= 5000; k++)
		CU_ASSERT_EQUAL_FATAL(live_map_put(&m, k, &vals[k - 1]), 0);
	CU_ASSERT_EQUAL(m.n, 5000);
	CU_ASSERT(m.cap >= 10000); /* load stays at most 1/2 */
	for (uint32_t k = 1; k <= 5000; k++)
		CU_ASSERT_PTR_EQUAL_FATAL(live_map_get(&m, k), &vals[k - 1]);
	CU_ASSERT_PTR_NULL(live_map_get(&m, 5001));
	live_map_free(&m);
}

/* Ids come and go as redirects do: a long run must neither lose an entry
 * nor fill up with tombstones. */
static void test_random_vs_array(void)
{
	enum { KEYS = 300, STEPS = 200000 };
	struct live_map m = {0};
	static int slot[KEYS];
	bool in[KEYS] = {false};
	uint64_t rs = 0x5eed;
	size_t n = 0;

	for (int i = 0; i < STEPS; i++) {
		uint32_t k = (uint32_t)(tu_rand(&rs) % KEYS);
		uint32_t key = k * 977u + 1u; /* spread, never 0 */

		if (tu_rand(&rs) & 1) {
			int rc = live_map_put(&m, key, &slot[k]);

			CU_ASSERT_EQUAL_FATAL(rc, in[k] ? -EEXIST : 0);
			if (!in[k]) {
				in[k] = true;
				n++;
			}
		} else {
			void *v = live_map_del(&m, key);

			CU_ASSERT_PTR_EQUAL_FATAL(v, in[k] ? &slot[k] : NULL);
			if (in[k]) {
				in[k] = false;
				n--;
			}
		}
		CU_ASSERT_EQUAL_FATAL(m.n, n);
		CU_ASSERT_FATAL(m.used * 2 <= m.cap); /* an empty slot always ends a probe */
	}
	for (uint32_t k = 0; k < KEYS; k++)
		CU_ASSERT_PTR_EQUAL(live_map_get(&m, k * 977u + 1u), in[k] ? &slot[k] : NULL);
	CU_ASSERT(m.cap <= 4096); /* tombstones were rehashed away, not grown over */
	live_map_free(&m);
}

TU_MAIN("live_map", TU_CASE(test_basic), TU_CASE(test_growth), TU_CASE(test_random_vs_array))
