/* test_sim_ftp.c - FTP client and server models on one link: 1 MB / 100 MB
 * RETR and STOR in every data mode over IPv4 and IPv6, hash-verified; several
 * files, REST, ABOR, listings, 1% loss, determinism, think time. */
#include <stdlib.h>
#include <string.h>

#include "../sim/sim_ftpc.h"
#include "../sim/sim_ftpd.h"
#include "../net/net_pkt.h"
#include "../sim/sim_host.h"
#include "../sim/sim_link.h"
#include "../sim/sim_tcp.h"
#include "../sim/sim_world.h"
#include "tu.h"
#include "tu_sim.h"

#define MB (1024ULL * 1024ULL)

/* The "100 MB" file: under valgrind (tests/run_all.sh sets VALGRIND=1) the
 * same paths run on 8 MB, as test_sim_tcp does. */
static uint64_t big(void)
{
	return getenv("VALGRIND") ? 8 * MB : 100 * MB;
}

struct fnet {
	struct sim_world w;
	struct sim_host c, s; /* client, server */
	struct sim_link l;
	struct sim_vfs vfs;
	struct sim_ftpd *d;
	struct sim_ftpc *fc;
	int done_calls;
};

static void fnet_init(struct fnet *n, uint64_t seed, const struct sim_link_params *lp,
		      const struct sim_ftpd_config *dc)
{
	struct sim_link_params def;

	memset(n, 0, sizeof(*n));
	if (!lp) {
		sim_link_params_default(&def);
		def.bw_bps = 10000000000ULL;
		def.delay_ns = 100 * SIM_NS_PER_US;
		lp = &def;
	}
	tu_sim_pair_init(&n->w, seed, &n->c, "client", &n->s, "server", &n->l, lp);
	n->c.verify_csum = n->s.verify_csum = false; /* speed: the TCP tests cover checksums */
	n->c.tcp->cfg.sndbuf = n->c.tcp->cfg.rcvbuf = 4 << 20;
	n->s.tcp->cfg.sndbuf = n->s.tcp->cfg.rcvbuf = 4 << 20;
	CU_ASSERT_FATAL(sim_vfs_init(&n->vfs, seed ^ 0xf11e) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&n->vfs, "/pub/1m.bin", MB) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&n->vfs, "/pub/100m.bin", big()) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&n->vfs, "/pub/small.txt", 1000) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&n->vfs, "/pub/odd.bin", 12345) == 0);
	CU_ASSERT_FATAL(sim_vfs_mkdir(&n->vfs, "/incoming") == 0);
	CU_ASSERT_FATAL(sim_ftpd_create(&n->s, &n->vfs, dc, &n->d) == 0);
}

static void fnet_free(struct fnet *n)
{
	sim_ftpc_destroy(n->fc);
	sim_ftpd_destroy(n->d);
	tu_sim_pair_free(&n->w, &n->c, &n->s, &n->l);
	sim_vfs_free(&n->vfs);
}

static void on_done(void *ctx, struct sim_ftpc *c)
{
	struct fnet *n = ctx;

	(void)c;
	n->done_calls++;
}

/* Runs a client session to the end and returns its result. */
static const struct sim_ftpc_result *run(struct fnet *n, bool v6, enum sim_ftpc_mode mode,
					 const struct sim_ftpc_step *steps, size_t n_steps)
{
	struct sim_ftpc_config cc;

	sim_ftpc_config_default(&cc);
	CU_ASSERT_FATAL(net_addr_parse(v6 ? "2001:db8::2" : "192.0.2.2", &cc.server) == 0);
	cc.mode = mode;
	cc.steps = steps;
	cc.n_steps = n_steps;
	cc.verify = &n->vfs;
	CU_ASSERT_FATAL(sim_ftpc_start(&n->c, &cc, on_done, n, &n->fc) == 0);
	sim_sched_run(&n->w.sched, SIM_TIME_NEVER);
	CU_ASSERT(n->done_calls == 1);
	return sim_ftpc_result(n->fc);
}

#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

static void check_ok(const struct sim_ftpc_result *r)
{
	CU_ASSERT(r->done);
	CU_ASSERT(r->ok);
	if (!r->ok)
		fprintf(stderr, "\n  session failed: %s\n", r->reason);
}

/* One RETR and one STOR of size bytes; both verified: the download against
 * the VFS by the client, the upload by the server's record of it. */
