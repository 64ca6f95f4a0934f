/* fuzz_packet_body.c - hostile raw IP packets through a fully configured gNAT
 * (FTP editor, TCP pickup, a port and a session redirect), forward and
 * inverse, one packet or a length-prefixed sequence sharing TCP/editor state.
 * Invariants: whatever the engine forwards re-parses, with valid checksums
 * when the input had them; every packet lands in exactly one counter; the
 * tables never exceed their configured limits. */
#include "fuzz_targets.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/gnat.h"
#include "../net/net_pkt.h"

/* Input layout (all choices come from the input so a crash replays exactly):
 *   byte 0: options  bit0 sequence mode, bit1 narrow port range (exhaustion),
 *           bit2 fragments dropped by policy, bit3 exact-fit buffer (editor
 *           NOSPC), bit4 masquerade off, bit5 tiny tables (table full)
 *   single mode:   byte 1 = control, rest = one packet
 *   sequence mode: records of [control][len hi][len lo][len bytes]
 *   control: bits0-1 side (3 = inside), bit2 inverse, bits3-7 seconds to
 *            advance the clock before this packet (31 = a whole hour). */
#define FZP_OPT_SEQ 0x01
#define FZP_OPT_NARROW 0x02
#define FZP_OPT_FRAGDROP 0x04
#define FZP_OPT_EXACT 0x08
#define FZP_OPT_NOMASQ 0x10
#define FZP_OPT_TINY 0x20

#define FZP_SLACK 4096
#define FZP_MAX_PKT 65535
#define FZP_MAX_RECORDS 64

static void fzp_check(bool ok)
{
	if (!ok)
		abort();
}

static void fzp_prefix(const char *s, struct net_prefix *p)
{
	memset(p, 0, sizeof(*p));
	fzp_check(net_prefix_parse(s, p) == 0);
}

static void fzp_addr(const char *s, struct net_addr *a)
{
	memset(a, 0, sizeof(*a));
	fzp_check(net_addr_parse(s, a) == 0);
}

static uint64_t fzp_outcomes(const struct gnat_counters *c)
{
	uint64_t n = c->pkts_translated + c->pkts_passed + c->pkts_local;

	for (unsigned i = 0; i < GNAT_DROP__COUNT; i++)
		n += c->drops[i];
	return n;
}

static void fzp_count_cb(const struct gnat_mapping_info *mi, void *arg)
{
	(void)mi;
	(*(uint64_t *)arg)++;
}

/* One packet in, one outcome counted; the live tables match their counters. */
static void fzp_check_counters(const struct gnat *g, const struct gnat_counters *before,
			       uint8_t opt)
{
	struct gnat_counters c;
	uint64_t live = 0;

	gnat_counters_get(g, &c);
	fzp_check(c.pkts_in == before->pkts_in + 1);
	fzp_check(fzp_outcomes(&c) == fzp_outcomes(before) + 1);
	gnat_mapping_foreach(g, fzp_count_cb, &live);
	fzp_check(live == c.mappings_active);
	fzp_check(live <= (opt & FZP_OPT_TINY ? 4u : 256u));
	fzp_check(c.redirects_active <= (opt & FZP_OPT_TINY ? 4u : 64u));
}

static struct gnat *fzp_open(uint8_t opt)
{
	struct gnat_config cfg;
	struct gnat *g = NULL;

	gnat_config_default(&cfg);
	fzp_prefix("192.0.2.0/24", &cfg.inside[0]);
	fzp_prefix("2001:db8:1::/64", &cfg.inside[1]);
	cfg.n_inside = 2;
	cfg.hash_seed = 1; /* reproducible inputs */
	fzp_addr("203.0.113.1", &cfg.public4);
	fzp_addr("2001:db8:2::1", &cfg.public6);
	fzp_addr("192.0.2.1", &cfg.local[0]);
	fzp_addr("2001:db8:1::1", &cfg.local[1]);
	cfg.n_local = 2;
	cfg.ftp_editor = true;
	cfg.tcp_pickup = true;
	/* Small tables keep gnat_create cheap per input; TINY makes them fill. */
	cfg.max_mappings = opt & FZP_OPT_TINY ? 4 : 256;
	cfg.max_redirects = opt & FZP_OPT_TINY ? 4 : 64;
	cfg.max_frag_ids = opt & FZP_OPT_TINY ? 2 : 32;
	if (opt & FZP_OPT_NARROW) {
		cfg.port_min = 1024;
		cfg.port_max = 1027;
	}
	if (opt & FZP_OPT_FRAGDROP)
		cfg.frag_policy = GNAT_FRAG_DROP;
	if (opt & FZP_OPT_NOMASQ)
		cfg.masquerade = false;
	fzp_check(gnat_create(&cfg, &g) == 0);
	return g;
}

