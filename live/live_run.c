/* live_run.c - the live lab's runner: topology, servers, test file, then per
 * mode: meter, captures, the mode, every (tool, family, data command, FTP
 * command) with N clients at once, verification, teardown, metrics. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live_cleanup.h"
#include "live_measure.h"
#include "live_ns.h"
#include "live_pcap.h"
#include "live_run.h"
#include "live_vsftpd.h"

struct live_lab {
	const struct live_opts *o;
	struct live_topo t;
	char file[PATH_MAX];        /* the test file, in server A's pub/ */
	char sha[65];
	char root[2][PATH_MAX];     /* server A, B */
	struct live_ftpd srv[4];    /* a4, b4, a6, b6 */
	size_t n_srv;
	struct live_job *jobs;      /* o->clients */
	uint64_t seq;               /* unique names of uploads and downloads */
};

void live_opts_default(struct live_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->size = 3 * 1000 * 1000;
	o->clients = 1;
	for (int i = 0; i < LIVE_TOOL__COUNT; i++)
		o->tools[i] = true;
	for (int i = 0; i < LIVE_OP__COUNT; i++)
		o->ops[i] = true;
	for (int i = 0; i < LIVE_DMODE__COUNT; i++)
		o->dmodes[i] = true;
	for (size_t i = 0; live_modes[i] && o->n_modes < RPT_MAX_MODES; i++)
		if (!live_modes[i]->unavailable)
			o->modes[o->n_modes++] = live_modes[i];
}

/* size random bytes (getrandom: no pattern a middlebox could compress). */
static int live_make_file(const char *path, uint64_t size)
{
	static char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = 0;

	if (fd < 0)
		return -errno;
	while (size > 0 && rc == 0) {
		size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);

		if (getrandom(buf, n, 0) != (ssize_t)n || write(fd, buf, n) != (ssize_t)n)
			rc = -EIO;
		size -= n;
	}
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int live_lab_servers(struct live_lab *L, char *err, size_t errlen);

static int live_lab_up(struct live_lab *L, char *err, size_t errlen)
{
	int rc;

	if ((rc = live_topo_init(&L->t, err, errlen)) < 0)
		return rc == -EPERM || rc == -ENOSYS ? -EIO : rc;
	/* The one step whose -EPERM/-ENOSYS means "no network namespaces". */
	if ((rc = live_topo_up(&L->t, err, errlen)) < 0)
		return rc;
	rc = live_lab_servers(L, err, errlen);
	return rc == -EPERM || rc == -ENOSYS ? -EIO : rc;
}

/* Servers, the test file, offloads: any failure here is the lab's, not the
 * machine's lack of namespaces. */
static int live_lab_servers(struct live_lab *L, char *err, size_t errlen)
{
	static const char *names[4] = {"a4", "b4", "a6", "b6"};
	static const char *addrs[4] = {LIVE_SRV_A4, LIVE_SRV_B4, LIVE_SRV_A6, LIVE_SRV_B6};
	char link_b[PATH_MAX + 32];
	int rc;

	for (int i = 0; i < 2; i++)
		snprintf(L->root[i], sizeof(L->root[i]), "%.4000s/srv-%c", L->t.dir, 'a' + i);
	for (size_t i = 0; i < 4; i++) {
		if (i >= 2 && !L->o->ipv6)
			break;
		rc = live_vsftpd_start(&L->t, &L->srv[i], names[i], addrs[i], i >= 2,
				       L->root[i % 2], err, errlen);
		if (rc < 0)
			return rc;
		L->n_srv++;
	}
	snprintf(L->file, sizeof(L->file), "%.4000s/pub/test.bin", L->root[0]);
	if ((rc = live_make_file(L->file, L->o->size)) < 0) {
		snprintf(err, errlen, "test file %s: %s", L->file, strerror(-rc));
		return rc;
	}
	/* Server B (the redirect policy's target) serves the same bytes. */
	snprintf(link_b, sizeof(link_b), "%.4000s/pub/test.bin", L->root[1]);
	if (link(L->file, link_b) != 0) {
		rc = -errno;
		snprintf(err, errlen, "link %s: %s", link_b, strerror(errno));
		return rc;
	}
	{
		uint64_t sz;

		if ((rc = live_sha256(L->file, L->sha, &sz)) < 0) {
			snprintf(err, errlen, "sha256sum %s failed", L->file);
			return rc;
		}
	}
	if (L->o->pcap_dir && (rc = live_topo_offloads_off(&L->t, err, errlen)) < 0)
		return rc;
	return 0;
}