static void retr_stor(bool v6, enum sim_ftpc_mode mode, const char *file, uint64_t size)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "TYPE I"},
		{.op = SIM_FTPC_RETR, .arg = file},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/up.bin", .size = size},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpd_xfer *dx;
	struct sim_vfs_node *up;
	size_t ndx;

	fnet_init(&n, 42, NULL, NULL);
	r = run(&n, v6, mode, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 2);
	CU_ASSERT(r->xfers[0].bytes == size);
	CU_ASSERT(r->xfers[0].expected == size);
	CU_ASSERT(r->xfers[0].verified == 1);
	CU_ASSERT(r->xfers[0].final_code == 226);
	CU_ASSERT(r->xfers[0].prelim_code == 150);
	CU_ASSERT(r->xfers[0].mode == mode);
	CU_ASSERT(r->xfers[0].t_end > r->xfers[0].t_start);
	CU_ASSERT(r->xfers[1].bytes == size);
	CU_ASSERT(r->xfers[1].final_code == 226);
	CU_ASSERT(r->bytes_down == size && r->bytes_up == size);
	CU_ASSERT(r->throughput_bps > 0);
	up = sim_vfs_lookup(&n.vfs, "/incoming/up.bin");
	CU_ASSERT_FATAL(up != NULL);
	CU_ASSERT(up->uploaded);
	CU_ASSERT(up->size == size);
	CU_ASSERT(up->hash == r->xfers[1].hash);
	CU_ASSERT(up->generated); /* the server recognised the generated stream */
	dx = sim_ftpd_xfers(n.d, &ndx);
	CU_ASSERT_FATAL(ndx == 2);
	CU_ASSERT(dx[0].hash == r->xfers[0].hash && dx[0].bytes == size && !dx[0].upload);
	CU_ASSERT(dx[1].hash == r->xfers[1].hash && dx[1].upload);
	CU_ASSERT(dx[0].passive == (mode == SIM_FTPC_PASV || mode == SIM_FTPC_EPSV));
	if (mode == SIM_FTPC_PORT || mode == SIM_FTPC_EPRT)
		CU_ASSERT(dx[0].peer_port >= 40000 && dx[0].peer_port <= 40999);
	CU_ASSERT(sim_ftpd_stats(n.d)->sessions == 1);
	fnet_free(&n);
}

static void test_1mb_v4_pasv(void) { retr_stor(false, SIM_FTPC_PASV, "/pub/1m.bin", MB); }
static void test_1mb_v4_port(void) { retr_stor(false, SIM_FTPC_PORT, "/pub/1m.bin", MB); }
static void test_1mb_v4_epsv(void) { retr_stor(false, SIM_FTPC_EPSV, "/pub/1m.bin", MB); }
static void test_1mb_v4_eprt(void) { retr_stor(false, SIM_FTPC_EPRT, "/pub/1m.bin", MB); }
static void test_1mb_v6_epsv(void) { retr_stor(true, SIM_FTPC_EPSV, "/pub/1m.bin", MB); }
static void test_1mb_v6_eprt(void) { retr_stor(true, SIM_FTPC_EPRT, "/pub/1m.bin", MB); }
static void test_100mb_v4_pasv(void) { retr_stor(false, SIM_FTPC_PASV, "/pub/100m.bin", big()); }
static void test_100mb_v4_port(void) { retr_stor(false, SIM_FTPC_PORT, "/pub/100m.bin", big()); }
static void test_100mb_v6_epsv(void) { retr_stor(true, SIM_FTPC_EPSV, "/pub/100m.bin", big()); }
static void test_100mb_v6_eprt(void) { retr_stor(true, SIM_FTPC_EPRT, "/pub/100m.bin", big()); }

/* Active mode: the server's data connection comes from port 20. */
static void test_active_from_port_20(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/small.txt"},
	};
	const struct sim_ftpc_result *r;

	fnet_init(&n, 1, NULL, NULL);
	r = run(&n, false, SIM_FTPC_PORT, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 1);
	CU_ASSERT(r->xfers[0].data_port == 20);
	CU_ASSERT(r->xfers[0].verified == 1);
	fnet_free(&n);
}

