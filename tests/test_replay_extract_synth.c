/* test_replay_extract_synth.c - the extractor on crafted captures: TCP
 * retransmissions, overlaps, reordering and holes, a capture starting
 * mid-session, AUTH TLS, over-long lines, unannounced and short transfers. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net/net_pkt.h"
#include "../replay/rep_extract.h"
#include "../replay/rep_stream.h"
#include "../replay/rep_writer.h"
#include "tu.h"
#include "tu_pkt.h"

#define CLI "192.0.2.10"
#define SRV "203.0.113.20"

struct synth {
	struct rep_writer *w;
	uint64_t ts;
	char path[64];
};

static void synth_open(struct synth *s)
{
	char err[256];

	snprintf(s->path, sizeof(s->path), "/tmp/gatelab-synth-%d.pcap", (int)getpid());
	s->ts = 1000000000ULL;
	CU_ASSERT_EQUAL_FATAL(rep_writer_open(s->path, DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, 65535,
					      &s->w, err, sizeof(err)), 0);
}

static void pkt(struct synth *s, const char *src, const char *dst, uint16_t sp, uint16_t dp,
		uint32_t seq, uint8_t flags, const char *payload)
{
	struct tu_pkt_spec sp_ = {0};
	uint8_t buf[4096];
	int n;

	sp_.proto = 6;
	sp_.src = src;
	sp_.dst = dst;
	sp_.sport = sp;
	sp_.dport = dp;
	sp_.seq = seq;
	sp_.ack = 1;
	sp_.tcp_flags = flags;
	sp_.payload = payload;
	sp_.payload_len = payload ? strlen(payload) : 0;
	n = tu_pkt_build(&sp_, buf, sizeof(buf));
	CU_ASSERT_TRUE_FATAL(n > 0);
	s->ts += 1000000;
	CU_ASSERT_EQUAL(rep_writer_write(s->w, s->ts, buf, (size_t)n, (size_t)n), 0);
}

/* Control segments: client->server at seq cs, server->client at seq ss. */
static void c2s(struct synth *s, uint32_t *cs, const char *line)
{
	pkt(s, CLI, SRV, 40000, 21, *cs, NET_TCP_ACK | NET_TCP_PSH, line);
	*cs += (uint32_t)strlen(line);
}

static void s2c(struct synth *s, uint32_t *ss, const char *line)
{
	pkt(s, SRV, CLI, 21, 40000, *ss, NET_TCP_ACK | NET_TCP_PSH, line);
	*ss += (uint32_t)strlen(line);
}

