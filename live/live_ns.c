/* live_ns.c - namespaces and processes for the lab: fork + setns + exec with
 * no shell in between, so an address or path is never re-parsed; every child
 * dies with gatelab (PR_SET_PDEATHSIG) and is registered for clean-up. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_cleanup.h"
#include "live_ns.h"

int live_ns_enter(const char *ns)
{
	char path[64];
	int fd, rc = 0;

	if (!ns)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* In a fresh child: default signals, nothing blocked, die with the parent. */
static void live_child_setup(void)
{
	sigset_t none;

	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void live_redirect(int fd, const char *path)
{
	int f = open(path ? path : "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_APPEND,
		     0644);

	if (f >= 0 && f != fd) {
		dup2(f, fd);
		close(f);
	}
}

pid_t live_spawn(const char *ns, const char *const argv[], const char *out_path, const char *err_path)
{
	pid_t pid = fork();
	int rc;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		live_child_setup();
		if (live_ns_enter(ns) < 0)
			_exit(126);
		live_redirect(0, NULL);
		live_redirect(1, out_path);
		if (err_path && out_path && strcmp(err_path, out_path) == 0)
			dup2(1, 2);
		else
			live_redirect(2, err_path);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if ((rc = live_track_pid(pid)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	return pid;
}

pid_t live_fork_in(const char *ns, int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	int rc;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		live_child_setup();
		if (live_ns_enter(ns) < 0)
			_exit(126);
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	if ((rc = live_track_pid(pid)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	return pid;
}

int live_reap(pid_t pid, int *status)
{
	int st = 0;
	pid_t r;

	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	live_untrack_pid(pid);
	if (r < 0)
		return -errno;
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -EIO;
}

int live_cmd(const char *ns, const char *const argv[], char *out, size_t outlen)
{
	int p[2], st = 0;
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		live_child_setup();
		if (live_ns_enter(ns) < 0)
			_exit(126);
		live_redirect(0, NULL);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(p[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && outlen > 1 && got < outlen - 1) {
			size_t k = (size_t)n < outlen - 1 - got ? (size_t)n : outlen - 1 - got;

			memcpy(out + got, buf, k);
			got += k;
		}
	}
	close(p[0]);
	if (out && outlen)
		out[got] = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && out && got == 0)
		snprintf(out, outlen, "%s: not found", argv[0]);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int live_ns_add(const char *name)
{
	char out[256];
	int rc;

	/* `ip netns add` makes /run/netns and the bind mount the same way on
	 * every iproute2; no need to redo it here. */
	rc = LIVE_CMD(NULL, out, sizeof(out), "ip", "netns", "add", name);
	if (rc < 0) {
		if (strstr(out, "File exists"))
			return -EEXIST;
		if (strstr(out, "Operation not permitted") || strstr(out, "Permission denied"))
			return -EPERM;
		if (strstr(out, "not supported") || strstr(out, "Invalid argument"))
			return -ENOSYS;
		return rc;
	}
	if ((rc = live_track_ns(name)) < 0) {
		live_ns_unlink(name);
		return rc;
	}
	return LIVE_CMD(name, NULL, 0, "ip", "link", "set", "lo", "up");
}

void live_ns_del(const char *name)
{
	live_untrack_ns(name);
	live_ns_unlink(name);
}

int live_ns_socket(const char *ns, int family, int type)
{
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1, rc;

	if (orig < 0)
		return -errno;
	rc = live_ns_enter(ns);
	if (rc == 0) {
		fd = socket(family, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			rc = -errno;
	}
	if (setns(orig, CLONE_NEWNET) < 0 && rc == 0) {
		rc = -errno;
		close(fd);
	}
	close(orig);
	return rc < 0 ? rc : fd;
}
