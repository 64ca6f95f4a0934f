/* test_ftp.c - the FTP grammar: one table of good and malformed inputs for
 * every parser (commands, replies, PORT, EPRT, 227, 229, and finding them in
 * lines), line splitting, and format -> parse round trips. */
#include "tu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ftp/ftp.h"

enum ft_op { FT_CMD, FT_REPLY, FT_REPLY_ML, FT_PORT, FT_EPRT, FT_227, FT_229, FT_FIND_C, FT_FIND_R };

struct ft_row {
	enum ft_op op;
	const char *in;
	size_t len;       /* from sizeof, so inputs may hold NUL bytes */
	int rc;
	const char *a;    /* CMD: verb; REPLY: text; others: address (NULL: none) */
	int n;            /* REPLY: code; others: port */
	const char *span; /* CMD: argument; 227/229/FIND: the bytes the span covers */
	int k;            /* REPLY: more; FIND: kind */
	char delim;
};

#define L(s) s, sizeof(s) - 1
#define CMD(s, rc, verb, arg) {FT_CMD, L(s), rc, verb, 0, arg, 0, 0}
#define REP(s, rc, code, more, text) {FT_REPLY, L(s), rc, text, code, NULL, more, 0}
#define REPM(s, rc, code, more, text) {FT_REPLY_ML, L(s), rc, text, code, NULL, more, 0}
#define PORTA(s, rc, addr, port) {FT_PORT, L(s), rc, addr, port, NULL, 0, 0}
#define EPRTA(s, rc, addr, port, d) {FT_EPRT, L(s), rc, addr, port, NULL, 0, d}
#define T227(s, rc, addr, port, span) {FT_227, L(s), rc, addr, port, span, 0, 0}
#define T229(s, rc, port, span, d) {FT_229, L(s), rc, NULL, port, span, 0, d}
#define FC(s, rc, kind, addr, port, span, d) {FT_FIND_C, L(s), rc, addr, port, span, kind, d}
#define FR(s, rc, kind, addr, port, span, d) {FT_FIND_R, L(s), rc, addr, port, span, kind, d}
/* FIND rows that find nothing (0) or fail (-EINVAL) */
#define FCN(s, rc) FC(s, rc, 0, NULL, 0, NULL, 0)
#define FRN(s, rc) FR(s, rc, 0, NULL, 0, NULL, 0)

