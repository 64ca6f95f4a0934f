/* fuzz_proxy_body.c - hostile clients and servers against the proxy core: the
 * input is a script of operations on a few sessions over a real gNAT and NAT
 * API engine backend; every action is checked after every step, and the NAT
 * must be back to its baseline once the sessions and the proxy are gone. */
#include "fuzz_targets.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../api/natapi.h"
#include "../engine/gnat.h"
#include "../net/net_pkt.h"
#include "../proxy/ftpp.h"
/* White box on purpose: the reservation id, to prove every port came back. */
#include "../proxy/ftpp_int.h"

#define FPX_SLOTS 4
#define FPX_RESERVE 16

/* byte 0 options */
#define FPX_OPT_PROXY 0x01     /* default mode: proxy path */
#define FPX_OPT_READONLY 0x02
#define FPX_OPT_MAXSESS 0x04   /* at most two sessions */
#define FPX_OPT_MAP 0x08       /* redirect map 198.51.100.20 -> .99 */
#define FPX_OPT_SHORT 0x10     /* short idle and data timeouts */
#define FPX_OPT_DENY 0x20      /* deny 198.51.100.99/32 */
#define FPX_OPT_SIZE 0x40      /* fast only for files >= 1000 bytes */

enum fpx_op {
	FPX_OP_OPEN, FPX_OP_CLIENT, FPX_OP_SERVER, FPX_OP_CLIENT_BYTES, FPX_OP_CONNECTED,
	FPX_OP_CONNECT_FAILED, FPX_OP_CLIENT_CLOSED, FPX_OP_SERVER_CLOSED, FPX_OP_DATA_UP,
	FPX_OP_DATA_FAILED, FPX_OP_DATA_DONE, FPX_OP_TIMER, FPX_OP_FREE, FPX_OP__COUNT
};

/* The driver's view of one session, and what the checks remember. */
struct fpx_sess {
	struct ftpp_session *s;
	bool closed;                /* CLOSED seen after a drain */
	bool bare_lf;               /* the server used LF-only line ends */
	uint32_t data_id;           /* the last data id an action named */
	uint64_t timer_at;
	size_t pend_client, pend_server; /* bytes of an unfinished output line */
	bool cr_client, cr_server;  /* last output byte was CR */
};

struct fpx {
	struct gnat *g;
	struct natapi *api;
	struct ftpp *f;
	uint64_t now;
	uint64_t calls;
	uint64_t base_rdr;
	uint16_t next_cport;
	struct fpx_sess sl[FPX_SLOTS];
};

static void fpx_check(bool ok)
{
	if (!ok)
		abort();
}

static uint64_t fpx_clock(void *arg)
{
	return *(const uint64_t *)arg;
}

static void fpx_addr(struct net_addr *a, const char *s)
{
	fpx_check(net_addr_parse(s, a) == 0);
}

static struct natapi_stats fpx_stats(const struct fpx *z)
{
	struct natapi_stats st;

	natapi_stats_get(z->api, &st);
	return st;
}

static uint64_t fpx_gnat_rdr(const struct fpx *z)
{
	struct gnat_counters c;

	gnat_counters_get(z->g, &c);
	return c.redirects_active;
}

/* The NAT API is a kernel crossing counter: it can never go down. */
static void fpx_calls_grow(struct fpx *z)
{
	uint64_t c = fpx_stats(z).calls;

	fpx_check(c >= z->calls);
	z->calls = c;
}

/* Output to one side: bytes accumulate into lines, each at most the limit
 * plus its terminator; the proxy's own lines end in CRLF, the server's are
 * passed as the server ended them. A step must leave no half line. */
static void fpx_out_bytes(const uint8_t *p, size_t len, size_t *pend, bool *cr, bool lf_ok)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			fpx_check(*cr || lf_ok);
			*pend = 0;
		} else {
			(*pend)++;
			fpx_check(*pend <= FTP_MAX_LINE + 1);
		}
		*cr = p[i] == '\r';
	}
}

