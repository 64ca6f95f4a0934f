/* tu.h - the small harness every CUnit test binary uses: one suite per file,
 * a table of cases, CUnit's basic runner, exit status 1 on any failure. */
#ifndef GATELAB_TU_H
#define GATELAB_TU_H

#include <CUnit/Basic.h>
#include <stddef.h>
#include <stdint.h>

struct tu_case {
	const char *name;
	void (*fn)(void);
};

/* Runs the cases (terminated by {NULL, NULL}) as one suite. argv[1], if
 * given, runs only the case of that name. Returns the process exit status. */
int tu_main(const char *suite, const struct tu_case *cases, int argc, char **argv);

#define TU_MAIN(suite, ...)                                                   \
	int main(int argc, char **argv)                                       \
	{                                                                     \
		static const struct tu_case tu_cases_[] = {__VA_ARGS__, {NULL, NULL}}; \
		return tu_main(suite, tu_cases_, argc, argv);                 \
	}

#define TU_CASE(fn) {#fn, fn}

/* Reads a whole file into a malloc'd buffer with one spare byte after the
 * *len bytes (for a terminator). Tests only. Returns NULL on error. */
uint8_t *tu_read_file(const char *path, size_t *len);

/* A deterministic PRNG for property tests (xorshift64*). */
uint64_t tu_rand(uint64_t *state);

#endif
