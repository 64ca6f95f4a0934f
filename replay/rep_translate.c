/* rep_translate.c - the translate driver: decides per packet which way it
 * crossed the gateway, hands it to gnat_process or gnat_process_inverse, and
 * writes the result with the frame's own link header. */
#include "rep_translate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_csum.h"
#include "../net/net_pkt.h"
#include "rep_writer.h"

/* Room for the largest IP packet plus what editors may add to it. */
#define REP_BUF_CAP (65535 + 4096)
/* Output snaplen: wide enough for any translated frame. */
#define REP_OUT_SNAPLEN 262144

struct rep_ctx {
	const struct rep_translate_opts *o;
	struct rep_translate_result *res;
	struct gnat *g;
	struct rep_writer *w;
	int linktype;
	uint64_t last_ns;
	uint8_t ftp_port[65536 / 8];   /* bitmap of the FTP control ports */
	uint8_t ip[REP_BUF_CAP];
	uint8_t trial[REP_BUF_CAP];
	/* link header and trailer (at most a frame of REP_BUF_CAP) + the IP packet */
	uint8_t frame[2 * REP_BUF_CAP];
};

const char *rep_drop_reason_name(enum rep_drop_reason r)
{
	switch (r) {
	case REP_DROP_LINK_SHORT:
		return "link-short";
	case REP_DROP_SNAPLEN_HEADER:
		return "snaplen-cut-header";
	case REP_DROP_LOCAL:
		return "to-gateway";
	case REP_DROP_TOO_BIG:
		return "too-big";
	case REP_DROP__COUNT:
		break;
	}
	return "unknown";
}

static bool is_inside(const struct rep_translate_opts *o, const struct net_addr *a)
{
	for (size_t i = 0; i < o->n_inside; i++)
		if (net_prefix_contains(&o->inside[i], a))
			return true;
	return false;
}

static bool is_public(const struct rep_translate_opts *o, const struct net_addr *a)
{
	return (o->public4.family && net_addr_eq(&o->public4, a)) ||
	       (o->public6.family && net_addr_eq(&o->public6, a));
}

/* Source and destination straight from the IP header; false if too short. */
static bool ip_addrs(const uint8_t *ip, size_t len, struct net_addr *src, struct net_addr *dst)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (len >= 20 && ip[0] >> 4 == 4) {
		net_addr_from_v4(src, ip + 12);
		net_addr_from_v4(dst, ip + 16);
		return true;
	}
	if (len >= 40 && ip[0] >> 4 == 6) {
		net_addr_from_v6(src, ip + 8);
		net_addr_from_v6(dst, ip + 24);
		return true;
	}
	return false;
}

/* The IP length field as the packet states it; a cut packet is told it holds
 * only what was captured so the engine can parse it, then told the truth. */
static void set_ip_length(uint8_t *ip, size_t len)
{
	if (ip[0] >> 4 == 4) {
		uint16_t old = (uint16_t)(ip[2] << 8 | ip[3]);
		uint16_t v = (uint16_t)len;

		ip[2] = (uint8_t)(v >> 8);
		ip[3] = (uint8_t)v;
		net_csum_replace16(ip + 10, old, v);
	} else {
		uint16_t v = (uint16_t)(len - 40);

		ip[4] = (uint8_t)(v >> 8);
		ip[5] = (uint8_t)v;
	}
}

enum rep_route { REP_ROUTE_UNRELATED, REP_ROUTE_INTRA, REP_ROUTE_FORWARD, REP_ROUTE_INVERSE };

/* Which way the packet crossed the gateway, from the link it was captured on. */
static enum rep_route route_of(const struct rep_translate_opts *o, const uint8_t *ip, size_t len,
			       enum gnat_side *side)
{
	struct net_addr src, dst;
	bool known = ip_addrs(ip, len, &src, &dst);

	if (o->side == REP_CAPTURE_INSIDE) {
		*side = GNAT_SIDE_INSIDE;
		if (!known)
			return REP_ROUTE_FORWARD; /* the engine counts it malformed */
		if (is_inside(o, &src) && is_inside(o, &dst))
			return REP_ROUTE_INTRA;
		if (is_inside(o, &src))
			return REP_ROUTE_FORWARD;
		if (is_inside(o, &dst))
			return REP_ROUTE_INVERSE;
		return REP_ROUTE_UNRELATED;
	}
	*side = GNAT_SIDE_OUTSIDE;
	if (!known)
		return REP_ROUTE_FORWARD;
	if (is_public(o, &src) && is_public(o, &dst))
		return REP_ROUTE_INTRA;
	return is_public(o, &src) ? REP_ROUTE_INVERSE : REP_ROUTE_FORWARD;
}

