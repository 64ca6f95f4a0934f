/* cli_translate.c - `gatelab translate`: options to rep_translate_opts, the
 * run, and exit codes; the summary and JSON live in cli_translate_report.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../replay/rep_redirect.h"
#include "../replay/rep_translate.h"
#include "cli.h"
#include "cli_translate_report.h"

void cli_translate_usage(void)
{
	printf("usage: gatelab translate IN OUT --inside PREFIX --public ADDR [options]\n"
	       "\n"
	       "Runs every packet of capture IN (pcap or pcapng; Ethernet, VLAN, raw IP, Linux\n"
	       "SLL/SLL2, BSD loopback) through a gNAT and writes OUT (pcap, same link type and\n"
	       "timestamp precision): the capture the other link of the gateway would show.\n"
	       "OUT is written only when the whole capture translates.\n"
	       "\n"
	       "  --inside PREFIX        inside network, once per address family (192.0.2.0/24)\n"
	       "  --public ADDR          public (masquerade) address, once per family\n"
	       "  --capture-side SIDE    link IN was captured on: inside (default) or outside\n"
	       "  --redirect SPEC        a persistent redirect, may repeat (see below)\n"
	       "  --ftp-port PORT        a TCP port FTP control sessions use (the editor rewrites\n"
	       "                         their PORT/EPRT/227/229); may repeat; default 21\n"
	       "  --json FILE            also write the summary as JSON (gatelab.translate/1)\n"
	       "  -q, --quiet            no summary on stdout (errors and warnings still shown)\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Redirect SPEC (PROTO is tcp or udp; IPv6 addresses in brackets, [2001:db8::1]:21):\n"
	       "  PROTO:PORT=NEWDST[:NEWPORT]          every session to PORT goes to NEWDST\n"
	       "      tcp:21=192.0.2.30:2121\n"
	       "  PROTO:DST:PORT=NEWDST[:NEWPORT]      only sessions to DST:PORT\n"
	       "      tcp:203.0.113.20:21=192.0.2.30:21\n"
	       "  PROTO:SRC[:SPORT]>DST:DPORT=NEWSRC[:NEWSPORT]>NEWDST:NEWDPORT   one session,\n"
	       "      both ends rewritten: tcp:192.0.2.10>203.0.113.20:21=203.0.113.1>198.51.100.7:21\n"
	       "A NEWPORT left out keeps the packet's port.\n"
	       "\n"
	       "Capture side inside: packets from the inside prefix are translated as arriving\n"
	       "from the inside, packets to it are inverted to what arrived from outside; both ends\n"
	       "inside, or neither, pass unchanged and are counted (a loopback capture has no\n"
	       "inside: it translates nothing, with a warning). Capture side outside: packets from\n"
	       "the public address are inverted, the others translated as arriving from outside.\n"
	       "\n"
	       "Exit status: 0 success, 1 the run failed, 2 bad usage or bad input, 3 OUT written\n"
	       "but incomplete: a control segment still names an inside address (e.g. a command\n"
	       "split across segments), or, captured on the outside, packets of sessions opened\n"
	       "from the inside were dropped (no mapping tells their inside end).\n"
	       "Errors are one line: gatelab: FILE: packet N: what is wrong\n");
}

static int add_inside(struct rep_translate_opts *o, const char *arg)
{
	struct net_prefix p;

	if (net_prefix_parse(arg, &p) != 0) {
		cli_error("translate: --inside '%s' is not a prefix (192.0.2.0/24, 2001:db8:1::/64)",
			  arg);
		return -EINVAL;
	}
	for (size_t i = 0; i < o->n_inside; i++) {
		if (o->inside[i].addr.family == p.addr.family) {
			cli_error("translate: --inside given twice for IPv%u ('%s')",
				  p.addr.family, arg);
			return -EINVAL;
		}
	}
	o->inside[o->n_inside++] = p;
	return 0;
}

static int add_public(struct rep_translate_opts *o, const char *arg)
{
	struct net_addr a;
	struct net_addr *slot;

	if (net_addr_parse(arg, &a) != 0) {
		cli_error("translate: --public '%s' is not an address", arg);
		return -EINVAL;
	}
	slot = a.family == NET_AF_INET4 ? &o->public4 : &o->public6;
	if (slot->family != NET_AF_NONE) {
		cli_error("translate: --public given twice for IPv%u ('%s')", a.family, arg);
		return -EINVAL;
	}
	*slot = a;
	return 0;
}

static int add_redirect(struct rep_translate_opts *o, const char *arg)
{
	char err[256];

	if (o->n_redirects >= REP_MAX_REDIRECTS) {
		cli_error("translate: at most %d --redirect", REP_MAX_REDIRECTS);
		return -EINVAL;
	}
	if (rep_redirect_parse(arg, &o->redirects[o->n_redirects], err, sizeof(err)) != 0) {
		cli_error("translate: %s", err);
		return -EINVAL;
	}
	o->n_redirects++;
	return 0;
}

/* --ftp-port: 1..65535, each once; the list grows as needed. */
static int add_ftp_port(struct rep_translate_opts *o, uint16_t **ports, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	uint16_t *n;

	if (*arg == '\0' || *end != '\0' || v < 1 || v > 65535) {
		cli_error("translate: --ftp-port '%s' is not a port (1..65535)", arg);
		return -EINVAL;
	}
	for (size_t i = 0; i < o->n_ftp_ports; i++) {
		if ((*ports)[i] == v) {
			cli_error("translate: --ftp-port %ld given twice", v);
			return -EINVAL;
		}
	}
	n = realloc(*ports, (o->n_ftp_ports + 1) * sizeof(*n));
	if (!n) {
		cli_error("translate: out of memory");
		return -ENOMEM;
	}
	n[o->n_ftp_ports++] = (uint16_t)v;
	*ports = n;
	o->ftp_ports = n;
	return 0;
}

