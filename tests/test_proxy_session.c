/* test_proxy_session.c - whole sessions over a real gNAT: fast path (counted
 * NAT API calls, data translated in the kernel) and proxy path (data actions),
 * v4/v6, REST, ABOR, policy, limits, timers, and everything given back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/gnat.h"
#include "../proxy/ftpp.h"
#include "tu.h"
#include "tu_proxy.h"

#define C TU_PX_CLIENT
#define S TU_PX_SERVER
#define PUB TU_PX_PUBLIC

static unsigned data_actions(const struct tu_px_sess *ps)
{
	return ps->counts[FTPP_ACT_LISTEN_DATA] + ps->counts[FTPP_ACT_CONNECT_DATA] +
	       ps->counts[FTPP_ACT_SPLICE_DATA] + ps->counts[FTPP_ACT_CLOSE_DATA];
}

/* Start: one port redirect per family + one reservation. */
static void start(struct tu_px *px)
{
	tu_px_init(px);
	CU_ASSERT_FATAL(tu_px_start(px) == 0);
	CU_ASSERT(tu_px_calls(px) == 3);
	CU_ASSERT(tu_px_rdr_active(px) == 2);
}

/* The end state every session must leave: only the TCP/21 redirects. */
static void assert_clean(const struct tu_px *px)
{
	CU_ASSERT(tu_px_rdr_active(px) == px->start_rdr);
	CU_ASSERT(tu_px_gnat_rdr_active(px) == px->start_rdr);
}