static const struct ft_row ft_table[] = {
	/* ftp_cmd_parse */
	CMD("USER anonymous", 0, "USER", "anonymous"),
	CMD("user anonymous", 0, "USER", "anonymous"),
	CMD("PoRt 1,2,3,4,5,6", 0, "PORT", "1,2,3,4,5,6"),
	CMD("PASV", 0, "PASV", ""),
	CMD("EPSV", 0, "EPSV", ""),
	CMD("EPSV ALL", 0, "EPSV", "ALL"),
	CMD("CWD /pub", 0, "CWD", "/pub"),
	CMD("MKD", 0, "MKD", ""),
	CMD("XMKD dir", 0, "XMKD", "dir"),
	CMD("RETR  file", 0, "RETR", " file"),
	CMD("QUIT ", 0, "QUIT", ""),
	CMD("PORT", 0, "PORT", ""),
	CMD("STOR a b c", 0, "STOR", "a b c"),
	CMD("", -EINVAL, NULL, NULL),
	CMD("AB", -EINVAL, NULL, NULL),
	CMD("AB x", -EINVAL, NULL, NULL),
	CMD("ABCDE", -EINVAL, NULL, NULL),
	CMD("ABCDE x", -EINVAL, NULL, NULL),
	CMD("US3R x", -EINVAL, NULL, NULL),
	CMD("P0RT 1,2,3,4,5,6", -EINVAL, NULL, NULL),
	CMD(" USER x", -EINVAL, NULL, NULL),
	CMD("USER\tx", -EINVAL, NULL, NULL),
	CMD("USER\0x", -EINVAL, NULL, NULL),
	CMD("\xc3\xa9TE x", -EINVAL, NULL, NULL),
	CMD("US\xc5R x", -EINVAL, NULL, NULL),
	CMD("123 x", -EINVAL, NULL, NULL),

	/* ftp_reply_line_parse, outside a multi-line reply */
	REP("220 Service ready", 0, 220, 0, "Service ready"),
	REP("220-Welcome", 0, 220, 1, "Welcome"),
	REP("220", 0, 220, 0, ""),
	REP("220 ", 0, 220, 0, ""),
	REP("226 Transfer complete.", 0, 226, 0, "Transfer complete."),
	REP("100 x", 0, 100, 0, "x"),
	REP("599 x", 0, 599, 0, "x"),
	REP("227 Entering Passive Mode (1,2,3,4,5,6).", 0, 227, 0,
	    "Entering Passive Mode (1,2,3,4,5,6)."),
	REP("230-", 0, 230, 1, ""),
	REP("600 x", -EINVAL, 0, 0, NULL),
	REP("099 x", -EINVAL, 0, 0, NULL),
	REP("22 x", -EINVAL, 0, 0, NULL),
	REP("2200 x", -EINVAL, 0, 0, NULL),
	REP("220x", -EINVAL, 0, 0, NULL),
	REP("220\tx", -EINVAL, 0, 0, NULL),
	REP("", -EINVAL, 0, 0, NULL),
	REP("abc def", -EINVAL, 0, 0, NULL),
	REP(" 220 x", -EINVAL, 0, 0, NULL),
	REP("22a x", -EINVAL, 0, 0, NULL),
	REP("\xff\xff\xff x", -EINVAL, 0, 0, NULL),

	/* ... and inside one: anything but a reply line is continuation text */
	REPM("  continuation", 0, 0, 1, "  continuation"),
	REPM("220 done", 0, 220, 0, "done"),
	REPM("220-still", 0, 220, 1, "still"),
	REPM("2200 x", 0, 0, 1, "2200 x"),
	REPM("", 0, 0, 1, ""),
	REPM("230x", 0, 0, 1, "230x"),
	REPM("600 x", 0, 0, 1, "600 x"),
	REPM("123", 0, 123, 0, ""),
	REPM(" 211 End", 0, 0, 1, " 211 End"),
	REPM("text\0with NUL", 0, 0, 1, NULL),

	/* ftp_parse_port_arg */
	PORTA("192,168,1,2,4,1", 0, "192.168.1.2", 1025),
	PORTA("0,0,0,0,0,0", 0, "0.0.0.0", 0),
	PORTA("255,255,255,255,255,255", 0, "255.255.255.255", 65535),
	PORTA("10,0,0,1,0,21", 0, "10.0.0.1", 21),
	PORTA("010,001,1,1,1,1", 0, "10.1.1.1", 257),
	PORTA("256,1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1,1,1,1,1,256", -EINVAL, NULL, 0),
	PORTA("999,2,3,4,5,6", -EINVAL, NULL, 0),
	PORTA("1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1,1,1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1, 1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1,1,1,1,1,1 ", -EINVAL, NULL, 0),
	PORTA(" 1,1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1,,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("", -EINVAL, NULL, 0),
	PORTA("0001,1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1,1,1,1,1,1x", -EINVAL, NULL, 0),
	PORTA("-1,1,1,1,1,1", -EINVAL, NULL, 0),
	PORTA("1.1.1.1,1,1", -EINVAL, NULL, 0),
	PORTA("a,b,c,d,e,f", -EINVAL, NULL, 0),
	PORTA("1,2,3,4,5,6\0", -EINVAL, NULL, 0),
	PORTA("1,2,3\0,4,5,6", -EINVAL, NULL, 0),
	PORTA(",1,2,3,4,5,6", -EINVAL, NULL, 0),
	PORTA("1,2,3,4,5,6,", -EINVAL, NULL, 0),
	PORTA("1,2,3,4,5,\xb9", -EINVAL, NULL, 0),

	/* ftp_parse_eprt_arg */
	EPRTA("|1|132.235.1.2|6275|", 0, "132.235.1.2", 6275, '|'),
	EPRTA("|2|1080::8:800:200C:417A|5282|", 0, "1080::8:800:200c:417a", 5282, '|'),
	EPRTA("!1!10.0.0.1!21!", 0, "10.0.0.1", 21, '!'),
	EPRTA("#2#::1#65535#", 0, "::1", 65535, '#'),
	EPRTA("~2~fe80::1~1025~", 0, "fe80::1", 1025, '~'),
	EPRTA("|2|::ffff:10.0.0.1|21|", 0, "::ffff:10.0.0.1", 21, '|'),
	EPRTA("|1|10.0.0.1|021|", 0, "10.0.0.1", 21, '|'),
	EPRTA("|3|1.2.3.4|1|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|2001:db8::1|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|2|10.0.0.1|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1|0|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1|65536|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1|123456|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1|21", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1|21||", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1!21!", -EINVAL, NULL, 0, 0),
	EPRTA("a1a10.0.0.1a21a", -EINVAL, NULL, 0, 0),
	EPRTA("31310.0.0.131213", -EINVAL, NULL, 0, 0),
	EPRTA(".1.10.0.0.1.21.", -EINVAL, NULL, 0, 0),
	EPRTA(" 1 10.0.0.1 21 ", -EINVAL, NULL, 0, 0),
	EPRTA("\x7f" "1\x7f" "10.0.0.1\x7f" "21\x7f", -EINVAL, NULL, 0, 0),
	EPRTA("||10.0.0.1|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|1||21|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1||", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.256|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0\0.1|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|1| 10.0.0.1|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|1|10.0.0.1|2 1|", -EINVAL, NULL, 0, 0),
	EPRTA("", -EINVAL, NULL, 0, 0),
	EPRTA("|1|", -EINVAL, NULL, 0, 0),
	EPRTA("|2|1:2:3:4:5:6:7:8:9|21|", -EINVAL, NULL, 0, 0),
	EPRTA("|2|aaaa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa|21|", -EINVAL, NULL, 0, 0),

	/* ftp_parse_227_text (the text after "227 ") */
	T227("Entering Passive Mode (192,168,1,2,4,1).", 0, "192.168.1.2", 1025, "192,168,1,2,4,1"),
	T227("Entering Passive Mode 192,168,1,2,4,1", 0, "192.168.1.2", 1025, "192,168,1,2,4,1"),
	T227("=192,168,1,2,4,1", 0, "192.168.1.2", 1025, "192,168,1,2,4,1"),
	T227("Passive (10,0,0,1,200,10) ok", 0, "10.0.0.1", 51210, "10,0,0,1,200,10"),
	T227("Mode, (1,2,3,4,5,6)", 0, "1.2.3.4", 1286, "1,2,3,4,5,6"),
	T227("Entering Passive Mode 2 (1,2,3,4,5,6)", 0, "1.2.3.4", 1286, "1,2,3,4,5,6"),
	T227("Entering Passive Mode (1,2,3,4,5,6", 0, "1.2.3.4", 1286, "1,2,3,4,5,6"),
	T227("(1,2,3,4,5,6)\0junk", 0, "1.2.3.4", 1286, "1,2,3,4,5,6"),
	T227("Entering Passive Mode (256,1,1,1,1,1)", -EINVAL, NULL, 0, NULL),
	T227("Entering Passive Mode (300,1,2,3,4,5,6)", -EINVAL, NULL, 0, NULL),
	T227("Entering Passive Mode (1,2,3,4,5)", -EINVAL, NULL, 0, NULL),
	T227("Entering Passive Mode (1,2,3,4,5,6,7)", -EINVAL, NULL, 0, NULL),
	T227("Entering Passive Mode (1, 2,3,4,5,6)", -EINVAL, NULL, 0, NULL),
	T227("Entering Passive Mode", -EINVAL, NULL, 0, NULL),
	T227("", -EINVAL, NULL, 0, NULL),
	T227("Entering Passive Mode (1,2,3,4,5,6\0)", 0, "1.2.3.4", 1286, "1,2,3,4,5,6"),

	/* ftp_parse_229_text */
	T229("Entering Extended Passive Mode (|||6446|)", 0, 6446, "(|||6446|)", '|'),
	T229("Entering Extended Passive Mode (!!!6446!)", 0, 6446, "(!!!6446!)", '!'),
	T229("(|||1|)", 0, 1, "(|||1|)", '|'),
	T229("(|||65535|)", 0, 65535, "(|||65535|)", '|'),
	T229("(|||6446|) trailing text.", 0, 6446, "(|||6446|)", '|'),
	T229("Extended (EPSV) mode (|||1234|)", 0, 1234, "(|||1234|)", '|'),
	T229("(|||65536|)", -EINVAL, 0, NULL, 0),
	T229("(|||123456|)", -EINVAL, 0, NULL, 0),
	T229("(|||0|)", -EINVAL, 0, NULL, 0),
	T229("(|||6446|", -EINVAL, 0, NULL, 0),
	T229("(||6446|)", -EINVAL, 0, NULL, 0),
	T229("(|!|6446|)", -EINVAL, 0, NULL, 0),
	T229("(|||6446!)", -EINVAL, 0, NULL, 0),
	T229("(1116446|)", -EINVAL, 0, NULL, 0),
	T229("(|||abc|)", -EINVAL, 0, NULL, 0),
	T229("(   6446 )", -EINVAL, 0, NULL, 0),
	T229("(|1|10.0.0.1|21|)", -EINVAL, 0, NULL, 0),
	T229("", -EINVAL, 0, NULL, 0),
	T229("|||6446|", -EINVAL, 0, NULL, 0),

	/* ftp_find_addr, client side */
	FC("PORT 192,168,1,2,4,1", 1, FTP_ADDR_PORT, "192.168.1.2", 1025, "192,168,1,2,4,1", 0),
	FC("port 10,0,0,1,0,20", 1, FTP_ADDR_PORT, "10.0.0.1", 20, "10,0,0,1,0,20", 0),
	FC("EPRT |1|132.235.1.2|6275|", 1, FTP_ADDR_EPRT, "132.235.1.2", 6275,
	   "|1|132.235.1.2|6275|", '|'),
	FC("EPRT |2|1080::8:800:200C:417A|5282|", 1, FTP_ADDR_EPRT, "1080::8:800:200c:417a", 5282,
	   "|2|1080::8:800:200C:417A|5282|", '|'),
	FC("eprt !2!2001:db8::1!1025!", 1, FTP_ADDR_EPRT, "2001:db8::1", 1025,
	   "!2!2001:db8::1!1025!", '!'),
	FCN("PORT 192,168,1,2,4", -EINVAL),
	FCN("PORT 192,168,1,256,4,1", -EINVAL),
	FCN("PORT", -EINVAL),
	FCN("PORT 1,2,3,4,5,6 junk", -EINVAL),
	FCN("PORT  1,2,3,4,5,6", -EINVAL),
	FCN("PORT 1,2,3,4\0,5,6", -EINVAL),
	FCN("EPRT |3|1.2.3.4|5|", -EINVAL),
	FCN("EPRT |1|1.2.3.4|5|x", -EINVAL),
	FCN("EPRT", -EINVAL),
	FCN("USER anonymous", 0),
	FCN("PASV", 0),
	FCN("EPSV", 0),
	FCN("RETR 1,2,3,4,5,6", 0),
	FCN("", 0),
	FCN("PORTX 1,2,3,4,5,6", 0),
	FCN(" PORT 1,2,3,4,5,6", 0),
	FCN("227 Entering Passive Mode (1,2,3,4,5,6)", 0),
	FCN("\xffPORT 1,2,3,4,5,6", 0),

	/* ftp_find_addr, server side */
	FR("227 Entering Passive Mode (192,168,1,2,4,1).", 1, FTP_ADDR_227, "192.168.1.2", 1025,
	   "192,168,1,2,4,1", 0),
	FR("227 Entering Passive Mode 192,168,1,2,4,1", 1, FTP_ADDR_227, "192.168.1.2", 1025,
	   "192,168,1,2,4,1", 0),
	FR("227 =192,168,1,2,4,1", 1, FTP_ADDR_227, "192.168.1.2", 1025, "192,168,1,2,4,1", 0),
	FR("227 Passive (10,0,0,1,200,10) extra text", 1, FTP_ADDR_227, "10.0.0.1", 51210,
	   "10,0,0,1,200,10", 0),
	FR("227 Entering Passive Mode (1,2,3,4,5,6)\0", 1, FTP_ADDR_227, "1.2.3.4", 1286,
	   "1,2,3,4,5,6", 0),
	FR("227 Entering Passive Mode (192,168,1,2,4,1\xff)", 1, FTP_ADDR_227, "192.168.1.2", 1025,
	   "192,168,1,2,4,1", 0),
	FR("229 Entering Extended Passive Mode (|||6446|)", 1, FTP_ADDR_229, NULL, 6446,
	   "(|||6446|)", '|'),
	FR("229 Entering Extended Passive Mode (###6446#)", 1, FTP_ADDR_229, NULL, 6446,
	   "(###6446#)", '#'),
	FR("229 Extended (EPSV) (|||1234|)", 1, FTP_ADDR_229, NULL, 1234, "(|||1234|)", '|'),
	FRN("227 Entering Passive Mode (1,2,3,4,5)", -EINVAL),
	FRN("227 Entering Passive Mode (999,2,3,4,5,6)", -EINVAL),
	FRN("227 Entering Passive Mode", -EINVAL),
	FRN("227", -EINVAL),
	FRN("229 Entering Extended Passive Mode (|||0|)", -EINVAL),
	FRN("229 Entering Extended Passive Mode", -EINVAL),
	FRN("227-Entering Passive Mode (1,2,3,4,5,6)", 0),
	FRN("220 Service ready (1,2,3,4,5,6)", 0),
	FRN("200 PORT command successful", 0),
	FRN("PORT 1,2,3,4,5,6", 0),
	FRN("228 Entering Long Passive Mode (1,2,3,4,5,6)", 0),
	FRN("2270 (1,2,3,4,5,6)", 0),
	FRN("", 0),
};

#define FT_ROWS (sizeof(ft_table) / sizeof(ft_table[0]))

static bool ft_ep_is(const struct ftp_endpoint *ep, const char *addr, int port)
{
	struct net_addr a;

	if (ep->port != port)
		return false;
	if (!addr)
		return !ep->has_addr;
	return ep->has_addr && net_addr_parse(addr, &a) == 0 && net_addr_eq(&a, &ep->addr);
}

static bool ft_span_is(const uint8_t *base, size_t off, size_t len, const char *want)
{
	return want && len == strlen(want) && memcmp(base + off, want, len) == 0;
}

/* Runs one row; returns true when every output matches. */
static bool ft_run(const struct ft_row *r)
{
	const uint8_t *in = (const uint8_t *)r->in;
	struct ftp_reply_line rl;
	struct ftp_endpoint ep;
	struct ftp_addr_span sp;
	struct ftp_cmd c;
	size_t off = 0, len = 0;
	char d = 0;
	int rc;

	switch (r->op) {
	case FT_CMD:
		rc = ftp_cmd_parse(in, r->len, &c);
		return rc == r->rc && (rc || (strcmp(c.verb, r->a) == 0 &&
					      c.arg_len == strlen(r->span) &&
					      memcmp(c.arg, r->span, c.arg_len) == 0));
	case FT_REPLY:
	case FT_REPLY_ML:
		rc = ftp_reply_line_parse(in, r->len, r->op == FT_REPLY_ML, &rl);
		if (rc != r->rc)
			return false;
		if (rc)
			return true;
		if (rl.code != r->n || rl.more != (bool)r->k)
			return false;
		/* NULL: the text is the whole line (holds a NUL, no strlen). */
		if (!r->a)
			return rl.text == in && rl.text_len == r->len;
		return rl.text_len == strlen(r->a) && memcmp(rl.text, r->a, rl.text_len) == 0;
	case FT_PORT:
		rc = ftp_parse_port_arg(in, r->len, &ep);
		return rc == r->rc && (rc || ft_ep_is(&ep, r->a, r->n));
	case FT_EPRT:
		rc = ftp_parse_eprt_arg(in, r->len, &ep, &d);
		return rc == r->rc && (rc || (ft_ep_is(&ep, r->a, r->n) && d == r->delim));
	case FT_227:
		rc = ftp_parse_227_text(in, r->len, &ep, &off, &len);
		return rc == r->rc && (rc || (ft_ep_is(&ep, r->a, r->n) && ft_span_is(in, off, len, r->span)));
	case FT_229:
		rc = ftp_parse_229_text(in, r->len, &ep, &off, &len, &d);
		return rc == r->rc &&
		       (rc || (ft_ep_is(&ep, NULL, r->n) && d == r->delim && ft_span_is(in, off, len, r->span)));
	case FT_FIND_C:
	case FT_FIND_R:
		rc = ftp_find_addr(in, r->len, r->op == FT_FIND_R, &sp);
		if (rc != r->rc)
			return false;
		if (rc != 1)
			return true;
		if ((int)sp.kind != r->k || !ft_ep_is(&sp.ep, r->a, r->n) ||
		    !ft_span_is(in, sp.off, sp.len, r->span))
			return false;
		return (sp.kind != FTP_ADDR_EPRT && sp.kind != FTP_ADDR_229) || sp.delim == r->delim;
	}
	return false;
}

static void test_table(void)
{
	unsigned failed = 0;

	CU_ASSERT(FT_ROWS >= 150);
	for (size_t i = 0; i < FT_ROWS; i++) {
		if (!ft_run(&ft_table[i])) {
			fprintf(stderr, "\n    row %zu (op %d) failed: \"%.*s\"", i, ft_table[i].op,
				(int)ft_table[i].len, ft_table[i].in);
			failed++;
		}
	}
	CU_ASSERT_EQUAL(failed, 0);
	printf("\n    %zu table rows\n", FT_ROWS);
}

static void test_line_next(void)
{
	static const uint8_t s[] = "USER a\r\nPASS b\nNOOP";
	size_t cl = 99, n;

	n = ftp_line_next(s, sizeof(s) - 1, &cl);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(cl, 6);
	n = ftp_line_next(s + 8, sizeof(s) - 1 - 8, &cl);
	CU_ASSERT_EQUAL(n, 7);
	CU_ASSERT_EQUAL(cl, 6);
	/* "NOOP" without a terminator: not a line yet. */
	CU_ASSERT_EQUAL(ftp_line_next(s + 15, 4, &cl), 0);
	CU_ASSERT_EQUAL(cl, 0);
	CU_ASSERT_EQUAL(ftp_line_next(s, 0, &cl), 0);
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"\r\n", 2, &cl), 2);
	CU_ASSERT_EQUAL(cl, 0);
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"\n", 1, &cl), 1);
	CU_ASSERT_EQUAL(cl, 0);
	/* A CR alone ends nothing, and a CR inside a line is content. */
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"abc\r", 4, &cl), 0);
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"a\rb\n", 4, &cl), 4);
	CU_ASSERT_EQUAL(cl, 3);
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"a\r\r\n", 4, &cl), 4);
	CU_ASSERT_EQUAL(cl, 2);
	/* The length bound is honoured: the LF at index 3 is outside it. */
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"abc\n", 3, &cl), 0);
	/* A NUL does not end a line. */
	CU_ASSERT_EQUAL(ftp_line_next((const uint8_t *)"a\0b\r\n", 5, &cl), 5);
	CU_ASSERT_EQUAL(cl, 3);
}

