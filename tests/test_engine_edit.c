/* test_engine_edit.c - a test editor that grows and shrinks payloads through
 * the gnat.h editor API: seq/ack stay consistent over several edits, both
 * directions and retransmissions; expectations and their ports; failures;
 * and the inverse translation giving back the original bytes. */
#include "test_engine_util.h"

#include <errno.h>

/* Forward/inverse token pairs, per direction. */
struct swap {
	const char *from, *to;
};

static const struct swap orig_swaps[] = {{"GROW", "GROWN!"}, {"SHRINK", "<s>"}};
static const struct swap reply_swaps[] = {{"BACK", "BACK+BACK"}};
static char huge[5000];
static uint16_t expect_port;
static uint32_t expect_id;

static const uint8_t *find(const uint8_t *h, size_t hl, const char *n, size_t from)
{
	size_t nl = strlen(n);

	for (size_t i = from; i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return h + i;
	return NULL;
}

static int apply(struct gnat_edit *e, const struct swap *sw, size_t n, bool inverse)
{
	for (size_t k = 0; k < n; k++) {
		const char *from = inverse ? sw[k].to : sw[k].from;
		const char *to = inverse ? sw[k].from : sw[k].to;
		size_t pos = 0, len;
		const uint8_t *pl, *hit;
		int rc;

		for (;;) {
			pl = gnat_edit_payload(e, &len);
			hit = find(pl, len, from, pos);
			if (!hit)
				break;
			rc = gnat_edit_replace(e, (size_t)(hit - pl), strlen(from), to, strlen(to));
			if (rc)
				return rc;
			pos = (size_t)(hit - pl) + strlen(to);
		}
	}
	return 0;
}

static int test_editor(struct gnat_edit *e, void *arg)
{
	const struct net_tuple *o = gnat_edit_orig(e), *t = gnat_edit_trans(e);
	bool inv = gnat_edit_inverse(e);
	size_t len;
	const uint8_t *pl = gnat_edit_payload(e, &len);
	int *calls = arg;

	(*calls)++;
	CU_ASSERT(o->dport == 7777);
	CU_ASSERT(net_addr_eq(&o->dst, &t->dst));
	if (find(pl, len, "FAIL", 0))
		return -EPERM;
	if (find(pl, len, "HUGE", 0))
		return gnat_edit_replace(e, 0, 4, huge, sizeof(huge));
	if (find(pl, len, "EXPECT", 0)) {
		struct gnat_redirect_spec s;
		int rc = gnat_edit_alloc_port(e, 6, (uint16_t)(40001 + (find(pl, len, "2", 0) != NULL)),
					      &expect_port);

		if (rc)
			return rc;
		memset(&s, 0, sizeof(s));
		s.match.proto = 6;
		s.match.src.addr = o->dst;
		s.match.src.len = 32;
		s.match.dst.addr = t->src;
		s.match.dst.len = 32;
		s.match.dport = expect_port;
		s.set_dst = true;
		s.new_dst = o->src;
		s.new_dport = expect_port;
		return gnat_edit_expect(e, &s, &expect_id);
	}
	if (gnat_edit_dir(e) == GNAT_DIR_ORIGINAL)
		return apply(e, orig_swaps, 2, inv);
	return apply(e, reply_swaps, 1, inv);
}

static int calls;

static struct gnat *edit_open(void)
{
	struct gnat *g = te_open_default();
	struct gnat_editor ed = {.name = "test", .proto = 6, .port = 7777, .edit = test_editor,
				 .arg = &calls};

	CU_ASSERT_FATAL(gnat_editor_register(g, &ed) == 0);
	return g;
}

struct seg {
	enum gnat_side from;
	uint32_t seq, ack;
	uint8_t flags;
	const char *payload;
};

/* Send a segment of the control session and check the inverse gives the
 * exact original bytes back. */
static void seg_send(struct gnat *g, struct te_out *o, const struct seg *s)
{
	static struct te_out inv;
	struct tu_pkt_spec sp;
	uint8_t orig[4096];
	size_t orig_len;

	memset(&sp, 0, sizeof(sp));
	sp.proto = 6;
	sp.seq = s->seq;
	sp.ack = s->ack;
	sp.tcp_flags = s->flags;
	sp.payload = s->payload;
	sp.payload_len = s->payload ? strlen(s->payload) : 0;
	if (s->from == GNAT_SIDE_INSIDE) {
		sp.src = TE_CLIENT, sp.sport = 40000, sp.dst = TE_SERVER, sp.dport = 7777;
	} else {
		sp.src = TE_SERVER, sp.sport = 7777, sp.dst = TE_PUBLIC, sp.dport = 40000;
	}
	te_send_spec(g, o, s->from, 0, &sp);
	if (o->res.verdict != GNAT_FORWARD)
		return;
	CU_ASSERT(net_pkt_checksums_ok(&o->p));
	orig_len = (size_t)tu_pkt_build(&sp, orig, sizeof(orig));
	memcpy(inv.buf, o->buf, o->len);
	inv.len = o->len;
	te_feed(g, &inv, s->from == GNAT_SIDE_INSIDE ? GNAT_SIDE_OUTSIDE : GNAT_SIDE_INSIDE, 0,
		true);
	CU_ASSERT(inv.res.verdict == GNAT_FORWARD);
	CU_ASSERT(inv.res.out_side == s->from);
	CU_ASSERT(inv.len == orig_len);
	CU_ASSERT(inv.len == orig_len && memcmp(inv.buf, orig, orig_len) == 0);
}

static bool payload_is(const struct te_out *o, const char *s)
{
	return o->p.payload_len == strlen(s) && memcmp(o->buf + o->p.payload_off, s, strlen(s)) == 0;
}

static void handshake(struct gnat *g, struct te_out *o)
{
	seg_send(g, o, &(struct seg){GNAT_SIDE_INSIDE, 100, 0, NET_TCP_SYN, NULL});
	CU_ASSERT_FATAL(o->res.verdict == GNAT_FORWARD);
	CU_ASSERT_FATAL(o->p.tuple.sport == 40000);
	seg_send(g, o, &(struct seg){GNAT_SIDE_OUTSIDE, 900, 101, NET_TCP_SYN | NET_TCP_ACK, NULL});
	seg_send(g, o, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, NET_TCP_ACK, NULL});
}

