/* test_translate_oracle.c - `translate` held to the Linux kernel's own NAT +
 * FTP helper: our output for pcaps/kernel-nat/NAME-inside.pcap must match the
 * kernel's NAME-outside.pcap packet by packet (addresses, payload lengths and
 * bytes, PORT rewrites, seq/ack shifts); NAT ports only have to be consistent.
 * With GATELAB_LIVE_PCAP=DIR/kernel-alg set (tests/it_live.sh), the same check
 * holds a live lab's kernel-alg captures instead (`gatelab live --pcap`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net/net_pkt.h"
#include "../replay/rep_reader.h"
#include "../replay/rep_translate.h"
#include "../replay/rep_writer.h"
#include "tu.h"

#define MAX_FLOWS 256

/* One kernel flow and the flow we produced for it (both as seen outside). */
struct flow_pair {
	struct net_tuple k, o;
};

struct oracle {
	struct flow_pair flows[MAX_FLOWS];
	size_t n_flows;
	/* mismatch counters: all must stay 0 */
	unsigned count, order, addr, plen, payload, port_line, seq, ack, ports, csum;
	unsigned port_lines_seen, seq_shifted;
	/* ports our PORT lines announced, and inbound SYNs to the public
	 * address that went to a port never announced */
	uint16_t announced[64];
	size_t n_announced;
	unsigned unannounced_syn, announced_syn;
};

/* A packet copied out of a frame and parsed. */
struct parsed {
	uint8_t buf[65536];
	struct net_pkt p;
	int ok;
};

static void parse_frame(const struct rep_frame *f, struct parsed *out)
{
	enum net_err e;

	out->ok = 0;
	if (f->kind != REP_FRAME_IP || f->ip_len > sizeof(out->buf))
		return;
	memcpy(out->buf, f->data + f->ip_off, f->ip_len);
	out->ok = net_pkt_parse(out->buf, f->ip_len, &out->p, &e) == 0;
}

/* The flow a kernel tuple maps to must always be the same one of ours, and
 * no two kernel flows may share one of ours (both directions count). */
static void check_ports(struct oracle *or, const struct net_tuple *k, const struct net_tuple *o)
{
	struct net_tuple kr, orr;

	net_tuple_reverse(k, &kr);
	net_tuple_reverse(o, &orr);
	for (size_t i = 0; i < or->n_flows; i++) {
		struct flow_pair *fp = &or->flows[i];

		if (net_tuple_eq(&fp->k, k) || net_tuple_eq(&fp->k, &kr)) {
			bool same = net_tuple_eq(&fp->k, k) ? net_tuple_eq(&fp->o, o)
							    : net_tuple_eq(&fp->o, &orr);
			if (!same)
				or->ports++;
			return;
		}
		if (net_tuple_eq(&fp->o, o) || net_tuple_eq(&fp->o, &orr)) {
			or->ports++; /* our flow already stands for another kernel flow */
			return;
		}
	}
	if (or->n_flows < MAX_FLOWS)
		or->flows[or->n_flows++] = (struct flow_pair){*k, *o};
}

static bool starts(const uint8_t *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && memcmp(p, s, l) == 0;
}

/* Payload: byte-equal, except address-carrying FTP lines where the port
 * digits may differ; those must name the public address as the kernel did. */
static void check_payload(struct oracle *or, const struct net_pkt *o, const struct net_pkt *k,
			  uint64_t n)
{
	const uint8_t *op = o->buf + o->payload_off, *kp = k->buf + k->payload_off;
	size_t len = k->payload_len;

	if (o->payload_len != k->payload_len) {
		if (or->plen++ < 5)
			fprintf(stderr, "packet %llu: payload %zu bytes, kernel %zu\n",
				(unsigned long long)n, o->payload_len, k->payload_len);
		return;
	}
	if (starts(kp, len, "PORT ") || starts(kp, len, "EPRT ")) {
		const char *want = starts(kp, len, "PORT ") ? "PORT 203,0,113,1," : "EPRT |1|203.0.113.1|";

		or->port_lines_seen++;
		if (starts(op, len, "PORT ") && or->n_announced < 64) {
			unsigned a[6];
			char line[128];
			size_t l = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

			memcpy(line, op, l);
			line[l] = '\0';
			if (sscanf(line, "PORT %u,%u,%u,%u,%u,%u", &a[0], &a[1], &a[2], &a[3], &a[4],
				   &a[5]) == 6)
				or->announced[or->n_announced++] = (uint16_t)(a[4] * 256 + a[5]);
		}
		if (!starts(kp, len, want) || !starts(op, len, want)) {
			if (or->port_line++ < 5)
				fprintf(stderr, "packet %llu: '%.*s' vs kernel '%.*s'\n",
					(unsigned long long)n, (int)len, (const char *)op, (int)len,
					(const char *)kp);
		}
		return;
	}
	if (memcmp(op, kp, len) != 0 && !starts(kp, len, "227 ") && !starts(kp, len, "229 ")) {
		if (or->payload++ < 5)
			fprintf(stderr, "packet %llu: payload bytes differ\n", (unsigned long long)n);
	}
}

