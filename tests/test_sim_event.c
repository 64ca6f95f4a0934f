/* test_sim_event.c - the simulator's clock, event queue, timers and PRNG:
 * ordering by time then insertion, cancellation, stale handles, run limits,
 * timer re-arming, and seeded reproducibility. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../sim/sim_event.h"
#include "../sim/sim_rand.h"
#include "tu.h"

struct log {
	struct sim_sched *s;
	int order[64];
	uint64_t when[64];
	int n;
};

struct ev {
	struct log *log;
	int id;
};

static void record(void *arg)
{
	struct ev *e = arg;

	e->log->order[e->log->n] = e->id;
	e->log->when[e->log->n] = e->log->s->now;
	e->log->n++;
}

static void test_order_by_time(void)
{
	struct sim_sched s;
	struct log lg = {.s = &s};
	struct ev e[4] = {{&lg, 0}, {&lg, 1}, {&lg, 2}, {&lg, 3}};

	sim_sched_init(&s);
	CU_ASSERT(sim_sched_at(&s, 300, record, &e[0], NULL) == 0);
	CU_ASSERT(sim_sched_at(&s, 100, record, &e[1], NULL) == 0);
	CU_ASSERT(sim_sched_at(&s, 200, record, &e[2], NULL) == 0);
	CU_ASSERT(sim_sched_after(&s, 50, record, &e[3], NULL) == 0);
	CU_ASSERT_EQUAL(sim_sched_run(&s, SIM_TIME_NEVER), 4);
	CU_ASSERT_EQUAL(lg.n, 4);
	CU_ASSERT_EQUAL(lg.order[0], 3);
	CU_ASSERT_EQUAL(lg.order[1], 1);
	CU_ASSERT_EQUAL(lg.order[2], 2);
	CU_ASSERT_EQUAL(lg.order[3], 0);
	CU_ASSERT_EQUAL(lg.when[0], 50);
	CU_ASSERT_EQUAL(lg.when[3], 300);
	CU_ASSERT_EQUAL(s.now, 300);
	sim_sched_free(&s);
}

static void test_ties_by_insertion(void)
{
	struct sim_sched s;
	struct log lg = {.s = &s};
	struct ev e[40];

	sim_sched_init(&s);
	/* Many events at the same two instants, interleaved: within an instant
	 * they must run in insertion order, whatever the heap does. */
	for (int i = 0; i < 40; i++) {
		e[i].log = &lg;
		e[i].id = i;
		CU_ASSERT(sim_sched_at(&s, (i % 2) ? 10 : 20, record, &e[i], NULL) == 0);
	}
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL_FATAL(lg.n, 40);
	for (int i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(lg.order[i], 2 * i + 1);
		CU_ASSERT_EQUAL(lg.order[20 + i], 2 * i);
	}
	sim_sched_free(&s);
}

static void test_cancel(void)
{
	struct sim_sched s;
	struct log lg = {.s = &s};
	struct ev e[5];
	struct sim_event_id id[5], stale;

	sim_sched_init(&s);
	for (int i = 0; i < 5; i++) {
		e[i].log = &lg;
		e[i].id = i;
		CU_ASSERT(sim_sched_at(&s, (uint64_t)(10 * (i + 1)), record, &e[i], &id[i]) == 0);
	}
	CU_ASSERT(sim_sched_pending(&s, id[2]));
	stale = id[2];
	CU_ASSERT(sim_sched_cancel(&s, &id[2]) == 0);
	CU_ASSERT(!sim_sched_pending(&s, stale));
	CU_ASSERT(sim_sched_cancel(&s, &stale) == -ENOENT); /* twice: harmless */
	CU_ASSERT(sim_sched_cancel(&s, &id[0]) == 0);        /* the heap's head */
	CU_ASSERT(sim_sched_cancel(&s, &id[4]) == 0);        /* the last one */
	CU_ASSERT_EQUAL(sim_sched_len(&s), 2);
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(lg.n, 2);
	CU_ASSERT_EQUAL(lg.order[0], 1);
	CU_ASSERT_EQUAL(lg.order[1], 3);
	/* A stale handle whose slot was reused must not cancel the new event. */
	CU_ASSERT(sim_sched_at(&s, 100, record, &e[0], &id[0]) == 0);
	CU_ASSERT(sim_sched_cancel(&s, &stale) == -ENOENT);
	CU_ASSERT_EQUAL(sim_sched_len(&s), 1);
	sim_sched_free(&s);
}

