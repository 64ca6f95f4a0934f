/* bench_engine.c - gNAT throughput: translated packets/s over established
 * TCP flows with 1k, 100k, 1M and 4M mappings (packets pre-built, flows
 * visited in a shuffled order, only the loop timed), one by one and in
 * batches, the scale factor (pps at 1M / pps at 1k), new sessions/s,
 * redirect create+cancel pairs/s with 10k and 100k redirects active, and
 * instructions per packet counted by callgrind (deterministic, unlike the
 * clocks). Prints a table and writes JSON to argv[1] (default
 * build/bench/engine.json). `--count N one|batch [engine]`: process N
 * packets over 1k mappings with callgrind collection on only around that
 * loop (engine: no client requests, for --toggle-collect on the engine's
 * entry point, which leaves the benchmark's own template copy out). */
#include "../engine/gnat.h"
#include "../net/net_addr.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#define BENCH_PKT_LEN 84 /* IPv4 + TCP + 44 bytes of payload */
#define BENCH_REPEATS 5
#define BENCH_PKTS_PER_RUN 4000000u
#define BENCH_SERVERS 4096u
#define BENCH_BATCH 32
#define BENCH_COUNT_PKTS 100000u /* packets of the callgrind run */
#define BENCH_COUNT_MAPPINGS 1000u
#define BENCH_NSIZES 4
#define BENCH_RDR_PAIRS 200000u /* create+cancel pairs per redirect measurement */

struct bench_row {
	uint32_t mappings;
	double pps[BENCH_REPEATS];
	double pps_batch[BENCH_REPEATS];
	double new_per_s;
};

/* Established-flow state of one table size. */
struct bench_set {
	struct gnat *g;
	uint8_t *tmpl;
	uint32_t *order;
	uint32_t n;
};

static uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Flow i: 10.0.0.0+i:(1024 + i / SERVERS) -> 198.51.(i % SERVERS):80, so
 * masquerade can keep every source port (no collision search). */
