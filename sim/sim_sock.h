/* sim_sock.h - the event-driven socket API simulated applications use:
 * listen/accept/connect/send/recv/shutdown/close with callbacks. Every byte
 * moved between an application and the stack passes one hook per socket, the
 * point where a gateway's socket layer counts user/kernel crossings. */
#ifndef GATELAB_SIM_SOCK_H
#define GATELAB_SIM_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"
#include "sim_event.h"
#include "sim_tcp.h"

struct sim_host;
struct sim_sock;

/* Application callbacks; any may be NULL. ctx is the socket's user pointer.
 * on_closed comes once, when the connection can carry nothing more (both
 * FINs exchanged, reset, refused, timed out); the application still calls
 * sim_sock_close() to release the socket. No callback follows close(). */
struct sim_sock_ops {
	void (*on_connected)(struct sim_sock *s, void *ctx);
	/* New in-order data in the receive buffer, or the end of the stream
	 * (recv then returns 0). Edge-triggered: read what you want now. */
	void (*on_readable)(struct sim_sock *s, void *ctx);
	/* Send space freed after a send() that came up short. */
	void (*on_writable)(struct sim_sock *s, void *ctx);
	void (*on_closed)(struct sim_sock *s, void *ctx, int err);
	/* On a listener: child is established; it inherits ops, ctx and xfer
	 * hook; change them with sim_sock_set_ops(). */
	void (*on_accept)(struct sim_sock *listener, struct sim_sock *child, void *ctx);
};

enum sim_sock_dir {
	SIM_SOCK_UP,   /* stack -> application (recv, sink) */
	SIM_SOCK_DOWN  /* application -> stack (send) */
};

/* Called once per crossing (one recv or send call, or one sink delivery)
 * with the bytes moved. */
struct sim_sock_xfer_hook {
	void (*fn)(void *ctx, struct sim_sock *s, enum sim_sock_dir dir, size_t bytes);
	void *ctx;
};

/* A generated send stream: fill dst with stream bytes [off, off+len).
 * Lets a 1 GB transfer run without 1 GB of memory; retransmissions call it
 * again for the same offsets, so it must be a pure function of off. */
struct sim_sock_source {
	void (*fill)(void *ctx, uint64_t off, uint8_t *dst, size_t len);
	void *ctx;
	uint64_t total;
};

/* A consumer of the in-order receive stream, bypassing the receive buffer
 * (the window stays fully open). */
struct sim_sock_sink {
	void (*consume)(void *ctx, struct sim_sock *s, uint64_t off, const uint8_t *data,
			size_t len);
	void *ctx;
};

struct sim_tcp_conn_stats {
	uint64_t segs_out, segs_in, data_segs_out, bytes_out, retrans_segs, retrans_bytes;
	uint64_t fast_retrans, rto_fired, partial_acks, dupacks_in, ooo_segs, ooo_dropped;
	uint64_t bytes_acked, bytes_delivered, win_probes, win_updates;
};

/* Byte ring of the send or receive buffer. */
struct sim_sock_ring {
	uint8_t *buf;
	uint32_t cap, head, len;
};

struct sim_sock {
	struct sim_tcp_stack *st;
	struct sim_sock *hnext, *anext, **aprev; /* hash, all */
	struct sim_sock *lnext, **lprev;  /* a listener: its chain of the listener index */
	struct sim_sock *children;        /* a listener: its children in SYN_RCVD */
	struct sim_sock *cnext, **cprev;  /* a child: its listener's children list */
	uint16_t gw_claim;                /* port a gateway socket claimed (sim_gw), 0 none */
	enum sim_tcp_state state;
	struct net_addr laddr, raddr;
	uint16_t lport, rport;
	struct sim_sock *listener;  /* for a child in SYN_RCVD */

	/* application side */
	struct sim_sock_ops ops;
	void *ctx;
	struct sim_sock_xfer_hook xfer;
	struct sim_sock_source src;
	bool src_set;
	struct sim_sock_sink sink;
	struct sim_sock_ring sndring, rcvring;
	bool app_closed;     /* released by the application */
	bool closed_notified;
	bool want_writable;  /* a send() came up short: report space */
	int err;             /* why the connection ended */
	int busy;            /* stack code on the call stack: defer free */
	bool hashed;
	bool in_rx;          /* inside segment processing: the ACK follows */

