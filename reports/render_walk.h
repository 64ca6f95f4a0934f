/* render_walk.h - the walk-through page's parts: the JSON its script reads
 * (render_walk_json.c) and the page itself (render_walk.c). */
#ifndef GATELAB_RENDER_WALK_H
#define GATELAB_RENDER_WALK_H

#include "report_walk.h"

/* The walk as compact ASCII JSON (malloc'd, free()), NULL on out of memory. */
char *rpt_walk_json(const struct rpt_walk *w);

#endif
