/* cli_progress.c - a one-line progress display on stderr for commands that
 * read large captures: drawn with '\r' in place, only on a terminal, at most
 * 4 times a second, so it costs nothing when output is redirected. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_progress.h"

#define CLI_PROGRESS_PERIOD_NS 250000000ULL

static uint64_t cli_progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void cli_progress_init(struct cli_progress *p, const char *what, const char *path, bool quiet)
{
	struct stat st;

	p->what = what;
	p->size = path && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	p->enabled = !quiet && isatty(2);
	p->shown = false;
	p->t0_ns = cli_progress_now();
	p->last_ns = 0; /* the first update draws at once */
}

static void cli_progress_draw(struct cli_progress *p, uint64_t now, uint64_t frames,
			      uint64_t bytes, uint64_t sessions, bool done)
{
	double s = (double)(now - p->t0_ns) / 1e9;
	double rate = s > 0 ? (double)bytes / s : 0.0;
	char eta[32] = "";

	if (done)
		bytes = p->size > bytes ? p->size : bytes;
	fprintf(stderr, "\r%s: %" PRIu64 " packets, %.1f MB", p->what, frames, (double)bytes / 1e6);
	if (p->size)
		fprintf(stderr, " of %.1f MB (%.0f%%)", (double)p->size / 1e6,
			bytes >= p->size ? 100.0 : 100.0 * (double)bytes / (double)p->size);
	if (sessions != UINT64_MAX)
		fprintf(stderr, ", %" PRIu64 " FTP sessions", sessions);
	if (!done && p->size > bytes && rate > 0)
		snprintf(eta, sizeof(eta), ", ETA %.0f s", (double)(p->size - bytes) / rate);
	fprintf(stderr, ", %.1f MB/s%s\033[K", rate / 1e6, done ? ", done" : eta);
	p->shown = true;
}

void cli_progress_update(struct cli_progress *p, uint64_t frames, uint64_t bytes,
			 uint64_t sessions)
{
	uint64_t now;

	if (!p->enabled)
		return;
	now = cli_progress_now();
	if (p->last_ns && now - p->last_ns < CLI_PROGRESS_PERIOD_NS)
		return;
	p->last_ns = now;
	cli_progress_draw(p, now, frames, bytes, sessions, false);
}

void cli_progress_end(struct cli_progress *p, uint64_t frames, uint64_t bytes, uint64_t sessions)
{
	if (!p->enabled || !p->shown)
		return;
	cli_progress_draw(p, cli_progress_now(), frames, bytes, sessions, true);
	fputc('\n', stderr);
}
