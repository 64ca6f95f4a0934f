/* scen.h - a gatelab scenario in memory: topology, links, cost profile, the
 * modes to compare, the seed, the proxy policy, the servers' files and the
 * clients' sessions. Filled by the YAML parser (scen_parse.c), run by sim/. */
#ifndef GATELAB_SCEN_H
#define GATELAB_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/net_addr.h"
#include "../proxy/ftpp.h"

#define SCEN_NAME_LEN 64
#define SCEN_PATH_LEN 256
#define SCEN_MAX_HOSTS 16     /* clients, and servers, each */
#define SCEN_MAX_ADDRS 2      /* one per family */
#define SCEN_MAX_FILES 32     /* per server */
#define SCEN_MAX_SESSIONS 32
#define SCEN_MAX_COPIES 100000 /* sessions run, all `count`s summed */
#define SCEN_MAX_CMDS 16      /* per session */
#define SCEN_CMD_LEN 200
#define SCEN_ERR_LEN 256

/* The four ways a scenario can be run (see docs/SCENARIOS.md). */
enum scen_mode { SCEN_MODE_DIRECT, SCEN_MODE_NAT, SCEN_MODE_PROXY, SCEN_MODE_FASTPATH,
		 SCEN_MODE__COUNT };
/* "direct", "nat", "proxy", "fastpath"; "unknown" for a bad value. */
const char *scen_mode_name(enum scen_mode m);
/* Returns 0 and the mode, or -EINVAL. */
int scen_mode_parse(const char *s, enum scen_mode *out);

/* Link parameters as the scenario states them (sim_link_params' units). */
struct scen_link {
	uint64_t bw_bps;          /* 0 = infinite */
	uint64_t delay_ns;
	uint32_t mtu;
	uint32_t queue_pkts;      /* 0 = unlimited */
	uint64_t queue_bytes;     /* 0 = unlimited */
	double loss, reorder;     /* probabilities */
	uint64_t reorder_delay_ns;
};

struct scen_file {
	char path[SCEN_PATH_LEN];
	uint64_t size;
};

struct scen_host {
	char name[SCEN_NAME_LEN];
	struct net_addr addr[SCEN_MAX_ADDRS];
	size_t n_addr;
	struct scen_file files[SCEN_MAX_FILES]; /* servers only */
	size_t n_files;
};

enum scen_data_mode { SCEN_DATA_PASSIVE, SCEN_DATA_ACTIVE };

struct scen_session {
	size_t client;            /* index into clients[] */
	size_t server;            /* index into servers[]: the apparent server */
	uint8_t family;           /* NET_AF_INET4/6: which of the hosts' addresses */
	char user[SCEN_NAME_LEN], pass[SCEN_NAME_LEN];
	enum scen_data_mode data; /* PASV/EPSV or PORT/EPRT */
	bool extended;            /* EPSV/EPRT instead of PASV/PORT */
	uint64_t start_ns;
	char cmds[SCEN_MAX_CMDS][SCEN_CMD_LEN];
	size_t n_cmds;
	/* Appended for policy and scale scenarios (docs/SCENARIOS.md). */
	int expect[SCEN_MAX_CMDS]; /* per command: the exact reply code expected, 0 usual */
	int refused;              /* the greeting code a refusing proxy answers, 0 none */
	uint32_t count;           /* copies of the session run (1..SCEN_MAX_COPIES) */
	uint64_t every_ns;        /* copy k starts at start_ns + k * every_ns */
};

struct scen_gateway {
	struct net_addr public4, public6;  /* outside, masquerade source */
	struct net_addr inside4, inside6;  /* inside-facing, proxy listen address */
	/* Appended for scale scenarios: 0 keeps the component's default. */
	uint32_t max_mappings;    /* the gNAT's mapping table (gnat_config) */
	uint32_t proxy_ports;     /* the proxy's data-port reservation (ftpp_config) */
	/* Appended: the gateway's own sockets' local port range, `local_ports:
	 * LO-HI` (0, 0: the simulator's default 49152..65535). */
	uint16_t local_port_min, local_port_max;
};

struct scen {
	char name[SCEN_NAME_LEN];
	uint64_t seed;
	bool modes[SCEN_MODE__COUNT];
	char cost_profile[SCEN_PATH_LEN]; /* built-in name or a JSON file */
	struct scen_link inside, outside;
	struct scen_gateway gw;
	struct scen_host clients[SCEN_MAX_HOSTS];
	size_t n_clients;
	struct scen_host servers[SCEN_MAX_HOSTS];
	size_t n_servers;
	/* Only the policy part of a proxy config; addresses come from gw. */
	struct ftpp_policy policy;
	struct scen_session sessions[SCEN_MAX_SESSIONS];
	size_t n_sessions;
};

/* Defaults for every key the YAML may leave out (docs/SCENARIOS.md). */
void scen_defaults(struct scen *sc);

/* Parses YAML text of len bytes (no terminator needed) into *sc (defaults
 * first). name is the file name used in messages. On error returns -EINVAL
 * (or -ENOMEM) and writes "name:line:column: what is wrong" into err. */
int scen_parse_buf(const char *name, const uint8_t *buf, size_t len, struct scen *sc,
		   char *err, size_t errlen);
/* Same for a file; an unreadable file is "path: reason" and -errno. */
int scen_parse_file(const char *path, struct scen *sc, char *err, size_t errlen);

/* Values with units, shared with tests: "100MB" (10^6), "1KiB" (2^10), a
 * plain integer is bytes; "1Gbps"/"100Mbps"/"64kbps"/"1000bps" or a plain
 * integer of bit/s; "10ms"/"5us"/"2s"/"100ns"; "1%" or a number in [0, 1].
 * Each returns 0 or -EINVAL (also on overflow). */
int scen_parse_size(const char *s, uint64_t *out);
int scen_parse_rate(const char *s, uint64_t *out);
int scen_parse_time(const char *s, uint64_t *out_ns);
int scen_parse_prob(const char *s, double *out);

#endif
