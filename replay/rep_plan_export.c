/* rep_plan_export.c - one captured session in the scenario's vocabulary (what
 * --export-scenario writes): commands as captured, the server's files and
 * directories where the session's CWDs put them, captured refusals expected,
 * what the scenario cannot say left out with a note, its limits refused. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/sim_vfs.h"
#include "rep_plan_int.h"

static bool rep_is_setup(const char *v)
{
	return !strcmp(v, "PORT") || !strcmp(v, "EPRT") || !strcmp(v, "PASV") ||
	       !strcmp(v, "EPSV");
}

static bool rep_verb_in(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

/* The first refusal wins: it names the limit the capture exceeds. */
static void rep_plan_refuse(struct rep_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void rep_plan_refuse(struct rep_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->export_refusal[0])
		return;
	va_start(ap, fmt);
	vsnprintf(p->export_refusal, sizeof(p->export_refusal), fmt, ap);
	va_end(ap);
}

int rep_plan_note(struct rep_plan *p, size_t slot, const char *fmt, ...)
{
	va_list ap;

	if (p->n_notes == p->cap_notes) {
		size_t n = p->cap_notes ? p->cap_notes * 2 : 8;
		struct rep_plan_note *v = realloc(p->notes, n * sizeof(*v));

		if (!v) {
			rep_plan_refuse(p, "out of memory for the export's notes");
			return -ENOMEM;
		}
		p->notes = v;
		p->cap_notes = n;
	}
	p->notes[p->n_notes].slot = slot;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->n_notes].text, sizeof(p->notes[p->n_notes].text), fmt, ap);
	va_end(ap);
	p->n_notes++;
	return 0;
}

/* A file (size) or, with dir, a directory the server must hold at path
 * (absolute, normalised); directories are written with a trailing '/'. */
static void rep_plan_path(struct rep_plan *p, size_t n, const char *path, uint64_t size, bool dir)
{
	struct scen_host *h = &p->sc.servers[n];
	char want[SCEN_PATH_LEN];
	struct scen_file *f;

	if (!strcmp(path, "/"))
		return;
	if ((size_t)snprintf(want, sizeof(want), "%s%s", path, dir ? "/" : "") >= sizeof(want)) {
		rep_plan_refuse(p, "server%zu: the path %.80s... is longer than a scenario path "
				   "(%d bytes)", n + 1, path, SCEN_PATH_LEN - 1);
		return;
	}
	for (size_t i = 0; i < h->n_files; i++) {
		const char *q = h->files[i].path;
		size_t l = strlen(q), wl = strlen(path);
		bool qdir = l > 0 && q[l - 1] == '/';

		if ((qdir ? l - 1 : l) != wl || strncmp(q, path, wl) != 0)
			continue;
		/* a file seen twice is one file, the largest size the capture
		 * showed; seen as the other kind, the first sighting stands */
		if (!qdir && !dir && size > h->files[i].size)
			h->files[i].size = size;
		return;
	}
	if (h->n_files == SCEN_MAX_FILES) {
		rep_plan_refuse(p, "server%zu needs more than %d files and directories, the most a "
				   "scenario server holds (SCEN_MAX_FILES)", n + 1, SCEN_MAX_FILES);
		return;
	}
	f = &h->files[h->n_files++];
	memcpy(f->path, want, sizeof(f->path));
	f->size = dir ? 0 : size;
}

/* arg resolved against cwd; false (and nothing written) if it cannot be. */
static bool rep_plan_resolve(const char *cwd, const char *arg, char *out)
{
	return arg[0] && sim_vfs_resolve(cwd, arg, strlen(arg), out) == 0;
}

/* The number a 213 reply gives (SIZE), 0 if none. */
static uint64_t rep_plan_213(const struct rep_cmd *c)
{
	const char *t = c->reply_text ? c->reply_text : "";

	if (!strncmp(t, "213 ", 4))
		return strtoull(t + 4, NULL, 10);
	return 0;
}

/* A successful MKD of path earlier in the session (so RMD needs no
 * directory prepared, and preparing one would make the MKD fail). */
