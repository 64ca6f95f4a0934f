/* sim_tcp_out.c - what TCP sends and when: segment building (header,
 * options, payload pulled from the socket, checksum), the output loop limited
 * by the congestion and peer windows, ACKs, resets, and the connection
 * timers (retransmission/persist, delayed ACK, TIME-WAIT). */
#include <errno.h>
#include <string.h>

#include "../net/net_csum.h"
#include "sim_bytes.h"
#include "sim_host.h"
#include "sim_sock.h"
#include "sim_tcp.h"

#define TCP_HLEN 20

uint32_t sim_tcp_seq_of(const struct sim_sock *s, uint64_t off)
{
	return s->iss + 1u + (uint32_t)off;
}

/* Builds and sends one segment. Payload [off, off+len) comes from s. */
static int tcp_emit(struct sim_tcp_stack *st, const struct net_addr *src, const struct net_addr *dst,
		    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		    uint16_t win, const uint8_t *opts, size_t optlen, struct sim_sock *s,
		    uint64_t off, uint32_t len)
{
	struct sim_host *h = st->h;
	size_t hl = sim_host_ip_hlen(dst->family), thl = TCP_HLEN + optlen;
	struct sim_pkt *pkt;
	uint8_t *t;

	if (hl + thl + len > SIM_PKT_CAP)
		return -EMSGSIZE;
	pkt = sim_pkt_get(&h->w->pool);
	if (!pkt)
		return -ENOMEM;
	t = pkt->data + hl;
	sim_wr16(t, sport);
	sim_wr16(t + 2, dport);
	sim_wr32(t + 4, seq);
	sim_wr32(t + 8, ack);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	sim_wr16(t + 14, win);
	sim_wr16(t + 16, 0);
	sim_wr16(t + 18, 0);
	if (optlen)
		memcpy(t + TCP_HLEN, opts, optlen);
	if (len)
		sim_sock_tx_read(s, off, t + thl, len);
	sim_wr16(t + 16, net_csum_fold(net_csum_add(sim_host_pseudo_sum(src, dst, 6, thl + len),
						     t, thl + len)));
	st->st.segs_out++;
	return sim_host_output(h, src, dst, 6, pkt, thl + len);
}

static uint16_t adv_window(struct sim_sock *s, bool syn)
{
	uint32_t space = sim_sock_rx_space(s), w;

	if (syn) {
		w = space > 65535 ? 65535 : space;
		s->rcv_adv = w;
		return (uint16_t)w;
	}
	w = space >> s->rcv_wscale;
	if (w > 65535)
		w = 65535;
	s->rcv_adv = w << s->rcv_wscale;
	return (uint16_t)w;
}

static uint32_t ack_number(const struct sim_sock *s)
{
	return s->irs + 1u + (uint32_t)s->rcv_off + (s->fin_rcvd ? 1u : 0u);
}

/* Common tail of every segment a connection sends with ACK: the peer now
 * knows everything we received. */
static void acked_now(struct sim_sock *s)
{
	s->rcv_unacked = 0;
	sim_timer_stop(&s->delack_timer);
}

static int conn_emit(struct sim_sock *s, uint32_t seq, uint8_t flags, uint64_t off, uint32_t len)
{
	uint8_t opts[8];
	size_t optlen = 0;
	bool syn = flags & NET_TCP_SYN;
	uint32_t ack = 0;
	uint16_t win = adv_window(s, syn);

	if (syn) {
		opts[0] = 2; /* MSS */
		opts[1] = 4;
		sim_wr16(opts + 2, sim_tcp_mss_for(s->st, &s->raddr));
		optlen = 4;
		/* Active open offers scaling; passive open answers only an offer. */
		if ((!(flags & NET_TCP_ACK) && s->st->cfg.window_scaling) || s->ws_ok) {
			opts[4] = 1; /* NOP */
			opts[5] = 3; /* window scale */
			opts[6] = 3;
			opts[7] = sim_tcp_our_wscale(s->st);
			optlen = 8;
		}
	}
	if (flags & NET_TCP_ACK) {
		ack = ack_number(s);
		acked_now(s);
	}
	s->cs.segs_out++;
	return tcp_emit(s->st, &s->laddr, &s->raddr, s->lport, s->rport, seq, ack, flags, win,
			opts, optlen, s, off, len);
}

