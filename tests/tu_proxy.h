/* tu_proxy.h - a synchronous test driver for the proxy core: plays client,
 * server and socket layer over a real gNAT and the NAT API engine backend, so
 * tests can push packets through the gNAT to see what the proxy commanded. */
#ifndef GATELAB_TU_PROXY_H
#define GATELAB_TU_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/natapi.h"
#include "../engine/gnat.h"
#include "../proxy/ftpp.h"

#define TU_PX_CLIENT "192.0.2.10"
#define TU_PX_CLIENT6 "2001:db8:1::10"
#define TU_PX_SERVER "198.51.100.20"
#define TU_PX_SERVER6 "2001:db8:2::20"
#define TU_PX_OTHER "198.51.100.99"   /* redirect-map target */
#define TU_PX_PROXY "192.0.2.1"       /* the proxy's inside/listen address */
#define TU_PX_PROXY6 "2001:db8:1::1"
#define TU_PX_PUBLIC "203.0.113.1"
#define TU_PX_PUBLIC6 "2001:db8:ff::1"

struct tu_px {
	struct gnat *g;
	struct natapi *api;
	struct ftpp *f;
	uint64_t now;
	struct ftpp_config cfg;  /* edit between tu_px_init and tu_px_start */
	uint64_t start_calls;    /* NAT API calls ftpp_create made */
	uint64_t start_rdr;      /* redirects it left (one per intercepted family) */
};

#define TU_PX_MAX_ACTS 64
#define TU_PX_BUF 65536

/* What one session produced, drained after every call. */
struct tu_px_sess {
	struct tu_px *px;
	struct ftpp_session *s;
	struct net_tuple accepted;
	char to_client[TU_PX_BUF], to_server[TU_PX_BUF];
	size_t n_client, n_server;
	struct ftpp_action acts[TU_PX_MAX_ACTS]; /* non-byte actions (data = NULL) */
	size_t n_acts;
	unsigned counts[FTPP_ACT_LOG + 1];
	unsigned bad_logs;       /* log lines with a control character */
	char last_log[1100];
	bool client_closed, server_closed;
};

/* Builds the gNAT (FTP editor off: the proxy does the job) and the NAT API;
 * fills px->cfg with defaults and the addresses above. */
void tu_px_init(struct tu_px *px);
/* ftpp_create with px->cfg; returns its result. */
int tu_px_start(struct tu_px *px);
void tu_px_fini(struct tu_px *px);

uint64_t tu_px_calls(const struct tu_px *px);
uint64_t tu_px_errors(const struct tu_px *px);
uint64_t tu_px_rdr_active(const struct tu_px *px);  /* NAT API's view */
uint64_t tu_px_gnat_rdr_active(const struct tu_px *px);

/* A TCP packet through the gNAT; *out gets the tuple after translation. */
struct gnat_result tu_px_push(struct tu_px *px, enum gnat_side from, const char *src,
			      uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
			      struct net_tuple *out);

/* The client's SYN to server:21 goes up to the proxy; the session is opened
 * with what the socket saw. Returns ftpp_session_open's result. Does NOT
 * answer SERVER_CONNECTED. */
int tu_px_accept(struct tu_px *px, struct tu_px_sess *ps, const char *client, uint16_t cport,
		 const char *server);
/* accept + SERVER_CONNECTED + the server's "220 ready" greeting. */
void tu_px_login(struct tu_px *px, struct tu_px_sess *ps, const char *client, uint16_t cport,
		 const char *server);
void tu_px_drain(struct tu_px_sess *ps);
int tu_px_client(struct tu_px_sess *ps, const char *text);
int tu_px_client_n(struct tu_px_sess *ps, const void *buf, size_t len);
int tu_px_server(struct tu_px_sess *ps, const char *text);
int tu_px_event(struct tu_px_sess *ps, enum ftpp_event_type t, uint32_t data_id,
		enum ftpp_data_side side);
/* Takes (and clears) what was sent to each side, as a NUL-terminated string. */
const char *tu_px_take_client(struct tu_px_sess *ps);
const char *tu_px_take_server(struct tu_px_sess *ps);
/* The last non-byte action of a type, or NULL. */
const struct ftpp_action *tu_px_last(const struct tu_px_sess *ps, enum ftpp_action_type t);
void tu_px_clear_acts(struct tu_px_sess *ps);
void tu_px_close(struct tu_px_sess *ps);

bool tu_px_addr_is(const struct net_addr *a, const char *s);

#endif
