/* cli_live_proxy.c - `gatelab live-proxy` (internal): runs the live FTP proxy
 * (live_proxy_run) in the current network namespace until SIGINT/SIGTERM,
 * then writes its counts as JSON. The lab's tests start it in the gateway. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../live/live_proxy.h"
#include "cli.h"

static int lpx_stop_w = -1;

static void lpx_on_signal(int sig)
{
	(void)sig;
	if (lpx_stop_w >= 0) {
		ssize_t r = write(lpx_stop_w, "S", 1);

		(void)r;
	}
}

void cli_live_proxy_usage(void)
{
	puts("usage: gatelab live-proxy --listen ADDR --port N --public4 ADDR [options]\n"
	     "  Internal: the live FTP proxy in this network namespace (needs CAP_NET_ADMIN),\n"
	     "  until SIGINT or SIGTERM; then every nftables rule it made is gone.\n"
	     "  --listen ADDR, --listen6 ADDR   where intercepted TCP/21 lands (IPv4, IPv6)\n"
	     "  --port N                        the proxy's port (default 8021)\n"
	     "  --public4 ADDR, --public6 ADDR  the gateway's outside addresses\n"
	     "  --inside4 ADDR, --inside6 ADDR  its inside addresses (default: the listen ones)\n"
	     "  --inside-if IF, --outside-if IF the client-side and server-side links\n"
	     "  --mode fast|proxy               data path of every transfer (default fast)\n"
	     "  --no-splice                     proxy path with read/write instead of splice\n"
	     "  --table NAME                    nftables table (inet, default gatelab)\n"
	     "  --ports LO-HI                   reserved data ports (default: outside the\n"
	     "                                  ephemeral range)\n"
	     "  --ready-file PATH               written once rules are in and the proxy listens\n"
	     "  --stats PATH                    counts as JSON (default: stdout)\n"
	     "  --log                           the proxy's log lines on stderr\n"
	     "  --deny PREFIX                   refuse sessions to these servers (421); repeatable\n"
	     "  --ebpf                          data connections on the eBPF fast path (tc\n"
	     "                                  program on both links; needs the -if options)\n"
	     "  --ebpf-linger MS, --ebpf-idle MS  a closed connection's linger (default 1000),\n"
	     "                                  the idle timeout (default 300000)");
}

static int lpx_addr(const char *opt, const char *s, struct net_addr *a, uint8_t fam)
{
	if (net_addr_parse(s, a) != 0 || a->family != fam) {
		cli_error("live-proxy: %s: not an IPv%d address: '%s'", opt, fam, s);
		return -EINVAL;
	}
	return 0;
}

static json_t *lpx_json(const struct live_proxy_stats *st, int rc)
{
	json_t *o = json_object(), *sc = json_object();

	for (uint32_t i = 0; i < st->n_syscalls; i++)
		json_object_set_new(sc, st->syscalls[i].name, json_integer((json_int_t)st->syscalls[i].n));
	json_object_set_new(o, "result", json_integer(rc));
	json_object_set_new(o, "syscalls", sc);
	json_object_set_new(o, "bytes_copied", json_integer((json_int_t)st->bytes_copied));
	json_object_set_new(o, "api_calls", json_integer((json_int_t)st->api_calls));
	json_object_set_new(o, "nl_transactions", json_integer((json_int_t)st->nl_transactions));
	json_object_set_new(o, "nl_wall_ns", json_integer((json_int_t)st->nl_wall_ns));
	json_object_set_new(o, "nl_failed", json_integer((json_int_t)st->nl_failed));
	json_object_set_new(o, "sessions", json_integer((json_int_t)st->sessions));
	json_object_set_new(o, "fast_transfers", json_integer((json_int_t)st->fast_transfers));
	json_object_set_new(o, "proxy_transfers", json_integer((json_int_t)st->proxy_transfers));
	json_object_set_new(o, "refused", json_integer((json_int_t)st->refused));
	json_object_set_new(o, "errors", json_integer((json_int_t)st->errors));
	json_object_set_new(o, "logs", json_integer((json_int_t)st->logs));
	json_object_set_new(o, "rules_expired", json_integer((json_int_t)st->rules_expired));
	json_object_set_new(o, "port_lo", json_integer(st->port_lo));
	json_object_set_new(o, "port_hi", json_integer(st->port_hi));
	json_object_set_new(o, "fast_flows", json_integer((json_int_t)st->fast_flows));
	json_object_set_new(o, "fast_flows_closed", json_integer((json_int_t)st->fast_flows_closed));
	json_object_set_new(o, "fast_flows_idle", json_integer((json_int_t)st->fast_flows_idle));
	json_object_set_new(o, "fast_flows_left", json_integer((json_int_t)st->fast_flows_left));
	json_object_set_new(o, "fast_packets", json_integer((json_int_t)st->fast_packets));
	json_object_set_new(o, "fast_bytes", json_integer((json_int_t)st->fast_bytes));
	json_object_set_new(o, "fast_untranslated", json_integer((json_int_t)st->fast_untranslated));
	json_object_set_new(o, "fast_map_ops", json_integer((json_int_t)st->fast_map_ops));
	return o;
}

static int lpx_parse(int argc, char **argv, struct live_proxy_cfg *cfg, const char **ready,
		     const char **stats)
{
	enum { O_LISTEN = 256, O_LISTEN6, O_PORT, O_PUB4, O_PUB6, O_IN4, O_IN6, O_INIF, O_OUTIF,
	       O_MODE, O_NOSPLICE, O_TABLE, O_PORTS, O_READY, O_STATS, O_LOG, O_EBPF, O_LINGER,
	       O_IDLE, O_DENY };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"listen6", required_argument, NULL, O_LISTEN6},
		{"port", required_argument, NULL, O_PORT},
		{"public4", required_argument, NULL, O_PUB4},
		{"public6", required_argument, NULL, O_PUB6},
		{"inside4", required_argument, NULL, O_IN4},
		{"inside6", required_argument, NULL, O_IN6},
		{"inside-if", required_argument, NULL, O_INIF},
		{"outside-if", required_argument, NULL, O_OUTIF},
		{"mode", required_argument, NULL, O_MODE},
		{"no-splice", no_argument, NULL, O_NOSPLICE},
		{"table", required_argument, NULL, O_TABLE},
		{"ports", required_argument, NULL, O_PORTS},
		{"ready-file", required_argument, NULL, O_READY},
		{"stats", required_argument, NULL, O_STATS},
		{"log", no_argument, NULL, O_LOG},
		{"ebpf", no_argument, NULL, O_EBPF},
		{"ebpf-linger", required_argument, NULL, O_LINGER},
		{"ebpf-idle", required_argument, NULL, O_IDLE},
		{"deny", required_argument, NULL, O_DENY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ftpp_config *f = &cfg->ftpp;
	unsigned lo, hi;
	long port;
	char *end;
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: rc = lpx_addr("--listen", optarg, &f->listen_addr, NET_AF_INET4); break;
		case O_LISTEN6: rc = lpx_addr("--listen6", optarg, &f->listen_addr6, NET_AF_INET6); break;
		case O_PUB4: rc = lpx_addr("--public4", optarg, &f->public4, NET_AF_INET4); break;
		case O_PUB6: rc = lpx_addr("--public6", optarg, &f->public6, NET_AF_INET6); break;
		case O_IN4: rc = lpx_addr("--inside4", optarg, &f->inside4, NET_AF_INET4); break;
		case O_IN6: rc = lpx_addr("--inside6", optarg, &f->inside6, NET_AF_INET6); break;
		case O_PORT:
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535) {
				cli_error("live-proxy: --port: not a port: '%s'", optarg);
				rc = -EINVAL;
			}
			f->listen_port = (uint16_t)port;
			break;
		case O_INIF:
		case O_OUTIF:
			if (strlen(optarg) >= LIVE_IFNAME_LEN) {
				cli_error("live-proxy: interface name too long: '%s'", optarg);
				rc = -EINVAL;
				break;
			}
			strcpy(c == O_INIF ? cfg->inside_if : cfg->outside_if, optarg);
			break;
		case O_MODE:
			if (strcmp(optarg, "fast") && strcmp(optarg, "proxy")) {
				cli_error("live-proxy: --mode: fast or proxy, not '%s'", optarg);
				rc = -EINVAL;
			}
			f->policy.default_mode = strcmp(optarg, "proxy") ? FTPP_MODE_FAST : FTPP_MODE_PROXY;
			break;
		case O_NOSPLICE: cfg->use_splice = false; break;
		case O_DENY: {
			/* site policy: sessions to these servers get 421 before any
			 * connection leaves the gateway */
			struct ftpp_site_rule *sr;

			if (f->policy.n_sites >= FTPP_MAX_SITES) {
				cli_error("live-proxy: --deny: at most %d site rules", FTPP_MAX_SITES);
				rc = -E2BIG;
				break;
			}
			sr = &f->policy.sites[f->policy.n_sites];
			if (net_prefix_parse(optarg, &sr->server) != 0) {
				cli_error("live-proxy: --deny: not an address or prefix: '%s'", optarg);
				rc = -EINVAL;
				break;
			}
			sr->deny = true;
			sr->code = 421;
			snprintf(sr->message, sizeof(sr->message), "Site blocked by policy");
			f->policy.n_sites++;
			break;
		}
		case O_TABLE:
			if (strlen(optarg) >= LIVE_TABLE_LEN) {
				cli_error("live-proxy: --table: name too long: '%s'", optarg);
				rc = -EINVAL;
				break;
			}
			strcpy(cfg->nft_table, optarg);
			break;
		case O_PORTS:
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || lo < 1024 || hi > 65535 || lo > hi) {
				cli_error("live-proxy: --ports: LO-HI within 1024-65535, not '%s'", optarg);
				rc = -EINVAL;
			}
			cfg->port_lo = (uint16_t)lo;
			cfg->port_hi = (uint16_t)hi;
			break;
		case O_READY: *ready = optarg; break;
		case O_STATS: *stats = optarg; break;
		case O_LOG: cfg->log_to_stderr = true; break;
		case O_EBPF: cfg->ebpf = true; break;
		case O_LINGER:
		case O_IDLE: {
			unsigned long ms = strtoul(optarg, &end, 10);

			if (*end || ms == 0 || ms > 86400000UL || optarg[0] == '-') {
				cli_error("live-proxy: --ebpf-%s: milliseconds (1-86400000), not '%s'",
					  c == O_LINGER ? "linger" : "idle", optarg);
				rc = -EINVAL;
				break;
			}
			*(c == O_LINGER ? &cfg->ebpf_linger_ns : &cfg->ebpf_idle_ns) = ms * 1000000ULL;
			break;
		}
		case 'h': cli_live_proxy_usage(); return 1;
		default: return -EINVAL;
		}
	}
	if (rc)
		return rc;
	if (optind < argc) {
		cli_error("live-proxy: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (cfg->ebpf && (!cfg->inside_if[0] || !cfg->outside_if[0])) {
		cli_error("live-proxy: --ebpf needs --inside-if and --outside-if");
		return -EINVAL;
	}
	if (!net_addr_is_set(&f->listen_addr) || !net_addr_is_set(&f->public4)) {
		cli_error("live-proxy: --listen and --public4 are required");
		return -EINVAL;
	}
	if (!net_addr_is_set(&f->inside4))
		f->inside4 = f->listen_addr;
	if (!net_addr_is_set(&f->inside6))
		f->inside6 = f->listen_addr6;
	return 0;
}