static void count_drop(struct rep_translate_result *res, enum rep_drop_reason r)
{
	res->reader_drops[r]++;
	res->dropped++;
}

static int write_frame(struct rep_ctx *c, const struct rep_frame *f, const uint8_t *ip,
		       size_t ip_len)
{
	size_t trailer = f->caplen - f->ip_off - f->ip_len;
	size_t n = 0, wire;

	memcpy(c->frame, f->data, f->link_len);
	n = f->link_len;
	memcpy(c->frame + n, ip, ip_len);
	n += ip_len;
	if (ip_len == f->ip_len) {
		/* same length: keep the link trailer (Ethernet padding) as it was */
		memcpy(c->frame + n, f->data + f->ip_off + f->ip_len, trailer);
		n += trailer;
		wire = f->wire_len;
	} else {
		/* padding of the old length means nothing for the new one */
		wire = f->wire_len - trailer + ip_len - f->ip_len;
	}
	c->res->pkts_out++;
	return rep_writer_write(c->w, f->ts_ns, c->frame, n, wire);
}

/* A packet that left through no mapping opened a session from the other
 * side: a redirect (an FTP expectation or a --redirect) made it out of one
 * that arrived for the gateway's own address. Reconstruct candidates for that
 * arrival, run each forward, and keep the one that reproduces the packet
 * exactly (the forward run also creates the session's mapping). Returns true
 * with c->ip/len replaced on success. */
static bool invert_by_trial(struct rep_ctx *c, size_t *len, enum gnat_side to,
			    struct gnat_result *gr)
{
	const struct rep_translate_opts *o = c->o;
	struct net_addr cand_addr[REP_MAX_REDIRECTS + 1];
	uint16_t cand_port[REP_MAX_REDIRECTS + 1];
	struct net_pkt want, p;
	enum net_err e;
	size_t n = 0;
	const struct net_addr *pub;

	if (net_pkt_parse(c->ip, *len, &want, &e) != 0 ||
	    (want.tuple.proto != 6 && want.tuple.proto != 17))
		return false;
	/* leaving inside, it arrived from outside for the public address;
	 * leaving outside, it arrived from inside for an outside address the
	 * redirect rewrote: only the first case has a known arrival address */
	if (to != GNAT_SIDE_INSIDE)
		return false;
	pub = want.family == NET_AF_INET4 ? &o->public4 : &o->public6;
	for (size_t i = 0; i < o->n_redirects; i++) {
		const struct gnat_redirect_spec *r = &o->redirects[i];

		if (!r->set_dst || r->set_src || r->match.proto != want.tuple.proto ||
		    !net_addr_eq(&r->new_dst, &want.tuple.dst) ||
		    (r->new_dport && r->new_dport != want.tuple.dport))
			continue;
		cand_addr[n] = r->match.dst.addr.family ? r->match.dst.addr : *pub;
		cand_port[n++] = r->match.dport ? r->match.dport : want.tuple.dport;
	}
	if (pub->family)
		cand_addr[n] = *pub, cand_port[n++] = want.tuple.dport;
	for (size_t i = 0; i < n; i++) {
		size_t tlen = *len;

		if (cand_addr[i].family != want.family)
			continue;
		memcpy(c->trial, c->ip, *len);
		if (net_pkt_parse(c->trial, tlen, &p, &e) != 0 ||
		    net_pkt_rewrite_dst(&p, &cand_addr[i], cand_port[i]) != 0)
			continue;
		/* what the gateway would make of this candidate ... */
		if (gnat_process(c->g, c->trial, &tlen, REP_BUF_CAP, GNAT_SIDE_OUTSIDE, c->last_ns,
				 gr) != 0 || gr->verdict != GNAT_FORWARD)
			continue;
		if (net_pkt_parse(c->trial, tlen, &p, &e) != 0 ||
		    !net_tuple_eq(&p.tuple, &want.tuple))
			continue;
		/* ... is the packet captured: the candidate is what arrived */
		memcpy(c->trial, c->ip, *len);
		if (net_pkt_parse(c->trial, *len, &p, &e) != 0 ||
		    net_pkt_rewrite_dst(&p, &cand_addr[i], cand_port[i]) != 0)
			return false;
		memcpy(c->ip, c->trial, *len);
		gr->translated = true;
		return true;
	}
	return false;
}