static void test_grow_shrink_seq_ack(void)
{
	struct gnat *g = edit_open();
	struct te_out o, first;
	struct gnat_counters c0, c1;
	struct te_find f;
	const uint8_t A = NET_TCP_ACK | NET_TCP_PSH;

	handshake(g, &o);
	/* 12 bytes grow by 2 */
	seg_send(g, &first, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, A, "hello GROW\r\n"});
	CU_ASSERT(first.res.edits == 1);
	CU_ASSERT(payload_is(&first, "hello GROWN!\r\n"));
	CU_ASSERT(first.p.seq == 101);
	/* the server acks what it got (14 bytes): the client sees 12 acked */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_OUTSIDE, 901, 115, NET_TCP_ACK, NULL});
	CU_ASSERT(o.p.ack == 113);
	/* 15 bytes shrink by 6, shifted by the earlier +2 */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 113, 901, A, "SHRINK SHRINK\r\n"});
	CU_ASSERT(o.res.edits == 2);
	CU_ASSERT(payload_is(&o, "<s> <s>\r\n"));
	CU_ASSERT(o.p.seq == 115);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_OUTSIDE, 901, 124, NET_TCP_ACK, NULL});
	CU_ASSERT(o.p.ack == 128);
	/* an ACK for only the first segment still maps right */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_OUTSIDE, 901, 115, NET_TCP_ACK, NULL});
	CU_ASSERT(o.p.ack == 113);

	/* retransmissions come out identical and change nothing */
	c0 = te_counters(g);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, A, "hello GROW\r\n"});
	CU_ASSERT(o.len == first.len && memcmp(o.buf, first.buf, first.len) == 0);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 113, 901, A, "SHRINK SHRINK\r\n"});
	CU_ASSERT(o.p.seq == 115 && payload_is(&o, "<s> <s>\r\n"));
	c1 = te_counters(g);
	CU_ASSERT(c1.editor_length_changes == c0.editor_length_changes);
	/* 3 rewrites forward, 3 more by the inverse check of seg_send */
	CU_ASSERT(c1.editor_rewrites == c0.editor_rewrites + 6);

	/* unedited data after both edits: net shift -4 */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 128, 901, A, "plain\r\n"});
	CU_ASSERT(o.p.seq == 124);
	CU_ASSERT(o.res.edits == 0);
	/* the other direction edits too: its own breakpoints */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_OUTSIDE, 901, 131, A, "BACK\r\n"});
	CU_ASSERT(payload_is(&o, "BACK+BACK\r\n"));
	CU_ASSERT(o.p.seq == 901);
	CU_ASSERT(o.p.ack == 135);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 135, 912, NET_TCP_ACK, NULL});
	CU_ASSERT(o.p.ack == 907);
	CU_ASSERT(o.p.seq == 131);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_OUTSIDE, 907, 131, A, "more\r\n"});
	CU_ASSERT(o.p.seq == 912);
	f = te_mapping(g, 0);
	CU_ASSERT(f.mi.seq_delta[0] == -4);
	CU_ASSERT(f.mi.seq_delta[1] == 5);
	CU_ASSERT(te_counters(g).editor_length_changes == 3);
	gnat_destroy(g);
}

