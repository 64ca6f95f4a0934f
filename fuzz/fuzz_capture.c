/* fuzz_capture.c - libFuzzer entry point for the capture target; the work is in
 * fuzz_capture_body.c so tests/test_fuzz_regress.c can replay saved inputs. */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_capture_one(data, size);
	return 0;
}
