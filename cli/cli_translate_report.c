/* cli_translate_report.c - the summary (under 100 columns), the warnings and
 * the JSON of a translate run; the JSON is written via temp+rename so a
 * reader never sees half of it. */
#include "cli_translate_report.h"

#include <errno.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Packets the engine saw (translated, passed or dropped by it). */
static uint64_t via_engine(const struct rep_translate_result *r)
{
	uint64_t n = r->translated + r->passed + r->reader_drops[REP_DROP_LOCAL];

	for (int i = 0; i < GNAT_DROP__COUNT; i++)
		n += r->engine_drops[i];
	return n;
}

static void inside_list(const struct rep_translate_opts *o, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->n_inside && used < len; i++) {
		char p[NET_ADDR_STRLEN + 8];

		if (net_prefix_format(&o->inside[i], p, sizeof(p)) != 0)
			snprintf(p, sizeof(p), "?");
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", p);
	}
}

/* The reason a capture gave the gateway nothing to do, or NULL. */
static const char *idle_reason(const struct rep_translate_opts *o,
			       const struct rep_translate_result *r)
{
	if (via_engine(r) > 0)
		return NULL;
	if (r->intra_inside > 0)
		return o->side == REP_CAPTURE_INSIDE
			       ? "every IP packet has both ends inside (no inside/outside, e.g. a "
				 "loopback capture): nothing crossed the gateway, nothing translated"
			       : "every IP packet is between public addresses: nothing translated";
	return o->side == REP_CAPTURE_INSIDE
		       ? "no IP packet from or to the inside prefix: nothing translated"
		       : "no IP packet to translate: nothing translated";
}

void cli_translate_warn(const struct rep_translate_opts *o, const struct rep_translate_result *r,
			const struct cli_translate_args *a)
{
	const char *why = idle_reason(o, r);
	char ins[128];

	inside_list(o, ins, sizeof(ins));
	if (why && !r->no_origin)
		cli_error("warning: %s: %s (inside %s)", a->in, why, ins);
	if (r->leaks)
		cli_error("%s: packet %llu: still names the inside address %s after translation "
			  "(%llu control segment(s) do): the FTP editor rewrites whole lines within "
			  "one segment only; OUT leaks (exit 3)",
			  a->in, (unsigned long long)r->first_leak, r->first_leak_addr,
			  (unsigned long long)r->leaks);
	if (r->split_lines)
		cli_error("warning: %s: packet %llu: an FTP control line continues in the next "
			  "segment (%llu segment(s)); a command split so is not rewritten",
			  a->in, (unsigned long long)r->first_split,
			  (unsigned long long)r->split_lines);
	if (r->no_origin)
		cli_error("%s: %llu of %llu packets dropped (no mapping: unknown-origin, to-gateway, "
			  "no-mapping): captured "
			  "on the outside, they belong to sessions opened from the inside, whose "
			  "inside ends masquerade hid; only the inside capture tells them (translate "
			  "that one), or a --redirect for sessions opened from outside (exit 3)",
			  a->in, (unsigned long long)r->no_origin, (unsigned long long)r->pkts_in);
	if (r->ftp_like)
		cli_error("warning: %s: %llu TCP segment(s) look like FTP on port %u (a 220 greeting, "
			  "USER/PASS) but that port is not an FTP port here: not edited "
			  "(--ftp-port %u)", a->in, (unsigned long long)r->ftp_like,
			  r->ftp_like_port, r->ftp_like_port);
}

static const char *link_name(int linktype)
{
	const char *n = pcap_datalink_val_to_name(linktype);

	return n ? n : "unknown";
}

