/* gnat_snapshot.h - read-only views of the gNAT's redirect table for
 * teaching and debugging (`gatelab run --walkthrough`): what a student sees
 * as "the table at this moment". Not for the per-packet path: a snapshot
 * visits every slot of the table. */
#ifndef GATELAB_GNAT_SNAPSHOT_H
#define GATELAB_GNAT_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "gnat.h"

/* One live redirect (a pending expectation, a port redirect, a session
 * redirect commanded through the NAT API). */
struct gnat_redirect_info {
	uint32_t id;
	struct gnat_redirect_spec spec;
	uint64_t expires_ns;   /* 0 = never */
	uint32_t owner;        /* mapping id of the session that expects it (editor), 0 none */
	bool session;          /* src and dst fully given */
};

/* Calls fn for each live redirect, in ascending id order of creation slots
 * (the order is the table's, stable between calls while nothing changes).
 * Costs one visit per slot of the table (max_redirects). */
void gnat_redirect_foreach(const struct gnat *g,
			   void (*fn)(const struct gnat_redirect_info *ri, void *arg), void *arg);

#endif
