/* sim_gw.h - the simulated gateway node: a host with an inside and an outside
 * interface whose "kernel" is a gNAT, whose "user space" (the proxy) uses the
 * host's sockets and a NAT API, and whose CPU is one serial resource. */
#ifndef GATELAB_SIM_GW_H
#define GATELAB_SIM_GW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/natapi.h"
#include "../engine/gnat.h"
#include "../net/net_addr.h"
#include "sim_cost.h"
#include "sim_host.h"
#include "sim_sock.h"
#include "sim_world.h"

/* Interface indexes on the gateway's host: attach links with
 * sim_link_init(&l, w, p, &gw->host.ifc[SIM_GW_IFC_INSIDE], ...). */
#define SIM_GW_IFC_INSIDE 0
#define SIM_GW_IFC_OUTSIDE 1

struct sim_gw_config {
	/* false: a plain router (the `direct` mode): packets are routed by
	 * destination, counted and charged per packet; no gNAT, no natapi. */
	bool translate;
	/* The gNAT's configuration: inside prefixes, public4/public6 (the
	 * outside interface's addresses), masquerade, ftp_editor, timeouts...
	 * nat.local[] gets the inside addresses below appended by sim_gw_init.
	 * In router mode only inside[], public4/6 are used (for addressing and
	 * routes). */
	struct gnat_config nat;
	/* The gateway's inside-facing addresses (unset = none). */
	struct net_addr inside4, inside6;
	/* The CPU's costs (sim_cost_default unless set). */
	struct sim_cost_profile cost;
	/* A packet that would wait longer than this for the CPU is dropped
	 * (counted as cpu_overload); 0 = never (unbounded backlog). */
	uint64_t cpu_backlog_max_ns;
	/* Appended: the local port range of the gateway's own connections and
	 * port-0 listeners (Linux's ip_local_port_range); 0, 0: 49152..65535.
	 * Ports reserved through the NAT API are skipped (ip_local_reserved_ports). */
	uint16_t local_port_min, local_port_max;
};
/* translate = true, gnat_config_default, sim_cost_default, no backlog limit. */
void sim_gw_config_default(struct sim_gw_config *c);

/* The lab's headline metrics, counted where the crossings happen. */
struct sim_gw_metrics {
	/* user/kernel boundary (the gateway's sockets' crossing hook) */
	uint64_t transitions;        /* every recv/send/sink delivery by a gateway process */
	uint64_t data_transitions;   /* ... on sockets tagged as data-connection sockets */
	uint64_t bytes_copied;       /* bytes moved by those transitions */
	uint64_t data_bytes_copied;  /* ... on data-tagged sockets */
	uint64_t api_calls;          /* NAT API calls (natapi_stats.calls) */
	uint64_t api_errors;
	/* packets */
	uint64_t kernel_packets;     /* every packet the gateway's kernel handled */
	uint64_t fastpath_packets;   /* forwarded in the kernel through a mapping, translated */
	uint64_t passed_packets;     /* forwarded in the kernel untranslated (incl. router mode) */
	uint64_t proxied_packets;    /* delivered up to a local socket or written down by one */
	uint64_t packets_up, packets_down; /* the two halves of proxied_packets */
	/* CPU */
	uint64_t gateway_cpu_ns;     /* total CPU time charged */
	uint64_t cpu_packet_ns, cpu_transition_ns, cpu_api_ns, cpu_other_ns; /* its parts */
	uint64_t cpu_wait_max_ns;    /* longest wait of a packet for the CPU */
	uint64_t cpu_busy_until_ns;  /* the CPU's clock at the time of the snapshot */
	/* drops */
	uint64_t drops[GNAT_DROP__COUNT]; /* by the gNAT, by reason (gnat_drop_reason_name) */
	uint64_t drop_cpu_overload;  /* cpu_backlog_max_ns exceeded */
	uint64_t drop_no_route;      /* router mode / egress: no route, or a send that failed */
	uint64_t drop_link;          /* the gateway's links refused it (queue, MTU) */
	uint64_t drops_total;        /* sum of all the above */
	/* The gateway's links, both directions summed (from sim_link_stats;
	 * refusals at the gateway's own sends are also in drop_link, so these
	 * are not added to drops_total). */
	uint64_t link_drop_loss, link_drop_queue, link_drop_mtu;
};

