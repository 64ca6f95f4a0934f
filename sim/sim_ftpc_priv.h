/* sim_ftpc_priv.h - the client model's internals shared by its control and
 * data files; private to sim/sim_ftpc*.c. */
#ifndef GATELAB_SIM_FTPC_PRIV_H
#define GATELAB_SIM_FTPC_PRIV_H

#include "../ftp/ftp.h"
#include "sim_ftpc.h"
#include "sim_sock.h"

/* What the session waits for. */
enum sim_ftpc_phase {
	SIM_FTPC_P_CONNECTING,
	SIM_FTPC_P_GREETING,
	SIM_FTPC_P_THINK,       /* the step's think time */
	SIM_FTPC_P_USER,
	SIM_FTPC_P_PASS,
	SIM_FTPC_P_CMD,
	SIM_FTPC_P_DATA_SETUP,  /* PASV/EPSV/PORT/EPRT sent */
	SIM_FTPC_P_REST,
	SIM_FTPC_P_XFER_CMD,    /* RETR/STOR/LIST... sent, no preliminary reply yet */
	SIM_FTPC_P_XFER,        /* preliminary reply seen: final reply and data pending */
	SIM_FTPC_P_ABOR,        /* ABOR sent: 426 and/or 226 pending */
	SIM_FTPC_P_QUIT,
	SIM_FTPC_P_DONE
};

#define SIM_FTPC_LISTING_MAX (1u << 20)

struct sim_ftpc {
	struct sim_host *h;
	struct sim_ftpc_config cfg;
	struct sim_ftpc_step *steps;
	void (*on_done)(void *ctx, struct sim_ftpc *c);
	void *ctx;
	struct sim_sock *ctl;
	uint8_t in[FTP_MAX_LINE + 2];
	size_t in_len;
	bool in_multi;             /* inside a multi-line reply */
	int multi_code;
	char first_text[128];      /* text of the reply's first line */
	char full_text[FTP_MAX_LINE + 1];
	enum sim_ftpc_phase ph;
	size_t step;
	char cwd[SIM_VFS_MAX_PATH];
	struct sim_timer think_timer, watchdog;
	uint64_t wd_mark;          /* data bytes acked when the watchdog last looked */

	/* the transfer of the current step */
	enum sim_ftpc_mode xmode;
	struct sim_sock *dlst, *data;
	bool data_up, data_eof;
	int data_err;
	bool got_prelim, got_final, abor_sent, saw_426;
	int abor_finals;           /* non-1xx replies since ABOR */
	int final_code;
	uint64_t up_seed;
	struct sim_vfs_hash hs;
	struct sim_ftpc_xfer cur;
	uint16_t next_active;
	/* a script's own "REST n" answered 350: the next transfer starts at n
	 * (as a real client's does), then it is forgotten */
	bool rest_pending;
	uint64_t rest_offset;

	struct sim_ftpc_result res;
	size_t cap_x, cap_r;
};

/* sim_ftpc.c */
void sim_ftpc_send(struct sim_ftpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_ftpc_fail(struct sim_ftpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_ftpc_progress(struct sim_ftpc *c);
uint64_t sim_ftpc_now(const struct sim_ftpc *c);
const struct sim_ftpc_step *sim_ftpc_cur(const struct sim_ftpc *c);
/* The transfer may be complete now (the data side calls it at data end). */
void sim_ftpc_data_check_done(struct sim_ftpc *c);

/* sim_ftpc_data.c: the data side of a transfer step. */
/* Sends PASV/EPSV or opens a listener and sends PORT/EPRT. */
int sim_ftpc_data_setup(struct sim_ftpc *c);
/* The reply to the setup command: connect where a 227/229 says. Returns 0,
 * or a negative errno with the session failed. */
int sim_ftpc_data_reply(struct sim_ftpc *c, int code);
/* The preliminary reply came: an upload may start. */
void sim_ftpc_data_prelim(struct sim_ftpc *c);
/* The transfer is complete when this is true (final reply and data end). */
bool sim_ftpc_data_done(const struct sim_ftpc *c);
/* Closes data sockets (abort: RST). */
void sim_ftpc_data_close(struct sim_ftpc *c, bool abort);
/* Finishes the record of the current transfer (hash, verification). */
void sim_ftpc_data_record(struct sim_ftpc *c);

#endif
