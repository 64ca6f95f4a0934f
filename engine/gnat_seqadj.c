/* gnat_seqadj.c - TCP sequence adjustment shared by every editor (cf. Linux
 * nf_nat_seqadj): per direction, a short sorted list of breakpoints "from
 * original-space position pos on, shift by delta". At most GNAT_SEQADJ_MAX
 * are kept; when full the oldest is dropped, so a retransmission of data from
 * before the last GNAT_SEQADJ_MAX edits is no longer re-adjusted correctly. */
#include "gnat_int.h"

#include "../net/net_csum.h"

#include <string.h>

/* Serial-number comparison (RFC 1982): a at or after b, modulo 2^32. */
static inline bool seq_geq(uint32_t a, uint32_t b)
{
	return (uint32_t)(a - b) < 0x80000000u;
}

uint32_t gnat_seqadj_fwd(const struct gnat_seqadj_dir *d, uint32_t seq)
{
	int32_t delta = 0;

	for (uint32_t i = 0; i < d->n && seq_geq(seq, d->bp[i].pos); i++)
		delta = d->bp[i].delta;
	return seq + (uint32_t)delta;
}

uint32_t gnat_seqadj_back(const struct gnat_seqadj_dir *d, uint32_t seq)
{
	int32_t delta = 0;

	for (uint32_t i = 0; i < d->n && seq_geq(seq, d->bp[i].pos + (uint32_t)d->bp[i].delta); i++)
		delta = d->bp[i].delta;
	return seq - (uint32_t)delta;
}

int32_t gnat_seqadj_delta(const struct gnat_seqadj_dir *d)
{
	return d->n ? d->bp[d->n - 1].delta : 0;
}

bool gnat_seqadj_record(struct gnat_seqadj_dir *d, uint32_t seq, uint32_t orig_len, int32_t diff)
{
	uint32_t pos = seq + orig_len;
	int32_t last = gnat_seqadj_delta(d);

	if (diff == 0)
		return false;
	/* a retransmitted (re-edited) segment: its change is already recorded */
	if (d->n && seq_geq(d->bp[d->n - 1].pos, pos))
		return false;
	if (d->n == GNAT_SEQADJ_MAX) {
		memmove(&d->bp[0], &d->bp[1], (GNAT_SEQADJ_MAX - 1) * sizeof(d->bp[0]));
		d->n--;
	}
	d->bp[d->n].pos = pos;
	d->bp[d->n].delta = (int32_t)((uint32_t)last + (uint32_t)diff);
	d->n++;
	return true;
}

static uint32_t sack_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void sack_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* SACK edges acknowledge the other direction's data just like the ACK
 * field, so they move the same way. Options are walked against the header
 * end, never trusting a kind/length byte to stay inside it. */
void gnat_seqadj_sack(struct net_pkt *p, const struct gnat_seqadj_dir *d, bool to_orig)
{
	size_t off = p->l4_off, end, i;
	bool refix = false;

	if (d->n == 0 || p->tuple.proto != 6 || off + 20 > p->len)
		return;
	end = off + (size_t)(p->buf[off + 12] >> 4) * 4;
	if (end > p->len)
		return;
	i = off + 20;
	while (i < end) {
		uint8_t kind = p->buf[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 2 > end)
			break;
		olen = p->buf[i + 1];
		if (olen < 2 || i + olen > end)
			break;
		if (kind == 5) {
			for (size_t b = i + 2; b + 4 <= i + olen; b += 4) {
				uint32_t v = sack_rd32(p->buf + b);
				uint32_t nv = to_orig ? gnat_seqadj_back(d, v) : gnat_seqadj_fwd(d, v);

				if (nv == v)
					continue;
				/* incremental update needs 16-bit alignment */
				if ((b - off) & 1)
					refix = true;
				else
					net_csum_replace32(p->buf + off + 16, v, nv);
				sack_wr32(p->buf + b, nv);
			}
		}
		i += olen;
	}
	if (refix)
		net_pkt_fix_checksums(p);
}
