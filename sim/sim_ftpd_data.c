/* sim_ftpd_data.c - the server model's data connections: passive listeners
 * from a range, active connects from port 20 after the bounce checks, and
 * transfers as a state machine (waiting, running, draining) ending in a record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ftpd_priv.h"

static void data_release(struct sim_ftpd_sess *s, bool abort)
{
	if (s->data) {
		if (abort)
			sim_sock_abort(s->data);
		else
			sim_sock_close(s->data);
		s->data = NULL;
	}
	if (s->pasv_lst) {
		sim_sock_close(s->pasv_lst);
		s->pasv_lst = NULL;
	}
	s->data_up = false;
	s->dmode = SIM_FTPD_DM_NONE;
}

void sim_ftpd_data_free(struct sim_ftpd_sess *s)
{
	sim_timer_stop(&s->data_timer);
	data_release(s, true);
	free(s->x_text);
	s->x_text = NULL;
	s->xs = SIM_FTPD_X_IDLE;
}

static void record(struct sim_ftpd_sess *s)
{
	struct sim_ftpd *d = s->d;

	if (d->n_xfers == d->cap_xfers) {
		size_t cap = d->cap_xfers ? d->cap_xfers * 2 : 16;
		struct sim_ftpd_xfer *x = realloc(d->xfers, cap * sizeof(*x));

		if (!x)
			return; /* the log is best effort; the session goes on */
		d->xfers = x;
		d->cap_xfers = cap;
	}
	d->xfers[d->n_xfers++] = s->rec;
}

static uint64_t sent_hash(struct sim_ftpd_sess *s, uint64_t bytes)
{
	struct sim_vfs_node *n;
	struct sim_vfs_hash hs;
	uint64_t h;

	if (s->x_text) {
		sim_vfs_hash_init(&hs);
		sim_vfs_hash_update(&hs, s->x_text, (size_t)bytes);
		return sim_vfs_hash_final(&hs);
	}
	/* the node caches the whole file's hash: no second pass over 1 GB */
	n = sim_vfs_lookup(s->d->vfs, s->rec.path);
	if (n && n->generated && n->seed == s->x_seed && n->size == s->rec.rest + bytes &&
	    sim_vfs_file_hash(n, s->rec.rest, &h) == 0)
		return h;
	return sim_vfs_gen_hash(s->x_seed, s->rec.rest, bytes);
}

/* The VFS side of a finished upload: STOR replaces; a resumed STOR that
 * continues the file's own stream keeps it known; APPE and other resumes
 * leave size + the hash of what was written. */
static void record_upload(struct sim_ftpd_sess *s)
{
	struct sim_vfs *v = s->d->vfs;
	struct sim_vfs_node *old = sim_vfs_lookup(v, s->rec.path);
	bool appe = strcmp(s->rec.verb, "APPE") == 0;
	uint64_t r = s->rec.rest, base;

	if (old && old->kind != SIM_VFS_FILE)
		return;
	if (!r && !(appe && old && old->size)) {
		sim_vfs_record_upload(v, s->rec.path, s->rec.bytes, s->rec.hash, s->x_first_word);
		return;
	}
	if (r && old && old->generated && old->size >= r &&
	    sim_vfs_gen_hash(old->seed, r, s->rec.bytes) == s->rec.hash) {
		old->size = r + s->rec.bytes;
		old->uploaded = true;
		old->hash_valid = false;
		return;
	}
	base = appe ? old->size : r;
	if (!old && sim_vfs_record_upload(v, s->rec.path, 0, 0, 0) < 0)
		return;
	old = sim_vfs_lookup(v, s->rec.path);
	old->size = base + s->rec.bytes;
	old->generated = false;
	old->uploaded = true;
	old->hash = s->rec.hash;
	old->hash_valid = true;
}

