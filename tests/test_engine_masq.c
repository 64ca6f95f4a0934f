/* test_engine_masq.c - masquerade (source NAT) of TCP, UDP and ICMP echo for
 * IPv4 and IPv6, the reply path, port choice and collisions, and what happens
 * to packets with no mapping: pass, LOCAL, drop (with their counters). */
#include "test_engine_util.h"

#include <errno.h>
#include <stdio.h>

struct fam {
	const char *client, *client2, *pub, *server;
	uint8_t icmp;
};

static const struct fam fams[] = {
	{TE_CLIENT, TE_CLIENT2, TE_PUBLIC, TE_SERVER, 1},
	{TE_CLIENT6, "2001:db8:1::11", TE_PUBLIC6, TE_SERVER6, 58},
};

static void masq_roundtrip(const struct fam *f, uint8_t proto)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	struct gnat_counters c;
	bool icmp = proto == 1 || proto == 58;
	uint8_t flags = proto == 6 ? NET_TCP_SYN : 0;
	uint32_t id;

	te_send(g, &o, GNAT_SIDE_INSIDE, 0, proto, f->client, 40000, f->server, icmp ? 40000 : 80,
		flags, proto == 6 ? NULL : "hello");
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(o.res.new_mapping);
	CU_ASSERT(o.res.translated);
	CU_ASSERT(o.res.mapping_id != 0);
	CU_ASSERT_FATAL(o.parse_rc == 0);
	CU_ASSERT(te_addr_is(&o.p.tuple.src, f->pub));
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, f->server));
	CU_ASSERT(o.p.tuple.sport == 40000); /* kept, as Linux masquerade does */
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	id = o.res.mapping_id;

	/* the reply comes back to the public address and is translated back */
	if (icmp) {
		struct tu_pkt_spec s;

		memset(&s, 0, sizeof(s));
		s.proto = proto;
		s.src = f->server;
		s.dst = f->pub;
		s.sport = 40000;
		s.icmp_type = proto == 1 ? 0 : 129; /* echo reply */
		te_send_spec(g, &o, GNAT_SIDE_OUTSIDE, 1, &s);
	} else {
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, proto, f->server, 80, f->pub, 40000,
			proto == 6 ? NET_TCP_SYN | NET_TCP_ACK : 0, proto == 6 ? NULL : "world");
	}
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(o.res.mapping_id == id);
	CU_ASSERT(!o.res.new_mapping);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, f->client));
	CU_ASSERT(te_addr_is(&o.p.tuple.src, f->server));
	CU_ASSERT(o.p.tuple.dport == 40000);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	c = te_counters(g);
	CU_ASSERT(c.pkts_translated == 2);
	CU_ASSERT(c.mappings_created == 1);
	CU_ASSERT(c.mappings_active == 1);
	CU_ASSERT(c.pkts_in == 2);
	gnat_destroy(g);
}

static void test_masq_tcp(void)
{
	for (size_t i = 0; i < 2; i++)
		masq_roundtrip(&fams[i], 6);
}

static void test_masq_udp(void)
{
	for (size_t i = 0; i < 2; i++)
		masq_roundtrip(&fams[i], 17);
}

static void test_masq_icmp_echo(void)
{
	for (size_t i = 0; i < 2; i++)
		masq_roundtrip(&fams[i], fams[i].icmp);
}

/* Two inside hosts, same source port, same server: the second needs another
 * public port, and each reply finds its own host. */
static void test_port_collision(void)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	uint16_t p1, p2;

	for (size_t f = 0; f < 2; f++) {
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, fams[f].client, 40000, fams[f].server, 80,
			NET_TCP_SYN, NULL);
		CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
		p1 = o.p.tuple.sport;
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, fams[f].client2, 40000, fams[f].server, 80,
			NET_TCP_SYN, NULL);
		CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
		p2 = o.p.tuple.sport;
		CU_ASSERT(p1 == 40000);
		CU_ASSERT(p2 != p1);
		CU_ASSERT(p2 >= 1024);
		CU_ASSERT(net_pkt_checksums_ok(&o.p));
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, 6, fams[f].server, 80, fams[f].pub, p2,
			NET_TCP_SYN | NET_TCP_ACK, NULL);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(te_addr_is(&o.p.tuple.dst, fams[f].client2));
		CU_ASSERT(o.p.tuple.dport == 40000);
		te_send(g, &o, GNAT_SIDE_OUTSIDE, 1, 6, fams[f].server, 80, fams[f].pub, p1,
			NET_TCP_SYN | NET_TCP_ACK, NULL);
		CU_ASSERT(o.res.verdict == GNAT_FORWARD);
		CU_ASSERT(te_addr_is(&o.p.tuple.dst, fams[f].client));
		/* the same source port to another server keeps the port */
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, fams[f].client2, 40000,
			f ? "2001:db8:ff::8" : TE_SERVER2, 80, NET_TCP_SYN, NULL);
		CU_ASSERT(o.p.tuple.sport == 40000);
	}
	CU_ASSERT(te_counters(g).mappings_active == 6);
	gnat_destroy(g);
}

