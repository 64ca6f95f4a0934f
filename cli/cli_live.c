/* cli_live.c - `gatelab live`: the lab on this machine's kernel (network
 * namespaces, veth, nftables, vsftpd, lftp/curl), one summary row per mode,
 * the same metrics JSON and report files as `run`; exit 0, 1, 2. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../live/live_run.h"
#include "../reports/metrics.h"
#include "../reports/render.h"
#include "../scen/scen.h"
#include "cli.h"

void cli_live_usage(void)
{
	printf("usage: gatelab live [options]      (as root)\n"
	       "\n"
	       "Builds a lab of network namespaces joined by veth pairs (clients in\n"
	       "192.0.2.0/24 and 2001:db8:1::/64, the gateway, vsftpd servers in\n"
	       "198.51.100.0/24 and 2001:db8:2::/64; nothing routed out of it), then runs\n"
	       "real FTP clients through each mode and verifies every file by sha256:\n"
	       "  direct      plain routing, no NAT (the physical baseline)\n"
	       "  kernel-alg  nftables masquerade + the kernel's conntrack FTP helper\n"
	       "  suse-proxy  Debian's ftp-proxy, transparent (IPv4, PASV/PORT only)\n"
	       "  proxy       gatelab's proxy, every transfer through the process\n"
	       "  fastpath    gatelab's proxy commanding nftables: data stays in the kernel\n"
	       "  fastpath-ebpf  the same, data connections on an eBPF (tc) datapath past\n"
	       "              netfilter (docs/LIVE_EBPF.md)\n"
	       "Everything it creates is removed on exit, also on Ctrl-C. docs/LIVE.md.\n"
	       "\n"
	       "  --modes LIST     comma-separated modes (default: all available)\n"
	       "  --size BYTES     test file size, suffixes k M G (default 3M = 3,000,000)\n"
	       "  --clients N      clients at once per step (default 1, at most %d)\n"
	       "  --client TOOL    lftp or curl (default: both)\n"
	       "  --commands LIST  of RETR,STOR,LIST (default: all)\n"
	       "  --data LIST      of PASV,EPSV,PORT,EPRT (default: all)\n"
	       "  --ipv6           IPv6 sessions too\n"
	       "  --redirect       proxy, fastpath: policy maps server A (198.51.100.20) to B\n"
	       "                   (.21); uploads must land on B\n"
	       "  --json FILE      the metrics (gatelab.metrics/1, docs/METRICS.md)\n"
	       "  --report DIR     report files as `run` writes them (docs/REPORTS.md)\n"
	       "  --pcap DIR       DIR/MODE-inside.pcap, DIR/MODE-outside.pcap (offloads off)\n"
	       "  --strace DIR     run gatelab's proxy under strace -f -C into DIR/MODE.strace\n"
	       "                   (slow; to check the driver's own syscall counts)\n"
	       "  -v, --verbose    one line per transfer\n"
	       "  -q, --quiet      no table on stdout\n"
	       "  -h, --help       this text\n"
	       "\n"
	       "Exit status: 0 every transfer intact, 1 a transfer or the run failed (or a\n"
	       "signal stopped it), 2 bad usage, not root, or no network namespaces.\n",
	       LIVE_MAX_CLIENTS);
}

static int cli_live_size(const char *arg, uint64_t *out)
{
	uint64_t v64;
	char *end = NULL;
	unsigned long long v;

	/* the scenario files' sizes (10MB, 1GiB) first, then the short 10M, 1G */
	if (scen_parse_size(arg, &v64) == 0) {
		if (v64 == 0 || v64 > (1ULL << 40))
			return -EINVAL;
		*out = v64;
		return 0;
	}
	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		return -EINVAL;
	v = strtoull(arg, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		v *= 1000, end++;
	else if (*end == 'M')
		v *= 1000 * 1000, end++;
	else if (*end == 'G')
		v *= 1000ULL * 1000 * 1000, end++;
	if (*end || v == 0 || v > (1ULL << 40))
		return -EINVAL;
	*out = v;
	return 0;
}

/* A comma list of names into flags; names[i] sets flags[i]. */
static int cli_live_list(const char *opt, const char *arg, const char *const *names, size_t n,
			 bool *flags)
{
	char buf[256], *save = NULL;
	bool any = false;

	if (strlen(arg) >= sizeof(buf)) {
		cli_error("live: %s: too long", opt);
		return -EINVAL;
	}
	strcpy(buf, arg);
	memset(flags, 0, n * sizeof(*flags));
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < n && strcasecmp(names[i], t) != 0)
			i++;
		if (i == n) {
			cli_error("live: %s: unknown '%s'", opt, t);
			return -EINVAL;
		}
		flags[i] = any = true;
	}
	if (!any) {
		cli_error("live: %s names nothing", opt);
		return -EINVAL;
	}
	return 0;
}