int sim_tcp_send_ctl(struct sim_sock *s, uint8_t flags)
{
	uint32_t seq;

	if (flags & NET_TCP_SYN)
		seq = s->iss;
	else if (flags & NET_TCP_FIN)
		seq = sim_tcp_seq_of(s, s->snd_end);
	else /* as BSD: during retransmission a bare ACK still says snd_max */
		seq = sim_tcp_seq_of(s, s->snd_max);
	return conn_emit(s, seq, flags, 0, 0);
}

int sim_tcp_send_data(struct sim_sock *s, uint64_t off, uint32_t len)
{
	uint8_t flags = NET_TCP_ACK;

	if (off + len == s->snd_end)
		flags |= NET_TCP_PSH;
	s->cs.data_segs_out++;
	s->cs.bytes_out += len;
	if (off < s->snd_max) {
		s->cs.retrans_segs++;
		s->cs.retrans_bytes += len;
		s->rtt_timing = false; /* Karn: never time a retransmission */
	} else {
		if (!s->rtt_timing) {
			s->rtt_timing = true;
			s->rtt_off = off + len;
			s->rtt_start = s->st->h->w->sched.now;
		}
		/* A generated stream crosses down when first sent. */
		if (s->src_set && s->xfer.fn)
			s->xfer.fn(s->xfer.ctx, s, SIM_SOCK_DOWN, len);
	}
	return conn_emit(s, sim_tcp_seq_of(s, off), flags, off, len);
}

void sim_tcp_send_ack_now(struct sim_sock *s)
{
	sim_tcp_send_ctl(s, NET_TCP_ACK);
}

void sim_tcp_reply_rst(struct sim_tcp_stack *st, const struct net_pkt *p)
{
	uint32_t seq = 0, ack = 0;
	uint8_t flags = NET_TCP_RST;

	if (p->tcp_flags & NET_TCP_ACK) {
		seq = p->ack;
	} else {
		flags |= NET_TCP_ACK;
		ack = p->seq + (uint32_t)p->payload_len + ((p->tcp_flags & NET_TCP_SYN) ? 1u : 0u) +
		      ((p->tcp_flags & NET_TCP_FIN) ? 1u : 0u);
	}
	st->st.rst_out++;
	tcp_emit(st, &p->tuple.dst, &p->tuple.src, p->tuple.dport, p->tuple.sport, seq, ack, flags,
		 0, NULL, 0, NULL, 0, 0);
}