static void check_packet(struct oracle *or, const struct parsed *in, const struct parsed *o,
			 const struct parsed *k, uint64_t n)
{
	const struct net_pkt *ip = &in->p, *op = &o->p, *kp = &k->p;

	if (!o->ok || !k->ok || !in->ok) {
		or->order++;
		return;
	}
	if (op->tuple.proto != kp->tuple.proto || op->family != kp->family) {
		or->order++;
		return;
	}
	if (!net_addr_eq(&op->tuple.src, &kp->tuple.src) ||
	    !net_addr_eq(&op->tuple.dst, &kp->tuple.dst)) {
		if (or->addr++ < 5)
			fprintf(stderr, "packet %llu: addresses differ from the kernel's\n",
				(unsigned long long)n);
	}
	check_payload(or, op, kp, n);
	check_ports(or, &kp->tuple, &op->tuple);
	if (net_pkt_checksums_ok(kp) && !net_pkt_checksums_ok(op))
		or->csum++;
	if (op->tuple.proto != 6)
		return;
	if ((op->tcp_flags & (NET_TCP_SYN | NET_TCP_ACK)) == NET_TCP_SYN && op->tuple.sport == 20) {
		/* an active-mode data connection: to a port one of our PORTs announced */
		bool found = false;

		for (size_t i = 0; i < or->n_announced; i++)
			found |= or->announced[i] == op->tuple.dport;
		if (found)
			or->announced_syn++;
		else
			or->unannounced_syn++;
	}
	/* the kernel's shift of each sequence number is ours too */
	if (op->seq - ip->seq != kp->seq - ip->seq) {
		if (or->seq++ < 5)
			fprintf(stderr, "packet %llu: seq shift %d, kernel %d\n",
				(unsigned long long)n, (int)(op->seq - ip->seq),
				(int)(kp->seq - ip->seq));
	}
	if ((kp->tcp_flags & NET_TCP_ACK) && op->ack - ip->ack != kp->ack - ip->ack) {
		if (or->ack++ < 5)
			fprintf(stderr, "packet %llu: ack shift %d, kernel %d\n",
				(unsigned long long)n, (int)(op->ack - ip->ack),
				(int)(kp->ack - ip->ack));
	}
	if (kp->seq != ip->seq || kp->ack != ip->ack)
		or->seq_shifted++;
}

static void run_oracle_files(const char *in, const char *kern, unsigned min_port_lines,
			     unsigned min_shifted);

static void run_oracle(const char *name, unsigned min_port_lines, unsigned min_shifted)
{
	char in[256], kern[256];

	snprintf(in, sizeof(in), "pcaps/kernel-nat/%s-inside.pcap", name);
	snprintf(kern, sizeof(kern), "pcaps/kernel-nat/%s-outside.pcap", name);
	run_oracle_files(in, kern, min_port_lines, min_shifted);
}