static void fpx_drain(struct fpx *z, struct fpx_sess *zs)
{
	struct ftpp_action a;
	struct ftpp_session_info info;
	size_t n = 0;
	int rc;

	while ((rc = ftpp_next_action(zs->s, &a)) == 1) {
		n++;
		fpx_check(a.type <= FTPP_ACT_LOG);
		switch (a.type) {
		case FTPP_ACT_SEND_CLIENT:
			fpx_check(a.len > 0 && a.data != NULL);
			fpx_out_bytes(a.data, a.len, &zs->pend_client, &zs->cr_client, zs->bare_lf);
			break;
		case FTPP_ACT_SEND_SERVER:
			fpx_check(a.len > 0 && a.data != NULL);
			fpx_out_bytes(a.data, a.len, &zs->pend_server, &zs->cr_server, false);
			break;
		case FTPP_ACT_LOG:
			for (size_t i = 0; i < a.len; i++)
				fpx_check(a.data[i] >= 0x20 && a.data[i] < 0x7f);
			break;
		case FTPP_ACT_TIMER:
			zs->timer_at = a.at_ns;
			break;
		case FTPP_ACT_LISTEN_DATA:
		case FTPP_ACT_CONNECT_DATA:
			fpx_check(a.side == FTPP_DATA_CLIENT || a.side == FTPP_DATA_SERVER);
			fpx_check(a.addr.family == NET_AF_INET4 || a.addr.family == NET_AF_INET6);
			zs->data_id = a.data_id;
			break;
		case FTPP_ACT_CONNECT_SERVER:
			fpx_check(a.addr.family == NET_AF_INET4 || a.addr.family == NET_AF_INET6);
			fpx_check(a.port != 0);
			break;
		case FTPP_ACT_SPLICE_DATA:
		case FTPP_ACT_CLOSE_DATA:
			zs->data_id = a.data_id;
			break;
		case FTPP_ACT_CLOSE_CLIENT:
		case FTPP_ACT_CLOSE_SERVER:
			break;
		}
	}
	fpx_check(rc == 0);
	/* A session the driver already saw closed must stay silent. */
	fpx_check(!zs->closed || n == 0);
	/* Complete lines only: nothing half-sent waits for the next step. */
	fpx_check(zs->pend_client == 0 && zs->pend_server == 0);
	ftpp_session_get_info(zs->s, &info);
	if (info.state == FTPP_SESS_CLOSED)
		zs->closed = true;
	fpx_calls_grow(z);
}

/* Every session freed: the redirects are the proxy's own again, and the
 * whole reservation can be taken in one piece (no port left acquired). */
static void fpx_check_idle(struct fpx *z)
{
	uint16_t first = 0;

	for (size_t i = 0; i < FPX_SLOTS; i++) {
		if (z->sl[i].s)
			return;
	}
	fpx_check(ftpp_active_sessions(z->f) == 0);
	fpx_check(fpx_stats(z).redirects_active == z->base_rdr);
	fpx_check(fpx_gnat_rdr(z) == z->base_rdr);
	fpx_check(natapi_acquire(z->api, z->f->res_id, FPX_RESERVE, &first) == 0);
	fpx_check(natapi_release(z->api, z->f->res_id, first, FPX_RESERVE) == 0);
	z->calls = fpx_stats(z).calls;
}

/* The client's SYN to server:21 through the gNAT, as the socket layer would
 * see it land on the proxy's listener; returns the accepted tuple. */
