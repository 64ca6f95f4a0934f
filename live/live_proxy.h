/* live_proxy.h - the live gateway's FTP proxy process: the I/O-free proxy core
 * (proxy/) driven by epoll over real sockets, commanding the kernel's NAT
 * through the nftables NAT API backend. Runs in the caller's network namespace
 * (the gateway's) until told to stop; removes every rule it added on return. */
#ifndef GATELAB_LIVE_PROXY_H
#define GATELAB_LIVE_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "../proxy/ftpp.h"

#define LIVE_IFNAME_LEN 16
#define LIVE_SYSCALL_KINDS 20
#define LIVE_TABLE_LEN 32

struct live_proxy_cfg {
	/* Listen/public/inside addresses and the policy. ftpp.listen_port is
	 * the proxy's own port; the TCP/21 redirect to it is a NAT API call
	 * made by ftpp_create. */
	struct ftpp_config ftpp;
	char inside_if[LIVE_IFNAME_LEN];   /* the gateway's client-side link */
	char outside_if[LIVE_IFNAME_LEN];  /* the gateway's server-side link */
	bool use_splice;   /* proxy-path data with splice(2), else read/write */
	int stop_fd;       /* readable (or closed by the writer): shut down */
	int ready_fd;      /* -1, or one byte is written once rules are in and
			      the proxy listens; then the fd is left open */
	/* Optional (a zeroed field means the default). */
	char nft_table[LIVE_TABLE_LEN]; /* "" -> "gatelab" (family inet) */
	uint16_t port_lo, port_hi;      /* reserved data ports; 0: outside
					   ip_local_port_range, chosen by the backend */
	bool log_to_stderr;             /* the core's log lines, one per line */
	/* Data connections on the eBPF fast path (natapi_ebpf.h) instead of
	 * nftables rules; the control connection's redirect stays in nftables.
	 * Needs inside_if and outside_if. The rest: 0 = the backend's default. */
	bool ebpf;
	uint64_t ebpf_linger_ns, ebpf_idle_ns;
	uint32_t ebpf_max_flows;
};

/* What the proxy process did, counted where each call is made. */
struct live_syscall_count {
	const char *name;  /* "epoll_wait", "read", "write", "splice", ... */
	uint64_t n;
};

struct live_proxy_stats {
	struct live_syscall_count syscalls[LIVE_SYSCALL_KINDS];
	uint32_t n_syscalls;
	uint64_t bytes_copied;      /* data-connection bytes read + written by the proxy */
	uint64_t api_calls;         /* NAT API calls (natapi_stats) */
	uint64_t nl_transactions;   /* netlink transactions the nft backend made */
	uint64_t nl_wall_ns;        /* their summed wall time */
	uint64_t sessions, fast_transfers, proxy_transfers;
	uint64_t refused;           /* commands answered locally by policy, plus
				       sessions refused (site policy, limits) */
	uint64_t errors;            /* sessions ended by an internal error, and
				       actions the driver could not carry out */
	uint64_t logs;              /* log lines the core produced */
	uint64_t nl_failed;         /* transactions the kernel refused */
	uint64_t rules_expired;     /* one-shot redirects removed by their timeout */
	uint16_t port_lo, port_hi;  /* the reserved data port range used */
	/* The eBPF fast path (cfg.ebpf): what its program translated. */
	uint64_t fast_flows;        /* connections made through it */
	uint64_t fast_flows_closed, fast_flows_idle, fast_flows_left;
	uint64_t fast_packets, fast_bytes; /* of the connections it removed */
	uint64_t fast_untranslated; /* first packets it had to leave to the stack */
	uint64_t fast_map_ops;      /* bpf() map calls */
};

/* The count of one syscall kind by name (0 when never made). */
uint64_t live_proxy_syscalls(const struct live_proxy_stats *st, const char *name);

/* Runs the proxy until stop_fd is readable (or hung up). SIGPIPE is ignored
 * while it runs (a write or splice to a peer that is gone) and restored on
 * return. Syscall counts carry the kernel's names (strace -c can check them;
 * libnftables' own netlink calls are not among them).  Returns 0 after a clean shutdown
 * (all sessions freed, all nftables state of this run removed), or a negative
 * errno-style code: -EPERM (no CAP_NET_ADMIN), -EINVAL (bad config), the nft
 * backend's or a socket call's error. stats is filled in every case. */
int live_proxy_run(const struct live_proxy_cfg *cfg, struct live_proxy_stats *stats);

#endif
