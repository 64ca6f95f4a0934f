/* test_natapi_nft.c - the nftables NAT API backend in a fresh network
 * namespace per case (unshare(CLONE_NEWNET): no collision with other runs,
 * nothing to clean up): the table's life, each call's rules read back as
 * JSON, group chains, expiry, reservations, counts. Needs root (else SKIP). */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "../live/natapi_nft.h"
#include "tu.h"

#define TBL "gltest"

static bool skip(void)
{
	if (geteuid() == 0)
		return false;
	printf("SKIP: needs root (network namespaces, nftables) ");
	return true;
}

static void fresh_netns(void)
{
	CU_ASSERT_FATAL(unshare(CLONE_NEWNET) == 0);
}

/* Runs one nft command in this namespace; its output (JSON when json) in a
 * malloc'd string, or NULL when the command failed. */
static char *nft_out(const char *cmd, bool json)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	char *res = NULL;

	CU_ASSERT_FATAL(n != NULL);
	nft_ctx_buffer_output(n);
	nft_ctx_buffer_error(n);
	nft_ctx_output_set_flags(n, json ? NFT_CTX_OUTPUT_JSON : 0);
	if (nft_run_cmd_from_buffer(n, cmd) == 0)
		res = strdup(nft_ctx_get_output_buffer(n));
	nft_ctx_free(n);
	return res;
}

static bool table_exists(void)
{
	char *s = nft_out("list table inet " TBL "\n", false);
	bool ok = s != NULL;

	free(s);
	return ok;
}

/* Rules of one chain of the table, counted from `nft -j list table`; -1 if
 * the chain does not exist. */
static int chain_rules(const char *chain)
{
	char *s = nft_out("list table inet " TBL "\n", true);
	json_t *root, *arr, *it;
	size_t i;
	int n = -1;

	if (!s)
		return -1;
	root = json_loads(s, 0, NULL);
	free(s);
	CU_ASSERT_FATAL(root != NULL);
	arr = json_object_get(root, "nftables");
	json_array_foreach(arr, i, it) {
		json_t *c = json_object_get(it, "chain"), *r = json_object_get(it, "rule");

		if (c && strcmp(json_string_value(json_object_get(c, "name")), chain) == 0 && n < 0)
			n = 0;
		if (r && strcmp(json_string_value(json_object_get(r, "chain")), chain) == 0)
			n++;
	}
	json_decref(root);
	return n;
}

static bool table_has(const char *text)
{
	char *s = nft_out("list table inet " TBL "\n", false);
	bool ok = s && strstr(s, text) != NULL;

	free(s);
	return ok;
}

static int orig_calls;

static int fake_orig(void *arg, const struct net_tuple *acc, struct net_tuple *orig)
{
	(void)arg;
	orig_calls++;
	*orig = *acc;
	orig->dport = 21;
	return 0;
}

static struct natapi *open_api(void **state, struct natapi_nft_stats *final)
{
	struct natapi_nft_cfg cfg;
	const struct natapi_backend *b;
	struct natapi *api = NULL;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.table, sizeof(cfg.table), TBL);
	snprintf(cfg.inside_if, sizeof(cfg.inside_if), "veth-in");
	cfg.orig = fake_orig;
	cfg.on_close = final;
	CU_ASSERT_FATAL(natapi_nft_open(&cfg, &b, state) == 0);
	CU_ASSERT_FATAL(natapi_open(b, *state, &api) == 0);
	return api;
}

static uint64_t tx(void *state)
{
	struct natapi_nft_stats st;

	natapi_nft_stats_get(state, &st);
	return st.transactions;
}

static struct net_addr A(const char *s)
{
	struct net_addr a;

	CU_ASSERT_FATAL(net_addr_parse(s, &a) == 0);
	return a;
}

/* ---- cases ---------------------------------------------------------------------- */

static void test_open_close_table(void)
{
	struct natapi_nft_stats st, final;
	void *state;
	struct natapi *api;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, &final);
	CU_ASSERT(table_exists());
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 0);
	CU_ASSERT_EQUAL(chain_rules("postrouting"), 0);
	CU_ASSERT_EQUAL(chain_rules("forward"), 2);
	CU_ASSERT(table_has("policy drop"));
	natapi_nft_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.transactions, 2); /* the stale query and the table */
	CU_ASSERT(st.wall_ns > 0);
	CU_ASSERT_EQUAL(st.stale_removed, 0);
	natapi_close(api);
	CU_ASSERT(!table_exists());
	CU_ASSERT_EQUAL(final.transactions, 3);
	CU_ASSERT_EQUAL(final.failed, 0);
}

