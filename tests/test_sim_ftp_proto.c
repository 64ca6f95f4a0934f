/* test_sim_ftp_proto.c - the FTP server model as the wire shows it: 227
 * forms, bounce refusal, unknown commands, multi-line replies byte for byte,
 * login, file commands, limits, and scripted re-enactment of a capture. */
#include <stdlib.h>
#include <string.h>

#include "../sim/sim_ftpc.h"
#include "../sim/sim_ftpd.h"
#include "../sim/sim_host.h"
#include "../sim/sim_link.h"
#include "../sim/sim_sock.h"
#include "../sim/sim_world.h"
#include "tu.h"
#include "tu_sim.h"

struct pnet {
	struct sim_world w;
	struct sim_host c, s;
	struct sim_link l;
	struct sim_vfs vfs;
	struct sim_ftpd *d;
	struct sim_ftpc *fc;
};

static void pnet_init(struct pnet *n, const struct sim_ftpd_config *dc)
{
	memset(n, 0, sizeof(*n));
	tu_sim_pair_init(&n->w, 11, &n->c, "client", &n->s, "server", &n->l, NULL);
	/* a second server address, for a passive reply naming another address */
	CU_ASSERT_FATAL(sim_host_add_addr(&n->s, 0, "192.0.2.3") == 0);
	CU_ASSERT_FATAL(sim_vfs_init(&n->vfs, 99) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&n->vfs, "/pub/a.bin", 5000) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&n->vfs, "/pub/b.txt", 10) == 0);
	CU_ASSERT_FATAL(sim_ftpd_create(&n->s, &n->vfs, dc, &n->d) == 0);
}

static void pnet_free(struct pnet *n)
{
	sim_ftpc_destroy(n->fc);
	sim_ftpd_destroy(n->d);
	tu_sim_pair_free(&n->w, &n->c, &n->s, &n->l);
	sim_vfs_free(&n->vfs);
}

#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

static const struct sim_ftpc_result *run(struct pnet *n, enum sim_ftpc_mode mode,
					 const struct sim_ftpc_step *steps, size_t n_steps,
					 bool verify)
{
	struct sim_ftpc_config cc;

	sim_ftpc_config_default(&cc);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.2", &cc.server) == 0);
	cc.mode = mode;
	cc.steps = steps;
	cc.n_steps = n_steps;
	cc.verify = verify ? &n->vfs : NULL;
	CU_ASSERT_FATAL(sim_ftpc_start(&n->c, &cc, NULL, NULL, &n->fc) == 0);
	sim_sched_run(&n->w.sched, SIM_TIME_NEVER);
	return sim_ftpc_result(n->fc);
}

static void check_ok(const struct sim_ftpc_result *r)
{
	CU_ASSERT(r->done);
	CU_ASSERT(r->ok);
	if (!r->ok)
		fprintf(stderr, "\n  session failed: %s\n", r->reason);
}

/* The first logged reply of step with code, or NULL. */
static const struct sim_ftpc_reply *reply_of(const struct sim_ftpc_result *r, uint32_t step,
					     int code)
{
	for (size_t i = 0; i < r->n_replies; i++)
		if (r->replies[i].step == step && r->replies[i].code == code)
			return &r->replies[i];
	return NULL;
}

/* ---- a raw control client: pipelines lines, keeps every byte back ---- */

struct raw {
	struct sim_sock *s;
	const char *send;
	char got[16384];
	size_t len;
	int closed, eof;
};

static void raw_connected(struct sim_sock *s, void *ctx)
{
	struct raw *r = ctx;

	CU_ASSERT(sim_sock_send(s, r->send, strlen(r->send)) == (long)strlen(r->send));
}

static void raw_readable(struct sim_sock *s, void *ctx)
{
	struct raw *r = ctx;
	long k;

	while ((k = sim_sock_recv(s, r->got + r->len, sizeof(r->got) - 1 - r->len)) > 0)
		r->len += (size_t)k;
	r->got[r->len] = '\0';
	if (k == 0)
		r->eof++;
}

