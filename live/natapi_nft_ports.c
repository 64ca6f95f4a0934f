/* natapi_nft_ports.c - port reservations of the nftables backend: blocks taken
 * from a region outside the namespace's ephemeral range (so no local connect
 * ever gets one), handed out one port at a time from a free stack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natapi_nft_int.h"

/* Default region: just below ip_local_port_range, else just above it. */
int nft_ports_init(struct natapi_nft *b)
{
	unsigned lo = 32768, hi = 60999;
	FILE *f;

	if (b->cfg.port_lo) {
		b->region_lo = b->cfg.port_lo;
		b->region_hi = b->cfg.port_hi;
		b->region_top = b->region_hi;
		return 0;
	}
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	if (lo > 1024 + 256) {
		b->region_lo = 1024;
		b->region_hi = (uint16_t)(lo - 1);
	} else if (hi < 65535 - 256) {
		b->region_lo = (uint16_t)(hi + 1);
		b->region_hi = 65535;
	} else {
		fprintf(stderr, "gatelab: ip_local_port_range %u-%u leaves no room for reserved "
				"data ports; give a range\n", lo, hi);
		return -ENOSPC;
	}
	b->region_top = b->region_hi;
	return 0;
}

/* Blocks come off the top of the region downwards (the ports nearest the
 * ephemeral range, farthest from well-known services). A block freed is not
 * reused: the proxy reserves once per run. */
int nft_reserve(void *state, uint8_t proto, uint32_t nports, uint32_t *res_id)
{
	struct natapi_nft *b = state;
	struct nft_res *rs;
	int rc;

	if ((proto != 6 && proto != 17) || nports == 0 || nports > 65535)
		return -EINVAL;
	if (b->region_top - (int32_t)b->region_lo + 1 < (int32_t)nports)
		return -ENOSPC;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->free_ports = malloc(nports * sizeof(*rs->free_ports));
	rs->taken = calloc(nports, 1);
	if (!rs->free_ports || !rs->taken) {
		rc = -ENOMEM;
		goto fail;
	}
	rs->id = ++b->next_res;
	rs->n = nports;
	rs->lo = (uint16_t)(b->region_top - (int32_t)nports + 1);
	/* Stack order: the lowest port is handed out first. */
	for (uint32_t i = 0; i < nports; i++)
		rs->free_ports[i] = (uint16_t)(rs->lo + nports - 1 - i);
	rs->n_free = nports;
	rc = live_map_put(&b->ress, rs->id, rs);
	if (rc)
		goto fail;
	b->region_top = (int32_t)rs->lo - 1;
	*res_id = rs->id;
	return 0;
fail:
	free(rs->free_ports);
	free(rs->taken);
	free(rs);
	return rc;
}

static void nft_res_free(struct nft_res *rs)
{
	free(rs->free_ports);
	free(rs->taken);
	free(rs);
}

int nft_unreserve(void *state, uint32_t res_id)
{
	struct natapi_nft *b = state;
	struct nft_res *rs = live_map_del(&b->ress, res_id);

	if (!rs)
		return -ENOENT;
	nft_res_free(rs);
	return 0;
}

/* One port at a time (all the proxy core asks for): O(1). */
int nft_acquire(void *state, uint32_t res_id, uint32_t n, uint16_t *first)
{
	struct natapi_nft *b = state;
	struct nft_res *rs = live_map_get(&b->ress, res_id);
	uint16_t p;

	if (!rs)
		return -ENOENT;
	if (n != 1)
		return n == 0 ? -EINVAL : -ENOTSUP;
	if (rs->n_free == 0)
		return -ENOSPC;
	p = rs->free_ports[--rs->n_free];
	rs->taken[p - rs->lo] = 1;
	*first = p;
	return 0;
}

int nft_release(void *state, uint32_t res_id, uint16_t first, uint32_t n)
{
	struct natapi_nft *b = state;
	struct nft_res *rs = live_map_get(&b->ress, res_id);

	if (!rs)
		return -ENOENT;
	if (n == 0 || first < rs->lo || (uint32_t)first + n > (uint32_t)rs->lo + rs->n)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (!rs->taken[first - rs->lo + i])
			return -EINVAL; /* not acquired: nothing changes */
	for (uint32_t i = 0; i < n; i++) {
		rs->taken[first - rs->lo + i] = 0;
		rs->free_ports[rs->n_free++] = (uint16_t)(first + i);
	}
	return 0;
}

static void nft_res_free_val(void *r)
{
	nft_res_free(r);
}

void nft_ports_free(struct natapi_nft *b)
{
	live_map_free_with(&b->ress, nft_res_free_val);
}