static void synth_extract(struct synth *s, struct rep_capture *c)
{
	char err[256];

	CU_ASSERT_EQUAL_FATAL(rep_writer_commit(s->w, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rep_extract_file(s->path, c, NULL, NULL, err, sizeof(err)), 0);
	unlink(s->path);
}

static bool has_note(const struct rep_session *s, const char *what)
{
	for (size_t i = 0; i < s->n_notes; i++)
		if (strstr(s->notes[i], what))
			return true;
	return false;
}

/* A passive RETR whose data connection opens at 203.0.113.20:50000. */
static void passive_retr(struct synth *s, uint32_t *cs, uint32_t *ss, const char *data_a,
			 const char *data_b, bool fin, const char *prelim)
{
	c2s(s, cs, "PASV\r\n");
	s2c(s, ss, "227 Entering Passive Mode (203,0,113,20,195,80).\r\n");
	pkt(s, CLI, SRV, 40001, 50000, 100, NET_TCP_SYN, NULL);
	pkt(s, SRV, CLI, 50000, 40001, 500, NET_TCP_SYN | NET_TCP_ACK, NULL);
	c2s(s, cs, "RETR f.bin\r\n");
	s2c(s, ss, prelim);
	pkt(s, SRV, CLI, 50000, 40001, 501, NET_TCP_ACK, data_a);
	pkt(s, SRV, CLI, 50000, 40001, 501, NET_TCP_ACK, data_a); /* retransmitted */
	if (data_b)
		pkt(s, SRV, CLI, 50000, 40001, 501 + 10 + (uint32_t)strlen(data_a), NET_TCP_ACK,
		    data_b); /* after a 10-byte hole */
	if (fin) {
		/* the FIN right after the last byte sent (its sequence number shows a
		 * hole before it, if any) */
		pkt(s, SRV, CLI, 50000, 40001,
		    501 + (uint32_t)strlen(data_a) + (data_b ? 10 + (uint32_t)strlen(data_b) : 0),
		    NET_TCP_FIN | NET_TCP_ACK, NULL);
		pkt(s, CLI, SRV, 40001, 50000, 101, NET_TCP_FIN | NET_TCP_ACK, NULL);
	}
	s2c(s, ss, "226 Transfer complete.\r\n");
}

static void login(struct synth *s, uint32_t *cs, uint32_t *ss)
{
	pkt(s, CLI, SRV, 40000, 21, *cs - 1, NET_TCP_SYN, NULL);
	pkt(s, SRV, CLI, 21, 40000, *ss - 1, NET_TCP_SYN | NET_TCP_ACK, NULL);
	s2c(s, ss, "220 hi\r\n");
	c2s(s, cs, "USER anonymous\r\n");
	s2c(s, ss, "331 pw\r\n");
	c2s(s, cs, "PASS x\r\n");
	s2c(s, ss, "230-Welcome\r\n continued\r\n230 ok\r\n");
}

static void test_complete_retr_retransmitted(void)
{
	struct synth s;
	struct rep_capture c;
	uint32_t cs = 1001, ss = 5001;

	synth_open(&s);
	login(&s, &cs, &ss);
	passive_retr(&s, &cs, &ss, "0123456789abcdef", NULL, true,
		     "150 Opening (16 bytes)\r\n");
	/* the QUIT line sent twice (a retransmission) and its reply */
	pkt(&s, CLI, SRV, 40000, 21, cs, NET_TCP_ACK, "QUIT\r\n");
	c2s(&s, &cs, "QUIT\r\n");
	s2c(&s, &ss, "221 bye\r\n");
	synth_extract(&s, &c);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	const struct rep_session *se = c.sessions[0];

	CU_ASSERT_TRUE(se->handshake);
	CU_ASSERT_EQUAL_FATAL(se->n_cmds, 5); /* USER PASS PASV RETR QUIT */
	CU_ASSERT_STRING_EQUAL(se->cmds[4].verb, "QUIT");
	CU_ASSERT_EQUAL(se->cmds[1].reply, 230);
	CU_ASSERT_PTR_NOT_NULL(strstr(se->cmds[1].reply_text, " continued"));
	CU_ASSERT_EQUAL(se->greeting, 220);
	CU_ASSERT_EQUAL_FATAL(se->n_xfers, 1);
	CU_ASSERT_EQUAL(se->xfers[0].bytes, 16);
	CU_ASSERT_EQUAL(se->xfers[0].announced_size, 16);
	CU_ASSERT_TRUE(se->xfers[0].passive);
	CU_ASSERT_TRUE(se->xfers[0].complete);
	CU_ASSERT_TRUE(se->cmds[3].t_ns > se->cmds[0].t_ns);
	CU_ASSERT_EQUAL(c.unannounced_flows, 0);
	rep_capture_free(&c);
}

static void test_data_hole_incomplete(void)
{
	struct synth s;
	struct rep_capture c;
	uint32_t cs = 1001, ss = 5001;

	synth_open(&s);
	login(&s, &cs, &ss);
	passive_retr(&s, &cs, &ss, "0123456789", "abcdefghij", true, "150 go\r\n");
	synth_extract(&s, &c);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	CU_ASSERT_EQUAL_FATAL(c.sessions[0]->n_xfers, 1);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].bytes, 20);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].lost, 10);
	CU_ASSERT_FALSE(c.sessions[0]->xfers[0].complete);
	rep_capture_free(&c);
}

