/* live_client.h - one real FTP client run in the client namespace: lftp or
 * curl, one command (RETR, STOR or LIST) in one data-connection mode (PASV,
 * EPSV, PORT, EPRT), its verbose log kept to check which command it used. */
#ifndef GATELAB_LIVE_CLIENT_H
#define GATELAB_LIVE_CLIENT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "live_topo.h"

enum live_tool { LIVE_LFTP, LIVE_CURL, LIVE_TOOL__COUNT };
enum live_op { LIVE_RETR, LIVE_STOR, LIVE_LIST, LIVE_OP__COUNT };
enum live_dmode { LIVE_PASV, LIVE_EPSV, LIVE_PORT, LIVE_EPRT, LIVE_DMODE__COUNT };

const char *live_tool_name(enum live_tool t);
const char *live_op_name(enum live_op o);
const char *live_dmode_name(enum live_dmode d);
/* Whether the tool can be told to use exactly this command: lftp sends PORT
 * on IPv4 and EPRT on IPv6 with no setting to choose; PASV/PORT are IPv4. */
bool live_client_can(enum live_tool t, enum live_dmode d, bool v6);

struct live_job {
	enum live_tool tool;
	enum live_op op;
	enum live_dmode dmode;
	bool v6;
	const char *server;      /* address */
	char local[PATH_MAX];    /* RETR/LIST: written; STOR: read */
	char remote[128];        /* "/pub/test.bin", "/incoming/u-3-17.bin", "/pub/" */
	char log[PATH_MAX];      /* the client's stdout+stderr (verbose) */
	pid_t pid;
	int pidfd;               /* -1 where pidfd_open is missing: polled */
	double t0, t1;           /* CLOCK_MONOTONIC seconds: start, exit seen */
	int status;              /* exit status, 128+signal if killed */
	bool timed_out;          /* killed by the runner at its deadline */
};

/* Starts the job in the client namespace (registered for clean-up); t0 set.
 * 0 or a negative errno. */
int live_client_start(const struct live_topo *t, struct live_job *j);
/* After the client exited: 0 if its log shows the intended data command
 * (and not a fallback to another one), else -EPROTO with why. */
int live_client_used(const struct live_job *j, char *why, size_t whylen);

#endif