/* Lines up to FTP_MAX_LINE are fine, one byte more is refused. */
static void test_line_limits(void)
{
	uint8_t line[FTP_MAX_LINE + 2];
	struct ftp_reply_line rl;
	struct ftp_cmd c;

	memset(line, 'a', sizeof(line));
	memcpy(line, "STOR ", 5);
	CU_ASSERT_EQUAL(ftp_cmd_parse(line, FTP_MAX_LINE, &c), 0);
	CU_ASSERT_EQUAL(c.arg_len, FTP_MAX_LINE - 5);
	CU_ASSERT_EQUAL(ftp_cmd_parse(line, FTP_MAX_LINE + 1, &c), -E2BIG);
	memcpy(line, "250 ", 4);
	CU_ASSERT_EQUAL(ftp_reply_line_parse(line, FTP_MAX_LINE, false, &rl), 0);
	CU_ASSERT_EQUAL(ftp_reply_line_parse(line, FTP_MAX_LINE + 1, false, &rl), -EINVAL);
}

/* A whole multi-line reply, line by line, as a reader would walk it. */
static void test_multiline_reply(void)
{
	static const uint8_t s[] = "211-Features:\r\n EPRT\r\n EPSV\n211 x\r\n211 End\r\n";
	const uint8_t *p = s;
	size_t left = sizeof(s) - 1, n, cl;
	int code = 0, lines = 0, finals = 0;
	bool in_ml = false;

	while ((n = ftp_line_next(p, left, &cl)) != 0) {
		struct ftp_reply_line rl;

		CU_ASSERT_EQUAL_FATAL(ftp_reply_line_parse(p, cl, in_ml, &rl), 0);
		lines++;
		if (!in_ml) {
			code = rl.code;
			in_ml = rl.more;
		} else if (rl.code == code && !rl.more) {
			in_ml = false;
			finals++;
		}
		p += n;
		left -= n;
	}
	/* "211 x" closes the reply (same code, SP); "211 End" is a new reply. */
	CU_ASSERT_EQUAL(lines, 5);
	CU_ASSERT_EQUAL(code, 211);
	CU_ASSERT_EQUAL(finals, 1);
	CU_ASSERT_FALSE(in_ml);
	CU_ASSERT_EQUAL(left, 0);
}