static bool is_ftp_port(const struct rep_ctx *c, uint16_t port)
{
	return c->ftp_port[port >> 3] & (1u << (port & 7));
}

/* A decimal number 0..255 at s (at most 3 digits); its end in *end. */
static bool dec_octet(const uint8_t *s, const uint8_t *e, unsigned *v, const uint8_t **end)
{
	unsigned n = 0, k = 0;

	while (s + k < e && k < 4 && s[k] >= '0' && s[k] <= '9')
		n = n * 10 + (unsigned)(s[k++] - '0');
	if (k == 0 || k > 3 || n > 255)
		return false;
	*v = n;
	*end = s + k;
	return true;
}

/* The first inside address the text names, as PORT's h1,h2,h3,h4, a dotted
 * quad or EPRT's |2|IPv6| (what an FTP line carries); false if none. */
static bool text_names_inside(const struct rep_translate_opts *o, const uint8_t *p, size_t len,
			      char *found, size_t flen)
{
	const uint8_t *e = p + len;

	for (const uint8_t *s = p; s < e; s++) {
		if (*s >= '0' && *s <= '9' && (s == p || s[-1] < '0' || s[-1] > '9')) {
			uint8_t b[4];
			const uint8_t *q = s, *end;
			unsigned v;
			char sep = 0;
			int n = 0;

			while (n < 4 && dec_octet(q, e, &v, &end)) {
				b[n++] = (uint8_t)v;
				if (n == 4 || end >= e || (sep && *end != sep) ||
				    (*end != ',' && *end != '.'))
					break;
				sep = (char)*end;
				q = end + 1;
			}
			if (n == 4) {
				struct net_addr a;

				net_addr_from_v4(&a, b);
				if (is_inside(o, &a)) {
					(void)net_addr_format(&a, found, flen);
					return true;
				}
			}
		} else if (*s == '|' && e - s > 3 && s[1] == '2' && s[2] == '|') {
			char buf[NET_ADDR_STRLEN];
			size_t k = 0;
			struct net_addr a;

			while (s + 3 + k < e && s[3 + k] != '|' && k + 1 < sizeof(buf)) {
				buf[k] = (char)s[3 + k];
				k++;
			}
			buf[k] = '\0';
			if (net_addr_parse(buf, &a) == 0 && is_inside(o, &a)) {
				snprintf(found, flen, "%s", buf);
				return true;
			}
		}
	}
	return false;
}

/* An FTP greeting or login line: the start of a control session. */
static bool looks_like_ftp(const uint8_t *pl, size_t n)
{
	return (n >= 4 && !memcmp(pl, "220", 3) && (pl[3] == ' ' || pl[3] == '-')) ||
	       (n >= 5 && (!memcmp(pl, "USER ", 5) || !memcmp(pl, "PASS ", 5)));
}

/* A TCP segment as written: on a port not taken as FTP, does it look like
 * FTP (counted, so the user hears about --ftp-port)? A control segment that
 * left to the outside: does it still name an inside address, does it end
 * mid-line? Counted with the first packet of each. */
static void check_leak(struct rep_ctx *c, const struct rep_frame *f, uint8_t *ip, size_t len,
		       bool outward)
{
	struct rep_translate_result *res = c->res;
	struct net_pkt p;
	enum net_err e;
	const uint8_t *pl;
	char addr[sizeof(res->first_leak_addr)];

	if (net_pkt_parse(ip, len, &p, &e) != 0 || p.tuple.proto != 6 || p.payload_len == 0)
		return;
	pl = p.buf + p.payload_off;
	if (!is_ftp_port(c, p.tuple.dport) && !is_ftp_port(c, p.tuple.sport)) {
		if (looks_like_ftp(pl, p.payload_len) && res->ftp_like++ == 0)
			res->ftp_like_port = pl[0] == '2' ? p.tuple.sport : p.tuple.dport;
		return;
	}
	if (c->o->side != REP_CAPTURE_INSIDE || !outward || !is_ftp_port(c, p.tuple.dport))
		return;
	if (text_names_inside(c->o, pl, p.payload_len, addr, sizeof(addr)) && res->leaks++ == 0) {
		res->first_leak = f->number;
		memcpy(res->first_leak_addr, addr, sizeof(addr));
	}
	if (pl[p.payload_len - 1] != '\n' && res->split_lines++ == 0)
		res->first_split = f->number;
}