/* A port redirect (outside TCP/8080 to an inside server), a session
 * redirect (one outside host's connection to the public address on 2020),
 * and a destination NAT of one FTP server's address to another (so the FTP
 * editor rewrites 227/229 replies). */
static void fzp_redirects(struct gnat *g)
{
	struct gnat_redirect_spec s;
	uint32_t id;

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	s.match.dport = 8080;
	s.set_dst = true;
	fzp_addr("192.0.2.80", &s.new_dst);
	s.new_dport = 80;
	fzp_check(gnat_redirect_add(g, &s, 0, &id) == 0);

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	fzp_prefix("198.51.100.7/32", &s.match.src);
	s.match.sport = 20;
	fzp_prefix("203.0.113.1/32", &s.match.dst);
	s.match.dport = 2020;
	s.set_src = true;
	fzp_addr("198.51.100.7", &s.new_src);
	s.new_sport = 20;
	s.set_dst = true;
	fzp_addr("192.0.2.10", &s.new_dst);
	s.new_dport = 3030;
	s.one_shot = true;
	fzp_check(gnat_redirect_add(g, &s, 0, &id) == 0);

	memset(&s, 0, sizeof(s));
	s.match.proto = 6;
	fzp_prefix("198.51.100.99/32", &s.match.dst);
	s.match.dport = 21;
	s.set_dst = true;
	fzp_addr("198.51.100.7", &s.new_dst);
	fzp_check(gnat_redirect_add(g, &s, 0, &id) == 0);
}

static void fzp_one_packet(struct gnat *g, uint8_t *buf, const uint8_t *pkt, size_t len,
			   uint8_t opt, uint8_t ctl, uint64_t *now)
{
	static const enum gnat_side sides[4] = {GNAT_SIDE_INSIDE, GNAT_SIDE_OUTSIDE,
						GNAT_SIDE_LOCAL, GNAT_SIDE_INSIDE};
	enum gnat_side side = sides[ctl & 3];
	size_t cap = opt & FZP_OPT_EXACT ? len : len + FZP_SLACK;
	struct gnat_counters before;
	struct gnat_result res;
	struct net_pkt p;
	enum net_err err;
	bool parsed, csum_ok = false;
	size_t n = len;
	unsigned secs = ctl >> 3;
	int rc;

	*now += (secs == 31 ? 3600ULL : secs) * GNAT_NS_PER_S;
	memcpy(buf, pkt, len);
	memset(&p, 0, sizeof(p));
	parsed = net_pkt_parse(buf, len, &p, &err) == 0;
	if (parsed)
		csum_ok = !p.is_fragment && net_pkt_checksums_ok(&p);

	memset(&res, 0, sizeof(res));
	gnat_counters_get(g, &before);
	if (ctl & 4)
		rc = gnat_process_inverse(g, buf, &n, cap, side, *now, &res);
	else
		rc = gnat_process(g, buf, &n, cap, side, *now, &res);
	fzp_check(rc == 0);
	fzp_check(n <= cap);
	fzp_check_counters(g, &before, opt);
	fzp_check((res.verdict == GNAT_DROP) == (res.reason != GNAT_DROP_NONE));
	fzp_check(res.reason == GNAT_DROP_MALFORMED || res.parse_err == NET_OK);
	fzp_check(res.edits > 0 || n <= len); /* only an editor grows it (padding may go) */
	if (res.verdict != GNAT_FORWARD)
		return;
	memset(&p, 0, sizeof(p));
	fzp_check(net_pkt_parse(buf, n, &p, &err) == 0);
	if (csum_ok)
		fzp_check(net_pkt_checksums_ok(&p));
}

int fuzz_packet_one(const uint8_t *data, size_t size)
{
	struct gnat *g = NULL;
	uint8_t *buf = NULL;
	uint64_t now = GNAT_NS_PER_S;
	uint8_t opt;

	if (size < 2)
		return 0;
	opt = data[0];
	buf = malloc(FZP_MAX_PKT + FZP_SLACK);
	fzp_check(buf != NULL);
	g = fzp_open(opt);
	fzp_redirects(g);
	if (!(opt & FZP_OPT_SEQ)) {
		size_t len = size - 2 > FZP_MAX_PKT ? FZP_MAX_PKT : size - 2;

		fzp_one_packet(g, buf, data + 2, len, opt, data[1], &now);
	} else {
		size_t pos = 1;

		for (unsigned i = 0; i < FZP_MAX_RECORDS && size - pos >= 3; i++) {
			uint8_t ctl = data[pos];
			size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];

			pos += 3;
			if (len > size - pos)
				len = size - pos;
			fzp_one_packet(g, buf, data + pos, len, opt, ctl, &now);
			pos += len;
		}
	}
	/* Walks every table: catches a corrupted mapping list. */
	gnat_expire(g, now + 10 * 86400 * GNAT_NS_PER_S);
	gnat_destroy(g);
	free(buf);
	return 0;
}