static void test_announced_size_larger(void)
{
	struct synth s;
	struct rep_capture c;
	uint32_t cs = 1001, ss = 5001;

	synth_open(&s);
	login(&s, &cs, &ss);
	passive_retr(&s, &cs, &ss, "0123456789", NULL, true, "150 Opening (100 bytes)\r\n");
	synth_extract(&s, &c);
	CU_ASSERT_EQUAL_FATAL(c.sessions[0]->n_xfers, 1);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].bytes, 10);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].announced_size, 100);
	CU_ASSERT_FALSE(c.sessions[0]->xfers[0].complete);
	rep_capture_free(&c);
}

/* Server->client bytes lost in the middle of a reply: counted, and parsing
 * resumes at the next line. Client segments arrive out of order. */
static void test_control_gap_and_reorder(void)
{
	struct synth s;
	struct rep_capture c;
	uint32_t cs = 1001, ss = 5001;

	synth_open(&s);
	login(&s, &cs, &ss);
	/* "CWD a\r\n" then "PWD\r\n", the second segment first; an overlapping copy */
	pkt(&s, CLI, SRV, 40000, 21, cs + 7, NET_TCP_ACK, "PWD\r\n");
	pkt(&s, CLI, SRV, 40000, 21, cs, NET_TCP_ACK, "CWD a\r\n");
	pkt(&s, CLI, SRV, 40000, 21, cs + 4, NET_TCP_ACK, "a\r\nPWD\r\n");
	cs += 12;
	/* 250 reply's first 6 bytes never captured */
	ss += 6;
	s2c(&s, &ss, "ne.\r\n257 \"/a\"\r\n");
	c2s(&s, &cs, "NOOP\r\n");
	s2c(&s, &ss, "200 ok\r\n");
	synth_extract(&s, &c);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	const struct rep_session *se = c.sessions[0];

	CU_ASSERT_EQUAL_FATAL(se->n_cmds, 5);
	CU_ASSERT_STRING_EQUAL(se->cmds[2].verb, "CWD");
	CU_ASSERT_STRING_EQUAL(se->cmds[3].verb, "PWD");
	CU_ASSERT_STRING_EQUAL(se->cmds[4].verb, "NOOP");
	CU_ASSERT_EQUAL(se->lost_s2c, 6);
	CU_ASSERT_EQUAL(se->lost_c2s, 0);
	CU_ASSERT_TRUE(has_note(se, "control bytes lost"));
	/* the CWD's reply was lost: the 257 is realigned with the PWD it answers */
	CU_ASSERT_EQUAL(se->cmds[2].reply, 0);
	CU_ASSERT_EQUAL(se->cmds[3].reply, 257);
	CU_ASSERT_EQUAL(se->cmds[4].reply, 200);
	rep_capture_free(&c);
}

static void test_mid_session_and_tls(void)
{
	struct synth s;
	struct rep_capture c;
	uint32_t cs = 7777, ss = 9999;

	synth_open(&s);
	/* no handshake: the server is the side on port 21 */
	s2c(&s, &ss, "200 ok\r\n");
	c2s(&s, &cs, "AUTH TLS\r\n");
	s2c(&s, &ss, "234 go ahead\r\n");
	c2s(&s, &cs, "\x16\x03\x01 binary junk PASV\r\n");
	c2s(&s, &cs, "USER secret\r\n");
	synth_extract(&s, &c);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	const struct rep_session *se = c.sessions[0];
	char a[NET_ADDR_STRLEN];

	CU_ASSERT_FALSE(se->handshake);
	CU_ASSERT_TRUE(has_note(se, "mid-session"));
	CU_ASSERT_TRUE(se->tls);
	CU_ASSERT_TRUE(has_note(se, "AUTH"));
	CU_ASSERT_EQUAL(se->n_cmds, 1);
	CU_ASSERT_EQUAL(net_addr_format(&se->server, a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, SRV);
	rep_capture_free(&c);
}

static void test_long_line_and_unannounced(void)
{
	struct synth s;
	struct rep_capture c;
	uint32_t cs = 1001, ss = 5001;
	char big[1200];

	synth_open(&s);
	login(&s, &cs, &ss);
	memset(big, 'x', sizeof(big));
	memcpy(big, "SITE ", 5);
	memcpy(big + sizeof(big) - 3, "\r\n", 3);
	c2s(&s, &cs, big);
	s2c(&s, &ss, "500 too long\r\n");
	/* a TCP flow nobody announced */
	pkt(&s, CLI, SRV, 40009, 6000, 1, NET_TCP_SYN, NULL);
	pkt(&s, CLI, SRV, 40009, 6000, 2, NET_TCP_ACK, "hello");
	synth_extract(&s, &c);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	CU_ASSERT_EQUAL(c.sessions[0]->truncated_lines, 1);
	CU_ASSERT_EQUAL_FATAL(c.sessions[0]->n_cmds, 3);
	CU_ASSERT_STRING_EQUAL(c.sessions[0]->cmds[2].verb, "SITE");
	CU_ASSERT_EQUAL(c.sessions[0]->cmds[2].reply, 500);
	CU_ASSERT_EQUAL(c.unannounced_flows, 1);
	CU_ASSERT_EQUAL(c.unannounced_bytes, 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.first_unannounced, "6000"));
	rep_capture_free(&c);
}