static void test_unsolicited_and_pass(void)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	struct gnat_counters c;

	/* outside -> inside without a mapping: the gateway protects the inside */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 6, TE_SERVER, 80, TE_CLIENT, 40000, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_NO_MAPPING);
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 17, TE_SERVER6, 53, TE_CLIENT6, 4000, 0, "x");
	CU_ASSERT(o.res.reason == GNAT_DROP_NO_MAPPING);
	/* outside -> outside passes untouched */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 17, TE_SERVER, 53, TE_SERVER2, 4000, 0, "x");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(!o.res.translated);
	/* to the gateway's own address: delivered up */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 6, TE_SERVER, 80, TE_PUBLIC, 2222, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 4000, TE_GW_IN, 22, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	/* inside -> inside is not masqueraded */
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 4000, TE_CLIENT2, 53, 0, "x");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_INSIDE);
	CU_ASSERT(!o.res.translated);
	/* the gateway's own sockets: already public, forwarded untranslated */
	te_send(g, &o, GNAT_SIDE_LOCAL, 0, 6, TE_PUBLIC, 50000, TE_SERVER, 21, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(!o.res.translated);
	c = te_counters(g);
	CU_ASSERT(c.drops[GNAT_DROP_NO_MAPPING] == 2);
	CU_ASSERT(c.pkts_passed == 3);
	CU_ASSERT(c.pkts_local == 2);
	CU_ASSERT(c.pkts_from_local == 1);
	CU_ASSERT(c.bytes_from_local > 0);
	CU_ASSERT(c.mappings_created == 0);
	gnat_destroy(g);
}

static void test_masquerade_off_and_no_public(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct te_out o;

	te_config(&cfg);
	cfg.masquerade = false;
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(!o.res.translated);
	gnat_destroy(g);
	te_config(&cfg);
	memset(&cfg.public6, 0, sizeof(cfg.public6));
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT6, 40000, TE_SERVER6, 80, NET_TCP_SYN,
		NULL);
	CU_ASSERT(!o.res.translated);
	CU_ASSERT(gnat_public_addr(g, NET_AF_INET6) == NULL);
	CU_ASSERT(gnat_public_addr(g, NET_AF_INET4) != NULL);
	gnat_destroy(g);
}

static void test_ports_exhausted(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct te_out o;
	char host[32];
	uint16_t seen[2];

	te_config(&cfg);
	cfg.port_min = 5000;
	cfg.port_max = 5001;
	g = te_open(&cfg);
	for (int i = 0; i < 3; i++) {
		snprintf(host, sizeof(host), "192.0.2.%d", 20 + i);
		/* a source port outside the range is never kept */
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, host, 6000, TE_SERVER, 53, 0, "q");
		if (i < 2) {
			CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
			seen[i] = o.p.tuple.sport;
			CU_ASSERT(seen[i] == 5000 || seen[i] == 5001);
		} else {
			CU_ASSERT(o.res.verdict == GNAT_DROP);
			CU_ASSERT(o.res.reason == GNAT_DROP_PORTS_EXHAUSTED);
		}
	}
	CU_ASSERT(seen[0] != seen[1]);
	CU_ASSERT(te_counters(g).drops[GNAT_DROP_PORTS_EXHAUSTED] == 1);
	/* another server: the same public ports are free again for it */
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, "192.0.2.22", 6000, TE_SERVER2, 53, 0, "q");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	gnat_destroy(g);
}

