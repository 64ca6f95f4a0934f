/* test_walk.c - the walk-through: the pcapng writer's blocks (lengths,
 * padding, the comment option, refused input), the recorder on a small
 * active-mode session (the PORT rewrite, the redirect consumed, every packet
 * counted), the session bounds, and the page's data escaping. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../reports/render_walk.h"
#include "../scen/scen.h"
#include "../sim/sim_pcapng.h"
#include "../sim/sim_run.h"
#include "../sim/sim_walk.h"
#include "tu.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void test_pcapng_blocks(void)
{
	char path[] = "/tmp/test_walk_XXXXXX";
	int fd = mkstemp(path);
	struct sim_pcapng *pc;
	uint8_t pkt[41], *buf;
	size_t len, off = 0, n = 0;
	char big[66000];

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	memset(pkt, 0x45, sizeof(pkt));
	CU_ASSERT_EQUAL_FATAL(sim_pcapng_open(path, "inside", &pc), 0);
	CU_ASSERT_EQUAL(sim_pcapng_write(pc, 1500000001ULL, pkt, 41, 41, "mapping 1 created"), 0);
	CU_ASSERT_EQUAL(sim_pcapng_write(pc, 2, pkt, 20, 1500, NULL), 0);
	CU_ASSERT_EQUAL(sim_pcapng_write(pc, 3, pkt, 41, 40, NULL), -EINVAL); /* caplen > len */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(sim_pcapng_write(pc, 3, pkt, 41, 41, big), -EINVAL);
	CU_ASSERT_EQUAL(sim_pcapng_close(pc, 1), 0);
	buf = tu_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* Walk the blocks: each length a multiple of 4, repeated at its end. */
	while (off + 12 <= len) {
		uint32_t blen = rd32(buf + off + 4);

		CU_ASSERT_EQUAL_FATAL(blen % 4, 0);
		CU_ASSERT_FATAL(off + blen <= len);
		CU_ASSERT_EQUAL(rd32(buf + off + blen - 4), blen);
		if (n == 0)
			CU_ASSERT_EQUAL(rd32(buf + off), 0x0A0D0D0Au);
		if (n == 2) {
			CU_ASSERT_EQUAL(rd32(buf + off), 6u);
			CU_ASSERT_EQUAL(rd32(buf + off + 12), 0u);          /* high 32 bits of ns */
			CU_ASSERT_EQUAL(rd32(buf + off + 16), 1500000001u); /* low 32 bits */
			CU_ASSERT_EQUAL(rd32(buf + off + 20), 41u);
			/* opt_comment after the padded data: code 1, length 17 */
			CU_ASSERT_EQUAL(buf[off + 28 + 44], 1);
			CU_ASSERT_EQUAL(buf[off + 28 + 46], 17);
			CU_ASSERT_EQUAL(memcmp(buf + off + 28 + 48, "mapping 1 created", 17), 0);
		}
		if (n == 3) {
			CU_ASSERT_EQUAL(rd32(buf + off + 20), 20u);
			CU_ASSERT_EQUAL(rd32(buf + off + 24), 1500u);
			CU_ASSERT_EQUAL(blen, 32u + 20u); /* no options */
		}
		off += blen;
		n++;
	}
	CU_ASSERT_EQUAL(off, len);
	CU_ASSERT_EQUAL(n, 4); /* SHB, IDB, two packets */
	free(buf);
	unlink(path);
	/* Not kept: nothing left behind. */
	CU_ASSERT_EQUAL_FATAL(sim_pcapng_open(path, "x", &pc), 0);
	CU_ASSERT_EQUAL(sim_pcapng_close(pc, 0), 0);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
}

static const char walk_yaml[] =
	"name: walk\nseed: 3\nmodes: [nat, fastpath]\n"
	"links:\n  inside: {bandwidth: 1Gbps, delay: 100us}\n  outside: {bandwidth: 1Gbps, delay: 1ms}\n"
	"gateway: {public4: 203.0.113.1, inside4: 192.0.2.1}\n"
	"clients:\n  - {name: alice, addresses: 192.0.2.10}\n"
	"servers:\n  - name: ftp\n    addresses: 198.51.100.20\n"
	"    files: [{path: /f.bin, size: 200kB}]\n"
	"sessions:\n  - {client: alice, server: ftp, data: active, count: 3, every: 1ms,"
	" commands: [RETR /f.bin]}\n";

static void run_walk(struct rpt_walk *w, struct scen *sc)
{
	struct sim_run_opts o;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(scen_parse_buf("walk", (const uint8_t *)walk_yaml, strlen(walk_yaml), sc,
					     err, sizeof(err)), 0);
	sim_run_opts_default(&o);
	rpt_walk_init(w);
	CU_ASSERT_EQUAL_FATAL(sim_walk_run(sc, 1, &o, NULL, w, err, sizeof(err)), 0);
}

