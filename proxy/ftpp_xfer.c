/* ftpp_xfer.c - one session's data channel: fast path by NAT API session
 * redirects (no byte comes up), proxy path by listen/connect/splice requests;
 * whatever a transfer took is given back when it ends. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ftpp_int.h"

static void ftpp_host(struct net_prefix *p, const struct net_addr *a)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->len = (uint8_t)(net_addr_len(a) * 8);
}

static void ftpp_data_action(struct ftpp_session *s, enum ftpp_action_type t,
			     enum ftpp_data_side side, const struct net_addr *addr, uint16_t port,
			     const struct net_addr *src)
{
	struct ftpp_action a;

	memset(&a, 0, sizeof(a));
	a.type = t;
	a.data_id = s->x.id;
	a.side = side;
	if (addr)
		a.addr = *addr;
	a.port = port;
	if (src)
		a.src = *src;
	ftpp_out_push(s, &a, NULL, 0);
	s->x.data_open = true;
}

/* One-shot, expiring, in the session's group: cancelled with the transfer,
 * and by the gNAT itself if never used. */
static int ftpp_redirect(struct ftpp_session *s, struct natapi_session_redirect *r)
{
	uint32_t id;
	int rc;

	r->proto = 6;
	r->one_shot = true;
	r->timeout_ns = s->f->cfg.data_timeout_ns;
	r->group = s->group;
	rc = natapi_redirect_session(s->f->api, r, &id);
	if (rc == 0) {
		s->x.rdr = true;
		s->group_dirty = true;
	}
	return rc;
}

static int ftpp_acquire(struct ftpp_session *s)
{
	int rc = natapi_acquire(s->f->api, s->f->res_id, 1, &s->x.port);

	s->x.have_port = rc == 0;
	return rc;
}

static void ftpp_xfer_new(struct ftpp_session *s, bool passive, uint64_t now)
{
	if (s->x.st != FTPP_XFER_NONE)
		ftpp_xfer_end(s, "replaced");
	memset(&s->x, 0, sizeof(s->x));
	s->x.st = FTPP_XFER_ANNOUNCED;
	s->x.id = ++s->next_data_id;
	s->x.passive = passive;
	s->x.deadline = now + s->f->cfg.data_timeout_ns;
}

void ftpp_xfer_port(struct ftpp_session *s, const struct ftp_addr_span *span, uint64_t now)
{
	struct ftpp_pending p;
	struct ftp_endpoint ep;
	char arg[80];
	int n, rc;

	ftpp_xfer_new(s, false, now);
	s->x.client_ep = span->ep;
	rc = ftpp_acquire(s);
	if (rc < 0) {
		ftpp_out_log(s, "S%u no data port: %s", s->id, natapi_strerror(rc));
		ftpp_xfer_end(s, "no port");
		ftpp_pend_local(s, 425, "Can't open data connection");
		return;
	}
	/* The server is told the gateway's public address: both paths start
	 * there (a kernel redirect, or the proxy's own listener). */
	memset(&ep, 0, sizeof(ep));
	ep.has_addr = true;
	ep.addr = *s->public_addr;
	ep.port = s->x.port;
	if (span->kind == FTP_ADDR_PORT && ep.addr.family == NET_AF_INET4)
		n = ftp_format_port(&ep, arg, sizeof(arg));
	else
		n = ftp_format_eprt(&ep, '|', arg, sizeof(arg));
	if (n < 0) {
		ftpp_xfer_end(s, "format failed");
		ftpp_pend_local(s, 425, "Can't open data connection");
		return;
	}
	ftpp_out_send(s, FTPP_ACT_SEND_SERVER,
		      span->kind == FTP_ADDR_PORT && ep.addr.family == NET_AF_INET4 ? "PORT " : "EPRT ", 5);
	ftpp_out_send(s, FTPP_ACT_SEND_SERVER, arg, (size_t)n);
	ftpp_out_send(s, FTPP_ACT_SEND_SERVER, "\r\n", 2);
	memset(&p, 0, sizeof(p));
	p.kind = FTPP_CMD_PORT;
	ftpp_pend_push(s, &p);
}

