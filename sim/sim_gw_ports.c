/* sim_gw_ports.c - the gateway's local ports, as a Linux host picks them: a
 * configurable range, reserved ports skipped, a connection's port shared with
 * others as long as the 4-tuple stays unique, a listener's port its own; the
 * gNAT's claim follows the port's use so masquerade never collides with it. */
#include <errno.h>
#include <stdlib.h>

#include "sim_gw_internal.h"

#define PORT_WORDS (65536 / 64)

static bool reserved(const struct sim_gw *gw, uint16_t p)
{
	return (gw->reserved[p >> 6] >> (p & 63)) & 1;
}

int sim_gw_ports_init(struct sim_gw *gw)
{
	uint16_t lo = gw->cfg.local_port_min, hi = gw->cfg.local_port_max;

	if (!lo && !hi) {
		lo = SIM_GW_PORT_FIRST;
		hi = SIM_GW_PORT_LAST;
	}
	if (!lo || lo > hi)
		return -EINVAL;
	gw->port_lo = lo;
	gw->port_hi = hi;
	gw->next_port = lo;
	gw->port_use = calloc(65536, sizeof(*gw->port_use));
	gw->reserved = calloc(PORT_WORDS, sizeof(*gw->reserved));
	return gw->port_use && gw->reserved ? 0 : -ENOMEM;
}

void sim_gw_ports_free(struct sim_gw *gw)
{
	free(gw->port_use);
	free(gw->reserved);
	gw->port_use = NULL;
	gw->reserved = NULL;
}

void sim_gw_ports_reserved(struct sim_gw *gw, uint16_t first, uint32_t n, bool on)
{
	for (uint32_t p = first; p < (uint32_t)first + n && p < 65536; p++) {
		if (on)
			gw->reserved[p >> 6] |= 1ULL << (p & 63);
		else
			gw->reserved[p >> 6] &= ~(1ULL << (p & 63));
	}
}

/* The next port of the range (next fit: released ports rotate, as an
 * ephemeral range does, so a 4-tuple is not reused at once). */
static uint16_t next_port(struct sim_gw *gw)
{
	uint16_t p = gw->next_port;

	gw->next_port = p >= gw->port_hi ? gw->port_lo : (uint16_t)(p + 1);
	return p;
}

static int claim(struct sim_gw *gw, uint16_t p)
{
	return gw->gnat ? gnat_port_claim(gw->gnat, 6, p) : 0;
}

static void unclaim(struct sim_gw *gw, uint16_t p)
{
	if (gw->gnat)
		gnat_port_unclaim(gw->gnat, 6, p);
}

int sim_gw_port_excl(struct sim_gw *gw, uint16_t *port)
{
	uint32_t range = (uint32_t)gw->port_hi - gw->port_lo + 1;

	if (*port) { /* a named port: the proxy's own, or one of its reservation */
		if (gw->port_use[*port] || claim(gw, *port) < 0)
			return -EADDRINUSE;
		gw->port_use[*port] = SIM_GW_PORT_EXCL;
		return 0;
	}
	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = next_port(gw);

		if (gw->port_use[p] || reserved(gw, p) || claim(gw, p) < 0)
			continue;
		gw->port_use[p] = SIM_GW_PORT_EXCL;
		*port = p;
		return 0;
	}
	return -EADDRINUSE;
}

int sim_gw_port_connect(struct sim_gw *gw, const struct net_addr *src,
			const struct net_addr *dst, uint16_t dport,
			const struct sim_sock_ops *ops, void *ctx, struct sim_sock **out,
			uint16_t *lport)
{
	uint32_t range = (uint32_t)gw->port_hi - gw->port_lo + 1;
	int rc = -EADDRINUSE;

	for (uint32_t i = 0; i < range && rc == -EADDRINUSE; i++) {
		uint16_t p = next_port(gw);
		uint16_t use = gw->port_use[p];

		if (use >= SIM_GW_PORT_EXCL - 1 || reserved(gw, p))
			continue;
		/* a port in use by none of ours may be a claim of someone else */
		if (use == 0 && claim(gw, p) < 0)
			continue;
		/* the stack refuses a 4-tuple it still has (TIME-WAIT included) */
		rc = sim_sock_connect_from(&gw->host, src, p, dst, dport, ops, ctx, out);
		if (rc == 0) {
			gw->port_use[p]++;
			*lport = p;
		} else if (use == 0) {
			unclaim(gw, p);
		}
	}
	return rc;
}

void sim_gw_port_put(struct sim_gw *gw, uint16_t port)
{
	uint16_t *use = &gw->port_use[port];

	if (*use == 0)
		return;
	if (*use == SIM_GW_PORT_EXCL || *use == 1) {
		*use = 0;
		unclaim(gw, port);
		return;
	}
	(*use)--;
}