/* Has the job's process exited (not reaped yet)? Through its pidfd, or,
 * where pidfd_open is missing (old kernels, valgrind), waitid(WNOWAIT). */
static bool live_job_exited(const struct live_job *j)
{
	siginfo_t si;

	if (j->pidfd >= 0) {
		struct pollfd p = {.fd = j->pidfd, .events = POLLIN};

		return poll(&p, 1, 0) == 1;
	}
	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == j->pid;
}

/* Waits for every started job, the interrupt fd, or the deadline. */
static int live_wait_jobs(struct live_job *jobs, unsigned n, double deadline)
{
	struct pollfd *pf = calloc(n + 1, sizeof(*pf));
	unsigned left = 0;
	int rc = 0;

	if (!pf)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		left += jobs[i].pid > 0;
	while (left > 0 && rc == 0) {
		double now = live_now_s(), wait_s;
		bool polled = false;
		unsigned k = 0;

		for (unsigned i = 0; i < n; i++) {
			if (jobs[i].pid <= 0)
				continue;
			if (jobs[i].pidfd >= 0) {
				pf[k].fd = jobs[i].pidfd;
				pf[k++].events = POLLIN;
			} else {
				polled = true;
			}
		}
		pf[k].fd = live_interrupt_fd();
		pf[k].events = POLLIN;
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		wait_s = deadline - now;
		if (polled && wait_s > 0.01)
			wait_s = 0.01;
		if (poll(pf, k + 1, (int)(wait_s * 1000) + 1) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (live_interrupted()) {
			rc = -EINTR;
			break;
		}
		now = live_now_s();
		for (unsigned i = 0; i < n; i++) {
			struct live_job *j = &jobs[i];

			if (j->pid <= 0 || !live_job_exited(j))
				continue;
			live_reap(j->pid, &j->status);
			j->t1 = now;
			if (j->pidfd >= 0)
				close(j->pidfd);
			j->pidfd = -1;
			j->pid = 0;
			left--;
		}
	}
	free(pf);
	return rc;
}

/* Kills and reaps what is still running (timeout or interrupt). */
static void live_kill_jobs(struct live_job *jobs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct live_job *j = &jobs[i];

		if (j->pid > 0) {
			j->timed_out = !live_interrupted();
			kill(j->pid, SIGKILL);
			live_reap(j->pid, &j->status);
			j->t1 = live_now_s();
			j->pid = 0;
		}
		if (j->pidfd >= 0) {
			close(j->pidfd);
			j->pidfd = -1;
		}
	}
}

/* The last line of a client's log, for the failure message. */
static void live_log_tail(const char *path, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");

	snprintf(out, len, "(no output)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0])
			snprintf(out, len, "%.200s", line);
	}
	fclose(f);
}

/* Verifies one finished job; fills x; 0 ok or -EIO with why. */
static int live_verify(struct live_lab *L, const struct live_job *j, char *server_copy,
		       struct rpt_xfer *x, char *why, size_t whylen)
{
	char hex[65] = "";
	uint64_t size = 0;
	int rc;

