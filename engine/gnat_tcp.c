/* gnat_tcp.c - the TCP state machine of a mapping and the timeout class each
 * state expires in. Lenient like conntrack's "be liberal" mode: odd packets
 * do not move the state, they are not dropped; only a session's opening is
 * checked (gnat_tcp_can_open). */
#include "gnat_int.h"

bool gnat_tcp_can_open(const struct gnat *g, uint8_t flags)
{
	if (flags & NET_TCP_RST)
		return false;
	if ((flags & (NET_TCP_SYN | NET_TCP_ACK)) == NET_TCP_SYN)
		return true;
	return g->cfg.tcp_pickup;
}

enum gnat_tclass gnat_tclass_for(const struct gnat_mapping *m)
{
	switch ((enum gnat_tcp_state)m->tcp_state) {
	case GNAT_TCP_NONE:
	case GNAT_TCP_SYN_SENT:
	case GNAT_TCP_SYN_RECV:
		return GNAT_TC_SYN;
	case GNAT_TCP_ESTABLISHED:
		return GNAT_TC_EST;
	case GNAT_TCP_FIN_WAIT:
	case GNAT_TCP_CLOSE_WAIT:
	case GNAT_TCP_LAST_ACK:
		return GNAT_TC_FIN;
	case GNAT_TCP_TIME_WAIT:
		return GNAT_TC_TW;
	case GNAT_TCP_CLOSED:
		return GNAT_TC_CLOSED;
	}
	return GNAT_TC_CLOSED;
}

static enum gnat_tcp_state tcp_next(const struct gnat_mapping *m, enum gnat_dir dir,
				    uint8_t flags)
{
	enum gnat_tcp_state s = (enum gnat_tcp_state)m->tcp_state;
	bool syn = flags & NET_TCP_SYN, ack = flags & NET_TCP_ACK, fin = flags & NET_TCP_FIN;

	if (flags & NET_TCP_RST)
		return GNAT_TCP_CLOSED;
	switch (s) {
	case GNAT_TCP_NONE:
		/* first packet: a SYN, or a picked-up mid-session segment */
		return syn && !ack ? GNAT_TCP_SYN_SENT : GNAT_TCP_ESTABLISHED;
	case GNAT_TCP_SYN_SENT:
		if (dir == GNAT_DIR_REPLY && syn && ack)
			return GNAT_TCP_SYN_RECV;
		return s;
	case GNAT_TCP_SYN_RECV:
		if (dir == GNAT_DIR_ORIGINAL && ack && !syn)
			return fin ? GNAT_TCP_FIN_WAIT : GNAT_TCP_ESTABLISHED;
		return s;
	case GNAT_TCP_ESTABLISHED:
		return fin ? GNAT_TCP_FIN_WAIT : s;
	case GNAT_TCP_FIN_WAIT:
		if (dir != m->fin_dir && fin)
			return GNAT_TCP_LAST_ACK;
		if (dir != m->fin_dir && ack)
			return GNAT_TCP_CLOSE_WAIT;
		return s;
	case GNAT_TCP_CLOSE_WAIT:
		return dir != m->fin_dir && fin ? GNAT_TCP_LAST_ACK : s;
	case GNAT_TCP_LAST_ACK:
		return dir == m->fin_dir && ack && !fin ? GNAT_TCP_TIME_WAIT : s;
	case GNAT_TCP_TIME_WAIT:
	case GNAT_TCP_CLOSED:
		/* the same ports reopened: gnat_process ends the mapping before
		 * it gets here; the inverse translation reuses it */
		return dir == GNAT_DIR_ORIGINAL && syn && !ack ? GNAT_TCP_SYN_SENT : s;
	}
	return s;
}

enum gnat_tclass gnat_tcp_update(struct gnat_mapping *m, enum gnat_dir dir, uint8_t flags)
{
	enum gnat_tcp_state old = (enum gnat_tcp_state)m->tcp_state;
	enum gnat_tcp_state s = tcp_next(m, dir, flags);

	if (s == GNAT_TCP_FIN_WAIT && old != GNAT_TCP_FIN_WAIT)
		m->fin_dir = (uint8_t)dir;
	m->tcp_state = (uint8_t)s;
	return gnat_tclass_for(m);
}