/* rep_stream alone: overlaps delivered once, a full store gives up a hole. */
struct sink {
	char buf[256];
	size_t len;
	int gaps;
};

static void sink_fn(void *ctx, const uint8_t *d, size_t len, bool gap)
{
	struct sink *k = ctx;

	if (gap)
		k->gaps++;
	if (d && k->len + len < sizeof(k->buf)) {
		memcpy(k->buf + k->len, d, len);
		k->len += len;
	}
}

static void test_stream_overlap_and_wrap(void)
{
	struct rep_stream st;
	struct sink k = {{0}, 0, 0};
	uint32_t isn = 0xfffffff0u; /* sequence numbers wrap inside the data */

	rep_stream_init(&st, true);
	CU_ASSERT_EQUAL(rep_stream_add(&st, isn, true, false, NULL, 0, sink_fn, &k), 0);
	CU_ASSERT_EQUAL(rep_stream_add(&st, isn + 1 + 10, false, false, (const uint8_t *)"KLMNOPQRST",
				       10, sink_fn, &k), 0);
	CU_ASSERT_EQUAL(k.len, 0);
	CU_ASSERT_EQUAL(rep_stream_add(&st, isn + 1, false, false, (const uint8_t *)"ABCDEFGHIJKL",
				       12, sink_fn, &k), 0);
	CU_ASSERT_EQUAL(rep_stream_add(&st, isn + 1 + 5, false, false, (const uint8_t *)"FGH", 3,
				       sink_fn, &k), 0);
	CU_ASSERT_EQUAL(k.len, 20);
	CU_ASSERT_EQUAL(memcmp(k.buf, "ABCDEFGHIJKLMNOPQRST", 20), 0);
	CU_ASSERT_EQUAL(st.delivered, 20);
	CU_ASSERT_EQUAL(st.lost, 0);
	/* more held than the receiver's window (none advertised: 64 KiB) allows: the
	 * hole before is given up, and counted */
	static uint8_t z[1000];
	uint32_t n = REP_STREAM_MIN_WINDOW / sizeof(z) + 1;

	memset(z, 'z', sizeof(z));
	for (uint32_t i = 0; i < n; i++)
		rep_stream_add(&st, isn + 1 + 30 + (uint32_t)sizeof(z) * i, false, false, z, sizeof(z),
			       sink_fn, &k);
	CU_ASSERT_EQUAL(st.lost, 10);
	CU_ASSERT_EQUAL(st.bound_hits, 1);
	CU_ASSERT_EQUAL(k.gaps, 1);
	rep_stream_flush(&st, sink_fn, &k);
	CU_ASSERT_EQUAL(st.n_pend, 0);
	CU_ASSERT_EQUAL(st.delivered, 20 + (uint64_t)n * sizeof(z));
	rep_stream_free(&st);

	/* a receiver advertising 1 MiB (a scaled window): 900 KB out of order are held,
	 * nothing is lost when the hole is filled */
	rep_stream_init(&st, false);
	rep_stream_add(&st, 1000, true, false, NULL, 0, sink_fn, &k);
	rep_stream_window(&st, 1u << 20);
	for (uint32_t i = 1; i <= 900; i++)
		rep_stream_add(&st, 1001 + 1000 * i, false, false, NULL, 1000, sink_fn, &k);
	CU_ASSERT_EQUAL(st.pend_bytes, 900000);
	CU_ASSERT_EQUAL(st.delivered, 0);
	rep_stream_add(&st, 1001, false, false, NULL, 1000, sink_fn, &k);
	CU_ASSERT_EQUAL(st.delivered, 901000);
	CU_ASSERT_EQUAL(st.lost, 0);
	CU_ASSERT_EQUAL(st.bound_hits, 0);
	CU_ASSERT_EQUAL(st.max_pend_bytes, 900000);
	/* a FIN whose sequence number is past what was seen: the bytes before it are lost */
	rep_stream_add(&st, 1001 + 901000 + 94, false, true, NULL, 0, sink_fn, &k);
	rep_stream_flush(&st, sink_fn, &k);
	CU_ASSERT_EQUAL(st.lost, 94);
	rep_stream_free(&st);
}