	x->bytes = 0;
	snprintf(x->hash, sizeof(x->hash), "%s", "0000000000000000");
	if (j->status != 0) {
		char tail[256];

		live_log_tail(j->log, tail, sizeof(tail));
		snprintf(why, whylen, "%s exited %d: %s", live_tool_name(j->tool), j->status, tail);
		return -EIO;
	}
	if ((rc = live_client_used(j, why, whylen)) < 0)
		return rc;
	if (j->op == LIVE_LIST) {
		char buf[4096] = "";
		FILE *f = fopen(j->local, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		struct stat st;

		if (f)
			fclose(f);
		buf[n] = 0;
		if (stat(j->local, &st) == 0)
			x->bytes = (uint64_t)st.st_size;
		if (!strstr(buf, "test.bin")) {
			snprintf(why, whylen, "the listing does not name test.bin");
			return -EIO;
		}
		if (live_sha256(j->local, hex, &size) == 0)
			snprintf(x->hash, sizeof(x->hash), "%.16s", hex);
		return 0;
	}
	rc = live_sha256(j->op == LIVE_RETR ? j->local : server_copy, hex, &size);
	x->bytes = size;
	if (rc < 0) {
		snprintf(why, whylen, "%s missing", j->op == LIVE_RETR ? "download" : "upload");
		return -EIO;
	}
	snprintf(x->hash, sizeof(x->hash), "%.16s", hex);
	if (size != L->o->size || strcmp(hex, L->sha) != 0) {
		snprintf(why, whylen, "%llu bytes, sha256 %.16s..., expected %llu bytes, %.16s...",
			 (unsigned long long)size, hex, (unsigned long long)L->o->size, L->sha);
		return -EIO;
	}
	return 0;
}

static void live_record(struct rpt_mode_metrics *m, const struct rpt_xfer *x, double *dur_sum,
			uint64_t *bytes_sum)
{
	if (x->ok)
		m->transfers_ok++;
	else
		m->transfers_failed++;
	*dur_sum += x->duration_s;
	*bytes_sum += x->bytes;
	if (m->n_xfers < RPT_MAX_XFERS)
		m->xfers[m->n_xfers++] = *x;
	else
		m->xfers_omitted++;
}

/* One (tool, family, data command, FTP command) with N clients at once. */
static int live_step(struct live_lab *L, const struct live_mode *md, enum live_tool tool, bool v6,
		     enum live_dmode dm, enum live_op op, struct rpt_mode_metrics *m,
		     double *dur_sum, uint64_t *bytes_sum)
{
	const struct live_opts *o = L->o;
	char (*server_copy)[PATH_MAX] = calloc(o->clients, PATH_MAX);
	double deadline;
	int rc = 0;

	if (!server_copy)
		return -ENOMEM;
	for (unsigned i = 0; i < o->clients; i++) {
		struct live_job *j = &L->jobs[i];
		uint64_t id = ++L->seq;

		memset(j, 0, sizeof(*j));
		j->pidfd = -1;
		j->tool = tool;
		j->op = op;
		j->dmode = dm;
		j->v6 = v6;
		j->server = v6 ? LIVE_SRV_A6 : LIVE_SRV_A4;
		snprintf(j->log, sizeof(j->log), "%.4000s/client-%llu.log", L->t.dir,
			 (unsigned long long)id);
		if (op == LIVE_STOR) {
			snprintf(j->local, sizeof(j->local), "%s", L->file);
			snprintf(j->remote, sizeof(j->remote), "/incoming/u%llu.bin",
				 (unsigned long long)id);
			/* --redirect: an upload the client sent to A must land on B */
			snprintf(server_copy[i], PATH_MAX, "%.4000s%.60s",
				 L->root[o->redirect && md->policy ? 1 : 0], j->remote);
		} else {
			snprintf(j->local, sizeof(j->local), "%.4000s/dl-%llu.bin", L->t.dir,
				 (unsigned long long)id);
			snprintf(j->remote, sizeof(j->remote), "%s",
				 op == LIVE_LIST ? "/pub/" : "/pub/test.bin");
		}
	}
	for (unsigned i = 0; i < o->clients && rc == 0; i++)
		if ((rc = live_client_start(&L->t, &L->jobs[i])) < 0)
			fprintf(stderr, "gatelab: live: %s: starting %s: %s\n", md->name,
				live_tool_name(tool), strerror(-rc));
	/* Generous: 60 s plus 1 s per 10 MB per client at once. */
	deadline = live_now_s() + 60.0 + (double)o->size * o->clients / 1e7;
	if (rc == 0)
		rc = live_wait_jobs(L->jobs, o->clients, deadline);
	live_kill_jobs(L->jobs, o->clients);
	if (rc < 0 && rc != -ETIMEDOUT) {
		free(server_copy);
		return rc;
	}
	for (unsigned i = 0; i < o->clients; i++) {
		struct live_job *j = &L->jobs[i];
		struct rpt_xfer x;
		char why[512] = "";

		memset(&x, 0, sizeof(x));
		x.session = i;
		snprintf(x.cmd, sizeof(x.cmd), "%s %.60s [%s %s IPv%d]", live_op_name(op), j->remote,
			 live_tool_name(tool), live_dmode_name(dm), v6 ? 6 : 4);
		snprintf(x.path, sizeof(x.path), "%s", md->xfer_path);
		x.expected = op == LIVE_RETR ? o->size : 0;
		x.duration_s = j->t1 > j->t0 ? j->t1 - j->t0 : 0;
		if (j->timed_out)
			snprintf(why, sizeof(why), "still running after %.0f s: killed",
				 j->t1 - j->t0);
		x.ok = why[0] == 0 && live_verify(L, j, server_copy[i], &x, why, sizeof(why)) == 0;
		x.throughput_bps = x.duration_s > 0 ? (double)x.bytes * 8 / x.duration_s : 0;
		if (!x.ok)
			fprintf(stderr, "gatelab: live: %s: client %u: %s: %s\n", md->name, i, x.cmd,
				why);
		else if (o->verbose)
			printf("  %-10s client %-3u %-50s %10llu bytes %8.3f s ok\n", md->name, i,
			       x.cmd, (unsigned long long)x.bytes, x.duration_s);
		live_record(m, &x, dur_sum, bytes_sum);
		/* Files go at once: 20 clients x 1 GB would fill /tmp otherwise. */
		if (op != LIVE_STOR)
			unlink(j->local);
		else
			unlink(server_copy[i]);
		unlink(j->log);
	}
	free(server_copy);
	return 0;
}

/* Every selected combination the client and the mode can carry; what is
 * left out is counted and named once, never skipped silently. */
static int live_workload(struct live_lab *L, const struct live_mode *md,
			 struct rpt_mode_metrics *m)
{
	const struct live_opts *o = L->o;
	uint64_t bytes = 0, skipped = 0;
	double dur = 0;
	int rc = 0;

