/* test_proxy_lines.c - the control-channel table: hundreds of client lines and
 * server replies, good and malformed, driven whole, byte by byte and pipelined
 * through a live session, plus limits, NUL, escaping and random input. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../proxy/ftpp.h"
#include "tu.h"
#include "tu_proxy.h"

enum want { FWD, REWRITE, LOCAL };

/* A client line (no terminator) and what must come of it: FWD - the server
 * gets it byte for byte (+CRLF); REWRITE - the server gets a line starting
 * with `out`; LOCAL - the client gets a reply starting with `out`, the
 * server nothing. */
struct row {
	const char *in;
	enum want want;
	const char *out;
};

static const struct row fixed_rows[] = {
	{"USER anonymous", FWD, NULL},
	{"user anonymous", FWD, NULL},
	{"PASS secret", FWD, NULL},
	{"ACCT x", FWD, NULL},
	{"CWD /pub", FWD, NULL},
	{"CDUP", FWD, NULL},
	{"PWD", FWD, NULL},
	{"XPWD", FWD, NULL},
	{"TYPE I", FWD, NULL},
	{"type a n", FWD, NULL},
	{"MODE S", FWD, NULL},
	{"STRU F", FWD, NULL},
	{"REST 0", FWD, NULL},
	{"REST 1234567890", FWD, NULL},
	{"rest 100", FWD, NULL},
	{"SIZE file", FWD, NULL},
	{"MDTM file", FWD, NULL},
	{"FEAT", FWD, NULL},
	{"OPTS UTF8 ON", FWD, NULL},
	{"SYST", FWD, NULL},
	{"STAT", FWD, NULL},
	{"HELP", FWD, NULL},
	{"NOOP", FWD, NULL},
	{"noop", FWD, NULL},
	{"NoOp", FWD, NULL},
	{"ALLO 100", FWD, NULL},
	{"SMNT /x", FWD, NULL},
	{"REIN", FWD, NULL},
	{"EPSV ALL", FWD, NULL},
	{"EPSV", FWD, NULL},
	{"epsv 1", FWD, NULL},
	{"PASV", FWD, NULL},
	{"pasv", FWD, NULL},
	{"LPSV", FWD, NULL},
	{"PBSZ 0", FWD, NULL},
	{"PROT C", FWD, NULL},
	{"LANG EN", FWD, NULL},
	{"MLST x", FWD, NULL},
	{"CWD a file with spaces", FWD, NULL},
	{"CWD \x01\x02 control", FWD, NULL},
	{"RETR \x7f\xff high bytes", FWD, NULL},
	{"ABOR", FWD, NULL},
	{"\xff\xf4\xff\xf2" "ABOR", REWRITE, "ABOR"},
	{"\xff\xf4" "ABOR", REWRITE, "ABOR"},
	{"AUTH TLS", LOCAL, "534 "},
	{"AUTH SSL", LOCAL, "534 "},
	{"auth tls-c", LOCAL, "534 "},
	{"Auth", LOCAL, "534 "},
	/* the grammar: 3-4 letters then SP or end */
	{"", LOCAL, "500 "},
	{" ", LOCAL, "500 "},
	{" USER x", LOCAL, "500 "},
	{"US", LOCAL, "500 "},
	{"USERS x", LOCAL, "500 "},
	{"USER\tx", LOCAL, "500 "},
	{"PORT\t192,0,2,10,200,1", LOCAL, "500 "},
	{"12 x", LOCAL, "500 "},
	{"R3TR x", LOCAL, "500 "},
	{"\x01\x02\x03", LOCAL, "500 "},
	{"\xc3\xa9t\xc3\xa9", LOCAL, "500 "},
	{"\x1b[31mRETR", LOCAL, "500 "},
	/* PORT and EPRT: the client's own address, port >= 1024 */
	{"PORT 192,0,2,10,4,0", REWRITE, "PORT 203,0,113,1,"},
	{"port 192,0,2,10,255,255", REWRITE, "PORT 203,0,113,1,"},
	{"PORT 192,0,2,10,200,1", REWRITE, "PORT 203,0,113,1,"},
	{"PORT 192,0,2,11,200,1", LOCAL, "500 Illegal PORT"},
	{"PORT 10,0,0,1,200,1", LOCAL, "500 Illegal PORT"},
	{"PORT 127,0,0,1,200,1", LOCAL, "500 Illegal PORT"},
	{"PORT 203,0,113,1,200,1", LOCAL, "500 Illegal PORT"},
	{"PORT 198,51,100,20,0,25", LOCAL, "500 Illegal PORT"},
	{"PORT 192,0,2,10,0,20", LOCAL, "500 Illegal PORT"},
	{"PORT 192,0,2,10,3,255", LOCAL, "500 Illegal PORT"},
	{"PORT 192,0,2,10,0,0", LOCAL, "50"},
	{"PORT 192,0,2,10,200", LOCAL, "501 "},
	{"PORT 192,0,2,10,200,1,1", LOCAL, "501 "},
	{"PORT 192,0,2,10,256,1", LOCAL, "501 "},
	{"PORT 192,0,2,1000,200,1", LOCAL, "501 "},
	{"PORT 192.0.2.10,200,1", LOCAL, "501 "},
	{"PORT", LOCAL, "501 "},
	{"PORT ", LOCAL, "501 "},
	{"PORT a,b,c,d,e,f", LOCAL, "501 "},
	{"PORT -1,0,2,10,200,1", LOCAL, "501 "},
	{"EPRT |1|192.0.2.10|5000|", REWRITE, "EPRT |1|203.0.113.1|"},
	{"eprt |1|192.0.2.10|65535|", REWRITE, "EPRT |1|203.0.113.1|"},
	{"EPRT !1!192.0.2.10!5000!", REWRITE, "EPRT |1|203.0.113.1|"},
	{"EPRT |1|192.0.2.99|5000|", LOCAL, "500 Illegal PORT"},
	{"EPRT |1|192.0.2.10|80|", LOCAL, "500 Illegal PORT"},
	{"EPRT |2|2001:db8:1::10|5000|", LOCAL, "500 Illegal PORT"},
	{"EPRT |1|192.0.2.10|0|", LOCAL, "50"},
	{"EPRT |1|192.0.2.10|70000|", LOCAL, "501 "},
	{"EPRT |3|192.0.2.10|5000|", LOCAL, "501 "},
	{"EPRT |1|192.0.2|5000|", LOCAL, "501 "},
	{"EPRT |1|192.0.2.10|5000", LOCAL, "501 "},
	{"EPRT 1|192.0.2.10|5000|", LOCAL, "501 "},
	{"EPRT", LOCAL, "501 "},
	{"EPRT |1|192.0.2.10|5000|x", LOCAL, "501 "},
};

