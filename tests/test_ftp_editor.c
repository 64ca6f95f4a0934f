/* test_ftp_editor.c - the FTP editor inside a real gNAT: control segments
 * built with tu_pkt go through gnat_process, and the test checks the bytes,
 * checksums, seq/ack shifts and the data connections the editor opened. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/gnat.h"
#include "../net/net_pkt.h"
#include "tu.h"
#include "tu_pkt.h"

#define CAP 2048
#define CLIENT "192.0.2.10"
#define SERVER "203.0.113.20"
#define PUBLIC "203.0.113.1"
#define CLIENT6 "2001:db8:1::10"
#define SERVER6 "2001:db8:ff::20"
#define PUBLIC6 "2001:db8:2::1"
#define CSEQ 1000u
#define SSEQ 5000u

struct fx {
	struct gnat *g;
	uint64_t now;
	bool inverse;          /* feed packets through gnat_process_inverse */
	const char *client, *server;
	uint16_t cport, sport;
	const char *pub;       /* the client's address as the server sees it */
	uint16_t pub_port;     /* the client's port as the server sees it */
	const char *dst_seen;  /* the address the client connects to */
	uint16_t dport_seen;
	size_t cap;            /* room given to the gNAT (0: the whole buffer) */
};

struct out {
	uint8_t buf[CAP];
	size_t len;
	struct gnat_result res;
	struct net_pkt p;
	int rc;
};

static void fx_open_cfg(struct fx *f, bool ftp_editor, uint16_t port_min, uint16_t port_max,
		       uint32_t max_redirects)
{
	struct gnat_config cfg;

	memset(f, 0, sizeof(*f));
	gnat_config_default(&cfg);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg.inside[0]) == 0);
	CU_ASSERT_FATAL(net_prefix_parse("2001:db8:1::/64", &cfg.inside[1]) == 0);
	cfg.n_inside = 2;
	CU_ASSERT_FATAL(net_addr_parse(PUBLIC, &cfg.public4) == 0);
	CU_ASSERT_FATAL(net_addr_parse(PUBLIC6, &cfg.public6) == 0);
	cfg.ftp_editor = ftp_editor;
	if (port_min) {
		cfg.port_min = port_min;
		cfg.port_max = port_max;
	}
	if (max_redirects)
		cfg.max_redirects = max_redirects;
	CU_ASSERT_FATAL(gnat_create(&cfg, &f->g) == 0);
	f->now = 1 * GNAT_NS_PER_S;
	f->client = CLIENT;
	f->server = SERVER;
	f->cport = 40000;
	f->sport = 21;
	f->dst_seen = SERVER;
	f->dport_seen = 21;
}

static void fx_open(struct fx *f, bool ftp_editor)
{
	fx_open_cfg(f, ftp_editor, 0, 0, 0);
}

static void fx_close(struct fx *f)
{
	gnat_destroy(f->g);
}

/* Build a TCP segment and push it through the gNAT. */
static void send_tcp(struct fx *f, struct out *o, enum gnat_side from, const char *src,
		     uint16_t sport, const char *dst, uint16_t dport, uint32_t seq, uint32_t ack,
		     uint8_t flags, const char *payload)
{
	struct tu_pkt_spec s;
	enum net_err err;
	size_t cap;
	int n;

	memset(o, 0, sizeof(*o));
	memset(&s, 0, sizeof(s));
	s.proto = 6;
	s.src = src;
	s.dst = dst;
	s.sport = sport;
	s.dport = dport;
	s.seq = seq;
	s.ack = ack;
	s.tcp_flags = flags;
	s.payload = payload;
	s.payload_len = payload ? strlen(payload) : 0;
	n = tu_pkt_build(&s, o->buf, sizeof(o->buf));
	CU_ASSERT_FATAL(n > 0);
	o->len = (size_t)n;
	f->now += GNAT_NS_PER_S / 100;
	cap = f->cap ? f->cap : sizeof(o->buf);
	if (f->inverse)
		o->rc = gnat_process_inverse(f->g, o->buf, &o->len, cap, from, f->now, &o->res);
	else
		o->rc = gnat_process(f->g, o->buf, &o->len, cap, from, f->now, &o->res);
	CU_ASSERT_FATAL(o->rc == 0);
	if (o->res.verdict != GNAT_DROP) {
		CU_ASSERT_FATAL(net_pkt_parse(o->buf, o->len, &o->p, &err) == 0);
		CU_ASSERT(net_pkt_checksums_ok(&o->p));
	}
}

/* Not let in by an expectation: unsolicited packets to the public address go
 * up to the gateway (or are dropped), never to the inside. */
static bool not_through(const struct out *o)
{
	return o->res.verdict != GNAT_FORWARD && o->res.redirect_id == 0;
}

static bool addr_is(const struct net_addr *a, const char *s)
{
	struct net_addr b;

	return net_addr_parse(s, &b) == 0 && net_addr_eq(a, &b);
}

static bool payload_is(const struct out *o, const char *text)
{
	size_t n = strlen(text);

	return o->p.payload_len == n && memcmp(o->buf + o->p.payload_off, text, n) == 0;
}

