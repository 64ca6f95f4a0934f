/* test_replay_extract.c - the session extractor on every capture in pcaps/:
 * sessions, commands and per-transfer command/size/mode against independent
 * oracles (kernel-nat JSON, Zeek's ftp.log, Suricata's README, tshark). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../replay/rep_extract.h"
#include "tu.h"

struct exp_xfer {
	const char *cmd;
	uint64_t bytes;
	const char *mode;        /* "passive", "active" */
	bool complete;
};

struct exp_cap {
	const char *file;
	size_t sessions;
	size_t cmds;             /* of the first session */
	const char *client, *server;
	struct exp_xfer x[8];
	size_t n;
	const char *note;        /* a session note that must be present, or NULL */
};

/* Sizes: Suricata README ("NLST (25 B)", "index.html (39 B)"); zeek LIST/NLST and
 * retr.pcap: tshark conv + tcp.len sums; kernel-nat and Zeek RETRs are checked
 * again against their oracle files below. */
static const struct exp_cap caps[] = {
	{"pcaps/kernel-nat/curl-pasv-inside.pcap", 1, 13, "192.0.2.10", "203.0.113.20",
	 {{"RETR", 1048576, "passive", true}, {"STOR", 1048576, "passive", true}}, 2, NULL},
	{"pcaps/kernel-nat/curl-pasv-outside.pcap", 1, 13, "203.0.113.1", "203.0.113.20",
	 {{"RETR", 1048576, "passive", true}, {"STOR", 1048576, "passive", true}}, 2, NULL},
	{"pcaps/kernel-nat/lftp-port-inside.pcap", 1, 16, "192.0.2.10", "203.0.113.20",
	 {{"LIST", 142, "active", true}, {"RETR", 1048576, "active", true},
	  {"RETR", 1000, "active", true}}, 3, NULL},
	{"pcaps/kernel-nat/lftp-port-outside.pcap", 1, 16, "203.0.113.1", "203.0.113.20",
	 {{"LIST", 142, "active", true}, {"RETR", 1048576, "active", true},
	  {"RETR", 1000, "active", true}}, 3, NULL},
	{"pcaps/suricata/ftp-active-dynamic_port-02.pcap", 1, 3, "1.1.1.1", "2.2.2.2", {{0}}, 0,
	 NULL},
	{"pcaps/suricata/ftp-download-active.pcap", 1, 12, "172.23.0.3", "172.23.0.2",
	 {{"NLST", 25, "active", true}, {"RETR", 39, "active", true}, {"NLST", 25, "active", true}},
	 3, NULL},
	{"pcaps/suricata/ftp-download-passive.pcap", 1, 12, "172.23.0.3", "172.23.0.2",
	 {{"NLST", 25, "passive", true}, {"RETR", 39, "passive", true},
	  {"NLST", 25, "passive", true}}, 3, NULL},
	{"pcaps/suricata/ftp-upload-active.pcap", 1, 12, "172.23.0.3", "172.23.0.2",
	 {{"NLST", 25, "active", true}, {"STOR", 39, "active", true}, {"NLST", 25, "active", true}},
	 3, NULL},
	/* loopback, both ends 127.0.0.1 (BSD DLT_NULL); README: USER PASS SYST PORT PWD, with
	 * the PORT sent twice (retransmitted with other bytes: fuzzed) */
	{"pcaps/suricata/ftp-port-memcap.pcap", 1, 6, "127.0.0.1", "127.0.0.1", {{0}}, 0, NULL},
	{"pcaps/zeek/ftp-many-port-expected.pcap", 1, 500, "10.0.0.1", "10.0.0.2", {{0}}, 0, NULL},
	/* first 200 packets: starts mid-session, the third LIST is cut by the capture's end */
	{"pcaps/zeek/ftp-with-numbers-in-filename-first200.pcap", 1, 9, "192.168.21.95",
	 "164.107.123.6",
	 {{"LIST", 127, "passive", true}, {"LIST", 134, "passive", true},
	  {"LIST", 136692, "passive", false}}, 3, "handshake not captured"},
	{"pcaps/zeek/ipv4.pcap", 1, 15, "141.142.220.235", "199.233.217.249",
	 {{"LIST", 342, "passive", true}, {"RETR", 77, "passive", true},
	  {"LIST", 342, "active", true}, {"RETR", 77, "active", true}}, 4, NULL},
	{"pcaps/zeek/ipv6.pcap", 1, 22, "2001:470:1f11:81f:c999:d94:aa7c:2e3e",
	 "2001:470:4867:99::21",
	 {{"LIST", 342, "passive", true}, {"NLST", 43, "passive", true},
	  {"RETR", 77, "passive", true}, {"RETR", 77, "active", true},
	  {"LIST", 342, "active", true}}, 5, NULL},
	{"pcaps/zeek/retr.pcap", 1, 10, "141.142.228.5", "141.142.192.162",
	 {{"RETR", 16557, "passive", true}}, 1, NULL},
	/* Zeek's ftp.log: <init> 220, AUTH TLS 234, then nothing readable (tshark: FEAT
	 * before AUTH) */
	{"pcaps/zeek/ftp-auth-tls.pcap", 1, 2, "127.0.0.1", "127.0.0.1", {{0}}, 0, "AUTH"},
	/* SIZE says 5416666670; the capture holds 23822 bytes of it (tshark tcp.len sum
	 * of the data stream; its sequence numbers wrap) and the 270-byte LIST */
	{"pcaps/zeek/bigtransfer.pcap", 1, 12, "192.168.56.1", "192.168.56.101",
	 {{"LIST", 270, "passive", true}, {"RETR", 23822, "passive", false}}, 2, NULL},
	/* control channel only; 687 RETRs checked against Zeek's logs below */
	{"pcaps/zeek/cwd-navigation.pcap", 1, 3445, "10.3.22.91", "10.167.25.101", {{0}}, 687,
	 "control bytes lost"},
	/* Suricata README: USER PASS SYST TYPE PASV RETR, no data connection; the 5005-byte
	 * line (a RETR) is truncated, tshark shows 7 requests */
	{"pcaps/suricata/ftp-too-long-command.pcap", 1, 7, "1.1.1.1", "2.2.2.2",
	 {{"RETR", 0, "passive", false}, {"RETR", 0, "unknown", false}}, 2, "truncated"},
	/* Suricata README: control channel only (ProFTPD); tshark: 26 requests */
	{"pcaps/suricata/ftp-epsv.pcap", 1, 26, "192.168.1.182", "192.168.1.231",
	 {{"LIST", 0, "passive", false}, {"RETR", 0, "passive", false},
	  {"STOR", 0, "passive", false}, {"LIST", 0, "passive", false}}, 4, NULL},
	/* Suricata README: 10 sessions, PORT addresses not rewritten: only the first
	 * session's data connections are its own (tshark: NLST 10, RETR 1164 bytes) */
	/* pcaps/real (made by pcaps/real/make.sh; tshark -Y ftp): lftp's FEAT AUTH USER PASS
	 * PWD QUIT with a wrong password, then an anonymous RETR refused with 550 */
	{"pcaps/real/auth-fail-missing.pcap", 2, 6, "192.0.2.10", "203.0.113.20", {{0}}, 0, NULL},
	/* the other pcaps/real captures: sizes from tshark -z follow,tcp,raw (tcp.len sums
	 * where the snap length cut the payload); details in test_real_captures */
	{"pcaps/real/rest-ascii.pcap", 6, 10, "192.0.2.10", "203.0.113.20",
	 {{"RETR", 60000, "passive", true}}, 1, NULL},
	{"pcaps/real/lossy-retr.pcap", 1, 9, "192.0.2.10", "203.0.113.20",
	 {{"RETR", 2097152, "passive", true}}, 1, NULL},
	{"pcaps/real/nlst-snaplen128.pcap", 1, 13, "192.0.2.10", "203.0.113.20",
	 {{"NLST", 1537, "passive", false}, {"RETR", 100000, "passive", false}}, 2,
	 "control bytes lost"},
	{"pcaps/real/late-retransmission.pcap", 1, 9, "192.0.2.10", "203.0.113.20",
	 {{"RETR", 5000, "passive", true}}, 1, NULL},
	{"pcaps/suricata/ftp-ippair-leak-5204.pcap", 10, 7, "192.168.0.13", "192.168.0.10",
	 {{"NLST", 10, "active", true}, {"RETR", 1164, "active", true}}, 2, NULL},
};