static void test_several_files_one_session(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "CWD /pub"},
		{.op = SIM_FTPC_RETR, .arg = "small.txt"},
		{.op = SIM_FTPC_RETR, .arg = "odd.bin", .mode = SIM_FTPC_PORT},
		{.op = SIM_FTPC_RETR, .arg = "1m.bin", .mode = SIM_FTPC_EPSV},
		{.op = SIM_FTPC_STOR, .arg = "../incoming/a", .size = 777},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/b", .size = 0},
		{.op = SIM_FTPC_RETR, .arg = "/incoming/a", .mode = SIM_FTPC_EPRT},
		{.op = SIM_FTPC_RETR, .arg = "nonexistent", .expect = 550},
		{.op = SIM_FTPC_CMD, .arg = "SIZE odd.bin", .expect = 213},
	};
	const struct sim_ftpc_result *r;

	fnet_init(&n, 2, NULL, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 7);
	CU_ASSERT(r->xfers[0].bytes == 1000 && r->xfers[0].verified == 1);
	CU_ASSERT(r->xfers[1].bytes == 12345 && r->xfers[1].verified == 1);
	CU_ASSERT(r->xfers[1].mode == SIM_FTPC_PORT);
	CU_ASSERT(r->xfers[2].bytes == MB && r->xfers[2].verified == 1);
	CU_ASSERT(r->xfers[3].bytes == 777);
	CU_ASSERT(r->xfers[4].bytes == 0 && r->xfers[4].final_code == 226);
	/* an uploaded generated file can be downloaded again, identical */
	CU_ASSERT(r->xfers[5].bytes == 777 && r->xfers[5].verified == 1);
	CU_ASSERT(r->xfers[5].hash == r->xfers[3].hash);
	CU_ASSERT(r->xfers[6].final_code == 550 && r->xfers[6].bytes == 0);
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/incoming/b") != NULL);
	CU_ASSERT(strcmp(r->replies[r->n_replies - 2].text, "12345") == 0);
	fnet_free(&n);
}

static void test_rest_retr(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/1m.bin", .has_rest = true, .rest = 300001},
		{.op = SIM_FTPC_RETR, .arg = "/pub/odd.bin", .has_rest = true, .rest = 12345},
		{.op = SIM_FTPC_RETR, .arg = "/pub/odd.bin", .has_rest = true, .rest = 99999,
		 .expect = 554},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpd_xfer *dx;
	size_t ndx;

	fnet_init(&n, 3, NULL, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 3);
	CU_ASSERT(r->xfers[0].rest == 300001);
	CU_ASSERT(r->xfers[0].bytes == MB - 300001);
	CU_ASSERT(r->xfers[0].verified == 1);
	CU_ASSERT(r->xfers[0].hash == sim_vfs_gen_hash(sim_vfs_lookup(&n.vfs, "/pub/1m.bin")->seed,
						       300001, MB - 300001));
	CU_ASSERT(r->xfers[1].bytes == 0 && r->xfers[1].verified == 1);
	CU_ASSERT(r->xfers[2].final_code == 554);
	dx = sim_ftpd_xfers(n.d, &ndx);
	CU_ASSERT_FATAL(ndx == 2);
	CU_ASSERT(dx[0].rest == 300001 && dx[0].hash == r->xfers[0].hash);
	fnet_free(&n);
}

static void abor_case(enum sim_ftpc_mode mode)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_ABOR, .arg = "/pub/100m.bin", .abort_after = 2 * MB},
		{.op = SIM_FTPC_CMD, .arg = "NOOP", .expect = 200},
		{.op = SIM_FTPC_RETR, .arg = "/pub/small.txt"},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpd_xfer *dx;
	size_t ndx;
	bool saw426 = false, saw226 = false;

	fnet_init(&n, 4, NULL, NULL);
	r = run(&n, false, mode, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 2);
	CU_ASSERT(r->xfers[0].aborted);
	CU_ASSERT(r->xfers[0].final_code == 426);
	CU_ASSERT(r->xfers[0].bytes >= 2 * MB && r->xfers[0].bytes < big());
	CU_ASSERT(r->xfers[0].verified == 1); /* the prefix is the file's */
	for (size_t i = 0; i < r->n_replies; i++) {
		if (r->replies[i].step != 1)
			continue;
		saw426 = saw426 || r->replies[i].code == 426;
		saw226 = saw226 || (saw426 && r->replies[i].code == 226);
	}
	CU_ASSERT(saw426 && saw226);
	CU_ASSERT(r->xfers[1].verified == 1);
	dx = sim_ftpd_xfers(n.d, &ndx);
	CU_ASSERT_FATAL(ndx == 2);
	CU_ASSERT(dx[0].final_code == 426);
	CU_ASSERT(dx[0].bytes < big());
	CU_ASSERT(sim_ftpd_stats(n.d)->aborts == 1);
	fnet_free(&n);
}