static void ft_rand_ep(uint64_t *rs, bool v6, struct ftp_endpoint *ep)
{
	uint8_t b[16];

	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)tu_rand(rs);
	memset(ep, 0, sizeof(*ep));
	ep->has_addr = true;
	if (v6)
		net_addr_from_v6(&ep->addr, b);
	else
		net_addr_from_v4(&ep->addr, b);
	ep->port = (uint16_t)(1 + tu_rand(rs) % 65535);
}

static bool ft_ep_eq(const struct ftp_endpoint *x, const struct ftp_endpoint *y)
{
	return x->has_addr == y->has_addr && x->port == y->port &&
	       (!x->has_addr || net_addr_eq(&x->addr, &y->addr));
}

/* Finds the address in line, formats the same endpoint back for the span,
 * and checks the line is reproduced byte for byte. */
static void ft_round_trip_line(const char *line, bool reply, enum ftp_addr_kind kind,
			       const struct ftp_endpoint *ep)
{
	struct ftp_addr_span sp;
	char rep[128];
	int n;

	CU_ASSERT_EQUAL_FATAL(ftp_find_addr((const uint8_t *)line, strlen(line), reply, &sp), 1);
	CU_ASSERT_EQUAL(sp.kind, kind);
	if (kind == FTP_ADDR_229) {
		CU_ASSERT_TRUE(!sp.ep.has_addr && sp.ep.port == ep->port);
	} else {
		CU_ASSERT_TRUE(ft_ep_eq(&sp.ep, ep));
	}
	n = ftp_format_span(&sp, &sp.ep, rep, sizeof(rep));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL((size_t)n, sp.len);
	CU_ASSERT_EQUAL(memcmp(line + sp.off, rep, sp.len), 0);
}

