/* report_trace.h - the per-packet journey through the gateway that
 * `gatelab run --trace` records (bounded) and renders as text, Markdown and
 * an SVG sequence diagram. Plain data: the simulator fills it, reports draw it. */
#ifndef GATELAB_RPT_TRACE_H
#define GATELAB_RPT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RPT_TUPLE_LEN 112
#define RPT_TRACE_FLOWS 256

/* Where a packet came from into the gateway's kernel. */
enum rpt_trace_side { RPT_SIDE_INSIDE, RPT_SIDE_OUTSIDE, RPT_SIDE_LOCAL };
/* What the kernel did with it. */
enum rpt_trace_verdict { RPT_V_FORWARD, RPT_V_LOCAL, RPT_V_DROP };

struct rpt_trace_ev {
	uint64_t t_ns;                 /* virtual time */
	char mode[16];
	enum rpt_trace_side side;
	enum rpt_trace_side out_side;  /* FORWARD: where it left */
	char before[RPT_TUPLE_LEN];    /* tuple as it arrived */
	char after[RPT_TUPLE_LEN];     /* tuple as it left (or was delivered) */
	uint32_t mapping_id, redirect_id;
	bool new_mapping, translated;
	unsigned edits;                /* payload rewrites (PORT/PASV...) */
	uint32_t payload;              /* TCP/UDP payload bytes */
	enum rpt_trace_verdict verdict;
	char reason[32];               /* DROP: the reason's name */
};

struct rpt_trace {
	size_t limit;                  /* events kept per mode (default 200) */
	size_t per_flow;               /* events kept per flow (default 12) */
	struct rpt_trace_ev *ev;
	size_t n, cap;
	uint64_t seen, skipped;        /* packets offered, and not kept */
	/* flows seen (by the tuple as it arrived, either direction folded) */
	uint64_t flow_key[RPT_TRACE_FLOWS];
	uint32_t flow_n[RPT_TRACE_FLOWS];
	size_t n_flows;
	size_t mode_start;             /* index of the current mode's first event */
};

void rpt_trace_init(struct rpt_trace *t, size_t limit, size_t per_flow);
void rpt_trace_free(struct rpt_trace *t);
/* A new mode starts: its own limit and flows. */
void rpt_trace_begin_mode(struct rpt_trace *t);
/* Keeps *ev unless the limit or its flow's share is used up; flow is a key
 * equal for both directions of a connection. Returns 0 or -ENOMEM. */
int rpt_trace_add(struct rpt_trace *t, const struct rpt_trace_ev *ev, uint64_t flow);

const char *rpt_trace_side_name(enum rpt_trace_side s);
/* One human line per event: "0.000101 proxy inside tcp a -> b | LOCAL up ..." */
void rpt_trace_print(const struct rpt_trace *t, FILE *f);
/* trace.md: a table per mode, and what the columns mean. */
int rpt_trace_md(const struct rpt_trace *t, FILE *f);
/* trace.svg: client | gateway kernel | gateway user | server lanes. */
int rpt_trace_svg(const struct rpt_trace *t, FILE *f);

#endif
