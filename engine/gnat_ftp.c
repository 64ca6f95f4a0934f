/* gnat_ftp.c - the FTP editor (the kernel "ALG", cf. Linux nf_conntrack_ftp +
 * nf_nat_ftp): rewrites PORT/EPRT/227/229 address text of translated control
 * sessions and opens one-shot expectations for the data connections they name. */
#include "gnat_ftp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../ftp/ftp.h"
#include "../net/net_addr.h"
#include "gnat.h"

/*
 * The rules, with orig/trans the control session's tuples in its original
 * direction (orig as it arrived, trans as it left) and public = trans.src:
 *
 *  forward, client->server PORT/EPRT naming orig.src (the client's own
 *  address; anything else is a bounce attempt and is left alone):
 *    source NAT (orig.src != trans.src): allocate a public port P (the
 *      announced port when free), expect "server trans.dst -> public:P
 *      becomes -> orig.src:announced", rewrite the text to public:P;
 *    destination NAT only: expect "trans.dst -> orig.src:port", no rewrite;
 *    either way, with destination NAT the data connection's source becomes
 *    orig.dst, the server the client believes it talks to.
 *  forward, server->client 227/229 under destination NAT (orig.dst !=
 *  trans.dst): a 227 must name trans.dst (the real server) and is rewritten
 *  to orig.dst; the port Q is kept unless orig.dst is our public address,
 *  where a free public port is allocated; expect "orig.src -> orig.dst:Q
 *  becomes -> trans.dst:P". A 229 is rewritten only when Q != P.
 *  Without destination NAT a 227/229 needs nothing: the client's data
 *  connection is masqueraded like any other.
 *
 *  inverse (the packet as it LEFT, rewritten to what ARRIVED): the same
 *  sessions, read backwards. A PORT/EPRT naming trans.src:P goes back to
 *  orig.src:P (the gateway is assumed to have kept the client's port, as it
 *  does when free) and the same expectation is created so the data
 *  connection that follows is translated; a 227 naming orig.dst:Q goes back
 *  to trans.dst:Q with the same expectation as forward.
 *
 * Only complete lines (CRLF or bare LF) inside one segment are examined: a
 * command split across segments is not edited (Linux behaves the same way,
 * it only looks for commands at the start of a segment's lines). An EPRT of
 * the other family than the session (seen in real captures) cannot be shown
 * to name the client, whose address of that family the editor never sees,
 * and is left untouched like any other address it cannot vouch for.
 */

#define GNAT_FTP_PORT 21
#define GNAT_FTP_TEXT_MAX 96 /* longest formatted span: "|2|<IPv6>|65535|" */
/* No port or no expectation slot for the data connection: the command cannot
 * be honoured and the segment is dropped (Linux: "all ports in use"). Not
 * -ENOSPC, which the engine reads as "the packet could not grow". */
#define GNAT_FTP_NO_DATA (-EADDRNOTAVAIL)

static void gnat_ftp_host_prefix(struct net_prefix *p, const struct net_addr *a)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	p->len = (uint8_t)(net_addr_len(a) * 8);
}

/* Create the expectation first, then rewrite: if the rewrite cannot be done
 * the expectation is withdrawn, so a dropped packet leaves nothing open. */
static int gnat_ftp_apply(struct gnat_edit *e, const struct gnat_redirect_spec *spec,
			  size_t line_off, const struct ftp_addr_span *span,
			  const struct ftp_endpoint *repl, long *delta)
{
	char text[GNAT_FTP_TEXT_MAX];
	uint32_t id = 0;
	int n = 0;
	int rc;

	*delta = 0;
	if (repl) {
		n = ftp_format_span(span, repl, text, sizeof(text));
		if (n < 0)
			return 0; /* not expressible in this form: leave the line */
	}
	rc = gnat_edit_expect(e, spec, &id);
	if (rc < 0) {
		rc = GNAT_FTP_NO_DATA;
		goto out;
	}
	if (!repl)
		goto out;
	rc = gnat_edit_replace(e, line_off + span->off, span->len, text, (size_t)n);
	if (rc < 0) {
		(void)gnat_redirect_cancel(gnat_edit_gnat(e), id);
		goto out;
	}
	*delta = (long)n - (long)span->len;
out:
	return rc;
}

/* A PORT/EPRT from the client. It is ours only when it names the client as
 * the packet carries it: orig.src forward, trans.src (public) inverse. */