static void test_pasv_retr_fast(void)
{
	struct gnat_counters c0, c1;
	struct tu_px_sess ps;
	struct gnat_result res;
	struct net_tuple t;
	struct tu_px px;
	uint64_t calls;

	start(&px);
	tu_px_login(&px, &ps, C, 40000, S);
	CU_ASSERT(tu_px_calls(&px) == px.start_calls + 1); /* + lookup_original */
	{
		const struct ftpp_action *a = tu_px_last(&ps, FTPP_ACT_CONNECT_SERVER);

		CU_ASSERT(tu_px_addr_is(&a->addr, S));
		CU_ASSERT(a->port == 21);
		CU_ASSERT(tu_px_addr_is(&a->src, PUB));
	}
	/* the proxy's own connection to S:21, from the public address as asked,
	 * is not caught by its own redirect */
	res = tu_px_push(&px, GNAT_SIDE_LOCAL, PUB, 50500, S, 21, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.redirect_id == 0);
	CU_ASSERT(tu_px_addr_is(&t.dst, S) && t.dport == 21);
	tu_px_client(&ps, "USER anonymous\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "USER anonymous\r\n");
	tu_px_server(&ps, "331 Password\r\n");
	tu_px_client(&ps, "PASS x@y\r\n");
	tu_px_server(&ps, "230 Logged in\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "331 Password\r\n230 Logged in\r\n");
	tu_px_take_server(&ps);
	calls = tu_px_calls(&px);

	tu_px_client(&ps, "pasv\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "pasv\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,117,48).\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "227 Entering Passive Mode (198,51,100,20,117,48).\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 1); /* one session redirect */

	/* The client's data SYN to S:30000 is translated in the gNAT, straight
	 * to the server from the public address; so is all that follows, and
	 * nothing goes up to the proxy. */
	gnat_counters_get(px.g, &c0);
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45000, S, 30000, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.redirect_id != 0);
	CU_ASSERT(tu_px_addr_is(&t.src, PUB));
	CU_ASSERT(tu_px_addr_is(&t.dst, S));
	CU_ASSERT(t.dport == 30000);
	res = tu_px_push(&px, GNAT_SIDE_OUTSIDE, S, 30000, PUB, t.sport, 0x12, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(tu_px_addr_is(&t.dst, C) && t.dport == 45000);
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45000, S, 30000, 0x10, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	gnat_counters_get(px.g, &c1);
	CU_ASSERT(c1.pkts_local == c0.pkts_local);
	CU_ASSERT(c1.pkts_translated == c0.pkts_translated + 3);

	tu_px_client(&ps, "RETR file.bin\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "RETR file.bin\r\n");
	tu_px_server(&ps, "150 Opening\r\n226 Transfer complete\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "150 Opening\r\n226 Transfer complete\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 2); /* + cancel_group at 226 */
	CU_ASSERT(data_actions(&ps) == 0);
	assert_clean(&px);

	tu_px_client(&ps, "QUIT\r\n");
	tu_px_server(&ps, "221 Bye\r\n");
	tu_px_event(&ps, FTPP_EV_SERVER_CLOSED, 0, FTPP_DATA_CLIENT);
	CU_ASSERT(ps.client_closed);
	CU_ASSERT(ftpp_active_sessions(px.f) == 0);
	{
		struct ftpp_session_info in;

		ftpp_session_get_info(ps.s, &in);
		CU_ASSERT(in.state == FTPP_SESS_CLOSED);
		CU_ASSERT(in.reason == FTPP_CLOSE_PEER);
		CU_ASSERT(in.transfers == 1);
		CU_ASSERT(in.fast_transfers == 1);
	}
	CU_ASSERT(tu_px_calls(&px) == calls + 2); /* nothing left to cancel */
	CU_ASSERT(tu_px_errors(&px) == 0);
	CU_ASSERT(ps.bad_logs == 0);
	tu_px_close(&ps);
	tu_px_fini(&px);
}

/* Log in and clear what the login produced. */
static void login(struct tu_px *px, struct tu_px_sess *ps, const char *client, uint16_t cport,
		  const char *server)
{
	tu_px_login(px, ps, client, cport, server);
	tu_px_client(ps, "USER u\r\n");
	tu_px_server(ps, "230 ok\r\n");
	tu_px_take_client(ps);
	tu_px_take_server(ps);
	tu_px_clear_acts(ps);
}

static void end_session(struct tu_px *px, struct tu_px_sess *ps)
{
	CU_ASSERT(tu_px_event(ps, FTPP_EV_CLIENT_CLOSED, 0, FTPP_DATA_CLIENT) == 0);
	CU_ASSERT(ps->server_closed);
	CU_ASSERT(ps->client_closed);
	CU_ASSERT(ps->bad_logs == 0);
	tu_px_close(ps);
	assert_clean(px);
}

static void test_port_retr_fast(void)
{
	struct tu_px_sess ps;
	struct gnat_result res;
	struct net_tuple t;
	struct tu_px px;
	char want[64];
	uint64_t calls;
	uint16_t p;

	start(&px);
	login(&px, &ps, C, 40000, S);
	calls = tu_px_calls(&px);
	tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 1); /* acquire */
	/* The server is told the public address and a reserved port. */
	{
		const char *out = tu_px_take_server(&ps);
		unsigned a, b, c, d, p1, p2;

		CU_ASSERT_FATAL(sscanf(out, "PORT %u,%u,%u,%u,%u,%u\r\n", &a, &b, &c, &d, &p1, &p2) == 6);
		CU_ASSERT(a == 203 && b == 0 && c == 113 && d == 1);
		p = (uint16_t)(p1 * 256 + p2);
		snprintf(want, sizeof(want), "PORT 203,0,113,1,%u,%u\r\n", p1, p2);
		CU_ASSERT_STRING_EQUAL(out, want);
	}
	CU_ASSERT(p >= 1024);
	tu_px_server(&ps, "200 PORT ok\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "200 PORT ok\r\n");
	tu_px_client(&ps, "RETR a\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 2); /* + session redirect */
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "RETR a\r\n");
	/* The server connects from port 20 to public:P: the client sees it
	 * come from the server it believes it talks to. */
	res = tu_px_push(&px, GNAT_SIDE_OUTSIDE, S, 20, PUB, p, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(tu_px_addr_is(&t.src, S));
	CU_ASSERT(t.sport == 20);
	CU_ASSERT(tu_px_addr_is(&t.dst, C));
	CU_ASSERT(t.dport == 51201);
	tu_px_server(&ps, "150 go\r\n226 done\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "150 go\r\n226 done\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 4); /* + cancel_group + release */
	CU_ASSERT(data_actions(&ps) == 0);
	/* the port is free again: a second PORT gets one */
	tu_px_client(&ps, "PORT 192,0,2,10,200,2\r\n");
	CU_ASSERT(strncmp(tu_px_take_server(&ps), "PORT 203,0,113,1,", 17) == 0);
	CU_ASSERT(tu_px_errors(&px) == 0);
	end_session(&px, &ps);
	CU_ASSERT(tu_px_calls(&px) == calls + 6); /* acquire, then release at close */
	tu_px_fini(&px);
}

static void test_several_files_stor_list(void)
{
	static const char *const verbs[] = {"RETR a", "STOR b", "LIST", "NLST", "APPE c", "MLSD"};
	struct tu_px_sess ps;
	struct ftpp_session_info in;
	struct gnat_result res;
	struct tu_px px;

	start(&px);
	login(&px, &ps, C, 40001, S);
	for (unsigned i = 0; i < 6; i++) {
		char line[64], rep[80];
		uint16_t q = (uint16_t)(30000 + i);

		tu_px_client(&ps, "PASV\r\n");
		snprintf(rep, sizeof(rep), "227 Entering Passive Mode (198,51,100,20,%u,%u)\r\n",
			 q >> 8, q & 0xff);
		tu_px_server(&ps, rep);
		CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), rep);
		res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, (uint16_t)(46000 + i), S, q, 0x02, NULL);
		CU_ASSERT(res.verdict == GNAT_FORWARD && res.redirect_id != 0);
		snprintf(line, sizeof(line), "%s\r\n", verbs[i]);
		tu_px_client(&ps, line);
		tu_px_server(&ps, "150 ok\r\n226 ok\r\n");
		CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "150 ok\r\n226 ok\r\n");
		CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr);
	}
	ftpp_session_get_info(ps.s, &in);
	CU_ASSERT(in.transfers == 6);
	CU_ASSERT(in.fast_transfers == 6);
	CU_ASSERT(data_actions(&ps) == 0);
	/* 2 start + 1 lookup + 6 x (redirect + cancel_group) */
	CU_ASSERT(tu_px_calls(&px) == px.start_calls + 1 + 12);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_pasv_list_proxy_path(void)
{
	const struct ftpp_action *l, *c;
	struct tu_px_sess ps;
	struct gnat_result res;
	struct ftpp_event ev;
	struct net_tuple t;
	struct tu_px px;
	char want[80];
	uint64_t calls;
	uint16_t p;

	tu_px_init(&px);
	px.cfg.policy.listing_path = FTPP_PATH_PROXY;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40002, S);
	calls = tu_px_calls(&px);
	/* pipelined: the path is known when the 227 arrives */
	tu_px_client(&ps, "PASV\r\nLIST\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "PASV\r\nLIST\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,117,48)\r\n");
	l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);
	c = tu_px_last(&ps, FTPP_ACT_CONNECT_DATA);
	CU_ASSERT_FATAL(l != NULL && c != NULL);
	CU_ASSERT(l->side == FTPP_DATA_CLIENT && tu_px_addr_is(&l->addr, TU_PX_PROXY));
	p = l->port;
	CU_ASSERT(c->side == FTPP_DATA_SERVER && tu_px_addr_is(&c->addr, S) && c->port == 30000);
	CU_ASSERT(tu_px_addr_is(&c->src, PUB));
	CU_ASSERT(c->data_id == l->data_id);
	/* the client is told its server's address, with the proxy's port */
	snprintf(want, sizeof(want), "227 Entering Passive Mode (198,51,100,20,%u,%u)\r\n", p >> 8,
		 p & 0xff);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), want);
	CU_ASSERT(tu_px_calls(&px) == calls + 2); /* acquire + redirect */
	/* and its SYN to S:P goes up to the proxy's listener */
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 47000, S, p, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_LOCAL);
	CU_ASSERT(tu_px_addr_is(&t.dst, TU_PX_PROXY) && t.dport == p);

	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_CLIENT);
	CU_ASSERT(ps.counts[FTPP_ACT_SPLICE_DATA] == 0);
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
	CU_ASSERT(ps.counts[FTPP_ACT_SPLICE_DATA] == 1);
	/* the final reply waits for the copy to finish */
	tu_px_server(&ps, "150 listing\r\n226 done\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "150 listing\r\n");
	memset(&ev, 0, sizeof(ev));
	ev.type = FTPP_EV_DATA_DONE;
	ev.data_id = 1;
	ev.bytes_to_client = 1234;
	px.now += 1000;
	CU_ASSERT(ftpp_event(ps.s, &ev, px.now) == 0);
	tu_px_drain(&ps);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "226 done\r\n");
	CU_ASSERT(strstr(ps.last_log, "path=proxy") != NULL);
	CU_ASSERT(strstr(ps.last_log, "bytes_to_client=1234") != NULL);
	CU_ASSERT(tu_px_calls(&px) == calls + 4); /* + cancel_group + release */
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 0); /* the driver closed them */
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_port_proxy_path(void)
{
	const struct ftpp_action *l, *c;
	struct tu_px_sess ps;
	struct ftpp_session_info in;
	struct tu_px px;
	uint64_t calls;

	tu_px_init(&px);
	px.cfg.policy.default_mode = FTPP_MODE_PROXY;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40003, S);
	calls = tu_px_calls(&px);
	tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\nSTOR up\r\n");
	tu_px_server(&ps, "200 ok\r\n");
	l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);
	c = tu_px_last(&ps, FTPP_ACT_CONNECT_DATA);
	CU_ASSERT_FATAL(l != NULL && c != NULL);
	CU_ASSERT(l->side == FTPP_DATA_SERVER && tu_px_addr_is(&l->addr, PUB) && l->port >= 1024);
	CU_ASSERT(c->side == FTPP_DATA_CLIENT && tu_px_addr_is(&c->addr, C) && c->port == 51201);
	CU_ASSERT(tu_px_calls(&px) == calls + 1); /* acquire only: no kernel redirect */
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_CLIENT);
	CU_ASSERT(ps.counts[FTPP_ACT_SPLICE_DATA] == 1);
	tu_px_server(&ps, "150 ok\r\n");
	tu_px_event(&ps, FTPP_EV_DATA_DONE, l->data_id, FTPP_DATA_CLIENT);
	tu_px_server(&ps, "226 ok\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "200 ok\r\n150 ok\r\n226 ok\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 2); /* + release */
	ftpp_session_get_info(ps.s, &in);
	CU_ASSERT(in.proxy_transfers == 1 && in.fast_transfers == 0);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_ipv6_epsv_eprt_fast(void)
{
	struct tu_px_sess ps;
	struct gnat_result res;
	struct net_tuple t;
	struct tu_px px;
	unsigned port;
	uint64_t calls;

	start(&px);
	tu_px_login(&px, &ps, TU_PX_CLIENT6, 40004, TU_PX_SERVER6);
	CU_ASSERT_FATAL(tu_px_last(&ps, FTPP_ACT_CONNECT_SERVER) != NULL);
	CU_ASSERT(tu_px_addr_is(&tu_px_last(&ps, FTPP_ACT_CONNECT_SERVER)->src, TU_PX_PUBLIC6));
	CU_ASSERT(tu_px_addr_is(&tu_px_last(&ps, FTPP_ACT_CONNECT_SERVER)->addr, TU_PX_SERVER6));
	calls = tu_px_calls(&px);
	tu_px_client(&ps, "EPSV\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "EPSV\r\n");
	tu_px_server(&ps, "229 Entering Extended Passive Mode (|||31000|)\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "229 Entering Extended Passive Mode (|||31000|)\r\n");
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, TU_PX_CLIENT6, 45000, TU_PX_SERVER6, 31000, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(tu_px_addr_is(&t.src, TU_PX_PUBLIC6));
	CU_ASSERT(tu_px_addr_is(&t.dst, TU_PX_SERVER6) && t.dport == 31000);
	tu_px_client(&ps, "RETR x\r\n");
	tu_px_server(&ps, "150 ok\r\n226 ok\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 2);
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "RETR x\r\n");

	tu_px_client(&ps, "EPRT |2|2001:db8:1::10|50000|\r\n");
	{
		const char *out = tu_px_take_server(&ps);

		CU_ASSERT(sscanf(out, "EPRT |2|2001:db8:ff::1|%u|\r\n", &port) == 1);
		CU_ASSERT(port >= 1024 && port <= 65535);
	}
	tu_px_server(&ps, "200 ok\r\n");
	tu_px_client(&ps, "RETR y\r\n");
	res = tu_px_push(&px, GNAT_SIDE_OUTSIDE, TU_PX_SERVER6, 20, TU_PX_PUBLIC6, (uint16_t)port,
			 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(tu_px_addr_is(&t.src, TU_PX_SERVER6));
	CU_ASSERT(tu_px_addr_is(&t.dst, TU_PX_CLIENT6) && t.dport == 50000);
	tu_px_server(&ps, "150 ok\r\n226 ok\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 6);
	/* an EPRT naming another v6 host is a bounce */
	tu_px_client(&ps, "EPRT |2|2001:db8:1::99|50000|\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "150 ok\r\n226 ok\r\n200 ok\r\n150 ok\r\n226 ok\r\n500 Illegal PORT command\r\n");
	CU_ASSERT(data_actions(&ps) == 0);
	CU_ASSERT(tu_px_errors(&px) == 0);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_epsv_retried_as_pasv(void)
{
	struct tu_px_sess ps;
	struct gnat_result res;
	struct tu_px px;

	start(&px);
	login(&px, &ps, C, 40026, S);
	tu_px_client(&ps, "EPSV\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "EPSV\r\n");
	tu_px_server(&ps, "500-unknown\r\n500 command EPSV\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "PASV\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,117,48)\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "229 Entering Extended Passive Mode (|||30000|)\r\n");
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45003, S, 30000, 0x02, NULL);
	CU_ASSERT(res.verdict == GNAT_FORWARD && res.redirect_id != 0);
	/* a PASV that fails too is the client's to see */
	tu_px_client(&ps, "EPSV\r\n");
	tu_px_server(&ps, "502 no\r\n");
	tu_px_server(&ps, "502 no PASV either\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "502 no PASV either\r\n");
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_eprt_v4_kept_as_eprt(void)
{
	struct tu_px_sess ps;
	struct tu_px px;
	unsigned port;

	start(&px);
	login(&px, &ps, C, 40005, S);
	tu_px_client(&ps, "eprt |1|192.0.2.10|50001|\r\n");
	CU_ASSERT(sscanf(tu_px_take_server(&ps), "EPRT |1|203.0.113.1|%u|\r\n", &port) == 1);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_rest_and_abor_fast(void)
{
	struct tu_px_sess ps;
	struct tu_px px;
	uint64_t calls;

	start(&px);
	login(&px, &ps, C, 40006, S);
	calls = tu_px_calls(&px);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 =198,51,100,20,117,49\r\n");
	tu_px_client(&ps, "REST 1000\r\n");
	tu_px_server(&ps, "350 Restarting at 1000\r\n");
	tu_px_client(&ps, "RETR big\r\n");
	tu_px_server(&ps, "150 Opening\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "PASV\r\nREST 1000\r\nRETR big\r\n");
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr + 1);
	/* Telnet IP + Synch before ABOR, as clients send it */
	tu_px_client_n(&ps, "\xff\xf4\xff\xf2" "ABOR\r\n", 10);
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "ABOR\r\n");
	tu_px_server(&ps, "426 Transfer aborted\r\n");
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr); /* ended with the 426 */
	tu_px_server(&ps, "226 ABOR successful\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "227 =198,51,100,20,117,49\r\n350 Restarting at 1000\r\n150 Opening\r\n"
			       "426 Transfer aborted\r\n226 ABOR successful\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 2);
	/* an ABOR with nothing running is a plain command */
	tu_px_client(&ps, "ABOR\r\n");
	tu_px_server(&ps, "225 No transfer to abort\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls + 2);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_abor_proxy_path(void)
{
	const struct ftpp_action *l;
	struct tu_px_sess ps;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.policy.default_mode = FTPP_MODE_PROXY;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40007, S);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 ok (198,51,100,20,117,50)\r\n");
	l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);
	CU_ASSERT_FATAL(l != NULL);
	tu_px_client(&ps, "RETR big\r\n");
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_CLIENT);
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
	tu_px_server(&ps, "150 Opening\r\n");
	tu_px_take_client(&ps);
	tu_px_client(&ps, "ABOR\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 1); /* the copy stops at once */
	tu_px_server(&ps, "426 aborted\r\n226 ok\r\n");
	/* nothing held: the data is gone */
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "426 aborted\r\n226 ok\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 1);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

/* ---- policy ---------------------------------------------------------------- */

static void test_site_deny(void)
{
	struct tu_px_sess ps;
	struct ftpp_session_info in;
	struct tu_px px;

	tu_px_init(&px);
	CU_ASSERT_FATAL(net_prefix_parse("198.51.100.0/24", &px.cfg.policy.sites[0].server) == 0);
	px.cfg.policy.sites[0].deny = true;
	px.cfg.policy.sites[0].code = 550;
	snprintf(px.cfg.policy.sites[0].message, FTPP_MSG_LEN, "Site blocked by policy");
	px.cfg.policy.n_sites = 1;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	CU_ASSERT(tu_px_accept(&px, &ps, C, 40010, S) == 0);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "550 Site blocked by policy\r\n");
	CU_ASSERT(ps.client_closed);
	CU_ASSERT(!ps.server_closed);
	CU_ASSERT(ps.counts[FTPP_ACT_CONNECT_SERVER] == 0);
	ftpp_session_get_info(ps.s, &in);
	CU_ASSERT(in.reason == FTPP_CLOSE_DENIED);
	CU_ASSERT(tu_px_calls(&px) == px.start_calls + 1);
	CU_ASSERT(ftpp_feed_client(ps.s, (const uint8_t *)"USER x\r\n", 8, px.now) == -EPIPE);
	tu_px_close(&ps);
	/* another server is allowed */
	CU_ASSERT(tu_px_accept(&px, &ps, C, 40011, "203.0.113.50") == 0);
	CU_ASSERT(ps.counts[FTPP_ACT_CONNECT_SERVER] == 1);
	tu_px_close(&ps);
	/* default deny with an allow rule */
	tu_px_fini(&px);
	tu_px_init(&px);
	CU_ASSERT_FATAL(net_prefix_parse("198.51.100.20/32", &px.cfg.policy.sites[0].server) == 0);
	px.cfg.policy.n_sites = 1;
	px.cfg.policy.default_deny = true;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	CU_ASSERT(tu_px_accept(&px, &ps, C, 40012, S) == 0);
	CU_ASSERT(ps.counts[FTPP_ACT_CONNECT_SERVER] == 1);
	tu_px_close(&ps);
	CU_ASSERT(tu_px_accept(&px, &ps, C, 40013, "198.51.100.21") == 0);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "421 Service not available\r\n");
	tu_px_close(&ps);
	assert_clean(&px);
	tu_px_fini(&px);
}

static void test_read_only_in_order(void)
{
	struct tu_px_sess ps;
	struct ftpp_session_info in;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.policy.read_only = true;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40014, S);
	tu_px_client(&ps, "NOOP\r\nstor x\r\nDELE y\r\nNOOP\r\nRNFR a\r\nRNTO b\r\nSITE CHMOD 777 x\r\nMKD d\r\nRMD d\r\nAPPE z\r\nSTOU\r\nRETR ok\r\n");
	/* nothing that writes reaches the server */
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "NOOP\r\nNOOP\r\nRETR ok\r\n");
	/* the refusals wait for the server's earlier reply: order is kept */
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "");
	tu_px_server(&ps, "200 a\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "200 a\r\n550 Permission denied (read-only policy)\r\n"
			       "550 Permission denied (read-only policy)\r\n");
	tu_px_server(&ps, "200 b\r\n550 no such file\r\n");
	{
		const char *got = tu_px_take_client(&ps);

		CU_ASSERT(strncmp(got, "200 b\r\n550 Permission", 21) == 0);
		CU_ASSERT(strstr(got, "550 no such file\r\n") != NULL);
	}
	ftpp_session_get_info(ps.s, &in);
	CU_ASSERT(in.refused == 9);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_redirect_map(void)
{
	struct tu_px_sess ps;
	struct gnat_result res;
	struct net_tuple t;
	struct tu_px px;
	unsigned a, b, c, d, p1, p2;

	tu_px_init(&px);
	CU_ASSERT_FATAL(net_addr_parse(S, &px.cfg.policy.maps[0].from) == 0);
	CU_ASSERT_FATAL(net_addr_parse(TU_PX_OTHER, &px.cfg.policy.maps[0].to) == 0);
	px.cfg.policy.n_maps = 1;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	tu_px_login(&px, &ps, C, 40015, S);
	CU_ASSERT(tu_px_addr_is(&tu_px_last(&ps, FTPP_ACT_CONNECT_SERVER)->addr, TU_PX_OTHER));
	/* B's 227 names B; the client is told A */
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,99,117,48)\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "227 Entering Passive Mode (198,51,100,20,117,48)\r\n");
	/* "client -> A:Q becomes public -> B:Q" */
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45001, S, 30000, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(tu_px_addr_is(&t.src, PUB));
	CU_ASSERT(tu_px_addr_is(&t.dst, TU_PX_OTHER) && t.dport == 30000);
	tu_px_client(&ps, "RETR f\r\n");
	tu_px_server(&ps, "150 ok\r\n226 ok\r\n");
	/* a 227 naming A itself now comes from the wrong host: refused */
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,117,48)\r\n");
	CU_ASSERT(strstr(tu_px_take_client(&ps), "425 Can't open data connection\r\n") != NULL);
	/* active: B connects from its port 20; the client sees A */
	tu_px_take_server(&ps);
	tu_px_client(&ps, "PORT 192,0,2,10,200,9\r\n");
	CU_ASSERT(sscanf(tu_px_take_server(&ps), "PORT %u,%u,%u,%u,%u,%u", &a, &b, &c, &d, &p1, &p2) == 6);
	tu_px_server(&ps, "200 ok\r\n");
	tu_px_client(&ps, "RETR g\r\n");
	res = tu_px_push(&px, GNAT_SIDE_OUTSIDE, TU_PX_OTHER, 20, PUB, (uint16_t)(p1 * 256 + p2), 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(tu_px_addr_is(&t.src, S) && t.sport == 20);
	CU_ASSERT(tu_px_addr_is(&t.dst, C) && t.dport == 51209);
	tu_px_server(&ps, "150 ok\r\n226 ok\r\n");
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_bounce_refused(void)
{
	static const char *const bad[] = {
		"PORT 10,0,0,1,200,1\r\n",     /* a third host */
		"PORT 192,0,2,10,0,21\r\n",    /* a service port */
		"PORT 192,0,2,10,3,255\r\n",   /* 1023 */
		"PORT 198,51,100,20,200,1\r\n", /* the server itself */
		"EPRT |1|10.0.0.1|5000|\r\n",
		"EPRT |2|2001:db8:1::10|5000|\r\n", /* wrong family for this session */
		"EPRT |1|192.0.2.10|21|\r\n",
	};
	struct tu_px_sess ps;
	struct tu_px px;
	uint64_t calls;

	start(&px);
	login(&px, &ps, C, 40016, S);
	calls = tu_px_calls(&px);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_px_client(&ps, bad[i]);
		CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "500 Illegal PORT command\r\n");
		CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "");
	}
	tu_px_client(&ps, "PORT 192,0,2,10,4,0\r\n"); /* 1024 is fine */
	CU_ASSERT(strncmp(tu_px_take_server(&ps), "PORT 203,0,113,1,", 17) == 0);
	CU_ASSERT(tu_px_calls(&px) == calls + 1);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_slipstream_refused(void)
{
	static const char *const bad[] = {
		"227 Entering Passive Mode (10,0,0,1,117,48)\r\n",
		"227 Entering Passive Mode (192,0,2,10,117,48)\r\n",
		"227 Entering Passive Mode (198,51,100,20,0,0)\r\n",
		"227 Entering Passive Mode\r\n",
		"229 Entering Extended Passive Mode (|||0|)\r\n",
	};
	struct tu_px_sess ps;
	struct gnat_result res;
	struct tu_px px;
	uint64_t calls;

	start(&px);
	login(&px, &ps, C, 40017, S);
	calls = tu_px_calls(&px);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_px_client(&ps, i == 4 ? "EPSV\r\n" : "PASV\r\n");
		tu_px_server(&ps, bad[i]);
		CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "425 Can't open data connection\r\n");
	}
	/* an unsolicited 227 (no PASV pending) is refused too */
	tu_px_client(&ps, "NOOP\r\n");
	tu_px_server(&ps, "227 Entering Passive Mode (198,51,100,20,117,48)\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "425 Can't open data connection\r\n");
	CU_ASSERT(tu_px_calls(&px) == calls);
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45002, "10.0.0.1", 30000, 0x02, NULL);
	CU_ASSERT(res.redirect_id == 0);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_max_sessions(void)
{
	struct tu_px_sess a, b, c, d;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.policy.max_sessions = 2;
	px.cfg.policy.max_per_client = 1;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	CU_ASSERT(tu_px_accept(&px, &a, C, 41000, S) == 0);
	CU_ASSERT(a.counts[FTPP_ACT_CONNECT_SERVER] == 1);
	/* same client again: over its limit */
	CU_ASSERT(tu_px_accept(&px, &b, C, 41001, S) == 0);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&b), "421 Too many connections, try again later\r\n");
	CU_ASSERT(b.client_closed && b.counts[FTPP_ACT_CONNECT_SERVER] == 0);
	CU_ASSERT(tu_px_accept(&px, &c, "192.0.2.11", 41002, S) == 0);
	CU_ASSERT(c.counts[FTPP_ACT_CONNECT_SERVER] == 1);
	/* a third client: over the total */
	CU_ASSERT(tu_px_accept(&px, &d, "192.0.2.12", 41003, S) == 0);
	CU_ASSERT(d.client_closed && d.counts[FTPP_ACT_CONNECT_SERVER] == 0);
	CU_ASSERT(ftpp_active_sessions(px.f) == 2);
	tu_px_close(&d);
	tu_px_close(&b);
	/* one ends: room again */
	tu_px_event(&a, FTPP_EV_CLIENT_CLOSED, 0, FTPP_DATA_CLIENT);
	CU_ASSERT(ftpp_active_sessions(px.f) == 1);
	CU_ASSERT(tu_px_accept(&px, &d, "192.0.2.12", 41004, S) == 0);
	CU_ASSERT(d.counts[FTPP_ACT_CONNECT_SERVER] == 1);
	tu_px_close(&a);
	tu_px_close(&c);
	tu_px_close(&d);
	tu_px_fini(&px);
}

