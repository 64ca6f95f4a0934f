/* gl_fast.h - the layout shared by the eBPF fast path's program
 * (gl_fast.bpf.c) and its user-space backend (natapi_ebpf*.c): map keys and
 * values, ring-buffer events, counter slots. Changing it changes both sides. */
#ifndef GATELAB_GL_FAST_H
#define GATELAB_GL_FAST_H

#include <linux/types.h>

/* Wildcard bits of a pending entry's key (flows are always exact). */
#define GL_WILD_SRC 1u   /* any source address */
#define GL_WILD_SPORT 2u /* any source port */

/* A 5-tuple as seen on the wire; IPv4 addresses in the first 4 bytes. Ports
 * in network order. Padding is explicit and always zero (hashed). */
struct gl_key {
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* 6 or 17 */
	__u8 wild;   /* GL_WILD_* (pending entries only) */
	__u8 pad;
	__be16 sport, dport;
	__u8 src[16], dst[16];
};

/* A session redirect waiting for its connection's first packet. */
struct gl_pend {
	__u8 new_src[16], new_dst[16];
	__be16 new_sport, new_dport; /* 0 = keep */
	__u8 set_src, one_shot, pad[2];
	__u32 rdr_id;
};

#define GL_F_FIN 1u        /* a FIN went this way */
#define GL_F_RST 2u        /* an RST went this way */
#define GL_F_CLOSE_SENT 4u /* the close event was sent (for this entry) */
#define GL_F_MACS 8u       /* mac[] holds the egress Ethernet addresses */

/* One direction of a translated connection: what the packet becomes and
 * where it goes. The counters are written by the program only. */
struct gl_flow {
	__u8 new_src[16], new_dst[16];
	__be16 new_sport, new_dport;
	__u32 ifindex;  /* egress */
	__u32 flow_id;  /* same in both directions */
	__u32 rdr_id;
	__u32 flags;    /* GL_F_* */
	__u32 pad;
	__u8 mac[12];   /* destination, source (GL_F_MACS) */
	__u32 pad2;
	struct gl_key peer; /* the other direction's key */
	__u64 packets, bytes, last_ns;
};

enum gl_ev_type { GL_EV_NEW = 1, GL_EV_CLOSE = 2 };

struct gl_event {
	__u32 type;
	__u32 flow_id;
	__u32 rdr_id;
	__u32 pad;
	struct gl_key fwd, rev; /* NEW: both keys; CLOSE: fwd = the entry that saw it */
};

/* Slots of the program's counter array (per CPU). */
enum gl_cnt {
	GL_C_FLOWS_NEW,     /* connections translated from their first packet */
	GL_C_RB_FULL,       /* first packets left to the stack: event ring full */
	GL_C_COLLISION,     /* first packets left to the stack: a key already in use */
	GL_C_TABLE_FULL,    /* first packets left to the stack: the flow map is full */
	GL_C_NO_ROUTE,      /* first packets left to the stack: no route/forwarding off */
	GL_C_TTL,           /* packets left to the stack: TTL/hop limit expiring */
	GL_C_REDIRECTED,    /* packets translated and redirected */
	GL_C_N
};

#endif
