/* metrics_read.c - a gatelab.metrics/1 document back into struct
 * rpt_metrics, strictly: the schema must match and every contract field of
 * every mode must be there with its JSON type (what users' CI relies on). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

struct rpt_rd {
	char *err;
	size_t errlen;
	const char *where;
};

static int rpt_rd_err(struct rpt_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rpt_rd_err(struct rpt_rd *r, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!r->err || !r->errlen)
		return -EINVAL;
	k = snprintf(r->err, r->errlen, "%s: ", r->where);
	if (k >= 0 && (size_t)k < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int rpt_get_u64(struct rpt_rd *r, const json_t *o, const char *key, uint64_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return rpt_rd_err(r, "\"%s\" must be a non-negative integer", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int rpt_get_real(struct rpt_rd *r, const json_t *o, const char *key, double *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return rpt_rd_err(r, "\"%s\" must be a number", key);
	*out = json_number_value(v);
	return 0;
}

static int rpt_get_str(struct rpt_rd *r, const json_t *o, const char *key, char *out, size_t cap)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= cap)
		return rpt_rd_err(r, "\"%s\" must be a string shorter than %zu", key, cap);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int rpt_rd_xfer(struct rpt_rd *r, const json_t *o, struct rpt_xfer *x)
{
	uint64_t s = 0;
	const json_t *okv = json_object_get(o, "ok");
	int rc = 0;

	if (!json_is_object(o))
		return rpt_rd_err(r, "a transfer must be an object");
	rc = rc ? rc : rpt_get_u64(r, o, "session", &s);
	rc = rc ? rc : rpt_get_str(r, o, "command", x->cmd, sizeof(x->cmd));
	rc = rc ? rc : rpt_get_str(r, o, "path", x->path, sizeof(x->path));
	rc = rc ? rc : rpt_get_u64(r, o, "bytes", &x->bytes);
	rc = rc ? rc : rpt_get_u64(r, o, "expected_bytes", &x->expected);
	rc = rc ? rc : rpt_get_real(r, o, "duration_s", &x->duration_s);
	rc = rc ? rc : rpt_get_real(r, o, "throughput_bps", &x->throughput_bps);
	rc = rc ? rc : rpt_get_str(r, o, "hash", x->hash, sizeof(x->hash));
	/* appended within /1: absent from files written before */
	if (!rc && json_object_get(o, "reply_code")) {
		uint64_t code = 0;

		rc = rpt_get_u64(r, o, "reply_code", &code);
		if (!rc && code > 999)
			rc = rpt_rd_err(r, "\"reply_code\" out of range");
		x->reply_code = (int)code;
	}
	if (!rc && json_object_get(o, "reply"))
		rc = rpt_get_str(r, o, "reply", x->reply, sizeof(x->reply));
	if (rc)
		return rc;
	if (!json_is_boolean(okv))
		return rpt_rd_err(r, "\"ok\" must be true or false");
	if (s > UINT32_MAX)
		return rpt_rd_err(r, "\"session\" out of range");
	x->session = (uint32_t)s;
	x->ok = json_is_true(okv);
	return 0;
}

static int rpt_rd_reasons(struct rpt_rd *r, const json_t *o, struct rpt_drops *d)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o) || json_object_size(o) > RPT_MAX_REASONS)
		return rpt_rd_err(r, "\"by_reason\" must be an object of at most %d counts",
				  RPT_MAX_REASONS);
	json_object_foreach((json_t *)o, key, v) {
		struct rpt_count *c = &d->by_reason[d->n_reasons];

		if (strlen(key) >= sizeof(c->name) || !json_is_integer(v) ||
		    json_integer_value(v) < 0)
			return rpt_rd_err(r, "\"by_reason\": bad entry \"%.32s\"", key);
		strcpy(c->name, key);
		c->n = (uint64_t)json_integer_value(v);
		d->n_reasons++;
	}
	return 0;
}

