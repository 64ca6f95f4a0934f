/* metrics_json.c - struct rpt_metrics to gatelab.metrics/1 JSON and back.
 * Keys are built in one fixed order so the same run gives the same bytes;
 * wall-clock figures live only under "host", outside the deterministic part. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

/* Adds key -> v, consuming v; a NULL v (allocation failed) poisons *ok. */
static void rpt_put(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*ok = false;
}

static json_t *rpt_u64(uint64_t v)
{
	/* JSON numbers beyond 2^63 are not representable in jansson's int;
	 * no counter gets near that. */
	return json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));
}

static json_t *rpt_xfer_json(const struct rpt_xfer *x)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	rpt_put(o, "session", rpt_u64(x->session), &ok);
	rpt_put(o, "command", json_string(x->cmd), &ok);
	rpt_put(o, "path", json_string(x->path), &ok);
	rpt_put(o, "bytes", rpt_u64(x->bytes), &ok);
	rpt_put(o, "expected_bytes", rpt_u64(x->expected), &ok);
	rpt_put(o, "duration_s", json_real(x->duration_s), &ok);
	rpt_put(o, "throughput_bps", json_real(x->throughput_bps), &ok);
	rpt_put(o, "ok", json_boolean(x->ok), &ok);
	rpt_put(o, "hash", json_string(x->hash), &ok);
	rpt_put(o, "reply_code", json_integer(x->reply_code), &ok);
	rpt_put(o, "reply", json_string(x->reply), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The live lab's appended keys (docs/LIVE.md, "Metrics"). */
static void rpt_live_json(json_t *o, const struct rpt_live *l, bool *ok)
{
	json_t *sc = json_object();

	rpt_put(o, "wall_s", json_real(l->wall_s), ok);
	rpt_put(o, "softirq_s", json_real(l->softirq_s), ok);
	rpt_put(o, "context_switches", rpt_u64(l->context_switches), ok);
	for (size_t i = 0; sc && i < l->n_syscalls && i < RPT_MAX_SYSCALLS; i++)
		rpt_put(sc, l->syscalls[i].name, rpt_u64(l->syscalls[i].n), ok);
	rpt_put(o, "syscalls", sc, ok);
	rpt_put(o, "measured_by", json_string(l->measured_by), ok);
}

static json_t *rpt_mode_json(const struct rpt_mode_metrics *m)
{
	json_t *o = json_object(), *d = json_object(), *xs = json_array();
	bool ok = o && d && xs;

	if (!ok)
		goto fail;
	rpt_put(o, "transitions", rpt_u64(m->transitions), &ok);
	rpt_put(o, "data_transitions", rpt_u64(m->data_transitions), &ok);
	rpt_put(o, "bytes_copied", rpt_u64(m->bytes_copied), &ok);
	rpt_put(o, "api_calls", rpt_u64(m->api_calls), &ok);
	rpt_put(o, "fastpath_packets", rpt_u64(m->fastpath_packets), &ok);
	rpt_put(o, "proxied_packets", rpt_u64(m->proxied_packets), &ok);
	rpt_put(o, "gateway_cpu_s", json_real(m->gateway_cpu_s), &ok);
	rpt_put(o, "throughput_bps", json_real(m->throughput_bps), &ok);
	rpt_put(o, "transfers_ok", rpt_u64(m->transfers_ok), &ok);
	rpt_put(o, "transfers_failed", rpt_u64(m->transfers_failed), &ok);
	rpt_put(o, "events", rpt_u64(m->events), &ok);
	rpt_put(o, "sim_time_s", json_real(m->sim_time_s), &ok);
	rpt_put(d, "link_loss", rpt_u64(m->drops.link_loss), &ok);
	rpt_put(d, "link_queue", rpt_u64(m->drops.link_queue), &ok);
	rpt_put(d, "link_mtu", rpt_u64(m->drops.link_mtu), &ok);
	rpt_put(d, "gateway", rpt_u64(m->drops.gateway), &ok);
	rpt_put(d, "no_host", rpt_u64(m->drops.no_host), &ok);
	if (ok) {
		json_t *r = json_object();

		for (size_t i = 0; r && i < m->drops.n_reasons && i < RPT_MAX_REASONS; i++)
			rpt_put(r, m->drops.by_reason[i].name, rpt_u64(m->drops.by_reason[i].n),
				&ok);
		rpt_put(d, "by_reason", r, &ok);
	}
	for (size_t i = 0; ok && i < m->n_xfers && i < RPT_MAX_XFERS; i++) {
		json_t *x = rpt_xfer_json(&m->xfers[i]);

		if (!x || json_array_append_new(xs, x) != 0)
			ok = false;
	}
	rpt_put(o, "drops", d, &ok);
	d = NULL;
	rpt_put(o, "transfers", xs, &ok);
	xs = NULL;
	/* Appended keys: how much of the run the "transfers" list shows. */
	rpt_put(o, "xfers_listed", rpt_u64(m->n_xfers), &ok);
	rpt_put(o, "xfers_omitted", rpt_u64(m->xfers_omitted), &ok);
	if (ok && m->has_live)
		rpt_live_json(o, &m->live, &ok);
	if (ok)
		return o;
fail:
	json_decref(o);
	json_decref(d);
	json_decref(xs);
	return NULL;
}

json_t *rpt_metrics_to_json(const struct rpt_metrics *m)
{
	json_t *doc = json_object(), *modes = json_object();
	bool ok = doc && modes;

	if (!ok)
		goto fail;
	rpt_put(doc, "schema", json_string(RPT_METRICS_SCHEMA), &ok);
	rpt_put(doc, "scenario", json_string(m->scenario), &ok);
	rpt_put(doc, "seed", rpt_u64(m->seed), &ok);
	for (size_t i = 0; ok && i < m->n_modes && i < RPT_MAX_MODES; i++)
		rpt_put(modes, m->modes[i].mode, rpt_mode_json(&m->modes[i]), &ok);
	rpt_put(doc, "modes", modes, &ok);
	modes = NULL;
	if (ok && m->has_topology)
		rpt_put(doc, "topology", rpt_topo_to_json(&m->topo), &ok);
	if (ok && m->has_host) {
		json_t *h = json_object();

		if (h)
			rpt_put(h, "wall_s", json_real(m->host_wall_s), &ok);
		rpt_put(doc, "host", h, &ok);
	}
	if (ok)
		return doc;
fail:
	json_decref(doc);
	json_decref(modes);
	return NULL;
}

int rpt_metrics_write(const struct rpt_metrics *m, const char *path)
{
	char tmp[4096];
	json_t *doc = NULL;
	FILE *f = NULL;
	int rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	doc = rpt_metrics_to_json(m);
	if (!doc)
		return -ENOMEM;
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		goto out;
	}
	if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) != 0 ||
	    fputc('\n', f) == EOF)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	f = NULL;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		remove(tmp);
out:
	json_decref(doc);
	return rc;
}
