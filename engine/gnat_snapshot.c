/* gnat_snapshot.c - iterates the redirect table for snapshots (teaching,
 * debugging): reads the table, never changes it or its layout; the per-packet
 * path never calls it. */
#include "gnat_snapshot.h"

#include "gnat_int.h"

void gnat_redirect_foreach(const struct gnat *g,
			   void (*fn)(const struct gnat_redirect_info *ri, void *arg), void *arg)
{
	struct gnat_redirect_info ri;

	if (!g || !fn)
		return;
	for (uint32_t i = 0; i < g->rdr_cap && g->c.redirects_active; i++) {
		const struct gnat_redirect *r = &g->rdrs[i];

		if (!r->live)
			continue;
		ri.id = r->id;
		ri.spec = r->spec;
		ri.expires_ns = r->expires_ns;
		ri.owner = r->owner;
		ri.session = r->session;
		fn(&ri, arg);
	}
}