static void raw_closed(struct sim_sock *s, void *ctx, int err)
{
	struct raw *r = ctx;

	(void)s;
	(void)err;
	r->closed++;
}

static const struct sim_sock_ops raw_ops = {
	.on_connected = raw_connected,
	.on_readable = raw_readable,
	.on_closed = raw_closed,
};

/* Sends the lines (ending with QUIT) and runs until the server closes. */
static void raw_run(struct pnet *n, struct raw *r, const char *lines)
{
	struct net_addr a;

	memset(r, 0, sizeof(*r));
	r->send = lines;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.2", &a) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&n->c, &a, 21, &raw_ops, r, &r->s) == 0);
	sim_sched_run(&n->w.sched, SIM_TIME_NEVER);
	CU_ASSERT(r->eof >= 1); /* the server ended the session after QUIT */
	sim_sock_close(r->s);
	sim_sched_run(&n->w.sched, SIM_TIME_NEVER);
}

/* ---- 227 forms ---- */

static void pasv_fmt_case(enum sim_ftpd_227_fmt fmt, const char *prefix, const char *suffix)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/a.bin"},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpc_reply *p;
	char want[128];

	sim_ftpd_config_default(&dc);
	dc.pasv_fmt = fmt;
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), true);
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 1);
	CU_ASSERT(r->xfers[0].verified == 1);
	p = reply_of(r, 1, 227);
	CU_ASSERT_FATAL(p != NULL);
	snprintf(want, sizeof(want), "%s192,0,2,2,195,80%s", prefix, suffix); /* port 50000 */
	CU_ASSERT_STRING_EQUAL(p->text, want);
	CU_ASSERT(r->xfers[0].data_port == 50000);
	pnet_free(&n);
}

static void test_227_paren(void)
{
	pasv_fmt_case(SIM_FTPD_227_PAREN, "Entering Passive Mode (", ").");
}

static void test_227_bare(void)
{
	pasv_fmt_case(SIM_FTPD_227_BARE, "Entering Passive Mode ", "");
}

static void test_227_equals(void)
{
	pasv_fmt_case(SIM_FTPD_227_EQUALS, "=", "");
}

static void test_227_extra_text(void)
{
	pasv_fmt_case(SIM_FTPD_227_EXTRA, "Passive (", ") ok, 2 sessions left");
}

/* The client goes where the 227 says, not to the control peer. */
static void test_pasv_addr_followed(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/a.bin"},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpd_xfer *dx;
	struct net_addr want;
	size_t ndx;

	sim_ftpd_config_default(&dc);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.3", &dc.pasv_addr) == 0);
	dc.pasv_min = dc.pasv_max = 6000; /* a range of one port is reused */
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), true);
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 1);
	CU_ASSERT(net_addr_parse("192.0.2.3", &want) == 0);
	CU_ASSERT(net_addr_eq(&r->xfers[0].data_peer, &want));
	CU_ASSERT(r->xfers[0].data_port == 6000);
	dx = sim_ftpd_xfers(n.d, &ndx);
	CU_ASSERT_FATAL(ndx == 1);
	CU_ASSERT(dx[0].passive);
	pnet_free(&n);
}

/* ---- refusals ---- */

static void bounce_case(int code)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "PORT 198,51,100,7,200,1", .expect = code},
		{.op = SIM_FTPC_CMD, .arg = "EPRT |1|198.51.100.7|51201|", .expect = code},
		{.op = SIM_FTPC_CMD, .arg = "PORT 192,0,2,1,0,25", .expect = code}, /* low port */
		{.op = SIM_FTPC_CMD, .arg = "PORT 192,0,2,1,300,1", .expect = 501},
		{.op = SIM_FTPC_CMD, .arg = "RETR /pub/a.bin", .expect = 425}, /* no PORT took */
		{.op = SIM_FTPC_CMD, .arg = "PORT 192,0,2,1,200,1", .expect = 200},
	};
	const struct sim_ftpc_result *r;

	sim_ftpd_config_default(&dc);
	dc.bounce_code = code;
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	check_ok(r);
	CU_ASSERT(sim_ftpd_stats(n.d)->bounce_refused == 3);
	CU_ASSERT(sim_ftpd_stats(n.d)->data_conns_active == 0);
	pnet_free(&n);
}