static void bench_flow_pkt(uint8_t *b, uint32_t i, uint8_t flags, bool reply)
{
	uint32_t client = 0x0a000000u + i + 1, server = 0xc6330000u + i % BENCH_SERVERS;
	uint32_t pub = 0xcb007101u; /* 203.0.113.1 */
	uint16_t cport = (uint16_t)(1024 + i / BENCH_SERVERS);
	uint32_t pseudo;

	memset(b, 0, BENCH_PKT_LEN);
	b[0] = 0x45;
	wr16(b + 2, BENCH_PKT_LEN);
	b[8] = 64;
	b[9] = 6;
	wr32(b + 12, reply ? server : client);
	wr32(b + 16, reply ? pub : server);
	wr16(b + 10, csum(b, 20, 0));
	wr16(b + 20, reply ? 80 : cport);
	wr16(b + 22, reply ? cport : 80);
	wr32(b + 24, reply ? 5000 : 1000);
	wr32(b + 28, flags & 0x10 ? (reply ? 1001 : 5001) : 0);
	b[32] = 5 << 4;
	b[33] = flags;
	wr16(b + 34, 65535);
	memset(b + 40, 'x', BENCH_PKT_LEN - 40);
	pseudo = (uint32_t)(b[12] << 8 | b[13]) + (uint32_t)(b[14] << 8 | b[15]) +
		 (uint32_t)(b[16] << 8 | b[17]) + (uint32_t)(b[18] << 8 | b[19]) + 6 +
		 (BENCH_PKT_LEN - 20);
	wr16(b + 36, csum(b + 20, BENCH_PKT_LEN - 20, pseudo));
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench_set_free(struct bench_set *bs)
{
	gnat_destroy(bs->g);
	free(bs->tmpl);
	free(bs->order);
	memset(bs, 0, sizeof(*bs));
}

/* Build n mappings (timed: new sessions/s), complete the handshakes, and
 * leave pre-built data segments and a shuffled visiting order. */
static int bench_setup(uint32_t n, struct bench_set *bs, double *new_per_s)
{
	struct gnat_config cfg;
	struct gnat_result res;
	uint8_t work[BENCH_PKT_LEN], pkt[BENCH_PKT_LEN];
	uint64_t t0, t1, rnd = 0x9e3779b97f4a7c15ULL;
	size_t len;
	int rc;

	memset(bs, 0, sizeof(*bs));
	bs->n = n;
	gnat_config_default(&cfg);
	net_prefix_parse("10.0.0.0/8", &cfg.inside[0]);
	cfg.n_inside = 1;
	net_addr_parse("203.0.113.1", &cfg.public4);
	cfg.max_mappings = n;
	cfg.ftp_editor = false;
	rc = gnat_create(&cfg, &bs->g);
	if (rc)
		goto out;
	bs->tmpl = malloc((size_t)n * BENCH_PKT_LEN);
	bs->order = malloc((size_t)n * sizeof(*bs->order));
	rc = -ENOMEM;
	if (!bs->tmpl || !bs->order)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		bench_flow_pkt(bs->tmpl + (size_t)i * BENCH_PKT_LEN, i, 0x02, false);
	/* new sessions: SYNs, each opening a masqueraded mapping */
	t0 = bench_now();
	for (uint32_t i = 0; i < n; i++) {
		memcpy(work, bs->tmpl + (size_t)i * BENCH_PKT_LEN, BENCH_PKT_LEN);
		len = BENCH_PKT_LEN;
		gnat_process(bs->g, work, &len, sizeof(work), GNAT_SIDE_INSIDE, 1, &res);
		if (!res.new_mapping) {
			rc = -EPROTO;
			goto out;
		}
	}
	t1 = bench_now();
	*new_per_s = (double)n / ((double)(t1 - t0) / 1e9);
	/* complete the handshakes: SYN|ACK back, ACK out */
	for (uint32_t i = 0; i < n; i++) {
		bench_flow_pkt(pkt, i, 0x12, true);
		len = BENCH_PKT_LEN;
		gnat_process(bs->g, pkt, &len, sizeof(pkt), GNAT_SIDE_OUTSIDE, 2, &res);
		bench_flow_pkt(pkt, i, 0x10, false);
		len = BENCH_PKT_LEN;
		gnat_process(bs->g, pkt, &len, sizeof(pkt), GNAT_SIDE_INSIDE, 3, &res);
		if (res.verdict != GNAT_FORWARD) {
			rc = -EPROTO;
			goto out;
		}
	}
	/* established data segments, visited in a shuffled order */
	for (uint32_t i = 0; i < n; i++) {
		bench_flow_pkt(bs->tmpl + (size_t)i * BENCH_PKT_LEN, i, 0x18, false);
		bs->order[i] = i;
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j, tmp;

		rnd ^= rnd >> 12, rnd ^= rnd << 25, rnd ^= rnd >> 27;
		j = (uint32_t)((rnd * 0x2545f4914f6cdd1dULL) % (i + 1));
		tmp = bs->order[i], bs->order[i] = bs->order[j], bs->order[j] = tmp;
	}
	rc = 0;
out:
	if (rc)
		bench_set_free(bs);
	return rc;
}

/* npkts established segments one by one; returns how many were not forwarded. */
static uint64_t bench_run_one(const struct bench_set *bs, uint32_t npkts)
{
	uint8_t work[BENCH_PKT_LEN];
	struct gnat_result res;
	uint64_t bad = 0;
	size_t len;

	for (uint32_t k = 0, i = 0; k < npkts; k++) {
		memcpy(work, bs->tmpl + (size_t)bs->order[i] * BENCH_PKT_LEN, BENCH_PKT_LEN);
		len = BENCH_PKT_LEN;
		gnat_process(bs->g, work, &len, sizeof(work), GNAT_SIDE_INSIDE, 4, &res);
		bad += res.verdict != GNAT_FORWARD;
		if (++i == bs->n)
			i = 0;
	}
	return bad;
}

/* The same in batches of BENCH_BATCH, as a driver draining an RX ring. */
static uint64_t bench_run_batch(const struct bench_set *bs, uint32_t npkts)
{
	static uint8_t work[BENCH_BATCH][BENCH_PKT_LEN];
	struct gnat_pkt pk[BENCH_BATCH];
	uint64_t bad = 0;

	for (uint32_t k = 0, i = 0; k < npkts;) {
		size_t m = 0;

		for (; m < BENCH_BATCH && k < npkts; m++, k++) {
			memcpy(work[m], bs->tmpl + (size_t)bs->order[i] * BENCH_PKT_LEN,
			       BENCH_PKT_LEN);
			pk[m].buf = work[m];
			pk[m].len = BENCH_PKT_LEN;
			pk[m].cap = BENCH_PKT_LEN;
			if (++i == bs->n)
				i = 0;
		}
		gnat_process_batch(bs->g, pk, m, GNAT_SIDE_INSIDE, 4);
		for (size_t j = 0; j < m; j++)
			bad += pk[j].res.verdict != GNAT_FORWARD;
	}
	return bad;
}

static int bench_time(const struct bench_set *bs, bool batch, double *pps)
{
	for (int r = 0; r < BENCH_REPEATS; r++) {
		uint64_t t0 = bench_now(), bad, t1;

		bad = batch ? bench_run_batch(bs, BENCH_PKTS_PER_RUN)
			    : bench_run_one(bs, BENCH_PKTS_PER_RUN);
		t1 = bench_now();
		if (bad)
			return -EPROTO;
		pps[r] = (double)BENCH_PKTS_PER_RUN / ((double)(t1 - t0) / 1e9);
	}
	qsort(pps, BENCH_REPEATS, sizeof(pps[0]), bench_cmp);
	return 0;
}

/* One table size: one-by-one then batched figures over the same flows. */
static int bench_size(uint32_t n, struct bench_row *row)
{
	struct bench_set bs;
	int rc = bench_setup(n, &bs, &row->new_per_s);

	if (rc)
		return rc;
	rc = bench_time(&bs, false, row->pps);
	if (rc == 0)
		rc = bench_time(&bs, true, row->pps_batch);
	row->mappings = n;
	bench_set_free(&bs);
	return rc;
}

/* `--count N one|batch`: only the loop is collected (valgrind
 * --collect-atstart=no), so callgrind's total / N is instructions per packet. */
static int bench_count(uint32_t npkts, bool batch, bool engine)
{
	struct bench_set bs;
	double new_per_s;
	uint64_t bad;
	int rc = bench_setup(BENCH_COUNT_MAPPINGS, &bs, &new_per_s);

	if (rc)
		return rc;
	if (!engine)
		CALLGRIND_TOGGLE_COLLECT;
	bad = batch ? bench_run_batch(&bs, npkts) : bench_run_one(&bs, npkts);
	if (!engine)
		CALLGRIND_TOGGLE_COLLECT;
	bench_set_free(&bs);
	return bad ? -EPROTO : 0;
}

/* Run ourselves under callgrind in count mode over npkts packets; the
 * instructions collected, or -1 if valgrind is missing or the run fails (the
 * wall-clock figures are still written). */
static double bench_collected(uint32_t npkts, bool batch, bool engine)
{
	char cmd[384], line[512], toggle[64] = "";
	unsigned long long ir = 0;
	bool found = false;
	FILE *f;

	if (engine)
		snprintf(toggle, sizeof(toggle), "--toggle-collect=%s ",
			 batch ? "gnat_process_batch" : "gnat_process");
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=callgrind --collect-atstart=no %s--callgrind-out-file=/dev/null "
		 "/proc/%ld/exe --count %u %s%s 2>&1",
		 toggle, (long)getpid(), npkts, batch ? "batch" : "one", engine ? " engine" : "");
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, "Collected :");

		if (c && sscanf(c, "Collected : %llu", &ir) == 1)
			found = true;
	}
	if (pclose(f) != 0 || !found)
		return -1;
	return (double)ir;
}

