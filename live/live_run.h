/* live_run.h - `gatelab live`: builds the lab, starts the servers, runs real
 * FTP clients through each selected mode, verifies every file by sha256 and
 * fills gatelab.metrics/1 (one mode object per mode, live keys appended).
 * Everything it creates is removed before it returns, whatever happened. */
#ifndef GATELAB_LIVE_RUN_H
#define GATELAB_LIVE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../reports/metrics.h"
#include "live_client.h"
#include "live_mode.h"

#define LIVE_MAX_CLIENTS 512

struct live_opts {
	const struct live_mode *modes[RPT_MAX_MODES];
	size_t n_modes;
	uint64_t size;                       /* bytes of the test file */
	unsigned clients;                    /* clients at once, 1..LIVE_MAX_CLIENTS */
	bool tools[LIVE_TOOL__COUNT];        /* lftp, curl */
	bool ops[LIVE_OP__COUNT];            /* RETR, STOR, LIST */
	bool dmodes[LIVE_DMODE__COUNT];      /* PASV, EPSV, PORT, EPRT */
	bool ipv6;                           /* IPv6 sessions too */
	bool redirect;                       /* modes with a policy send A's sessions to B */
	const char *pcap_dir;                /* NULL or DIR for MODE-inside/outside.pcap */
	const char *strace_dir;              /* NULL or DIR for MODE.strace (gatelab's proxy
						under strace -f -C, to check its counts) */
	bool verbose;                        /* a line per transfer on stdout */
};

void live_opts_default(struct live_opts *o);

/* Runs the lab. Returns 0 when every mode ran (failed transfers are counted
 * in the metrics, not an error here), -EPERM/-ENOSYS when this machine
 * gives no network namespaces (err: one line), -EINTR when a signal
 * stopped it (the modes done so far are in m), or another negative errno
 * (err says what failed). m is filled as far as the run got. */
int live_run(const struct live_opts *o, struct rpt_metrics *m, char *err, size_t errlen);

#endif
