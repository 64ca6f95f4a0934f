/* test_replay.c - the capture reader on every supported link type and on bad
 * files, the writer's no-partial-output guarantee, and the --redirect SPEC
 * parser. Captures are crafted here with pcap_open_dead + pcap_dump. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../net/net_csum.h"
#include "../net/net_pkt.h"
#include "../replay/rep_reader.h"
#include "../replay/rep_redirect.h"
#include "../replay/rep_translate.h"
#include "../replay/rep_writer.h"

#include "tu.h"
#include "tu_pkt.h"

static char tdir[64];

static const char *tpath(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tdir, name);
	return buf[i];
}

static void make_tdir(void)
{
	if (!tdir[0]) {
		snprintf(tdir, sizeof(tdir), "/tmp/gatelab_test_replay.XXXXXX");
		CU_ASSERT_FATAL(mkdtemp(tdir) != NULL);
	}
}

/* Number of entries in the temp dir (to prove nothing is left behind). */
static int dir_entries(void)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", tdir);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void clean_tdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -f %s/*", tdir);
	CU_ASSERT(system(cmd) == 0);
}

struct frame {
	const uint8_t *data;
	size_t caplen, len;
	time_t ts_sec; /* 0: 1700000000 + index */
};

static void write_capture(const char *path, int linktype, int precision, const struct frame *f,
			  size_t n)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(linktype, 262144, (u_int)precision);
	pcap_dumper_t *d;

	CU_ASSERT_FATAL(dead != NULL);
	d = pcap_dump_open(dead, path);
	CU_ASSERT_FATAL(d != NULL);
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = {.caplen = (bpf_u_int32)f[i].caplen,
					.len = (bpf_u_int32)f[i].len};

		h.ts.tv_sec = f[i].ts_sec ? f[i].ts_sec : 1700000000 + (time_t)i;
		h.ts.tv_usec = 123;
		pcap_dump((u_char *)d, &h, f[i].data);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

/* A TCP packet with 10 bytes of payload. */
static int build_tcp(const char *src, const char *dst, uint8_t *buf, size_t cap)
{
	struct tu_pkt_spec s = {.proto = 6, .src = src, .dst = dst, .sport = 40000, .dport = 21,
				.seq = 1, .ack = 1, .tcp_flags = 0x18,
				.payload = "USER anon\n", .payload_len = 10};

	return tu_pkt_build(&s, buf, cap);
}

/* Prepends hdr to an IP packet into out; returns the frame length. */
static size_t frame_with(const uint8_t *hdr, size_t hlen, const uint8_t *ip, size_t iplen,
			 uint8_t *out)
{
	memcpy(out, hdr, hlen);
	memcpy(out + hlen, ip, iplen);
	return hlen + iplen;
}

struct link_case {
	int linktype;
	const char *name;
	uint8_t hdr[24];
	size_t hlen;
	int family; /* 4 or 6 */
};