static bool fpx_syn(struct fpx *z, bool v6, const char *server, struct net_tuple *acc)
{
	uint8_t buf[128];
	struct net_addr src, dst;
	struct gnat_result res;
	struct net_pkt p;
	enum net_err err;
	size_t hl, len;
	uint16_t cport = z->next_cport++;

	fpx_addr(&src, v6 ? "2001:db8:1::10" : "192.0.2.10");
	fpx_addr(&dst, v6 ? "2001:db8:2::20" : server);
	memset(buf, 0, sizeof(buf));
	if (v6) {
		hl = 40;
		buf[0] = 0x60;
		buf[5] = 20;
		buf[6] = 6;
		buf[7] = 64;
		memcpy(buf + 8, src.a, 16);
		memcpy(buf + 24, dst.a, 16);
	} else {
		hl = 20;
		buf[0] = 0x45;
		buf[3] = 40;
		buf[8] = 64;
		buf[9] = 6;
		memcpy(buf + 12, src.a, 4);
		memcpy(buf + 16, dst.a, 4);
	}
	buf[hl] = (uint8_t)(cport >> 8);
	buf[hl + 1] = (uint8_t)cport;
	buf[hl + 3] = 21;
	buf[hl + 7] = 1;
	buf[hl + 12] = 0x50;
	buf[hl + 13] = NET_TCP_SYN;
	buf[hl + 14] = 0xff;
	len = hl + 20;
	fpx_check(net_pkt_parse(buf, len, &p, &err) == 0);
	net_pkt_fix_checksums(&p);
	memset(&res, 0, sizeof(res));
	fpx_check(gnat_process(z->g, buf, &len, sizeof(buf), GNAT_SIDE_INSIDE, z->now, &res) == 0);
	if (res.verdict != GNAT_LOCAL)
		return false;
	fpx_check(net_pkt_parse(buf, len, &p, &err) == 0);
	*acc = p.tuple;
	return true;
}

static void fpx_setup(struct fpx *z, uint8_t opt)
{
	const struct natapi_backend *b = NULL;
	struct ftpp_config cfg;
	struct gnat_config gc;
	void *st = NULL;

	memset(z, 0, sizeof(*z));
	gnat_config_default(&gc);
	fpx_check(net_prefix_parse("192.0.2.0/24", &gc.inside[0]) == 0);
	fpx_check(net_prefix_parse("2001:db8:1::/64", &gc.inside[1]) == 0);
	gc.n_inside = 2;
	gc.hash_seed = 1; /* reproducible inputs */
	fpx_addr(&gc.public4, "203.0.113.1");
	fpx_addr(&gc.public6, "2001:db8:ff::1");
	fpx_addr(&gc.local[0], "192.0.2.1");
	fpx_addr(&gc.local[1], "2001:db8:1::1");
	gc.n_local = 2;
	gc.ftp_editor = false;
	gc.max_mappings = 256;
	gc.max_redirects = 256;
	fpx_check(gnat_create(&gc, &z->g) == 0);
	z->now = 10 * GNAT_NS_PER_S;
	z->next_cport = 40000;
	fpx_check(natapi_engine_backend(z->g, fpx_clock, &z->now, &b, &st) == 0);
	fpx_check(natapi_open(b, st, &z->api) == 0);
	ftpp_config_default(&cfg);
	fpx_addr(&cfg.listen_addr, "192.0.2.1");
	cfg.listen_port = 8021;
	fpx_addr(&cfg.listen_addr6, "2001:db8:1::1");
	fpx_addr(&cfg.public4, "203.0.113.1");
	fpx_addr(&cfg.public6, "2001:db8:ff::1");
	fpx_addr(&cfg.inside4, "192.0.2.1");
	fpx_addr(&cfg.inside6, "2001:db8:1::1");
	cfg.reserve_ports = FPX_RESERVE;
	if (opt & FPX_OPT_PROXY)
		cfg.policy.default_mode = FTPP_MODE_PROXY;
	cfg.policy.read_only = opt & FPX_OPT_READONLY;
	if (opt & FPX_OPT_MAXSESS)
		cfg.policy.max_sessions = 2;
	if (opt & FPX_OPT_MAP) {
		fpx_addr(&cfg.policy.maps[0].from, "198.51.100.20");
		fpx_addr(&cfg.policy.maps[0].to, "198.51.100.99");
		cfg.policy.n_maps = 1;
	}
	if (opt & FPX_OPT_SHORT) {
		cfg.idle_timeout_ns = 5 * GNAT_NS_PER_S;
		cfg.data_timeout_ns = 2 * GNAT_NS_PER_S;
	}
	if (opt & FPX_OPT_DENY) {
		fpx_check(net_prefix_parse("198.51.100.99/32", &cfg.policy.sites[0].server) == 0);
		cfg.policy.sites[0].deny = true;
		cfg.policy.n_sites = 1;
	}
	if (opt & FPX_OPT_SIZE)
		cfg.policy.fast_min_size = 1000;
	fpx_check(ftpp_create(&cfg, z->api, &z->f) == 0);
	z->base_rdr = fpx_stats(z).redirects_active;
	z->calls = fpx_stats(z).calls;
	fpx_check(fpx_gnat_rdr(z) == z->base_rdr);
}

