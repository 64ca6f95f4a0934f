/* natapi_ebpf_int.h - private to the eBPF backend: its state (the loaded
 * program, its maps and ring buffer, redirects by id, groups, connections by
 * flow id, one deadline heap) and what its files share. */
#ifndef GATELAB_NATAPI_EBPF_INT_H
#define GATELAB_NATAPI_EBPF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/gl_fast.h"
#include "live_map.h"
#include "natapi_ebpf.h"

struct gl_fast;     /* the skeleton (build/bpf/gl_fast.skel.h) */
struct ring_buffer;
struct eb_flow;

/* A deadline in the heap; the first member of what it times. */
enum eb_tmr_kind { EB_T_PEND, EB_T_FLOW };
struct eb_tmr {
	uint64_t at;
	size_t heap_i; /* SIZE_MAX: not in the heap */
	enum eb_tmr_kind kind;
};

/* One NAT API redirect: an entry of gl_pend, or one left to nftables. */
struct eb_rdr {
	struct eb_tmr t;          /* one-shot expiry */
	uint32_t id;
	bool nft;                 /* true: inner_id is the nftables backend's */
	uint32_t inner_id;
	bool pending;             /* its key is in gl_pend */
	bool one_shot;
	struct gl_key key;
	uint32_t group;
	struct eb_rdr *gnext, *gprev;
	struct eb_flow *flows;    /* connections it made that are still in the map */
	struct natapi_counters done; /* of its connections already removed */
};

/* One translated connection: two entries of gl_flows. */
enum eb_flow_st { EB_F_OPEN, EB_F_LINGER };
struct eb_flow {
	struct eb_tmr t;          /* idle check, or the end of the linger */
	uint32_t id;
	enum eb_flow_st st;
	struct gl_key fwd, rev;
	struct eb_rdr *rdr;       /* NULL once the redirect is cancelled */
	struct eb_flow *rnext, *rprev;
};

struct eb_grp {
	uint32_t group;
	struct eb_rdr *members;
	size_t n;
};

struct natapi_ebpf {
	struct natapi_ebpf_cfg cfg;
	struct gl_fast *skel;
	struct ring_buffer *rb;
	int ifindex[2];
	bool hook_made[2], attached[2];
	int pend_fd, flows_fd, cnt_fd;
	struct live_map rdrs;     /* id -> eb_rdr */
	struct live_map grps;     /* group -> eb_grp */
	struct live_map flows;    /* flow id -> eb_flow */
	struct eb_tmr **heap;
	size_t n_heap, cap_heap;
	uint32_t next_id;
	int rb_err;               /* an event that could not be taken in (-ENOMEM) */
	struct natapi_ebpf_stats st;
};

uint64_t natapi_ebpf_now(void); /* CLOCK_MONOTONIC, the program's bpf_ktime_get_ns */

/* natapi_ebpf_heap.c */
int eb_heap_add(struct natapi_ebpf *b, struct eb_tmr *t, uint64_t at);
void eb_heap_remove(struct natapi_ebpf *b, struct eb_tmr *t);
void eb_heap_free(struct natapi_ebpf *b);

/* natapi_ebpf_rdr.c */
int eb_redirect_port(void *state, const struct natapi_port_redirect *r, uint32_t *id);
int eb_redirect_session(void *state, const struct natapi_session_redirect *r, uint32_t *id);
int eb_cancel(void *state, uint32_t id);
int eb_cancel_group(void *state, uint32_t group);
int eb_counters(void *state, uint32_t id, struct natapi_counters *out);
int eb_pend_expire(struct natapi_ebpf *b, struct eb_rdr *r);
void eb_rdrs_free(struct natapi_ebpf *b);

/* natapi_ebpf_flows.c */
int eb_on_event(void *ctx, void *data, size_t size);
int eb_flow_due(struct natapi_ebpf *b, struct eb_flow *f, uint64_t now);
/* Adds a live connection's counters (read from the map) to *c. */
void eb_flow_read(struct natapi_ebpf *b, const struct eb_flow *f, struct natapi_counters *c);
void eb_flows_free(struct natapi_ebpf *b);

#endif
