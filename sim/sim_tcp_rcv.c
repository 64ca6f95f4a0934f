/* sim_tcp_rcv.c - the receive data path of simulated TCP: in-window
 * trimming, in-order delivery, out-of-order reassembly (held packets sorted
 * by offset), FIN in sequence, and the ACK policy (every second segment, at
 * once on PSH, reordering, a filled hole or FIN; else the delayed-ACK timer). */
#include <stdbool.h>
#include <string.h>

#include "sim_host.h"
#include "sim_sock.h"
#include "sim_tcp.h"

static void deliver(struct sim_sock *s, const uint8_t *data, size_t len)
{
	size_t n;

	if (!len)
		return;
	n = sim_sock_rx_data(s, data, len);
	s->rcv_off += n;
	s->cs.bytes_delivered += n;
}

/* Inserts pkt into the out-of-order list sorted by offset (false: it is a
 * duplicate, the caller frees it). Behind a hole, segments keep arriving in
 * order, so appending at the tail is O(1); only a segment that lands in the
 * middle walks the list. */
static bool ooo_insert(struct sim_sock *s, struct sim_pkt *pkt)
{
	struct sim_pkt **pp = &s->ooo;

	if (s->ooo && s->ooo_tail->seg_off < pkt->seg_off)
		pp = &s->ooo_tail->next;
	while (*pp && (*pp)->seg_off < pkt->seg_off)
		pp = &(*pp)->next;
	if (*pp && (*pp)->seg_off == pkt->seg_off && (*pp)->seg_len >= pkt->seg_len)
		return false; /* a retransmission of what is already held */
	pkt->next = *pp;
	*pp = pkt;
	if (!pkt->next)
		s->ooo_tail = pkt;
	s->ooo_count++;
	return true;
}

/* Delivers what the out-of-order list holds contiguously after rcv_off. */
static void ooo_drain(struct sim_sock *s)
{
	struct sim_pkt_pool *pool = &s->st->h->w->pool;

	while (s->ooo && s->ooo->seg_off <= s->rcv_off && !s->fin_rcvd) {
		struct sim_pkt *q = s->ooo;
		uint64_t end = q->seg_off + q->seg_len;

		s->ooo = q->next;
		s->ooo_count--;
		if (end > s->rcv_off) {
			uint64_t skip = s->rcv_off - q->seg_off;

			deliver(s, q->data + q->seg_start + skip, (size_t)(end - s->rcv_off));
		}
		if ((q->seg_flags & NET_TCP_FIN) && end == s->rcv_off)
			s->fin_rcvd = true;
		sim_pkt_put(pool, q);
	}
	if (s->fin_rcvd) {
		while (s->ooo) {
			struct sim_pkt *q = s->ooo;

			s->ooo = q->next;
			sim_pkt_put(pool, q);
		}
		s->ooo_count = 0;
	}
}

static void fin_transition(struct sim_sock *s)
{
	switch (s->state) {
	case SIM_TCP_ESTABLISHED:
		s->state = SIM_TCP_CLOSE_WAIT;
		break;
	case SIM_TCP_FIN_WAIT_1:
		if (s->fin_acked)
			sim_tcp_enter_time_wait(s);
		else
			s->state = SIM_TCP_CLOSING;
		break;
	case SIM_TCP_FIN_WAIT_2:
		sim_tcp_enter_time_wait(s);
		break;
	default:
		break;
	}
}

bool sim_tcp_rcv_data(struct sim_sock *s, const struct net_pkt *p, struct sim_pkt *pkt)
{
	const uint8_t *data = p->buf + p->payload_off;
	uint64_t len = p->payload_len, off, right;
	bool fin = p->tcp_flags & NET_TCP_FIN, had_ooo = s->ooo != NULL, now_ack;
	int32_t d = (int32_t)(p->seq - (s->irs + 1u + (uint32_t)s->rcv_off));

	if (d < 0) {
		uint64_t old = (uint64_t)-(int64_t)d;

		if (old > len || (old == len && !fin)) {
			sim_tcp_send_ack_now(s); /* a duplicate: tell the peer again */
			return false;
		}
		data += old;
		len -= old;
		d = 0;
	}
	off = s->rcv_off + (uint64_t)d;
	right = s->rcv_off + sim_sock_rx_space(s);
	if (off + len > right) {
		if (off >= right && len) {
			s->cs.ooo_dropped++;
			sim_tcp_send_ack_now(s);
			return false;
		}
		len = right - off;
		fin = false;
	}
	if (d > 0) {
		if (s->ooo_count >= 4096) {
			s->cs.ooo_dropped++;
			sim_tcp_send_ack_now(s);
			return false;
		}
		pkt->seg_off = off;
		pkt->seg_start = (uint32_t)(data - pkt->data);
		pkt->seg_len = (uint32_t)len;
		pkt->seg_flags = fin ? NET_TCP_FIN : 0;
		s->cs.ooo_segs++;
		sim_tcp_send_ack_now(s); /* a dup ACK: the sender counts these */
		return ooo_insert(s, pkt);
	}
	s->in_rx = true;
	deliver(s, data, (size_t)len);
	if (fin && s->rcv_off == off + len)
		s->fin_rcvd = true;
	ooo_drain(s);
	s->rcv_unacked++;
	now_ack = s->fin_rcvd || had_ooo || s->rcv_unacked >= 2 || (p->tcp_flags & NET_TCP_PSH) ||
		  !s->st->cfg.delack_ns;
	if (s->fin_rcvd)
		fin_transition(s);
	if (s->rcvring.len || s->fin_rcvd)
		sim_sock_ev_readable(s); /* the application may read: the ACK shows it */
	s->in_rx = false;
	if (s->state == SIM_TCP_CLOSED)
		return false;
	if (now_ack)
		sim_tcp_send_ack_now(s);
	else if (!sim_timer_armed(&s->delack_timer))
		sim_timer_set(&s->delack_timer, s->st->h->w->sched.now + s->st->cfg.delack_ns);
	if (!now_ack)
		sim_tcp_window_update(s);
	return false;
}
