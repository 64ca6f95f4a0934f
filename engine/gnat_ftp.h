/* gnat_ftp.h - engine-internal entry point of the FTP editor (the kernel ALG
 * for PORT/EPRT/227/229); gnat_create calls it when cfg->ftp_editor is set. */
#ifndef GATELAB_GNAT_FTP_H
#define GATELAB_GNAT_FTP_H

struct gnat;

/* Register the FTP editor on TCP/21. Returns 0 or gnat_editor_register's code. */
int gnat_ftp_editor_register(struct gnat *g);

#endif
