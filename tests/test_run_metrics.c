/* test_run_metrics.c - the gatelab.metrics/1 writer: round trip through a
 * file, fixed key order, byte-identical output for the same struct, no
 * "host" object unless asked, and the reader's refusals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../reports/metrics.h"
#include "tu.h"

static void fill(struct rpt_metrics *m)
{
	static const char *const names[] = {"direct", "nat", "proxy", "fastpath"};

	memset(m, 0, sizeof(*m));
	strcpy(m->scenario, "basic");
	m->seed = 7;
	m->n_modes = 4;
	for (size_t i = 0; i < 4; i++) {
		struct rpt_mode_metrics *mm = &m->modes[i];

		strcpy(mm->mode, names[i]);
		mm->transitions = 100 * i + 1;
		mm->data_transitions = 10 * i;
		mm->bytes_copied = 200000000ULL * i;
		mm->api_calls = i >= 2 ? 5 + i : 0;
		mm->fastpath_packets = 1000 + i;
		mm->proxied_packets = 2000 + i;
		mm->gateway_cpu_s = 0.125 * (double)i + 1e-9;
		mm->throughput_bps = 9.4e8 / (double)(i + 1);
		mm->transfers_ok = 1;
		mm->transfers_failed = i == 3;
		mm->events = 123456 + i;
		mm->sim_time_s = 1.0 / 3.0;
		mm->drops.link_loss = i;
		mm->drops.link_queue = 2 * i;
		mm->drops.link_mtu = 3 * i;
		mm->drops.gateway = 4 * i;
		mm->drops.no_host = 5 * i;
		mm->drops.n_reasons = 3;
		strcpy(mm->drops.by_reason[0].name, "no_mapping");
		strcpy(mm->drops.by_reason[1].name, "state");
		strcpy(mm->drops.by_reason[2].name, "cpu_overload");
		mm->drops.by_reason[1].n = 4 * i;
		mm->n_xfers = 2;
		for (size_t k = 0; k < 2; k++) {
			struct rpt_xfer *x = &mm->xfers[k];

			x->session = (uint32_t)k;
			snprintf(x->cmd, sizeof(x->cmd), "RETR /pub/f%zu \"q\"\\", k);
			strcpy(x->path, k ? "proxy" : "fast");
			x->bytes = 100000000ULL + k;
			x->expected = 100000000ULL;
			x->duration_s = 0.8512345678901234;
			x->throughput_bps = 939800000.5;
			x->ok = k == 0;
			strcpy(x->hash, "0123456789abcdef");
			x->reply_code = k ? 550 : 226;
			strcpy(x->reply, k ? "No such file \"f1\"" : "Transfer complete.");
		}
	}
}

/* The file as a NUL-terminated string (tu_read_file adds no terminator). */
static char *slurp(const char *path, size_t *len)
{
	uint8_t *raw = tu_read_file(path, len);
	char *s = raw ? malloc(*len + 1) : NULL;

	if (s) {
		memcpy(s, raw, *len);
		s[*len] = '\0';
	}
	free(raw);
	return s;
}

static void test_round_trip(void)
{
	static struct rpt_metrics a, b;
	char path[] = "/tmp/gatelab_metrics_XXXXXX";
	char err[256];
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	fill(&a);
	CU_ASSERT_FATAL(rpt_metrics_write(&a, path) == 0);
	CU_ASSERT_FATAL(rpt_metrics_read(path, &b, err, sizeof(err)) == 0);
	CU_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	CU_ASSERT_STRING_EQUAL(b.modes[2].mode, "proxy");
	CU_ASSERT(b.modes[3].gateway_cpu_s == a.modes[3].gateway_cpu_s);
	CU_ASSERT(b.modes[1].xfers[0].duration_s == 0.8512345678901234);
	CU_ASSERT_STRING_EQUAL(b.modes[0].xfers[1].cmd, "RETR /pub/f1 \"q\"\\");
	unlink(path);
}

static void test_deterministic_bytes(void)
{
	static struct rpt_metrics a;
	char p1[] = "/tmp/gatelab_m1_XXXXXX", p2[] = "/tmp/gatelab_m2_XXXXXX";
	char tmp[64];
	size_t n1 = 0, n2 = 0;
	char *b1, *b2;
	int f1 = mkstemp(p1), f2 = mkstemp(p2);

	CU_ASSERT_FATAL(f1 >= 0 && f2 >= 0);
	close(f1);
	close(f2);
	fill(&a);
	CU_ASSERT_FATAL(rpt_metrics_write(&a, p1) == 0);
	CU_ASSERT_FATAL(rpt_metrics_write(&a, p2) == 0);
	b1 = slurp(p1, &n1);
	b2 = slurp(p2, &n2);
	CU_ASSERT_FATAL(b1 && b2);
	CU_ASSERT(n1 == n2 && memcmp(b1, b2, n1) == 0);
	/* the top-level keys in their documented order, no wall clock */
	char *s = strstr(b1, "\"schema\": \"gatelab.metrics/1\"");
	char *sc = strstr(b1, "\"scenario\": \"basic\"");
	char *sd = strstr(b1, "\"seed\": 7");
	char *md = strstr(b1, "\"modes\"");
	CU_ASSERT(s && sc && sd && md && s < sc && sc < sd && sd < md);
	CU_ASSERT(strstr(b1, "\"direct\"") < strstr(b1, "\"fastpath\""));
	CU_ASSERT(strstr(b1, "\"transitions\"") < strstr(b1, "\"transfers_failed\""));
	CU_ASSERT(strstr(b1, "\"host\"") == NULL);
	CU_ASSERT(b1[n1 - 1] == '\n');
	/* no temp file is left behind */
	snprintf(tmp, sizeof(tmp), "%s.tmp", p1);
	CU_ASSERT(access(tmp, F_OK) != 0);
	free(b1);
	free(b2);
	unlink(p1);
	unlink(p2);
}

