/* fuzz_targets.h - the bodies of the fuzz targets, shared by the libFuzzer
 * binaries (fuzz/fuzz_<name>.c) and the regression replayer
 * (tests/test_fuzz_regress.c), so a saved crash input is a unit test too. */
#ifndef GATELAB_FUZZ_TARGETS_H
#define GATELAB_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* Each runs one input and returns 0; an invariant violation abort()s, which
 * is what makes the fuzzer (or the replaying test) report it. */
int fuzz_packet_one(const uint8_t *data, size_t size);
int fuzz_ftp_one(const uint8_t *data, size_t size);
int fuzz_capture_one(const uint8_t *data, size_t size);
int fuzz_proxy_one(const uint8_t *data, size_t size);
int fuzz_scen_one(const uint8_t *data, size_t size);

#endif