int ftpp_xfer_start(struct ftpp_session *s, const char *verb, bool listing, uint64_t now)
{
	const struct ftpp_policy *pol = &s->f->cfg.policy;
	struct natapi_session_redirect r;
	int rc;

	if (s->x.st != FTPP_XFER_ANNOUNCED)
		return 0; /* no data endpoint: the server answers 425 itself */
	snprintf(s->x.verb, sizeof(s->x.verb), "%s", verb);
	s->x.st = FTPP_XFER_RUNNING;
	s->x.deadline = now + s->f->cfg.data_timeout_ns;
	if (s->x.passive)
		return 0; /* set up when the server's 227/229 came */
	s->x.path = ftpp_policy_path(pol, listing, s->have_size, s->last_size);
	s->have_size = false;
	if (s->x.path == FTPP_MODE_PROXY) {
		ftpp_data_action(s, FTPP_ACT_LISTEN_DATA, FTPP_DATA_SERVER, s->public_addr, s->x.port,
				 NULL);
		ftpp_data_action(s, FTPP_ACT_CONNECT_DATA, FTPP_DATA_CLIENT, &s->x.client_ep.addr,
				 s->x.client_ep.port, s->inside_addr);
		return 0;
	}
	/* "server -> public:P becomes A -> client:port": the client sees its
	 * data connection come from the server it believes it talks to. */
	memset(&r, 0, sizeof(r));
	ftpp_host(&r.src, &s->info.server);
	r.dst = *s->public_addr;
	r.dport = s->x.port;
	r.set_src = true;
	r.new_src = s->apparent;
	r.new_dst = s->x.client_ep.addr;
	r.new_dport = s->x.client_ep.port;
	rc = ftpp_redirect(s, &r);
	if (rc < 0) {
		ftpp_out_log(s, "S%u redirect failed: %s", s->id, natapi_strerror(rc));
		ftpp_xfer_end(s, "redirect failed");
	}
	return rc;
}

int ftpp_xfer_pasv_reply(struct ftpp_session *s, const struct ftp_addr_span *span,
			 const struct ftpp_pending *next_xfer, uint64_t now,
			 struct ftp_endpoint *announce)
{
	const struct ftpp_policy *pol = &s->f->cfg.policy;
	struct natapi_session_redirect r;
	uint16_t q = span->ep.port;
	int rc;

	/* A 227 naming any host but the server itself would make the gateway
	 * open a path to it (slipstreaming). */
	if ((span->ep.has_addr && !net_addr_eq(&span->ep.addr, &s->info.server)) || q == 0) {
		ftpp_out_log(s, "S%u passive reply names another host: refused", s->id);
		return -EPERM;
	}
	ftpp_xfer_new(s, true, now);
	s->x.server_port = q;
	/* The transfer verb is usually not known yet; SIZE comes before RETR. */
	if (next_xfer)
		s->x.path = ftpp_policy_path(pol, next_xfer->listing, s->have_size, s->last_size);
	else if (s->have_size)
		s->x.path = ftpp_policy_path(pol, false, true, s->last_size);
	else
		s->x.path = pol->default_mode;
	s->have_size = false;
	memset(announce, 0, sizeof(*announce));
	announce->has_addr = true;
	announce->addr = s->apparent;
	announce->port = q;
	memset(&r, 0, sizeof(r));
	ftpp_host(&r.src, &s->info.client.src);
	r.dst = s->apparent;
	if (s->x.path == FTPP_MODE_FAST) {
		/* "client -> A:Q becomes public -> B:Q" */
		r.dport = q;
		r.set_src = true;
		r.new_src = *s->public_addr;
		r.new_dst = s->info.server;
		r.new_dport = q;
	} else {
		rc = ftpp_acquire(s);
		if (rc < 0)
			goto fail;
		/* "client -> A:P becomes the proxy's listener": the client still
		 * believes it connects to its server. */
		r.dport = s->x.port;
		r.new_dst = *s->inside_addr;
		r.new_dport = s->x.port;
		announce->port = s->x.port;
	}
	rc = ftpp_redirect(s, &r);
	if (rc < 0)
		goto fail;
	if (next_xfer) {
		/* The transfer command went ahead of this reply (pipelined). */
		s->x.st = FTPP_XFER_RUNNING;
		memcpy(s->x.verb, next_xfer->verb, sizeof(s->x.verb));
	}
	if (s->x.path == FTPP_MODE_PROXY) {
		ftpp_data_action(s, FTPP_ACT_LISTEN_DATA, FTPP_DATA_CLIENT, s->inside_addr, s->x.port,
				 NULL);
		ftpp_data_action(s, FTPP_ACT_CONNECT_DATA, FTPP_DATA_SERVER, &s->info.server, q,
				 s->public_addr);
	}
	return 0;
fail:
	ftpp_out_log(s, "S%u passive setup failed: %s", s->id, natapi_strerror(rc));
	ftpp_xfer_end(s, "setup failed");
	return rc;
}