/* Client segment (client -> server), server segment (server -> public). */
static void client_seg(struct fx *f, struct out *o, uint32_t seq, uint32_t ack, uint8_t flags,
		       const char *payload)
{
	send_tcp(f, o, GNAT_SIDE_INSIDE, f->client, f->cport, f->dst_seen, f->dport_seen, seq, ack,
		 flags, payload);
}

static void server_seg(struct fx *f, struct out *o, uint32_t seq, uint32_t ack, uint8_t flags,
		       const char *payload)
{
	send_tcp(f, o, GNAT_SIDE_OUTSIDE, f->server, f->sport, f->pub, f->pub_port, seq, ack,
		 flags, payload);
}

/* SYN / SYN-ACK / ACK; learns the client's public port. */
static void handshake(struct fx *f)
{
	struct out o;

	client_seg(f, &o, CSEQ, 0, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	f->pub = f->pub ? f->pub : PUBLIC;
	CU_ASSERT(addr_is(&o.p.tuple.src, f->pub));
	f->pub_port = o.p.tuple.sport;
	server_seg(f, &o, SSEQ, CSEQ + 1, NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.dst, f->client));
	CU_ASSERT(o.p.tuple.dport == f->cport);
	client_seg(f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
}

/* "h1,h2,h3,h4,p1,p2" at the end of a PORT/227 text, read independently of ftp/. */
static int read_port_text(const struct out *o, const char *prefix, char *addr, size_t alen,
			  uint16_t *port)
{
	char text[256];
	unsigned h[4], p[2];
	size_t n = o->p.payload_len, plen = strlen(prefix);

	if (n >= sizeof(text) || n < plen || memcmp(o->buf + o->p.payload_off, prefix, plen) != 0)
		return -EINVAL;
	memcpy(text, o->buf + o->p.payload_off, n);
	text[n] = '\0';
	if (sscanf(text + plen, "%u,%u,%u,%u,%u,%u", &h[0], &h[1], &h[2], &h[3], &p[0], &p[1]) != 6)
		return -EINVAL;
	snprintf(addr, alen, "%u.%u.%u.%u", h[0], h[1], h[2], h[3]);
	*port = (uint16_t)(p[0] * 256 + p[1]);
	return 0;
}

static void get_counters(struct fx *f, struct gnat_counters *c)
{
	gnat_counters_get(f->g, c);
}

struct delta_arg {
	const char *client;
	uint16_t cport;
	int32_t delta[2];
	bool found;
};

static void find_delta(const struct gnat_mapping_info *mi, void *arg)
{
	struct delta_arg *d = arg;

	if (addr_is(&mi->orig.src, d->client) && mi->orig.sport == d->cport && mi->orig.dport == 21) {
		d->delta[0] = mi->seq_delta[0];
		d->delta[1] = mi->seq_delta[1];
		d->found = true;
	}
}

static int32_t client_delta(struct fx *f)
{
	struct delta_arg d = {.client = f->client, .cport = f->cport};

	gnat_mapping_foreach(f->g, find_delta, &d);
	CU_ASSERT(d.found);
	return d.delta[0];
}

/* ---- active mode, source NAT ------------------------------------------- */

static void test_port_rewritten_and_data_expected(void)
{
	static const char port_cmd[] = "PORT 192,0,2,10,200,1\r\n";
	struct gnat_counters c0, c1;
	struct fx f;
	struct out o;
	char addr[32];
	uint16_t p;

	fx_open(&f, true);
	handshake(&f);
	get_counters(&f, &c0);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 1);
	CU_ASSERT_FATAL(read_port_text(&o, "PORT ", addr, sizeof(addr), &p) == 0);
	CU_ASSERT_STRING_EQUAL(addr, PUBLIC);
	CU_ASSERT(p == 51201); /* the announced port was free: kept, as Linux does */
	CU_ASSERT(payload_is(&o, "PORT 203,0,113,1,200,1\r\n"));
	CU_ASSERT(o.p.payload_len == sizeof(port_cmd) - 1 + 1);
	CU_ASSERT(o.p.seq == CSEQ + 1);
	CU_ASSERT(client_delta(&f) == 1);
	get_counters(&f, &c1);
	CU_ASSERT(c1.redirects_added == c0.redirects_added + 1);
	CU_ASSERT(c1.editor_rewrites == c0.editor_rewrites + 1);

	/* The server's data connection meets the expectation. */
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, p, 9000, 0, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(o.res.redirect_id != 0);
	CU_ASSERT(addr_is(&o.p.tuple.src, SERVER));
	CU_ASSERT(o.p.tuple.sport == 20);
	CU_ASSERT(addr_is(&o.p.tuple.dst, CLIENT));
	CU_ASSERT(o.p.tuple.dport == 51201);
	get_counters(&f, &c0);
	CU_ASSERT(c0.redirects_consumed == c1.redirects_consumed + 1);

	/* One-shot: a second connection to the same public port is not let in. */
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 2020, PUBLIC, p, 9500, 0, NET_TCP_SYN, NULL);
	CU_ASSERT(not_through(&o));

	/* Later client bytes are shifted by +1, the server's ACKs back by -1. */
	client_seg(&f, &o, CSEQ + 1 + 23, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "LIST\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.seq == CSEQ + 1 + 24);
	CU_ASSERT(payload_is(&o, "LIST\r\n"));
	server_seg(&f, &o, SSEQ + 1, CSEQ + 1 + 24 + 6, NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.ack == CSEQ + 1 + 23 + 6);
	fx_close(&f);
}