/* Many sessions from many clients, ended and freed in a scrambled order:
 * the live and per-client counts (kept as counters, not by walking the
 * sessions) follow every step. */
static void test_session_counts_at_scale(void)
{
	enum { CLIENTS = 20, PER = 3, N = CLIENTS * PER };
	struct tu_px_sess *ps = calloc(N + 1, sizeof(*ps));
	struct tu_px px;
	char cli[32];
	unsigned live = N;

	CU_ASSERT_FATAL(ps != NULL);
	tu_px_init(&px);
	px.cfg.policy.max_per_client = PER;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	for (int i = 0; i < N; i++) {
		snprintf(cli, sizeof(cli), "192.0.2.%d", 20 + i % CLIENTS);
		CU_ASSERT_FATAL(tu_px_accept(&px, &ps[i], cli, (uint16_t)(41000 + i), S) == 0);
		CU_ASSERT(ps[i].counts[FTPP_ACT_CONNECT_SERVER] == 1);
	}
	CU_ASSERT(ftpp_active_sessions(px.f) == N);
	/* every client is at its limit */
	CU_ASSERT(tu_px_accept(&px, &ps[N], "192.0.2.25", 42000, S) == 0);
	CU_ASSERT(ps[N].client_closed && ps[N].counts[FTPP_ACT_CONNECT_SERVER] == 0);
	CU_ASSERT(ftpp_active_sessions(px.f) == N);
	tu_px_close(&ps[N]);
	/* end sessions in a scrambled order (7 is prime to 60), freeing every
	 * other one at once and the rest later */
	for (int k = 0; k < N; k++) {
		int i = (k * 7) % N;

		tu_px_event(&ps[i], FTPP_EV_CLIENT_CLOSED, 0, FTPP_DATA_CLIENT);
		CU_ASSERT(ftpp_active_sessions(px.f) == --live);
		if (k % 2)
			tu_px_close(&ps[i]);
	}
	/* client .25 has room again: three more are admitted, a fourth not */
	for (int j = 0; j < PER + 1; j++) {
		struct tu_px_sess *x = &ps[N];

		CU_ASSERT(tu_px_accept(&px, x, "192.0.2.25", (uint16_t)(43000 + j), S) == 0);
		CU_ASSERT(x->counts[FTPP_ACT_CONNECT_SERVER] == (j < PER ? 1u : 0u));
		if (j == PER)
			CU_ASSERT(x->client_closed);
		if (j < PER)
			ps[N].s = NULL; /* freed by ftpp_destroy below */
		else
			tu_px_close(x);
	}
	CU_ASSERT(ftpp_active_sessions(px.f) == PER);
	for (int k = 0; k < N; k++) {
		int i = (k * 7) % N;

		if (!(k % 2))
			tu_px_close(&ps[i]);
	}
	tu_px_fini(&px);
	free(ps);
}

