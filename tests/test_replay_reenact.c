/* test_replay_reenact.c - captures re-enacted in the simulator: every mode
 * reproduces the complete ones, a gateway that answers otherwise than the
 * capture is caught, broken captures say why, the exported scenario parses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../replay/rep_export.h"
#include "../replay/rep_reenact.h"
#include "tu.h"

static void load(const char *path, struct rep_capture *c, struct rep_plan **p)
{
	char err[256];

	CU_ASSERT_EQUAL_FATAL(rep_extract_file(path, c, NULL, NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rep_plan_build(c, p), 0);
}

/* Runs every mode; returns how many (mode, session) verdicts were reproduced. */
static size_t run_all(const struct rep_capture *c, const struct rep_plan *p,
		      struct rep_verdict v[SCEN_MODE__COUNT][4], struct rpt_mode_metrics *m)
{
	char err[256];
	size_t ok = 0;

	for (int md = 0; md < SCEN_MODE__COUNT; md++) {
		struct rep_gw_left left;

		CU_ASSERT_EQUAL_FATAL(rep_reenact_mode(c, p, (enum scen_mode)md, 1000000000ULL, v[md],
						       &m[md], &left, err, sizeof(err)), 0);
		/* whatever the capture, the gateway gives everything back */
		CU_ASSERT_EQUAL(left.listeners, 0);
		CU_ASSERT_EQUAL(left.data, 0);
		CU_ASSERT_EQUAL(left.redirects, 0);
		CU_ASSERT_EQUAL(left.ports, 0);
		for (size_t k = 0; k < c->n_sessions; k++)
			ok += v[md][k].reproduced;
	}
	return ok;
}

