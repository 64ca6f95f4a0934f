/* render_csv.c - metrics.csv: one row per mode with the contract fields of
 * gatelab.metrics/1, for spreadsheets; numbers at full precision. */
#include <errno.h>
#include <inttypes.h>

#include "render.h"

int rpt_render_csv(const struct rpt_metrics *m, FILE *f)
{
	fputs("scenario,seed,mode,transitions,data_transitions,bytes_copied,api_calls,"
	      "fastpath_packets,proxied_packets,gateway_cpu_s,throughput_bps,transfers_ok,"
	      "transfers_failed\r\n", f);
	for (size_t i = 0; i < m->n_modes && i < RPT_MAX_MODES; i++) {
		const struct rpt_mode_metrics *x = &m->modes[i];

		rpt_csv_field(f, m->scenario);
		fprintf(f, ",%" PRIu64 ",", m->seed);
		rpt_csv_field(f, x->mode);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%.17g,%.17g,%" PRIu64 ",%" PRIu64 "\r\n",
			x->transitions, x->data_transitions, x->bytes_copied, x->api_calls,
			x->fastpath_packets, x->proxied_packets, x->gateway_cpu_s,
			x->throughput_bps, x->transfers_ok, x->transfers_failed);
	}
	return ferror(f) ? -EIO : 0;
}
