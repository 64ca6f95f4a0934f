/* sim_tcp.h - the simulated hosts' TCP: per-host stack (connection hash,
 * listeners, configuration) and the internal interface between the files
 * that implement it (demux, input state machine, output, Reno, sockets). */
#ifndef GATELAB_SIM_TCP_H
#define GATELAB_SIM_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"
#include "../net/net_pkt.h"
#include "sim_pkt.h"

struct sim_host;
struct sim_sock;

enum sim_tcp_state {
	SIM_TCP_CLOSED,
	SIM_TCP_LISTEN,
	SIM_TCP_SYN_SENT,
	SIM_TCP_SYN_RCVD,
	SIM_TCP_ESTABLISHED,
	SIM_TCP_FIN_WAIT_1,
	SIM_TCP_FIN_WAIT_2,
	SIM_TCP_CLOSING,
	SIM_TCP_TIME_WAIT,
	SIM_TCP_CLOSE_WAIT,
	SIM_TCP_LAST_ACK
};
const char *sim_tcp_state_name(enum sim_tcp_state s);

struct sim_tcp_config {
	uint16_t mss;           /* our MSS; 0 = interface MTU - headers */
	uint32_t sndbuf;        /* send buffer bytes (default 256 KiB) */
	uint32_t rcvbuf;        /* receive buffer bytes = max window (default 256 KiB) */
	bool window_scaling;    /* RFC 7323 window scale option (default true) */
	uint32_t init_cwnd_segs;/* initial window in segments (default 10, RFC 6928) */
	uint64_t rto_init_ns;   /* RFC 6298: 1 s */
	uint64_t rto_min_ns;    /* default 200 ms (Linux); RFC 6298 says 1 s */
	uint64_t rto_max_ns;    /* default 60 s */
	uint64_t delack_ns;     /* delayed ACK timer (default 40 ms) */
	uint64_t msl_ns;        /* TIME-WAIT lasts 2*MSL (default 1 s: short, simulated) */
	uint32_t max_retries;   /* RTOs in a row before the connection fails (default 8) */
	bool isn_fixed;         /* use isn instead of drawing one (tests: wrap-around) */
	uint32_t isn;
};
void sim_tcp_config_default(struct sim_tcp_config *c);

struct sim_tcp_stack_stats {
	uint64_t segs_in, segs_out;
	uint64_t rst_out;        /* resets sent for segments without a connection */
	uint64_t no_conn;        /* segments for no connection or listener */
	uint64_t bad_opts;       /* option lists running past the header */
	uint64_t conns_created, conns_freed;
};

struct sim_tcp_stack {
	struct sim_host *h;
	struct sim_tcp_config cfg;
	struct sim_sock **bucket; /* chained hash on the 4-tuple */
	uint32_t n_bucket, n_conn;
	/* listening sockets hashed by port (chained through lnext/lprev,
	 * grown by doubling): a SYN finds its listener in O(1) */
	struct sim_sock **lbucket;
	uint32_t n_lbucket, n_listeners;
	struct sim_sock *all;       /* every socket, for teardown */
	uint64_t hash_seed;
	uint16_t next_eph;
	struct sim_tcp_stack_stats st;
};

int sim_tcp_stack_create(struct sim_host *h, struct sim_tcp_stack **out);
void sim_tcp_stack_destroy(struct sim_tcp_stack *st);
/* Consumes pkt, a parsed TCP packet addressed to this host. */
void sim_tcp_input(struct sim_tcp_stack *st, struct net_pkt *p, struct sim_pkt *pkt);

/* ---- internal to sim/sim_tcp*.c and sim_sock.c ---- */
/* The listener index: add (0, -EADDRINUSE, -ENOMEM), remove, find by port. */
int sim_tcp_listener_add(struct sim_tcp_stack *st, struct sim_sock *s);
void sim_tcp_listener_del(struct sim_tcp_stack *st, struct sim_sock *s);
struct sim_sock *sim_tcp_listener_find(struct sim_tcp_stack *st, uint16_t port);
int sim_tcp_hash_add(struct sim_tcp_stack *st, struct sim_sock *s);
void sim_tcp_hash_del(struct sim_tcp_stack *st, struct sim_sock *s);
uint16_t sim_tcp_mss_for(struct sim_tcp_stack *st, const struct net_addr *dst);
uint32_t sim_tcp_new_isn(struct sim_tcp_stack *st);
/* The window shift that lets rcvbuf be advertised (0 if it fits 16 bits). */
uint8_t sim_tcp_our_wscale(const struct sim_tcp_stack *st);

