/* sim_host.c - the host's IP layer: addressing and routing on the way out,
 * parse, check and dispatch on the way in. A host does not forward by
 * itself: a packet for another address is dropped unless an ingress hook (a
 * gateway's kernel) takes it and calls sim_host_forward. */
#include "sim_host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../net/net_csum.h"
#include "sim_bytes.h"
#include "sim_tcp.h"
#include "sim_udp.h"

static void host_rx(struct sim_node *node, struct sim_iface *ifc, struct sim_pkt *pkt);

int sim_host_init(struct sim_host *h, struct sim_world *w, const char *name)
{
	int rc;

	memset(h, 0, sizeof(*h));
	h->node.rx = host_rx;
	h->w = w;
	h->verify_csum = true;
	snprintf(h->name, sizeof(h->name), "%s", name ? name : "host");
	if ((rc = sim_tcp_stack_create(h, &h->tcp)) < 0)
		goto out;
	if ((rc = sim_udp_stack_create(h, &h->udp)) < 0)
		goto out;
out:
	if (rc < 0)
		sim_host_free(h);
	return rc;
}

void sim_host_free(struct sim_host *h)
{
	sim_tcp_stack_destroy(h->tcp);
	sim_udp_stack_destroy(h->udp);
	h->tcp = NULL;
	h->udp = NULL;
}

int sim_host_add_iface(struct sim_host *h)
{
	struct sim_iface *ifc;

	if (h->n_ifc >= SIM_HOST_MAX_IFACES)
		return -ENOSPC;
	ifc = &h->ifc[h->n_ifc];
	memset(ifc, 0, sizeof(*ifc));
	ifc->w = h->w;
	ifc->node = &h->node;
	return h->n_ifc++;
}

int sim_host_add_addr(struct sim_host *h, int ifc, const char *addr)
{
	struct net_addr a;

	if (ifc < 0 || ifc >= h->n_ifc || net_addr_parse(addr, &a) < 0)
		return -EINVAL;
	if (h->n_addr >= SIM_HOST_MAX_ADDRS)
		return -ENOSPC;
	h->addr[h->n_addr] = a;
	h->addr_ifc[h->n_addr] = ifc;
	h->n_addr++;
	return 0;
}

int sim_host_add_route(struct sim_host *h, const char *prefix, int ifc)
{
	struct sim_route *r;

	if (ifc < 0 || ifc >= h->n_ifc || !prefix)
		return -EINVAL;
	if (h->n_route >= SIM_HOST_MAX_ROUTES)
		return -ENOSPC;
	r = &h->route[h->n_route];
	memset(r, 0, sizeof(*r));
	if (strcmp(prefix, "default") != 0 && net_prefix_parse(prefix, &r->dst) < 0)
		return -EINVAL;
	r->ifc = ifc;
	h->n_route++;
	return 0;
}

/* A linear scan: a host has a handful of routes, fewer than a hash costs. */
int sim_host_route(const struct sim_host *h, const struct net_addr *dst)
{
	int best = -ENETUNREACH, best_len = -1;

	for (int i = 0; i < h->n_route; i++) {
		const struct sim_route *r = &h->route[i];

		if (r->dst.addr.family != NET_AF_NONE && r->dst.addr.family != dst->family)
			continue;
		if (!net_prefix_contains(&r->dst, dst))
			continue;
		if ((int)r->dst.len > best_len) {
			best_len = r->dst.len;
			best = r->ifc;
		}
	}
	return best;
}

bool sim_host_is_local(const struct sim_host *h, const struct net_addr *a)
{
	for (int i = 0; i < h->n_addr; i++)
		if (net_addr_eq(&h->addr[i], a))
			return true;
	return false;
}

int sim_host_pick_src(const struct sim_host *h, const struct net_addr *dst, struct net_addr *src)
{
	int ifc = sim_host_route(h, dst), any = -1;

	if (ifc < 0)
		return ifc;
	for (int i = 0; i < h->n_addr; i++) {
		if (h->addr[i].family != dst->family)
			continue;
		if (h->addr_ifc[i] == ifc) {
			*src = h->addr[i];
			return 0;
		}
		if (any < 0)
			any = i;
	}
	if (any < 0)
		return -EADDRNOTAVAIL;
	*src = h->addr[any];
	return 0;
}

size_t sim_host_ip_hlen(uint8_t family)
{
	return family == NET_AF_INET6 ? SIM_IP6_HLEN : SIM_IP4_HLEN;
}

uint32_t sim_host_pseudo_sum(const struct net_addr *src, const struct net_addr *dst,
			     uint8_t proto, size_t l4_len)
{
	uint8_t tail[8];
	size_t alen = net_addr_len(src);
	uint32_t sum;

	sum = net_csum_add(0, src->a, alen);
	sum = net_csum_add(sum, dst->a, alen);
	/* Both pseudo-header layouts sum to length + protocol. */
	sim_wr32(tail, (uint32_t)l4_len);
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	return net_csum_add(sum, tail, sizeof(tail));
}

