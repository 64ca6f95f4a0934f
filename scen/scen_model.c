/* scen_model.c - the scenario's defaults and mode names: what a YAML file
 * that says little still means (docs/SCENARIOS.md lists the same values). */
#include <errno.h>
#include <string.h>

#include "scen.h"

static const char *const scen_mode_names[SCEN_MODE__COUNT] = {
	[SCEN_MODE_DIRECT] = "direct",
	[SCEN_MODE_NAT] = "nat",
	[SCEN_MODE_PROXY] = "proxy",
	[SCEN_MODE_FASTPATH] = "fastpath",
};

const char *scen_mode_name(enum scen_mode m)
{
	if ((unsigned)m >= SCEN_MODE__COUNT)
		return "unknown";
	return scen_mode_names[m];
}

int scen_mode_parse(const char *s, enum scen_mode *out)
{
	for (int m = 0; m < SCEN_MODE__COUNT; m++) {
		if (strcmp(s, scen_mode_names[m]) == 0) {
			*out = (enum scen_mode)m;
			return 0;
		}
	}
	return -EINVAL;
}

static void scen_link_defaults(struct scen_link *l, uint64_t delay_ns)
{
	memset(l, 0, sizeof(*l));
	l->bw_bps = 1000000000ULL;
	l->delay_ns = delay_ns;
	l->mtu = 1500;
	l->queue_pkts = 1000;
	l->reorder_delay_ns = 1000000ULL;
}

void scen_defaults(struct scen *sc)
{
	memset(sc, 0, sizeof(*sc));
	strcpy(sc->name, "unnamed");
	sc->seed = 1;
	for (int m = 0; m < SCEN_MODE__COUNT; m++)
		sc->modes[m] = true;
	strcpy(sc->cost_profile, "default");
	scen_link_defaults(&sc->inside, 100000ULL);     /* 0.1 ms: a LAN */
	scen_link_defaults(&sc->outside, 10000000ULL);  /* 10 ms: the Internet */
	(void)net_addr_parse("203.0.113.1", &sc->gw.public4);
	(void)net_addr_parse("2001:db8:2::1", &sc->gw.public6);
	(void)net_addr_parse("192.0.2.1", &sc->gw.inside4);
	(void)net_addr_parse("2001:db8:1::1", &sc->gw.inside6);
	sc->policy.default_mode = FTPP_MODE_FAST;
}
