/* live_mode_suse.c - the outside reference for the proxy path: Debian's
 * ftp-proxy (SuSE Proxy-Suite) in the gateway namespace, in the foreground,
 * as a transparent proxy (AllowTransProxy: an nftables redirect sends TCP/21
 * to it, it learns the real server from the redirect). IPv4, PASV/PORT only.
 * It forks a child per session and moves data with recv/send, which
 * /proc/PID/io does not count: it runs under `strace -f -C`, whose trace gives
 * the bytes and whose summary the calls. Its CPU and context switches come
 * from taskstats exit records of ftp-proxy and its children: the rusage of
 * strace (our child) would add strace's own CPU. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live_cleanup.h"
#include "live_mode.h"
#include "live_ns.h"
#include "live_strace.h"

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

/* The traced ftp-proxy: strace's only child. */
static int live_suse_child(pid_t tracer, pid_t *child)
{
	char path[64];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)tracer, (int)tracer);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return -ESRCH;
	*child = (pid_t)pid;
	return 0;
}

static int live_suse_start(struct live_mode_state *s)
{
	char conf[PATH_MAX], log[PATH_MAX], trace[PATH_MAX];
	/* -s 0: no string contents, only the results the bytes are summed from. */
	const char *argv[] = {"strace", "-f", "-C", "-S", "calls", "-qq", "-s", "0", "-o", trace,
			      LIVE_SUSE_BIN, "-d", "-n", "-f", conf, NULL};
	int rc;

	if (access(LIVE_SUSE_BIN, X_OK) != 0) {
		snprintf(s->err, sizeof(s->err), "%s not found (apt-get install ftp-proxy)",
			 LIVE_SUSE_BIN);
		return -ENOENT;
	}
	if ((rc = live_suse_conf(s, conf, sizeof(conf))) < 0 ||
	    (size_t)snprintf(log, sizeof(log), "%s/ftp-proxy.out", s->t->dir) >= sizeof(log) ||
	    (size_t)snprintf(trace, sizeof(trace), "%s/ftp-proxy.strace", s->t->dir) >=
		    sizeof(trace)) {
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
	s->tracer = live_spawn(live_topo_ns(s->t, LIVE_NS_GW), argv, log, log);
	if (s->tracer < 0) {
		rc = s->tracer;
		s->tracer = 0;
		snprintf(s->err, sizeof(s->err), "strace ftp-proxy: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = live_mode_wait_listen(s, LIVE_GW_IN4, LIVE_SUSE_PORT)) < 0 ||
	    (rc = live_suse_child(s->tracer, &s->pid)) < 0) {
		snprintf(s->err, sizeof(s->err), "ftp-proxy never listened on %s:%d (see %.300s)",
			 LIVE_GW_IN4, LIVE_SUSE_PORT, log);
		goto fail;
	}
	return 0;
fail:
	if (s->pid > 0)
		kill(s->pid, SIGTERM);
	if (s->tracer > 0) {
		kill(s->tracer, SIGTERM);
		live_reap(s->tracer, NULL);
	}
	s->pid = s->tracer = 0;
	LIVE_CMD(live_topo_ns(s->t, LIVE_NS_GW), NULL, 0, "nft", "delete", "table", "ip",
		 "gatelab_suse");
	live_tstats_close(s->ts);
	s->ts = NULL;
	return rc;
}

static int live_suse_stop(struct live_mode_state *s, struct rpt_mode_metrics *m)
{
	struct live_tstats_sum sum;
	struct live_strace *st = calloc(1, sizeof(*st));
	char trace[PATH_MAX];
	int rc = 0, status = 0, src;

	/* SIGTERM: it closes its connections and terminates its children;
	 * strace exits after the last of them and writes its summary. */
	kill(s->pid, SIGTERM);
	live_reap(s->tracer, &status);
	live_tstats_sum(s->ts, s->pid, &sum);
	m->gateway_cpu_s = (double)(sum.utime_us + sum.stime_us) / 1e6;
	m->live.context_switches = sum.nvcsw + sum.nivcsw;
	snprintf(trace, sizeof(trace), "%.4000s/ftp-proxy.strace", s->t->dir);
	src = st ? live_strace_read(trace, st) : -ENOMEM;
	if (src == 0) {
		size_t k = 0;

		/* Data and control connections alike: control is a few hundred bytes
		 * per session. */
		m->bytes_copied = st->sock_bytes;
		m->transitions = live_strace_calls(st, "recvfrom") + live_strace_calls(st, "sendto");
		m->data_transitions = m->transitions;
		for (size_t i = 0; i < st->n; i++) {
			struct rpt_count *c;

			if (k < RPT_MAX_SYSCALLS - 1 || st->n <= RPT_MAX_SYSCALLS) {
				c = &m->live.syscalls[k++];
				snprintf(c->name, sizeof(c->name), "%s", st->sc[i].name);
			} else {
				/* The rest, named as such rather than dropped. */
				c = &m->live.syscalls[RPT_MAX_SYSCALLS - 1];
				snprintf(c->name, sizeof(c->name), "other");
				k = RPT_MAX_SYSCALLS;
			}
			c->n += st->sc[i].calls;
		}
		m->live.n_syscalls = k;
	} else {
		snprintf(s->err, sizeof(s->err), "strace summary of ftp-proxy (%.300s): %s", trace,
			 strerror(-src));
		rc = src;
	}
	snprintf(m->live.measured_by, sizeof(m->live.measured_by),
		 "ftp-proxy + %llu children: strace -f -C (bytes: recv/send), taskstats (CPU)",
		 (unsigned long long)(sum.processes ? sum.processes - 1 : 0));
	if (sum.lost && rc == 0) {
		snprintf(s->err, sizeof(s->err),
			 "taskstats socket overran %llu times: ftp-proxy's CPU is incomplete",
			 (unsigned long long)sum.lost);
		rc = -ENOBUFS;
	}
	free(st);
	s->pid = s->tracer = 0;
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