/* Verbs forwarded as they are, in any case. */
static const char *const plain_verbs[] = {
	"USER", "PASS", "ACCT", "CWD",  "CDUP", "SMNT", "QUIT", "REIN", "TYPE", "STRU",
	"MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "DELE",
	"RMD",  "MKD",  "PWD",  "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP",
	"FEAT", "OPTS", "SIZE", "MDTM", "MLSD", "MLST", "XMKD", "XRMD", "XPWD", "XCUP",
	"LANG", "HOST", "CCC",  "MIC",  "CONF", "ENC",  "PBSZ", "PROT", "ABOR", "EPSV"};

#define MAX_ROWS 600
static struct row rows[MAX_ROWS];
static char row_text[MAX_ROWS][64];
static size_t n_rows;

static void case_variant(const char *verb, int v, char *out)
{
	size_t i;

	for (i = 0; verb[i]; i++) {
		char c = verb[i];

		if (v == 1 || (v == 2 && (i % 2)))
			c = (char)(c | 0x20);
		out[i] = c;
	}
	out[i] = '\0';
}

static void build_rows(void)
{
	n_rows = 0;
	for (size_t i = 0; i < sizeof(fixed_rows) / sizeof(fixed_rows[0]); i++)
		rows[n_rows++] = fixed_rows[i];
	for (size_t i = 0; i < sizeof(plain_verbs) / sizeof(plain_verbs[0]); i++) {
		for (int v = 0; v < 3; v++) {
			char verb[8];

			case_variant(plain_verbs[i], v, verb);
			snprintf(row_text[n_rows], sizeof(row_text[0]), "%s%s", verb,
				 strcmp(plain_verbs[i], "QUIT") == 0 ? "" : (v == 2 ? "" : " arg"));
			rows[n_rows].in = row_text[n_rows];
			rows[n_rows].want = FWD;
			n_rows++;
		}
	}
	/* every port around the privileged boundary and some high ones */
	for (unsigned port = 1020; port < 1030; port++) {
		snprintf(row_text[n_rows], sizeof(row_text[0]), "PORT 192,0,2,10,%u,%u", port >> 8,
			 port & 0xff);
		rows[n_rows].in = row_text[n_rows];
		rows[n_rows].want = port < 1024 ? LOCAL : REWRITE;
		rows[n_rows].out = port < 1024 ? "500 Illegal PORT" : "PORT 203,0,113,1,";
		n_rows++;
		snprintf(row_text[n_rows], sizeof(row_text[0]), "EPRT |1|192.0.2.10|%u|", port);
		rows[n_rows].in = row_text[n_rows];
		rows[n_rows].want = port < 1024 ? LOCAL : REWRITE;
		rows[n_rows].out = port < 1024 ? "500 Illegal PORT" : "EPRT |1|203.0.113.1|";
		n_rows++;
	}
	/* every neighbour of the client's address is someone else */
	for (unsigned h = 0; h < 256; h += 17) {
		snprintf(row_text[n_rows], sizeof(row_text[0]), "PORT 192,0,2,%u,200,1", h);
		rows[n_rows].in = row_text[n_rows];
		rows[n_rows].want = LOCAL;
		rows[n_rows].out = "500 Illegal PORT";
		n_rows++;
	}
	CU_ASSERT_FATAL(n_rows <= MAX_ROWS);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Feeds one row, whole or byte by byte, and checks its outcome. */
static void run_row(struct tu_px_sess *ps, const struct row *r, bool bytewise)
{
	char line[128];
	size_t len = strlen(r->in);
	const char *srv, *cli;
	char cbuf[TU_PX_BUF];

	memcpy(line, r->in, len);
	memcpy(line + len, "\r\n", 2);
	len += 2;
	if (bytewise) {
		for (size_t i = 0; i < len; i++)
			CU_ASSERT(tu_px_client_n(ps, line + i, 1) == 0);
	} else {
		CU_ASSERT(tu_px_client_n(ps, line, len) == 0);
	}
	srv = tu_px_take_server(ps);
	switch (r->want) {
	case FWD:
		if (strncmp(srv, line, len) != 0 || srv[len] != '\0')
			fprintf(stderr, "row [%s]: server got [%s]\n", r->in, srv);
		CU_ASSERT(strncmp(srv, line, len) == 0 && srv[len] == '\0');
		break;
	case REWRITE:
		CU_ASSERT(starts(srv, r->out));
		CU_ASSERT(strlen(srv) > 2 && strcmp(srv + strlen(srv) - 2, "\r\n") == 0);
		break;
	case LOCAL:
		CU_ASSERT(srv[0] == '\0');
		break;
	}
	if (r->want != LOCAL)
		tu_px_server(ps, "200 ok\r\n");
	snprintf(cbuf, sizeof(cbuf), "%s", tu_px_take_client(ps));
	cli = cbuf;
	if (r->want == LOCAL) {
		if (!starts(cli, r->out))
			fprintf(stderr, "row [%s]: client got [%s]\n", r->in, cli);
		CU_ASSERT(starts(cli, r->out));
	} else {
		CU_ASSERT_STRING_EQUAL(cli, "200 ok\r\n");
	}
	CU_ASSERT(!ps->client_closed);
}

static void open_session(struct tu_px *px, struct tu_px_sess *ps)
{
	tu_px_init(px);
	CU_ASSERT_FATAL(tu_px_start(px) == 0);
	tu_px_login(px, ps, TU_PX_CLIENT, 40100, TU_PX_SERVER);
	tu_px_take_server(ps);
}

static void close_session(struct tu_px *px, struct tu_px_sess *ps)
{
	CU_ASSERT(ps->bad_logs == 0);
	tu_px_close(ps);
	CU_ASSERT(tu_px_rdr_active(px) == px->start_rdr);
	tu_px_fini(px);
}

static void test_rows_whole(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	build_rows();
	CU_ASSERT(n_rows >= 250);
	open_session(&px, &ps);
	for (size_t i = 0; i < n_rows; i++)
		run_row(&ps, &rows[i], false);
	close_session(&px, &ps);
}

static void test_rows_bytewise(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	build_rows();
	open_session(&px, &ps);
	for (size_t i = 0; i < n_rows; i++)
		run_row(&ps, &rows[i], true);
	close_session(&px, &ps);
}

/* Many rows in one segment: forwarded ones reach the server in order, local
 * answers come back in their turn among the server's. */
static void test_rows_pipelined(void)
{
	static char seg[TU_PX_BUF], want_srv[TU_PX_BUF], want_cli[TU_PX_BUF];
	struct tu_px_sess ps;
	struct tu_px px;

	build_rows();
	open_session(&px, &ps);
	for (size_t base = 0; base < n_rows; base += 40) {
		size_t end = base + 40 < n_rows ? base + 40 : n_rows, nfwd = 0;
		size_t sl = 0, ws = 0;

		seg[0] = want_srv[0] = want_cli[0] = '\0';
		for (size_t i = base; i < end; i++) {
			sl += (size_t)snprintf(seg + sl, sizeof(seg) - sl, "%s\r\n", rows[i].in);
			if (rows[i].want == FWD)
				ws += (size_t)snprintf(want_srv + ws, sizeof(want_srv) - ws, "%s\r\n",
						       rows[i].in);
			nfwd += rows[i].want != LOCAL;
		}
		CU_ASSERT(tu_px_client_n(&ps, seg, sl) == 0);
		/* the server answers each forwarded command with its index */
		for (size_t k = 0; k < nfwd; k++) {
			char rep[32];

			snprintf(rep, sizeof(rep), "200 r%zu\r\n", k);
			tu_px_server(&ps, rep);
		}
		{
			const char *cli = tu_px_take_client(&ps);
			size_t k = 0;

			for (size_t i = base; i < end; i++) {
				char rep[32];
				size_t n;

				if (rows[i].want == LOCAL) {
					CU_ASSERT(starts(cli, rows[i].out));
				} else {
					snprintf(rep, sizeof(rep), "200 r%zu\r\n", k++);
					CU_ASSERT(starts(cli, rep));
				}
				n = strcspn(cli, "\n");
				cli += cli[n] ? n + 1 : n;
			}
			CU_ASSERT(*cli == '\0');
		}
		/* FWD rows byte for byte, in order, interleaved with rewritten ones */
		{
			const char *srv = tu_px_take_server(&ps);
			size_t wl = 0;

			for (size_t i = base; i < end; i++) {
				size_t n = strcspn(srv, "\n");

				if (rows[i].want == FWD) {
					CU_ASSERT(strncmp(srv, want_srv + wl, n + 1) == 0);
					wl += strlen(rows[i].in) + 2;
				}
				if (rows[i].want != LOCAL)
					srv += srv[n] ? n + 1 : n;
			}
			CU_ASSERT(*srv == '\0');
		}
	}
	close_session(&px, &ps);
}

/* ---- limits: overlong lines, NUL -------------------------------------------- */

static void closes_with(const char *in, size_t len, bool bytewise, const char *reply)
{
	struct tu_px_sess ps;
	struct ftpp_session_info info;
	struct tu_px px;

	open_session(&px, &ps);
	if (bytewise) {
		for (size_t i = 0; i < len && !ps.client_closed; i++)
			tu_px_client_n(&ps, in + i, 1);
	} else {
		tu_px_client_n(&ps, in, len);
	}
	CU_ASSERT(ps.client_closed && ps.server_closed);
	CU_ASSERT(strstr(tu_px_take_client(&ps), reply) != NULL);
	ftpp_session_get_info(ps.s, &info);
	CU_ASSERT(info.state == FTPP_SESS_CLOSED);
	CU_ASSERT(!info.reason_from_server);
	CU_ASSERT(info.reason == FTPP_CLOSE_LINE_TOO_LONG || info.reason == FTPP_CLOSE_NUL);
	/* where the offending line began in the client's stream */
	CU_ASSERT(info.reason_offset == (starts(in, "NOOP\r\n") ? 6 : 0));
	CU_ASSERT(tu_px_client_n(&ps, "NOOP\r\n", 6) == -EPIPE);
	close_session(&px, &ps);
}

static void test_line_limits(void)
{
	static char buf[4096];
	struct tu_px_sess ps;
	struct tu_px px;

	/* exactly FTP_MAX_LINE is fine */
	open_session(&px, &ps);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "CWD ", 4);
	memcpy(buf + 512, "\r\n", 2);
	tu_px_client_n(&ps, buf, 514);
	CU_ASSERT(strlen(tu_px_take_server(&ps)) == 514);
	CU_ASSERT(!ps.client_closed);
	close_session(&px, &ps);
	/* one more byte, terminated or not, whole or split */
	memcpy(buf + 512, "a\r\n", 3);
	closes_with(buf, 515, false, "500 Line too long\r\n");
	closes_with(buf, 515, true, "500 Line too long\r\n");
	memset(buf, 'b', sizeof(buf));
	closes_with(buf, sizeof(buf), false, "500 Line too long\r\n");
	closes_with(buf, 600, true, "500 Line too long\r\n");
	/* a good line and then an overlong one in the same segment: the good
	 * one is forwarded first */
	open_session(&px, &ps);
	memcpy(buf, "NOOP\r\n", 6);
	tu_px_client_n(&ps, buf, 700);
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "NOOP\r\n");
	CU_ASSERT(ps.client_closed);
	close_session(&px, &ps);
}