static int extract(const char *path, struct rep_capture *c)
{
	char err[256];
	int rc = rep_extract_file(path, c, NULL, NULL, err, sizeof(err));

	if (rc)
		fprintf(stderr, "%s: %s\n", path, err);
	return rc;
}

static const char *mode_of(const struct rep_xfer *x)
{
	return !x->announced ? "unknown" : x->passive ? "passive" : "active";
}

static void check_one(const struct exp_cap *e)
{
	struct rep_capture c;
	char a[NET_ADDR_STRLEN];

	CU_ASSERT_EQUAL_FATAL(extract(e->file, &c), 0);
	CU_ASSERT_FALSE(c.read_error);
	CU_ASSERT_EQUAL(c.n_sessions, e->sessions);
	/* ippair-leak: 9 sessions x (NLST + RETR) connect where no PORT said */
	CU_ASSERT_EQUAL(c.unannounced_flows, strstr(e->file, "ippair-leak") ? 18 : 0);
	if (c.n_sessions >= 1) {
		const struct rep_session *s = c.sessions[0];
		bool noted = e->note == NULL;

		CU_ASSERT_EQUAL(s->n_cmds, e->cmds);
		CU_ASSERT_EQUAL(s->n_xfers, e->n);
		CU_ASSERT_EQUAL(net_addr_format(&s->client, a, sizeof(a)), 0);
		CU_ASSERT_STRING_EQUAL(a, e->client);
		CU_ASSERT_EQUAL(net_addr_format(&s->server, a, sizeof(a)), 0);
		CU_ASSERT_STRING_EQUAL(a, e->server);
		CU_ASSERT_EQUAL(s->server_port, 21);
		if (!e->note || strcmp(e->note, "control bytes lost") != 0) {
			CU_ASSERT_EQUAL(s->lost_c2s + s->lost_s2c, 0);
		}
		for (size_t i = 0; i < e->n && i < s->n_xfers && e->x[i].cmd; i++) {
			const struct rep_xfer *x = &s->xfers[i];

			if (strcmp(x->cmd, e->x[i].cmd) || x->bytes != e->x[i].bytes ||
			    strcmp(mode_of(x), e->x[i].mode) || x->complete != e->x[i].complete)
				fprintf(stderr, "%s: transfer %zu: %s %llu %s %d\n", e->file, i, x->cmd,
					(unsigned long long)x->bytes, mode_of(x), x->complete);
			CU_ASSERT_STRING_EQUAL(x->cmd, e->x[i].cmd);
			CU_ASSERT_EQUAL(x->bytes, e->x[i].bytes);
			CU_ASSERT_STRING_EQUAL(mode_of(x), e->x[i].mode);
			CU_ASSERT_EQUAL(x->complete, e->x[i].complete);
		}
		for (size_t i = 0; i < s->n_notes; i++)
			if (e->note && strstr(s->notes[i], e->note))
				noted = true;
		CU_ASSERT_TRUE(noted);
	}
	rep_capture_free(&c);
}