/* ---- timers, AUTH, connect failure, teardown ------------------------------- */

static void test_unused_redirect_expires(void)
{
	struct tu_px_sess ps;
	const struct ftpp_action *tm;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.data_timeout_ns = 5 * GNAT_NS_PER_S;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40018, S);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 ok (198,51,100,20,117,48)\r\n");
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr + 1);
	tm = tu_px_last(&ps, FTPP_ACT_TIMER);
	CU_ASSERT_FATAL(tm != NULL);
	CU_ASSERT(tm->at_ns <= px.now + 5 * GNAT_NS_PER_S);
	px.now = tm->at_ns;
	tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT);
	assert_clean(&px);
	/* and the same for an active announcement: the port comes back */
	tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\n");
	tu_px_server(&ps, "200 ok\r\n");
	tm = tu_px_last(&ps, FTPP_ACT_TIMER);
	px.now += 6 * GNAT_NS_PER_S;
	tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT);
	CU_ASSERT(tu_px_errors(&px) == 0);
	tu_px_take_server(&ps);
	/* 16 ports reserved: 16 more announcements still get one each */
	for (int i = 0; i < 16; i++) {
		tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\n");
		tu_px_server(&ps, "200 ok\r\n");
		CU_ASSERT(strncmp(tu_px_take_server(&ps), "PORT 203,0,113,1,", 17) == 0);
	}
	CU_ASSERT(tu_px_errors(&px) == 0);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_idle_timeout(void)
{
	struct tu_px_sess ps;
	struct ftpp_session_info in;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.idle_timeout_ns = 30 * GNAT_NS_PER_S;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40019, S);
	px.now += 10 * GNAT_NS_PER_S;
	tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT); /* early: nothing */
	CU_ASSERT(!ps.client_closed);
	px.now += 30 * GNAT_NS_PER_S;
	tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT);
	CU_ASSERT(ps.client_closed && ps.server_closed);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "421 Timeout: closing control connection\r\n");
	ftpp_session_get_info(ps.s, &in);
	CU_ASSERT(in.reason == FTPP_CLOSE_IDLE);
	CU_ASSERT_STRING_EQUAL(ftpp_close_reason_name(in.reason), "idle");
	CU_ASSERT(strstr(ps.last_log, "reason=idle") != NULL);
	CU_ASSERT_STRING_EQUAL(ftpp_close_reason_name((enum ftpp_close_reason)99), "unknown");
	tu_px_close(&ps);
	tu_px_fini(&px);
}

