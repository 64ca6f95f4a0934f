/* render_report.c - `--report DIR` / `gatelab report`: every output of a
 * report, in dependency order (the SVGs before the page that inlines them),
 * into a temp directory that replaces DIR only when all of it succeeded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "report_walk.h"

void rpt_path_file(const char *mode, char *buf, size_t cap)
{
	size_t n = 0;

	if (cap < 16)
		return;
	n = (size_t)snprintf(buf, cap, "path-");
	for (; *mode && n + 5 < cap; mode++)
		buf[n++] = (*mode >= 'a' && *mode <= 'z') || (*mode >= 'A' && *mode <= 'Z') ||
			   (*mode >= '0' && *mode <= '9') || *mode == '-' || *mode == '_' ?
			   *mode : '_';
	memcpy(buf + n, ".svg", 5);
}

/* Writes name through name.part + rename. */
static int rpt_emit(const struct rpt_dir *d, const char *name, int (*fn)(const void *, FILE *),
		    const void *what)
{
	FILE *f = rpt_dir_open(d, name);
	int rc, rc2;

	if (!f)
		return -errno;
	rc = fn(what, f);
	rc2 = rpt_dir_close(d, name, f);
	return rc ? rc : rc2;
}

struct rpt_md_job {
	const struct rpt_metrics *m;
	const json_t *replay;
};

static int rpt_w_csv(const void *m, FILE *f) { return rpt_render_csv(m, f); }
static int rpt_w_walk(const void *w, FILE *f) { return rpt_walk_html(w, f); }
static int rpt_w_md(const void *j, FILE *f)
{
	const struct rpt_md_job *mj = j;

	return rpt_render_md_doc(mj->m, mj->replay, f);
}
static int rpt_w_topo(const void *m, FILE *f) { return rpt_render_topo_dot(m, f); }
static int rpt_w_path(const void *mm, FILE *f) { return rpt_render_path_dot(mm, f); }
static int rpt_w_trace_md(const void *t, FILE *f) { return rpt_trace_md(t, f); }
static int rpt_w_trace_svg(const void *t, FILE *f) { return rpt_trace_svg(t, f); }

struct rpt_plot_job {
	const struct rpt_metrics *m;
	enum rpt_plot p;
};

static int rpt_w_plot(const void *j, FILE *f)
{
	const struct rpt_plot_job *pj = j;

	return rpt_render_plot(pj->m, pj->p, f);
}

/* src (already in d) through the tool into out.svg, renamed when complete. */
static int rpt_tool(const struct rpt_dir *d, const char *tool, const char *src, const char *out,
		    char *err, size_t errlen)
{
	char in[4096], part[4096], fin[4096];
	char *argv_dot[] = {"dot", "-Tsvg", NULL};
	char *argv_gp[] = {"gnuplot", NULL};
	int rc;

	if (rpt_dir_path(d, src, in, sizeof(in)) || rpt_dir_path(d, out, fin, sizeof(fin)) ||
	    rpt_dir_path(d, out, part, sizeof(part) - 8))
		return -ENAMETOOLONG;
	strcat(part, ".part");
	rc = rpt_run_tool(strcmp(tool, "dot") == 0 ? argv_dot : argv_gp, in, part, err, errlen);
	if (rc == 0 && rename(part, fin) != 0)
		rc = -errno;
	if (rc)
		remove(part);
	return rc;
}

