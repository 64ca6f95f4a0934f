/* test_report.c - the report renderers on metrics built here: escaping for
 * HTML/CSV/Graphviz, metrics.csv and report.md contents, the topology's JSON
 * round trip, the trace's bounds, and the all-or-nothing report directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../reports/render.h"
#include "tu.h"

/* Output of a renderer as a malloc'd string. */
static char *capture(int (*fn)(const struct rpt_metrics *, FILE *), const struct rpt_metrics *m,
		     int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	*rc = fn(m, f);
	fclose(f);
	return buf;
}

static struct rpt_metrics *sample(void)
{
	static struct rpt_metrics m;
	static const char *const names[] = {"direct", "proxy"};

	memset(&m, 0, sizeof(m));
	snprintf(m.scenario, sizeof(m.scenario), "a|b,<c>");
	m.seed = 7;
	m.n_modes = 2;
	for (size_t i = 0; i < 2; i++) {
		struct rpt_mode_metrics *x = &m.modes[i];

		snprintf(x->mode, sizeof(x->mode), "%s", names[i]);
		x->transitions = 100 * i + 3;
		x->data_transitions = 10 * i;
		x->bytes_copied = 4000000 * i;
		x->api_calls = 5 + i;
		x->fastpath_packets = 11;
		x->proxied_packets = 13 * i;
		x->gateway_cpu_s = 0.25 + (double)i;
		x->throughput_bps = 8e6;
		x->transfers_ok = 1;
		x->transfers_failed = i;
		x->n_xfers = 1;
		x->xfers[0].bytes = 2000000;
		snprintf(x->xfers[0].cmd, sizeof(x->xfers[0].cmd), "RETR /p|q");
		snprintf(x->xfers[0].path, sizeof(x->xfers[0].path), "kernel");
	}
	return &m;
}

static void test_html_escape(void)
{
	char out[64];
	size_t n = rpt_html_escape("<a href='x'>&\"</a>", out, sizeof(out));

	CU_ASSERT_STRING_EQUAL(out, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
	CU_ASSERT_EQUAL(n, strlen(out));
	/* Too small: no half entity, still terminated, full length reported. */
	n = rpt_html_escape("ab&cd", out, 5);
	CU_ASSERT_STRING_EQUAL(out, "ab");
	CU_ASSERT_EQUAL(n, 9);
	n = rpt_html_escape("plain", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "plain");
	CU_ASSERT_EQUAL(n, 5);
}

static void test_html_puts_and_dot(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rpt_html_puts(f, "x<y&z>");
	fputc('|', f);
	rpt_dot_puts(f, "say \"hi\" \\ now\n");
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "x&lt;y&amp;z&gt;|say \\\"hi\\\" \\\\ now");
	free(buf);
}

static void test_csv_field(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rpt_csv_field(f, "plain");
	fputc(';', f);
	rpt_csv_field(f, "a,b");
	fputc(';', f);
	rpt_csv_field(f, "say \"x\"");
	fputc(';', f);
	rpt_csv_field(f, "two\nlines");
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "plain;\"a,b\";\"say \"\"x\"\"\";\"two\nlines\"");
	free(buf);
}

static void test_csv_render(void)
{
	struct rpt_metrics *m = sample();
	int rc;
	char *s = capture(rpt_render_csv, m, &rc);
	char *line, *save = NULL;
	int rows = 0;

	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (line = strtok_r(s, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save), rows++) {
		if (rows == 0) {
			CU_ASSERT_STRING_EQUAL(line, "scenario,seed,mode,transitions,data_transitions,"
					       "bytes_copied,api_calls,fastpath_packets,"
					       "proxied_packets,gateway_cpu_s,throughput_bps,"
					       "transfers_ok,transfers_failed");
		} else if (rows == 1) {
			CU_ASSERT_STRING_EQUAL(line, "\"a|b,<c>\",7,direct,3,0,0,5,11,0,0.25,8000000,1,0");
		} else {
			CU_ASSERT_STRING_EQUAL(line, "\"a|b,<c>\",7,proxy,103,10,4000000,6,11,13,1.25,"
					       "8000000,1,1");
		}
	}
	CU_ASSERT_EQUAL(rows, 3);
	free(s);
}

static void test_md_render(void)
{
	struct rpt_metrics *m = sample();
	int rc;
	char *s = capture(rpt_render_md, m, &rc);

	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "# gatelab run: a\\|b,<c>\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "| mode | transitions | data tr. |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "| direct | 3 | 0 | 0 | 5 | 11 | 0 | 0.2500 | 8.0 | 1.50 | 1/0 |"));
	/* 103 transitions over 2 MB */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "| proxy | 103 | 10 | 4000000 | 6 | 11 | 13 | 1.2500 | 8.0 | 51.50 | 1/1 |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "- **transitions**: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "`RETR /p\\|q`"));
	free(s);
}

