/* fuzz_seed_extract.c - turns a capture into seed inputs for fuzz_packet
 * (single packets and one length-prefixed sequence) and fuzz_ftp (control
 * payloads), moved onto the fuzz gNAT's topology so the seeds reach its
 * mapping, redirect and FTP editor paths rather than being "unrelated".
 * Usage: fuzz_seed_extract CAPTURE PACKET_DIR FTP_DIR NAME MAX
 *        fuzz_seed_extract --synth PACKET_DIR
 * --synth writes whole FTP sessions on that topology (PORT, EPRT, PASV/227,
 * EPSV/229, IPv4 and IPv6, through a destination NAT redirect) whose address
 * text names the fuzz hosts, so the FTP editor really rewrites them: the
 * captures' own PORT lines name their original hosts, which the editor
 * rightly leaves alone as bounces. */
#include <errno.h>
#include <stdbool.h>
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

/* A synthetic session: packets appended as fuzz_packet sequence records. */
struct fse_sess {
	uint8_t out[FSE_SEQ_MAX * 1600];
	size_t len;
	unsigned n;
	bool v6;
	struct net_addr c, s, pub; /* client, server as the client sees it, public */
	struct net_addr s_real;    /* the server the replies come from */
	uint16_t cport, sport;
	uint32_t cseq, sseq;
};

static void fse_put(uint8_t *b, size_t off, uint32_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		b[off + (size_t)(bytes - 1 - i)] = (uint8_t)(v >> (8 * i));
}

/* Append one TCP segment (side 0: from inside, 1: from outside). */
static void fse_tcp(struct fse_sess *ss, int side, const struct net_addr *src, uint16_t sport,
		    const struct net_addr *dst, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags, const char *payload)
{
	uint8_t *b = ss->out + ss->len + 3;
	size_t pl = payload ? strlen(payload) : 0, ih = ss->v6 ? 40 : 20, n = ih + 20 + pl;
	struct net_pkt p;
	enum net_err e;

	if (ss->n >= FSE_SEQ_MAX || ss->len + 3 + n > sizeof(ss->out))
		return;
	memset(b, 0, n);
	if (ss->v6) {
		b[0] = 0x60;
		fse_put(b, 4, (uint32_t)(20 + pl), 2);
		b[6] = 6;
		b[7] = 64;
		memcpy(b + 8, src->a, 16);
		memcpy(b + 24, dst->a, 16);
	} else {
		b[0] = 0x45;
		fse_put(b, 2, (uint32_t)n, 2);
		b[8] = 64;
		b[9] = 6;
		memcpy(b + 12, src->a, 4);
		memcpy(b + 16, dst->a, 4);
	}
	fse_put(b, ih, sport, 2);
	fse_put(b, ih + 2, dport, 2);
	fse_put(b, ih + 4, seq, 4);
	fse_put(b, ih + 8, ack, 4);
	b[ih + 12] = 0x50;
	b[ih + 13] = flags;
	fse_put(b, ih + 14, 65535, 2);
	memcpy(b + ih + 20, payload ? payload : "", pl);
	if (net_pkt_parse(b, n, &p, &e) != 0)
		return;
	net_pkt_fix_checksums(&p);
	ss->out[ss->len] = (uint8_t)side;
	fse_put(ss->out, ss->len + 1, (uint32_t)n, 2);
	ss->len += 3 + n;
	ss->n++;
}

static void fse_client(struct fse_sess *ss, uint8_t flags, const char *text)
{
	fse_tcp(ss, 0, &ss->c, ss->cport, &ss->s, ss->sport, ss->cseq, ss->sseq, flags, text);
	ss->cseq += (uint32_t)(text ? strlen(text) : 0) + !!(flags & (NET_TCP_SYN | NET_TCP_FIN));
}

static void fse_server(struct fse_sess *ss, uint8_t flags, const char *text)
{
	fse_tcp(ss, 1, &ss->s_real, ss->sport, &ss->pub, ss->cport, ss->sseq, ss->cseq, flags,
		text);
	ss->sseq += (uint32_t)(text ? strlen(text) : 0) + !!(flags & (NET_TCP_SYN | NET_TCP_FIN));
}

