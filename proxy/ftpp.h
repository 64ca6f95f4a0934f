/* ftpp.h - the transparent FTP proxy's I/O-free core, the contract for its
 * drivers: bytes and events in (time as an argument), actions out (bytes,
 * connect/listen requests, timers, log lines), NAT calls via struct natapi. */
#ifndef GATELAB_FTPP_H
#define GATELAB_FTPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/natapi.h"
#include "../net/net_addr.h"

struct ftpp;         /* the proxy instance: config, policy, NAT handle, reservation */
struct ftpp_session; /* one intercepted control session: all its state */

#define FTPP_MAX_SITES 16
#define FTPP_MAX_MAPS 16
#define FTPP_MSG_LEN 96

enum ftpp_mode { FTPP_MODE_FAST, FTPP_MODE_PROXY };
/* Per-transfer path: DEFAULT follows policy.default_mode. */
enum ftpp_path_rule { FTPP_PATH_DEFAULT, FTPP_PATH_FAST, FTPP_PATH_PROXY };

/* Allow or deny sessions to servers in a prefix. Denied sessions get
 * "<code> <message>" and are closed before any server is contacted. */
struct ftpp_site_rule {
	struct net_prefix server;
	bool deny;
	int code;                    /* 421 or 550 typically; 0 -> 421 */
	char message[FTPP_MSG_LEN];  /* "" -> "Service not available" */
};

/* The client keeps believing it talks to `from`; the proxy talks to `to`.
 * Both of the same family. */
struct ftpp_server_map {
	struct net_addr from, to;
	uint16_t to_port;            /* 0 -> the port the client asked for */
};

struct ftpp_policy {
	struct ftpp_site_rule sites[FTPP_MAX_SITES]; /* first match wins */
	size_t n_sites;
	bool default_deny;           /* when no site rule matches */
	int default_deny_code;
	char default_deny_message[FTPP_MSG_LEN];
	struct ftpp_server_map maps[FTPP_MAX_MAPS];
	size_t n_maps;
	/* Read-only: STOR STOU APPE DELE RMD MKD XMKD XRMD RNFR RNTO SITE are
	 * answered locally and never reach the server. */
	bool read_only;
	int read_only_code;          /* 550 or 502; 0 -> 550 */
	uint32_t max_per_client;     /* 0 = unlimited */
	uint32_t max_sessions;       /* 0 = unlimited */
	enum ftpp_mode default_mode;
	enum ftpp_path_rule file_path;    /* RETR STOR STOU APPE */
	enum ftpp_path_rule listing_path; /* LIST NLST MLSD */
	/* When > 0 and the last SIZE reply told a size below it, a file
	 * transfer takes the proxy path even if file_path says fast. */
	uint64_t fast_min_size;
};

struct ftpp_config {
	/* Where intercepted control sessions land (the proxy's listening
	 * socket): TCP/21 is redirected here at ftpp_create. */
	struct net_addr listen_addr;
	uint16_t listen_port;
	struct net_addr listen_addr6;     /* optional: intercept IPv6 too (same port) */
	struct net_prefix intercept_src;  /* only these clients (family 0 = all) */
	/* The gateway's outside (public) address per family: the source of the
	 * proxy's own connections and of fast-path data sessions. */
	struct net_addr public4, public6;
	/* The proxy's inside address per family, where proxy-path passive data
	 * connections land (unset: listen_addr). */
	struct net_addr inside4, inside6;
	uint32_t reserve_ports;     /* size of the data-port reservation (default 256) */
	uint32_t group_base;        /* NAT API group of session n is group_base + n */
	uint64_t idle_timeout_ns;   /* control session without a transfer (default 900 s) */
	uint64_t data_timeout_ns;   /* announced data connection unused (default 60 s) */
	struct ftpp_policy policy;
};

/* Defaults: fast path everywhere, nothing denied, no limits, the timeouts
 * above. Addresses stay unset: the caller fills them. */
void ftpp_config_default(struct ftpp_config *cfg);

