/* live_vsftpd.h - the lab's FTP servers: vsftpd instances in the server
 * namespace, one per address (vsftpd listens on one), each with its own
 * config file and anonymous root; anonymous download from /pub, upload to
 * /incoming. */
#ifndef GATELAB_LIVE_VSFTPD_H
#define GATELAB_LIVE_VSFTPD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "live_topo.h"

struct live_ftpd {
	char name[16];          /* "a4", "b4", "a6", "b6" */
	char addr[48];
	bool v6;
	char root[PATH_MAX];    /* anon_root: pub/ (root-owned) and incoming/ (ftp) */
	char conf[PATH_MAX];
	pid_t pid;
};

/* Makes root (pub/ and incoming/) if missing, writes the config and starts
 * vsftpd in the server namespace; returns once it accepts connections on
 * addr:21 (5 s at most). 0, -ENOENT (no vsftpd or no `ftp` user: err says
 * which), -ETIMEDOUT (never listened: err holds the end of its log). */
int live_vsftpd_start(const struct live_topo *t, struct live_ftpd *d, const char *name,
		      const char *addr, bool v6, const char *root, char *err, size_t errlen);

#endif
