/* test_run.c - the runner end to end on scenarios/basic.yaml scaled down:
 * same verified file in every mode, the counters tell the modes apart,
 * deterministic runs, loss changes timings but not files, captures, and
 * every counted failure reported with its cause (on_failure). */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sim/sim_run.h"
#include "tu.h"

#define MB 1000000ULL

static struct scen sc;
static struct rpt_metrics m;

static void load(uint64_t size)
{
	char err[SCEN_ERR_LEN];

	CU_ASSERT_FATAL(scen_parse_file("scenarios/basic.yaml", &sc, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(sc.n_servers == 1 && sc.servers[0].n_files == 1 && sc.n_sessions == 1);
	sc.servers[0].files[0].size = size;
}

static int run(const struct sim_run_opts *o)
{
	struct sim_run_opts def;
	char err[512] = "";
	int rc;

	sim_run_opts_default(&def);
	rc = sim_run(&sc, o ? o : &def, &m, err, sizeof(err));
	if (rc)
		printf("\nsim_run: %d %s\n", rc, err);
	return rc;
}

static const struct rpt_mode_metrics *mode(const char *name)
{
	for (size_t i = 0; i < m.n_modes; i++)
		if (strcmp(m.modes[i].mode, name) == 0)
			return &m.modes[i];
	return NULL;
}

/* Every mode ran its transfers intact, with the same content hash. */
static void check_all_ok(size_t want_xfers)
{
	const char *hash = NULL;

	for (size_t i = 0; i < m.n_modes; i++) {
		const struct rpt_mode_metrics *x = &m.modes[i];

		CU_ASSERT(x->transfers_ok == want_xfers);
		CU_ASSERT(x->transfers_failed == 0);
		CU_ASSERT_FATAL(x->n_xfers == want_xfers);
		CU_ASSERT(x->xfers[0].ok);
		CU_ASSERT(x->xfers[0].bytes == x->xfers[0].expected);
		if (!hash)
			hash = x->xfers[0].hash;
		CU_ASSERT_STRING_EQUAL(x->xfers[0].hash, hash);
		if (x->transfers_failed)
			printf("\nmode %s: %llu failed\n", x->mode,
			       (unsigned long long)x->transfers_failed);
	}
}

static void test_basic_four_modes(void)
{
	const struct rpt_mode_metrics *d, *n, *p, *f;

	load(4 * MB);
	CU_ASSERT_FATAL(run(NULL) == 0);
	CU_ASSERT_FATAL(m.n_modes == 4);
	CU_ASSERT_STRING_EQUAL(m.scenario, "basic");
	CU_ASSERT(m.seed == 1);
	check_all_ok(1);
	d = mode("direct");
	n = mode("nat");
	p = mode("proxy");
	f = mode("fastpath");
	CU_ASSERT_FATAL(d && n && p && f);
	CU_ASSERT(d->xfers[0].bytes == 4 * MB);
	/* direct: a router; nat: translated in the kernel; neither uses the API */
	CU_ASSERT(d->api_calls == 0 && d->transitions == 0 && d->fastpath_packets == 0);
	CU_ASSERT(n->api_calls == 0 && n->transitions == 0 && n->data_transitions == 0);
	CU_ASSERT(n->fastpath_packets > 4 * MB / 1500);
	CU_ASSERT_STRING_EQUAL(d->xfers[0].path, "kernel");
	/* proxy: every data byte up and down again */
	CU_ASSERT(p->api_calls > 0);
	CU_ASSERT(p->data_transitions > 0);
	CU_ASSERT(p->bytes_copied >= 2 * 4 * MB);
	CU_ASSERT(p->proxied_packets > 4 * MB / 1500);
	CU_ASSERT_STRING_EQUAL(p->xfers[0].path, "proxy");
	/* fastpath: control through the proxy, data never leaves the kernel */
	CU_ASSERT(f->api_calls > 0);
	CU_ASSERT(f->data_transitions == 0);
	CU_ASSERT(f->transitions > 0);
	CU_ASSERT(f->bytes_copied < 4096);
	CU_ASSERT(f->fastpath_packets > 4 * MB / 1500);
	CU_ASSERT_STRING_EQUAL(f->xfers[0].path, "fast");
	/* the proxy path costs the gateway more CPU than the fast path */
	CU_ASSERT(p->gateway_cpu_s > f->gateway_cpu_s);
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT(m.modes[i].throughput_bps > 0);
		CU_ASSERT(m.modes[i].sim_time_s > 0);
		CU_ASSERT(m.modes[i].events > 0);
	}
}

/* Proxy-path crossings scale with the data; fast-path ones do not. */
static void test_crossings_scale(void)
{
	struct sim_run_opts o;
	uint64_t p_dtr[2], p_copied[2], f_tr[2];

	sim_run_opts_default(&o);
	o.modes_set = true;
	o.modes[SCEN_MODE_PROXY] = o.modes[SCEN_MODE_FASTPATH] = true;
	for (int k = 0; k < 2; k++) {
		load(k ? 8 * MB : 2 * MB);
		CU_ASSERT_FATAL(run(&o) == 0);
		CU_ASSERT_FATAL(m.n_modes == 2);
		check_all_ok(1);
		p_dtr[k] = mode("proxy")->data_transitions;
		p_copied[k] = mode("proxy")->bytes_copied;
		f_tr[k] = mode("fastpath")->transitions;
		CU_ASSERT(mode("fastpath")->data_transitions == 0);
	}
	CU_ASSERT(p_dtr[1] > 3 * p_dtr[0]);
	CU_ASSERT(p_copied[1] - p_copied[0] >= 2 * 6 * MB);
	CU_ASSERT(f_tr[1] == f_tr[0]);
}

static char *write_json(const char *tmpl)
{
	char *path = strdup(tmpl);
	int fd;

	CU_ASSERT_FATAL(path != NULL);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(rpt_metrics_write(&m, path) == 0);
	return path;
}

static void test_deterministic(void)
{
	char *p1, *p2;
	uint8_t *b1, *b2;
	size_t n1 = 0, n2 = 0;

	load(2 * MB);
	sc.outside.loss = 0.005;
	CU_ASSERT_FATAL(run(NULL) == 0);
	p1 = write_json("/tmp/gatelab_run1_XXXXXX");
	CU_ASSERT_FATAL(run(NULL) == 0);
	p2 = write_json("/tmp/gatelab_run2_XXXXXX");
	b1 = tu_read_file(p1, &n1);
	b2 = tu_read_file(p2, &n2);
	CU_ASSERT_FATAL(b1 && b2);
	CU_ASSERT(n1 == n2 && memcmp(b1, b2, n1) == 0);
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
	free(b1);
	free(b2);
}

/* Another seed on a lossy link: other losses, other timings, same files. */
static void test_seed_with_loss(void)
{
	struct sim_run_opts o;
	double t[2];
	uint64_t lost[2];
	char hash[2][17];

	for (int k = 0; k < 2; k++) {
		load(2 * MB);
		sc.outside.loss = 0.01;
		sim_run_opts_default(&o);
		o.seed_set = true;
		o.seed = 1000 + (uint64_t)k;
		CU_ASSERT_FATAL(run(&o) == 0);
		CU_ASSERT(m.seed == o.seed);
		check_all_ok(1);
		t[k] = mode("proxy")->xfers[0].duration_s;
		lost[k] = mode("nat")->drops.link_loss;
		strcpy(hash[k], mode("nat")->xfers[0].hash);
		CU_ASSERT(lost[k] > 0);
	}
	CU_ASSERT(t[0] != t[1]);
	CU_ASSERT_STRING_EQUAL(hash[0], hash[1]);
}

/* Passive over IPv6 (EPSV), an upload and a listing in every mode. */
static void test_ipv6_upload_listing(void)
{
	load(1 * MB);
	sc.sessions[0].family = NET_AF_INET6;
	strcpy(sc.sessions[0].cmds[1], "STOR /pub/up.bin 1500KB");
	strcpy(sc.sessions[0].cmds[2], "LIST /pub");
	sc.sessions[0].n_cmds = 3;
	CU_ASSERT_FATAL(run(NULL) == 0);
	check_all_ok(3);
	for (size_t i = 0; i < m.n_modes; i++) {
		CU_ASSERT(m.modes[i].xfers[1].bytes == 1500000);
		CU_ASSERT(strncmp(m.modes[i].xfers[1].cmd, "STOR", 4) == 0);
	}
	CU_ASSERT(mode("fastpath")->data_transitions == 0);
	CU_ASSERT(mode("proxy")->bytes_copied >= 2 * (1 * MB + 1500000));
}

/* One active-mode (PORT) transfer in every mode. */
static void test_active(void)
{
	load(1 * MB);
	sc.sessions[0].data = SCEN_DATA_ACTIVE;
	CU_ASSERT_FATAL(run(NULL) == 0);
	check_all_ok(1);
	CU_ASSERT(mode("fastpath")->data_transitions == 0);
	CU_ASSERT(mode("proxy")->bytes_copied >= 2 * MB);
}

/* A denied site: the proxy refuses the session, so only the modes without
 * it deliver the file; the failure is counted, not hidden. */
static void test_policy_deny(void)
{
	load(1 * MB);
	CU_ASSERT_FATAL(net_prefix_parse("198.51.100.0/24", &sc.policy.sites[0].server) == 0);
	sc.policy.sites[0].deny = true;
	sc.policy.n_sites = 1;
	CU_ASSERT_FATAL(run(NULL) == 0);
	CU_ASSERT(mode("direct")->transfers_ok == 1 && mode("direct")->transfers_failed == 0);
	CU_ASSERT(mode("nat")->transfers_ok == 1 && mode("nat")->transfers_failed == 0);
	CU_ASSERT(mode("proxy")->transfers_ok == 0 && mode("proxy")->transfers_failed == 1);
	CU_ASSERT(mode("fastpath")->transfers_ok == 0 && mode("fastpath")->transfers_failed == 1);
}

static void test_bad_input(void)
{
	char err[512];
	struct sim_run_opts o;

	sim_run_opts_default(&o);
	load(1 * MB);
	strcpy(sc.cost_profile, "/nonexistent/cost.json");
	CU_ASSERT(sim_run(&sc, &o, &m, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "cost profile '/nonexistent/cost.json'") != NULL);
	load(1 * MB);
	strcpy(sc.sessions[0].cmds[0], "STOR /pub/x");
	CU_ASSERT(sim_run(&sc, &o, &m, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "uploads are 'STOR PATH SIZE'") != NULL);
}

static long count_pcap(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	long n = 0;
	pcap_t *p = pcap_open_offline(path, eb);

	if (!p)
		return -1;
	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	pcap_close(p);
	return n;
}

static void test_pcaps(void)
{
	char dir[] = "/tmp/gatelab_pcap_XXXXXX";
	char path[256];
	struct sim_run_opts o;
	long in, out;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	load(200000);
	sim_run_opts_default(&o);
	o.pcap_dir = dir;
	o.modes_set = true;
	o.modes[SCEN_MODE_NAT] = true;
	CU_ASSERT_FATAL(run(&o) == 0);
	snprintf(path, sizeof(path), "%s/nat-inside.pcap", dir);
	in = count_pcap(path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nat-outside.pcap", dir);
	out = count_pcap(path);
	unlink(path);
	CU_ASSERT(in > 200000 / 1500);
	CU_ASSERT(in == out); /* nothing lost, nothing made up by the gateway */
	rmdir(dir);
}

/* Two clients behind the gateway, two servers outside, sessions crossing:
 * the switches deliver by address, and the gNAT keeps the sessions apart. */
static const char multi_yaml[] =
	"name: multi\n"
	"clients:\n"
	"  - {name: a, addresses: [192.0.2.10, 2001:db8:1::10]}\n"
	"  - {name: b, addresses: 192.0.2.11}\n"
	"servers:\n"
	"  - {name: s1, addresses: 198.51.100.20, files: [{path: /x.bin, size: 300KB}]}\n"
	"  - {name: s2, addresses: [203.0.113.20, 2001:db8:2::20],"
	" files: [{path: /y.bin, size: 500KB}]}\n"
	"sessions:\n"
	"  - {client: a, server: s1, commands: [RETR /x.bin]}\n"
	"  - {client: b, server: s2, commands: [RETR /y.bin], start: 10ms}\n"
	"  - {client: b, server: s1, commands: [RETR /x.bin], data: active, start: 5ms}\n"
	"  - {client: a, server: s2, family: 6, commands: [RETR /y.bin]}\n";

static void test_multi_hosts(void)
{
	char err[SCEN_ERR_LEN];

	CU_ASSERT_FATAL(scen_parse_buf("multi", (const uint8_t *)multi_yaml, strlen(multi_yaml), &sc,
				       err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(run(NULL) == 0);
	CU_ASSERT_FATAL(m.n_modes == 4);
	for (size_t i = 0; i < m.n_modes; i++) {
		const struct rpt_mode_metrics *x = &m.modes[i];

		CU_ASSERT(x->transfers_ok == 4 && x->transfers_failed == 0);
		CU_ASSERT_FATAL(x->n_xfers == 4);
		/* sessions finish in their own order; each names its own */
		for (size_t k = 0; k < 4; k++) {
			uint64_t want = x->xfers[k].session % 2 ? 500000 : 300000;

			CU_ASSERT(x->xfers[k].ok && x->xfers[k].bytes == want);
		}
	}
	CU_ASSERT(mode("fastpath")->data_transitions == 0);
	CU_ASSERT(mode("proxy")->bytes_copied >= 2 * (2 * 300000 + 2 * 500000));
}

/* The proxy's path choice per transfer shows in the report: passive
 * transfers take the default (proxy), active ones are decided at the
 * command (file_path fast); only the proxy path's bytes cross. */
static void test_path_per_transfer(void)
{
	struct sim_run_opts o;
	const struct rpt_mode_metrics *f;

	load(1 * MB);
	sc.policy.default_mode = FTPP_MODE_PROXY;
	sc.policy.file_path = FTPP_PATH_FAST;
	sc.sessions[1] = sc.sessions[0];
	sc.sessions[1].data = SCEN_DATA_ACTIVE;
	sc.sessions[1].start_ns = 2000000000ULL; /* after the first: paths by time */
	sc.n_sessions = 2;
	sim_run_opts_default(&o);
	o.modes_set = true;
	o.modes[SCEN_MODE_FASTPATH] = true;
	CU_ASSERT_FATAL(run(&o) == 0);
	f = mode("fastpath");
	CU_ASSERT_FATAL(f && f->n_xfers == 2 && f->transfers_ok == 2);
	CU_ASSERT(f->xfers[0].session == 0 && f->xfers[1].session == 1);
	CU_ASSERT_STRING_EQUAL(f->xfers[0].path, "proxy");
	CU_ASSERT_STRING_EQUAL(f->xfers[1].path, "fast");
	CU_ASSERT(f->data_transitions > 0);
	CU_ASSERT(f->bytes_copied >= 2 * MB && f->bytes_copied < 2 * 2 * MB);
}

/* ABOR mid-download, then the whole file: the proxy path abandons the splice
 * (CLOSE_DATA) and the session goes on in every mode. */
static void test_abort_then_retr(void)
{
	load(4 * MB);
	strcpy(sc.sessions[0].cmds[1], sc.sessions[0].cmds[0]);
	strcpy(sc.sessions[0].cmds[0], "ABOR /pub/big.bin 1MB");
	sc.sessions[0].n_cmds = 2;
	CU_ASSERT_FATAL(run(NULL) == 0);
	for (size_t i = 0; i < m.n_modes; i++) {
		const struct rpt_mode_metrics *x = &m.modes[i];

		CU_ASSERT(x->transfers_ok == 2 && x->transfers_failed == 0);
		CU_ASSERT_FATAL(x->n_xfers == 2);
		CU_ASSERT(x->xfers[0].bytes >= 1 * MB && x->xfers[0].bytes < 4 * MB);
		CU_ASSERT(x->xfers[1].bytes == 4 * MB);
		CU_ASSERT_STRING_EQUAL(x->xfers[1].hash, m.modes[0].xfers[1].hash);
	}
	CU_ASSERT_STRING_EQUAL(mode("proxy")->xfers[0].path, "proxy");
	CU_ASSERT(mode("fastpath")->data_transitions == 0);
}

/* A slow, shallow, reordering outside link: tail drops and reordering, and
 * still every file arrives intact. */
static void test_congested_link(void)
{
	load(2 * MB);
	sc.outside.bw_bps = 20000000ULL;
	sc.outside.queue_pkts = 8;
	sc.outside.reorder = 0.02;
	CU_ASSERT_FATAL(run(NULL) == 0);
	check_all_ok(1);
	for (size_t i = 0; i < m.n_modes; i++)
		CU_ASSERT(m.modes[i].drops.link_queue > 0);
	CU_ASSERT(mode("proxy")->bytes_copied >= 2 * 2 * MB);
}

/* Policy limits and the redirect map act in the proxy modes only: two
 * sessions at once with max_sessions 1 (one refused), and a session sent to
 * another server that holds the same file. */
static void test_policy_limit_and_redirect(void)
{
	static const char yaml[] =
		"clients: [{name: a, addresses: 192.0.2.10}, {name: b, addresses: 192.0.2.11}]\n"
		"servers:\n"
		"  - {name: s1, addresses: 198.51.100.20, files: [{path: /f, size: 2MB}]}\n"
		"  - {name: s2, addresses: 198.51.100.30, files: [{path: /f, size: 2MB}]}\n"
		"policy: {max_sessions: 1}\n"
		"sessions:\n"
		"  - {client: a, server: s1, commands: [RETR /f]}\n"
		"  - {client: b, server: s1, commands: [RETR /f], start: 20ms}\n";
	char err[SCEN_ERR_LEN];
	struct net_addr s1, s2;

	CU_ASSERT_FATAL(scen_parse_buf("lim", (const uint8_t *)yaml, strlen(yaml), &sc, err,
				       sizeof(err)) == 0);
	CU_ASSERT_FATAL(run(NULL) == 0);
	CU_ASSERT(mode("direct")->transfers_ok == 2 && mode("nat")->transfers_ok == 2);
	CU_ASSERT(mode("proxy")->transfers_ok == 1 && mode("proxy")->transfers_failed == 1);
	CU_ASSERT(mode("fastpath")->transfers_ok == 1 && mode("fastpath")->transfers_failed == 1);

	/* the proxy sends sessions for s1 to s2; direct and nat still reach s1 */
	sc.policy.max_sessions = 0;
	CU_ASSERT_FATAL(net_addr_parse("198.51.100.20", &s1) == 0);
	CU_ASSERT_FATAL(net_addr_parse("198.51.100.30", &s2) == 0);
	sc.policy.maps[0].from = s1;
	sc.policy.maps[0].to = s2;
	sc.policy.n_maps = 1;
	sc.servers[0].files[0].size = 1 * MB; /* s1's own copy differs: size */
	CU_ASSERT_FATAL(run(NULL) == 0);
	CU_ASSERT(mode("direct")->transfers_ok == 2);
	CU_ASSERT(mode("direct")->xfers[0].bytes == 1 * MB);
	/* the proxy fetched s2's 2 MB file, which s1's (1 MB) does not match */
	CU_ASSERT(mode("fastpath")->transfers_ok == 0 && mode("fastpath")->transfers_failed == 2);
	CU_ASSERT(mode("proxy")->transfers_ok == 0 && mode("proxy")->transfers_failed == 2);
	CU_ASSERT_FATAL(mode("proxy")->n_xfers == 2);
	CU_ASSERT(mode("proxy")->xfers[0].bytes == 2 * MB);
}

/* The proxy is sent to a server that does not exist: its connection fails
 * (the driver reports it to the core), the client is refused, the run ends. */
static void test_redirect_to_nowhere(void)
{
	struct sim_run_opts o;

	load(1 * MB);
	sc.policy.maps[0].from = sc.servers[0].addr[0];
	CU_ASSERT_FATAL(net_addr_parse("198.51.100.99", &sc.policy.maps[0].to) == 0);
	sc.policy.n_maps = 1;
	sim_run_opts_default(&o);
	o.modes_set = true;
	o.modes[SCEN_MODE_PROXY] = o.modes[SCEN_MODE_FASTPATH] = true;
	CU_ASSERT_FATAL(run(&o) == 0);
	for (size_t i = 0; i < m.n_modes; i++) {
		CU_ASSERT(m.modes[i].transfers_ok == 0 && m.modes[i].transfers_failed == 1);
		CU_ASSERT(m.modes[i].drops.no_host > 0);
		CU_ASSERT(m.modes[i].n_xfers == 0);
		CU_ASSERT(m.modes[i].data_transitions == 0);
	}
}

/* The virtual time budget ends a run that cannot finish in it: reported as
 * such, with what happened until then (the session counts as failed). */
static void test_time_limit(void)
{
	struct sim_run_opts o;
	char err[512] = "";

	load(4 * MB);
	sim_run_opts_default(&o);
	o.modes_set = true;
	o.modes[SCEN_MODE_PROXY] = true;
	o.time_limit_ns = 30000000ULL; /* 30 ms: the login alone takes longer */
	CU_ASSERT(sim_run(&sc, &o, &m, err, sizeof(err)) == -ETIMEDOUT);
	CU_ASSERT(strstr(err, "proxy: 1 of 1 sessions unfinished") != NULL);
	CU_ASSERT_FATAL(m.n_modes == 1);
	CU_ASSERT(m.modes[0].transfers_ok == 0 && m.modes[0].transfers_failed == 1);
	CU_ASSERT(m.modes[0].sim_time_s <= 0.030 && m.modes[0].transitions > 0);
}

/* What sim_run told about each failure (o.on_failure), per mode. */
struct fail_rec {
	size_t n[SCEN_MODE__COUNT];
	char last[SCEN_MODE__COUNT][320];
};

static void fail_rec_cb(void *ctx, const struct sim_run_failure *f)
{
	struct fail_rec *r = ctx;

	r->n[f->mode]++;
	snprintf(r->last[f->mode], sizeof(r->last[0]), "%zu %u/%u|%s|%d|%s|%s", f->session,
		 (unsigned)f->copy, (unsigned)f->copies, f->cmd ? f->cmd : "-", f->reply_code,
		 f->reply, f->why ? f->why : "-");
}

/* Every failure transfers_failed counts reaches on_failure with its cause:
 * a 2xx transfer whose bytes are not the file's, and a session the time
 * limit ended without a transfer. */
static void test_failures_named(void)
{
	static const char yaml[] =
		"clients: [{name: a, addresses: 192.0.2.10}]\n"
		"servers:\n"
		"  - {name: s1, addresses: 198.51.100.20, files: [{path: /f, size: 1MB}]}\n"
		"  - {name: s2, addresses: 198.51.100.30, files: [{path: /f, size: 2MB}]}\n"
		"sessions:\n"
		"  - {client: a, server: s1, count: 3, every: 10ms, commands: [RETR /f]}\n";
	static struct fail_rec rec;
	struct sim_run_opts o;
	char err[SCEN_ERR_LEN];

	CU_ASSERT_FATAL(scen_parse_buf("fail", (const uint8_t *)yaml, strlen(yaml), &sc, err,
				       sizeof(err)) == 0);
	/* the proxy fetches s2's 2 MB file for s1's 1 MB one */
	sc.policy.maps[0].from = sc.servers[0].addr[0];
	sc.policy.maps[0].to = sc.servers[1].addr[0];
	sc.policy.n_maps = 1;
	memset(&rec, 0, sizeof(rec));
	sim_run_opts_default(&o);
	o.on_failure = fail_rec_cb;
	o.failure_ctx = &rec;
	CU_ASSERT_FATAL(run(&o) == 0);
	CU_ASSERT(mode("direct")->transfers_failed == 0 && rec.n[SCEN_MODE_DIRECT] == 0);
	CU_ASSERT(mode("proxy")->transfers_failed == 3 && rec.n[SCEN_MODE_PROXY] == 3);
	CU_ASSERT(mode("fastpath")->transfers_failed == 3 && rec.n[SCEN_MODE_FASTPATH] == 3);
	CU_ASSERT_STRING_EQUAL(rec.last[SCEN_MODE_PROXY],
			       "0 2/3|RETR /f|226|Transfer complete.|content does not match the server's file");
	CU_ASSERT(mode("proxy")->xfers[0].reply_code == 226);
	CU_ASSERT_STRING_EQUAL(mode("proxy")->xfers[0].reply, "Transfer complete.");

	/* 30 ms of virtual time: the login alone takes longer */
	load(4 * MB);
	memset(&rec, 0, sizeof(rec));
	sim_run_opts_default(&o);
	o.on_failure = fail_rec_cb;
	o.failure_ctx = &rec;
	o.modes_set = true;
	o.modes[SCEN_MODE_PROXY] = true;
	o.time_limit_ns = 30000000ULL;
	CU_ASSERT(sim_run(&sc, &o, &m, err, sizeof(err)) == -ETIMEDOUT);
	CU_ASSERT(m.modes[0].transfers_failed == 1 && rec.n[SCEN_MODE_PROXY] == 1);
	CU_ASSERT_STRING_EQUAL(rec.last[SCEN_MODE_PROXY],
			       "0 0/1|-|0||the session did not end (time limit)");
}

TU_MAIN("run", TU_CASE(test_basic_four_modes), TU_CASE(test_crossings_scale),
	TU_CASE(test_deterministic), TU_CASE(test_seed_with_loss),
	TU_CASE(test_ipv6_upload_listing), TU_CASE(test_active), TU_CASE(test_policy_deny),
	TU_CASE(test_bad_input), TU_CASE(test_pcaps), TU_CASE(test_multi_hosts),
	TU_CASE(test_path_per_transfer),
	TU_CASE(test_abort_then_retr), TU_CASE(test_congested_link),
	TU_CASE(test_policy_limit_and_redirect),
	TU_CASE(test_redirect_to_nowhere), TU_CASE(test_time_limit),
	TU_CASE(test_failures_named))
