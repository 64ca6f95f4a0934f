/* ftpp_admit.c - whether and where a newly accepted control session goes:
 * its original destination from the NAT, the site policy, the session
 * limits, the redirect map; then the request to connect to the real server. */
#include <string.h>

#include "ftpp_int.h"

/* Decides, before any server is contacted, whether and where this session
 * goes. Refusals are replies, not errors. */
void ftpp_session_admit(struct ftpp_session *s, uint64_t now)
{
	const struct ftpp_policy *pol = &s->f->cfg.policy;
	const struct ftpp_site_rule *rule;
	char abuf[NET_ADDR_STRLEN], rbuf[NET_ADDR_STRLEN];
	struct net_tuple orig;
	struct ftpp_action a;
	bool deny;

	if (natapi_lookup_original(s->f->api, &s->accepted, &orig) != 0) {
		ftpp_session_close(s, FTPP_CLOSE_NOT_INTERCEPTED, false, 0, 421,
				   "Service not available (not an intercepted session)");
		return;
	}
	s->info.client = orig;
	s->apparent = orig.dst;
	s->apparent_port = orig.dport;
	s->public_addr = orig.dst.family == NET_AF_INET6 ? &s->f->cfg.public6 : &s->f->cfg.public4;
	s->inside_addr = orig.dst.family == NET_AF_INET6 ? &s->f->cfg.inside6 : &s->f->cfg.inside4;
	if (!net_addr_is_set(s->inside_addr))
		s->inside_addr = &s->f->cfg.listen_addr;
	rule = ftpp_policy_site(pol, &orig.dst, &deny);
	if (deny || !net_addr_is_set(s->public_addr)) {
		int code = rule ? rule->code : pol->default_deny_code;
		const char *msg = rule ? rule->message : pol->default_deny_message;

		ftpp_session_close(s, FTPP_CLOSE_DENIED, false, 0, code ? code : 421,
				   msg[0] ? msg : "Service not available");
		return;
	}
	if ((pol->max_sessions && ftpp_active_sessions(s->f) > pol->max_sessions) ||
	    (pol->max_per_client && ftpp_clients_get(&s->f->clients, &orig.src) > pol->max_per_client)) {
		ftpp_session_close(s, FTPP_CLOSE_LIMIT, false, 0, 421,
				   "Too many connections, try again later");
		return;
	}
	ftpp_policy_map(pol, &orig.dst, orig.dport, &s->info.server, &s->info.server_port);
	(void)net_addr_format(&s->apparent, abuf, sizeof(abuf));
	(void)net_addr_format(&s->info.server, rbuf, sizeof(rbuf));
	ftpp_out_log(s, "S%u open server=%s:%u real=%s:%u", s->id, abuf, orig.dport, rbuf,
		     s->info.server_port);
	memset(&a, 0, sizeof(a));
	a.type = FTPP_ACT_CONNECT_SERVER;
	a.addr = s->info.server;
	a.port = s->info.server_port;
	a.src = *s->public_addr;
	ftpp_out_push(s, &a, NULL, 0);
	s->server_asked = true;
	s->idle_deadline = now + s->f->cfg.idle_timeout_ns;
	ftpp_arm_timer(s, now);
}