static void test_every_capture_table(void)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		check_one(&caps[i]);
}

/* Every pcap under pcaps/ has a row: a capture added later must get one. */
static void test_table_covers_pcaps_dir(void)
{
	static const char *const dirs[] = {"pcaps/kernel-nat", "pcaps/suricata", "pcaps/zeek",
					   "pcaps/real"};
	size_t seen = 0;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
		while ((de = readdir(dir)) != NULL) {
			char path[512];
			size_t l = strlen(de->d_name);
			bool found = false;

			if (l < 5 || strcmp(de->d_name + l - 5, ".pcap") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
				found = found || strcmp(caps[i].file, path) == 0;
			if (!found)
				fprintf(stderr, "no expectations for %s\n", path);
			CU_ASSERT_TRUE(found);
			seen++;
		}
		closedir(dir);
	}
	CU_ASSERT_EQUAL(seen, sizeof(caps) / sizeof(caps[0]));
}

/* pcaps/real (pcaps/real/make.sh: vsftpd 3.0.3 with lftp and curl), issue 11:
 * REST, ASCII mode, uploads, a lossy link, a snap length of 128 and a data
 * segment retransmitted after both FINs. Sizes: tshark -z follow,tcp,raw. */
static void test_real_captures(void)
{
	static const struct {
		const char *cmd;
		uint64_t bytes, rest, announced;
		bool ascii;
	} ra[] = {
		{"RETR", 60000, 40000, 100000, false}, /* curl -C 40000: 150 says the whole 100000 */
		{"RETR", 18800, 0, 18400, true},       /* TYPE A: 400 LF line ends became CRLF */
		{"STOR", 51200, 0, 0, false},
		{"APPE", 51200, 0, 0, false},
		{"STOR", 20000, 0, 0, false},
		{"STOR", 31200, 20000, 0, false},      /* lftp put -c: REST 20000 + STOR */
	};
	struct rep_capture c;

	CU_ASSERT_EQUAL_FATAL(extract("pcaps/real/rest-ascii.pcap", &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 6);
	for (size_t i = 0; i < 6; i++) {
		const struct rep_xfer *x = &c.sessions[i]->xfers[0];

		CU_ASSERT_EQUAL_FATAL(c.sessions[i]->n_xfers, 1);
		CU_ASSERT_STRING_EQUAL(x->cmd, ra[i].cmd);
		CU_ASSERT_EQUAL(x->bytes, ra[i].bytes);
		CU_ASSERT_EQUAL(x->rest, ra[i].rest);
		CU_ASSERT_EQUAL(x->announced_size, ra[i].announced);
		CU_ASSERT_EQUAL(x->ascii, ra[i].ascii);
		CU_ASSERT_EQUAL(x->lost, 0);
		CU_ASSERT_TRUE(x->complete);
	}
	rep_capture_free(&c);

	/* 3% of the server's segments dropped before the capture point: every byte is
	 * there (tcp.len sums to 2097152 with no duplicate), far more than 64 KiB at once
	 * out of order, within the client's scaled window */
	CU_ASSERT_EQUAL_FATAL(extract("pcaps/real/lossy-retr.pcap", &c), 0);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].bytes, 2097152);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].lost, 0);
	CU_ASSERT_TRUE(c.sessions[0]->xfers[0].complete);
	CU_ASSERT(c.max_out_of_order > 65536);
	CU_ASSERT_EQUAL(c.reassembly_bound_hits, 0);
	rep_capture_free(&c);

	/* -s 128: the data frames are cut; the sizes come from sequence numbers (tshark's
	 * tcp.len sums: 1537 and 100000, of which follow shows 124 and 4340) */
	CU_ASSERT_EQUAL_FATAL(extract("pcaps/real/nlst-snaplen128.pcap", &c), 0);
	CU_ASSERT_EQUAL(c.cut_frames, 73);
	CU_ASSERT_EQUAL(c.unreadable_frames, 0);
	CU_ASSERT_EQUAL_FATAL(c.sessions[0]->n_xfers, 2);
	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_TRUE(c.sessions[0]->xfers[i].unverifiable);
		CU_ASSERT_FALSE(c.sessions[0]->xfers[i].complete);
	}
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].bytes, 1537);
	rep_capture_free(&c);

	/* the server's first data segment again after both FINs (tshark: tcp.len sums to
	 * 9344 = 5000 + retransmissions): the transfer's, not a new unannounced flow */
	CU_ASSERT_EQUAL_FATAL(extract("pcaps/real/late-retransmission.pcap", &c), 0);
	CU_ASSERT_EQUAL(c.unannounced_flows, 0);
	CU_ASSERT_EQUAL(c.unannounced_bytes, 0);
	CU_ASSERT(c.late_segments >= 1);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[0].bytes, 5000);
	CU_ASSERT_TRUE(c.sessions[0]->xfers[0].complete);
	rep_capture_free(&c);
}

