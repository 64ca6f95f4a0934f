/* test_scen.c - the scenario parser: units, a complete good file with every
 * key, the shipped scenarios, and a table of bad files, each with the exact
 * "file:line:column: message" it must produce. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scen/scen.h"
#include "tu.h"

/* Lines 1-6 of most cases: a minimal valid scenario. */
#define BASE                                                                      \
	"clients:\n"                                                              \
	"  - {name: c, addresses: 192.0.2.10}\n"                                  \
	"servers:\n"                                                              \
	"  - {name: s, addresses: 198.51.100.20, files: [{path: /f, size: 1MB}]}\n" \
	"sessions:\n"                                                             \
	"  - {client: c, server: s, commands: [RETR /f]}\n"

static int parse(const char *text, struct scen *sc, char *err, size_t errlen)
{
	return scen_parse_buf("t.yaml", (const uint8_t *)text, strlen(text), sc, err, errlen);
}

static void test_units(void)
{
	uint64_t v;
	double p;

	CU_ASSERT(scen_parse_size("100MB", &v) == 0 && v == 100000000ULL);
	CU_ASSERT(scen_parse_size("1KiB", &v) == 0 && v == 1024);
	CU_ASSERT(scen_parse_size("1.5GiB", &v) == 0 && v == 1610612736ULL);
	CU_ASSERT(scen_parse_size("512", &v) == 0 && v == 512);
	CU_ASSERT(scen_parse_size("7B", &v) == 0 && v == 7);
	CU_ASSERT(scen_parse_size("100XB", &v) != 0);
	CU_ASSERT(scen_parse_size("", &v) != 0);
	CU_ASSERT(scen_parse_size("-1", &v) != 0);
	CU_ASSERT(scen_parse_size("1.", &v) != 0);
	CU_ASSERT(scen_parse_size("99999999999999999999", &v) != 0);
	CU_ASSERT(scen_parse_size("20000000000TB", &v) != 0);
	CU_ASSERT(scen_parse_rate("1Gbps", &v) == 0 && v == 1000000000ULL);
	CU_ASSERT(scen_parse_rate("2.5Mbps", &v) == 0 && v == 2500000ULL);
	CU_ASSERT(scen_parse_rate("64kbps", &v) == 0 && v == 64000);
	CU_ASSERT(scen_parse_rate("10MB", &v) != 0);
	CU_ASSERT(scen_parse_time("10ms", &v) == 0 && v == 10000000ULL);
	CU_ASSERT(scen_parse_time("5us", &v) == 0 && v == 5000);
	CU_ASSERT(scen_parse_time("2s", &v) == 0 && v == 2000000000ULL);
	CU_ASSERT(scen_parse_time("0.5s", &v) == 0 && v == 500000000ULL);
	CU_ASSERT(scen_parse_time("10", &v) != 0); /* a time needs its unit */
	CU_ASSERT(scen_parse_prob("0.01", &p) == 0 && p == 0.01);
	CU_ASSERT(scen_parse_prob("1%", &p) == 0 && p == 0.01);
	CU_ASSERT(scen_parse_prob("0", &p) == 0 && p == 0.0);
	CU_ASSERT(scen_parse_prob("1.5", &p) != 0);
	CU_ASSERT(scen_parse_prob("-0.1", &p) != 0);
	CU_ASSERT(scen_parse_prob("nan", &p) != 0);
	CU_ASSERT(scen_parse_prob("0.1x", &p) != 0);
}

static void test_modes(void)
{
	enum scen_mode m;

	for (int i = 0; i < SCEN_MODE__COUNT; i++) {
		CU_ASSERT(scen_mode_parse(scen_mode_name((enum scen_mode)i), &m) == 0);
		CU_ASSERT(m == (enum scen_mode)i);
	}
	CU_ASSERT(scen_mode_parse("bridge", &m) != 0);
	CU_ASSERT_STRING_EQUAL(scen_mode_name(SCEN_MODE__COUNT), "unknown");
}