void ftpp_xfer_end(struct ftpp_session *s, const char *how)
{
	struct ftpp_xfer *x = &s->x;

	if (x->st == FTPP_XFER_NONE)
		return;
	if (x->rdr) {
		(void)natapi_cancel_group(s->f->api, s->group);
		s->group_dirty = false;
	}
	if (x->have_port)
		(void)natapi_release(s->f->api, s->f->res_id, x->port, 1);
	if (x->data_open && !x->done)
		ftpp_data_action(s, FTPP_ACT_CLOSE_DATA, FTPP_DATA_CLIENT, NULL, 0, NULL);
	if (x->st == FTPP_XFER_RUNNING) {
		s->info.transfers++;
		if (x->path == FTPP_MODE_FAST)
			s->info.fast_transfers++;
		else
			s->info.proxy_transfers++;
		ftpp_out_log(s, "S%u xfer %s %s path=%s %s bytes_to_client=%llu bytes_to_server=%llu",
			     s->id, x->verb, x->passive ? "passive" : "active",
			     x->path == FTPP_MODE_FAST ? "fast" : "proxy", how,
			     (unsigned long long)x->bytes_to_client,
			     (unsigned long long)x->bytes_to_server);
	}
	memset(x, 0, sizeof(*x));
}

bool ftpp_xfer_holds_reply(const struct ftpp_session *s, int code)
{
	const struct ftpp_xfer *x = &s->x;
	const struct ftpp_pending *head = s->pend_n ? &s->pend[s->pend_head] : NULL;

	/* A refused transfer (450, 550, 425...) moves no data: holding its reply
	 * for a DATA_DONE that never comes would leave the client waiting and
	 * answer its next command with this one's reply. */
	if (code >= 400)
		return false;
	return head && head->kind == FTPP_CMD_XFER && x->st == FTPP_XFER_RUNNING &&
	       x->path == FTPP_MODE_PROXY && (x->up[0] || x->up[1]) && !x->done;
}

bool ftpp_xfer_due(const struct ftpp_session *s)
{
	const struct ftpp_xfer *x = &s->x;

	return x->st == FTPP_XFER_ANNOUNCED ||
	       (x->st == FTPP_XFER_RUNNING && x->path == FTPP_MODE_PROXY && !x->spliced && !x->done);
}

void ftpp_xfer_timeout(struct ftpp_session *s, uint64_t now)
{
	if (!ftpp_xfer_due(s) || now < s->x.deadline)
		return;
	if (s->x.st == FTPP_XFER_ANNOUNCED) {
		ftpp_xfer_end(s, "data timeout");
		return;
	}
	/* A proxied data connection that never came: stop waiting for it so
	 * the server's final reply is not held forever. */
	ftpp_data_action(s, FTPP_ACT_CLOSE_DATA, FTPP_DATA_CLIENT, NULL, 0, NULL);
	s->x.done = true;
}

void ftpp_xfer_event(struct ftpp_session *s, const struct ftpp_event *ev)
{
	struct ftpp_xfer *x = &s->x;

	if (x->st == FTPP_XFER_NONE || ev->data_id != x->id || x->path != FTPP_MODE_PROXY || x->done)
		return;
	switch (ev->type) {
	case FTPP_EV_DATA_UP:
		if (ev->side != FTPP_DATA_CLIENT && ev->side != FTPP_DATA_SERVER)
			return;
		x->up[ev->side] = true;
		if (x->up[0] && x->up[1] && !x->spliced) {
			ftpp_data_action(s, FTPP_ACT_SPLICE_DATA, FTPP_DATA_CLIENT, NULL, 0, NULL);
			x->spliced = true;
		}
		break;
	case FTPP_EV_DATA_FAILED:
		ftpp_out_log(s, "S%u data connection %u failed (%s side)", s->id, x->id,
			     ev->side == FTPP_DATA_CLIENT ? "client" : "server");
		ftpp_data_action(s, FTPP_ACT_CLOSE_DATA, FTPP_DATA_CLIENT, NULL, 0, NULL);
		x->done = true;
		break;
	case FTPP_EV_DATA_DONE:
		x->bytes_to_client = ev->bytes_to_client;
		x->bytes_to_server = ev->bytes_to_server;
		x->done = true;
		break;
	default:
		break;
	}
}
