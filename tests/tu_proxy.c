/* tu_proxy.c - the proxy-core test driver of tu_proxy.h: a gNAT plus the
 * NAT API engine backend underneath, the session's actions collected into
 * per-side byte strings and a short action log. */
#include "tu_proxy.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "../net/net_pkt.h"
#include "tu_pkt.h"

static uint64_t tu_px_clock(void *arg)
{
	return *(const uint64_t *)arg;
}

static void tu_px_addr(struct net_addr *a, const char *s)
{
	CU_ASSERT_FATAL(net_addr_parse(s, a) == 0);
}

bool tu_px_addr_is(const struct net_addr *a, const char *s)
{
	struct net_addr b;

	return net_addr_parse(s, &b) == 0 && net_addr_eq(a, &b);
}

uint64_t tu_px_calls(const struct tu_px *px);
uint64_t tu_px_rdr_active(const struct tu_px *px);

void tu_px_init(struct tu_px *px)
{
	const struct natapi_backend *b = NULL;
	struct gnat_config gc;
	void *st = NULL;

	memset(px, 0, sizeof(*px));
	gnat_config_default(&gc);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &gc.inside[0]) == 0);
	CU_ASSERT_FATAL(net_prefix_parse("2001:db8:1::/64", &gc.inside[1]) == 0);
	gc.n_inside = 2;
	tu_px_addr(&gc.public4, TU_PX_PUBLIC);
	tu_px_addr(&gc.public6, TU_PX_PUBLIC6);
	tu_px_addr(&gc.local[0], TU_PX_PROXY);
	tu_px_addr(&gc.local[1], TU_PX_PROXY6);
	gc.n_local = 2;
	gc.ftp_editor = false;
	CU_ASSERT_FATAL(gnat_create(&gc, &px->g) == 0);
	px->now = 10 * GNAT_NS_PER_S;
	CU_ASSERT_FATAL(natapi_engine_backend(px->g, tu_px_clock, &px->now, &b, &st) == 0);
	CU_ASSERT_FATAL(natapi_open(b, st, &px->api) == 0);
	ftpp_config_default(&px->cfg);
	tu_px_addr(&px->cfg.listen_addr, TU_PX_PROXY);
	px->cfg.listen_port = 8021;
	tu_px_addr(&px->cfg.listen_addr6, TU_PX_PROXY6);
	tu_px_addr(&px->cfg.public4, TU_PX_PUBLIC);
	tu_px_addr(&px->cfg.public6, TU_PX_PUBLIC6);
	tu_px_addr(&px->cfg.inside4, TU_PX_PROXY);
	tu_px_addr(&px->cfg.inside6, TU_PX_PROXY6);
	px->cfg.reserve_ports = 16;
}

int tu_px_start(struct tu_px *px)
{
	int rc = ftpp_create(&px->cfg, px->api, &px->f);

	px->start_calls = tu_px_calls(px);
	px->start_rdr = tu_px_rdr_active(px);
	return rc;
}

void tu_px_fini(struct tu_px *px)
{
	ftpp_destroy(px->f);
	natapi_close(px->api);
	gnat_destroy(px->g);
}

static struct natapi_stats tu_px_stats(const struct tu_px *px)
{
	struct natapi_stats st;

	natapi_stats_get(px->api, &st);
	return st;
}

uint64_t tu_px_calls(const struct tu_px *px)
{
	return tu_px_stats(px).calls;
}

uint64_t tu_px_errors(const struct tu_px *px)
{
	return tu_px_stats(px).errors;
}

uint64_t tu_px_rdr_active(const struct tu_px *px)
{
	return tu_px_stats(px).redirects_active;
}

uint64_t tu_px_gnat_rdr_active(const struct tu_px *px)
{
	struct gnat_counters c;

	gnat_counters_get(px->g, &c);
	return c.redirects_active;
}

struct gnat_result tu_px_push(struct tu_px *px, enum gnat_side from, const char *src,
			      uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
			      struct net_tuple *out)
{
	uint8_t buf[2048];
	struct gnat_result res;
	struct tu_pkt_spec sp;
	struct net_pkt p;
	enum net_err err;
	size_t len;
	int n;

