/* natapi_ebpf.h - the NAT API's eBPF fast path: session redirects to other
 * hosts become entries of a BPF hash map read by a tc program on the gateway's
 * two links, which translates and redirects their packets past netfilter.
 * What must reach a local socket stays with the nftables backend it wraps. */
#ifndef GATELAB_NATAPI_EBPF_H
#define GATELAB_NATAPI_EBPF_H

#include <stdbool.h>
#include <stdint.h>

#include "../api/natapi.h"

struct natapi_ebpf_stats {
	uint64_t flows_created;  /* connections the program translated from their first packet */
	uint64_t flows_closed;   /* removed after a FIN each way or an RST, plus the linger */
	uint64_t flows_idle;     /* removed by the idle timeout (a peer vanished) */
	uint64_t flows_active;   /* connections now in the flow map (two entries each) */
	uint64_t flows_left;     /* connections still in the map when the backend closed */
	uint64_t pend_active;    /* session redirects waiting for their first packet */
	uint64_t consumed;       /* one-shot redirects taken by their first packet */
	uint64_t expired;        /* one-shot redirects never used, removed at their timeout */
	uint64_t packets, bytes; /* translated by the removed connections (frames) */
	uint64_t map_ops;        /* bpf() map calls made by user space */
	uint64_t nft_redirects;  /* session redirects to a local address (left to nftables) */
	uint64_t stale_replaced; /* tc filters of an earlier run replaced at open */
	/* The program's own counts (summed over CPUs). Each "left to the stack"
	 * is a first packet that was not translated: the connection is not made
	 * through the fast path (the client retries its SYN). */
	uint64_t prog_redirected;
	uint64_t prog_ring_full;   /* event ring full */
	uint64_t prog_collision;   /* the reply tuple is already another connection's */
	uint64_t prog_table_full;  /* the flow map is full (max_flows) */
	uint64_t prog_no_route;    /* no route to the new destination, or forwarding off */
	uint64_t prog_ttl;         /* TTL/hop limit would expire: left to the stack */
};

struct natapi_ebpf_cfg {
	char inside_if[16];   /* the gateway's client-side link (required) */
	char outside_if[16];  /* its server-side link (required) */
	uint32_t max_pending; /* session redirects waiting at once; 0 -> 4096 */
	uint32_t max_flows;   /* connections at once (two map entries each); 0 -> 32768 */
	uint64_t linger_ns;   /* after both FINs or an RST; 0 -> 1 s */
	uint64_t idle_ns;     /* no packet one way for this long: removed; 0 -> 300 s */
	uint64_t default_timeout_ns; /* unused one-shot expiry when a call gives 0; 0 -> 60 s */
	/* The nftables backend (natapi_nft_open's state, taken over: closed with
	 * this one). It keeps the port redirect, redirects to local addresses
	 * (the proxy path), lookup_original and the port reservations. */
	void *nft;
	const struct natapi_backend *nft_backend;
	struct natapi_ebpf_stats *on_close; /* when set: the final counts, written at close */
};

/* true when this build has the BPF program (clang's BPF target and bpftool
 * were there at build time). */
bool natapi_ebpf_built(void);

/* Loads the program (the kernel's verifier checks it), sizes and creates its
 * maps, attaches it to both links' tc ingress (a clsact qdisc made when
 * missing; a filter of an earlier run replaced) and returns a backend for
 * natapi_open, which takes state. On failure cfg->nft is closed too.
 * Returns 0, -EINVAL (bad config, unknown link), -ENOTSUP (built without BPF),
 * -EPERM (no CAP_BPF/CAP_NET_ADMIN), -ENOMEM, or the kernel's refusal (the
 * verifier's log goes to stderr). */
int natapi_ebpf_open(const struct natapi_ebpf_cfg *cfg, const struct natapi_backend **backend,
		     void **state);

void natapi_ebpf_stats_get(const void *state, struct natapi_ebpf_stats *out);
/* An fd that polls readable when the program has news (a connection made or
 * ending); the driver then calls natapi_ebpf_expire. */
int natapi_ebpf_fd(const void *state);
/* Reads the program's news, removes what is due (closed connections after
 * their linger, idle ones, unused one-shot redirects; the nftables ones
 * too). *next_ns: the next deadline (CLOCK_MONOTONIC), 0 when none. Returns
 * the number removed or a negative errno. */
int natapi_ebpf_expire(void *state, uint64_t now_ns, uint64_t *next_ns);
/* The kernel ids of the program and of its flow and pending maps (for
 * tests that inspect them with bpftool). */
void natapi_ebpf_ids(const void *state, uint32_t *prog_id, uint32_t *flows_id, uint32_t *pend_id);

#endif
