/* report_topo.c - the optional "topology" object of gatelab.metrics/1: the
 * hosts and links a run used, so reports can draw the network from the
 * metrics alone (reports never read the scenario). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static void rpt_tput(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*ok = false;
}

static json_t *rpt_topo_host_json(const struct rpt_topo_host *h)
{
	json_t *o = json_object(), *a = json_array();
	bool ok = o && a;

	for (size_t i = 0; ok && i < h->n_addr && i < 4; i++)
		if (json_array_append_new(a, json_string(h->addr[i])) != 0)
			ok = false;
	if (o) {
		rpt_tput(o, "name", json_string(h->name), &ok);
		rpt_tput(o, "role", json_string(h->role), &ok);
		rpt_tput(o, "addresses", a, &ok);
		a = NULL;
	}
	if (ok)
		return o;
	json_decref(o);
	json_decref(a);
	return NULL;
}

static json_t *rpt_topo_link_json(const struct rpt_topo_link *l)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	rpt_tput(o, "name", json_string(l->name), &ok);
	rpt_tput(o, "bandwidth_bps", json_integer((json_int_t)(l->bandwidth_bps > INT64_MAX ?
							    INT64_MAX : l->bandwidth_bps)), &ok);
	rpt_tput(o, "delay_s", json_real(l->delay_s), &ok);
	rpt_tput(o, "loss", json_real(l->loss), &ok);
	rpt_tput(o, "mtu", json_integer(l->mtu), &ok);
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

json_t *rpt_topo_to_json(const struct rpt_topology *t)
{
	json_t *o = json_object(), *hs = json_array(), *ls = json_array();
	bool ok = o && hs && ls;

	for (size_t i = 0; ok && i < t->n_hosts && i < RPT_MAX_HOSTS; i++) {
		json_t *h = rpt_topo_host_json(&t->hosts[i]);

		if (!h || json_array_append_new(hs, h) != 0)
			ok = false;
	}
	for (size_t i = 0; ok && i < t->n_links && i < 2; i++) {
		json_t *l = rpt_topo_link_json(&t->links[i]);

		if (!l || json_array_append_new(ls, l) != 0)
			ok = false;
	}
	if (o) {
		rpt_tput(o, "hosts", hs, &ok);
		hs = NULL;
		rpt_tput(o, "links", ls, &ok);
		ls = NULL;
	}
	if (ok)
		return o;
	json_decref(o);
	json_decref(hs);
	json_decref(ls);
	return NULL;
}

static int rpt_topo_str(const json_t *o, const char *key, char *out, size_t cap)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= cap)
		return -EINVAL;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int rpt_topo_host_rd(const json_t *o, struct rpt_topo_host *h)
{
	const json_t *a = json_object_get(o, "addresses");

	if (!json_is_object(o) || rpt_topo_str(o, "name", h->name, sizeof(h->name)) ||
	    rpt_topo_str(o, "role", h->role, sizeof(h->role)) || !json_is_array(a) ||
	    json_array_size(a) > 4)
		return -EINVAL;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *s = json_array_get(a, i);

		if (!json_is_string(s) || json_string_length(s) >= RPT_ADDR_LEN)
			return -EINVAL;
		memcpy(h->addr[i], json_string_value(s), json_string_length(s) + 1);
		h->n_addr++;
	}
	return 0;
}

static int rpt_topo_link_rd(const json_t *o, struct rpt_topo_link *l)
{
	const json_t *bw = json_object_get(o, "bandwidth_bps"), *d = json_object_get(o, "delay_s");
	const json_t *loss = json_object_get(o, "loss"), *mtu = json_object_get(o, "mtu");

	if (!json_is_object(o) || rpt_topo_str(o, "name", l->name, sizeof(l->name)) ||
	    !json_is_integer(bw) || json_integer_value(bw) < 0 || !json_is_number(d) ||
	    !json_is_number(loss) || !json_is_integer(mtu) || json_integer_value(mtu) < 0 ||
	    json_integer_value(mtu) > UINT32_MAX)
		return -EINVAL;
	l->bandwidth_bps = (uint64_t)json_integer_value(bw);
	l->delay_s = json_number_value(d);
	l->loss = json_number_value(loss);
	l->mtu = (uint32_t)json_integer_value(mtu);
	return 0;
}

int rpt_topo_from_json(const json_t *o, struct rpt_topology *t, char *err, size_t errlen)
{
	const json_t *hs = json_object_get(o, "hosts"), *ls = json_object_get(o, "links");

	memset(t, 0, sizeof(*t));
	if (!json_is_array(hs) || json_array_size(hs) > RPT_MAX_HOSTS || !json_is_array(ls) ||
	    json_array_size(ls) > 2)
		goto bad;
	for (size_t i = 0; i < json_array_size(hs); i++, t->n_hosts++)
		if (rpt_topo_host_rd(json_array_get(hs, i), &t->hosts[i]))
			goto bad;
	for (size_t i = 0; i < json_array_size(ls); i++, t->n_links++)
		if (rpt_topo_link_rd(json_array_get(ls, i), &t->links[i]))
			goto bad;
	return 0;
bad:
	if (err && errlen)
		snprintf(err, errlen, "metrics: \"topology\": hosts (name, role, addresses) and "
			 "at most 2 links (name, bandwidth_bps, delay_s, loss, mtu) expected");
	return -EINVAL;
}
