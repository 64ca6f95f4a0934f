/* rep_extract.c - the capture walk behind `gatelab replay`: frames to TCP
 * segments, a flow table (control flows kept, data flows freed when they
 * end) and reassembly; rep_extract_ftp.c reads what the streams carry. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_pkt.h"
#include "rep_extract_int.h"
#include "rep_reader.h"

#define REP_HASH_BUCKETS 4096
#define REP_PROGRESS_EVERY 65536
/* How long a closed connection's key is kept: twice Linux's TIME_WAIT, so a
 * retransmission sent after the FINs (a lost ACK, a tail-loss probe) is
 * recognised instead of opening a new, unannounced flow. */
#define REP_LINGER_NS (120ULL * 1000000000ULL)

struct rep_extract {
	struct rep_capture *cap;
	uint8_t ftp_port[65536 / 8];   /* bitmap: O(1) per new flow */
	struct rep_flow *bucket[REP_HASH_BUCKETS];
	struct rep_flow *ctl;    /* control flows, newest first */
	struct rep_flow *tw_head, *tw_tail; /* lingering flows, oldest first */
	uint8_t pkt[65536];
};

bool rep_xfer_is_upload(const char *verb)
{
	return strcmp(verb, "STOR") == 0 || strcmp(verb, "STOU") == 0 ||
	       strcmp(verb, "APPE") == 0;
}

int rep_session_note(struct rep_session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->n_notes == REP_MAX_NOTES)
		return -ENOSPC;
	va_start(ap, fmt);
	vsnprintf(s->notes[s->n_notes++], REP_NOTE_LEN, fmt, ap);
	va_end(ap);
	return 0;
}

/* Direction-free key: the smaller end first. */
static void rep_flow_key(const struct net_tuple *t, struct net_tuple *k)
{
	int c = memcmp(&t->src, &t->dst, sizeof(t->src));

	if (c < 0 || (c == 0 && t->sport <= t->dport)) {
		*k = *t;
	} else {
		net_tuple_reverse(t, k);
	}
}

static size_t rep_flow_bucket(const struct net_tuple *t)
{
	struct net_tuple k;

	rep_flow_key(t, &k);
	return (size_t)(net_tuple_hash(&k, 0x7265706c6179ULL) % REP_HASH_BUCKETS);
}

/* The flow and the direction (index into st[]) the tuple travels in. */
static struct rep_flow *rep_flow_find(struct rep_extract *x, const struct net_tuple *t, int *dir)
{
	for (struct rep_flow *f = x->bucket[rep_flow_bucket(t)]; f; f = f->next) {
		if (net_tuple_eq(&f->t, t)) {
			*dir = 0;
			return f;
		}
		struct net_tuple r;

		net_tuple_reverse(&f->t, &r);
		if (net_tuple_eq(&r, t)) {
			*dir = 1;
			return f;
		}
	}
	return NULL;
}

static void rep_flow_unlink(struct rep_extract *x, struct rep_flow *f)
{
	struct rep_flow **pp = &x->bucket[rep_flow_bucket(&f->t)];

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;
}

static void rep_flow_free(struct rep_flow *f)
{
	rep_stream_free(&f->st[0]);
	rep_stream_free(&f->st[1]);
	if (f->c)
		free(f->c->reply_buf);
	free(f->c);
	free(f);
}