static void test_abor_pasv(void) { abor_case(SIM_FTPC_PASV); }
static void test_abor_port(void) { abor_case(SIM_FTPC_PORT); }

static void test_listings(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_LIST, .arg = "/pub"},
		{.op = SIM_FTPC_CMD, .arg = "CWD /pub"},
		{.op = SIM_FTPC_NLST},
		{.op = SIM_FTPC_MLSD, .mode = SIM_FTPC_PORT},
		{.op = SIM_FTPC_LIST, .arg = "-la"},
		{.op = SIM_FTPC_MLSD, .arg = "small.txt", .expect = 501},
		{.op = SIM_FTPC_LIST, .arg = "/nowhere", .expect = 550},
	};
	const struct sim_ftpc_result *r;

	fnet_init(&n, 5, NULL, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 6);
	CU_ASSERT_FATAL(r->xfers[0].listing != NULL);
	CU_ASSERT(strstr(r->xfers[0].listing, "-rw-r--r-- 1 ftp ftp      1048576 ") != NULL);
	CU_ASSERT(strstr(r->xfers[0].listing, " 100m.bin\r\n") != NULL);
	CU_ASSERT(strstr(r->xfers[0].listing, " small.txt\r\n") != NULL);
	CU_ASSERT(r->xfers[0].bytes == r->xfers[0].listing_len);
	CU_ASSERT_FATAL(r->xfers[1].listing != NULL);
	/* NLST: names only, in order */
	CU_ASSERT(strcmp(r->xfers[1].listing,
			 "100m.bin\r\n1m.bin\r\nodd.bin\r\nsmall.txt\r\n") == 0);
	CU_ASSERT_FATAL(r->xfers[2].listing != NULL);
	CU_ASSERT(strstr(r->xfers[2].listing, "type=file;size=12345;modify=") != NULL);
	CU_ASSERT(strstr(r->xfers[2].listing, "; odd.bin\r\n") != NULL);
	CU_ASSERT_FATAL(r->xfers[3].listing != NULL);
	CU_ASSERT(strcmp(r->xfers[3].listing, r->xfers[0].listing) == 0);
	CU_ASSERT(r->xfers[4].final_code == 501);
	CU_ASSERT(r->xfers[5].final_code == 550);
	fnet_free(&n);
}

static void test_loss_1pct(void)
{
	struct fnet n;
	struct sim_link_params lp;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/1m.bin"},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/x", .size = MB, .mode = SIM_FTPC_PORT},
		{.op = SIM_FTPC_LIST, .arg = "/pub"},
	};
	const struct sim_ftpc_result *r;

	sim_link_params_default(&lp);
	lp.bw_bps = 100000000ULL;
	lp.delay_ns = 5 * SIM_NS_PER_MS;
	lp.loss = 0.01;
	fnet_init(&n, 6, &lp, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 3);
	CU_ASSERT(r->xfers[0].verified == 1);
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/incoming/x")->hash == r->xfers[1].hash);
	CU_ASSERT(sim_link_stats(&n.l, 0)->drop_loss + sim_link_stats(&n.l, 1)->drop_loss > 0);
	fnet_free(&n);
}

/* Same seed, same everything: times, hashes, reply log. */
static void det_run(uint64_t seed, uint64_t *t_end, uint64_t *h, size_t *nrep, uint64_t *events)
{
	struct fnet n;
	struct sim_link_params lp;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/1m.bin", .think_ns = 3 * SIM_NS_PER_MS},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/d", .size = 500000, .mode = SIM_FTPC_PORT},
	};
	const struct sim_ftpc_result *r;

	sim_link_params_default(&lp);
	lp.bw_bps = 50000000ULL;
	lp.delay_ns = 2 * SIM_NS_PER_MS;
	lp.loss = 0.02;
	fnet_init(&n, seed, &lp, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	*t_end = r->t_end;
	*h = r->n_xfers == 2 ? r->xfers[0].hash ^ r->xfers[1].hash ^ r->xfers[0].t_end : 0;
	*nrep = r->n_replies;
	*events = n.w.sched.events_run;
	fnet_free(&n);
}