static void test_several_ports_accumulate(void)
{
	static const char *cmds[] = {"PORT 192,0,2,10,200,1\r\n", "PORT 192,0,2,10,200,2\r\n",
				     "PORT 192,0,2,10,4,0\r\n"};
	struct fx f;
	struct out o;
	uint32_t seq = CSEQ + 1;
	int32_t total = 0;
	char addr[32];
	uint16_t p;

	fx_open(&f, true);
	handshake(&f);
	for (size_t i = 0; i < 3; i++) {
		client_seg(&f, &o, seq, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, cmds[i]);
		CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(o.p.seq == seq + (uint32_t)total);
		CU_ASSERT_FATAL(read_port_text(&o, "PORT ", addr, sizeof(addr), &p) == 0);
		CU_ASSERT_STRING_EQUAL(addr, PUBLIC);
		total += (int32_t)o.p.payload_len - (int32_t)strlen(cmds[i]);
		CU_ASSERT(client_delta(&f) == total);
		seq += (uint32_t)strlen(cmds[i]);
		/* each announced endpoint gets its own data connection */
		send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, p, 7000 + (uint32_t)i, 0,
			 NET_TCP_SYN, NULL);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(addr_is(&o.p.tuple.dst, CLIENT));
		CU_ASSERT(o.p.tuple.dport == (i == 0 ? 51201 : i == 1 ? 51202 : 1024));
		send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, p, 7100, 0, NET_TCP_RST,
			 NULL);
	}
	CU_ASSERT(total == 3);
	/* Two PORTs in one segment: both rewritten, both shifts applied. */
	client_seg(&f, &o, seq, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "PORT 192,0,2,10,200,10\r\nPORT 192,0,2,10,200,11\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 2);
	CU_ASSERT(payload_is(&o, "PORT 203,0,113,1,200,10\r\nPORT 203,0,113,1,200,11\r\n"));
	CU_ASSERT(client_delta(&f) == total + 2);
	fx_close(&f);
}

static void test_retransmitted_port_identical(void)
{
	static const char port_cmd[] = "PORT 192,0,2,10,200,1\r\n";
	struct fx f;
	struct out first, again;
	struct gnat_counters c0, c1;

	fx_open(&f, true);
	handshake(&f);
	client_seg(&f, &first, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT_FATAL(first.res.verdict == GNAT_FORWARD);
	CU_ASSERT(client_delta(&f) == 1);
	get_counters(&f, &c0);
	client_seg(&f, &again, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT_FATAL(again.res.verdict == GNAT_FORWARD);
	CU_ASSERT(again.len == first.len);
	CU_ASSERT(memcmp(again.buf, first.buf, first.len) == 0);
	CU_ASSERT(client_delta(&f) == 1);
	get_counters(&f, &c1);
	CU_ASSERT(c1.editor_length_changes == c0.editor_length_changes);
	CU_ASSERT(c1.redirects_active == c0.redirects_active); /* one expectation, not two */
	/* and the next segment is still shifted by exactly one */
	client_seg(&f, &again, CSEQ + 1 + 23, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "NOOP\r\n");
	CU_ASSERT(again.p.seq == CSEQ + 1 + 24);
	fx_close(&f);
}

static void test_eprt_ipv4(void)
{
	struct fx f;
	struct out o;

	fx_open(&f, true);
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "EPRT |1|192.0.2.10|50000|\r\n");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "EPRT |1|203.0.113.1|50000|\r\n"));
	CU_ASSERT(client_delta(&f) == 1);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 50000, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.dst, CLIENT));
	CU_ASSERT(o.p.tuple.dport == 50000);

	/* An IPv6 EPRT on this IPv4 session cannot be shown to be the client's:
	 * untouched, nothing opened. */
	client_seg(&f, &o, CSEQ + 1 + 27, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "EPRT |2|2001:db8:1::10|50001|\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 0);
	CU_ASSERT(payload_is(&o, "EPRT |2|2001:db8:1::10|50001|\r\n"));
	CU_ASSERT(client_delta(&f) == 1);
	fx_close(&f);
}

static void test_eprt_ipv6(void)
{
	struct fx f;
	struct out o;

	fx_open(&f, true);
	f.client = CLIENT6;
	f.server = SERVER6;
	f.dst_seen = SERVER6;
	f.pub = PUBLIC6;
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "EPRT |2|2001:db8:1::10|50000|\r\n");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "EPRT |2|2001:db8:2::1|50000|\r\n"));
	CU_ASSERT(client_delta(&f) == -1);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER6, 20, PUBLIC6, 50000, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.dst, CLIENT6));
	CU_ASSERT(o.p.tuple.dport == 50000);
	CU_ASSERT(addr_is(&o.p.tuple.src, SERVER6));
	/* later client bytes move back by one */
	client_seg(&f, &o, CSEQ + 1 + 31, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "LIST\r\n");
	CU_ASSERT(o.p.seq == CSEQ + 1 + 30);
	fx_close(&f);
}