static void test_host_optional(void)
{
	static struct rpt_metrics a, b;
	char err[256];
	json_t *doc;

	fill(&a);
	a.has_host = true;
	a.host_wall_s = 1.25;
	doc = rpt_metrics_to_json(&a);
	CU_ASSERT_FATAL(doc != NULL);
	CU_ASSERT(json_is_object(json_object_get(doc, "host")));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == 0);
	CU_ASSERT(b.has_host && b.host_wall_s == 1.25);
	json_decref(doc);
}

/* reply_code and reply were appended within /1: a transfer without them
 * (an older file) reads as 0 and "", a bad one is refused. */
static void test_reply_optional(void)
{
	static struct rpt_metrics a, b;
	char err[256];
	json_t *doc, *x;

	fill(&a);
	doc = rpt_metrics_to_json(&a);
	CU_ASSERT_FATAL(doc != NULL);
	x = json_array_get(json_object_get(json_object_get(json_object_get(doc, "modes"), "proxy"),
					   "transfers"), 1);
	CU_ASSERT_FATAL(json_is_object(x));
	CU_ASSERT(json_integer_value(json_object_get(x, "reply_code")) == 550);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(x, "reply")), "No such file \"f1\"");
	json_object_del(x, "reply_code");
	json_object_del(x, "reply");
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == 0);
	CU_ASSERT(b.modes[2].xfers[1].reply_code == 0 && b.modes[2].xfers[1].reply[0] == '\0');
	CU_ASSERT(b.modes[2].xfers[0].reply_code == 226);
	json_object_set_new(x, "reply_code", json_integer(1000));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "reply_code") != NULL);
	json_object_set_new(x, "reply_code", json_integer(421));
	json_object_set_new(x, "reply", json_integer(5));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "\"reply\"") != NULL);
	json_object_set_new(x, "reply", json_string("Service not available"));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == 0);
	CU_ASSERT(b.modes[2].xfers[1].reply_code == 421);
	CU_ASSERT_STRING_EQUAL(b.modes[2].xfers[1].reply, "Service not available");
	json_decref(doc);
}

/* Each mutation of a good document must be refused with a message. */
static void test_reader_refuses(void)
{
	static struct rpt_metrics a, b;
	char err[256];
	json_t *doc, *mode;

	fill(&a);
	doc = rpt_metrics_to_json(&a);
	CU_ASSERT_FATAL(doc != NULL);
	json_object_set_new(doc, "schema", json_string("gatelab.metrics/2"));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strstr(err, "schema") != NULL);
	json_object_set_new(doc, "schema", json_string(RPT_METRICS_SCHEMA));
	mode = json_object_get(json_object_get(doc, "modes"), "nat");
	json_object_del(mode, "api_calls");
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "nat: \"api_calls\" must be a non-negative integer");
	json_object_set_new(mode, "api_calls", json_integer(-1));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == -EINVAL);
	json_object_set_new(mode, "api_calls", json_integer(0));
	json_object_set_new(mode, "gateway_cpu_s", json_string("fast"));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "nat: \"gateway_cpu_s\" must be a number");
	json_object_set_new(mode, "gateway_cpu_s", json_real(0.5));
	CU_ASSERT(rpt_metrics_from_json(doc, &b, err, sizeof(err)) == 0);
	CU_ASSERT(b.modes[1].gateway_cpu_s == 0.5);
	json_decref(doc);
	CU_ASSERT(rpt_metrics_read("/nonexistent/m.json", &b, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(strncmp(err, "/nonexistent/m.json: ", 21) == 0);
}

static void test_write_fails_cleanly(void)
{
	static struct rpt_metrics a;

	fill(&a);
	CU_ASSERT(rpt_metrics_write(&a, "/nonexistent/dir/m.json") == -ENOENT);
}

TU_MAIN("run_metrics", TU_CASE(test_round_trip), TU_CASE(test_deterministic_bytes),
	TU_CASE(test_host_optional), TU_CASE(test_reply_optional), TU_CASE(test_reader_refuses),
	TU_CASE(test_write_fails_cleanly))
