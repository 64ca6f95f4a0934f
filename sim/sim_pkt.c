/* sim_pkt.c - the packet pool: buffers are carved from chunks allocated on
 * demand and never returned to malloc until the pool is freed. */
#include "sim_pkt.h"

#include <stdlib.h>

#define CHUNK_PKTS 32

struct sim_pkt_chunk {
	struct sim_pkt_chunk *next;
	struct sim_pkt pkts[CHUNK_PKTS];
};

void sim_pkt_pool_init(struct sim_pkt_pool *p)
{
	p->free = NULL;
	p->chunks = NULL;
	p->n_alloc = 0;
	p->n_in_use = 0;
}

void sim_pkt_pool_free(struct sim_pkt_pool *p)
{
	struct sim_pkt_chunk *c = p->chunks;

	while (c) {
		struct sim_pkt_chunk *next = c->next;

		free(c);
		c = next;
	}
	sim_pkt_pool_init(p);
}

struct sim_pkt *sim_pkt_get(struct sim_pkt_pool *p)
{
	struct sim_pkt *pkt;

	if (!p->free) {
		struct sim_pkt_chunk *c = malloc(sizeof(*c));

		if (!c)
			return NULL;
		c->next = p->chunks;
		p->chunks = c;
		for (int i = CHUNK_PKTS - 1; i >= 0; i--) {
			c->pkts[i].next = p->free;
			p->free = &c->pkts[i];
		}
		p->n_alloc += CHUNK_PKTS;
	}
	pkt = p->free;
	p->free = pkt->next;
	pkt->next = NULL;
	pkt->owner = NULL;
	pkt->t = 0;
	pkt->len = 0;
	pkt->seg_off = 0;
	pkt->seg_start = 0;
	pkt->seg_len = 0;
	pkt->seg_flags = 0;
	p->n_in_use++;
	return pkt;
}

void sim_pkt_put(struct sim_pkt_pool *p, struct sim_pkt *pkt)
{
	if (!pkt)
		return;
	pkt->next = p->free;
	p->free = pkt;
	p->n_in_use--;
}
