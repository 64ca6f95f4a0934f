/* fuzz_seed_extract.c - turns a capture into seed inputs for fuzz_packet
 * (single packets and one length-prefixed sequence) and fuzz_ftp (control
 * payloads), moved onto the fuzz gNAT's topology so the seeds reach its
 * mapping, redirect and FTP editor paths rather than being "unrelated".
 * Usage: fuzz_seed_extract CAPTURE PACKET_DIR FTP_DIR NAME MAX */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net_pkt.h"
#include "../replay/rep_reader.h"

#define FSE_SEQ_MAX 64 /* fuzz_packet reads at most this many records */

struct fse_topo {
	struct net_addr client, server;      /* as in the capture */
	struct net_addr in4, in6, pub4, pub6, srv4, srv6;
};

static int fse_write(const char *dir, const char *name, unsigned n, const uint8_t *hdr,
		     size_t hlen, const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s-%04u", dir, name, n);
	f = fopen(path, "wb");
	if (!f)
		return -errno;
	if (fwrite(hdr, 1, hlen, f) != hlen || fwrite(data, 1, len, f) != len)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

/* Client -> server leaves the inside; server -> client arrives at the public
 * address. Returns the gNAT side (0 inside, 1 outside) or -1 to skip. */
static int fse_move(struct fse_topo *t, struct net_pkt *p)
{
	bool v6 = p->family == NET_AF_INET6;

	if (!net_addr_is_set(&t->client)) {
		t->client = p->tuple.src;
		t->server = p->tuple.dst;
	}
	if (net_addr_eq(&p->tuple.src, &t->client)) {
		net_pkt_rewrite_src(p, v6 ? &t->in6 : &t->in4, p->tuple.sport);
		if (net_addr_eq(&p->tuple.dst, &t->server))
			net_pkt_rewrite_dst(p, v6 ? &t->srv6 : &t->srv4, p->tuple.dport);
		return 0;
	}
	if (net_addr_eq(&p->tuple.dst, &t->client)) {
		net_pkt_rewrite_dst(p, v6 ? &t->pub6 : &t->pub4, p->tuple.dport);
		if (net_addr_eq(&p->tuple.src, &t->server))
			net_pkt_rewrite_src(p, v6 ? &t->srv6 : &t->srv4, p->tuple.sport);
		return 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct rep_reader *r = NULL;
	struct fse_topo t;
	struct rep_frame f;
	char err[REP_ERR_LEN];
	static uint8_t pkt[70000], seq[FSE_SEQ_MAX * 1600];
	size_t seq_len = 1, seq_n = 0;
	unsigned n_pkt = 0, n_ftp = 0, max;
	int rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: %s CAPTURE PACKET_DIR FTP_DIR NAME MAX\n", argv[0]);
		return 2;
	}
	max = (unsigned)strtoul(argv[5], NULL, 10);
	memset(&t, 0, sizeof(t));
	if (net_addr_parse("192.0.2.10", &t.in4) || net_addr_parse("2001:db8:1::10", &t.in6) ||
	    net_addr_parse("203.0.113.1", &t.pub4) || net_addr_parse("2001:db8:2::1", &t.pub6) ||
	    net_addr_parse("198.51.100.7", &t.srv4) || net_addr_parse("2001:db8:ff::7", &t.srv6))
		return 2;
	if (rep_reader_open(argv[1], &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 1;
	}
	seq[0] = 0x01; /* fuzz_packet: sequence mode */
	while (rep_reader_next(r, &f) == 0) {
		struct net_pkt p;
		enum net_err e;
		uint8_t hdr[2] = {0, 0};
		int side;

		if (f.kind != REP_FRAME_IP || f.ip_len > sizeof(pkt))
			continue;
		memcpy(pkt, f.data + f.ip_off, f.ip_len);
		if (net_pkt_parse(pkt, f.ip_len, &p, &e) != 0)
			continue;
		side = fse_move(&t, &p);
		if (side < 0)
			continue;
		hdr[1] = (uint8_t)side;
		if (n_pkt < max && fse_write(argv[2], argv[4], n_pkt, hdr, 2, pkt, f.ip_len) == 0)
			n_pkt++;
		if (seq_n < FSE_SEQ_MAX && f.ip_len <= 1500) {
			seq[seq_len] = (uint8_t)side;
			seq[seq_len + 1] = (uint8_t)(f.ip_len >> 8);
			seq[seq_len + 2] = (uint8_t)f.ip_len;
			memcpy(seq + seq_len + 3, pkt, f.ip_len);
			seq_len += 3 + f.ip_len;
			seq_n++;
		}
		if (p.tuple.proto == 6 && p.payload_len && n_ftp < max &&
		    (p.tuple.sport == 21 || p.tuple.dport == 21)) {
			uint8_t opt = p.tuple.sport == 21; /* fuzz_ftp: server bytes */

			if (fse_write(argv[3], argv[4], n_ftp, &opt, 1, pkt + p.payload_off,
				      p.payload_len) == 0)
				n_ftp++;
		}
	}
	if (seq_n && fse_write(argv[2], argv[4], 9999, seq, 1, seq + 1, seq_len - 1) != 0)
		goto out;
	rc = 0;
out:
	rep_reader_close(r);
	return rc;
}
