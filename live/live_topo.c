/* live_topo.c - builds the lab's namespaces and links with ip(8): one client
 * namespace (all clients share its address), the gateway, one server
 * namespace holding both servers' addresses. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live_cleanup.h"
#include "live_ns.h"
#include "live_topo.h"

const char *live_topo_ns(const struct live_topo *t, enum live_ns_role r)
{
	return t->ns[r];
}

static int live_topo_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* The work directories gll<PID>.XXXXXX under tmp of runs that are gone. */
static void live_topo_reap_dirs(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid = 0, n = 0;

		if (sscanf(e->d_name, "gll%d.%n", &pid, &n) != 1 || n == 0 || pid <= 0 ||
		    strlen(e->d_name + n) != 6)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name) >= sizeof(path))
			continue;
		if (nftw(path, live_topo_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
			fprintf(stderr, "gatelab: live: removed work directory %s left by an earlier "
				"run (process %d is gone)\n", path, pid);
	}
	closedir(d);
}

/* Namespaces gll<PID>-{c,gw,s} whose run is gone (killed with SIGKILL, the
 * one signal it cannot clean up after) are deleted before a new run starts,
 * each named on stderr. A live PID's namespaces are another run's: kept. */
static void live_topo_reap_stale(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char sfx[4] = "";
		int pid = 0, n = 0;

		if (sscanf(e->d_name, "gll%d-%3[a-z]%n", &pid, sfx, &n) != 2 ||
		    e->d_name[n] != '\0' || pid <= 0 ||
		    (strcmp(sfx, "c") && strcmp(sfx, "gw") && strcmp(sfx, "s")))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (live_ns_unlink(e->d_name) == 0)
			fprintf(stderr, "gatelab: live: removed namespace %s left by an earlier run "
				"(process %d is gone)\n", e->d_name, pid);
	}
	closedir(d);
}

int live_topo_init(struct live_topo *t, char *err, size_t errlen)
{
	static const char *sfx[LIVE_NS__COUNT] = {"c", "gw", "s"};
	const char *tmp = getenv("TMPDIR");
	int pid = (int)getpid();

	live_topo_reap_stale();
	memset(t, 0, sizeof(*t));
	snprintf(t->prefix, sizeof(t->prefix), "gll%d", pid);
	for (int i = 0; i < LIVE_NS__COUNT; i++)
		snprintf(t->ns[i], sizeof(t->ns[i]), "gll%d-%s", pid, sfx[i]);
	if (!tmp || !*tmp)
		tmp = "/tmp";
	live_topo_reap_dirs(tmp);
	if ((size_t)snprintf(t->dir, sizeof(t->dir), "%s/gll%d.XXXXXX", tmp, pid) >=
	    sizeof(t->dir)) {
		snprintf(err, errlen, "TMPDIR too long");
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(t->dir)) {
		int e = errno;

		snprintf(err, errlen, "work directory %s: %s", t->dir, strerror(e));
		return -e;
	}
	live_track_dir(t->dir);
	/* vsftpd drops to the ftp user inside its root: it must traverse. */
	chmod(t->dir, 0755);
	return 0;
}

#define STEP(what, ...)                                                              \
	do {                                                                         \
		if ((rc = LIVE_CMD(__VA_ARGS__)) < 0) {                               \
			snprintf(err, errlen, "%s: %.200s", what, out);                \
			return rc;                                                   \
		}                                                                    \
	} while (0)