int sim_host_output(struct sim_host *h, const struct net_addr *src, const struct net_addr *dst,
		    uint8_t proto, struct sim_pkt *pkt, size_t l4_len)
{
	size_t hl = sim_host_ip_hlen(dst->family);
	uint8_t *ip = pkt->data;
	int ifc = sim_host_route(h, dst);

	if (ifc < 0) {
		h->st.tx_no_route++;
		sim_pkt_put(&h->w->pool, pkt);
		return ifc;
	}
	if (src->family != dst->family || hl + l4_len > SIM_PKT_CAP) {
		h->st.tx_no_src++;
		sim_pkt_put(&h->w->pool, pkt);
		return -EINVAL;
	}
	if (dst->family == NET_AF_INET4) {
		ip[0] = 0x45;
		ip[1] = 0;
		sim_wr16(ip + 2, (uint16_t)(hl + l4_len));
		sim_wr16(ip + 4, h->ip_id++);
		sim_wr16(ip + 6, 0x4000); /* DF: the simulator never fragments */
		ip[8] = 64;
		ip[9] = proto;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, src->a, 4);
		memcpy(ip + 16, dst->a, 4);
		sim_wr16(ip + 10, net_csum_fold(net_csum_add(0, ip, 20)));
	} else {
		sim_wr32(ip, 0x60000000u);
		sim_wr16(ip + 4, (uint16_t)l4_len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, src->a, 16);
		memcpy(ip + 24, dst->a, 16);
	}
	pkt->len = (uint32_t)(hl + l4_len);
	if (h->egress.fn && h->egress.fn(h->egress.ctx, h, ifc, pkt))
		return 0;
	return sim_host_xmit(h, ifc, pkt);
}

int sim_host_xmit(struct sim_host *h, int ifc, struct sim_pkt *pkt)
{
	int rc;

	if (ifc < 0 || ifc >= h->n_ifc) {
		h->st.tx_no_route++;
		sim_pkt_put(&h->w->pool, pkt);
		return -EINVAL;
	}
	h->st.tx_pkts++;
	if ((rc = sim_link_send(&h->ifc[ifc], pkt)) < 0) {
		h->st.tx_link_drop++;
		return rc;
	}
	return 0;
}

int sim_host_forward(struct sim_host *h, struct sim_pkt *pkt)
{
	struct net_addr dst;
	int ifc;

	memset(&dst, 0, sizeof(dst));
	if (pkt->len >= SIM_IP4_HLEN && pkt->data[0] >> 4 == 4) {
		dst.family = NET_AF_INET4;
		memcpy(dst.a, pkt->data + 16, 4);
	} else if (pkt->len >= SIM_IP6_HLEN && pkt->data[0] >> 4 == 6) {
		dst.family = NET_AF_INET6;
		memcpy(dst.a, pkt->data + 24, 16);
	} else {
		h->st.fwd_bad++;
		sim_pkt_put(&h->w->pool, pkt);
		return -EINVAL;
	}
	ifc = sim_host_route(h, &dst);
	if (ifc < 0) {
		h->st.tx_no_route++;
		sim_pkt_put(&h->w->pool, pkt);
		return ifc;
	}
	return sim_host_xmit(h, ifc, pkt);
}

void sim_host_deliver_local(struct sim_host *h, struct net_pkt *p, struct sim_pkt *pkt)
{
	if (p->is_fragment) {
		h->st.rx_fragment++; /* no reassembly: the simulator never fragments */
		goto drop;
	}
	if (h->verify_csum && !net_pkt_checksums_ok(p)) {
		h->st.rx_bad_csum++;
		goto drop;
	}
	if (h->hook.fn && h->hook.fn(h->hook.ctx, h, p, pkt))
		return;
	switch (p->tuple.proto) {
	case 6:
		sim_tcp_input(h->tcp, p, pkt);
		return;
	case 17:
		sim_udp_input(h->udp, p, pkt);
		return;
	default:
		h->st.rx_no_proto++;
		goto drop;
	}
drop:
	sim_pkt_put(&h->w->pool, pkt);
}

static void host_rx(struct sim_node *node, struct sim_iface *ifc, struct sim_pkt *pkt)
{
	struct sim_host *h = (struct sim_host *)node;
	struct net_pkt p;
	enum net_err err;

	h->st.rx_pkts++;
	if (net_pkt_parse(pkt->data, pkt->len, &p, &err) < 0) {
		h->st.rx_parse_err++;
		goto drop;
	}
	if (h->ingress.fn && h->ingress.fn(h->ingress.ctx, h, (int)(ifc - h->ifc), &p, pkt))
		return;
	if (!sim_host_is_local(h, &p.tuple.dst)) {
		h->st.rx_not_mine++;
		goto drop;
	}
	sim_host_deliver_local(h, &p, pkt);
	return;
drop:
	sim_pkt_put(&h->w->pool, pkt);
}