static void test_run_until_and_past(void)
{
	struct sim_sched s;
	struct log lg = {.s = &s};
	struct ev e[2] = {{&lg, 0}, {&lg, 1}};

	sim_sched_init(&s);
	sim_sched_at(&s, 100, record, &e[0], NULL);
	sim_sched_at(&s, 200, record, &e[1], NULL);
	CU_ASSERT_EQUAL(sim_sched_run(&s, 150), 1);
	CU_ASSERT_EQUAL(s.now, 150); /* the clock advances to the limit */
	CU_ASSERT(sim_sched_at(&s, 149, record, &e[0], NULL) == -EINVAL); /* the past */
	CU_ASSERT(sim_sched_at(&s, 150, NULL, &e[0], NULL) == -EINVAL);
	CU_ASSERT_EQUAL(sim_sched_run(&s, 200), 1); /* inclusive */
	CU_ASSERT_EQUAL(lg.n, 2);
	CU_ASSERT_EQUAL(s.events_run, 2);
	sim_sched_free(&s);
}

struct chain {
	struct sim_sched *s;
	int left;
	bool stop_at_5;
};

static void chain_step(void *arg)
{
	struct chain *c = arg;

	if (--c->left > 0)
		sim_sched_after(c->s, 7, chain_step, c, NULL);
	if (c->left == 5 && c->stop_at_5)
		sim_sched_stop(c->s);
}

static void test_many_events_and_stop(void)
{
	struct sim_sched s;
	struct chain c = {&s, 10, true};
	struct chain bulk[1000];

	sim_sched_init(&s);
	sim_sched_at(&s, 0, chain_step, &c, NULL);
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(c.left, 5); /* stopped from inside a callback */
	CU_ASSERT_EQUAL(s.now, 28);
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(c.left, 0);
	/* Slots are recycled: 1000 chains of 10 need at most ~1000 slots. */
	for (int i = 0; i < 1000; i++) {
		bulk[i].s = &s;
		bulk[i].left = 10;
		bulk[i].stop_at_5 = false;
		sim_sched_after(&s, (uint64_t)(i * 3 % 17), chain_step, &bulk[i], NULL);
	}
	sim_sched_run(&s, SIM_TIME_NEVER);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(bulk[i].left, 0);
	CU_ASSERT(s.n_slots <= 2048);
	sim_sched_free(&s);
}

struct tctx {
	int fired;
	uint64_t at;
	struct sim_sched *s;
};

static void tfire(void *arg)
{
	struct tctx *t = arg;

	t->fired++;
	t->at = t->s->now;
}

static void test_timer_rearm(void)
{
	struct sim_sched s;
	struct sim_timer t;
	struct tctx c = {0, 0, &s};

	sim_sched_init(&s);
	sim_timer_init(&t, &s, tfire, &c);
	CU_ASSERT(sim_timer_set(&t, 100) == 0);
	CU_ASSERT(sim_timer_set(&t, 300) == 0); /* later: no new event */
	CU_ASSERT_EQUAL(sim_sched_len(&s), 1);
	sim_sched_run(&s, 200);
	CU_ASSERT_EQUAL(c.fired, 0);
	CU_ASSERT(sim_timer_armed(&t));
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(c.fired, 1);
	CU_ASSERT_EQUAL(c.at, 300);
	CU_ASSERT(!sim_timer_armed(&t));
	CU_ASSERT(sim_timer_set(&t, 1000) == 0);
	CU_ASSERT(sim_timer_set(&t, 400) == 0); /* earlier: rescheduled */
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(c.fired, 2);
	CU_ASSERT_EQUAL(c.at, 400);
	CU_ASSERT(sim_timer_set(&t, 500) == 0);
	sim_timer_stop(&t);
	CU_ASSERT_EQUAL(sim_sched_len(&s), 0);
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(c.fired, 2);
	sim_sched_free(&s);
}