static void fpx_free(struct fpx *z, struct fpx_sess *zs)
{
	ftpp_session_free(zs->s);
	memset(zs, 0, sizeof(*zs));
	fpx_calls_grow(z);
	fpx_check_idle(z);
}

static void fpx_event(struct fpx *z, struct fpx_sess *zs, enum ftpp_event_type t,
		      const uint8_t *arg, size_t n)
{
	struct ftpp_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.data_id = zs->data_id;
	if (n > 0) {
		ev.side = arg[0] & 1 ? FTPP_DATA_SERVER : FTPP_DATA_CLIENT;
		if (arg[0] & 2) /* a stale or made-up data id */
			ev.data_id = zs->data_id + (arg[0] >> 2) - 32;
		ev.bytes_to_client = (uint64_t)arg[0] << 10;
		ev.bytes_to_server = (uint64_t)(arg[0] & 0x0f) << 20;
	}
	z->now += 1000;
	rc = ftpp_event(zs->s, &ev, z->now);
	fpx_check(rc == 0 || rc == -EPIPE || rc == -ENOMEM);
	fpx_check(rc != -EPIPE || zs->closed);
	fpx_drain(z, zs);
}

static void fpx_feed(struct fpx *z, struct fpx_sess *zs, bool server, const uint8_t *p,
		     size_t n, bool bytewise)
{
	size_t step = bytewise ? 1 : (n ? n : 1);

	if (server) {
		for (size_t i = 0; i < n; i++)
			zs->bare_lf |= p[i] == '\n' && (i == 0 || p[i - 1] != '\r');
	}
	for (size_t off = 0; off < n || off == 0; off += step) {
		size_t k = n - off < step ? n - off : step;
		int rc;

		z->now += 1000;
		rc = server ? ftpp_feed_server(zs->s, p + off, k, z->now)
			    : ftpp_feed_client(zs->s, p + off, k, z->now);
		fpx_check(rc == 0 || rc == -EPIPE || rc == -ENOMEM);
		fpx_check(rc != -EPIPE || zs->closed);
		fpx_drain(z, zs);
		if (n == 0)
			break;
	}
}

/* One operation: op byte (low nibble the operation, bits 4-5 the slot),
 * then an argument whose length the operation decides. Returns the bytes
 * consumed. */
