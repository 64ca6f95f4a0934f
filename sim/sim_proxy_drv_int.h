/* sim_proxy_drv_int.h - private to the proxy driver: per-session state (the
 * two control sockets with their pending output, the timer, the data
 * transfers' sockets and splice buffers) shared by its two .c files. */
#ifndef GATELAB_SIM_PROXY_DRV_INT_H
#define GATELAB_SIM_PROXY_DRV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_proxy_drv.h"

#define PXD_MAX_DATA 4          /* data ids alive at once per session */
#define PXD_SPLICE_BUF 65536    /* one read of a splice (one crossing) */
#define PXD_READ_BUF 4096       /* one read of a control socket */
#define PXD_MAX_PEND_EV 8

enum pxd_kind { PXD_EP_CLIENT, PXD_EP_SERVER, PXD_EP_DATA };

struct pxd_sess;

/* A socket's callback context: which session, which socket of it. */
struct pxd_ep {
	struct pxd_sess *ps;
	enum pxd_kind kind;
	int slot;                  /* PXD_EP_DATA: index in ps->data */
	int side;                  /* PXD_EP_DATA: enum ftpp_data_side */
};

/* Bytes accepted from the core but not yet by the socket. */
struct pxd_buf {
	uint8_t *p;
	size_t len, cap;
};

/* One proxy-path transfer: two data sockets (index = ftpp_data_side) and,
 * once spliced, a buffer per direction (bytes read from side i). */
struct pxd_data {
	bool used;
	uint32_t id;
	struct sim_sock *lsn[2], *sock[2];
	bool up[2], spliced, done;
	bool eof[2];               /* nothing more will come from side i */
	bool shut[2];              /* FIN queued (or impossible) towards side i */
	uint8_t *buf[2];
	size_t off[2], len[2];
	uint64_t moved[2];         /* bytes from side i written to the other */
	struct pxd_ep ep[2];
};

struct pxd_sess {
	struct sim_pxd *d;
	struct pxd_sess *next, **pprev;
	struct ftpp_session *s;
	struct sim_sock *cs, *ss;  /* NULL once closed by the driver */
	struct pxd_ep cep, sep;
	struct pxd_buf cout, sout;
	bool c_close, s_close;     /* the core asked: close after the pending bytes */
	bool c_gone, s_gone;       /* the peer's side ended (on_closed or EOF) */
	bool c_told, s_told;       /* CLOSED / CONNECT_FAILED event given */
	bool s_connected;
	struct sim_event_id timer;
	struct pxd_data data[PXD_MAX_DATA];
	struct ftpp_event pend[PXD_MAX_PEND_EV]; /* events raised while draining */
	size_t n_pend;
	int depth;                 /* driver frames on the stack: defer the free */
	bool draining;
};

struct sim_pxd {
	struct sim_gw *gw;
	struct ftpp *f;
	struct sim_sock *lsn;
	struct pxd_sess *sessions;
	struct sim_pxd_splice *splices;
	size_t n_splices, cap_splices;
	struct sim_pxd_stats st;
};

/* sim_proxy_drv.c */
/* Every socket callback and timer brackets its work with these; the session
 * is freed at the outermost leave once nothing holds it (return right after). */
void pxd_enter(struct pxd_sess *ps);
void pxd_leave(struct pxd_sess *ps);
uint64_t pxd_now(const struct pxd_sess *ps);
/* Gives the core an event now, or after the current drain loop when one is
 * running (actions' data must not be invalidated mid-loop). */
void pxd_event(struct pxd_sess *ps, enum ftpp_event_type t, uint32_t data_id, int side,
	       uint64_t to_client, uint64_t to_server);

/* sim_proxy_drv_data.c */
int pxd_data_listen(struct pxd_sess *ps, const struct ftpp_action *a);
int pxd_data_connect(struct pxd_sess *ps, const struct ftpp_action *a);
int pxd_data_splice(struct pxd_sess *ps, uint32_t id);
void pxd_data_close(struct pxd_sess *ps, uint32_t id);
void pxd_data_close_all(struct pxd_sess *ps);
bool pxd_data_any(const struct pxd_sess *ps);

#endif
