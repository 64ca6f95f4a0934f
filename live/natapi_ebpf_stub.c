/* natapi_ebpf_stub.c - the eBPF backend in a build without clang's BPF
 * target or bpftool: every entry point answers -ENOTSUP, so the rest of the
 * live layer builds and says plainly that this fast path is missing. */
#ifndef GL_HAVE_BPF
#include <errno.h>
#include <string.h>

#include "natapi_ebpf.h"

bool natapi_ebpf_built(void)
{
	return false;
}

int natapi_ebpf_open(const struct natapi_ebpf_cfg *cfg, const struct natapi_backend **backend,
		     void **state)
{
	if (cfg && cfg->nft_backend && cfg->nft)
		cfg->nft_backend->close(cfg->nft);
	if (backend)
		*backend = NULL;
	if (state)
		*state = NULL;
	return -ENOTSUP;
}

void natapi_ebpf_stats_get(const void *state, struct natapi_ebpf_stats *out)
{
	(void)state;
	memset(out, 0, sizeof(*out));
}

int natapi_ebpf_fd(const void *state)
{
	(void)state;
	return -1;
}

int natapi_ebpf_expire(void *state, uint64_t now_ns, uint64_t *next_ns)
{
	(void)state;
	(void)now_ns;
	*next_ns = 0;
	return -ENOTSUP;
}

void natapi_ebpf_ids(const void *state, uint32_t *prog_id, uint32_t *flows_id, uint32_t *pend_id)
{
	(void)state;
	*prog_id = *flows_id = *pend_id = 0;
}
#endif