static void test_edit_failures(void)
{
	struct gnat *g = edit_open();
	struct te_out o;
	struct gnat_counters c;
	size_t len;
	int n;

	handshake(g, &o);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, NET_TCP_ACK, "FAIL\r\n"});
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_EDIT_FAILED);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, NET_TCP_ACK, "HUGE\r\n"});
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_EDIT_NOSPACE);
	/* a tight buffer: the 2-byte growth does not fit */
	n = tu_pkt_build(&(struct tu_pkt_spec){.proto = 6, .src = TE_CLIENT, .dst = TE_SERVER,
					       .sport = 40000, .dport = 7777, .seq = 101,
					       .tcp_flags = NET_TCP_ACK, .payload = "GROW",
					       .payload_len = 4},
			 o.buf, sizeof(o.buf));
	len = (size_t)n;
	CU_ASSERT(gnat_process(g, o.buf, &len, len + 1, GNAT_SIDE_INSIDE, 0, &o.res) == 0);
	CU_ASSERT(o.res.reason == GNAT_DROP_EDIT_NOSPACE);
	CU_ASSERT(len == (size_t)n);
	c = te_counters(g);
	CU_ASSERT(c.drops[GNAT_DROP_EDIT_FAILED] == 1);
	CU_ASSERT(c.drops[GNAT_DROP_EDIT_NOSPACE] == 2);
	gnat_destroy(g);
}

static void test_expectation(void)
{
	struct gnat *g = edit_open();
	struct te_out o;
	struct gnat_counters c;
	uint32_t first_id;
	uint16_t port;

	handshake(g, &o);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, NET_TCP_ACK, "EXPECT\r\n"});
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	port = expect_port;
	first_id = expect_id;
	CU_ASSERT(port == 40001);
	/* the retransmitted command finds its expectation, same port */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 101, 901, NET_TCP_ACK, "EXPECT\r\n"});
	CU_ASSERT(expect_port == port && expect_id == first_id);
	CU_ASSERT(te_counters(g).redirects_added == 1);
	/* masquerade keeps clear of the held port */
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT2, port, TE_SERVER, 7777, NET_TCP_SYN,
		NULL);
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.tuple.sport != port);
	/* the expected connection arrives and reaches the client */
	te_send(g, &o, GNAT_SIDE_OUTSIDE, 0, 6, TE_SERVER, 20, TE_PUBLIC, port, NET_TCP_SYN, NULL);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id == first_id);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_CLIENT) && o.p.tuple.dport == port);
	CU_ASSERT(te_counters(g).redirects_consumed == 1);
	/* a second, unused expectation is cancelled with its control session */
	seg_send(g, &o, &(struct seg){GNAT_SIDE_INSIDE, 109, 901, NET_TCP_ACK, "EXPECT2\r\n"});
	CU_ASSERT(expect_port == 40002);
	CU_ASSERT(te_counters(g).redirects_active == 1);
	seg_send(g, &o, &(struct seg){GNAT_SIDE_OUTSIDE, 901, 118, NET_TCP_RST, NULL});
	gnat_expire(g, TE_S(10));
	c = te_counters(g);
	CU_ASSERT(c.redirects_cancelled == 1);
	CU_ASSERT(c.redirects_active == 0);
	/* its port is free again */
	te_send(g, &o, GNAT_SIDE_INSIDE, TE_S(10), 17, TE_CLIENT2, 40002, TE_SERVER, 53, 0, "q");
	CU_ASSERT(o.p.tuple.sport == 40002);
	gnat_destroy(g);
}