static void test_round_trip(void)
{
	static const char delims[] = "|!#$%&'()*+,-/;<=>?@[\\]^_`{}~\"";
	uint64_t rs = 42;

	for (int i = 0; i < 3000; i++) {
		struct ftp_endpoint ep, back;
		char fmt[96], line[160], d = delims[tu_rand(&rs) % (sizeof(delims) - 1)], gotd = 0;
		size_t off, len;
		int n;

		ft_rand_ep(&rs, false, &ep);
		n = ftp_format_port(&ep, fmt, sizeof(fmt));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(ftp_parse_port_arg((const uint8_t *)fmt, (size_t)n, &back), 0);
		CU_ASSERT_TRUE(ft_ep_eq(&ep, &back));
		snprintf(line, sizeof(line), "PORT %s", fmt);
		ft_round_trip_line(line, false, FTP_ADDR_PORT, &ep);
		snprintf(line, sizeof(line), "227 Entering Passive Mode (%s).", fmt);
		ft_round_trip_line(line, true, FTP_ADDR_227, &ep);
		CU_ASSERT_EQUAL(ftp_parse_227_text((const uint8_t *)fmt, (size_t)n, &back, &off, &len), 0);
		CU_ASSERT_TRUE(ft_ep_eq(&ep, &back) && off == 0 && len == (size_t)n);

		ft_rand_ep(&rs, tu_rand(&rs) & 1, &ep);
		n = ftp_format_eprt(&ep, d, fmt, sizeof(fmt));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(ftp_parse_eprt_arg((const uint8_t *)fmt, (size_t)n, &back, &gotd), 0);
		CU_ASSERT_TRUE(ft_ep_eq(&ep, &back) && gotd == d);
		snprintf(line, sizeof(line), "EPRT %s", fmt);
		ft_round_trip_line(line, false, FTP_ADDR_EPRT, &ep);

		/* Every delimiter reads back, '(' and ')' included. */
		n = ftp_format_229(ep.port, d, fmt, sizeof(fmt));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(ftp_parse_229_text((const uint8_t *)fmt, (size_t)n, &back, &off, &len,
						   &gotd),
				0);
		CU_ASSERT_TRUE(back.port == ep.port && gotd == d && off == 0 && len == (size_t)n);
		snprintf(line, sizeof(line), "229 Entering Extended Passive Mode %s", fmt);
		ft_round_trip_line(line, true, FTP_ADDR_229, &ep);
	}
}

