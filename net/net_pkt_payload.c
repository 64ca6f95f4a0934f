/* net_pkt_payload.c - replace a span of TCP/UDP payload with bytes of another
 * length (the FTP editor's PORT/227 rewrite), moving the tail, fixing every
 * length field and recomputing the transport checksum. */
#include "net_pkt.h"

#include <errno.h>
#include <string.h>

#include "net_bytes.h"
#include "net_csum.h"
#include "net_pkt_priv.h"

int net_pkt_replace_payload(struct net_pkt *p, size_t cap, size_t off, size_t old_len,
			    const void *data, size_t new_len)
{
	size_t start, new_total, max_total;
	struct net_pkt q;
	enum net_err err;

	if (p->tuple.proto != NET_PROTO_TCP && p->tuple.proto != NET_PROTO_UDP)
		return -EINVAL;
	/* A fragment's transport checksum covers bytes we do not have. */
	if (p->is_fragment || off > p->payload_len || old_len > p->payload_len - off ||
	    (new_len && !data))
		return -EINVAL;
	/* IPv4 total length and IPv6 payload length are 16-bit fields. */
	max_total = p->family == NET_AF_INET4 ? 65535 : 65535 + 40;
	new_total = p->len - old_len + new_len;
	if (new_total > cap || new_total > max_total)
		return -ENOSPC;

	start = p->payload_off + off;
	memmove(p->buf + start + new_len, p->buf + start + old_len, p->len - start - old_len);
	if (new_len)
		memcpy(p->buf + start, data, new_len);

	if (p->family == NET_AF_INET4) {
		uint16_t old_tot = net_rd16(p->buf + 2);

		net_wr16(p->buf + 2, (uint16_t)new_total);
		net_csum_replace16(p->buf + 10, old_tot, (uint16_t)new_total);
	} else {
		net_wr16(p->buf + 4, (uint16_t)(new_total - 40));
	}
	if (p->tuple.proto == NET_PROTO_UDP)
		net_wr16(p->buf + p->l4_off + 4, (uint16_t)(new_total - p->l4_off));

	/* Only lengths changed in the headers, so the new packet must parse; if
	 * it somehow does not, p is left describing the old one. */
	if (net_pkt_parse(p->buf, new_total, &q, &err) != 0)
		return -EINVAL;
	*p = q;
	/* A zero IPv4 UDP checksum ("none") is left zero by the recomputation. */
	net_pkt_fix_checksums(p);
	return 0;
}
