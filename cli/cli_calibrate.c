/* cli_calibrate.c - `gatelab calibrate`: times this machine's user/kernel
 * boundary (syscall round trip, socketpair write/read by size, memcpy) and its
 * packet path, then writes the cost profile the simulator loads. Wall-clock
 * reads live here only, never in sim/. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_calibrate.h"

#define SYSCALL_ITERS 200000
#define MEMCPY_BYTES (16u << 20)

static const size_t rw_sizes[] = {64, 1024, 4096, 16384, 65536};
#define N_RW (sizeof(rw_sizes) / sizeof(rw_sizes[0]))

double cli_calib_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void cli_calibrate_usage(void)
{
	puts("usage: gatelab calibrate [--out FILE] [--quiet]\n"
	     "  Measures this machine: syscall round trip, socketpair write/read per call\n"
	     "  and per byte, memcpy bandwidth, and (as root) the per-packet cost of a veth\n"
	     "  router in temporary network namespaces. Writes the cost profile JSON to FILE\n"
	     "  (atomically), or prints it when no FILE is given. --quiet: no table.\n"
	     "  Takes a few seconds; figures are medians of repeats (see docs/COSTS.md).");
}

static int measure_syscall(struct sim_calib_stat *out)
{
	double v[CLI_CALIB_REPS];

	for (int r = 0; r < CLI_CALIB_REPS; r++) {
		double t0 = cli_calib_now_ns();

		for (int i = 0; i < SYSCALL_ITERS; i++)
			(void)syscall(SYS_getppid); /* not cached by libc, unlike getpid once was */
		v[r] = (cli_calib_now_ns() - t0) / SYSCALL_ITERS;
	}
	return sim_calib_stat(v, CLI_CALIB_REPS, out);
}

/* One write of size bytes and the reads that take them back; counts calls
 * and bytes so short transfers do not bias the per-call figure. */
static int rw_once(const int sv[2], uint8_t *buf, size_t size, uint64_t *calls)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = write(sv[0], buf + done, size - done);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
		(*calls)++;
	}
	for (done = 0; done < size;) {
		ssize_t n = read(sv[1], buf + done, size - done);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
		(*calls)++;
	}
	return 0;
}

static int measure_rw(struct sim_calib_result *res)
{
	double x[N_RW], y[N_RW], v[CLI_CALIB_REPS];
	int sv[2] = {-1, -1}, buf_sz = 1 << 20, rc = 0;
	uint8_t *buf = calloc(1, rw_sizes[N_RW - 1]);

	if (!buf)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		rc = -errno;
		goto out;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf_sz, sizeof(buf_sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf_sz, sizeof(buf_sz));
	for (size_t k = 0; k < N_RW && rc == 0; k++) {
		size_t size = rw_sizes[k];
		uint64_t iters = (8u << 20) / size, calls = 0, calls_all = 0;

		iters = iters < 2000 ? 2000 : iters > 20000 ? 20000 : iters;
		for (int r = 0; r < CLI_CALIB_REPS && rc == 0; r++) {
			double t0 = cli_calib_now_ns();

			calls = 0;
			for (uint64_t i = 0; i < iters && rc == 0; i++)
				rc = rw_once(sv, buf, size, &calls);
			v[r] = (cli_calib_now_ns() - t0) / (double)calls;
			calls_all += calls;
		}
		if (rc == 0)
			rc = sim_calib_stat(v, CLI_CALIB_REPS, &res->rw_ns[k]);
		res->rw_size[k] = size;
		/* x: the bytes one call really moved on average. */
		x[k] = 2.0 * (double)size * (double)iters * CLI_CALIB_REPS / (double)calls_all;
		y[k] = res->rw_ns[k].median;
	}
	res->n_sizes = N_RW;
	if (rc == 0 && sim_calib_fit(x, y, N_RW, &res->fit_call_ns, &res->fit_byte_ns) < 0)
		res->fit_call_ns = res->fit_byte_ns = 0;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(buf);
	return rc;
}

