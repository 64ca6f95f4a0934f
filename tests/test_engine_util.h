/* test_engine_util.h - fixtures shared by the engine suites (test_engine_*.c):
 * a gNAT with a fixed topology, and "send one packet built from a spec, give
 * me the verdict and the re-parsed result". Header-only, static functions. */
#ifndef GATELAB_TEST_ENGINE_UTIL_H
#define GATELAB_TEST_ENGINE_UTIL_H

#include "../engine/gnat.h"
#include "../net/net_pkt.h"
#include "tu.h"
#include "tu_pkt.h"

#include <string.h>

#define TE_CLIENT "192.0.2.10"
#define TE_CLIENT2 "192.0.2.11"
#define TE_GW_IN "192.0.2.1"
#define TE_PUBLIC "203.0.113.1"
#define TE_SERVER "198.51.100.7"
#define TE_SERVER2 "198.51.100.8"
#define TE_ROUTER "198.51.100.254"
#define TE_CLIENT6 "2001:db8:1::10"
#define TE_PUBLIC6 "2001:db8:2::1"
#define TE_SERVER6 "2001:db8:ff::7"
#define TE_S(x) ((uint64_t)(x) * GNAT_NS_PER_S)

struct te_out {
	uint8_t buf[4096];
	size_t len;
	struct gnat_result res;
	struct net_pkt p; /* the packet after processing (valid unless dropped) */
	int parse_rc;
};

static inline void te_config(struct gnat_config *cfg)
{
	gnat_config_default(cfg);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &cfg->inside[0]) == 0);
	CU_ASSERT_FATAL(net_prefix_parse("2001:db8:1::/64", &cfg->inside[1]) == 0);
	cfg->n_inside = 2;
	CU_ASSERT_FATAL(net_addr_parse(TE_PUBLIC, &cfg->public4) == 0);
	CU_ASSERT_FATAL(net_addr_parse(TE_PUBLIC6, &cfg->public6) == 0);
	CU_ASSERT_FATAL(net_addr_parse(TE_GW_IN, &cfg->local[0]) == 0);
	cfg->n_local = 1;
	cfg->ftp_editor = false;
	/* a fixed seed: two instances fed the same packets must agree (the
	 * engine's default is a random seed per instance) */
	cfg->hash_seed = 0x6a09e667f3bcc908ULL;
}

static inline struct gnat *te_open(const struct gnat_config *cfg)
{
	struct gnat *g = NULL;

	CU_ASSERT_FATAL(gnat_create(cfg, &g) == 0);
	CU_ASSERT_FATAL(g != NULL);
	return g;
}

static inline struct gnat *te_open_default(void)
{
	struct gnat_config cfg;

	te_config(&cfg);
	return te_open(&cfg);
}

static inline void te_feed(struct gnat *g, struct te_out *o, enum gnat_side from, uint64_t now,
			   bool inverse)
{
	enum net_err err;
	int rc;

	if (inverse)
		rc = gnat_process_inverse(g, o->buf, &o->len, sizeof(o->buf), from, now, &o->res);
	else
		rc = gnat_process(g, o->buf, &o->len, sizeof(o->buf), from, now, &o->res);
	CU_ASSERT_FATAL(rc == 0);
	memset(&o->p, 0, sizeof(o->p));
	o->parse_rc = net_pkt_parse(o->buf, o->len, &o->p, &err);
}

/* Build and process one packet. */
static inline void te_send_spec(struct gnat *g, struct te_out *o, enum gnat_side from,
				uint64_t now, const struct tu_pkt_spec *s)
{
	int n = tu_pkt_build(s, o->buf, sizeof(o->buf));

	CU_ASSERT_FATAL(n > 0);
	o->len = (size_t)n;
	te_feed(g, o, from, now, false);
}

static inline void te_send(struct gnat *g, struct te_out *o, enum gnat_side from, uint64_t now,
			   uint8_t proto, const char *src, uint16_t sport, const char *dst,
			   uint16_t dport, uint8_t flags, const char *payload)
{
	struct tu_pkt_spec s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.src = src;
	s.dst = dst;
	s.sport = sport;
	s.dport = dport;
	s.tcp_flags = flags;
	s.seq = 1000;
	s.ack = flags & 0x10 ? 5000 : 0;
	s.payload = payload;
	s.payload_len = payload ? strlen(payload) : 0;
	te_send_spec(g, o, from, now, &s);
}

static inline bool te_addr_is(const struct net_addr *a, const char *s)
{
	struct net_addr b;

	return net_addr_parse(s, &b) == 0 && net_addr_eq(a, &b);
}

static inline struct net_tuple te_tuple(uint8_t proto, const char *src, uint16_t sport,
					const char *dst, uint16_t dport)
{
	struct net_tuple t;

	memset(&t, 0, sizeof(t));
	t.proto = proto;
	CU_ASSERT_FATAL(net_addr_parse(src, &t.src) == 0);
	CU_ASSERT_FATAL(net_addr_parse(dst, &t.dst) == 0);
	t.sport = sport;
	t.dport = dport;
	return t;
}

static inline struct net_prefix te_prefix(const char *s)
{
	struct net_prefix p;

	memset(&p, 0, sizeof(p));
	CU_ASSERT_FATAL(net_prefix_parse(s, &p) == 0);
	return p;
}

static inline struct net_addr te_addr(const char *s)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	CU_ASSERT_FATAL(net_addr_parse(s, &a) == 0);
	return a;
}

/* The first live mapping's info (tests with one session). */
struct te_find {
	uint32_t id;
	bool found;
	unsigned count;
	struct gnat_mapping_info mi;
};

static inline void te_find_cb(const struct gnat_mapping_info *mi, void *arg)
{
	struct te_find *f = arg;

	f->count++;
	if (!f->found && (f->id == 0 || f->id == mi->id)) {
		f->mi = *mi;
		f->found = true;
	}
}

static inline struct te_find te_mapping(struct gnat *g, uint32_t id)
{
	struct te_find f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	gnat_mapping_foreach(g, te_find_cb, &f);
	return f;
}

static inline struct gnat_counters te_counters(struct gnat *g)
{
	struct gnat_counters c;

	gnat_counters_get(g, &c);
	return c;
}

#endif
