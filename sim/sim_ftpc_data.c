/* sim_ftpc_data.c - the client model's data connections: connect where the
 * 227/229 says (behind a NAT, not the server's real address), announce the
 * control connection's own address in PORT/EPRT, hash and verify downloads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ftpc_priv.h"

static bool is_upload(enum sim_ftpc_op op)
{
	return op == SIM_FTPC_STOR || op == SIM_FTPC_APPE || op == SIM_FTPC_STOU;
}

static bool is_listing(enum sim_ftpc_op op)
{
	return op == SIM_FTPC_LIST || op == SIM_FTPC_NLST || op == SIM_FTPC_MLSD;
}

static void up_fill(void *ctx, uint64_t off, uint8_t *dst, size_t len)
{
	struct sim_ftpc *c = ctx;

	sim_vfs_gen_fill(c->up_seed, c->cur.rest + off, dst, len);
}

static void start_upload(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	if (!is_upload(st->op) || !c->data_up || !c->got_prelim || !c->data)
		return;
	if (st->size) {
		struct sim_sock_source src = {.fill = up_fill, .ctx = c, .total = st->size};

		sim_sock_set_source(c->data, &src);
	}
	sim_sock_shutdown(c->data);
}

void sim_ftpc_data_prelim(struct sim_ftpc *c)
{
	start_upload(c);
}

static void consume(void *ctx, struct sim_sock *s, uint64_t off, const uint8_t *p, size_t n)
{
	struct sim_ftpc *c = ctx;
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	(void)s;
	(void)off;
	sim_vfs_hash_update(&c->hs, p, n);
	c->cur.bytes += n;
	if (st && is_listing(st->op) && c->cur.listing_len < SIM_FTPC_LISTING_MAX) {
		size_t room = SIM_FTPC_LISTING_MAX - c->cur.listing_len;
		size_t k = room < n ? room : n;
		char *l = realloc(c->cur.listing, c->cur.listing_len + k + 1);

		if (l) {
			memcpy(l + c->cur.listing_len, p, k);
			c->cur.listing_len += k;
			l[c->cur.listing_len] = '\0';
			c->cur.listing = l;
		}
	}
	if (st && st->op == SIM_FTPC_ABOR && !c->abor_sent && c->cur.bytes >= st->abort_after &&
	    (c->ph == SIM_FTPC_P_XFER || c->ph == SIM_FTPC_P_XFER_CMD)) {
		c->abor_sent = true;
		c->ph = SIM_FTPC_P_ABOR;
		sim_ftpc_send(c, "ABOR");
	}
	sim_ftpc_progress(c);
}

/* Bytes that reached the receive buffer (before the sink was set) go the
 * same way as the sink's; returns recv's last result (0: end of stream). */
static long drain(struct sim_ftpc *c, struct sim_sock *s)
{
	uint8_t buf[4096];
	long k;

	while ((k = sim_sock_recv(s, buf, sizeof(buf))) > 0)
		consume(c, s, 0, buf, (size_t)k);
	return k;
}

static void data_up(struct sim_ftpc *c, struct sim_sock *s)
{
	struct sim_sock_sink sink = {.consume = consume, .ctx = c};

	c->data_up = true;
	sim_sock_peer(s, &c->cur.data_peer, &c->cur.data_port);
	drain(c, s);
	sim_sock_set_sink(s, &sink);
	start_upload(c);
}

static void data_connected(struct sim_sock *s, void *ctx)
{
	data_up(ctx, s);
}

static void data_gone(struct sim_ftpc *c, int err)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	if (c->data_eof)
		return;
	if (err && !c->data_up && st && !st->may_fail) {
		/* a refused passive connect: say so now, not at the server's 425 */
		sim_ftpc_fail(c, "step %zu: data connection failed (%d)", c->step, err);
		return;
	}
	c->data_eof = true;
	c->data_err = err;
	if (c->data) {
		sim_sock_close(c->data);
		c->data = NULL;
	}
	sim_ftpc_data_check_done(c);
}

static void data_readable(struct sim_sock *s, void *ctx)
{
	struct sim_ftpc *c = ctx;

	if (drain(c, s) == 0)
		data_gone(c, 0); /* end of stream */
}