/* Loop: collection on around the timed loop only, so total / N. Engine:
 * collection on inside the engine's entry point, which the setup's
 * handshakes enter too: the difference of two runs (N and 2N packets) / N
 * leaves them out. */
static double bench_instr_per_pkt(bool batch, bool engine)
{
	double a = bench_collected(BENCH_COUNT_PKTS, batch, engine), b;

	if (a < 0 || !engine)
		return a < 0 ? -1 : a / BENCH_COUNT_PKTS;
	b = bench_collected(2 * BENCH_COUNT_PKTS, batch, engine);
	return b < 0 ? -1 : (b - a) / BENCH_COUNT_PKTS;
}

/* Redirect churn: `active` persistent session redirects stay in the table
 * while BENCH_RDR_PAIRS redirects are added and cancelled again (one per
 * proxy data connection, say). Returns pairs per second, or < 0. */
static double bench_redirects(uint32_t active)
{
	struct gnat_redirect_spec spec;
	struct gnat_config cfg;
	struct gnat *g = NULL;
	uint64_t t0 = 0, t1;
	double rate = -1;
	uint32_t id;

	gnat_config_default(&cfg);
	net_addr_parse("203.0.113.1", &cfg.public4);
	cfg.max_redirects = active + 16;
	cfg.ftp_editor = false;
	if (gnat_create(&cfg, &g) != 0)
		return -1;
	memset(&spec, 0, sizeof(spec));
	spec.match.proto = 6;
	spec.match.src.addr.family = NET_AF_INET4;
	spec.match.src.len = 32;
	spec.match.dst.addr.family = NET_AF_INET4;
	spec.match.dst.len = 32;
	net_addr_parse("203.0.113.1", &spec.match.dst.addr);
	spec.set_dst = true;
	net_addr_parse("10.0.0.1", &spec.new_dst);
	for (uint32_t i = 0; i < active + BENCH_RDR_PAIRS; i++) {
		if (i == active)
			t0 = bench_now();
		/* server 198.51.x.y:20 -> public:P, one per data connection */
		wr32(spec.match.src.addr.a, 0xc6330000u + i % 65536);
		spec.match.dport = (uint16_t)(1024 + i / 65536 % 60000);
		spec.match.sport = 20;
		spec.new_dport = (uint16_t)(1024 + i % 60000);
		spec.group = 1 + i / 4;
		if (gnat_redirect_add(g, &spec, 0, &id) != 0)
			goto out;
		if (i >= active && gnat_redirect_cancel(g, id) != 0)
			goto out;
	}
	t1 = bench_now();
	rate = (double)BENCH_RDR_PAIRS / ((double)(t1 - t0) / 1e9);
out:
	gnat_destroy(g);
	return rate;
}

