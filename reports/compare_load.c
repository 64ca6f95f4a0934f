/* compare_load.c - reads one metrics document for compare, strictly: the
 * whole file is one JSON value (trailing data and duplicate keys are errors),
 * and a failure names the file, line and column. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"

int rpt_compare_load(const char *path, json_t **doc, char *err, size_t errlen)
{
	json_error_t je;
	FILE *f;
	int rc = 0;

	*doc = NULL;
	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	*doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(EIO));
		goto out;
	}
	if (!*doc) {
		/* jansson quotes the offending token: keep file bytes off the terminal. */
		for (char *p = je.text; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		rc = -EINVAL;
		snprintf(err, errlen, "%s: line %d, column %d: malformed JSON: %s", path, je.line,
			 je.column, je.text);
	}
out:
	if (f)
		fclose(f);
	if (rc && *doc) {
		json_decref(*doc);
		*doc = NULL;
	}
	return rc;
}