/* A hole the peer acknowledged past is given up at once; a segment 16 MiB+
 * ahead (even past a sequence wrap) is a hole, not reordering. */
static void test_stream_acked_and_far(void)
{
	struct rep_stream st;
	struct sink k = {{0}, 0, 0};

	rep_stream_init(&st, true);
	rep_stream_add(&st, 100, true, false, NULL, 0, sink_fn, &k);
	rep_stream_add(&st, 101, false, false, (const uint8_t *)"AB", 2, sink_fn, &k);
	rep_stream_add(&st, 107, false, false, (const uint8_t *)"GH", 2, sink_fn, &k);
	CU_ASSERT_EQUAL(k.len, 2);
	rep_stream_acked(&st, 105, sink_fn, &k); /* not past the held segment's start */
	CU_ASSERT_EQUAL(k.len, 2);
	rep_stream_acked(&st, 109, sink_fn, &k);
	CU_ASSERT_EQUAL(k.len, 4);
	CU_ASSERT_EQUAL(memcmp(k.buf, "ABGH", 4), 0);
	CU_ASSERT_EQUAL(st.lost, 4);
	CU_ASSERT_EQUAL(k.gaps, 1);
	rep_stream_free(&st);

	rep_stream_init(&st, false); /* counting only */
	rep_stream_add(&st, 0xfff00000u, true, false, NULL, 0, sink_fn, &k);
	rep_stream_add(&st, 0xfff00001u, false, false, NULL, 1000, sink_fn, &k);
	rep_stream_add(&st, 0xfff00001u + 5000, false, false, NULL, 10, sink_fn, &k); /* held */
	CU_ASSERT_EQUAL(st.delivered, 1000);
	/* 3 GB further on, past the wrap: the held segment and this one both count */
	rep_stream_add(&st, 0xfff00001u + 3000000000u, false, false, NULL, 100, sink_fn, &k);
	CU_ASSERT_EQUAL(st.delivered, 1110);
	CU_ASSERT_EQUAL(st.n_pend, 0);
	/* a retransmission just behind is still one */
	rep_stream_add(&st, 0xfff00001u + 3000000000u + 50, false, false, NULL, 50, sink_fn, &k);
	CU_ASSERT_EQUAL(st.delivered, 1110);
	CU_ASSERT_EQUAL(st.lost, 4000 + (3000000000u - 5010));
	rep_stream_free(&st);
}

TU_MAIN("replay_extract_synth", TU_CASE(test_complete_retr_retransmitted),
	TU_CASE(test_data_hole_incomplete), TU_CASE(test_announced_size_larger),
	TU_CASE(test_control_gap_and_reorder), TU_CASE(test_mid_session_and_tls),
	TU_CASE(test_long_line_and_unannounced), TU_CASE(test_stream_overlap_and_wrap),
	TU_CASE(test_stream_acked_and_far))
