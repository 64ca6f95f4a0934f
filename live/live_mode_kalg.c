/* live_mode_kalg.c - the kernel's NAT: nftables masquerade on the outside
 * link and the conntrack FTP helper, assigned explicitly to TCP/21 with a
 * `ct helper` object (kernels since 6.0 assign no helper by port; without it
 * the server answers "500 Illegal PORT command"). */
#include <stdio.h>

#include "live_mode.h"
#include "live_ns.h"

static const char live_kalg_rules[] =
	"table inet gatelab_alg {\n"
	"  ct helper ftp-std { type \"ftp\" protocol tcp; l3proto inet; }\n"
	"  chain pre { type filter hook prerouting priority 0;\n"
	"    iifname \"" LIVE_IF_IN "\" tcp dport 21 ct helper set \"ftp-std\"; }\n"
	"  chain post { type nat hook postrouting priority 100;\n"
	"    oifname \"" LIVE_IF_OUT "\" meta nfproto ipv4 snat ip to " LIVE_GW_PUB4 ";\n"
	"    oifname \"" LIVE_IF_OUT "\" meta nfproto ipv6 masquerade; }\n"
	"}\n";

static int live_kalg_start(struct live_mode_state *s)
{
	return live_mode_nft(s, "kernel-alg", live_kalg_rules);
}

static int live_kalg_stop(struct live_mode_state *s, struct rpt_mode_metrics *m)
{
	int rc = LIVE_CMD(live_topo_ns(s->t, LIVE_NS_GW), NULL, 0, "nft", "delete", "table",
			  "inet", "gatelab_alg");

	snprintf(m->live.measured_by, sizeof(m->live.measured_by),
		 "no process on the gateway: nftables NAT with the conntrack FTP helper");
	if (rc < 0)
		snprintf(s->err, sizeof(s->err), "nft delete table inet gatelab_alg");
	return rc;
}

const struct live_mode live_mode_kalg = {
	.name = "kernel-alg",
	.xfer_path = "kernel",
	.ipv6 = true,
	.ext = true,
	.start = live_kalg_start,
	.stop = live_kalg_stop,
};
