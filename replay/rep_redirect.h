/* rep_redirect.h - the --redirect SPEC language of `gatelab translate`, parsed
 * into the engine's redirect spec:
 *   PROTO:PORT=NEWDST[:NEWPORT]               every session to PORT
 *   PROTO:DST:PORT=NEWDST[:NEWPORT]           sessions to that destination only
 *   PROTO:SRC[:SPORT]>DST:DPORT=NEWSRC[:NEWSPORT]>NEWDST:NEWDPORT   one session
 * PROTO is tcp or udp; IPv6 addresses go in brackets ([2001:db8::1]:21). */
#ifndef GATELAB_REP_REDIRECT_H
#define GATELAB_REP_REDIRECT_H

#include <stddef.h>

#include "../engine/gnat.h"

/* Returns 0 with *out filled (persistent redirect), or -EINVAL with a reason
 * naming the spec and what is wrong in err. */
int rep_redirect_parse(const char *spec, struct gnat_redirect_spec *out, char *err,
		       size_t errlen);

#endif
