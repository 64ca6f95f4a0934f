/* rep_extract.h - FTP sessions found in a capture: each control connection
 * reassembled into commands (with relative timing) and replies, each data
 * connection paired with the PORT/EPRT/227/229 that announced it and counted. */
#ifndef GATELAB_REP_EXTRACT_H
#define GATELAB_REP_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"

#define REP_LINE_LIMIT 512      /* longer control lines are truncated, counted */
#define REP_MAX_ANNOUNCED 64    /* announced, not yet connected endpoints kept */
#define REP_NOTE_LEN 160
#define REP_MAX_NOTES 8

/* A command as the client sent it and the final reply it got. */
struct rep_cmd {
	char verb[8];
	char line[200];          /* the command line, truncated to fit */
	uint64_t t_ns;           /* since the session's first packet */
	int reply;               /* final reply code, 0 if none was seen */
	char *reply_text;        /* the whole reply (lines joined by '\n'), malloc'd */
};

/* One transfer command and what its data connection carried. */
struct rep_xfer {
	char cmd[8];             /* RETR, STOR, STOU, APPE, LIST, NLST, MLSD */
	char arg[200];
	size_t cmd_idx;          /* index in the session's commands */
	bool passive;
	bool announced;          /* a PORT/EPRT/PASV/EPSV preceded it */
	bool connected;          /* a data connection was paired with it */
	bool fin;                /* the data sender's FIN was seen */
	uint64_t bytes;          /* unique payload bytes in the data direction */
	uint64_t lost;           /* bytes of the data direction never captured */
	uint64_t announced_size; /* "(N bytes)" in the 150 reply, or 213 SIZE; 0 unknown */
	int prelim, final;       /* reply codes */
	uint64_t rest;           /* REST offset (350) the transfer started at, 0 none */
	bool ascii;              /* TYPE A was in effect: sizes are advisory (CRLF) */
	bool unverifiable;       /* data frames were cut by the snap length: the byte
				  * count comes from sequence numbers, unread */
	bool complete;           /* FIN, 226/250, no hole, the announced size (minus
				  * REST, binary only) all there; never if unverifiable */
	long setup_cmd;          /* index of its PORT/EPRT/PASV/EPSV command, -1 none */
	char prelim_text[200];   /* the 1xx reply's text (first line, no code) */
};

struct rep_session {
	struct net_addr client, server;
	uint16_t client_port, server_port;
	bool handshake;          /* the SYN was captured */
	bool tls;                /* AUTH succeeded: the rest is unreadable */
	bool closed;             /* FIN or RST seen */
	uint64_t t0_ns;
	uint64_t lost_c2s, lost_s2c;   /* control bytes never captured */
	uint64_t truncated_lines;
	uint64_t bad_lines;            /* neither a command nor a reply */
	int greeting;                  /* code of the reply before any command */
	struct rep_cmd *cmds;
	size_t n_cmds, cap_cmds;
	int *replies;                  /* every final reply code in order */
	size_t n_replies, cap_replies;
	struct rep_xfer *xfers;
	size_t n_xfers, cap_xfers;
	char notes[REP_MAX_NOTES][REP_NOTE_LEN];
	size_t n_notes;
};

struct rep_capture {
	struct rep_session **sessions;
	size_t n_sessions, cap_sessions;
	uint64_t frames, tcp_frames, unreadable_frames;
	uint64_t cut_frames;           /* TCP frames whose payload the snap length cut:
					* counted from sequence numbers, not read */
	uint64_t reassembly_bound_hits;/* holes given up because more was out of order
					* than the receiver's window allows */
	uint64_t max_out_of_order;     /* most bytes one direction held out of order */
	uint64_t late_segments;        /* segments of a connection already closed
					* (retransmissions after both FINs): ignored */
	uint64_t unannounced_flows;    /* TCP flows no FTP session announced */
	uint64_t unannounced_bytes;
	char first_unannounced[128];   /* "tcp a:p -> b:p" of the first one */
	/* Unannounced flows on ports not taken as FTP that look like FTP (a 220
	 * greeting, a USER or PASS line at the start of a direction): the user
	 * probably wants --ftp-port (their server port, of the first). */
	uint64_t ftp_like_flows;
	uint16_t ftp_like_port;
	char first_ftp_like[160];
	bool read_error;               /* the capture ends in a broken record */
	char error[256];
};

/* Progress callback: frames and (about) file bytes read so far, every 65536
 * frames. */
typedef void (*rep_extract_progress_fn)(void *ctx, uint64_t frames, uint64_t bytes_read);

/* Reads the capture at path and fills *out. Returns 0 (out->read_error set
 * when the capture ends in a broken record: what came before is kept),
 * -EINVAL or -errno when the file cannot be read as a capture (err filled),
 * -ENOMEM. */
int rep_extract_file(const char *path, struct rep_capture *out, rep_extract_progress_fn fn,
		     void *fn_ctx, char *err, size_t errlen);

/* What the extractor takes as FTP. */
struct rep_extract_opts {
	/* TCP ports of control connections (NULL/0: 21 only); a flow with one
	 * of them at an end is a control session. Read during the call. */
	const uint16_t *ftp_ports;
	size_t n_ftp_ports;
};
/* rep_extract_file with options (o NULL: the defaults). Same returns. */
int rep_extract_file_opts(const char *path, const struct rep_extract_opts *o,
			  struct rep_capture *out, rep_extract_progress_fn fn, void *fn_ctx,
			  char *err, size_t errlen);
void rep_capture_free(struct rep_capture *c);

/* True if a transfer command moves data from the client to the server. */
bool rep_xfer_is_upload(const char *verb);

#endif