static int cli_live_modes(const char *arg, struct live_opts *o)
{
	char buf[256], *save = NULL;

	if (strlen(arg) >= sizeof(buf)) {
		cli_error("live: --modes: too long");
		return -EINVAL;
	}
	strcpy(buf, arg);
	o->n_modes = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct live_mode *md = live_mode_find(t);

		if (!md) {
			cli_error("live: --modes: unknown mode '%s' (direct, kernel-alg, "
				  "suse-proxy, proxy, fastpath, fastpath-ebpf)",
				  t);
			return -EINVAL;
		}
		if (md->unavailable) {
			cli_error("live: mode %s is %s", t, md->unavailable);
			return -EINVAL;
		}
		for (size_t i = 0; i < o->n_modes; i++)
			if (o->modes[i] == md) {
				cli_error("live: --modes: '%s' twice", t);
				return -EINVAL;
			}
		if (o->n_modes == RPT_MAX_MODES) {
			cli_error("live: --modes: at most %d modes", RPT_MAX_MODES);
			return -EINVAL;
		}
		o->modes[o->n_modes++] = md;
	}
	if (!o->n_modes) {
		cli_error("live: --modes names no mode");
		return -EINVAL;
	}
	return 0;
}

static void cli_live_table(const struct rpt_metrics *m)
{
	printf("%-13s %9s %9s %12s %9s %8s %9s %9s %7s %7s\n", "mode", "Mbit/s", "cpu_s",
	       "bytes_copied", "syscalls", "ctxsw", "softirq_s", "wall_s", "fwd_pk", "ok/fail");
	for (size_t i = 0; i < m->n_modes; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];
		uint64_t sc = 0;
		char okf[24];

		for (size_t k = 0; k < x->live.n_syscalls; k++)
			sc += x->live.syscalls[k].n;
		snprintf(okf, sizeof(okf), "%llu/%llu", (unsigned long long)x->transfers_ok,
			 (unsigned long long)x->transfers_failed);
		printf("%-13s %9.1f %9.3f %12llu %9llu %8llu %9.3f %9.2f %7llu %7s\n", x->mode,
		       x->throughput_bps / 1e6, x->gateway_cpu_s,
		       (unsigned long long)x->bytes_copied, (unsigned long long)sc,
		       (unsigned long long)x->live.context_switches, x->live.softirq_s,
		       x->live.wall_s, (unsigned long long)x->fastpath_packets, okf);
	}
	for (const struct live_mode *const *md = live_modes; *md; md++)
		if ((*md)->unavailable)
			printf("%-10s %s\n", (*md)->name, (*md)->unavailable);
}

/* The lab's topology in the metrics, so reports draw it. */
static void cli_live_topology(struct rpt_metrics *m, bool ipv6)
{
	struct rpt_topology *t = &m->topo;
	struct rpt_topo_host *h;

	memset(t, 0, sizeof(*t));
	h = &t->hosts[t->n_hosts++];
	snprintf(h->name, sizeof(h->name), "clients");
	snprintf(h->role, sizeof(h->role), "client");
	snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", LIVE_CLIENT4);
	if (ipv6)
		snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", LIVE_CLIENT6);
	h = &t->hosts[t->n_hosts++];
	snprintf(h->name, sizeof(h->name), "gateway");
	snprintf(h->role, sizeof(h->role), "gateway");
	snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", LIVE_GW_PUB4);
	if (ipv6)
		snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", LIVE_GW_PUB6);
	snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", LIVE_GW_IN4);
	if (ipv6)
		snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", LIVE_GW_IN6);
	for (int s = 0; s < 2; s++) {
		h = &t->hosts[t->n_hosts++];
		snprintf(h->name, sizeof(h->name), "vsftpd-%c", 'a' + s);
		snprintf(h->role, sizeof(h->role), "server");
		snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s", s ? LIVE_SRV_B4 : LIVE_SRV_A4);
		if (ipv6)
			snprintf(h->addr[h->n_addr++], RPT_ADDR_LEN, "%s",
				 s ? LIVE_SRV_B6 : LIVE_SRV_A6);
	}
	for (int l = 0; l < 2; l++) {
		struct rpt_topo_link *k = &t->links[t->n_links++];

		snprintf(k->name, sizeof(k->name), "%s", l ? "outside" : "inside");
		k->mtu = 1500; /* veth, unlimited bandwidth, no added delay or loss */
	}
	m->has_topology = true;
}