static size_t fpx_step(struct fpx *z, const uint8_t *d, size_t left)
{
	enum fpx_op op = (enum fpx_op)(d[0] & 0x0f);
	struct fpx_sess *zs = &z->sl[(d[0] >> 4) & 3];
	const uint8_t *arg = d + 1;
	size_t n = 0, used = 1;

	if (op >= FPX_OP__COUNT)
		op = FPX_OP_TIMER;
	switch (op) {
	case FPX_OP_CLIENT:
	case FPX_OP_SERVER:
	case FPX_OP_CLIENT_BYTES:
		if (left > 1) {
			n = arg[0];
			arg++;
			used++;
		}
		if (n > left - used)
			n = left - used;
		used += n;
		break;
	default:
		n = left > 1 ? 1 : 0;
		used += n;
		break;
	}
	if (!zs->s && op != FPX_OP_OPEN)
		return used;
	switch (op) {
	case FPX_OP_OPEN: {
		static const char *const servers[4] = {"198.51.100.20", "198.51.100.99",
						       "198.51.100.20", "198.51.100.7"};
		struct net_tuple acc;
		int rc;

		if (zs->s)
			break;
		z->now += 1000;
		if (!fpx_syn(z, n && (arg[0] & 4), servers[n ? arg[0] & 3 : 0], &acc))
			break;
		rc = ftpp_session_open(z->f, &acc, z->now, &zs->s);
		fpx_check(rc == 0 || rc == -ENOMEM);
		if (rc == 0)
			fpx_drain(z, zs);
		break;
	}
	case FPX_OP_CLIENT:
		fpx_feed(z, zs, false, arg, n, false);
		break;
	case FPX_OP_CLIENT_BYTES:
		fpx_feed(z, zs, false, arg, n, true);
		break;
	case FPX_OP_SERVER:
		fpx_feed(z, zs, true, arg, n, false);
		break;
	case FPX_OP_CONNECTED:
		fpx_event(z, zs, FTPP_EV_SERVER_CONNECTED, arg, n);
		break;
	case FPX_OP_CONNECT_FAILED:
		fpx_event(z, zs, FTPP_EV_SERVER_CONNECT_FAILED, arg, n);
		break;
	case FPX_OP_CLIENT_CLOSED:
		fpx_event(z, zs, FTPP_EV_CLIENT_CLOSED, arg, n);
		break;
	case FPX_OP_SERVER_CLOSED:
		fpx_event(z, zs, FTPP_EV_SERVER_CLOSED, arg, n);
		break;
	case FPX_OP_DATA_UP:
		fpx_event(z, zs, FTPP_EV_DATA_UP, arg, n);
		break;
	case FPX_OP_DATA_FAILED:
		fpx_event(z, zs, FTPP_EV_DATA_FAILED, arg, n);
		break;
	case FPX_OP_DATA_DONE:
		fpx_event(z, zs, FTPP_EV_DATA_DONE, arg, n);
		break;
	case FPX_OP_TIMER:
		/* Time jumps up to about 18 minutes, or straight to the timer. */
		if (n && arg[0] == 0xff && zs->timer_at > z->now)
			z->now = zs->timer_at;
		else
			z->now += (uint64_t)(n ? arg[0] : 1) * (uint64_t)(n ? arg[0] : 1) *
				  (GNAT_NS_PER_S / 64);
		gnat_expire(z->g, z->now);
		fpx_event(z, zs, FTPP_EV_TIMER, NULL, 0);
		break;
	case FPX_OP_FREE:
		fpx_free(z, zs);
		break;
	case FPX_OP__COUNT:
		break;
	}
	return used;
}

int fuzz_proxy_one(const uint8_t *data, size_t size)
{
	struct fpx z;
	size_t pos = 1;

	if (size < 1)
		return 0;
	fpx_setup(&z, data[0]);
	while (pos < size)
		pos += fpx_step(&z, data + pos, size - pos);
	for (size_t i = 0; i < FPX_SLOTS; i++) {
		if (z.sl[i].s)
			fpx_free(&z, &z.sl[i]);
	}
	ftpp_destroy(z.f);
	fpx_check(fpx_stats(&z).redirects_active == 0);
	fpx_check(fpx_stats(&z).reservations_active == 0);
	fpx_check(fpx_gnat_rdr(&z) == 0);
	natapi_close(z.api);
	gnat_destroy(z.g);
	return 0;
}
