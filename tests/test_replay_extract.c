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
	CU_ASSERT_EQUAL(c.unannounced_flows, 0);
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
		CU_ASSERT_EQUAL(s->lost_c2s + s->lost_s2c, 0);
		for (size_t i = 0; i < e->n && i < s->n_xfers; i++) {
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
	static const char *const dirs[] = {"pcaps/kernel-nat", "pcaps/suricata", "pcaps/zeek"};
	size_t seen = 0;

	for (size_t d = 0; d < 3; d++) {
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
	TU_CASE(test_suricata_replies), TU_CASE(test_bad_input))
