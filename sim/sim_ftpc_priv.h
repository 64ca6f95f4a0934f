/* sim_ftpc_priv.h - the client model's internals shared by its control and
 * data files; private to sim/sim_ftpc*.c. */
#ifndef GATELAB_SIM_FTPC_PRIV_H
#define GATELAB_SIM_FTPC_PRIV_H

#include "../ftp/ftp.h"
#include "sim_ftpc.h"
#include "sim_sock.h"

/* What the session waits for. */
enum ftpc_phase {
	FTPC_P_CONNECTING,
	FTPC_P_GREETING,
	FTPC_P_THINK,       /* the step's think time */
	FTPC_P_USER,
	FTPC_P_PASS,
	FTPC_P_CMD,
	FTPC_P_DATA_SETUP,  /* PASV/EPSV/PORT/EPRT sent */
	FTPC_P_REST,
	FTPC_P_XFER_CMD,    /* RETR/STOR/LIST... sent, no preliminary reply yet */
	FTPC_P_XFER,        /* preliminary reply seen: final reply and data pending */
	FTPC_P_ABOR,        /* ABOR sent: 426 and/or 226 pending */
	FTPC_P_QUIT,
	FTPC_P_DONE
};

#define FTPC_LISTING_MAX (1u << 20)

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
	enum ftpc_phase ph;
	size_t step;
	char cwd[SIM_VFS_MAX_PATH];
	struct sim_timer think_timer, watchdog;

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

	struct sim_ftpc_result res;
	size_t cap_x, cap_r;
};

/* sim_ftpc.c */
void ftpc_send(struct sim_ftpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ftpc_fail(struct sim_ftpc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ftpc_progress(struct sim_ftpc *c);
uint64_t ftpc_now(const struct sim_ftpc *c);
const struct sim_ftpc_step *ftpc_cur(const struct sim_ftpc *c);
/* The transfer may be complete now (the data side calls it at data end). */
void ftpc_data_check_done(struct sim_ftpc *c);

/* sim_ftpc_data.c: the data side of a transfer step. */
/* Sends PASV/EPSV or opens a listener and sends PORT/EPRT. */
int ftpc_data_setup(struct sim_ftpc *c);
/* The reply to the setup command: connect where a 227/229 says. Returns 0,
 * or a negative errno with the session failed. */
int ftpc_data_reply(struct sim_ftpc *c, int code);
/* The preliminary reply came: an upload may start. */
void ftpc_data_prelim(struct sim_ftpc *c);
/* The transfer is complete when this is true (final reply and data end). */
bool ftpc_data_done(const struct sim_ftpc *c);
/* Closes data sockets (abort: RST). */
void ftpc_data_close(struct sim_ftpc *c, bool abort);
/* Finishes the record of the current transfer (hash, verification). */
void ftpc_data_record(struct sim_ftpc *c);

#endif
