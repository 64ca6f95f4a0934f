/* sim_tcp_in.c - what TCP does with an arriving segment: SYN options, the
 * RFC 793 state machine (handshake, RST, SYN, ACK processing, FIN-acked
 * transitions); the data and FIN it carries go to sim_tcp_rcv.c. */
#include <errno.h>
#include <string.h>

#include "sim_bytes.h"
#include "sim_host.h"
#include "sim_sock.h"
#include "sim_tcp.h"

int sim_tcp_parse_syn_opts(const struct net_pkt *p, uint16_t *mss, int *wscale)
{
	const uint8_t *b;
	size_t doff, i, end;

	if (p->l4_off + 20 > p->len)
		return -EINVAL;
	b = p->buf + p->l4_off;
	doff = (size_t)(b[12] >> 4) * 4;
	if (doff < 20 || p->l4_off + doff > p->len)
		return -EINVAL;
	end = doff;
	for (i = 20; i < end;) {
		uint8_t kind = b[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= end)
			return -EINVAL;
		len = b[i + 1];
		if (len < 2 || i + len > end)
			return -EINVAL;
		if (kind == 2 && len == 4)
			*mss = sim_rd16(b + i + 2);
		else if (kind == 3 && len == 3)
			*wscale = b[i + 2];
		i += len;
	}
	return 0;
}

static void established(struct sim_sock *s, const struct net_pkt *p)
{
	uint64_t now = s->st->h->w->sched.now;

	s->syn_acked = true;
	s->state = SIM_TCP_ESTABLISHED;
	s->snd_wnd = (uint32_t)p->window << s->snd_wscale;
	s->snd_wl1 = p->seq;
	s->snd_wl2 = p->ack;
	s->cwnd = (uint64_t)s->st->cfg.init_cwnd_segs * s->mss;
	s->retries = 0;
	if (s->rtt_timing) /* the SYN was not retransmitted (Karn) */
		sim_tcp_rtt_sample(s, now - s->rtt_start);
	s->rtt_timing = false;
	sim_tcp_arm_rto(s);
}

static void syn_sent(struct sim_sock *s, const struct net_pkt *p)
{
	uint8_t fl = p->tcp_flags;
	uint16_t peer_mss = 536;
	int peer_ws = -1;

	if ((fl & NET_TCP_ACK) && p->ack != s->iss + 1u) {
		if (!(fl & NET_TCP_RST))
			sim_tcp_reply_rst(s->st, p);
		return;
	}
	if (fl & NET_TCP_RST) {
		if (fl & NET_TCP_ACK)
			sim_sock_terminate(s, -ECONNREFUSED);
		return;
	}
	/* A SYN without ACK would be a simultaneous open: not modelled. */
	if ((fl & (NET_TCP_SYN | NET_TCP_ACK)) != (NET_TCP_SYN | NET_TCP_ACK))
		return;
	if (sim_tcp_parse_syn_opts(p, &peer_mss, &peer_ws) < 0) {
		s->st->st.bad_opts++;
		return;
	}
	s->irs = p->seq;
	s->rcv_off = 0;
	if (peer_mss && peer_mss < s->mss)
		s->mss = peer_mss;
	if (s->st->cfg.window_scaling && peer_ws >= 0) {
		s->ws_ok = true;
		s->snd_wscale = (uint8_t)(peer_ws > 14 ? 14 : peer_ws);
		s->rcv_wscale = sim_tcp_our_wscale(s->st);
	}
	established(s, p);
	s->snd_wnd = p->window; /* a SYN's window is never scaled */
	sim_tcp_send_ack_now(s);
	sim_sock_ev_connected(s);
	if (s->state == SIM_TCP_ESTABLISHED || s->state == SIM_TCP_CLOSE_WAIT ||
	    s->state == SIM_TCP_FIN_WAIT_1)
		sim_tcp_output(s);
}

static void fin_acked_transition(struct sim_sock *s)
{
	switch (s->state) {
	case SIM_TCP_FIN_WAIT_1:
		s->state = SIM_TCP_FIN_WAIT_2;
		break;
	case SIM_TCP_CLOSING:
		sim_tcp_enter_time_wait(s);
		break;
	case SIM_TCP_LAST_ACK:
		sim_sock_terminate(s, 0);
		break;
	default:
		break;
	}
}

