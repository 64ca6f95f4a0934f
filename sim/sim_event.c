/* sim_event.c - binary min-heap of (time, seq, slot) entries; slots hold the
 * callback and a generation for handle checks and are recycled through a
 * free list. Cancel only clears the slot; the dead entry is dropped when it
 * reaches the top, or all at once when dead entries dominate. Also the lazy
 * re-arming timer built on it. */
#include "sim_event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sim_sched_init(struct sim_sched *s)
{
	memset(s, 0, sizeof(*s));
}

void sim_sched_free(struct sim_sched *s)
{
	free(s->slots);
	free(s->heap);
	memset(s, 0, sizeof(*s));
}

static bool ent_before(const struct sim_heap_ent *x, const struct sim_heap_ent *y)
{
	return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

static void sift_up(struct sim_heap_ent *h, uint32_t pos)
{
	struct sim_heap_ent e = h[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (!ent_before(&e, &h[parent]))
			break;
		h[pos] = h[parent];
		pos = parent;
	}
	h[pos] = e;
}

static void sift_down(struct sim_heap_ent *h, uint32_t len, uint32_t pos)
{
	struct sim_heap_ent e = h[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= len)
			break;
		if (c + 1 < len && ent_before(&h[c + 1], &h[c]))
			c++;
		if (!ent_before(&h[c], &e))
			break;
		h[pos] = h[c];
		pos = c;
	}
	h[pos] = e;
}

/* Grows slots and heap together (amortised doubling), threading new slots
 * onto the free list. Slot 0 is never used so a zero handle means "none". */
static int grow(struct sim_sched *s)
{
	uint32_t n = s->n_slots ? s->n_slots * 2 : 64, first = s->n_slots ? s->n_slots : 1;
	struct sim_event_slot *slots;
	struct sim_heap_ent *heap;

	if (n > UINT32_MAX / 2)
		return -ENOMEM;
	slots = realloc(s->slots, (size_t)n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	s->slots = slots;
	heap = realloc(s->heap, (size_t)n * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	s->heap = heap;
	if (!s->n_slots)
		memset(&slots[0], 0, sizeof(slots[0]));
	for (uint32_t i = n - 1; i >= first; i--) {
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].next_free = s->free_head;
		s->free_head = i;
	}
	s->n_slots = n;
	return 0;
}

int sim_sched_at(struct sim_sched *s, uint64_t at, void (*fn)(void *arg), void *arg,
		 struct sim_event_id *id)
{
	struct sim_event_slot *e;
	struct sim_heap_ent *he;
	uint32_t slot;
	int rc;

	if (!fn || at < s->now)
		return -EINVAL;
	if (!s->free_head && (rc = grow(s)) < 0)
		return rc;
	slot = s->free_head;
	e = &s->slots[slot];
	s->free_head = e->next_free;
	e->fn = fn;
	e->arg = arg;
	e->gen++;
	he = &s->heap[s->heap_len];
	he->time = at;
	he->seq = s->next_seq++;
	he->slot = slot;
	sift_up(s->heap, s->heap_len++);
	if (id) {
		id->slot = slot;
		id->gen = e->gen;
	}
	return 0;
}

int sim_sched_after(struct sim_sched *s, uint64_t delay, void (*fn)(void *arg), void *arg,
		    struct sim_event_id *id)
{
	uint64_t at = s->now + delay;

	if (at < s->now)
		at = SIM_TIME_NEVER;
	return sim_sched_at(s, at, fn, arg, id);
}

bool sim_sched_pending(const struct sim_sched *s, struct sim_event_id id)
{
	return id.slot && id.slot < s->n_slots && s->slots[id.slot].fn &&
	       s->slots[id.slot].gen == id.gen;
}

static void slot_release(struct sim_sched *s, uint32_t slot)
{
	struct sim_event_slot *e = &s->slots[slot];

	e->fn = NULL;
	e->arg = NULL;
	e->next_free = s->free_head;
	s->free_head = slot;
}

/* Drops every dead entry and re-heapifies (Floyd): O(n), paid for by the
 * n/2 cancellations that made it necessary. */
static void compact(struct sim_sched *s)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < s->heap_len; i++) {
		if (s->slots[s->heap[i].slot].fn)
			s->heap[j++] = s->heap[i];
		else
			slot_release(s, s->heap[i].slot);
	}
	s->heap_len = j;
	s->n_dead = 0;
	for (uint32_t i = j / 2; i-- > 0;)
		sift_down(s->heap, s->heap_len, i);
}

