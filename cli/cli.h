/* cli.h - the gatelab command's subcommand table and the helpers the
 * subcommands share (exit codes, error lines). */
#ifndef GATELAB_CLI_H
#define GATELAB_CLI_H

#include <stdbool.h>

/* Exit statuses of every subcommand. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1  /* the run itself failed */
#define CLI_EXIT_USAGE 2 /* bad usage or bad input */
#define CLI_EXIT_LOSSY 3 /* translate: OUT written, but it still names an inside
			  * address or lost packets no mapping could explain */

struct cli_cmd {
	const char *name;
	const char *summary; /* one line for `gatelab help` */
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	void (*usage)(void); /* `gatelab help NAME` and `NAME --help` */
};

/* The table, terminated by a NULL name. */
extern const struct cli_cmd cli_cmds[];

int cli_translate_main(int argc, char **argv);
void cli_translate_usage(void);
int cli_calibrate_main(int argc, char **argv);
void cli_calibrate_usage(void);
int cli_live_proxy_main(int argc, char **argv);
void cli_live_proxy_usage(void);
int cli_compare_main(int argc, char **argv);
void cli_compare_usage(void);
int cli_run_main(int argc, char **argv);
void cli_run_usage(void);

int cli_report_main(int argc, char **argv);
void cli_report_usage(void);
struct scen;
struct rpt_metrics;
/* Copies the scenario's hosts and links into m->topo (reports draw it). */
void cli_report_topology(const struct scen *sc, struct rpt_metrics *m);

int cli_live_main(int argc, char **argv);
void cli_live_usage(void);

int cli_replay_main(int argc, char **argv);
void cli_replay_usage(void);


/* "gatelab: " + message + newline on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