static void test_link_types(void)
{
	static const struct link_case cases[] = {
		{DLT_EN10MB, "ethernet", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00}, 14, 4},
		{DLT_EN10MB, "ethernet-vlan",
		 {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x05, 0x86, 0xdd}, 18, 6},
		{DLT_EN10MB, "ethernet-qinq",
		 {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x08, 0},
		 22, 4},
		{DLT_RAW, "raw4", {0}, 0, 4},
		{DLT_RAW, "raw6", {0}, 0, 6},
		{DLT_IPV4, "ipv4", {0}, 0, 4},
		{DLT_IPV6, "ipv6", {0}, 0, 6},
		{DLT_LINUX_SLL, "sll", {0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00}, 16, 4},
		{DLT_LINUX_SLL2, "sll2", {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5,
					  6, 0, 0}, 20, 6},
		{DLT_NULL, "null-le-inet", {2, 0, 0, 0}, 4, 4},
		{DLT_NULL, "null-be-inet", {0, 0, 0, 2}, 4, 4},
		{DLT_NULL, "null-le-inet6-24", {24, 0, 0, 0}, 4, 6},
		{DLT_NULL, "null-le-inet6-28", {28, 0, 0, 0}, 4, 6},
		{DLT_NULL, "null-be-inet6-30", {0, 0, 0, 30}, 4, 6},
		{DLT_LOOP, "loop-be-inet", {0, 0, 0, 2}, 4, 4},
		{DLT_LOOP, "loop-le-inet6-30", {30, 0, 0, 0}, 4, 6},
	};

	make_tdir();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct link_case *c = &cases[i];
		uint8_t ip[256], fr[300];
		int iplen = c->family == 4 ? build_tcp("192.0.2.10", "203.0.113.20", ip, sizeof(ip))
					   : build_tcp("2001:db8:1::10", "2001:db8:2::20", ip,
						       sizeof(ip));
		struct frame f = {0};
		struct rep_reader *r = NULL;
		struct rep_frame rf;
		char err[REP_ERR_LEN];

		CU_ASSERT_FATAL(iplen > 0);
		f.data = fr;
		f.caplen = f.len = frame_with(c->hdr, c->hlen, ip, (size_t)iplen, fr);
		write_capture(tpath(c->name), c->linktype, PCAP_TSTAMP_PRECISION_MICRO, &f, 1);
		CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath(c->name), &r, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(rep_reader_linktype(r), c->linktype);
		CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
		CU_ASSERT_EQUAL(rf.number, 1);
		CU_ASSERT_EQUAL(rf.ts_ns, 1700000000ULL * 1000000000ULL + 123000ULL);
		CU_ASSERT_EQUAL(rf.kind, REP_FRAME_IP);
		CU_ASSERT_EQUAL(rf.link_len, c->hlen);
		CU_ASSERT_EQUAL(rf.ip_off, c->hlen);
		CU_ASSERT_EQUAL(rf.ip_len, (size_t)iplen);
		CU_ASSERT_EQUAL(rf.ip_version, c->family);
		CU_ASSERT_FALSE(rf.cut);
		CU_ASSERT(memcmp(rf.data + rf.ip_off, ip, (size_t)iplen) == 0);
		CU_ASSERT_EQUAL(rep_reader_next(r, &rf), -ENODATA);
		if (rf.kind != REP_FRAME_IP)
			fprintf(stderr, "link case %s failed\n", c->name);
		rep_reader_close(r);
	}
	clean_tdir();
}

/* ARP passes as non-IP; a short IPv4 packet padded to 60 bytes keeps its own
 * length and the padding stays outside the IP packet. */
static void test_non_ip_and_padding(void)
{
	uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 0x08, 0x06};
	uint8_t ip[128], fr[128] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
	struct tu_pkt_spec s = {.proto = 17, .src = "192.0.2.1", .dst = "192.0.2.2",
				.sport = 53, .dport = 53, .payload = "x", .payload_len = 1};
	int iplen = tu_pkt_build(&s, ip, sizeof(ip));
	struct frame f[2];
	struct rep_reader *r = NULL;
	struct rep_frame rf;
	char err[REP_ERR_LEN];

	CU_ASSERT_FATAL(iplen == 29);
	memcpy(fr + 14, ip, (size_t)iplen); /* rest of fr is zero padding */
	f[0] = (struct frame){arp, sizeof(arp), sizeof(arp), 0};
	f[1] = (struct frame){fr, 60, 60, 0};
	make_tdir();
	write_capture(tpath("pad.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, f, 2);
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("pad.pcap"), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_reader_precision(r), PCAP_TSTAMP_PRECISION_NANO);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.kind, REP_FRAME_NON_IP);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.number, 2);
	CU_ASSERT_EQUAL(rf.ts_ns, 1700000001ULL * 1000000000ULL + 123ULL); /* nanoseconds */
	CU_ASSERT_EQUAL(rf.kind, REP_FRAME_IP);
	CU_ASSERT_EQUAL(rf.ip_len, 29);
	CU_ASSERT_EQUAL(rf.caplen, 60);
	CU_ASSERT_FALSE(rf.cut);
	rep_reader_close(r);
	clean_tdir();
}

/* A cut in the payload keeps the frame (headers translatable); a cut in the
 * TCP header marks it untranslatable; a cut in the Ethernet header too. */
