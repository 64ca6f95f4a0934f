/* fuzz_capture_body.c - hostile capture files through the capture reader,
 * the FTP session extractor of `gatelab replay`, and the whole translate
 * driver (reader, gNAT, writer), whose output must read back with the
 * packets it counted. The input lives in
 * a memfd; the output goes to a fresh temporary directory removed afterwards,
 * so nothing is left behind whatever the input. */
#include "fuzz_targets.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../replay/rep_extract.h"
#include "../replay/rep_reader.h"
#include "../replay/rep_translate.h"

/* byte 0: bit0 the capture was taken outside, bit1 add a port redirect,
 * bit2 only walk the capture with the bare reader and the session extractor
 * of `gatelab replay` (translate sizes a full
 * gNAT per run, ~30 runs/s under ASan; the reader alone runs far faster);
 * the rest is the file. */
#define FZC_OPT_OUTSIDE 0x01
#define FZC_OPT_REDIRECT 0x02
#define FZC_OPT_READER 0x04

static void fzc_check(bool ok)
{
	if (!ok)
		abort();
}

static int fzc_memfd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-capture", 0);
	size_t done = 0;

	fzc_check(fd >= 0);
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		fzc_check(n > 0);
		done += (size_t)n;
	}
	return fd;
}

static void fzc_opts(struct rep_translate_opts *o, uint8_t opt)
{
	memset(o, 0, sizeof(*o));
	fzc_check(net_prefix_parse("192.0.2.0/24", &o->inside[0]) == 0);
	fzc_check(net_prefix_parse("2001:db8:1::/64", &o->inside[1]) == 0);
	o->n_inside = 2;
	fzc_check(net_addr_parse("203.0.113.1", &o->public4) == 0);
	fzc_check(net_addr_parse("2001:db8:2::1", &o->public6) == 0);
	o->side = opt & FZC_OPT_OUTSIDE ? REP_CAPTURE_OUTSIDE : REP_CAPTURE_INSIDE;
	if (opt & FZC_OPT_REDIRECT) {
		struct gnat_redirect_spec *s = &o->redirects[o->n_redirects++];

		memset(s, 0, sizeof(*s));
		s->match.proto = 6;
		s->match.dport = 8080;
		s->set_dst = true;
		fzc_check(net_addr_parse("192.0.2.80", &s->new_dst) == 0);
		s->new_dport = 80;
	}
}

/* The reader alone: every frame it hands out must lie inside itself. */
static void fzc_read_all(const char *path)
{
	struct rep_reader *r = NULL;
	struct rep_frame f;
	char err[REP_ERR_LEN];
	int rc;

	if (rep_reader_open(path, &r, err, sizeof(err)) != 0)
		return;
	while ((rc = rep_reader_next(r, &f)) == 0) {
		fzc_check(f.link_len <= f.caplen);
		if (f.kind == REP_FRAME_IP)
			fzc_check(f.ip_off <= f.caplen && f.ip_len <= f.caplen - f.ip_off);
	}
	fzc_check(rc == -ENODATA || rc == -EIO);
	rep_reader_close(r);
}

/* The session extractor: whatever it makes of the capture must be
 * self-consistent (indexes inside their arrays, strings terminated). */
static void fzc_extract(const char *path)
{
	struct rep_capture c;
	char err[256];

	memset(&c, 0, sizeof(c));
	if (rep_extract_file(path, &c, NULL, NULL, err, sizeof(err)) != 0) {
		fzc_check(memchr(err, '\0', sizeof(err)) != NULL);
		rep_capture_free(&c);
		return;
	}
	fzc_check(c.n_sessions <= c.cap_sessions);
	for (size_t i = 0; i < c.n_sessions; i++) {
		const struct rep_session *s = c.sessions[i];

		fzc_check(s->n_cmds <= s->cap_cmds && s->n_xfers <= s->cap_xfers);
		fzc_check(s->n_replies <= s->cap_replies && s->n_notes <= REP_MAX_NOTES);
		for (size_t k = 0; k < s->n_cmds; k++) {
			fzc_check(memchr(s->cmds[k].verb, '\0', sizeof(s->cmds[k].verb)) != NULL);
			fzc_check(memchr(s->cmds[k].line, '\0', sizeof(s->cmds[k].line)) != NULL);
			fzc_check(s->cmds[k].reply == 0 ||
				  (s->cmds[k].reply >= 100 && s->cmds[k].reply <= 599));
		}
		for (size_t k = 0; k < s->n_xfers; k++) {
			const struct rep_xfer *x = &s->xfers[k];

			fzc_check(x->cmd_idx < s->n_cmds);
			fzc_check(x->setup_cmd >= -1 && x->setup_cmd < (long)s->n_cmds);
			fzc_check(!x->complete || (x->connected && x->lost == 0));
			fzc_check(!x->complete || !x->unverifiable);
			fzc_check(memchr(x->arg, '\0', sizeof(x->arg)) != NULL);
		}
	}
	rep_capture_free(&c);
}

/* translate's own accounting, and what it wrote: every packet read was
 * written or dropped, and the output holds exactly the packets it says. */
static void fzc_check_output(const char *out, const struct rep_translate_result *res)
{
	struct rep_reader *r = NULL;
	struct rep_frame f;
	char err[REP_ERR_LEN];
	uint64_t n = 0;
	int rc;

	fzc_check(res->pkts_in == res->pkts_out + res->dropped);
	fzc_check(rep_reader_open(out, &r, err, sizeof(err)) == 0);
	while ((rc = rep_reader_next(r, &f)) == 0)
		n++;
	fzc_check(rc == -ENODATA);
	fzc_check(n == res->pkts_out);
	rep_reader_close(r);
}

int fuzz_capture_one(const uint8_t *data, size_t size)
{
	static struct rep_translate_opts o; /* large: keep it off the stack */
	static struct rep_translate_result res;
	char in[64], dir[] = "/tmp/gatelab-fuzz-XXXXXX", out[PATH_MAX];
	int fd;

	if (size < 1)
		return 0;
	fd = fzc_memfd(data + 1, size - 1);
	snprintf(in, sizeof(in), "/proc/self/fd/%d", fd);
	fzc_check(mkdtemp(dir) != NULL);
	snprintf(out, sizeof(out), "%s/out.pcap", dir);
	if (data[0] & FZC_OPT_READER) {
		fzc_read_all(in);
		fzc_extract(in);
	} else {
		fzc_opts(&o, data[0]);
		memset(&res, 0, sizeof(res));
		/* Any return is fine; a failure must not leave OUT (rmdir checks). */
		if (rep_translate_run(in, out, &o, &res) == 0) {
			fzc_check_output(out, &res);
			fzc_check(unlink(out) == 0);
		}
	}
	fzc_check(rmdir(dir) == 0);
	close(fd);
	return 0;
}
