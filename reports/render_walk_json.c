/* render_walk_json.c - the walk-through as the JSON the page's script reads
 * (embedded in walkthrough.html): one object per mode, one per step, the
 * table rows as strings. Numbers are counts; times in nanoseconds. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "render_walk.h"

static void put(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		*ok = false;
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *view(const struct rpt_walk_view *v, bool *ok)
{
	json_t *o;
	char fl[32];

	if (!v->present)
		return json_null();
	if (!(o = json_object()))
		return NULL;
	rpt_walk_flags(v->flags, fl, sizeof(fl));
	put(o, "tuple", json_string(v->tuple), ok);
	put(o, "tcp", json_boolean(v->tcp), ok);
	put(o, "seq", u64(v->seq), ok);
	put(o, "ack", u64(v->ack), ok);
	put(o, "flags", json_string(fl), ok);
	put(o, "len", u64(v->len), ok);
	put(o, "text", str_or_null(v->text), ok);
	return o;
}

static const char *path_key(enum rpt_walk_path p)
{
	static const char *const k[] = {"fast", "pass", "up", "down", "drop"};

	return (unsigned)p < 5 ? k[p] : "pass";
}

static json_t *step(const struct rpt_walk_step *st, bool *ok)
{
	json_t *o = json_object(), *rows = json_array();

	if (!o || !rows) {
		json_decref(o);
		json_decref(rows);
		return NULL;
	}
	put(o, "t", u64(st->t_ns), ok);
	put(o, "kind", json_string(st->kind == RPT_WALK_API ? "api" : "packet"), ok);
	put(o, "control", json_boolean(st->control), ok);
	put(o, "side", json_string(rpt_trace_side_name(st->side)), ok);
	put(o, "out_side", json_string(rpt_trace_side_name(st->out_side)), ok);
	put(o, "path", json_string(path_key(st->path)), ok);
	put(o, "in", view(&st->in, ok), ok);
	put(o, "out", view(&st->out, ok), ok);
	put(o, "local", json_string(st->local), ok);
	put(o, "mapping", u64(st->mapping_id), ok);
	put(o, "redirect", u64(st->redirect_id), ok);
	put(o, "new_mapping", json_boolean(st->new_mapping), ok);
	put(o, "consumed", json_boolean(st->redirect_consumed), ok);
	put(o, "edits", u64(st->edits), ok);
	put(o, "len_delta", json_integer(st->len_delta), ok);
	put(o, "seq_shift", json_integer(st->seq_shift), ok);
	put(o, "reason", json_string(st->reason), ok);
	put(o, "what", str_or_null(st->what), ok);
	put(o, "api", str_or_null(st->api), ok);
	put(o, "transitions", u64(st->transitions), ok);
	put(o, "bytes_copied", u64(st->bytes_copied), ok);
	put(o, "api_calls", u64(st->api_calls), ok);
	put(o, "hidden", u64(st->hidden), ok);
	for (size_t i = 0; i < st->n_rows; i++)
		if (json_array_append_new(rows, json_string(st->rows[i])) < 0)
			*ok = false;
	put(o, "rows", rows, ok);
	return o;
}

char *rpt_walk_json(const struct rpt_walk *w)
{
	json_t *root = json_object(), *modes = json_array();
	bool ok = root && modes;
	char *out = NULL;

	for (size_t m = 0; ok && m < w->n_modes; m++) {
		const struct rpt_walk_mode *md = &w->modes[m];
		json_t *o = json_object(), *steps = json_array();

		if (!o || !steps || json_array_append_new(modes, o) < 0) {
			json_decref(o);
			json_decref(steps);
			ok = false;
			break;
		}
		put(o, "mode", json_string(md->mode), &ok);
		put(o, "packets", u64(md->packets), &ok);
		put(o, "hidden_tail", u64(md->hidden_tail), &ok);
		put(o, "transitions", u64(md->transitions), &ok);
		put(o, "bytes_copied", u64(md->bytes_copied), &ok);
		put(o, "api_calls", u64(md->api_calls), &ok);
		put(o, "throughput_bps", json_real(md->throughput_bps), &ok);
		for (size_t i = 0; ok && i < md->n; i++)
			if (json_array_append_new(steps, step(&md->steps[i], &ok)) < 0)
				ok = false;
		put(o, "steps", steps, &ok);
	}
	if (ok) {
		put(root, "scenario", json_string(w->scenario), &ok);
		put(root, "session", u64(w->session), &ok);
		put(root, "desc", json_string(w->desc), &ok);
		put(root, "modes", modes, &ok);
		modes = NULL;
	}
	if (ok)
		out = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(modes);
	json_decref(root);
	return out;
}
