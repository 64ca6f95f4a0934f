/* natapi_ebpf_heap.c - the eBPF backend's one deadline heap: unused one-shot
 * redirects, idle checks and lingers of connections, all O(log n); the
 * earliest one is the driver's next wake-up. */
#ifdef GL_HAVE_BPF
#include <errno.h>
#include <stdlib.h>

#include "natapi_ebpf_int.h"

static void eb_swap(struct natapi_ebpf *b, size_t i, size_t j)
{
	struct eb_tmr *t = b->heap[i];

	b->heap[i] = b->heap[j];
	b->heap[j] = t;
	b->heap[i]->heap_i = i;
	b->heap[j]->heap_i = j;
}

static void eb_fix(struct natapi_ebpf *b, size_t i)
{
	while (i > 0 && b->heap[(i - 1) / 2]->at > b->heap[i]->at) {
		eb_swap(b, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < b->n_heap && b->heap[l]->at < b->heap[m]->at)
			m = l;
		if (r < b->n_heap && b->heap[r]->at < b->heap[m]->at)
			m = r;
		if (m == i)
			return;
		eb_swap(b, i, m);
		i = m;
	}
}

/* Sets (or moves) t's deadline. Returns 0 or -ENOMEM (t is then not timed). */
int eb_heap_add(struct natapi_ebpf *b, struct eb_tmr *t, uint64_t at)
{
	if (t->heap_i != SIZE_MAX) {
		t->at = at;
		eb_fix(b, t->heap_i);
		return 0;
	}
	if (b->n_heap == b->cap_heap) {
		size_t ncap = b->cap_heap ? 2 * b->cap_heap : 64;
		struct eb_tmr **h = realloc(b->heap, ncap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		b->heap = h;
		b->cap_heap = ncap;
	}
	t->at = at;
	t->heap_i = b->n_heap;
	b->heap[b->n_heap++] = t;
	eb_fix(b, t->heap_i);
	return 0;
}

void eb_heap_remove(struct natapi_ebpf *b, struct eb_tmr *t)
{
	size_t i = t->heap_i;

	if (i == SIZE_MAX)
		return;
	t->heap_i = SIZE_MAX;
	if (i == --b->n_heap)
		return;
	b->heap[i] = b->heap[b->n_heap];
	b->heap[i]->heap_i = i;
	eb_fix(b, i);
}

void eb_heap_free(struct natapi_ebpf *b)
{
	free(b->heap);
	b->heap = NULL;
	b->n_heap = b->cap_heap = 0;
}
#endif
