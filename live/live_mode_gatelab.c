/* live_mode_gatelab.c - gatelab's own proxy on the live gateway, on each
 * path: `proxy` (policy default_mode proxy: data spliced through the process)
 * `fastpath` (default_mode fast: data stays in the kernel) and `fastpath-ebpf`
 * (the same, data on the eBPF fast path past netfilter). A forked child
 * enters the gateway namespace and calls live_proxy_run (live/live_proxy.h);
 * its stats come back through a shared page, its CPU through wait4. Built only
 * when the epoll driver is linked (the Makefile defines GATELAB_HAVE_LIVE_PROXY
 * when a live/ source defines live_proxy_run); otherwise both modes say so. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live_mode.h"

#ifdef GATELAB_HAVE_LIVE_PROXY
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_cleanup.h"
#include "live_ns.h"
#include "live_proxy.h"

#define LIVE_GL_PORT 2121

/* Every kind the driver counts has a slot in the metrics: none is cut. */
_Static_assert(LIVE_SYSCALL_KINDS <= RPT_MAX_SYSCALLS, "live_proxy_stats kinds exceed RPT_MAX_SYSCALLS");

struct live_gl_shared {
	struct live_proxy_stats stats;
	int rc;
	bool ebpf;                  /* fastpath-ebpf: data on the eBPF fast path */
	char names[LIVE_SYSCALL_KINDS][32]; /* copied: pointers mean nothing here */
};

struct live_gl_child {
	struct live_proxy_cfg cfg;
	struct live_gl_shared *sh;
	int go_fd;  /* -1, or wait for a byte (strace attached) before running */
	int parent_fds[3]; /* the parent's pipe ends, inherited by fork: closed, or the
			      stop pipe never reads EOF */
};

static int live_gl_child_main(void *arg)
{
	struct live_gl_child *c = arg;
	char b;
	int rc;

	for (int i = 0; i < 3; i++)
		if (c->parent_fds[i] >= 0)
			close(c->parent_fds[i]);
	if (c->go_fd >= 0 && read(c->go_fd, &b, 1) != 1)
		return -EIO;
	rc = live_proxy_run(&c->cfg, &c->sh->stats);

	c->sh->rc = rc;
	for (uint32_t i = 0; i < c->sh->stats.n_syscalls && i < LIVE_SYSCALL_KINDS; i++)
		snprintf(c->sh->names[i], sizeof(c->sh->names[i]), "%s",
			 c->sh->stats.syscalls[i].name ? c->sh->stats.syscalls[i].name : "?");
	return rc == 0 ? 0 : 1;
}

/* Which data path the proxy's transfers take. */
enum live_gl_path { LIVE_GL_PROXY, LIVE_GL_FAST, LIVE_GL_EBPF };

static int live_gl_cfg(struct live_mode_state *s, struct live_proxy_cfg *cfg,
		       enum live_gl_path path)
{
	bool fast = path != LIVE_GL_PROXY;

	struct ftpp_config *f = &cfg->ftpp;

	memset(cfg, 0, sizeof(*cfg));
	ftpp_config_default(f);
	if (net_addr_parse(LIVE_GW_IN4, &f->listen_addr) || net_addr_parse(LIVE_GW_PUB4, &f->public4) ||
	    net_addr_parse(LIVE_GW_IN4, &f->inside4))
		return -EINVAL;
	if (s->ipv6 && (net_addr_parse(LIVE_GW_IN6, &f->listen_addr6) ||
			net_addr_parse(LIVE_GW_PUB6, &f->public6) ||
			net_addr_parse(LIVE_GW_IN6, &f->inside6)))
		return -EINVAL;
	f->listen_port = LIVE_GL_PORT;
	/* --redirect: the client believes it talks to A; B answers. */
	if (s->redirect) {
		struct ftpp_server_map *mp = &f->policy.maps[f->policy.n_maps++];

		if (net_addr_parse(LIVE_SRV_A4, &mp->from) || net_addr_parse(LIVE_SRV_B4, &mp->to))
			return -EINVAL;
		if (s->ipv6) {
			mp = &f->policy.maps[f->policy.n_maps++];
			if (net_addr_parse(LIVE_SRV_A6, &mp->from) ||
			    net_addr_parse(LIVE_SRV_B6, &mp->to))
				return -EINVAL;
		}
	}
	f->policy.default_mode = fast ? FTPP_MODE_FAST : FTPP_MODE_PROXY;
	snprintf(cfg->inside_if, sizeof(cfg->inside_if), "%s", LIVE_IF_IN);
	snprintf(cfg->outside_if, sizeof(cfg->outside_if), "%s", LIVE_IF_OUT);
	cfg->use_splice = false;
	cfg->ebpf = path == LIVE_GL_EBPF; /* natapi_ebpf over nftables (docs/LIVE_EBPF.md) */
	return 0;
}