static void test_kernel_nat_reproduced_everywhere(void)
{
	struct rep_capture c;
	struct rep_plan *p;
	struct rep_verdict v[SCEN_MODE__COUNT][4];
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));
	char a[NET_ADDR_STRLEN];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	load("pcaps/kernel-nat/curl-pasv-outside.pcap", &c, &p);
	CU_ASSERT_EQUAL(p->slot[0], 0);
	CU_ASSERT_EQUAL_FATAL(p->n_map, 2);
	CU_ASSERT_EQUAL(net_addr_format(&p->map[0].captured, a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "203.0.113.1");
	CU_ASSERT_EQUAL(net_addr_format(&p->map[0].sim, a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "192.0.2.10");
	CU_ASSERT_EQUAL(net_addr_format(&p->map[1].sim, a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "203.0.113.20");
	CU_ASSERT_EQUAL(run_all(&c, p, v, m), SCEN_MODE__COUNT);
	for (int md = 0; md < SCEN_MODE__COUNT; md++) {
		CU_ASSERT_TRUE(v[md][0].reenacted);
		CU_ASSERT_EQUAL(m[md].transfers_ok, 2);
		CU_ASSERT_EQUAL(m[md].transfers_failed, 0);
		CU_ASSERT_EQUAL_FATAL(m[md].n_xfers, 2);
		CU_ASSERT_EQUAL(m[md].xfers[0].bytes, 1048576);
		CU_ASSERT_EQUAL(m[md].xfers[1].bytes, 1048576);
		CU_ASSERT_PTR_NOT_NULL(strstr(m[md].xfers[1].cmd, "STOR"));
	}
	CU_ASSERT_STRING_EQUAL(m[SCEN_MODE_DIRECT].xfers[0].path, "kernel");
	CU_ASSERT_STRING_EQUAL(m[SCEN_MODE_NAT].xfers[0].path, "kernel");
	CU_ASSERT_STRING_EQUAL(m[SCEN_MODE_PROXY].xfers[0].path, "proxy");
	CU_ASSERT_STRING_EQUAL(m[SCEN_MODE_FASTPATH].xfers[0].path, "fast");
	/* the proxy modes put the gateway's user space in the path, direct does not */
	CU_ASSERT_EQUAL(m[SCEN_MODE_DIRECT].api_calls, 0);
	CU_ASSERT_TRUE(m[SCEN_MODE_PROXY].transitions > 0);
	rep_plan_free(p);
	rep_capture_free(&c);
	free(m);
}

static void test_ipv6_active_and_passive(void)
{
	struct rep_capture c;
	struct rep_plan *p;
	struct rep_verdict v[SCEN_MODE__COUNT][4];
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));
	char a[NET_ADDR_STRLEN];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	load("pcaps/zeek/ipv6.pcap", &c, &p);
	CU_ASSERT_EQUAL(net_addr_format(&p->sc.clients[0].addr[0], a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "2001:db8:1::10");
	CU_ASSERT_EQUAL(net_addr_format(&p->sc.servers[0].addr[0], a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "2001:db8:2::20");
	CU_ASSERT_EQUAL(run_all(&c, p, v, m), SCEN_MODE__COUNT);
	for (int md = 0; md < SCEN_MODE__COUNT; md++)
		CU_ASSERT_EQUAL(m[md].transfers_ok, 5);
	rep_plan_free(p);
	rep_capture_free(&c);
	free(m);
}

/* EPRT naming an IPv6 address on an IPv4 session: the server in the capture
 * said 200, the proxy refuses it: caught in the proxy modes only. */
static void test_divergence_is_caught(void)
{
	struct rep_capture c;
	struct rep_plan *p;
	struct rep_verdict v[SCEN_MODE__COUNT][4];
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	load("pcaps/suricata/ftp-active-dynamic_port-02.pcap", &c, &p);
	run_all(&c, p, v, m);
	CU_ASSERT_TRUE(v[SCEN_MODE_DIRECT][0].reproduced);
	CU_ASSERT_TRUE(v[SCEN_MODE_NAT][0].reproduced);
	CU_ASSERT_FALSE(v[SCEN_MODE_PROXY][0].reproduced);
	CU_ASSERT_FALSE(v[SCEN_MODE_FASTPATH][0].reproduced);
	CU_ASSERT_PTR_NOT_NULL(strstr(v[SCEN_MODE_PROXY][0].reason, "EPRT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(v[SCEN_MODE_PROXY][0].reason, "200"));
	rep_plan_free(p);
	rep_capture_free(&c);
	free(m);
}

static void test_broken_capture_says_why(void)
{
	struct rep_capture c;
	struct rep_plan *p;
	struct rep_verdict v[SCEN_MODE__COUNT][4];
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));
	char why[200];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	load("pcaps/zeek/ftp-with-numbers-in-filename-first200.pcap", &c, &p);
	rep_session_broken(c.sessions[0], why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "LIST"));
	CU_ASSERT_EQUAL(run_all(&c, p, v, m), 0);
	for (int md = 0; md < SCEN_MODE__COUNT; md++) {
		CU_ASSERT_PTR_NOT_NULL(strstr(v[md][0].reason, "capture incomplete"));
		/* the two complete listings before the cut were re-enacted */
		CU_ASSERT_EQUAL(m[md].transfers_ok, 2);
	}
	rep_plan_free(p);
	rep_capture_free(&c);
	free(m);
}

static void test_export_parses(void)
{
	struct rep_capture c;
	struct rep_plan *p;
	struct scen *sc = calloc(1, sizeof(*sc));
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	load("pcaps/kernel-nat/lftp-port-inside.pcap", &c, &p);
	CU_ASSERT_EQUAL(rep_export_plan(p, f, err, sizeof(err)), 0);
	fclose(f);
	if (scen_parse_buf("export.yaml", (const uint8_t *)buf, len, sc, err, sizeof(err)) != 0)
		fprintf(stderr, "%s\n%s\n", err, buf);
	CU_ASSERT_EQUAL_FATAL(scen_parse_buf("export.yaml", (const uint8_t *)buf, len, sc, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(sc->n_sessions, 1);
	CU_ASSERT_EQUAL(sc->sessions[0].data, SCEN_DATA_ACTIVE);
	/* "LIST pub" made /pub a directory; the RETRs' files are where lftp named them */
	CU_ASSERT_EQUAL_FATAL(sc->servers[0].n_files, 3);
	CU_ASSERT_STRING_EQUAL(sc->servers[0].files[0].path, "/pub/");
	CU_ASSERT_STRING_EQUAL(sc->servers[0].files[1].path, "/pub/one-1MiB.bin");
	CU_ASSERT_EQUAL(sc->servers[0].files[1].size, 1048576);
	CU_ASSERT_EQUAL(sc->servers[0].files[2].size, 1000);
	CU_ASSERT_STRING_EQUAL(sc->sessions[0].cmds[6], "RETR pub/one-1MiB.bin");
	rep_plan_free(p);
	rep_capture_free(&c);
	free(buf);
	free(sc);
}

/* More sessions than a scenario holds: the rest say so, nothing is guessed. */
static void test_plan_limits(void)
{
	struct rep_capture c;
	struct rep_session *s = calloc(SCEN_MAX_HOSTS + 2, sizeof(*s));
	struct rep_session *ptr[SCEN_MAX_HOSTS + 2];
	struct rep_cmd cmd;
	struct rep_plan *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(&c, 0, sizeof(c));
	memset(&cmd, 0, sizeof(cmd));
	strcpy(cmd.verb, "NOOP");
	strcpy(cmd.line, "NOOP");
	cmd.reply = 200;
	for (size_t i = 0; i < SCEN_MAX_HOSTS + 2; i++) {
		(void)net_addr_parse("10.0.0.1", &s[i].client);
		(void)net_addr_parse("10.0.0.2", &s[i].server);
		s[i].cmds = &cmd;
		s[i].n_cmds = i == 0 ? 0 : 1;
		ptr[i] = &s[i];
	}
	c.sessions = ptr;
	c.n_sessions = SCEN_MAX_HOSTS + 2;
	CU_ASSERT_EQUAL_FATAL(rep_plan_build(&c, &p), 0);
	CU_ASSERT_EQUAL(p->slot[0], -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why[0], "no command"));
	CU_ASSERT_EQUAL(p->slot[1], 0);
	CU_ASSERT_EQUAL(p->slot[SCEN_MAX_HOSTS], SCEN_MAX_HOSTS - 1);
	CU_ASSERT_EQUAL(p->slot[SCEN_MAX_HOSTS + 1], -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why[SCEN_MAX_HOSTS + 1], "at most"));
	CU_ASSERT_EQUAL(p->sc.n_sessions, SCEN_MAX_HOSTS);
	rep_plan_free(p);
	free(s);
}

/* pcaps/real/auth-fail-missing.pcap (lftp 4.9.2 and vsftpd 3.0.3, made by
 * pcaps/real/make.sh): session 1 AUTH TLS (530) and a wrong password,
 * session 2 anonymous, PASV and RETR pub/missing.bin answered 550. The
 * proxy's 534 to AUTH is its policy; the 550 must reach the client. */
static void test_policy_and_refused_retr(void)
{
	struct rep_capture c;
	struct rep_plan *p;
	struct rep_verdict v[SCEN_MODE__COUNT][4];
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	load("pcaps/real/auth-fail-missing.pcap", &c, &p);
	CU_ASSERT_EQUAL_FATAL(c.n_sessions, 2);
	CU_ASSERT_STRING_EQUAL(c.sessions[0]->cmds[1].verb, "AUTH");
	CU_ASSERT_EQUAL(c.sessions[0]->cmds[1].reply, 530);
	CU_ASSERT_EQUAL(c.sessions[0]->cmds[3].reply, 530); /* PASS wrongpass */
	CU_ASSERT_EQUAL_FATAL(c.sessions[1]->n_xfers, 1);
	CU_ASSERT_EQUAL(c.sessions[1]->xfers[0].final, 550);
	run_all(&c, p, v, m);
	for (size_t k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(v[SCEN_MODE_DIRECT][k].outcome, REP_OUT_REPRODUCED);
		CU_ASSERT_EQUAL(v[SCEN_MODE_NAT][k].outcome, REP_OUT_REPRODUCED);
		for (int md = SCEN_MODE_PROXY; md <= SCEN_MODE_FASTPATH; md++) {
			const struct rep_verdict *vv = &v[md][k];

			if (vv->outcome != REP_OUT_POLICY)
				fprintf(stderr, "\n  %s session %zu: %s\n",
					scen_mode_name((enum scen_mode)md), k + 1, vv->reason);
			CU_ASSERT_EQUAL(vv->outcome, REP_OUT_POLICY);
			CU_ASSERT_FALSE(vv->reproduced);
			CU_ASSERT_EQUAL_FATAL(vv->n_policy, 1);
			CU_ASSERT_STRING_EQUAL(vv->policy[0].verb, "AUTH");
			CU_ASSERT_EQUAL(vv->policy[0].cmd, 1);
			CU_ASSERT_EQUAL(vv->policy[0].got, 534);
			CU_ASSERT_EQUAL(vv->policy[0].captured, 530);
			CU_ASSERT_PTR_NOT_NULL(strstr(vv->reason, "AUTH"));
		}
	}
	CU_ASSERT_STRING_EQUAL(rep_outcome_name(REP_OUT_POLICY), "reproduced_except_policy");
	rep_plan_free(p);
	rep_capture_free(&c);
	free(m);
}

/* The same capture with session 2's PASV and RETR replaced by each data
 * setup and each transfer verb: the server's 550 reaches the client in every
 * mode, and the gateway keeps nothing (run_all checks what it left). */
static void test_refused_transfer_every_setup(void)
{
	static const struct { const char *verb; int code; const char *text; } setups[] = {
		{"PASV", 227, "227 Entering Passive Mode (203,0,113,20,156,158)."},
		{"EPSV", 229, "229 Entering Extended Passive Mode (|||40094|)"},
		{"PORT", 200, "200 PORT command successful. Consider using PASV."},
		{"EPRT", 200, "200 EPRT command successful. Consider using EPSV."},
	};
	static const char *const verbs[] = {"RETR", "STOR", "LIST", "NLST", "MLSD"};
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (size_t si = 0; si < sizeof(setups) / sizeof(setups[0]); si++) {
		for (size_t vi = 0; vi < sizeof(verbs) / sizeof(verbs[0]); vi++) {
			struct rep_capture c;
			struct rep_plan *p;
			struct rep_verdict v[SCEN_MODE__COUNT][4];
			struct rep_session *s;
			struct rep_cmd *sc, *xc;

			load("pcaps/real/auth-fail-missing.pcap", &c, &p);
			rep_plan_free(p);
			s = c.sessions[1];
			CU_ASSERT_FATAL(s->n_xfers == 1 && s->xfers[0].setup_cmd >= 0);
			sc = &s->cmds[s->xfers[0].setup_cmd];
			xc = &s->cmds[s->xfers[0].cmd_idx];
			snprintf(sc->verb, sizeof(sc->verb), "%s", setups[si].verb);
			snprintf(sc->line, sizeof(sc->line), "%s", setups[si].verb);
			sc->reply = setups[si].code;
			free(sc->reply_text);
			sc->reply_text = strdup(setups[si].text);
			snprintf(xc->verb, sizeof(xc->verb), "%s", verbs[vi]);
			snprintf(xc->line, sizeof(xc->line), "%s missing.bin", verbs[vi]);
			snprintf(s->xfers[0].cmd, sizeof(s->xfers[0].cmd), "%s", verbs[vi]);
			s->xfers[0].passive = si < 2;
			CU_ASSERT_EQUAL_FATAL(rep_plan_build(&c, &p), 0);
			run_all(&c, p, v, m);
			for (int md = 0; md < SCEN_MODE__COUNT; md++) {
				const struct rep_verdict *vv = &v[md][1];

				if (vv->outcome == REP_OUT_NOT_REPRODUCED)
					fprintf(stderr, "\n  %s %s %s: %s\n", setups[si].verb,
						verbs[vi], scen_mode_name((enum scen_mode)md),
						vv->reason);
				CU_ASSERT_NOT_EQUAL(vv->outcome, REP_OUT_NOT_REPRODUCED);
			}
			rep_plan_free(p);
			rep_capture_free(&c);
		}
	}
	free(m);
}

/* pcaps/real captures of issue 11 whose every transfer is complete: REST
 * resumes, ASCII mode, uploads, a lossy link, a retransmission after the
 * FINs. Re-enacted, each session is reproduced (lftp's AUTH TLS: by policy). */
static void test_real_complete_captures(void)
{
	static const char *const files[] = {"pcaps/real/rest-ascii.pcap",
					    "pcaps/real/lossy-retr.pcap",
					    "pcaps/real/late-retransmission.pcap"};
	struct rpt_mode_metrics *m = calloc(SCEN_MODE__COUNT, sizeof(*m));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct rep_capture c;
		struct rep_plan *p;
		struct rep_verdict v[SCEN_MODE__COUNT][8];

		load(files[f], &c, &p);
		CU_ASSERT_FATAL(c.n_sessions <= 8);
		for (int md = 0; md < SCEN_MODE__COUNT; md++) {
			char err[256];
			struct rep_gw_left left;

			CU_ASSERT_EQUAL_FATAL(rep_reenact_mode(&c, p, (enum scen_mode)md,
							       1000000000ULL, v[md], &m[md], &left,
							       err, sizeof(err)), 0);
			for (size_t k = 0; k < c.n_sessions; k++) {
				if (v[md][k].outcome == REP_OUT_NOT_REPRODUCED)
					fprintf(stderr, "\n  %s %s session %zu: %s\n", files[f],
						scen_mode_name((enum scen_mode)md), k + 1,
						v[md][k].reason);
				CU_ASSERT_NOT_EQUAL(v[md][k].outcome, REP_OUT_NOT_REPRODUCED);
			}
			CU_ASSERT_EQUAL(left.listeners + left.data + left.redirects + left.ports, 0);
		}
		rep_plan_free(p);
		rep_capture_free(&c);
	}
	free(m);
}

