/* test_sim_link.c - simulated links: serialisation and propagation timing,
 * FIFO order, MTU and queue drops, seeded loss and reordering, the tap, and
 * the pcap recorder read back through libpcap. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../sim/sim_link.h"
#include "../sim/sim_pcap.h"
#include "../sim/sim_world.h"
#include "tu.h"

/* A node that records what reaches it. */
struct sink_node {
	struct sim_node node; /* first */
	struct sim_world *w;
	int n;
	uint64_t t[256];
	uint32_t len[256];
	uint8_t tag[256];
};

static void sink_rx(struct sim_node *node, struct sim_iface *ifc, struct sim_pkt *pkt)
{
	struct sink_node *s = (struct sink_node *)node;

	(void)ifc;
	if (s->n < 256) {
		s->t[s->n] = s->w->sched.now;
		s->len[s->n] = pkt->len;
		s->tag[s->n] = pkt->data[0];
		s->n++;
	}
	sim_pkt_put(&s->w->pool, pkt);
}

struct pair {
	struct sim_world w;
	struct sink_node a, b;
	struct sim_iface ia, ib;
	struct sim_link l;
};

static void pair_init(struct pair *p, uint64_t seed, const struct sim_link_params *lp)
{
	memset(p, 0, sizeof(*p));
	sim_world_init(&p->w, seed);
	p->a.node.rx = sink_rx;
	p->b.node.rx = sink_rx;
	p->a.w = p->b.w = &p->w;
	p->ia.node = &p->a.node;
	p->ib.node = &p->b.node;
	p->ia.w = p->ib.w = &p->w;
	CU_ASSERT_FATAL(sim_link_init(&p->l, &p->w, lp, &p->ia, &p->ib) == 0);
}

static void pair_free(struct pair *p)
{
	sim_link_free(&p->l);
	CU_ASSERT_EQUAL(p->w.pool.n_in_use, 0);
	sim_world_free(&p->w);
}

static int send_len(struct pair *p, struct sim_iface *from, uint32_t len, uint8_t tag)
{
	struct sim_pkt *pkt = sim_pkt_get(&p->w.pool);

	CU_ASSERT_FATAL(pkt != NULL);
	memset(pkt->data, tag, len);
	pkt->len = len;
	return sim_link_send(from, pkt);
}

static void test_timing(void)
{
	struct pair p;
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.bw_bps = 8000000; /* 1 byte per microsecond */
	lp.delay_ns = 5 * SIM_NS_PER_MS;
	pair_init(&p, 1, &lp);
	CU_ASSERT_EQUAL(sim_link_ser_ns(&p.l, 1000), 1000 * SIM_NS_PER_US);
	/* Three packets back to back: they queue behind each other. */
	CU_ASSERT(send_len(&p, &p.ia, 1000, 1) == 0);
	CU_ASSERT(send_len(&p, &p.ia, 500, 2) == 0);
	CU_ASSERT(send_len(&p, &p.ia, 1500, 3) == 0);
	/* The other direction is independent (full duplex). */
	CU_ASSERT(send_len(&p, &p.ib, 100, 4) == 0);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL_FATAL(p.b.n, 3);
	CU_ASSERT_EQUAL(p.b.t[0], 1000 * SIM_NS_PER_US + 5 * SIM_NS_PER_MS);
	CU_ASSERT_EQUAL(p.b.t[1], 1500 * SIM_NS_PER_US + 5 * SIM_NS_PER_MS);
	CU_ASSERT_EQUAL(p.b.t[2], 3000 * SIM_NS_PER_US + 5 * SIM_NS_PER_MS);
	CU_ASSERT_EQUAL(p.b.tag[0], 1);
	CU_ASSERT_EQUAL(p.b.tag[2], 3);
	CU_ASSERT_EQUAL_FATAL(p.a.n, 1);
	CU_ASSERT_EQUAL(p.a.t[0], 100 * SIM_NS_PER_US + 5 * SIM_NS_PER_MS);
	CU_ASSERT_EQUAL(sim_link_stats(&p.l, 0)->tx_pkts, 3);
	CU_ASSERT_EQUAL(sim_link_stats(&p.l, 0)->rx_bytes, 3000);
	CU_ASSERT_EQUAL(sim_link_stats(&p.l, 0)->max_queue_pkts, 3);
	/* An idle link starts a packet at once. */
	sim_sched_run(&p.w.sched, 20 * SIM_NS_PER_MS);
	CU_ASSERT(send_len(&p, &p.ia, 10, 5) == 0);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(p.b.t[3], 20 * SIM_NS_PER_MS + 10 * SIM_NS_PER_US + 5 * SIM_NS_PER_MS);
	pair_free(&p);
}