static void test_stale_table_removed(void)
{
	struct natapi_nft_stats final;
	void *state;
	struct natapi *api;
	char *s;

	if (skip())
		return;
	fresh_netns();
	s = nft_out("add table inet " TBL "\nadd chain inet " TBL " junk\n", false);
	CU_ASSERT_FATAL(s != NULL);
	free(s);
	CU_ASSERT_EQUAL(chain_rules("junk"), 0);
	api = open_api(&state, &final);
	CU_ASSERT_EQUAL(chain_rules("junk"), -1);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 0);
	natapi_close(api);
	CU_ASSERT_EQUAL(final.stale_removed, 1);
	CU_ASSERT(!table_exists());
}

static void test_port_redirect(void)
{
	struct natapi_port_redirect r;
	struct natapi_stats as;
	void *state;
	struct natapi *api;
	uint32_t id4, id6;
	uint64_t t0;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL);
	t0 = tx(state);
	memset(&r, 0, sizeof(r));
	r.proto = 6;
	r.dport = 21;
	r.dst.addr.family = NET_AF_INET4;
	r.new_dst = A("192.0.2.1");
	r.new_dport = 8021;
	CU_ASSERT_EQUAL(natapi_redirect_port(api, &r, &id4), 0);
	r.dst.addr.family = NET_AF_INET6;
	r.new_dst = A("2001:db8:1::1");
	CU_ASSERT_FATAL(net_prefix_parse("2001:db8:1::/64", &r.src) == 0);
	CU_ASSERT_EQUAL(natapi_redirect_port(api, &r, &id6), 0);
	CU_ASSERT_EQUAL(tx(state), t0 + 2); /* one transaction per call */
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 2);
	CU_ASSERT(table_has("iifname \"veth-in\" meta nfproto ipv4 tcp dport 21 dnat ip to 192.0.2.1:8021"));
	CU_ASSERT(table_has("ip6 saddr 2001:db8:1::/64 tcp dport 21 dnat ip6 to [2001:db8:1::1]:8021"));
	CU_ASSERT_EQUAL(natapi_cancel(api, id4), 0);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 1);
	CU_ASSERT(!table_has("192.0.2.1:8021"));
	CU_ASSERT_EQUAL(natapi_cancel(api, id6), 0);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 0);
	CU_ASSERT_EQUAL(tx(state), t0 + 4);
	natapi_stats_get(api, &as);
	CU_ASSERT_EQUAL(as.calls, 4);
	CU_ASSERT_EQUAL(as.errors, 0);
	natapi_close(api);
}

static void sess(struct natapi_session_redirect *r, uint32_t group, bool set_src)
{
	memset(r, 0, sizeof(*r));
	r->proto = 6;
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.10", &r->src) == 0);
	r->dst = A("203.0.113.10");
	r->dport = 40001;
	r->new_dst = A("203.0.113.10");
	r->new_dport = 40001;
	r->set_src = set_src;
	if (set_src)
		r->new_src = A("203.0.113.1");
	r->one_shot = true;
	r->group = group;
}

