/* live_client.c - argv for lftp and curl per (op, data mode, family), and the
 * check on their verbose logs that the server saw the data command we meant
 * (curl silently falls back from EPSV to PASV, from EPRT to PORT). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "live_client.h"
#include "live_ns.h"

static const char *const live_tools[] = {"lftp", "curl"};
static const char *const live_ops[] = {"RETR", "STOR", "LIST"};
static const char *const live_dmodes[] = {"PASV", "EPSV", "PORT", "EPRT"};

const char *live_tool_name(enum live_tool t)
{
	return t < LIVE_TOOL__COUNT ? live_tools[t] : "?";
}

const char *live_op_name(enum live_op o)
{
	return o < LIVE_OP__COUNT ? live_ops[o] : "?";
}

const char *live_dmode_name(enum live_dmode d)
{
	return d < LIVE_DMODE__COUNT ? live_dmodes[d] : "?";
}

bool live_client_can(enum live_tool t, enum live_dmode d, bool v6)
{
	if (v6 && (d == LIVE_PASV || d == LIVE_PORT))
		return false;
	if (t == LIVE_LFTP && !v6 && d == LIVE_EPRT)
		return false;
	return true;
}

static double live_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* lftp: one -c script. Retries off so a failure is a failure. */
static void live_lftp_argv(const struct live_job *j, const char **argv, char *script,
			   size_t len)
{
	const char *pasv = j->dmode == LIVE_PASV || j->dmode == LIVE_EPSV ? "on" : "off";
	const char *epsv = j->dmode == LIVE_EPSV ? "yes" : "no";
	int n = snprintf(script, len,
			 "set net:max-retries 1; set net:timeout 30; set cmd:fail-exit yes; "
			 "set xfer:clobber on; set ftp:passive-mode %s; set ftp:prefer-epsv %s; "
			 "open ftp://%s%s%s; ",
			 pasv, epsv, j->v6 ? "[" : "", j->server, j->v6 ? "]" : "");

	if (j->op == LIVE_RETR)
		snprintf(script + n, len - (size_t)n, "get %s -o %s", j->remote, j->local);
	else if (j->op == LIVE_STOR)
		snprintf(script + n, len - (size_t)n, "put %s -o %s", j->local, j->remote);
	else
		snprintf(script + n, len - (size_t)n, "ls %s > %s", j->remote, j->local);
	argv[0] = "lftp";
	argv[1] = "-d";
	argv[2] = "-c";
	argv[3] = script;
	argv[4] = NULL;
}

static void live_curl_argv(const struct live_job *j, const char **argv, char *url, size_t len)
{
	size_t k = 0;

	snprintf(url, len, "ftp://%s%s%s%s", j->v6 ? "[" : "", j->server, j->v6 ? "]" : "",
		 j->remote);
	argv[k++] = "curl";
	argv[k++] = "-sS";
	argv[k++] = "-v";
	argv[k++] = "-g";
	argv[k++] = "--connect-timeout";
	argv[k++] = "30";
	/* Use the address the 227 names, as lftp does: a proxy that is not the
	 * server (ftp-proxy) names its own. */
	argv[k++] = "--no-ftp-skip-pasv-ip";
	if (j->dmode == LIVE_PASV)
		argv[k++] = "--disable-epsv";
	if (j->dmode == LIVE_PORT || j->dmode == LIVE_EPRT) {
		argv[k++] = "-P";
		argv[k++] = "-";
	}
	if (j->dmode == LIVE_PORT)
		argv[k++] = "--disable-eprt";
	argv[k++] = j->op == LIVE_STOR ? "-T" : "-o";
	argv[k++] = j->local;
	argv[k++] = url;
	argv[k] = NULL;
}

int live_client_start(const struct live_topo *t, struct live_job *j)
{
	char buf[PATH_MAX * 2 + 512];
	const char *argv[16];

	if (j->tool == LIVE_LFTP)
		live_lftp_argv(j, argv, buf, sizeof(buf));
	else
		live_curl_argv(j, argv, buf, sizeof(buf));
	j->t0 = live_now();
	j->pid = live_spawn(live_topo_ns(t, LIVE_NS_CLIENT), argv, j->log, j->log);
	if (j->pid < 0)
		return j->pid;
	/* Without pidfd_open (ENOSYS: an old kernel, valgrind) the runner
	 * polls the process instead. */
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	if (j->pidfd < 0 && errno != ENOSYS)
		return -errno;
	return 0;
}

int live_client_used(const struct live_job *j, char *why, size_t whylen)
{
	/* lftp -d logs "---> EPSV", curl -v "> EPSV". */
	char line[1024];
	bool seen[LIVE_DMODE__COUNT] = {false};
	FILE *f = fopen(j->log, "r");

	if (!f) {
		snprintf(why, whylen, "no client log %s", j->log);
		return -EPROTO;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, "---> ");

		c = c ? c + 5 : (strncmp(line, "> ", 2) == 0 ? line + 2 : NULL);
		if (!c)
			continue;
		for (int d = 0; d < LIVE_DMODE__COUNT; d++)
			if (strncmp(c, live_dmodes[d], 4) == 0)
				seen[d] = true;
	}
	fclose(f);
	if (j->op == LIVE_STOR || j->op == LIVE_RETR || j->op == LIVE_LIST) {
		if (!seen[j->dmode]) {
			snprintf(why, whylen, "the client never sent %s", live_dmodes[j->dmode]);
			return -EPROTO;
		}
		for (int d = 0; d < LIVE_DMODE__COUNT; d++)
			if (d != (int)j->dmode && seen[d]) {
				snprintf(why, whylen, "the client sent %s besides %s (a fallback)",
					 live_dmodes[d], live_dmodes[j->dmode]);
				return -EPROTO;
			}
	}
	return 0;
}
