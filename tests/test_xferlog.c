/* test_xferlog.c - the xferlog(5) transfer log: each field's format, vsftpd
 * escaping of hostile names, a run writing one line per transfer per mode,
 * byte-identical across runs, temp + rename, and metrics' omitted count. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/sim_run.h"
#include "../sim/sim_xferlog.h"
#include "tu.h"

#define NS 1000000000ULL

static struct scen sc;
static struct rpt_metrics m;

/* Splits a line on runs of spaces; returns the field count (at most max). */
static size_t fields(const char *line, char f[][256], size_t max)
{
	size_t n = 0, i = 0;

	while (line[i] && n < max) {
		size_t k = 0;

		while (line[i] == ' ')
			i++;
		if (!line[i])
			break;
		while (line[i] && line[i] != ' ' && k + 1 < 256)
			f[n][k++] = line[i++];
		f[n++][k] = '\0';
	}
	return n;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- fields ----------------------------------------------------------------------- */

static void test_time_from_epoch(void)
{
	char t[SIM_XFERLOG_TIME_LEN];

	sim_xferlog_time(0, t);
	CU_ASSERT_STRING_EQUAL(t, "Sat Jan  1 00:00:00 2000");
	sim_xferlog_time(3 * NS + NS / 2, t); /* fractions are cut, as a clock reads */
	CU_ASSERT_STRING_EQUAL(t, "Sat Jan  1 00:00:03 2000");
	sim_xferlog_time((31ULL * 86400 + 13 * 3600 + 4 * 60 + 5) * NS, t);
	CU_ASSERT_STRING_EQUAL(t, "Tue Feb  1 13:04:05 2000");
	sim_xferlog_time(59ULL * 86400 * NS, t); /* 2000 is a leap year */
	CU_ASSERT_STRING_EQUAL(t, "Tue Feb 29 00:00:00 2000");
	sim_xferlog_time((366ULL * 86400 + 86399) * NS, t);
	CU_ASSERT_STRING_EQUAL(t, "Mon Jan  1 23:59:59 2001");
	sim_xferlog_time(10ULL * 86400 * NS, t); /* two-digit day: no padding */
	CU_ASSERT_STRING_EQUAL(t, "Tue Jan 11 00:00:00 2000");
}

static void test_transfer_seconds(void)
{
	CU_ASSERT(sim_xferlog_secs(NS / 5, NS - 1) == 1);     /* same second: 1, never 0 */
	CU_ASSERT(sim_xferlog_secs(NS - 1, 2 * NS + 1) == 2); /* clock readings 0 and 2 */
	CU_ASSERT(sim_xferlog_secs(5 * NS, 5 * NS) == 1);
	CU_ASSERT(sim_xferlog_secs(0, 3600 * NS) == 3600);
}

static void test_line_fields(void)
{
	struct sim_xferlog_rec r = {0};
	char line[1024], f[20][256];

	r.t_start_ns = 1 * NS + 1000;
	r.t_end_ns = 3 * NS + 5;
	r.remote_host = "192.0.2.10";
	r.bytes = 104857600;
	r.filename = "/pub/big.bin";
	r.filename_len = strlen(r.filename);
	r.direction = 'o';
	r.anonymous = true;
	r.user = "anonymous";
	r.user_len = 9;
	r.complete = true;
	CU_ASSERT(sim_xferlog_format(&r, line, sizeof(line)) == (int)strlen(line));
	CU_ASSERT_STRING_EQUAL(line, "Sat Jan  1 00:00:03 2000 2 192.0.2.10 104857600 /pub/big.bin"
				     " b _ o a anonymous ftp 0 * c");
	/* A real user's upload in ASCII that did not complete. */
	r.ascii = true;
	r.direction = 'i';
	r.anonymous = false;
	r.user = "bob";
	r.user_len = 3;
	r.complete = false;
	r.remote_host = "2001:db8:2::1";
	CU_ASSERT(sim_xferlog_format(&r, line, sizeof(line)) > 0);
	CU_ASSERT_FATAL(fields(line, f, 20) == 18);
	CU_ASSERT_STRING_EQUAL(f[6], "2001:db8:2::1");
	CU_ASSERT_STRING_EQUAL(f[9], "a");   /* transfer type */
	CU_ASSERT_STRING_EQUAL(f[10], "_");  /* special action */
	CU_ASSERT_STRING_EQUAL(f[11], "i");  /* direction */
	CU_ASSERT_STRING_EQUAL(f[12], "r");  /* access mode */
	CU_ASSERT_STRING_EQUAL(f[13], "bob");
	CU_ASSERT_STRING_EQUAL(f[14], "ftp");
	CU_ASSERT_STRING_EQUAL(f[15], "0");
	CU_ASSERT_STRING_EQUAL(f[16], "*");
	CU_ASSERT_STRING_EQUAL(f[17], "i");  /* completion */
	/* Too small a buffer is refused, not cut. */
	CU_ASSERT(sim_xferlog_format(&r, line, 40) == -ENOSPC);
}

static void test_direction_and_completion(void)
{
	static const struct {
		enum sim_ftpc_op op;
		int final;
		bool aborted;
		char dir;
		bool complete;
	} cases[] = {
		{SIM_FTPC_RETR, 226, false, 'o', true},  {SIM_FTPC_STOR, 226, false, 'i', true},
		{SIM_FTPC_APPE, 226, false, 'i', true},  {SIM_FTPC_STOU, 250, false, 'i', true},
		{SIM_FTPC_LIST, 226, false, 'o', true},  {SIM_FTPC_NLST, 226, false, 'o', true},
		{SIM_FTPC_MLSD, 226, false, 'o', true},  {SIM_FTPC_RETR, 426, false, 'o', false},
		{SIM_FTPC_STOR, 451, false, 'i', false}, {SIM_FTPC_ABOR, 226, true, 'o', false},
		{SIM_FTPC_ABOR, 226, false, 'o', true}, /* finished before the ABOR: lone 226 */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_ftpc_xfer x;
		struct sim_xferlog_rec r;

		memset(&x, 0, sizeof(x));
		memset(&r, 0, sizeof(r));
		x.op = cases[i].op;
		x.final_code = cases[i].final;
		x.aborted = cases[i].aborted;
		x.bytes = 1234 + i;
		x.t_start = 7 * NS;
		x.t_end = 9 * NS;
		sim_xferlog_rec_from_xfer(&x, &r);
		CU_ASSERT(r.direction == cases[i].dir);
		CU_ASSERT(r.complete == cases[i].complete);
		CU_ASSERT(r.bytes == 1234 + i);
		CU_ASSERT(r.t_start_ns == 7 * NS && r.t_end_ns == 9 * NS);
	}
}

static void test_hostile_names(void)
{
	/* Space, CR LF (a forged second line), NUL inside the length, DEL,
	 * 8-bit and a lone ESC: one field, printable, as vsftpd writes it. */
	static const char name[] = "/a b\r\nSat Jan  1 x\0y\x7f\xff\x1b.bin";
	struct sim_xferlog_rec r = {0};
	char out[64], line[1024], f[24][256];

	CU_ASSERT(sim_xferlog_escape(name, sizeof(name) - 1, out, sizeof(out)) ==
		  sizeof(name) - 1);
	CU_ASSERT_STRING_EQUAL(out, "/a_b??Sat_Jan__1_x?y???.bin");
	CU_ASSERT(sim_xferlog_escape("", 0, out, sizeof(out)) == 1);
	CU_ASSERT_STRING_EQUAL(out, "-");
	CU_ASSERT(sim_xferlog_escape("abcdef", 6, out, 4) == 3); /* cut, terminated */
	CU_ASSERT_STRING_EQUAL(out, "abc");

	r.remote_host = "198.51.100.7";
	r.filename = name;
	r.filename_len = sizeof(name) - 1;
	r.direction = 'o';
	r.user = "evil user\n";
	r.user_len = strlen(r.user);
	CU_ASSERT_FATAL(sim_xferlog_format(&r, line, sizeof(line)) > 0);
	CU_ASSERT(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL);
	for (const char *p = line; *p; p++)
		CU_ASSERT(*p >= 0x20 && *p < 0x7f);
	CU_ASSERT_FATAL(fields(line, f, 24) == 18);
	CU_ASSERT_STRING_EQUAL(f[8], "/a_b??Sat_Jan__1_x?y???.bin");
	CU_ASSERT_STRING_EQUAL(f[13], "evil_user?");
	/* An empty user keeps the field count. */
	r.user_len = 0;
	CU_ASSERT_FATAL(sim_xferlog_format(&r, line, sizeof(line)) > 0);
	CU_ASSERT(fields(line, f, 24) == 18);
}

/* ---- the file ------------------------------------------------------------------- */

static void test_temp_then_rename(void)
{
	char dir[] = "/tmp/gatelab-xl-XXXXXX", path[128], tmp[140];
	struct sim_xferlog *l = NULL;
	struct sim_xferlog_rec r = {0};
	uint8_t *buf;
	size_t len = 0;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/nat.xferlog", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	r.remote_host = "203.0.113.1";
	r.filename = "/f";
	r.filename_len = 2;
	r.direction = 'o';

	/* Discarded: nothing left behind. */
	CU_ASSERT_FATAL(sim_xferlog_open(path, &l) == 0);
	CU_ASSERT(sim_xferlog_write(l, &r) == 0);
	CU_ASSERT(exists(tmp) && !exists(path));
	CU_ASSERT(sim_xferlog_close(l, false) == 0);
	CU_ASSERT(!exists(tmp) && !exists(path));

	/* Committed: the whole file appears at once, under its name. */
	CU_ASSERT_FATAL(sim_xferlog_open(path, &l) == 0);
	CU_ASSERT(sim_xferlog_write(l, &r) == 0);
	r.bytes = 5;
	CU_ASSERT(sim_xferlog_write(l, &r) == 0);
	CU_ASSERT(!exists(path));
	CU_ASSERT(sim_xferlog_close(l, true) == 0);
	CU_ASSERT(!exists(tmp));
	buf = tu_read_file(path, &len);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT(len == 2 * strlen("Sat Jan  1 00:00:00 2000 1 203.0.113.1 0 /f b _ o r - ftp 0 * i\n"));
	CU_ASSERT(memcmp(buf, "Sat Jan  1 00:00:00 2000 1 203.0.113.1 0 /f b _ o r - ftp 0 * i\n"
			      "Sat Jan  1 00:00:00 2000 1 203.0.113.1 5 /f", 107) == 0);
	free(buf);
	CU_ASSERT(sim_xferlog_close(NULL, true) == 0);
	/* A directory that is not there: an error, no file. */
	CU_ASSERT(sim_xferlog_open("/nonexistent-gatelab-dir/x.xferlog", &l) == -ENOENT);
	CU_ASSERT(l == NULL);
	unlink(path);
	rmdir(dir);
}

/* ---- runs ----------------------------------------------------------------------- */

/* One client, IPv4 and IPv6: a download, an upload, a listing, an abort, a
 * name with a space, an ASCII transfer, a real (not anonymous) user. */
static const char small_yaml[] =
	"name: xl\n"
	"servers:\n"
	"  - {name: s, addresses: [198.51.100.20, 2001:db8:2::20],"
	" files: [{path: /pub/f.bin, size: 300KB}, {path: /pub/a b.txt, size: 2KB},"
	" {path: /pub/big.bin, size: 20MB}]}\n"
	"clients:\n"
	"  - {name: c, addresses: [192.0.2.10, 2001:db8:1::10]}\n"
	"sessions:\n"
	"  - {client: c, server: s, commands: [RETR /pub/f.bin, STOR /pub/up.bin 100KB,"
	" LIST /pub, ABOR /pub/big.bin 64KB]}\n"
	"  - {client: c, server: s, family: 6, data: active, user: bob, password: pw,"
	" start: 30ms, commands: [TYPE A, RETR /pub/a b.txt]}\n";

static int parse(const char *yaml)
{
	char err[SCEN_ERR_LEN];
	int rc = scen_parse_buf("xl", (const uint8_t *)yaml, strlen(yaml), &sc, err, sizeof(err));

	if (rc)
		printf("\nscen: %s\n", err);
	return rc;
}

static int run_into(const char *dir, uint64_t limit_ns)
{
	struct sim_run_opts o;
	char err[512] = "";
	int rc;

	sim_run_opts_default(&o);
	o.xferlog_dir = dir;
	o.time_limit_ns = limit_ns;
	rc = sim_run(&sc, &o, &m, err, sizeof(err));
	if (rc && rc != -ETIMEDOUT && rc != -ENOENT) /* the two the tests provoke */
		printf("\nsim_run: %d %s\n", rc, err);
	return rc;
}

/* The lines of DIR/MODE.xferlog (malloc'd text, lines split in place). */
static size_t read_lines(const char *dir, const char *mode, char **text, char *lines[], size_t max)
{
	char path[256];
	size_t len = 0, n = 0;
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/%s.xferlog", dir, mode);
	buf = tu_read_file(path, &len);
	*text = NULL;
	if (!buf)
		return 0;
	/* tu_read_file leaves room for one more byte */
	*text = (char *)buf;
	(*text)[len] = '\0';
	for (char *p = *text, *nl; *p && n < max; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break; /* every line must end with a newline */
		*nl = '\0';
		lines[n++] = p;
	}
	return n;
}

/* The fields of the line whose filename is name (-1: none, or several). */
static int line_for(char *lines[], size_t n, const char *name, char f[][256])
{
	int found = -1;

	for (size_t i = 0; i < n; i++) {
		if (fields(lines[i], f, 20) == 18 && strcmp(f[8], name) == 0) {
			if (found >= 0)
				return -1;
			found = (int)i;
		}
	}
	if (found >= 0)
		fields(lines[found], f, 20);
	return found;
}

static void check_mode_log(const char *dir, const struct rpt_mode_metrics *mm)
{
	static const char *const anon[] = {"/pub/f.bin", "/pub/up.bin", "/pub", "/pub/big.bin"};
	bool direct = strcmp(mm->mode, "direct") == 0;
	char *text, *lines[16], f[20][256];
	size_t n = read_lines(dir, mm->mode, &text, lines, 16);

	CU_ASSERT_FATAL(text != NULL);
	/* one line per transfer the client recorded (TYPE A is none), well formed */
	CU_ASSERT(n == 5);
	CU_ASSERT(n == mm->n_xfers);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_FATAL(fields(lines[i], f, 20) == 18);
		CU_ASSERT(strcmp(f[4], "2000") == 0 && strcmp(f[1], "Jan") == 0);
		CU_ASSERT(strtoull(f[5], NULL, 10) >= 1);
		CU_ASSERT(strcmp(f[10], "_") == 0 && strcmp(f[14], "ftp") == 0);
	}
	/* session 1: IPv4, anonymous, binary; the server sees the gateway */
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(line_for(lines, n, anon[i], f) >= 0);
		CU_ASSERT_STRING_EQUAL(f[6], direct ? "192.0.2.10" : "203.0.113.1");
		CU_ASSERT_STRING_EQUAL(f[9], "b");
		CU_ASSERT_STRING_EQUAL(f[12], "a");
		CU_ASSERT_STRING_EQUAL(f[13], "gatelab@"); /* the anonymous ID string */
	}
	line_for(lines, n, "/pub/f.bin", f);
	CU_ASSERT(strcmp(f[7], "300000") == 0 && strcmp(f[11], "o") == 0 &&
		  strcmp(f[17], "c") == 0);
	line_for(lines, n, "/pub/up.bin", f);
	CU_ASSERT(strcmp(f[7], "100000") == 0 && strcmp(f[11], "i") == 0 &&
		  strcmp(f[17], "c") == 0);
	line_for(lines, n, "/pub", f);
	CU_ASSERT(strtoull(f[7], NULL, 10) > 0 && strcmp(f[11], "o") == 0 &&
		  strcmp(f[17], "c") == 0);
	line_for(lines, n, "/pub/big.bin", f); /* aborted: incomplete, part of the file */
	CU_ASSERT(strcmp(f[11], "o") == 0 && strcmp(f[17], "i") == 0);
	CU_ASSERT(strtoull(f[7], NULL, 10) >= 64000 && strtoull(f[7], NULL, 10) < 20000000);
	/* session 2: IPv6, active, a real user, TYPE A, a name with a space */
	CU_ASSERT_FATAL(line_for(lines, n, "/pub/a_b.txt", f) >= 0);
	CU_ASSERT_STRING_EQUAL(f[6], direct ? "2001:db8:1::10" : "2001:db8:2::1");
	CU_ASSERT(strcmp(f[7], "2000") == 0 && strcmp(f[9], "a") == 0 &&
		  strcmp(f[11], "o") == 0);
	CU_ASSERT(strcmp(f[12], "r") == 0 && strcmp(f[13], "bob") == 0 && strcmp(f[17], "c") == 0);
	free(text);
}