static void test_auth_tls_refused(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	start(&px);
	tu_px_login(&px, &ps, C, 40020, S);
	tu_px_client(&ps, "AUTH TLS\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps),
			       "534 TLS refused by gateway policy; continue in clear\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "");
	tu_px_client(&ps, "auth ssl\r\nUSER a\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "USER a\r\n");
	CU_ASSERT(!ps.client_closed);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_connect_failed_and_early_commands(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	start(&px);
	CU_ASSERT(tu_px_accept(&px, &ps, C, 40021, S) == 0);
	tu_px_event(&ps, FTPP_EV_SERVER_CONNECT_FAILED, 0, FTPP_DATA_CLIENT);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "421 Service not available (server unreachable)\r\n");
	CU_ASSERT(ps.client_closed && !ps.server_closed);
	tu_px_close(&ps);
	/* commands before the server answers wait for it, then follow the greeting */
	CU_ASSERT(tu_px_accept(&px, &ps, C, 40022, S) == 0);
	tu_px_client(&ps, "USER a\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "");
	tu_px_event(&ps, FTPP_EV_SERVER_CONNECTED, 0, FTPP_DATA_CLIENT);
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "USER a\r\n");
	tu_px_server(&ps, "220 hi\r\n331 pw\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "220 hi\r\n331 pw\r\n");
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_not_intercepted(void)
{
	struct ftpp_session *s = NULL;
	struct ftpp_action a;
	struct net_tuple t;
	struct tu_px px;

	start(&px);
	memset(&t, 0, sizeof(t));
	t.proto = 6;
	CU_ASSERT_FATAL(net_addr_parse(C, &t.src) == 0);
	CU_ASSERT_FATAL(net_addr_parse(TU_PX_PROXY, &t.dst) == 0);
	t.sport = 40023;
	t.dport = 8021;
	CU_ASSERT(ftpp_session_open(px.f, &t, px.now, &s) == 0);
	CU_ASSERT_FATAL(ftpp_next_action(s, &a) == 1);
	CU_ASSERT(a.type == FTPP_ACT_SEND_CLIENT);
	CU_ASSERT(a.len > 4 && memcmp(a.data, "421 ", 4) == 0);
	ftpp_session_free(s);
	CU_ASSERT(ftpp_session_open(NULL, &t, 0, &s) == -EINVAL);
	tu_px_fini(&px);
}

static void test_size_threshold(void)
{
	struct tu_px_sess ps;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.policy.fast_min_size = 100000;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, C, 40024, S);
	tu_px_client(&ps, "SIZE small\r\n");
	tu_px_server(&ps, "213 512\r\n");
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 ok (198,51,100,20,117,48)\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_LISTEN_DATA] == 1); /* small: copied */
	tu_px_client(&ps, "RETR small\r\n");
	tu_px_server(&ps, "550 gone\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 1);
	tu_px_client(&ps, "SIZE big\r\n");
	tu_px_server(&ps, "213 1000000\r\n");
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 ok (198,51,100,20,117,49)\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_LISTEN_DATA] == 1); /* big: fast */
	tu_px_client(&ps, "RETR big\r\n");
	tu_px_server(&ps, "150 ok\r\n226 ok\r\n");
	/* active too: the choice is made at RETR */
	tu_px_client(&ps, "SIZE small\r\n");
	tu_px_server(&ps, "213 10\r\n");
	tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\n");
	tu_px_server(&ps, "200 ok\r\n");
	tu_px_client(&ps, "RETR small\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_LISTEN_DATA] == 2);
	tu_px_server(&ps, "425 no\r\n");
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_session_end_gives_back(void)
{
	struct tu_px_sess ps;
	struct gnat_result res;
	struct tu_px px;
	uint64_t calls;

	start(&px);
	login(&px, &ps, C, 40027, S);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 ok (198,51,100,20,117,48)\r\n");
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr + 1);
	calls = tu_px_calls(&px);
	/* the client goes away with a redirect pending: one cancel_group */
	tu_px_event(&ps, FTPP_EV_CLIENT_CLOSED, 0, FTPP_DATA_CLIENT);
	CU_ASSERT(tu_px_calls(&px) == calls + 1);
	assert_clean(&px);
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45004, S, 30000, 0x02, NULL);
	CU_ASSERT(res.redirect_id == 0);
	tu_px_close(&ps);
	CU_ASSERT(tu_px_calls(&px) == calls + 1); /* free: nothing left */

	/* an active transfer running when the server drops: redirect and port */
	login(&px, &ps, C, 40028, S);
	tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\n");
	tu_px_server(&ps, "200 ok\r\n");
	tu_px_client(&ps, "RETR a\r\n");
	calls = tu_px_calls(&px);
	tu_px_event(&ps, FTPP_EV_SERVER_CLOSED, 0, FTPP_DATA_CLIENT);
	CU_ASSERT(tu_px_calls(&px) == calls + 2); /* cancel_group + release */
	CU_ASSERT(ps.client_closed);
	assert_clean(&px);
	tu_px_close(&ps);
	CU_ASSERT(tu_px_errors(&px) == 0);
	tu_px_fini(&px);
}

