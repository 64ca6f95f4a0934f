/* sim_pcapng.h - a minimal pcapng writer (Section Header, one Interface
 * Description with LINKTYPE_RAW and nanosecond timestamps, Enhanced Packet
 * Blocks with an optional opt_comment): libpcap cannot write comments. The
 * file appears under its final name only when closed cleanly. */
#ifndef GATELAB_SIM_PCAPNG_H
#define GATELAB_SIM_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

struct sim_pcapng;

/* Opens path.part and writes the section and interface blocks (if_name
 * names the link, e.g. "inside"). Returns 0, -EINVAL, -ENOMEM or -errno. */
int sim_pcapng_open(const char *path, const char *if_name, struct sim_pcapng **out);
/* One packet: caplen bytes of data kept of an original len; comment NULL or
 * UTF-8 text (at most 65000 bytes, else -EINVAL). Returns 0, -EINVAL, -EIO. */
int sim_pcapng_write(struct sim_pcapng *pc, uint64_t t_ns, const uint8_t *data, uint32_t caplen,
		     uint32_t len, const char *comment);
/* Flushes and renames into place (keep != 0) or removes the temp file.
 * Returns 0 or -EIO (nothing left then). Frees pc in every case. */
int sim_pcapng_close(struct sim_pcapng *pc, int keep);

#endif