static int rpt_figures(const struct rpt_metrics *m, const struct rpt_dir *d, char *err,
		       size_t errlen)
{
	char src[128], out[128];
	int rc;

	rc = rpt_emit(d, "topology.dot", rpt_w_topo, m);
	rc = rc ? rc : rpt_tool(d, "dot", "topology.dot", "topology.svg", err, errlen);
	for (size_t i = 0; rc == 0 && i < m->n_modes && i < RPT_MAX_MODES; i++) {
		rpt_path_file(m->modes[i].mode, out, sizeof(out));
		memcpy(src, out, strlen(out) - 4);
		memcpy(src + strlen(out) - 4, ".dot", 5);
		rc = rpt_emit(d, src, rpt_w_path, &m->modes[i]);
		rc = rc ? rc : rpt_tool(d, "dot", src, out, err, errlen);
	}
	for (int p = 0; rc == 0 && p < RPT_PLOT__COUNT; p++) {
		struct rpt_plot_job j = {m, (enum rpt_plot)p};

		if (!rpt_plot_wanted(m, j.p))
			continue;
		snprintf(src, sizeof(src), "%s.gp", rpt_plot_name(j.p));
		snprintf(out, sizeof(out), "%s.svg", rpt_plot_name(j.p));
		rc = rpt_emit(d, src, rpt_w_plot, &j);
		rc = rc ? rc : rpt_tool(d, "gnuplot", src, out, err, errlen);
	}
	return rc;
}

static int rpt_report(const struct rpt_metrics *m, const struct rpt_trace *trace,
		      const struct rpt_walk *walk, const json_t *replay, const char *dir, char *err,
		      size_t errlen)
{
	struct rpt_dir d = {{0}, {0}};
	struct rpt_md_job mj = {m, replay};
	char p[4096];
	FILE *f;
	int rc;

	err[0] = '\0';
	rc = rpt_dir_begin(&d, dir);
	if (rc) {
		snprintf(err, errlen, "%s: cannot create a directory beside it: %s", dir,
			 strerror(-rc));
		return rc;
	}
	rc = rpt_dir_path(&d, "metrics.json", p, sizeof(p));
	rc = rc ? rc : rpt_metrics_write(m, p);
	rc = rc ? rc : rpt_emit(&d, "metrics.csv", rpt_w_csv, m);
	rc = rc ? rc : rpt_emit(&d, "report.md", rpt_w_md, &mj);
	if (rc == 0 && replay) {
		rc = rpt_dir_path(&d, "replay.json", p, sizeof(p));
		if (rc == 0 && json_dump_file(replay, p, JSON_INDENT(1)) != 0) {
			snprintf(err, errlen, "%s: cannot write replay.json", dir);
			rc = -EIO;
		}
	}
	rc = rc ? rc : rpt_figures(m, &d, err, errlen);
	if (rc == 0 && trace) {
		rc = rpt_emit(&d, "trace.md", rpt_w_trace_md, trace);
		rc = rc ? rc : rpt_emit(&d, "trace.svg", rpt_w_trace_svg, trace);
	}
	if (rc == 0 && walk)
		rc = rpt_emit(&d, "walkthrough.html", rpt_w_walk, walk);
	if (rc == 0) {
		f = rpt_dir_open(&d, "index.html");
		if (!f) {
			rc = -errno;
		} else {
			rc = rpt_render_html_doc(m, trace, replay, &d, f);
			int rc2 = rpt_dir_close(&d, "index.html", f);

			rc = rc ? rc : rc2;
		}
	}
	if (rc == 0) {
		rc = rpt_dir_commit(&d);
		if (rc)
			snprintf(err, errlen, "%s: %s%s", dir, strerror(-rc),
				 rc == -ENOTEMPTY ? " (not an earlier report: not replaced)" : "");
	}
	if (rc) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		rpt_dir_abort(&d);
	}
	return rc;
}

int rpt_render_report(const struct rpt_metrics *m, const struct rpt_trace *trace,
		      const char *dir, char *err, size_t errlen)
{
	return rpt_report(m, trace, NULL, NULL, dir, err, errlen);
}

int rpt_render_report_walk(const struct rpt_metrics *m, const struct rpt_trace *trace,
			   const struct rpt_walk *walk, const char *dir, char *err, size_t errlen)
{
	return rpt_report(m, trace, walk, NULL, dir, err, errlen);
}

int rpt_render_replay_report(const struct rpt_metrics *m, const json_t *replay,
			     const char *dir, char *err, size_t errlen)
{
	return rpt_report(m, NULL, NULL, replay, dir, err, errlen);
}
