/* rep_link.c - finds the IP packet inside a captured frame for each link type
 * the reader supports, and decides whether a snaplen cut left its headers
 * whole. Pure byte arithmetic, bounds-checked against caplen. */
#include "rep_reader.h"

#include <pcap/pcap.h>

#define REP_ETH_HDR 14
#define REP_SLL_HDR 16
#define REP_SLL2_HDR 20
#define REP_NULL_HDR 4

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

bool rep_linktype_supported(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

static uint8_t version_of_ethertype(uint16_t et)
{
	switch (et) {
	case 0x0800:
		return 4;
	case 0x86dd:
		return 6;
	default:
		return 0;
	}
}

/* BSD AF values are host order of the capturing machine (DLT_NULL) or network
 * order (DLT_LOOP, though writers get it wrong): accept either. AF_INET6 is 24
 * (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
static uint8_t version_of_af(const uint8_t *p)
{
	uint32_t v[2] = {rd32le(p), rd32be(p)};

	for (int i = 0; i < 2; i++) {
		switch (v[i]) {
		case 2:
			return 4;
		case 10:
		case 24:
		case 28:
		case 30:
			return 6;
		default:
			break;
		}
	}
	return 0;
}

/* Sets link_len and ip_version (0: not IP); returns false if the frame is
 * shorter than its link header. */
static bool locate_link(int linktype, struct rep_frame *f)
{
	const uint8_t *d = f->data;
	size_t n = f->caplen;

	f->ip_version = 0;
	switch (linktype) {
	case DLT_EN10MB: {
		size_t off = 12;
		uint16_t et;

		if (n < REP_ETH_HDR)
			return false;
		et = rd16(d + off);
		/* 802.1Q and 802.1ad tags, possibly stacked */
		while (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
			off += 4;
			if (n < off + 2)
				return false;
			et = rd16(d + off);
		}
		f->link_len = off + 2;
		f->ip_version = version_of_ethertype(et);
		return true;
	}
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		f->link_len = 0;
		if (n >= 1)
			f->ip_version = d[0] >> 4;
		return true;
	case DLT_LINUX_SLL:
		if (n < REP_SLL_HDR)
			return false;
		f->link_len = REP_SLL_HDR;
		f->ip_version = version_of_ethertype(rd16(d + 14));
		return true;
	case DLT_LINUX_SLL2:
		if (n < REP_SLL2_HDR)
			return false;
		f->link_len = REP_SLL2_HDR;
		f->ip_version = version_of_ethertype(rd16(d));
		return true;
	case DLT_NULL:
	case DLT_LOOP:
		if (n < REP_NULL_HDR)
			return false;
		f->link_len = REP_NULL_HDR;
		f->ip_version = version_of_af(d);
		return true;
	default:
		return false;
	}
}

/* Bytes of IP + transport header a translator needs to see; 0 if even the
 * fixed IP header is not there. */
static size_t headers_needed(const uint8_t *ip, size_t avail, uint8_t version)
{
	size_t hl;
	uint8_t proto;

	if (version == 4) {
		if (avail < 20)
			return 20;
		hl = (size_t)(ip[0] & 0x0f) * 4;
		proto = ip[9];
		if ((rd16(ip + 6) & 0x1fff) != 0)
			return hl; /* a non-first fragment has no transport header */
	} else {
		if (avail < 40)
			return 40;
		hl = 40;
		proto = ip[6];
	}
	switch (proto) {
	case 6:
		if (avail < hl + 13)
			return hl + 20;
		return hl + (size_t)(ip[hl + 12] >> 4) * 4;
	case 17:
	case 1:
	case 58:
		return hl + 8;
	default:
		/* IPv6 extension headers: not walked here, so ask for the whole
		 * packet (a cut one is then dropped rather than misread) */
		return version == 6 ? (size_t)-1 : hl;
	}
}

void rep_frame_locate(int linktype, struct rep_frame *f)
{
	size_t avail, need;
	const uint8_t *ip;
	bool frame_cut = f->caplen < f->wire_len, known = false;

	f->kind = REP_FRAME_NON_IP;
	f->link_len = f->ip_off = f->ip_len = f->ip_wire_len = 0;
	f->cut = frame_cut;
	if (!locate_link(linktype, f)) {
		f->kind = REP_FRAME_LINK_SHORT;
		return;
	}
	f->ip_off = f->link_len;
	if (f->ip_version != 4 && f->ip_version != 6)
		return;
	ip = f->data + f->ip_off;
	avail = f->caplen - f->ip_off;
	f->kind = REP_FRAME_IP;
	f->ip_len = avail;
	f->ip_wire_len = avail;
	/* The IP packet's own length tells padding (Ethernet trailer) from a cut. */
	if (f->ip_version == 4 && avail >= 4) {
		size_t tot = rd16(ip + 2);

		if (tot >= 20) { /* 0 = offloaded length: trust the capture */
			f->ip_wire_len = tot;
			known = true;
		}
	} else if (f->ip_version == 6 && avail >= 6) {
		f->ip_wire_len = 40 + (size_t)rd16(ip + 4);
		known = true;
	}
	if (f->ip_wire_len < avail)
		f->ip_len = f->ip_wire_len;
	/* A packet longer than a frame that was NOT cut is malformed, not cut:
	 * the engine drops it as such. */
	f->cut = frame_cut && (known ? f->ip_wire_len > avail : true);
	if (!known && frame_cut)
		f->ip_wire_len = avail + (f->wire_len - f->caplen);
	if (!f->cut)
		return;
	need = headers_needed(ip, avail, f->ip_version);
	if (need > avail || need > f->ip_wire_len)
		f->kind = REP_FRAME_CUT_HEADER;
}