	memset(&sp, 0, sizeof(sp));
	sp.proto = 6;
	sp.src = src;
	sp.dst = dst;
	sp.sport = sport;
	sp.dport = dport;
	sp.seq = 1000;
	sp.tcp_flags = flags;
	n = tu_pkt_build(&sp, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	len = (size_t)n;
	px->now += GNAT_NS_PER_S / 1000;
	memset(&res, 0, sizeof(res));
	CU_ASSERT_FATAL(gnat_process(px->g, buf, &len, sizeof(buf), from, px->now, &res) == 0);
	if (out) {
		memset(out, 0, sizeof(*out));
		if (res.verdict != GNAT_DROP && net_pkt_parse(buf, len, &p, &err) == 0)
			*out = p.tuple;
	}
	return res;
}

static void tu_px_append(char *dst, size_t *n, const uint8_t *data, size_t len)
{
	if (*n + len >= TU_PX_BUF)
		len = TU_PX_BUF - 1 - *n;
	memcpy(dst + *n, data, len);
	*n += len;
	dst[*n] = '\0';
}

void tu_px_drain(struct tu_px_sess *ps)
{
	struct ftpp_action a;

	while (ftpp_next_action(ps->s, &a) == 1) {
		CU_ASSERT_FATAL(a.type <= FTPP_ACT_LOG);
		ps->counts[a.type]++;
		switch (a.type) {
		case FTPP_ACT_SEND_CLIENT:
			tu_px_append(ps->to_client, &ps->n_client, a.data, a.len);
			break;
		case FTPP_ACT_SEND_SERVER:
			tu_px_append(ps->to_server, &ps->n_server, a.data, a.len);
			break;
		case FTPP_ACT_LOG:
			for (size_t i = 0; i < a.len; i++)
				ps->bad_logs += a.data[i] < 0x20 || a.data[i] == 0x7f;
			if (a.len < sizeof(ps->last_log)) {
				memcpy(ps->last_log, a.data, a.len);
				ps->last_log[a.len] = '\0';
			}
			break;
		case FTPP_ACT_CLOSE_CLIENT:
			ps->client_closed = true;
			break;
		case FTPP_ACT_CLOSE_SERVER:
			ps->server_closed = true;
			break;
		default:
			if (ps->n_acts < TU_PX_MAX_ACTS) {
				a.data = NULL;
				ps->acts[ps->n_acts++] = a;
			}
			break;
		}
	}
}

int tu_px_accept(struct tu_px *px, struct tu_px_sess *ps, const char *client, uint16_t cport,
		 const char *server)
{
	struct gnat_result res;
	int rc;

	memset(ps, 0, sizeof(*ps));
	ps->px = px;
	res = tu_px_push(px, GNAT_SIDE_INSIDE, client, cport, server, 21, NET_TCP_SYN, &ps->accepted);
	CU_ASSERT_FATAL(res.verdict == GNAT_LOCAL);
	rc = ftpp_session_open(px->f, &ps->accepted, px->now, &ps->s);
	if (rc == 0)
		tu_px_drain(ps);
	return rc;
}

void tu_px_login(struct tu_px *px, struct tu_px_sess *ps, const char *client, uint16_t cport,
		 const char *server)
{
	CU_ASSERT_FATAL(tu_px_accept(px, ps, client, cport, server) == 0);
	CU_ASSERT_FATAL(tu_px_last(ps, FTPP_ACT_CONNECT_SERVER) != NULL);
	CU_ASSERT_FATAL(tu_px_event(ps, FTPP_EV_SERVER_CONNECTED, 0, FTPP_DATA_CLIENT) == 0);
	CU_ASSERT_FATAL(tu_px_server(ps, "220 ready\r\n") == 0);
	CU_ASSERT(strcmp(tu_px_take_client(ps), "220 ready\r\n") == 0);
}

int tu_px_client_n(struct tu_px_sess *ps, const void *buf, size_t len)
{
	int rc;

	ps->px->now += 1000;
	rc = ftpp_feed_client(ps->s, buf, len, ps->px->now);
	tu_px_drain(ps);
	return rc;
}

int tu_px_client(struct tu_px_sess *ps, const char *text)
{
	return tu_px_client_n(ps, text, strlen(text));
}

int tu_px_server(struct tu_px_sess *ps, const char *text)
{
	int rc;

	ps->px->now += 1000;
	rc = ftpp_feed_server(ps->s, (const uint8_t *)text, strlen(text), ps->px->now);
	tu_px_drain(ps);
	return rc;
}

int tu_px_event(struct tu_px_sess *ps, enum ftpp_event_type t, uint32_t data_id,
		enum ftpp_data_side side)
{
	struct ftpp_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.data_id = data_id;
	ev.side = side;
	ps->px->now += 1000;
	rc = ftpp_event(ps->s, &ev, ps->px->now);
	tu_px_drain(ps);
	return rc;
}

static const char *tu_px_take(char *buf, size_t *n)
{
	static char out[TU_PX_BUF];

	memcpy(out, buf, *n + 1);
	*n = 0;
	buf[0] = '\0';
	return out;
}

const char *tu_px_take_client(struct tu_px_sess *ps)
{
	return tu_px_take(ps->to_client, &ps->n_client);
}

const char *tu_px_take_server(struct tu_px_sess *ps)
{
	return tu_px_take(ps->to_server, &ps->n_server);
}

const struct ftpp_action *tu_px_last(const struct tu_px_sess *ps, enum ftpp_action_type t)
{
	for (size_t i = ps->n_acts; i > 0; i--) {
		if (ps->acts[i - 1].type == t)
			return &ps->acts[i - 1];
	}
	return NULL;
}

void tu_px_clear_acts(struct tu_px_sess *ps)
{
	ps->n_acts = 0;
}

void tu_px_close(struct tu_px_sess *ps)
{
	ftpp_session_free(ps->s);
	ps->s = NULL;
}