static void test_determinism(void)
{
	uint64_t t1, t2, t3, h1, h2, h3, e1, e2, e3;
	size_t r1, r2, r3;

	det_run(77, &t1, &h1, &r1, &e1);
	det_run(77, &t2, &h2, &r2, &e2);
	det_run(78, &t3, &h3, &r3, &e3);
	CU_ASSERT(t1 == t2 && h1 == h2 && r1 == r2 && e1 == e2);
	CU_ASSERT(h1 != 0);
	/* another seed: another loss pattern, so other times */
	CU_ASSERT(t1 != t3 || e1 != e3);
}

static void test_think_time(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_CMD, .arg = "NOOP", .think_ns = 2 * SIM_NS_PER_S},
	};
	const struct sim_ftpc_result *r;

	fnet_init(&n, 8, NULL, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_replies >= 4);
	/* 220, 331, 230, then NOOP's 200 two seconds after the 230 */
	CU_ASSERT(r->replies[3].code == 200);
	CU_ASSERT(r->replies[3].t - r->replies[2].t >= 2 * SIM_NS_PER_S);
	CU_ASSERT(r->replies[3].t - r->replies[2].t < 2 * SIM_NS_PER_S + 10 * SIM_NS_PER_MS);
	fnet_free(&n);
}

/* The client notices a download whose bytes are not the server's file. */
static void test_verify_detects_mismatch(void)
{
	struct fnet n;
	struct sim_vfs other;
	struct sim_ftpc_config cc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/small.txt"},
	};
	const struct sim_ftpc_result *r;

	fnet_init(&n, 9, NULL, NULL);
	CU_ASSERT_FATAL(sim_vfs_init(&other, 12345) == 0);
	CU_ASSERT_FATAL(sim_vfs_add_file(&other, "/pub/small.txt", 1000) == 0);
	sim_ftpc_config_default(&cc);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.2", &cc.server) == 0);
	cc.steps = steps;
	cc.n_steps = NSTEPS(steps);
	cc.verify = &other; /* same name and size, another seed */
	CU_ASSERT_FATAL(sim_ftpc_start(&n.c, &cc, on_done, &n, &n.fc) == 0);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	r = sim_ftpc_result(n.fc);
	CU_ASSERT(r->done && !r->ok);
	CU_ASSERT(r->failed_step == 1);
	CU_ASSERT(strstr(r->reason, "does not match") != NULL);
	CU_ASSERT_FATAL(r->n_xfers == 1);
	CU_ASSERT(r->xfers[0].verified == -1);
	sim_vfs_free(&other);
	fnet_free(&n);
}

/* REST + STOR continuing the same stream resumes the upload: the file stays
 * known and downloads verified; another stream leaves size + hash only. */
static void test_rest_stor_resume(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/r", .size = 4000, .upload_seed = 0x77},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/r", .size = 6000, .upload_seed = 0x77,
		 .has_rest = true, .rest = 4000},
		{.op = SIM_FTPC_RETR, .arg = "/incoming/r"},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/q", .size = 100},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/q", .size = 10, .upload_seed = 0x99,
		 .has_rest = true, .rest = 50},
		{.op = SIM_FTPC_RETR, .arg = "/incoming/q", .expect = 550},
	};
	const struct sim_ftpc_result *r;
	const struct sim_vfs_node *q;

	fnet_init(&n, 10, NULL, NULL);
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 6);
	CU_ASSERT(r->xfers[1].rest == 4000 && r->xfers[1].bytes == 6000);
	CU_ASSERT(r->xfers[1].hash == sim_vfs_gen_hash(0x77, 4000, 6000));
	CU_ASSERT(r->xfers[2].bytes == 10000 && r->xfers[2].verified == 1);
	CU_ASSERT(r->xfers[2].hash == sim_vfs_gen_hash(0x77, 0, 10000));
	q = sim_vfs_lookup(&n.vfs, "/incoming/q");
	CU_ASSERT_FATAL(q != NULL);
	CU_ASSERT(q->size == 60 && !q->generated && q->hash == r->xfers[4].hash);
	CU_ASSERT(r->xfers[5].final_code == 550);
	fnet_free(&n);
}

