/* rep_writer.h - capture writer that never leaves a partial file: records go
 * to a temporary file beside the target, renamed over it only on commit. */
#ifndef GATELAB_REP_WRITER_H
#define GATELAB_REP_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct rep_writer; /* opaque */

/* Creates PATH.XXXXXX in PATH's directory. precision is
 * PCAP_TSTAMP_PRECISION_MICRO or _NANO. Returns 0 or -errno/-EINVAL with a
 * one-line reason in err. */
int rep_writer_open(const char *path, int linktype, int precision, int snaplen,
		    struct rep_writer **out, char *err, size_t errlen);
/* Appends one record (caplen bytes of data; wire_len as on the wire). */
int rep_writer_write(struct rep_writer *w, uint64_t ts_ns, const uint8_t *data, size_t caplen,
		     size_t wire_len);
/* Flushes, closes and renames onto PATH; frees w in every case. On failure
 * the temporary file is removed. Returns 0 or -errno. */
int rep_writer_commit(struct rep_writer *w, char *err, size_t errlen);
/* Closes and removes the temporary file; frees w. NULL is fine. */
void rep_writer_abort(struct rep_writer *w);

#endif