static void test_bounce_not_opened(void)
{
	struct gnat_counters c0, c1;
	struct fx f;
	struct out o;

	fx_open(&f, true);
	handshake(&f);
	get_counters(&f, &c0);
	/* PORT naming another inside host, then a third party outside. */
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "PORT 192,0,2,11,200,1\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "PORT 192,0,2,11,200,1\r\n"));
	client_seg(&f, &o, CSEQ + 1 + 23, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "PORT 198,51,100,7,0,25\r\n");
	CU_ASSERT(payload_is(&o, "PORT 198,51,100,7,0,25\r\n"));
	CU_ASSERT(client_delta(&f) == 0);
	get_counters(&f, &c1);
	CU_ASSERT(c1.redirects_added == c0.redirects_added);
	CU_ASSERT(c1.editor_rewrites == c0.editor_rewrites);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 51201, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT(not_through(&o));
	fx_close(&f);
}

static void test_malformed_untouched(void)
{
	static const char *bad[] = {
		"PORT 192,0,2,10,200\r\n",       "PORT 192,0,2,10,256,1\r\n",
		"PORT 192,0,2,10,200,1,7\r\n",   "PORT\r\n",
		"PORT 192.0.2.10.200.1\r\n",     "EPRT |1|192.0.2.10|\r\n",
		"EPRT |3|192.0.2.10|5000|\r\n",  "EPRT |1|192.0.2.999|5000|\r\n",
		"PORT 192,0,2,10,0,0\r\n",
	};
	struct gnat_counters c0, c1;
	struct fx f;
	struct out o;
	uint32_t seq = CSEQ + 1;

	fx_open(&f, true);
	handshake(&f);
	get_counters(&f, &c0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		client_seg(&f, &o, seq, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, bad[i]);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(o.res.edits == 0);
		CU_ASSERT(payload_is(&o, bad[i]));
		CU_ASSERT(o.p.seq == seq);
		seq += (uint32_t)strlen(bad[i]);
	}
	/* a 227 with garbage from the server, too */
	server_seg(&f, &o, SSEQ + 1, seq, NET_TCP_ACK | NET_TCP_PSH,
		   "227 Entering Passive Mode (203,0,113,20,300,1)\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "227 Entering Passive Mode (203,0,113,20,300,1)\r\n"));
	get_counters(&f, &c1);
	CU_ASSERT(c1.redirects_added == c0.redirects_added);
	CU_ASSERT(client_delta(&f) == 0);
	fx_close(&f);
}

/* A command split across two segments is not edited (as Linux). */
static void test_split_line_not_edited(void)
{
	struct fx f;
	struct out o;

	fx_open(&f, true);
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK, "PORT 192,0,2,");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "PORT 192,0,2,"));
	client_seg(&f, &o, CSEQ + 1 + 13, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "10,200,1\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "10,200,1\r\n"));
	CU_ASSERT(o.res.edits == 0);
	CU_ASSERT(client_delta(&f) == 0);
	fx_close(&f);
}

/* Plain source NAT: a 227 names the real server, which the client reaches. */
static void test_227_plain_snat_untouched(void)
{
	static const char r227[] = "227 Entering Passive Mode (203,0,113,20,39,16)\r\n";
	struct fx f;
	struct out o;

	fx_open(&f, true);
	handshake(&f);
	server_seg(&f, &o, SSEQ + 1, CSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, r227);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, r227));
	CU_ASSERT(o.res.edits == 0);
	/* The data connection is masqueraded like any other session. */
	send_tcp(&f, &o, GNAT_SIDE_INSIDE, CLIENT, 40001, SERVER, 10000, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id == 0);
	CU_ASSERT(addr_is(&o.p.tuple.src, PUBLIC));
	CU_ASSERT(addr_is(&o.p.tuple.dst, SERVER));
	fx_close(&f);
}

/* Destination NAT: the gateway's public TCP/21 is forwarded to an inside
 * server; its 227 must name the public address, and the client's data
 * connection be forwarded to it. */