int live_topo_up(struct live_topo *t, char *err, size_t errlen)
{
	const char *c = t->ns[LIVE_NS_CLIENT], *g = t->ns[LIVE_NS_GW], *s = t->ns[LIVE_NS_SERVER];
	char out[512] = "";
	int rc;

	for (int i = 0; i < LIVE_NS__COUNT; i++) {
		rc = live_ns_add(t->ns[i]);
		if (rc < 0) {
			snprintf(err, errlen, "ip netns add %s: %s", t->ns[i], strerror(-rc));
			return rc;
		}
	}
	t->up = true;
	STEP("veth inside", c, out, sizeof(out), "ip", "link", "add", LIVE_IF_CLIENT, "type",
	     "veth", "peer", "name", LIVE_IF_IN, "netns", g);
	STEP("veth outside", s, out, sizeof(out), "ip", "link", "add", LIVE_IF_SERVER, "type",
	     "veth", "peer", "name", LIVE_IF_OUT, "netns", g);
	/* nodad: an address is usable at once, no 2-second duplicate check. */
	STEP("client address", c, out, sizeof(out), "ip", "addr", "add", LIVE_CLIENT4 "/24",
	     "dev", LIVE_IF_CLIENT);
	STEP("client address", c, out, sizeof(out), "ip", "addr", "add", LIVE_CLIENT6 "/64",
	     "dev", LIVE_IF_CLIENT, "nodad");
	STEP("gateway address", g, out, sizeof(out), "ip", "addr", "add", LIVE_GW_IN4 "/24",
	     "dev", LIVE_IF_IN);
	STEP("gateway address", g, out, sizeof(out), "ip", "addr", "add", LIVE_GW_IN6 "/64",
	     "dev", LIVE_IF_IN, "nodad");
	STEP("gateway address", g, out, sizeof(out), "ip", "addr", "add", LIVE_GW_PUB4 "/24",
	     "dev", LIVE_IF_OUT);
	STEP("gateway address", g, out, sizeof(out), "ip", "addr", "add", LIVE_GW_OUT4 "/24",
	     "dev", LIVE_IF_OUT);
	STEP("gateway address", g, out, sizeof(out), "ip", "addr", "add", LIVE_GW_PUB6 "/64",
	     "dev", LIVE_IF_OUT, "nodad");
	STEP("server address", s, out, sizeof(out), "ip", "addr", "add", LIVE_SRV_A4 "/24",
	     "dev", LIVE_IF_SERVER);
	STEP("server address", s, out, sizeof(out), "ip", "addr", "add", LIVE_SRV_B4 "/24",
	     "dev", LIVE_IF_SERVER);
	STEP("server address", s, out, sizeof(out), "ip", "addr", "add", LIVE_SRV_A6 "/64",
	     "dev", LIVE_IF_SERVER, "nodad");
	STEP("server address", s, out, sizeof(out), "ip", "addr", "add", LIVE_SRV_B6 "/64",
	     "dev", LIVE_IF_SERVER, "nodad");
	STEP("link up", c, out, sizeof(out), "ip", "link", "set", LIVE_IF_CLIENT, "up");
	STEP("link up", g, out, sizeof(out), "ip", "link", "set", LIVE_IF_IN, "up");
	STEP("link up", g, out, sizeof(out), "ip", "link", "set", LIVE_IF_OUT, "up");
	STEP("link up", s, out, sizeof(out), "ip", "link", "set", LIVE_IF_SERVER, "up");
	/* Clients reach the outside prefixes through the gateway; the servers
	 * reach the gateway's public address on their link. No default route
	 * anywhere: an address outside the lab is unreachable. */
	STEP("route", c, out, sizeof(out), "ip", "route", "add", "198.51.100.0/24", "via",
	     LIVE_GW_IN4);
	STEP("route", c, out, sizeof(out), "ip", "route", "add", "203.0.113.0/24", "via",
	     LIVE_GW_IN4);
	STEP("route", c, out, sizeof(out), "ip", "-6", "route", "add", "2001:db8:2::/64", "via",
	     LIVE_GW_IN6);
	STEP("route", s, out, sizeof(out), "ip", "route", "add", "203.0.113.0/24", "dev",
	     LIVE_IF_SERVER);
	STEP("forwarding", g, out, sizeof(out), "sysctl", "-qw", "net.ipv4.ip_forward=1",
	     "net.ipv6.conf.all.forwarding=1");
	return 0;
}

int live_topo_route_inside(const struct live_topo *t, bool on)
{
	const char *s = t->ns[LIVE_NS_SERVER], *op = on ? "add" : "del";
	int a = LIVE_CMD(s, NULL, 0, "ip", "route", op, "192.0.2.0/24", "via", LIVE_GW_OUT4);
	int b = LIVE_CMD(s, NULL, 0, "ip", "-6", "route", op, "2001:db8:1::/64", "via",
			 LIVE_GW_PUB6);

	return a < 0 ? a : b;
}

int live_topo_offloads_off(const struct live_topo *t, char *err, size_t errlen)
{
	static const char *ifs[] = {LIVE_IF_IN, LIVE_IF_OUT};
	char out[512] = "";
	int rc;

	for (size_t i = 0; i < 2; i++)
		STEP("ethtool -K", t->ns[LIVE_NS_GW], out, sizeof(out), "ethtool", "-K", ifs[i],
		     "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off");
	/* The peers too: a segment built by the client's TSO would reach the
	 * gateway as one 64 KB frame. */
	STEP("ethtool -K", t->ns[LIVE_NS_CLIENT], out, sizeof(out), "ethtool", "-K",
	     LIVE_IF_CLIENT, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off");
	STEP("ethtool -K", t->ns[LIVE_NS_SERVER], out, sizeof(out), "ethtool", "-K",
	     LIVE_IF_SERVER, "tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off");
	return 0;
}
