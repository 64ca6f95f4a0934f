/* live_ns.h - network namespaces and the processes the lab runs in them:
 * commands (ip, nft, ethtool, sha256sum) run to completion without a shell,
 * long-lived children started inside a namespace, sockets made in one. */
#ifndef GATELAB_LIVE_NS_H
#define GATELAB_LIVE_NS_H

#include <stddef.h>
#include <sys/types.h>

/* Creates /run/netns/NAME (as `ip netns add`) with its loopback up and
 * registers it for clean-up. 0 or a negative errno (-EPERM, -ENOSYS: no
 * namespaces here; -EEXIST). */
int live_ns_add(const char *name);
/* Deletes it now and unregisters it (processes still inside keep it alive
 * until they exit; live_cleanup_all kills those). */
void live_ns_del(const char *name);

/* Runs argv to completion inside namespace ns (NULL: the caller's), stdin
 * /dev/null, stdout+stderr into out (NUL-terminated, cut to outlen - 1 bytes;
 * NULL: discarded). Returns 0 if it exited 0, -EIO if it exited non-zero
 * or died (out says why), -errno when it could not be started. */
int live_cmd(const char *ns, const char *const argv[], char *out, size_t outlen);
#define LIVE_CMD(ns, out, outlen, ...) live_cmd(ns, (const char *const[]){__VA_ARGS__, NULL}, out, outlen)

/* Starts argv inside ns in the background: stdin /dev/null, stdout to
 * out_path and stderr to err_path (NULL: /dev/null; the same path: one
 * file), SIGKILL if gatelab dies, registered for clean-up. Returns the pid
 * or a negative errno. */
pid_t live_spawn(const char *ns, const char *const argv[], const char *out_path, const char *err_path);
/* Forks a child inside ns that runs fn(arg) and _exits with its result
 * (as an exit status: 0 ok, 1 failure); registered for clean-up. */
pid_t live_fork_in(const char *ns, int (*fn)(void *arg), void *arg);
/* Waits for a spawned child; its exit status or -EIO if it was killed. */
int live_reap(pid_t pid, int *status);

/* A socket of the given type created inside ns (it keeps that namespace).
 * The fd or a negative errno. */
int live_ns_socket(const char *ns, int family, int type);
/* Enters ns for good (a forked child). 0 or -errno. */
int live_ns_enter(const char *ns);

#endif
