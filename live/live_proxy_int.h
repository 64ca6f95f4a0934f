/* live_proxy_int.h - private to the live proxy driver: the epoll endpoints,
 * per-session state (control sockets and their pending output, the timer,
 * the proxy-path transfers), counted syscalls; shared by its .c files. */
#ifndef GATELAB_LIVE_PROXY_INT_H
#define GATELAB_LIVE_PROXY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "live_proxy.h"
#include "natapi_ebpf.h"
#include "natapi_nft.h"

#define LP_MAX_DATA 4          /* data ids alive at once per session */
#define LP_COPY_BUF 1048576    /* one read (or splice) of a data socket: what a busy socket queues */
#define LP_CTL_BUF 4096        /* one read of a control socket */
#define LP_MAX_PEND_EV 8

/* Syscall kinds, counted where made (names in live_proxy_sys.c). */
enum lp_sc {
	LP_SC_EPOLL_WAIT, LP_SC_EPOLL_CTL, LP_SC_SOCKET, LP_SC_BIND, LP_SC_LISTEN,
	LP_SC_ACCEPT4, LP_SC_CONNECT, LP_SC_READ, LP_SC_WRITE, LP_SC_SPLICE, LP_SC_PIPE2,
	LP_SC_SHUTDOWN, LP_SC_CLOSE, LP_SC_SETSOCKOPT, LP_SC_GETSOCKOPT, LP_SC_GETSOCKNAME,
	LP_SC_EPOLL_CREATE1,
	LP_SC_N /* names are the kernel's syscall names: strace -c can check them */
};

enum lp_kind { LP_EP_STOP, LP_EP_NAT, LP_EP_LSN, LP_EP_CTL_C, LP_EP_CTL_S, LP_EP_DLSN, LP_EP_DSOCK };

struct lp;
struct lp_sess;

/* One fd in the epoll set; data.ptr of its events. */
struct lp_ep {
	enum lp_kind kind;
	int fd;                 /* -1: none */
	uint32_t events;        /* interest now registered */
	bool in_set;
	struct lp_sess *ps;
	int slot, side;         /* data endpoints */
};

struct lp_buf {
	uint8_t *p;
	size_t len, cap;
};

/* One proxy-path transfer (side = enum ftpp_data_side). Direction i carries
 * bytes read from side i to side 1-i, through buf[i] or pipe[i]. */
struct lp_data {
	bool used;
	uint32_t id;
	struct lp_ep lsn[2], sock[2];
	bool up[2], connecting[2], spliced, done;
	bool eof[2];            /* nothing more will be read from side i */
	bool shut[2];           /* FIN sent (or impossible) towards side i */
	uint8_t *buf[2];
	size_t off[2], len[2];
	int pipe[2][2];         /* splice mode: [i][0] read end, [i][1] write end */
	size_t inpipe[2];
	uint64_t moved[2];      /* bytes from side i delivered to the other */
};

struct lp_sess {
	struct lp *d;
	struct lp_sess *next, *prev;
	struct ftpp_session *s;
	struct lp_ep c, sv;
	struct lp_buf cout, sout;
	bool c_close, s_close;  /* the core asked: close after the pending bytes */
	bool c_gone, s_gone;    /* the peer's side ended */
	bool c_told, s_told;    /* CLOSED / CONNECT_FAILED given to the core */
	bool s_connected;
	uint64_t timer_at;      /* 0: none */
	size_t heap_i;          /* SIZE_MAX: not in the timer heap */
	struct lp_data data[LP_MAX_DATA];
	struct ftpp_event pend[LP_MAX_PEND_EV];
	size_t n_pend;
	bool draining, dead;
	struct lp_sess *dead_next;
};

struct lp {
	const struct live_proxy_cfg *cfg;
	struct live_proxy_stats *st;
	uint64_t sc[LP_SC_N];
	int epfd;
	struct lp_ep stop, nat, lsn4, lsn6;
	struct natapi *api;
	void *nft;              /* the backend state, owned by api */
	void *ebpf;             /* cfg.ebpf: the eBPF backend's state (it owns nft) */
	bool nat_due;           /* the eBPF backend has news */
	struct ftpp *f;
	struct lp_sess *sessions, *dead;
	struct lp_sess **heap;
	size_t n_heap, cap_heap;
	int acc_fd;             /* the accepted fd lookup_original may ask about */
	struct net_tuple acc_t;
	bool stop_now;
	uint64_t lsn_resume;    /* listeners paused (out of fds) until then; 0: not */
	struct natapi_nft_stats nft_final; /* written by the backend's close */
	struct natapi_ebpf_stats ebpf_final;
};

/* live_proxy_sys.c: every syscall the driver makes goes through these. */
int lp_epoll_set(struct lp *d, struct lp_ep *ep, uint32_t events);
void lp_epoll_del(struct lp *d, struct lp_ep *ep);
void lp_close(struct lp *d, int *fd);
void lp_ep_close(struct lp *d, struct lp_ep *ep);
int lp_sockaddr(const struct net_addr *a, uint16_t port, struct sockaddr_storage *ss,
		socklen_t *len);
void lp_from_sockaddr(const struct sockaddr_storage *ss, struct net_addr *a, uint16_t *port);
/* A non-blocking TCP socket bound to a:port (port 0: any); listening when
 * backlog > 0. Returns the fd or a negative errno. */
int lp_tcp_socket(struct lp *d, const struct net_addr *a, uint16_t port, int backlog);
/* Starts a non-blocking connect from src (may be unset) to dst:port. Returns
 * the fd (connect in progress or done) or a negative errno. */
int lp_tcp_connect(struct lp *d, const struct net_addr *src, const struct net_addr *dst,
		   uint16_t port);
/* SO_ERROR of a connecting socket: 0 or a negative errno. */
int lp_sock_error(struct lp *d, int fd);
ssize_t lp_read(struct lp *d, int fd, void *buf, size_t n);
ssize_t lp_write(struct lp *d, int fd, const void *buf, size_t n);
void lp_stats_fill(struct lp *d);

/* live_proxy.c */
uint64_t lp_now(void);
void lp_timer_set(struct lp_sess *ps, uint64_t at);
void lp_sess_maybe_free(struct lp_sess *ps);

/* live_proxy_sess.c */
int lp_accept(struct lp *d, struct lp_ep *lsn);
void lp_ctl_ready(struct lp_sess *ps, struct lp_ep *ep, uint32_t events);
void lp_event(struct lp_sess *ps, enum ftpp_event_type t, uint32_t data_id, int side,
	      uint64_t to_client, uint64_t to_server);
void lp_sess_release(struct lp_sess *ps);
/* The core closed it and the driver holds no fd of it. */
bool lp_sess_idle(const struct lp_sess *ps);

/* live_proxy_data.c */
int lp_data_listen(struct lp_sess *ps, const struct ftpp_action *a);
int lp_data_connect(struct lp_sess *ps, const struct ftpp_action *a);
int lp_data_splice(struct lp_sess *ps, uint32_t id);
void lp_data_close(struct lp_sess *ps, uint32_t id);
void lp_data_close_all(struct lp_sess *ps);
bool lp_data_any(const struct lp_sess *ps);
void lp_data_ready(struct lp_sess *ps, struct lp_ep *ep, uint32_t events);

#endif