static void test_227_229_dnat(void)
{
	static const char r227[] = "227 Entering Passive Mode (192,0,2,50,39,16)\r\n";
	struct gnat_redirect_spec spec;
	struct fx f;
	struct out o;
	uint32_t id;
	char addr[32];
	uint16_t p;
	int32_t d;

	fx_open(&f, true);
	memset(&spec, 0, sizeof(spec));
	spec.match.proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse(PUBLIC "/32", &spec.match.dst) == 0);
	spec.match.dport = 21;
	spec.set_dst = true;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.50", &spec.new_dst) == 0);
	CU_ASSERT_FATAL(gnat_redirect_add(f.g, &spec, f.now, &id) == 0);

	/* client 198.51.100.7 (outside) -> public:21 -> 192.0.2.50:21 */
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3000, PUBLIC, 21, CSEQ, 0, NET_TCP_SYN,
		 NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id == id);
	CU_ASSERT(addr_is(&o.p.tuple.dst, "192.0.2.50"));
	send_tcp(&f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 21, "198.51.100.7", 3000, SSEQ, CSEQ + 1,
		 NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.src, PUBLIC));
	CU_ASSERT(o.p.tuple.sport == 21);

	send_tcp(&f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 21, "198.51.100.7", 3000, SSEQ + 1,
		 CSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, r227);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 1);
	CU_ASSERT_FATAL(read_port_text(&o, "227 Entering Passive Mode (", addr, sizeof(addr), &p) == 0);
	CU_ASSERT_STRING_EQUAL(addr, PUBLIC);
	CU_ASSERT(p == 10000); /* free on the public address: kept */
	CU_ASSERT(payload_is(&o, "227 Entering Passive Mode (203,0,113,1,39,16)\r\n"));
	d = (int32_t)o.p.payload_len - (int32_t)(sizeof(r227) - 1);
	CU_ASSERT(d == 1);

	/* the client's data connection to public:p reaches the inside server */
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3001, PUBLIC, p, 1, 0, NET_TCP_SYN,
		 NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(addr_is(&o.p.tuple.dst, "192.0.2.50"));
	CU_ASSERT(o.p.tuple.dport == 10000);
	CU_ASSERT(addr_is(&o.p.tuple.src, "198.51.100.7"));

	/* 229: no address; the port is kept, so no rewrite, but the data
	 * connection is still let in. */
	send_tcp(&f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 21, "198.51.100.7", 3000,
		 SSEQ + 1 + (uint32_t)sizeof(r227) - 1, CSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		 "229 Entering Extended Passive Mode (|||10001|)\r\n");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 0);
	CU_ASSERT(payload_is(&o, "229 Entering Extended Passive Mode (|||10001|)\r\n"));
	CU_ASSERT(o.p.seq == SSEQ + 1 + sizeof(r227) - 1 + 1);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3002, PUBLIC, 10001, 1, 0, NET_TCP_SYN,
		 NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.dst, "192.0.2.50"));
	CU_ASSERT(o.p.tuple.dport == 10001);

	/* a 227 naming some third host is left alone */
	send_tcp(&f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 21, "198.51.100.7", 3000,
		 SSEQ + 1 + (uint32_t)sizeof(r227) - 1 + 48, CSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		 "227 Entering Passive Mode (192,0,2,77,39,18)\r\n");
	CU_ASSERT(o.res.edits == 0);
	CU_ASSERT(payload_is(&o, "227 Entering Passive Mode (192,0,2,77,39,18)\r\n"));
	fx_close(&f);
}

/* A 229 whose port is taken on the public address is rewritten to the port
 * the gateway could hold. */
static void test_229_port_changes_when_taken(void)
{
	struct gnat_redirect_spec spec;
	struct fx f;
	struct out o;
	uint32_t id;
	unsigned port;

	fx_open(&f, true);
	CU_ASSERT_FATAL(gnat_port_claim(f.g, 6, 10001) == 0);
	memset(&spec, 0, sizeof(spec));
	spec.match.proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse(PUBLIC "/32", &spec.match.dst) == 0);
	spec.match.dport = 21;
	spec.set_dst = true;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.50", &spec.new_dst) == 0);
	CU_ASSERT_FATAL(gnat_redirect_add(f.g, &spec, f.now, &id) == 0);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3000, PUBLIC, 21, CSEQ, 0, NET_TCP_SYN,
		 NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	send_tcp(&f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 21, "198.51.100.7", 3000, SSEQ + 1,
		 CSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		 "229 Entering Extended Passive Mode (|||10001|)\r\n");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 1);
	{
		char text[128];
		size_t n = o.p.payload_len < sizeof(text) - 1 ? o.p.payload_len : sizeof(text) - 1;

		memcpy(text, o.buf + o.p.payload_off, n);
		text[n] = '\0';
		CU_ASSERT(sscanf(text, "229 Entering Extended Passive Mode (|||%u|)", &port) == 1);
	}
	CU_ASSERT(port != 10001 && port >= 1024 && port <= 65535);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3001, PUBLIC, (uint16_t)port, 1, 0,
		 NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.dst, "192.0.2.50"));
	CU_ASSERT(o.p.tuple.dport == 10001);
	fx_close(&f);
}

/* Without the editor nothing is rewritten: the test above is the editor's. */
static void test_no_editor_no_rewrite(void)
{
	static const char port_cmd[] = "PORT 192,0,2,10,200,1\r\n";
	struct fx f;
	struct out o;

	fx_open(&f, false);
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, port_cmd));
	fx_close(&f);
}

/* Inverse: what left the gateway (public address in PORT) is turned back into
 * what arrived (the client's inside address), and the data connection that
 * follows is still let in. */