static void test_nul_refused(void)
{
	closes_with("USER a\0b\r\n", 10, false, "500 NUL");
	closes_with("USER a\0b\r\n", 10, true, "500 NUL");
	closes_with("\0\r\n", 3, false, "500 NUL");
	closes_with("NOOP\r\nRETR x\0\r\n", 15, false, "500 NUL");
}

/* ---- server replies ------------------------------------------------------ */

/* Client command, server reply, what the client must get. */
struct reply_row {
	const char *cmd;
	const char *reply;
	const char *client;   /* NULL: the reply unchanged */
	int redirects;        /* session redirects the reply must leave pending */
};

static const struct reply_row reply_rows[] = {
	{"NOOP", "200 ok\r\n", NULL, 0},
	{"NOOP", "200\r\n", NULL, 0},
	{"NOOP", "200 ok\n", NULL, 0},
	{"FEAT", "211-Features:\r\n MDTM\r\n SIZE\r\n EPSV\r\n211 End\r\n", NULL, 0},
	{"FEAT", "211-Features:\r\n211-not the end\r\n200 not the end\r\n211 End\r\n", NULL, 0},
	{"HELP", "214-Help\r\n214 \r\n", NULL, 0},
	{"HELP", "214-Help\r\nline\r\n\r\n214 done\r\n", NULL, 0},
	{"STAT", "211-status\r\n 123 x\r\n211 End\r\n", NULL, 0},
	{"USER a", "331-Welcome\r\n331-more\r\n331 Password\r\n", NULL, 0},
	{"RETR x", "550 No such file\r\n", NULL, 0},
	{"RETR x", "150 Opening\r\n226 Done\r\n", NULL, 0},
	{"RETR x", "150-Opening\r\n150 more\r\n226-Done\r\n226 Really\r\n", NULL, 0},
	{"SIZE x", "213 12345\r\n", NULL, 0},
	{"SIZE x", "550 not a file\r\n", NULL, 0},
	{"MDTM x", "213 20240101000000\r\n", NULL, 0},
	{"REST 10", "350 Restarting\r\n", NULL, 0},
	{"PASV", "227 Entering Passive Mode (198,51,100,20,117,48)\r\n", NULL, 1},
	{"PASV", "227 Entering Passive Mode (198,51,100,20,117,48).\r\n", NULL, 1},
	{"PASV", "227 Entering Passive Mode 198,51,100,20,117,48\r\n", NULL, 1},
	{"PASV", "227 =198,51,100,20,117,48\r\n", NULL, 1},
	{"PASV", "227 198,51,100,20,117,48\r\n", NULL, 1},
	{"PASV", "227 Passive (198,51,100,20,4,0) ok\r\n", NULL, 1},
	{"PASV", "227 (198,51,100,20,255,255)\r\n", NULL, 1},
	{"PASV", "227 Entering Passive Mode (198,51,100,20,117,48)\n", NULL, 1},
	{"pasv", "227-Entering Passive Mode (198,51,100,20,117,48)\r\n227 OK\r\n", NULL, 1},
	{"PASV", "227-Passive\r\n227 (198,51,100,20,117,48)\r\n", NULL, 1},
	{"PASV", "227-Passive\r\n x\r\n227 Entering (198,51,100,20,117,48)\r\n", NULL, 1},
	{"PASV", "227 Entering Passive Mode (198,51,100,21,117,48)\r\n",
	 "425 Can't open data connection\r\n", 0},
	{"PASV", "227 Entering Passive Mode (10,1,2,3,117,48)\r\n", "425 Can't open data connection\r\n", 0},
	{"PASV", "227 Entering Passive Mode (198,51,100,20,117)\r\n", "425 Can't open data connection\r\n", 0},
	{"PASV", "227 Entering Passive Mode (198,51,100,20,300,1)\r\n", "425 Can't open data connection\r\n", 0},
	{"PASV", "227 Entering Passive Mode\r\n", "425 Can't open data connection\r\n", 0},
	{"PASV", "227 (198,51,100,20,0,0)\r\n", "425 Can't open data connection\r\n", 0},
	{"PASV", "227-x\r\n227 y\r\n", "425 Can't open data connection\r\n", 0},
	{"PASV", "500 PASV not understood\r\n", NULL, 0},
	{"PASV", "421 going away\r\n", NULL, 0},
	{"EPSV", "229 Entering Extended Passive Mode (|||30000|)\r\n", NULL, 1},
	{"EPSV", "229 Entering Extended Passive Mode (!!!30000!)\r\n", NULL, 1},
	{"EPSV", "229 (|||1|)\r\n", NULL, 1},
	{"EPSV", "229 (|||65535|)\r\n", NULL, 1},
	{"epsv", "229-Extended\r\n229 (|||30000|)\r\n", NULL, 1},
	{"EPSV", "229 Entering Extended Passive Mode (|||0|)\r\n", "425 Can't open data connection\r\n", 0},
	{"EPSV", "229 Entering Extended Passive Mode (|||70000|)\r\n", "425 Can't open data connection\r\n", 0},
	{"EPSV", "229 Entering Extended Passive Mode (||30000|)\r\n", "425 Can't open data connection\r\n", 0},
	{"EPSV", "229 Entering Extended Passive Mode\r\n", "425 Can't open data connection\r\n", 0},
	{"EPSV", "425 no passive\r\n", NULL, 0},
	{"EPSV", "550 EPSV refused\r\n", NULL, 0},
	{"NOOP", "227 Entering Passive Mode (198,51,100,20,117,48)\r\n", "425 Can't open data connection\r\n", 0},
	{"NOOP", "229 (|||30000|)\r\n", "425 Can't open data connection\r\n", 0},
	{"NOOP", "garbage line\r\n200 ok\r\n", NULL, 0},
};