static void test_session_group(void)
{
	struct natapi_session_redirect r;
	struct natapi_nft_stats st;
	void *state;
	struct natapi *api;
	uint32_t a, b, c;
	uint64_t t0;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL);
	t0 = tx(state);
	sess(&r, 7, true);
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &a), 0);
	CU_ASSERT_EQUAL(tx(state), t0 + 1); /* chains, jumps and rules in one */
	CU_ASSERT_EQUAL(chain_rules("g7_pre"), 1);
	CU_ASSERT_EQUAL(chain_rules("g7_post"), 1);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 1); /* the jump */
	CU_ASSERT_EQUAL(chain_rules("postrouting"), 1);
	CU_ASSERT(table_has("ip saddr 192.0.2.10 ip daddr 203.0.113.10 tcp dport 40001 ct state new"));
	CU_ASSERT(table_has("dnat ip to 203.0.113.10:40001"));
	CU_ASSERT(table_has("snat ip to 203.0.113.1"));
	sess(&r, 7, false);
	r.dport = 40002;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &b), 0);
	CU_ASSERT_EQUAL(chain_rules("g7_pre"), 2);
	CU_ASSERT_EQUAL(chain_rules("g7_post"), 1);
	sess(&r, 8, true);
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &c), 0);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 2);
	natapi_nft_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.groups_active, 2);
	CU_ASSERT_EQUAL(st.rules_active, 5);
	/* One member cancelled: its rules go, the group stays. */
	CU_ASSERT_EQUAL(natapi_cancel(api, b), 0);
	CU_ASSERT_EQUAL(chain_rules("g7_pre"), 1);
	/* The group as one unit: nothing of it is left. */
	t0 = tx(state);
	CU_ASSERT_EQUAL(natapi_cancel_group(api, 7), 0);
	CU_ASSERT_EQUAL(tx(state), t0 + 1);
	CU_ASSERT_EQUAL(chain_rules("g7_pre"), -1);
	CU_ASSERT_EQUAL(chain_rules("g7_post"), -1);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 1);
	/* The last member's cancel takes its chains too. */
	CU_ASSERT_EQUAL(natapi_cancel(api, c), 0);
	CU_ASSERT_EQUAL(chain_rules("g8_pre"), -1);
	CU_ASSERT_EQUAL(chain_rules("prerouting"), 0);
	CU_ASSERT_EQUAL(chain_rules("postrouting"), 0);
	natapi_nft_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.groups_active, 0);
	CU_ASSERT_EQUAL(st.rules_active, 0);
	CU_ASSERT_EQUAL(st.failed, 0);
	CU_ASSERT_EQUAL(natapi_cancel_group(api, 7), 0); /* empty: fine */
	natapi_close(api);
}

static void test_session_v6_and_errors(void)
{
	struct natapi_session_redirect r;
	void *state;
	struct natapi *api;
	uint32_t id;
	uint64_t t0;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL);
	memset(&r, 0, sizeof(r));
	r.proto = 6;
	r.dst = A("2001:db8:2::1");
	r.dport = 32000;
	r.set_src = true;
	r.new_src = A("2001:db8:2::10");
	r.new_dst = A("2001:db8:1::10");
	r.new_dport = 50000;
	r.group = 3;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &id), 0);
	CU_ASSERT(table_has("ip6 daddr 2001:db8:2::1 tcp dport 32000 ct state new"));
	CU_ASSERT(table_has("dnat ip6 to [2001:db8:1::10]:50000"));
	CU_ASSERT(table_has("snat ip6 to 2001:db8:2::10"));
	t0 = tx(state);
	r.new_dst = A("192.0.2.10"); /* a family mix: refused before the kernel */
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &id), -EINVAL);
	r.new_dst = A("2001:db8:1::10");
	r.dport = 0;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &id), -EINVAL);
	CU_ASSERT_EQUAL(tx(state), t0);
	CU_ASSERT_EQUAL(natapi_cancel(api, 999), -ENOENT);
	natapi_close(api);
	CU_ASSERT(!table_exists());
}

static void test_expiry(void)
{
	struct natapi_session_redirect r;
	struct natapi_nft_stats st;
	void *state;
	struct natapi *api;
	uint32_t a, b;
	uint64_t next = 1;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL);
	sess(&r, 4, true);
	r.timeout_ns = 1; /* already due */
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &a), 0);
	sess(&r, 5, false);
	r.timeout_ns = 3600ULL * 1000000000ULL;
	CU_ASSERT_EQUAL(natapi_redirect_session(api, &r, &b), 0);
	CU_ASSERT_EQUAL(natapi_nft_expire(state, natapi_nft_now(), &next), 1);
	CU_ASSERT(next > natapi_nft_now());
	CU_ASSERT_EQUAL(chain_rules("g4_pre"), -1);
	CU_ASSERT_EQUAL(chain_rules("g5_pre"), 1);
	natapi_nft_stats_get(state, &st);
	CU_ASSERT_EQUAL(st.expired, 1);
	/* The API handle still lists it: its cancel finds it gone, no error. */
	CU_ASSERT_EQUAL(natapi_cancel_group(api, 4), 0);
	CU_ASSERT_EQUAL(natapi_cancel(api, b), 0);
	CU_ASSERT_EQUAL(natapi_nft_expire(state, natapi_nft_now(), &next), 0);
	CU_ASSERT_EQUAL(next, 0);
	natapi_close(api);
}