/* The transfer is over with code (226 ok, 426 broken, 425 never started). */
static void finish(struct sim_ftpd_sess *s, int code, const char *text, bool abort)
{
	struct sim_ftpd *d = s->d;
	const char *t = text;

	sim_timer_stop(&s->data_timer);
	if (s->x_upload) {
		s->rec.hash = sim_vfs_hash_final(&s->x_hash);
		d->st.bytes_received += s->rec.bytes;
		if (code / 100 == 2 || s->rec.bytes) {
			record_upload(s);
			d->st.uploads++;
		}
	} else if (s->xs != SIM_FTPD_X_WAIT_CONN) {
		s->rec.hash = sent_hash(s, s->rec.bytes);
		d->st.bytes_sent += s->rec.bytes;
		d->st.downloads++;
	}
	/* a scripted transfer ends with the capture's code and text */
	if (code == 226 && s->x_final_code)
		code = s->x_final_code;
	if (code == s->x_final_code && s->x_final_text[0])
		t = s->x_final_text;
	s->rec.final_code = code;
	s->rec.t_end = sim_ftpd_now(s);
	record(s);
	data_release(s, abort);
	free(s->x_text);
	s->x_text = NULL;
	s->xs = SIM_FTPD_X_IDLE;
	s->rest = 0;
	s->x_prelim_code = 0;
	sim_ftpd_reply(s, code, t);
}

static uint64_t acked(const struct sim_ftpd_sess *s)
{
	uint64_t a = s->data ? s->data->snd_una : 0;

	return a < s->x_total ? a : s->x_total;
}

static void fill(void *ctx, uint64_t off, uint8_t *dst, size_t len)
{
	struct sim_ftpd_sess *s = ctx;

	if (s->x_text)
		memcpy(dst, s->x_text + off, len);
	else
		sim_vfs_gen_fill(s->x_seed, s->rec.rest + off, dst, len);
}

static void up_bytes(struct sim_ftpd_sess *s, uint64_t off, const uint8_t *p, size_t n)
{
	for (size_t i = 0; off + i < 8 && i < n; i++)
		s->x_first[off + i] = p[i];
	if (off < 8 && off + n >= 8) {
		s->x_first_word = 0;
		for (unsigned k = 0; k < 8; k++)
			s->x_first_word |= (uint64_t)s->x_first[k] << (8 * k);
	}
	sim_vfs_hash_update(&s->x_hash, p, n);
	s->rec.bytes += n;
}

static void consume(void *ctx, struct sim_sock *sock, uint64_t off, const uint8_t *p, size_t n)
{
	struct sim_ftpd_sess *s = ctx;

	(void)sock;
	(void)off;
	up_bytes(s, s->rec.bytes, p, n);
}

static void start(struct sim_ftpd_sess *s)
{
	struct sim_ftpd *d = s->d;
	int pc = d->cfg.prelim_code == 125 ? 125 : 150;

	sim_timer_stop(&s->data_timer);
	s->xs = SIM_FTPD_X_RUNNING;
	s->rec.t_start = sim_ftpd_now(s);
	sim_sock_peer(s->data, &s->rec.peer, &s->rec.peer_port);
	if (s->x_prelim_code)
		sim_ftpd_reply(s, s->x_prelim_code, s->x_prelim_text);
	else if (pc == 125)
		sim_ftpd_reply(s, 125, "Data connection already open; transfer starting.");
	else if (s->x_upload && strcmp(s->rec.verb, "STOU") == 0)
		sim_ftpd_replyf(s, 150, "FILE: %s", strrchr(s->rec.path, '/') + 1); /* RFC 1123 */
	else if (s->x_upload)
		sim_ftpd_reply(s, 150, "Ok to send data.");
	else
		sim_ftpd_replyf(s, 150, "Opening BINARY mode data connection for %s (%llu bytes).",
				s->rec.path, (unsigned long long)s->x_total);
	if (s->x_upload) {
		struct sim_sock_sink sink = {.consume = consume, .ctx = s};
		uint8_t buf[4096];
		long n;

		/* bytes that came before the command are the upload's start */
		while ((n = sim_sock_recv(s->data, buf, sizeof(buf))) > 0)
			up_bytes(s, s->rec.bytes, buf, (size_t)n);
		if (n == 0) {
			finish(s, 226, "Transfer complete.", false);
			return;
		}
		sim_sock_set_sink(s->data, &sink);
		return;
	}
	if (s->x_total) {
		struct sim_sock_source src = {.fill = fill, .ctx = s, .total = s->x_total};

		sim_sock_set_source(s->data, &src);
	}
	s->xs = SIM_FTPD_X_DRAINING;
	sim_sock_shutdown(s->data);
}

