/* ftpp_int.h - the proxy core's private state, shared by the files of proxy/
 * only. Drivers see ftpp.h; nothing here is a contract. */
#ifndef GATELAB_FTPP_INT_H
#define GATELAB_FTPP_INT_H

#include "ftpp.h"

#include "../ftp/ftp.h"

#define FTPP_MAX_INBUF (16 * 1024) /* unprocessed pipelined input per side */
#define FTPP_MAX_PENDING 32        /* commands awaiting a reply */
#define FTPP_MAX_HELD_REPLY 4096   /* a buffered 227/229 reply */

/* Live (not CLOSED) sessions per client address (ftpp_clients.c). */
struct ftpp_client_count {
	struct net_addr addr;
	uint32_t n;                /* 0: empty slot */
};

struct ftpp_clients {
	struct ftpp_client_count *e;
	uint32_t mask, used;       /* slots - 1 (0: none yet), occupied slots */
};

struct ftpp {
	struct ftpp_config cfg;
	struct natapi *api;        /* not owned */
	uint32_t rdr_id, rdr6_id, res_id;
	uint32_t next_id;
	/* every session not yet freed, doubly linked: freeing one is O(1) */
	struct ftpp_session *sessions;
	uint32_t n_live;           /* sessions not CLOSED */
	struct ftpp_clients clients;
};

/* What a command waits for; replies are matched to commands in order. */
enum ftpp_cmd_kind {
	FTPP_CMD_GREETING, /* the server's 220, before any command */
	FTPP_CMD_OTHER,
	FTPP_CMD_PORT,
	FTPP_CMD_PASV,     /* PASV or EPSV */
	FTPP_CMD_XFER,     /* RETR STOR STOU APPE LIST NLST MLSD */
	FTPP_CMD_SIZE,
	FTPP_CMD_LOCAL,    /* answered by the proxy when it reaches the head */
};

struct ftpp_pending {
	enum ftpp_cmd_kind kind;
	bool epsv;
	bool converted;    /* EPSV refused by the server, retried as PASV */
	bool listing;      /* XFER: LIST NLST MLSD */
	char verb[FTP_MAX_VERB + 1];
	int code;          /* LOCAL */
	const char *text;  /* LOCAL: static reply text */
};

enum ftpp_xfer_state { FTPP_XFER_NONE, FTPP_XFER_ANNOUNCED, FTPP_XFER_RUNNING };

/* The one data transfer a control session has at a time. */
struct ftpp_xfer {
	enum ftpp_xfer_state st;
	uint32_t id;
	bool passive;
	enum ftpp_mode path;
	struct ftp_endpoint client_ep; /* active: what the client announced */
	uint16_t server_port;          /* passive: the port the server announced */
	uint16_t port;                 /* acquired from the reservation */
	bool have_port;
	bool rdr;                      /* a redirect of this transfer may be pending */
	bool data_open;                /* proxy path: data actions issued */
	bool up[2], spliced, done;     /* proxy path, per enum ftpp_data_side */
	uint64_t deadline;
	char verb[FTP_MAX_VERB + 1];
	uint64_t bytes_to_client, bytes_to_server;
};

struct ftpp_buf {
	uint8_t *p;
	size_t len, cap;
	uint64_t consumed;    /* stream offset of p[0] */
};

struct ftpp_qitem {
	struct ftpp_action a; /* data is NULL here; off locates the bytes */
	size_t off;
};

struct ftpp_session {
	struct ftpp *f;
	struct ftpp_session *prev, *next;
	bool live;                    /* counted in f->n_live and f->clients */
	uint32_t id, group;
	enum ftpp_session_state state;
	struct ftpp_session_info info;
	struct net_tuple accepted;
	struct net_addr apparent;     /* the server the client believes in (A) */
	uint16_t apparent_port;
	const struct net_addr *public_addr;
	const struct net_addr *inside_addr;
	bool server_asked;            /* CONNECT_SERVER queued */
	bool server_connected;
	bool group_dirty;             /* a redirect of the group may be pending */

	struct ftpp_buf cin, sin;     /* unprocessed input */
	struct ftpp_pending pend[FTPP_MAX_PENDING];
	size_t pend_head, pend_n;

