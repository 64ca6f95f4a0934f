/* live_measure.c - softirq time, the gateway's packet meter and file hashes:
 * small readers of what the kernel and standard tools already count. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live_measure.h"
#include "live_ns.h"

double live_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double live_softirq_s(void)
{
	unsigned long long v[7] = {0};
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -errno;
	/* cpu  user nice system idle iowait irq softirq (USER_HZ ticks) */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6]);
	fclose(f);
	if (n != 7)
		return -EIO;
	return (double)v[6] / (double)sysconf(_SC_CLK_TCK);
}

int live_meter_start(const struct live_topo *t, char *err, size_t errlen)
{
	const char *gw = live_topo_ns(t, LIVE_NS_GW);
	static const char rules[] =
		"table inet gatelab_meter {\n"
		"  counter cfwd { }\n  counter clocal { }\n"
		"  chain f { type filter hook forward priority -400; counter name \"cfwd\"; }\n"
		"  chain i { type filter hook input priority -400; iifname != \"lo\" counter name \"clocal\"; }\n"
		"  chain o { type filter hook output priority -400; oifname != \"lo\" counter name \"clocal\"; }\n"
		"}\n";
	char path[PATH_MAX], out[512] = "";
	FILE *f;
	int rc;

	LIVE_CMD(gw, NULL, 0, "nft", "delete", "table", "inet", "gatelab_meter");
	if ((size_t)snprintf(path, sizeof(path), "%s/meter.nft", t->dir) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(rules, f);
	fclose(f);
	rc = LIVE_CMD(gw, out, sizeof(out), "nft", "-f", path);
	if (rc < 0)
		snprintf(err, errlen, "nft meter table: %.200s", out);
	return rc;
}

static int live_meter_one(const char *gw, const char *name, uint64_t *n)
{
	char out[1024] = "";
	const char *p;

	if (LIVE_CMD(gw, out, sizeof(out), "nft", "list", "counter", "inet", "gatelab_meter",
		     name) < 0)
		return -EIO;
	p = strstr(out, "packets ");
	if (!p || sscanf(p, "packets %" SCNu64, n) != 1)
		return -EIO;
	return 0;
}

int live_meter_read(const struct live_topo *t, uint64_t *forwarded, uint64_t *local)
{
	const char *gw = live_topo_ns(t, LIVE_NS_GW);
	int rc = live_meter_one(gw, "cfwd", forwarded);

	return rc ? rc : live_meter_one(gw, "clocal", local);
}

int live_sha256(const char *path, char hex[65], uint64_t *size)
{
	char out[PATH_MAX + 128] = "";
	struct stat st;
	int rc;

	if (stat(path, &st) != 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	rc = LIVE_CMD(NULL, out, sizeof(out), "sha256sum", "--", path);
	if (rc < 0 || strlen(out) < 64)
		return -EIO;
	memcpy(hex, out, 64);
	hex[64] = 0;
	return 0;
}
