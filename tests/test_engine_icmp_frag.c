/* test_engine_icmp_frag.c - ICMP errors about translated sessions (outer and
 * quoted headers rewritten consistently, both directions, v4 and v6) and IPv4
 * fragments under both policies (tracked fragments reassemble into a packet
 * whose checksums verify). */
#include "test_engine_util.h"

#include "../net/net_csum.h"

/* ---- ICMP errors ---------------------------------------------------------- */

static void icmp_error_outside(const char *client, const char *server, const char *pub,
			       const char *router)
{
	struct gnat *g = te_open_default();
	struct te_out syn, err;
	int n;

	te_send(g, &syn, GNAT_SIDE_INSIDE, 0, 6, client, 40000, server, 80, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(syn.res.verdict == GNAT_FORWARD);
	/* a router on the way answers the translated SYN */
	n = tu_pkt_build_icmp_error(router, pub, syn.buf, syn.len, syn.len, err.buf,
				    sizeof(err.buf));
	CU_ASSERT_FATAL(n > 0);
	err.len = (size_t)n;
	te_feed(g, &err, GNAT_SIDE_OUTSIDE, 1, false);
	CU_ASSERT_FATAL(err.res.verdict == GNAT_FORWARD);
	CU_ASSERT(err.res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(err.res.mapping_id == syn.res.mapping_id);
	CU_ASSERT_FATAL(err.parse_rc == 0 && err.p.icmp_error);
	CU_ASSERT(te_addr_is(&err.p.tuple.src, router));
	CU_ASSERT(te_addr_is(&err.p.tuple.dst, client));
	CU_ASSERT(te_addr_is(&err.p.inner.tuple.src, client));
	CU_ASSERT(err.p.inner.tuple.sport == 40000);
	CU_ASSERT(te_addr_is(&err.p.inner.tuple.dst, server));
	CU_ASSERT(err.p.inner.tuple.dport == 80);
	CU_ASSERT(net_pkt_checksums_ok(&err.p));
	CU_ASSERT(te_counters(g).icmp_errors_translated == 1);

	/* the server itself complains: its own address stays */
	/* quoting only the IP header and 8 bytes, as RFC 792 asks */
	n = tu_pkt_build_icmp_error(server, pub, syn.buf, syn.len, syn.buf[0] >> 4 == 6 ? 48 : 28,
				    err.buf, sizeof(err.buf));
	CU_ASSERT_FATAL(n > 0);
	err.len = (size_t)n;
	te_feed(g, &err, GNAT_SIDE_OUTSIDE, 2, false);
	CU_ASSERT(err.res.verdict == GNAT_FORWARD);
	CU_ASSERT(te_addr_is(&err.p.tuple.src, server));
	CU_ASSERT(te_addr_is(&err.p.tuple.dst, client));
	CU_ASSERT(te_addr_is(&err.p.inner.tuple.src, client));
	CU_ASSERT(net_pkt_checksums_ok(&err.p));
	gnat_destroy(g);
}

static void test_icmp_error_from_outside_v4(void)
{
	icmp_error_outside(TE_CLIENT, TE_SERVER, TE_PUBLIC, TE_ROUTER);
}

static void test_icmp_error_from_outside_v6(void)
{
	icmp_error_outside(TE_CLIENT6, TE_SERVER6, TE_PUBLIC6, "2001:db8:ff::fe");
}

/* The inside host refuses a reply of a translated UDP session: its error
 * leaves from the public address and quotes what the server sent. */
static void test_icmp_error_from_inside(void)
{
	struct gnat *g = te_open_default();
	struct te_out q, r, err;
	int n;

	te_send(g, &q, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 4000, TE_SERVER, 53, 0, "query");
	CU_ASSERT_FATAL(q.res.verdict == GNAT_FORWARD);
	te_send(g, &r, GNAT_SIDE_OUTSIDE, 1, 17, TE_SERVER, 53, TE_PUBLIC, q.p.tuple.sport, 0,
		"answer");
	CU_ASSERT_FATAL(r.res.verdict == GNAT_FORWARD);
	n = tu_pkt_build_icmp_error(TE_CLIENT, TE_SERVER, r.buf, r.len, r.len, err.buf,
				    sizeof(err.buf));
	CU_ASSERT_FATAL(n > 0);
	err.len = (size_t)n;
	te_feed(g, &err, GNAT_SIDE_INSIDE, 2, false);
	CU_ASSERT_FATAL(err.res.verdict == GNAT_FORWARD);
	CU_ASSERT(err.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(te_addr_is(&err.p.tuple.src, TE_PUBLIC));
	CU_ASSERT(te_addr_is(&err.p.tuple.dst, TE_SERVER));
	CU_ASSERT(te_addr_is(&err.p.inner.tuple.src, TE_SERVER));
	CU_ASSERT(te_addr_is(&err.p.inner.tuple.dst, TE_PUBLIC));
	CU_ASSERT(err.p.inner.tuple.dport == q.p.tuple.sport);
	CU_ASSERT(err.p.inner.tuple.sport == 53);
	CU_ASSERT(net_pkt_checksums_ok(&err.p));
	gnat_destroy(g);
}

static void test_icmp_error_without_mapping(void)
{
	struct gnat *g = te_open_default();
	struct te_out pkt, err;
	int n;

	te_send(g, &pkt, GNAT_SIDE_OUTSIDE, 0, 17, TE_SERVER2, 9, TE_SERVER, 53, 0, "x");
	n = tu_pkt_build_icmp_error(TE_ROUTER, TE_CLIENT, pkt.buf, pkt.len, pkt.len, err.buf,
				    sizeof(err.buf));
	CU_ASSERT_FATAL(n > 0);
	err.len = (size_t)n;
	te_feed(g, &err, GNAT_SIDE_OUTSIDE, 1, false);
	CU_ASSERT(err.res.verdict == GNAT_DROP);
	CU_ASSERT(err.res.reason == GNAT_DROP_NO_MAPPING);
	n = tu_pkt_build_icmp_error(TE_ROUTER, TE_PUBLIC, pkt.buf, pkt.len, pkt.len, err.buf,
				    sizeof(err.buf));
	err.len = (size_t)n;
	te_feed(g, &err, GNAT_SIDE_OUTSIDE, 1, false);
	CU_ASSERT(err.res.verdict == GNAT_LOCAL);
	n = tu_pkt_build_icmp_error(TE_ROUTER, TE_SERVER2, pkt.buf, pkt.len, pkt.len, err.buf,
				    sizeof(err.buf));
	err.len = (size_t)n;
	te_feed(g, &err, GNAT_SIDE_OUTSIDE, 1, false);
	CU_ASSERT(err.res.verdict == GNAT_FORWARD);
	CU_ASSERT(!err.res.translated);
	CU_ASSERT(te_counters(g).icmp_errors_translated == 0);
	gnat_destroy(g);
}

/* ---- fragments -------------------------------------------------------------- */

static void ip4_fix(uint8_t *ip)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = net_csum_fold(net_csum_add(0, ip, 20));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

/* Split an IPv4 packet (20-byte header) at L4 byte `cut` (multiple of 8). */
static void split(const struct te_out *whole, size_t cut, struct te_out *f1, struct te_out *f2)
{
	size_t l4 = whole->len - 20;

	memcpy(f1->buf, whole->buf, 20 + cut);
	f1->len = 20 + cut;
	f1->buf[2] = (uint8_t)(f1->len >> 8);
	f1->buf[3] = (uint8_t)f1->len;
	f1->buf[6] = 0x20; /* MF */
	f1->buf[7] = 0;
	ip4_fix(f1->buf);
	memcpy(f2->buf, whole->buf, 20);
	memcpy(f2->buf + 20, whole->buf + 20 + cut, l4 - cut);
	f2->len = 20 + l4 - cut;
	f2->buf[2] = (uint8_t)(f2->len >> 8);
	f2->buf[3] = (uint8_t)f2->len;
	f2->buf[6] = (uint8_t)((cut / 8) >> 8);
	f2->buf[7] = (uint8_t)(cut / 8);
	ip4_fix(f2->buf);
}

static void build_udp(struct te_out *o, const char *src, uint16_t sport, const char *dst,
		      uint16_t dport, uint16_t ip_id)
{
	uint8_t payload[64];
	struct tu_pkt_spec s;
	int n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)('a' + i % 26);
	memset(&s, 0, sizeof(s));
	s.proto = 17;
	s.src = src;
	s.dst = dst;
	s.sport = sport;
	s.dport = dport;
	s.ip_id = ip_id;
	s.payload = payload;
	s.payload_len = 64;
	n = tu_pkt_build(&s, o->buf, sizeof(o->buf));
	CU_ASSERT_FATAL(n == (src[0] == '2' ? 112 : 92));
	o->len = (size_t)n;
}

static void test_fragments_tracked(void)
{
	struct gnat *g = te_open_default();
	static struct te_out whole, f1, f2, re, stray;
	struct gnat_counters c;
	enum net_err e;
	struct net_pkt p;

	build_udp(&whole, TE_CLIENT, 5000, TE_SERVER, 53, 0x1234);
	split(&whole, 32, &f1, &f2);
	/* a later fragment ahead of its first one is unknown */
	stray = f2;
	te_feed(g, &stray, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(stray.res.verdict == GNAT_DROP);
	CU_ASSERT(stray.res.reason == GNAT_DROP_FRAGMENT);
	te_feed(g, &f1, GNAT_SIDE_INSIDE, 1, false);
	CU_ASSERT_FATAL(f1.res.verdict == GNAT_FORWARD);
	CU_ASSERT(f1.res.new_mapping);
	CU_ASSERT(te_addr_is(&f1.p.tuple.src, TE_PUBLIC));
	te_feed(g, &f2, GNAT_SIDE_INSIDE, 2, false);
	CU_ASSERT_FATAL(f2.res.verdict == GNAT_FORWARD);
	CU_ASSERT(f2.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(f2.res.translated);
	CU_ASSERT(te_addr_is(&f2.p.tuple.src, TE_PUBLIC));
	CU_ASSERT(net_pkt_checksums_ok(&f2.p)); /* IP header of a later fragment */
	/* reassembled, the translated datagram is whole and consistent */
	memcpy(re.buf, f1.buf, f1.len);
	memcpy(re.buf + f1.len, f2.buf + 20, f2.len - 20);
	re.len = f1.len + f2.len - 20;
	re.buf[2] = (uint8_t)(re.len >> 8);
	re.buf[3] = (uint8_t)re.len;
	re.buf[6] = re.buf[7] = 0;
	ip4_fix(re.buf);
	CU_ASSERT_FATAL(net_pkt_parse(re.buf, re.len, &p, &e) == 0);
	CU_ASSERT(!p.is_fragment);
	CU_ASSERT(net_pkt_checksums_ok(&p));
	CU_ASSERT(memcmp(re.buf + 28, whole.buf + 28, 64) == 0);
	/* another datagram ID of the same flow is unknown */
	stray = f2;
	stray.buf[5] ^= 1;
	ip4_fix(stray.buf);
	te_feed(g, &stray, GNAT_SIDE_INSIDE, 3, false);
	CU_ASSERT(stray.res.reason == GNAT_DROP_FRAGMENT);
	/* the record lives 30 s */
	split(&whole, 32, &re, &stray);
	te_feed(g, &stray, GNAT_SIDE_INSIDE, 1 + TE_S(30), false);
	CU_ASSERT(stray.res.reason == GNAT_DROP_FRAGMENT);
	c = te_counters(g);
	CU_ASSERT(c.fragments_translated == 1);
	CU_ASSERT(c.drops[GNAT_DROP_FRAGMENT] == 3);
	gnat_destroy(g);
}

/* Fragments of the reply come back to the right inside host; more datagrams
 * than the table holds push the oldest record out. */
static void test_fragments_reply_and_bounded(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	static struct te_out q, whole, f1, f2, old1, old2;

	te_config(&cfg);
	cfg.max_frag_ids = 2;
	g = te_open(&cfg);
	te_send(g, &q, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 5000, TE_SERVER, 53, 0, "q");
	CU_ASSERT_FATAL(q.res.verdict == GNAT_FORWARD);
	for (uint16_t id = 1; id <= 3; id++) {
		build_udp(&whole, TE_SERVER, 53, TE_PUBLIC, q.p.tuple.sport, id);
		split(&whole, 40, &f1, &f2);
		te_feed(g, &f1, GNAT_SIDE_OUTSIDE, 1, false);
		CU_ASSERT(f1.res.verdict == GNAT_FORWARD);
		CU_ASSERT(te_addr_is(&f1.p.tuple.dst, TE_CLIENT));
		if (id == 1) {
			old1 = f1;
			old2 = f2;
			continue;
		}
		te_feed(g, &f2, GNAT_SIDE_OUTSIDE, 1, false);
		CU_ASSERT(f2.res.verdict == GNAT_FORWARD);
		CU_ASSERT(f2.res.out_side == GNAT_SIDE_INSIDE);
		CU_ASSERT(te_addr_is(&f2.p.tuple.dst, TE_CLIENT));
	}
	/* datagram 1's record was overwritten by datagram 3's */
	te_feed(g, &old2, GNAT_SIDE_OUTSIDE, 2, false);
	CU_ASSERT(old2.res.reason == GNAT_DROP_FRAGMENT);
	(void)old1;
	gnat_destroy(g);
}

static void test_fragments_dropped_by_policy(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	static struct te_out whole, f1, f2;

	te_config(&cfg);
	cfg.frag_policy = GNAT_FRAG_DROP;
	g = te_open(&cfg);
	build_udp(&whole, TE_CLIENT, 5000, TE_SERVER, 53, 7);
	split(&whole, 32, &f1, &f2);
	te_feed(g, &f1, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(f1.res.verdict == GNAT_DROP && f1.res.reason == GNAT_DROP_FRAGMENT);
	te_feed(g, &f2, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(f2.res.reason == GNAT_DROP_FRAGMENT);
	CU_ASSERT(te_counters(g).drops[GNAT_DROP_FRAGMENT] == 2);
	CU_ASSERT(te_counters(g).mappings_created == 0);
	/* whole packets are unaffected */
	te_feed(g, &whole, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(whole.res.verdict == GNAT_FORWARD);
	gnat_destroy(g);
}

/* IPv6: a Fragment header (44) after the fixed header; first fragment
 * carries the UDP header, the second the rest, same identification. */
static void split6(const struct te_out *whole, size_t cut, struct te_out *f1, struct te_out *f2)
{
	size_t l4 = whole->len - 40;
	const size_t parts[2] = {cut, l4 - cut};
	struct te_out *fs[2] = {f1, f2};

	for (int i = 0; i < 2; i++) {
		uint8_t *b = fs[i]->buf;
		uint16_t off = i ? (uint16_t)cut : 0;
		size_t plen = 8 + parts[i];

		memcpy(b, whole->buf, 40);
		b[4] = (uint8_t)(plen >> 8);
		b[5] = (uint8_t)plen;
		b[6] = 44;
		b[40] = 17;
		b[41] = 0;
		b[42] = (uint8_t)(off >> 8);
		b[43] = (uint8_t)((off & 0xf8) | (i == 0 ? 1 : 0));
		b[44] = 0, b[45] = 0, b[46] = 0x12, b[47] = 0x34;
		memcpy(b + 48, whole->buf + 40 + (i ? cut : 0), parts[i]);
		fs[i]->len = 48 + parts[i];
	}
}

static void test_fragments_v6(void)
{
	struct gnat *g = te_open_default();
	static struct te_out whole, f1, f2;

	build_udp(&whole, TE_CLIENT6, 5000, TE_SERVER6, 53, 0);
	CU_ASSERT_FATAL(whole.len == 40 + 72);
	split6(&whole, 32, &f1, &f2);
	te_feed(g, &f1, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT_FATAL(f1.res.verdict == GNAT_FORWARD);
	CU_ASSERT(f1.parse_rc == 0 && f1.p.is_fragment && f1.p.first_fragment);
	CU_ASSERT(te_addr_is(&f1.p.tuple.src, TE_PUBLIC6));
	te_feed(g, &f2, GNAT_SIDE_INSIDE, 1, false);
	CU_ASSERT_FATAL(f2.res.verdict == GNAT_FORWARD);
	CU_ASSERT(te_addr_is(&f2.p.tuple.src, TE_PUBLIC6));
	CU_ASSERT(te_counters(g).fragments_translated == 1);
	gnat_destroy(g);
}

TU_MAIN("engine_icmp_frag", TU_CASE(test_icmp_error_from_outside_v4),
	TU_CASE(test_icmp_error_from_outside_v6), TU_CASE(test_icmp_error_from_inside),
	TU_CASE(test_icmp_error_without_mapping), TU_CASE(test_fragments_tracked),
	TU_CASE(test_fragments_reply_and_bounded), TU_CASE(test_fragments_dropped_by_policy),
	TU_CASE(test_fragments_v6))
