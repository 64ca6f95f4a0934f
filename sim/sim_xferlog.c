/* sim_xferlog.c - xferlog(5) lines from the run's transfer records: the
 * fields vsftpd writes, in its order and escaping, so log tools parse them;
 * written through a temp file so a reader never sees half a run's log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_xferlog.h"

#define SIM_XFERLOG_FIELD_MAX 512

struct sim_xferlog {
	FILE *f;
	char *path, *tmp;
	int err;                 /* first write error, kept until close */
};

void sim_xferlog_time(uint64_t ns, char *out)
{
	/* Own name tables: strftime's %a/%b would follow the locale. */
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(SIM_XFERLOG_EPOCH + (long long)(ns / 1000000000ULL));
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_year + 1900 > 9999) {
		snprintf(out, SIM_XFERLOG_TIME_LEN, "%s", "Thu Jan  1 00:00:00 1970");
		return;
	}
	/* A local buffer: the compiler cannot bound the int fields' widths. */
	snprintf(buf, sizeof(buf), "%s %s %2d %02d:%02d:%02d %04d", days[tm.tm_wday],
		 mons[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	snprintf(out, SIM_XFERLOG_TIME_LEN, "%.24s", buf);
}

uint64_t sim_xferlog_secs(uint64_t t_start_ns, uint64_t t_end_ns)
{
	uint64_t s = t_start_ns / 1000000000ULL, e = t_end_ns / 1000000000ULL;

	return e > s ? e - s : 1;
}

size_t sim_xferlog_escape(const char *s, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return 0;
	if (len == 0 && cap > 1)
		out[n++] = '-';
	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ' ')
			out[n++] = '_';
		else if (ch < 0x21 || ch > 0x7e)
			out[n++] = '?';
		else
			out[n++] = (char)ch;
	}
	out[n] = '\0';
	return n;
}

void sim_xferlog_rec_from_xfer(const struct sim_ftpc_xfer *x, struct sim_xferlog_rec *r)
{
	r->t_start_ns = x->t_start;
	r->t_end_ns = x->t_end;
	r->bytes = x->bytes;
	switch (x->op) {
	case SIM_FTPC_STOR:
	case SIM_FTPC_APPE:
	case SIM_FTPC_STOU:
		r->direction = 'i';
		break;
	case SIM_FTPC_RETR:
	case SIM_FTPC_ABOR:
	case SIM_FTPC_LIST:
	case SIM_FTPC_NLST:
	case SIM_FTPC_MLSD:
	case SIM_FTPC_LOGIN:
	case SIM_FTPC_CMD:
	case SIM_FTPC_QUIT:
		r->direction = 'o';
		break;
	}
	r->complete = x->final_code >= 200 && x->final_code < 300 && !x->aborted;
}

int sim_xferlog_format(const struct sim_xferlog_rec *r, char *buf, size_t cap)
{
	char when[SIM_XFERLOG_TIME_LEN], file[SIM_XFERLOG_FIELD_MAX], user[SIM_XFERLOG_FIELD_MAX];
	char host[SIM_XFERLOG_FIELD_MAX];
	const char *h = r->remote_host ? r->remote_host : "";
	int k;

	sim_xferlog_time(r->t_end_ns, when);
	sim_xferlog_escape(h, strlen(h), host, sizeof(host));
	sim_xferlog_escape(r->filename ? r->filename : "", r->filename ? r->filename_len : 0,
			   file, sizeof(file));
	sim_xferlog_escape(r->user ? r->user : "", r->user ? r->user_len : 0, user,
			   sizeof(user));
	k = snprintf(buf, cap, "%s %llu %s %llu %s %c _ %c %c %s ftp 0 * %c", when,
		     (unsigned long long)sim_xferlog_secs(r->t_start_ns, r->t_end_ns), host,
		     (unsigned long long)r->bytes, file, r->ascii ? 'a' : 'b',
		     r->direction == 'i' ? 'i' : 'o', r->anonymous ? 'a' : 'r', user,
		     r->complete ? 'c' : 'i');
	if (k < 0 || (size_t)k >= cap)
		return -ENOSPC;
	return k;
}

int sim_xferlog_open(const char *path, struct sim_xferlog **out)
{
	struct sim_xferlog *l = calloc(1, sizeof(*l));
	size_t n = strlen(path);
	int rc = 0;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	if (n > 4000) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	l->path = strdup(path);
	l->tmp = malloc(n + 5);
	if (!l->path || !l->tmp) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(l->tmp, path, n);
	memcpy(l->tmp + n, ".tmp", 5);
	l->f = fopen(l->tmp, "w");
	if (!l->f)
		rc = -errno;
out:
	if (rc) {
		free(l->path);
		free(l->tmp);
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int sim_xferlog_write(struct sim_xferlog *l, const struct sim_xferlog_rec *r)
{
	char line[4 * SIM_XFERLOG_FIELD_MAX];
	int k;

	if (l->err)
		return l->err;
	k = sim_xferlog_format(r, line, sizeof(line));
	if (k < 0 || fwrite(line, 1, (size_t)k, l->f) != (size_t)k || fputc('\n', l->f) == EOF)
		l->err = -EIO;
	return l->err;
}

int sim_xferlog_close(struct sim_xferlog *l, bool commit)
{
	int rc;

	if (!l)
		return 0;
	rc = l->err;
	if (fclose(l->f) != 0 && rc == 0)
		rc = -EIO;
	if (commit && rc == 0 && rename(l->tmp, l->path) != 0)
		rc = -errno;
	if (!commit || rc)
		remove(l->tmp);
	free(l->path);
	free(l->tmp);
	free(l);
	return rc;
}
