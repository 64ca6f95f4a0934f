/* test_hostile_proxy.c - peers that never finish through the proxy core: a
 * reply without its final line, a server or a client that goes silent, a
 * command dribbled one byte per read. Each must end bounded and released. */
#include <stdio.h>
#include <string.h>

#include "../proxy/ftpp.h"
#include "tu.h"
#include "tu_proxy.h"

#define C TU_PX_CLIENT
#define S TU_PX_SERVER
#define PUB TU_PX_PUBLIC
#define IDLE_S 30

static void start(struct tu_px *px)
{
	tu_px_init(px);
	px->cfg.idle_timeout_ns = IDLE_S * GNAT_NS_PER_S;
	px->cfg.data_timeout_ns = 5 * GNAT_NS_PER_S;
	CU_ASSERT_FATAL(tu_px_start(px) == 0);
}

static void login(struct tu_px *px, struct tu_px_sess *ps, uint16_t cport)
{
	tu_px_login(px, ps, C, cport, S);
	tu_px_client(ps, "USER u\r\n");
	tu_px_server(ps, "230 ok\r\n");
	tu_px_take_client(ps);
	tu_px_take_server(ps);
}

/* Frees the session; only the proxy's TCP/21 redirects may remain, and the
 * whole reservation must be free again (a second session gets its ports). */
static void free_and_check(struct tu_px *px, struct tu_px_sess *ps)
{
	CU_ASSERT(ps->bad_logs == 0);
	tu_px_close(ps);
	CU_ASSERT(tu_px_rdr_active(px) == px->start_rdr);
	CU_ASSERT(tu_px_gnat_rdr_active(px) == px->start_rdr);
	CU_ASSERT(ftpp_active_sessions(px->f) == 0);
}

/* Fires the session's timer at its latest deadline, as a driver does, until
 * it closes or n rounds pass (a timer that never closes anything would spin
 * here); returns the virtual seconds it took. */
static uint64_t run_timers(struct tu_px *px, struct tu_px_sess *ps, int n)
{
	uint64_t t0 = px->now;

	for (int i = 0; i < n && !ps->client_closed; i++) {
		const struct ftpp_action *t = tu_px_last(ps, FTPP_ACT_TIMER);

		CU_ASSERT_FATAL(t != NULL);
		if (t->at_ns > px->now)
			px->now = t->at_ns;
		CU_ASSERT(tu_px_event(ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT) == 0);
	}
	return (px->now - t0) / GNAT_NS_PER_S;
}

static void assert_closed(struct tu_px_sess *ps, enum ftpp_close_reason why, const char *reply)
{
	struct ftpp_session_info in;

	CU_ASSERT(ps->client_closed && ps->server_closed);
	ftpp_session_get_info(ps->s, &in);
	CU_ASSERT(in.state == FTPP_SESS_CLOSED);
	CU_ASSERT(in.reason == why);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(ps), reply);
}

/* A multi-line reply whose final line never comes: every line is passed on
 * as it arrives (nothing piles up in the proxy, the client sees progress),
 * and a line that never ends is cut at the line limit. */
static void test_reply_never_ends(void)
{
	struct tu_px_sess ps;
	struct tu_px px;
	char line[64];

	start(&px);
	login(&px, &ps, 41000);
	tu_px_client(&ps, "STAT\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "STAT\r\n");
	CU_ASSERT(tu_px_server(&ps, "211-status follows\r\n") == 0);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "211-status follows\r\n");
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof(line), " line %d, still not the end\r\n", i);
		CU_ASSERT_FATAL(tu_px_server(&ps, line) == 0);
		CU_ASSERT_STRING_EQUAL_FATAL(tu_px_take_client(&ps), line);
	}
	CU_ASSERT(!ps.client_closed);
	/* The server's traffic keeps the session alive, but an unterminated
	 * line is bounded: past the limit it ends the session. */
	for (int i = 0; i < 60 && !ps.client_closed; i++)
		CU_ASSERT(tu_px_server(&ps, "0123456789") == 0);
	assert_closed(&ps, FTPP_CLOSE_SERVER_PROTOCOL,
		      "421 Service not available (server line too long)\r\n");
	CU_ASSERT(tu_px_server(&ps, "211 End\r\n") == -EPIPE);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "");
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

/* A 227 is held whole until its final line (the address may be in any of
 * its lines): one that never ends is cut at the held-reply bound, before the
 * client sees any of it, and the port and redirect go back. */
