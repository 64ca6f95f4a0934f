/* cli_walk.c - the walk-through for `gatelab run`: runs the chosen session
 * alone in each mode with the recorder (sim/sim_walk.h), then writes the
 * page through a temp file renamed into place. */
#include "cli_walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/sim_walk.h"

int cli_walk_session(const char *arg, unsigned *out)
{
	char *end = NULL;
	unsigned long v;

	if (arg[0] < '0' || arg[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v == 0 || v > SCEN_MAX_SESSIONS)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int cli_walk_page(const struct rpt_walk *w, const char *dir, char *err, size_t errlen)
{
	char path[4096], part[4112];
	FILE *f;
	int rc;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return rc;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/walkthrough.html", dir) >= sizeof(path)) {
		snprintf(err, errlen, "%s: name too long", dir);
		return -ENAMETOOLONG;
	}
	snprintf(part, sizeof(part), "%s.part", path);
	if (!(f = fopen(part, "w"))) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", part, strerror(errno));
		return rc;
	}
	rc = rpt_walk_html(w, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(part, path) != 0)
		rc = -errno;
	if (rc) {
		unlink(part);
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	return rc;
}

int cli_walk_make(const struct scen *sc, const struct sim_run_opts *o, unsigned session,
		  const char *dir, const char *pcap_dir, struct rpt_walk *w, char *err,
		  size_t errlen)
{
	int rc = sim_walk_run(sc, session, o, pcap_dir, w, err, errlen);

	if (rc)
		return rc;
	return dir ? cli_walk_page(w, dir, err, errlen) : 0;
}
