/* sim_udp.h - UDP for simulated hosts: bind a port, send datagrams, receive
 * them through a callback. Datagrams carry real bytes and checksums. */
#ifndef GATELAB_SIM_UDP_H
#define GATELAB_SIM_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"
#include "../net/net_pkt.h"
#include "sim_pkt.h"

struct sim_host;
struct sim_udp_stack;
struct sim_udp_sock;

struct sim_udp_stats {
	uint64_t rx_dgrams, tx_dgrams, rx_no_port;
};

/* Called for each datagram to the socket's port; data is valid only during
 * the call. */
struct sim_udp_ops {
	void (*on_recv)(void *ctx, struct sim_udp_sock *s, const struct net_addr *from,
			uint16_t sport, const uint8_t *data, size_t len);
	void *ctx;
};

int sim_udp_stack_create(struct sim_host *h, struct sim_udp_stack **out);
void sim_udp_stack_destroy(struct sim_udp_stack *st);
/* Consumes pkt (a parsed UDP packet for this host). */
void sim_udp_input(struct sim_udp_stack *st, struct net_pkt *p, struct sim_pkt *pkt);
const struct sim_udp_stats *sim_udp_stats(const struct sim_udp_stack *st);

/* Binds port (0 picks an ephemeral one) on every local address. Returns 0,
 * -EADDRINUSE, -ENOMEM. */
int sim_udp_bind(struct sim_host *h, uint16_t port, const struct sim_udp_ops *ops,
		 struct sim_udp_sock **out);
uint16_t sim_udp_port(const struct sim_udp_sock *s);
/* Sends one datagram. Returns 0, -EMSGSIZE, -ENOMEM or a routing error. */
int sim_udp_sendto(struct sim_udp_sock *s, const struct net_addr *dst, uint16_t dport,
		   const void *data, size_t len);
void sim_udp_close(struct sim_udp_sock *s);

#endif