static void test_topology_round_trip(void)
{
	static struct rpt_metrics back;
	struct rpt_metrics *m = sample();
	json_t *doc;
	char err[256];

	doc = rpt_metrics_to_json(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_PTR_NULL(json_object_get(doc, "topology"));
	json_decref(doc);
	m->has_topology = true;
	m->topo.n_hosts = 2;
	snprintf(m->topo.hosts[0].name, RPT_NAME_LEN, "alice");
	snprintf(m->topo.hosts[0].role, 8, "client");
	snprintf(m->topo.hosts[0].addr[0], RPT_ADDR_LEN, "192.0.2.10");
	m->topo.hosts[0].n_addr = 1;
	snprintf(m->topo.hosts[1].name, RPT_NAME_LEN, "gateway");
	snprintf(m->topo.hosts[1].role, 8, "gateway");
	m->topo.n_links = 1;
	snprintf(m->topo.links[0].name, 8, "outside");
	m->topo.links[0].bandwidth_bps = 1000000000;
	m->topo.links[0].delay_s = 0.005;
	m->topo.links[0].loss = 0.01;
	m->topo.links[0].mtu = 1500;
	doc = rpt_metrics_to_json(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(rpt_metrics_from_json(doc, &back, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(back.has_topology);
	CU_ASSERT_EQUAL(back.topo.n_hosts, 2);
	CU_ASSERT_STRING_EQUAL(back.topo.hosts[0].addr[0], "192.0.2.10");
	CU_ASSERT_EQUAL(back.topo.hosts[1].n_addr, 0);
	CU_ASSERT_STRING_EQUAL(back.topo.hosts[1].role, "gateway");
	CU_ASSERT_EQUAL(back.topo.links[0].bandwidth_bps, 1000000000);
	CU_ASSERT_DOUBLE_EQUAL(back.topo.links[0].delay_s, 0.005, 1e-12);
	CU_ASSERT_EQUAL(back.topo.links[0].mtu, 1500);
	/* A bad topology is an error, not silently dropped. */
	json_object_set_new(json_object_get(doc, "topology"), "links", json_string("x"));
	CU_ASSERT_EQUAL(rpt_metrics_from_json(doc, &back, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "topology"));
	json_decref(doc);
	m->has_topology = false;
}

static void test_trace_bounds(void)
{
	struct rpt_trace t;
	struct rpt_trace_ev ev;

	memset(&ev, 0, sizeof(ev));
	rpt_trace_init(&t, 5, 2);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(rpt_trace_add(&t, &ev, 1), 0); /* one flow: 2 kept */
	for (uint64_t k = 2; k < 10; k++)
		CU_ASSERT_EQUAL(rpt_trace_add(&t, &ev, k), 0); /* 3 more fit the limit */
	CU_ASSERT_EQUAL(t.n, 5);
	CU_ASSERT_EQUAL(t.seen, 12);
	CU_ASSERT_EQUAL(t.skipped, 7);
	rpt_trace_begin_mode(&t); /* a new mode has its own budget and flows */
	CU_ASSERT_EQUAL(rpt_trace_add(&t, &ev, 1), 0);
	CU_ASSERT_EQUAL(t.n, 6);
	rpt_trace_free(&t);
}

static void test_path_file(void)
{
	char buf[64];

	rpt_path_file("fastpath", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "path-fastpath.svg");
	rpt_path_file("../x y", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "path-___x_y.svg");
}

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* Writes name=content into a fresh report dir and commits it. */
static int one_file_report(const char *dir, const char *name, const char *content)
{
	struct rpt_dir d;
	FILE *f;
	int rc = rpt_dir_begin(&d, dir);

	if (rc)
		return rc;
	f = rpt_dir_open(&d, name);
	if (!f) {
		rpt_dir_abort(&d);
		return -errno;
	}
	fputs(content, f);
	rc = rpt_dir_close(&d, name, f);
	rc = rc ? rc : rpt_dir_commit(&d);
	if (rc)
		rpt_dir_abort(&d);
	return rc;
}

static void test_dir_atomic(void)
{
	char base[] = "/tmp/test_report.XXXXXX", dir[128], p[256];
	size_t len = 0;
	uint8_t *data;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/rep", base);
	/* New directory: appears with its file, no .part or temp dir left. */
	CU_ASSERT_EQUAL(one_file_report(dir, "report.md", "one"), 0);
	snprintf(p, sizeof(p), "%s/report.md", dir);
	data = tu_read_file(p, &len);
	CU_ASSERT_TRUE(data && len == 3 && memcmp(data, "one", 3) == 0);
	free(data);
	snprintf(p, sizeof(p), "%s/report.md.part", dir);
	CU_ASSERT_FALSE(exists(p));
	/* An earlier report (report.md + metrics.json) is replaced as a whole. */
	snprintf(p, sizeof(p), "%s/metrics.json", dir);
	fclose(fopen(p, "w"));
	CU_ASSERT_EQUAL(one_file_report(dir, "report.md", "two"), 0);
	CU_ASSERT_FALSE(exists(p)); /* the old file went with the old report */
	snprintf(p, sizeof(p), "%s/report.md", dir);
	data = tu_read_file(p, &len);
	CU_ASSERT_TRUE(data && len == 3 && memcmp(data, "two", 3) == 0);
	free(data);
	/* Anything else is left alone. */
	snprintf(p, sizeof(p), "%s/precious", dir);
	fclose(fopen(p, "w"));
	CU_ASSERT_EQUAL(one_file_report(dir, "report.md", "three"), -ENOTEMPTY);
	CU_ASSERT_TRUE(exists(p));
	snprintf(p, sizeof(p), "%s/report.md", dir);
	data = tu_read_file(p, &len);
	CU_ASSERT_TRUE(data && len == 3 && memcmp(data, "two", 3) == 0);
	free(data);
	/* A file in the way: not replaced. */
	snprintf(p, sizeof(p), "%s/file", base);
	fclose(fopen(p, "w"));
	CU_ASSERT_EQUAL(one_file_report(p, "report.md", "x"), -ENOTDIR);
	/* Only rep, rep's files and the file: no temp directories left over. */
	snprintf(p, sizeof(p), "rm -f %s/rep/* %s/file && rmdir %s/rep %s", base, base, base, base);
	CU_ASSERT_EQUAL(system(p), 0);
}

static void test_missing_tool(void)
{
	char base[] = "/tmp/test_report.XXXXXX", dir[128], err[256];
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct rpt_metrics *m = sample();
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/rep", base);
	setenv("PATH", base, 1); /* an empty directory: no dot, no gnuplot */
	rc = rpt_render_report(m, NULL, dir, err, sizeof(err));
	if (path)
		setenv("PATH", path, 1);
	free(path);
	CU_ASSERT_EQUAL(rc, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dot"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "graphviz"));
	CU_ASSERT_FALSE(exists(dir));
	CU_ASSERT_EQUAL(rmdir(base), 0); /* the temp directory was removed too */
}

/* The replay part renders whatever outcome name the JSON carries (a third
 * outcome too), escaped, with its reason; booleans alone still read. */
static void test_replay_sessions(void)
{
	json_error_t je;
	json_t *doc = json_loads(
		"{\"capture\": {\"file\": \"a<b>.pcap\", \"frames\": 9, \"tcp_frames\": 8,"
		" \"unreadable_frames\": 1, \"unannounced_flows\": 0, \"unannounced_bytes\": 0,"
		" \"sessions\": [{\"client\": \"192.0.2.10\", \"client_port\": 5,"
		"  \"server\": \"203.0.113.20\", \"server_port\": 21, \"commands\": [\"USER\"],"
		"  \"transfers\": [], \"lost\": {\"client_to_server\": 3, \"server_to_client\": 0},"
		"  \"truncated_lines\": 0}]},"
		" \"modes\": {\"nat\": {\"replay\": [{\"session\": 0, \"reenacted\": true,"
		"  \"reproduced\": true}]},"
		" \"proxy\": {\"replay\": [{\"session\": 0, \"outcome\": \"reproduced except by policy\","
		"  \"reason\": \"STOR <x>: refused by read_only\"}]}}}", 0, &je);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(rpt_replay_html(doc, f), 0);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(rpt_replay_file(doc), "a<b>.pcap");
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<code>a&lt;b&gt;.pcap</code>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<td class=\"l v-ok\"><b>reproduced</b></td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<td class=\"l v-mid\"><b>reproduced except by policy"
					   "</b><br><small>STOR &lt;x&gt;: refused by read_only"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<dt>lost or cut</dt><dd class=\"bad\">control bytes "
					   "not captured: 3 client"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(rpt_replay_md(doc, f), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "| **reproduced** | **reproduced except by policy**: "
					   "STOR <x>: refused by read_only |"));
	free(buf);
	json_decref(doc);
}

TU_MAIN("report", TU_CASE(test_html_escape), TU_CASE(test_html_puts_and_dot),
	TU_CASE(test_csv_field), TU_CASE(test_csv_render), TU_CASE(test_md_render),
	TU_CASE(test_topology_round_trip), TU_CASE(test_trace_bounds), TU_CASE(test_path_file),
	TU_CASE(test_dir_atomic), TU_CASE(test_missing_tool), TU_CASE(test_replay_sessions))
