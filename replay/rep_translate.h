/* rep_translate.h - `translate`: run every packet of a capture taken on one
 * link of a gateway through a gNAT and write the capture the other link would
 * have shown. Streaming (one packet in memory at a time); OUT appears only on
 * success. */
#ifndef GATELAB_REP_TRANSLATE_H
#define GATELAB_REP_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/gnat.h"
#include "rep_reader.h"

#define REP_MAX_REDIRECTS 64

/* Which link the input capture was taken on. */
enum rep_capture_side { REP_CAPTURE_INSIDE, REP_CAPTURE_OUTSIDE };

struct rep_translate_opts {
	struct net_prefix inside[GNAT_MAX_INSIDE];
	size_t n_inside;
	struct net_addr public4, public6; /* family NET_AF_NONE when not given */
	enum rep_capture_side side;
	struct gnat_redirect_spec redirects[REP_MAX_REDIRECTS];
	size_t n_redirects;
	/* FTP control ports (the editor's, and where leaks are looked for);
	 * NULL/0: 21 only. The caller's array, read during the run. */
	const uint16_t *ftp_ports;
	size_t n_ftp_ports;
};

/* Drops decided here rather than by the engine. */
enum rep_drop_reason {
	REP_DROP_LINK_SHORT,     /* frame shorter than its link header */
	REP_DROP_SNAPLEN_HEADER, /* snaplen cut inside the IP/transport header */
	REP_DROP_LOCAL,          /* engine says: for the gateway itself */
	REP_DROP_TOO_BIG,        /* IP packet beyond the translation buffer */
	REP_DROP__COUNT
};
const char *rep_drop_reason_name(enum rep_drop_reason r);

struct rep_translate_result {
	uint64_t pkts_in, pkts_out;
	uint64_t translated;     /* a header field changed */
	uint64_t passed;         /* through the engine, unchanged */
	uint64_t unrelated;      /* neither end inside (or public): not the gateway's */
	uint64_t intra_inside;   /* both ends inside: never crosses the gateway */
	uint64_t non_ip;         /* ARP etc., written unchanged */
	uint64_t snaplen_cut;    /* cut in the payload: headers translated, checksum unverifiable */
	uint64_t time_backwards; /* timestamps that went back (clamped) */
	uint64_t dropped;        /* total of every drop counter below */
	uint64_t engine_drops[GNAT_DROP__COUNT];
	uint64_t parse_errors[NET_ERR__COUNT];
	uint64_t reader_drops[REP_DROP__COUNT];
	uint64_t sessions;       /* mappings the engine created */
	uint64_t editor_rewrites;
	uint64_t length_changes; /* packets whose IP length changed */
	/* Inside-side runs: control segments (to an FTP port) leaving to the
	 * outside whose text still names an inside address (a command the
	 * editor could not rewrite, e.g. split across segments), and those
	 * ending in the middle of a line (the editor edits whole lines only);
	 * the first packet number (of IN) of each, 0 none. */
	uint64_t leaks, first_leak;
	char first_leak_addr[48];
	uint64_t split_lines, first_split;
	/* Outside-side runs: packets dropped because no mapping tells their
	 * inside end (sessions the inside opened, masqueraded). */
	uint64_t no_origin;
	/* TCP segments on ports not taken as FTP that look like FTP (a 220
	 * greeting, a USER or PASS line), and the server port of the first. */
	uint64_t ftp_like;
	uint16_t ftp_like_port;
	int linktype;
	/* On failure: what and where (err_packet 0 = not about one packet;
	 * err_output: about OUT rather than IN or the options). */
	uint64_t err_packet;
	bool err_output;
	char err[REP_ERR_LEN];
};

/* Returns 0, or -EINVAL (bad input capture or options: err says what),
 * -EIO/-errno (I/O), -ENOMEM. OUT is never left behind on failure. */
int rep_translate_run(const char *in, const char *out, const struct rep_translate_opts *o,
		      struct rep_translate_result *res);

#endif
