/* main.c - gatelab's entry point: looks the subcommand up in a table, so
 * adding run/replay/report/... is one row and one file each. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int help_main(int argc, char **argv);
static void help_usage(void);

const struct cli_cmd cli_cmds[] = {
	{"translate", "translate a capture taken on one side of the gateway to the other side",
	 cli_translate_main, cli_translate_usage},
	{"compare", "compare a metrics JSON file against a baseline (the CI regression gate)",
	 cli_compare_main, cli_compare_usage},
	{"calibrate", "measure this machine's syscall, copy and packet costs into a cost profile",
	 cli_calibrate_main, cli_calibrate_usage},
	{"live-proxy", "(internal) run the live FTP proxy in this network namespace until SIGINT",
	 cli_live_proxy_main, cli_live_proxy_usage},
	{"run", "run a scenario in the simulator: direct, nat, proxy and fastpath compared",
	 cli_run_main, cli_run_usage},
	{"report", "render a report (HTML, Markdown, CSV, SVG) from saved metrics JSON",
	 cli_report_main, cli_report_usage},
	{"replay", "extract the FTP sessions of a capture and re-enact them under each mode",
	 cli_replay_main, cli_replay_usage},
	{"live", "run real FTP clients through a live gateway in network namespaces (root)",
	 cli_live_main, cli_live_usage},
	{"help", "list the commands, or show one command's options", help_main, help_usage},
	{NULL, NULL, NULL, NULL},
};

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("gatelab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct cli_cmd *find_cmd(const char *name)
{
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void help_usage(void)
{
	printf("usage: gatelab help [COMMAND]\n");
}

static void list_cmds(FILE *f)
{
	fprintf(f, "usage: gatelab COMMAND [ARGS]...\n\ncommands:\n");
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n'gatelab help COMMAND' or 'gatelab COMMAND --help' shows its options.\n");
}

static int help_main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		list_cmds(stdout);
		return CLI_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		cli_error("help: unknown command '%s'", argv[1]);
		return CLI_EXIT_USAGE;
	}
	c->usage();
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		list_cmds(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return help_main(1, argv + 1);
	c = find_cmd(argv[1]);
	if (!c) {
		cli_error("unknown command '%s' (try 'gatelab help')", argv[1]);
		return CLI_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