static void test_bounce_refused_504(void) { bounce_case(504); }
static void test_bounce_refused_500(void) { bounce_case(500); }

static void test_bounce_allowed_when_off(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "PORT 198,51,100,7,200,1", .expect = 200},
	};

	sim_ftpd_config_default(&dc);
	dc.bounce_protect = false;
	pnet_init(&n, &dc);
	check_ok(run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false));
	CU_ASSERT(sim_ftpd_stats(n.d)->bounce_refused == 0);
	pnet_free(&n);
}

static void unknown_case(int code)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "XYZZ", .expect = code},
		{.op = SIM_FTPC_CMD, .arg = "AUTH TLS", .expect = code},
		{.op = SIM_FTPC_CMD, .arg = "NOOP", .expect = 200},
	};

	sim_ftpd_config_default(&dc);
	dc.unknown_code = code;
	pnet_init(&n, &dc);
	check_ok(run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false));
	CU_ASSERT(sim_ftpd_stats(n.d)->unknown_commands == 2);
	pnet_free(&n);
}

static void test_unknown_500(void) { unknown_case(500); }
static void test_unknown_502(void) { unknown_case(502); }

/* ---- replies byte for byte ---- */

static void test_multiline_feat_help_stat(void)
{
	struct pnet n;
	struct raw r;
	const char *feat, *help, *stat;

	pnet_init(&n, NULL);
	raw_run(&n, &r, "FEAT\r\nUSER anonymous\r\nPASS x\r\nHELP\r\nSTAT\r\nSTAT /pub\r\n"
			"STAT /pub/b.txt\r\nQUIT\r\n");
	feat = strstr(r.got, "211-Features:\r\n");
	CU_ASSERT_FATAL(feat != NULL);
	CU_ASSERT(strncmp(feat, "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n", 36) == 0);
	CU_ASSERT(strstr(feat, " REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End\r\n") != NULL);
	help = strstr(r.got, "214-The following commands are recognized.\r\n");
	CU_ASSERT_FATAL(help != NULL);
	CU_ASSERT(strstr(help, "\r\n214 Help OK.\r\n") != NULL);
	stat = strstr(r.got, "211-FTP server status:\r\n");
	CU_ASSERT_FATAL(stat != NULL);
	CU_ASSERT(strstr(stat, "\r\n211 End of status\r\n") != NULL);
	CU_ASSERT(strstr(r.got, "212-Status of /pub:\r\n") != NULL);
	CU_ASSERT(strstr(r.got, " a.bin\r\n") != NULL);
	CU_ASSERT(strstr(r.got, "\r\n212 End of status\r\n") != NULL);
	CU_ASSERT(strstr(r.got, "213-Status of /pub/b.txt:\r\n-rw-r--r-- 1 ftp ftp"
				"           10 Nov 14 22:13 b.txt\r\n213 End of status\r\n") != NULL);
	CU_ASSERT(strncmp(r.got, "220 gatelab sim ftpd ready\r\n", 28) == 0);
	CU_ASSERT(strstr(r.got, "221 Goodbye.\r\n") != NULL);
	/* the last line is the 221: nothing after QUIT */
	CU_ASSERT(r.len >= 14 && strcmp(r.got + r.len - 14, "221 Goodbye.\r\n") == 0);
	pnet_free(&n);
}

