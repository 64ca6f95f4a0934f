/* render_plot.c - gnuplot scripts for the report's plots: one bar per mode
 * for the costs the lab compares, and throughput against transfer size when
 * the run moved files of different sizes. Data is inline: no temp files. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "render.h"

static const char *const rpt_plot_names[RPT_PLOT__COUNT] = {
	"plot-transitions", "plot-copied", "plot-throughput", "plot-cpu", "plot-size",
};
static const char *const rpt_plot_titles[RPT_PLOT__COUNT] = {
	"User/kernel transitions per MB transferred",
	"Bytes copied across the user/kernel boundary",
	"Throughput (Mbit/s)",
	"Gateway CPU (seconds)",
	"Throughput against transfer size",
};

const char *rpt_plot_name(enum rpt_plot p)
{
	return p < RPT_PLOT__COUNT ? rpt_plot_names[p] : "plot";
}

const char *rpt_plot_title(enum rpt_plot p)
{
	return p < RPT_PLOT__COUNT ? rpt_plot_titles[p] : "";
}

/* Different sizes among the transfers of any mode. */
bool rpt_plot_wanted(const struct rpt_metrics *m, enum rpt_plot p)
{
	if (p != RPT_PLOT_SIZE)
		return p < RPT_PLOT__COUNT;
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		for (size_t k = 1; k < x->n_xfers && k < RPT_MAX_XFERS; k++)
			if (x->xfers[k].bytes != x->xfers[0].bytes)
				return true;
	}
	return false;
}

static double rpt_plot_value(const struct rpt_mode_metrics *x, enum rpt_plot p)
{
	uint64_t b = rpt_mode_bytes(x);

	switch (p) {
	case RPT_PLOT_TRANSITIONS:
		return b ? (double)x->transitions * 1e6 / (double)b : 0.0;
	case RPT_PLOT_COPIED:
		return (double)x->bytes_copied;
	case RPT_PLOT_THROUGHPUT:
		return x->throughput_bps / 1e6;
	case RPT_PLOT_CPU:
		return x->gateway_cpu_s;
	case RPT_PLOT_SIZE:
	case RPT_PLOT__COUNT:
		break;
	}
	return 0.0;
}

static void rpt_plot_head(FILE *f, enum rpt_plot p)
{
	fputs("set terminal svg size 560,340 font \"Helvetica,11\" background rgb \"white\"\n"
	      "set encoding utf8\nunset key\nset grid ytics\nset border 3\n"
	      "set xtics nomirror\nset ytics nomirror\n", f);
	fprintf(f, "set title \"%s\"\n", rpt_plot_title(p));
}

/* Mode names are ours ("direct"...) but come through the JSON: keep only
 * characters that need no quoting inside a gnuplot string. */
static void rpt_plot_label(FILE *f, const char *s, bool quoted)
{
	if (quoted)
		fputc('"', f);
	if (!*s)
		fputc('_', f); /* an empty column would shift the data */
	for (; *s; s++)
		fputc((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ? *s : '_', f);
	if (quoted)
		fputc('"', f);
}

static void rpt_plot_bars(const struct rpt_metrics *m, enum rpt_plot p, FILE *f)
{
	fputs("set style fill solid 0.85 border -1\nset boxwidth 0.6\nset yrange [0:*]\n"
	      "set format y \"%.3g\"\n$d << EOD\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		fprintf(f, "%zu ", i);
		rpt_plot_label(f, m->modes[i].mode, false);
		fprintf(f, " %.17g\n", rpt_plot_value(&m->modes[i], p));
	}
	fputs("EOD\nplot $d using 1:3:($1+1):xtic(2) with boxes lc variable, "
	      "$d using 1:3:(sprintf(\"%.3g\",$3)) with labels offset 0,0.8\n", f);
}

static void rpt_plot_size(const struct rpt_metrics *m, FILE *f)
{
	fputs("set key top left\nset logscale x 10\nset xlabel \"transfer size (bytes)\"\n"
	      "set ylabel \"Mbit/s\"\nset yrange [0:*]\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		fprintf(f, "$m%zu << EOD\n", i);
		for (size_t k = 0; k < x->n_xfers && k < RPT_MAX_XFERS; k++)
			if (x->xfers[k].bytes)
				fprintf(f, "%" PRIu64 " %.17g\n", x->xfers[k].bytes,
					x->xfers[k].throughput_bps / 1e6);
		fputs("EOD\n", f);
	}
	fputs("plot", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		fprintf(f, "%s $m%zu using 1:2 with points pt 7 ps 0.8 title ", i ? "," : "", i);
		rpt_plot_label(f, m->modes[i].mode, true);
	}
	fputc('\n', f);
}

int rpt_render_plot(const struct rpt_metrics *m, enum rpt_plot p, FILE *f)
{
	if (p >= RPT_PLOT__COUNT || m->n_modes == 0)
		return -EINVAL;
	rpt_plot_head(f, p);
	if (p == RPT_PLOT_SIZE)
		rpt_plot_size(m, f);
	else
		rpt_plot_bars(m, p, f);
	return ferror(f) ? -EIO : 0;
}
