/* compare_write.c - report files written beside their target and renamed
 * over it, so a CI step never publishes half a JUnit or Markdown file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"

int rpt_compare_write_file(const char *path,
			   int (*fn)(FILE *f, const struct rpt_compare *c,
				     const struct rpt_compare_meta *m),
			   const struct rpt_compare *c, const struct rpt_compare_meta *m)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 8);
	FILE *f = NULL;
	mode_t mask;
	int fd = -1, rc = 0;

	if (!tmp) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", 8);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp makes 0600; give the report the mode a plain create would. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		rc = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (fn(f, c, m) != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = -EIO;
		goto out;
	}
	rc = fclose(f);
	f = NULL;
	if (rc != 0 || rename(tmp, path) != 0) {
		rc = -errno;
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}