static int translate_ip(struct rep_ctx *c, const struct rep_frame *f)
{
	struct rep_translate_result *res = c->res;
	struct gnat_result gr;
	enum gnat_side side = GNAT_SIDE_INSIDE;
	enum rep_route route;
	size_t len = f->ip_len;
	int rc;

	if (f->caplen > REP_BUF_CAP - 4096) {
		count_drop(res, REP_DROP_TOO_BIG);
		return 0;
	}
	if (f->cut)
		res->snaplen_cut++; /* written, but its checksum cannot be verified */
	memcpy(c->ip, f->data + f->ip_off, len);
	route = route_of(c->o, c->ip, len, &side);
	switch (route) {
	case REP_ROUTE_UNRELATED:
		res->unrelated++;
		return write_frame(c, f, c->ip, len);
	case REP_ROUTE_INTRA:
		res->intra_inside++;
		return write_frame(c, f, c->ip, len);
	case REP_ROUTE_FORWARD:
	case REP_ROUTE_INVERSE:
		break;
	}
	if (f->cut)
		set_ip_length(c->ip, len);
	if (route == REP_ROUTE_FORWARD)
		rc = gnat_process(c->g, c->ip, &len, REP_BUF_CAP, side, c->last_ns, &gr);
	else
		rc = gnat_process_inverse(c->g, c->ip, &len, REP_BUF_CAP, side, c->last_ns, &gr);
	if (rc)
		return rc;
	if (route == REP_ROUTE_INVERSE && gr.verdict == GNAT_DROP &&
	    gr.reason == GNAT_DROP_UNKNOWN_ORIGIN) {
		struct gnat_result tr;

		if (invert_by_trial(c, &len, side, &tr))
			gr = tr;
	}
	switch (gr.verdict) {
	case GNAT_FORWARD:
		break;
	case GNAT_LOCAL:
		/* captured on the outside, a packet for the public address that no
		 * mapping claims is one of a session the inside opened */
		if (c->o->side == REP_CAPTURE_OUTSIDE)
			res->no_origin++;
		count_drop(res, REP_DROP_LOCAL);
		return 0;
	case GNAT_DROP:
		if (gr.reason < GNAT_DROP__COUNT)
			res->engine_drops[gr.reason]++;
		if (gr.reason == GNAT_DROP_MALFORMED && gr.parse_err < NET_ERR__COUNT)
			res->parse_errors[gr.parse_err]++;
		if (c->o->side == REP_CAPTURE_OUTSIDE && (gr.reason == GNAT_DROP_NO_MAPPING ||
							   gr.reason == GNAT_DROP_UNKNOWN_ORIGIN))
			res->no_origin++;
		res->dropped++;
		return 0;
	}
	if (gr.translated || gr.edits)
		res->translated++;
	else
		res->passed++;
	if (len != f->ip_len)
		res->length_changes++;
	if (f->cut) {
		/* the captured part changed by len - ip_len; so did the whole */
		set_ip_length(c->ip, f->ip_wire_len + len - f->ip_len);
	}
	check_leak(c, f, c->ip, len, route == REP_ROUTE_FORWARD);
	return write_frame(c, f, c->ip, len);
}

static int one_frame(struct rep_ctx *c, const struct rep_frame *f)
{
	struct rep_translate_result *res = c->res;

	res->pkts_in++;
	/* the engine's clock must not run backwards; OUT keeps the capture's own times */
	if (f->ts_ns < c->last_ns)
		res->time_backwards++;
	else
		c->last_ns = f->ts_ns;
	switch (f->kind) {
	case REP_FRAME_NON_IP:
		res->non_ip++;
		res->pkts_out++;
		return rep_writer_write(c->w, f->ts_ns, f->data, f->caplen, f->wire_len);
	case REP_FRAME_LINK_SHORT:
		count_drop(res, REP_DROP_LINK_SHORT);
		return 0;
	case REP_FRAME_CUT_HEADER:
		count_drop(res, REP_DROP_SNAPLEN_HEADER);
		return 0;
	case REP_FRAME_IP:
		break;
	}
	return translate_ip(c, f);
}