/* strace -f -C attached to the proxy child (it waits on go[0] meanwhile):
 * its summary is the check of the driver's own syscall counts. */
static int live_gl_trace(struct live_mode_state *s, const char *mode, int go_w)
{
	char path[PATH_MAX], pid[16], st[64];
	const char *argv[] = {"strace", "-f", "-C", "-S", "calls", "-qq", "-s", "0", "-o",
			      path, "-p", pid, NULL};
	pid_t tr;

	snprintf(pid, sizeof(pid), "%d", (int)s->pid);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.strace", s->strace_dir, mode) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	tr = live_spawn(NULL, argv, NULL, NULL);
	if (tr < 0)
		return tr;
	s->tracer = tr;
	snprintf(st, sizeof(st), "/proc/%d/status", (int)s->pid);
	for (int i = 0; i < 500; i++) {
		char line[128];
		long tp = 0;
		FILE *f = fopen(st, "r");

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "TracerPid: %ld", &tp) == 1)
				break;
		if (f)
			fclose(f);
		if (tp > 0)
			return write(go_w, "g", 1) == 1 ? 0 : -EIO;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int live_gl_start(struct live_mode_state *s, enum live_gl_path path)
{
	static const char *const names[] = {"proxy", "fastpath", "fastpath-ebpf"};
	struct live_gl_child c;
	int stop[2] = {-1, -1}, ready[2] = {-1, -1}, go[2] = {-1, -1}, rc;
	struct pollfd pfd;
	char b;

	s->shared = mmap(NULL, sizeof(struct live_gl_shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->shared == MAP_FAILED) {
		s->shared = NULL;
		return -ENOMEM;
	}
	c.sh = s->shared;
	c.sh->ebpf = path == LIVE_GL_EBPF;
	if ((rc = live_gl_cfg(s, &c.cfg, path)) < 0) {
		snprintf(s->err, sizeof(s->err), "proxy configuration");
		goto fail;
	}
	if (pipe2(stop, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 ||
	    (s->strace_dir && pipe2(go, O_CLOEXEC) < 0)) {
		rc = -errno;
		goto fail;
	}
	c.cfg.stop_fd = stop[0];
	c.cfg.ready_fd = ready[1];
	c.go_fd = go[0];
	c.parent_fds[0] = stop[1];
	c.parent_fds[1] = ready[0];
	c.parent_fds[2] = go[1];
	s->pid = live_fork_in(live_topo_ns(s->t, LIVE_NS_GW), live_gl_child_main, &c);
	if (s->pid < 0) {
		rc = s->pid;
		s->pid = 0;
		goto fail;
	}
	close(stop[0]);
	close(ready[1]);
	stop[0] = ready[1] = -1;
	if (s->strace_dir && (rc = live_gl_trace(s, names[path], go[1])) < 0) {
		snprintf(s->err, sizeof(s->err), "strace -p %d: %s", (int)s->pid, strerror(-rc));
		kill(s->pid, SIGKILL);
		live_reap(s->pid, NULL);
		s->pid = 0;
		goto fail;
	}
	s->stop_fd = stop[1];
	stop[1] = -1;
	pfd.fd = ready[0];
	pfd.events = POLLIN;
	/* A byte: listening with its rules in. EOF: it exited before that. */
	if (poll(&pfd, 1, 10000) != 1 || read(ready[0], &b, 1) != 1) {
		int st = 0;

		close(s->stop_fd);
		s->stop_fd = -1;
		live_reap(s->pid, &st);
		s->pid = 0;
		rc = c.sh->rc ? c.sh->rc : -ETIMEDOUT;
		snprintf(s->err, sizeof(s->err), "live_proxy_run did not become ready: %s",
			 strerror(-rc));
		goto fail;
	}
	close(ready[0]);
	for (int i = 0; i < 2; i++)
		if (go[i] >= 0)
			close(go[i]);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (stop[i] >= 0)
			close(stop[i]);
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (s->tracer > 0) {
		live_reap(s->tracer, NULL);
		s->tracer = 0;
	}
	if (s->shared)
		munmap(s->shared, sizeof(struct live_gl_shared));
	s->shared = NULL;
	s->stop_fd = -1;
	return rc;
}

static int live_gl_stop(struct live_mode_state *s, struct rpt_mode_metrics *m)
{
	struct live_gl_shared *sh = s->shared;
	struct rusage ru;
	int st = 0, rc = 0;
	pid_t r;

	close(s->stop_fd); /* stop_fd "closed by the writer": shut down */
	s->stop_fd = -1;
	do
		r = wait4(s->pid, &st, 0, &ru);
	while (r < 0 && errno == EINTR);
	live_untrack_pid(s->pid);
	s->pid = 0;
	if (s->tracer > 0) {
		/* strace writes its summary when its last tracee is gone */
		live_reap(s->tracer, NULL);
		s->tracer = 0;
	}
	if (r < 0)
		return -errno;
	m->gateway_cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	m->live.context_switches = (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
	m->bytes_copied = sh->stats.bytes_copied;
	/* Past netfilter: the runner's forwarding meter cannot see these. */
	if (sh->ebpf)
		m->fastpath_packets = sh->stats.fast_packets;
	m->api_calls = sh->stats.api_calls;
	m->transitions = 0;
	for (uint32_t i = 0; i < sh->stats.n_syscalls && i < LIVE_SYSCALL_KINDS; i++) {
		struct rpt_count *c = &m->live.syscalls[m->live.n_syscalls++];

		snprintf(c->name, sizeof(c->name), "%s", sh->names[i]);
		c->n = sh->stats.syscalls[i].n;
		if (strcmp(c->name, "epoll_wait") != 0)
			m->transitions += c->n;
	}
	/* The driver counts data bytes, not data calls: on the proxy path the
	 * calls are an upper bound, on the fast path there are none. */
	m->data_transitions = sh->stats.bytes_copied ? m->transitions : 0;
	snprintf(m->live.measured_by, sizeof(m->live.measured_by),
		 "live_proxy_stats of the proxy process; CPU and context switches by wait4");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || sh->rc != 0) {
		snprintf(s->err, sizeof(s->err), "live_proxy_run ended with %s (status %d)",
			 strerror(sh->rc < 0 ? -sh->rc : EIO), st);
		rc = sh->rc ? sh->rc : -EIO;
	}
	if (sh->stats.errors && rc == 0) {
		snprintf(s->err, sizeof(s->err), "the proxy ended %llu sessions on an internal error",
			 (unsigned long long)sh->stats.errors);
		rc = -EIO;
	}
	munmap(s->shared, sizeof(*sh));
	s->shared = NULL;
	return rc;
}

static int live_proxy_start(struct live_mode_state *s)
{
	return live_gl_start(s, LIVE_GL_PROXY);
}

static int live_fast_start(struct live_mode_state *s)
{
	return live_gl_start(s, LIVE_GL_FAST);
}

static int live_ebpf_start(struct live_mode_state *s)
{
	return live_gl_start(s, LIVE_GL_EBPF);
}

#define LIVE_GL_UNAVAILABLE NULL
#define LIVE_GL_START_PROXY live_proxy_start
#define LIVE_GL_START_FAST live_fast_start
#define LIVE_GL_START_EBPF live_ebpf_start
#define LIVE_GL_STOP live_gl_stop
#else
#define LIVE_GL_UNAVAILABLE                                                         \
	"not available in this build: live_proxy_run (the epoll driver of "           \
	"live/live_proxy.h) is not linked"
#define LIVE_GL_START_PROXY NULL
#define LIVE_GL_START_FAST NULL
#define LIVE_GL_START_EBPF NULL
#define LIVE_GL_STOP NULL
#endif

const struct live_mode live_mode_proxy = {
	.name = "proxy",
	.xfer_path = "proxy",
	.ipv6 = true,
	.ext = true,
	.policy = true,
	.unavailable = LIVE_GL_UNAVAILABLE,
	.start = LIVE_GL_START_PROXY,
	.stop = LIVE_GL_STOP,
};

const struct live_mode live_mode_fastpath = {
	.name = "fastpath",
	.xfer_path = "fast",
	.ipv6 = true,
	.ext = true,
	.policy = true,
	.unavailable = LIVE_GL_UNAVAILABLE,
	.start = LIVE_GL_START_FAST,
	.stop = LIVE_GL_STOP,
};

/* The eBPF program is in the build only where clang's BPF target was. */
#if defined(GATELAB_HAVE_LIVE_PROXY) && !defined(GL_HAVE_BPF)
#define LIVE_EBPF_UNAVAILABLE                                                       \
	"not available in this build: clang's BPF target, bpftool or libbpf-dev "     \
	"was missing (make deps; make)"
#else
#define LIVE_EBPF_UNAVAILABLE LIVE_GL_UNAVAILABLE
#endif

const struct live_mode live_mode_fastpath_ebpf = {
	.name = "fastpath-ebpf",
	.xfer_path = "fast",
	.ipv6 = true,
	.ext = true,
	.policy = true,
	.unavailable = LIVE_EBPF_UNAVAILABLE,
	.start = LIVE_GL_START_EBPF,
	.stop = LIVE_GL_STOP,
};
