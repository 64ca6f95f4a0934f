/* rep_stream.c - TCP reassembly of one direction for the session extractor:
 * sequence arithmetic modulo 2^32, an out-of-order store sorted by sequence
 * and bounded by the receiver's advertised window (a full store gives up the
 * hole before it, counted), and the FIN's place checked at the end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rep_stream.h"

void rep_stream_init(struct rep_stream *s, bool keep_data)
{
	memset(s, 0, sizeof(*s));
	s->keep_data = keep_data;
}

void rep_stream_window(struct rep_stream *s, uint64_t window)
{
	s->window = window;
}

static uint64_t rep_stream_bound(const struct rep_stream *s)
{
	return s->window > REP_STREAM_MIN_WINDOW ? s->window : REP_STREAM_MIN_WINDOW;
}

static void rep_stream_deliver(struct rep_stream *s, const uint8_t *p, size_t len,
			       rep_stream_fn fn, void *ctx)
{
	if (len == 0)
		return;
	s->next += (uint32_t)len;
	s->delivered += len;
	fn(ctx, p, len, s->gap_pending);
	s->gap_pending = false;
}

/* Delivers the part of [seq, seq+len) at or after next, if it starts at or
 * before next. Returns true when the segment is used up. */
static bool rep_stream_take(struct rep_stream *s, uint32_t seq, const uint8_t *p, size_t len,
			    rep_stream_fn fn, void *ctx)
{
	int32_t off = (int32_t)(seq - s->next);

	if (off > 0)
		return false;
	if ((uint64_t)(-(int64_t)off) >= len)
		return true; /* all of it seen before: a retransmission */
	size_t skip = (size_t)(-(int64_t)off);

	rep_stream_deliver(s, p ? p + skip : NULL, len - skip, fn, ctx);
	return true;
}

/* Drops the first n held segments. */
static void rep_stream_drop_front(struct rep_stream *s, size_t n)
{
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		s->pend_bytes -= s->pend[i].len;
		free(s->pend[i].data);
	}
	memmove(s->pend, s->pend + n, (s->n_pend - n) * sizeof(*s->pend));
	s->n_pend -= n;
}

/* Delivers the held segments that have become in order (the sorted front). */
static void rep_stream_drain(struct rep_stream *s, rep_stream_fn fn, void *ctx)
{
	size_t i = 0;

	while (i < s->n_pend && rep_stream_take(s, s->pend[i].seq, s->pend[i].data,
						 s->pend[i].len, fn, ctx))
		i++;
	if (i)
		rep_stream_drop_front(s, i);
}

/* Gives up on the hole before the earliest held segment. */
static void rep_stream_skip_hole(struct rep_stream *s, rep_stream_fn fn, void *ctx)
{
	uint32_t hole;

	if (s->n_pend == 0)
		return;
	hole = s->pend[0].seq - s->next;
	s->lost += hole;
	s->next = s->pend[0].seq;
	s->gap_pending = true;
	rep_stream_drain(s, fn, ctx);
}

/* Neither in order, reordered nor retransmitted: more than REP_STREAM_FAR
 * away either way (sequence numbers may have wrapped in between). */
static bool rep_stream_far(const struct rep_stream *s, uint32_t seq)
{
	uint32_t ahead = seq - s->next;

	return ahead > REP_STREAM_FAR && ahead < 0u - REP_STREAM_FAR;
}

/* Holds [seq, seq+len) in order of distance from next (binary search). */
static int rep_stream_hold(struct rep_stream *s, uint32_t seq, const uint8_t *p, size_t len)
{
	uint32_t key = seq - s->next;
	size_t lo = 0, hi = s->n_pend;
	struct rep_stream_seg *g;

	if (s->n_pend == s->cap_pend) {
		size_t cap = s->cap_pend ? 2 * s->cap_pend : 16;
		struct rep_stream_seg *v = realloc(s->pend, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->pend = v;
		s->cap_pend = cap;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->pend[mid].seq - s->next <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	g = &s->pend[lo];
	memmove(g + 1, g, (s->n_pend - lo) * sizeof(*g));
	g->seq = seq;
	g->len = (uint32_t)len;
	g->data = NULL;
	if (s->keep_data && p) {
		g->data = malloc(len);
		if (!g->data) {
			memmove(g, g + 1, (s->n_pend - lo) * sizeof(*g));
			return -ENOMEM;
		}
		memcpy(g->data, p, len);
	}
	s->n_pend++;
	s->pend_bytes += len;
	if (s->pend_bytes > s->max_pend_bytes)
		s->max_pend_bytes = s->pend_bytes;
	return 0;
}

static int rep_stream_data(struct rep_stream *s, uint32_t seq, const uint8_t *p, size_t len,
			   rep_stream_fn fn, void *ctx)
{
	int rc;

	if (len == 0)
		return 0;
	if (rep_stream_far(s, seq)) {
		rep_stream_flush(s, fn, ctx);
		if (rep_stream_far(s, seq)) {
			s->lost += seq - s->next;
			s->next = seq;
			s->gap_pending = true;
		}
	}
	if (rep_stream_take(s, seq, p, len, fn, ctx)) {
		rep_stream_drain(s, fn, ctx);
		return 0;
	}
	/* More out of order than the receiver could accept: the capture missed
	 * the bytes before (they were received, or never will be). */
	while (s->n_pend > 0 && s->pend_bytes + len > rep_stream_bound(s)) {
		s->bound_hits++;
		rep_stream_skip_hole(s, fn, ctx);
		if (rep_stream_take(s, seq, p, len, fn, ctx)) {
			rep_stream_drain(s, fn, ctx);
			return 0;
		}
	}
	rc = rep_stream_hold(s, seq, p, len);
	if (rc < 0)
		s->lost += len; /* could not be held: counted, never silently dropped */
	return rc;
}

int rep_stream_add(struct rep_stream *s, uint32_t seq, bool syn, bool fin, const uint8_t *p,
		   size_t len, rep_stream_fn fn, void *ctx)
{
	int rc;

	if (!s->init) {
		s->init = true;
		s->next = syn ? seq + 1 : seq;
	}
	if (syn)
		seq++;
	rc = rep_stream_data(s, seq, p, len, fn, ctx);
	/* after the bytes: a flush they cause must not see this FIN yet */
	if (fin) {
		s->fin = true;
		s->fin_known = true;
		s->fin_seq = seq + (uint32_t)len;
	}
	return rc;
}

void rep_stream_acked(struct rep_stream *s, uint32_t ack, rep_stream_fn fn, void *ctx)
{
	while (s->n_pend > 0 && (int32_t)(ack - s->pend[0].seq) > 0)
		rep_stream_skip_hole(s, fn, ctx);
}

void rep_stream_flush(struct rep_stream *s, rep_stream_fn fn, void *ctx)
{
	int32_t short_of_fin;

	while (s->n_pend > 0)
		rep_stream_skip_hole(s, fn, ctx);
	/* The FIN says where the stream ended: what was not seen before it is
	 * lost too, even with no later segment to show the hole. */
	short_of_fin = s->fin_known ? (int32_t)(s->fin_seq - s->next) : 0;
	if (short_of_fin > 0) {
		s->lost += (uint32_t)short_of_fin;
		s->next = s->fin_seq;
		s->gap_pending = true;
	}
}

void rep_stream_free(struct rep_stream *s)
{
	rep_stream_drop_front(s, s->n_pend);
	free(s->pend);
	s->pend = NULL;
	s->cap_pend = 0;
}