static void test_recorder_port(void)
{
	struct scen *sc = malloc(sizeof(*sc));
	struct rpt_walk w;
	const struct rpt_walk_mode *nat, *fp;
	const struct rpt_walk_step *port = NULL, *syn = NULL;
	uint64_t counted = 0;
	bool api_redirect = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	run_walk(&w, sc);
	CU_ASSERT_EQUAL_FATAL(w.n_modes, 2);
	nat = &w.modes[0];
	fp = &w.modes[1];
	CU_ASSERT_STRING_EQUAL(nat->mode, "nat");
	CU_ASSERT_STRING_EQUAL(fp->mode, "fastpath");
	CU_ASSERT_EQUAL(w.session, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(w.desc, "active (PORT)"));
	for (size_t i = 0; i < nat->n; i++) {
		const struct rpt_walk_step *s = &nat->steps[i];

		counted += s->hidden + (s->kind == RPT_WALK_PACKET);
		if (s->in.text && strncmp(s->in.text, "PORT ", 5) == 0)
			port = s;
		if (!s->control && s->new_mapping && !syn)
			syn = s;
	}
	/* The session ran alone: one PORT, every packet shown or counted. */
	CU_ASSERT_EQUAL(counted + nat->hidden_tail, nat->packets);
	CU_ASSERT_PTR_NOT_NULL_FATAL(port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(port->out.text);
	CU_ASSERT_EQUAL(strncmp(port->in.text, "PORT 192,0,2,10,", 16), 0);
	CU_ASSERT_EQUAL(strncmp(port->out.text, "PORT 203,0,113,1,", 17), 0);
	CU_ASSERT_EQUAL(port->edits, 1);
	CU_ASSERT_EQUAL(port->len_delta, (int32_t)strlen(port->out.text) - (int32_t)strlen(port->in.text));
	CU_ASSERT_EQUAL(port->path, RPT_PATH_FAST);
	bool expect = false;
	for (size_t r = 0; r < port->n_rows; r++)
		if (port->rows[r][0] == 'R' && strstr(port->rows[r], "kernel expectation") &&
		    strstr(port->rows[r], "dst 192.0.2.10:"))
			expect = true;
	CU_ASSERT(expect);
	/* The data connection's SYN consumed that expectation. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(syn);
	CU_ASSERT(syn->redirect_id != 0 && syn->redirect_consumed);
	CU_ASSERT_PTR_NOT_NULL(strstr(syn->what, "consumed"));
	for (size_t i = 0; i < fp->n; i++)
		if (fp->steps[i].kind == RPT_WALK_API && fp->steps[i].api &&
		    strncmp(fp->steps[i].api, "natapi_redirect_session(", 24) == 0)
			api_redirect = true;
	CU_ASSERT(api_redirect);
	CU_ASSERT_EQUAL(nat->transitions, 0);
	CU_ASSERT(fp->api_calls > 0);
	rpt_walk_free(&w);
	free(sc);
}

static void test_session_bounds(void)
{
	struct scen *sc = malloc(sizeof(*sc));
	struct sim_run_opts o;
	struct rpt_walk w;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(scen_parse_buf("walk", (const uint8_t *)walk_yaml, strlen(walk_yaml), sc,
					     err, sizeof(err)), 0);
	sim_run_opts_default(&o);
	rpt_walk_init(&w);
	CU_ASSERT_EQUAL(sim_walk_run(sc, 2, &o, NULL, &w, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has 1 session"));
	CU_ASSERT_EQUAL(sim_walk_run(sc, 0, &o, NULL, &w, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(w.n_modes, 0);
	rpt_walk_free(&w);
	free(sc);
}

/* Peer-chosen text ends up in the page's data: it must not end the script. */
static void test_page_escaping(void)
{
	struct rpt_walk w;
	struct rpt_walk_mode *m;
	struct rpt_walk_step *st;
	char *buf = NULL, *data, *end;
	size_t len = 0;
	FILE *f;
	json_t *j;

	rpt_walk_init(&w);
	snprintf(w.scenario, sizeof(w.scenario), "a<b>");
	m = rpt_walk_begin_mode(&w, "nat");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	st = rpt_walk_push(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	st->in.present = true;
	st->in.text = strdup("USER </script><script>alert(1)</script>");
	st->what = strdup("x");
	CU_ASSERT_EQUAL(rpt_walk_add_row(st, "M1\tmapping 1: <tr>"), 0);
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(rpt_walk_html(&w, f), 0);
	fclose(f);
	data = strstr(buf, "type=\"application/json\">");
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	data += strlen("type=\"application/json\">");
	end = strstr(data, "</script>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = '\0';
	CU_ASSERT_PTR_NULL(strchr(data, '<'));
	j = json_loads(data, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "scenario")), "a<b>");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(json_array_get(
		json_object_get(json_array_get(json_object_get(j, "modes"), 0), "steps"), 0), "in"),
		"text")), "USER </script><script>alert(1)</script>");
	json_decref(j);
	free(buf);
	/* No room for a fifth mode: said, not dropped silently. */
	CU_ASSERT_PTR_NOT_NULL(rpt_walk_begin_mode(&w, "b"));
	CU_ASSERT_PTR_NOT_NULL(rpt_walk_begin_mode(&w, "c"));
	CU_ASSERT_PTR_NOT_NULL(rpt_walk_begin_mode(&w, "d"));
	CU_ASSERT_PTR_NULL(rpt_walk_begin_mode(&w, "e"));
	rpt_walk_free(&w);
}

static void test_flags(void)
{
	char b[32];

	rpt_walk_flags(0x12, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "SYN+ACK");
	rpt_walk_flags(0x11, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "FIN+ACK");
	rpt_walk_flags(0, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "");
	rpt_walk_flags(0x12, b, 5); /* too small: what fits, terminated */
	CU_ASSERT_STRING_EQUAL(b, "SYN");
}

TU_MAIN("walk", TU_CASE(test_pcapng_blocks), TU_CASE(test_recorder_port), TU_CASE(test_session_bounds),
	TU_CASE(test_page_escaping), TU_CASE(test_flags))
