/* sim_tcp_cc.c - retransmission timer arithmetic (RFC 6298, with Karn's rule
 * applied where samples are taken) and Reno congestion control (RFC 5681)
 * with NewReno's partial-ACK handling (RFC 6582), so several losses in one
 * window are repaired without a timeout. cwnd and ssthresh are in bytes. */
#include "sim_sock.h"
#include "sim_tcp.h"

#define CWND_MAX (1ULL << 30)

void sim_tcp_cc_init(struct sim_sock *s)
{
	s->cwnd = (uint64_t)s->st->cfg.init_cwnd_segs * s->mss;
	if (!s->cwnd)
		s->cwnd = s->mss;
	s->ssthresh = CWND_MAX;
	s->rto = s->st->cfg.rto_init_ns;
	s->rtt_valid = false;
	s->in_recovery = false;
	s->dupacks = 0;
	s->recover = 0;
}

static uint64_t clamp_rto(const struct sim_sock *s, uint64_t rto)
{
	const struct sim_tcp_config *c = &s->st->cfg;

	if (rto < c->rto_min_ns)
		rto = c->rto_min_ns;
	if (rto > c->rto_max_ns)
		rto = c->rto_max_ns;
	return rto;
}

void sim_tcp_rtt_sample(struct sim_sock *s, uint64_t r)
{
	if (!s->rtt_valid) {
		s->srtt = r;
		s->rttvar = r / 2;
		s->rtt_valid = true;
	} else {
		uint64_t diff = s->srtt > r ? s->srtt - r : r - s->srtt;

		s->rttvar = (3 * s->rttvar + diff) / 4;
		s->srtt = (7 * s->srtt + r) / 8;
	}
	/* G (clock granularity) is 1 ns here, so K*RTTVAR always dominates. */
	s->rto = clamp_rto(s, s->srtt + (4 * s->rttvar > 1 ? 4 * s->rttvar : 1));
}

void sim_tcp_cc_backoff(struct sim_sock *s)
{
	s->rto = clamp_rto(s, s->rto * 2);
}

static uint64_t flight(const struct sim_sock *s)
{
	return s->snd_max - s->snd_una;
}

static uint64_t half_flight(const struct sim_sock *s)
{
	uint64_t h = flight(s) / 2, min = 2ULL * s->mss;

	return h > min ? h : min;
}

void sim_tcp_retransmit_head(struct sim_sock *s)
{
	if (s->snd_una < s->snd_end) {
		uint64_t len = s->snd_end - s->snd_una;

		sim_tcp_send_data(s, s->snd_una, (uint32_t)(len > s->mss ? s->mss : len));
	} else if (s->fin_queued && s->snd_una == s->snd_end) {
		sim_tcp_send_ctl(s, NET_TCP_FIN | NET_TCP_ACK);
	}
}

void sim_tcp_cc_on_ack(struct sim_sock *s, uint64_t acked)
{
	if (s->in_recovery) {
		if (s->snd_una >= s->recover) {
			/* Full ACK: deflate to ssthresh (RFC 6582 3.2 step 3). */
			uint64_t f = flight(s) + s->mss;

			s->cwnd = f < s->ssthresh ? f : s->ssthresh;
			s->in_recovery = false;
			s->dupacks = 0;
		} else {
			/* Partial ACK: the next hole is lost too; resend it now. */
			s->cs.partial_acks++;
			sim_tcp_retransmit_head(s);
			s->cwnd = (s->cwnd > acked ? s->cwnd - acked : 0) + s->mss;
		}
		return;
	}
	s->dupacks = 0;
	if (s->cwnd < s->ssthresh) {
		/* Slow start with appropriate byte counting, L = 2 (RFC 3465). */
		s->cwnd += acked < 2ULL * s->mss ? acked : 2ULL * s->mss;
	} else {
		s->bytes_acked_ca += acked;
		if (s->bytes_acked_ca >= s->cwnd) {
			s->bytes_acked_ca -= s->cwnd;
			s->cwnd += s->mss;
		}
	}
	if (s->cwnd > CWND_MAX)
		s->cwnd = CWND_MAX;
}

void sim_tcp_cc_on_dupack(struct sim_sock *s)
{
	s->dupacks++;
	s->cs.dupacks_in++;
	if (s->in_recovery) {
		s->cwnd += s->mss; /* each dup ACK: one segment left the network */
		sim_tcp_output(s);
		return;
	}
	if (s->dupacks != 3 || s->snd_una < s->recover)
		return;
	s->ssthresh = half_flight(s);
	s->recover = s->snd_max;
	s->in_recovery = true;
	s->cs.fast_retrans++;
	s->rtt_timing = false;
	sim_tcp_retransmit_head(s);
	s->cwnd = s->ssthresh + 3ULL * s->mss;
	sim_tcp_output(s);
}

void sim_tcp_cc_on_rto(struct sim_sock *s)
{
	s->rtt_timing = false;
	sim_tcp_cc_backoff(s);
	if (!s->syn_acked)
		return;
	s->ssthresh = half_flight(s);
	s->cwnd = s->mss;
	s->bytes_acked_ca = 0;
	s->in_recovery = false;
	s->dupacks = 0;
	s->recover = s->snd_max;
	s->snd_nxt = s->snd_una; /* go back N */
}
