/* test_sim_gw_calib.c - calibration arithmetic on synthetic numbers: medians
 * and spreads, the per-call + per-byte fit, the profile derived (with its
 * fallbacks), and the JSON file read back by sim_cost_load. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/sim_calib.h"
#include "tu.h"

static void test_stat(void)
{
	const double odd[] = {5, 1, 4, 2, 3};
	const double even[] = {10, 40, 20, 30};
	double many[SIM_CALIB_MAX_REPS + 1];
	struct sim_calib_stat s;

	CU_ASSERT_FATAL(sim_calib_stat(odd, 5, &s) == 0);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 3, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.min, 1, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.spread, 4.0 / 3, 1e-12);
	CU_ASSERT_EQUAL(s.n, 5);
	CU_ASSERT_DOUBLE_EQUAL(odd[0], 5, 0); /* input not sorted in place */
	CU_ASSERT_FATAL(sim_calib_stat(even, 4, &s) == 0);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.spread, 30.0 / 25, 1e-12);
	for (size_t i = 0; i < SIM_CALIB_MAX_REPS + 1; i++)
		many[i] = (double)i;
	CU_ASSERT_EQUAL(sim_calib_stat(many, SIM_CALIB_MAX_REPS + 1, &s), -EINVAL);
	CU_ASSERT_EQUAL(sim_calib_stat(many, 0, &s), -EINVAL);
	many[0] = NAN;
	CU_ASSERT_EQUAL(sim_calib_stat(many, 3, &s), -EINVAL);
}

static void test_fit(void)
{
	const double x[] = {64, 1024, 4096, 16384, 65536};
	double y[5], a, b;
	const double same[] = {7, 7, 7};

	/* Exact line: 180 ns per call, 0.15 ns per byte. */
	for (int i = 0; i < 5; i++)
		y[i] = 180 + 0.15 * x[i];
	CU_ASSERT_FATAL(sim_calib_fit(x, y, 5, &a, &b) == 0);
	CU_ASSERT_DOUBLE_EQUAL(a, 180, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(b, 0.15, 1e-9);
	/* Noise that cancels around the mean: the line stays close. */
	for (int i = 0; i < 5; i++)
		y[i] = 180 + 0.15 * x[i] + (i % 2 ? 8.0 : -8.0) * (i == 4 ? 0 : 1);
	CU_ASSERT_FATAL(sim_calib_fit(x, y, 5, &a, &b) == 0);
	CU_ASSERT(fabs(b - 0.15) < 0.001);
	CU_ASSERT(fabs(a - 180) < 20);
	CU_ASSERT_EQUAL(sim_calib_fit(x, y, 1, &a, &b), -EINVAL);
	CU_ASSERT_EQUAL(sim_calib_fit(same, same, 3, &a, &b), -EINVAL);
	CU_ASSERT_EQUAL(sim_calib_fit(NULL, y, 3, &a, &b), -EINVAL);
}

static void synthetic(struct sim_calib_result *r)
{
	const double sys[] = {95, 100, 105};
	const double mc[] = {0.09, 0.1, 0.11};
	const double loc[] = {2000, 2100, 2200};
	const double fwd[] = {3300, 3400, 3500};

	memset(r, 0, sizeof(*r));
	CU_ASSERT_FATAL(sim_calib_stat(sys, 3, &r->syscall_ns) == 0);
	CU_ASSERT_FATAL(sim_calib_stat(mc, 3, &r->memcpy_byte_ns) == 0);
	r->n_sizes = 2;
	r->rw_size[0] = 64;
	r->rw_size[1] = 65536;
	CU_ASSERT_FATAL(sim_calib_stat(sys, 3, &r->rw_ns[0]) == 0);
	CU_ASSERT_FATAL(sim_calib_stat(fwd, 3, &r->rw_ns[1]) == 0);
	r->fit_call_ns = 420.4;
	r->fit_byte_ns = 0.25;
	r->packet_ok = true;
	CU_ASSERT_FATAL(sim_calib_stat(loc, 3, &r->pkt_local_ns) == 0);
	CU_ASSERT_FATAL(sim_calib_stat(fwd, 3, &r->pkt_forward_ns) == 0);
	snprintf(r->packet_note, sizeof(r->packet_note), "synthetic");
}

static void test_profile(void)
{
	struct sim_calib_result r;
	struct sim_cost_profile p, def;

	sim_cost_default(&def);
	synthetic(&r);
	sim_calib_profile(&r, &p);
	CU_ASSERT_STRING_EQUAL(p.name, "calibrated");
	CU_ASSERT_EQUAL(p.per_transition_ns, 420);
	CU_ASSERT_EQUAL(p.per_byte_ps, 250);
	CU_ASSERT_EQUAL(p.per_packet_ns, 3400 - 2100);
	CU_ASSERT_EQUAL(p.per_api_call_ns, def.per_api_call_ns);
	/* Fallbacks: a useless fit uses the syscall and memcpy figures; no
	 * packet measurement keeps the default per-packet cost. */
	r.fit_call_ns = -3;
	r.fit_byte_ns = 0;
	r.packet_ok = false;
	sim_calib_profile(&r, &p);
	CU_ASSERT_EQUAL(p.per_transition_ns, 100);
	CU_ASSERT_EQUAL(p.per_byte_ps, 100);
	CU_ASSERT_EQUAL(p.per_packet_ns, def.per_packet_ns);
	/* Forwarding measured cheaper than local delivery: noise, keep the default. */
	r.packet_ok = true;
	r.pkt_forward_ns = r.pkt_local_ns;
	sim_calib_profile(&r, &p);
	CU_ASSERT_EQUAL(p.per_packet_ns, def.per_packet_ns);
}

static void test_json_round_trip(void)
{
	struct sim_calib_result r;
	struct sim_cost_profile want, got;
	char dir[] = "/tmp/gatelab_calib_XXXXXX", path[256], tmp[300];
	json_t *root, *m;
	json_error_t jerr;

	synthetic(&r);
	sim_calib_profile(&r, &want);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/costs.json", dir);
	CU_ASSERT_FATAL(sim_calib_write_json(path, &r) == 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT(access(tmp, F_OK) != 0); /* renamed into place */
	CU_ASSERT_FATAL(sim_cost_load(path, &got) == 0);
	CU_ASSERT_STRING_EQUAL(got.name, want.name);
	CU_ASSERT_EQUAL(got.per_packet_ns, want.per_packet_ns);
	CU_ASSERT_EQUAL(got.per_transition_ns, want.per_transition_ns);
	CU_ASSERT_EQUAL(got.per_byte_ps, want.per_byte_ps);
	CU_ASSERT_EQUAL(got.per_api_call_ns, want.per_api_call_ns);
	root = json_load_file(path, 0, &jerr);
	CU_ASSERT_FATAL(root != NULL);
	m = json_object_get(root, "measurements");
	CU_ASSERT_FATAL(json_is_object(m));
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(
				       json_object_get(m, "syscall_ns"), "median")), 100, 1e-9);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(m, "socketpair_rw")), 2);
	CU_ASSERT(json_is_true(json_object_get(m, "packet_measured")));
	json_decref(root);
	/* A directory that does not exist: an error, and no temp file left. */
	snprintf(tmp, sizeof(tmp), "%s/nodir/costs.json", dir);
	CU_ASSERT_EQUAL(sim_calib_write_json(tmp, &r), -ENOENT);
	unlink(path);
	CU_ASSERT(rmdir(dir) == 0);
}

TU_MAIN("sim_gw_calib", TU_CASE(test_stat), TU_CASE(test_fit), TU_CASE(test_profile),
	TU_CASE(test_json_round_trip))