static void test_proxy_path_failures(void)
{
	const struct ftpp_action *l;
	struct tu_px_sess ps;
	struct tu_px px;

	tu_px_init(&px);
	px.cfg.policy.default_mode = FTPP_MODE_PROXY;
	px.cfg.data_timeout_ns = 5 * GNAT_NS_PER_S;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	login(&px, &ps, TU_PX_CLIENT6, 40029, TU_PX_SERVER6);
	/* IPv6 passive on the proxy path: listener on the inside v6 address */
	tu_px_client(&ps, "EPSV\r\nRETR a\r\n");
	tu_px_server(&ps, "229 Entering Extended Passive Mode (|||31000|)\r\n");
	l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);
	CU_ASSERT_FATAL(l != NULL);
	CU_ASSERT(tu_px_addr_is(&l->addr, TU_PX_PROXY6));
	CU_ASSERT(tu_px_addr_is(&tu_px_last(&ps, FTPP_ACT_CONNECT_DATA)->addr, TU_PX_SERVER6));
	CU_ASSERT(tu_px_addr_is(&tu_px_last(&ps, FTPP_ACT_CONNECT_DATA)->src, TU_PX_PUBLIC6));
	/* the server side fails: the final reply is not held for it */
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_CLIENT);
	tu_px_event(&ps, FTPP_EV_DATA_FAILED, l->data_id, FTPP_DATA_SERVER);
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 1);
	tu_px_take_client(&ps);
	tu_px_server(&ps, "425 no data\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "425 no data\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 1);
	/* a stale event for the old data id changes nothing */
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
	CU_ASSERT(ps.counts[FTPP_ACT_SPLICE_DATA] == 0);
	assert_clean(&px);

	/* one side up, the other never comes: the data timer frees the reply */
	tu_px_client(&ps, "EPSV\r\nRETR b\r\n");
	tu_px_server(&ps, "229 (|||31001|)\r\n");
	l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);
	tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
	tu_px_take_client(&ps);
	tu_px_server(&ps, "150 ok\r\n226 done\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "150 ok\r\n");
	px.now += 6 * GNAT_NS_PER_S;
	tu_px_event(&ps, FTPP_EV_TIMER, 0, FTPP_DATA_CLIENT);
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "226 done\r\n");
	CU_ASSERT(ps.counts[FTPP_ACT_CLOSE_DATA] == 2);
	assert_clean(&px);
	end_session(&px, &ps);
	tu_px_fini(&px);
}