static void data_closed(struct sim_sock *s, void *ctx, int err)
{
	(void)s;
	data_gone(ctx, err);
}

static const struct sim_sock_ops data_ops = {
	.on_connected = data_connected,
	.on_readable = data_readable,
	.on_closed = data_closed,
};

static void on_accept(struct sim_sock *lst, struct sim_sock *child, void *ctx)
{
	struct sim_ftpc *c = ctx;

	(void)lst;
	if (c->data) {
		sim_sock_abort(child); /* one data connection per PORT */
		return;
	}
	c->data = child;
	sim_sock_set_ops(child, &data_ops, c);
	data_up(c, child);
}

static enum sim_ftpc_mode pick_mode(const struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);
	enum sim_ftpc_mode m = st->mode ? st->mode : c->cfg.mode;
	bool v6 = c->cfg.server.family == NET_AF_INET6;

	if (m == SIM_FTPC_MODE_DEFAULT)
		m = v6 ? SIM_FTPC_EPSV : SIM_FTPC_PASV;
	/* PASV and PORT cannot carry an IPv6 address (RFC 2428) */
	if (v6 && m == SIM_FTPC_PASV)
		m = SIM_FTPC_EPSV;
	if (v6 && m == SIM_FTPC_PORT)
		m = SIM_FTPC_EPRT;
	return m;
}

static int active_listen(struct sim_ftpc *c)
{
	static const struct sim_sock_ops lst_ops = {.on_accept = on_accept};
	struct ftp_endpoint ep = {.has_addr = true};
	uint32_t span = (uint32_t)c->cfg.active_port_max - c->cfg.active_port_min + 1;
	char f[80];
	uint16_t lp;
	int rc = -EADDRINUSE, k;

	for (uint32_t i = 0; i < span && rc == -EADDRINUSE; i++) {
		ep.port = c->next_active;
		c->next_active = ep.port >= c->cfg.active_port_max ? c->cfg.active_port_min
								   : (uint16_t)(ep.port + 1);
		rc = sim_sock_listen(c->h, ep.port, &lst_ops, c, &c->dlst);
	}
	if (rc < 0)
		return rc;
	/* our own address as the control connection sees it: a NAT rewrites it */
	sim_sock_local(c->ctl, &ep.addr, &lp);
	k = c->xmode == SIM_FTPC_PORT ? ftp_format_port(&ep, f, sizeof(f))
				      : ftp_format_eprt(&ep, '|', f, sizeof(f));
	if (k < 0)
		return k;
	sim_ftpc_send(c, "%s %.*s", c->xmode == SIM_FTPC_PORT ? "PORT" : "EPRT", k, f);
	return 0;
}

int sim_ftpc_data_setup(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);

	c->xmode = pick_mode(c);
	c->cur.mode = c->xmode;
	c->cur.step = (uint32_t)c->step;
	c->cur.op = st->op;
	c->cur.rest = st->has_rest ? st->rest : c->rest_pending ? c->rest_offset : 0;
	c->rest_pending = false;
	c->up_seed = st->upload_seed;
	if (!c->up_seed)
		c->up_seed = (c->cfg.upload_seed ^ (c->step + 1) * 0x9e3779b97f4a7c15ULL) | 1;
	sim_vfs_hash_init(&c->hs);
	switch (c->xmode) {
	case SIM_FTPC_PASV:
		sim_ftpc_send(c, "PASV");
		return 0;
	case SIM_FTPC_EPSV:
		sim_ftpc_send(c, "EPSV");
		return 0;
	case SIM_FTPC_PORT:
	case SIM_FTPC_EPRT:
		return active_listen(c);
	case SIM_FTPC_MODE_DEFAULT:
		break;
	}
	return -EINVAL;
}