/* Creates the TCP/21 port redirect to listen_addr:listen_port (and one to
 * listen_addr6 when set; each matches its own family only) and the port
 * reservation: 2 or 3 NAT API calls. The gNAT's own FTP editor must be off
 * (the proxy does its job). api is not owned and must outlive the proxy. Returns 0, -EINVAL (bad config: no listen address, no public
 * address for its family, a map across families), -ENOMEM or the NAT API's
 * error (nothing is left behind on failure). */
int ftpp_create(const struct ftpp_config *cfg, struct natapi *api, struct ftpp **out);
/* Frees every remaining session (cancelling their redirects and ports; the
 * driver's pointers to them are void afterwards), then cancels the port
 * redirects and the reservation. NULL is fine. */
void ftpp_destroy(struct ftpp *f);

/* ---- actions: what the driver must do, in order ------------------------ */

enum ftpp_action_type {
	FTPP_ACT_SEND_CLIENT,   /* data/len: write to the client control socket */
	FTPP_ACT_SEND_SERVER,   /* data/len: write to the server control socket */
	FTPP_ACT_CONNECT_SERVER,/* connect to addr:port from src (port 0: any) */
	FTPP_ACT_CLOSE_CLIENT,  /* close the client control socket (after sending) */
	FTPP_ACT_CLOSE_SERVER,  /* close the server control socket (after sending) */
	/* Proxy path only. A transfer has a data id and two data connections,
	 * one per side; the driver reports each with FTPP_EV_DATA_UP. */
	FTPP_ACT_LISTEN_DATA,   /* accept ONE connection on addr:port for (data_id, side) */
	FTPP_ACT_CONNECT_DATA,  /* connect (data_id, side) to addr:port from src */
	FTPP_ACT_SPLICE_DATA,   /* both sides up: copy bytes both ways until both
				   EOF, then report FTPP_EV_DATA_DONE */
	FTPP_ACT_CLOSE_DATA,    /* abandon data_id: close its sockets and listener */
	FTPP_ACT_TIMER,         /* call ftpp_event(TIMER) at or after at_ns;
				   replaces any earlier timer of the session */
	FTPP_ACT_LOG,           /* data/len: one log line, no newline, control
				   characters escaped (peer bytes never forge lines) */
};

enum ftpp_data_side { FTPP_DATA_CLIENT, FTPP_DATA_SERVER };

/* data points into the session's output area, owned by the session: valid
 * until the next feed, event or free of this session (popping more actions
 * does not invalidate it). Drivers send or copy it before feeding again. */
struct ftpp_action {
	enum ftpp_action_type type;
	const uint8_t *data;
	size_t len;
	struct net_addr addr;   /* CONNECT_*: destination; LISTEN_DATA: local address */
	uint16_t port;
	struct net_addr src;    /* CONNECT_*: local address to bind */
	uint16_t sport;         /* 0: any */
	uint32_t data_id;
	enum ftpp_data_side side;
	uint64_t at_ns;         /* TIMER */
};

/* Pops the next action. Returns 1 with *out filled, 0 when the queue is
 * empty, -EINVAL. Drivers drain the queue after every call. */
int ftpp_next_action(struct ftpp_session *s, struct ftpp_action *out);

/* ---- sessions ------------------------------------------------------------ */

/* accepted: the control connection as the proxy's socket saw it (client ->
 * listen address). Looks up the original destination (1 NAT API call),
 * applies the site policy and the session limits, picks the real server
 * (redirect map) and queues CONNECT_SERVER, or a refusal reply and
 * CLOSE_CLIENT. Either way *out is a session the driver drains and later
 * frees. Returns 0, -EINVAL, -ENOMEM. */
int ftpp_session_open(struct ftpp *f, const struct net_tuple *accepted, uint64_t now,
		      struct ftpp_session **out);
/* Cancels what the session still holds in the NAT (one cancel_group and the
 * port release, when anything is outstanding) and frees it. NULL is fine. */