static void test_inverse_round_trip(void)
{
	static const char inside_cmd[] = "PORT 192,0,2,10,200,1\r\n";
	struct fx f, r;
	struct out o, back;

	/* forward: produce what left */
	fx_open(&f, true);
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, inside_cmd);
	CU_ASSERT_FATAL(payload_is(&o, "PORT 203,0,113,1,200,1\r\n"));

	/* a second gNAT that has seen the same control session opening, then
	 * inverts what left */
	fx_open(&r, true);
	handshake(&r);
	r.inverse = true;
	send_tcp(&r, &back, GNAT_SIDE_OUTSIDE, PUBLIC, r.pub_port, SERVER, 21, CSEQ + 1, SSEQ + 1,
		 NET_TCP_ACK | NET_TCP_PSH, "PORT 203,0,113,1,200,1\r\n");
	CU_ASSERT_FATAL(back.res.verdict == GNAT_FORWARD);
	CU_ASSERT(back.res.edits == 1);
	CU_ASSERT(payload_is(&back, inside_cmd));
	CU_ASSERT(addr_is(&back.p.tuple.src, CLIENT));
	CU_ASSERT(back.p.tuple.sport == r.cport);
	CU_ASSERT(back.p.seq == CSEQ + 1);

	/* The next segment that left at seq+24 arrived at seq+23. */
	send_tcp(&r, &back, GNAT_SIDE_OUTSIDE, PUBLIC, r.pub_port, SERVER, 21, CSEQ + 1 + 24,
		 SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "LIST\r\n");
	CU_ASSERT(back.res.verdict == GNAT_FORWARD);
	CU_ASSERT(back.p.seq == CSEQ + 1 + 23);

	/* The data connection from the server is translated forward. */
	r.inverse = false;
	send_tcp(&r, &back, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 51201, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(back.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&back.p.tuple.dst, CLIENT));
	CU_ASSERT(back.p.tuple.dport == 51201);

	/* a PORT that left naming a host other than the public address stays */
	r.inverse = true;
	send_tcp(&r, &back, GNAT_SIDE_OUTSIDE, PUBLIC, r.pub_port, SERVER, 21, CSEQ + 1 + 30,
		 SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "PORT 198,51,100,7,0,25\r\n");
	CU_ASSERT(back.res.edits == 0);
	CU_ASSERT(payload_is(&back, "PORT 198,51,100,7,0,25\r\n"));
	fx_close(&r);
	fx_close(&f);
}


/* Several lines in one segment, bare-LF terminators: only the PORT line
 * changes, the lines around it are kept byte for byte. */
static void test_port_among_other_lines(void)
{
	struct fx f;
	struct out o;

	fx_open(&f, true);
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "NOOP\r\nPORT 192,0,2,10,200,1\nSYST\r\nPORT 192,0,2,10,200,2");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 1); /* the last, unterminated line is not edited */
	CU_ASSERT(payload_is(&o, "NOOP\r\nPORT 203,0,113,1,200,1\nSYST\r\nPORT 192,0,2,10,200,2"));
	CU_ASSERT(client_delta(&f) == 1);
	fx_close(&f);
}

/* No room to grow the packet: dropped (the client retransmits), and the
 * expectation and the port it held are withdrawn. */
static void test_no_room_drops_and_withdraws(void)
{
	static const char port_cmd[] = "PORT 192,0,2,10,200,1\r\n";
	struct gnat_counters c0, c1;
	struct fx f;
	struct out o;

	fx_open(&f, true);
	handshake(&f);
	get_counters(&f, &c0);
	f.cap = 20 + 20 + sizeof(port_cmd) - 1; /* exactly the packet */
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_EDIT_NOSPACE);
	get_counters(&f, &c1);
	CU_ASSERT(c1.redirects_active == c0.redirects_active);
	CU_ASSERT(client_delta(&f) == 0);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 51201, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT(not_through(&o));
	/* the retransmission with room gets the port that was given back */
	f.cap = 0;
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(payload_is(&o, "PORT 203,0,113,1,200,1\r\n"));
	fx_close(&f);
}

/* Every public port taken: the PORT cannot be honoured and is dropped, as
 * Linux does ("all ports in use"), with nothing opened. */
static void test_ports_exhausted_drops(void)
{
	struct gnat_counters c0, c1;
	struct fx f;
	struct out o;

	fx_open_cfg(&f, true, 60000, 60000, 0);
	handshake(&f); /* the control session takes the only port */
	CU_ASSERT(f.pub_port == 60000);
	get_counters(&f, &c0);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "PORT 192,0,2,10,200,1\r\n");
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_EDIT_FAILED);
	get_counters(&f, &c1);
	CU_ASSERT(c1.redirects_added == c0.redirects_added);
	fx_close(&f);
}

/* The redirect table is full: the second PORT cannot get its expectation and
 * is dropped unrewritten; the first one still works. */
static void test_expectation_table_full_drops(void)
{
	struct gnat_counters c0, c1;
	struct fx f;
	struct out o;

	fx_open_cfg(&f, true, 0, 0, 1);
	handshake(&f);
	client_seg(&f, &o, CSEQ + 1, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "PORT 192,0,2,10,200,1\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	get_counters(&f, &c0);
	client_seg(&f, &o, CSEQ + 1 + 23, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH,
		   "PORT 192,0,2,10,200,2\r\n");
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_EDIT_FAILED);
	get_counters(&f, &c1);
	CU_ASSERT(c1.redirects_refused == c0.redirects_refused + 1);
	CU_ASSERT(c1.editor_rewrites == c0.editor_rewrites);
	CU_ASSERT(client_delta(&f) == 1);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, SERVER, 20, PUBLIC, 51201, 1, 0, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.tuple.dport == 51201);
	fx_close(&f);
}