static void data_connected(struct sim_sock *sock, void *ctx)
{
	struct sim_ftpd_sess *s = ctx;

	(void)sock;
	s->data_up = true;
	if (s->xs == SIM_FTPD_X_WAIT_CONN)
		start(s);
}

static void data_readable(struct sim_sock *sock, void *ctx)
{
	struct sim_ftpd_sess *s = ctx;
	uint8_t buf[4096];
	long n;

	(void)sock;
	if (s->xs != SIM_FTPD_X_RUNNING || !s->x_upload)
		return; /* early bytes wait in the buffer: start() takes them */
	while ((n = sim_sock_recv(s->data, buf, sizeof(buf))) > 0)
		up_bytes(s, s->rec.bytes, buf, (size_t)n);
	if (n == 0)
		finish(s, 226, "Transfer complete.", false);
}

static void data_closed(struct sim_sock *sock, void *ctx, int err)
{
	struct sim_ftpd_sess *s = ctx;

	(void)sock;
	switch (s->xs) {
	case SIM_FTPD_X_DRAINING:
		s->rec.bytes = err ? acked(s) : s->x_total;
		finish(s, err ? 426 : 226,
		       err ? "Connection closed; transfer aborted." : "Transfer complete.", false);
		break;
	case SIM_FTPD_X_RUNNING:
		finish(s, err ? 426 : 226,
		       err ? "Connection closed; transfer aborted." : "Transfer complete.", false);
		break;
	case SIM_FTPD_X_WAIT_CONN:
		finish(s, 425, "Can't open data connection.", false);
		break;
	case SIM_FTPD_X_IDLE:
		data_release(s, false); /* closed before any command used it */
		break;
	}
}

static const struct sim_sock_ops data_ops = {
	.on_connected = data_connected,
	.on_readable = data_readable,
	.on_closed = data_closed,
};

static void pasv_accept(struct sim_sock *lst, struct sim_sock *child, void *ctx)
{
	struct sim_ftpd_sess *s = ctx;

	(void)lst;
	if (s->data) {
		sim_sock_abort(child); /* one data connection per PASV */
		return;
	}
	/* from whatever address it comes: behind a NAT it is not the client's */
	s->d->st.data_conns_passive++;
	s->data = child;
	sim_sock_set_ops(child, &data_ops, s);
	data_connected(child, s);
}

int sim_ftpd_pasv_open(struct sim_ftpd_sess *s, uint16_t *port)
{
	static const struct sim_sock_ops lst_ops = {.on_accept = pasv_accept};
	struct sim_ftpd *d = s->d;
	uint32_t span = (uint32_t)d->cfg.pasv_max - d->cfg.pasv_min + 1;
	int rc = -EADDRINUSE;

	if (s->xs != SIM_FTPD_X_IDLE)
		return -EBUSY;
	data_release(s, true);
	for (uint32_t i = 0; i < span && rc == -EADDRINUSE; i++) {
		uint16_t p = d->next_pasv;

		d->next_pasv = p >= d->cfg.pasv_max ? d->cfg.pasv_min : (uint16_t)(p + 1);
		rc = sim_sock_listen(d->h, p, &lst_ops, s, &s->pasv_lst);
		if (rc == 0)
			*port = p;
	}
	if (rc == 0)
		s->dmode = SIM_FTPD_DM_PASSIVE;
	return rc;
}

int sim_ftpd_port_check(struct sim_ftpd_sess *s, const struct ftp_endpoint *ep)
{
	struct net_addr peer;
	uint16_t pport;

	sim_sock_peer(s->ctl, &peer, &pport);
	if (s->d->cfg.bounce_protect && !net_addr_eq(&peer, &ep->addr)) {
		s->d->st.bounce_refused++;
		return s->d->cfg.bounce_code == 500 ? 500 : 504;
	}
	if (s->d->cfg.refuse_low_port && ep->port < 1024) {
		s->d->st.bounce_refused++;
		return s->d->cfg.bounce_code == 500 ? 500 : 504;
	}
	return 0;
}

void sim_ftpd_port_set(struct sim_ftpd_sess *s, const struct ftp_endpoint *ep)
{
	data_release(s, true);
	s->dmode = SIM_FTPD_DM_ACTIVE;
	s->act_addr = ep->addr;
	s->act_port = ep->port;
}

