/* render_dot.c - Graphviz sources drawn from the metrics: the topology
 * (hosts, the gateway, its two links) and, per mode, the path control and
 * data take through the gateway: kernel only, or up through the proxy. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "render.h"

static void rpt_dot_host(FILE *f, size_t i, const struct rpt_topo_host *h)
{
	fprintf(f, "  h%zu [label=\"", i);
	rpt_dot_puts(f, h->name);
	fputs("\\n(", f);
	rpt_dot_puts(f, h->role);
	fputs(")", f);
	for (size_t k = 0; k < h->n_addr && k < 4; k++) {
		fputs("\\n", f);
		rpt_dot_puts(f, h->addr[k]);
	}
	fprintf(f, "\", shape=%s, style=filled, fillcolor=\"%s\"];\n",
		strcmp(h->role, "gateway") == 0 ? "box3d" : "box",
		strcmp(h->role, "gateway") == 0 ? "#ffe8a8" :
		strcmp(h->role, "client") == 0 ? "#d8eaff" : "#d8f5d8");
}

static void rpt_dot_link_label(FILE *f, const struct rpt_topology *t, const char *name)
{
	for (size_t i = 0; i < t->n_links && i < 2; i++) {
		const struct rpt_topo_link *l = &t->links[i];

		if (strcmp(l->name, name) != 0)
			continue;
		fputs(" [label=\"", f);
		if (l->bandwidth_bps)
			fprintf(f, "%.0f Mbit/s", (double)l->bandwidth_bps / 1e6);
		else
			fputs("unlimited", f);
		fprintf(f, "\\n%.3f ms, loss %.2f%%\\nMTU %" PRIu32 "\"]", l->delay_s * 1e3,
			l->loss * 100.0, l->mtu);
	}
}

int rpt_render_topo_dot(const struct rpt_metrics *m, FILE *f)
{
	const struct rpt_topology *t = &m->topo;
	long gw = -1;

	fputs("graph topology {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=9];\n", f);
	if (!m->has_topology || t->n_hosts == 0) {
		fputs("  none [label=\"no topology in these metrics\", shape=note];\n}\n", f);
		return ferror(f) ? -EIO : 0;
	}
	for (size_t i = 0; i < t->n_hosts && i < RPT_MAX_HOSTS; i++) {
		rpt_dot_host(f, i, &t->hosts[i]);
		if (strcmp(t->hosts[i].role, "gateway") == 0)
			gw = (long)i;
	}
	/* Clients sit on the inside link, servers on the outside one. */
	fputs("  sw_in [label=\"inside\", shape=point];\n  sw_out [label=\"outside\", "
	      "shape=point];\n", f);
	for (size_t i = 0; i < t->n_hosts && i < RPT_MAX_HOSTS; i++) {
		if (strcmp(t->hosts[i].role, "client") == 0)
			fprintf(f, "  h%zu -- sw_in;\n", i);
		else if (strcmp(t->hosts[i].role, "server") == 0)
			fprintf(f, "  sw_out -- h%zu;\n", i);
	}
	if (gw >= 0) {
		fprintf(f, "  sw_in -- h%ld", gw);
		rpt_dot_link_label(f, t, "inside");
		fprintf(f, ";\n  h%ld -- sw_out", gw);
		rpt_dot_link_label(f, t, "outside");
		fputs(";\n", f);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

int rpt_render_path_dot(const struct rpt_mode_metrics *mm, FILE *f)
{
	/* Control goes up when a gateway process made crossings; data goes up
	 * when crossings carried data bytes; otherwise the kernel forwards. */
	bool ctl_up = mm->transitions > 0, data_up = mm->data_transitions > 0;
	bool router = strcmp(mm->mode, "direct") == 0; /* the only mode without a gNAT */

	fputs("digraph path {\n  rankdir=LR; newrank=true; splines=true; nodesep=0.5;\n"
	      "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=filled];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=9];\n  label=\"", f);
	rpt_dot_puts(f, mm->mode);
	fputs("\"; labelloc=t;\n"
	      "  client [fillcolor=\"#d8eaff\"];\n  server [fillcolor=\"#d8f5d8\"];\n"
	      "  { rank=same;\n", f);
	fprintf(f, "    user [label=\"gateway user mode\\n(FTP proxy)\\n%" PRIu64 " transitions\\n%" PRIu64
		" bytes copied\", fillcolor=\"%s\"];\n", mm->transitions, mm->bytes_copied,
		ctl_up ? "#ffd0c8" : "#eeeeee");
	fprintf(f, "    kernel [label=\"gateway kernel\\n(%s)\\n%" PRIu64 " fast-path pkts\", "
		"fillcolor=\"#ffe8a8\"];\n  }\n"
		"  { rank=source; client; }\n"
		"  { rank=sink; server; }\n", router ? "router" : "gNAT", mm->fastpath_packets);
	if (ctl_up) {
		fputs("  client -> kernel [xlabel=\"control\", color=\"#1f5fbf\"];\n"
		      "  kernel -> user [xlabel=\"control up\", color=\"#1f5fbf\"];\n"
		      "  user -> kernel [color=\"#1f5fbf\"];\n"
		      "  kernel -> server [color=\"#1f5fbf\"];\n", f);
	} else {
		fputs("  client -> kernel [xlabel=\"control\", color=\"#1f5fbf\"];\n"
		      "  kernel -> server [color=\"#1f5fbf\"];\n", f);
	}
	if (data_up)
		fprintf(f, "  server -> kernel [xlabel=\"data\", color=\"#c0392b\", penwidth=2];\n"
			"  kernel -> user [xlabel=\"data up: %" PRIu64 " transitions\", "
			"color=\"#c0392b\", penwidth=2];\n  user -> kernel [color=\"#c0392b\", "
			"penwidth=2];\n  kernel -> client [color=\"#c0392b\", penwidth=2];\n",
			mm->data_transitions);
	else
		fprintf(f, "  server -> kernel [xlabel=\"data\", color=\"#c0392b\", penwidth=2];\n"
			"  kernel -> client [xlabel=\"data stays in the kernel\", "
			"color=\"#c0392b\", penwidth=2];\n");
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