	for (int tool = 0; tool < LIVE_TOOL__COUNT && rc == 0; tool++) {
		if (!o->tools[tool])
			continue;
		for (int fam = 0; fam < 2 && rc == 0; fam++) {
			bool v6 = fam == 1;

			if (v6 && !o->ipv6)
				continue;
			for (int dm = 0; dm < LIVE_DMODE__COUNT && rc == 0; dm++) {
				if (!o->dmodes[dm] || !live_client_can(tool, dm, v6))
					continue;
				bool ext = dm == LIVE_EPSV || dm == LIVE_EPRT;

				if ((v6 && !md->ipv6) || (ext && !md->ext)) {
					skipped++;
					continue;
				}
				for (int op = 0; op < LIVE_OP__COUNT && rc == 0; op++)
					if (o->ops[op])
						rc = live_step(L, md, tool, v6, dm, op, m, &dur,
							       &bytes);
			}
		}
	}
	if (o->redirect && !md->policy)
		fprintf(stderr, "gatelab: live: %s: --redirect does not apply (no policy): sessions "
			"go to server A\n", md->name);
	if (skipped)
		fprintf(stderr,
			"gatelab: live: %s: %llu client/data-command combination(s) not run: the "
			"mode carries %s%s only\n",
			md->name, (unsigned long long)skipped, md->ipv6 ? "" : "IPv4 ",
			md->ext ? "" : "PASV/PORT");
	m->throughput_bps = dur > 0 ? (double)bytes * 8 / dur : 0;
	return rc;
}

static int live_one_mode(struct live_lab *L, const struct live_mode *md,
			 struct rpt_mode_metrics *m, char *err, size_t errlen)
{
	struct live_mode_state s = {.t = &L->t, .ipv6 = L->o->ipv6, .stop_fd = -1, .ready_fd = -1,
				    .strace_dir = L->o->strace_dir,
				    .redirect = L->o->redirect && md->policy};
	static struct live_pcap cap;
	uint64_t fwd = 0, local = 0;
	double t0, q0;
	int rc, rc2;

