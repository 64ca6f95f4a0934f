/* mkpcap.c - writes a large synthetic Ethernet capture, as seen on a gateway's
 * inside link, for the translate and replay benchmarks: many interleaved TCP flows
 * (handshake, data, FIN) plus FTP control sessions whose PORT (or PASV) opens a
 * data connection; many sessions per client, overlapping in time. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../net/net_csum.h"

#define MK_ETH_LEN 14
#define MK_IP_LEN 20
#define MK_TCP_LEN 20
#define MK_MSS_OPT_LEN 4
#define MK_FRAME_MAX 2048
#define MK_CLIENTS 250      /* 192.0.2.2 .. 192.0.2.251 */
#define MK_SERVERS 240      /* 203.0.113.10 .. 203.0.113.249: never the public .1 */
#define MK_SPORT_BASE 1025  /* client-opened flows: 1025..39999 */
#define MK_SPORT_SPAN 38975
#define MK_DPORT_BASE 40000 /* PORT-announced data ports: 40000..64999 */
#define MK_DPORT_SPAN 25000

enum mk_flow_kind { MK_KIND_BULK, MK_KIND_FTP_CTRL, MK_KIND_FTP_DATA };

/* Each flow walks these steps; the FTP control flow spends its DATA steps on
 * the scripted dialogue instead of random segments. */
enum mk_step {
	MK_STEP_SYN, MK_STEP_SYNACK, MK_STEP_ACK, MK_STEP_DATA,
	MK_STEP_FIN1, MK_STEP_FIN2, MK_STEP_LASTACK, MK_STEP_DONE
};

struct mk_end {
	uint8_t ip[4];
	uint16_t port;
	uint32_t seq; /* next sequence number this end sends */
	uint16_t ip_id;
};

struct mk_flow {
	enum mk_flow_kind kind;
	enum mk_step step;
	struct mk_end end[2];   /* [0] opens the connection */
	int inside;             /* which end is the inside client (0 or 1) */
	uint32_t segs_left;     /* MK_KIND_BULK / DATA data segments still to send */
	int bulk_from;          /* which end sends most data */
	bool ack_owed;          /* the receiver of the last segment owes a pure ACK */
	int last_from;          /* which end sent the last data segment */
	uint16_t data_port;     /* FTP control: the port its PORT/227 announced */
	bool passive;           /* FTP control: PASV instead of PORT */
	unsigned script;        /* FTP control: next line of the dialogue */
	bool blocked;           /* FTP control: waiting for its data connection */
	size_t parent;          /* FTP data: index of the control flow */
};

struct mk_opts {
	const char *out;
	uint64_t packets;
	uint64_t seed;
	uint32_t active;
	uint32_t ftp_every;
	uint32_t passive_every; /* every P-th FTP session uses PASV; 0 none */
	uint32_t clients;       /* inside hosts 192.0.2.2 .. (at most MK_CLIENTS) */
	uint32_t gap_us;        /* mean time between packets; 0: 2..10 us */
	uint64_t ftp_sessions;  /* stop opening flows after this many FTP sessions
				 * and let the open ones finish; 0 no limit */
	uint32_t max_payload;
};

struct mk_stats {
	uint64_t packets, bytes, flows, ftp_sessions, port_commands, pasv_commands,
		data_connections;
	uint64_t ftp_live, ftp_live_max; /* FTP control sessions open at once */
};

struct mk_gen {
	struct mk_opts o;
	uint64_t rng;
	uint64_t ts_ns;
	struct mk_flow *flows;  /* the active set, size o.active */
	size_t n_flows;
	uint64_t next_client_flow, next_data_port;
	pcap_dumper_t *dump;
	uint8_t frame[MK_FRAME_MAX];
	struct mk_stats st;
};