static void test_table_full(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct te_out o;
	struct gnat_counters c;

	te_config(&cfg);
	cfg.max_mappings = 2;
	g = te_open(&cfg);
	for (uint16_t i = 0; i < 3; i++)
		te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, (uint16_t)(4000 + i), TE_SERVER,
			53, 0, "q");
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_TABLE_FULL);
	c = te_counters(g);
	CU_ASSERT(c.mappings_refused == 1);
	CU_ASSERT(c.drops[GNAT_DROP_TABLE_FULL] == 1);
	CU_ASSERT(c.mappings_active == 2);
	/* existing sessions still work */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 17, TE_SERVER, 53, TE_PUBLIC, 4001, 0, "a");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	/* once one expires, a new session fits */
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(31), 17, TE_CLIENT, 4002, TE_SERVER, 53, 0, "q");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(te_counters(g).mappings_expired == 2);
	gnat_destroy(g);
}

static void test_non_syn_opening(void)
{
	struct gnat_config cfg;
	struct gnat *g = te_open_default();
	struct te_out o;
	struct te_find f;

	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_ACK, "x");
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_STATE);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80,
		NET_TCP_SYN | NET_TCP_ACK, NULL);
	CU_ASSERT(o.res.reason == GNAT_DROP_STATE);
	CU_ASSERT(te_counters(g).drops[GNAT_DROP_STATE] == 2);
	gnat_destroy(g);

	te_config(&cfg);
	cfg.tcp_pickup = true;
	g = te_open(&cfg);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_ACK, "x");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.new_mapping);
	f = te_mapping(g, 0);
	CU_ASSERT(f.found && f.mi.tcp_state == GNAT_TCP_ESTABLISHED);
	/* a RST never opens */
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40001, TE_SERVER, 80, NET_TCP_RST, NULL);
	CU_ASSERT(o.res.reason == GNAT_DROP_STATE);
	gnat_destroy(g);
}

static void test_malformed_counted(void)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	struct gnat_counters c;
	int n;

	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 80, NET_TCP_SYN, NULL);
	n = (int)o.len;
	/* truncated inside the TCP header */
	o.len = 30;
	te_feed(g, &o, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_MALFORMED);
	CU_ASSERT(o.res.parse_err == NET_ERR_TRUNCATED || o.res.parse_err == NET_ERR_TOTLEN);
	/* not IP at all */
	o.len = (size_t)n;
	o.buf[0] = 0x75;
	te_feed(g, &o, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(o.res.parse_err == NET_ERR_VERSION);
	/* IHL below 5 */
	o.buf[0] = 0x44;
	te_feed(g, &o, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(o.res.parse_err == NET_ERR_IHL);
	/* empty */
	o.len = 0;
	te_feed(g, &o, GNAT_SIDE_INSIDE, 0, false);
	CU_ASSERT(o.res.reason == GNAT_DROP_MALFORMED);
	c = te_counters(g);
	CU_ASSERT(c.drops[GNAT_DROP_MALFORMED] == 4);
	CU_ASSERT(c.parse_errors[NET_ERR_VERSION] == 1);
	CU_ASSERT(c.parse_errors[NET_ERR_IHL] == 1);
	CU_ASSERT(c.parse_errors[NET_ERR_TRUNCATED] + c.parse_errors[NET_ERR_TOTLEN] == 2);
	CU_ASSERT(gnat_process(g, NULL, &o.len, 0, GNAT_SIDE_INSIDE, 0, &o.res) == -EINVAL);
	gnat_destroy(g);
}

static void test_unsupported_icmp(void)
{
	struct gnat *g = te_open_default();
	struct tu_pkt_spec s;
	struct te_out o;

	memset(&s, 0, sizeof(s));
	s.proto = 1;
	s.src = TE_CLIENT;
	s.dst = TE_SERVER;
	s.icmp_type = 13; /* timestamp: nothing the gNAT can map */
	te_send_spec(g, &o, GNAT_SIDE_INSIDE, 0, &s);
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_UNSUPPORTED);
	s.dst = TE_GW_IN;
	te_send_spec(g, &o, GNAT_SIDE_INSIDE, 0, &s);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	/* an echo reply with no mapping from outside to the public address */
	s.src = TE_SERVER;
	s.dst = TE_PUBLIC;
	s.icmp_type = 0;
	te_send_spec(g, &o, GNAT_SIDE_OUTSIDE, 0, &s);
	CU_ASSERT(o.res.verdict == GNAT_LOCAL);
	CU_ASSERT(te_counters(g).drops[GNAT_DROP_UNSUPPORTED] == 1);
	gnat_destroy(g);
}

