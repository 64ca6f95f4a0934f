/* sim_walk_run.c - the walk-through's runs: the chosen session alone (its
 * first copy) in each mode, so every step on the ladder belongs to it, with
 * the recorder (sim_walk.c) and, on request, the links' captures attached. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_run.h"
#include "sim_walk.h"
#include "sim_walk_cap.h"

struct sim_walk_ctx {
	struct rpt_walk *out;
	struct sim_walk sw;
	struct sim_walk_cap *cap;
	bool capture;
};

static int sim_walk_begin(void *ctx, enum scen_mode mode, struct sim_gw *gw, struct sim_link *in,
			  struct sim_link *out)
{
	struct sim_walk_ctx *c = ctx;
	int rc;

	if (c->capture) {
		if ((rc = sim_walk_cap_new(&c->cap)) < 0)
			return rc;
		sim_walk_cap_attach(c->cap, gw, in, out);
	}
	return sim_walk_attach(&c->sw, c->out, gw, scen_mode_name(mode), c->cap);
}

static void sim_walk_end(void *ctx, enum scen_mode mode)
{
	struct sim_walk_ctx *c = ctx;

	(void)mode;
	sim_walk_detach(&c->sw);
}

/* "alice -> ftp, active (PORT): RETR /pub/big.bin; LIST" */
static void sim_walk_desc(const struct scen *sc, const struct scen_session *ss, char *buf,
			  size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s -> %s, IPv%u, %s (%s):", sc->clients[ss->client].name,
				    sc->servers[ss->server].name, ss->family == NET_AF_INET6 ? 6 : 4,
				    ss->data == SCEN_DATA_ACTIVE ? "active" : "passive",
				    ss->data == SCEN_DATA_ACTIVE ? (ss->extended ? "EPRT" : "PORT") :
								   (ss->extended ? "EPSV" : "PASV"));

	for (size_t i = 0; i < ss->n_cmds && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s %s", i ? ";" : "", ss->cmds[i]);
}

int sim_walk_run(const struct scen *sc, unsigned session, const struct sim_run_opts *o,
		 const char *pcap_dir, struct rpt_walk *out, char *err, size_t errlen)
{
	struct scen *solo = NULL;
	struct sim_run_opts wo = *o;
	struct sim_walk_ctx c;
	struct rpt_mode_metrics *mm = NULL;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	if (session == 0 || session > sc->n_sessions) {
		snprintf(err, errlen, "--session %u: the scenario has %zu session(s) (1..%zu)", session,
			 sc->n_sessions, sc->n_sessions);
		return -EINVAL;
	}
	solo = malloc(sizeof(*solo));
	mm = malloc(sizeof(*mm));
	if (!solo || !mm) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	*solo = *sc;
	solo->sessions[0] = sc->sessions[session - 1];
	solo->sessions[0].count = 1;
	solo->sessions[0].start_ns = 0;
	solo->n_sessions = 1;
	snprintf(out->scenario, sizeof(out->scenario), "%s", sc->name);
	out->session = session;
	sim_walk_desc(sc, &sc->sessions[session - 1], out->desc, sizeof(out->desc));
	c.out = out;
	c.capture = pcap_dir != NULL;
	wo.pcap_dir = NULL;
	wo.xferlog_dir = NULL;
	wo.trace = NULL;
	wo.watch_begin = sim_walk_begin;
	wo.watch_end = sim_walk_end;
	wo.watch_ctx = &c;
	for (int m = 0; m < SCEN_MODE__COUNT; m++) {
		bool on = o->modes_set ? o->modes[m] : sc->modes[m];
		char in_path[4096], out_path[4096];

		if (!on)
			continue;
		rc = sim_run_mode(solo, (enum scen_mode)m, &wo, mm, err, errlen);
		sim_walk_forget(&c.sw); /* when the run ended before watch_end */
		if (rc == 0 && c.sw.err) {
			rc = c.sw.err;
			snprintf(err, errlen, "%s: recording the walk-through: %s",
				 scen_mode_name((enum scen_mode)m), strerror(-rc));
		}
		if (rc == 0 && out->n_modes)
			out->modes[out->n_modes - 1].throughput_bps = mm->throughput_bps;
		if (rc == 0 && c.cap) {
			snprintf(in_path, sizeof(in_path), "%s/walk-%s-inside.pcapng", pcap_dir,
				 scen_mode_name((enum scen_mode)m));
			snprintf(out_path, sizeof(out_path), "%s/walk-%s-outside.pcapng", pcap_dir,
				 scen_mode_name((enum scen_mode)m));
			if ((rc = sim_walk_cap_write(c.cap, in_path, out_path)) < 0)
				snprintf(err, errlen, "%s: writing %s: %s",
					 scen_mode_name((enum scen_mode)m), in_path, strerror(-rc));
		}
		sim_walk_cap_free(c.cap);
		c.cap = NULL;
		if (rc)
			break;
	}
out:
	free(solo);
	free(mm);
	return rc;
}