static int rep_session_new(struct rep_extract *x, struct rep_flow *f, int client_dir,
			   bool syn, uint64_t ts)
{
	struct rep_capture *c = x->cap;
	struct rep_session *s;
	const struct net_tuple *t = &f->t;

	if (c->n_sessions == c->cap_sessions) {
		size_t n = c->cap_sessions ? c->cap_sessions * 2 : 8;
		struct rep_session **v = realloc(c->sessions, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->sessions = v;
		c->cap_sessions = n;
	}
	f->c = calloc(1, sizeof(*f->c));
	if (!f->c)
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->client = client_dir == 0 ? t->src : t->dst;
	s->client_port = client_dir == 0 ? t->sport : t->dport;
	s->server = client_dir == 0 ? t->dst : t->src;
	s->server_port = client_dir == 0 ? t->dport : t->sport;
	s->handshake = syn;
	s->t0_ns = ts;
	c->sessions[c->n_sessions++] = s;
	f->kind = REP_FLOW_CONTROL;
	f->sess = s;
	f->client_dir = client_dir;
	f->next_ctl = x->ctl;
	x->ctl = f;
	if (!syn)
		rep_session_note(s, "handshake not captured: the capture starts mid-session");
	return 0;
}

static bool rep_is_ftp_port(const struct rep_extract *x, uint16_t port)
{
	return x->ftp_port[port >> 3] & (1u << (port & 7));
}

/* The first payload of each direction of a flow no session announced: a
 * 220 greeting or a USER/PASS line says FTP on a port not taken as FTP. */
static void rep_flow_probe(struct rep_extract *x, struct rep_flow *f, int dir,
			   const struct net_pkt *p)
{
	const uint8_t *pl = p->buf + p->payload_off;
	size_t n = p->payload_len;
	bool greet, login;

	if (f->probed & (1u << dir) || n == 0)
		return;
	f->probed |= (uint8_t)(1u << dir);
	greet = n >= 4 && !memcmp(pl, "220", 3) && (pl[3] == ' ' || pl[3] == '-');
	login = n >= 5 && (!memcmp(pl, "USER ", 5) || !memcmp(pl, "PASS ", 5));
	if ((!greet && !login) || f->ftp_like)
		return;
	f->ftp_like = true;
	if (x->cap->ftp_like_flows++ == 0) {
		char t[128];

		x->cap->ftp_like_port = greet ? p->tuple.sport : p->tuple.dport;
		net_tuple_format(&p->tuple, t, sizeof(t));
		snprintf(x->cap->first_ftp_like, sizeof(x->cap->first_ftp_like), "%s: %s", t,
			 greet ? "a 220 greeting" : "a USER/PASS line");
	}
}

static int rep_flow_new(struct rep_extract *x, const struct net_pkt *p, struct rep_flow **out)
{
	struct rep_flow *f = calloc(1, sizeof(*f));
	const struct net_tuple *t = &p->tuple;
	bool syn = p->tcp_flags & NET_TCP_SYN;
	size_t b;
	int rc = 0;

	if (!f)
		return -ENOMEM;
	f->t = *t;
	f->xfer = -1;
	f->wscale[0] = f->wscale[1] = -1;
	b = rep_flow_bucket(t);
	f->next = x->bucket[b];
	x->bucket[b] = f;
	if (rep_is_ftp_port(x, t->dport) || rep_is_ftp_port(x, t->sport)) {
		/* The port decides; with FTP ports at both ends, the SYN's sender
		 * is the client. */
		int client_dir = rep_is_ftp_port(x, t->dport) ? 0 : 1;

		if (rep_is_ftp_port(x, t->dport) && rep_is_ftp_port(x, t->sport) && syn &&
		    (p->tcp_flags & NET_TCP_ACK))
			client_dir = 1;
		rep_stream_init(&f->st[0], true);
		rep_stream_init(&f->st[1], true);
		rc = rep_session_new(x, f, client_dir, syn, 0);
	} else {
		rep_stream_init(&f->st[0], false);
		rep_stream_init(&f->st[1], false);
		if (rep_ftp_pair_data(x->ctl, f)) {
			f->kind = REP_FLOW_DATA;
		} else {
			f->kind = REP_FLOW_OTHER;
			if (x->cap->unannounced_flows++ == 0)
				net_tuple_format(t, x->cap->first_unannounced,
						 sizeof(x->cap->first_unannounced));
		}
	}
	*out = f;
	return rc;
}

struct rep_deliver_ctx {
	struct rep_flow *f;
	int dir;
	int rc;
};

static void rep_deliver(void *ctx, const uint8_t *data, size_t len, bool gap)
{
	struct rep_deliver_ctx *d = ctx;
	int rc;

	if (d->f->kind != REP_FLOW_CONTROL)
		return;
	rc = rep_ftp_control_bytes(d->f, d->dir, data, len, gap);
	if (rc < 0 && d->rc == 0)
		d->rc = rc;
}

static void rep_flow_finish(struct rep_extract *x, struct rep_flow *f)
{
	struct rep_deliver_ctx d = {f, 0, 0};

	if (f->finished)
		return;
	f->finished = true;
	for (d.dir = 0; d.dir < 2; d.dir++)
		rep_stream_flush(&f->st[d.dir], rep_deliver, &d);
	x->cap->reassembly_bound_hits += f->st[0].bound_hits + f->st[1].bound_hits;
	for (int k = 0; k < 2; k++)
		if (f->st[k].max_pend_bytes > x->cap->max_out_of_order)
			x->cap->max_out_of_order = f->st[k].max_pend_bytes;
	if (f->kind == REP_FLOW_DATA)
		rep_ftp_data_done(f);
	else if (f->kind == REP_FLOW_OTHER)
		x->cap->unannounced_bytes += f->st[0].delivered + f->st[1].delivered;
}

/* A released flow keeps only its key, on the lingering list (in close order,
 * so expiry looks at the oldest only). */
static void rep_linger(struct rep_extract *x, struct rep_flow *f)
{
	rep_stream_free(&f->st[0]);
	rep_stream_free(&f->st[1]);
	if (f->c) {
		free(f->c->reply_buf);
		free(f->c);
		f->c = NULL;
	}
	f->lingering = true;
	f->closed_ns = f->ts_ns;
	f->tw_next = NULL;
	f->tw_prev = x->tw_tail;
	if (x->tw_tail)
		x->tw_tail->tw_next = f;
	else
		x->tw_head = f;
	x->tw_tail = f;
}

static void rep_linger_drop(struct rep_extract *x, struct rep_flow *f)
{
	if (f->tw_prev)
		f->tw_prev->tw_next = f->tw_next;
	else
		x->tw_head = f->tw_next;
	if (f->tw_next)
		f->tw_next->tw_prev = f->tw_prev;
	else
		x->tw_tail = f->tw_prev;
	rep_flow_unlink(x, f);
	rep_flow_free(f);
}

static void rep_linger_expire(struct rep_extract *x, uint64_t now)
{
	while (x->tw_head && x->tw_head->closed_ns + REP_LINGER_NS < now)
		rep_linger_drop(x, x->tw_head);
}

/* A closed control flow whose data flows have all ended: its session is
 * judged and its state freed, so a capture of many sessions stays small. */
static void rep_ctl_release(struct rep_extract *x, struct rep_flow *f)
{
	struct rep_flow **pp = &x->ctl;

	rep_flow_finish(x, f);
	rep_ftp_session_end(f);
	while (*pp && *pp != f)
		pp = &(*pp)->next_ctl;
	if (*pp)
		*pp = f->next_ctl;
	rep_linger(x, f);
}

/* A data flow ended: its control flow may now go. */
static void rep_data_release(struct rep_extract *x, struct rep_flow *f)
{
	struct rep_flow *ctl = f->ctl;

	rep_flow_finish(x, f);
	rep_linger(x, f);
	if (ctl && --ctl->n_data == 0 && ctl->closing)
		rep_ctl_release(x, ctl);
}

/* The window scale a SYN offers (RFC 7323 option 3, at most 14), -1 none. */
static int8_t rep_tcp_wscale(const struct net_pkt *p)
{
	const uint8_t *o = p->buf + p->l4_off + 20;
	const uint8_t *end = p->buf + p->payload_off;

	while (o < end && *o != 0) {
		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;
		if (o[0] == 3 && o[1] == 3)
			return (int8_t)(o[2] > 14 ? 14 : o[2]);
		o += o[1];
	}
	return -1;
}

/* One TCP segment; wire_len is its payload's length on the wire (more than
 * p->payload_len when the snap length cut it: then cut is true). */
static int rep_segment(struct rep_extract *x, const struct net_pkt *p, uint64_t ts,
		       size_t wire_len, bool cut)
{
	struct rep_flow *f;
	int dir = 0, rc = 0;
	struct rep_deliver_ctx d;
	bool syn = p->tcp_flags & NET_TCP_SYN, fin = p->tcp_flags & NET_TCP_FIN;
	const uint8_t *payload = p->buf + p->payload_off;
	size_t len = p->payload_len;

	rep_linger_expire(x, ts);
	f = rep_flow_find(x, &p->tuple, &dir);
	if (f && f->lingering) {
		if (syn && !(p->tcp_flags & NET_TCP_ACK) && dir == 0) {
			rep_linger_drop(x, f); /* the same ports again: a new connection */
			f = NULL;
		} else {
			/* a retransmission after the close belongs to the closed one */
			if (wire_len > 0)
				x->cap->late_segments++;
			return 0;
		}
	}
	if (f && f->finished && syn && !(p->tcp_flags & NET_TCP_ACK) && dir == 0) {
		/* the same ports again: a new connection */
		rep_flow_unlink(x, f);
		if (f->kind != REP_FLOW_CONTROL)
			rep_flow_free(f);
		f = NULL;
	}
	if (!f) {
		/* A connection's trailing ACKs and FINs after it ended start nothing. */
		if (!syn && wire_len == 0)
			return 0;
		rc = rep_flow_new(x, p, &f);
		if (rc)
			return rc;
		if (f->kind == REP_FLOW_CONTROL)
			f->sess->t0_ns = ts;
	}
	if (f->finished)
		return 0;
	if (f->kind == REP_FLOW_OTHER)
		rep_flow_probe(x, f, dir, p);
	f->ts_ns = ts;
	d.f = f;
	d.dir = 1 - dir;
	d.rc = 0;
	if (syn) {
		f->wscale[dir] = rep_tcp_wscale(p);
		f->syn_seen[dir] = true;
	}
	/* what this segment acknowledges first: a hole in the other direction
	 * it proves lost is given up before this segment's own bytes are read */
	if (p->tcp_flags & NET_TCP_ACK) {
		/* its window bounds what the other direction may have out of order:
		 * scaled when both SYNs offered scaling (a SYN's own never is); with
		 * a SYN not captured the scale is unknown: the largest (14) */
		int sc = 14;

		if (f->syn_seen[0] && f->syn_seen[1])
			sc = !syn && f->wscale[0] >= 0 && f->wscale[1] >= 0 ? f->wscale[dir] : 0;

		rep_stream_window(&f->st[1 - dir], (uint64_t)p->window << sc);
		rep_stream_acked(&f->st[1 - dir], p->ack, rep_deliver, &d);
	}
	d.dir = dir;
	if (cut && wire_len > len) {
		/* Data flows count bytes from sequence numbers (marked: never read);
		 * a control line cut short is unreadable: its bytes stay a hole. */
		if (f->kind == REP_FLOW_CONTROL) {
			len = 0;
		} else {
			payload = NULL;
			len = wire_len;
		}
		f->cut[dir] = true;
	}
	rc = rep_stream_add(&f->st[dir], p->seq, syn, fin, payload, len, rep_deliver, &d);
	if (rc == 0)
		rc = d.rc;
	if (fin)
		f->fin[dir] = true;
	if (p->tcp_flags & NET_TCP_RST)
		f->rst = true;
	if (f->kind == REP_FLOW_CONTROL && (fin || f->rst))
		f->sess->closed = true;
	if (!f->rst && !(f->fin[0] && f->fin[1]))
		return rc;
	if (f->kind != REP_FLOW_CONTROL) {
		rep_data_release(x, f);
	} else if (!f->closing) {
		f->closing = true;
		if (f->n_data == 0)
			rep_ctl_release(x, f);
	}
	return rc;
}

/* A packet the snap length cut: its IP length is made the captured one so
 * the headers parse (the caller knows the real length). False when even the
 * IP header's length field is missing. */
static bool rep_frame_uncut_len(uint8_t *ip, size_t len, uint8_t version)
{
	if (version == 4 && len >= 20 && len <= 0xffff) {
		ip[2] = (uint8_t)(len >> 8);
		ip[3] = (uint8_t)len;
		return true;
	}
	if (version == 6 && len >= 40 && len - 40 <= 0xffff) {
		ip[4] = (uint8_t)((len - 40) >> 8);
		ip[5] = (uint8_t)(len - 40);
		return true;
	}
	return false;
}

static int rep_frame(struct rep_extract *x, const struct rep_frame *fr)
{
	struct net_pkt p;
	enum net_err ne;

	size_t wire_payload;

	if (fr->kind != REP_FRAME_IP)
		return 0;
	memcpy(x->pkt, fr->data + fr->ip_off, fr->ip_len);
	if (fr->cut && !rep_frame_uncut_len(x->pkt, fr->ip_len, fr->ip_version)) {
		x->cap->unreadable_frames++;
		return 0;
	}
	if (net_pkt_parse(x->pkt, fr->ip_len, &p, &ne) != 0) {
		x->cap->unreadable_frames++;
		return 0;
	}
	if (p.tuple.proto != 6 || p.is_fragment)
		return 0;
	x->cap->tcp_frames++;
	wire_payload = p.payload_len;
	if (fr->cut) {
		/* the headers are whole: the payload's true length is the IP one's */
		if (fr->ip_wire_len < p.payload_off) {
			x->cap->unreadable_frames++;
			return 0;
		}
		wire_payload = fr->ip_wire_len - p.payload_off;
		x->cap->cut_frames++;
	}
	return rep_segment(x, &p, fr->ts_ns, wire_payload, fr->cut);
}

/* End of capture: data flows first (their bytes belong to transfers the
 * control flows then judge), then the control flows. */
static void rep_extract_end(struct rep_extract *x)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t b = 0; b < REP_HASH_BUCKETS; b++) {
			for (struct rep_flow *f = x->bucket[b]; f; f = f->next)
				if ((f->kind == REP_FLOW_CONTROL) == (pass == 1))
					rep_flow_finish(x, f);
		}
	}
	for (struct rep_flow *f = x->ctl; f; f = f->next_ctl)
		rep_ftp_session_end(f);
}

