/* test_hostile.c - hostile inputs from docs/SECURITY.md that no other suite
 * covers: 10,000 pending redirects, a 10-million-packet capture streamed in
 * bounded memory, an FTP command one byte per segment, zero-length and
 * maximum-size payloads through the FTP editor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "../engine/gnat.h"
#include "../net/net_pkt.h"
#include "../replay/rep_reader.h"
#include "../replay/rep_translate.h"
#include "tu.h"
#include "tu_pkt.h"

#define H_CLIENT "192.0.2.10"
#define H_PUBLIC "203.0.113.1"
#define H_SERVER "198.51.100.7"
#define H_CAP 70000

struct h_out {
	uint8_t buf[H_CAP];
	size_t len;
	struct gnat_result res;
	struct net_pkt p;
};

static struct gnat *h_open(void)
{
	struct gnat_config cfg;
	struct gnat *g = NULL;

	gnat_config_default(&cfg);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg.inside[0]) == 0);
	cfg.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse(H_PUBLIC, &cfg.public4) == 0);
	cfg.ftp_editor = true;
	CU_ASSERT_FATAL(gnat_create(&cfg, &g) == 0);
	return g;
}

/* Build (payload of len bytes) and process; the result re-parsed if not dropped. */
static void h_send(struct gnat *g, struct h_out *o, enum gnat_side from, uint64_t now,
		   const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t seq,
		   uint32_t ack, uint8_t flags, const void *payload, size_t len)
{
	struct tu_pkt_spec s;
	enum net_err err;
	int n;

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
	s.payload_len = len;
	n = tu_pkt_build(&s, o->buf, sizeof(o->buf));
	CU_ASSERT_FATAL(n > 0);
	o->len = (size_t)n;
	memset(&o->res, 0, sizeof(o->res));
	CU_ASSERT_FATAL(gnat_process(g, o->buf, &o->len, sizeof(o->buf), from, now, &o->res) == 0);
	memset(&o->p, 0, sizeof(o->p));
	if (o->res.verdict != GNAT_DROP) {
		CU_ASSERT_FATAL(net_pkt_parse(o->buf, o->len, &o->p, &err) == 0);
		CU_ASSERT(net_pkt_checksums_ok(&o->p));
	}
}

/* A control session client:40000 -> server:21 through SYN, SYN-ACK, ACK;
 * returns the client's public port. */
static uint16_t h_handshake(struct gnat *g, struct h_out *o)
{
	uint16_t pub;

	h_send(g, o, GNAT_SIDE_INSIDE, 1, H_CLIENT, 40000, H_SERVER, 21, 1000, 0, NET_TCP_SYN,
	       NULL, 0);
	CU_ASSERT_FATAL(o->res.verdict == GNAT_FORWARD);
	pub = o->p.tuple.sport;
	h_send(g, o, GNAT_SIDE_OUTSIDE, 2, H_SERVER, 21, H_PUBLIC, pub, 5000, 1001,
	       NET_TCP_SYN | NET_TCP_ACK, NULL, 0);
	CU_ASSERT_FATAL(o->res.verdict == GNAT_FORWARD);
	h_send(g, o, GNAT_SIDE_INSIDE, 3, H_CLIENT, 40000, H_SERVER, 21, 1001, 5001, NET_TCP_ACK,
	       NULL, 0);
	CU_ASSERT_FATAL(o->res.verdict == GNAT_FORWARD);
	return pub;
}