static void test_file_commands(void)
{
	struct pnet n;
	struct raw r;

	pnet_init(&n, NULL);
	raw_run(&n, &r,
		"PWD\r\nUSER ftp\r\nPASS a@b\r\nPWD\r\nCWD pub\r\nPWD\r\nSIZE a.bin\r\n"
		"MDTM a.bin\r\nMKD new\r\nMKD new\r\nRNFR b.txt\r\nRNTO new/c.txt\r\n"
		"RNTO x\r\nRMD new\r\nDELE new/c.txt\r\nRMD new\r\nCDUP\r\nPWD\r\n"
		"CWD /nowhere\r\nMLST pub/a.bin\r\nTYPE A\r\nTYPE I\r\nTYPE X\r\nMODE S\r\n"
		"MODE B\r\nSTRU F\r\nSYST\r\nOPTS UTF8 ON\r\nSITE CHMOD 644 x\r\nREST 100\r\n"
		"REST abc\r\nACCT x\r\nEPSV ALL\r\nABOR\r\nNOOP\r\nQUIT\r\n");
	CU_ASSERT(strstr(r.got, "530 Please login with USER and PASS.\r\n331 ") != NULL);
	CU_ASSERT(strstr(r.got, "257 \"/\" is the current directory\r\n"
				"250 Directory successfully changed.\r\n"
				"257 \"/pub\" is the current directory\r\n"
				"213 5000\r\n213 20231114221320\r\n"
				"257 \"/pub/new\" created\r\n550 Create directory operation failed.\r\n"
				"350 Ready for RNTO.\r\n250 Rename successful.\r\n"
				"503 RNFR required first.\r\n"
				"550 Remove directory operation failed.\r\n"
				"250 Delete operation successful.\r\n"
				"250 Remove directory operation successful.\r\n"
				"250 Directory successfully changed.\r\n"
				"257 \"/\" is the current directory\r\n"
				"550 Failed to change directory.\r\n"
				"250-Listing /pub/a.bin\r\n type=file;size=5000;modify=20231114221320;"
				"perm=adfrw; /pub/a.bin\r\n250 End\r\n"
				"200 Switching to ASCII mode.\r\n200 Switching to Binary mode.\r\n"
				"504 Unrecognised TYPE command.\r\n200 Mode set to S.\r\n"
				"504 Bad MODE command.\r\n200 Structure set to F.\r\n"
				"215 UNIX Type: L8\r\n200 Option set.\r\n200 SITE command ok.\r\n"
				"350 Restart position accepted (100).\r\n501 REST needs a number.\r\n"
				"202 ACCT not needed on this server.\r\n200 EPSV ALL ok.\r\n"
				"225 No transfer to ABOR.\r\n200 NOOP ok.\r\n221 Goodbye.\r\n") != NULL);
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/pub/b.txt") == NULL);
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/pub/new") == NULL);
	pnet_free(&n);
}

static void test_login_checked(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct raw r;

	sim_ftpd_config_default(&dc);
	dc.user = "alice";
	dc.pass = "secret";
	pnet_init(&n, &dc);
	raw_run(&n, &r, "PASS x\r\nUSER bob\r\nUSER alice\r\nPASS wrong\r\nLIST\r\n"
			"USER alice\r\nPASS secret\r\nLIST\r\nQUIT\r\n");
	CU_ASSERT(strstr(r.got, "503 Login with USER first.\r\n530 This user is not allowed.\r\n"
				"331 Please specify the password.\r\n530 Login incorrect.\r\n"
				"530 Please login with USER and PASS.\r\n331 Please specify the password.\r\n"
				"230 Login successful.\r\n425 Use PORT or PASV first.\r\n221 ") != NULL);
	pnet_free(&n);
}

/* Limits at the door: an over-long line is refused and skipped, a split
 * line is joined, Telnet IP/Synch before ABOR is ignored. */
static void test_line_limits(void)
{
	struct pnet n;
	struct raw r;
	char lines[2048];
	size_t o = 0;

	pnet_init(&n, NULL);
	o += (size_t)sprintf(lines + o, "NOOP ");
	memset(lines + o, 'x', 700);
	o += 700;
	o += (size_t)sprintf(lines + o, "\r\nNOOP\r\n\xff\xf4\xff\xf2" "ABOR\r\n12\r\nQUIT\r\n");
	lines[o] = '\0';
	raw_run(&n, &r, lines);
	CU_ASSERT(strstr(r.got, "500 Command line too long.\r\n200 NOOP ok.\r\n"
				"530 Please login with USER and PASS.\r\n"
				"500 Syntax error, command unrecognized.\r\n221 Goodbye.\r\n") != NULL);
	CU_ASSERT(sim_ftpd_stats(n.d)->protocol_errors == 2);
	pnet_free(&n);
}

