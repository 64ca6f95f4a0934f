/* metrics.h - what one `gatelab run` measured, per mode, and its
 * gatelab.metrics/1 JSON form (docs/METRICS.md): the contract fields never
 * change meaning; everything else is additive. */
#ifndef GATELAB_RPT_METRICS_H
#define GATELAB_RPT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define RPT_METRICS_SCHEMA "gatelab.metrics/1"
#define RPT_NAME_LEN 64
/* The simulator's four modes; the live lab's direct, kernel-alg, suse-proxy,
 * proxy, fastpath and (later) fastpath-ebpf. Writers refuse more. */
#define RPT_MAX_MODES 6
#define RPT_MAX_XFERS 64
#define RPT_CMD_LEN 128

/* One data transfer as the client model saw it. */
struct rpt_xfer {
	uint32_t session;        /* index in the scenario's sessions */
	char cmd[RPT_CMD_LEN];   /* "RETR /pub/big.bin" */
	char path[16];           /* "fast", "proxy" or "kernel" (no proxy) */
	uint64_t bytes;
	uint64_t expected;
	double duration_s;       /* virtual time: command .. final reply */
	double throughput_bps;
	bool ok;                 /* final reply as expected and hash verified */
	char hash[17];           /* content hash, 16 hex digits */
	/* Appended: the final reply (0 and "" in files written before) */
	int reply_code;
	char reply[RPT_CMD_LEN]; /* its text, first line, truncated */
};

#define RPT_MAX_REASONS 24
#define RPT_REASON_LEN 32

/* One named counter (a drop reason). */
struct rpt_count {
	char name[RPT_REASON_LEN];
	uint64_t n;
};

/* Why packets were dropped in the run (links and the gateway). */
struct rpt_drops {
	uint64_t link_loss, link_queue, link_mtu;
	uint64_t gateway;        /* by the gateway itself: gNAT, CPU overload, no route */
	uint64_t no_host;        /* no host has the destination address */
	/* gateway, by reason: a fixed list for a given build (zeros included),
	 * so documents of different runs have the same keys */
	struct rpt_count by_reason[RPT_MAX_REASONS];
	size_t n_reasons;
};

#define RPT_MAX_SYSCALLS 32

/* Appended, live runs only (`gatelab live`, docs/LIVE.md): wall-clock
 * measurements of a real gateway. has_live false: absent from the JSON. */
struct rpt_live {
	double wall_s;              /* the mode's wall time, set-up to tear-down */
	double softirq_s;           /* the machine's softirq CPU during the mode (/proc/stat) */
	uint64_t context_switches;  /* the proxy process(es): voluntary + involuntary */
	struct rpt_count syscalls[RPT_MAX_SYSCALLS]; /* the proxy's, by name */
	size_t n_syscalls;
	char measured_by[RPT_CMD_LEN]; /* where bytes_copied, CPU and syscalls come from */
};

struct rpt_mode_metrics {
	char mode[16];           /* "direct", "nat", "proxy", "fastpath"; live: "kernel-alg", ... */
	/* contract fields */
	uint64_t transitions;
	uint64_t data_transitions;
	uint64_t bytes_copied;
	uint64_t api_calls;
	uint64_t fastpath_packets;
	uint64_t proxied_packets;
	double gateway_cpu_s;
	double throughput_bps;
	uint64_t transfers_ok;
	uint64_t transfers_failed;
	/* additional fields */
	uint64_t events;
	double sim_time_s;
	struct rpt_drops drops;
	struct rpt_xfer xfers[RPT_MAX_XFERS];
	size_t n_xfers;
	/* Appended: transfers past the RPT_MAX_XFERS listed, counted here
	 * (JSON "xfers_listed" is n_xfers, "xfers_omitted" this). */
	uint64_t xfers_omitted;
	/* Appended: live measurements (JSON keys "wall_s", "softirq_s",
	 * "context_switches", "syscalls", "measured_by"). */
	bool has_live;
	struct rpt_live live;
};

#define RPT_MAX_HOSTS 33   /* clients, servers and the gateway */
#define RPT_ADDR_LEN 48

/* One node of the topology: "client", "server" or "gateway". */
struct rpt_topo_host {
	char name[RPT_NAME_LEN];
	char role[8];
	char addr[4][RPT_ADDR_LEN]; /* the gateway: public4/6 then inside4/6 */
	size_t n_addr;
};

/* One of the gateway's two links, "inside" or "outside". */
struct rpt_topo_link {
	char name[8];
	uint64_t bandwidth_bps;  /* 0 = unlimited */
	double delay_s;
	double loss;
	uint32_t mtu;
};

struct rpt_topology {
	struct rpt_topo_host hosts[RPT_MAX_HOSTS];
	size_t n_hosts;
	struct rpt_topo_link links[2];
	size_t n_links;
};

struct rpt_metrics {
	char scenario[RPT_NAME_LEN];
	uint64_t seed;
	struct rpt_mode_metrics modes[RPT_MAX_MODES];
	size_t n_modes;
	/* Wall-clock figures: written only when has_host (--timing), under
	 * "host", which determinism checks ignore. */
	bool has_host;
	double host_wall_s;
	/* Appended: the scenario's topology as run (optional in the JSON,
	 * "topology"; reports draw it). has_topology false: absent. */
	bool has_topology;
	struct rpt_topology topo;
};

/* The document as a jansson object (keys in a fixed order). NULL on ENOMEM. */
json_t *rpt_metrics_to_json(const struct rpt_metrics *m);
/* Reads a document back (the round trip the tests check; compare reads the
 * JSON on its own). Returns 0, -EINVAL with err "what is wrong", -ENOMEM. */
int rpt_metrics_from_json(const json_t *doc, struct rpt_metrics *m, char *err,
			  size_t errlen);
/* Writes the JSON to path through path.tmp + rename, indented, newline at
 * the end. Returns 0 or -errno. */
int rpt_metrics_write(const struct rpt_metrics *m, const char *path);
/* Loads path into *m. Returns 0, -errno, -EINVAL (err filled). */
int rpt_metrics_read(const char *path, struct rpt_metrics *m, char *err, size_t errlen);

/* The "topology" object (report_topo.c): to JSON (NULL on ENOMEM) and
 * back (0 or -EINVAL with err filled). */
json_t *rpt_topo_to_json(const struct rpt_topology *t);
int rpt_topo_from_json(const json_t *o, struct rpt_topology *t, char *err, size_t errlen);

#endif