static void test_rand_seeded(void)
{
	struct sim_rand a, b, c;
	int same = 0, hits = 0, below_ok = 1;
	double sum = 0;

	sim_rand_seed(&a, 7);
	sim_rand_seed(&b, 7);
	sim_rand_seed(&c, 8);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = sim_rand_u64(&a), y = sim_rand_u64(&b), z = sim_rand_u64(&c);

		CU_ASSERT_EQUAL(x, y);
		same += x == z;
	}
	CU_ASSERT_EQUAL(same, 0);
	for (int i = 0; i < 100000; i++) {
		double u = sim_rand_unit(&a);

		sum += u;
		if (u < 0 || u >= 1)
			below_ok = 0;
		hits += sim_rand_bernoulli(&a, 0.1);
		if (sim_rand_below(&a, 7) >= 7)
			below_ok = 0;
	}
	CU_ASSERT(below_ok);
	CU_ASSERT(sum / 100000 > 0.49 && sum / 100000 < 0.51);
	CU_ASSERT(hits > 9500 && hits < 10500);
	/* p = 0 draws nothing: a lossless link leaves the stream untouched. */
	b = a;
	CU_ASSERT(!sim_rand_bernoulli(&a, 0.0));
	CU_ASSERT(sim_rand_bernoulli(&a, 1.0));
	CU_ASSERT_EQUAL(sim_rand_u64(&a), sim_rand_u64(&b));
	CU_ASSERT_EQUAL(sim_rand_below(&a, 0), 0);
}

static void test_mass_cancel_compacts(void)
{
	struct sim_sched s;
	struct log lg = {.s = &s};
	static struct ev e[1000];
	static struct sim_event_id id[1000];
	int kept = 0;

	sim_sched_init(&s);
	for (int i = 0; i < 1000; i++) {
		e[i].log = &lg;
		e[i].id = i;
		/* Descending times so the survivors' order is not the insertion order. */
		CU_ASSERT(sim_sched_at(&s, (uint64_t)(100000 - 100 * i), record, &e[i], &id[i]) == 0);
	}
	for (int i = 0; i < 1000; i++)
		if (i % 16 != 0)
			CU_ASSERT(sim_sched_cancel(&s, &id[i]) == 0);
	CU_ASSERT_EQUAL(sim_sched_len(&s), 63);
	CU_ASSERT(s.heap_len < 1000); /* dead entries were swept out */
	CU_ASSERT_EQUAL(s.events_cancelled, 937);
	sim_sched_run(&s, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(lg.n, 63);
	for (int i = 1; i < lg.n; i++) {
		CU_ASSERT(lg.when[i] > lg.when[i - 1]);
		kept += lg.order[i] % 16 == 0;
	}
	CU_ASSERT_EQUAL(kept, 62);
	CU_ASSERT_EQUAL(s.now, 100000); /* the last live event, i = 0 */
	CU_ASSERT_EQUAL(sim_sched_len(&s), 0);
	sim_sched_free(&s);
}

TU_MAIN("sim_event", TU_CASE(test_order_by_time), TU_CASE(test_ties_by_insertion),
	TU_CASE(test_cancel), TU_CASE(test_run_until_and_past), TU_CASE(test_many_events_and_stop),
	TU_CASE(test_mass_cancel_compacts), TU_CASE(test_timer_rearm), TU_CASE(test_rand_seeded))