static int fse_synth_one(const char *dir, const char *name, bool v6, const char *seen,
			 const char *const *lines)
{
	static struct fse_sess ss;
	uint8_t opt = 0x01;

	memset(&ss, 0, sizeof(ss));
	ss.v6 = v6;
	if (net_addr_parse(v6 ? "2001:db8:1::10" : "192.0.2.10", &ss.c) ||
	    net_addr_parse(seen, &ss.s) ||
	    net_addr_parse(v6 ? "2001:db8:ff::7" : "198.51.100.7", &ss.s_real) ||
	    net_addr_parse(v6 ? "2001:db8:2::1" : "203.0.113.1", &ss.pub))
		return -EINVAL;
	ss.cport = 40000;
	ss.sport = 21;
	ss.cseq = 1000;
	ss.sseq = 5000;
	fse_client(&ss, NET_TCP_SYN, NULL);
	fse_server(&ss, NET_TCP_SYN | NET_TCP_ACK, NULL);
	fse_client(&ss, NET_TCP_ACK, NULL);
	/* lines: "C..." from the client, "S..." from the server, "D<port>" the
	 * server's data connection from port 20 to the public address. */
	for (; *lines; lines++) {
		const char *l = *lines;

		if (l[0] == 'C') {
			fse_client(&ss, NET_TCP_ACK | NET_TCP_PSH, l + 1);
		} else if (l[0] == 'S') {
			fse_server(&ss, NET_TCP_ACK | NET_TCP_PSH, l + 1);
		} else if (l[0] == 'D') {
			uint16_t port = (uint16_t)strtoul(l + 1, NULL, 10);

			fse_tcp(&ss, 1, &ss.s_real, 20, &ss.pub, port, 9000, 0, NET_TCP_SYN, NULL);
		} else if (l[0] == 'P') {
			uint16_t port = (uint16_t)strtoul(l + 1, NULL, 10);

			fse_tcp(&ss, 0, &ss.c, 41000, &ss.s, port, 7000, 0, NET_TCP_SYN, NULL);
		}
	}
	fse_client(&ss, NET_TCP_FIN | NET_TCP_ACK, NULL);
	fse_server(&ss, NET_TCP_FIN | NET_TCP_ACK, NULL);
	fse_client(&ss, NET_TCP_ACK, NULL);
	return fse_write(dir, name, 0, &opt, 1, ss.out, ss.len);
}

static int fse_synth(const char *dir)
{
	static const char *const active4[] = {
		"S220 ready\r\n", "CUSER a\r\n", "S331 pw\r\n", "CPASS b\r\n",
		"S230 in\r\n", "CPORT 192,0,2,10,200,1\r\n", "S200 ok\r\n", "D51201",
		"CPORT 192,0,2,10,200,1\r\n", /* the same command again */
		"CEPRT |1|192.0.2.10|5001|\r\n", "S200 ok\r\n", "D5001",
		"CPORT 192,0,2,99,1,1\r\n", /* a bounce: left alone */
		"CPASV\r\n", "S227 Entering Passive Mode (198,51,100,7,100,1).\r\n", "P25601",
		"CEPSV\r\n", "S229 Entering Extended Passive Mode (|||6001|)\r\n", "P6001",
		"S211-Features:\r\n EPRT\r\n211 End\r\n", "CQUIT\r\n", "S221 bye\r\n", NULL};
	static const char *const active6[] = {
		"S220 ready\r\n", "CEPRT |2|2001:db8:1::10|5002|\r\n", "S200 ok\r\n", "D5002",
		"CEPSV\r\n", "S229 Entering Extended Passive Mode (|||6002|)\r\n", "P6002",
		"CEPRT |1|192.0.2.10|5003|\r\n", "S500 no\r\n", NULL};
	static const char *const dnat4[] = {
		"S220 ready\r\n", "CPASV\r\n",
		"S227 Entering Passive Mode (198,51,100,7,100,2).\r\n", "P25602",
		"CEPSV\r\n", "S229 Entering Extended Passive Mode (|||6003|)\r\n", "P6003",
		"CPORT 192,0,2,10,200,3\r\n", "S200 ok\r\n", "D51203",
		"S227 =198,51,100,7,100,4\r\n", NULL};
	int rc = fse_synth_one(dir, "synth-active4", false, "198.51.100.7", active4);

	if (!rc)
		rc = fse_synth_one(dir, "synth-active6", true, "2001:db8:ff::7", active6);
	if (!rc)
		rc = fse_synth_one(dir, "synth-dnat4", false, "198.51.100.99", dnat4);
	return rc;
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

	if (argc == 3 && strcmp(argv[1], "--synth") == 0)
		return fse_synth(argv[2]) == 0 ? 0 : 1;
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
