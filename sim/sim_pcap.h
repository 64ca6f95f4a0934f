/* sim_pcap.h - records a link's traffic as a pcap file (LINKTYPE_RAW,
 * nanosecond timestamps from the virtual clock) for tshark and for replay.
 * The file appears under its final name only when closed cleanly. */
#ifndef GATELAB_SIM_PCAP_H
#define GATELAB_SIM_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_link.h"

struct sim_pcap;

/* Opens path.tmp for writing. snaplen 0 = 65535. Returns 0, -EINVAL, -EIO,
 * -ENOMEM. */
int sim_pcap_open(const char *path, uint32_t snaplen, struct sim_pcap **out);
/* Records one packet; the signature fits struct sim_link_tap.fn with the
 * sim_pcap as ctx. */
void sim_pcap_tap(void *ctx, const struct sim_link *l, int from, uint64_t t_ns,
		  const uint8_t *pkt, size_t len);
/* Attaches the recorder as l's tap: packets as sent (lost ones included),
 * or with at_arrival as received. */
void sim_pcap_attach(struct sim_pcap *pc, struct sim_link *l, bool at_arrival);
uint64_t sim_pcap_count(const struct sim_pcap *pc);
/* Flushes, closes and renames the temp file into place. Returns 0 or -EIO
 * (the temp file is removed then). Frees pc in every case. */
int sim_pcap_close(struct sim_pcap *pc);

#endif