static void test_max_sessions_421(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct raw r1, r2;
	struct net_addr a;

	sim_ftpd_config_default(&dc);
	dc.max_sessions = 1;
	pnet_init(&n, &dc);
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	r1.send = "NOOP\r\n";
	r2.send = "NOOP\r\n";
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.2", &a) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&n.c, &a, 21, &raw_ops, &r1, &r1.s) == 0);
	CU_ASSERT_FATAL(sim_sock_connect(&n.c, &a, 21, &raw_ops, &r2, &r2.s) == 0);
	sim_sched_run(&n.w.sched, sim_world_now(&n.w) + SIM_NS_PER_S);
	CU_ASSERT(strcmp(r1.got, "220 gatelab sim ftpd ready\r\n200 NOOP ok.\r\n") == 0);
	CU_ASSERT(strcmp(r2.got, "421 Too many connections.\r\n") == 0);
	CU_ASSERT(sim_ftpd_stats(n.d)->sessions_refused == 1);
	sim_sock_close(r1.s);
	sim_sock_close(r2.s);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	pnet_free(&n);
}

static void test_prelim_125_and_stou_appe(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "CWD /pub"},
		{.op = SIM_FTPC_STOU, .size = 300},
		{.op = SIM_FTPC_APPE, .arg = "b.txt", .size = 5},
		{.op = SIM_FTPC_RETR, .arg = "b.txt", .expect = 550}, /* content now unknown */
		{.op = SIM_FTPC_CMD, .arg = "SIZE b.txt", .expect = 213},
	};
	const struct sim_ftpc_result *r;
	const struct sim_vfs_node *u;

	sim_ftpd_config_default(&dc);
	dc.prelim_code = 125;
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PORT, steps, NSTEPS(steps), true);
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 3);
	CU_ASSERT(r->xfers[0].prelim_code == 125 && r->xfers[1].prelim_code == 125);
	u = sim_vfs_lookup(&n.vfs, "/pub/stou.1");
	CU_ASSERT_FATAL(u != NULL);
	CU_ASSERT(u->size == 300 && u->hash == r->xfers[0].hash);
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/pub/b.txt")->size == 15);
	CU_ASSERT(strcmp(r->replies[r->n_replies - 2].text, "15") == 0);
	pnet_free(&n);
}

static void test_epsv_refused_on_v4_when_configured(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/a.bin", .mode = SIM_FTPC_EPSV, .may_fail = true},
		{.op = SIM_FTPC_RETR, .arg = "/pub/a.bin", .mode = SIM_FTPC_PASV},
		{.op = SIM_FTPC_RETR, .arg = "/pub/a.bin", .mode = SIM_FTPC_EPSV},
	};
	const struct sim_ftpc_result *r;

	sim_ftpd_config_default(&dc);
	dc.epsv_v4 = false;
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), true);
	CU_ASSERT(r->done && !r->ok);
	CU_ASSERT(r->failed_step == 3);
	CU_ASSERT(reply_of(r, 1, 522) != NULL);
	CU_ASSERT_FATAL(r->n_xfers == 1);
	CU_ASSERT(r->xfers[0].verified == 1);
	pnet_free(&n);
}

/* ---- scripted mode ---- */

