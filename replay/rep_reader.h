/* rep_reader.h - streaming capture reader (pcap and pcapng through libpcap):
 * one frame at a time, with the link header located so a translator can keep it
 * and the IP packet inside it found for every supported link type. */
#ifndef GATELAB_REP_READER_H
#define GATELAB_REP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REP_ERR_LEN 256

struct rep_reader; /* opaque */

/* Why a frame could not be handed on as an IP packet. */
enum rep_frame_kind {
	REP_FRAME_IP,          /* ip_off/ip_len locate a whole IP header */
	REP_FRAME_NON_IP,      /* ARP, LLDP, unknown ethertype or AF: pass through */
	REP_FRAME_LINK_SHORT,  /* shorter than its own link header */
	REP_FRAME_CUT_HEADER   /* snaplen cut inside the IP or transport header */
};

/* A frame as read. data points into the reader and is valid until the next
 * rep_reader_next call. */
struct rep_frame {
	uint64_t number;       /* 1-based */
	uint64_t ts_ns;        /* nanoseconds since the epoch */
	const uint8_t *data;
	size_t caplen;         /* bytes present in data */
	size_t wire_len;       /* length on the wire (pcap "len") */
	enum rep_frame_kind kind;
	size_t link_len;       /* data[0..link_len) is the link header */
	size_t ip_off;         /* == link_len */
	size_t ip_len;         /* bytes of the IP packet present (<= caplen - ip_off) */
	size_t ip_wire_len;    /* the IP packet's own announced length */
	uint8_t ip_version;    /* 4 or 6 for REP_FRAME_IP */
	bool cut;              /* caplen < wire_len, or the IP packet lacks bytes */
};

/* Opens a capture. On failure returns -EINVAL (not a capture, truncated header,
 * unsupported link type) or -errno (open failed) and writes a one-line reason
 * into err (without the file name). */
int rep_reader_open(const char *path, struct rep_reader **out, char *err, size_t errlen);
/* Reads the next frame: 0 with *f filled, -ENODATA at the clean end of the
 * capture, -EIO for a truncated or unreadable record (rep_reader_error says
 * what; the failing packet number is rep_reader_count + 1). */
int rep_reader_next(struct rep_reader *r, struct rep_frame *f);
const char *rep_reader_error(const struct rep_reader *r);
uint64_t rep_reader_count(const struct rep_reader *r);
int rep_reader_linktype(const struct rep_reader *r);
/* PCAP_TSTAMP_PRECISION_MICRO or _NANO, as stored in the file. */
int rep_reader_precision(const struct rep_reader *r);
int rep_reader_snaplen(const struct rep_reader *r);
void rep_reader_close(struct rep_reader *r);

/* Locates the IP packet in a frame of the given link type (exposed for tests
 * and for the writer's length fix-ups). Fills kind, link_len, ip_off, ip_len,
 * ip_wire_len, ip_version and cut from data/caplen/wire_len. */
void rep_frame_locate(int linktype, struct rep_frame *f);
/* True if the reader understands this link type. */
bool rep_linktype_supported(int linktype);

#endif