static void run_reply(const struct reply_row *r, bool bytewise)
{
	struct tu_px_sess ps;
	struct tu_px px;
	char cmd[64];
	const char *want = r->client ? r->client : r->reply;
	size_t len = strlen(r->reply);

	open_session(&px, &ps);
	/* a locally answered command queued behind: must come after the whole reply */
	snprintf(cmd, sizeof(cmd), "%s\r\nAUTH TLS\r\n", r->cmd);
	tu_px_client(&ps, cmd);
	if (bytewise) {
		for (size_t i = 0; i < len; i++) {
			char one[2] = {r->reply[i], '\0'};

			tu_px_server(&ps, one);
		}
	} else {
		tu_px_server(&ps, r->reply);
	}
	{
		const char *got = tu_px_take_client(&ps);
		size_t wl = strlen(want);

		if (strncmp(got, want, wl) != 0)
			fprintf(stderr, "reply [%s]: client got [%s]\n", r->reply, got);
		CU_ASSERT(strncmp(got, want, wl) == 0);
		/* a 421 alone is not final for a multi-line: the 534 follows the reply */
		CU_ASSERT(starts(got + wl, "534 "));
	}
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr + (uint64_t)r->redirects);
	CU_ASSERT(!ps.client_closed);
	close_session(&px, &ps);
}

