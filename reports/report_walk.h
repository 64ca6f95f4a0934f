/* report_walk.h - one FTP session's walk-through (`gatelab run --walkthrough`):
 * per mode, the ordered steps (packets the gateway handled, NAT API calls)
 * with both links' view, the gNAT's table after each step and the counters.
 * Plain data: the simulator fills it (sim/sim_walk.h), render_walk.c draws it. */
#ifndef GATELAB_RPT_WALK_H
#define GATELAB_RPT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report_trace.h"

#define RPT_WALK_MODES 4

enum rpt_walk_kind { RPT_WALK_PACKET, RPT_WALK_API };

/* How the gateway carried a packet. */
enum rpt_walk_path {
	RPT_PATH_FAST,   /* translated in the kernel (a mapping): the fast path */
	RPT_PATH_PASS,   /* forwarded in the kernel untouched (router, no mapping) */
	RPT_PATH_UP,     /* delivered up to the proxy (user mode) */
	RPT_PATH_DOWN,   /* written by the proxy, sent down through the kernel */
	RPT_PATH_DROP    /* dropped (reason) */
};

/* A packet as one link carried it. */
struct rpt_walk_view {
	bool present;
	char tuple[RPT_TUPLE_LEN];
	bool tcp;
	uint32_t seq, ack;
	uint8_t flags;             /* NET_TCP_* */
	uint32_t len;              /* payload bytes */
	char *text;                /* control payload as text (malloc'd), or NULL */
};

struct rpt_walk_step {
	uint64_t t_ns;
	enum rpt_walk_kind kind;
	bool control;              /* the control connection (else a data connection) */
	enum rpt_trace_side side, out_side;
	enum rpt_walk_path path;
	struct rpt_walk_view in, out;   /* on the inside link / the outside link */
	char local[RPT_TUPLE_LEN]; /* UP: as delivered to the proxy; DOWN: as the proxy wrote it */
	uint32_t mapping_id, redirect_id;
	bool new_mapping, redirect_consumed;
	unsigned edits;            /* payload rewrites by the kernel's FTP editor */
	int32_t len_delta;         /* payload bytes after minus before (the seq shift it adds) */
	int32_t seq_shift;         /* the mapping's seq delta applied to this packet */
	char reason[32];           /* DROP */
	char *what;                /* one line saying what happened (malloc'd) */
	char *api;                 /* API steps: the call and its result (malloc'd) */
	uint64_t transitions, bytes_copied, api_calls;
	uint64_t hidden;           /* the session's packets not shown since the previous step */
	char **rows;               /* the gNAT's table after this step: "M3 ...", "R7 ..." */
	size_t n_rows;
};

struct rpt_walk_mode {
	char mode[16];
	struct rpt_walk_step *steps;
	size_t n, cap;
	uint64_t packets;          /* every packet of the session the gateway handled */
	uint64_t hidden_tail;      /* not shown after the last step */
	uint64_t transitions, bytes_copied, api_calls; /* at the end of the run */
	double throughput_bps;     /* the session's transfers, from the run */
};

struct rpt_walk {
	char scenario[64];
	unsigned session;          /* 1-based, as --session */
	char desc[256];            /* "alice -> ftp, active (PORT): RETR /pub/big.bin" */
	struct rpt_walk_mode modes[RPT_WALK_MODES];
	size_t n_modes;
};

void rpt_walk_init(struct rpt_walk *w);
void rpt_walk_free(struct rpt_walk *w);
/* A new mode: returns it, or NULL when RPT_WALK_MODES are in use. */
struct rpt_walk_mode *rpt_walk_begin_mode(struct rpt_walk *w, const char *mode);
/* A new zeroed step at the end of m, or NULL (out of memory). */
struct rpt_walk_step *rpt_walk_push(struct rpt_walk_mode *m);
/* Appends a malloc'd copy of row to st's table. 0 or -ENOMEM. */
int rpt_walk_add_row(struct rpt_walk_step *st, const char *row);

const char *rpt_walk_path_name(enum rpt_walk_path p);
/* "SYN", "SYN+ACK", "FIN+ACK", "ACK", "PSH+ACK"... into buf (whole names
 * only: a buf too small ends after the last name that fits). */
void rpt_walk_flags(uint8_t flags, char *buf, size_t cap);

/* walkthrough.html: self-contained (inline CSS, script and data), offline.
 * Returns 0, -ENOMEM or -EIO. */
int rpt_walk_html(const struct rpt_walk *w, FILE *f);

#endif
