/* sim_sock_buf.c - the data path between a simulated application and its
 * TCP: send and receive rings, generated sources and sinks, send/recv, and
 * the per-socket crossing hook that sees every byte moved up or down. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_sock.h"

static int ring_alloc(struct sim_sock_ring *r)
{
	if (r->buf)
		return 0;
	r->buf = malloc(r->cap ? r->cap : 1);
	return r->buf ? 0 : -ENOMEM;
}

static void ring_write(struct sim_sock_ring *r, const uint8_t *src, size_t n)
{
	uint32_t tail = (uint32_t)(((uint64_t)r->head + r->len) % r->cap);
	size_t first = r->cap - tail < n ? r->cap - tail : n;

	memcpy(r->buf + tail, src, first);
	memcpy(r->buf, src + first, n - first);
	r->len += (uint32_t)n;
}

/* Copies n bytes starting skip bytes after the head. */
static void ring_peek(const struct sim_sock_ring *r, size_t skip, uint8_t *dst, size_t n)
{
	uint32_t pos = (uint32_t)(((uint64_t)r->head + skip) % r->cap);
	size_t first = r->cap - pos < n ? r->cap - pos : n;

	memcpy(dst, r->buf + pos, first);
	memcpy(dst + first, r->buf, n - first);
}

static void ring_drop(struct sim_sock_ring *r, size_t n)
{
	r->head = (uint32_t)(((uint64_t)r->head + n) % r->cap);
	r->len -= (uint32_t)n;
}

void sim_sock_tx_read(struct sim_sock *s, uint64_t off, uint8_t *dst, size_t len)
{
	if (s->src_set) {
		s->src.fill(s->src.ctx, off, dst, len);
		return;
	}
	ring_peek(&s->sndring, (size_t)(off - (s->snd_end - s->sndring.len)), dst, len);
}

void sim_sock_tx_acked(struct sim_sock *s, uint64_t off)
{
	uint64_t base, upto = off < s->snd_end ? off : s->snd_end;

	if (s->src_set)
		return;
	base = s->snd_end - s->sndring.len;
	if (upto <= base)
		return;
	ring_drop(&s->sndring, (size_t)(upto - base));
	if (s->want_writable) {
		s->want_writable = false;
		sim_sock_ev_writable(s);
	}
}

uint32_t sim_sock_rx_space(const struct sim_sock *s)
{
	if (s->sink.consume || s->app_closed)
		return s->rcvring.cap;
	return s->rcvring.cap - s->rcvring.len;
}

size_t sim_sock_rx_data(struct sim_sock *s, const uint8_t *data, size_t len)
{
	size_t n;

	if (s->app_closed)
		return len; /* nobody will read it: acknowledge and forget */
	if (s->sink.consume) {
		if (s->xfer.fn)
			s->xfer.fn(s->xfer.ctx, s, SIM_SOCK_UP, len);
		s->sink.consume(s->sink.ctx, s, s->rcv_off, data, len);
		return len;
	}
	if (ring_alloc(&s->rcvring) < 0)
		return 0;
	n = s->rcvring.cap - s->rcvring.len;
	if (n > len)
		n = len;
	ring_write(&s->rcvring, data, n);
	return n;
}

int sim_sock_set_source(struct sim_sock *s, const struct sim_sock_source *src)
{
	if (!src || !src->fill || s->snd_end || s->fin_queued)
		return -EINVAL;
	s->src = *src;
	s->src_set = true;
	s->snd_end = src->total;
	if (s->state == SIM_TCP_ESTABLISHED || s->state == SIM_TCP_CLOSE_WAIT) {
		s->busy++;
		sim_tcp_output(s);
		s->busy--;
	}
	return 0;
}

int sim_sock_set_sink(struct sim_sock *s, const struct sim_sock_sink *sink)
{
	if (!sink || !sink->consume || s->rcvring.len)
		return -EINVAL;
	s->sink = *sink;
	return 0;
}

static bool can_send(const struct sim_sock *s)
{
	return s->state == SIM_TCP_ESTABLISHED || s->state == SIM_TCP_CLOSE_WAIT;
}

long sim_sock_send(struct sim_sock *s, const void *buf, size_t len)
{
	size_t n;

	if (s->fin_queued)
		return -EPIPE;
	if (!can_send(s))
		return s->err ? s->err : -ENOTCONN;
	if (s->src_set)
		return -EINVAL;
	if (ring_alloc(&s->sndring) < 0)
		return -ENOMEM;
	n = s->sndring.cap - s->sndring.len;
	if (n > len)
		n = len;
	if (n < len)
		s->want_writable = true;
	if (!n)
		return -EAGAIN;
	ring_write(&s->sndring, buf, n);
	s->snd_end += n;
	if (s->xfer.fn)
		s->xfer.fn(s->xfer.ctx, s, SIM_SOCK_DOWN, n);
	s->busy++;
	sim_tcp_output(s);
	s->busy--;
	sim_sock_put(s);
	return (long)n;
}

size_t sim_sock_readable_bytes(const struct sim_sock *s)
{
	return s->rcvring.len;
}

long sim_sock_recv(struct sim_sock *s, void *buf, size_t len)
{
	size_t n = s->rcvring.len < len ? s->rcvring.len : len;

	if (n) {
		ring_peek(&s->rcvring, 0, buf, n);
		ring_drop(&s->rcvring, n);
		if (s->xfer.fn)
			s->xfer.fn(s->xfer.ctx, s, SIM_SOCK_UP, n);
		s->busy++;
		sim_tcp_window_update(s);
		s->busy--;
		sim_sock_put(s);
		return (long)n;
	}
	if (!len)
		return 0;
	if (s->fin_rcvd)
		return 0;
	if (s->err)
		return s->err;
	return -EAGAIN;
}
