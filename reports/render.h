/* render.h - a run's report from its metrics alone (struct rpt_metrics):
 * escaping, CSV, Markdown, Graphviz and gnuplot sources, the helpers that
 * run dot/gnuplot, and the directory written all at once (docs/REPORTS.md). */
#ifndef GATELAB_RPT_RENDER_H
#define GATELAB_RPT_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "metrics.h"
#include "report_trace.h"

/* s with & < > " ' as entities into out (always terminated when cap > 0).
 * Returns the length the full escape needs (>= cap: truncated). */
size_t rpt_html_escape(const char *s, char *out, size_t cap);
void rpt_html_puts(FILE *f, const char *s);
/* One CSV field (RFC 4180): quoted when it holds , " CR or LF. */
void rpt_csv_field(FILE *f, const char *s);
/* A Graphviz double-quoted string body: " and \ escaped, newlines dropped. */
void rpt_dot_puts(FILE *f, const char *s);

/* The bytes every transfer of a mode moved (the plots' per-MB base). */
uint64_t rpt_mode_bytes(const struct rpt_mode_metrics *mm);

/* metrics.csv: a header row, then one row per mode with the contract fields. */
int rpt_render_csv(const struct rpt_metrics *m, FILE *f);
/* report.md: the summary table and what each column means. */
int rpt_render_md(const struct rpt_metrics *m, FILE *f);
/* The same, titled and opened by a replay's capture and sessions when replay
 * (the `gatelab replay` JSON document, docs/REPLAY.md) is not NULL. */
int rpt_render_md_doc(const struct rpt_metrics *m, const json_t *replay, FILE *f);

/* render_replay.c: the replay document's capture and its sessions with the
 * verdict per mode (the outcome name the JSON carries) and why. */
const char *rpt_replay_file(const json_t *replay);
int rpt_replay_html(const json_t *replay, FILE *f);
int rpt_replay_md(const json_t *replay, FILE *f);
/* The live measurements (gatelab live: wall time, softirq CPU, context
 * switches, syscalls by name, where each figure comes from) as a Markdown or
 * HTML section; nothing when no mode has them (simulator runs). */
void rpt_render_live_md(const struct rpt_metrics *m, FILE *f);
void rpt_render_live_html(const struct rpt_metrics *m, FILE *f);
/* Graphviz sources: the topology, and the path data takes in one mode. */
int rpt_render_topo_dot(const struct rpt_metrics *m, FILE *f);
int rpt_render_path_dot(const struct rpt_mode_metrics *mm, FILE *f);

/* The plots, one gnuplot script each (svg terminal, data inline). */
enum rpt_plot { RPT_PLOT_TRANSITIONS, RPT_PLOT_COPIED, RPT_PLOT_THROUGHPUT, RPT_PLOT_CPU,
		RPT_PLOT_SIZE, RPT_PLOT__COUNT };
const char *rpt_plot_name(enum rpt_plot p); /* file stem: "plot-transitions" */
const char *rpt_plot_title(enum rpt_plot p);
/* RPT_PLOT_SIZE only makes sense when transfers of different sizes ran. */
bool rpt_plot_wanted(const struct rpt_metrics *m, enum rpt_plot p);
int rpt_render_plot(const struct rpt_metrics *m, enum rpt_plot p, FILE *f);

/* Runs argv[0] (looked up in PATH, no shell) with stdin from in_path and
 * stdout to out_path. Returns 0, -ENOENT (tool missing) or -EIO (it failed),
 * err says which. */
int rpt_run_tool(char *const argv[], const char *in_path, const char *out_path, char *err,
		 size_t errlen);

/* The report directory, built in a sibling temp dir and moved into place
 * at commit: a reader sees the old directory or the complete new one. */
struct rpt_dir {
	char final[2048];
	char tmp[2048];
};
int rpt_dir_begin(struct rpt_dir *d, const char *path);
/* tmp/name in buf. Returns 0 or -ENAMETOOLONG. */
int rpt_dir_path(const struct rpt_dir *d, const char *name, char *buf, size_t cap);
/* Opens tmp/name.part for writing; rpt_dir_close renames it to name. */
FILE *rpt_dir_open(const struct rpt_dir *d, const char *name);
int rpt_dir_close(const struct rpt_dir *d, const char *name, FILE *f);
int rpt_dir_commit(struct rpt_dir *d);
void rpt_dir_abort(struct rpt_dir *d);

/* "path-MODE.svg", the mode reduced to [A-Za-z0-9_-] (it comes through the JSON). */
void rpt_path_file(const char *mode, char *buf, size_t cap);
/* Appends the file's SVG to f without its XML prolog / DOCTYPE. */
int rpt_inline_svg(FILE *f, const char *path);
/* index.html from the files already in d (topology.svg, path-MODE.svg,
 * plots, trace.svg when trace). */
int rpt_render_html(const struct rpt_metrics *m, const struct rpt_trace *trace,
		    const struct rpt_dir *d, FILE *f);
/* The same with a replay's capture and sessions (replay may be NULL). */
int rpt_render_html_doc(const struct rpt_metrics *m, const struct rpt_trace *trace,
			const json_t *replay, const struct rpt_dir *d, FILE *f);

/* Everything: DIR/index.html, report.md, metrics.json, metrics.csv,
 * topology.svg, path-MODE.svg, plot-*.svg (+ trace.md, trace.svg when trace
 * is not NULL). Returns 0, -ENOENT (dot/gnuplot missing), -errno; err filled. */
int rpt_render_report(const struct rpt_metrics *m, const struct rpt_trace *trace,
		      const char *dir, char *err, size_t errlen);
/* A replay's report: the same files, titled by the capture, with its sessions
 * and verdicts first, and replay (the whole document) as DIR/replay.json. */
int rpt_render_replay_report(const struct rpt_metrics *m, const json_t *replay,
			     const char *dir, char *err, size_t errlen);
/* The same with a session's walk-through (NULL: none) as walkthrough.html,
 * which index.html then links (report_walk.h). */
struct rpt_walk;
int rpt_render_report_walk(const struct rpt_metrics *m, const struct rpt_trace *trace,
			   const struct rpt_walk *walk, const char *dir, char *err, size_t errlen);

#endif
