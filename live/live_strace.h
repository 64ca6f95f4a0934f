/* live_strace.h - reading `strace -f -C -o FILE` output: the summary table
 * (calls per syscall name) and the bytes moved by recvfrom/sendto/read/write
 * calls. Used to measure a proxy gatelab did not write (ftp-proxy) and to
 * check gatelab's own driver's counts. */
#ifndef GATELAB_LIVE_STRACE_H
#define GATELAB_LIVE_STRACE_H

#include <stddef.h>
#include <stdint.h>

#define LIVE_STRACE_MAX 128

struct live_strace {
	struct {
		char name[32];
		uint64_t calls;
	} sc[LIVE_STRACE_MAX];   /* the summary's rows, most calls first */
	size_t n;
	uint64_t total_calls;
	uint64_t sock_bytes;     /* sum of recvfrom/recvmsg/sendto/sendmsg results > 0 */
	uint64_t rw_bytes;       /* sum of read/write/readv/writev/splice results > 0 */
};

/* Parses path. 0, -errno, -EPROTO (no summary table: strace did not finish),
 * -ENOSPC (more than LIVE_STRACE_MAX syscall names). */
int live_strace_read(const char *path, struct live_strace *out);
/* Calls of one syscall name (0 when absent). */
uint64_t live_strace_calls(const struct live_strace *s, const char *name);

#endif
