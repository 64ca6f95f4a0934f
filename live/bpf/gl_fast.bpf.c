/* gl_fast.bpf.c - the eBPF fast path: a tc (clsact ingress, direct-action)
 * program on the gateway's inside and outside links. A packet whose 5-tuple is
 * in gl_flows is rewritten (addresses, ports, TTL; incremental checksums) and
 * redirected to its egress link; a first packet matching a pending session
 * redirect (gl_pend) creates both directions first. Anything else: the stack. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "gl_fast.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define GL_IP_MF 0x2000
#define GL_IP_OFFMASK 0x1fff

/* Sizes are set by user space before loading (natapi_ebpf_cfg). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct gl_key);
	__type(value, struct gl_pend);
} gl_pend SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct gl_key);
	__type(value, struct gl_flow);
} gl_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} gl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GL_C_N);
	__type(key, __u32);
	__type(value, __u64);
} gl_cnt SEC(".maps");

/* Room for gl_consume's two flow values (the BPF stack is 512 bytes). */
struct gl_scratch {
	struct gl_flow fwd, back;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gl_scratch);
} gl_tmp SEC(".maps");

__u32 gl_next_flow = 0;

static __always_inline void gl_count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&gl_cnt, &slot);

	if (v)
		*v += 1; /* per CPU: no atomic needed */
}

/* What parsing found: the key, where the headers are, the TCP flags. */
struct gl_pkt {
	struct gl_key key;
	__u32 l4off;
	__u32 csumoff; /* L4 checksum offset */
	__u8 ttl;
	__u8 tcpflags;
	__u8 udp_csum0;
};

static __always_inline int gl_parse(struct __sk_buff *skb, struct gl_pkt *p)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u16 ports[2];

	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return -1;
		if (ip->frag_off & bpf_htons(GL_IP_MF | GL_IP_OFFMASK))
			return -1; /* fragments: the stack reassembles */
		p->key.family = 4;
		p->key.proto = ip->protocol;
		__builtin_memcpy(p->key.src, &ip->saddr, 4);
		__builtin_memcpy(p->key.dst, &ip->daddr, 4);
		p->ttl = ip->ttl;
		p->l4off = ETH_HLEN + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return -1;
		p->key.family = 6;
		p->key.proto = ip6->nexthdr; /* extension headers: not ours */
		__builtin_memcpy(p->key.src, &ip6->saddr, 16);
		__builtin_memcpy(p->key.dst, &ip6->daddr, 16);
		p->ttl = ip6->hop_limit;
		p->l4off = ETH_HLEN + sizeof(struct ipv6hdr);
	} else {
		return -1;
	}
	if (p->key.proto == IPPROTO_TCP) {
		__u8 fl;

		if (bpf_skb_load_bytes(skb, p->l4off + 13, &fl, 1) < 0)
			return -1;
		p->tcpflags = fl;
		p->csumoff = p->l4off + offsetof(struct tcphdr, check);
	} else if (p->key.proto == IPPROTO_UDP) {
		__u16 c;

		p->csumoff = p->l4off + offsetof(struct udphdr, check);
		if (bpf_skb_load_bytes(skb, p->csumoff, &c, 2) < 0)
			return -1;
		p->udp_csum0 = c == 0 && p->key.family == 4;
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, p->l4off, ports, 4) < 0)
		return -1;
	p->key.sport = ports[0];
	p->key.dport = ports[1];
	return 0;
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* The egress link for a destination, by the gateway's own routing table. */
static __always_inline int gl_egress(struct __sk_buff *skb, const struct gl_key *k,
				     const __u8 *src, const __u8 *dst, struct gl_flow *f)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	fib.ifindex = skb->ingress_ifindex;
	fib.l4_protocol = k->proto;
	if (k->family == 4) {
		fib.family = AF_INET;
		__builtin_memcpy(&fib.ipv4_src, src, 4);
		__builtin_memcpy(&fib.ipv4_dst, dst, 4);
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, src, 16);
		__builtin_memcpy(fib.ipv6_dst, dst, 16);
	}
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return -1;
	f->ifindex = fib.ifindex;
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		/* The neighbour is known: its packets skip the neighbour layer. */
		__builtin_memcpy(f->mac, fib.dmac, 6);
		__builtin_memcpy(f->mac + 6, fib.smac, 6);
		f->flags |= GL_F_MACS;
	}
	return 0;
}

static __always_inline void gl_addr_cpy(__u8 *to, const __u8 *from)
{
	__builtin_memcpy(to, from, 16);
}

