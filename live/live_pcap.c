/* live_pcap.c - tcpdump per gateway link: started in the gateway namespace,
 * stderr watched for "listening on" so no packet of the mode is missed,
 * stopped with SIGINT so the file is complete. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "live_ns.h"
#include "live_pcap.h"

static bool live_pcap_listening(const char *log)
{
	char buf[1024] = "";
	FILE *f = fopen(log, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strstr(buf, "listening on") != NULL;
}

int live_pcap_stop(struct live_pcap *p)
{
	int rc = 0, st;

	for (int i = 0; i < 2; i++) {
		if (p->pid[i] <= 0)
			continue;
		kill(p->pid[i], SIGINT);
		if (live_reap(p->pid[i], &st) != 0)
			rc = -EIO;
		p->pid[i] = 0;
	}
	return rc;
}

int live_pcap_start(const struct live_topo *t, const char *dir, const char *mode,
		    struct live_pcap *p, char *err, size_t errlen)
{
	static const char *ifs[2] = {LIVE_IF_IN, LIVE_IF_OUT};
	static const char *side[2] = {"inside", "outside"};
	struct timespec nap = {0, 20 * 1000 * 1000};
	char file[2][PATH_MAX], log[2][PATH_MAX];

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 2; i++) {
		if ((size_t)snprintf(file[i], sizeof(file[i]), "%s/%s-%s.pcap", dir, mode,
				     side[i]) >= sizeof(file[i]) ||
		    (size_t)snprintf(log[i], sizeof(log[i]), "%s/tcpdump-%s-%s.log", t->dir, mode,
				     side[i]) >= sizeof(log[i])) {
			snprintf(err, errlen, "--pcap: path too long");
			return -ENAMETOOLONG;
		}
		unlink(log[i]);
		/* -U: each packet reaches the file at once; -s 0: whole packets;
		 * -Z root: the file stays root's (no privilege drop in a lab). */
		const char *argv[] = {"tcpdump", "-i", ifs[i], "-n", "-U", "-s", "0", "-Z",
				      "root", "-w", file[i], NULL};

		p->pid[i] = live_spawn(live_topo_ns(t, LIVE_NS_GW), argv, NULL, log[i]);
		if (p->pid[i] < 0) {
			int rc = p->pid[i];

			p->pid[i] = 0;
			live_pcap_stop(p);
			snprintf(err, errlen, "tcpdump: %s", strerror(-rc));
			return rc;
		}
	}
	for (int i = 0; i < 2; i++) {
		int k = 0;

		while (!live_pcap_listening(log[i]) && k++ < 250)
			nanosleep(&nap, NULL);
		if (k > 250) {
			live_pcap_stop(p);
			snprintf(err, errlen, "tcpdump on %s never started (see %.200s)", ifs[i],
				 log[i]);
			return -ETIMEDOUT;
		}
	}
	return 0;
}
