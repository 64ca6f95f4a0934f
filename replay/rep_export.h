/* rep_export.h - what `gatelab replay` extracted, written out: the "capture"
 * object of its gatelab.metrics/1 JSON, and a scenario file (docs/SCENARIOS.md)
 * a user can edit and give to `gatelab run`. */
#ifndef GATELAB_REP_EXPORT_H
#define GATELAB_REP_EXPORT_H

#include <stdio.h>

#include <jansson.h>

#include "../scen/scen.h"
#include "rep_extract.h"
#include "rep_reenact.h"

/* The "capture" object (docs/REPLAY.md). NULL on ENOMEM. */
json_t *rep_capture_to_json(const struct rep_capture *c, const char *file);

/* Writes sc as scenario YAML (hosts, files and directories, sessions with
 * their expected codes, modes). Returns 0 or -EIO. */
int rep_export_scenario(const struct scen *sc, FILE *out);

/* Writes the plan's scenario with, after each session's commands, the
 * captured commands it leaves out as comments saying why. Returns 0, -E2BIG
 * when the capture exceeds a limit of the scenario format (err names it;
 * nothing written), -EIO. */
int rep_export_plan(const struct rep_plan *p, FILE *out, char *err, size_t errlen);

#endif