static int noop_edit(struct gnat_edit *e, void *arg)
{
	(void)arg;
	CU_ASSERT(gnat_edit_gnat(e) != NULL);
	return gnat_edit_replace(e, 0, 1, "xyz", 3) == 0 ? 0 : -EIO;
}

static void test_register_limits_and_udp(void)
{
	struct gnat *g = edit_open();
	struct gnat_editor ed = {.name = "dup", .proto = 6, .port = 7777, .edit = noop_edit};
	struct te_out o;
	int rc = 0;

	CU_ASSERT(gnat_editor_register(g, &ed) == -EEXIST);
	ed.edit = NULL;
	ed.port = 1;
	CU_ASSERT(gnat_editor_register(g, &ed) == -EINVAL);
	ed.edit = noop_edit;
	ed.proto = 17;
	for (uint16_t p = 6666; p < 6673 && rc == 0; p++) {
		ed.port = p;
		rc = gnat_editor_register(g, &ed);
		CU_ASSERT(rc == 0);
	}
	ed.port = 1;
	CU_ASSERT(gnat_editor_register(g, &ed) == -ENOSPC);
	/* a UDP editor: length changes, no sequence numbers */
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 5000, TE_SERVER, 6666, 0, "abc");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.edits == 1);
	CU_ASSERT(o.p.payload_len == 5);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	CU_ASSERT(te_counters(g).editor_length_changes == 1);
	gnat_destroy(g);
}

/* The default configuration registers the FTP editor on TCP/21. */
static void test_ftp_editor_registered(void)
{
	struct gnat_config cfg;
	struct gnat *g;
	struct gnat_editor ed = {.name = "x", .proto = 6, .port = 21, .edit = noop_edit};

	te_config(&cfg);
	cfg.ftp_editor = true;
	g = te_open(&cfg);
	CU_ASSERT(gnat_editor_register(g, &ed) == -EEXIST);
	gnat_destroy(g);
}

/* The FTP editor on configured ports: a PORT on a session to 2121 is
 * rewritten to the public address, one to 21 (not configured) is not; a port
 * given twice or 0 is refused; many ports cost no editor slots. */
static void test_ftp_editor_ports(void)
{
	static const uint16_t ports[] = {2121, 990};
	static const uint16_t dup[] = {2121, 2121}, zero[] = {0};
	struct gnat_config cfg;
	struct gnat *g = NULL;
	struct gnat_editor ed = {.name = "x", .proto = 6, .port = 2121, .edit = noop_edit};
	struct te_out o;

	te_config(&cfg);
	cfg.ftp_editor = true;
	cfg.ftp_ports = dup;
	cfg.n_ftp_ports = 2;
	CU_ASSERT(gnat_create(&cfg, &g) == -EEXIST);
	cfg.ftp_ports = zero;
	cfg.n_ftp_ports = 1;
	CU_ASSERT(gnat_create(&cfg, &g) == -EINVAL);
	cfg.ftp_ports = ports;
	cfg.n_ftp_ports = 2;
	cfg.tcp_pickup = true; /* mid-session segments open mappings */
	g = te_open(&cfg);
	CU_ASSERT(gnat_editor_register(g, &ed) == -EEXIST);
	ed.port = 990;
	CU_ASSERT(gnat_editor_register(g, &ed) == -EEXIST);
	ed.port = 21;
	ed.proto = 17; /* UDP/21 is free: TCP's port map is not UDP's */
	CU_ASSERT(gnat_editor_register(g, &ed) == 0);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40000, TE_SERVER, 2121, 0x18,
		"PORT 192,0,2,10,200,10\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.payload_len > 0 &&
		  memmem(o.p.buf + o.p.payload_off, o.p.payload_len, "203,0,113,1,", 12) != NULL);
	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 6, TE_CLIENT, 40001, TE_SERVER, 21, 0x18,
		"PORT 192,0,2,10,200,11\r\n");
	CU_ASSERT(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.p.payload_len > 0 &&
		  memmem(o.p.buf + o.p.payload_off, o.p.payload_len, "192,0,2,10,", 11) != NULL);
	CU_ASSERT(te_counters(g).editor_rewrites == 1);
	gnat_destroy(g);
}

