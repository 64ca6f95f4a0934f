/* bench_sim.c - the simulator's speed: simulated events per second, the wall
 * time of one 1 GB FTP transfer end to end, and the 10,000-session run's wall
 * time and peak memory (each run in a child, so its ru_maxrss is its own).
 * Writes JSON to argv[1] (default build/bench/sim.json): the deterministic
 * counts apart from the machine's figures (min/median/max of repeats). */
#include "../sim/sim_run.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_REPEATS 3
#define BENCH_GB 1000000000ULL

/* What one child reports back through its pipe. */
struct bench_res {
	int rc;
	uint64_t events, ok, failed, sessions;
	double sim_time_s;
	double wall_s;
	long maxrss_kb;
};

struct bench_case {
	const char *name;
	const char *file;
	enum scen_mode mode;
	uint64_t file_size;   /* 0: as the scenario says */
	bool all_modes;       /* the scenario's own modes, not just `mode` */
};

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: load, run, sum the modes. */
static void bench_child(const struct bench_case *bc, struct bench_res *r)
{
	static struct scen sc;
	static struct rpt_metrics m;
	struct sim_run_opts o;
	char err[512] = "";
	double t0;

	r->rc = scen_parse_file(bc->file, &sc, err, sizeof(err));
	if (r->rc) {
		fprintf(stderr, "bench_sim: %s\n", err);
		return;
	}
	if (bc->file_size)
		sc.servers[0].files[0].size = bc->file_size;
	for (size_t i = 0; i < sc.n_sessions; i++)
		r->sessions += sc.sessions[i].count ? sc.sessions[i].count : 1;
	sim_run_opts_default(&o);
	if (!bc->all_modes) {
		o.modes_set = true;
		o.modes[bc->mode] = true;
	}
	t0 = bench_now();
	r->rc = sim_run(&sc, &o, &m, err, sizeof(err));
	r->wall_s = bench_now() - t0;
	if (r->rc)
		fprintf(stderr, "bench_sim: %s: %s\n", bc->name, err);
	for (size_t i = 0; i < m.n_modes; i++) {
		r->events += m.modes[i].events;
		r->ok += m.modes[i].transfers_ok;
		r->failed += m.modes[i].transfers_failed;
		r->sim_time_s += m.modes[i].sim_time_s;
	}
}

static int bench_fork(const struct bench_case *bc, struct bench_res *r)
{
	struct rusage ru;
	int fds[2], status = 0;
	pid_t pid;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (pipe(fds) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		close(fds[0]);
		bench_child(bc, r);
		n = write(fds[1], r, sizeof(*r));
		_exit(n == (ssize_t)sizeof(*r) ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], r, sizeof(*r));
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) < 0)
		return -errno;
	if (n != (ssize_t)sizeof(*r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	r->maxrss_kb = ru.ru_maxrss;
	return r->rc;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* {"min", "median", "max"} of n values (sorted in place). */
static json_t *bench_stats(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return json_pack("{s:f, s:f, s:f}", "min", v[0], "median", v[n / 2], "max", v[n - 1]);
}

/* Runs a case `repeats` times; adds "<name>": {deterministic, machine}. */
static int bench_case_run(const struct bench_case *bc, int repeats, json_t *det, json_t *mach)
{
	struct bench_res r, first;
	double wall[BENCH_REPEATS], eps[BENCH_REPEATS], rss[BENCH_REPEATS];
	int rc = 0;

	/* gcc -O1 (make sanitize) cannot see that repeats >= 1 sets it */
	memset(&first, 0, sizeof(first));

	for (int k = 0; k < repeats; k++) {
		rc = bench_fork(bc, &r);
		if (rc)
			goto out;
		if (k == 0)
			first = r;
		wall[k] = r.wall_s;
		eps[k] = r.wall_s > 0 ? (double)r.events / r.wall_s : 0.0;
		rss[k] = (double)r.maxrss_kb / 1024.0;
		printf("  %-22s run %d: %8.3f s wall, %10.0f events/s, peak %7.1f MB, %llu ok %llu failed\n",
		       bc->name, k + 1, r.wall_s, eps[k], rss[k], (unsigned long long)r.ok,
		       (unsigned long long)r.failed);
		fflush(stdout);
	}
	json_object_set_new(det, bc->name,
			    json_pack("{s:I, s:I, s:I, s:I, s:f}", "sessions", (json_int_t)first.sessions,
				      "events", (json_int_t)first.events, "transfers_ok",
				      (json_int_t)first.ok, "transfers_failed", (json_int_t)first.failed,
				      "sim_time_s", first.sim_time_s));
	json_object_set_new(mach, bc->name,
			    json_pack("{s:i, s:o, s:o, s:o}", "repeats", repeats, "wall_s",
				      bench_stats(wall, (size_t)repeats), "events_per_s",
				      bench_stats(eps, (size_t)repeats), "peak_rss_mb",
				      bench_stats(rss, (size_t)repeats)));
	if (first.failed)
		rc = -EIO;
out:
	if (rc)
		fprintf(stderr, "bench_sim: %s: %s\n", bc->name, strerror(-rc));
	return rc;
}

static void bench_usage(FILE *to)
{
	fprintf(to, "usage: bench_sim [OUT.json]      (default build/bench/sim.json)\n"
		    "  the simulator's events/s, a 1 GB transfer's wall time and the\n"
		    "  10,000-session run's wall time and peak memory.\n");
}

int main(int argc, char **argv)
{
	static const struct bench_case cases[] = {
		{"basic_100MB_nat", "scenarios/basic.yaml", SCEN_MODE_NAT, 0, false},
		{"one_GB_nat", "scenarios/basic.yaml", SCEN_MODE_NAT, BENCH_GB, false},
		{"one_GB_fastpath", "scenarios/basic.yaml", SCEN_MODE_FASTPATH, BENCH_GB, false},
		{"scale_10000_sessions", "scenarios/scale.yaml", SCEN_MODE_NAT, 0, true},
	};
	const char *out = argc > 1 ? argv[1] : "build/bench/sim.json";
	json_t *doc, *det, *mach;
	int rc = 0;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		bench_usage(stdout);
		return 0;
	}
	/* an option is never taken for the output file (a path may be ./-x) */
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		if (argc == 2)
			fprintf(stderr, "bench_sim: unknown option '%s'\n", argv[1]);
		else
			fprintf(stderr, "bench_sim: one OUT.json at most\n");
		bench_usage(stderr);
		return 2;
	}
	det = json_object();
	mach = json_object();
	doc = json_pack("{s:s, s:s, s:o, s:o}", "benchmark", "sim", "note",
			"each run in a child process (peak_rss_mb is its own ru_maxrss); one_GB_*: one "
			"1 GB RETR end to end in one mode; scale: scenarios/scale.yaml in its four "
			"modes, 10,000 sessions each",
			"deterministic", det, "machine", mach);
	if (!doc || !det || !mach) {
		fprintf(stderr, "bench_sim: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bench_case_run(&cases[i], BENCH_REPEATS, det, mach) != 0)
			rc = 1;
	if (json_dump_file(doc, out, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "bench_sim: cannot write %s\n", out);
		rc = 1;
	} else {
		printf("  -> %s\n", out);
	}
	json_decref(doc);
	return rc;
}
