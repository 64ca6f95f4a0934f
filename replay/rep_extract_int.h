/* rep_extract_int.h - private to the session extractor: the per-flow state
 * (control line assembly, announced data endpoints, data byte counts) that
 * rep_extract.c keeps in its flow table and rep_extract_ftp.c interprets. */
#ifndef GATELAB_REP_EXTRACT_INT_H
#define GATELAB_REP_EXTRACT_INT_H

#include "rep_extract.h"
#include "rep_stream.h"

#define REP_REPLY_TEXT_MAX 2048

struct rep_flow;

/* An endpoint a PORT/EPRT command or 227/229 reply announced. */
struct rep_announce {
	struct net_addr addr;
	uint16_t port;
	bool passive;
	long xfer;               /* the transfer command it served, -1 none yet */
	long cmd;                /* the PORT/EPRT/PASV/EPSV command, -1 unknown */
	struct rep_flow *flow;   /* the data connection paired with it */
};

/* One direction's line assembly. */
struct rep_lines {
	uint8_t buf[REP_LINE_LIMIT + 2];
	size_t len;
	bool truncated;          /* the current line overflowed */
	bool resync;             /* bytes lost before this line: it may be a tail */
};

/* What only a control flow needs (kept out of data and other flows). */
struct rep_ctl {
	struct rep_lines lines[2];
	size_t cursor;           /* oldest command without a final reply */
	bool in_multiline;
	int ml_code;
	char *reply_buf;         /* the reply being read, lines joined */
	size_t reply_len;
	struct rep_announce ann[REP_MAX_ANNOUNCED];
	size_t n_ann;
	char size_arg[200];      /* the file the last 213 answered SIZE for */
	uint64_t size_val;
	uint64_t rest;           /* offset of a REST the server accepted (350) */
	bool ascii;              /* the last accepted TYPE was A */
};

struct rep_flow {
	struct rep_flow *next;   /* hash chain */
	struct net_tuple t;      /* as first seen */
	struct rep_stream st[2]; /* [0] from t.src, [1] from t.dst */
	bool fin[2], rst;
	bool cut[2];             /* a segment of that direction was cut by the snap length */
	int8_t wscale[2];        /* window scale each end's SYN offered, -1 none */
	bool syn_seen[2];
	uint64_t ts_ns;          /* of the frame being handled */
	enum { REP_FLOW_CONTROL, REP_FLOW_DATA, REP_FLOW_OTHER } kind;
	/* control */
	struct rep_session *sess;
	int client_dir;          /* index of st[] the client sends on */
	struct rep_ctl *c;       /* control flows only */
	size_t n_data;           /* data flows paired with it and not yet ended */
	bool closing;            /* both FINs or a RST: released once n_data is 0 */
	/* data */
	struct rep_flow *ctl;    /* control flow whose announcement it matched */
	int ep_dir;              /* index of st[] the announced endpoint sends on */
	long xfer;               /* -1 until a transfer command claims it */
	bool finished;
	/* list of control flows */
	struct rep_flow *next_ctl;
	/* closed and released: kept as a bare key for REP_LINGER_NS of capture
	 * time so late retransmissions are known as this connection's */
	bool lingering;
	uint64_t closed_ns;
	struct rep_flow *tw_next, *tw_prev;
	/* other flows: directions whose first payload was looked at (bit per
	 * st[] index), and whether it looked like FTP */
	uint8_t probed;
	bool ftp_like;
};

/* rep_extract_ftp.c */
int rep_ftp_control_bytes(struct rep_flow *f, int dir, const uint8_t *p, size_t len, bool gap);
/* Pairs a new data flow with an announcement; false if none matches. */
bool rep_ftp_pair_data(struct rep_flow *ctl_list, struct rep_flow *f);
/* The data flow ended (FIN both ways, RST or the end of the capture). */
void rep_ftp_data_done(struct rep_flow *f);
/* End of capture: replies still open, completeness of every transfer. */
void rep_ftp_session_end(struct rep_flow *f);
/* A transfer command (RETR, STOR, STOU, APPE, LIST, NLST, MLSD). */
bool rep_ftp_is_xfer_verb(const char *v);
/* rep_extract_align.c: false when the reply answers a command the capture
 * lost; else true, the cursor moved to the command it answers. Only acts
 * once a direction had a hole. */
bool rep_ftp_realign(struct rep_flow *f, int code);
int rep_session_note(struct rep_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