static void test_10000_redirects_pending(void)
{
	static struct h_out o;
	struct gnat *g = h_open();
	struct gnat_counters c;
	uint32_t id;

	for (uint32_t i = 0; i < 10000; i++) {
		struct gnat_redirect_spec s;

		memset(&s, 0, sizeof(s));
		s.match.proto = 6;
		CU_ASSERT_FATAL(net_prefix_parse(H_PUBLIC "/32", &s.match.dst) == 0);
		s.match.dport = (uint16_t)(20000 + i);
		s.set_dst = true;
		CU_ASSERT_FATAL(net_addr_parse("192.0.2.20", &s.new_dst) == 0);
		s.new_dport = (uint16_t)(5000 + i);
		s.one_shot = true;
		CU_ASSERT_FATAL(gnat_redirect_add(g, &s, GNAT_NS_PER_S, &id) == 0);
	}
	gnat_counters_get(g, &c);
	CU_ASSERT_EQUAL(c.redirects_active, 10000);
	CU_ASSERT_EQUAL(c.redirects_refused, 0);

	/* The 7,777th is found among them and consumed by its session alone. */
	h_send(g, &o, GNAT_SIDE_OUTSIDE, 2 * GNAT_NS_PER_S, H_SERVER, 40000, H_PUBLIC, 27777, 1, 0,
	       NET_TCP_SYN, NULL, 0);
	CU_ASSERT_EQUAL(o.res.verdict, GNAT_FORWARD);
	CU_ASSERT_EQUAL(o.p.tuple.dport, 12777);
	gnat_counters_get(g, &c);
	CU_ASSERT_EQUAL(c.redirects_consumed, 1);
	CU_ASSERT_EQUAL(c.redirects_active, 9999);

	/* Unused, they expire together (default one-shot lifetime 60 s). */
	gnat_expire(g, 120 * GNAT_NS_PER_S);
	gnat_counters_get(g, &c);
	CU_ASSERT_EQUAL(c.redirects_active, 0);
	CU_ASSERT_EQUAL(c.redirects_expired, 9999);
	h_send(g, &o, GNAT_SIDE_OUTSIDE, 121 * GNAT_NS_PER_S, H_SERVER, 40001, H_PUBLIC, 20001, 1,
	       0, NET_TCP_SYN, NULL, 0);
	CU_ASSERT_NOT_EQUAL(o.res.verdict, GNAT_FORWARD);
	gnat_destroy(g);
}

/* A classic pcap (DLT_RAW) of n records, sparse: the records are holes of
 * zeros (caplen 0), so 10 million of them take 160 MB of file and no disk. */
static int h_sparse_capture(char *path, uint64_t n)
{
	static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
					0,    0,    0,    0,    0xff, 0xff, 0, 0, 101, 0, 0, 0};
	int fd = mkstemp(path), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
	    ftruncate(fd, (off_t)(sizeof(hdr) + 16 * n)) != 0)
		rc = -EIO;
	close(fd);
	return rc;
}

/* In a child: read the whole capture, then translate it; the exit status
 * says which count was wrong (0: both saw all n records). */
static int h_stream(const char *in, const char *out, uint64_t n)
{
	static struct rep_translate_opts o;
	static struct rep_translate_result res;
	char err[REP_ERR_LEN];
	struct rep_reader *r = NULL;
	struct rep_frame f;
	uint64_t count = 0;
	int rc;

	if (rep_reader_open(in, &r, err, sizeof(err)) != 0)
		return 2;
	while ((rc = rep_reader_next(r, &f)) == 0)
		count++;
	rep_reader_close(r);
	if (rc != -ENODATA || count != n)
		return 3;
	memset(&o, 0, sizeof(o));
	if (net_prefix_parse("192.0.2.0/24", &o.inside[0]) != 0 ||
	    net_addr_parse(H_PUBLIC, &o.public4) != 0)
		return 4;
	o.n_inside = 1;
	if (rep_translate_run(in, out, &o, &res) != 0 || res.pkts_in != n ||
	    res.reader_drops[REP_DROP_LINK_SHORT] + res.non_ip != n)
		return 5;
	return unlink(out) == 0 ? 0 : 6;
}

/* The peak RSS (kB) of a child streaming the capture, or -exit status. */
static long h_stream_peak(const char *in, const char *out, uint64_t n)
{
	struct rusage ru;
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -100;
	if (pid == 0)
		_exit(h_stream(in, out, n));
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status))
		return -101;
	if (WEXITSTATUS(status) != 0)
		return -WEXITSTATUS(status);
	return ru.ru_maxrss;
}

/* 10 million records streamed by the reader and by translate: every one is
 * counted, and the peak memory is that of a one-record capture (one record in
 * memory at a time). Each run is a fresh child so the peaks compare. Under
 * valgrind, 200,000 records. */
static void test_capture_10m_streamed(void)
{
	const uint64_t n = RUNNING_ON_VALGRIND ? 200000 : 10000000;
	char small[] = "/tmp/gatelab-hostile-XXXXXX", huge[] = "/tmp/gatelab-hostile-XXXXXX";
	char out[64];
	long peak1, peakn;

	CU_ASSERT_FATAL(h_sparse_capture(small, 1) == 0);
	CU_ASSERT_FATAL(h_sparse_capture(huge, n) == 0);
	snprintf(out, sizeof(out), "%s.out", small);
	peak1 = h_stream_peak(small, out, 1);
	peakn = h_stream_peak(huge, out, n);
	CU_ASSERT(peak1 > 0);
	CU_ASSERT(peakn > 0);
	CU_ASSERT(peakn - peak1 < 16 * 1024);
	unlink(small);
	unlink(huge);
}

