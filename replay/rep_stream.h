/* rep_stream.h - one direction of a captured TCP connection put back in
 * order: retransmissions and overlaps delivered once, holes skipped and
 * counted, with an out-of-order store bounded by the receiver's window (data
 * kept only if asked). */
#ifndef GATELAB_REP_STREAM_H
#define GATELAB_REP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Out-of-order bytes held per direction: what the receiver advertised as
 * its window (scaled), at least this much. A sender cannot have more in
 * flight, so more held means the capture missed bytes: the hole before is
 * given up and counted (bound_hits). */
#define REP_STREAM_MIN_WINDOW 65536
/* A segment further ahead than this is past a hole in the capture, not
 * reordered: the hole is given up at once (sparse captures of huge streams). */
#define REP_STREAM_FAR (16u << 20)

struct rep_stream_seg {
	uint32_t seq, len;
	uint8_t *data; /* NULL when the stream only counts */
};

/* Called for in-order bytes; data is NULL for counting streams. gap is true
 * when bytes were lost right before these. */
typedef void (*rep_stream_fn)(void *ctx, const uint8_t *data, size_t len, bool gap);

struct rep_stream {
	bool init, keep_data, fin;
	bool gap_pending;        /* the next delivery follows lost bytes */
	bool fin_known;          /* fin_seq holds where the sender's FIN sits */
	uint32_t fin_seq;        /* the FIN's sequence number: bytes before it not
				  * seen by the end are lost (a hole before the FIN) */
	uint32_t next;           /* next sequence number expected */
	uint64_t delivered;      /* unique bytes handed on */
	uint64_t lost;           /* bytes skipped over as holes */
	struct rep_stream_seg *pend;  /* held segments, sorted by sequence from next */
	size_t n_pend, cap_pend;
	uint64_t pend_bytes;
	uint64_t window;         /* the receiver's last advertised window, scaled */
	uint64_t max_pend_bytes; /* the most held at once */
	uint64_t bound_hits;     /* holes given up because the window bound was hit */
};

void rep_stream_init(struct rep_stream *s, bool keep_data);
/* The receiver of this direction advertised window bytes (already scaled). */
void rep_stream_window(struct rep_stream *s, uint64_t window);
/* One segment (payload p may be NULL for counting streams). SYN sets the
 * start; a stream seen without SYN starts at its first segment. Returns 0 or
 * -ENOMEM (a segment that could not be held is counted as lost). */
int rep_stream_add(struct rep_stream *s, uint32_t seq, bool syn, bool fin, const uint8_t *p,
		   size_t len, rep_stream_fn fn, void *ctx);
/* The peer acknowledged up to ack: a hole before a held segment the peer
 * has acknowledged past was received but not captured, so it is given up
 * at once (the replies that follow then meet the commands after it). */
void rep_stream_acked(struct rep_stream *s, uint32_t ack, rep_stream_fn fn, void *ctx);
/* End of capture (or of the connection): holes before held segments are
 * lost, the held segments delivered. */
void rep_stream_flush(struct rep_stream *s, rep_stream_fn fn, void *ctx);
void rep_stream_free(struct rep_stream *s);

#endif
