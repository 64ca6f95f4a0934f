/* sim_ftpd_list.c - directory listings generated from the VFS: LIST in the
 * "ls -l" form most servers send, NLST names, MLSD/MLST facts (RFC 3659),
 * and the 227 text in the configured quirk form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_ftpd_priv.h"

struct listbuf {
	char *p;
	size_t len, cap;
	int err;
	const char *verb;
};

static void put(struct listbuf *b, const char *line, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + 256;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, line, n);
	b->len += n;
}

int sim_ftpd_mlst_facts(const struct sim_vfs_node *n, bool full_path, char *buf, size_t len)
{
	time_t t = (time_t)n->mtime;
	struct tm tm;
	char when[16];
	int k;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%d%H%M%S", &tm);
	if (n->kind == SIM_VFS_DIR)
		k = snprintf(buf, len, "type=dir;modify=%s;perm=flcdmpe; %s", when,
			     full_path ? n->path : sim_vfs_basename(n));
	else
		k = snprintf(buf, len, "type=file;size=%llu;modify=%s;perm=adfrw; %s",
			     (unsigned long long)n->size, when,
			     full_path ? n->path : sim_vfs_basename(n));
	return k < 0 || (size_t)k >= len ? -ENOSPC : k;
}

static void one(void *ctx, const struct sim_vfs_node *n)
{
	struct listbuf *b = ctx;
	char line[SIM_VFS_MAX_PATH + 128];
	int k;

	if (strcmp(b->verb, "NLST") == 0) {
		k = snprintf(line, sizeof(line), "%s\r\n", sim_vfs_basename(n));
	} else if (strcmp(b->verb, "MLSD") == 0) {
		k = sim_ftpd_mlst_facts(n, false, line, sizeof(line) - 2);
		if (k >= 0) {
			memcpy(line + k, "\r\n", 2);
			k += 2;
		}
	} else {
		time_t t = (time_t)n->mtime;
		struct tm tm;
		char when[16];

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%b %d %H:%M", &tm);
		k = snprintf(line, sizeof(line), "%s 1 ftp ftp %12llu %s %s\r\n",
			     n->kind == SIM_VFS_DIR ? "drwxr-xr-x" : "-rw-r--r--",
			     (unsigned long long)(n->kind == SIM_VFS_DIR ? 4096 : n->size), when,
			     sim_vfs_basename(n));
	}
	if (k > 0 && (size_t)k < sizeof(line))
		put(b, line, (size_t)k);
}

int sim_ftpd_list_text(struct sim_ftpd_sess *s, const char *verb, const char *path, uint8_t **text,
		   size_t *len)
{
	struct listbuf b = {.verb = verb};
	const struct sim_vfs_node *n = sim_vfs_lookup(s->d->vfs, path);
	int rc;

	if (!n)
		return -ENOENT;
	if (n->kind == SIM_VFS_FILE) {
		if (strcmp(verb, "MLSD") == 0)
			return -ENOTDIR; /* RFC 3659 7.1: MLSD names a directory */
		one(&b, n);
	} else if ((rc = sim_vfs_list(s->d->vfs, path, one, &b)) < 0) {
		return rc;
	}
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*text = (uint8_t *)b.p;
	*len = b.len;
	return 0;
}

int sim_ftpd_format_227(const struct sim_ftpd_sess *s, const struct ftp_endpoint *ep, char *buf,
		    size_t len)
{
	char f[32];
	int k = ftp_format_port(ep, f, sizeof(f));

	if (k < 0)
		return k;
	switch (s->d->cfg.pasv_fmt) {
	case SIM_FTPD_227_BARE:
		k = snprintf(buf, len, "Entering Passive Mode %.*s", k, f);
		break;
	case SIM_FTPD_227_EQUALS:
		k = snprintf(buf, len, "=%.*s", k, f);
		break;
	case SIM_FTPD_227_EXTRA:
		k = snprintf(buf, len, "Passive (%.*s) ok, 2 sessions left", k, f);
		break;
	case SIM_FTPD_227_PAREN:
	default:
		k = snprintf(buf, len, "Entering Passive Mode (%.*s).", k, f);
		break;
	}
	return k < 0 || (size_t)k >= len ? -ENOSPC : k;
}