/* Appended keys, absent from older documents (then 0); when present,
 * "xfers_listed" must agree with the list it counts. */
static int rpt_rd_listed(struct rpt_rd *r, const json_t *o, struct rpt_mode_metrics *m)
{
	uint64_t listed = 0;
	int rc = 0;

	if (json_object_get(o, "xfers_listed")) {
		rc = rpt_get_u64(r, o, "xfers_listed", &listed);
		if (rc == 0 && listed != m->n_xfers)
			rc = rpt_rd_err(r, "\"xfers_listed\" is %llu but %zu transfers are listed",
					(unsigned long long)listed, m->n_xfers);
	}
	if (rc == 0 && json_object_get(o, "xfers_omitted"))
		rc = rpt_get_u64(r, o, "xfers_omitted", &m->xfers_omitted);
	return rc;
}

/* The live lab's appended keys: all or none ("wall_s" says which). */
static int rpt_rd_live(struct rpt_rd *r, const json_t *o, struct rpt_mode_metrics *m)
{
	const json_t *sc = json_object_get(o, "syscalls");
	struct rpt_live *l = &m->live;
	const char *key;
	json_t *v;
	int rc = 0;

	if (!json_object_get(o, "wall_s"))
		return 0;
	m->has_live = true;
	rc = rc ? rc : rpt_get_real(r, o, "wall_s", &l->wall_s);
	rc = rc ? rc : rpt_get_real(r, o, "softirq_s", &l->softirq_s);
	rc = rc ? rc : rpt_get_u64(r, o, "context_switches", &l->context_switches);
	rc = rc ? rc : rpt_get_str(r, o, "measured_by", l->measured_by, sizeof(l->measured_by));
	if (rc)
		return rc;
	if (!json_is_object(sc) || json_object_size(sc) > RPT_MAX_SYSCALLS)
		return rpt_rd_err(r, "\"syscalls\" must be an object of at most %d counts",
				  RPT_MAX_SYSCALLS);
	json_object_foreach((json_t *)sc, key, v) {
		struct rpt_count *c = &l->syscalls[l->n_syscalls];

		if (strlen(key) >= sizeof(c->name) || !json_is_integer(v) ||
		    json_integer_value(v) < 0)
			return rpt_rd_err(r, "\"syscalls\": bad entry \"%.32s\"", key);
		strcpy(c->name, key);
		c->n = (uint64_t)json_integer_value(v);
		l->n_syscalls++;
	}
	return 0;
}