void cli_translate_summary(FILE *f, const struct rep_translate_opts *o,
			   const struct rep_translate_result *r,
			   const struct cli_translate_args *a)
{
	char ins[128];
	int col;

	inside_list(o, ins, sizeof(ins));
	fprintf(f, "translate %s -> %s\n", a->in, a->out);
	fprintf(f, "  link %s, captured on the %s, inside %s\n", link_name(r->linktype),
		o->side == REP_CAPTURE_INSIDE ? "inside" : "outside", ins);
	fprintf(f, "  packets    in %llu, out %llu, translated %llu, passed %llu\n",
		(unsigned long long)r->pkts_in, (unsigned long long)r->pkts_out,
		(unsigned long long)r->translated, (unsigned long long)r->passed);
	fprintf(f, "  untouched  not via gateway %llu, both ends inside %llu, non-IP %llu\n",
		(unsigned long long)r->unrelated, (unsigned long long)r->intra_inside,
		(unsigned long long)r->non_ip);
	fprintf(f, "  sessions   %llu, editor rewrites %llu, length changes %llu\n",
		(unsigned long long)r->sessions, (unsigned long long)r->editor_rewrites,
		(unsigned long long)r->length_changes);
	fprintf(f, "  capture    snaplen-cut %llu (headers translated, checksum unverifiable), "
		   "time backwards %llu\n",
		(unsigned long long)r->snaplen_cut, (unsigned long long)r->time_backwards);
	if (r->leaks || r->split_lines || r->ftp_like)
		fprintf(f, "  FTP        leaks %llu (first packet %llu), split lines %llu, "
			   "FTP-like on other ports %llu\n",
			(unsigned long long)r->leaks, (unsigned long long)r->first_leak,
			(unsigned long long)r->split_lines, (unsigned long long)r->ftp_like);
	col = fprintf(f, "  dropped    %llu", (unsigned long long)r->dropped);
	for (int i = 0; i < GNAT_DROP__COUNT; i++) {
		if (!r->engine_drops[i])
			continue;
		if (col > 80)
			col = fprintf(f, "\n            ") - 1;
		col += fprintf(f, ", %s %llu", gnat_drop_reason_name((enum gnat_drop_reason)i),
			       (unsigned long long)r->engine_drops[i]);
	}
	for (int i = 0; i < REP_DROP__COUNT; i++) {
		if (!r->reader_drops[i])
			continue;
		if (col > 80)
			col = fprintf(f, "\n            ") - 1;
		col += fprintf(f, ", %s %llu", rep_drop_reason_name((enum rep_drop_reason)i),
			       (unsigned long long)r->reader_drops[i]);
	}
	fputc('\n', f);
}

/* Adds key: count to obj; returns -ENOMEM on failure. */
static int put_u64(json_t *obj, const char *key, uint64_t v)
{
	return json_object_set_new(obj, key, json_integer((json_int_t)v)) ? -ENOMEM : 0;
}

