/* test_live.c - the parts of the live lab that need no root: the metrics'
 * live keys and six modes through JSON and back, the strace reader, which
 * data commands each client can be made to send, the check of a client's
 * verbose log, and the mode table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../live/live_client.h"
#include "../live/live_mode.h"
#include "../live/live_strace.h"
#include "../reports/metrics.h"
#include "tu.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/gatelab_test_live.XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void fill_mode(struct rpt_mode_metrics *m, const char *name, uint64_t k)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->mode, sizeof(m->mode), "%s", name);
	m->bytes_copied = 1000 * k;
	m->transfers_ok = k;
	m->has_live = true;
	m->live.wall_s = 1.5;
	m->live.softirq_s = 0.25;
	m->live.context_switches = 77 + k;
	m->live.n_syscalls = 2;
	strcpy(m->live.syscalls[0].name, "recvfrom");
	m->live.syscalls[0].n = 10 + k;
	strcpy(m->live.syscalls[1].name, "sendto");
	m->live.syscalls[1].n = 20 + k;
	snprintf(m->live.measured_by, sizeof(m->live.measured_by), "test %llu",
		 (unsigned long long)k);
}

/* Six modes with live keys survive the round trip; a seventh is refused. */
static void test_live_metrics_roundtrip(void)
{
	static const char *names[] = {"direct", "kernel-alg", "suse-proxy", "proxy", "fastpath",
				      "fastpath-ebpf"};
	static struct rpt_metrics m, back;
	char err[256];
	json_t *doc, *modes;

	memset(&m, 0, sizeof(m));
	strcpy(m.scenario, "live");
	for (size_t i = 0; i < 6; i++)
		fill_mode(&m.modes[m.n_modes++], names[i], i);
	doc = rpt_metrics_to_json(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(rpt_metrics_from_json(doc, &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.n_modes, 6);
	for (size_t i = 0; i < back.n_modes; i++) {
		const struct rpt_mode_metrics *a = &m.modes[i], *b = &back.modes[i];

		CU_ASSERT_STRING_EQUAL(a->mode, b->mode);
		CU_ASSERT(b->has_live);
		CU_ASSERT_DOUBLE_EQUAL(b->live.wall_s, 1.5, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(b->live.softirq_s, 0.25, 1e-12);
		CU_ASSERT_EQUAL(b->live.context_switches, a->live.context_switches);
		CU_ASSERT_EQUAL(b->live.n_syscalls, 2);
		CU_ASSERT_STRING_EQUAL(b->live.syscalls[1].name, "sendto");
		CU_ASSERT_EQUAL(b->live.syscalls[1].n, a->live.syscalls[1].n);
		CU_ASSERT_STRING_EQUAL(b->live.measured_by, a->live.measured_by);
	}
	/* a seventh mode: refused with a reason, not cut */
	modes = json_object_get(doc, "modes");
	json_object_set(modes, "seventh", json_object_get(modes, "direct"));
	CU_ASSERT_EQUAL(rpt_metrics_from_json(doc, &back, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 6"));
	json_decref(doc);
}

/* A simulator document (no live keys) reads back without them. */
static void test_live_metrics_absent(void)
{
	static struct rpt_metrics m, back;
	char err[256];
	json_t *doc;

	memset(&m, 0, sizeof(m));
	strcpy(m.scenario, "basic");
	strcpy(m.modes[0].mode, "nat");
	m.n_modes = 1;
	doc = rpt_metrics_to_json(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(json_object_get(doc, "modes"), "nat"),
					   "wall_s"));
	CU_ASSERT_EQUAL(rpt_metrics_from_json(doc, &back, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(back.modes[0].has_live);
	json_decref(doc);
}

static void test_live_strace_read(void)
{
	static struct live_strace st;
	const char *text =
		"4242 recvfrom(5, \"\"..., 65536, 0, NULL, NULL) = 1448\n"
		"4242 sendto(6, \"\"..., 1448, 0, NULL, 0) = 1448\n"
		"4243 read(3, \"\"..., 4096) = 100\n"
		"4243 recvfrom(5, \"\"..., 65536, 0, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)\n"
		"4243 +++ exited with 0 +++\n"
		"% time     seconds  usecs/call     calls    errors syscall\n"
		"------ ----------- ----------- --------- --------- ----------------\n"
		" 60.00    0.000060          30         2         1 recvfrom\n"
		" 30.00    0.000030          30         1           sendto\n"
		" 10.00    0.000010          10         1           read\n"
		"------ ----------- ----------- --------- --------- ----------------\n"
		"100.00    0.000100          25         4         1 total\n";
	char *path = write_tmp(text);

	CU_ASSERT_EQUAL_FATAL(live_strace_read(path, &st), 0);
	CU_ASSERT_EQUAL(st.n, 3);
	CU_ASSERT_EQUAL(st.total_calls, 4);
	CU_ASSERT_EQUAL(live_strace_calls(&st, "recvfrom"), 2);
	CU_ASSERT_EQUAL(live_strace_calls(&st, "sendto"), 1);
	CU_ASSERT_EQUAL(live_strace_calls(&st, "epoll_wait"), 0);
	CU_ASSERT_EQUAL(st.sock_bytes, 2896); /* the failed call adds nothing */
	CU_ASSERT_EQUAL(st.rw_bytes, 100);
	unlink(path);
	/* no summary: strace did not finish */
	path = write_tmp("4242 read(3, \"\", 1) = 1\n");
	CU_ASSERT_EQUAL(live_strace_read(path, &st), -EPROTO);
	unlink(path);
	CU_ASSERT_EQUAL(live_strace_read("/nonexistent/strace.out", &st), -ENOENT);
}

static void test_live_client_can(void)
{
	/* lftp picks PORT on IPv4 and EPRT on IPv6 itself */
	CU_ASSERT_FALSE(live_client_can(LIVE_LFTP, LIVE_EPRT, false));
	CU_ASSERT_TRUE(live_client_can(LIVE_LFTP, LIVE_EPRT, true));
	CU_ASSERT_TRUE(live_client_can(LIVE_LFTP, LIVE_PORT, false));
	CU_ASSERT_TRUE(live_client_can(LIVE_CURL, LIVE_EPRT, false));
	/* PASV and PORT carry IPv4 addresses only */
	for (int t = 0; t < LIVE_TOOL__COUNT; t++) {
		CU_ASSERT_FALSE(live_client_can(t, LIVE_PASV, true));
		CU_ASSERT_FALSE(live_client_can(t, LIVE_PORT, true));
		CU_ASSERT_TRUE(live_client_can(t, LIVE_EPSV, true));
	}
}

static void test_live_client_used(void)
{
	struct live_job j;
	char why[128];
	char *path;

	memset(&j, 0, sizeof(j));
	j.op = LIVE_RETR;
	j.dmode = LIVE_EPSV;
	path = write_tmp("> USER anonymous\n> EPSV\n< 229 Entering Extended Passive Mode (|||40001|)\n");
	snprintf(j.log, sizeof(j.log), "%s", path);
	CU_ASSERT_EQUAL(live_client_used(&j, why, sizeof(why)), 0);
	unlink(path);
	/* curl fell back from EPSV to PASV: not the transfer we asked for */
	path = write_tmp("> EPSV\n< 500 no\n> PASV\n< 227 Entering Passive Mode (198,51,100,20,1,2)\n");
	snprintf(j.log, sizeof(j.log), "%s", path);
	CU_ASSERT_EQUAL(live_client_used(&j, why, sizeof(why)), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "fallback"));
	unlink(path);
	/* lftp's debug lines */
	j.dmode = LIVE_PORT;
	path = write_tmp("---> PORT 192,0,2,10,156,64\n<--- 200 PORT command successful.\n");
	snprintf(j.log, sizeof(j.log), "%s", path);
	CU_ASSERT_EQUAL(live_client_used(&j, why, sizeof(why)), 0);
	unlink(path);
	j.dmode = LIVE_PASV;
	path = write_tmp("---> PORT 192,0,2,10,156,64\n");
	snprintf(j.log, sizeof(j.log), "%s", path);
	CU_ASSERT_EQUAL(live_client_used(&j, why, sizeof(why)), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "never sent PASV"));
	unlink(path);
}

/* Every mode is findable by its name and has what the runner calls, or says
 * why this build cannot run it. */
static void test_live_modes_table(void)
{
	size_t n = 0;

	for (const struct live_mode *const *m = live_modes; *m; m++, n++) {
		CU_ASSERT_PTR_EQUAL(live_mode_find((*m)->name), *m);
		CU_ASSERT(strlen((*m)->name) < sizeof(((struct rpt_mode_metrics *)0)->mode));
		if (!(*m)->unavailable) {
			CU_ASSERT_PTR_NOT_NULL((*m)->start);
			CU_ASSERT_PTR_NOT_NULL((*m)->stop);
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr((*m)->unavailable, "not available"));
		}
	}
	CU_ASSERT_EQUAL(n, 6); /* direct kernel-alg suse-proxy proxy fastpath fastpath-ebpf */
	CU_ASSERT(n <= RPT_MAX_MODES);
	CU_ASSERT_PTR_NULL(live_mode_find("nat"));
}

TU_MAIN("live", TU_CASE(test_live_metrics_roundtrip), TU_CASE(test_live_metrics_absent),
	TU_CASE(test_live_strace_read), TU_CASE(test_live_client_can),
	TU_CASE(test_live_client_used), TU_CASE(test_live_modes_table))