static int rpt_rd_mode(struct rpt_rd *r, const json_t *o, struct rpt_mode_metrics *m)
{
	const json_t *d = json_object_get(o, "drops"), *xs = json_object_get(o, "transfers");
	int rc = 0;

	if (!json_is_object(o))
		return rpt_rd_err(r, "must be an object");
	rc = rc ? rc : rpt_get_u64(r, o, "transitions", &m->transitions);
	rc = rc ? rc : rpt_get_u64(r, o, "data_transitions", &m->data_transitions);
	rc = rc ? rc : rpt_get_u64(r, o, "bytes_copied", &m->bytes_copied);
	rc = rc ? rc : rpt_get_u64(r, o, "api_calls", &m->api_calls);
	rc = rc ? rc : rpt_get_u64(r, o, "fastpath_packets", &m->fastpath_packets);
	rc = rc ? rc : rpt_get_u64(r, o, "proxied_packets", &m->proxied_packets);
	rc = rc ? rc : rpt_get_real(r, o, "gateway_cpu_s", &m->gateway_cpu_s);
	rc = rc ? rc : rpt_get_real(r, o, "throughput_bps", &m->throughput_bps);
	rc = rc ? rc : rpt_get_u64(r, o, "transfers_ok", &m->transfers_ok);
	rc = rc ? rc : rpt_get_u64(r, o, "transfers_failed", &m->transfers_failed);
	rc = rc ? rc : rpt_get_u64(r, o, "events", &m->events);
	rc = rc ? rc : rpt_get_real(r, o, "sim_time_s", &m->sim_time_s);
	if (rc)
		return rc;
	if (!json_is_object(d))
		return rpt_rd_err(r, "\"drops\" must be an object");
	rc = rc ? rc : rpt_get_u64(r, d, "link_loss", &m->drops.link_loss);
	rc = rc ? rc : rpt_get_u64(r, d, "link_queue", &m->drops.link_queue);
	rc = rc ? rc : rpt_get_u64(r, d, "link_mtu", &m->drops.link_mtu);
	rc = rc ? rc : rpt_get_u64(r, d, "gateway", &m->drops.gateway);
	rc = rc ? rc : rpt_get_u64(r, d, "no_host", &m->drops.no_host);
	if (rc)
		return rc;
	rc = rpt_rd_reasons(r, json_object_get(d, "by_reason"), &m->drops);
	if (rc)
		return rc;
	if (!json_is_array(xs) || json_array_size(xs) > RPT_MAX_XFERS)
		return rpt_rd_err(r, "\"transfers\" must be a list of at most %d", RPT_MAX_XFERS);
	m->n_xfers = json_array_size(xs);
	for (size_t i = 0; i < m->n_xfers; i++) {
		rc = rpt_rd_xfer(r, json_array_get(xs, i), &m->xfers[i]);
		if (rc)
			return rc;
	}
	rc = rpt_rd_listed(r, o, m);
	return rc ? rc : rpt_rd_live(r, o, m);
}

int rpt_metrics_from_json(const json_t *doc, struct rpt_metrics *m, char *err, size_t errlen)
{
	struct rpt_rd r = {err, errlen, "metrics"};
	const json_t *schema = json_object_get(doc, "schema"), *modes, *host, *v;
	const char *key;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (!json_is_object(doc))
		return rpt_rd_err(&r, "the document must be an object");
	if (!json_is_string(schema) || strcmp(json_string_value(schema), RPT_METRICS_SCHEMA) != 0)
		return rpt_rd_err(&r, "\"schema\" must be \"%s\"", RPT_METRICS_SCHEMA);
	rc = rc ? rc : rpt_get_str(&r, doc, "scenario", m->scenario, sizeof(m->scenario));
	rc = rc ? rc : rpt_get_u64(&r, doc, "seed", &m->seed);
	if (rc)
		return rc;
	modes = json_object_get(doc, "modes");
	if (!json_is_object(modes) || json_object_size(modes) > RPT_MAX_MODES)
		return rpt_rd_err(&r, "\"modes\" must be an object of at most %d modes",
				  RPT_MAX_MODES);
	json_object_foreach((json_t *)modes, key, v) {
		struct rpt_mode_metrics *mm = &m->modes[m->n_modes];

		if (strlen(key) >= sizeof(mm->mode))
			return rpt_rd_err(&r, "mode name too long");
		strcpy(mm->mode, key);
		r.where = mm->mode;
		rc = rpt_rd_mode(&r, v, mm);
		if (rc)
			return rc;
		m->n_modes++;
	}
	r.where = "metrics";
	v = json_object_get(doc, "topology");
	if (v) {
		m->has_topology = true;
		rc = rpt_topo_from_json(v, &m->topo, err, errlen);
		if (rc)
			return rc;
	}
	host = json_object_get(doc, "host");
	if (host) {
		m->has_host = true;
		rc = rpt_get_real(&r, host, "wall_s", &m->host_wall_s);
	}
	return rc;
}

int rpt_metrics_read(const char *path, struct rpt_metrics *m, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int rc;

	if (!doc) {
		snprintf(err, errlen, "%s: line %d, column %d: %s", path, je.line, je.column,
			 je.text);
		return -EINVAL;
	}
	rc = rpt_metrics_from_json(doc, m, err, errlen);
	json_decref(doc);
	return rc;
}