static int measure_memcpy(struct sim_calib_stat *out)
{
	double v[CLI_CALIB_REPS];
	uint8_t *src = malloc(MEMCPY_BYTES), *dst = malloc(MEMCPY_BYTES);
	volatile uint8_t sink = 0;
	int rc = -ENOMEM;

	if (!src || !dst)
		goto out;
	memset(src, 0x5a, MEMCPY_BYTES);
	memset(dst, 0, MEMCPY_BYTES); /* fault the pages in before timing */
	for (int r = 0; r < CLI_CALIB_REPS; r++) {
		double t0 = cli_calib_now_ns();

		for (int i = 0; i < 4; i++) {
			src[i] = (uint8_t)r; /* a different copy each time */
			memcpy(dst, src, MEMCPY_BYTES);
			sink = (uint8_t)(sink + dst[MEMCPY_BYTES - 1 - (size_t)i]);
		}
		v[r] = (cli_calib_now_ns() - t0) / (4.0 * MEMCPY_BYTES);
	}
	(void)sink;
	rc = sim_calib_stat(v, CLI_CALIB_REPS, out);
out:
	free(src);
	free(dst);
	return rc;
}

static void print_stat(const char *what, const struct sim_calib_stat *s, const char *unit)
{
	printf("%-28s %12.3f %12.3f %12.3f %7.1f%%  %s\n", what, s->median, s->min, s->max,
	       100 * s->spread, unit);
}

static void print_table(const struct sim_calib_result *r, const struct sim_cost_profile *p)
{
	char what[64];

	printf("%-28s %12s %12s %12s %8s\n", "figure", "median", "min", "max", "spread");
	print_stat("syscall (getppid)", &r->syscall_ns, "ns");
	for (size_t i = 0; i < r->n_sizes; i++) {
		snprintf(what, sizeof(what), "socketpair %zu B", r->rw_size[i]);
		print_stat(what, &r->rw_ns[i], "ns/call");
	}
	printf("%-28s %12.3f ns/call + %.4f ns/byte\n", "fit", r->fit_call_ns, r->fit_byte_ns);
	print_stat("memcpy", &r->memcpy_byte_ns, "ns/byte");
	if (r->packet_ok) {
		print_stat("UDP to the router", &r->pkt_local_ns, "ns/packet");
		print_stat(r->packet_nat ? "UDP through it (NAT)" : "UDP through it",
			   &r->pkt_forward_ns, "ns/packet");
	}
	printf("packet path: %s\n", r->packet_note);
	printf("profile: per_packet_ns=%llu per_transition_ns=%llu per_byte_ns=%.3f "
	       "per_api_call_ns=%llu (default, not measured)\n",
	       (unsigned long long)p->per_packet_ns, (unsigned long long)p->per_transition_ns,
	       (double)p->per_byte_ps / 1000, (unsigned long long)p->per_api_call_ns);
}

int cli_calibrate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct sim_calib_result r;
	struct sim_cost_profile p;
	const char *out = NULL;
	bool quiet = false;
	char *json = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_calibrate_usage();
			return CLI_EXIT_OK;
		default:
			cli_calibrate_usage();
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("calibrate: unexpected argument '%s'", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	memset(&r, 0, sizeof(r));
	if ((rc = measure_syscall(&r.syscall_ns)) < 0 || (rc = measure_rw(&r)) < 0 ||
	    (rc = measure_memcpy(&r.memcpy_byte_ns)) < 0) {
		cli_error("calibrate: measurement failed: %s", strerror(-rc));
		return CLI_EXIT_FAIL;
	}
	cli_calib_packet(&r);
	sim_calib_profile(&r, &p);
	if (!quiet)
		print_table(&r, &p);
	if (out) {
		if ((rc = sim_calib_write_json(out, &r)) < 0) {
			cli_error("calibrate: cannot write %s: %s", out, strerror(-rc));
			return CLI_EXIT_FAIL;
		}
		if (!quiet)
			printf("wrote %s\n", out);
		return CLI_EXIT_OK;
	}
	json = sim_calib_json(&r);
	if (!json) {
		cli_error("calibrate: out of memory");
		return CLI_EXIT_FAIL;
	}
	puts(json);
	free(json);
	return CLI_EXIT_OK;
}
