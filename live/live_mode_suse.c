/* live_mode_suse.c - the outside reference for the proxy path: Debian's
 * ftp-proxy (SuSE Proxy-Suite) in the gateway namespace, in the foreground,
 * as a transparent proxy (AllowTransProxy: an nftables redirect sends TCP/21
 * to it, it learns the real server from the redirect). IPv4, PASV/PORT only.
 * It forks a child per session and ignores SIGCHLD, so its children's CPU and
 * I/O never roll up to it: taskstats exit records are summed instead. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live_cleanup.h"
#include "live_mode.h"
#include "live_ns.h"

#define LIVE_SUSE_BIN "/usr/sbin/ftp-proxy"
#define LIVE_SUSE_PORT 2121

static const char live_suse_rules[] =
	"table ip gatelab_suse {\n"
	"  chain pre { type nat hook prerouting priority -100;\n"
	"    iifname \"" LIVE_IF_IN "\" tcp dport 21 redirect to :2121; }\n"
	"}\n";

static int live_suse_conf(struct live_mode_state *s, char *path, size_t len)
{
	FILE *f;

	if ((size_t)snprintf(path, len, "%s/ftp-proxy.conf", s->t->dir) >= len)
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	/* DestinationAddress is required as a sanity check; transparent
	 * sessions go where the client meant. LogLevel ERR: its log writes
	 * would count in write_char. MaxClients 512: its maximum. */
	fprintf(f,
		"[-Global-]\n"
		"DestinationAddress %s\nAllowTransProxy yes\nListen %s\nPort %d\n"
		"LogDestination %s/ftp-proxy.log\nLogLevel ERR\nMaxClients 512\n"
		"ForkLimit 100000\nTimeOut 300\nDestinationTransferMode client\n",
		LIVE_SRV_A4, LIVE_GW_IN4, LIVE_SUSE_PORT, s->t->dir);
	return fclose(f) == 0 ? 0 : -errno;
}

static int live_suse_start(struct live_mode_state *s)
{
	char conf[PATH_MAX], log[PATH_MAX];
	const char *argv[] = {LIVE_SUSE_BIN, "-d", "-n", "-f", conf, NULL};
	int rc;

	if (access(LIVE_SUSE_BIN, X_OK) != 0) {
		snprintf(s->err, sizeof(s->err), "%s not found (apt-get install ftp-proxy)",
			 LIVE_SUSE_BIN);
		return -ENOENT;
	}
	if ((rc = live_suse_conf(s, conf, sizeof(conf))) < 0 ||
	    (size_t)snprintf(log, sizeof(log), "%s/ftp-proxy.out", s->t->dir) >= sizeof(log)) {
		snprintf(s->err, sizeof(s->err), "ftp-proxy config: %s", strerror(rc ? -rc : ENAMETOOLONG));
		return rc ? rc : -ENAMETOOLONG;
	}
	if ((rc = live_tstats_open(&s->ts)) < 0) {
		snprintf(s->err, sizeof(s->err),
			 "taskstats (to measure ftp-proxy's children): %s", strerror(-rc));
		return rc;
	}
	if ((rc = live_mode_nft(s, "suse-proxy", live_suse_rules)) < 0)
		goto fail;
	s->pid = live_spawn(live_topo_ns(s->t, LIVE_NS_GW), argv, log, log);
	if (s->pid < 0) {
		rc = s->pid;
		s->pid = 0;
		snprintf(s->err, sizeof(s->err), "ftp-proxy: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = live_mode_wait_listen(s, LIVE_GW_IN4, LIVE_SUSE_PORT)) < 0) {
		snprintf(s->err, sizeof(s->err), "ftp-proxy never listened on %s:%d (see %.300s)",
			 LIVE_GW_IN4, LIVE_SUSE_PORT, log);
		goto fail;
	}
	return 0;
fail:
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		live_reap(s->pid, NULL);
		s->pid = 0;
	}
	LIVE_CMD(live_topo_ns(s->t, LIVE_NS_GW), NULL, 0, "nft", "delete", "table", "ip",
		 "gatelab_suse");
	live_tstats_close(s->ts);
	s->ts = NULL;
	return rc;
}

static int live_suse_stop(struct live_mode_state *s, struct rpt_mode_metrics *m)
{
	struct live_tstats_sum sum;
	int rc = 0, status = 0;

	/* SIGTERM: it closes its connections and terminates its children. */
	kill(s->pid, SIGTERM);
	live_reap(s->pid, &status);
	/* Its children get the signal from it; their exit records follow. */
	usleep(100 * 1000);
	live_tstats_sum(s->ts, s->pid, &sum);
	m->gateway_cpu_s = (double)(sum.utime_us + sum.stime_us) / 1e6;
	m->bytes_copied = sum.read_char + sum.write_char;
	m->transitions = sum.read_syscalls + sum.write_syscalls;
	m->data_transitions = m->transitions;
	m->live.context_switches = sum.nvcsw + sum.nivcsw;
	m->live.n_syscalls = 2;
	snprintf(m->live.syscalls[0].name, sizeof(m->live.syscalls[0].name), "read-like");
	m->live.syscalls[0].n = sum.read_syscalls;
	snprintf(m->live.syscalls[1].name, sizeof(m->live.syscalls[1].name), "write-like");
	m->live.syscalls[1].n = sum.write_syscalls;
	snprintf(m->live.measured_by, sizeof(m->live.measured_by),
		 "taskstats: ftp-proxy + %llu children (rchar+wchar, syscr/syscw: "
		 "rounded down to 1024 per process)",
		 (unsigned long long)(sum.processes ? sum.processes - 1 : 0));
	if (sum.lost) {
		snprintf(s->err, sizeof(s->err),
			 "taskstats socket overran %llu times: ftp-proxy's figures are incomplete",
			 (unsigned long long)sum.lost);
		rc = -ENOBUFS;
	}
	s->pid = 0;
	live_tstats_close(s->ts);
	s->ts = NULL;
	if (LIVE_CMD(live_topo_ns(s->t, LIVE_NS_GW), NULL, 0, "nft", "delete", "table", "ip",
		     "gatelab_suse") < 0 && rc == 0) {
		snprintf(s->err, sizeof(s->err), "nft delete table ip gatelab_suse");
		rc = -EIO;
	}
	return rc;
}

const struct live_mode live_mode_suse = {
	.name = "suse-proxy",
	.xfer_path = "proxy",
	.ipv6 = false,
	.ext = false,
	.start = live_suse_start,
	.stop = live_suse_stop,
};