/* sim_tcp_in.c: a segment for an existing connection (pkt consumed). */
void sim_tcp_segment(struct sim_sock *s, struct net_pkt *p, struct sim_pkt *pkt);
/* sim_tcp_rcv.c: payload and FIN of a segment in ESTABLISHED / FIN_WAIT_*.
 * Returns true if it kept pkt (held for reassembly). */
bool sim_tcp_rcv_data(struct sim_sock *s, const struct net_pkt *p, struct sim_pkt *pkt);
/* Options of a SYN: MSS and window scale (-1 if absent). Returns 0 or -EINVAL. */
int sim_tcp_parse_syn_opts(const struct net_pkt *p, uint16_t *mss, int *wscale);

/* sim_tcp_out.c */
void sim_tcp_output(struct sim_sock *s);
int sim_tcp_send_ctl(struct sim_sock *s, uint8_t flags);
int sim_tcp_send_data(struct sim_sock *s, uint64_t off, uint32_t len);
void sim_tcp_send_ack_now(struct sim_sock *s);
/* The application freed receive space: advertise it if it matters. */
void sim_tcp_window_update(struct sim_sock *s);
/* Sequence number of send-stream offset off. */
uint32_t sim_tcp_seq_of(const struct sim_sock *s, uint64_t off);
void sim_tcp_reply_rst(struct sim_tcp_stack *st, const struct net_pkt *p);
void sim_tcp_arm_rto(struct sim_sock *s);
void sim_tcp_timers_init(struct sim_sock *s);
void sim_tcp_timers_stop(struct sim_sock *s);
void sim_tcp_enter_time_wait(struct sim_sock *s);

/* sim_tcp_cc.c: RFC 6298 RTO and Reno/NewReno (RFC 5681, 6582). */
void sim_tcp_cc_init(struct sim_sock *s);
void sim_tcp_rtt_sample(struct sim_sock *s, uint64_t rtt_ns);
/* New data acked (acked bytes); may retransmit on a partial ACK. */
void sim_tcp_cc_on_ack(struct sim_sock *s, uint64_t acked);
/* A duplicate ACK; may trigger fast retransmit. */
void sim_tcp_cc_on_dupack(struct sim_sock *s);
void sim_tcp_cc_on_rto(struct sim_sock *s);
/* Doubles the RTO (RFC 6298 5.5), capped. */
void sim_tcp_cc_backoff(struct sim_sock *s);
/* Resends the first unacknowledged segment (or the FIN). */
void sim_tcp_retransmit_head(struct sim_sock *s);

/* sim_sock.c: the socket side of events. */
void sim_sock_ev_connected(struct sim_sock *s);
void sim_sock_ev_readable(struct sim_sock *s);
void sim_sock_ev_writable(struct sim_sock *s);
/* The connection is over (err 0: orderly, else -ECONNRESET, -ECONNREFUSED,
 * -ETIMEDOUT). State must already be TIME_WAIT or CLOSED. */
void sim_sock_ev_closed(struct sim_sock *s, int err);
void sim_sock_ev_accept(struct sim_sock *listener, struct sim_sock *child);
/* Moves to CLOSED, unhashes, stops timers; frees if the app released it. */
void sim_sock_terminate(struct sim_sock *s, int err);
/* Frees s if it is closed and released and no stack code is running on it. */
void sim_sock_put(struct sim_sock *s);
/* In-order payload for the application; returns bytes taken. */
size_t sim_sock_rx_data(struct sim_sock *s, const uint8_t *data, size_t len);
/* Free receive space (the window to advertise). */
uint32_t sim_sock_rx_space(const struct sim_sock *s);
/* Copies send-stream bytes [off, off+len) into dst. */
void sim_sock_tx_read(struct sim_sock *s, uint64_t off, uint8_t *dst, size_t len);
/* The peer acked the stream up to off: release send buffer space. */
void sim_sock_tx_acked(struct sim_sock *s, uint64_t off);
struct sim_sock *sim_sock_alloc(struct sim_tcp_stack *st);
/* A child in SYN_RCVD joins (attach) or leaves (detach: accepted, freed, or
 * its listener closed) its listener's children list. */
void sim_sock_child_attach(struct sim_sock *l, struct sim_sock *c);
void sim_sock_child_detach(struct sim_sock *c);

#endif
