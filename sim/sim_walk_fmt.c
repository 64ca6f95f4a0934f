/* sim_walk_fmt.c - the walk-through's text: the gNAT's mapping and redirect
 * tables as rows ("M3<TAB>..." / "R7<TAB>...", the id first so a viewer can
 * tell which rows appeared or went), and a NAT API call with its result. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../engine/gnat_snapshot.h"
#include "sim_walk.h"

struct sim_walk_rows {
	struct rpt_walk_step *st;
	int err;
};

static const char *sim_walk_proto(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : "ip";
}

/* "192.0.2.10:40000", "[2001:db8::1]:21", "*:21", "192.0.2.0/24:*". */
static void sim_walk_ep(const struct net_prefix *pfx, uint16_t port, char *buf, size_t cap)
{
	char a[80], p[8];
	bool host = pfx->addr.family == NET_AF_NONE ||
		    pfx->len == (pfx->addr.family == NET_AF_INET4 ? 32 : 128);

	if (pfx->addr.family == NET_AF_NONE)
		snprintf(a, sizeof(a), "*");
	else if (host ? net_addr_format(&pfx->addr, a, sizeof(a)) < 0 :
			net_prefix_format(pfx, a, sizeof(a)) < 0)
		snprintf(a, sizeof(a), "?");
	if (port)
		snprintf(p, sizeof(p), "%u", port);
	else
		snprintf(p, sizeof(p), "*");
	if (pfx->addr.family == NET_AF_INET6 && host)
		snprintf(buf, cap, "[%s]:%s", a, p);
	else
		snprintf(buf, cap, "%s:%s", a, p);
}

static void sim_walk_addr_ep(const struct net_addr *a, uint16_t port, char *buf, size_t cap)
{
	struct net_prefix p = {*a, (uint8_t)(a->family == NET_AF_INET4 ? 32 : 128)};

	if (!net_addr_is_set(a))
		p.addr.family = NET_AF_NONE;
	sim_walk_ep(&p, port, buf, cap);
}

static void sim_walk_map_row(const struct gnat_mapping_info *mi, void *arg)
{
	struct sim_walk_rows *r = arg;
	char o[RPT_TUPLE_LEN], t[RPT_TUPLE_LEN], row[512];
	size_t n;

	if (net_tuple_format(&mi->orig, o, sizeof(o)) < 0)
		snprintf(o, sizeof(o), "?");
	if (net_tuple_format(&mi->trans, t, sizeof(t)) < 0)
		snprintf(t, sizeof(t), "?");
	n = (size_t)snprintf(row, sizeof(row), "M%u\tmapping %u: %s  =>  %s", mi->id, mi->id, o,
			     t + 4 /* the protocol once */);
	if (mi->orig.proto == 6 && n < sizeof(row))
		n += (size_t)snprintf(row + n, sizeof(row) - n, "  %s",
				      gnat_tcp_state_name(mi->tcp_state));
	if (mi->redirect_id && n < sizeof(row))
		n += (size_t)snprintf(row + n, sizeof(row) - n, "  (by redirect %u)", mi->redirect_id);
	if ((mi->seq_delta[0] || mi->seq_delta[1]) && n < sizeof(row))
		snprintf(row + n, sizeof(row) - n, "  seq delta %+d/%+d", (int)mi->seq_delta[0],
			 (int)mi->seq_delta[1]);
	if (!r->err)
		r->err = rpt_walk_add_row(r->st, row);
}

static void sim_walk_rdr_row(const struct gnat_redirect_info *ri, void *arg)
{
	struct sim_walk_rows *r = arg;
	const struct gnat_redirect_spec *s = &ri->spec;
	char src[96], dst[96], ns[96], nd[96], row[640];
	size_t n;

	sim_walk_ep(&s->match.src, s->match.sport, src, sizeof(src));
	sim_walk_ep(&s->match.dst, s->match.dport, dst, sizeof(dst));
	n = (size_t)snprintf(row, sizeof(row), "R%u\tredirect %u (%s%s): %s %s -> %s  =>", ri->id,
			     ri->id, s->one_shot ? "one-shot" : "persistent",
			     ri->owner ? ", kernel expectation" : "", sim_walk_proto(s->match.proto),
			     src, dst);
	if (s->set_src && n < sizeof(row)) {
		sim_walk_addr_ep(&s->new_src, s->new_sport, ns, sizeof(ns));
		n += (size_t)snprintf(row + n, sizeof(row) - n, " src %s", ns);
	}
	if (s->set_dst && n < sizeof(row)) {
		sim_walk_addr_ep(&s->new_dst, s->new_dport, nd, sizeof(nd));
		n += (size_t)snprintf(row + n, sizeof(row) - n, " dst %s", nd);
	}
	if (s->group && n < sizeof(row))
		snprintf(row + n, sizeof(row) - n, "  group %u", s->group);
	if (!r->err)
		r->err = rpt_walk_add_row(r->st, row);
}