static void test_snaplen_cut(void)
{
	uint8_t ip[128], fr[160] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
	int iplen = build_tcp("192.0.2.10", "203.0.113.20", ip, sizeof(ip));
	size_t full;
	struct frame f[3];
	struct rep_reader *r = NULL;
	struct rep_frame rf;
	char err[REP_ERR_LEN];

	CU_ASSERT_FATAL(iplen == 50);
	full = frame_with(fr, 14, ip, (size_t)iplen, fr);
	f[0] = (struct frame){fr, 14 + 45, full, 0}; /* 5 payload bytes missing */
	f[1] = (struct frame){fr, 14 + 30, full, 0}; /* inside the TCP header */
	f[2] = (struct frame){fr, 10, full, 0};      /* inside the Ethernet header */
	make_tdir();
	write_capture(tpath("cut.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, f, 3);
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("cut.pcap"), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.kind, REP_FRAME_IP);
	CU_ASSERT(rf.cut);
	CU_ASSERT_EQUAL(rf.ip_len, 45);
	CU_ASSERT_EQUAL(rf.ip_wire_len, 50);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.kind, REP_FRAME_CUT_HEADER);
	CU_ASSERT(rf.cut);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.kind, REP_FRAME_LINK_SHORT);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), -ENODATA);
	rep_reader_close(r);
	clean_tdir();
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(fwrite(data, 1, n, f) == n);
	fclose(f);
}

/* A small valid Ethernet capture of two TCP frames, returned in a malloc'd buffer. */
static uint8_t *valid_capture(size_t *len)
{
	uint8_t ip[128], fr[2][160] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00}};
	int iplen = build_tcp("192.0.2.10", "203.0.113.20", ip, sizeof(ip));
	struct frame f[2] = {{0}};

	memcpy(fr[1], fr[0], 14);
	f[0].data = fr[0];
	f[0].caplen = f[0].len = frame_with(fr[0], 14, ip, (size_t)iplen, fr[0]);
	f[1] = f[0];
	f[1].data = fr[1];
	frame_with(fr[1], 14, ip, (size_t)iplen, fr[1]);
	write_capture(tpath("valid.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, f, 2);
	return tu_read_file(tpath("valid.pcap"), len);
}

static int open_err(const char *path, char *err, size_t errlen)
{
	struct rep_reader *r = NULL;
	int rc = rep_reader_open(path, &r, err, errlen);

	CU_ASSERT(r == NULL || rc == 0);
	rep_reader_close(r);
	return rc;
}

static void test_bad_inputs(void)
{
	char err[REP_ERR_LEN];
	struct rep_reader *r = NULL;
	struct rep_frame rf;
	size_t n = 0;
	uint8_t *cap, *bad;
	uint8_t one[60] = {0};

	make_tdir();
	cap = valid_capture(&n);
	CU_ASSERT_FATAL(cap != NULL && n == 24 + 2 * (16 + 64));
	bad = malloc(n);
	CU_ASSERT_FATAL(bad != NULL);

	write_bytes(tpath("text"), "hello, this is not a capture\n", 29);
	CU_ASSERT_EQUAL(open_err(tpath("text"), err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "not a pcap or pcapng file") != NULL);

	write_bytes(tpath("empty"), "", 0);
	CU_ASSERT_EQUAL(open_err(tpath("empty"), err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "empty") != NULL);

	memcpy(bad, cap, n);
	bad[0] ^= 0x01; /* wrong magic */
	write_bytes(tpath("magic"), bad, n);
	CU_ASSERT_EQUAL(open_err(tpath("magic"), err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "unknown magic") != NULL);

	write_bytes(tpath("head"), cap, 10); /* file header cut */
	CU_ASSERT_EQUAL(open_err(tpath("head"), err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "truncated") != NULL);

	CU_ASSERT_EQUAL(open_err(tpath("missing"), err, sizeof(err)), -ENOENT);

	write_bytes(tpath("record"), cap, n - 20); /* second record cut */
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("record"), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), -EIO);
	CU_ASSERT_EQUAL(rep_reader_count(r), 1); /* the failing one is number 2 */
	CU_ASSERT(strstr(rep_reader_error(r), "truncated") != NULL);
	rep_reader_close(r);

	{
		struct frame f = {one, sizeof(one), sizeof(one), 0};
		struct frame g = {one, sizeof(one), 20, 0}; /* caplen > len */

		write_capture(tpath("caplen"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, &g, 1);
		CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("caplen"), &r, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(rep_reader_next(r, &rf), -EIO);
		CU_ASSERT(strstr(rep_reader_error(r), "captured length 60 exceeds") != NULL);
		rep_reader_close(r);

		write_capture(tpath("wifi"), DLT_IEEE802_11, PCAP_TSTAMP_PRECISION_MICRO, &f, 1);
		CU_ASSERT_EQUAL(open_err(tpath("wifi"), err, sizeof(err)), -EINVAL);
		CU_ASSERT(strstr(err, "unsupported link type 105 (IEEE802_11)") != NULL);
		write_capture(tpath("usr0"), DLT_USER0, PCAP_TSTAMP_PRECISION_MICRO, &f, 1);
		CU_ASSERT_EQUAL(open_err(tpath("usr0"), err, sizeof(err)), -EINVAL);
		CU_ASSERT(strstr(err, "unsupported link type 147 (unknown)") != NULL);
	}
	free(bad);
	free(cap);
	clean_tdir();
}

