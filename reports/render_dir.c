/* render_dir.c - the report directory appears complete or not at all: files
 * are written to NAME.part and renamed inside a sibling temp directory,
 * which replaces the target in one rename (an exchange if it exists). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "render.h"

static int rpt_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p) == 0 ? 0 : -1;
}

static void rpt_rm_tree(const char *path)
{
	nftw(path, rpt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int rpt_dir_begin(struct rpt_dir *d, const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(d->final) - 16)
		return -ENAMETOOLONG;
	memcpy(d->final, path, n);
	d->final[n] = '\0';
	memcpy(d->tmp, d->final, n);
	memcpy(d->tmp + n, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	if (!mkdtemp(d->tmp)) {
		d->tmp[0] = '\0';
		return -errno;
	}
	return 0;
}

int rpt_dir_path(const struct rpt_dir *d, const char *name, char *buf, size_t cap)
{
	int k = snprintf(buf, cap, "%s/%s", d->tmp, name);

	return k < 0 || (size_t)k >= cap ? -ENAMETOOLONG : 0;
}

FILE *rpt_dir_open(const struct rpt_dir *d, const char *name)
{
	char p[4096];

	if (rpt_dir_path(d, name, p, sizeof(p) - 8))
		return NULL;
	strcat(p, ".part");
	return fopen(p, "w");
}

int rpt_dir_close(const struct rpt_dir *d, const char *name, FILE *f)
{
	char from[4096], to[4096];
	int rc = ferror(f) ? -EIO : 0;

	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rpt_dir_path(d, name, to, sizeof(to)) || rpt_dir_path(d, name, from, sizeof(from) - 8))
		return -ENAMETOOLONG;
	strcat(from, ".part");
	if (rc == 0 && rename(from, to) != 0)
		rc = -errno;
	if (rc)
		remove(from);
	return rc;
}

/* Only an empty directory or an earlier report may be replaced: a typo in
 * --report must not wipe someone's home directory. */
static int rpt_dir_replaceable(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int files = 0, ours = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		files++;
		if (strcmp(e->d_name, "report.md") == 0 || strcmp(e->d_name, "metrics.json") == 0)
			ours++;
	}
	closedir(dir);
	return files == 0 || ours == 2 ? 0 : -ENOTEMPTY;
}

int rpt_dir_commit(struct rpt_dir *d)
{
	struct stat st;
	int rc;

	if (lstat(d->final, &st) != 0) {
		if (errno != ENOENT)
			return -errno;
		if (rename(d->tmp, d->final) != 0)
			return -errno;
		d->tmp[0] = '\0';
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	rc = rpt_dir_replaceable(d->final);
	if (rc)
		return rc;
	if (renameat2(AT_FDCWD, d->tmp, AT_FDCWD, d->final, RENAME_EXCHANGE) != 0) {
		char old[sizeof(d->tmp) + 8];

		/* No exchange on this file system: two renames, the old report
		 * moved aside first (a reader may find DIR missing for a moment). */
		if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -errno;
		snprintf(old, sizeof(old), "%s.old", d->tmp);
		if (rename(d->final, old) != 0)
			return -errno;
		if (rename(d->tmp, d->final) != 0) {
			rc = -errno;
			rename(old, d->final);
			return rc;
		}
		rpt_rm_tree(old);
		d->tmp[0] = '\0';
		return 0;
	}
	rpt_rm_tree(d->tmp); /* now the old report */
	d->tmp[0] = '\0';
	return 0;
}

void rpt_dir_abort(struct rpt_dir *d)
{
	if (d->tmp[0])
		rpt_rm_tree(d->tmp);
	d->tmp[0] = '\0';
}
