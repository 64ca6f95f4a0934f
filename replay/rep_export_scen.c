/* rep_export_scen.c - the re-enactment's scenario as YAML (docs/SCENARIOS.md)
 * for --export-scenario: hosts at their mapped addresses, the files the
 * capture downloaded, each session's login, data mode and commands. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "rep_export.h"

/* A YAML double-quoted scalar: control characters were replaced when the
 * capture was read; quotes and backslashes are escaped. */
static void rep_yaml_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void rep_yaml_host(FILE *out, const struct scen_host *h, bool files)
{
	char a[NET_ADDR_STRLEN];

	fprintf(out, "  - name: ");
	rep_yaml_str(out, h->name);
	if (net_addr_format(&h->addr[0], a, sizeof(a)) != 0)
		a[0] = '\0';
	fprintf(out, "\n    addresses: [%s]\n", a);
	if (!files || h->n_files == 0)
		return;
	fprintf(out, "    files:\n");
	for (size_t i = 0; i < h->n_files; i++) {
		fprintf(out, "      - {path: ");
		rep_yaml_str(out, h->files[i].path);
		fprintf(out, ", size: %" PRIu64 "}\n", h->files[i].size);
	}
}

static int rep_export_write(const struct scen *sc, const struct rep_plan *p, FILE *out)
{
	bool first = true;

	fprintf(out, "name: ");
	rep_yaml_str(out, sc->name);
	fprintf(out, "\nseed: %" PRIu64 "\nmodes: [", sc->seed);
	for (int m = 0; m < SCEN_MODE__COUNT; m++) {
		if (!sc->modes[m])
			continue;
		fprintf(out, "%s%s", first ? "" : ", ", scen_mode_name((enum scen_mode)m));
		first = false;
	}
	fprintf(out, "]\nclients:\n");
	for (size_t i = 0; i < sc->n_clients; i++)
		rep_yaml_host(out, &sc->clients[i], false);
	fprintf(out, "servers:\n");
	for (size_t i = 0; i < sc->n_servers; i++)
		rep_yaml_host(out, &sc->servers[i], true);
	fprintf(out, "sessions:\n");
	for (size_t i = 0; i < sc->n_sessions; i++) {
		const struct scen_session *ss = &sc->sessions[i];

		fprintf(out, "  - client: ");
		rep_yaml_str(out, sc->clients[ss->client].name);
		fprintf(out, "\n    server: ");
		rep_yaml_str(out, sc->servers[ss->server].name);
		fprintf(out, "\n    family: %d\n    user: ", ss->family);
		rep_yaml_str(out, ss->user);
		fprintf(out, "\n    password: ");
		rep_yaml_str(out, ss->pass);
		fprintf(out, "\n    data: %s\n    extended: %s\n    start: %" PRIu64 "ns\n",
			ss->data == SCEN_DATA_ACTIVE ? "active" : "passive",
			ss->extended ? "true" : "false", ss->start_ns);
		fprintf(out, "    commands:\n");
		if (ss->n_cmds == 0)
			fprintf(out, "      - \"NOOP\"\n");
		for (size_t k = 0; k < ss->n_cmds; k++) {
			fprintf(out, ss->expect[k] ? "      - {cmd: " : "      - ");
			rep_yaml_str(out, ss->cmds[k]);
			if (ss->expect[k])
				fprintf(out, ", expect: %d}", ss->expect[k]);
			fputc('\n', out);
		}
		for (size_t k = 0; p && k < p->n_notes; k++) {
			if (p->notes[k].slot != i)
				continue;
			/* a comment: one line, whatever the capture's text held */
			fprintf(out, "      # left out: ");
			for (const char *c = p->notes[k].text; *c; c++)
				fputc(*c == '\n' || *c == '\r' ? ' ' : *c, out);
			fputc('\n', out);
		}
	}
	return ferror(out) ? -EIO : 0;
}

int rep_export_scenario(const struct scen *sc, FILE *out)
{
	return rep_export_write(sc, NULL, out);
}

int rep_export_plan(const struct rep_plan *p, FILE *out, char *err, size_t errlen)
{
	if (p->export_refusal[0]) {
		snprintf(err, errlen, "%s", p->export_refusal);
		return -E2BIG;
	}
	return rep_export_write(&p->sc, p, out);
}