/* "PORT 192,0,2,10,200,1\r\n" one byte per segment: the editor edits whole
 * lines in one segment only (like Linux's helper), so every byte must pass
 * untouched, checksummed, with no sequence shift and no expectation. */
static void test_ftp_command_one_byte_per_segment(void)
{
	static struct h_out o;
	static const char line[] = "PORT 192,0,2,10,200,1\r\n";
	struct gnat *g = h_open();
	struct gnat_counters c;
	uint16_t pub = h_handshake(g, &o);

	(void)pub;
	for (uint32_t i = 0; i < sizeof(line) - 1; i++) {
		h_send(g, &o, GNAT_SIDE_INSIDE, 4 + i, H_CLIENT, 40000, H_SERVER, 21, 1001 + i, 5001,
		       NET_TCP_ACK | NET_TCP_PSH, line + i, 1);
		CU_ASSERT_EQUAL(o.res.verdict, GNAT_FORWARD);
		CU_ASSERT_EQUAL(o.res.edits, 0);
		CU_ASSERT_EQUAL(o.p.payload_len, 1);
		CU_ASSERT_EQUAL(o.buf[o.p.payload_off], (uint8_t)line[i]);
		CU_ASSERT_EQUAL(o.p.seq, 1001 + i);
	}
	gnat_counters_get(g, &c);
	CU_ASSERT_EQUAL(c.editor_rewrites, 0);
	CU_ASSERT_EQUAL(c.redirects_added, 0);
	gnat_destroy(g);
}

/* A bare ACK on the control session, then the largest IPv4 packet there is
 * without a line end (passes untouched), then one ending in a PORT whose
 * rewrite would grow it past 65535 bytes: refused as no-space even though
 * the buffer has room, never wrapped into a short total length. */
static void test_zero_and_max_size_payloads(void)
{
	static struct h_out o;
	static uint8_t big[65535 - 40];
	static const char port[] = "PORT 192,0,2,10,200,1\r\n"; /* rewritten: 203,0,113,1 (+1) */
	struct gnat *g = h_open();

	h_handshake(g, &o);
	h_send(g, &o, GNAT_SIDE_INSIDE, 4, H_CLIENT, 40000, H_SERVER, 21, 1001, 5001, NET_TCP_ACK,
	       NULL, 0);
	CU_ASSERT_EQUAL(o.res.verdict, GNAT_FORWARD);
	CU_ASSERT_EQUAL(o.p.payload_len, 0);
	CU_ASSERT_EQUAL(o.res.edits, 0);

	memset(big, 'A', sizeof(big));
	h_send(g, &o, GNAT_SIDE_INSIDE, 5, H_CLIENT, 40000, H_SERVER, 21, 1001, 5001, NET_TCP_ACK,
	       big, sizeof(big));
	CU_ASSERT_EQUAL(o.res.verdict, GNAT_FORWARD);
	CU_ASSERT_EQUAL(o.len, 65535);
	CU_ASSERT_EQUAL(o.p.payload_len, sizeof(big));

	memcpy(big + sizeof(big) - (sizeof(port) - 1), port, sizeof(port) - 1);
	big[sizeof(big) - sizeof(port)] = '\n'; /* the PORT line starts a line */
	h_send(g, &o, GNAT_SIDE_INSIDE, 6, H_CLIENT, 40000, H_SERVER, 21, 1001 + sizeof(big), 5001,
	       NET_TCP_ACK, big, sizeof(big));
	CU_ASSERT_EQUAL(o.res.verdict, GNAT_DROP);
	CU_ASSERT_EQUAL(o.res.reason, GNAT_DROP_EDIT_NOSPACE);
	gnat_destroy(g);
}

TU_MAIN("hostile", TU_CASE(test_10000_redirects_pending), TU_CASE(test_capture_10m_streamed),
	TU_CASE(test_ftp_command_one_byte_per_segment), TU_CASE(test_zero_and_max_size_payloads))