static void test_replies_whole(void)
{
	for (size_t i = 0; i < sizeof(reply_rows) / sizeof(reply_rows[0]); i++)
		run_reply(&reply_rows[i], false);
}

static void test_replies_bytewise(void)
{
	for (size_t i = 0; i < sizeof(reply_rows) / sizeof(reply_rows[0]); i++)
		run_reply(&reply_rows[i], true);
}

/* Every 227 port from 1 to 65535 in steps, each form: accepted and unchanged. */
static void test_227_ports(void)
{
	static const char *const forms[] = {"227 Entering Passive Mode (%s)\r\n", "227 =%s\r\n",
					    "227 Entering Passive Mode %s\r\n", "227 ok (%s).\r\n"};
	struct tu_px_sess ps;
	struct tu_px px;
	unsigned checked = 0;

	open_session(&px, &ps);
	for (unsigned port = 1; port <= 65535; port += 997) {
		for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
			char hp[40], rep[96], got[96];

			snprintf(hp, sizeof(hp), "198,51,100,20,%u,%u", port >> 8, port & 0xff);
			snprintf(rep, sizeof(rep), forms[f], hp);
			tu_px_client(&ps, "PASV\r\n");
			tu_px_server(&ps, rep);
			snprintf(got, sizeof(got), "%s", tu_px_take_client(&ps));
			CU_ASSERT_STRING_EQUAL(got, rep);
			CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr + 1);
			checked++;
		}
	}
	CU_ASSERT(checked > 250);
	close_session(&px, &ps);
}

