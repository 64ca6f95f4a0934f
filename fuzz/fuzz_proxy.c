/* fuzz_proxy.c - libFuzzer entry point for the proxy target; the work is in
 * fuzz_proxy_body.c so tests/test_fuzz_regress.c can replay saved inputs. */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proxy_one(data, size);
	return 0;
}
