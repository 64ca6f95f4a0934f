/* cli_progress.h - the progress line long commands (replay, translate) show
 * on stderr when it is a terminal: packets and bytes read, sessions found,
 * rate and an ETA from the file's size, refreshed at most 4 times a second. */
#ifndef GATELAB_CLI_PROGRESS_H
#define GATELAB_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct cli_progress {
	const char *what;        /* "replay", "translate": the line's prefix */
	uint64_t size;           /* the input file's size, 0 unknown */
	uint64_t t0_ns, last_ns; /* CLOCK_MONOTONIC: start, last line drawn */
	bool enabled;            /* stderr is a terminal and not quiet */
	bool shown;              /* a line was drawn: end it with a newline */
};

/* Enabled only when stderr is a terminal and quiet is false; path's size
 * gives the percentage and ETA. */
void cli_progress_init(struct cli_progress *p, const char *what, const char *path, bool quiet);
/* Redraws the line if the last one is more than 250 ms old; sessions may be
 * UINT64_MAX (not counted by this command). */
void cli_progress_update(struct cli_progress *p, uint64_t frames, uint64_t bytes,
			 uint64_t sessions);
/* The final line (100%) and its newline, if a line was shown. */
void cli_progress_end(struct cli_progress *p, uint64_t frames, uint64_t bytes, uint64_t sessions);

#endif
