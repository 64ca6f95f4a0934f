/* live_strace.c - parses strace's trace lines ("PID name(args) = RET") for
 * byte counts and its -C summary table ("% time seconds usecs/call calls
 * errors syscall") for calls per name. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_strace.h"

static const char *const live_sock_calls[] = {"recvfrom", "recvmsg", "sendto", "sendmsg", NULL};
static const char *const live_rw_calls[] = {"read", "write", "readv", "writev", "splice", NULL};

static bool live_in(const char *const *set, const char *name, size_t len)
{
	for (; *set; set++)
		if (strlen(*set) == len && strncmp(*set, name, len) == 0)
			return true;
	return false;
}

/* "1234 recvfrom(5, ..., 0, NULL, NULL) = 1448": name and result. */
static void live_trace_line(const char *line, struct live_strace *s)
{
	const char *p = line, *name, *eq;
	size_t len;
	long long ret;

	while (isdigit((unsigned char)*p))
		p++;
	while (*p == ' ')
		p++;
	name = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	len = (size_t)(p - name);
	if (*p != '(' || len == 0)
		return;
	eq = strrchr(p, '=');
	if (!eq || sscanf(eq + 1, "%lld", &ret) != 1 || ret <= 0)
		return;
	if (live_in(live_sock_calls, name, len))
		s->sock_bytes += (uint64_t)ret;
	else if (live_in(live_rw_calls, name, len))
		s->rw_bytes += (uint64_t)ret;
}

/* A summary row: "  45.00    0.000045     4     10      2 read". */
static int live_summary_line(const char *line, struct live_strace *s)
{
	char tok[8][64];
	int n = 0;
	const char *p = line;
	unsigned long long calls;

	while (n < 8) {
		int k = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && k < 63)
			tok[n][k++] = *p++;
		tok[n++][k] = 0;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	if (n < 5 || !isdigit((unsigned char)tok[0][0]) || strcmp(tok[n - 1], "total") == 0)
		return 0;
	if (sscanf(tok[3], "%llu", &calls) != 1)
		return 0;
	if (s->n == LIVE_STRACE_MAX)
		return -ENOSPC;
	snprintf(s->sc[s->n].name, sizeof(s->sc[s->n].name), "%s", tok[n - 1]);
	s->sc[s->n++].calls = calls;
	s->total_calls += calls;
	return 0;
}

int live_strace_read(const char *path, struct live_strace *out)
{
	char line[4096];
	bool in_summary = false, seen = false;
	FILE *f = fopen(path, "r");
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -errno;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "% time", 6) == 0) {
			in_summary = seen = true;
			continue;
		}
		if (in_summary) {
			if (line[0] == '-')
				continue;
			rc = live_summary_line(line, out);
		} else {
			live_trace_line(line, out);
		}
	}
	fclose(f);
	if (rc == 0 && !seen)
		rc = -EPROTO;
	return rc;
}

uint64_t live_strace_calls(const struct live_strace *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->sc[i].name, name) == 0)
			return s->sc[i].calls;
	return 0;
}
