/* live_topo.h - the live lab's network: three namespaces joined by two veth
 * pairs. Clients inside (192.0.2.0/24, 2001:db8:1::/64), the gateway, the
 * servers outside (198.51.100.0/24, 2001:db8:2::/64; the gateway's public
 * address 203.0.113.1). Only these prefixes are routed: nothing leaves. */
#ifndef GATELAB_LIVE_TOPO_H
#define GATELAB_LIVE_TOPO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum live_ns_role { LIVE_NS_CLIENT, LIVE_NS_GW, LIVE_NS_SERVER, LIVE_NS__COUNT };

#define LIVE_CLIENT4 "192.0.2.10"
#define LIVE_CLIENT6 "2001:db8:1::10"
#define LIVE_GW_IN4 "192.0.2.1"
#define LIVE_GW_IN6 "2001:db8:1::1"
#define LIVE_GW_PUB4 "203.0.113.1"     /* masquerade / the proxy's own connections */
#define LIVE_GW_OUT4 "198.51.100.1"    /* the servers' next hop */
#define LIVE_GW_PUB6 "2001:db8:2::1"
#define LIVE_SRV_A4 "198.51.100.20"    /* the FTP server */
#define LIVE_SRV_B4 "198.51.100.21"    /* the second server (redirect policy) */
#define LIVE_SRV_A6 "2001:db8:2::20"
#define LIVE_SRV_B6 "2001:db8:2::21"
#define LIVE_IF_CLIENT "c0"
#define LIVE_IF_IN "gin"               /* the gateway's inside link */
#define LIVE_IF_OUT "gout"             /* the gateway's outside link */
#define LIVE_IF_SERVER "s0"

struct live_topo {
	char prefix[24];                   /* "gll<pid>": unique per run */
	char ns[LIVE_NS__COUNT][32];       /* "gll<pid>-c", "-gw", "-s" */
	char dir[PATH_MAX];                /* the run's work directory */
	bool up;
};

/* Names everything after the pid and makes the work directory (0755, under
 * $TMPDIR or /tmp). 0 or -errno (err says what). */
int live_topo_init(struct live_topo *t, char *err, size_t errlen);
/* Namespaces, veth pairs, addresses, routes, forwarding. 0, -EPERM/-ENOSYS
 * (no network namespaces here), or another negative errno (err says which
 * step failed). Whatever was made is registered for clean-up. */
int live_topo_up(struct live_topo *t, char *err, size_t errlen);
/* The servers' route back to the inside prefixes: on only for `direct`
 * (plain routing); off, an inside address is unreachable from outside, as
 * behind a real NAT. 0 or -EIO. */
int live_topo_route_inside(const struct live_topo *t, bool on);
/* Checksum, segmentation and receive offloads off on the gateway's two
 * links, so a capture shows the packets as they are on the wire. */
int live_topo_offloads_off(const struct live_topo *t, char *err, size_t errlen);
/* The namespace name of a role. */
const char *live_topo_ns(const struct live_topo *t, enum live_ns_role r);

#endif