	int multi_code;               /* inside a multi-line reply */
	bool holding_reply;           /* collecting a 227/229 reply */
	bool swallow;                 /* dropping a refusal of EPSV (retried as PASV) */
	struct ftpp_buf held;

	bool have_size;
	uint64_t last_size;
	struct ftpp_xfer x;
	uint32_t next_data_id;
	uint64_t idle_deadline, timer_at;

	/* output: queued actions and their bytes */
	struct ftpp_qitem *q;
	size_t q_head, q_n, q_cap;
	struct ftpp_buf out;
	int err;                      /* sticky -ENOMEM from output */
};

/* ftpp_out.c */
void ftpp_out_begin(struct ftpp_session *s);
void ftpp_out_push(struct ftpp_session *s, const struct ftpp_action *a, const void *data,
		   size_t len);
void ftpp_out_send(struct ftpp_session *s, enum ftpp_action_type t, const void *data, size_t len);
void ftpp_out_reply(struct ftpp_session *s, int code, const char *text);
void ftpp_out_log(struct ftpp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ftpp_out_log_line(struct ftpp_session *s, const char *tag, const uint8_t *line, size_t len);
void ftpp_out_simple(struct ftpp_session *s, enum ftpp_action_type t);
void ftpp_out_free(struct ftpp_session *s);
int ftpp_buf_append(struct ftpp_buf *b, const void *data, size_t len);
void ftpp_buf_consume(struct ftpp_buf *b, size_t n);

/* ftpp_policy.c */
const struct ftpp_site_rule *ftpp_policy_site(const struct ftpp_policy *p,
					      const struct net_addr *server, bool *deny);
void ftpp_policy_map(const struct ftpp_policy *p, const struct net_addr *apparent,
		     uint16_t port, struct net_addr *real, uint16_t *real_port);
bool ftpp_policy_is_write(const char *verb);
enum ftpp_mode ftpp_policy_path(const struct ftpp_policy *p, bool listing, bool have_size,
				uint64_t size);

/* ftpp_clients.c: live sessions per client address. inc: 0 or -ENOMEM. */
int ftpp_clients_inc(struct ftpp_clients *c, const struct net_addr *a);
void ftpp_clients_dec(struct ftpp_clients *c, const struct net_addr *a);
uint32_t ftpp_clients_get(const struct ftpp_clients *c, const struct net_addr *a);
void ftpp_clients_free(struct ftpp_clients *c);

/* ftpp_admit.c */
void ftpp_session_admit(struct ftpp_session *s, uint64_t now);

/* ftpp_pend.c / ftpp_session.c */
void ftpp_session_close(struct ftpp_session *s, enum ftpp_close_reason why, bool from_server,
			uint64_t offset, int code, const char *text);
void ftpp_pend_push(struct ftpp_session *s, const struct ftpp_pending *p);
void ftpp_pend_local(struct ftpp_session *s, int code, const char *text);
void ftpp_pend_flush_local(struct ftpp_session *s);
struct ftpp_pending *ftpp_pend_at(struct ftpp_session *s, size_t i);
void ftpp_arm_timer(struct ftpp_session *s, uint64_t now);

/* ftpp_client.c / ftpp_server.c */
void ftpp_client_process(struct ftpp_session *s, uint64_t now);
void ftpp_server_process(struct ftpp_session *s, uint64_t now);

/* ftpp_xfer.c */
void ftpp_xfer_port(struct ftpp_session *s, const struct ftp_addr_span *span, uint64_t now);
int ftpp_xfer_start(struct ftpp_session *s, const char *verb, bool listing, uint64_t now);
int ftpp_xfer_pasv_reply(struct ftpp_session *s, const struct ftp_addr_span *span,
			 const struct ftpp_pending *next_xfer, uint64_t now,
			 struct ftp_endpoint *announce);
void ftpp_xfer_end(struct ftpp_session *s, const char *how);
void ftpp_xfer_event(struct ftpp_session *s, const struct ftpp_event *ev);
/* Whether the final reply `code` to the running transfer waits for its
 * proxied data to be copied out (only a success does: an error carries no
 * data, is passed at once, and the transfer's sockets are closed). */
bool ftpp_xfer_holds_reply(const struct ftpp_session *s, int code);
bool ftpp_xfer_due(const struct ftpp_session *s);
void ftpp_xfer_timeout(struct ftpp_session *s, uint64_t now);

#endif