static void test_run_logs_every_mode(void)
{
	char d1[] = "/tmp/gatelab-xl-XXXXXX", d2[] = "/tmp/gatelab-xl-XXXXXX", p[128];
	static const char *const modes[] = {"direct", "nat", "proxy", "fastpath"};

	CU_ASSERT_FATAL(mkdtemp(d1) && mkdtemp(d2));
	CU_ASSERT_FATAL(parse(small_yaml) == 0);
	CU_ASSERT_FATAL(run_into(d1, 0) == 0);
	CU_ASSERT_FATAL(m.n_modes == 4);
	for (size_t i = 0; i < m.n_modes; i++) {
		CU_ASSERT_STRING_EQUAL(m.modes[i].mode, modes[i]);
		check_mode_log(d1, &m.modes[i]);
		CU_ASSERT(m.modes[i].xfers_omitted == 0);
	}
	/* the same run again: the same bytes, no temp files left */
	CU_ASSERT_FATAL(run_into(d2, 0) == 0);
	for (size_t i = 0; i < 4; i++) {
		char q[128];
		size_t l1 = 0, l2 = 0;
		uint8_t *a, *b;

		snprintf(p, sizeof(p), "%s/%s.xferlog", d1, modes[i]);
		snprintf(q, sizeof(q), "%s/%s.xferlog", d2, modes[i]);
		a = tu_read_file(p, &l1);
		b = tu_read_file(q, &l2);
		CU_ASSERT(a && b && l1 == l2 && l1 > 0 && memcmp(a, b, l1) == 0);
		free(a);
		free(b);
		snprintf(q, sizeof(q), "%s/%s.xferlog.tmp", d2, modes[i]);
		CU_ASSERT(!exists(q));
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s.xferlog", d2, modes[i]);
		unlink(p);
	}
	rmdir(d1);
	rmdir(d2);
}