/* Inverse of packets that never left through a mapping. */
static void test_inverse_unknown(void)
{
	struct gnat *g = edit_open();
	struct te_out o;

	te_send(g, &o, GNAT_SIDE_INSIDE, 0, 17, TE_CLIENT, 5000, TE_SERVER, 53, 0, "q");
	o.len = (size_t)tu_pkt_build(&(struct tu_pkt_spec){.proto = 17, .src = TE_PUBLIC,
							   .dst = TE_SERVER, .sport = 5001,
							   .dport = 53},
				     o.buf, sizeof(o.buf));
	te_feed(g, &o, GNAT_SIDE_OUTSIDE, 0, true);
	CU_ASSERT(o.res.verdict == GNAT_DROP);
	CU_ASSERT(o.res.reason == GNAT_DROP_UNKNOWN_ORIGIN);
	o.len = 3;
	te_feed(g, &o, GNAT_SIDE_OUTSIDE, 0, true);
	CU_ASSERT(o.res.reason == GNAT_DROP_MALFORMED);
	CU_ASSERT(te_counters(g).drops[GNAT_DROP_UNKNOWN_ORIGIN] == 1);
	CU_ASSERT(gnat_process_inverse(NULL, o.buf, &o.len, 0, GNAT_SIDE_INSIDE, 0, &o.res) ==
		  -EINVAL);
	gnat_destroy(g);
}

/* A reply-direction redirect expectation seen only as it left: the inverse
 * opens the mapping through the redirect (what `translate` needs). */
static void test_inverse_through_redirect(void)
{
	struct gnat *g = te_open_default();
	struct gnat_redirect_spec s;
	struct te_out o;
	uint32_t id;

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	s.match.src = te_prefix(TE_SERVER "/32");
	s.match.dst = te_prefix(TE_PUBLIC "/32");
	s.match.dport = 50000;
	s.set_dst = true;
	s.new_dst = te_addr(TE_CLIENT);
	s.new_dport = 40000;
	s.one_shot = true;
	CU_ASSERT_FATAL(gnat_redirect_add(g, &s, 0, &id) == 0);
	o.len = (size_t)tu_pkt_build(&(struct tu_pkt_spec){.proto = 6, .src = TE_SERVER,
							   .dst = TE_CLIENT, .sport = 20,
							   .dport = 40000, .tcp_flags = NET_TCP_SYN},
				     o.buf, sizeof(o.buf));
	te_feed(g, &o, GNAT_SIDE_INSIDE, 0, true);
	CU_ASSERT_FATAL(o.res.verdict == GNAT_FORWARD);
	CU_ASSERT(o.res.redirect_id == id);
	CU_ASSERT(o.res.out_side == GNAT_SIDE_OUTSIDE);
	CU_ASSERT(te_addr_is(&o.p.tuple.dst, TE_PUBLIC) && o.p.tuple.dport == 50000);
	CU_ASSERT(net_pkt_checksums_ok(&o.p));
	CU_ASSERT(te_counters(g).redirects_consumed == 1);
	gnat_destroy(g);
}

TU_MAIN("engine_edit", TU_CASE(test_grow_shrink_seq_ack), TU_CASE(test_edit_failures),
	TU_CASE(test_expectation), TU_CASE(test_register_limits_and_udp),
	TU_CASE(test_ftp_editor_registered), TU_CASE(test_ftp_editor_ports),
	TU_CASE(test_inverse_unknown),
	TU_CASE(test_inverse_through_redirect))