	/* send sequence space; stream offsets are 64-bit, sequence numbers are
	 * iss + 1 + offset mod 2^32 */
	uint32_t iss;
	uint64_t snd_una, snd_nxt, snd_max, snd_end; /* offsets */
	bool syn_acked, fin_queued, fin_acked;
	uint32_t snd_wnd;    /* peer's window, bytes */
	uint32_t snd_wl1, snd_wl2;
	uint16_t mss;        /* effective send MSS */
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok;

	/* receive sequence space */
	uint32_t irs;
	uint64_t rcv_off;    /* next in-order stream offset expected */
	bool fin_rcvd;
	uint32_t rcv_adv;    /* window last advertised, bytes */
	uint32_t rcv_unacked;/* in-order segments not acked yet */
	struct sim_pkt *ooo; /* out-of-order segments, sorted by offset */
	struct sim_pkt *ooo_tail; /* last of them (valid while ooo != NULL) */
	uint32_t ooo_count;

	/* congestion control and RTT (sim_tcp_cc.c) */
	uint64_t cwnd, ssthresh, bytes_acked_ca;
	uint32_t dupacks;
	bool in_recovery;
	uint64_t recover;
	uint64_t srtt, rttvar, rto;
	bool rtt_valid, rtt_timing;
	uint64_t rtt_off, rtt_start;
	uint32_t retries;

	struct sim_timer rto_timer, delack_timer, tw_timer;
	struct sim_tcp_conn_stats cs;
};

/* Opens a listening socket on port (any local address). Returns 0,
 * -EADDRINUSE, -ENOMEM. */
int sim_sock_listen(struct sim_host *h, uint16_t port, const struct sim_sock_ops *ops,
		    void *ctx, struct sim_sock **out);
/* Starts a connection to dst:port from an ephemeral port; on_connected or
 * on_closed(-ECONNREFUSED/-ETIMEDOUT) reports the outcome. */
int sim_sock_connect(struct sim_host *h, const struct net_addr *dst, uint16_t port,
		     const struct sim_sock_ops *ops, void *ctx, struct sim_sock **out);
void sim_sock_set_ops(struct sim_sock *s, const struct sim_sock_ops *ops, void *ctx);
void sim_sock_set_xfer_hook(struct sim_sock *s, const struct sim_sock_xfer_hook *hook);
/* Replaces the send buffer by a generated stream of src->total bytes
 * (nothing sent or queued yet). Returns 0 or -EINVAL. */
int sim_sock_set_source(struct sim_sock *s, const struct sim_sock_source *src);
/* Delivers in-order data to sink instead of the receive buffer. */
int sim_sock_set_sink(struct sim_sock *s, const struct sim_sock_sink *sink);

/* Queues up to len bytes; returns bytes taken (may be short; on_writable
 * follows when space frees), -EAGAIN if none fit, -EPIPE after shutdown,
 * -ENOTCONN before the connection is established or after it ended. */
long sim_sock_send(struct sim_sock *s, const void *buf, size_t len);
/* Takes up to len received bytes; returns bytes, 0 at end of stream,
 * -EAGAIN if nothing is there yet, the connection error if it failed. */
long sim_sock_recv(struct sim_sock *s, void *buf, size_t len);
size_t sim_sock_readable_bytes(const struct sim_sock *s);
/* Sends FIN after the queued data (half close). */
int sim_sock_shutdown(struct sim_sock *s);
/* Shuts down if needed and releases the socket: the stack finishes the
 * connection (FIN, TIME-WAIT) and frees it. Not to be used after. */
void sim_sock_close(struct sim_sock *s);
/* Aborts with RST and releases the socket. */
void sim_sock_abort(struct sim_sock *s);

enum sim_tcp_state sim_sock_state(const struct sim_sock *s);
const struct sim_tcp_conn_stats *sim_sock_stats(const struct sim_sock *s);
uint16_t sim_sock_local_port(const struct sim_sock *s);
/* Addresses and ports of the connection (the peer is unset on a listener). */
void sim_sock_local(const struct sim_sock *s, struct net_addr *a, uint16_t *port);
void sim_sock_peer(const struct sim_sock *s, struct net_addr *a, uint16_t *port);
struct sim_host *sim_sock_host(const struct sim_sock *s);

/* Appended for the gateway node: connect from a chosen local address (NULL:
 * by route) and local port (0: ephemeral). -EADDRINUSE if that 4-tuple is
 * taken. Otherwise as sim_sock_connect. */
int sim_sock_connect_from(struct sim_host *h, const struct net_addr *src, uint16_t lport,
			  const struct net_addr *dst, uint16_t port, const struct sim_sock_ops *ops,
			  void *ctx, struct sim_sock **out);

#endif
