/* sim_ftpd_priv.h - the server model's internals shared by its files (control
 * session, commands, scripted answers, data connections, listings); private
 * to sim/sim_ftpd*.c. */
#ifndef GATELAB_SIM_FTPD_PRIV_H
#define GATELAB_SIM_FTPD_PRIV_H

#include "../ftp/ftp.h"
#include "sim_ftpd.h"
#include "sim_sock.h"
#include "sim_vfs.h"

enum sim_ftpd_login { SIM_FTPD_NEED_USER, SIM_FTPD_NEED_PASS, SIM_FTPD_LOGGED_IN };

/* Where the next transfer's data connection comes from. */
enum sim_ftpd_dmode { SIM_FTPD_DM_NONE, SIM_FTPD_DM_ACTIVE, SIM_FTPD_DM_PASSIVE };

/* The transfer a command asked for, through its life. */
enum sim_ftpd_xstate {
	SIM_FTPD_X_IDLE,
	SIM_FTPD_X_WAIT_CONN,  /* command accepted, data connection not up yet */
	SIM_FTPD_X_RUNNING,    /* prelim sent, bytes moving */
	SIM_FTPD_X_DRAINING    /* download fully queued, waiting for the close */
};

struct sim_ftpd_sess {
	struct sim_ftpd *d;
	struct sim_ftpd_sess *next;
	struct sim_sock *ctl;
	uint8_t in[FTP_MAX_LINE + 2];
	size_t in_len;
	bool in_overlong;          /* discarding the rest of an over-long line */
	uint8_t *out;              /* replies not yet taken by the socket */
	size_t out_len, out_cap;
	uint64_t hold_until;       /* replies leave no earlier (reply delays) */
	struct sim_timer out_timer;
	bool quitting;

	enum sim_ftpd_login login;
	char cwd[SIM_VFS_MAX_PATH];
	char rnfr[SIM_VFS_MAX_PATH];
	bool has_rnfr;
	uint64_t rest;
	bool ascii;
	size_t script_pos;

	enum sim_ftpd_dmode dmode;
	struct net_addr act_addr;
	uint16_t act_port;
	struct sim_sock *pasv_lst;
	struct sim_sock *data;
	bool data_up;

	enum sim_ftpd_xstate xs;
	struct sim_ftpd_xfer rec;
	bool x_upload;
	uint64_t x_seed;           /* download of generated content */
	uint8_t *x_text;           /* download of a listing */
	size_t x_text_len;
	uint64_t x_total;
	int x_prelim_code;         /* scripted: the capture's 1xx; 0 = configured */
	char x_prelim_text[128];
	int x_final_code;
	char x_final_text[128];
	struct sim_vfs_hash x_hash;
	uint64_t x_first_word;     /* uploads: names a generated stream */
	uint8_t x_first[8];
	struct sim_timer data_timer;
};

struct sim_ftpd {
	struct sim_host *h;
	struct sim_vfs *vfs;
	struct sim_ftpd_config cfg;
	struct sim_ftpd_step *script;
	struct sim_sock *lst;
	struct sim_ftpd_sess *sessions;
	uint16_t next_pasv;
	uint32_t stou_seq;
	struct sim_ftpd_stats st;
	struct sim_ftpd_xfer *xfers;
	size_t n_xfers, cap_xfers;
};

/* sim_ftpd.c: replies (text may hold '\n'-separated lines: multi-line). */
void sim_ftpd_reply(struct sim_ftpd_sess *s, int code, const char *text);
void sim_ftpd_replyf(struct sim_ftpd_sess *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Later replies leave no earlier than delay_ns from now. */
void sim_ftpd_reply_hold(struct sim_ftpd_sess *s, uint64_t delay_ns);
uint64_t sim_ftpd_now(const struct sim_ftpd_sess *s);

/* sim_ftpd_cmd.c: one command line of a normal (not scripted) session. */
void sim_ftpd_cmd(struct sim_ftpd_sess *s, const struct ftp_cmd *c);
/* sim_ftpd_script.c: one command line of a scripted session. */
void sim_ftpd_script_cmd(struct sim_ftpd_sess *s, const struct ftp_cmd *c);

/* sim_ftpd_data.c: data connections and transfers. */
int sim_ftpd_pasv_open(struct sim_ftpd_sess *s, uint16_t *port);
/* PORT/EPRT checks (bounce, low port): 0 or the refusal code. */
int sim_ftpd_port_check(struct sim_ftpd_sess *s, const struct ftp_endpoint *ep);
void sim_ftpd_port_set(struct sim_ftpd_sess *s, const struct ftp_endpoint *ep);
/* Starts a transfer on the prepared data connection; replies 425 itself if
 * there is none. text non-NULL: send that buffer (taken over, freed later);
 * else total bytes of seed's generated stream from rest on. */
void sim_ftpd_xfer_send(struct sim_ftpd_sess *s, const char *verb, const char *path, uint64_t seed,
		    uint8_t *text, uint64_t total, int final_code, const char *final_text);
void sim_ftpd_xfer_recv(struct sim_ftpd_sess *s, const char *verb, const char *path,
		    int final_code, const char *final_text);
/* ABOR: 426 + 226 if a transfer runs, else 225. */
void sim_ftpd_xfer_abort(struct sim_ftpd_sess *s);
void sim_ftpd_data_init(struct sim_ftpd_sess *s);
/* Drops the data side (session end). */
void sim_ftpd_data_free(struct sim_ftpd_sess *s);

/* sim_ftpd_list.c: listings as malloc'd text. Returns 0 or an error. */
int sim_ftpd_list_text(struct sim_ftpd_sess *s, const char *verb, const char *path,
		   uint8_t **text, size_t *len);
/* One MLST/MLSD fact line ("type=file;size=3;modify=...; name"). */
int sim_ftpd_mlst_facts(const struct sim_vfs_node *n, bool full_path, char *buf, size_t len);
/* Formats a 227 reply text in the configured form. */
int sim_ftpd_format_227(const struct sim_ftpd_sess *s, const struct ftp_endpoint *ep, char *buf,
		    size_t len);

#endif