int sim_walk_snapshot(struct sim_gw *gw, struct rpt_walk_step *st)
{
	struct sim_walk_rows r = {st, 0};
	struct gnat *g = sim_gw_gnat(gw);

	if (!g)
		return 0; /* router mode: no table */
	gnat_mapping_foreach(g, sim_walk_map_row, &r);
	gnat_redirect_foreach(g, sim_walk_rdr_row, &r);
	return r.err;
}

static void sim_walk_result(const struct sim_gw_api_info *ai, const char *what, char *buf,
			    size_t cap)
{
	size_t n = strlen(buf);

	if (n >= cap)
		return;
	if (ai->rc < 0)
		snprintf(buf + n, cap - n, " = error %s", natapi_strerror(ai->rc));
	else if (what)
		snprintf(buf + n, cap - n, " = %s %u", what, ai->id);
	else
		snprintf(buf + n, cap - n, " = ok");
}

int sim_walk_api_text(const struct sim_gw_api_info *ai, char *buf, size_t cap)
{
	char a[96], b[96], c[96], d[RPT_TUPLE_LEN], e[RPT_TUPLE_LEN];

	switch (ai->op) {
	case SIM_GW_API_REDIRECT_PORT:
		sim_walk_ep(&ai->port->src, 0, a, sizeof(a));
		sim_walk_ep(&ai->port->dst, ai->port->dport, b, sizeof(b));
		sim_walk_addr_ep(&ai->port->new_dst, ai->port->new_dport, c, sizeof(c));
		snprintf(buf, cap, "natapi_redirect_port(%s %s -> %s => dst %s)",
			 sim_walk_proto(ai->port->proto), a, b, c);
		sim_walk_result(ai, "redirect", buf, cap);
		break;
	case SIM_GW_API_REDIRECT_SESSION: {
		const struct natapi_session_redirect *s = ai->sess;
		struct net_prefix dp = {s->dst, (uint8_t)(s->dst.family == NET_AF_INET4 ? 32 : 128)};

		sim_walk_ep(&s->src, s->sport, a, sizeof(a));
		sim_walk_ep(&dp, s->dport, b, sizeof(b));
		sim_walk_addr_ep(&s->new_dst, s->new_dport, c, sizeof(c));
		if (s->set_src)
			sim_walk_addr_ep(&s->new_src, s->new_sport, d, sizeof(d));
		snprintf(buf, cap, "natapi_redirect_session(%s %s -> %s =>%s%s dst %s, %s, group %u)",
			 sim_walk_proto(s->proto), a, b, s->set_src ? " src " : "",
			 s->set_src ? d : "", c, s->one_shot ? "one-shot" : "persistent", s->group);
		sim_walk_result(ai, "redirect", buf, cap);
		break;
	}
	case SIM_GW_API_CANCEL:
		snprintf(buf, cap, "natapi_cancel(redirect %u)", ai->id);
		sim_walk_result(ai, NULL, buf, cap);
		break;
	case SIM_GW_API_CANCEL_GROUP:
		snprintf(buf, cap, "natapi_cancel_group(group %u)", ai->id);
		sim_walk_result(ai, NULL, buf, cap);
		break;
	case SIM_GW_API_LOOKUP:
		if (net_tuple_format(ai->tuple, d, sizeof(d)) < 0)
			snprintf(d, sizeof(d), "?");
		if (ai->rc == 0 && net_tuple_format(ai->orig, e, sizeof(e)) == 0)
			snprintf(buf, cap, "natapi_lookup_original(%s) = %s", d, e);
		else
			snprintf(buf, cap, "natapi_lookup_original(%s) = error %s", d,
				 natapi_strerror(ai->rc));
		break;
	case SIM_GW_API_RESERVE:
		snprintf(buf, cap, "natapi_reserve(%s, %u ports)", sim_walk_proto(ai->proto), ai->n);
		sim_walk_result(ai, "reservation", buf, cap);
		break;
	case SIM_GW_API_UNRESERVE:
		snprintf(buf, cap, "natapi_unreserve(reservation %u)", ai->id);
		sim_walk_result(ai, NULL, buf, cap);
		break;
	case SIM_GW_API_ACQUIRE:
		if (ai->rc == 0)
			snprintf(buf, cap, "natapi_acquire(reservation %u, %u) = port %u", ai->id,
				 ai->n, ai->first);
		else
			snprintf(buf, cap, "natapi_acquire(reservation %u, %u) = error %s", ai->id,
				 ai->n, natapi_strerror(ai->rc));
		break;
	case SIM_GW_API_RELEASE:
		snprintf(buf, cap, "natapi_release(reservation %u, port %u, %u)", ai->id, ai->first,
			 ai->n);
		sim_walk_result(ai, NULL, buf, cap);
		break;
	}
	return 0;
}
