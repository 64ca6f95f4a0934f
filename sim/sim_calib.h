/* sim_calib.h - turning `gatelab calibrate`'s repeated measurements into a
 * cost profile: medians and spreads, the least-squares fit of per-call cost
 * against size (per transition + per byte), and the profile JSON file. Pure
 * arithmetic and file output; the timing itself lives in cli/cli_calibrate*.c. */
#ifndef GATELAB_SIM_CALIB_H
#define GATELAB_SIM_CALIB_H

#include <stdbool.h>
#include <stddef.h>

#include "sim_cost.h"

#define SIM_CALIB_MAX_REPS 64
#define SIM_CALIB_MAX_SIZES 8

/* Summary of n repeated measurements of one figure. */
struct sim_calib_stat {
	double median, min, max;
	double spread;  /* (max - min) / median: 0.1 = the repeats varied by 10% */
	size_t n;
};

/* Median, extremes and spread of v[0..n) (n in 1..SIM_CALIB_MAX_REPS; v is
 * not modified). Returns 0 or -EINVAL. */
int sim_calib_stat(const double *v, size_t n, struct sim_calib_stat *out);

/* Least-squares line y = intercept + slope * x through n points (n >= 2,
 * x not all equal). Returns 0 or -EINVAL. */
int sim_calib_fit(const double *x, const double *y, size_t n, double *intercept, double *slope);

/* Everything one calibration measured. A figure with ok == false was not
 * measured (note says why) and the profile keeps the default for it. */
struct sim_calib_result {
	struct sim_calib_stat syscall_ns;          /* getppid round trip */
	size_t n_sizes;
	size_t rw_size[SIM_CALIB_MAX_SIZES];       /* socketpair write+read sizes */
	struct sim_calib_stat rw_ns[SIM_CALIB_MAX_SIZES]; /* per call (one write or one read) */
	double fit_call_ns, fit_byte_ns;           /* the line through the medians */
	struct sim_calib_stat memcpy_byte_ns;      /* memcpy cost per byte */
	bool packet_ok;
	struct sim_calib_stat pkt_local_ns;        /* UDP send to the router itself */
	struct sim_calib_stat pkt_forward_ns;      /* UDP send through the router */
	bool packet_nat;                           /* the router masqueraded (nft) */
	char packet_note[160];
};

/* The profile a calibration gives: transition = the fit's per-call cost
 * (the syscall median if the fit is not positive), per byte = the fit's slope
 * (memcpy's if not positive), per packet = forward minus local send (the
 * default if not measured), API call = the default (not measured). */
void sim_calib_profile(const struct sim_calib_result *r, struct sim_cost_profile *out);

/* Writes the profile and the measurements as JSON to path (path.tmp, then
 * renamed), loadable by sim_cost_load. Returns 0 or a negative errno. */
int sim_calib_write_json(const char *path, const struct sim_calib_result *r);
/* The same JSON as a malloc'd string (caller frees), or NULL. */
char *sim_calib_json(const struct sim_calib_result *r);

#endif
