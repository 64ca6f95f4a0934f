/* live_pcap.h - captures of the gateway's two links during one mode: tcpdump
 * in the gateway namespace writing DIR/MODE-inside.pcap and
 * DIR/MODE-outside.pcap (offloads off first: live_topo_offloads_off). */
#ifndef GATELAB_LIVE_PCAP_H
#define GATELAB_LIVE_PCAP_H

#include <stddef.h>
#include <sys/types.h>

#include "live_topo.h"

#include <limits.h>

struct live_pcap {
	pid_t pid[2];   /* inside, outside; 0 when not running */
	char file[2][PATH_MAX];
	char log[2][PATH_MAX];  /* tcpdump's stderr */
};

/* Starts both captures; returns once each says it listens (5 s at most).
 * 0 or a negative errno (err says which); nothing left running on error. */
int live_pcap_start(const struct live_topo *t, const char *dir, const char *mode,
		    struct live_pcap *p, char *err, size_t errlen);
/* Stops them (SIGINT: tcpdump flushes and closes its file). 0, -EIO, or
 * -ENOBUFS when tcpdump lost packets (said on stderr). */
int live_pcap_stop(struct live_pcap *p);

#endif