/* Returns false if the segment must not be processed further. */
static bool process_ack(struct sim_sock *s, const struct net_pkt *p)
{
	uint32_t una_seq = sim_tcp_seq_of(s, s->snd_una);
	int32_t delta = (int32_t)(p->ack - una_seq);
	uint32_t old_wnd = s->snd_wnd;
	bool wnd_newer = (int32_t)(p->seq - s->snd_wl1) > 0 ||
			 (p->seq == s->snd_wl1 && (int32_t)(p->ack - s->snd_wl2) >= 0);

	if (delta > 0 && s->snd_una + (uint64_t)delta > s->snd_max) {
		sim_tcp_send_ack_now(s); /* acknowledges what we never sent */
		return false;
	}
	if (wnd_newer) {
		s->snd_wnd = (uint32_t)p->window << s->snd_wscale;
		s->snd_wl1 = p->seq;
		s->snd_wl2 = p->ack;
	}
	if (s->snd_wnd == 0 && s->snd_una == s->snd_max)
		s->retries = 0; /* a closed window answered: the peer is alive */
	if (delta > 0) {
		uint64_t acked = (uint64_t)delta, now = s->st->h->w->sched.now;
		uint64_t old_data = s->snd_una < s->snd_end ? s->snd_una : s->snd_end, new_data;

		s->snd_una += acked;
		new_data = s->snd_una < s->snd_end ? s->snd_una : s->snd_end;
		if (s->snd_nxt < s->snd_una)
			s->snd_nxt = s->snd_una;
		if (s->fin_queued && s->snd_una == s->snd_end + 1)
			s->fin_acked = true;
		if (s->rtt_timing && s->snd_una >= s->rtt_off) {
			sim_tcp_rtt_sample(s, now - s->rtt_start);
			s->rtt_timing = false;
		}
		s->cs.bytes_acked += new_data - old_data;
		s->retries = 0;
		sim_tcp_cc_on_ack(s, acked);
		sim_sock_tx_acked(s, s->snd_una);
		if (s->state == SIM_TCP_CLOSED)
			return false;
		sim_tcp_arm_rto(s);
		if (s->fin_acked)
			fin_acked_transition(s);
	} else if (delta == 0 && p->payload_len == 0 &&
		   !(p->tcp_flags & (NET_TCP_SYN | NET_TCP_FIN)) && s->snd_wnd == old_wnd &&
		   s->snd_una < s->snd_max) {
		sim_tcp_cc_on_dupack(s);
	} else if (old_wnd == 0 && s->snd_wnd > 0) {
		sim_tcp_arm_rto(s);
	}
	return s->state != SIM_TCP_CLOSED;
}

void sim_tcp_segment(struct sim_sock *s, struct net_pkt *p, struct sim_pkt *pkt)
{
	uint8_t fl = p->tcp_flags;
	bool kept = false;

	s->cs.segs_in++;
	switch (s->state) {
	case SIM_TCP_SYN_SENT:
		syn_sent(s, p);
		goto out;
	case SIM_TCP_CLOSED:
	case SIM_TCP_LISTEN:
		goto out;
	default:
		break;
	}
	if (fl & NET_TCP_RST) {
		int32_t d = (int32_t)(p->seq - (s->irs + 1u + (uint32_t)s->rcv_off));

		if (d >= 0 && (uint32_t)d <= s->rcv_adv)
			sim_sock_terminate(s, s->state == SIM_TCP_TIME_WAIT ? 0 : -ECONNRESET);
		goto out;
	}
	if (fl & NET_TCP_SYN) {
		if (s->state == SIM_TCP_SYN_RCVD && p->seq == s->irs)
			sim_tcp_send_ctl(s, NET_TCP_SYN | NET_TCP_ACK); /* our SYN-ACK was lost */
		else
			sim_tcp_send_ack_now(s);
		goto out;
	}
	if (!(fl & NET_TCP_ACK))
		goto out;
	if (s->state == SIM_TCP_SYN_RCVD) {
		if (p->ack != s->iss + 1u) {
			sim_tcp_reply_rst(s->st, p);
			goto out;
		}
		established(s, p);
		sim_sock_ev_accept(s->listener, s);
		if (s->state == SIM_TCP_CLOSED)
			goto out;
	}
	if (!process_ack(s, p))
		goto out;
	switch (s->state) {
	case SIM_TCP_ESTABLISHED:
	case SIM_TCP_FIN_WAIT_1:
	case SIM_TCP_FIN_WAIT_2:
		if (p->payload_len || (fl & NET_TCP_FIN))
			kept = sim_tcp_rcv_data(s, p, pkt);
		break;
	case SIM_TCP_TIME_WAIT:
		if (fl & NET_TCP_FIN) { /* our last ACK was lost: repeat, restart 2MSL */
			sim_tcp_send_ack_now(s);
			sim_timer_set(&s->tw_timer, s->st->h->w->sched.now + 2 * s->st->cfg.msl_ns);
		}
		break;
	default:
		if (p->payload_len || (fl & NET_TCP_FIN))
			sim_tcp_send_ack_now(s);
		break;
	}
	/* An empty segment below rcv_nxt is a zero-window probe (or keepalive):
	 * RFC 793 answers an unacceptable segment with an ACK. */
	if (!p->payload_len && !(fl & NET_TCP_FIN) && s->state != SIM_TCP_CLOSED &&
	    (int32_t)(p->seq - (s->irs + 1u + (uint32_t)s->rcv_off + (s->fin_rcvd ? 1u : 0u))) < 0)
		sim_tcp_send_ack_now(s);
	if (s->state != SIM_TCP_CLOSED)
		sim_tcp_output(s);
out:
	if (!kept)
		sim_pkt_put(&s->st->h->w->pool, pkt);
}