int sim_sched_cancel(struct sim_sched *s, struct sim_event_id *id)
{
	struct sim_event_slot *e;

	if (!sim_sched_pending(s, *id)) {
		memset(id, 0, sizeof(*id));
		return -ENOENT;
	}
	e = &s->slots[id->slot];
	e->fn = NULL; /* the slot stays taken until its heap entry goes */
	e->arg = NULL;
	e->gen++;
	s->n_dead++;
	s->events_cancelled++;
	memset(id, 0, sizeof(*id));
	if (s->n_dead > 64 && s->n_dead > s->heap_len / 2)
		compact(s);
	return 0;
}

static void heap_pop(struct sim_sched *s)
{
	s->heap[0] = s->heap[--s->heap_len];
	if (s->heap_len)
		sift_down(s->heap, s->heap_len, 0);
}

uint64_t sim_sched_run(struct sim_sched *s, uint64_t until)
{
	uint64_t n = 0;

	s->stop = false;
	while (s->heap_len && !s->stop) {
		struct sim_heap_ent top = s->heap[0];
		struct sim_event_slot *e = &s->slots[top.slot];
		void (*fn)(void *arg) = e->fn;
		void *arg = e->arg;

		if (!fn) { /* cancelled */
			heap_pop(s);
			slot_release(s, top.slot);
			s->n_dead--;
			continue;
		}
		if (top.time > until)
			break;
		s->now = top.time;
		heap_pop(s);
		slot_release(s, top.slot);
		fn(arg);
		n++;
	}
	s->events_run += n;
	if (!s->stop && until != SIM_TIME_NEVER && s->now < until)
		s->now = until;
	return n;
}

void sim_sched_stop(struct sim_sched *s)
{
	s->stop = true;
}

size_t sim_sched_len(const struct sim_sched *s)
{
	return s->heap_len - s->n_dead;
}

/* ---- timer ---- */

static void timer_fire(void *arg)
{
	struct sim_timer *t = arg;

	memset(&t->ev, 0, sizeof(t->ev));
	if (!t->deadline)
		return;
	if (t->deadline > t->sched->now) {
		/* Deadline was pushed later since this event was scheduled. */
		t->ev_time = t->deadline;
		if (sim_sched_at(t->sched, t->deadline, timer_fire, t, &t->ev) == 0)
			return;
	}
	t->deadline = 0;
	t->fn(t->arg);
}

void sim_timer_init(struct sim_timer *t, struct sim_sched *s, void (*fn)(void *arg), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->sched = s;
	t->fn = fn;
	t->arg = arg;
}

int sim_timer_set(struct sim_timer *t, uint64_t at)
{
	int rc;

	if (at < t->sched->now)
		at = t->sched->now;
	if (at == 0)
		at = 1; /* 0 means stopped */
	t->deadline = at;
	if (sim_sched_pending(t->sched, t->ev)) {
		if (t->ev_time <= at)
			return 0;
		sim_sched_cancel(t->sched, &t->ev);
	}
	t->ev_time = at;
	rc = sim_sched_at(t->sched, at, timer_fire, t, &t->ev);
	if (rc < 0)
		t->deadline = 0;
	return rc;
}

void sim_timer_stop(struct sim_timer *t)
{
	t->deadline = 0;
	if (sim_sched_pending(t->sched, t->ev))
		sim_sched_cancel(t->sched, &t->ev);
}

bool sim_timer_armed(const struct sim_timer *t)
{
	return t->deadline != 0;
}
