/* sim_event.h - the simulator's virtual clock and event queue: a binary heap
 * of callbacks ordered by (time, insertion sequence), so runs are exactly
 * reproducible. Event records come from a free list: no malloc per event;
 * cancel is O(1) (lazy: the heap entry is skipped when it surfaces). */
#ifndef GATELAB_SIM_EVENT_H
#define GATELAB_SIM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_NS_PER_US 1000ULL
#define SIM_NS_PER_MS 1000000ULL
#define SIM_NS_PER_S 1000000000ULL
#define SIM_TIME_NEVER UINT64_MAX

/* A handle to a scheduled event. A stale handle (event already run or
 * cancelled, slot reused) is detected by the generation and ignored. */
struct sim_event_id {
	uint32_t slot; /* 0 = no event */
	uint32_t gen;
};

struct sim_event_slot {
	void (*fn)(void *arg); /* NULL: cancelled, its heap entry not popped yet */
	void *arg;
	uint32_t gen;
	uint32_t next_free;
};

/* The heap holds the keys itself, so sifting never touches the slots. */
struct sim_heap_ent {
	uint64_t time;
	uint64_t seq;
	uint32_t slot;
};

struct sim_sched {
	uint64_t now;           /* virtual time in ns */
	uint64_t next_seq;      /* tie breaker: insertion order */
	uint64_t events_run;    /* counters for determinism checks and benchmarks */
	uint64_t events_cancelled;
	struct sim_event_slot *slots; /* slot 0 unused so a zero id means "none" */
	uint32_t n_slots, free_head;
	struct sim_heap_ent *heap; /* min-heap on (time, seq) */
	uint32_t heap_len;
	uint32_t n_dead;        /* cancelled entries still in the heap */
	bool stop;              /* set by sim_sched_stop() from inside a callback */
};

void sim_sched_init(struct sim_sched *s);
void sim_sched_free(struct sim_sched *s);

/* Schedule fn(arg) at absolute time at (>= now) or after delay ns. id may be
 * NULL. Returns 0, -EINVAL (time in the past, no fn) or -ENOMEM. */
int sim_sched_at(struct sim_sched *s, uint64_t at, void (*fn)(void *arg), void *arg,
		 struct sim_event_id *id);
int sim_sched_after(struct sim_sched *s, uint64_t delay, void (*fn)(void *arg), void *arg,
		    struct sim_event_id *id);
/* Cancel a pending event in O(1). Returns 0, or -ENOENT if the handle is
 * stale. Clears *id. When cancelled entries outnumber live ones the heap is
 * rebuilt without them, so memory stays bounded. */
int sim_sched_cancel(struct sim_sched *s, struct sim_event_id *id);
bool sim_sched_pending(const struct sim_sched *s, struct sim_event_id id);

/* Run events in order while their time <= until (SIM_TIME_NEVER: until the
 * queue is empty or sim_sched_stop()). The clock ends at the last event run,
 * or at until when the queue outlasts it. Returns the number of events run. */
uint64_t sim_sched_run(struct sim_sched *s, uint64_t until);
void sim_sched_stop(struct sim_sched *s);
size_t sim_sched_len(const struct sim_sched *s);

/* A restartable timer with one pending event at most. Moving the deadline
 * later (RTO restarts on every ACK) costs nothing: the event fires at the old
 * time and re-arms itself, so the heap holds no cancelled garbage. */
struct sim_timer {
	struct sim_sched *sched;
	uint64_t deadline;      /* 0 = stopped */
	uint64_t ev_time;       /* time of the pending event, if any */
	struct sim_event_id ev;
	void (*fn)(void *arg);
	void *arg;
};

void sim_timer_init(struct sim_timer *t, struct sim_sched *s, void (*fn)(void *arg), void *arg);
/* Arm for absolute time at (replaces any earlier deadline). Returns 0 or -ENOMEM. */
int sim_timer_set(struct sim_timer *t, uint64_t at);
void sim_timer_stop(struct sim_timer *t);
bool sim_timer_armed(const struct sim_timer *t);

#endif
