/* sim_xferlog.h - the wu-ftpd/vsftpd xferlog(5) transfer log of a run, one
 * line per transfer as the server side saw it, virtual time on a fixed epoch;
 * streamed to PATH.tmp and renamed only when the run succeeded. */
#ifndef GATELAB_SIM_XFERLOG_H
#define GATELAB_SIM_XFERLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_ftpc.h"

/* Virtual time 0 is 2000-01-01 00:00:00 UTC: logs are byte-identical
 * across runs and machines (no wall clock, no time zone, no locale). */
#define SIM_XFERLOG_EPOCH 946684800LL
/* "Sat Jan  1 00:00:03 2000" and its terminator. */
#define SIM_XFERLOG_TIME_LEN 25

struct sim_xferlog;

/* One line's fields. Peer-chosen strings (filename, user) are escaped by
 * the formatter; they need no terminator inside their lengths. */
struct sim_xferlog_rec {
	uint64_t t_start_ns, t_end_ns; /* virtual: command .. final reply */
	const char *remote_host;      /* the server's peer, formatted */
	uint64_t bytes;
	const char *filename;
	size_t filename_len;
	bool ascii;                   /* TYPE A in force: 'a', else 'b' */
	char direction;               /* 'o' from the server (RETR, listings), 'i' to it */
	bool anonymous;               /* access mode 'a', else 'r' */
	const char *user;             /* anonymous: the ID string (password) given */
	size_t user_len;
	bool complete;                /* 'c', else 'i' */
};

/* Formats virtual ns as xferlog's current-time, in out[SIM_XFERLOG_TIME_LEN]. */
void sim_xferlog_time(uint64_t ns, char *out);
/* Seconds from start to end as vsftpd counts them: whole-second clock
 * readings subtracted, never below 1. */
uint64_t sim_xferlog_secs(uint64_t t_start_ns, uint64_t t_end_ns);
/* Copies len bytes of s into out as one field: space becomes '_' (vsftpd),
 * every byte outside printable ASCII '?' (vsftpd), an empty field "-".
 * Returns the length written (truncated to cap - 1, always terminated). */
size_t sim_xferlog_escape(const char *s, size_t len, char *out, size_t cap);
/* The fields the client's record decides: times, bytes, direction (by the
 * operation), completion (final 2xx and not aborted). The caller fills
 * remote_host, filename, ascii and the user fields. */
void sim_xferlog_rec_from_xfer(const struct sim_ftpc_xfer *x, struct sim_xferlog_rec *r);
/* One line without its newline into buf. Returns its length, or -ENOSPC. */
int sim_xferlog_format(const struct sim_xferlog_rec *r, char *buf, size_t cap);

/* Creates path.tmp for writing. Returns 0, -ENAMETOOLONG, -ENOMEM, -errno. */
int sim_xferlog_open(const char *path, struct sim_xferlog **out);
/* Appends one line. Returns 0 or -EIO (the first error sticks). */
int sim_xferlog_write(struct sim_xferlog *l, const struct sim_xferlog_rec *r);
/* commit: flushes and renames path.tmp to path; else (or on any error)
 * removes path.tmp. Frees l (NULL is a no-op). Returns 0, -EIO or -errno. */
int sim_xferlog_close(struct sim_xferlog *l, bool commit);

#endif
