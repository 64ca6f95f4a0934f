/* live_mode.h - one way the live gateway carries FTP (direct routing, the
 * kernel's NAT with its FTP helper, Debian's ftp-proxy, gatelab's proxy on
 * each path): set up before the clients run, torn down and measured after.
 * A mode's state is only its own; the runner owns the topology. */
#ifndef GATELAB_LIVE_MODE_H
#define GATELAB_LIVE_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../reports/metrics.h"
#include "live_measure.h"
#include "live_topo.h"

struct live_mode_state {
	const struct live_topo *t;
	bool ipv6;               /* the run carries IPv6 too */
	pid_t pid;               /* the gateway's proxy process, 0 when none */
	pid_t tracer;            /* suse-proxy: the strace running it */
	struct live_tstats *ts;  /* suse-proxy: exit accounting */
	int stop_fd, ready_fd;   /* gatelab proxy: the pipes of live_proxy_cfg */
	void *shared;            /* gatelab proxy: its stats, shared with the child */
	const char *strace_dir;  /* gatelab proxy: NULL, or trace it into DIR/MODE.strace */
	bool redirect;           /* policy: sessions to server A go to server B */
	char err[512];           /* why start or stop failed */
};

struct live_mode {
	const char *name;        /* the metrics' mode key */
	const char *xfer_path;   /* "kernel", "proxy" or "fast": rpt_xfer.path */
	bool ipv6;               /* can carry IPv6 sessions */
	bool ext;                /* can carry EPSV/EPRT */
	bool policy;             /* has a policy (--redirect applies) */
	const char *unavailable; /* NULL, or why this build cannot run it */
	/* 0 or a negative errno with s->err filled; a failed start has undone
	 * itself. */
	int (*start)(struct live_mode_state *s);
	/* Tears down and fills the process figures of m: transitions,
	 * data_transitions, bytes_copied, api_calls, gateway_cpu_s and
	 * m->live's context_switches, syscalls and measured_by. 0 or a
	 * negative errno (s->err), after tearing down in every case. */
	int (*stop)(struct live_mode_state *s, struct rpt_mode_metrics *m);
};

/* Every mode, in report order; NULL-terminated. */
extern const struct live_mode *const live_modes[];
/* By name, NULL if unknown. */
const struct live_mode *live_mode_find(const char *name);

extern const struct live_mode live_mode_direct, live_mode_kalg, live_mode_suse,
	live_mode_proxy, live_mode_fastpath, live_mode_fastpath_ebpf;

/* Helpers for modes: loads an nftables ruleset text into the gateway
 * namespace (written to the work directory as NAME.nft first, kept for
 * the curious). 0 or -EIO with err filled from nft's message. */
int live_mode_nft(struct live_mode_state *s, const char *name, const char *rules);
/* Waits until something accepts TCP connections on addr:port inside the
 * gateway namespace (5 s at most). 0 or -ETIMEDOUT. */
int live_mode_wait_listen(const struct live_mode_state *s, const char *addr, int port);

#endif