static bool data_state(enum sim_tcp_state st)
{
	switch (st) {
	case SIM_TCP_ESTABLISHED:
	case SIM_TCP_CLOSE_WAIT:
	case SIM_TCP_FIN_WAIT_1:
	case SIM_TCP_CLOSING:
	case SIM_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void sim_tcp_output(struct sim_sock *s)
{
	uint64_t wnd, limit;

	if (!data_state(s->state) || !s->syn_acked)
		return;
	wnd = s->cwnd < s->snd_wnd ? s->cwnd : s->snd_wnd;
	limit = s->snd_una + wnd;
	while (s->snd_nxt < s->snd_end && s->snd_nxt < limit) {
		uint64_t len = s->snd_end - s->snd_nxt;

		if (len > s->mss)
			len = s->mss;
		if (len > limit - s->snd_nxt) {
			/* Sender-side silly window avoidance: a short segment only
			 * when nothing is in flight to clock out a better one. */
			if (s->snd_nxt > s->snd_una)
				break;
			len = limit - s->snd_nxt;
		}
		if (sim_tcp_send_data(s, s->snd_nxt, (uint32_t)len) < 0 && s->state == SIM_TCP_CLOSED)
			return;
		s->snd_nxt += len;
		if (s->snd_nxt > s->snd_max)
			s->snd_max = s->snd_nxt;
	}
	if (s->fin_queued && s->snd_nxt == s->snd_end) {
		sim_tcp_send_ctl(s, NET_TCP_FIN | NET_TCP_ACK);
		s->snd_nxt = s->snd_end + 1;
		if (s->snd_nxt > s->snd_max)
			s->snd_max = s->snd_nxt;
	}
	if (!sim_timer_armed(&s->rto_timer))
		sim_tcp_arm_rto(s);
}

void sim_tcp_window_update(struct sim_sock *s)
{
	uint32_t space = sim_sock_rx_space(s), step;

	if ((!data_state(s->state) && s->state != SIM_TCP_FIN_WAIT_2) || s->in_rx)
		return;
	step = 2u * s->mss;
	if (step > s->rcvring.cap / 2)
		step = s->rcvring.cap / 2;
	/* RFC 1122 receiver SWS avoidance: only a worthwhile increase. */
	if (space >= s->rcv_adv + step) {
		s->cs.win_updates++;
		sim_tcp_send_ack_now(s);
	}
}

/* ---- timers ---- */

void sim_tcp_arm_rto(struct sim_sock *s)
{
	uint64_t now = s->st->h->w->sched.now;
	bool outstanding = s->snd_una < s->snd_max || !s->syn_acked;
	bool zero_wnd = s->snd_wnd == 0 && s->snd_nxt < s->snd_end;

	if (outstanding || zero_wnd)
		sim_timer_set(&s->rto_timer, now + s->rto);
	else
		sim_timer_stop(&s->rto_timer);
}

static void rto_fire(void *arg)
{
	struct sim_sock *s = arg;

	s->busy++;
	if (++s->retries > s->st->cfg.max_retries) {
		if (s->state != SIM_TCP_SYN_SENT)
			sim_tcp_send_ctl(s, NET_TCP_RST | NET_TCP_ACK);
		sim_sock_terminate(s, -ETIMEDOUT);
		goto out;
	}
	switch (s->state) {
	case SIM_TCP_SYN_SENT:
	case SIM_TCP_SYN_RCVD:
		s->cs.rto_fired++;
		sim_tcp_cc_on_rto(s);
		sim_tcp_send_ctl(s, s->state == SIM_TCP_SYN_SENT ? NET_TCP_SYN
								  : NET_TCP_SYN | NET_TCP_ACK);
		sim_tcp_arm_rto(s);
		break;
	default:
		if (s->snd_una < s->snd_max) {
			s->cs.rto_fired++;
			sim_tcp_cc_on_rto(s);
			sim_tcp_output(s);
			sim_tcp_arm_rto(s);
		} else if (s->snd_wnd == 0 && s->snd_nxt < s->snd_end) {
			/* Zero-window probe: an old sequence number makes the peer
			 * answer with its current window; no byte is committed. */
			s->cs.win_probes++;
			conn_emit(s, sim_tcp_seq_of(s, s->snd_una) - 1u, NET_TCP_ACK, 0, 0);
			sim_tcp_cc_backoff(s);
			sim_tcp_arm_rto(s);
		} else {
			s->retries = 0;
		}
		break;
	}
out:
	s->busy--;
	sim_sock_put(s);
}

static void delack_fire(void *arg)
{
	struct sim_sock *s = arg;

	s->busy++;
	if (s->rcv_unacked && s->state != SIM_TCP_CLOSED)
		sim_tcp_send_ack_now(s);
	s->busy--;
	sim_sock_put(s);
}

static void tw_fire(void *arg)
{
	struct sim_sock *s = arg;

	s->busy++;
	sim_sock_terminate(s, 0);
	s->busy--;
	sim_sock_put(s);
}

void sim_tcp_timers_init(struct sim_sock *s)
{
	struct sim_sched *sc = &s->st->h->w->sched;

	sim_timer_init(&s->rto_timer, sc, rto_fire, s);
	sim_timer_init(&s->delack_timer, sc, delack_fire, s);
	sim_timer_init(&s->tw_timer, sc, tw_fire, s);
}

void sim_tcp_timers_stop(struct sim_sock *s)
{
	sim_timer_stop(&s->rto_timer);
	sim_timer_stop(&s->delack_timer);
	sim_timer_stop(&s->tw_timer);
}

void sim_tcp_enter_time_wait(struct sim_sock *s)
{
	s->state = SIM_TCP_TIME_WAIT;
	sim_timer_stop(&s->rto_timer);
	sim_timer_set(&s->tw_timer, s->st->h->w->sched.now + 2 * s->st->cfg.msl_ns);
	sim_sock_ev_closed(s, 0);
}
