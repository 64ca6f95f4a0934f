/* bench_engine.c - gNAT throughput: translated packets/s over established
 * TCP flows with 1k, 100k and 1M mappings (packets pre-built, flows visited
 * in a shuffled order, only the loop timed), one by one and in batches, new
 * sessions/s, and instructions per packet counted by callgrind (deterministic,
 * unlike the clocks). Prints a table and writes JSON to argv[1] (default
 * build/bench/engine.json). `--count N one|batch`: process N packets over 1k
 * mappings with callgrind collection on only around that loop. */
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
static int bench_count(uint32_t npkts, bool batch)
{
	struct bench_set bs;
	double new_per_s;
	uint64_t bad;
	int rc = bench_setup(BENCH_COUNT_MAPPINGS, &bs, &new_per_s);

	if (rc)
		return rc;
	CALLGRIND_TOGGLE_COLLECT;
	bad = batch ? bench_run_batch(&bs, npkts) : bench_run_one(&bs, npkts);
	CALLGRIND_TOGGLE_COLLECT;
	bench_set_free(&bs);
	return bad ? -EPROTO : 0;
}

/* Run ourselves under callgrind in count mode; -1 if valgrind is missing or
 * the run fails (the wall-clock figures are still written). */
static double bench_instr_per_pkt(bool batch)
{
	char cmd[256], line[512];
	unsigned long long ir = 0;
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=/dev/null "
		 "/proc/%ld/exe --count %u %s 2>&1",
		 (long)getpid(), BENCH_COUNT_PKTS, batch ? "batch" : "one");
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
	return (double)ir / BENCH_COUNT_PKTS;
}

static json_t *bench_json_ipp(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static int bench_json(const char *path, const struct bench_row *rows, size_t nrows,
		      double ipp_one, double ipp_batch)
{
	json_t *root = json_object(), *est = json_array(), *news = json_array();
	int rc = -ENOMEM;

	if (!root || !est || !news)
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
	json_object_set_new(root, "benchmark", json_string("engine"));
	json_object_set_new(root, "packet_bytes", json_integer(BENCH_PKT_LEN));
	json_object_set_new(root, "note", json_string("established: IPv4 TCP data segments "
						      "from inside, masqueraded; each packet is "
						      "copied from a template before processing"));
	json_object_set(root, "established", est);
	json_object_set(root, "new_sessions", news);
	json_object_set_new(
		root, "instructions_per_packet",
		json_pack("{s:o, s:o, s:I, s:I, s:s, s:s}", "one_by_one", bench_json_ipp(ipp_one),
			  "batch", bench_json_ipp(ipp_batch), "mappings",
			  (json_int_t)BENCH_COUNT_MAPPINGS, "packets", (json_int_t)BENCH_COUNT_PKTS,
			  "tool", "valgrind --tool=callgrind (Ir, deterministic)", "note",
			  "established loop only, including the 84-byte template copy per "
			  "packet; null if valgrind is missing"));
	rc = json_dump_file(root, path, JSON_INDENT(2)) == 0 ? 0 : -EIO;
out:
	json_decref(est);
	json_decref(news);
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
	static const uint32_t sizes[] = {1000, 100000, 1000000};
	struct bench_row rows[3];
	const char *path = argc > 1 ? argv[1] : "build/bench/engine.json";
	double ipp_one, ipp_batch;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		bench_usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--count") == 0) {
		long npkts = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

		if (npkts <= 0 || npkts > UINT32_MAX || argc < 4 ||
		    (strcmp(argv[3], "one") != 0 && strcmp(argv[3], "batch") != 0)) {
			fprintf(stderr, "usage: bench_engine --count N one|batch\n");
			return 2;
		}
		return bench_count((uint32_t)npkts, strcmp(argv[3], "batch") == 0) ? 1 : 0;
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
	printf("%-10s %12s %12s %12s %12s %12s %12s %14s\n", "mappings", "pps min", "pps median",
	       "pps max", "batch min", "batch median", "batch max", "new sessions/s");
	for (size_t i = 0; i < 3; i++) {
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
	ipp_one = bench_instr_per_pkt(false);
	ipp_batch = bench_instr_per_pkt(true);
	printf("instructions/packet (callgrind, %u mappings): one by one %.1f, batch %.1f\n",
	       BENCH_COUNT_MAPPINGS, ipp_one, ipp_batch);
	if (bench_json(path, rows, 3, ipp_one, ipp_batch) != 0) {
		fprintf(stderr, "bench_engine: cannot write %s\n", path);
		return 1;
	}
	printf("wrote %s\n", path);
	return 0;
}