static const char *rep_plan_last(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Compared by the last path component: the cwd of that MKD is not kept. */
static bool rep_plan_made(const struct rep_session *s, size_t k, const char *arg)
{
	for (size_t i = 0; i < k; i++) {
		const struct rep_cmd *c = &s->cmds[i];
		const char *a = strchr(c->line, ' ');

		if ((strcmp(c->verb, "MKD") && strcmp(c->verb, "XMKD")) || c->reply < 200 ||
		    c->reply >= 400 || !a)
			continue;
		if (!strcmp(rep_plan_last(a + 1), rep_plan_last(arg)))
			return true;
	}
	return false;
}

/* Writes command line (with an expected code, 0 none) into the session. */
static void rep_plan_cmd(struct rep_plan *p, size_t n, struct scen_session *ss, size_t k,
			 const char *line, int expect, size_t *total)
{
	(*total)++;
	if (strlen(line) >= SCEN_CMD_LEN) {
		rep_plan_refuse(p, "session %zu, command %zu is %zu bytes, longer than a scenario "
				   "command (%d bytes, SCEN_CMD_LEN)", n + 1, k + 1, strlen(line),
				SCEN_CMD_LEN - 1);
		return;
	}
	if (ss->n_cmds == SCEN_MAX_CMDS)
		return; /* counted in total: the refusal after the loop names the limit */
	snprintf(ss->cmds[ss->n_cmds], SCEN_CMD_LEN, "%s", line);
	ss->expect[ss->n_cmds++] = expect;
}

static const char *const rep_generic_ok[] = {
	"PWD", "XPWD", "SYST", "FEAT", "NOOP", "HELP", "STAT", "SITE", "REST", "ACCT",
	"QUIT", "OPTS", "TYPE", "MODE", "STRU", "MLST", NULL};
/* refusals the scenario's server gives for the same argument */
static const char *const rep_generic_refusal[] = {"TYPE", "MODE", "STRU", "OPTS", NULL};

void rep_plan_session(struct rep_plan *p, const struct rep_session *s, size_t n, uint64_t t0)
{
	struct scen_session *ss = &p->sc.sessions[n];
	char cwd[SIM_VFS_MAX_PATH] = "/", path[SIM_VFS_MAX_PATH], line[512];
	size_t xi = 0, total = 0;
	bool mode_set = false;
	long last_retr = -1; /* scenario index of the RETR just written */

	memset(ss, 0, sizeof(*ss));
	ss->client = n;
	ss->server = n;
	ss->family = s->client.family;
	ss->start_ns = s->t0_ns > t0 ? s->t0_ns - t0 : 0;
	snprintf(ss->user, sizeof(ss->user), "anonymous");
	snprintf(ss->pass, sizeof(ss->pass), "replay@");
	for (size_t k = 0; k < s->n_cmds; k++) {
		const struct rep_cmd *c = &s->cmds[k];
		const char *arg = strchr(c->line, ' ');
		const struct rep_xfer *x = NULL;
		int code = c->reply, expect = 0;
		bool ok = code >= 200 && code < 400;

		arg = arg ? arg + 1 : "";
		if (!strcmp(c->verb, "USER") || !strcmp(c->verb, "PASS")) {
			snprintf(c->verb[0] == 'U' ? ss->user : ss->pass, SCEN_NAME_LEN, "%s", arg);
			continue;
		}
		if (rep_is_setup(c->verb)) {
			/* the client model announces its own endpoint before each transfer */
			if (!mode_set) {
				ss->data = !strcmp(c->verb, "PASV") || !strcmp(c->verb, "EPSV")
						   ? SCEN_DATA_PASSIVE : SCEN_DATA_ACTIVE;
				ss->extended = c->verb[0] == 'E';
				mode_set = true;
			}
			continue;
		}
		while (xi < s->n_xfers && s->xfers[xi].cmd_idx < k)
			xi++;
		if (xi < s->n_xfers && s->xfers[xi].cmd_idx == k)
			x = &s->xfers[xi];
		if (strlen(c->line) + 1 >= sizeof(c->line)) {
			rep_plan_refuse(p, "session %zu, command %zu (%s) was longer than the %zu bytes "
					   "a captured command keeps", n + 1, k + 1, c->verb,
					sizeof(c->line) - 1);
			continue;
		}
		if (code == 0) {
			rep_plan_note(p, n, "%.100s: no reply captured (the capture ends or lost it)",
				      c->line);
			continue;
		}
		if (!ok)
			expect = code;
		if (x && rep_xfer_is_upload(x->cmd)) {
			const char *name = x->arg[0] ? x->arg : "upload.bin";

			/* STOU names no file: the scenario stores it under a name */
			snprintf(line, sizeof(line), "%s %s %" PRIu64,
				 !strcmp(x->cmd, "APPE") ? "APPE" : "STOR", name, x->bytes);
			if (!strcmp(x->cmd, "STOU"))
				rep_plan_note(p, n, "%.100s: written as STOR %s (a scenario has no STOU)",
					      c->line, name);
			rep_plan_cmd(p, n, ss, k, line, expect, &total);
			last_retr = -1;
			continue;
		}
		if (!strcmp(c->verb, "RETR")) {
			uint64_t size = x ? x->bytes : 0;

			if (x && !x->complete && x->announced_size > size)
				size = x->announced_size; /* the data was not (all) captured */
			if (ok && rep_plan_resolve(cwd, arg, path))
				rep_plan_path(p, n, path, size, false);
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			last_retr = ok || code == 426 || code == 451 ? (long)ss->n_cmds - 1 : -1;
			continue;
		}
		if (!strcmp(c->verb, "ABOR")) {
			/* an aborted download: the scenario says "ABOR PATH BYTES" */
			if (last_retr >= 0 && x == NULL && xi > 0 && (size_t)last_retr < SCEN_MAX_CMDS &&
			    !strcmp(s->xfers[xi - 1].cmd, "RETR")) {
				const struct rep_xfer *px = &s->xfers[xi - 1];

				snprintf(line, sizeof(line), "ABOR %s %" PRIu64, px->arg,
					 px->bytes ? px->bytes : 1);
				size_t ll = strlen(line);

				if (ll < SCEN_CMD_LEN) {
					memcpy(ss->cmds[last_retr], line, ll + 1);
					ss->expect[last_retr] = 0;
					if (rep_plan_resolve(cwd, px->arg, path))
						rep_plan_path(p, n, path, px->bytes + 1, false);
					last_retr = -1;
					continue;
				}
			}
			rep_plan_note(p, n, "%.100s: an ABOR with no download before it (a scenario's "
					    "ABOR is 'ABOR PATH BYTES', a download it aborts)", c->line);
			continue;
		}
		last_retr = -1;
		if (x) {
			/* LIST, NLST, MLSD: a directory argument must exist */
			if (ok && arg[0] && arg[0] != '-' && rep_plan_resolve(cwd, arg, path))
				rep_plan_path(p, n, path, 0, true);
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			continue;
		}
		if (!strcmp(c->verb, "CWD") || !strcmp(c->verb, "XCWD") || !strcmp(c->verb, "CDUP") ||
		    !strcmp(c->verb, "XCUP")) {
			const char *to = c->verb[1] == 'D' || c->verb[2] == 'U' ? ".." : arg;

			if (ok && rep_plan_resolve(cwd, to, path)) {
				rep_plan_path(p, n, path, 0, true);
				memcpy(cwd, path, sizeof(cwd));
			}
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			continue;
		}
		if (!strcmp(c->verb, "SIZE") || !strcmp(c->verb, "MDTM") || !strcmp(c->verb, "DELE") ||
		    !strcmp(c->verb, "RNFR")) {
			if (ok && rep_plan_resolve(cwd, arg, path))
				rep_plan_path(p, n, path, !strcmp(c->verb, "SIZE") ? rep_plan_213(c) : 0,
					      false);
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			continue;
		}
		if (!strcmp(c->verb, "MKD") || !strcmp(c->verb, "XMKD") || !strcmp(c->verb, "RMD") ||
		    !strcmp(c->verb, "XRMD")) {
			bool mkd = c->verb[0] == 'M' || c->verb[1] == 'M';

			/* MKD refused: it existed; RMD done: it existed, unless made here */
			if (((mkd && !ok) || (!mkd && ok && !rep_plan_made(s, k, arg))) &&
			    rep_plan_resolve(cwd, arg, path))
				rep_plan_path(p, n, path, 0, true);
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			continue;
		}
		if (!strcmp(c->verb, "RNTO")) {
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			continue;
		}
		if (rep_verb_in(c->verb, rep_generic_ok) &&
		    (ok || rep_verb_in(c->verb, rep_generic_refusal))) {
			rep_plan_cmd(p, n, ss, k, c->line, expect, &total);
			continue;
		}
		rep_plan_note(p, n, "%.100s: the capture's %d, a reply the scenario's server does not "
				    "give to it", c->line, code);
	}
	if (total > SCEN_MAX_CMDS)
		rep_plan_refuse(p, "session %zu has %zu commands to export; a scenario session holds "
				   "at most %d (SCEN_MAX_CMDS)", n + 1, total, SCEN_MAX_CMDS);
}
