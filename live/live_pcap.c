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

/* tcpdump's closing "N packets dropped by kernel": a capture with holes is
 * reported, never passed off as complete. */
static unsigned long live_pcap_dropped(const char *log)
{
	char line[256];
	unsigned long n = 0, d;
	FILE *f = fopen(log, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "dropped by kernel") && sscanf(line, "%lu", &d) == 1)
			n += d;
	fclose(f);
	return n;
}

int live_pcap_stop(struct live_pcap *p)
{
	int rc = 0, st;

	for (int i = 0; i < 2; i++) {
		unsigned long d;

		if (p->pid[i] <= 0)
			continue;
		kill(p->pid[i], SIGINT);
		if (live_reap(p->pid[i], &st) != 0)
			rc = -EIO;
		p->pid[i] = 0;
		if ((d = live_pcap_dropped(p->log[i])) > 0) {
			fprintf(stderr, "gatelab: live: capture %s: tcpdump says %lu packets dropped "
				"by the kernel: the file is incomplete\n", p->file[i], d);
			rc = -ENOBUFS;
		}
	}
	return rc;
}

int live_pcap_start(const struct live_topo *t, const char *dir, const char *mode,
		    struct live_pcap *p, char *err, size_t errlen)
{
	static const char *ifs[2] = {LIVE_IF_IN, LIVE_IF_OUT};
	static const char *side[2] = {"inside", "outside"};
	struct timespec nap = {0, 20 * 1000 * 1000};
	char (*file)[PATH_MAX] = p->file, (*log)[PATH_MAX] = p->log;

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
		 * --immediate-mode: no packet left in the ring at SIGINT;
		 * "tcp or icmp": what crosses the gateway; ARP and neighbour
		 * discovery are each link's own and would break the pairing of
		 * the two captures packet by packet;
		 * -Z root: the file stays root's (no privilege drop in a lab). */
		const char *argv[] = {"tcpdump", "-i", ifs[i], "-n", "-U", "--immediate-mode",
				      "-s", "0", "-Z", "root", "-w", file[i], "tcp or icmp", NULL};

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
