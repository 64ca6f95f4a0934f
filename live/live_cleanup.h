/* live_cleanup.h - everything a live run creates is registered here (child
 * processes, network namespaces, the work directory) and removed on every exit
 * path: normal return, SIGINT/SIGTERM/SIGHUP, and a crash of gatelab itself. */
#ifndef GATELAB_LIVE_CLEANUP_H
#define GATELAB_LIVE_CLEANUP_H

#include <stdbool.h>
#include <sys/types.h>

/* Sizes the registry for max_pids live processes (clients + servers +
 * proxies + captures) and installs the signal handlers: SIGINT, SIGTERM and
 * SIGHUP only raise the interrupt flag (the run winds down and cleans up);
 * SIGSEGV, SIGBUS, SIGABRT, SIGFPE and SIGILL kill every registered process,
 * delete every registered namespace (async-signal-safe system calls only) and
 * re-raise. Returns 0, -ENOMEM, -EBUSY (already installed). */
int live_cleanup_init(size_t max_pids);
/* Kills what is left (SIGTERM, then SIGKILL after 2 s), reaps it, deletes the
 * namespaces and the work directory, restores the signal handlers. */
void live_cleanup_all(void);

/* A process to kill at the end. -ENOSPC when the registry is full (the caller
 * kills the process itself and reports the error). */
int live_track_pid(pid_t pid);
/* The process was reaped by its owner: forget it. */
void live_untrack_pid(pid_t pid);
/* A namespace to delete at the end (name as under /run/netns). -ENOSPC. */
int live_track_ns(const char *name);
void live_untrack_ns(const char *name);
/* The work directory to remove (recursively) at the end; one per run. */
void live_track_dir(const char *path);

/* True once SIGINT, SIGTERM or SIGHUP arrived. */
bool live_interrupted(void);
/* Readable once interrupted (for poll loops); -1 before live_cleanup_init. */
int live_interrupt_fd(void);
/* The signal that interrupted the run (0: none). */
int live_interrupt_signal(void);

/* Deletes a named network namespace the way `ip netns del` does (detach the
 * bind mount, unlink it). Async-signal-safe. 0 or -errno. */
int live_ns_unlink(const char *name);

#endif
