/* live_modes.c - the table of live modes and what they share: loading an
 * nftables ruleset into the gateway, waiting for a proxy to listen. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "live_mode.h"
#include "live_ns.h"

const struct live_mode *const live_modes[] = {
	&live_mode_direct, &live_mode_kalg, &live_mode_suse, &live_mode_proxy,
	&live_mode_fastpath, &live_mode_fastpath_ebpf, NULL,
};

const struct live_mode *live_mode_find(const char *name)
{
	for (size_t i = 0; live_modes[i]; i++)
		if (strcmp(live_modes[i]->name, name) == 0)
			return live_modes[i];
	return NULL;
}

int live_mode_nft(struct live_mode_state *s, const char *name, const char *rules)
{
	char path[PATH_MAX], out[512] = "";
	FILE *f;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.nft", s->t->dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(rules, f);
	if (fclose(f) != 0)
		return -EIO;
	rc = LIVE_CMD(live_topo_ns(s->t, LIVE_NS_GW), out, sizeof(out), "nft", "-f", path);
	if (rc < 0) {
		for (char *c = out; *c; c++)
			if (*c == '\n')
				*c = ' ';
		snprintf(s->err, sizeof(s->err), "nft -f %.150s: %.300s", path, out);
	}
	return rc;
}

int live_mode_wait_listen(const struct live_mode_state *s, const char *addr, int port)
{
	struct timespec nap = {0, 20 * 1000 * 1000};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	inet_pton(AF_INET, addr, &a.sin_addr);
	for (int i = 0; i < 250; i++) {
		int fd = live_ns_socket(live_topo_ns(s->t, LIVE_NS_GW), AF_INET, SOCK_STREAM), ok;

		if (fd < 0)
			return fd;
		ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return 0;
		nanosleep(&nap, NULL);
	}
	return -ETIMEDOUT;
}