static const struct sim_ftpd_step capture[] = {
	{.verb = NULL, .code = 220, .text = "ProFTPD 1.3.5e Server (Debian) [10.9.8.7]"},
	{.verb = "USER", .code = 331, .text = "Password required for joe"},
	{.verb = "PASS", .code = 230, .text = "User joe logged in", .delay_ns = 250 * SIM_NS_PER_MS},
	{.verb = "SYST", .code = 215, .text = "UNIX Type: L8"},
	{.verb = "FEAT", .code = 211, .text = "Features:\n MDTM\n REST STREAM\nEnd"},
	{.verb = "PASV", .code = 227, .text = "Entering Passive Mode (10,9,8,7,156,64)."},
	{.verb = "RETR", .code = 150, .text = "Opening BINARY mode data connection for big.iso",
	 .final_code = 226, .final_text = "Transfer complete", .size = 345678},
	{.verb = "EPSV", .code = 229, .text = "Entering Extended Passive Mode (!!!40001!)"},
	{.verb = "STOR", .code = 150, .text = "Opening BINARY mode data connection for up",
	 .final_code = 226},
	{.verb = "PASV", .code = 227, .text = "Entering Passive Mode (10,9,8,7,156,65)."},
	{.verb = "RETR", .code = 550, .text = "gone.txt: No such file or directory"},
	{.verb = "PORT", .code = 200, .text = "PORT command successful"},
	{.verb = "LIST", .code = 150, .text = "Opening ASCII mode data connection for file list",
	 .final_code = 451, .final_text = "Transfer aborted: disk full", .size = 600},
	{.verb = "QUIT", .code = 221, .text = "Goodbye."},
};

static void test_scripted_reenactment(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "SYST", .expect = 215},
		{.op = SIM_FTPC_CMD, .arg = "FEAT", .expect = 211},
		{.op = SIM_FTPC_RETR, .arg = "big.iso", .mode = SIM_FTPC_PASV},
		{.op = SIM_FTPC_STOR, .arg = "up", .size = 4321, .mode = SIM_FTPC_EPSV},
		{.op = SIM_FTPC_RETR, .arg = "gone.txt", .mode = SIM_FTPC_PASV, .expect = 550},
		{.op = SIM_FTPC_LIST, .mode = SIM_FTPC_PORT, .expect = 451},
		{.op = SIM_FTPC_QUIT},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpc_reply *p, *u;
	const struct sim_ftpd_xfer *dx;
	size_t ndx;

	sim_ftpd_config_default(&dc);
	dc.script = capture;
	dc.n_script = NSTEPS(capture);
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	check_ok(r);
	/* codes and texts as the capture gave them */
	CU_ASSERT_STRING_EQUAL(r->replies[0].text, "ProFTPD 1.3.5e Server (Debian) [10.9.8.7]");
	CU_ASSERT(r->replies[1].code == 331);
	CU_ASSERT_STRING_EQUAL(r->replies[1].text, "Password required for joe");
	CU_ASSERT(r->replies[2].code == 230);
	/* the capture's timing: the 230 came 250 ms after the 331 */
	CU_ASSERT(r->replies[2].t - r->replies[1].t >= 250 * SIM_NS_PER_MS);
	p = reply_of(r, 2, 211);
	CU_ASSERT(p && strcmp(p->text, "Features:") == 0);
	/* the capture's 227 form, with the live address and port spliced in */
	p = reply_of(r, 3, 227);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->text, "Entering Passive Mode (192,0,2,2,195,80).");
	u = reply_of(r, 4, 229);
	CU_ASSERT_FATAL(u != NULL);
	CU_ASSERT_STRING_EQUAL(u->text, "Entering Extended Passive Mode (!!!50001!)");
	p = reply_of(r, 3, 150);
	CU_ASSERT(p && strcmp(p->text, "Opening BINARY mode data connection for big.iso") == 0);
	p = reply_of(r, 3, 226);
	CU_ASSERT(p && strcmp(p->text, "Transfer complete") == 0);
	/* sizes as given; both ends agree on the bytes */
	CU_ASSERT_FATAL(r->n_xfers == 4);
	CU_ASSERT(r->xfers[0].bytes == 345678);
	CU_ASSERT(r->xfers[1].bytes == 4321 && r->xfers[1].final_code == 226);
	CU_ASSERT(r->xfers[2].final_code == 550 && r->xfers[2].bytes == 0);
	CU_ASSERT(r->xfers[3].final_code == 451 && r->xfers[3].bytes == 600);
	CU_ASSERT(r->xfers[3].data_port == 20);
	dx = sim_ftpd_xfers(n.d, &ndx);
	CU_ASSERT_FATAL(ndx == 3);
	CU_ASSERT(dx[0].bytes == 345678 && dx[0].hash == r->xfers[0].hash);
	CU_ASSERT(dx[1].upload && dx[1].bytes == 4321 && dx[1].hash == r->xfers[1].hash);
	CU_ASSERT(dx[2].final_code == 451);
	CU_ASSERT(dx[2].hash == r->xfers[3].hash);
	CU_ASSERT(sim_ftpd_stats(n.d)->script_mismatches == 0);
	pnet_free(&n);
}

