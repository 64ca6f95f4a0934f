/* sim_pkt.h - packet buffers of the simulated network: raw IP bytes in
 * fixed-size buffers recycled through a pool, so steady-state traffic does
 * no malloc. A packet has exactly one owner at a time (link, host, TCP). */
#ifndef GATELAB_SIM_PKT_H
#define GATELAB_SIM_PKT_H

#include <stddef.h>
#include <stdint.h>

#define SIM_PKT_CAP 9216 /* largest packet (jumbo MTU) */

struct sim_pkt {
	struct sim_pkt *next;  /* free list, link queues, TCP reassembly */
	void *owner;           /* set by the current owner (e.g. link direction) */
	uint64_t t;            /* owner's timestamp (e.g. arrival time) */
	uint32_t len;          /* bytes of data used */
	/* The transport's view while it holds the packet (TCP reassembly). */
	uint64_t seg_off;      /* stream offset of the payload */
	uint32_t seg_start;    /* payload offset in data */
	uint32_t seg_len;      /* payload bytes */
	uint32_t seg_flags;    /* e.g. FIN */
	uint8_t data[SIM_PKT_CAP];
};

struct sim_pkt_chunk;

struct sim_pkt_pool {
	struct sim_pkt *free;
	struct sim_pkt_chunk *chunks;
	uint64_t n_alloc;      /* buffers ever created */
	uint64_t n_in_use;     /* buffers currently handed out (leak check) */
};

void sim_pkt_pool_init(struct sim_pkt_pool *p);
/* Frees every chunk; buffers still in use become invalid. */
void sim_pkt_pool_free(struct sim_pkt_pool *p);
/* Returns a buffer with len 0, or NULL on -ENOMEM. */
struct sim_pkt *sim_pkt_get(struct sim_pkt_pool *p);
void sim_pkt_put(struct sim_pkt_pool *p, struct sim_pkt *pkt);

#endif