static void test_server_protocol_errors(void)
{
	static char big[700];
	struct tu_px_sess ps;
	struct ftpp_session_info in;
	struct tu_px px;

	start(&px);
	login(&px, &ps, C, 40030, S);
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "200 ", 4);
	tu_px_client(&ps, "NOOP\r\n");
	tu_px_server(&ps, big);
	CU_ASSERT(ps.client_closed && ps.server_closed);
	ftpp_session_get_info(ps.s, &in);
	CU_ASSERT(in.reason == FTPP_CLOSE_SERVER_PROTOCOL);
	CU_ASSERT(in.reason_from_server);
	tu_px_close(&ps);
	login(&px, &ps, C, 40031, S);
	tu_px_client(&ps, "NOOP\r\n");
	px.now += 1000;
	CU_ASSERT(ftpp_feed_server(ps.s, (const uint8_t *)"200 a\0b\r\n", 9, px.now) == 0);
	tu_px_drain(&ps);
	CU_ASSERT(ps.client_closed);
	CU_ASSERT(strstr(tu_px_take_client(&ps), "421 ") != NULL);
	tu_px_close(&ps);
	assert_clean(&px);
	tu_px_fini(&px);
}

static void test_destroy_cleans_open_sessions(void)
{
	struct tu_px_sess ps;
	struct natapi_stats st;
	struct tu_px px;

	start(&px);
	login(&px, &ps, C, 40025, S);
	tu_px_client(&ps, "PASV\r\n");
	tu_px_server(&ps, "227 ok (198,51,100,20,117,48)\r\n");
	tu_px_client(&ps, "PORT 192,0,2,10,200,1\r\n");
	CU_ASSERT(tu_px_rdr_active(&px) == px.start_rdr); /* PASV's redirect replaced */
	ftpp_destroy(px.f);
	px.f = NULL;
	natapi_stats_get(px.api, &st);
	CU_ASSERT(st.redirects_active == 0);
	CU_ASSERT(st.reservations_active == 0);
	CU_ASSERT(tu_px_gnat_rdr_active(&px) == 0);
	tu_px_fini(&px);
}