/* A first packet: find the pending redirect (exact, then wildcards), create
 * both directions, tell user space. Returns 0 when the flow now exists. */
static __always_inline int gl_consume(struct __sk_buff *skb, const struct gl_pkt *p,
				      __u32 old_id)
{
	struct gl_key k = p->key, rev = {};
	struct gl_pend pv;
	struct gl_pend *pp = NULL;
	struct gl_scratch *t;
	struct gl_event *ev;
	__u32 id, w, zero = 0;

	t = bpf_map_lookup_elem(&gl_tmp, &zero);
	if (!t)
		return -1;
	__builtin_memset(t, 0, sizeof(*t));

#pragma unroll
	for (w = 0; w < 4; w++) {
		k = p->key;
		k.wild = w;
		if (w & GL_WILD_SRC)
			__builtin_memset(k.src, 0, 16);
		if (w & GL_WILD_SPORT)
			k.sport = 0;
		pp = bpf_map_lookup_elem(&gl_pend, &k);
		if (pp)
			break;
	}
	if (!pp)
		return -1;
	pv = *pp;
	/* The translated tuple. */
	gl_addr_cpy(t->fwd.new_src, pv.set_src ? pv.new_src : p->key.src);
	gl_addr_cpy(t->fwd.new_dst, pv.new_dst);
	t->fwd.new_sport = pv.new_sport ? pv.new_sport : p->key.sport;
	t->fwd.new_dport = pv.new_dport ? pv.new_dport : p->key.dport;
	if (gl_egress(skb, &p->key, t->fwd.new_src, t->fwd.new_dst, &t->fwd) < 0) {
		gl_count(GL_C_NO_ROUTE);
		return -1;
	}
	/* The reply comes as new_dst -> new_src and becomes dst -> src. */
	rev.family = p->key.family;
	rev.proto = p->key.proto;
	gl_addr_cpy(rev.src, t->fwd.new_dst);
	gl_addr_cpy(rev.dst, t->fwd.new_src);
	rev.sport = t->fwd.new_dport;
	rev.dport = t->fwd.new_sport;
	gl_addr_cpy(t->back.new_src, p->key.dst);
	gl_addr_cpy(t->back.new_dst, p->key.src);
	t->back.new_sport = p->key.dport;
	t->back.new_dport = p->key.sport;
	t->back.ifindex = skb->ingress_ifindex;
	/* Replies go back to the sender of this packet, from where it came. */
	if (bpf_skb_load_bytes(skb, 0, t->back.mac, 12) == 0) {
		__u8 m[6];

		__builtin_memcpy(m, t->back.mac, 6);
		__builtin_memcpy(t->back.mac, t->back.mac + 6, 6);
		__builtin_memcpy(t->back.mac + 6, m, 6);
		t->back.flags |= GL_F_MACS;
	}
	/* The event first: a flow user space does not know of would never be
	 * removed. No room: the packet goes to the stack (counted). */
	ev = bpf_ringbuf_reserve(&gl_events, sizeof(*ev), 0);
	if (!ev) {
		gl_count(GL_C_RB_FULL);
		return -1;
	}
	/* One-shot: whoever deletes the pending entry owns it (a second CPU's
	 * simultaneous first packet finds it gone). */
	if (pv.one_shot && bpf_map_delete_elem(&gl_pend, &k) != 0) {
		bpf_ringbuf_discard(ev, 0);
		return -1;
	}
	id = __sync_fetch_and_add(&gl_next_flow, 1) % 0xfffffffeu + 1;
	t->fwd.flow_id = t->back.flow_id = id;
	t->fwd.rdr_id = t->back.rdr_id = pv.rdr_id;
	t->fwd.peer = rev;
	t->back.peer = p->key;
	t->fwd.last_ns = t->back.last_ns = bpf_ktime_get_ns();
	/* old_id: this tuple's earlier connection has ended (its linger is
	 * not over): the new one takes its entries; user space deletes only
	 * entries that still carry the old id. */
	if (old_id) {
		struct gl_flow *o = bpf_map_lookup_elem(&gl_flows, &rev);

		if (o && o->flow_id != old_id) {
			gl_count(GL_C_COLLISION);
			goto undo;
		}
	}
	if (bpf_map_update_elem(&gl_flows, &p->key, &t->fwd, old_id ? BPF_ANY : BPF_NOEXIST) != 0) {
		gl_count(GL_C_TABLE_FULL);
		goto undo;
	}
	if (bpf_map_update_elem(&gl_flows, &rev, &t->back, old_id ? BPF_ANY : BPF_NOEXIST) != 0) {
		/* Another connection already translates to this tuple. */
		bpf_map_delete_elem(&gl_flows, &p->key);
		gl_count(GL_C_COLLISION);
		goto undo;
	}
	ev->type = GL_EV_NEW;
	ev->flow_id = id;
	ev->rdr_id = pv.rdr_id;
	ev->pad = 0;
	ev->fwd = p->key;
	ev->rev = rev;
	bpf_ringbuf_submit(ev, 0);
	gl_count(GL_C_FLOWS_NEW);
	return 0;
undo:
	if (pv.one_shot)
		bpf_map_update_elem(&gl_pend, &k, &pv, BPF_NOEXIST);
	bpf_ringbuf_discard(ev, 0);
	return -1;
}