static const char full_yaml[] =
	"name: full\n"
	"seed: 42\n"
	"modes: [nat, fastpath]\n"
	"cost_profile: profiles/slow.json\n"
	"links:\n"
	"  inside: {bandwidth: 100Mbps, delay: 1ms, mtu: 9000, queue: 50, queue_bytes: 64KiB}\n"
	"  outside: {bandwidth: 10Mbps, delay: 20ms, loss: 1%, reorder: 0.02,"
	" reorder_delay: 3ms}\n"
	"gateway: {public4: 203.0.113.5, public6: 2001:db8:2::5, inside4: 192.0.2.254,"
	" inside6: 2001:db8:1::fe}\n"
	"clients:\n"
	"  - name: alice\n"
	"    addresses: [192.0.2.10, 2001:db8:1::10]\n"
	"  - {name: bob, addresses: 192.0.2.11}\n"
	"servers:\n"
	"  - name: ftp\n"
	"    addresses: [198.51.100.20, 2001:db8:2::20]\n"
	"    files:\n"
	"      - {path: /pub/a.bin, size: 1KiB}\n"
	"      - {path: /pub/b.bin, size: 2MB}\n"
	"  - {name: other, addresses: 203.0.113.99}\n"
	"policy:\n"
	"  default: deny\n"
	"  deny_code: 550\n"
	"  deny_message: not here\n"
	"  sites:\n"
	"    - {server: 198.51.100.0/24, action: allow}\n"
	"    - {server: 203.0.113.0/24, action: deny, code: 421, message: go away}\n"
	"  read_only: true\n"
	"  read_only_code: 502\n"
	"  redirect:\n"
	"    - {from: 203.0.113.99, to: 198.51.100.20, port: 2121}\n"
	"  max_sessions: 10\n"
	"  max_per_client: 2\n"
	"  path: proxy\n"
	"  file_path: fast\n"
	"  listing_path: proxy\n"
	"  fast_min_size: 1MB\n"
	"sessions:\n"
	"  - client: alice\n"
	"    server: ftp\n"
	"    family: 6\n"
	"    user: joe\n"
	"    password: secret\n"
	"    data: active\n"
	"    extended: true\n"
	"    start: 1.5s\n"
	"    commands: [TYPE I, RETR /pub/a.bin, LIST /pub]\n"
	"  - {client: bob, server: other, commands: [RETR /pub/b.bin]}\n";

static bool addr_is(const struct net_addr *a, const char *s)
{
	struct net_addr b;

	return net_addr_parse(s, &b) == 0 && net_addr_eq(a, &b);
}