/* Ten sessions at once against one server, mixed modes: sessions and data
 * ports do not cross, every transfer verifies. */
static void test_concurrent_sessions(void)
{
	enum { N = 10 };
	static const enum sim_ftpc_mode modes[] = {SIM_FTPC_PASV, SIM_FTPC_PORT, SIM_FTPC_EPSV,
						   SIM_FTPC_EPRT};
	struct fnet n;
	struct sim_ftpc *fc[N];
	struct sim_ftpc_config cc;
	char names[N][32];
	struct sim_ftpc_step steps[N][3];

	fnet_init(&n, 12, NULL, NULL);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "/incoming/c%d", i);
		memset(steps[i], 0, sizeof(steps[i]));
		steps[i][0].op = SIM_FTPC_LOGIN;
		steps[i][1].op = SIM_FTPC_RETR;
		steps[i][1].arg = i % 2 ? "/pub/1m.bin" : "/pub/odd.bin";
		steps[i][2].op = SIM_FTPC_STOR;
		steps[i][2].arg = names[i];
		steps[i][2].size = 100000 + (uint64_t)i;
		sim_ftpc_config_default(&cc);
		CU_ASSERT_FATAL(net_addr_parse(i % 3 ? "192.0.2.2" : "2001:db8::2", &cc.server) == 0);
		cc.mode = modes[i % 4];
		cc.steps = steps[i];
		cc.n_steps = 3;
		cc.verify = &n.vfs;
		cc.upload_seed = (uint64_t)i * 1000 + 1;
		CU_ASSERT_FATAL(sim_ftpc_start(&n.c, &cc, on_done, &n, &fc[i]) == 0);
	}
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	CU_ASSERT(n.done_calls == N);
	CU_ASSERT(sim_ftpd_stats(n.d)->sessions == N);
	CU_ASSERT(sim_ftpd_stats(n.d)->sessions_active == 0);
	for (int i = 0; i < N; i++) {
		const struct sim_ftpc_result *r = sim_ftpc_result(fc[i]);
		const struct sim_vfs_node *up = sim_vfs_lookup(&n.vfs, names[i]);

		check_ok(r);
		CU_ASSERT_FATAL(r->n_xfers == 2);
		CU_ASSERT(r->xfers[0].verified == 1);
		CU_ASSERT_FATAL(up != NULL);
		CU_ASSERT(up->size == 100000 + (uint64_t)i && up->hash == r->xfers[1].hash);
		sim_ftpc_destroy(fc[i]);
	}
	fnet_free(&n);
}

/* Transfers longer than the client's no-progress timeout still complete:
 * arriving bytes (downloads) and acknowledged bytes (uploads) are progress. */
static void test_long_transfers_not_timed_out(void)
{
	struct fnet n;
	struct sim_link_params lp;
	struct sim_ftpc_config cc;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/slow", .size = 4 * MB},
		{.op = SIM_FTPC_RETR, .arg = "/pub/1m.bin"},
	};
	const struct sim_ftpc_result *r;

	sim_link_params_default(&lp);
	lp.bw_bps = 1000000ULL; /* 1 Mb/s: 4 MB take over 30 s */
	lp.delay_ns = 10 * SIM_NS_PER_MS;
	fnet_init(&n, 13, &lp, NULL);
	sim_ftpc_config_default(&cc);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.2", &cc.server) == 0);
	cc.steps = steps;
	cc.n_steps = NSTEPS(steps);
	cc.verify = &n.vfs;
	cc.xfer_timeout_ns = 2 * SIM_NS_PER_S;
	cc.reply_timeout_ns = 2 * SIM_NS_PER_S;
	CU_ASSERT_FATAL(sim_ftpc_start(&n.c, &cc, on_done, &n, &n.fc) == 0);
	sim_sched_run(&n.w.sched, SIM_TIME_NEVER);
	r = sim_ftpc_result(n.fc);
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 2);
	CU_ASSERT(r->xfers[0].t_end - r->xfers[0].t_start > 30 * SIM_NS_PER_S);
	CU_ASSERT(r->xfers[1].verified == 1);
	CU_ASSERT(r->throughput_bps > 0.5e6 && r->throughput_bps < 1e6);
	fnet_free(&n);
}