static double bench_loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

struct bench_ipp {
	double one, batch, one_engine, batch_engine;
};

static json_t *bench_json_ipp(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static double bench_scale(const struct bench_row *rows, bool batch)
{
	double at1k = batch ? rows[0].pps_batch[BENCH_REPEATS / 2] : rows[0].pps[BENCH_REPEATS / 2];
	double at1m = batch ? rows[2].pps_batch[BENCH_REPEATS / 2] : rows[2].pps[BENCH_REPEATS / 2];

	return at1k > 0 ? at1m / at1k : 0;
}

static int bench_json(const char *path, const struct bench_row *rows, size_t nrows,
		      const struct bench_ipp *ipp, const double *rdr, const uint32_t *rdr_active,
		      size_t nrdr, double load)
{
	json_t *root = json_object(), *est = json_array(), *news = json_array();
	json_t *rd = json_array();
	int rc = -ENOMEM;

	if (!root || !est || !news || !rd)
		goto out;
	for (size_t i = 0; i < nrows; i++) {
		json_array_append_new(
			est, json_pack("{s:I, s:f, s:f, s:f, s:i, s:I, s:f, s:f, s:f, s:i}",
				       "mappings", (json_int_t)rows[i].mappings, "pps_min",
				       rows[i].pps[0], "pps_median", rows[i].pps[BENCH_REPEATS / 2],
				       "pps_max", rows[i].pps[BENCH_REPEATS - 1], "repeats",
				       BENCH_REPEATS, "packets_per_repeat",
				       (json_int_t)BENCH_PKTS_PER_RUN, "batch_pps_min",
				       rows[i].pps_batch[0], "batch_pps_median",
				       rows[i].pps_batch[BENCH_REPEATS / 2], "batch_pps_max",
				       rows[i].pps_batch[BENCH_REPEATS - 1], "batch_size",
				       BENCH_BATCH));
		json_array_append_new(news, json_pack("{s:I, s:f}", "mappings",
						      (json_int_t)rows[i].mappings,
						      "new_sessions_per_s", rows[i].new_per_s));
	}
	for (size_t i = 0; i < nrdr; i++)
		json_array_append_new(rd, json_pack("{s:I, s:f}", "active",
						    (json_int_t)rdr_active[i],
						    "create_cancel_pairs_per_s", rdr[i]));
	json_object_set_new(root, "benchmark", json_string("engine"));
	json_object_set_new(root, "packet_bytes", json_integer(BENCH_PKT_LEN));
	json_object_set_new(root, "note", json_string("established: IPv4 TCP data segments "
						      "from inside, masqueraded; each packet is "
						      "copied from a template before processing"));
	json_object_set_new(root, "loadavg_1min", load < 0 ? json_null() : json_real(load));
	json_object_set(root, "established", est);
	json_object_set(root, "new_sessions", news);
	json_object_set(root, "redirects", rd);
	json_object_set_new(root, "scale_factor",
			    json_pack("{s:f, s:f, s:s}", "one_by_one", bench_scale(rows, false),
				      "batch", bench_scale(rows, true), "definition",
				      "median pps at 1M mappings / median pps at 1k"));
	json_object_set_new(
		root, "instructions_per_packet",
		json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:s}", "one_by_one",
			  bench_json_ipp(ipp->one), "batch", bench_json_ipp(ipp->batch),
			  "engine_one_by_one", bench_json_ipp(ipp->one_engine), "engine_batch",
			  bench_json_ipp(ipp->batch_engine), "mappings",
			  (json_int_t)BENCH_COUNT_MAPPINGS, "packets", (json_int_t)BENCH_COUNT_PKTS,
			  "tool", "valgrind --tool=callgrind (Ir, deterministic)", "note",
			  "one_by_one/batch: the established loop, including the 84-byte template "
			  "copy per packet; engine_*: inside gnat_process / gnat_process_batch "
			  "only (--toggle-collect); null if valgrind is missing"));
	rc = json_dump_file(root, path, JSON_INDENT(2)) == 0 ? 0 : -EIO;