static __always_inline void gl_close_event(struct gl_flow *f, const struct gl_key *k)
{
	struct gl_event *ev;

	if (__sync_fetch_and_or(&f->flags, GL_F_CLOSE_SENT) & GL_F_CLOSE_SENT)
		return;
	ev = bpf_ringbuf_reserve(&gl_events, sizeof(*ev), 0);
	if (!ev) {
		/* The idle timeout removes it instead; counted. */
		gl_count(GL_C_RB_FULL);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = GL_EV_CLOSE;
	ev->flow_id = f->flow_id;
	ev->rdr_id = f->rdr_id;
	ev->fwd = *k;
	bpf_ringbuf_submit(ev, 0);
}

/* TCP end: an RST, or a FIN each way (the peer entry holds the other one). */
static __always_inline void gl_tcp_state(struct gl_flow *f, const struct gl_pkt *p)
{
	struct gl_flow *peer;

	if (p->tcpflags & TCP_RST) {
		__sync_fetch_and_or(&f->flags, GL_F_RST);
		gl_close_event(f, &p->key);
		return;
	}
	if (!(p->tcpflags & TCP_FIN))
		return;
	__sync_fetch_and_or(&f->flags, GL_F_FIN);
	peer = bpf_map_lookup_elem(&gl_flows, &f->peer);
	if (peer && (peer->flags & GL_F_FIN))
		gl_close_event(f, &p->key);
}

/* What a packet becomes (the part of gl_flow the rewrite needs). */
struct gl_out {
	__u8 new_src[16], new_dst[16];
	__be16 new_sport, new_dport;
	__u32 ifindex;
	__u32 macs;
	__u8 mac[12];
};

static __always_inline int gl_rewrite4(struct __sk_buff *skb, const struct gl_pkt *p,
				       const struct gl_out *f)
{
	__u32 l4flags = p->key.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 ipoff = ETH_HLEN;
	__be32 os, od, ns, nd;
	__be16 oldw, neww;
	__u8 ttl = p->ttl - 1;

	__builtin_memcpy(&os, p->key.src, 4);
	__builtin_memcpy(&od, p->key.dst, 4);
	__builtin_memcpy(&ns, f->new_src, 4);
	__builtin_memcpy(&nd, f->new_dst, 4);
	if (!p->udp_csum0) {
		if (bpf_l4_csum_replace(skb, p->csumoff, os, ns, l4flags | BPF_F_PSEUDO_HDR | 4) ||
		    bpf_l4_csum_replace(skb, p->csumoff, od, nd, l4flags | BPF_F_PSEUDO_HDR | 4) ||
		    bpf_l4_csum_replace(skb, p->csumoff, p->key.sport, f->new_sport, l4flags | 2) ||
		    bpf_l4_csum_replace(skb, p->csumoff, p->key.dport, f->new_dport, l4flags | 2))
			return -1;
	}
	if (bpf_l3_csum_replace(skb, ipoff + offsetof(struct iphdr, check), os, ns, 4) ||
	    bpf_l3_csum_replace(skb, ipoff + offsetof(struct iphdr, check), od, nd, 4))
		return -1;
	/* TTL and protocol share a 16-bit word of the header checksum. */
	oldw = bpf_htons(((__u16)p->ttl << 8) | p->key.proto);
	neww = bpf_htons(((__u16)ttl << 8) | p->key.proto);
	if (bpf_l3_csum_replace(skb, ipoff + offsetof(struct iphdr, check), oldw, neww, 2))
		return -1;
	if (bpf_skb_store_bytes(skb, ipoff + offsetof(struct iphdr, ttl), &ttl, 1, 0) ||
	    bpf_skb_store_bytes(skb, ipoff + offsetof(struct iphdr, saddr), &ns, 4, 0) ||
	    bpf_skb_store_bytes(skb, ipoff + offsetof(struct iphdr, daddr), &nd, 4, 0))
		return -1;
	return 0;
}

static __always_inline int gl_rewrite6(struct __sk_buff *skb, const struct gl_pkt *p,
				       const struct gl_out *f)
{
	__u32 l4flags = p->key.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 ipoff = ETH_HLEN;
	__u8 hl = p->ttl - 1;
	__u32 old[8], new[8];
	__s64 diff;

	__builtin_memcpy(old, p->key.src, 16);
	__builtin_memcpy(old + 4, p->key.dst, 16);
	__builtin_memcpy(new, f->new_src, 16);
	__builtin_memcpy(new + 4, f->new_dst, 16);
	diff = bpf_csum_diff(old, 32, new, 32, 0);
	if (diff < 0)
		return -1;
	if (bpf_l4_csum_replace(skb, p->csumoff, 0, (__u32)diff, l4flags | BPF_F_PSEUDO_HDR) ||
	    bpf_l4_csum_replace(skb, p->csumoff, p->key.sport, f->new_sport, l4flags | 2) ||
	    bpf_l4_csum_replace(skb, p->csumoff, p->key.dport, f->new_dport, l4flags | 2))
		return -1;
	if (bpf_skb_store_bytes(skb, ipoff + offsetof(struct ipv6hdr, hop_limit), &hl, 1, 0) ||
	    bpf_skb_store_bytes(skb, ipoff + offsetof(struct ipv6hdr, saddr), f->new_src, 16, 0) ||
	    bpf_skb_store_bytes(skb, ipoff + offsetof(struct ipv6hdr, daddr), f->new_dst, 16, 0))
		return -1;
	return 0;
}

SEC("tc")
int gl_fast(struct __sk_buff *skb)
{
	struct gl_pkt p = {};
	struct gl_flow *f;
	struct gl_out nf;
	__be16 ports[2];

	if (gl_parse(skb, &p) < 0)
		return TC_ACT_OK;
	f = bpf_map_lookup_elem(&gl_flows, &p.key);
	/* A new SYN from an end that already sent its FIN or RST is a new
	 * connection on the same tuple (an FTP server's port 20 to the same
	 * reserved port, within the old one's linger): a pending redirect may
	 * take the tuple over; without one the old translation goes on. */
	if (f && p.key.proto == IPPROTO_TCP &&
	    (p.tcpflags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN &&
	    (f->flags & (GL_F_FIN | GL_F_RST)) && gl_consume(skb, &p, f->flow_id) == 0)
		f = bpf_map_lookup_elem(&gl_flows, &p.key);
	if (!f) {
		/* Only a connection's first packet may create it. */
		if (p.key.proto == IPPROTO_TCP &&
		    (p.tcpflags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
			return TC_ACT_OK;
		if (gl_consume(skb, &p, 0) < 0)
			return TC_ACT_OK;
		f = bpf_map_lookup_elem(&gl_flows, &p.key);
		if (!f)
			return TC_ACT_OK; /* removed meanwhile by user space */
	}
	if (p.ttl <= 1) {
		gl_count(GL_C_TTL); /* the stack answers with ICMP time exceeded */
		return TC_ACT_OK;
	}
	__sync_fetch_and_add(&f->packets, 1);
	__sync_fetch_and_add(&f->bytes, skb->len);
	f->last_ns = bpf_ktime_get_ns();
	if (p.key.proto == IPPROTO_TCP)
		gl_tcp_state(f, &p);
	/* The entry may go while the packet is rewritten: a copy. */
	__builtin_memcpy(nf.new_src, f->new_src, 16);
	__builtin_memcpy(nf.new_dst, f->new_dst, 16);
	nf.new_sport = f->new_sport;
	nf.new_dport = f->new_dport;
	nf.ifindex = f->ifindex;
	nf.macs = f->flags & GL_F_MACS;
	if (nf.macs)
		__builtin_memcpy(nf.mac, f->mac, 12);
	if ((p.key.family == 4 ? gl_rewrite4(skb, &p, &nf) : gl_rewrite6(skb, &p, &nf)) < 0)
		return TC_ACT_SHOT; /* half rewritten: never let it out */
	ports[0] = nf.new_sport;
	ports[1] = nf.new_dport;
	if (bpf_skb_store_bytes(skb, p.l4off, ports, 4, 0))
		return TC_ACT_SHOT;
	gl_count(GL_C_REDIRECTED);
	if (nf.macs && bpf_skb_store_bytes(skb, 0, nf.mac, 12, 0) == 0)
		return bpf_redirect(nf.ifindex, 0);
	return bpf_redirect_neigh(nf.ifindex, NULL, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
