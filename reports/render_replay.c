/* render_replay.c - the replay part of a report (`gatelab replay --report`):
 * the capture (file, frames, sessions, what was cut or lost) and a table of
 * sessions with their verdict per mode and why, read from replay.json's
 * document as docs/REPLAY.md describes it, in HTML and Markdown. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "render.h"

static json_int_t rpt_ji(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *rpt_js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

const char *rpt_replay_file(const json_t *doc)
{
	return rpt_js(json_object_get(doc, "capture"), "file");
}

/* The verdict's name as the JSON carries it: "outcome" or "verdict" when a
 * string, else from the booleans. */
static const char *rpt_outcome(const json_t *e)
{
	const char *s = json_string_value(json_object_get(e, "outcome"));

	if (!s)
		s = json_string_value(json_object_get(e, "verdict"));
	if (s) {
		/* the JSON's identifiers, as words for people */
		static const char *const names[][2] = {
			{"reproduced_except_policy", "reproduced except by policy"},
			{"not_reproduced", "not reproduced"},
			{"not_attempted", "not attempted"},
		};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(s, names[i][0]))
				return names[i][1];
		return s;
	}
	if (!e)
		return "no verdict";
	if (json_is_false(json_object_get(e, "reenacted")))
		return "not re-enacted";
	return json_is_true(json_object_get(e, "reproduced")) ? "reproduced" : "not reproduced";
}

/* ok: reproduced; bad: a "not ..." outcome; mid: anything else (e.g.
 * "reproduced except by policy"). */
static const char *rpt_outcome_class(const char *o)
{
	if (!strcmp(o, "reproduced"))
		return "ok";
	if (!strncmp(o, "not", 3) || !strncmp(o, "no ", 3))
		return "bad";
	return "mid";
}

static const json_t *rpt_verdict(const json_t *doc, const char *mode, size_t k)
{
	const json_t *r = json_object_get(json_object_get(json_object_get(doc, "modes"), mode),
					  "replay");
	size_t i;
	const json_t *e;

	json_array_foreach(r, i, e)
		if ((size_t)rpt_ji(e, "session") == k)
			return e;
	return NULL;
}

struct rpt_cap_sums {
	uint64_t lost_c2s, lost_s2c, truncated, xfers, complete;
};

static void rpt_cap_sum(const json_t *ss, struct rpt_cap_sums *t)
{
	size_t i, j;
	const json_t *s, *x;

	memset(t, 0, sizeof(*t));
	json_array_foreach(ss, i, s) {
		const json_t *l = json_object_get(s, "lost");

		t->lost_c2s += (uint64_t)rpt_ji(l, "client_to_server");
		t->lost_s2c += (uint64_t)rpt_ji(l, "server_to_client");
		t->truncated += (uint64_t)rpt_ji(s, "truncated_lines");
		json_array_foreach(json_object_get(s, "transfers"), j, x) {
			t->xfers++;
			t->complete += json_is_true(json_object_get(x, "complete"));
		}
	}
}

