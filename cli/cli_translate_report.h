/* cli_translate_report.h - what `gatelab translate` tells after a run: the
 * text summary, warnings, and the gatelab.translate/1 JSON. */
#ifndef GATELAB_CLI_TRANSLATE_REPORT_H
#define GATELAB_CLI_TRANSLATE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "../replay/rep_translate.h"

struct cli_translate_args {
	const char *in, *out, *json;
	bool quiet;
};

/* Warnings (stderr) when the capture had nothing to translate. */
void cli_translate_warn(const struct rep_translate_opts *o, const struct rep_translate_result *r,
			const struct cli_translate_args *a);
void cli_translate_summary(FILE *f, const struct rep_translate_opts *o,
			   const struct rep_translate_result *r,
			   const struct cli_translate_args *a);
/* Writes the JSON via a temporary file and rename. 0 or -errno (reported). */
int cli_translate_json(const char *path, const struct rep_translate_opts *o,
		       const struct rep_translate_result *r, const struct cli_translate_args *a);

#endif
