/* ftp_priv.h - rules shared by the parsers and formatters of ftp/ (private),
 * so that what one side writes the other side always reads back. */
#ifndef GATELAB_FTP_PRIV_H
#define GATELAB_FTP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

/* An EPRT/229 delimiter: 33..126 (RFC 2428), minus the characters that can
 * occur in an address or a port, which would make the text ambiguous. */
bool ftp_delim_ok(uint8_t d);

#endif