static void rep_extract_free(struct rep_extract *x)
{
	struct rep_flow *f, *n;

	for (size_t b = 0; b < REP_HASH_BUCKETS; b++) {
		for (f = x->bucket[b]; f; f = n) {
			n = f->next;
			if (f->kind != REP_FLOW_CONTROL || f->lingering)
				rep_flow_free(f);
		}
	}
	for (f = x->ctl; f; f = n) {
		n = f->next_ctl;
		rep_flow_free(f);
	}
	free(x);
}

int rep_extract_file(const char *path, struct rep_capture *out, rep_extract_progress_fn fn,
		     void *fn_ctx, char *err, size_t errlen)
{
	return rep_extract_file_opts(path, NULL, out, fn, fn_ctx, err, errlen);
}

int rep_extract_file_opts(const char *path, const struct rep_extract_opts *o,
			  struct rep_capture *out, rep_extract_progress_fn fn, void *fn_ctx,
			  char *err, size_t errlen)
{
	struct rep_reader *r = NULL;
	struct rep_extract *x = NULL;
	struct rep_frame fr;
	uint64_t bytes = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rep_reader_open(path, &r, err, errlen);
	if (rc)
		goto out;
	x = calloc(1, sizeof(*x));
	if (!x) {
		rc = -ENOMEM;
		goto out;
	}
	x->cap = out;
	if (o && o->n_ftp_ports) {
		for (size_t i = 0; i < o->n_ftp_ports; i++)
			x->ftp_port[o->ftp_ports[i] >> 3] |= (uint8_t)(1u << (o->ftp_ports[i] & 7));
	} else {
		x->ftp_port[21 >> 3] |= 1u << (21 & 7);
	}
	while ((rc = rep_reader_next(r, &fr)) == 0) {
		out->frames++;
		bytes += fr.caplen + 16; /* + a pcap record header: near the file offset */
		if (fn && out->frames % REP_PROGRESS_EVERY == 0)
			fn(fn_ctx, out->frames, bytes);
		rc = rep_frame(x, &fr);
		if (rc)
			goto out;
	}
	if (rc == -EIO) {
		out->read_error = true;
		snprintf(out->error, sizeof(out->error), "packet %llu: %s",
			 (unsigned long long)(out->frames + 1), rep_reader_error(r));
	}
	rc = 0;
	rep_extract_end(x);
out:
	if (x)
		rep_extract_free(x);
	if (r)
		rep_reader_close(r);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc)
		rep_capture_free(out);
	return rc;
}

void rep_capture_free(struct rep_capture *c)
{
	for (size_t i = 0; i < c->n_sessions; i++) {
		struct rep_session *s = c->sessions[i];

		for (size_t k = 0; k < s->n_cmds; k++)
			free(s->cmds[k].reply_text);
		free(s->cmds);
		free(s->replies);
		free(s->xfers);
		free(s);
	}
	free(c->sessions);
	memset(c, 0, sizeof(*c));
}