/* Forward the gateway's public TCP/21 to an inside server. */
static void dnat_handshake(struct fx *f)
{
	struct gnat_redirect_spec spec;
	struct out o;
	uint32_t id;

	memset(&spec, 0, sizeof(spec));
	spec.match.proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse(PUBLIC "/32", &spec.match.dst) == 0);
	spec.match.dport = 21;
	spec.set_dst = true;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.50", &spec.new_dst) == 0);
	CU_ASSERT_FATAL(gnat_redirect_add(f->g, &spec, f->now, &id) == 0);
	send_tcp(f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3000, PUBLIC, 21, CSEQ, 0, NET_TCP_SYN,
		 NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	send_tcp(f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 21, "198.51.100.7", 3000, SSEQ, CSEQ + 1,
		 NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
}

/* Destination NAT only (the client is not translated): its PORT needs no
 * rewrite, but the server's data connection must come from the address the
 * client believes it talks to. */
static void test_port_under_dnat(void)
{
	static const char port_cmd[] = "PORT 198,51,100,7,195,80\r\n";
	struct fx f;
	struct out o;

	fx_open(&f, true);
	dnat_handshake(&f);
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3000, PUBLIC, 21, CSEQ + 1, SSEQ + 1,
		 NET_TCP_ACK | NET_TCP_PSH, port_cmd);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 0);
	CU_ASSERT(payload_is(&o, port_cmd));
	send_tcp(&f, &o, GNAT_SIDE_INSIDE, "192.0.2.50", 20, "198.51.100.7", 50000, 1, 0,
		 NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id != 0);
	CU_ASSERT(addr_is(&o.p.tuple.src, PUBLIC));
	CU_ASSERT(o.p.tuple.sport == 20);
	CU_ASSERT(addr_is(&o.p.tuple.dst, "198.51.100.7"));
	CU_ASSERT(o.p.tuple.dport == 50000);
	fx_close(&f);
}

/* Inverse of the destination NAT case: the 227 that left naming the public
 * address goes back to naming the inside server, and the client's data
 * connection is still forwarded to it. */
static void test_inverse_227(void)
{
	struct fx f;
	struct out o;

	fx_open(&f, true);
	dnat_handshake(&f);
	f.inverse = true;
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, PUBLIC, 21, "198.51.100.7", 3000, SSEQ + 1, CSEQ + 1,
		 NET_TCP_ACK | NET_TCP_PSH, "227 Entering Passive Mode (203,0,113,1,39,16).\r\n");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 1);
	CU_ASSERT(payload_is(&o, "227 Entering Passive Mode (192,0,2,50,39,16).\r\n"));
	CU_ASSERT(addr_is(&o.p.tuple.src, "192.0.2.50"));
	CU_ASSERT(o.p.seq == SSEQ + 1);
	f.inverse = false;
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, "198.51.100.7", 3001, PUBLIC, 10000, 1, 0, NET_TCP_SYN,
		 NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(addr_is(&o.p.tuple.dst, "192.0.2.50"));
	CU_ASSERT(o.p.tuple.dport == 10000);
	/* the next reply that left one byte later arrived at its own place */
	f.inverse = true;
	send_tcp(&f, &o, GNAT_SIDE_OUTSIDE, PUBLIC, 21, "198.51.100.7", 3000, SSEQ + 1 + 49,
		 CSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, "226 Done\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.seq == SSEQ + 1 + 48);
	fx_close(&f);
}

/* Forward then inverse over the same bytes gives back the original segment. */
static void test_forward_inverse_identity(void)
{
	static const char *cmds[] = {"PORT 192,0,2,10,200,1\r\n", "EPRT |1|192.0.2.10|50000|\r\n",
				     "EPRT !1!192.0.2.10!50001!\r\n"};
	struct fx f, r;
	struct out fw, back;
	uint32_t seq = CSEQ + 1, seq_out = CSEQ + 1;

	fx_open(&f, true);
	handshake(&f);
	fx_open(&r, true);
	handshake(&r);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		client_seg(&f, &fw, seq, SSEQ + 1, NET_TCP_ACK | NET_TCP_PSH, cmds[i]);
		CU_ASSERT_FATAL(fw.res.verdict == GNAT_FORWARD);
		CU_ASSERT(fw.res.edits == 1);
		CU_ASSERT(fw.p.seq == seq_out);
		/* invert exactly what left */
		memset(&back, 0, sizeof(back));
		memcpy(back.buf, fw.buf, fw.len);
		back.len = fw.len;
		r.now += GNAT_NS_PER_S / 100;
		CU_ASSERT_FATAL(gnat_process_inverse(r.g, back.buf, &back.len, sizeof(back.buf),
						     GNAT_SIDE_OUTSIDE, r.now, &back.res) == 0);
		CU_ASSERT_FATAL(back.res.verdict == GNAT_FORWARD);
		CU_ASSERT_FATAL(net_pkt_parse(back.buf, back.len, &back.p, &(enum net_err){0}) == 0);
		CU_ASSERT(net_pkt_checksums_ok(&back.p));
		CU_ASSERT(payload_is(&back, cmds[i]));
		CU_ASSERT(back.p.seq == seq);
		CU_ASSERT(addr_is(&back.p.tuple.src, CLIENT));
		seq += (uint32_t)strlen(cmds[i]);
		seq_out += (uint32_t)fw.p.payload_len;
	}
	fx_close(&r);
	fx_close(&f);
}