int cli_live_proxy_main(int argc, char **argv)
{
	struct live_proxy_cfg cfg;
	struct live_proxy_stats st;
	const char *ready = NULL, *stats = NULL;
	int stop[2] = {-1, -1}, ready_fd = -1, rc, ret = CLI_EXIT_FAIL;
	struct sigaction sa;
	json_t *o = NULL;

	memset(&cfg, 0, sizeof(cfg));
	ftpp_config_default(&cfg.ftpp);
	cfg.ftpp.listen_port = 8021;
	cfg.use_splice = true;
	rc = lpx_parse(argc, argv, &cfg, &ready, &stats);
	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	if (pipe2(stop, O_CLOEXEC) != 0) {
		cli_error("live-proxy: pipe: %s", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (ready) {
		ready_fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (ready_fd < 0) {
			cli_error("live-proxy: %s: %s", ready, strerror(errno));
			goto out;
		}
	}
	lpx_stop_w = stop[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lpx_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cfg.stop_fd = stop[0];
	cfg.ready_fd = ready_fd;
	rc = live_proxy_run(&cfg, &st);
	if (rc)
		cli_error("live-proxy: %s", rc == -EPERM ? "not permitted (needs CAP_NET_ADMIN)"
					    : rc == -ENOTSUP && cfg.ebpf ? "this build has no eBPF fast path (clang's BPF target or bpftool was missing: make deps, make)"
							: strerror(-rc));
	o = lpx_json(&st, rc);
	if (!o || (stats ? json_dump_file(o, stats, JSON_INDENT(1) | JSON_SORT_KEYS)
			 : json_dumpf(o, stdout, JSON_INDENT(1) | JSON_SORT_KEYS)) != 0)
		cli_error("live-proxy: cannot write the counts to %s", stats ? stats : "stdout");
	else if (rc == 0)
		ret = CLI_EXIT_OK;
out:
	json_decref(o);
	lpx_stop_w = -1;
	close(stop[0]);
	close(stop[1]);
	if (ready_fd >= 0)
		close(ready_fd);
	return ret;
}