/* Fills o and the positional/extra arguments; returns 0 or -EINVAL (already
 * reported), 1 for --help. */
static int parse_args(int argc, char **argv, struct rep_translate_opts *o,
		      struct cli_translate_args *a, uint16_t **ports)
{
	static const struct option longopts[] = {
		{"inside", required_argument, NULL, 'i'},
		{"public", required_argument, NULL, 'p'},
		{"capture-side", required_argument, NULL, 's'},
		{"redirect", required_argument, NULL, 'r'},
		{"ftp-port", required_argument, NULL, 'f'},
		{"json", required_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			if (o->n_inside >= GNAT_MAX_INSIDE || add_inside(o, optarg))
				return -EINVAL;
			break;
		case 'p':
			if (add_public(o, optarg))
				return -EINVAL;
			break;
		case 's':
			if (strcmp(optarg, "inside") == 0) {
				o->side = REP_CAPTURE_INSIDE;
			} else if (strcmp(optarg, "outside") == 0) {
				o->side = REP_CAPTURE_OUTSIDE;
			} else {
				cli_error("translate: --capture-side must be inside or outside, "
					  "not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'r':
			if (add_redirect(o, optarg))
				return -EINVAL;
			break;
		case 'f':
			if (add_ftp_port(o, ports, optarg))
				return -EINVAL;
			break;
		case 'j':
			a->json = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			return 1;
		default:
			cli_error("translate: unknown or incomplete option '%s' (try --help)",
				  argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		cli_error("translate: needs IN and OUT (try --help)");
		return -EINVAL;
	}
	a->in = argv[optind];
	a->out = argv[optind + 1];
	if (strcmp(a->in, a->out) == 0) {
		cli_error("translate: IN and OUT are the same file");
		return -EINVAL;
	}
	if (o->n_inside == 0) {
		cli_error("translate: --inside PREFIX is required");
		return -EINVAL;
	}
	if (!o->public4.family && !o->public6.family) {
		cli_error("translate: --public ADDR is required");
		return -EINVAL;
	}
	return 0;
}

int cli_translate_main(int argc, char **argv)
{
	static struct rep_translate_opts o; /* large: keep it off the stack */
	struct rep_translate_result res;
	struct cli_translate_args a = {0};
	uint16_t *ports = NULL;
	int rc, ret;

	memset(&o, 0, sizeof(o));
	rc = parse_args(argc, argv, &o, &a, &ports);
	if (rc == 1) {
		cli_translate_usage();
		ret = CLI_EXIT_OK;
		goto out;
	}
	if (rc) {
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	rc = rep_translate_run(a.in, a.out, &o, &res);
	if (rc) {
		const char *file = res.err_output ? a.out : a.in;

		if (res.err_packet)
			cli_error("%s: packet %llu: %s", file, (unsigned long long)res.err_packet,
				  res.err);
		else
			cli_error("%s: %s", file, res.err);
		/* a bad IN is bad input; failing to write OUT is a failed run */
		ret = res.err_output || rc == -ENOMEM ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
		goto out;
	}
	cli_translate_warn(&o, &res, &a);
	if (!a.quiet)
		cli_translate_summary(stdout, &o, &res, &a);
	ret = res.leaks || res.no_origin ? CLI_EXIT_LOSSY : CLI_EXIT_OK;
	if (a.json && cli_translate_json(a.json, &o, &res, &a) != 0)
		ret = CLI_EXIT_FAIL;
out:
	free(ports);
	return ret;
}