int cli_live_main(int argc, char **argv)
{
	static const char *const tools[] = {"lftp", "curl"};
	static const char *const ops[] = {"RETR", "STOR", "LIST"};
	static const char *const dms[] = {"PASV", "EPSV", "PORT", "EPRT"};
	static const struct option lopts[] = {
		{"modes", required_argument, NULL, 'm'},   {"size", required_argument, NULL, 's'},
		{"clients", required_argument, NULL, 'n'}, {"client", required_argument, NULL, 'c'},
		{"commands", required_argument, NULL, 'C'}, {"data", required_argument, NULL, 'D'},
		{"ipv6", no_argument, NULL, '6'},          {"redirect", no_argument, NULL, 'r'},          {"json", required_argument, NULL, 'j'},
		{"report", required_argument, NULL, 'R'},  {"pcap", required_argument, NULL, 'p'},
		{"strace", required_argument, NULL, 'S'},
		{"verbose", no_argument, NULL, 'v'},       {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *json = NULL, *report = NULL;
	struct rpt_metrics *m = NULL;
	struct live_opts o;
	bool quiet = false;
	char err[1024] = "", *end;
	int c, rc, status = CLI_EXIT_USAGE;
	unsigned long n;

	live_opts_default(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (cli_live_modes(optarg, &o))
				return CLI_EXIT_USAGE;
			break;
		case 's':
			if (cli_live_size(optarg, &o.size)) {
				cli_error("live: --size '%s' is not a size (e.g. 3000000, 10M, 10MB, 1GiB)",
					  optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '1' || optarg[0] > '9' || n == 0 ||
			    n > LIVE_MAX_CLIENTS) {
				cli_error("live: --clients '%s': 1 to %d", optarg, LIVE_MAX_CLIENTS);
				return CLI_EXIT_USAGE;
			}
			o.clients = (unsigned)n;
			break;
		case 'c':
			if (cli_live_list("--client", optarg, tools, LIVE_TOOL__COUNT, o.tools))
				return CLI_EXIT_USAGE;
			break;
		case 'C':
			if (cli_live_list("--commands", optarg, ops, LIVE_OP__COUNT, o.ops))
				return CLI_EXIT_USAGE;
			break;
		case 'D':
			if (cli_live_list("--data", optarg, dms, LIVE_DMODE__COUNT, o.dmodes))
				return CLI_EXIT_USAGE;
			break;
		case '6':
			o.ipv6 = true;
			break;
		case 'r':
			o.redirect = true;
			break;
		case 'j':
			json = optarg;
			break;
		case 'R':
			report = optarg;
			break;
		case 'p':
			o.pcap_dir = optarg;
			break;
		case 'S':
			o.strace_dir = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_live_usage();
			return CLI_EXIT_OK;
		default:
			cli_error("live: see 'gatelab help live'");
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("live: unexpected argument '%s'", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		cli_error("live: needs root (network namespaces, veth, nftables); run it with sudo");
		return CLI_EXIT_USAGE;
	}
	if (access("/proc/self/ns/net", R_OK) != 0) {
		cli_error("live: this kernel has no network namespaces (/proc/self/ns/net)");
		return CLI_EXIT_USAGE;
	}
	if (o.pcap_dir && mkdir(o.pcap_dir, 0755) != 0 && errno != EEXIST) {
		cli_error("live: --pcap %s: %s", o.pcap_dir, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	if (o.strace_dir && mkdir(o.strace_dir, 0755) != 0 && errno != EEXIST) {
		cli_error("live: --strace %s: %s", o.strace_dir, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	if (!o.n_modes) {
		cli_error("live: no mode is available in this build");
		return CLI_EXIT_USAGE;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		cli_error("live: out of memory");
		return CLI_EXIT_FAIL;
	}
	rc = live_run(&o, m, err, sizeof(err));
	if (rc == -EPERM || rc == -ENOSYS) {
		cli_error("live: no network namespaces here (%s)", err);
		goto out;
	}
	status = CLI_EXIT_OK;
	if (rc) {
		cli_error("live: %s; everything the run made was removed", err);
		status = CLI_EXIT_FAIL;
	}
	cli_live_topology(m, o.ipv6);
	if (!quiet)
		cli_live_table(m);
	for (size_t i = 0; i < m->n_modes; i++)
		if (m->modes[i].transfers_failed) {
			cli_error("live: %s: %llu transfer(s) failed", m->modes[i].mode,
				  (unsigned long long)m->modes[i].transfers_failed);
			status = CLI_EXIT_FAIL;
		}
	if (json && m->n_modes && (rc = rpt_metrics_write(m, json)) != 0) {
		cli_error("live: %s: %s", json, strerror(-rc));
		status = CLI_EXIT_FAIL;
	}
	if (report && m->n_modes &&
	    (rc = rpt_render_report(m, NULL, report, err, sizeof(err))) != 0) {
		cli_error("live: --report: %s", err);
		status = CLI_EXIT_FAIL;
	} else if (report && m->n_modes && !quiet) {
		printf("report: %s/index.html\n", report);
	}
out:
	free(m);
	return status;
}
