/* sim_pcap.c - libpcap's dumper on a dead handle opened with nanosecond
 * precision; writing to a temp name and renaming on close means a crashed
 * run never leaves a truncated capture under the real name. */
#include "sim_pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_pcap {
	pcap_t *dead;
	pcap_dumper_t *dump;
	uint32_t snaplen;
	uint64_t count;
	char *path, *tmp;
};

int sim_pcap_open(const char *path, uint32_t snaplen, struct sim_pcap **out)
{
	struct sim_pcap *pc;
	size_t n;
	int rc = -ENOMEM;

	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->snaplen = snaplen ? snaplen : 65535;
	n = strlen(path);
	pc->path = strdup(path);
	pc->tmp = malloc(n + 5);
	if (!pc->path || !pc->tmp)
		goto out;
	memcpy(pc->tmp, path, n);
	memcpy(pc->tmp + n, ".tmp", 5);
	pc->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, (int)pc->snaplen,
							PCAP_TSTAMP_PRECISION_NANO);
	if (!pc->dead)
		goto out;
	pc->dump = pcap_dump_open(pc->dead, pc->tmp);
	if (!pc->dump) {
		rc = -EIO;
		goto out;
	}
	*out = pc;
	rc = 0;
out:
	if (rc < 0) {
		if (pc->dead)
			pcap_close(pc->dead);
		free(pc->path);
		free(pc->tmp);
		free(pc);
	}
	return rc;
}

void sim_pcap_tap(void *ctx, const struct sim_link *l, int from, uint64_t t_ns,
		  const uint8_t *pkt, size_t len)
{
	struct sim_pcap *pc = ctx;
	struct pcap_pkthdr h;

	(void)l;
	(void)from;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(t_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(t_ns % 1000000000ULL); /* ns: nano precision */
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)(len < pc->snaplen ? len : pc->snaplen);
	pcap_dump((u_char *)pc->dump, &h, pkt);
	pc->count++;
}

void sim_pcap_attach(struct sim_pcap *pc, struct sim_link *l, bool at_arrival)
{
	struct sim_link_tap tap = {sim_pcap_tap, pc, at_arrival};

	sim_link_set_tap(l, &tap);
}

uint64_t sim_pcap_count(const struct sim_pcap *pc)
{
	return pc->count;
}

int sim_pcap_close(struct sim_pcap *pc)
{
	int rc = 0;

	if (!pc)
		return -EINVAL;
	if (pcap_dump_flush(pc->dump) != 0)
		rc = -EIO;
	pcap_dump_close(pc->dump);
	pcap_close(pc->dead);
	if (rc == 0 && rename(pc->tmp, pc->path) != 0)
		rc = -EIO;
	if (rc < 0)
		remove(pc->tmp);
	free(pc->path);
	free(pc->tmp);
	free(pc);
	return rc;
}