/* The kernel-nat JSON files: the transfers list (command, mode, bytes on each link). */
static void check_kernel_nat(const char *json, const char *pcap, const char *side)
{
	json_error_t je;
	json_t *doc = json_load_file(json, 0, &je), *xs;
	struct rep_capture c;
	size_t i;
	json_t *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	xs = json_object_get(doc, "transfers");
	CU_ASSERT_TRUE_FATAL(json_is_array(xs) && json_array_size(xs) > 0);
	CU_ASSERT_EQUAL_FATAL(extract(pcap, &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	CU_ASSERT_EQUAL(c.sessions[0]->n_xfers, json_array_size(xs));
	json_array_foreach(xs, i, t) {
		const struct rep_xfer *x;

		if (i >= c.sessions[0]->n_xfers)
			break;
		x = &c.sessions[0]->xfers[i];
		CU_ASSERT_STRING_EQUAL(x->cmd, json_string_value(json_object_get(t, "command")));
		CU_ASSERT_STRING_EQUAL(mode_of(x), json_string_value(json_object_get(t, "mode")));
		CU_ASSERT_EQUAL((json_int_t)x->bytes,
				json_integer_value(json_object_get(json_object_get(t, "bytes"), side)));
		CU_ASSERT_EQUAL(x->final, json_integer_value(json_object_get(t, "final_reply")));
		CU_ASSERT_TRUE(x->complete);
	}
	rep_capture_free(&c);
	json_decref(doc);
}

static void test_kernel_nat_oracle(void)
{
	check_kernel_nat("pcaps/kernel-nat/curl-pasv.json", "pcaps/kernel-nat/curl-pasv-inside.pcap",
			 "inside");
	check_kernel_nat("pcaps/kernel-nat/curl-pasv.json",
			 "pcaps/kernel-nat/curl-pasv-outside.pcap", "outside");
	check_kernel_nat("pcaps/kernel-nat/lftp-port.json", "pcaps/kernel-nat/lftp-port-inside.pcap",
			 "inside");
	check_kernel_nat("pcaps/kernel-nat/lftp-port.json",
			 "pcaps/kernel-nat/lftp-port-outside.pcap", "outside");
}

/* Zeek's ftp.log: each RETR row's file_size, and the data channel mode of the
 * PASV/PORT/EPSV/EPRT row before it (data_channel.passive T/F). */
static void check_zeek(const char *log, const char *pcap)
{
	FILE *f = fopen(log, "r");
	char line[2048];
	struct rep_capture c;
	size_t next = 0, rows = 0;
	bool passive = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(extract(pcap, &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	const struct rep_session *s = c.sessions[0];

	while (fgets(line, sizeof(line), f)) {
		char *fld[20] = {0}, *save = NULL;
		size_t n = 0;

		if (line[0] == '#')
			continue;
		for (char *t = strtok_r(line, "\t\n", &save); t && n < 20;
		     t = strtok_r(NULL, "\t\n", &save))
			fld[n++] = t;
		if (n < 15)
			continue;
		if (strcmp(fld[14], "T") == 0 || strcmp(fld[14], "F") == 0)
			passive = fld[14][0] == 'T';
		if (strcmp(fld[8], "RETR") != 0)
			continue;
		rows++;
		while (next < s->n_xfers && strcmp(s->xfers[next].cmd, "RETR") != 0)
			next++;
		CU_ASSERT_FATAL(next < s->n_xfers);
		CU_ASSERT_EQUAL(s->xfers[next].bytes, strtoull(fld[11], NULL, 10));
		CU_ASSERT_EQUAL(s->xfers[next].passive, passive);
		CU_ASSERT_EQUAL(s->xfers[next].final, atoi(fld[12]));
		next++;
	}
	CU_ASSERT_EQUAL(rows, 2);
	fclose(f);
	rep_capture_free(&c);
}

static void test_zeek_baselines(void)
{
	check_zeek("pcaps/zeek/baselines/ftp-ipv4.ftp.log", "pcaps/zeek/ipv4.pcap");
	check_zeek("pcaps/zeek/baselines/ftp-ipv6.ftp.log", "pcaps/zeek/ipv6.pcap");
}

/* A Zeek log's data rows as tab-separated fields. Returns the count. */
static size_t zeek_fields(char *line, char **fld, size_t max)
{
	char *save = NULL;
	size_t n = 0;

	if (line[0] == '#')
		return 0;
	for (char *t = strtok_r(line, "\t\n", &save); t && n < max; t = strtok_r(NULL, "\t\n", &save))
		fld[n++] = t;
	return n;
}

/* cwd-navigation: a control connection with holes in both directions. Zeek's
 * ftp.log: every RETR's size (from the 150 reply) and final code, in order;
 * its conn.log: missed_bytes, which must equal the bytes found lost. */
static void test_zeek_cwd_navigation(void)
{
	FILE *f = fopen("pcaps/zeek/baselines/cwd-navigation.ftp.log", "r");
	struct rep_capture c;
	char line[2048];
	char *fld[24];
	size_t next = 0, rows = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(extract("pcaps/zeek/cwd-navigation.pcap", &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	const struct rep_session *s = c.sessions[0];

	while (fgets(line, sizeof(line), f)) {
		if (zeek_fields(line, fld, 24) < 13 || strcmp(fld[8], "RETR") != 0)
			continue;
		rows++;
		CU_ASSERT_FATAL(next < s->n_xfers);
		CU_ASSERT_STRING_EQUAL(s->xfers[next].cmd, "RETR");
		CU_ASSERT_PTR_NOT_NULL(strstr(fld[9], s->xfers[next].arg));
		CU_ASSERT_EQUAL(s->xfers[next].announced_size, strtoull(fld[11], NULL, 10));
		CU_ASSERT_EQUAL(s->xfers[next].final, atoi(fld[12]));
		CU_ASSERT_FALSE(s->xfers[next].connected); /* data connections not captured */
		next++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(rows, 687);
	CU_ASSERT_EQUAL(next, s->n_xfers);
	f = fopen("pcaps/zeek/baselines/cwd-navigation.conn.log", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rows = 0;
	while (fgets(line, sizeof(line), f)) {
		/* ts uid orig_h orig_p resp_h resp_p proto service duration orig_bytes
		 * resp_bytes conn_state local_orig local_resp missed_bytes ... */
		if (zeek_fields(line, fld, 24) < 15)
			continue;
		rows++;
		CU_ASSERT_EQUAL(s->lost_c2s + s->lost_s2c, strtoull(fld[14], NULL, 10));
		CU_ASSERT_EQUAL(s->lost_c2s, 78);
	}
	fclose(f);
	CU_ASSERT_EQUAL(rows, 1);
	rep_capture_free(&c);
}

/* Zeek's ftp.log for ftp-auth-tls: the greeting and AUTH TLS -> 234, and then
 * the session is not read any further. */
static void test_zeek_auth_tls(void)
{
	struct rep_capture c;
	const struct rep_session *s;

	CU_ASSERT_EQUAL_FATAL(extract("pcaps/zeek/ftp-auth-tls.pcap", &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 1);
	s = c.sessions[0];
	CU_ASSERT_TRUE(s->tls);
	CU_ASSERT_EQUAL(s->greeting, 220);
	CU_ASSERT_EQUAL_FATAL(s->n_cmds, 2);
	CU_ASSERT_STRING_EQUAL(s->cmds[1].verb, "AUTH");
	CU_ASSERT_EQUAL(s->cmds[1].reply, 234);
	rep_capture_free(&c);
}

/* Suricata README: the replies of ftp-download-active, final codes in order. */
static void test_suricata_replies(void)
{
	static const int want[] = {220, 331, 230, 200, 200, 226, 200, 200, 226, 200, 200, 226, 221};
	struct rep_capture c;

	CU_ASSERT_EQUAL_FATAL(extract("pcaps/suricata/ftp-download-active.pcap", &c), 0);
	CU_ASSERT_EQUAL_FATAL(c.sessions[0]->n_replies, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT_EQUAL(c.sessions[0]->replies[i], want[i]);
	CU_ASSERT_EQUAL(c.sessions[0]->xfers[1].announced_size, 39);
	CU_ASSERT_STRING_EQUAL(c.sessions[0]->xfers[1].arg, "index.html");
	rep_capture_free(&c);
}

static void test_bad_input(void)
{
	struct rep_capture c;
	char err[256] = "";

	CU_ASSERT_TRUE(rep_extract_file("pcaps/README.md", &c, NULL, NULL, err, sizeof(err)) < 0);
	CU_ASSERT_TRUE(err[0] != '\0');
	CU_ASSERT_TRUE(rep_extract_file("pcaps/nonexistent.pcap", &c, NULL, NULL, err,
					sizeof(err)) < 0);
	CU_ASSERT_EQUAL(c.n_sessions, 0);
}

TU_MAIN("replay_extract", TU_CASE(test_every_capture_table), TU_CASE(test_table_covers_pcaps_dir),
	TU_CASE(test_kernel_nat_oracle), TU_CASE(test_zeek_baselines),
	TU_CASE(test_zeek_cwd_navigation), TU_CASE(test_zeek_auth_tls),
	TU_CASE(test_suricata_replies), TU_CASE(test_bad_input), TU_CASE(test_real_captures))
