/* sim_cost.c - cost profiles: the documented defaults and the JSON loader
 * (the file `gatelab calibrate` writes). Every figure is in integer ns or ps so
 * the simulator's arithmetic stays exact and reproducible. */
#include "sim_cost.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Sources and reasoning for each figure: docs/COSTS.md. */
void sim_cost_default(struct sim_cost_profile *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "default");
	c->per_packet_ns = 1500;
	c->per_transition_ns = 1000;
	c->per_byte_ps = 150; /* ~6.7 GB/s copy */
	c->per_api_call_ns = 5000;
}

void sim_cost_free(struct sim_cost_profile *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "free");
}

uint64_t sim_cost_transition_ns(const struct sim_cost_profile *c, uint64_t bytes)
{
	return c->per_transition_ns + (bytes * c->per_byte_ps + 500) / 1000;
}

/* A non-negative finite number no larger than max, or -EINVAL. */
static int get_num(json_t *o, const char *key, double scale, double max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	double d;

	if (!v)
		return 0;
	if (!json_is_number(v))
		return -EINVAL;
	d = json_number_value(v) * scale;
	if (!isfinite(d) || d < 0 || d > max)
		return -EINVAL;
	*out = (uint64_t)llround(d);
	return 0;
}

int sim_cost_parse(const char *text, size_t len, struct sim_cost_profile *c)
{
	struct sim_cost_profile t;
	json_error_t jerr;
	json_t *root, *name;
	int rc = -EINVAL;

	sim_cost_default(&t);
	root = json_loadb(text, len, 0, &jerr);
	if (!root || !json_is_object(root))
		goto out;
	name = json_object_get(root, "name");
	if (name && !json_is_string(name))
		goto out;
	if (name)
		snprintf(t.name, sizeof(t.name), "%s", json_string_value(name));
	else
		snprintf(t.name, sizeof(t.name), "custom");
	/* Limits: a second per packet or call, 1 us per byte: anything above is a typo. */
	if (get_num(root, "per_packet_ns", 1, 1e9, &t.per_packet_ns) < 0 ||
	    get_num(root, "per_transition_ns", 1, 1e9, &t.per_transition_ns) < 0 ||
	    get_num(root, "per_byte_ns", 1000, 1e6, &t.per_byte_ps) < 0 ||
	    get_num(root, "per_api_call_ns", 1, 1e9, &t.per_api_call_ns) < 0)
		goto out;
	*c = t;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int sim_cost_load(const char *name_or_path, struct sim_cost_profile *c)
{
	char buf[65536];
	size_t n;
	FILE *f;
	int rc;

	if (!name_or_path || !c)
		return -EINVAL;
	if (!strcmp(name_or_path, "default")) {
		sim_cost_default(c);
		return 0;
	}
	if (!strcmp(name_or_path, "free")) {
		sim_cost_free(c);
		return 0;
	}
	f = fopen(name_or_path, "rb");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || n == sizeof(buf)) /* a profile is a few hundred bytes */
		rc = -EINVAL;
	else
		rc = sim_cost_parse(buf, n, c);
	fclose(f);
	return rc;
}