void ftpp_session_free(struct ftpp_session *s);

/* Bytes read from the client / the server control connection. Lines are
 * reassembled across calls; any split is fine. Returns 0, -EINVAL, -EPIPE
 * (the session is already closed: bytes ignored), -ENOMEM. Protocol errors
 * are not errors of the call: they become replies and closes. */
int ftpp_feed_client(struct ftpp_session *s, const uint8_t *buf, size_t len, uint64_t now);
int ftpp_feed_server(struct ftpp_session *s, const uint8_t *buf, size_t len, uint64_t now);

enum ftpp_event_type {
	FTPP_EV_SERVER_CONNECTED,
	FTPP_EV_SERVER_CONNECT_FAILED,
	FTPP_EV_CLIENT_CLOSED,      /* EOF or error on the client control socket */
	FTPP_EV_SERVER_CLOSED,
	FTPP_EV_DATA_UP,            /* (data_id, side) accepted or connected */
	FTPP_EV_DATA_FAILED,        /* (data_id, side) could not be set up */
	FTPP_EV_DATA_DONE,          /* data_id spliced to the end; bytes moved */
	FTPP_EV_TIMER,
};

struct ftpp_event {
	enum ftpp_event_type type;
	uint32_t data_id;
	enum ftpp_data_side side;
	uint64_t bytes_to_client, bytes_to_server; /* DATA_DONE */
};

/* Returns 0, -EINVAL, -EPIPE (session closed), -ENOMEM. Events for a data id
 * that is no longer current are ignored (0). */
int ftpp_event(struct ftpp_session *s, const struct ftpp_event *ev, uint64_t now);

enum ftpp_session_state {
	FTPP_SESS_CONNECTING, /* waiting for SERVER_CONNECTED */
	FTPP_SESS_OPEN,
	FTPP_SESS_CLOSED      /* closes queued: drain, then ftpp_session_free */
};

/* Why the core closed a session (or 0), and where in the client's or server's
 * byte stream the offending line began. */
enum ftpp_close_reason {
	FTPP_CLOSE_NONE,
	FTPP_CLOSE_PEER,          /* client or server closed */
	FTPP_CLOSE_DENIED,        /* site policy */
	FTPP_CLOSE_LIMIT,         /* max sessions */
	FTPP_CLOSE_NOT_INTERCEPTED, /* no original destination known */
	FTPP_CLOSE_CONNECT_FAILED,
	FTPP_CLOSE_LINE_TOO_LONG,
	FTPP_CLOSE_NUL,
	FTPP_CLOSE_SERVER_PROTOCOL, /* server line too long or with a NUL */
	FTPP_CLOSE_IDLE,
	FTPP_CLOSE_INTERNAL,      /* out of memory or a NAT API failure */
};

/* "peer", "denied", ... for logs and reports; "unknown" for a bad value. */
const char *ftpp_close_reason_name(enum ftpp_close_reason r);

struct ftpp_session_info {
	uint32_t id;
	enum ftpp_session_state state;
	enum ftpp_close_reason reason;
	bool reason_from_server;
	uint64_t reason_offset;   /* stream offset of the offending line */
	struct net_tuple client;  /* client -> apparent server (original destination) */
	struct net_addr server;   /* the real server (after the redirect map) */
	uint16_t server_port;
	uint32_t transfers;       /* data transfers completed or ended */
	uint32_t fast_transfers, proxy_transfers;
	uint32_t refused;         /* commands answered locally by policy */
};
void ftpp_session_get_info(const struct ftpp_session *s, struct ftpp_session_info *out);

/* Live sessions (not yet CLOSED) of the instance. */
uint32_t ftpp_active_sessions(const struct ftpp *f);

/* Escapes peer bytes for a log line as strnvis(3) does for VIS_SAFE|VIS_OCTAL:
 * printable ASCII stays, backslash doubles, anything else is \ooo. Writes a
 * NUL-terminated string, truncated to fit; returns the length written. */
size_t ftpp_escape(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
