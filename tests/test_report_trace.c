/* test_report_trace.c - the gateway's trace hook to report events
 * (sim_trace.c): verdicts, drop reasons, what is "translated", one flow for
 * both directions, and the text, Markdown and SVG forms. */
#include <stdlib.h>
#include <string.h>

#include "../reports/render.h"
#include "../sim/sim_trace.h"
#include "tu.h"

static void tuple(struct net_tuple *t, const char *src, uint16_t sp, const char *dst, uint16_t dp)
{
	memset(t, 0, sizeof(*t));
	t->proto = 6;
	CU_ASSERT_EQUAL_FATAL(net_addr_parse(src, &t->src), 0);
	CU_ASSERT_EQUAL_FATAL(net_addr_parse(dst, &t->dst), 0);
	t->sport = sp;
	t->dport = dp;
}

static char *render(int (*fn)(const struct rpt_trace *, FILE *), const struct rpt_trace *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fn(t, f), 0);
	fclose(f);
	return buf;
}

static void test_hook_events(void)
{
	struct rpt_trace t;
	struct sim_trace st = {&t, "nat", 0};
	struct sim_gw_trace_info ti;
	char *s;

	rpt_trace_init(&t, 10, 3);
	rpt_trace_begin_mode(&t);
	/* Out: masqueraded through a new mapping. */
	memset(&ti, 0, sizeof(ti));
	ti.now_ns = 1500000;
	ti.side = GNAT_SIDE_INSIDE;
	ti.parsed_before = ti.parsed_after = true;
	tuple(&ti.before, "192.0.2.10", 1025, "198.51.100.20", 21);
	tuple(&ti.after, "203.0.113.1", 40000, "198.51.100.20", 21);
	ti.payload = 17;
	ti.res.verdict = GNAT_FORWARD;
	ti.res.out_side = GNAT_SIDE_OUTSIDE;
	ti.res.mapping_id = 4;
	ti.res.new_mapping = true;
	ti.res.edits = 1;
	sim_trace_hook(&st, &ti);
	/* The reply: same flow (keyed by the inside tuple). */
	ti.side = GNAT_SIDE_OUTSIDE;
	tuple(&ti.before, "198.51.100.20", 21, "203.0.113.1", 40000);
	tuple(&ti.after, "198.51.100.20", 21, "192.0.2.10", 1025);
	ti.res.out_side = GNAT_SIDE_INSIDE;
	ti.res.new_mapping = false;
	ti.res.edits = 0;
	sim_trace_hook(&st, &ti);
	/* Unsolicited: dropped, nothing after. */
	memset(&ti, 0, sizeof(ti));
	ti.side = GNAT_SIDE_OUTSIDE;
	ti.parsed_before = true;
	tuple(&ti.before, "198.51.100.99", 5, "203.0.113.1", 7);
	ti.res.verdict = GNAT_DROP;
	ti.res.reason = GNAT_DROP_NO_MAPPING;
	sim_trace_hook(&st, &ti);

	CU_ASSERT_EQUAL_FATAL(t.n, 3);
	CU_ASSERT_EQUAL(st.err, 0);
	CU_ASSERT_EQUAL(t.n_flows, 2); /* both directions of the connection are one flow */
	CU_ASSERT_STRING_EQUAL(t.ev[0].mode, "nat");
	CU_ASSERT_EQUAL(t.ev[0].t_ns, 1500000);
	CU_ASSERT_EQUAL(t.ev[0].side, RPT_SIDE_INSIDE);
	CU_ASSERT_EQUAL(t.ev[0].out_side, RPT_SIDE_OUTSIDE);
	CU_ASSERT_TRUE(t.ev[0].translated);
	CU_ASSERT_TRUE(t.ev[0].new_mapping);
	CU_ASSERT_EQUAL(t.ev[0].mapping_id, 4);
	CU_ASSERT_EQUAL(t.ev[0].edits, 1);
	CU_ASSERT_EQUAL(t.ev[0].payload, 17);
	CU_ASSERT_STRING_EQUAL(t.ev[0].before, "tcp 192.0.2.10:1025 -> 198.51.100.20:21");
	CU_ASSERT_STRING_EQUAL(t.ev[0].after, "tcp 203.0.113.1:40000 -> 198.51.100.20:21");
	CU_ASSERT_EQUAL(t.ev[2].verdict, RPT_V_DROP);
	CU_ASSERT_STRING_EQUAL(t.ev[2].reason, gnat_drop_reason_name(GNAT_DROP_NO_MAPPING));
	CU_ASSERT_FALSE(t.ev[2].translated);

	s = render(rpt_trace_md, &t);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "| 0.001500 | nat | inside | `tcp 192.0.2.10:1025 -> "
				       "198.51.100.20:21` | `tcp 203.0.113.1:40000 -> "
				       "198.51.100.20:21` | 17 | FORWARD in the kernel -> outside | "
				       "mapping #4 (new), 1 payload edit(s) |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "DROP no_mapping"));
	free(s);
	s = render(rpt_trace_svg, &t);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "gateway user (proxy)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tcp 203.0.113.1:40000 -&gt; 198.51.100.20:21"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "&#x2716;")); /* the drop's cross */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "</svg>\n"));
	free(s);
	rpt_trace_free(&t);
}

TU_MAIN("report_trace", TU_CASE(test_hook_events))
