/* natapi.h - the NAT API: the only way user-mode code (the FTP proxy) commands
 * the gNAT. Small on purpose (cf. OpenBSD ftp-proxy's filter.h). Every call is
 * one user->kernel crossing and is counted. Backends implement struct
 * natapi_backend: the in-process engine now, Linux nftables later. */
#ifndef GATELAB_NATAPI_H
#define GATELAB_NATAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"

struct natapi; /* opaque: an open translator */

/* Error codes are negative errno values; these are the ones the API uses. */
/* -EINVAL bad argument, -ENOENT unknown id, -ENOSPC table/pool full,
 * -EADDRINUSE port taken, -ENOTSUP backend lacks the operation, -EBADF closed. */
const char *natapi_strerror(int err);

/* "Every session matching this goes to new_dst" (e.g. TCP/21 -> my socket). */
struct natapi_port_redirect {
	uint8_t proto;             /* 6 or 17 */
	uint16_t dport;            /* matched destination port (required) */
	struct net_prefix dst;     /* optional: only these destinations (family 0 = any) */
	struct net_prefix src;     /* optional: only these sources */
	struct net_addr new_dst;
	uint16_t new_dport;
};

/* "The session matching this tuple gets these two new ends." Unset match
 * fields (family 0 / port 0) are wildcards; at least dst and dport are set. */
struct natapi_session_redirect {
	uint8_t proto;
	struct net_prefix src;
	uint16_t sport;
	struct net_addr dst;
	uint16_t dport;
	bool set_src;
	struct net_addr new_src;
	uint16_t new_sport;        /* 0 = keep */
	struct net_addr new_dst;
	uint16_t new_dport;
	bool one_shot;             /* true: consumed by the first match */
	uint64_t timeout_ns;       /* unused one-shot expiry; 0 = backend default */
	uint32_t group;            /* caller's set, cancelled together; 0 = none */
};

/* What a redirect has translated so far: the matching direction and the
 * replies, over every connection it created (bytes as the backend counts
 * them: whole frames for the eBPF backend). */
struct natapi_counters {
	uint64_t packets, bytes;
	uint64_t reply_packets, reply_bytes;
	uint64_t connections;
};

/* What a backend provides. `state` is the backend's own handle. Every
 * function returns 0 or a negative errno-style code. */
struct natapi_backend {
	const char *name;
	void (*close)(void *state);
	int (*redirect_port)(void *state, const struct natapi_port_redirect *r, uint32_t *id);
	int (*redirect_session)(void *state, const struct natapi_session_redirect *r, uint32_t *id);
	int (*cancel)(void *state, uint32_t id);
	int (*cancel_group)(void *state, uint32_t group);
	int (*lookup_original)(void *state, const struct net_tuple *translated, struct net_tuple *original);
	int (*reserve)(void *state, uint8_t proto, uint32_t nports, uint32_t *res_id);
	int (*unreserve)(void *state, uint32_t res_id);
	int (*acquire)(void *state, uint32_t res_id, uint32_t n, uint16_t *first);
	int (*release)(void *state, uint32_t res_id, uint16_t first, uint32_t n);
	/* Optional (NULL: -ENOTSUP): per-redirect counters. */
	int (*counters)(void *state, uint32_t id, struct natapi_counters *out);
};

/* Open a translator over a backend. Takes ownership of state (closed with
 * backend->close by natapi_close). Returns 0, -EINVAL, -ENOMEM. */
int natapi_open(const struct natapi_backend *backend, void *state, struct natapi **out);
/* Closes the backend; every redirect and reservation made through this
 * handle is removed with it. */
void natapi_close(struct natapi *api);

int natapi_redirect_port(struct natapi *api, const struct natapi_port_redirect *r, uint32_t *id);
int natapi_redirect_session(struct natapi *api, const struct natapi_session_redirect *r, uint32_t *id);
int natapi_cancel(struct natapi *api, uint32_t id);
int natapi_cancel_group(struct natapi *api, uint32_t group);
int natapi_lookup_original(struct natapi *api, const struct net_tuple *translated,
			   struct net_tuple *original);
int natapi_reserve(struct natapi *api, uint8_t proto, uint32_t nports, uint32_t *res_id);
int natapi_unreserve(struct natapi *api, uint32_t res_id);
int natapi_acquire(struct natapi *api, uint32_t res_id, uint32_t n, uint16_t *first);
int natapi_release(struct natapi *api, uint32_t res_id, uint16_t first, uint32_t n);
/* The counters of a live redirect made through this handle. Returns 0,
 * -ENOENT (not ours, cancelled), -ENOTSUP (the backend keeps none: the
 * engine and nftables backends), -EINVAL. */
int natapi_redirect_counters(struct natapi *api, uint32_t id, struct natapi_counters *out);

struct natapi_stats {
	uint64_t calls;   /* every call above (failed ones too): user->kernel crossings */
	uint64_t errors;  /* calls that returned an error */
	uint64_t redirects_active, reservations_active;
	uint64_t ports_held;  /* ports acquired from reservations, not yet released */
};
void natapi_stats_get(const struct natapi *api, struct natapi_stats *out);

/* ---- The in-process engine backend ---- */
struct gnat;
/* Create backend state over an existing gNAT (not owned). clock(clock_arg)
 * gives the time in ns for redirect lifetimes (virtual time in the simulator).
 * Returns 0, -EINVAL or -ENOMEM. */
int natapi_engine_backend(struct gnat *g, uint64_t (*clock)(void *clock_arg), void *clock_arg,
			  const struct natapi_backend **backend, void **state);

#endif