static json_t *build_json(const struct rep_translate_opts *o,
			  const struct rep_translate_result *r,
			  const struct cli_translate_args *a)
{
	json_t *root = json_object(), *pk = json_object(), *dr = json_object();
	json_t *by = json_object(), *pe = json_object(), *ins = json_array(), *pub = json_array();
	const char *why = idle_reason(o, r);
	char buf[NET_ADDR_STRLEN + 8];
	int e = 0;

	if (!root || !pk || !dr || !by || !pe || !ins || !pub)
		e = -ENOMEM;
	for (size_t i = 0; !e && i < o->n_inside; i++)
		if (net_prefix_format(&o->inside[i], buf, sizeof(buf)) == 0)
			e |= json_array_append_new(ins, json_string(buf));
	if (!e && o->public4.family && net_addr_format(&o->public4, buf, sizeof(buf)) == 0)
		e |= json_array_append_new(pub, json_string(buf));
	if (!e && o->public6.family && net_addr_format(&o->public6, buf, sizeof(buf)) == 0)
		e |= json_array_append_new(pub, json_string(buf));
	e |= put_u64(pk, "in", r->pkts_in) | put_u64(pk, "out", r->pkts_out) |
	     put_u64(pk, "translated", r->translated) | put_u64(pk, "passed", r->passed) |
	     put_u64(pk, "not_via_gateway", r->unrelated) |
	     put_u64(pk, "both_ends_inside", r->intra_inside) | put_u64(pk, "non_ip", r->non_ip) |
	     put_u64(pk, "snaplen_cut", r->snaplen_cut);
	for (int i = 0; i < GNAT_DROP__COUNT; i++)
		if (r->engine_drops[i])
			e |= put_u64(by, gnat_drop_reason_name((enum gnat_drop_reason)i),
				     r->engine_drops[i]);
	for (int i = 0; i < REP_DROP__COUNT; i++)
		if (r->reader_drops[i])
			e |= put_u64(by, rep_drop_reason_name((enum rep_drop_reason)i),
				     r->reader_drops[i]);
	for (int i = 0; i < NET_ERR__COUNT; i++)
		if (r->parse_errors[i])
			e |= put_u64(pe, net_err_name((enum net_err)i), r->parse_errors[i]);
	e |= put_u64(dr, "total", r->dropped) | put_u64(dr, "no_origin", r->no_origin);
	e |= json_object_set(dr, "by_reason", by) | json_object_set(dr, "parse_errors", pe);
	e |= json_object_set_new(root, "schema", json_string("gatelab.translate/1"));
	e |= json_object_set_new(root, "input", json_string(a->in));
	e |= json_object_set_new(root, "output", json_string(a->out));
	e |= json_object_set_new(root, "link_type", json_string(link_name(r->linktype)));
	e |= json_object_set_new(root, "capture_side",
				 json_string(o->side == REP_CAPTURE_INSIDE ? "inside" : "outside"));
	e |= json_object_set(root, "inside", ins) | json_object_set(root, "public", pub);
	e |= json_object_set(root, "packets", pk) | json_object_set(root, "dropped", dr);
	e |= put_u64(root, "sessions", r->sessions) |
	     put_u64(root, "editor_rewrites", r->editor_rewrites) |
	     put_u64(root, "length_changes", r->length_changes) |
	     put_u64(root, "time_backwards", r->time_backwards);
	{
		json_t *fp = json_array(), *lk = json_pack("{s:I, s:I, s:s, s:I, s:I}", "packets",
			(json_int_t)r->leaks, "first_packet", (json_int_t)r->first_leak,
			"first_address", r->first_leak_addr, "split_lines",
			(json_int_t)r->split_lines, "first_split", (json_int_t)r->first_split);

		for (size_t i = 0; fp && i < o->n_ftp_ports; i++)
			e |= json_array_append_new(fp, json_integer(o->ftp_ports[i]));
		if (fp && o->n_ftp_ports == 0)
			e |= json_array_append_new(fp, json_integer(21));
		e |= json_object_set_new(root, "ftp_ports", fp);
		e |= json_object_set_new(root, "leaks", lk);
		e |= put_u64(root, "ftp_like_other_port", r->ftp_like);
	}
	e |= json_object_set_new(root, "warning", why ? json_string(why) : json_null());
	json_decref(pk);
	json_decref(dr);
	json_decref(by);
	json_decref(pe);
	json_decref(ins);
	json_decref(pub);
	if (e) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int cli_translate_json(const char *path, const struct rep_translate_opts *o,
		       const struct rep_translate_result *r, const struct cli_translate_args *a)
{
	json_t *root = build_json(o, r, a);
	size_t n = strlen(path);
	char *tmp = malloc(n + 8);
	int fd = -1, rc = 0;

	if (!root || !tmp) {
		rc = -ENOMEM;
		cli_error("%s: out of memory", path);
		goto out;
	}
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", 8);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		cli_error("%s: cannot create a temporary file beside it: %s", path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	{
		mode_t mask = umask(0);

		umask(mask);
		rc = fchmod(fd, 0666 & ~mask) != 0 ? -errno : 0;
	}
	if (rc || json_dumpfd(root, fd, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		rc = -EIO;
		cli_error("%s: cannot write the JSON", path);
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0 || rename(tmp, path) != 0) {
		rc = -errno;
		cli_error("%s: cannot write the JSON: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	json_decref(root);
	return rc;
}