/* A synthetic session: CWD, an aborted RETR (426) and its ABOR, a bare ABOR,
 * a refused CWD; then 17 NOOPs more than a scenario session holds. */
static void test_export_abor_and_limits(void)
{
	static const struct {
		const char *line;
		int reply;
	} in[] = {{"CWD pub", 250}, {"PASV", 227}, {"RETR big.bin", 426}, {"ABOR", 226},
		  {"ABOR", 225},     {"CWD nowhere", 550}, {"QUIT", 221}};
	struct rep_session s;
	struct rep_session *ptr = &s;
	struct rep_capture c;
	struct rep_cmd cmd[7 + 17];
	struct rep_xfer x;
	struct rep_plan *p;
	struct scen *sc = calloc(1, sizeof(*sc));
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memset(cmd, 0, sizeof(cmd));
	memset(&x, 0, sizeof(x));
	(void)net_addr_parse("10.0.0.1", &s.client);
	(void)net_addr_parse("10.0.0.2", &s.server);
	for (size_t i = 0; i < 7; i++) {
		snprintf(cmd[i].line, sizeof(cmd[i].line), "%s", in[i].line);
		snprintf(cmd[i].verb, sizeof(cmd[i].verb), "%.*s", (int)strcspn(in[i].line, " "),
			 in[i].line);
		cmd[i].reply = in[i].reply;
	}
	strcpy(x.cmd, "RETR");
	strcpy(x.arg, "big.bin");
	x.cmd_idx = 2;
	x.connected = x.announced = x.passive = true;
	x.bytes = 4096;
	x.final = 426;
	s.cmds = cmd;
	s.n_cmds = 7;
	s.xfers = &x;
	s.n_xfers = 1;
	c.sessions = &ptr;
	c.n_sessions = 1;
	CU_ASSERT_EQUAL_FATAL(rep_plan_build(&c, &p), 0);
	CU_ASSERT_STRING_EQUAL(p->export_refusal, "");
	CU_ASSERT_EQUAL(rep_export_plan(p, f, err, sizeof(err)), 0);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(scen_parse_buf("abor.yaml", (const uint8_t *)buf, len, sc, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sc->sessions[0].n_cmds, 4);
	CU_ASSERT_STRING_EQUAL(sc->sessions[0].cmds[0], "CWD pub");
	CU_ASSERT_STRING_EQUAL(sc->sessions[0].cmds[1], "ABOR big.bin 4096");
	CU_ASSERT_STRING_EQUAL(sc->sessions[0].cmds[2], "CWD nowhere");
	CU_ASSERT_EQUAL(sc->sessions[0].expect[2], 550);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "# left out: ABOR: an ABOR with no download"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "path: \"/pub/big.bin\""));
	rep_plan_free(p);
	free(buf);

	/* 17 more commands: 21 in all, more than SCEN_MAX_CMDS: refused, named */
	for (size_t i = 7; i < 7 + 17; i++) {
		strcpy(cmd[i].line, "NOOP");
		strcpy(cmd[i].verb, "NOOP");
		cmd[i].reply = 200;
	}
	s.n_cmds = 7 + 17;
	CU_ASSERT_EQUAL_FATAL(rep_plan_build(&c, &p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->export_refusal, "SCEN_MAX_CMDS"));
	CU_ASSERT_EQUAL(rep_export_plan(p, stdout, err, sizeof(err)), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "21 commands"));
	rep_plan_free(p);
	free(sc);
}

TU_MAIN("replay_reenact", TU_CASE(test_kernel_nat_reproduced_everywhere),
	TU_CASE(test_ipv6_active_and_passive), TU_CASE(test_divergence_is_caught),
	TU_CASE(test_broken_capture_says_why), TU_CASE(test_export_parses),
	TU_CASE(test_plan_limits), TU_CASE(test_policy_and_refused_retr),
	TU_CASE(test_refused_transfer_every_setup), TU_CASE(test_real_complete_captures),
	TU_CASE(test_export_abor_and_limits))