static void test_mtu_drop(void)
{
	struct pair p;
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.mtu = 1280;
	pair_init(&p, 2, &lp);
	CU_ASSERT(send_len(&p, &p.ia, 1280, 1) == 0);
	CU_ASSERT(send_len(&p, &p.ia, 1281, 2) == -EMSGSIZE);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(p.b.n, 1);
	CU_ASSERT_EQUAL(sim_link_stats(&p.l, 0)->drop_mtu, 1);
	CU_ASSERT_EQUAL(sim_link_stats(&p.l, 0)->tx_pkts, 1);
	pair_free(&p);
}

static void test_queue_drop(void)
{
	struct pair p;
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.bw_bps = 8000000;
	lp.qlimit_pkts = 4;
	lp.qlimit_bytes = 3000;
	pair_init(&p, 3, &lp);
	/* Byte limit: 1000+1000+1000 fit, the fourth 1000 does not. */
	CU_ASSERT(send_len(&p, &p.ia, 1000, 1) == 0);
	CU_ASSERT(send_len(&p, &p.ia, 1000, 2) == 0);
	CU_ASSERT(send_len(&p, &p.ia, 1000, 3) == 0);
	CU_ASSERT(send_len(&p, &p.ia, 1000, 4) == -ENOBUFS);
	/* Once the first has left the wire there is room again. */
	sim_sched_run(&p.w.sched, 1000 * SIM_NS_PER_US);
	CU_ASSERT(send_len(&p, &p.ia, 1000, 5) == 0);
	/* Packet limit: small packets stop at 4 in the queue. */
	CU_ASSERT(send_len(&p, &p.ia, 10, 6) == -ENOBUFS);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(p.b.n, 4);
	CU_ASSERT_EQUAL(sim_link_stats(&p.l, 0)->drop_queue, 2);
	CU_ASSERT_EQUAL(p.b.tag[3], 5);
	pair_free(&p);
}

static uint64_t lost_with_seed(uint64_t seed, uint64_t *reordered, int *first_lost)
{
	struct pair p;
	struct sim_link_params lp;
	uint64_t lost;

	sim_link_params_default(&lp);
	lp.loss = 0.1;
	lp.reorder = 0.05;
	lp.reorder_delay_ns = 100 * SIM_NS_PER_US;
	pair_init(&p, seed, &lp);
	for (int i = 0; i < 200; i++)
		CU_ASSERT(send_len(&p, &p.ia, 100, (uint8_t)i) == 0); /* lost ones are accepted */
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	lost = sim_link_stats(&p.l, 0)->drop_loss;
	*reordered = sim_link_stats(&p.l, 0)->reordered;
	CU_ASSERT_EQUAL((uint64_t)p.b.n, 200 - lost);
	*first_lost = -1;
	for (int i = 0; i < p.b.n && *first_lost < 0; i++)
		if (p.b.tag[i] != (uint8_t)i)
			*first_lost = i;
	pair_free(&p);
	return lost;
}

static void test_loss_seeded(void)
{
	uint64_t r1, r2, r3;
	int f1, f2, f3;
	uint64_t l1 = lost_with_seed(99, &r1, &f1);
	uint64_t l2 = lost_with_seed(99, &r2, &f2);
	uint64_t l3 = lost_with_seed(100, &r3, &f3);

	CU_ASSERT(l1 > 5 && l1 < 40); /* about 10% of 200 */
	CU_ASSERT(r1 > 0);
	CU_ASSERT_EQUAL(l1, l2); /* same seed, same fate */
	CU_ASSERT_EQUAL(r1, r2);
	CU_ASSERT_EQUAL(f1, f2);
	CU_ASSERT(l1 != l3 || r1 != r3 || f1 != f3);
}

static void test_reorder(void)
{
	struct pair p;
	struct sim_link_params lp;
	int out_of_order = 0;

	sim_link_params_default(&lp);
	lp.reorder = 0.3;
	lp.reorder_delay_ns = 50 * SIM_NS_PER_US;
	pair_init(&p, 4, &lp);
	for (int i = 0; i < 100; i++)
		send_len(&p, &p.ia, 1000, (uint8_t)i);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(p.b.n, 100);
	for (int i = 1; i < p.b.n; i++) {
		out_of_order += p.b.tag[i] < p.b.tag[i - 1];
		CU_ASSERT(p.b.t[i] >= p.b.t[i - 1]);
	}
	CU_ASSERT(out_of_order > 0);
	CU_ASSERT(sim_link_stats(&p.l, 0)->reordered > 10);
	pair_free(&p);
}

struct tap_log {
	int n;
	int from[8];
	uint64_t t[8];
};

static void tap_fn(void *ctx, const struct sim_link *l, int from, uint64_t t_ns, const uint8_t *pkt,
		   size_t len)
{
	struct tap_log *tl = ctx;

	(void)l;
	(void)pkt;
	(void)len;
	if (tl->n < 8) {
		tl->from[tl->n] = from;
		tl->t[tl->n] = t_ns;
		tl->n++;
	}
}

