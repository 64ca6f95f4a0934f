/* scen_parse_sess.c - the scenario's sessions: which client talks to which
 * server over which family, login, active or passive data, start time and
 * the FTP commands to run. Parsed last: it refers to hosts by name. */
#include <string.h>

#include "scen_yaml.h"

static int scen_find_host(struct scen_ctx *c, yaml_node_t *v, const char *what,
			  const struct scen_host *hosts, size_t n, size_t *out)
{
	char buf[SCEN_NAME_LEN];
	int rc = scen_str(c, v, what, buf, sizeof(buf));

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(hosts[i].name, buf) == 0) {
			*out = i;
			return 0;
		}
	}
	return scen_err(c, v, "%s '%s' is not defined", what, buf);
}

static int scen_s_client(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_find_host(c, v, "client", c->sc->clients, c->sc->n_clients,
			      &((struct scen_session *)o)->client);
}

static int scen_s_server(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_find_host(c, v, "server", c->sc->servers, c->sc->n_servers,
			      &((struct scen_session *)o)->server);
}

static int scen_s_family(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	uint64_t x;
	int rc = scen_u64(c, v, "family", 6, &x);

	if (rc)
		return rc;
	if (x != 4 && x != 6)
		return scen_err(c, v, "family must be 4 or 6");
	((struct scen_session *)o)->family = (uint8_t)x;
	return 0;
}

/* Login names go on the control connection: no line breaks or controls. */
static int scen_s_login(struct scen_ctx *c, yaml_node_t *v, const char *what, char *out,
			size_t cap)
{
	int rc = scen_str(c, v, what, out, cap);

	if (rc)
		return rc;
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return scen_err(c, v, "%s contains a control character", what);
	return 0;
}

static int scen_s_user(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_session *s = o;

	return scen_s_login(c, v, "user", s->user, sizeof(s->user));
}

static int scen_s_pass(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_session *s = o;

	return scen_s_login(c, v, "password", s->pass, sizeof(s->pass));
}

static int scen_s_data(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_session *s = o;
	char buf[16];
	int rc = scen_str(c, v, "data", buf, sizeof(buf));

	if (rc)
		return rc;
	if (strcmp(buf, "passive") == 0)
		s->data = SCEN_DATA_PASSIVE;
	else if (strcmp(buf, "active") == 0)
		s->data = SCEN_DATA_ACTIVE;
	else
		return scen_err(c, v, "data must be passive or active, not '%s'", buf);
	return 0;
}

static int scen_s_ext(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_bool(c, v, "extended", &((struct scen_session *)o)->extended);
}

static int scen_s_start(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_time(c, v, "start", &((struct scen_session *)o)->start_ns);
}

static int scen_s_line(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_session *s = o;

	return scen_s_login(c, v, "command", s->cmds[s->n_cmds], SCEN_CMD_LEN);
}

/* A reply code a policy answers with: what a scenario may expect. */
static int scen_s_code(struct scen_ctx *c, yaml_node_t *v, const char *what, int *out)
{
	uint64_t x;
	int rc = scen_u64(c, v, what, 599, &x);

	if (rc)
		return rc;
	if (x < 100)
		return scen_err(c, v, "%s must be a reply code 100..599", what);
	*out = (int)x;
	return 0;
}

static int scen_s_expect(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_session *s = o;

	return scen_s_code(c, v, "expect", &s->expect[s->n_cmds]);
}

static int scen_s_cmd1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	/* "LINE" or {cmd: LINE, expect: CODE} (e.g. a read-only policy's 550) */
	static const struct scen_key keys[] = {
		{"cmd", scen_s_line, true}, {"expect", scen_s_expect, false}, {NULL, NULL, false},
	};
	struct scen_session *s = o;
	int rc;

	if (s->n_cmds == SCEN_MAX_CMDS)
		return scen_err(c, v, "more than %d commands in one session", SCEN_MAX_CMDS);
	if (v->type == YAML_MAPPING_NODE)
		rc = scen_map(c, v, "command", keys, s);
	else
		rc = scen_s_line(c, v, s);
	if (rc)
		return rc;
	if (!s->cmds[s->n_cmds][0])
		return scen_err(c, v, "empty command");
	s->n_cmds++;
	return 0;
}

static int scen_s_cmds(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	int rc = scen_seq(c, v, "commands", scen_s_cmd1, o);

	if (rc == 0 && ((struct scen_session *)o)->n_cmds == 0)
		return scen_err(c, v, "commands must list at least one command");
	return rc;
}

static int scen_s_refused(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_s_code(c, v, "refused", &((struct scen_session *)o)->refused);
}

static int scen_s_count(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	uint64_t x;
	int rc = scen_u64(c, v, "count", SCEN_MAX_COPIES, &x);

	if (rc)
		return rc;
	if (x == 0)
		return scen_err(c, v, "count must be at least 1");
	((struct scen_session *)o)->count = (uint32_t)x;
	return 0;
}

static int scen_s_every(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_time(c, v, "every", &((struct scen_session *)o)->every_ns);
}

static int scen_session1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	static const struct scen_key keys[] = {
		{"client", scen_s_client, true}, {"server", scen_s_server, true},
		{"family", scen_s_family, false}, {"user", scen_s_user, false},
		{"password", scen_s_pass, false}, {"data", scen_s_data, false},
		{"extended", scen_s_ext, false}, {"start", scen_s_start, false},
		{"commands", scen_s_cmds, true}, {"refused", scen_s_refused, false},
		{"count", scen_s_count, false}, {"every", scen_s_every, false},
		{NULL, NULL, false},
	};
	struct scen *sc = c->sc;
	struct scen_session *s;
	bool cl = false, sv = false;
	uint64_t copies = 0;
	int rc;

	(void)o;
	if (sc->n_sessions == SCEN_MAX_SESSIONS)
		return scen_err(c, v, "more than %d sessions", SCEN_MAX_SESSIONS);
	s = &sc->sessions[sc->n_sessions];
	memset(s, 0, sizeof(*s));
	s->family = NET_AF_INET4;
	strcpy(s->user, "anonymous");
	strcpy(s->pass, "gatelab@");
	s->count = 1;
	rc = scen_map(c, v, "session", keys, s);
	if (rc)
		return rc;
	for (size_t i = 0; i <= sc->n_sessions; i++)
		copies += sc->sessions[i].count;
	if (copies > SCEN_MAX_COPIES)
		return scen_err(c, v, "more than %d sessions counting every count",
				SCEN_MAX_COPIES);
	for (size_t i = 0; i < sc->clients[s->client].n_addr; i++)
		cl |= sc->clients[s->client].addr[i].family == s->family;
	for (size_t i = 0; i < sc->servers[s->server].n_addr; i++)
		sv |= sc->servers[s->server].addr[i].family == s->family;
	if (!cl || !sv)
		return scen_err(c, v, "session over IPv%u, but its %s has no IPv%u address",
				s->family, cl ? "server" : "client", s->family);
	sc->n_sessions++;
	return 0;
}

int scen_parse_sessions(struct scen_ctx *c, yaml_node_t *n, void *obj)
{
	int rc = scen_seq(c, n, "sessions", scen_session1, obj);

	if (rc == 0 && c->sc->n_sessions == 0)
		return scen_err(c, n, "sessions must list at least one session");
	return rc;
}