static int gnat_ftp_port(struct gnat_edit *e, size_t line_off, const struct ftp_addr_span *span,
			 long *delta)
{
	const struct net_tuple *o = gnat_edit_orig(e);
	const struct net_tuple *t = gnat_edit_trans(e);
	bool inverse = gnat_edit_inverse(e);
	bool snat = !net_addr_eq(&o->src, &t->src);
	bool dnat = !net_addr_eq(&o->dst, &t->dst);
	struct gnat_redirect_spec spec;
	struct ftp_endpoint repl;
	uint16_t client_port, public_port;
	int rc;

	*delta = 0;
	if (!span->ep.has_addr || span->ep.port == 0)
		return 0;
	if (!net_addr_eq(&span->ep.addr, inverse ? &t->src : &o->src))
		return 0; /* bounce attempt or another family: never opened */
	if (!snat && !dnat)
		return 0;

	client_port = span->ep.port;
	public_port = span->ep.port;
	if (snat) {
		rc = gnat_edit_alloc_port(e, IPPROTO_TCP, client_port, &public_port);
		/* Inverse: the port that left is a fact; holding it (when we
		 * can) only keeps masquerade off it. */
		if (inverse)
			public_port = client_port;
		else if (rc < 0)
			return GNAT_FTP_NO_DATA;
	}

	memset(&spec, 0, sizeof(spec));
	spec.match.proto = IPPROTO_TCP;
	gnat_ftp_host_prefix(&spec.match.src, &t->dst);
	gnat_ftp_host_prefix(&spec.match.dst, snat ? &t->src : &o->src);
	spec.match.dport = snat ? public_port : client_port;
	spec.set_dst = true;
	spec.new_dst = o->src;
	spec.new_dport = client_port;
	if (dnat) {
		spec.set_src = true;
		spec.new_src = o->dst;
	}
	spec.one_shot = true;

	if (!snat)
		return gnat_ftp_apply(e, &spec, line_off, span, NULL, delta);
	memset(&repl, 0, sizeof(repl));
	repl.has_addr = true;
	repl.addr = inverse ? o->src : t->src;
	repl.port = inverse ? client_port : public_port;
	return gnat_ftp_apply(e, &spec, line_off, span, &repl, delta);
}

/* A 227/229 from the server under destination NAT. */
static int gnat_ftp_pasv(struct gnat_edit *e, size_t line_off, const struct ftp_addr_span *span,
			 long *delta)
{
	const struct net_tuple *o = gnat_edit_orig(e);
	const struct net_tuple *t = gnat_edit_trans(e);
	struct gnat *g = gnat_edit_gnat(e);
	bool inverse = gnat_edit_inverse(e);
	const struct net_addr *pub = gnat_public_addr(g, o->dst.family);
	struct gnat_redirect_spec spec;
	struct ftp_endpoint repl;
	uint16_t server_port, client_port;
	bool rewrite;
	int rc;

	*delta = 0;
	if (net_addr_eq(&o->dst, &t->dst) || span->ep.port == 0)
		return 0;
	if (span->ep.has_addr && !net_addr_eq(&span->ep.addr, inverse ? &o->dst : &t->dst))
		return 0; /* names some third host: not ours to open */

	server_port = span->ep.port;
	client_port = span->ep.port;
	if (pub && net_addr_eq(pub, &o->dst)) {
		rc = gnat_edit_alloc_port(e, IPPROTO_TCP, server_port, &client_port);
		if (inverse)
			client_port = server_port; /* as for PORT: what left is a fact */
		else if (rc < 0)
			return GNAT_FTP_NO_DATA;
	}

	memset(&spec, 0, sizeof(spec));
	spec.match.proto = IPPROTO_TCP;
	gnat_ftp_host_prefix(&spec.match.src, &o->src);
	gnat_ftp_host_prefix(&spec.match.dst, &o->dst);
	spec.match.dport = client_port;
	spec.set_dst = true;
	spec.new_dst = t->dst;
	spec.new_dport = server_port;
	spec.one_shot = true;

	rewrite = span->ep.has_addr || client_port != server_port;
	if (!rewrite)
		return gnat_ftp_apply(e, &spec, line_off, span, NULL, delta);
	memset(&repl, 0, sizeof(repl));
	repl.has_addr = span->ep.has_addr;
	repl.addr = inverse ? t->dst : o->dst;
	repl.port = client_port;
	return gnat_ftp_apply(e, &spec, line_off, span, &repl, delta);
}

static int gnat_ftp_edit(struct gnat_edit *e, void *arg)
{
	bool is_reply = gnat_edit_dir(e) == GNAT_DIR_REPLY;
	const uint8_t *payload;
	struct ftp_addr_span span;
	size_t len, pos = 0, line_len, content_len;
	long delta;
	int rc = 0;

	(void)arg;
	for (;;) {
		payload = gnat_edit_payload(e, &len);
		if (!payload || pos >= len)
			break;
		line_len = ftp_line_next(payload + pos, len - pos, &content_len);
		if (line_len == 0)
			break; /* an incomplete line is not edited (see above) */
		delta = 0;
		if (ftp_find_addr(payload + pos, content_len, is_reply, &span) == 1) {
			switch (span.kind) {
			case FTP_ADDR_PORT:
			case FTP_ADDR_EPRT:
				rc = is_reply ? 0 : gnat_ftp_port(e, pos, &span, &delta);
				break;
			case FTP_ADDR_227:
			case FTP_ADDR_229:
				rc = is_reply ? gnat_ftp_pasv(e, pos, &span, &delta) : 0;
				break;
			}
			if (rc < 0)
				break;
		}
		pos = (size_t)((long)pos + (long)line_len + delta);
	}
	return rc;
}

int gnat_ftp_editor_register(struct gnat *g, const uint16_t *ports, size_t n_ports)
{
	struct gnat_editor ed = {
		.name = "ftp",
		.proto = IPPROTO_TCP,
		.port = GNAT_FTP_PORT,
		.edit = gnat_ftp_edit,
		.arg = NULL,
	};

	if (ports && n_ports) {
		ed.port = ports[0];
		ed.more_ports = ports + 1;
		ed.n_more_ports = n_ports - 1;
	}
	return gnat_editor_register(g, &ed);
}
