/* bench_engine.c - gNAT throughput: translated packets/s over established
 * TCP flows with 1k, 100k and 1M mappings (packets pre-built, flows visited
 * in a shuffled order, only the loop timed) and new sessions/s. Prints a table
 * and writes the figures as JSON to argv[1] (default build/bench/engine.json). */
#include "../engine/gnat.h"
#include "../net/net_addr.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_PKT_LEN 84 /* IPv4 + TCP + 44 bytes of payload */
#define BENCH_REPEATS 5
#define BENCH_PKTS_PER_RUN 4000000u
#define BENCH_SERVERS 4096u

struct bench_row {
	uint32_t mappings;
	double pps[BENCH_REPEATS];
	double new_per_s;
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

/* One table size: build the mappings (timed: new sessions/s), complete the
 * handshakes, then time repeated passes over pre-built data segments. */
static int bench_size(uint32_t n, struct bench_row *row)
{
	struct gnat_config cfg;
	struct gnat *g = NULL;
	struct gnat_result res;
	uint8_t *tmpl = NULL, work[BENCH_PKT_LEN], pkt[BENCH_PKT_LEN];
	uint32_t *order = NULL;
	uint64_t t0, t1, rnd = 0x9e3779b97f4a7c15ULL;
	size_t len;
	int rc;

	gnat_config_default(&cfg);
	net_prefix_parse("10.0.0.0/8", &cfg.inside[0]);
	cfg.n_inside = 1;
	net_addr_parse("203.0.113.1", &cfg.public4);
	cfg.max_mappings = n;
	cfg.ftp_editor = false;
	rc = gnat_create(&cfg, &g);
	if (rc)
		goto out;
	tmpl = malloc((size_t)n * BENCH_PKT_LEN);
	order = malloc((size_t)n * sizeof(*order));
	rc = -ENOMEM;
	if (!tmpl || !order)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		bench_flow_pkt(tmpl + (size_t)i * BENCH_PKT_LEN, i, 0x02, false);
	/* new sessions: SYNs, each opening a masqueraded mapping */
	t0 = bench_now();
	for (uint32_t i = 0; i < n; i++) {
		memcpy(work, tmpl + (size_t)i * BENCH_PKT_LEN, BENCH_PKT_LEN);
		len = BENCH_PKT_LEN;
		gnat_process(g, work, &len, sizeof(work), GNAT_SIDE_INSIDE, 1, &res);
		if (!res.new_mapping) {
			rc = -EPROTO;
			goto out;
		}
	}
	t1 = bench_now();
	row->new_per_s = (double)n / ((double)(t1 - t0) / 1e9);
	/* complete the handshakes: SYN|ACK back, ACK out */
	for (uint32_t i = 0; i < n; i++) {
		bench_flow_pkt(pkt, i, 0x12, true);
		len = BENCH_PKT_LEN;
		gnat_process(g, pkt, &len, sizeof(pkt), GNAT_SIDE_OUTSIDE, 2, &res);
		bench_flow_pkt(pkt, i, 0x10, false);
		len = BENCH_PKT_LEN;
		gnat_process(g, pkt, &len, sizeof(pkt), GNAT_SIDE_INSIDE, 3, &res);
		if (res.verdict != GNAT_FORWARD) {
			rc = -EPROTO;
			goto out;
		}
	}
	/* established data segments, visited in a shuffled order */
	for (uint32_t i = 0; i < n; i++) {
		bench_flow_pkt(tmpl + (size_t)i * BENCH_PKT_LEN, i, 0x18, false);
		order[i] = i;
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j, tmp;

		rnd ^= rnd >> 12, rnd ^= rnd << 25, rnd ^= rnd >> 27;
		j = (uint32_t)((rnd * 0x2545f4914f6cdd1dULL) % (i + 1));
		tmp = order[i], order[i] = order[j], order[j] = tmp;
	}
	for (int r = 0; r < BENCH_REPEATS; r++) {
		uint64_t bad = 0;

		t0 = bench_now();
		for (uint32_t k = 0, i = 0; k < BENCH_PKTS_PER_RUN; k++) {
			memcpy(work, tmpl + (size_t)order[i] * BENCH_PKT_LEN, BENCH_PKT_LEN);
			len = BENCH_PKT_LEN;
			gnat_process(g, work, &len, sizeof(work), GNAT_SIDE_INSIDE, 4, &res);
			bad += res.verdict != GNAT_FORWARD;
			if (++i == n)
				i = 0;
		}
		t1 = bench_now();
		if (bad) {
			rc = -EPROTO;
			goto out;
		}
		row->pps[r] = (double)BENCH_PKTS_PER_RUN / ((double)(t1 - t0) / 1e9);
	}
	qsort(row->pps, BENCH_REPEATS, sizeof(row->pps[0]), bench_cmp);
	row->mappings = n;
	rc = 0;
out:
	gnat_destroy(g);
	free(tmpl);
	free(order);
	return rc;
}

static int bench_json(const char *path, const struct bench_row *rows, size_t nrows)
{
	json_t *root = json_object(), *est = json_array(), *news = json_array();
	int rc = -ENOMEM;

	if (!root || !est || !news)
		goto out;
	for (size_t i = 0; i < nrows; i++) {
		json_array_append_new(
			est, json_pack("{s:I, s:f, s:f, s:f, s:i, s:I}", "mappings",
				       (json_int_t)rows[i].mappings, "pps_min", rows[i].pps[0],
				       "pps_median", rows[i].pps[BENCH_REPEATS / 2], "pps_max",
				       rows[i].pps[BENCH_REPEATS - 1], "repeats", BENCH_REPEATS,
				       "packets_per_repeat", (json_int_t)BENCH_PKTS_PER_RUN));
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
	rc = json_dump_file(root, path, JSON_INDENT(2)) == 0 ? 0 : -EIO;
out:
	json_decref(est);
	json_decref(news);
	json_decref(root);
	return rc;
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = {1000, 100000, 1000000};
	struct bench_row rows[3];
	const char *path = argc > 1 ? argv[1] : "build/bench/engine.json";

	memset(rows, 0, sizeof(rows));
	printf("%-10s %14s %14s %14s %16s\n", "mappings", "pps min", "pps median", "pps max",
	       "new sessions/s");
	for (size_t i = 0; i < 3; i++) {
		int rc = bench_size(sizes[i], &rows[i]);

		if (rc) {
			fprintf(stderr, "bench_engine: %u mappings: %s\n", sizes[i], strerror(-rc));
			return 1;
		}
		printf("%-10u %14.0f %14.0f %14.0f %16.0f\n", sizes[i], rows[i].pps[0],
		       rows[i].pps[BENCH_REPEATS / 2], rows[i].pps[BENCH_REPEATS - 1],
		       rows[i].new_per_s);
		fflush(stdout);
	}
	if (bench_json(path, rows, 3) != 0) {
		fprintf(stderr, "bench_engine: cannot write %s\n", path);
		return 1;
	}
	printf("wrote %s\n", path);
	return 0;
}