int rpt_replay_html(const json_t *doc, FILE *f)
{
	const json_t *cap = json_object_get(doc, "capture"), *ss = json_object_get(cap, "sessions");
	const json_t *modes = json_object_get(doc, "modes"), *s, *mv;
	const char *mode;
	struct rpt_cap_sums t;
	size_t k;

	rpt_cap_sum(ss, &t);
	fputs("<h2>Capture</h2>\n<dl>\n<dt>file</dt><dd><code>", f);
	rpt_html_puts(f, rpt_js(cap, "file"));
	fprintf(f, "</code></dd>\n<dt>frames</dt><dd>%" PRId64 " (%" PRId64 " TCP), %" PRId64
		" unreadable (cut by the snap length, fragments, not parsable)</dd>\n"
		"<dt>sessions</dt><dd>%zu FTP session(s), %" PRIu64 " transfer(s), %" PRIu64
		" complete in the capture</dd>\n", (int64_t)rpt_ji(cap, "frames"),
		(int64_t)rpt_ji(cap, "tcp_frames"), (int64_t)rpt_ji(cap, "unreadable_frames"),
		json_array_size(ss), t.xfers, t.complete);
	fprintf(f, "<dt>lost or cut</dt><dd%s>control bytes not captured: %" PRIu64
		" client&rarr;server, %" PRIu64 " server&rarr;client; %" PRIu64
		" over-long line(s) truncated; %" PRId64 " TCP flow(s) (%" PRId64
		" bytes) no session announced",
		t.lost_c2s || t.lost_s2c ? " class=\"bad\"" : "", t.lost_c2s, t.lost_s2c,
		t.truncated, (int64_t)rpt_ji(cap, "unannounced_flows"),
		(int64_t)rpt_ji(cap, "unannounced_bytes"));
	if (rpt_ji(cap, "ftp_like_flows")) {
		fprintf(f, "; %" PRId64 " flow(s) look like FTP on port %" PRId64
			" (not taken as FTP: <code>--ftp-port</code>)",
			(int64_t)rpt_ji(cap, "ftp_like_flows"), (int64_t)rpt_ji(cap, "ftp_like_port"));
	}
	fputs("</dd>\n", f);
	if (json_object_get(cap, "read_error")) {
		fputs("<dt>read error</dt><dd class=\"bad\">the capture ends in a broken record: ", f);
		rpt_html_puts(f, rpt_js(cap, "read_error"));
		fputs("</dd>\n", f);
	}
	fputs("</dl>\n<h2>Sessions and verdicts</h2>\n<p>Per session, the verdict of each mode's "
	      "re-enactment and why (<a href=\"replay.json\">replay.json</a> has them all).</p>\n"
	      "<table class=\"sessions\">\n<tr><th>#</th><th class=\"l\">client &rarr; server "
	      "(captured)</th><th>commands</th><th>transfers</th>", f);
	json_object_foreach((json_t *)modes, mode, mv) {
		fputs("<th class=\"l\">", f);
		rpt_html_puts(f, mode);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	json_array_foreach(ss, k, s) {
		size_t nx = json_array_size(json_object_get(s, "transfers")), nc = 0, i;
		const json_t *x;

		json_array_foreach(json_object_get(s, "transfers"), i, x)
			nc += json_is_true(json_object_get(x, "complete"));
		fprintf(f, "<tr><td>%zu</td><td class=\"l\">", k + 1);
		rpt_html_puts(f, rpt_js(s, "client"));
		fprintf(f, ":%" PRId64 " &rarr; ", (int64_t)rpt_ji(s, "client_port"));
		rpt_html_puts(f, rpt_js(s, "server"));
		fprintf(f, ":%" PRId64 "</td><td>%zu</td><td>%zu (%zu complete)</td>",
			(int64_t)rpt_ji(s, "server_port"),
			json_array_size(json_object_get(s, "commands")), nx, nc);
		json_object_foreach((json_t *)modes, mode, mv) {
			const json_t *e = rpt_verdict(doc, mode, k);
			const char *o = rpt_outcome(e);

			fprintf(f, "<td class=\"l v-%s\"><b>", rpt_outcome_class(o));
			rpt_html_puts(f, o);
			fputs("</b>", f);
			if (rpt_js(e, "reason")[0]) {
				fputs("<br><small>", f);
				rpt_html_puts(f, rpt_js(e, "reason"));
				fputs("</small>", f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* Markdown table cells: a | would split the cell. */
static void rpt_md_puts(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

int rpt_replay_md(const json_t *doc, FILE *f)
{
	const json_t *cap = json_object_get(doc, "capture"), *ss = json_object_get(cap, "sessions");
	const json_t *modes = json_object_get(doc, "modes"), *s, *mv;
	const char *mode;
	struct rpt_cap_sums t;
	size_t k;

	rpt_cap_sum(ss, &t);
	fputs("## Capture\n\n- file: `", f);
	rpt_md_puts(f, rpt_js(cap, "file"));
	fprintf(f, "`\n- frames: %" PRId64 " (%" PRId64 " TCP), %" PRId64 " unreadable\n"
		"- sessions: %zu, transfers %" PRIu64 " (%" PRIu64 " complete in the capture)\n"
		"- lost or cut: control bytes %" PRIu64 " client->server, %" PRIu64
		" server->client; %" PRIu64 " line(s) truncated; %" PRId64
		" flow(s) no session announced; %" PRId64 " FTP-like flow(s) on other ports\n",
		(int64_t)rpt_ji(cap, "frames"), (int64_t)rpt_ji(cap, "tcp_frames"),
		(int64_t)rpt_ji(cap, "unreadable_frames"), json_array_size(ss), t.xfers,
		t.complete, t.lost_c2s, t.lost_s2c, t.truncated,
		(int64_t)rpt_ji(cap, "unannounced_flows"), (int64_t)rpt_ji(cap, "ftp_like_flows"));
	if (json_object_get(cap, "read_error")) {
		fputs("- read error: ", f);
		rpt_md_puts(f, rpt_js(cap, "read_error"));
		fputc('\n', f);
	}
	fputs("\n## Sessions and verdicts\n\nEvery verdict and its reason is in "
	      "[replay.json](replay.json).\n\n| # | client -> server | commands | transfers |", f);
	json_object_foreach((json_t *)modes, mode, mv) {
		fputc(' ', f);
		rpt_md_puts(f, mode);
		fputs(" |", f);
	}
	fputs("\n|--:|---|--:|--:|", f);
	json_object_foreach((json_t *)modes, mode, mv)
		fputs("---|", f);
	fputc('\n', f);
	json_array_foreach(ss, k, s) {
		fprintf(f, "| %zu | ", k + 1);
		rpt_md_puts(f, rpt_js(s, "client"));
		fprintf(f, ":%" PRId64 " -> ", (int64_t)rpt_ji(s, "client_port"));
		rpt_md_puts(f, rpt_js(s, "server"));
		fprintf(f, ":%" PRId64 " | %zu | %zu |", (int64_t)rpt_ji(s, "server_port"),
			json_array_size(json_object_get(s, "commands")),
			json_array_size(json_object_get(s, "transfers")));
		json_object_foreach((json_t *)modes, mode, mv) {
			const json_t *e = rpt_verdict(doc, mode, k);

			fputs(" **", f);
			rpt_md_puts(f, rpt_outcome(e));
			fputs("**", f);
			if (rpt_js(e, "reason")[0]) {
				fputs(": ", f);
				rpt_md_puts(f, rpt_js(e, "reason"));
			}
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}