static void test_escape(void)
{
	char out[64];

	CU_ASSERT(ftpp_escape((const uint8_t *)"RETR a", 6, out, sizeof(out)) == 6);
	CU_ASSERT_STRING_EQUAL(out, "RETR a");
	ftpp_escape((const uint8_t *)"a\r\nb\\c\x7f\xff\x00", 9, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a\\015\\012b\\\\c\\177\\377\\000");
	/* truncation never splits an escape */
	CU_ASSERT(ftpp_escape((const uint8_t *)"\x01\x01", 2, out, 6) == 4);
	CU_ASSERT_STRING_EQUAL(out, "\\001");
	CU_ASSERT(ftpp_escape((const uint8_t *)"x", 1, out, 0) == 0);
}

/* A log line is forged by a CR LF in a command: never possible. */
static void test_log_not_forgeable(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	open_session(&px, &ps);
	tu_px_client_n(&ps, "CWD x\rS1 fake\x1b[2J\r\n", 20);
	CU_ASSERT(ps.bad_logs == 0);
	CU_ASSERT(strstr(ps.last_log, "\\033") != NULL || strstr(ps.last_log, "\\015") != NULL ||
		  ps.counts[FTPP_ACT_LOG] > 0);
	tu_px_client(&ps, "PASS topsecret\r\n");
	CU_ASSERT(strstr(ps.last_log, "topsecret") == NULL);
	close_session(&px, &ps);
}

/* Random garbage on both sides, in random splits: the core never crashes,
 * never logs a control character, and gives everything back at the end. */
static void test_random_input(void)
{
	static const char *const atoms[] = {
		"PORT ", "EPRT ", "PASV", "EPSV", "RETR ", "LIST", "227 ", "229 ", "226 ",
		"150 ", "211-", "211 ", "(|||", "|)", "192,0,2,10,", "198,51,100,20,", "117,48)",
		"\r\n", "\n", "\r", ",", "|", "\xff\xf4", "\x1b", "ABOR", "AUTH TLS", "STOR ",
		"|1|192.0.2.10|", "5000|", "1", "255", "x", " "};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned steps = 0;

	for (int round = 0; round < 60; round++) {
		struct tu_px_sess ps;
		struct tu_px px;

		tu_px_init(&px);
		px.cfg.policy.default_mode = round % 2 ? FTPP_MODE_PROXY : FTPP_MODE_FAST;
		CU_ASSERT_FATAL(tu_px_start(&px) == 0);
		tu_px_login(&px, &ps, TU_PX_CLIENT, (uint16_t)(42000 + round), TU_PX_SERVER);
		for (int step = 0; step < 200 && !ps.client_closed; step++) {
			char chunk[256];
			size_t n = 0, k = tu_rand(&seed) % 12;

			for (size_t i = 0; i < k; i++) {
				const char *a = atoms[tu_rand(&seed) % (sizeof(atoms) / sizeof(atoms[0]))];
				size_t al = strlen(a);

				memcpy(chunk + n, a, al);
				n += al;
			}
			if (tu_rand(&seed) % 150 == 0)
				chunk[n++] = '\0'; /* rarely: ends the session */
			steps++;
			if (tu_rand(&seed) % 2)
				tu_px_client_n(&ps, chunk, n);
			else {
				px.now += 1000;
				(void)ftpp_feed_server(ps.s, (const uint8_t *)chunk, n, px.now);
				tu_px_drain(&ps);
			}
			if (tu_rand(&seed) % 10 == 0) {
				const struct ftpp_action *l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);

				if (l) {
					tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_CLIENT);
					tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
					tu_px_event(&ps, FTPP_EV_DATA_DONE, l->data_id, FTPP_DATA_SERVER);
				}
				px.now += 70 * GNAT_NS_PER_S;
				tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT);
			}
			ps.n_client = ps.n_server = 0;
		}
		CU_ASSERT(ps.bad_logs == 0);
		tu_px_close(&ps);
		CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr);
		CU_ASSERT(tu_px_gnat_rdr_active(&px) == px.start_rdr);
		tu_px_fini(&px);
	}
	CU_ASSERT(steps > 3000); /* sessions lived long enough to mean something */
}

TU_MAIN("proxy_lines", TU_CASE(test_rows_whole), TU_CASE(test_rows_bytewise),
	TU_CASE(test_rows_pipelined), TU_CASE(test_line_limits), TU_CASE(test_nul_refused),
	TU_CASE(test_replies_whole), TU_CASE(test_replies_bytewise), TU_CASE(test_227_ports),
	TU_CASE(test_escape), TU_CASE(test_log_not_forgeable), TU_CASE(test_random_input))