/* A span's replacement with a different endpoint, spliced into the line,
 * finds that endpoint: what the FTP editor does. */
static void test_format_span_splice(void)
{
	static const char *lines[] = {"PORT 10,0,0,5,19,137", "EPRT |1|10.0.0.5|5001|",
				      "227 Entering Passive Mode (10,0,0,5,19,137).",
				      "229 Entering Extended Passive Mode (|||5001|)"};
	struct ftp_endpoint pub = {.has_addr = true, .port = 61001};

	CU_ASSERT_FATAL(net_addr_parse("203.0.113.77", &pub.addr) == 0);
	for (size_t i = 0; i < 4; i++) {
		bool reply = lines[i][0] == '2';
		struct ftp_addr_span sp, sp2;
		char rep[64], out[160];
		int n;

		CU_ASSERT_EQUAL_FATAL(ftp_find_addr((const uint8_t *)lines[i], strlen(lines[i]), reply, &sp), 1);
		n = ftp_format_span(&sp, &pub, rep, sizeof(rep));
		CU_ASSERT_FATAL(n > 0);
		snprintf(out, sizeof(out), "%.*s%s%s", (int)sp.off, lines[i], rep, lines[i] + sp.off + sp.len);
		CU_ASSERT_EQUAL_FATAL(ftp_find_addr((const uint8_t *)out, strlen(out), reply, &sp2), 1);
		CU_ASSERT_EQUAL(sp2.kind, sp.kind);
		CU_ASSERT_EQUAL(sp2.ep.port, 61001);
		if (sp.kind != FTP_ADDR_229)
			CU_ASSERT_TRUE(net_addr_eq(&sp2.ep.addr, &pub.addr));
	}
}