/* A run the time limit cuts short leaves no log (and no temp file); a log
 * an earlier run left stays as it was. */
static void test_failed_run_leaves_no_file(void)
{
	char d[] = "/tmp/gatelab-xl-XXXXXX", p[128];
	static const char old[] = "an earlier run's log\n";
	uint8_t *buf;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_FATAL(mkdtemp(d) != NULL);
	CU_ASSERT_FATAL(parse(small_yaml) == 0);
	sc.modes[SCEN_MODE_PROXY] = sc.modes[SCEN_MODE_FASTPATH] = false;
	snprintf(p, sizeof(p), "%s/nat.xferlog", d);
	f = fopen(p, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(old, f);
	fclose(f);
	/* 20 MB at 1 Gbit/s cannot finish in 50 ms */
	CU_ASSERT(run_into(d, 50000000ULL) == -ETIMEDOUT);
	CU_ASSERT(m.n_modes == 2);
	snprintf(p, sizeof(p), "%s/direct.xferlog", d);
	CU_ASSERT(!exists(p));
	snprintf(p, sizeof(p), "%s/direct.xferlog.tmp", d);
	CU_ASSERT(!exists(p));
	snprintf(p, sizeof(p), "%s/nat.xferlog.tmp", d);
	CU_ASSERT(!exists(p));
	snprintf(p, sizeof(p), "%s/nat.xferlog", d);
	buf = tu_read_file(p, &len);
	CU_ASSERT(buf && len == strlen(old) && memcmp(buf, old, len) == 0);
	free(buf);
	unlink(p);
	/* a log directory that is not there fails the run before it starts */
	CU_ASSERT(run_into("/nonexistent-gatelab-dir", 0) == -ENOENT);
	rmdir(d);
}

/* 5 sessions x 14 downloads = 70 transfers: 64 listed, 6 counted as
 * omitted, all 70 counted and logged, the count survives the JSON. */
static void test_metrics_omitted(void)
{
	char yaml[4096], d[] = "/tmp/gatelab-xl-XXXXXX", p[160], *text = NULL, *lines[80];
	struct rpt_metrics *back = malloc(sizeof(*back));
	size_t k, n;
	char err[256];

	CU_ASSERT_FATAL(back != NULL);
	CU_ASSERT_FATAL(mkdtemp(d) != NULL);
	k = (size_t)snprintf(yaml, sizeof(yaml),
			     "name: many\nmodes: [direct, fastpath]\n"
			     "servers: [{name: s, addresses: 198.51.100.20,"
			     " files: [{path: /f, size: 1KB}]}]\n"
			     "clients: [{name: c, addresses: 192.0.2.10}]\nsessions:\n");
	for (int s = 0; s < 5; s++) {
		k += (size_t)snprintf(yaml + k, sizeof(yaml) - k,
				      "  - {client: c, server: s, start: %dms, commands: [", s);
		for (int i = 0; i < 14; i++)
			k += (size_t)snprintf(yaml + k, sizeof(yaml) - k, "%sRETR /f",
					      i ? ", " : "");
		k += (size_t)snprintf(yaml + k, sizeof(yaml) - k, "]}\n");
	}
	CU_ASSERT_FATAL(k < sizeof(yaml));
	CU_ASSERT_FATAL(parse(yaml) == 0);
	CU_ASSERT_FATAL(run_into(d, 0) == 0);
	CU_ASSERT_FATAL(m.n_modes == 2);
	for (size_t i = 0; i < m.n_modes; i++) {
		const struct rpt_mode_metrics *mm = &m.modes[i];

		CU_ASSERT(mm->transfers_ok == 70 && mm->transfers_failed == 0);
		CU_ASSERT(mm->n_xfers == RPT_MAX_XFERS);
		CU_ASSERT(mm->xfers_omitted == 70 - RPT_MAX_XFERS);
		n = read_lines(d, mm->mode, &text, lines, 80);
		CU_ASSERT(n == 70); /* the log is not capped */
		free(text);
		snprintf(p, sizeof(p), "%s/%s.xferlog", d, mm->mode);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/m.json", d);
	CU_ASSERT_FATAL(rpt_metrics_write(&m, p) == 0);
	CU_ASSERT_FATAL(rpt_metrics_read(p, back, err, sizeof(err)) == 0);
	CU_ASSERT(back->modes[1].n_xfers == 64 && back->modes[1].xfers_omitted == 6);
	unlink(p);
	rmdir(d);
	free(back);
}

/* 1000 copies of a session: every transfer logged as its session ends,
 * within the run's virtual time, while the JSON lists 64 and counts the rest. */
static void test_many_sessions_stream(void)
{
	static const char yaml[] =
		"name: copies\nmodes: [nat]\n"
		"servers: [{name: s, addresses: 198.51.100.20, files: [{path: /f, size: 1KB}]}]\n"
		"clients: [{name: c, addresses: 192.0.2.10}]\n"
		"sessions: [{client: c, server: s, count: 1000, every: 1ms, commands: [RETR /f]}]\n";
	char d[] = "/tmp/gatelab-xl-XXXXXX", p[160], *text = NULL, **lines, f[20][256];
	size_t n;

	lines = calloc(1100, sizeof(*lines));
	CU_ASSERT_FATAL(lines != NULL);
	CU_ASSERT_FATAL(mkdtemp(d) != NULL);
	CU_ASSERT_FATAL(parse(yaml) == 0);
	CU_ASSERT_FATAL(run_into(d, 0) == 0);
	CU_ASSERT_FATAL(m.n_modes == 1);
	CU_ASSERT(m.modes[0].transfers_ok == 1000);
	CU_ASSERT(m.modes[0].n_xfers == 64 && m.modes[0].xfers_omitted == 936);
	n = read_lines(d, "nat", &text, lines, 1100);
	CU_ASSERT(n == 1000);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_FATAL(fields(lines[i], f, 20) == 18);
		CU_ASSERT(strcmp(f[7], "1000") == 0 && strcmp(f[17], "c") == 0);
		/* sessions start 1 ms apart: all end within the first few seconds */
		CU_ASSERT(strcmp(f[3], "00:00:00") == 0 || strcmp(f[3], "00:00:01") == 0);
	}
	free(text);
	free(lines);
	snprintf(p, sizeof(p), "%s/nat.xferlog", d);
	unlink(p);
	rmdir(d);
}

/* The reader: the new keys are optional, but a wrong "xfers_listed" is refused. */
static void test_reader_listed(void)
{
	struct rpt_metrics *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	json_t *doc, *mode;
	char err[256];

	CU_ASSERT_FATAL(a && b);
	strcpy(a->scenario, "x");
	a->n_modes = 1;
	strcpy(a->modes[0].mode, "nat");
	a->modes[0].n_xfers = 1;
	strcpy(a->modes[0].xfers[0].cmd, "RETR /f");
	strcpy(a->modes[0].xfers[0].path, "kernel");
	strcpy(a->modes[0].xfers[0].hash, "0000000000000001");
	a->modes[0].xfers_omitted = 9;
	doc = rpt_metrics_to_json(a);
	CU_ASSERT_FATAL(doc != NULL);
	mode = json_object_get(json_object_get(doc, "modes"), "nat");
	CU_ASSERT(json_integer_value(json_object_get(mode, "xfers_listed")) == 1);
	CU_ASSERT(json_integer_value(json_object_get(mode, "xfers_omitted")) == 9);
	CU_ASSERT(rpt_metrics_from_json(doc, b, err, sizeof(err)) == 0);
	CU_ASSERT(b->modes[0].xfers_omitted == 9);
	json_object_set_new(mode, "xfers_listed", json_integer(2));
	CU_ASSERT(rpt_metrics_from_json(doc, b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "xfers_listed") != NULL);
	json_object_del(mode, "xfers_listed");
	json_object_del(mode, "xfers_omitted");
	CU_ASSERT(rpt_metrics_from_json(doc, b, err, sizeof(err)) == 0);
	CU_ASSERT(b->modes[0].xfers_omitted == 0);
	json_decref(doc);
	free(a);
	free(b);
}

TU_MAIN("xferlog", TU_CASE(test_time_from_epoch), TU_CASE(test_transfer_seconds),
	TU_CASE(test_line_fields), TU_CASE(test_direction_and_completion),
	TU_CASE(test_hostile_names), TU_CASE(test_temp_then_rename),
	TU_CASE(test_run_logs_every_mode), TU_CASE(test_failed_run_leaves_no_file),
	TU_CASE(test_metrics_omitted), TU_CASE(test_many_sessions_stream),
	TU_CASE(test_reader_listed))