/* OUT appears only on commit; abort and failure leave the directory as it was. */
static void test_writer_temp_rename(void)
{
	uint8_t data[64] = {1, 2, 3};
	struct rep_writer *w = NULL;
	struct rep_reader *r = NULL;
	struct rep_frame rf;
	char err[REP_ERR_LEN];

	make_tdir();
	clean_tdir();
	CU_ASSERT_EQUAL_FATAL(rep_writer_open(tpath("out.pcap"), DLT_RAW,
					      PCAP_TSTAMP_PRECISION_NANO, 65535, &w, err,
					      sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_writer_write(w, 5000000123ULL, data, sizeof(data), sizeof(data)), 0);
	CU_ASSERT_EQUAL(rep_writer_write(w, 1, data, 10, 5), -EINVAL); /* caplen > len */
	CU_ASSERT(access(tpath("out.pcap"), F_OK) != 0); /* not yet */
	CU_ASSERT_EQUAL(dir_entries(), 1);                /* only the temporary */
	rep_writer_abort(w);
	CU_ASSERT_EQUAL(dir_entries(), 0);

	CU_ASSERT_EQUAL_FATAL(rep_writer_open(tpath("out.pcap"), DLT_RAW,
					      PCAP_TSTAMP_PRECISION_NANO, 65535, &w, err,
					      sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_writer_write(w, 5000000123ULL, data, 20, sizeof(data)), 0);
	CU_ASSERT_EQUAL(rep_writer_commit(w, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dir_entries(), 1);
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("out.pcap"), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_reader_precision(r), PCAP_TSTAMP_PRECISION_NANO);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.ts_ns, 5000000123ULL);
	CU_ASSERT_EQUAL(rf.caplen, 20);
	CU_ASSERT_EQUAL(rf.wire_len, 64);
	CU_ASSERT(rf.cut);
	rep_reader_close(r);

	/* a directory that does not exist: an error, nothing created */
	CU_ASSERT(rep_writer_open("/nonexistent-gatelab/out.pcap", DLT_RAW,
				  PCAP_TSTAMP_PRECISION_MICRO, 65535, &w, err, sizeof(err)) < 0);
	CU_ASSERT(w == NULL);
	CU_ASSERT(strstr(err, "temporary") != NULL);
	clean_tdir();
}

/* translate on bad input: an error naming the packet, and no OUT at all. */
static void test_translate_no_partial_out(void)
{
	static struct rep_translate_opts o;
	struct rep_translate_result res;
	size_t n = 0;
	uint8_t *cap;

	make_tdir();
	clean_tdir();
	cap = valid_capture(&n);
	CU_ASSERT_FATAL(cap != NULL);
	write_bytes(tpath("cut.pcap"), cap, n - 20);
	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &o.inside[0]) == 0);
	o.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &o.public4) == 0);
	CU_ASSERT_EQUAL(rep_translate_run(tpath("cut.pcap"), tpath("out.pcap"), &o, &res), -EINVAL);
	CU_ASSERT_EQUAL(res.err_packet, 2);
	CU_ASSERT_FALSE(res.err_output);
	CU_ASSERT(strstr(res.err, "truncated") != NULL);
	CU_ASSERT(access(tpath("out.pcap"), F_OK) != 0);
	CU_ASSERT_EQUAL(dir_entries(), 2); /* valid.pcap and cut.pcap only */

	write_bytes(tpath("text"), "not a capture at all\n", 21);
	CU_ASSERT_EQUAL(rep_translate_run(tpath("text"), tpath("out.pcap"), &o, &res), -EINVAL);
	CU_ASSERT_EQUAL(res.err_packet, 0);
	CU_ASSERT(access(tpath("out.pcap"), F_OK) != 0);
	free(cap);
	clean_tdir();
}

