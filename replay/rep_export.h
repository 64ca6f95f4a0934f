/* rep_export.h - what `gatelab replay` extracted, written out: the "capture"
 * object of its gatelab.metrics/1 JSON, and a scenario file (docs/SCENARIOS.md)
 * a user can edit and give to `gatelab run`. */
#ifndef GATELAB_REP_EXPORT_H
#define GATELAB_REP_EXPORT_H

#include <stdio.h>

#include <jansson.h>

#include "../scen/scen.h"
#include "rep_extract.h"

/* The "capture" object (docs/REPLAY.md). NULL on ENOMEM. */
json_t *rep_capture_to_json(const struct rep_capture *c, const char *file);

/* Writes sc as scenario YAML (hosts, files, sessions, modes). Returns 0 or
 * -EIO. */
int rep_export_scenario(const struct scen *sc, FILE *out);

#endif