out:
	json_decref(est);
	json_decref(news);
	json_decref(rd);
	json_decref(root);
	return rc;
}

static void bench_usage(FILE *to)
{
	fprintf(to, "usage: bench_engine [OUT.json]      (default build/bench/engine.json)\n"
		    "       bench_engine --count N one|batch\n"
		    "  gNAT packets/s with 1k, 100k and 1M mappings, new sessions/s and\n"
		    "  callgrind instructions/packet; --count runs N packets for callgrind.\n");
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[BENCH_NSIZES] = {1000, 100000, 1000000, 4000000};
	static const uint32_t rdr_active[] = {10000, 100000};
	struct bench_row rows[BENCH_NSIZES];
	const char *path = argc > 1 ? argv[1] : "build/bench/engine.json";
	double rdr[2], load = bench_loadavg();
	struct bench_ipp ipp;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		bench_usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--count") == 0) {
		long npkts = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

		if (npkts <= 0 || npkts > UINT32_MAX || argc < 4 ||
		    (strcmp(argv[3], "one") != 0 && strcmp(argv[3], "batch") != 0) ||
		    (argc > 4 && strcmp(argv[4], "engine") != 0)) {
			fprintf(stderr, "usage: bench_engine --count N one|batch [engine]\n");
			return 2;
		}
		return bench_count((uint32_t)npkts, strcmp(argv[3], "batch") == 0, argc > 4) ? 1
											      : 0;
	}
	/* an option is never taken for the output file (a path may be ./-x) */
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		if (argc == 2)
			fprintf(stderr, "bench_engine: unknown option '%s'\n", argv[1]);
		else
			fprintf(stderr, "bench_engine: one OUT.json at most\n");
		bench_usage(stderr);
		return 2;
	}
	memset(rows, 0, sizeof(rows));
	printf("load average (1 min) at start: %.2f (the machine may be shared: wall-clock "
	       "figures vary with it, callgrind counts do not)\n",
	       load);
	printf("%-10s %12s %12s %12s %12s %12s %12s %14s\n", "mappings", "pps min", "pps median",
	       "pps max", "batch min", "batch median", "batch max", "new sessions/s");
	for (size_t i = 0; i < BENCH_NSIZES; i++) {
		int rc = bench_size(sizes[i], &rows[i]);

		if (rc) {
			fprintf(stderr, "bench_engine: %u mappings: %s\n", sizes[i], strerror(-rc));
			return 1;
		}
		printf("%-10u %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f %14.0f\n", sizes[i],
		       rows[i].pps[0], rows[i].pps[BENCH_REPEATS / 2], rows[i].pps[BENCH_REPEATS - 1],
		       rows[i].pps_batch[0], rows[i].pps_batch[BENCH_REPEATS / 2],
		       rows[i].pps_batch[BENCH_REPEATS - 1], rows[i].new_per_s);
		fflush(stdout);
	}
	printf("scale factor (median pps at 1M / at 1k): one by one %.2f, batch %.2f\n",
	       bench_scale(rows, false), bench_scale(rows, true));
	for (size_t i = 0; i < 2; i++) {
		rdr[i] = bench_redirects(rdr_active[i]);
		if (rdr[i] < 0) {
			fprintf(stderr, "bench_engine: redirects with %u active failed\n",
				rdr_active[i]);
			return 1;
		}
		printf("redirect create+cancel with %u active: %.0f pairs/s\n", rdr_active[i],
		       rdr[i]);
	}
	printf("redirect rate at 100k active / at 10k: %.2f\n", rdr[1] / rdr[0]);
	ipp.one = bench_instr_per_pkt(false, false);
	ipp.batch = bench_instr_per_pkt(true, false);
	ipp.one_engine = bench_instr_per_pkt(false, true);
	ipp.batch_engine = bench_instr_per_pkt(true, true);
	printf("instructions/packet (callgrind, %u mappings): engine one by one %.1f, batch %.1f; "
	       "with the benchmark's template copy: %.1f, %.1f\n",
	       BENCH_COUNT_MAPPINGS, ipp.one_engine, ipp.batch_engine, ipp.one, ipp.batch);
	if (bench_json(path, rows, BENCH_NSIZES, &ipp, rdr, rdr_active, 2, load) != 0) {
		fprintf(stderr, "bench_engine: cannot write %s\n", path);
		return 1;
	}
	printf("wrote %s\n", path);
	return 0;
}
