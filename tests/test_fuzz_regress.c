/* test_fuzz_regress.c - replays every saved fuzz input (fuzz/regress/<target>/
 * crashes once found, fuzz/corpus/<target>/ seeds) through the same target
 * bodies the libFuzzer binaries run, so they stay fixed under gcc, ASan/UBSan
 * and valgrind. A target's invariant failure abort()s: the handler names the file. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/fuzz_capture_body.c"
#include "../fuzz/fuzz_ftp_body.c"
#include "../fuzz/fuzz_packet_body.c"
#include "../fuzz/fuzz_proxy_body.c"
#include "../fuzz/fuzz_scen_body.c"
#include "tu.h"

static char fr_current[1024];

static void fr_on_abort(int sig)
{
	static const char msg[] = "test_fuzz_regress: invariant failed on input ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, fr_current, strnlen(fr_current, sizeof(fr_current))) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(134);
	_exit(134);
}

/* Runs fn on every regular file of dir; returns how many (-1: no such dir). */
static int fr_replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	signal(SIGABRT, fr_on_abort);
	while ((de = readdir(d)) != NULL) {
		uint8_t *data;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fr_current, sizeof(fr_current), "%s/%s", dir, de->d_name);
		if (getenv("FUZZ_REGRESS_VERBOSE"))
			fprintf(stderr, "%s\n", fr_current);
		data = tu_read_file(fr_current, &len);
		CU_ASSERT_PTR_NOT_NULL(data);
		if (!data)
			continue;
		CU_ASSERT_EQUAL(fn(data, len), 0);
		free(data);
		n++;
	}
	closedir(d);
	signal(SIGABRT, SIG_DFL);
	return n;
}

/* The seed corpus must be there (it is committed); regressions may be none. */
static void fr_replay(const char *target, int (*fn)(const uint8_t *, size_t))
{
	char dir[256];

	snprintf(dir, sizeof(dir), "fuzz/corpus/%s", target);
	CU_ASSERT(fr_replay_dir(dir, fn) > 0);
	snprintf(dir, sizeof(dir), "fuzz/regress/%s", target);
	(void)fr_replay_dir(dir, fn);
}

static void test_packet_inputs(void)
{
	fr_replay("packet", fuzz_packet_one);
}

static void test_ftp_inputs(void)
{
	fr_replay("ftp", fuzz_ftp_one);
}

static void test_capture_inputs(void)
{
	fr_replay("capture", fuzz_capture_one);
}

static void test_proxy_inputs(void)
{
	fr_replay("proxy", fuzz_proxy_one);
}

static void test_scen_inputs(void)
{
	fr_replay("scen", fuzz_scen_one);
}

/* The bodies' own edge cases: inputs too short to choose anything. */
static void test_tiny_inputs(void)
{
	static const uint8_t one[1] = {0x01};

	CU_ASSERT_EQUAL(fuzz_packet_one(one, 0), 0);
	CU_ASSERT_EQUAL(fuzz_packet_one(one, 1), 0);
	CU_ASSERT_EQUAL(fuzz_ftp_one(one, 0), 0);
	CU_ASSERT_EQUAL(fuzz_ftp_one(one, 1), 0);
	CU_ASSERT_EQUAL(fuzz_capture_one(one, 0), 0);
	CU_ASSERT_EQUAL(fuzz_capture_one(one, 1), 0);
	CU_ASSERT_EQUAL(fuzz_proxy_one(one, 0), 0);
	CU_ASSERT_EQUAL(fuzz_proxy_one(one, 1), 0);
	CU_ASSERT_EQUAL(fuzz_scen_one(one, 0), 0);
	CU_ASSERT_EQUAL(fuzz_scen_one(one, 1), 0);
}

TU_MAIN("fuzz_regress", TU_CASE(test_packet_inputs), TU_CASE(test_ftp_inputs),
	TU_CASE(test_capture_inputs), TU_CASE(test_proxy_inputs), TU_CASE(test_scen_inputs),
	TU_CASE(test_tiny_inputs))
