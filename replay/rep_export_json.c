/* rep_export_json.c - the extracted sessions as the "capture" object of the
 * replay JSON: per session the ends, command verbs, final reply codes,
 * transfers and what the capture lost. */
#include <errno.h>

#include "rep_export.h"

static json_t *rep_addr_json(const struct net_addr *a)
{
	char buf[NET_ADDR_STRLEN];

	if (net_addr_format(a, buf, sizeof(buf)) != 0)
		return json_string("?");
	return json_string(buf);
}

static json_t *rep_xfer_json(const struct rep_xfer *x)
{
	const char *mode = !x->announced ? "unknown" : x->passive ? "passive" : "active";
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:I, s:i, s:i}", "command", x->cmd,
			      "argument", x->arg, "mode", mode, "bytes", (json_int_t)x->bytes,
			      "complete", x->complete, "connected", x->connected, "lost",
			      (json_int_t)x->lost, "prelim", x->prelim, "final", x->final);

	if (o && x->announced_size)
		json_object_set_new(o, "announced_size", json_integer((json_int_t)x->announced_size));
	if (o && x->rest)
		json_object_set_new(o, "rest", json_integer((json_int_t)x->rest));
	if (o && x->ascii)
		json_object_set_new(o, "ascii", json_true());
	if (o && x->unverifiable)
		json_object_set_new(o, "unverifiable", json_true());
	return o;
}

static json_t *rep_session_json(const struct rep_session *s)
{
	json_t *o = json_object(), *cmds = json_array(), *reps = json_array(),
	       *xs = json_array(), *notes = json_array();

	if (!o || !cmds || !reps || !xs || !notes)
		goto fail;
	for (size_t i = 0; i < s->n_cmds; i++)
		json_array_append_new(cmds, json_string(s->cmds[i].verb));
	for (size_t i = 0; i < s->n_replies; i++)
		json_array_append_new(reps, json_integer(s->replies[i]));
	for (size_t i = 0; i < s->n_xfers; i++)
		json_array_append_new(xs, rep_xfer_json(&s->xfers[i]));
	for (size_t i = 0; i < s->n_notes; i++)
		json_array_append_new(notes, json_string(s->notes[i]));
	json_object_set_new(o, "client", rep_addr_json(&s->client));
	json_object_set_new(o, "server", rep_addr_json(&s->server));
	json_object_set_new(o, "client_port", json_integer(s->client_port));
	json_object_set_new(o, "server_port", json_integer(s->server_port));
	json_object_set_new(o, "handshake", json_boolean(s->handshake));
	json_object_set_new(o, "tls", json_boolean(s->tls));
	json_object_set_new(o, "commands", cmds);
	json_object_set_new(o, "replies", reps);
	json_object_set_new(o, "transfers", xs);
	json_object_set_new(o, "lost", json_pack("{s:I, s:I}", "client_to_server",
						 (json_int_t)s->lost_c2s, "server_to_client",
						 (json_int_t)s->lost_s2c));
	json_object_set_new(o, "truncated_lines", json_integer((json_int_t)s->truncated_lines));
	json_object_set_new(o, "notes", notes);
	return o;
fail:
	json_decref(o);
	json_decref(cmds);
	json_decref(reps);
	json_decref(xs);
	json_decref(notes);
	return NULL;
}

json_t *rep_capture_to_json(const struct rep_capture *c, const char *file)
{
	json_t *o = json_object(), *ss = json_array();

	if (!o || !ss) {
		json_decref(o);
		json_decref(ss);
		return NULL;
	}
	for (size_t i = 0; i < c->n_sessions; i++)
		json_array_append_new(ss, rep_session_json(c->sessions[i]));
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "frames", json_integer((json_int_t)c->frames));
	json_object_set_new(o, "tcp_frames", json_integer((json_int_t)c->tcp_frames));
	json_object_set_new(o, "unreadable_frames", json_integer((json_int_t)c->unreadable_frames));
	json_object_set_new(o, "cut_frames", json_integer((json_int_t)c->cut_frames));
	json_object_set_new(o, "reassembly_bound_hits",
			    json_integer((json_int_t)c->reassembly_bound_hits));
	json_object_set_new(o, "late_segments", json_integer((json_int_t)c->late_segments));
	json_object_set_new(o, "max_out_of_order", json_integer((json_int_t)c->max_out_of_order));
	json_object_set_new(o, "sessions", ss);
	json_object_set_new(o, "unannounced_flows", json_integer((json_int_t)c->unannounced_flows));
	json_object_set_new(o, "unannounced_bytes", json_integer((json_int_t)c->unannounced_bytes));
	if (c->unannounced_flows)
		json_object_set_new(o, "first_unannounced", json_string(c->first_unannounced));
	json_object_set_new(o, "ftp_like_flows", json_integer((json_int_t)c->ftp_like_flows));
	if (c->ftp_like_flows) {
		json_object_set_new(o, "ftp_like_port", json_integer(c->ftp_like_port));
		json_object_set_new(o, "first_ftp_like", json_string(c->first_ftp_like));
	}
	if (c->read_error)
		json_object_set_new(o, "read_error", json_string(c->error));
	return o;
}