static void test_reservation(void)
{
	struct natapi_stats as;
	void *state;
	struct natapi *api;
	unsigned elo = 0, ehi = 0;
	uint16_t lo, hi, p, seen[256];
	uint32_t res;
	FILE *f;

	if (skip())
		return;
	fresh_netns();
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	CU_ASSERT_FATAL(f && fscanf(f, "%u %u", &elo, &ehi) == 2);
	fclose(f);
	api = open_api(&state, NULL);
	natapi_nft_port_range(state, &lo, &hi);
	CU_ASSERT(hi < elo || lo > ehi); /* never an ephemeral port */
	CU_ASSERT(lo >= 1024);
	CU_ASSERT_EQUAL(natapi_reserve(api, 6, 256, &res), 0);
	for (int i = 0; i < 256; i++) {
		CU_ASSERT_EQUAL_FATAL(natapi_acquire(api, res, 1, &seen[i]), 0);
		CU_ASSERT(seen[i] >= lo && seen[i] <= hi);
		for (int k = 0; k < i; k++)
			CU_ASSERT_NOT_EQUAL(seen[i], seen[k]);
	}
	CU_ASSERT_EQUAL(natapi_acquire(api, res, 1, &p), -ENOSPC);
	CU_ASSERT_EQUAL(natapi_release(api, res, seen[17], 1), 0);
	CU_ASSERT_EQUAL(natapi_release(api, res, seen[17], 1), -EINVAL); /* twice */
	CU_ASSERT_EQUAL(natapi_acquire(api, res, 1, &p), 0);
	CU_ASSERT_EQUAL(p, seen[17]);
	CU_ASSERT_EQUAL(natapi_acquire(api, res, 2, &p), -ENOTSUP);
	CU_ASSERT_EQUAL(natapi_unreserve(api, res), 0);
	natapi_stats_get(api, &as);
	CU_ASSERT_EQUAL(as.reservations_active, 0);
	CU_ASSERT_EQUAL(tx(state), 2); /* ports cost no netlink transaction */
	natapi_close(api);
}

static void test_lookup_original(void)
{
	struct net_tuple t, o;
	void *state;
	struct natapi *api;

	if (skip())
		return;
	fresh_netns();
	api = open_api(&state, NULL);
	memset(&t, 0, sizeof(t));
	t.proto = 6;
	t.src = A("192.0.2.10");
	t.sport = 40000;
	t.dst = A("192.0.2.1");
	t.dport = 8021;
	orig_calls = 0;
	CU_ASSERT_EQUAL(natapi_lookup_original(api, &t, &o), 0);
	CU_ASSERT_EQUAL(orig_calls, 1);
	CU_ASSERT_EQUAL(o.dport, 21);
	CU_ASSERT(net_addr_eq(&o.src, &t.src));
	natapi_close(api);
}

static void test_bad_config(void)
{
	struct natapi_nft_cfg cfg;
	const struct natapi_backend *b;
	void *state;

	if (skip())
		return;
	fresh_netns();
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.table, sizeof(cfg.table), "bad name");
	CU_ASSERT_EQUAL(natapi_nft_open(&cfg, &b, &state), -EINVAL);
	snprintf(cfg.table, sizeof(cfg.table), TBL);
	cfg.port_lo = 100;
	cfg.port_hi = 200;
	CU_ASSERT_EQUAL(natapi_nft_open(&cfg, &b, &state), -EINVAL);
	CU_ASSERT(!table_exists());
}

TU_MAIN("natapi_nft", TU_CASE(test_open_close_table), TU_CASE(test_stale_table_removed),
	TU_CASE(test_port_redirect), TU_CASE(test_session_group),
	TU_CASE(test_session_v6_and_errors), TU_CASE(test_expiry), TU_CASE(test_reservation),
	TU_CASE(test_lookup_original), TU_CASE(test_bad_config))
