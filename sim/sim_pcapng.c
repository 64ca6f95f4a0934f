/* sim_pcapng.c - pcapng blocks written by hand (pcapng draft, sections 4.1,
 * 4.2, 4.3): host byte order, every block and option padded to 32 bits, the
 * block's length repeated at its end; lengths are checked before writing. */
#include "sim_pcapng.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_LINKTYPE_RAW 101
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_MAX_COMMENT 65000u
#define PCAPNG_MAX_PKT 262144u

struct sim_pcapng {
	FILE *f;
	bool failed;
	char path[4096], tmp[4104];
};

static uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

static void put(struct sim_pcapng *pc, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, pc->f) != n)
		pc->failed = true;
}

static void put32(struct sim_pcapng *pc, uint32_t v)
{
	put(pc, &v, 4);
}

static void put_pad(struct sim_pcapng *pc, size_t n)
{
	static const uint8_t zero[4];

	put(pc, zero, pad4(n) - n);
}

/* An option: code, length, value padded. */
static void put_opt(struct sim_pcapng *pc, uint16_t code, const void *v, uint16_t n)
{
	uint16_t h[2] = {code, n};

	put(pc, h, 4);
	put(pc, v, n);
	put_pad(pc, n);
}

static int sim_pcapng_head(struct sim_pcapng *pc, const char *if_name)
{
	size_t nl = strlen(if_name);
	uint8_t tsresol = 9;
	uint32_t len;
	uint16_t v[2] = {1, 0};
	int64_t section = -1;
	uint16_t lt[2] = {PCAPNG_LINKTYPE_RAW, 0};

	if (nl > 256)
		return -EINVAL;
	/* SHB: type, length, magic, version 1.0, section length unknown, end. */
	len = 28;
	put32(pc, PCAPNG_SHB);
	put32(pc, len);
	put32(pc, 0x1A2B3C4Du);
	put(pc, v, 4);
	put(pc, &section, 8);
	put32(pc, len);
	/* IDB: linktype, reserved, snaplen 0 (none), if_name, if_tsresol 9 (ns), end. */
	len = 20 + 4 + pad4(nl) + 4 + 4 + 4;
	put32(pc, PCAPNG_IDB);
	put32(pc, len);
	put(pc, lt, 4);
	put32(pc, 0);
	put_opt(pc, PCAPNG_IF_NAME, if_name, (uint16_t)nl);
	put_opt(pc, PCAPNG_IF_TSRESOL, &tsresol, 1);
	put32(pc, PCAPNG_OPT_END);
	put32(pc, len);
	return pc->failed ? -EIO : 0;
}

int sim_pcapng_open(const char *path, const char *if_name, struct sim_pcapng **out)
{
	struct sim_pcapng *pc;
	int rc;

	*out = NULL;
	if (!path || !if_name || strlen(path) >= sizeof(pc->path))
		return -EINVAL;
	if (!(pc = calloc(1, sizeof(*pc))))
		return -ENOMEM;
	snprintf(pc->path, sizeof(pc->path), "%s", path);
	snprintf(pc->tmp, sizeof(pc->tmp), "%s.part", path);
	if (!(pc->f = fopen(pc->tmp, "wb"))) {
		rc = -errno;
		free(pc);
		return rc;
	}
	if ((rc = sim_pcapng_head(pc, if_name)) < 0) {
		sim_pcapng_close(pc, 0);
		return rc;
	}
	*out = pc;
	return 0;
}

int sim_pcapng_write(struct sim_pcapng *pc, uint64_t t_ns, const uint8_t *data, uint32_t caplen,
		     uint32_t len, const char *comment)
{
	size_t cl = comment ? strlen(comment) : 0;
	uint32_t blen;

	if (!pc || (!data && caplen) || caplen > len || caplen > PCAPNG_MAX_PKT ||
	    cl > PCAPNG_MAX_COMMENT)
		return -EINVAL;
	/* type, length, interface, 2 x timestamp, caplen, len, data, options, length */
	blen = 32 + pad4(caplen) + (cl ? 4 + pad4(cl) + 4 : 0);
	put32(pc, PCAPNG_EPB);
	put32(pc, blen);
	put32(pc, 0); /* interface 0 */
	put32(pc, (uint32_t)(t_ns >> 32));
	put32(pc, (uint32_t)t_ns);
	put32(pc, caplen);
	put32(pc, len);
	put(pc, data, caplen);
	put_pad(pc, caplen);
	if (cl) {
		put_opt(pc, PCAPNG_OPT_COMMENT, comment, (uint16_t)cl);
		put32(pc, PCAPNG_OPT_END);
	}
	put32(pc, blen);
	return pc->failed ? -EIO : 0;
}

int sim_pcapng_close(struct sim_pcapng *pc, int keep)
{
	int rc = 0;

	if (!pc)
		return 0;
	if (fclose(pc->f) != 0 || pc->failed)
		rc = -EIO;
	if (keep && rc == 0 && rename(pc->tmp, pc->path) != 0)
		rc = -EIO;
	if (!keep || rc)
		unlink(pc->tmp);
	free(pc);
	return rc;
}