static void test_bad_config(void)
{
	struct tu_px px;
	struct ftpp *f = NULL;

	tu_px_init(&px);
	CU_ASSERT(ftpp_create(NULL, px.api, &f) == -EINVAL);
	px.cfg.listen_addr.family = 0;
	CU_ASSERT(tu_px_start(&px) == -EINVAL);
	tu_px_fini(&px);
	tu_px_init(&px);
	CU_ASSERT_FATAL(net_addr_parse(S, &px.cfg.policy.maps[0].from) == 0);
	CU_ASSERT_FATAL(net_addr_parse(TU_PX_SERVER6, &px.cfg.policy.maps[0].to) == 0);
	px.cfg.policy.n_maps = 1;
	CU_ASSERT(tu_px_start(&px) == -EINVAL); /* across families */
	CU_ASSERT(tu_px_calls(&px) == 0);
	tu_px_fini(&px);
}

TU_MAIN("proxy_session", TU_CASE(test_pasv_retr_fast), TU_CASE(test_port_retr_fast),
	TU_CASE(test_several_files_stor_list), TU_CASE(test_pasv_list_proxy_path),
	TU_CASE(test_port_proxy_path), TU_CASE(test_ipv6_epsv_eprt_fast),
	TU_CASE(test_eprt_v4_kept_as_eprt), TU_CASE(test_epsv_retried_as_pasv), TU_CASE(test_rest_and_abor_fast),
	TU_CASE(test_abor_proxy_path), TU_CASE(test_site_deny), TU_CASE(test_read_only_in_order),
	TU_CASE(test_redirect_map), TU_CASE(test_bounce_refused), TU_CASE(test_slipstream_refused),
	TU_CASE(test_max_sessions), TU_CASE(test_session_counts_at_scale),
	TU_CASE(test_unused_redirect_expires),
	TU_CASE(test_idle_timeout), TU_CASE(test_auth_tls_refused),
	TU_CASE(test_connect_failed_and_early_commands), TU_CASE(test_not_intercepted),
	TU_CASE(test_size_threshold), TU_CASE(test_session_end_gives_back),
	TU_CASE(test_proxy_path_failures), TU_CASE(test_server_protocol_errors),
	TU_CASE(test_destroy_cleans_open_sessions),
	TU_CASE(test_bad_config))
