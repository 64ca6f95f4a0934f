/* cli_calibrate.h - what the two halves of `gatelab calibrate` share: the
 * boundary measurements (cli_calibrate.c) and the packet-path measurement in
 * throw-away network namespaces (cli_calibrate_netns.c). */
#ifndef GATELAB_CLI_CALIBRATE_H
#define GATELAB_CLI_CALIBRATE_H

#include "../sim/sim_calib.h"

#define CLI_CALIB_REPS 7

/* Monotonic wall-clock time in ns (the only clock reads of the lab). */
double cli_calib_now_ns(void);

/* Measures the per-packet cost through a veth router in namespaces it
 * creates and always removes. Never fails the command: when it cannot run
 * (not root, no `ip`), r->packet_ok stays false and r->packet_note says why. */
void cli_calib_packet(struct sim_calib_result *r);

#endif