struct order {
	uint32_t ids[8];
	unsigned n;
};

static void order_cb(const struct gnat_mapping_info *mi, void *arg)
{
	struct order *o = arg;

	if (o->n < 8)
		o->ids[o->n++] = mi->id;
}

static void test_foreach_order_and_names(void)
{
	struct gnat *g = te_open_default();
	struct te_out o;
	struct order ord;
	uint32_t ids[4];

	for (uint16_t i = 0; i < 4; i++) {
		te_send(g, &o, GNAT_SIDE_INSIDE, i, 17, TE_CLIENT, (uint16_t)(7000 - i), TE_SERVER,
			53, 0, "q");
		ids[i] = o.res.mapping_id;
	}
	/* traffic on an old mapping does not reorder creation order */
	te_send(g, &o, GNAT_SIDE_INSIDE, 10, 17, TE_CLIENT, 7000, TE_SERVER, 53, 0, "q");
	memset(&ord, 0, sizeof(ord));
	gnat_mapping_foreach(g, order_cb, &ord);
	CU_ASSERT_FATAL(ord.n == 4);
	for (int i = 0; i < 4; i++)
		CU_ASSERT(ord.ids[i] == ids[i]);
	CU_ASSERT(ids[0] < ids[1] && ids[1] < ids[2]);
	CU_ASSERT(te_mapping(g, ids[0]).mi.pkts[0] == 2);
	CU_ASSERT(te_mapping(g, ids[0]).mi.expires_ns == 10 + TE_S(30));
	CU_ASSERT_STRING_EQUAL(gnat_drop_reason_name(GNAT_DROP_TABLE_FULL), "table_full");
	CU_ASSERT_STRING_EQUAL(gnat_drop_reason_name(GNAT_DROP__COUNT), "?");
	for (int r = 0; r < GNAT_DROP__COUNT; r++)
		CU_ASSERT(gnat_drop_reason_name((enum gnat_drop_reason)r)[0] != '?');
	for (int s = GNAT_TCP_NONE; s <= GNAT_TCP_CLOSED; s++)
		CU_ASSERT(gnat_tcp_state_name((enum gnat_tcp_state)s)[0] != '?');
	CU_ASSERT_STRING_EQUAL(gnat_tcp_state_name(GNAT_TCP_TIME_WAIT), "TIME_WAIT");
	gnat_destroy(g);
}

static void test_config_checks(void)
{
	struct gnat_config cfg;
	struct gnat *g = NULL;

	te_config(&cfg);
	cfg.port_min = 2000;
	cfg.port_max = 1000;
	CU_ASSERT(gnat_create(&cfg, &g) == -EINVAL);
	te_config(&cfg);
	cfg.max_mappings = 0;
	CU_ASSERT(gnat_create(&cfg, &g) == -EINVAL);
	te_config(&cfg);
	cfg.n_inside = GNAT_MAX_INSIDE + 1;
	CU_ASSERT(gnat_create(&cfg, &g) == -EINVAL);
	te_config(&cfg);
	cfg.public4 = cfg.public6;
	CU_ASSERT(gnat_create(&cfg, &g) == -EINVAL);
	CU_ASSERT(gnat_create(NULL, &g) == -EINVAL);
	CU_ASSERT(g == NULL);
	gnat_destroy(NULL);
}

TU_MAIN("engine_masq", TU_CASE(test_masq_tcp), TU_CASE(test_masq_udp),
	TU_CASE(test_masq_icmp_echo), TU_CASE(test_port_collision),
	TU_CASE(test_unsolicited_and_pass), TU_CASE(test_masquerade_off_and_no_public),
	TU_CASE(test_ports_exhausted), TU_CASE(test_table_full), TU_CASE(test_non_syn_opening),
	TU_CASE(test_malformed_counted), TU_CASE(test_unsupported_icmp),
	TU_CASE(test_foreach_order_and_names), TU_CASE(test_config_checks))
