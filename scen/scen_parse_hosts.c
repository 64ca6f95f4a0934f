/* scen_parse_hosts.c - clients and servers of a scenario: names, addresses
 * (checked against the inside and outside networks of the topology, one per
 * family) and the servers' generated files. */
#include <errno.h>
#include <string.h>

#include "scen_yaml.h"

/* Clients sit inside, servers outside (documentation ranges, RFC 5737/3849). */
static const char *const scen_inside_nets[] = {"192.0.2.0/24", "2001:db8:1::/64", NULL};
static const char *const scen_outside_nets[] = {"203.0.113.0/24", "198.51.100.0/24",
						 "2001:db8:2::/64", NULL};

static bool scen_in_nets(const struct net_addr *a, const char *const *nets)
{
	struct net_prefix p;

	for (; *nets; nets++)
		if (net_prefix_parse(*nets, &p) == 0 && net_prefix_contains(&p, a))
			return true;
	return false;
}

struct scen_host_ctx {
	struct scen_host *h;
	bool server;
};

static int scen_host_name(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_host_ctx *hc = o;
	struct scen *sc = c->sc;
	int rc = scen_str(c, v, "name", hc->h->name, sizeof(hc->h->name));

	if (rc)
		return rc;
	if (!hc->h->name[0])
		return scen_err(c, v, "name must not be empty");
	for (size_t i = 0; i < sc->n_clients; i++)
		if (&sc->clients[i] != hc->h && strcmp(sc->clients[i].name, hc->h->name) == 0)
			return scen_err(c, v, "host name '%s' used twice", hc->h->name);
	for (size_t i = 0; i < sc->n_servers; i++)
		if (&sc->servers[i] != hc->h && strcmp(sc->servers[i].name, hc->h->name) == 0)
			return scen_err(c, v, "host name '%s' used twice", hc->h->name);
	return 0;
}

static int scen_host_addr1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_host_ctx *hc = o;
	struct net_addr a;
	int rc = scen_addr(c, v, "address", &a);

	if (rc)
		return rc;
	if (hc->server && !scen_in_nets(&a, scen_outside_nets))
		return scen_err(c, v, "server address must be in 203.0.113.0/24, 198.51.100.0/24 "
				"or 2001:db8:2::/64");
	if (!hc->server && !scen_in_nets(&a, scen_inside_nets))
		return scen_err(c, v, "client address must be in 192.0.2.0/24 or 2001:db8:1::/64");
	if (net_addr_eq(&a, &c->sc->gw.public4) || net_addr_eq(&a, &c->sc->gw.public6) ||
	    net_addr_eq(&a, &c->sc->gw.inside4) || net_addr_eq(&a, &c->sc->gw.inside6))
		return scen_err(c, v, "address is the gateway's");
	for (size_t i = 0; i < hc->h->n_addr; i++)
		if (hc->h->addr[i].family == a.family)
			return scen_err(c, v, "one address per family and host");
	hc->h->addr[hc->h->n_addr++] = a;
	return 0;
}

static int scen_host_addrs(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	if (v->type == YAML_SCALAR_NODE)
		return scen_host_addr1(c, v, o);
	return scen_seq(c, v, "addresses", scen_host_addr1, o);
}

struct scen_file_ctx {
	struct scen_file *f;
};

static int scen_file_path(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_file *f = o;
	int rc = scen_str(c, v, "path", f->path, sizeof(f->path));

	if (rc)
		return rc;
	if (f->path[0] != '/')
		return scen_err(c, v, "file path must be absolute (/pub/file.bin)");
	/* A path is named in commands and listing lines: no breaks or controls. */
	for (const char *p = f->path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return scen_err(c, v, "file path contains a control character");
	return 0;
}

static int scen_file_size(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	return scen_size(c, v, "size", &((struct scen_file *)o)->size);
}

static int scen_host_file(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	static const struct scen_key keys[] = {
		{"path", scen_file_path, true},
		{"size", scen_file_size, true},
		{NULL, NULL, false},
	};
	struct scen_host_ctx *hc = o;
	struct scen_file *f;
	int rc;

	if (hc->h->n_files == SCEN_MAX_FILES)
		return scen_err(c, v, "more than %d files on one server", SCEN_MAX_FILES);
	f = &hc->h->files[hc->h->n_files];
	rc = scen_map(c, v, "file", keys, f);
	if (rc)
		return rc;
	for (size_t i = 0; i < hc->h->n_files; i++)
		if (strcmp(hc->h->files[i].path, f->path) == 0)
			return scen_err(c, v, "file '%s' listed twice", f->path);
	hc->h->n_files++;
	return 0;
}

static int scen_host_files(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	struct scen_host_ctx *hc = o;

	if (!hc->server)
		return scen_err(c, v, "only servers have files");
	return scen_seq(c, v, "files", scen_host_file, o);
}

static int scen_host(struct scen_ctx *c, yaml_node_t *v, bool server)
{
	static const struct scen_key keys[] = {
		{"name", scen_host_name, true},
		{"addresses", scen_host_addrs, true},
		{"files", scen_host_files, false},
		{NULL, NULL, false},
	};
	struct scen *sc = c->sc;
	size_t *n = server ? &sc->n_servers : &sc->n_clients;
	struct scen_host_ctx hc = {server ? &sc->servers[*n] : &sc->clients[*n], server};
	int rc;

	if (*n == SCEN_MAX_HOSTS)
		return scen_err(c, v, "more than %d %s", SCEN_MAX_HOSTS,
				server ? "servers" : "clients");
	rc = scen_map(c, v, server ? "server" : "client", keys, &hc);
	if (rc == 0)
		(*n)++;
	return rc;
}

static int scen_client1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_host(c, v, false);
}

static int scen_server1(struct scen_ctx *c, yaml_node_t *v, void *o)
{
	(void)o;
	return scen_host(c, v, true);
}

int scen_parse_clients(struct scen_ctx *c, yaml_node_t *n, void *obj)
{
	return scen_seq(c, n, "clients", scen_client1, obj);
}

int scen_parse_servers(struct scen_ctx *c, yaml_node_t *n, void *obj)
{
	return scen_seq(c, n, "servers", scen_server1, obj);
}