/* A command the capture does not have is answered 500 and counted; a skipped
 * step counts too. */
static void test_scripted_mismatch(void)
{
	static const struct sim_ftpd_step script[] = {
		{.verb = "USER", .code = 331},
		{.verb = "PASS", .code = 230},
		{.verb = "SYST", .code = 215, .text = "UNIX"},
		{.verb = "PWD", .code = 257, .text = "\"/\""},
		{.verb = "QUIT", .code = 221},
	};
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "NOOP", .expect = 500},
		{.op = SIM_FTPC_CMD, .arg = "PWD", .expect = 257},
		{.op = SIM_FTPC_CMD, .arg = "SYST", .expect = 500},
	};
	const struct sim_ftpc_result *r;

	sim_ftpd_config_default(&dc);
	dc.script = script;
	dc.n_script = NSTEPS(script);
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	check_ok(r);
	CU_ASSERT(r->replies[0].code == 220); /* no greeting step: the configured one */
	CU_ASSERT(sim_ftpd_stats(n.d)->script_mismatches == 3); /* NOOP, skipped SYST, SYST */
	pnet_free(&n);
}

/* PASV then RETR, but the client never connects: 425 after the server's
 * data timeout (virtual time), and the session goes on. */
static void test_data_timeout_425(void)
{
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "PASV", .expect = 227},
		{.op = SIM_FTPC_CMD, .arg = "RETR /pub/a.bin", .expect = 425},
		{.op = SIM_FTPC_CMD, .arg = "NOOP", .expect = 200},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpc_reply *p, *q;

	sim_ftpd_config_default(&dc);
	dc.data_timeout_ns = 5 * SIM_NS_PER_S;
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	check_ok(r);
	p = reply_of(r, 1, 227);
	q = reply_of(r, 2, 425);
	CU_ASSERT_FATAL(p && q);
	CU_ASSERT(q->t - p->t >= 5 * SIM_NS_PER_S && q->t - p->t < 6 * SIM_NS_PER_S);
	pnet_free(&n);
}

/* A server that does not answer within the client's reply timeout. */
static void test_client_reply_timeout(void)
{
	static const struct sim_ftpd_step script[] = {
		{.verb = "USER", .code = 331},
		{.verb = "PASS", .code = 230, .delay_ns = 90 * SIM_NS_PER_S},
	};
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {{.op = SIM_FTPC_LOGIN}};
	const struct sim_ftpc_result *r;

	sim_ftpd_config_default(&dc);
	dc.script = script;
	dc.n_script = NSTEPS(script);
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	CU_ASSERT(r->done && !r->ok);
	CU_ASSERT(r->failed_step == 0);
	CU_ASSERT(strstr(r->reason, "timeout") != NULL);
	CU_ASSERT(r->t_end - r->t_start >= 60 * SIM_NS_PER_S);
	CU_ASSERT(r->t_end - r->t_start < 61 * SIM_NS_PER_S);
	pnet_free(&n);
}

/* ABOR sent after the last byte arrived but before the final reply: two
 * replies still come, and the next command gets its own. */
