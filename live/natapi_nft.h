/* natapi_nft.h - the NAT API's Linux backend: the kernel's netfilter NAT,
 * commanded through libnftables. One inet table owned by gatelab; every NAT
 * API call that changes rules is one netlink transaction, counted and timed. */
#ifndef GATELAB_NATAPI_NFT_H
#define GATELAB_NATAPI_NFT_H

#include <stdint.h>

#include "../api/natapi.h"

#define NATAPI_NFT_NAME_LEN 32

/* Asked by lookup_original: the original destination of the accepted
 * connection `accepted` (client -> the proxy's socket). The live driver
 * answers with getsockopt(SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST) on the fd
 * it registered for that tuple. Returns 0, -ENOENT (not known / not
 * redirected) or a negative errno. */
typedef int (*natapi_nft_orig_fn)(void *arg, const struct net_tuple *accepted,
				  struct net_tuple *original);

struct natapi_nft_stats {
	uint64_t transactions;   /* nft_run_cmd_from_buffer batches (open and close included) */
	uint64_t wall_ns;        /* their summed wall time */
	uint64_t failed;         /* batches the kernel refused */
	uint64_t rules_active;   /* rules of redirects now in the table */
	uint64_t groups_active;  /* per-group chains now in the table */
	uint64_t expired;        /* one-shot redirects removed by their timeout */
	uint64_t stale_removed;  /* 1 if open found a table left by an earlier run */
};

struct natapi_nft_cfg {
	char table[NATAPI_NFT_NAME_LEN]; /* "" -> "gatelab" (family inet) */
	char inside_if[16];              /* port redirects match iifname; "" = any */
	/* Reserved data ports come from [port_lo, port_hi]; both 0: just
	 * below (else above) ip_local_port_range of the current namespace,
	 * so the kernel never hands them out as ephemeral ports. */
	uint16_t port_lo, port_hi;
	uint64_t default_timeout_ns;     /* one-shot expiry when a call gives 0 (0 -> 60 s) */
	natapi_nft_orig_fn orig;         /* required for lookup_original */
	void *orig_arg;
	int verbose;                     /* 1: every batch on stderr */
	struct natapi_nft_stats *on_close; /* when set: the final counts, written
					      by the close (its own delete included) */
};


/* Deletes a table of that name left by an earlier run, creates it fresh (nat
 * prerouting/postrouting, filter forward with policy drop) and returns a
 * backend for natapi_open (which takes state). Needs CAP_NET_ADMIN in the
 * current network namespace. Returns 0, -EINVAL (bad name), -ENOMEM,
 * -EPERM (the kernel refused the table), -ENOSPC (no port range left). */
int natapi_nft_open(const struct natapi_nft_cfg *cfg, const struct natapi_backend **backend,
		    void **state);

/* state is the pointer natapi_nft_open gave (valid until natapi_close). */
void natapi_nft_stats_get(const void *state, struct natapi_nft_stats *out);
/* Removes one-shot redirects whose timeout has passed (one transaction
 * each). *next_ns: the next expiry (CLOCK_MONOTONIC ns), or 0 when
 * none is pending. Returns the number removed or a negative errno. */
int natapi_nft_expire(void *state, uint64_t now_ns, uint64_t *next_ns);
/* The reserved port range actually used. */
void natapi_nft_port_range(const void *state, uint16_t *lo, uint16_t *hi);
/* CLOCK_MONOTONIC in ns (the clock of the expiry times). */
uint64_t natapi_nft_now(void);

#endif
