/* render_spawn.c - runs dot and gnuplot as child processes (posix_spawnp,
 * no shell: nothing in a file name is ever interpreted), stdin and stdout
 * redirected to files, and tells a missing tool from a failing one. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "render.h"

extern char **environ;

int rpt_run_tool(char *const argv[], const char *in_path, const char *out_path, char *err,
		 size_t errlen)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc, e;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	if (posix_spawn_file_actions_addopen(&fa, 0, in_path, O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC,
					     0644) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (e != 0) {
		rc = e == ENOENT ? -ENOENT : -EIO;
		snprintf(err, errlen, "%s: %s%s", argv[0], strerror(e),
			 e == ENOENT ? " (install graphviz and gnuplot-nox: scripts/deps.sh)" : "");
		goto out;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			snprintf(err, errlen, "%s: waitpid: %s", argv[0], strerror(errno));
			goto out;
		}
	}
	rc = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		rc = -EIO;
		/* 127: exec failed in the child (how a missing tool shows where
		 * posix_spawn cannot report it, e.g. under valgrind). */
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
			rc = -ENOENT;
			snprintf(err, errlen, "%s: cannot be run (install graphviz and "
				 "gnuplot-nox: scripts/deps.sh)", argv[0]);
		} else {
			snprintf(err, errlen, "%s failed (%s %d) on %s", argv[0],
				 WIFEXITED(st) ? "exit status" : "signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), in_path);
		}
	}
out:
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}