static void test_tap(void)
{
	struct pair p;
	struct tap_log tl = {0};
	struct sim_link_tap tap = {tap_fn, &tl, false};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.mtu = 500;
	pair_init(&p, 5, &lp);
	sim_link_set_tap(&p.l, &tap);
	sim_sched_run(&p.w.sched, 1234);
	send_len(&p, &p.ia, 100, 1);
	send_len(&p, &p.ib, 100, 2);
	send_len(&p, &p.ib, 600, 3); /* dropped before the wire: not tapped */
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT_EQUAL(tl.n, 2);
	CU_ASSERT_EQUAL(tl.from[0], 0);
	CU_ASSERT_EQUAL(tl.from[1], 1);
	CU_ASSERT_EQUAL(tl.t[0], 1234);
	pair_free(&p);
}

static void test_tap_at_arrival(void)
{
	struct pair p;
	struct tap_log tl = {0};
	struct sim_link_tap tap = {tap_fn, &tl, true};
	struct sim_link_params lp;

	sim_link_params_default(&lp);
	lp.bw_bps = 8000000;
	lp.delay_ns = 1000;
	lp.loss = 0.5;
	pair_init(&p, 8, &lp);
	sim_link_set_tap(&p.l, &tap);
	for (int i = 0; i < 8; i++)
		send_len(&p, &p.ia, 100, (uint8_t)i);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	/* Only what arrived, when it arrived. */
	CU_ASSERT_EQUAL((uint64_t)tl.n, sim_link_stats(&p.l, 0)->rx_pkts);
	CU_ASSERT(tl.n < 8);
	CU_ASSERT_EQUAL(tl.n, p.b.n);
	for (int i = 0; i < tl.n; i++)
		CU_ASSERT_EQUAL(tl.t[i], p.b.t[i]);
	pair_free(&p);
}

static void test_pcap(void)
{
	struct pair p;
	struct sim_pcap *pc;
	char path[] = "build/test_sim_link.pcap";
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *rd;
	int n = 0;

	pair_init(&p, 6, NULL);
	remove(path);
	CU_ASSERT_FATAL(sim_pcap_open(path, 0, &pc) == 0);
	sim_pcap_attach(pc, &p.l, false);
	sim_sched_run(&p.w.sched, 3 * SIM_NS_PER_S + 123456789);
	send_len(&p, &p.ia, 60, 0x45);
	send_len(&p, &p.ib, 80, 0x60);
	sim_sched_run(&p.w.sched, SIM_TIME_NEVER);
	CU_ASSERT(access(path, F_OK) != 0); /* only the temp file exists yet */
	CU_ASSERT_EQUAL(sim_pcap_count(pc), 2);
	CU_ASSERT(sim_pcap_close(pc) == 0);
	rd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	CU_ASSERT_FATAL(rd != NULL);
	CU_ASSERT_EQUAL(pcap_datalink(rd), DLT_RAW);
	while (pcap_next_ex(rd, &h, &data) == 1) {
		CU_ASSERT_EQUAL(h->ts.tv_sec, 3);
		CU_ASSERT_EQUAL(h->ts.tv_usec, 123456789); /* nanoseconds */
		CU_ASSERT_EQUAL(h->caplen, n == 0 ? 60 : 80);
		CU_ASSERT_EQUAL(data[0], n == 0 ? 0x45 : 0x60);
		n++;
	}
	CU_ASSERT_EQUAL(n, 2);
	pcap_close(rd);
	remove(path);
	CU_ASSERT(sim_pcap_open("", 0, &pc) == -EINVAL);
	CU_ASSERT(sim_pcap_open("/nonexistent-dir/x.pcap", 0, &pc) == -EIO);
	pair_free(&p);
}

static void test_link_init_errors(void)
{
	struct pair p;
	struct sim_link l2;
	struct sim_link_params lp;
	struct sim_iface lone = {0};

	pair_init(&p, 7, NULL);
	sim_link_params_default(&lp);
	/* Interfaces already on a link cannot join another. */
	CU_ASSERT(sim_link_init(&l2, &p.w, &lp, &p.ia, &p.ib) == -EINVAL);
	lp.loss = 1.5;
	lone.node = &p.a.node;
	lone.w = &p.w;
	CU_ASSERT(sim_link_init(&l2, &p.w, &lp, &lone, &p.ib) == -EINVAL);
	/* A detached interface drops and says so. */
	{
		struct sim_pkt *pkt = sim_pkt_get(&p.w.pool);

		pkt->len = 20;
		CU_ASSERT(sim_link_send(&lone, pkt) == -ENOTCONN);
	}
	pair_free(&p);
}

TU_MAIN("sim_link", TU_CASE(test_timing), TU_CASE(test_mtu_drop), TU_CASE(test_queue_drop),
	TU_CASE(test_loss_seeded), TU_CASE(test_reorder), TU_CASE(test_tap), TU_CASE(test_tap_at_arrival), TU_CASE(test_pcap),
	TU_CASE(test_link_init_errors))
