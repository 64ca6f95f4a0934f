/* sim_calib.c - the arithmetic of calibration (median, spread, least-squares
 * fit), the profile it yields, and its JSON file written atomically. No clock
 * here: the measured numbers come in from cli/cli_calibrate.c. */
#include "sim_calib.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int sim_calib_stat(const double *v, size_t n, struct sim_calib_stat *out)
{
	double s[SIM_CALIB_MAX_REPS];

	if (!v || !out || n == 0 || n > SIM_CALIB_MAX_REPS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return -EINVAL;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	out->spread = out->median > 0 ? (out->max - out->min) / out->median : 0;
	return 0;
}

int sim_calib_fit(const double *x, const double *y, size_t n, double *intercept, double *slope)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;

	if (!x || !y || !intercept || !slope || n < 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	/* Centred sums: no cancellation when x is large (64 KiB sizes). */
	for (size_t i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (!(sxx > 0) || !isfinite(sxy))
		return -EINVAL;
	*slope = sxy / sxx;
	*intercept = my - *slope * mx;
	return 0;
}

static uint64_t to_u64(double d)
{
	return d > 0 && isfinite(d) ? (uint64_t)llround(d) : 0;
}

void sim_calib_profile(const struct sim_calib_result *r, struct sim_cost_profile *out)
{
	sim_cost_default(out);
	snprintf(out->name, sizeof(out->name), "calibrated");
	if (r->fit_call_ns >= 1)
		out->per_transition_ns = to_u64(r->fit_call_ns);
	else if (r->syscall_ns.median >= 1)
		out->per_transition_ns = to_u64(r->syscall_ns.median);
	if (r->fit_byte_ns > 0)
		out->per_byte_ps = to_u64(r->fit_byte_ns * 1000);
	else if (r->memcpy_byte_ns.median > 0)
		out->per_byte_ps = to_u64(r->memcpy_byte_ns.median * 1000);
	if (out->per_byte_ps == 0)
		out->per_byte_ps = 1; /* below a picosecond: keep it visible */
	if (r->packet_ok && r->pkt_forward_ns.median - r->pkt_local_ns.median >= 1)
		out->per_packet_ns = to_u64(r->pkt_forward_ns.median - r->pkt_local_ns.median);
}

static json_t *stat_json(const struct sim_calib_stat *s)
{
	return json_pack("{s:f, s:f, s:f, s:f, s:I}", "median", s->median, "min", s->min, "max",
			 s->max, "spread", s->spread, "n", (json_int_t)s->n);
}

/* json_object_set_new and json_array_append_new take the reference even on
 * failure, so a NULL value only makes the whole build fail at the end. */
static int put(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

char *sim_calib_json(const struct sim_calib_result *r)
{
	struct sim_cost_profile p;
	json_t *root = json_object(), *meas = json_object(), *rw = json_array();
	char *text = NULL;
	int bad = !root || !meas || !rw;

	sim_calib_profile(r, &p);
	for (size_t i = 0; !bad && i < r->n_sizes && i < SIM_CALIB_MAX_SIZES; i++) {
		json_t *e = json_pack("{s:I, s:o}", "bytes", (json_int_t)r->rw_size[i], "ns",
				      stat_json(&r->rw_ns[i]));

		bad |= !e || json_array_append_new(rw, e) < 0;
	}
	if (bad)
		goto out;
	bad |= put(root, "name", json_string(p.name)) < 0;
	bad |= put(root, "per_packet_ns", json_integer((json_int_t)p.per_packet_ns)) < 0;
	bad |= put(root, "per_transition_ns", json_integer((json_int_t)p.per_transition_ns)) < 0;
	bad |= put(root, "per_byte_ns", json_real((double)p.per_byte_ps / 1000)) < 0;
	bad |= put(root, "per_api_call_ns", json_integer((json_int_t)p.per_api_call_ns)) < 0;
	bad |= put(meas, "syscall_ns", stat_json(&r->syscall_ns)) < 0;
	bad |= json_object_set(meas, "socketpair_rw", rw) < 0;
	bad |= put(meas, "fit_call_ns", json_real(r->fit_call_ns)) < 0;
	bad |= put(meas, "fit_byte_ns", json_real(r->fit_byte_ns)) < 0;
	bad |= put(meas, "memcpy_byte_ns", stat_json(&r->memcpy_byte_ns)) < 0;
	bad |= put(meas, "packet_measured", json_boolean(r->packet_ok)) < 0;
	if (r->packet_ok) {
		bad |= put(meas, "packet_local_ns", stat_json(&r->pkt_local_ns)) < 0;
		bad |= put(meas, "packet_forward_ns", stat_json(&r->pkt_forward_ns)) < 0;
		bad |= put(meas, "packet_nat", json_boolean(r->packet_nat)) < 0;
	}
	bad |= put(meas, "packet_note", json_string(r->packet_note)) < 0;
	bad |= put(meas, "api_call", json_string("not measured: default kept")) < 0;
	bad |= json_object_set(root, "measurements", meas) < 0;
	if (!bad)
		text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
out:
	json_decref(rw);
	json_decref(meas);
	json_decref(root);
	return text;
}

int sim_calib_write_json(const char *path, const struct sim_calib_result *r)
{
	char tmp[4096];
	char *text = NULL;
	FILE *f = NULL;
	int rc = 0;

	if (!path || !r || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -EINVAL;
	text = sim_calib_json(r);
	if (!text)
		return -ENOMEM;
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		goto out;
	}
	if (fputs(text, f) < 0 || fputc('\n', f) == EOF)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc < 0)
		remove(tmp);
out:
	free(text);
	return rc;
}