/* The stack has no bind-before-connect; its next ephemeral port is public
 * state, so pointing it at port 20 for one connect gives RFC 959's source
 * port (the tuple is new: the client listens on a fresh port each time). */
static int connect_from(struct sim_ftpd_sess *s)
{
	struct sim_tcp_stack *st = s->d->h->tcp;
	uint16_t saved = st->next_eph;
	int rc;

	if (s->d->cfg.active_src_port)
		st->next_eph = s->d->cfg.active_src_port;
	rc = sim_sock_connect(s->d->h, &s->act_addr, s->act_port, &data_ops, s, &s->data);
	if (s->d->cfg.active_src_port)
		st->next_eph = saved;
	if (rc == 0)
		s->d->st.data_conns_active++;
	return rc;
}

static void data_timeout(void *arg)
{
	struct sim_ftpd_sess *s = arg;

	if (s->xs == SIM_FTPD_X_WAIT_CONN)
		finish(s, 425, "Failed to establish connection.", true);
}

void sim_ftpd_data_init(struct sim_ftpd_sess *s)
{
	sim_timer_init(&s->data_timer, &s->d->h->w->sched, data_timeout, s);
}

static bool begin(struct sim_ftpd_sess *s, const char *verb, const char *path, bool upload,
		  int final_code, const char *final_text)
{
	if (s->xs != SIM_FTPD_X_IDLE) {
		sim_ftpd_reply(s, 425, "Transfer already in progress.");
		return false; /* the running transfer keeps its own prelim */
	}
	if (s->dmode == SIM_FTPD_DM_NONE) {
		s->x_prelim_code = 0;
		sim_ftpd_reply(s, 425, "Use PORT or PASV first.");
		return false;
	}
	memset(&s->rec, 0, sizeof(s->rec));
	snprintf(s->rec.verb, sizeof(s->rec.verb), "%s", verb);
	snprintf(s->rec.path, sizeof(s->rec.path), "%s", path);
	s->rec.upload = upload;
	s->rec.passive = s->dmode == SIM_FTPD_DM_PASSIVE;
	s->rec.rest = s->rest;
	s->rec.t_start = sim_ftpd_now(s);
	s->x_upload = upload;
	s->x_final_code = final_code;
	snprintf(s->x_final_text, sizeof(s->x_final_text), "%s", final_text ? final_text : "");
	sim_vfs_hash_init(&s->x_hash);
	memset(s->x_first, 0, sizeof(s->x_first));
	s->x_first_word = 0;
	s->xs = SIM_FTPD_X_WAIT_CONN;
	if (s->dmode == SIM_FTPD_DM_ACTIVE && !s->data && connect_from(s) < 0) {
		finish(s, 425, "Can't open data connection.", true);
		return false;
	}
	if (s->data_up) {
		start(s);
		return true;
	}
	sim_timer_set(&s->data_timer, sim_ftpd_now(s) + s->d->cfg.data_timeout_ns);
	return true;
}

void sim_ftpd_xfer_send(struct sim_ftpd_sess *s, const char *verb, const char *path, uint64_t seed,
		    uint8_t *text, uint64_t total, int final_code, const char *final_text)
{
	free(s->x_text);
	s->x_text = NULL;
	if (s->xs != SIM_FTPD_X_IDLE || s->dmode == SIM_FTPD_DM_NONE) {
		free(text);
		begin(s, verb, path, false, final_code, final_text); /* replies 425 */
		return;
	}
	s->x_text = text;
	s->x_seed = seed;
	s->x_total = total;
	begin(s, verb, path, false, final_code, final_text);
}

void sim_ftpd_xfer_recv(struct sim_ftpd_sess *s, const char *verb, const char *path,
		    int final_code, const char *final_text)
{
	s->x_total = 0;
	begin(s, verb, path, true, final_code, final_text);
}

void sim_ftpd_xfer_abort(struct sim_ftpd_sess *s)
{
	if (s->xs == SIM_FTPD_X_IDLE) {
		sim_ftpd_reply(s, 225, "No transfer to ABOR.");
		return;
	}
	s->d->st.aborts++;
	if (!s->x_upload && s->data)
		s->rec.bytes = acked(s); /* what the client acknowledged */
	finish(s, 426, "Connection closed; transfer aborted.", true);
	sim_ftpd_reply(s, 226, "ABOR successful.");
}