struct rr_case {
	const char *spec;
	int ok;
	uint8_t proto;
	const char *mdst; /* match destination address or NULL */
	uint16_t dport;
	const char *nsrc;
	uint16_t nsport;
	const char *ndst;
	uint16_t ndport;
	const char *msrc;
	uint16_t sport;
	const char *err_has; /* substring expected in the error */
};

static void check_addr_eq(const struct net_addr *a, const char *want)
{
	struct net_addr w;

	CU_ASSERT_FATAL(net_addr_parse(want, &w) == 0);
	CU_ASSERT(net_addr_eq(a, &w));
}

static void test_redirect_parse(void)
{
	static const struct rr_case cases[] = {
		{"tcp:21=192.0.2.30:2121", 1, 6, NULL, 21, NULL, 0, "192.0.2.30", 2121, NULL, 0, NULL},
		{"udp:53=192.0.2.53", 1, 17, NULL, 53, NULL, 0, "192.0.2.53", 0, NULL, 0, NULL},
		{"tcp:203.0.113.20:21=192.0.2.30:21", 1, 6, "203.0.113.20", 21, NULL, 0,
		 "192.0.2.30", 21, NULL, 0, NULL},
		{"tcp:[2001:db8:2::20]:21=[2001:db8:1::30]:2121", 1, 6, "2001:db8:2::20", 21, NULL,
		 0, "2001:db8:1::30", 2121, NULL, 0, NULL},
		{"tcp:192.0.2.10:40000>203.0.113.20:21=203.0.113.1:50000>198.51.100.7:2121", 1, 6,
		 "203.0.113.20", 21, "203.0.113.1", 50000, "198.51.100.7", 2121, "192.0.2.10",
		 40000, NULL},
		{"tcp:192.0.2.10>203.0.113.20:21=203.0.113.1>198.51.100.7:21", 1, 6, "203.0.113.20",
		 21, "203.0.113.1", 0, "198.51.100.7", 21, "192.0.2.10", 0, NULL},
		{"tcp:[2001:db8:1::10]>[2001:db8:2::20]:21=[2001:db8:2::1]>[2001:db8:3::7]:21", 1, 6,
		 "2001:db8:2::20", 21, "2001:db8:2::1", 0, "2001:db8:3::7", 21, "2001:db8:1::10", 0,
		 NULL},
		{"sctp:21=192.0.2.30:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "protocol"},
		{"tcp:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "no '='"},
		{"tcp:21=1.2.3.4=5.6.7.8", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "more than one"},
		{"tcp:70000=192.0.2.30:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "bad port"},
		{"tcp:0=192.0.2.30:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "bad port"},
		{"tcp:21=192.0.2.300:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "bad address"},
		{"tcp:21=", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "target is empty"},
		{"tcp:21=2001:db8::1:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "without brackets"},
		{"tcp:21=[2001:db8::1:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "without ']'"},
		{"tcp:21=[2001:db8::1]x", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "bad port"},
		{"tcp:203.0.113.20=192.0.2.30:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		 "destination port"},
		{"tcp:203.0.113.20:21=[2001:db8::1]:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		 "family"},
		{"tcp:1.2.3.4>5.6.7.8=1.1.1.1>2.2.2.2:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		 "match destination needs a port"},
		{"tcp:1.2.3.4>5.6.7.8:21=2.2.2.2:21", 0, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
		 "both sides"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rr_case *c = &cases[i];
		struct gnat_redirect_spec s;
		char err[256] = "";
		int rc = rep_redirect_parse(c->spec, &s, err, sizeof(err));

		if ((rc == 0) != c->ok)
			fprintf(stderr, "spec %s: rc %d err '%s'\n", c->spec, rc, err);
		CU_ASSERT_EQUAL(rc == 0, c->ok);
		if (!c->ok) {
			CU_ASSERT_EQUAL(rc, -EINVAL);
			CU_ASSERT(strstr(err, c->spec) != NULL); /* names the spec */
			if (!strstr(err, c->err_has))
				fprintf(stderr, "spec %s: error '%s' lacks '%s'\n", c->spec, err,
					c->err_has);
			CU_ASSERT(strstr(err, c->err_has) != NULL);
			continue;
		}
		if (rc)
			continue;
		CU_ASSERT_EQUAL(s.match.proto, c->proto);
		CU_ASSERT_EQUAL(s.match.dport, c->dport);
		CU_ASSERT_FALSE(s.one_shot);
		CU_ASSERT_EQUAL(s.timeout_ns, 0);
		if (c->mdst) {
			check_addr_eq(&s.match.dst.addr, c->mdst);
			CU_ASSERT_EQUAL(s.match.dst.len, net_addr_len(&s.match.dst.addr) * 8);
		} else {
			CU_ASSERT_EQUAL(s.match.dst.addr.family, NET_AF_NONE);
		}
		if (c->msrc) {
			check_addr_eq(&s.match.src.addr, c->msrc);
			CU_ASSERT_EQUAL(s.match.sport, c->sport);
		} else {
			CU_ASSERT_EQUAL(s.match.src.addr.family, NET_AF_NONE);
		}
		CU_ASSERT(s.set_dst);
		check_addr_eq(&s.new_dst, c->ndst);
		CU_ASSERT_EQUAL(s.new_dport, c->ndport);
		CU_ASSERT_EQUAL(s.set_src, c->nsrc != NULL);
		if (c->nsrc) {
			check_addr_eq(&s.new_src, c->nsrc);
			CU_ASSERT_EQUAL(s.new_sport, c->nsport);
		}
	}
}

/* Reads the n-th (1-based) packet of a raw-IP capture and parses it. */
static void nth_packet(const char *path, uint64_t n, uint8_t *buf, struct net_pkt *p)
{
	struct rep_reader *r = NULL;
	struct rep_frame f;
	char err[REP_ERR_LEN];
	enum net_err e;

	CU_ASSERT_EQUAL_FATAL(rep_reader_open(path, &r, err, sizeof(err)), 0);
	for (uint64_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(rep_reader_next(r, &f), 0);
	memcpy(buf, f.data + f.ip_off, f.ip_len);
	CU_ASSERT_EQUAL_FATAL(net_pkt_parse(buf, f.ip_len, p, &e), 0);
	CU_ASSERT(net_pkt_checksums_ok(p));
	rep_reader_close(r);
}

static void assert_tuple(const struct net_pkt *p, const char *src, uint16_t sport,
			 const char *dst, uint16_t dport)
{
	check_addr_eq(&p->tuple.src, src);
	check_addr_eq(&p->tuple.dst, dst);
	CU_ASSERT_EQUAL(p->tuple.sport, sport);
	CU_ASSERT_EQUAL(p->tuple.dport, dport);
}

/* A server inside, published by --redirect tcp:21=192.0.2.30:21, seen from
 * each link: the other link's view is reconstructed both ways. */
static void test_translate_redirect_both_sides(void)
{
	static struct rep_translate_opts o;
	struct rep_translate_result res;
	struct tu_pkt_spec syn = {.proto = 6, .sport = 40000, .dport = 21, .seq = 100,
				  .tcp_flags = NET_TCP_SYN};
	struct tu_pkt_spec synack = {.proto = 6, .sport = 21, .dport = 40000, .seq = 500,
				     .ack = 101, .tcp_flags = NET_TCP_SYN | NET_TCP_ACK};
	uint8_t ip[2][128], buf[256];
	struct frame f[2];
	struct net_pkt p;
	char err[256];
	int n0, n1;

	make_tdir();
	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &o.inside[0]) == 0);
	o.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &o.public4) == 0);
	CU_ASSERT_FATAL(rep_redirect_parse("tcp:21=192.0.2.30:21", &o.redirects[0], err,
					   sizeof(err)) == 0);
	o.n_redirects = 1;

	/* captured outside: client -> public:21 and the answer from public:21 */
	syn.src = "198.51.100.7", syn.dst = "203.0.113.1";
	synack.src = "203.0.113.1", synack.dst = "198.51.100.7";
	n0 = tu_pkt_build(&syn, ip[0], sizeof(ip[0]));
	n1 = tu_pkt_build(&synack, ip[1], sizeof(ip[1]));
	CU_ASSERT_FATAL(n0 > 0 && n1 > 0);
	f[0] = (struct frame){ip[0], (size_t)n0, (size_t)n0, 0};
	f[1] = (struct frame){ip[1], (size_t)n1, (size_t)n1, 0};
	write_capture(tpath("outside.pcap"), DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, f, 2);
	o.side = REP_CAPTURE_OUTSIDE;
	CU_ASSERT_EQUAL_FATAL(rep_translate_run(tpath("outside.pcap"), tpath("in-view.pcap"), &o,
						&res), 0);
	CU_ASSERT_EQUAL(res.pkts_out, 2);
	CU_ASSERT_EQUAL(res.translated, 2);
	CU_ASSERT_EQUAL(res.sessions, 1);
	nth_packet(tpath("in-view.pcap"), 1, buf, &p);
	assert_tuple(&p, "198.51.100.7", 40000, "192.0.2.30", 21);
	nth_packet(tpath("in-view.pcap"), 2, buf, &p);
	assert_tuple(&p, "192.0.2.30", 21, "198.51.100.7", 40000);

	/* captured inside: the same two packets as the server saw them */
	syn.dst = "192.0.2.30";
	synack.src = "192.0.2.30";
	n0 = tu_pkt_build(&syn, ip[0], sizeof(ip[0]));
	n1 = tu_pkt_build(&synack, ip[1], sizeof(ip[1]));
	CU_ASSERT_FATAL(n0 > 0 && n1 > 0);
	write_capture(tpath("inside.pcap"), DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, f, 2);
	o.side = REP_CAPTURE_INSIDE;
	CU_ASSERT_EQUAL_FATAL(rep_translate_run(tpath("inside.pcap"), tpath("out-view.pcap"), &o,
						&res), 0);
	CU_ASSERT_EQUAL(res.pkts_out, 2);
	CU_ASSERT_EQUAL(res.translated, 2);
	CU_ASSERT_EQUAL(res.dropped, 0);
	nth_packet(tpath("out-view.pcap"), 1, buf, &p);
	assert_tuple(&p, "198.51.100.7", 40000, "203.0.113.1", 21);
	nth_packet(tpath("out-view.pcap"), 2, buf, &p);
	assert_tuple(&p, "203.0.113.1", 21, "198.51.100.7", 40000);

	/* without the redirect nothing explains the inbound SYN: dropped, counted */
	o.n_redirects = 0;
	CU_ASSERT_EQUAL_FATAL(rep_translate_run(tpath("inside.pcap"), tpath("out-view.pcap"), &o,
						&res), 0);
	CU_ASSERT_EQUAL(res.engine_drops[GNAT_DROP_UNKNOWN_ORIGIN], 1);
	CU_ASSERT(res.dropped >= 1);
	CU_ASSERT_EQUAL(res.pkts_out, res.pkts_in - res.dropped);
	clean_tdir();
}

/* A packet cut by the snaplen in its payload is translated (headers) and
 * keeps its wire length; one cut in its TCP header is dropped, counted. */
static void test_translate_snaplen_cut(void)
{
	static struct rep_translate_opts o;
	struct rep_translate_result res;
	static const char pay[] = "some payload that the snaplen cuts off";
	struct tu_pkt_spec s = {.proto = 6, .src = "192.0.2.10", .dst = "198.51.100.7",
				.sport = 40000, .dport = 80, .seq = 1, .tcp_flags = NET_TCP_SYN,
				.payload = pay, .payload_len = sizeof(pay) - 1};
	uint8_t ip[128];
	struct frame f[2];
	struct rep_reader *r = NULL;
	struct rep_frame rf;
	char err[REP_ERR_LEN];
	int n = tu_pkt_build(&s, ip, sizeof(ip));

	CU_ASSERT_FATAL(n > 45);
	f[0] = (struct frame){ip, 45, (size_t)n, 0}; /* 5 payload bytes kept */
	f[1] = (struct frame){ip, 30, (size_t)n, 0}; /* TCP header cut */
	make_tdir();
	write_capture(tpath("cut.pcap"), DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, f, 2);
	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &o.inside[0]) == 0);
	o.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &o.public4) == 0);
	CU_ASSERT_EQUAL_FATAL(rep_translate_run(tpath("cut.pcap"), tpath("o.pcap"), &o, &res), 0);
	CU_ASSERT_EQUAL(res.snaplen_cut, 1);
	CU_ASSERT_EQUAL(res.reader_drops[REP_DROP_SNAPLEN_HEADER], 1);
	CU_ASSERT_EQUAL(res.dropped, 1);
	CU_ASSERT_EQUAL(res.pkts_out, 1);
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("o.pcap"), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rep_reader_next(r, &rf), 0);
	CU_ASSERT_EQUAL(rf.caplen, 45);
	CU_ASSERT_EQUAL(rf.wire_len, (size_t)n);
	CU_ASSERT_EQUAL(rf.ip_wire_len, (size_t)n); /* total length restored */
	CU_ASSERT(memcmp(rf.data + 12, "\xcb\x00\x71\x01", 4) == 0); /* source 203.0.113.1 */
	CU_ASSERT(memcmp(rf.data + 16, ip + 16, 4) == 0);
	/* the IPv4 header checksum is right for the restored total length */
	CU_ASSERT_EQUAL(net_csum_fold(net_csum_add(0, rf.data, 20)), 0);
	CU_ASSERT_EQUAL(rep_reader_next(r, &rf), -ENODATA);
	rep_reader_close(r);
	clean_tdir();
}

/* Timestamps that go back: the engine's clock is clamped (counted), OUT
 * keeps each packet's own time. */
static void test_translate_time_backwards(void)
{
	static struct rep_translate_opts o;
	struct rep_translate_result res;
	struct tu_pkt_spec s = {.proto = 17, .src = "192.0.2.10", .dst = "198.51.100.7",
				.sport = 5000, .dport = 53, .payload = "q", .payload_len = 1};
	uint8_t ip[64];
	struct frame f[3];
	struct rep_reader *r = NULL;
	struct rep_frame rf;
	char err[REP_ERR_LEN];
	int n = tu_pkt_build(&s, ip, sizeof(ip));

	CU_ASSERT_FATAL(n > 0);
	f[0] = (struct frame){ip, (size_t)n, (size_t)n, 1700000100};
	f[1] = (struct frame){ip, (size_t)n, (size_t)n, 1700000050}; /* back 50 s */
	f[2] = (struct frame){ip, (size_t)n, (size_t)n, 1700000110};
	make_tdir();
	write_capture(tpath("t.pcap"), DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, f, 3);
	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &o.inside[0]) == 0);
	o.n_inside = 1;
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &o.public4) == 0);
	CU_ASSERT_EQUAL_FATAL(rep_translate_run(tpath("t.pcap"), tpath("o.pcap"), &o, &res), 0);
	CU_ASSERT_EQUAL(res.time_backwards, 1);
	CU_ASSERT_EQUAL(res.translated, 3);
	CU_ASSERT_EQUAL(res.sessions, 1); /* one UDP mapping, never expired by the step back */
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(tpath("o.pcap"), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rep_reader_precision(r), PCAP_TSTAMP_PRECISION_MICRO);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(rep_reader_next(r, &rf), 0);
		CU_ASSERT_EQUAL(rf.ts_ns, (uint64_t)f[i].ts_sec * 1000000000ULL + 123000ULL);
	}
	rep_reader_close(r);
	clean_tdir();
}

