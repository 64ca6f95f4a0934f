/* gnat_ftp.h - internal hook between the engine core and its FTP editor
 * (engine/gnat_ftp.c): gnat_create registers it when cfg->ftp_editor. */
#ifndef GATELAB_GNAT_FTP_H
#define GATELAB_GNAT_FTP_H

struct gnat;

/* Register the FTP editor (TCP/21) on g. Returns 0 or a gnat_editor_register
 * error (-ENOSPC, -EEXIST). */
int gnat_ftp_editor_register(struct gnat *g);

#endif
