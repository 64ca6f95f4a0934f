/* sim_host.h - a simulated end host: interfaces on links, IPv4/IPv6
 * addresses, a longest-prefix-match routing table, and the IP layer that
 * parses arriving packets (net/net_pkt.h) and hands them to TCP or UDP. */
#ifndef GATELAB_SIM_HOST_H
#define GATELAB_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"
#include "../net/net_pkt.h"
#include "sim_link.h"
#include "sim_world.h"

#define SIM_HOST_MAX_IFACES 4
#define SIM_HOST_MAX_ADDRS 8
#define SIM_HOST_MAX_ROUTES 16
#define SIM_IP4_HLEN 20
#define SIM_IP6_HLEN 40

struct sim_host;
struct sim_tcp_stack;
struct sim_udp_stack;

struct sim_route {
	struct net_prefix dst; /* family NONE, len 0: default for every family */
	int ifc;
};

struct sim_host_stats {
	uint64_t rx_pkts, tx_pkts;
	uint64_t rx_parse_err, rx_bad_csum, rx_not_mine, rx_fragment, rx_no_proto;
	uint64_t tx_no_route, tx_no_src, tx_link_drop, fwd_bad;
};

/* Sees every packet addressed to the host before the transport does (the
 * gateway and tests hook here). Return true to consume it: the hook then owns
 * pkt; false lets normal delivery continue. */
struct sim_host_deliver_hook {
	bool (*fn)(void *ctx, struct sim_host *h, struct net_pkt *p, struct sim_pkt *pkt);
	void *ctx;
};

/* Sees every parsed packet arriving on interface ifc, before the host checks
 * that it is addressed to it: a gateway's kernel (the gNAT) sits here and
 * forwards, delivers (sim_host_deliver_local) or drops. Return true to
 * consume pkt. */
struct sim_host_ingress_hook {
	bool (*fn)(void *ctx, struct sim_host *h, int ifc, struct net_pkt *p, struct sim_pkt *pkt);
	void *ctx;
};

/* Sees every packet the host's own stack sends, IP header complete, before
 * it leaves by interface ifc. Return true to consume pkt. */
struct sim_host_egress_hook {
	bool (*fn)(void *ctx, struct sim_host *h, int ifc, struct sim_pkt *pkt);
	void *ctx;
};

struct sim_host {
	struct sim_node node;  /* first: links deliver through it */
	struct sim_world *w;
	char name[32];
	struct sim_iface ifc[SIM_HOST_MAX_IFACES];
	int n_ifc;
	struct net_addr addr[SIM_HOST_MAX_ADDRS];
	int addr_ifc[SIM_HOST_MAX_ADDRS];
	int n_addr;
	struct sim_route route[SIM_HOST_MAX_ROUTES];
	int n_route;
	bool verify_csum;      /* default true */
	uint16_t ip_id;
	struct sim_host_deliver_hook hook;
	struct sim_host_ingress_hook ingress;
	struct sim_host_egress_hook egress;
	struct sim_tcp_stack *tcp;
	struct sim_udp_stack *udp;
	struct sim_host_stats st;
};

/* Returns 0 or -ENOMEM. */
int sim_host_init(struct sim_host *h, struct sim_world *w, const char *name);
/* Frees the host's sockets and stacks (links must be freed separately). */
void sim_host_free(struct sim_host *h);
/* Adds an interface; returns its index or -ENOSPC. Attach it with
 * sim_link_init(..., &h->ifc[i], ...). */
int sim_host_add_iface(struct sim_host *h);
/* Assigns an address ("192.0.2.1") to interface ifc. Returns 0, -EINVAL, -ENOSPC. */
int sim_host_add_addr(struct sim_host *h, int ifc, const char *addr);
/* Adds a route ("0.0.0.0/0", "2001:db8::/32", "default" for every family). */
int sim_host_add_route(struct sim_host *h, const char *prefix, int ifc);
/* Interface index for dst by longest prefix match, or -ENETUNREACH. */
int sim_host_route(const struct sim_host *h, const struct net_addr *dst);
bool sim_host_is_local(const struct sim_host *h, const struct net_addr *a);
/* The source address to use towards dst (first address of the family on
 * the outgoing interface, else any of that family). Returns 0 or an error. */
int sim_host_pick_src(const struct sim_host *h, const struct net_addr *dst, struct net_addr *src);

/* Bytes of IP header the host will prepend for this family (20 or 40). */
size_t sim_host_ip_hlen(uint8_t family);
/* One's-complement sum of the transport pseudo-header (for net_csum_fold). */
uint32_t sim_host_pseudo_sum(const struct net_addr *src, const struct net_addr *dst,
			     uint8_t proto, size_t l4_len);
/* The transport has written l4_len bytes at pkt->data + ip_hlen; write the IP
 * header in front and route the packet out. Takes ownership of pkt. Returns 0
 * or a negative errno (the packet is dropped and counted). */
int sim_host_output(struct sim_host *h, const struct net_addr *src, const struct net_addr *dst,
		    uint8_t proto, struct sim_pkt *pkt, size_t l4_len);

/* Sends a complete IP packet out of interface ifc, no hooks. Takes
 * ownership. Returns 0 or a negative errno (dropped and counted). */
int sim_host_xmit(struct sim_host *h, int ifc, struct sim_pkt *pkt);
/* Routes a complete IP packet by its destination and sends it (no TTL
 * change: whoever forwards owns that policy). Takes ownership. */
int sim_host_forward(struct sim_host *h, struct sim_pkt *pkt);
/* Hands a parsed packet for this host to its transport (deliver hook
 * included), as if it had passed the local-address check. Takes ownership. */
void sim_host_deliver_local(struct sim_host *h, struct net_pkt *p, struct sim_pkt *pkt);

#endif