/* splitmix64: seeded here so the whole capture is a function of the seed. */
static uint64_t mk_rand(struct mk_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t mk_below(struct mk_gen *g, uint32_t n)
{
	return (uint32_t)(mk_rand(g) % n);
}

static void mk_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void mk_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void mk_mac(uint8_t *mac, uint8_t host)
{
	static const uint8_t base[5] = {0x02, 0x00, 0x00, 0x00, 0x01};

	memcpy(mac, base, sizeof(base));
	mac[5] = host;
}

/* One frame from end `from` of f; payload may be NULL (then random bytes of
 * len). The TCP checksum covers the pseudo-header, as the receiver checks it. */
static int mk_emit(struct mk_gen *g, struct mk_flow *f, int from, uint8_t flags,
		   const void *payload, size_t len)
{
	struct mk_end *s = &f->end[from], *d = &f->end[!from];
	uint8_t *eth = g->frame, *ip = eth + MK_ETH_LEN, *tcp = ip + MK_IP_LEN;
	size_t opt = (flags & 0x02) ? MK_MSS_OPT_LEN : 0;
	size_t tcp_len = MK_TCP_LEN + opt + len;
	size_t ip_len = MK_IP_LEN + tcp_len;
	uint8_t pseudo[12];
	uint32_t sum;
	struct pcap_pkthdr h;

	if (MK_ETH_LEN + ip_len > sizeof(g->frame))
		return -EINVAL;
	/* Inside hosts talk to the gateway's inside MAC; outside hosts appear
	 * behind the gateway, so their frames carry its MAC as source. */
	mk_mac(eth, from == f->inside ? 0x01 : s->ip[3]);
	mk_mac(eth + 6, from == f->inside ? s->ip[3] : 0x01);
	mk_put16(eth + 12, 0x0800);

	ip[0] = 0x45;
	ip[1] = 0;
	mk_put16(ip + 2, (uint16_t)ip_len);
	mk_put16(ip + 4, s->ip_id++);
	mk_put16(ip + 6, 0x4000); /* DF */
	ip[8] = from == f->inside ? 64 : 63;
	ip[9] = 6;
	mk_put16(ip + 10, 0);
	memcpy(ip + 12, s->ip, 4);
	memcpy(ip + 16, d->ip, 4);
	mk_put16(ip + 10, net_csum_fold(net_csum_add(0, ip, MK_IP_LEN)));

	mk_put16(tcp, s->port);
	mk_put16(tcp + 2, d->port);
	mk_put32(tcp + 4, s->seq);
	mk_put32(tcp + 8, (flags & 0x10) ? d->seq : 0);
	tcp[12] = (uint8_t)(((MK_TCP_LEN + opt) / 4) << 4);
	tcp[13] = flags;
	mk_put16(tcp + 14, 64240);
	mk_put16(tcp + 16, 0);
	mk_put16(tcp + 18, 0);
	if (opt) {
		tcp[20] = 2; /* MSS */
		tcp[21] = 4;
		mk_put16(tcp + 22, 1460);
	}
	if (payload) {
		memcpy(tcp + MK_TCP_LEN + opt, payload, len);
	} else {
		uint64_t r = 0;

		/* Eight letters per draw keeps 2M packets within seconds. */
		for (size_t i = 0; i < len; i++) {
			if (i % 8 == 0)
				r = mk_rand(g);
			tcp[MK_TCP_LEN + opt + i] = (uint8_t)('a' + (r & 0xff) % 26);
			r >>= 8;
		}
	}
	if (len) {
		f->ack_owed = true;
		f->last_from = from;
	}
	memcpy(pseudo, s->ip, 4);
	memcpy(pseudo + 4, d->ip, 4);
	pseudo[8] = 0;
	pseudo[9] = 6;
	mk_put16(pseudo + 10, (uint16_t)tcp_len);
	sum = net_csum_add(0, pseudo, sizeof(pseudo));
	sum = net_csum_add(sum, tcp, tcp_len);
	mk_put16(tcp + 16, net_csum_fold(sum));

	s->seq += (uint32_t)len + ((flags & 0x03) ? 1u : 0u); /* SYN and FIN count */

	if (g->o.gap_us)
		g->ts_ns += (uint64_t)g->o.gap_us * 500 + mk_below(g, g->o.gap_us * 1000);
	else
		g->ts_ns += 2000 + mk_below(g, 8000);
	h.ts.tv_sec = (time_t)(g->ts_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(g->ts_ns % 1000000000ULL / 1000);
	h.caplen = h.len = (bpf_u_int32)(MK_ETH_LEN + ip_len);
	pcap_dump((u_char *)g->dump, &h, g->frame);
	g->st.packets++;
	g->st.bytes += h.caplen;
	return 0;
}

static void mk_end_set(struct mk_end *e, uint8_t net3, uint8_t host, uint16_t port, uint32_t isn)
{
	static const uint8_t inside[3] = {192, 0, 2}, outside[3] = {203, 0, 113};

	memcpy(e->ip, net3 ? outside : inside, 3);
	e->ip[3] = host;
	e->port = port;
	e->seq = isn;
	e->ip_id = (uint16_t)(isn >> 7);
}

/* A new client-opened flow: bulk (HTTP-like) or an FTP control session. */
static void mk_flow_new(struct mk_gen *g, struct mk_flow *f)
{
	uint64_t n = g->next_client_flow++;
	static const uint16_t web[3] = {80, 443, 8080};
	bool ftp = g->o.ftp_every && n % g->o.ftp_every == g->o.ftp_every - 1;

	/* Draws in statement order: argument evaluation order is unspecified,
	 * and the capture must not depend on the compiler. */
	uint32_t isn0 = (uint32_t)mk_rand(g), isn1 = (uint32_t)mk_rand(g);
	uint8_t server = (uint8_t)(10 + mk_below(g, MK_SERVERS));
	uint16_t dport = ftp ? 21 : web[mk_below(g, 3)];

	memset(f, 0, sizeof(*f));
	f->kind = ftp ? MK_KIND_FTP_CTRL : MK_KIND_BULK;
	f->step = MK_STEP_SYN;
	f->inside = 0;
	mk_end_set(&f->end[0], 0, (uint8_t)(2 + n % g->o.clients),
		   (uint16_t)(MK_SPORT_BASE + (n / g->o.clients) % MK_SPORT_SPAN), isn0);
	mk_end_set(&f->end[1], 1, server, dport, isn1);
	f->segs_left = 1 + mk_below(g, 24);
	f->bulk_from = mk_below(g, 4) ? 1 : 0; /* mostly downloads */
	g->st.flows++;
	if (ftp) {
		f->passive = g->o.passive_every &&
			     g->st.ftp_sessions % g->o.passive_every == g->o.passive_every - 1;
		g->st.ftp_sessions++;
		if (++g->st.ftp_live > g->st.ftp_live_max)
			g->st.ftp_live_max = g->st.ftp_live;
	}
}

/* The data connection a PORT announced: opened by the server from port 20;
 * one a 227 announced: opened by the client to the server's port. */
static void mk_flow_data(struct mk_gen *g, struct mk_flow *f, const struct mk_flow *ctrl,
			 size_t parent, uint16_t port)
{
	memset(f, 0, sizeof(*f));
	f->kind = MK_KIND_FTP_DATA;
	f->step = MK_STEP_SYN;
	if (ctrl->passive) {
		f->inside = 0;
		f->end[0] = ctrl->end[0];
		f->end[0].port = (uint16_t)(ctrl->end[0].port ^ 0x8000); /* not a control port */
		f->end[0].seq = (uint32_t)mk_rand(g);
		f->end[1] = ctrl->end[1];
		f->end[1].port = port;
		f->end[1].seq = (uint32_t)mk_rand(g);
		f->bulk_from = 1;
	} else {
		f->inside = 1;
		f->end[0] = ctrl->end[1];
		f->end[0].port = 20;
		f->end[0].seq = (uint32_t)mk_rand(g);
		f->end[1] = ctrl->end[0];
		f->end[1].port = port;
		f->end[1].seq = (uint32_t)mk_rand(g);
		f->bulk_from = 0;
	}
	f->segs_left = 2 + mk_below(g, 40);
	f->parent = parent;
	g->st.flows++;
	g->st.data_connections++;
}

/* The FTP dialogue, one line per step; -1 marks the PORT command. Even
 * entries are the server's, odd ones the client's. */
static const char *const mk_ftp_script[] = {
	"220 gatelab bench FTP server ready.\r\n", "USER anonymous\r\n",
	"331 Please specify the password.\r\n", "PASS bench@\r\n",
	"230 Login successful.\r\n", NULL /* PORT */,
	"200 PORT command successful. Consider using PASV.\r\n", "RETR pub/file.bin\r\n",
	"150 Opening BINARY mode data connection.\r\n", /* data connection here */
	"226 Transfer complete.\r\n", "QUIT\r\n", "221 Goodbye.\r\n",
};
#define MK_FTP_LINES (sizeof(mk_ftp_script) / sizeof(mk_ftp_script[0]))
#define MK_FTP_OPEN_DATA 9 /* script index reached once 150 is sent */

static int mk_ftp_step(struct mk_gen *g, size_t idx)
{
	struct mk_flow *f = &g->flows[idx];
	unsigned i = f->script;
	/* Lines before the data connection alternate server/client from 0;
	 * after it, 226 (server), QUIT (client), 221 (server). */
	int from = (i < MK_FTP_OPEN_DATA) ? !(i & 1) : (i == 10 ? 0 : 1);
	char line[64];
	const char *text = mk_ftp_script[i];
	int rc;

	if (!text && f->passive) {
		text = "PASV\r\n";
		g->st.pasv_commands++;
	} else if (!text) {
		uint16_t port = (uint16_t)(MK_DPORT_BASE + g->next_data_port++ % MK_DPORT_SPAN);
		const uint8_t *a = f->end[0].ip;

		snprintf(line, sizeof(line), "PORT %u,%u,%u,%u,%u,%u\r\n", a[0], a[1], a[2], a[3],
			 port >> 8, port & 0xff);
		text = line;
		f->data_port = port;
		g->st.port_commands++;
	} else if (i == 6 && f->passive) {
		uint16_t port = (uint16_t)(MK_DPORT_BASE + g->next_data_port++ % MK_DPORT_SPAN);
		const uint8_t *a = f->end[1].ip;

		snprintf(line, sizeof(line), "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).\r\n",
			 a[0], a[1], a[2], a[3], port >> 8, port & 0xff);
		text = line;
		f->data_port = port;
	}
	rc = mk_emit(g, f, from, 0x18, text, strlen(text));
	if (rc)
		return rc;
	f->script++;
	if (f->script == MK_FTP_OPEN_DATA) {
		/* The data flow joins the active set; the control flow waits. */
		if (g->n_flows >= (size_t)g->o.active * 2) /* cannot happen: sized 2x */
			return -ENOSPC;
		mk_flow_data(g, &g->flows[g->n_flows], f, idx, f->data_port);
		g->n_flows++;
		f->blocked = true;
	}
	if (f->script == MK_FTP_LINES)
		f->step = MK_STEP_FIN1;
	return 0;
}

/* Advance flow idx by one packet. Returns 1 when the flow is finished. */
static int mk_flow_step(struct mk_gen *g, size_t idx, int *rc)
{
	struct mk_flow *f = &g->flows[idx];
	int data_from;

	*rc = 0;
	switch (f->step) {
	case MK_STEP_SYN:
		*rc = mk_emit(g, f, 0, 0x02, NULL, 0);
		f->step = MK_STEP_SYNACK;
		break;
	case MK_STEP_SYNACK:
		*rc = mk_emit(g, f, 1, 0x12, NULL, 0);
		f->step = MK_STEP_ACK;
		break;
	case MK_STEP_ACK:
		*rc = mk_emit(g, f, 0, 0x10, NULL, 0);
		f->step = MK_STEP_DATA;
		break;
	case MK_STEP_DATA:
		if (f->ack_owed) {
			*rc = mk_emit(g, f, !f->last_from, 0x10, NULL, 0);
			f->ack_owed = false;
			break;
		}
		if (f->kind == MK_KIND_FTP_CTRL) {
			*rc = mk_ftp_step(g, idx);
			break;
		}
		data_from = mk_below(g, 8) ? f->bulk_from : !f->bulk_from;
		*rc = mk_emit(g, f, data_from, 0x18, NULL, 1 + mk_below(g, g->o.max_payload));
		if (--f->segs_left == 0)
			f->step = MK_STEP_FIN1;
		break;
	case MK_STEP_FIN1:
		if (f->ack_owed) {
			*rc = mk_emit(g, f, !f->last_from, 0x10, NULL, 0);
			f->ack_owed = false;
			break;
		}
		*rc = mk_emit(g, f, 0, 0x11, NULL, 0);
		f->step = MK_STEP_FIN2;
		break;
	case MK_STEP_FIN2:
		*rc = mk_emit(g, f, 1, 0x11, NULL, 0);
		f->step = MK_STEP_LASTACK;
		break;
	case MK_STEP_LASTACK:
		*rc = mk_emit(g, f, 0, 0x10, NULL, 0);
		f->step = MK_STEP_DONE;
		return 1;
	case MK_STEP_DONE:
		return 1;
	}
	return 0;
}

/* A data flow ended: unblock its control flow, which may have moved slots. */
static void mk_unblock(struct mk_gen *g, const struct mk_flow *data)
{
	struct mk_flow *c = &g->flows[data->parent];

	c->blocked = false;
}

/* Remove slot idx by moving the last flow into it, fixing parent links. */
static void mk_flow_remove(struct mk_gen *g, size_t idx)
{
	size_t last = g->n_flows - 1;

	if (idx != last) {
		g->flows[idx] = g->flows[last];
		for (size_t i = 0; i < last; i++)
			if (g->flows[i].kind == MK_KIND_FTP_DATA && g->flows[i].parent == last)
				g->flows[i].parent = idx;
	}
	g->n_flows--;
}

static int mk_run(struct mk_gen *g)
{
	int rc = 0;

	int done;

	while (g->n_flows < g->o.active)
		mk_flow_new(g, &g->flows[g->n_flows++]);
	while (g->st.packets < g->o.packets) {
		size_t idx = mk_below(g, (uint32_t)g->n_flows);
		struct mk_flow *f;

		while (g->flows[idx].blocked)
			idx = (idx + 1) % g->n_flows;
		f = &g->flows[idx];
		done = mk_flow_step(g, idx, &rc);
		if (rc)
			break;
		if (!done)
			continue;
		if (f->kind == MK_KIND_FTP_DATA) {
			/* The server answers the transfer on the control session. */
			mk_unblock(g, f);
			mk_flow_remove(g, idx);
		} else {
			if (f->kind == MK_KIND_FTP_CTRL)
				g->st.ftp_live--;
			mk_flow_remove(g, idx);
			if (g->o.ftp_sessions && g->st.ftp_sessions >= g->o.ftp_sessions) {
				if (g->n_flows == 0)
					break; /* every session finished: a complete capture */
				continue;
			}
			if (g->n_flows < g->o.active)
				mk_flow_new(g, &g->flows[g->n_flows++]);
		}
	}
	return rc;
}

static void mk_usage(FILE *to)
{
	fprintf(to,
		"usage: mkpcap OUT [--packets N] [--seed S] [--active K] [--ftp-every M]"
		" [--passive-every P] [--ftp-sessions F] [--clients C] [--gap-us G]\n"
		"       [--max-payload B]\n"
		"  Writes an Ethernet pcap of interleaved TCP flows from 192.0.2.0/24 to\n"
		"  203.0.113.10-249 (every M-th flow an FTP session with PORT and a data\n"
		"  connection; every P-th FTP session uses PASV instead). Same options and\n"
		"  seed, same bytes. Each of the 250 clients has many sessions, K flows are\n"
		"  open at once. --ftp-sessions F: no new flow after the F-th FTP session,\n"
		"  the capture ends when every flow finished (or at N packets). --clients C:\n"
		"  C inside hosts (1..250, default 250). --gap-us G: G microseconds between\n"
		"  packets on average (default: 2..10 us).\n"
		"  defaults: --packets 2000000 --seed 1 --active 512 --ftp-every 16"
		" --passive-every 0 --max-payload 256\n");
}

static int mk_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int mk_parse_args(int argc, char **argv, struct mk_opts *o)
{
	static const struct option longs[] = {
		{"packets", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 's'},
		{"active", required_argument, NULL, 'a'},  {"ftp-every", required_argument, NULL, 'f'},
		{"max-payload", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'},
		{"passive-every", required_argument, NULL, 'P'},
		{"ftp-sessions", required_argument, NULL, 'F'},
		{"clients", required_argument, NULL, 'C'},
		{"gap-us", required_argument, NULL, 'G'},
		{NULL, 0, NULL, 0}};
	uint64_t v;
	int c;

	*o = (struct mk_opts){.packets = 2000000, .seed = 1, .active = 512, .ftp_every = 16,
			      .max_payload = 256, .clients = MK_CLIENTS};
	while ((c = getopt_long(argc, argv, "n:s:a:f:p:P:F:C:G:h", longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (mk_parse_u64(optarg, 1, UINT64_MAX / 2, &o->packets))
				return -EINVAL;
			break;
		case 's':
			if (mk_parse_u64(optarg, 0, UINT64_MAX, &o->seed))
				return -EINVAL;
			break;
		case 'a':
			if (mk_parse_u64(optarg, 1, 1u << 20, &v))
				return -EINVAL;
			o->active = (uint32_t)v;
			break;
		case 'f':
			if (mk_parse_u64(optarg, 0, 1u << 30, &v))
				return -EINVAL;
			o->ftp_every = (uint32_t)v;
			break;
		case 'G':
			if (mk_parse_u64(optarg, 1, 1000000, &v))
				return -EINVAL;
			o->gap_us = (uint32_t)v;
			break;
		case 'C':
			if (mk_parse_u64(optarg, 1, MK_CLIENTS, &v))
				return -EINVAL;
			o->clients = (uint32_t)v;
			break;
		case 'F':
			if (mk_parse_u64(optarg, 1, UINT64_MAX / 2, &o->ftp_sessions))
				return -EINVAL;
			break;
		case 'P':
			if (mk_parse_u64(optarg, 0, 1u << 30, &v))
				return -EINVAL;
			o->passive_every = (uint32_t)v;
			break;
		case 'p':
			if (mk_parse_u64(optarg, 1, 1400, &v))
				return -EINVAL;
			o->max_payload = (uint32_t)v;
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1)
		return -EINVAL;
	o->out = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct mk_gen g;
	pcap_t *pd = NULL;
	char tmp[4096];
	int rc, status = 1;

	memset(&g, 0, sizeof(g));
	rc = mk_parse_args(argc, argv, &g.o);
	if (rc) {
		mk_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", g.o.out) >= sizeof(tmp)) {
		fprintf(stderr, "mkpcap: %s: path too long\n", g.o.out);
		return 2;
	}
	g.rng = g.o.seed;
	g.ts_ns = 1700000000ULL * 1000000000ULL;
	/* Twice the active count: each FTP control flow may add one data flow. */
	g.flows = calloc((size_t)g.o.active * 2, sizeof(*g.flows));
	pd = pcap_open_dead(DLT_EN10MB, 65535);
	if (!g.flows || !pd) {
		fprintf(stderr, "mkpcap: out of memory\n");
		goto out;
	}
	g.dump = pcap_dump_open(pd, tmp);
	if (!g.dump) {
		fprintf(stderr, "mkpcap: %s\n", pcap_geterr(pd));
		goto out;
	}
	rc = mk_run(&g);
	if (pcap_dump_flush(g.dump) != 0)
		rc = rc ? rc : -EIO;
	pcap_dump_close(g.dump);
	if (rc) {
		fprintf(stderr, "mkpcap: %s: %s\n", tmp, strerror(-rc));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, g.o.out) != 0) {
		fprintf(stderr, "mkpcap: %s: %s\n", g.o.out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	printf("mkpcap: wrote %s: packets=%" PRIu64 " bytes=%" PRIu64 " flows=%" PRIu64
	       " ftp_sessions=%" PRIu64 " port_commands=%" PRIu64 " data_connections=%" PRIu64
	       " seed=%" PRIu64 " pasv_commands=%" PRIu64 " ftp_live_max=%" PRIu64 "\n",
	       g.o.out, g.st.packets, g.st.bytes, g.st.flows, g.st.ftp_sessions,
	       g.st.port_commands, g.st.data_connections, g.o.seed, g.st.pasv_commands,
	       g.st.ftp_live_max);
	status = 0;
out:
	if (pd)
		pcap_close(pd);
	free(g.flows);
	return status;
}