int sim_ftpc_data_reply(struct sim_ftpc *c, int code)
{
	struct ftp_endpoint ep;
	size_t off, len;
	char delim;
	uint16_t pp;

	switch (c->xmode) {
	case SIM_FTPC_PASV:
		if (code != 227 || ftp_parse_227_text((const uint8_t *)c->full_text,
						      strlen(c->full_text), &ep, &off, &len) < 0)
			return -EPROTO;
		break;
	case SIM_FTPC_EPSV:
		if (code != 229 || ftp_parse_229_text((const uint8_t *)c->full_text,
						      strlen(c->full_text), &ep, &off, &len,
						      &delim) < 0)
			return -EPROTO;
		/* RFC 2428: the address is the control connection's peer */
		sim_sock_peer(c->ctl, &ep.addr, &pp);
		break;
	default:
		return code / 100 == 2 ? 0 : -EPROTO;
	}
	if (sim_sock_connect(c->h, &ep.addr, ep.port, &data_ops, c, &c->data) < 0) {
		c->data = NULL;
		return -ECONNREFUSED;
	}
	c->cur.data_peer = ep.addr;
	c->cur.data_port = ep.port;
	return 0;
}

bool sim_ftpc_data_done(const struct sim_ftpc *c)
{
	if (!c->got_final)
		return false;
	if (is_upload(sim_ftpc_cur(c)->op) || c->final_code / 100 != 2)
		return true;
	return c->data_eof;
}

void sim_ftpc_data_close(struct sim_ftpc *c, bool abort)
{
	if (c->data) {
		if (abort)
			sim_sock_abort(c->data);
		else
			sim_sock_close(c->data);
		c->data = NULL;
	}
	if (c->dlst) {
		sim_sock_close(c->dlst);
		c->dlst = NULL;
	}
}

static void verify(struct sim_ftpc *c, const struct sim_ftpc_step *st)
{
	char p[SIM_VFS_MAX_PATH];
	struct sim_vfs_node *n;
	uint64_t h;

	if (!c->cfg.verify || st->no_verify || !st->arg ||
	    (c->final_code / 100 != 2 && !c->cur.aborted) ||
	    sim_vfs_resolve(c->cwd, st->arg, strlen(st->arg), p) < 0)
		return;
	n = sim_vfs_lookup(c->cfg.verify, p);
	if (!n || n->kind != SIM_VFS_FILE || !n->generated || c->cur.rest > n->size)
		return;
	c->cur.expected = n->size - c->cur.rest;
	if (c->cur.aborted) {
		/* what arrived must still be the file's bytes from the offset on */
		h = sim_vfs_gen_hash(n->seed, c->cur.rest, c->cur.bytes);
		c->cur.verified = c->cur.bytes <= c->cur.expected && h == c->cur.hash ? 1 : -1;
		return;
	}
	if (sim_vfs_file_hash(n, c->cur.rest, &h) < 0)
		return;
	c->cur.verified = c->cur.bytes == c->cur.expected && h == c->cur.hash ? 1 : -1;
}

void sim_ftpc_data_record(struct sim_ftpc *c)
{
	const struct sim_ftpc_step *st = sim_ftpc_cur(c);
	struct sim_ftpc_result *r = &c->res;

	c->cur.t_end = sim_ftpc_now(c);
	c->cur.final_code = c->saw_426 ? 426 : c->final_code;
	if (is_upload(st->op)) {
		c->cur.bytes = c->final_code / 100 == 2 ? st->size : 0;
		c->cur.hash = sim_vfs_gen_hash(c->up_seed, c->cur.rest, c->cur.bytes);
		r->bytes_up += c->cur.bytes;
	} else {
		c->cur.hash = sim_vfs_hash_final(&c->hs);
		r->bytes_down += c->cur.bytes;
		if (st->op == SIM_FTPC_RETR || st->op == SIM_FTPC_ABOR)
			verify(c, st);
	}
	if (r->n_xfers == c->cap_x) {
		size_t cap = c->cap_x ? c->cap_x * 2 : 8;
		struct sim_ftpc_xfer *x = realloc(r->xfers, cap * sizeof(*x));

		if (!x) {
			free(c->cur.listing); /* the record is lost, the session is not */
			c->cur.listing = NULL;
			return;
		}
		r->xfers = x;
		c->cap_x = cap;
	}
	r->xfers[r->n_xfers++] = c->cur;
	c->cur.listing = NULL; /* the record owns it now */
	c->cur.listing_len = 0;
}
