/* test_proxy_xfer_fail.c - a transfer command the server refuses (450, 550,
 * 425...), for every data setup (PASV, EPSV, PORT, EPRT) and every transfer
 * verb, on both paths: the client gets the server's reply at once, in order,
 * and the transfer leaves no redirect, no acquired port and no data socket. */
#include <stdio.h>
#include <string.h>

#include "../proxy/ftpp.h"
#include "tu.h"
#include "tu_proxy.h"

#define C TU_PX_CLIENT
#define S TU_PX_SERVER

static const struct {
	const char *client, *server; /* the setup command, the server's answer */
} setups[] = {
	{"PASV\r\n", "227 Entering Passive Mode (198,51,100,20,117,48).\r\n"},
	{"EPSV\r\n", "229 Entering Extended Passive Mode (|||30000|)\r\n"},
	{"PORT 192,0,2,10,200,1\r\n", "200 PORT command successful.\r\n"},
	{"EPRT |1|192.0.2.10|51201|\r\n", "200 EPRT command successful.\r\n"},
};

static const char *const verbs[] = {"RETR", "STOR", "LIST", "NLST", "MLSD"};

/* A refusal per verb: each code a server gives to a transfer it will not do. */
static const char *const refusals[] = {
	"550 Failed to open file.\r\n", "553 Could not create file.\r\n",
	"450 Requested file action not taken.\r\n", "425 Use PORT or PASV first.\r\n",
	"451 Requested action aborted: local error.\r\n",
};

static uint64_t ports_held(const struct tu_px *px)
{
	struct natapi_stats st;

	natapi_stats_get(px->api, &st);
	return st.ports_held;
}

/* One (setup, verb, path) case; data_up: the proxy-path sockets were up
 * (and spliced) before the refusal came, the case the replay found. */
static void one_case(size_t si, size_t vi, enum ftpp_mode path, bool data_up)
{
	const struct ftpp_action *l;
	struct tu_px_sess ps;
	struct tu_px px;
	char cmd[32], what[96];
	unsigned close_before;

	snprintf(what, sizeof(what), "%s %s %s%s", setups[si].client, verbs[vi],
		 path == FTPP_MODE_PROXY ? "proxy" : "fast", data_up ? " data up" : "");
	tu_px_init(&px);
	px.cfg.policy.default_mode = path;
	CU_ASSERT_FATAL(tu_px_start(&px) == 0);
	tu_px_login(&px, &ps, C, 40100, S);
	tu_px_client(&ps, "USER u\r\n");
	tu_px_server(&ps, "230 ok\r\n");
	tu_px_take_client(&ps);
	tu_px_take_server(&ps);
	tu_px_clear_acts(&ps);

	tu_px_client(&ps, setups[si].client);
	tu_px_server(&ps, setups[si].server);
	tu_px_take_client(&ps);
	snprintf(cmd, sizeof(cmd), "%s f\r\n", verbs[vi]);
	tu_px_client(&ps, cmd);
	l = tu_px_last(&ps, FTPP_ACT_LISTEN_DATA);
	if (path == FTPP_MODE_PROXY) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		if (data_up) {
			tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_CLIENT);
			tu_px_event(&ps, FTPP_EV_DATA_UP, l->data_id, FTPP_DATA_SERVER);
			CU_ASSERT(ps.counts[FTPP_ACT_SPLICE_DATA] == 1);
		}
	} else {
		CU_ASSERT_PTR_NULL(l);
	}
	close_before = ps.counts[FTPP_ACT_CLOSE_DATA];
	tu_px_server(&ps, refusals[vi]);
	/* the server's own reply, at once: not held for data that never comes */
	if (strcmp(tu_px_take_client(&ps), refusals[vi]) != 0)
		fprintf(stderr, "\n  case %s: the refusal did not reach the client\n", what);
	CU_ASSERT_EQUAL(ps.n_client, 0);
	/* the proxy path's sockets and listener are closed by the core */
	if (path == FTPP_MODE_PROXY)
		CU_ASSERT_EQUAL(ps.counts[FTPP_ACT_CLOSE_DATA], close_before + 1);
	CU_ASSERT_EQUAL(tu_px_rdr_active(&px), px.start_rdr);
	CU_ASSERT_EQUAL(tu_px_gnat_rdr_active(&px), px.start_rdr);
	CU_ASSERT_EQUAL(ports_held(&px), 0);
	/* the next command gets its own reply: nothing is one reply behind */
	tu_px_take_server(&ps);
	tu_px_client(&ps, "NOOP\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_server(&ps), "NOOP\r\n");
	tu_px_server(&ps, "200 NOOP ok.\r\n");
	CU_ASSERT_STRING_EQUAL(tu_px_take_client(&ps), "200 NOOP ok.\r\n");
	CU_ASSERT(tu_px_event(&ps, FTPP_EV_CLIENT_CLOSED, 0, FTPP_DATA_CLIENT) == 0);
	tu_px_close(&ps);
	CU_ASSERT_EQUAL(tu_px_rdr_active(&px), px.start_rdr);
	CU_ASSERT_EQUAL(ports_held(&px), 0);
	CU_ASSERT_EQUAL(tu_px_errors(&px), 0);
	tu_px_fini(&px);
}

static void test_refused_transfer_proxy_path_data_up(void)
{
	for (size_t si = 0; si < sizeof(setups) / sizeof(setups[0]); si++)
		for (size_t vi = 0; vi < sizeof(verbs) / sizeof(verbs[0]); vi++)
			one_case(si, vi, FTPP_MODE_PROXY, true);
}

static void test_refused_transfer_proxy_path_no_data(void)
{
	for (size_t si = 0; si < sizeof(setups) / sizeof(setups[0]); si++)
		for (size_t vi = 0; vi < sizeof(verbs) / sizeof(verbs[0]); vi++)
			one_case(si, vi, FTPP_MODE_PROXY, false);
}

static void test_refused_transfer_fast_path(void)
{
	for (size_t si = 0; si < sizeof(setups) / sizeof(setups[0]); si++)
		for (size_t vi = 0; vi < sizeof(verbs) / sizeof(verbs[0]); vi++)
			one_case(si, vi, FTPP_MODE_FAST, false);
}

TU_MAIN("proxy_xfer_fail", TU_CASE(test_refused_transfer_proxy_path_data_up),
	TU_CASE(test_refused_transfer_proxy_path_no_data), TU_CASE(test_refused_transfer_fast_path))