	memset(m, 0, sizeof(*m));
	snprintf(m->mode, sizeof(m->mode), "%s", md->name);
	m->has_live = true;
	if ((rc = live_meter_start(&L->t, err, errlen)) < 0)
		return rc;
	if (L->o->pcap_dir &&
	    (rc = live_pcap_start(&L->t, L->o->pcap_dir, md->name, &cap, err, errlen)) < 0)
		return rc;
	t0 = live_now_s();
	q0 = live_softirq_s();
	if ((rc = md->start(&s)) < 0) {
		snprintf(err, errlen, "%s: %s", md->name, s.err);
		live_pcap_stop(&cap);
		return rc;
	}
	rc = live_workload(L, md, m);
	if ((rc2 = md->stop(&s, m)) < 0) {
		snprintf(err, errlen, "%s: %s", md->name, s.err);
		if (rc == 0)
			rc = rc2;
	}
	m->live.softirq_s = live_softirq_s() - q0;
	m->live.wall_s = live_now_s() - t0;
	if (live_meter_read(&L->t, &fwd, &local) == 0) {
		/* As in the simulator: translated forwarding only; a router
		 * translates nothing. */
		if (strcmp(md->name, "fastpath-ebpf") == 0)
			m->fastpath_packets += fwd; /* the program's own count (set by stop) + netfilter's */
		else
			m->fastpath_packets = strcmp(md->name, "direct") == 0 ? 0 : fwd;
		m->proxied_packets = local;
	}
	if ((rc2 = live_pcap_stop(&cap)) == -EIO && rc == 0) {
		snprintf(err, errlen, "%s: tcpdump did not stop cleanly", md->name);
		rc = -EIO;
	}
	return rc;
}

int live_run(const struct live_opts *o, struct rpt_metrics *m, char *err, size_t errlen)
{
	struct live_lab *L = calloc(1, sizeof(*L));
	int rc;

	memset(m, 0, sizeof(*m));
	snprintf(m->scenario, sizeof(m->scenario), "live");
	if (!L)
		return -ENOMEM;
	L->o = o;
	L->jobs = calloc(o->clients, sizeof(*L->jobs));
	if (!L->jobs) {
		free(L);
		return -ENOMEM;
	}
	/* Clients, 4 servers, a proxy, 2 captures, command helpers. */
	if ((rc = live_cleanup_init(o->clients + 16)) < 0) {
		snprintf(err, errlen, "clean-up registry: %s", strerror(-rc));
		goto out_free;
	}
	rc = live_lab_up(L, err, errlen);
	for (size_t i = 0; rc == 0 && i < o->n_modes && !live_interrupted(); i++) {
		rc = live_one_mode(L, o->modes[i], &m->modes[m->n_modes], err, errlen);
		if (rc == -EPERM || rc == -ENOSYS)
			rc = -EIO; /* a mode's failure, said in err: not the namespaces' */
		if (rc == 0 || rc == -EINTR)
			m->n_modes++;
		if (rc == 0 && live_interrupted())
			rc = -EINTR;
	}
	if (rc == -EINTR || live_interrupted()) {
		rc = -EINTR;
		snprintf(err, errlen, "interrupted by signal %d", live_interrupt_signal());
	}
	live_cleanup_all();
out_free:
	free(L->jobs);
	free(L);
	return rc;
}
