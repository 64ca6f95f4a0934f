/* test_proxy_session.c - whole control sessions through the proxy core over
 * a real gNAT: passive and active transfers on the fast path (counted NAT API
 * calls, the data SYN translated in the kernel, no data action) and on the
 * proxy path (data actions, held final reply), IPv4 and IPv6, several files,
 * REST and ABOR, and everything given back at the end. */
#include <errno.h>
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

/* Start: one port redirect + one reservation. */
static void start(struct tu_px *px)
{
	tu_px_init(px);
	CU_ASSERT_FATAL(tu_px_start(px) == 0);
	CU_ASSERT(tu_px_calls(px) == 2);
	CU_ASSERT(tu_px_rdr_active(px) == 1);
}

/* The end state every session must leave: only the TCP/21 redirect. */
static void assert_clean(const struct tu_px *px)
{
	CU_ASSERT(tu_px_rdr_active(px) == 1);
	CU_ASSERT(tu_px_gnat_rdr_active(px) == 1);
}

static void test_pasv_retr_fast(void)
{
	struct tu_px_sess ps;
	struct gnat_result res;
	struct net_tuple t;
	struct tu_px px;
	uint64_t calls;

	start(&px);
	tu_px_login(&px, &ps, C, 40000, S);
	CU_ASSERT(tu_px_calls(&px) == 3); /* + lookup_original */
	{
		const struct ftpp_action *a = tu_px_last(&ps, FTPP_ACT_CONNECT_SERVER);

		CU_ASSERT(tu_px_addr_is(&a->addr, S));
		CU_ASSERT(a->port == 21);
		CU_ASSERT(tu_px_addr_is(&a->src, PUB));
	}
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
	 * to the server from the public address. */
	res = tu_px_push(&px, GNAT_SIDE_INSIDE, C, 45000, S, 30000, 0x02, &t);
	CU_ASSERT(res.verdict == GNAT_FORWARD);
	CU_ASSERT(res.redirect_id != 0);
	CU_ASSERT(tu_px_addr_is(&t.src, PUB));
	CU_ASSERT(tu_px_addr_is(&t.dst, S));
	CU_ASSERT(t.dport == 30000);

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

TU_MAIN("proxy_session", TU_CASE(test_pasv_retr_fast))