/* A capture read from a pipe (no rewind after the magic check) reads the
 * same records as the file itself; a pipe of text is refused by its magic. */
static void read_pipe(const uint8_t *data, size_t len, uint64_t *records, int *open_rc)
{
	char err[256], path[64];
	struct rep_reader *r = NULL;
	struct rep_frame f;
	int fds[2];
	pid_t pid;

	*records = 0;
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		size_t off = 0;

		close(fds[0]);
		while (off < len) {
			ssize_t n = write(fds[1], data + off, len - off);

			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	*open_rc = rep_reader_open(path, &r, err, sizeof(err));
	if (*open_rc == 0) {
		while (rep_reader_next(r, &f) == 0)
			(*records)++;
		rep_reader_close(r);
	}
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

static void test_reader_pipe(void)
{
	size_t len = 0;
	uint8_t *data = tu_read_file("pcaps/kernel-nat/lftp-port-inside.pcap", &len);
	static const uint8_t text[] = "this is not a capture\n";
	uint64_t n = 0;
	int rc = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	read_pipe(data, len, &n, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(n, 1092); /* the pair's README: 1092 packets */
	read_pipe(text, sizeof(text) - 1, &n, &rc);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	free(data);
}

static void test_cleanup(void)
{
	make_tdir();
	clean_tdir();
	CU_ASSERT(rmdir(tdir) == 0);
}

TU_MAIN("replay", TU_CASE(test_link_types), TU_CASE(test_non_ip_and_padding),
	TU_CASE(test_snaplen_cut), TU_CASE(test_bad_inputs), TU_CASE(test_writer_temp_rename),
	TU_CASE(test_translate_no_partial_out), TU_CASE(test_redirect_parse),
	TU_CASE(test_translate_redirect_both_sides), TU_CASE(test_translate_snaplen_cut),
	TU_CASE(test_translate_time_backwards), TU_CASE(test_reader_pipe),
	TU_CASE(test_cleanup))