struct sim_gw;

/* What the kernel did with one packet, for the trace hook (teaching:
 * `gatelab run --trace`). Tuples are unset (parsed false) when the packet
 * did not parse. In router mode (no gNAT) res carries FORWARD/LOCAL only. */
struct sim_gw_trace_info {
	uint64_t now_ns;
	enum gnat_side side;            /* where it entered the kernel */
	bool parsed_before, parsed_after;
	struct net_tuple before, after; /* as it arrived / as it left */
	uint32_t payload;               /* transport payload bytes as it arrived */
	bool router;                    /* direct mode: no gNAT */
	struct gnat_result res;
	/* Appended: the packet's bytes as it arrived (a copy the gateway keeps
	 * while the hook runs) and as it left or was delivered (NULL, 0 when
	 * dropped). Valid during the call only. */
	const uint8_t *pkt_before, *pkt_after;
	size_t len_before, len_after;
};

/* What a NAT API call did, for the API hook (sim_gw_set_api_trace). Only the
 * argument fields of the call named by op are set; id is the redirect or
 * reservation id the call returned or named. */
enum sim_gw_api_op {
	SIM_GW_API_REDIRECT_PORT, SIM_GW_API_REDIRECT_SESSION, SIM_GW_API_CANCEL,
	SIM_GW_API_CANCEL_GROUP, SIM_GW_API_LOOKUP, SIM_GW_API_RESERVE, SIM_GW_API_UNRESERVE,
	SIM_GW_API_ACQUIRE, SIM_GW_API_RELEASE
};
struct sim_gw_api_info {
	uint64_t now_ns;
	enum sim_gw_api_op op;
	int rc;                                   /* the call's result */
	uint32_t id;                              /* redirect/reservation/group id */
	const struct natapi_port_redirect *port;   /* REDIRECT_PORT */
	const struct natapi_session_redirect *sess; /* REDIRECT_SESSION */
	const struct net_tuple *tuple, *orig;     /* LOOKUP: asked, answered (rc 0) */
	uint8_t proto;                            /* RESERVE */
	uint32_t n;                               /* RESERVE, ACQUIRE, RELEASE: ports */
	uint16_t first;                           /* ACQUIRE (rc 0), RELEASE */
};

/* Per-socket crossing-hook context: which gateway, and whether the socket
 * carries data-connection bytes. */
struct sim_gw_xfer_ctx {
	struct sim_gw *gw;
	bool data;
};

struct sim_gw {
	struct sim_host host;       /* the node: links attach to host.ifc[] */
	struct sim_world *w;
	struct sim_gw_config cfg;
	struct gnat *gnat;          /* NULL in router mode */
	struct natapi *api;         /* NULL in router mode */
	uint64_t busy_until;        /* the CPU is busy until this virtual time */
	struct sim_pkt *q_head, *q_tail; /* packets waiting for the CPU, FIFO */
	uint32_t q_len;
	struct sim_gw_xfer_ctx xctl, xdata; /* the two crossing-hook contexts */
	uint16_t next_port;         /* next local port to try for connect */
	struct sim_gw_metrics m;    /* counted here; gNAT/natapi parts merged by metrics_get */
	/* (Port claims of sockets opened by sim_gw_listen/connect live in
	 * the socket: sim_sock.gw_claim; accepted children have none.) */
	/* Appended: the per-packet trace hook (sim_gw_set_trace), NULL: off. */
	void (*trace_fn)(void *ctx, const struct sim_gw_trace_info *ti);
	void *trace_ctx;
	/* Appended: local port use (sim_gw_ports.c). port_use[p]: how many
	 * connected sockets share p (a port is reused towards other remote
	 * endpoints, as Linux's connect), or SIM_GW_PORT_EXCL for a listener;
	 * reserved: a bitmap of the ports the NAT API's reservations hold. */
	uint16_t *port_use;
	uint64_t *reserved;
	uint16_t port_lo, port_hi;
	/* Appended: the trace hook's copy of a packet as it arrived
	 * (SIM_PKT_CAP bytes, allocated by sim_gw_init), and the NAT API hook (sim_gw_set_api_trace). */
	uint8_t *trace_copy;
	void (*api_trace_fn)(void *ctx, const struct sim_gw_api_info *ai);
	void *api_trace_ctx;
};

