/* rep_stream.c - TCP reassembly of one direction for the session extractor:
 * sequence arithmetic modulo 2^32, a small unsorted out-of-order store, and
 * the rule that a full store gives up on the hole before it (bounded memory). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rep_stream.h"

void rep_stream_init(struct rep_stream *s, bool keep_data)
{
	memset(s, 0, sizeof(*s));
	s->keep_data = keep_data;
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

static void rep_stream_drop_pend(struct rep_stream *s, size_t i)
{
	s->pend_bytes -= s->pend[i].len;
	free(s->pend[i].data);
	s->pend[i] = s->pend[--s->n_pend];
}

/* Delivers every held segment that has become in order. */
static void rep_stream_drain(struct rep_stream *s, rep_stream_fn fn, void *ctx)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < s->n_pend; i++) {
			struct rep_stream_seg *g = &s->pend[i];

			if (rep_stream_take(s, g->seq, g->data, g->len, fn, ctx)) {
				rep_stream_drop_pend(s, i);
				progress = true;
				break;
			}
		}
	}
}

/* Gives up on the hole before the earliest held segment. */
static void rep_stream_skip_hole(struct rep_stream *s, rep_stream_fn fn, void *ctx)
{
	size_t best = 0;

	if (s->n_pend == 0)
		return;
	for (size_t i = 1; i < s->n_pend; i++)
		if ((int32_t)(s->pend[i].seq - s->pend[best].seq) < 0)
			best = i;
	uint32_t hole = s->pend[best].seq - s->next;

	s->lost += hole;
	s->next = s->pend[best].seq;
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

int rep_stream_add(struct rep_stream *s, uint32_t seq, bool syn, bool fin, const uint8_t *p,
		   size_t len, rep_stream_fn fn, void *ctx)
{
	struct rep_stream_seg *g;
	int rc = 0;

	if (!s->init) {
		s->init = true;
		s->next = syn ? seq + 1 : seq;
	}
	if (syn)
		seq++;
	if (fin)
		s->fin = true;
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
	if (s->n_pend == REP_STREAM_MAX_PEND ||
	    (s->keep_data && s->pend_bytes + len > REP_STREAM_MAX_PEND_BYTES))
		rep_stream_skip_hole(s, fn, ctx);
	if (rep_stream_take(s, seq, p, len, fn, ctx)) {
		rep_stream_drain(s, fn, ctx);
		return 0;
	}
	g = &s->pend[s->n_pend];
	g->seq = seq;
	g->len = (uint32_t)len;
	g->data = NULL;
	if (s->keep_data && p) {
		g->data = malloc(len);
		if (!g->data) {
			s->lost += len;
			rc = -ENOMEM;
			goto out;
		}
		memcpy(g->data, p, len);
	}
	s->n_pend++;
	s->pend_bytes += len;
out:
	return rc;
}

void rep_stream_acked(struct rep_stream *s, uint32_t ack, rep_stream_fn fn, void *ctx)
{
	while (s->n_pend > 0) {
		uint32_t first = s->pend[0].seq;

		for (size_t i = 1; i < s->n_pend; i++)
			if ((int32_t)(s->pend[i].seq - first) < 0)
				first = s->pend[i].seq;
		if ((int32_t)(ack - first) <= 0)
			break;
		rep_stream_skip_hole(s, fn, ctx);
	}
}

void rep_stream_flush(struct rep_stream *s, rep_stream_fn fn, void *ctx)
{
	while (s->n_pend > 0)
		rep_stream_skip_hole(s, fn, ctx);
}

void rep_stream_free(struct rep_stream *s)
{
	while (s->n_pend > 0)
		rep_stream_drop_pend(s, 0);
}