static void test_full(void)
{
	static struct scen sc;
	char err[SCEN_ERR_LEN];
	const struct scen_session *s;

	CU_ASSERT_FATAL(parse(full_yaml, &sc, err, sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(sc.name, "full");
	CU_ASSERT(sc.seed == 42);
	CU_ASSERT(!sc.modes[SCEN_MODE_DIRECT] && sc.modes[SCEN_MODE_NAT]);
	CU_ASSERT(!sc.modes[SCEN_MODE_PROXY] && sc.modes[SCEN_MODE_FASTPATH]);
	CU_ASSERT_STRING_EQUAL(sc.cost_profile, "profiles/slow.json");
	CU_ASSERT(sc.inside.bw_bps == 100000000ULL && sc.inside.delay_ns == 1000000ULL);
	CU_ASSERT(sc.inside.mtu == 9000 && sc.inside.queue_pkts == 50);
	CU_ASSERT(sc.inside.queue_bytes == 65536);
	CU_ASSERT(sc.outside.bw_bps == 10000000ULL && sc.outside.delay_ns == 20000000ULL);
	CU_ASSERT(sc.outside.loss == 0.01 && sc.outside.reorder == 0.02);
	CU_ASSERT(sc.outside.reorder_delay_ns == 3000000ULL);
	CU_ASSERT(sc.outside.mtu == 1500); /* default kept */
	CU_ASSERT(addr_is(&sc.gw.public4, "203.0.113.5"));
	CU_ASSERT(addr_is(&sc.gw.public6, "2001:db8:2::5"));
	CU_ASSERT(addr_is(&sc.gw.inside4, "192.0.2.254"));
	CU_ASSERT(addr_is(&sc.gw.inside6, "2001:db8:1::fe"));
	CU_ASSERT_FATAL(sc.n_clients == 2 && sc.n_servers == 2);
	CU_ASSERT(sc.clients[0].n_addr == 2 && addr_is(&sc.clients[0].addr[1], "2001:db8:1::10"));
	CU_ASSERT_STRING_EQUAL(sc.clients[1].name, "bob");
	CU_ASSERT_FATAL(sc.servers[0].n_files == 2);
	CU_ASSERT_STRING_EQUAL(sc.servers[0].files[1].path, "/pub/b.bin");
	CU_ASSERT(sc.servers[0].files[0].size == 1024 && sc.servers[0].files[1].size == 2000000);
	CU_ASSERT(sc.policy.default_deny && sc.policy.default_deny_code == 550);
	CU_ASSERT_STRING_EQUAL(sc.policy.default_deny_message, "not here");
	CU_ASSERT_FATAL(sc.policy.n_sites == 2);
	CU_ASSERT(!sc.policy.sites[0].deny && sc.policy.sites[1].deny);
	CU_ASSERT(sc.policy.sites[1].code == 421);
	CU_ASSERT_STRING_EQUAL(sc.policy.sites[1].message, "go away");
	CU_ASSERT(sc.policy.sites[0].server.len == 24);
	CU_ASSERT(sc.policy.read_only && sc.policy.read_only_code == 502);
	CU_ASSERT_FATAL(sc.policy.n_maps == 1);
	CU_ASSERT(addr_is(&sc.policy.maps[0].from, "203.0.113.99"));
	CU_ASSERT(addr_is(&sc.policy.maps[0].to, "198.51.100.20"));
	CU_ASSERT(sc.policy.maps[0].to_port == 2121);
	CU_ASSERT(sc.policy.max_sessions == 10 && sc.policy.max_per_client == 2);
	CU_ASSERT(sc.policy.default_mode == FTPP_MODE_PROXY);
	CU_ASSERT(sc.policy.file_path == FTPP_PATH_FAST);
	CU_ASSERT(sc.policy.listing_path == FTPP_PATH_PROXY);
	CU_ASSERT(sc.policy.fast_min_size == 1000000ULL);
	CU_ASSERT_FATAL(sc.n_sessions == 2);
	s = &sc.sessions[0];
	CU_ASSERT(s->client == 0 && s->server == 0 && s->family == NET_AF_INET6);
	CU_ASSERT_STRING_EQUAL(s->user, "joe");
	CU_ASSERT_STRING_EQUAL(s->pass, "secret");
	CU_ASSERT(s->data == SCEN_DATA_ACTIVE && s->extended);
	CU_ASSERT(s->start_ns == 1500000000ULL);
	CU_ASSERT_FATAL(s->n_cmds == 3);
	CU_ASSERT_STRING_EQUAL(s->cmds[0], "TYPE I");
	CU_ASSERT_STRING_EQUAL(s->cmds[2], "LIST /pub");
	s = &sc.sessions[1];
	CU_ASSERT(s->client == 1 && s->server == 1 && s->family == NET_AF_INET4);
	CU_ASSERT_STRING_EQUAL(s->user, "anonymous");
	CU_ASSERT(s->data == SCEN_DATA_PASSIVE && !s->extended && s->start_ns == 0);
}

static void test_defaults(void)
{
	static struct scen sc;
	char err[SCEN_ERR_LEN];

	CU_ASSERT_FATAL(parse(BASE, &sc, err, sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(sc.name, "unnamed");
	CU_ASSERT(sc.seed == 1);
	for (int m = 0; m < SCEN_MODE__COUNT; m++)
		CU_ASSERT(sc.modes[m]);
	CU_ASSERT_STRING_EQUAL(sc.cost_profile, "default");
	CU_ASSERT(addr_is(&sc.gw.public4, "203.0.113.1"));
	CU_ASSERT(addr_is(&sc.gw.public6, "2001:db8:2::1"));
	CU_ASSERT(sc.inside.mtu == 1500 && sc.inside.bw_bps == 1000000000ULL);
	CU_ASSERT(!sc.policy.default_deny && sc.policy.default_mode == FTPP_MODE_FAST);
	CU_ASSERT(sc.servers[0].files[0].size == 1000000);
}

static void test_shipped(void)
{
	static struct scen sc;
	char err[SCEN_ERR_LEN];

	CU_ASSERT_FATAL(scen_parse_file("scenarios/basic.yaml", &sc, err, sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(sc.name, "basic");
	for (int m = 0; m < SCEN_MODE__COUNT; m++)
		CU_ASSERT(sc.modes[m]);
	CU_ASSERT_FATAL(sc.n_servers == 1 && sc.servers[0].n_files == 1);
	CU_ASSERT(sc.servers[0].files[0].size == 100000000ULL);
	CU_ASSERT_FATAL(sc.n_sessions == 1 && sc.n_clients == 1);
	CU_ASSERT(scen_parse_file("scenarios/does-not-exist.yaml", &sc, err, sizeof(err)) == -ENOENT);
	CU_ASSERT(strncmp(err, "scenarios/does-not-exist.yaml: ", 31) == 0);
}

/* Every scenario shipped in scenarios/ parses. */
static void test_all_shipped(void)
{
	static struct scen sc;
	char err[SCEN_ERR_LEN];
	glob_t g;

	CU_ASSERT_FATAL(glob("scenarios/*.yaml", 0, NULL, &g) == 0);
	CU_ASSERT(g.gl_pathc >= 2);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int rc = scen_parse_file(g.gl_pathv[i], &sc, err, sizeof(err));

		if (rc)
			printf("\n%s\n", err);
		CU_ASSERT(rc == 0);
		CU_ASSERT(sc.n_sessions > 0);
	}
	globfree(&g);
}

struct bad_case {
	const char *yaml;
	const char *err; /* the whole message */
};

static const struct bad_case bad[] = {
	{"", "t.yaml:1:1: empty scenario"},
	{"- 1\n", "t.yaml:1:1: the scenario must be a mapping, not a list"},
	{"clients: [\n", "t.yaml:2:1: YAML: did not find expected node content while parsing a flow node"},
	{BASE "colour: blue\n", "t.yaml:7:1: unknown key 'colour' in the scenario"},
	{BASE "seed: 1\nseed: 2\n", "t.yaml:8:1: key 'seed' given twice in the scenario"},
	{BASE "seed: -3\n", "t.yaml:7:7: seed must be an integer, not '-3'"},
	{BASE "seed: [1]\n", "t.yaml:7:7: seed must be a scalar, not a list"},
	{BASE "modes: [nat, bridge]\n",
	 "t.yaml:7:14: unknown mode 'bridge' (direct, nat, proxy, fastpath)"},
	{BASE "modes: [nat, nat]\n", "t.yaml:7:14: mode 'nat' listed twice"},
	{BASE "modes: []\n", "t.yaml:7:8: modes must name at least one mode"},
	{BASE "modes: nat\n", "t.yaml:7:8: modes must be a list, not a scalar"},
	{BASE "links:\n  inside: {bandwidth: fast}\n",
	 "t.yaml:8:23: bandwidth: 'fast' is not a rate (1Gbps, 100Mbps, 64kbps)"},
	{BASE "links:\n  outside: {delay: 10}\n",
	 "t.yaml:8:20: delay: '10' is not a time (10ms, 5us, 2s)"},
	{BASE "links:\n  outside: {loss: 1.5}\n",
	 "t.yaml:8:19: loss: '1.5' is not a probability (0.01 or 1%)"},
	{BASE "links:\n  inside: {mtu: 100}\n", "t.yaml:8:17: mtu must be between 1280 and 9216"},
	{BASE "links:\n  inside: {mtu: 10000}\n", "t.yaml:8:17: mtu must be at most 9216"},
	{BASE "links:\n  inside: {jitter: 1ms}\n", "t.yaml:8:12: unknown key 'jitter' in links.inside"},
	{BASE "links:\n  middle: {}\n", "t.yaml:8:3: unknown key 'middle' in links"},
	{BASE "gateway: {public4: 2001:db8:2::9}\n",
	 "t.yaml:7:20: gateway.public4 must be an IPv4 address"},
	{BASE "gateway: {public6: nowhere}\n",
	 "t.yaml:7:20: gateway.public6: 'nowhere' is not an IPv4 or IPv6 address"},
	{"clients: [{name: c, addresses: 10.0.0.1}]\n",
	 "t.yaml:1:32: client address must be in 192.0.2.0/24 or 2001:db8:1::/64"},
	{"servers: [{name: s, addresses: 192.0.2.5}]\n",
	 "t.yaml:1:32: server address must be in 203.0.113.0/24, 198.51.100.0/24 or 2001:db8:2::/64"},
	{"clients: [{name: c, addresses: [192.0.2.3, 192.0.2.4]}]\n",
	 "t.yaml:1:44: one address per family and host"},
	{"clients: [{name: c, addresses: 192.0.2.1}]\n", "t.yaml:1:32: address is the gateway's"},
	{"clients: [{name: c, addresses: 192.0.2.7}]\ngateway: {inside4: 192.0.2.7}\n",
	 "t.yaml:1:32: address is the gateway's"},
	{"clients: [{name: c}]\n", "t.yaml:1:11: client lacks the required key 'addresses'"},
	{"clients: [{name: c, addresses: 192.0.2.3}, {name: c, addresses: 192.0.2.4}]\n",
	 "t.yaml:1:51: host name 'c' used twice"},
	{"clients: [{name: c, addresses: 192.0.2.3, files: []}]\n",
	 "t.yaml:1:50: only servers have files"},
	{"servers: [{name: s, addresses: 198.51.100.1, files: [{path: f, size: 1}]}]\n",
	 "t.yaml:1:61: file path must be absolute (/pub/file.bin)"},
	{"servers: [{name: s, addresses: 198.51.100.1, files: [{path: /f, size: 1XB}]}]\n",
	 "t.yaml:1:71: size: '1XB' is not a size (100MB, 1KiB, 512)"},
	{"servers: [{name: s, addresses: 198.51.100.1, files: [{path: /f}]}]\n",
	 "t.yaml:1:54: file lacks the required key 'size'"},
	{"servers: [{name: s, addresses: 198.51.100.1, files: [{path: /f, size: 1},"
	 " {path: /f, size: 2}]}]\n",
	 "t.yaml:1:75: file '/f' listed twice"},
	{BASE "policy: {default: maybe}\n", "t.yaml:7:19: default must be allow or deny, not 'maybe'"},
	{BASE "policy: {deny_code: 200}\n", "t.yaml:7:21: deny_code must be a 4xx or 5xx reply code"},
	{BASE "policy: {sites: [{server: 198.51.100.0/33, action: deny}]}\n",
	 "t.yaml:7:27: server: '198.51.100.0/33' is not a prefix (198.51.100.0/24)"},
	{BASE "policy: {sites: [{server: 198.51.100.0/24}]}\n",
	 "t.yaml:7:18: site rule lacks the required key 'action'"},
	{BASE "policy: {redirect: [{from: 203.0.113.9, to: 2001:db8:2::9}]}\n",
	 "t.yaml:7:21: redirect from and to must be of the same family"},
	{BASE "policy: {path: default}\n", "t.yaml:7:16: path must be fast or proxy"},
	{BASE "policy: {file_path: slow}\n",
	 "t.yaml:7:21: file_path must be default, fast or proxy, not 'slow'"},
	{BASE "policy: {read_only: maybe}\n", "t.yaml:7:21: read_only must be true or false, not 'maybe'"},
	{BASE "policy: {max_sessions: 99999999999}\n", "t.yaml:7:24: max_sessions must be at most 4294967295"},
	{BASE "policy: {proxy_everything: true}\n", "t.yaml:7:10: unknown key 'proxy_everything' in policy"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: d, server: s, commands: [QUIT]}]\n",
	 "t.yaml:3:21: client 'd' is not defined"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: c, server: s}]\n",
	 "t.yaml:3:12: session lacks the required key 'commands'"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: c, server: s, commands: []}]\n",
	 "t.yaml:3:45: commands must list at least one command"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: c, server: s, family: 6, commands: [QUIT]}]\n",
	 "t.yaml:3:12: session over IPv6, but its client has no IPv6 address"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: c, server: s, family: 5, commands: [QUIT]}]\n",
	 "t.yaml:3:43: family must be 4 or 6"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: c, server: s, data: sideways, commands: [QUIT]}]\n",
	 "t.yaml:3:41: data must be passive or active, not 'sideways'"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: [{client: c, server: s, commands: [\"RETR a\\r\\nDELE b\"]}]\n",
	 "t.yaml:3:46: command contains a control character"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nservers: [{name: s, addresses: 198.51.100.1}]\n"
	 "sessions: []\n",
	 "t.yaml:3:11: sessions must list at least one session"},
	{"clients: [{name: c, addresses: 192.0.2.3}]\nsessions: []\n",
	 "t.yaml:1:1: the scenario lacks the required key 'servers'"},
};

static void test_bad(void)
{
	static struct scen sc;
	char err[SCEN_ERR_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].yaml, &sc, err, sizeof(err));

		CU_ASSERT(rc == -EINVAL);
		if (strcmp(err, bad[i].err) != 0) {
			printf("\ncase %zu:\n  want %s\n  got  %s\n", i, bad[i].err, err);
			CU_FAIL("error message");
		}
	}
}

/* A message never runs past the buffer, however small. */
static void test_err_truncated(void)
{
	static struct scen sc;
	char err[12];

	memset(err, 'x', sizeof(err));
	CU_ASSERT(parse(BASE "colour: blue\n", &sc, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	CU_ASSERT(strncmp(err, "t.yaml:7:1:", 11) == 0);
}

/* The parser reads exactly len bytes: no terminator is needed or trusted. */
static void test_no_terminator(void)
{
	static struct scen sc;
	char err[SCEN_ERR_LEN];
	size_t len = strlen(BASE);
	char *buf = malloc(len);

	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, BASE, len);
	CU_ASSERT(scen_parse_buf("t.yaml", (const uint8_t *)buf, len, &sc, err, sizeof(err)) == 0);
	CU_ASSERT(sc.n_sessions == 1);
	free(buf);
}

TU_MAIN("scen", TU_CASE(test_units), TU_CASE(test_modes), TU_CASE(test_full),
	TU_CASE(test_defaults), TU_CASE(test_shipped), TU_CASE(test_all_shipped), TU_CASE(test_bad),
	TU_CASE(test_err_truncated), TU_CASE(test_no_terminator))