/* Creates the host with its two interfaces, addresses (public4/6 on the
 * outside, inside4/6 on the inside), routes (inside prefixes -> inside,
 * default -> outside), the gNAT and the NAT API. gw must stay at its
 * address (the host and hooks point into it). Returns 0, -EINVAL, -ENOMEM. */
int sim_gw_init(struct sim_gw *gw, struct sim_world *w, const char *name,
		const struct sim_gw_config *cfg);
/* Frees sockets, the NAT API, the gNAT and queued packets (links separately). */
void sim_gw_free(struct sim_gw *gw);

/* ---- user space: the processes running on the gateway (the proxy) ---- */

/* Listens on TCP port (any local address; 0: a free port of the local range
 * that no socket uses and no reservation holds, read it with
 * sim_sock_local_port); the port, the listener's alone, is claimed in the gNAT
 * so masquerade never hands it out. Crossings are counted (control kind;
 * accepted children inherit the listener's kind). Returns as sim_sock_listen. */
int sim_gw_listen(struct sim_gw *gw, uint16_t port, const struct sim_sock_ops *ops, void *ctx,
		  struct sim_sock **out);
/* Connects from src (NULL: by route, i.e. the public address towards the
 * outside) from a local port of cfg.local_port_min..max claimed in the gNAT;
 * the port may be shared with other connections of a different 4-tuple
 * (never with a listener). Returns as sim_sock_connect (-EADDRINUSE: no
 * port of the range gives a unique 4-tuple). */
int sim_gw_connect(struct sim_gw *gw, const struct net_addr *src, const struct net_addr *dst,
		   uint16_t port, const struct sim_sock_ops *ops, void *ctx, struct sim_sock **out);
/* Tags a gateway socket as carrying data-connection bytes (or not): its
 * crossings count in data_transitions / data_bytes_copied too. On a
 * listener, children accepted later inherit the tag. */
void sim_gw_sock_set_data(struct sim_gw *gw, struct sim_sock *s, bool data);
/* Closes (or aborts) a gateway socket and gives its port claim back. */
void sim_gw_close(struct sim_gw *gw, struct sim_sock *s);
void sim_gw_abort(struct sim_gw *gw, struct sim_sock *s);

/* The NAT API over the gateway's gNAT with the simulation clock; every call
 * is counted and charged per_api_call_ns of CPU. NULL in router mode. Owned
 * by the gateway. */
struct natapi *sim_gw_natapi(struct sim_gw *gw);
struct gnat *sim_gw_gnat(struct sim_gw *gw);
struct sim_host *sim_gw_host(struct sim_gw *gw);

/* Charges ns of user-mode CPU work (e.g. the proxy parsing a line); packets
 * arriving meanwhile wait. */
void sim_gw_cpu_charge(struct sim_gw *gw, uint64_t ns);

/* A snapshot of the metrics (gNAT drops and natapi calls merged in). */
void sim_gw_metrics_get(const struct sim_gw *gw, struct sim_gw_metrics *m);

/* Appended: calls fn for every packet the gateway's kernel finished, after
 * its verdict and before it is sent on (fn must not keep ti). NULL: off. */
void sim_gw_set_trace(struct sim_gw *gw,
		      void (*fn)(void *ctx, const struct sim_gw_trace_info *ti), void *ctx);
/* Appended: calls fn after every NAT API call the gateway's user space made
 * (fn must not keep ai, nor call the API). NULL: off. */
void sim_gw_set_api_trace(struct sim_gw *gw,
			  void (*fn)(void *ctx, const struct sim_gw_api_info *ai), void *ctx);

#endif