static int make_gnat(const struct rep_translate_opts *o, struct gnat **g, char *err,
		     size_t errlen)
{
	struct gnat_config cfg;
	int rc;

	gnat_config_default(&cfg);
	memcpy(cfg.inside, o->inside, sizeof(cfg.inside));
	cfg.n_inside = o->n_inside;
	cfg.public4 = o->public4;
	cfg.public6 = o->public6;
	cfg.masquerade = true;
	cfg.ftp_editor = true;
	cfg.ftp_ports = o->ftp_ports;
	cfg.n_ftp_ports = o->n_ftp_ports;
	/* a capture may start mid-session: let non-SYN packets open mappings */
	cfg.tcp_pickup = true;
	/* a fixed seed: the same capture always translates to the same bytes
	 * (masquerade's port choice on a collision follows the seed) */
	cfg.hash_seed = 0x6a09e667f3bcc908ULL;
	rc = gnat_create(&cfg, g);
	if (rc) {
		snprintf(err, errlen, "cannot create the gNAT: %s", strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < o->n_redirects; i++) {
		uint32_t id;

		rc = gnat_redirect_add(*g, &o->redirects[i], 0, &id);
		if (rc) {
			snprintf(err, errlen, "redirect %zu refused by the gNAT: %s", i + 1,
				 strerror(-rc));
			gnat_destroy(*g);
			*g = NULL;
			goto out;
		}
	}
out:
	return rc;
}

int rep_translate_run(const char *in, const char *out, const struct rep_translate_opts *o,
		      struct rep_translate_result *res)
{
	struct rep_reader *r = NULL;
	struct rep_ctx *c = NULL;
	struct gnat_counters gc;
	struct rep_frame f;
	uint64_t progress_bytes = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = rep_reader_open(in, &r, res->err, sizeof(res->err));
	if (rc)
		goto out;
	res->linktype = rep_reader_linktype(r);
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		snprintf(res->err, sizeof(res->err), "out of memory");
		goto out;
	}
	c->o = o;
	c->res = res;
	for (size_t i = 0; i < o->n_ftp_ports; i++)
		c->ftp_port[o->ftp_ports[i] >> 3] |= (uint8_t)(1u << (o->ftp_ports[i] & 7));
	if (o->n_ftp_ports == 0)
		c->ftp_port[21 >> 3] |= 1u << (21 & 7);
	c->linktype = res->linktype;
	rc = make_gnat(o, &c->g, res->err, sizeof(res->err));
	if (rc)
		goto out;
	rc = rep_writer_open(out, c->linktype, rep_reader_precision(r), REP_OUT_SNAPLEN, &c->w,
			     res->err, sizeof(res->err));
	if (rc) {
		res->err_output = true;
		goto out;
	}
	while ((rc = rep_reader_next(r, &f)) == 0) {
		progress_bytes += f.caplen + 16; /* + a pcap record header */
		if (o->progress && res->pkts_in % 16384 == 16383)
			o->progress(o->progress_ctx, res->pkts_in + 1, progress_bytes);
		rc = one_frame(c, &f);
		if (rc) {
			res->err_packet = f.number;
			res->err_output = rc != -EINVAL;
			snprintf(res->err, sizeof(res->err), "cannot translate: %s", strerror(-rc));
			goto out;
		}
	}
	if (rc != -ENODATA) {
		/* a truncated record is bad input, not an I/O failure */
		res->err_packet = rep_reader_count(r) + 1;
		snprintf(res->err, sizeof(res->err), "%s", rep_reader_error(r));
		rc = -EINVAL;
		goto out;
	}
	gnat_counters_get(c->g, &gc);
	res->sessions = gc.mappings_created;
	res->editor_rewrites = gc.editor_rewrites;
	rc = rep_writer_commit(c->w, res->err, sizeof(res->err));
	c->w = NULL;
	res->err_output = rc != 0;
out:
	if (c) {
		rep_writer_abort(c->w);
		if (c->g)
			gnat_destroy(c->g);
		free(c);
	}
	rep_reader_close(r);
	return rc;
}