static void test_pasv_reply_never_ends(void)
{
	struct tu_px_sess ps;
	struct tu_px px;
	int i;

	start(&px);
	login(&px, &ps, 41001);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_take_server(&ps);
	CU_ASSERT(tu_px_server(&ps, "227-Entering Passive Mode (198,51,100,20,4,1)\r\n") == 0);
	for (i = 0; i < 1000 && !ps.client_closed; i++)
		CU_ASSERT(tu_px_server(&ps, " more of the same reply, never its last line\r\n") == 0);
	CU_ASSERT(i < 200); /* ~4 KiB held at most */
	assert_closed(&ps, FTPP_CLOSE_SERVER_PROTOCOL,
		      "421 Service not available (bad server reply)\r\n");
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

/* A command forwarded and never answered: the idle timer closes the session
 * with a 421 to the client, and everything is given back. */
static void test_server_never_answers(void)
{
	struct tu_px_sess ps;
	struct tu_px px;
	uint64_t secs;

	start(&px);
	login(&px, &ps, 41002);
	tu_px_client(&ps, "CWD /pub\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "CWD /pub\r\n");
	px.now += GNAT_NS_PER_S;
	tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT); /* early: nothing */
	CU_ASSERT(!ps.client_closed);
	secs = run_timers(&px, &ps, 4);
	CU_ASSERT(secs <= IDLE_S);
	assert_closed(&ps, FTPP_CLOSE_IDLE, "421 Timeout: closing control connection\r\n");
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

/* The same with a transfer announced: PASV answered (a port acquired, a
 * redirect pending), then silence. The data timeout gives the transfer and
 * its NAT state up, then the idle timeout ends the session. */
static void test_server_silent_after_pasv(void)
{
	struct tu_px_sess ps;
	struct tu_px px;
	uint64_t secs;

	start(&px);
	login(&px, &ps, 41003);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,4,1)\r\n");
	CU_ASSERT(strncmp(tu_px_take_client(&ps), "227 Entering Passive Mode (", 27) == 0);
	CU_ASSERT(tu_px_rdr_active(&px) > px.start_rdr);
	secs = run_timers(&px, &ps, 1);
	CU_ASSERT(secs <= 5);
	CU_ASSERT(!ps.client_closed);
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr); /* data timeout: given back */
	secs += run_timers(&px, &ps, 4);
	CU_ASSERT(secs <= IDLE_S);
	assert_closed(&ps, FTPP_CLOSE_IDLE, "421 Timeout: closing control connection\r\n");
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

/* The limit, as designed (docs/SECURITY.md): once RETR went out on the fast
 * path the data bytes bypass the proxy, so a silent control connection is
 * not idle (the transfer may run for hours). The session then lasts until a
 * peer closes, which gives everything back. */
static void test_fast_transfer_not_idle(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	start(&px);
	login(&px, &ps, 41007);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,4,1)\r\n");
	tu_px_client(&ps, "RETR /f\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "PASV\r\nRETR /f\r\n");
	px.now += 10 * IDLE_S * GNAT_NS_PER_S;
	CU_ASSERT(tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT) == 0);
	CU_ASSERT(!ps.client_closed);
	CU_ASSERT(tu_px_event(&ps, FTPP_EV_SERVER_CLOSED, 0, FTPP_DATA_CLIENT) == 0);
	CU_ASSERT(ps.client_closed && ps.server_closed);
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

/* A client that connects and never sends a byte (not even USER), and one
 * that stops in the middle of a line: both end at the idle timeout. */
static void test_client_never_sends(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	start(&px);
	tu_px_login(&px, &ps, C, 41004, S);
	CU_ASSERT(run_timers(&px, &ps, 4) <= IDLE_S);
	assert_closed(&ps, FTPP_CLOSE_IDLE, "421 Timeout: closing control connection\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "");
	free_and_check(&px, &ps);

	tu_px_login(&px, &ps, C, 41005, S);
	tu_px_client(&ps, "USER anonym");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), ""); /* half a line is not sent */
	CU_ASSERT(run_timers(&px, &ps, 4) <= IDLE_S);
	assert_closed(&ps, FTPP_CLOSE_IDLE, "421 Timeout: closing control connection\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "");
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

/* A PORT dribbled one byte per read (tests/test_proxy_lines.c checks the
 * rewritten text for every row; here the data connection it opens is
 * followed through the gNAT): nothing reaches the server before the line
 * ends, and the server's connection lands on the client's endpoint. */
static void test_port_one_byte_per_read_opens(void)
{
	static const char cmd[] = "PORT 192,0,2,10,200,7\r\n";
	struct tu_px_sess ps;
	struct gnat_result res;
	struct net_tuple t;
	struct tu_px px;
	unsigned a, b, c, d, p1, p2;

	start(&px);
	login(&px, &ps, 41006);
	for (size_t i = 0; i + 1 < sizeof(cmd); i++) {
		CU_ASSERT(tu_px_client_n(&ps, cmd + i, 1) == 0);
		if (i + 2 < sizeof(cmd))
			CU_ASSERT_EQUAL(ps.n_server, 0);
	}
	CU_ASSERT_FATAL(sscanf(tu_px_take_server(&ps), "PORT %u,%u,%u,%u,%u,%u\r\n", &a, &b, &c,
			       &d, &p1, &p2) == 6);
	CU_ASSERT(a == 203 && b == 0 && c == 113 && d == 1);
	tu_px_server(&ps, "200 ok\r\n");
	tu_px_client(&ps, "RETR /f\r\n");
	res = tu_px_push(&px, GNAT_SIDE_OUTSIDE, S, 20, PUB, (uint16_t)(p1 * 256 + p2), 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(tu_px_addr_is(&t.dst, C));
	CU_ASSERT(t.dport == 200 * 256 + 7);
	tu_px_server(&ps, "150 go\r\n226 done\r\n");
	CU_ASSERT(tu_px_event(&ps, FTPP_EV_CLIENT_CLOSED, 0, FTPP_DATA_CLIENT) == 0);
	free_and_check(&px, &ps);
	tu_px_fini(&px);
}

TU_MAIN("hostile_proxy", TU_CASE(test_reply_never_ends), TU_CASE(test_pasv_reply_never_ends),
	TU_CASE(test_server_never_answers), TU_CASE(test_server_silent_after_pasv),
	TU_CASE(test_fast_transfer_not_idle),
	TU_CASE(test_client_never_sends), TU_CASE(test_port_one_byte_per_read_opens))
