/* ftp_format.c - the replacement text for an address span. Each formatter
 * writes exactly what the matching parser in ftp_addr_parse.c reads back. */
#include "ftp.h"

#include <errno.h>
#include <stdio.h>

#include "ftp_priv.h"

/* snprintf's result as the formatters report it: the length or -ENOSPC. */
static int ftp_fit(int n, size_t len)
{
	return (n < 0 || (size_t)n >= len) ? -ENOSPC : n;
}

int ftp_format_port(const struct ftp_endpoint *ep, char *buf, size_t len)
{
	const uint8_t *a = ep->addr.a;

	if (!ep->has_addr)
		return -EINVAL;
	if (ep->addr.family != NET_AF_INET4)
		return -EAFNOSUPPORT;
	return ftp_fit(snprintf(buf, len, "%u,%u,%u,%u,%u,%u", a[0], a[1], a[2], a[3],
				(unsigned)(ep->port >> 8), (unsigned)(ep->port & 0xff)),
		       len);
}

int ftp_format_eprt(const struct ftp_endpoint *ep, char delim, char *buf, size_t len)
{
	char host[NET_ADDR_STRLEN];

	/* Port 0 and a bad delimiter would not parse back: refused here too. */
	if (!ep->has_addr || !ep->port || !ftp_delim_ok((uint8_t)delim) ||
	    net_addr_format(&ep->addr, host, sizeof(host)) != 0)
		return -EINVAL;
	return ftp_fit(snprintf(buf, len, "%c%c%c%s%c%u%c", delim,
				ep->addr.family == NET_AF_INET4 ? '1' : '2', delim, host, delim,
				(unsigned)ep->port, delim),
		       len);
}

int ftp_format_229(uint16_t port, char delim, char *buf, size_t len)
{
	if (!port || !ftp_delim_ok((uint8_t)delim))
		return -EINVAL;
	return ftp_fit(snprintf(buf, len, "(%c%c%c%u%c)", delim, delim, delim, (unsigned)port, delim),
		       len);
}

int ftp_format_span(const struct ftp_addr_span *span, const struct ftp_endpoint *ep, char *buf,
		    size_t len)
{
	switch (span->kind) {
	case FTP_ADDR_PORT:
	case FTP_ADDR_227:
		return ftp_format_port(ep, buf, len);
	case FTP_ADDR_EPRT:
		return ftp_format_eprt(ep, span->delim, buf, len);
	case FTP_ADDR_229:
		return ftp_format_229(ep->port, span->delim, buf, len);
	}
	return -EINVAL;
}