static void test_abor_at_the_end(void)
{
	struct pnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_ABOR, .arg = "/pub/a.bin", .abort_after = 5000},
		{.op = SIM_FTPC_CMD, .arg = "NOOP", .expect = 200},
		{.op = SIM_FTPC_CMD, .arg = "PWD", .expect = 257},
	};
	const struct sim_ftpc_result *r;
	int finals = 0;

	pnet_init(&n, NULL);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), true);
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 1);
	CU_ASSERT(r->xfers[0].bytes == 5000);
	CU_ASSERT(r->xfers[0].verified == 1);
	for (size_t i = 0; i < r->n_replies; i++)
		finals += r->replies[i].step == 1 && r->replies[i].code >= 200 &&
			  r->replies[i].code != 227;
	CU_ASSERT(finals == 2);
	CU_ASSERT(reply_of(r, 2, 200) != NULL);
	CU_ASSERT(reply_of(r, 3, 257) != NULL);
	pnet_free(&n);
}

/* A 227 naming a port nobody listens on: the client fails the step at once
 * with the connect error, not 30 s later at the server's 425. (A scripted
 * server that cannot listen says the capture's text as it is.) */
static void test_pasv_connect_refused(void)
{
	static const struct sim_ftpd_step script[] = {
		{.verb = "USER", .code = 230},
		{.verb = "PASV", .code = 227, .text = "Entering Passive Mode (192,0,2,2,0,99)."},
		{.verb = "RETR", .code = 150, .size = 10},
	};
	struct pnet n;
	struct sim_ftpd_config dc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/a.bin"},
	};
	const struct sim_ftpc_result *r;

	sim_ftpd_config_default(&dc);
	dc.script = script;
	dc.n_script = NSTEPS(script);
	dc.pasv_min = dc.pasv_max = 21; /* taken by the control listener */
	pnet_init(&n, &dc);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	CU_ASSERT(r->done && !r->ok);
	CU_ASSERT(r->failed_step == 1);
	CU_ASSERT(strstr(r->reason, "data connection failed") != NULL);
	CU_ASSERT(r->t_end - r->t_start < SIM_NS_PER_S);
	CU_ASSERT(reply_of(r, 1, 227) != NULL &&
		  strcmp(reply_of(r, 1, 227)->text, script[1].text) == 0);
	pnet_free(&n);
}

/* STOU's preliminary reply names the file (RFC 1123 4.1.2.9); names do not
 * repeat. */
static void test_stou_names_the_file(void)
{
	struct pnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_STOU, .size = 10},
		{.op = SIM_FTPC_STOU, .size = 20},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpc_reply *a, *b;

	pnet_init(&n, NULL);
	r = run(&n, SIM_FTPC_PASV, steps, NSTEPS(steps), false);
	check_ok(r);
	a = reply_of(r, 1, 150);
	b = reply_of(r, 2, 150);
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_STRING_EQUAL(a->text, "FILE: stou.1");
	CU_ASSERT_STRING_EQUAL(b->text, "FILE: stou.2");
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/stou.2")->size == 20);
	pnet_free(&n);
}

TU_MAIN("sim_ftp_proto",
	TU_CASE(test_227_paren), TU_CASE(test_227_bare), TU_CASE(test_227_equals),
	TU_CASE(test_227_extra_text), TU_CASE(test_pasv_addr_followed),
	TU_CASE(test_bounce_refused_504), TU_CASE(test_bounce_refused_500),
	TU_CASE(test_bounce_allowed_when_off), TU_CASE(test_unknown_500),
	TU_CASE(test_unknown_502), TU_CASE(test_multiline_feat_help_stat),
	TU_CASE(test_file_commands), TU_CASE(test_login_checked), TU_CASE(test_line_limits),
	TU_CASE(test_max_sessions_421), TU_CASE(test_prelim_125_and_stou_appe),
	TU_CASE(test_epsv_refused_on_v4_when_configured), TU_CASE(test_scripted_reenactment),
	TU_CASE(test_scripted_mismatch), TU_CASE(test_data_timeout_425),
	TU_CASE(test_client_reply_timeout), TU_CASE(test_abor_at_the_end),
	TU_CASE(test_pasv_connect_refused), TU_CASE(test_stou_names_the_file))
