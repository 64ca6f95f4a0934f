/* live_measure.h - what the live lab measures besides the proxy's own counts:
 * the machine's softirq CPU (/proc/stat), packet counters on the gateway (an
 * nftables table of counters), file hashes, and exit accounting of processes
 * gatelab did not write (taskstats, for ftp-proxy and its forked children). */
#ifndef GATELAB_LIVE_MEASURE_H
#define GATELAB_LIVE_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "live_topo.h"

/* Softirq CPU seconds of the whole machine so far (all CPUs; one kernel
 * serves every namespace). Negative errno if /proc/stat is unreadable. */
double live_softirq_s(void);
/* CLOCK_MONOTONIC in seconds. */
double live_now_s(void);

/* The meter: table inet gatelab_meter in the gateway namespace counting
 * forwarded packets and packets to/from local processes (loopback aside).
 * start (re)creates it at zero; read gets the two counts. 0 or -EIO. */
int live_meter_start(const struct live_topo *t, char *err, size_t errlen);
int live_meter_read(const struct live_topo *t, uint64_t *forwarded, uint64_t *local);

/* sha256 of a file (sha256sum), hex, and its size. 0, -ENOENT, -EIO. */
int live_sha256(const char *path, char hex[65], uint64_t *size);

/* Exit accounting of a process tree (taskstats over generic netlink: every
 * exit on the machine is seen, the tree is picked out by parent pid). */
struct live_tstats;
struct live_tstats_sum {
	uint64_t utime_us, stime_us;
	uint64_t read_char, write_char;     /* read/write bytes (not recv/send), each process's
					       rounded down to 1024 by the kernel */
	uint64_t read_syscalls, write_syscalls; /* likewise rounded */
	uint64_t nvcsw, nivcsw;
	uint64_t processes;
	uint64_t lost;                      /* socket overruns (ENOBUFS): records were dropped */
};
/* Registers for exit records on every CPU. 0, -ENOMEM, or the netlink error
 * (-EPERM without CAP_NET_ADMIN, -ENOENT without taskstats). */
int live_tstats_open(struct live_tstats **out);
/* Reads what has arrived (never blocks). 0 or -errno. */
int live_tstats_drain(struct live_tstats *ts);
/* Drains, then sums the records of root and all its descendants that have
 * exited so far. */
void live_tstats_sum(struct live_tstats *ts, pid_t root, struct live_tstats_sum *sum);
void live_tstats_close(struct live_tstats *ts);

#endif