/* ---- a middlebox on the client host: data connections leave from another
 * address (192.0.2.9) than the control connection, as behind a NAT pool or a
 * proxy. The server must take them; the client must not care. ---- */

static bool is_data_conn(const struct net_pkt *p)
{
	return p->tuple.proto == 6 && p->tuple.sport != 21 && p->tuple.dport != 21;
}

static bool mb_egress(void *ctx, struct sim_host *h, int ifc, struct sim_pkt *pkt)
{
	struct net_addr from, to;
	struct net_pkt p;
	enum net_err err;

	(void)ctx;
	(void)h;
	(void)ifc;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.1", &from) == 0);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.9", &to) == 0);
	if (net_pkt_parse(pkt->data, pkt->len, &p, &err) == 0 && is_data_conn(&p) &&
	    net_addr_eq(&p.tuple.src, &from))
		CU_ASSERT(net_pkt_rewrite_src(&p, &to, p.tuple.sport) == 0);
	return false;
}

static bool mb_ingress(void *ctx, struct sim_host *h, int ifc, struct net_pkt *p,
		       struct sim_pkt *pkt)
{
	struct net_addr outside, inside;

	(void)ctx;
	(void)ifc;
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.9", &outside) == 0);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.1", &inside) == 0);
	if (!net_addr_eq(&p->tuple.dst, &outside))
		return false;
	CU_ASSERT(net_pkt_rewrite_dst(p, &inside, p->tuple.dport) == 0);
	sim_host_deliver_local(h, p, pkt);
	return true;
}

static void test_data_from_another_address(void)
{
	struct fnet n;
	struct sim_ftpc_step steps[] = {
		{.op = SIM_FTPC_LOGIN},
		{.op = SIM_FTPC_RETR, .arg = "/pub/1m.bin"},
		{.op = SIM_FTPC_STOR, .arg = "/incoming/mb", .size = 300000, .mode = SIM_FTPC_EPSV},
		{.op = SIM_FTPC_LIST, .arg = "/pub"},
	};
	const struct sim_ftpc_result *r;
	const struct sim_ftpd_xfer *dx;
	struct net_addr nine;
	size_t ndx;

	fnet_init(&n, 14, NULL, NULL);
	n.c.verify_csum = n.s.verify_csum = true; /* the rewrites keep checksums right */
	n.c.egress.fn = mb_egress;
	n.c.ingress.fn = mb_ingress;
	r = run(&n, false, SIM_FTPC_PASV, steps, NSTEPS(steps));
	check_ok(r);
	CU_ASSERT_FATAL(r->n_xfers == 3);
	CU_ASSERT(r->xfers[0].verified == 1);
	CU_ASSERT(sim_vfs_lookup(&n.vfs, "/incoming/mb")->hash == r->xfers[1].hash);
	CU_ASSERT_FATAL(net_addr_parse("192.0.2.9", &nine) == 0);
	dx = sim_ftpd_xfers(n.d, &ndx);
	CU_ASSERT_FATAL(ndx == 3);
	for (size_t i = 0; i < ndx; i++)
		CU_ASSERT(net_addr_eq(&dx[i].peer, &nine)); /* not the control peer */
	fnet_free(&n);
}

TU_MAIN("sim_ftp",
	TU_CASE(test_1mb_v4_pasv), TU_CASE(test_1mb_v4_port), TU_CASE(test_1mb_v4_epsv),
	TU_CASE(test_1mb_v4_eprt), TU_CASE(test_1mb_v6_epsv), TU_CASE(test_1mb_v6_eprt),
	TU_CASE(test_100mb_v4_pasv), TU_CASE(test_100mb_v4_port), TU_CASE(test_100mb_v6_epsv),
	TU_CASE(test_100mb_v6_eprt), TU_CASE(test_active_from_port_20),
	TU_CASE(test_several_files_one_session), TU_CASE(test_rest_retr), TU_CASE(test_rest_stor_resume),
	TU_CASE(test_abor_pasv), TU_CASE(test_abor_port), TU_CASE(test_listings),
	TU_CASE(test_loss_1pct), TU_CASE(test_determinism), TU_CASE(test_think_time),
	TU_CASE(test_verify_detects_mismatch), TU_CASE(test_concurrent_sessions),
	TU_CASE(test_long_transfers_not_timed_out), TU_CASE(test_data_from_another_address))