static void run_oracle_files(const char *in, const char *kern, unsigned min_port_lines,
			     unsigned min_shifted)
{
	static struct rep_translate_opts o;
	static struct parsed pin, pout, pk;
	static struct oracle or;
	struct rep_translate_result res;
	struct rep_reader *ri = NULL, *ro = NULL, *rk = NULL;
	struct rep_frame fi, fo, fk;
	char out[64] = "/tmp/gatelab_oracle.XXXXXX", err[REP_ERR_LEN];
	int fd, ci, co, ck;
	uint64_t n = 0;

	memset(&o, 0, sizeof(o));
	memset(&or, 0, sizeof(or));
	fd = mkstemp(out);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(net_prefix_parse("192.0.2.0/24", &o.inside[0]) == 0);
	CU_ASSERT_FATAL(net_prefix_parse("2001:db8:1::/64", &o.inside[1]) == 0);
	o.n_inside = 2;
	CU_ASSERT_FATAL(net_addr_parse("203.0.113.1", &o.public4) == 0);
	CU_ASSERT_FATAL(net_addr_parse("2001:db8:2::1", &o.public6) == 0);

	CU_ASSERT_EQUAL_FATAL(rep_translate_run(in, out, &o, &res), 0);
	CU_ASSERT_EQUAL(res.dropped, 0);
	CU_ASSERT_EQUAL(res.pkts_in, res.pkts_out);
	CU_ASSERT(res.sessions >= 2); /* control + data connections */
	CU_ASSERT(res.translated > 0);

	CU_ASSERT_EQUAL_FATAL(rep_reader_open(in, &ri, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(out, &ro, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(rep_reader_open(kern, &rk, err, sizeof(err)), 0);
	for (;;) {
		ci = rep_reader_next(ri, &fi);
		co = rep_reader_next(ro, &fo);
		ck = rep_reader_next(rk, &fk);
		if (ci || co || ck)
			break;
		n++;
		if (fo.ts_ns != fi.ts_ns) /* OUT keeps the capture's times: order too */
			or.order++;
		parse_frame(&fi, &pin);
		parse_frame(&fo, &pout);
		parse_frame(&fk, &pk);
		check_packet(&or, &pin, &pout, &pk, n);
	}
	/* same packet count: all three end together */
	CU_ASSERT_EQUAL(ci, -ENODATA);
	CU_ASSERT_EQUAL(co, -ENODATA);
	CU_ASSERT_EQUAL(ck, -ENODATA);
	CU_ASSERT_EQUAL(n, res.pkts_in);
	CU_ASSERT_EQUAL(or.order, 0);
	CU_ASSERT_EQUAL(or.addr, 0);
	CU_ASSERT_EQUAL(or.plen, 0);
	CU_ASSERT_EQUAL(or.payload, 0);
	CU_ASSERT_EQUAL(or.port_line, 0);
	CU_ASSERT_EQUAL(or.seq, 0);
	CU_ASSERT_EQUAL(or.ack, 0);
	CU_ASSERT_EQUAL(or.ports, 0);
	CU_ASSERT_EQUAL(or.csum, 0);
	CU_ASSERT_EQUAL(or.unannounced_syn, 0);
	CU_ASSERT_EQUAL(or.announced_syn, min_port_lines); /* each PORT got its connection */
	/* the capture exercised what it is here for */
	CU_ASSERT(or.port_lines_seen >= min_port_lines);
	CU_ASSERT(or.seq_shifted >= min_shifted);
	CU_ASSERT(or.n_flows >= 2);
	rep_reader_close(ri);
	rep_reader_close(ro);
	rep_reader_close(rk);
	unlink(out);
}

/* Three PORTs, each one byte longer after the rewrite: seq/ack shift +1..+3. */
static void test_oracle_lftp_port(void)
{
	run_oracle("lftp-port", 3, 10);
}

/* PASV: 227 untouched, data connections masqueraded, no shifts. */
static void test_oracle_curl_pasv(void)
{
	run_oracle("curl-pasv", 0, 0);
}

/* Is the packet in this frame sent by the inside (a client) or by the
 * gateway's public address: "outbound". */
static bool frame_outbound(const struct rep_frame *f)
{
	static struct parsed p;
	struct net_prefix in4, in6;
	struct net_addr pub4, pub6;

	parse_frame(f, &p);
	net_prefix_parse("192.0.2.0/24", &in4);
	net_prefix_parse("2001:db8:1::/64", &in6);
	net_addr_parse("203.0.113.1", &pub4);
	net_addr_parse("2001:db8:2::1", &pub6);
	return p.ok && (net_prefix_contains(&in4, &p.p.tuple.src) ||
			net_prefix_contains(&in6, &p.p.tuple.src) ||
			net_addr_eq(&p.p.tuple.src, &pub4) || net_addr_eq(&p.p.tuple.src, &pub6));
}

struct held {
	uint64_t ts;
	uint8_t *data;
	size_t caplen, wire_len;
	uint64_t key;
	bool used;
};

/* What NAT leaves alone in a packet: the IPv4 id, the TCP window and flags,
 * the payload length (PORT lines aside, which are few). */
static uint64_t frame_key(const struct rep_frame *f)
{
	static struct parsed p;
	uint64_t id = 0;

	parse_frame(f, &p);
	if (!p.ok)
		return 0;
	if (p.p.family == NET_AF_INET4)
		id = (uint64_t)p.p.buf[4] << 8 | p.p.buf[5];
	return id << 48 | (uint64_t)p.p.window << 32 | (uint64_t)p.p.tcp_flags << 24 |
	       (p.p.payload_len & 0xffffff);
}

/* Two tcpdumps on two links of a 2-CPU gateway: each direction keeps its
 * order, but a packet going one way and one coming back may swap between
 * the files, and even two packets of one flow forwarded by two CPUs. Writes
 * kern's packets in the inside capture's order: each inside packet takes the
 * first unused outside packet of its direction with the same key
 * (frame_key) among the next 64, else the first unused one. Returns 0, or -1
 * when the directions' counts differ (the check then fails on the counts). */
static int align_outside(const char *in, const char *kern, const char *out)
{
	struct held *q[2] = {NULL, NULL};
	size_t n[2] = {0, 0}, cap[2] = {0, 0}, next[2] = {0, 0};
	struct rep_reader *ri = NULL, *rk = NULL;
	struct rep_writer *w = NULL;
	struct rep_frame f;
	char err[REP_ERR_LEN];
	int rc = -1;

	if (rep_reader_open(kern, &rk, err, sizeof(err)) || rep_reader_open(in, &ri, err, sizeof(err)))
		goto out;
	while (rep_reader_next(rk, &f) == 0) {
		int d = frame_outbound(&f);

		if (n[d] == cap[d]) {
			cap[d] = cap[d] ? 2 * cap[d] : 1024;
			q[d] = realloc(q[d], cap[d] * sizeof(*q[d]));
			CU_ASSERT_PTR_NOT_NULL_FATAL(q[d]);
		}
		q[d][n[d]] = (struct held){f.ts_ns, malloc(f.caplen), f.caplen, f.wire_len,
					   frame_key(&f), false};
		CU_ASSERT_PTR_NOT_NULL_FATAL(q[d][n[d]].data);
		memcpy(q[d][n[d]++].data, f.data, f.caplen);
	}
	if (rep_writer_open(out, rep_reader_linktype(rk), rep_reader_precision(rk),
			    rep_reader_snaplen(rk), &w, err, sizeof(err)))
		goto out;
	rc = 0;
	while (rep_reader_next(ri, &f) == 0) {
		int d = frame_outbound(&f);
		uint64_t key = frame_key(&f);
		struct held *h = NULL;

		while (next[d] < n[d] && q[d][next[d]].used)
			next[d]++;
		if (next[d] == n[d]) {
			rc = -1;
			break;
		}
		for (size_t i = next[d]; i < n[d] && i < next[d] + 64 && !h; i++)
			if (!q[d][i].used && q[d][i].key == key)
				h = &q[d][i];
		if (!h)
			h = &q[d][next[d]];
		h->used = true;
		rep_writer_write(w, h->ts, h->data, h->caplen, h->wire_len);
	}
	for (int d = 0; d < 2; d++)
		for (size_t i = 0; i < n[d]; i++)
			if (!q[d][i].used)
				rc = -1;
	if (rep_writer_commit(w, err, sizeof(err)))
		rc = -1;
out:
	for (int d = 0; d < 2; d++) {
		for (size_t i = 0; i < n[d]; i++)
			free(q[d][i].data);
		free(q[d]);
	}
	rep_reader_close(ri);
	rep_reader_close(rk);
	return rc;
}

/* A live lab's kernel-alg captures: GATELAB_LIVE_PCAP=DIR/kernel-alg, with
 * GATELAB_LIVE_PORTS the PORT commands the run's clients sent (each must get
 * its data connection, each shifts sequence numbers by one byte). */
static void test_oracle_live(void)
{
	const char *pre = getenv("GATELAB_LIVE_PCAP"), *ports = getenv("GATELAB_LIVE_PORTS");
	char in[512], kern[512], aligned[64] = "/tmp/gatelab_oracle_al.XXXXXX";
	unsigned n = ports ? (unsigned)strtoul(ports, NULL, 10) : 0;
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pre);
	snprintf(in, sizeof(in), "%s-inside.pcap", pre);
	snprintf(kern, sizeof(kern), "%s-outside.pcap", pre);
	fd = mkstemp(aligned);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(align_outside(in, kern, aligned), 0);
	run_oracle_files(in, aligned, n, n ? 1 : 0);
	unlink(aligned);
}

int main(int argc, char **argv)
{
	static const struct tu_case shipped[] = {TU_CASE(test_oracle_lftp_port),
						 TU_CASE(test_oracle_curl_pasv), {NULL, NULL}};
	static const struct tu_case live[] = {TU_CASE(test_oracle_live), {NULL, NULL}};

	return tu_main("translate_oracle", getenv("GATELAB_LIVE_PCAP") ? live : shipped, argc,
		       argv);
}