static void test_format_errors(void)
{
	struct ftp_endpoint ep = {.has_addr = true, .port = 21};
	struct ftp_addr_span sp = {.kind = FTP_ADDR_227};
	char b[64];

	CU_ASSERT_FATAL(net_addr_parse("2001:db8::1", &ep.addr) == 0);
	CU_ASSERT_EQUAL(ftp_format_port(&ep, b, sizeof(b)), -EAFNOSUPPORT);
	CU_ASSERT_EQUAL(ftp_format_span(&sp, &ep, b, sizeof(b)), -EAFNOSUPPORT);
	CU_ASSERT_EQUAL(ftp_format_eprt(&ep, '|', b, sizeof(b)), (int)strlen("|2|2001:db8::1|21|"));
	CU_ASSERT_STRING_EQUAL(b, "|2|2001:db8::1|21|");
	/* The result and its NUL must fit. */
	CU_ASSERT_EQUAL(ftp_format_eprt(&ep, '|', b, strlen("|2|2001:db8::1|21|")), -ENOSPC);
	CU_ASSERT_EQUAL(ftp_format_229(21, '|', b, 8), -ENOSPC);
	CU_ASSERT_EQUAL(ftp_format_229(21, '|', b, 9), 8);
	CU_ASSERT_STRING_EQUAL(b, "(|||21|)");
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.1", &ep.addr) == 0);
	CU_ASSERT_EQUAL(ftp_format_port(&ep, b, 5), -ENOSPC);
	CU_ASSERT_EQUAL(ftp_format_port(&ep, b, sizeof(b)), 14);
	CU_ASSERT_STRING_EQUAL(b, "192,0,2,1,0,21");
	/* What the parsers refuse, the formatters refuse to write. */
	CU_ASSERT_EQUAL(ftp_format_eprt(&ep, 'a', b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(ftp_format_eprt(&ep, ' ', b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(ftp_format_229(21, '7', b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(ftp_format_229(0, '|', b, sizeof(b)), -EINVAL);
	ep.port = 0;
	CU_ASSERT_EQUAL(ftp_format_eprt(&ep, '|', b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(ftp_format_port(&ep, b, sizeof(b)), 13);
	ep.has_addr = false;
	CU_ASSERT_EQUAL(ftp_format_port(&ep, b, sizeof(b)), -EINVAL);
	CU_ASSERT_EQUAL(ftp_format_eprt(&ep, '|', b, sizeof(b)), -EINVAL);
}

/* Random lines built from the characters the grammar cares about, parsed
 * from exact-size heap copies (ASan reports any read past the end). Whatever
 * is found must lie inside the line and survive format -> splice -> find. */
static void ft_check_found(const uint8_t *line, size_t len, bool reply, const struct ftp_addr_span *sp)
{
	struct ftp_addr_span sp2;
	char rep[128], out[FTP_MAX_LINE + 160];
	int n;

	CU_ASSERT_FATAL(sp->off <= len && sp->len <= len - sp->off);
	n = ftp_format_span(sp, &sp->ep, rep, sizeof(rep));
	CU_ASSERT_FATAL(n > 0);
	memcpy(out, line, sp->off);
	memcpy(out + sp->off, rep, (size_t)n);
	memcpy(out + sp->off + (size_t)n, line + sp->off + sp->len, len - sp->off - sp->len);
	CU_ASSERT_EQUAL_FATAL(ftp_find_addr((const uint8_t *)out, len - sp->len + (size_t)n, reply, &sp2), 1);
	CU_ASSERT_EQUAL(sp2.kind, sp->kind);
	CU_ASSERT_EQUAL(sp2.ep.port, sp->ep.port);
	CU_ASSERT_EQUAL(sp2.ep.has_addr, sp->ep.has_addr);
	if (sp->ep.has_addr)
		CU_ASSERT_TRUE(net_addr_eq(&sp2.ep.addr, &sp->ep.addr));
}

static void test_random_lines(void)
{
	static const char *heads[] = {"PORT ", "EPRT ", "227 ", "229 ", "port ", "227-", "", "229 x ("};
	static const char alpha[] = "0123456789,,,,||||(()) .:!abf\r\x00\xff";
	uint64_t rs = 2024;
	int found = 0, refused = 0;

	for (int r = 0; r < 40000; r++) {
		const char *h = heads[tu_rand(&rs) % 8];
		size_t hl = strlen(h), len = hl + tu_rand(&rs) % 40;
		uint8_t *line = malloc(len ? len : 1);
		bool reply = h[0] == '2' || (h[0] == '\0' && (tu_rand(&rs) & 1));
		struct ftp_addr_span sp;
		struct ftp_endpoint ep;
		struct ftp_cmd c;
		struct ftp_reply_line rl;
		size_t off, sl, cl;
		char d;
		int rc;

		CU_ASSERT_FATAL(line != NULL);
		memcpy(line, h, hl);
		for (size_t i = hl; i < len; i++)
			line[i] = (uint8_t)alpha[tu_rand(&rs) % (sizeof(alpha) - 1)];
		/* Half the time: a valid form, then up to two random bytes changed. */
		if (hl >= 4 && (tu_rand(&rs) & 1)) {
			char fmt[96];
			int n;

			ft_rand_ep(&rs, h[1] == 'P' && (tu_rand(&rs) & 1), &ep);
			if (h[0] == 'E')
				n = ftp_format_eprt(&ep, '|', fmt, sizeof(fmt));
			else if (h[2] == '9')
				n = ftp_format_229(ep.port, '!', fmt, sizeof(fmt));
			else
				n = ftp_format_port(&ep, fmt, sizeof(fmt));
			CU_ASSERT_FATAL(n > 0);
			free(line);
			len = hl + (size_t)n;
			line = malloc(len);
			CU_ASSERT_FATAL(line != NULL);
			memcpy(line, h, hl);
			memcpy(line + hl, fmt, (size_t)n);
			for (uint64_t k = tu_rand(&rs) % 3; k > 0; k--)
				line[hl + tu_rand(&rs) % (uint64_t)n] = (uint8_t)alpha[tu_rand(&rs) % (sizeof(alpha) - 1)];
		}
		rc = ftp_find_addr(line, len, reply, &sp);
		if (rc == 1) {
			found++;
			ft_check_found(line, len, reply, &sp);
		} else if (rc == -EINVAL) {
			refused++;
		} else {
			CU_ASSERT_EQUAL(rc, 0);
		}
		/* The other entry points on the same bytes: in bounds, no crash. */
		ftp_cmd_parse(line, len, &c);
		ftp_reply_line_parse(line, len, tu_rand(&rs) & 1, &rl);
		ftp_parse_port_arg(line + hl, len - hl, &ep);
		ftp_parse_eprt_arg(line + hl, len - hl, &ep, &d);
		if (ftp_parse_227_text(line, len, &ep, &off, &sl) == 0)
			CU_ASSERT(off <= len && sl <= len - off);
		if (ftp_parse_229_text(line, len, &ep, &off, &sl, &d) == 0)
			CU_ASSERT(off <= len && sl <= len - off);
		if (ftp_line_next(line, len, &cl))
			CU_ASSERT(cl < len);
		free(line);
	}
	CU_ASSERT(found > 100 && refused > 100);
	printf("\n    %d found, %d refused\n", found, refused);
}

TU_MAIN("ftp", TU_CASE(test_table), TU_CASE(test_line_next), TU_CASE(test_line_limits),
	TU_CASE(test_multiline_reply), TU_CASE(test_round_trip), TU_CASE(test_format_span_splice),
	TU_CASE(test_format_errors), TU_CASE(test_random_lines))
