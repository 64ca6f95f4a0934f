/* gnat_ftp.h - internal hook between the engine core and its FTP editor
 * (engine/gnat_ftp.c): gnat_create registers it when cfg->ftp_editor. */
#ifndef GATELAB_GNAT_FTP_H
#define GATELAB_GNAT_FTP_H

struct gnat;

#include <stddef.h>
#include <stdint.h>

/* Register the FTP editor on g for the TCP control ports (ports NULL or
 * n_ports 0: 21 only). Returns 0 or a gnat_editor_register error (-ENOSPC,
 * -EEXIST for a port given twice, -ENOMEM). */
int gnat_ftp_editor_register(struct gnat *g, const uint16_t *ports, size_t n_ports);

#endif
