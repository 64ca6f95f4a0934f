/* live_cleanup.c - the registry of what a live run created and the one place
 * that removes it, also from signal handlers: names and pids are kept in
 * fixed arrays sized at init so a handler never meets a half-grown array. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live_cleanup.h"

#define LIVE_MAX_NS 8
#define LIVE_NS_NAME 32

static pid_t *live_pids;
static size_t live_pid_cap;
static char live_ns[LIVE_MAX_NS][LIVE_NS_NAME];
static ino_t live_ns_ino[LIVE_MAX_NS]; /* to find every process inside */
static char live_dir[PATH_MAX];
static volatile sig_atomic_t live_sig;
static int live_pipe[2] = {-1, -1};
static bool live_installed;

static const int live_soft_sigs[] = {SIGINT, SIGTERM, SIGHUP};
static const int live_fatal_sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
static struct sigaction live_old_soft[3], live_old_fatal[5];

int live_ns_unlink(const char *name)
{
	char path[64] = "/run/netns/";
	size_t n = strlen(path), k = strlen(name);

	if (k + n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path + n, name, k + 1);
	umount2(path, MNT_DETACH);
	return unlink(path) == 0 ? 0 : -errno;
}

static void live_on_soft(int sig)
{
	int e = errno;
	char c = 1;

	if (!live_sig)
		live_sig = sig;
	if (live_pipe[1] >= 0 && write(live_pipe[1], &c, 1) < 0) {
		/* full pipe: already readable */
	}
	errno = e;
}

/* A crash of gatelab: no allocation, no stdio; kill, unlink, re-raise. */
static void live_on_fatal(int sig)
{
	for (size_t i = 0; i < live_pid_cap; i++)
		if (live_pids[i] > 0)
			kill(live_pids[i], SIGKILL);
	for (size_t i = 0; i < LIVE_MAX_NS; i++)
		if (live_ns[i][0])
			live_ns_unlink(live_ns[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

int live_cleanup_init(size_t max_pids)
{
	struct sigaction sa;

	if (live_installed)
		return -EBUSY;
	live_pids = calloc(max_pids, sizeof(*live_pids));
	if (!live_pids)
		return -ENOMEM;
	if (pipe2(live_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(live_pids);
		live_pids = NULL;
		return -errno;
	}
	live_pid_cap = max_pids;
	live_sig = 0;
	memset(live_ns, 0, sizeof(live_ns));
	live_dir[0] = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = live_on_soft;
	for (size_t i = 0; i < 3; i++)
		sigaction(live_soft_sigs[i], &sa, &live_old_soft[i]);
	sa.sa_handler = live_on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < 5; i++)
		sigaction(live_fatal_sigs[i], &sa, &live_old_fatal[i]);
	live_installed = true;
	return 0;
}

int live_track_pid(pid_t pid)
{
	for (size_t i = 0; i < live_pid_cap; i++)
		if (live_pids[i] == 0) {
			live_pids[i] = pid;
			return 0;
		}
	return -ENOSPC;
}

void live_untrack_pid(pid_t pid)
{
	for (size_t i = 0; i < live_pid_cap; i++)
		if (live_pids[i] == pid)
			live_pids[i] = 0;
}

int live_track_ns(const char *name)
{
	char path[64];
	struct stat st;

	if (strlen(name) >= LIVE_NS_NAME)
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	for (size_t i = 0; i < LIVE_MAX_NS; i++)
		if (!live_ns[i][0]) {
			strcpy(live_ns[i], name);
			live_ns_ino[i] = stat(path, &st) == 0 ? st.st_ino : 0;
			return 0;
		}
	return -ENOSPC;
}

/* Running (not yet dead or a zombie): /proc/PID/stat's state field. */
static bool live_pid_running(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the command name may hold anything */
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Every process still inside one of the run's namespaces (a server's
 * session process, a client's child) gets SIGKILL: `ip netns pids`.
 * Returns how many were still running. */
static int live_kill_ns_procs(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;
		long pid = strtol(e->d_name, NULL, 10);

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) != 0)
			continue;
		for (size_t i = 0; i < LIVE_MAX_NS; i++)
			if (live_ns[i][0] && live_ns_ino[i] && st.st_ino == live_ns_ino[i] &&
			    live_pid_running(pid)) {
				kill((pid_t)pid, SIGKILL);
				found++;
			}
	}
	closedir(d);
	return found;
}

void live_untrack_ns(const char *name)
{
	for (size_t i = 0; i < LIVE_MAX_NS; i++)
		if (strcmp(live_ns[i], name) == 0)
			live_ns[i][0] = 0;
}

void live_track_dir(const char *path)
{
	snprintf(live_dir, sizeof(live_dir), "%s", path);
}

bool live_interrupted(void)
{
	return live_sig != 0;
}

int live_interrupt_fd(void)
{
	return live_pipe[0];
}

int live_interrupt_signal(void)
{
	return live_sig;
}

static int live_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Waits up to ms for every registered process to be reaped. */
static bool live_reap_all(int ms)
{
	struct timespec nap = {0, 10 * 1000 * 1000};
	bool left = true;

	for (int t = 0; t <= ms / 10 && left; t++) {
		left = false;
		for (size_t i = 0; i < live_pid_cap; i++) {
			if (live_pids[i] <= 0)
				continue;
			pid_t r = waitpid(live_pids[i], NULL, WNOHANG);

			if (r == live_pids[i] || (r < 0 && errno == ECHILD))
				live_pids[i] = 0;
			else
				left = true;
		}
		if (left)
			nanosleep(&nap, NULL);
	}
	return !left;
}

void live_cleanup_all(void)
{
	if (!live_installed)
		return;
	for (size_t i = 0; i < live_pid_cap; i++)
		if (live_pids[i] > 0)
			kill(live_pids[i], SIGTERM);
	if (!live_reap_all(2000)) {
		for (size_t i = 0; i < live_pid_cap; i++)
			if (live_pids[i] > 0)
				kill(live_pids[i], SIGKILL);
		live_reap_all(5000);
	}
	/* SIGKILL is delivered asynchronously: sweep until none runs (2 s). */
	for (int t = 0; t < 200 && live_kill_ns_procs() > 0; t++) {
		struct timespec nap = {0, 10 * 1000 * 1000};

		nanosleep(&nap, NULL);
	}
	for (size_t i = 0; i < LIVE_MAX_NS; i++)
		if (live_ns[i][0]) {
			live_ns_unlink(live_ns[i]);
			live_ns[i][0] = 0;
		}
	if (live_dir[0])
		nftw(live_dir, live_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	live_dir[0] = 0;
	for (size_t i = 0; i < 3; i++)
		sigaction(live_soft_sigs[i], &live_old_soft[i], NULL);
	for (size_t i = 0; i < 5; i++)
		sigaction(live_fatal_sigs[i], &live_old_fatal[i], NULL);
	close(live_pipe[0]);
	close(live_pipe[1]);
	live_pipe[0] = live_pipe[1] = -1;
	free(live_pids);
	live_pids = NULL;
	live_pid_cap = 0;
	live_installed = false;
}
