/* sim_link.h - full-duplex point-to-point links between node interfaces:
 * serialisation at a bandwidth, propagation delay, MTU, a tail-drop queue and
 * seeded loss and reordering, with counters per direction and a packet tap. */
#ifndef GATELAB_SIM_LINK_H
#define GATELAB_SIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_pkt.h"
#include "sim_world.h"

struct sim_iface;
struct sim_link;

/* Anything that receives packets: a host now, the gateway later. */
struct sim_node {
	/* Takes ownership of pkt (must sim_pkt_put it eventually). */
	void (*rx)(struct sim_node *node, struct sim_iface *ifc, struct sim_pkt *pkt);
};

/* One end of a link, owned by a node. */
struct sim_iface {
	struct sim_world *w;
	struct sim_node *node;
	struct sim_link *link;
	int side;              /* 0 or 1: this end's index on the link */
};

struct sim_link_params {
	uint64_t bw_bps;       /* 0 = infinite (no serialisation delay) */
	uint64_t delay_ns;     /* one-way propagation delay */
	uint32_t mtu;          /* bytes of IP packet; larger ones are dropped (0 = 1500) */
	uint64_t qlimit_bytes; /* 0 = unlimited; counts the packet on the wire too */
	uint32_t qlimit_pkts;  /* 0 = unlimited */
	double loss;           /* probability a packet is lost on the wire */
	double reorder;        /* probability a packet gets reorder_delay_ns extra */
	uint64_t reorder_delay_ns;
};

struct sim_link_stats {
	uint64_t tx_pkts, tx_bytes;       /* accepted onto the wire */
	uint64_t rx_pkts, rx_bytes;       /* delivered to the far end */
	uint64_t drop_mtu, drop_queue, drop_loss, drop_nomem;
	uint64_t reordered;
	uint32_t max_queue_pkts;
	uint64_t max_queue_bytes;
};

/* The per-packet tap. By default it sees every packet accepted onto the
 * wire (lost ones included) at the time it was handed to the link, like a
 * capture at the sender; with at_arrival it sees what reaches the far end,
 * when it arrives, like a capture at the receiver. from = sending side. */
struct sim_link_tap {
	void (*fn)(void *ctx, const struct sim_link *l, int from, uint64_t t_ns,
		   const uint8_t *pkt, size_t len);
	void *ctx;
	bool at_arrival;
};

/* Transmit side of one direction; finish times of queued packets are kept in
 * a ring so the occupancy is known without scanning. */
struct sim_link_dir {
	struct sim_link *link;
	int from;
	uint64_t busy_until;
	uint64_t *fin_time;
	uint32_t *fin_len;
	uint32_t ring_cap, ring_head, ring_count;
	uint64_t queued_bytes;
	struct sim_link_stats st;
};

struct sim_link {
	struct sim_world *w;
	struct sim_link_params p;
	struct sim_iface *end[2];
	struct sim_link_dir dir[2];
	struct sim_link_tap tap;
};

void sim_link_params_default(struct sim_link_params *p);
/* Connects a and b (each must not be on a link yet); p NULL = defaults.
 * Returns 0 or -EINVAL. */
int sim_link_init(struct sim_link *l, struct sim_world *w, const struct sim_link_params *p,
		  struct sim_iface *a, struct sim_iface *b);
void sim_link_free(struct sim_link *l);
void sim_link_set_tap(struct sim_link *l, const struct sim_link_tap *tap);

/* Sends pkt out of ifc (which must be attached). Takes ownership: the packet
 * is delivered to the far node or dropped with a counter. Returns 0 if it
 * was accepted onto the wire (it may still be lost), or -EMSGSIZE, -ENOBUFS
 * (queue full), -ENOMEM, -ENOTCONN. */
int sim_link_send(struct sim_iface *ifc, struct sim_pkt *pkt);

/* Stats of the direction sent by side `from`. */
const struct sim_link_stats *sim_link_stats(const struct sim_link *l, int from);
/* Serialisation time of len bytes on the link, in ns. */
uint64_t sim_link_ser_ns(const struct sim_link *l, size_t len);

#endif