/* Hostile and random lines in both directions: never a crash or a bad
 * checksum, and a line that does not name the client (or the server under
 * DNAT) is never changed. */
static void test_random_lines_robust(void)
{
	static const char *const pieces[] = {
		"PORT ", "EPRT ", "227 ", "229 ", "(", ")", "|", "||", "|||", ",", ".", "1", "2",
		"192", "0", "10", "200", "255", "256", "65535", "99999", "192,0,2,10,", "\r\n", "\n",
		"\r", " ", "-", "Entering Passive Mode ", "=", "2001:db8:1::10", "::", "port ",
		"\x7f", "\xff", "%",
	};
	uint64_t rng = 42;
	uint32_t cseq = CSEQ + 1, sseq = SSEQ + 1;
	struct gnat_counters c;
	int32_t total = 0;
	struct fx f;
	struct out o;
	char line[256];

	fx_open(&f, true);
	handshake(&f);
	for (int i = 0; i < 3000; i++) {
		size_t n = 0, k = 1 + tu_rand(&rng) % 8;
		bool from_server = tu_rand(&rng) & 1;

		unsigned mode = (unsigned)(tu_rand(&rng) % 4);

		if (mode < 2) {
			/* a valid PORT from the client, once in two cases with one
			 * byte overwritten at random */
			from_server = false;
			n = (size_t)snprintf(line, sizeof(line), "PORT 192,0,2,10,%u,%u\r\n",
					     (unsigned)(4 + tu_rand(&rng) % 250),
					     (unsigned)(tu_rand(&rng) % 256));
			if (mode == 1)
				line[tu_rand(&rng) % n] = (char)(1 + tu_rand(&rng) % 255);
		} else {
			for (size_t j = 0; j < k; j++) {
				const char *pc =
					pieces[tu_rand(&rng) % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t pl = strlen(pc);

				if (n + pl + 3 >= sizeof(line))
					break;
				memcpy(line + n, pc, pl);
				n += pl;
			}
			if (tu_rand(&rng) % 4)
				line[n++] = '\n';
		}
		line[n] = '\0';
		if (from_server)
			server_seg(&f, &o, sseq, cseq, NET_TCP_ACK | NET_TCP_PSH, line);
		else
			client_seg(&f, &o, cseq, sseq, NET_TCP_ACK | NET_TCP_PSH, line);
		CU_ASSERT_FATAL(o.res.verdict != GNAT_DROP);
		/* every earlier length change counted exactly once */
		CU_ASSERT(o.p.seq == (from_server ? sseq : cseq + (uint32_t)total));
		if (!strstr(line, "192,0,2,10,") && !strstr(line, "192.0.2.10"))
			CU_ASSERT(payload_is(&o, line));
		if (mode == 0)
			CU_ASSERT(o.p.payload_len > 18 &&
				  memcmp(o.buf + o.p.payload_off, "PORT 203,0,113,1,", 17) == 0);
		if (from_server) {
			sseq += (uint32_t)n;
		} else {
			cseq += (uint32_t)n;
			total += (int32_t)o.p.payload_len - (int32_t)n;
		}
	}
	CU_ASSERT(client_delta(&f) == total);
	get_counters(&f, &c);
	CU_ASSERT(c.editor_rewrites > 0); /* the generator does reach the editing path */
	fx_close(&f);
}

TU_MAIN("ftp_editor", TU_CASE(test_port_rewritten_and_data_expected),
	TU_CASE(test_several_ports_accumulate), TU_CASE(test_retransmitted_port_identical),
	TU_CASE(test_eprt_ipv4), TU_CASE(test_eprt_ipv6), TU_CASE(test_bounce_not_opened),
	TU_CASE(test_malformed_untouched), TU_CASE(test_split_line_not_edited),
	TU_CASE(test_227_plain_snat_untouched), TU_CASE(test_227_229_dnat),
	TU_CASE(test_229_port_changes_when_taken), TU_CASE(test_no_editor_no_rewrite),
	TU_CASE(test_inverse_round_trip), TU_CASE(test_port_among_other_lines),
	TU_CASE(test_no_room_drops_and_withdraws), TU_CASE(test_ports_exhausted_drops),
	TU_CASE(test_expectation_table_full_drops),
	TU_CASE(test_port_under_dnat), TU_CASE(test_inverse_227),
	TU_CASE(test_forward_inverse_identity), TU_CASE(test_random_lines_robust))
