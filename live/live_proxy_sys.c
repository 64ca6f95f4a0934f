/* live_proxy_sys.c - the live driver's syscalls, each counted by kind where
 * it is made: epoll interest, sockets (bind, listen, connect), read/write,
 * close; and the conversion between net_addr and sockaddr. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "live_proxy_int.h"

static const char *const lp_sc_names[LP_SC_N] = {
	"epoll_wait", "epoll_ctl", "socket", "bind", "listen", "accept4", "connect", "read",
	"write", "splice", "pipe2", "shutdown", "close", "setsockopt", "getsockopt",
	"getsockname", "epoll_create1",
};

_Static_assert(LP_SC_N <= LIVE_SYSCALL_KINDS, "live_proxy.h has room for every kind");

int lp_epoll_set(struct lp *d, struct lp_ep *ep, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = ep};
	int rc;

	if (ep->fd < 0 || (ep->in_set && ep->events == events))
		return 0;
	d->sc[LP_SC_EPOLL_CTL]++;
	rc = epoll_ctl(d->epfd, ep->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, ep->fd, &ev);
	if (rc < 0)
		return -errno;
	ep->in_set = true;
	ep->events = events;
	return 0;
}

void lp_epoll_del(struct lp *d, struct lp_ep *ep)
{
	if (ep->fd < 0 || !ep->in_set)
		return;
	d->sc[LP_SC_EPOLL_CTL]++;
	(void)epoll_ctl(d->epfd, EPOLL_CTL_DEL, ep->fd, NULL);
	ep->in_set = false;
	ep->events = 0;
}

void lp_close(struct lp *d, int *fd)
{
	if (*fd < 0)
		return;
	d->sc[LP_SC_CLOSE]++;
	(void)close(*fd);
	*fd = -1;
}

/* close() takes the fd out of the epoll set too: no epoll_ctl needed. */
void lp_ep_close(struct lp *d, struct lp_ep *ep)
{
	lp_close(d, &ep->fd);
	ep->in_set = false;
	ep->events = 0;
}

int lp_sockaddr(const struct net_addr *a, uint16_t port, struct sockaddr_storage *ss,
		socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == NET_AF_INET4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->a, 4);
		*len = sizeof(*s4);
		return 0;
	}
	if (a->family == NET_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->a, 16);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

void lp_from_sockaddr(const struct sockaddr_storage *ss, struct net_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		net_addr_from_v4(a, (const uint8_t *)&s4->sin_addr);
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		net_addr_from_v6(a, s6->sin6_addr.s6_addr);
		*port = ntohs(s6->sin6_port);
	}
}

static int lp_socket(struct lp *d, uint8_t family)
{
	int fd;

	d->sc[LP_SC_SOCKET]++;
	fd = socket(family == NET_AF_INET6 ? AF_INET6 : AF_INET,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int lp_setopt(struct lp *d, int fd, int level, int name)
{
	int one = 1;

	d->sc[LP_SC_SETSOCKOPT]++;
	return setsockopt(fd, level, name, &one, sizeof(one)) < 0 ? -errno : 0;
}

static int lp_bind(struct lp *d, int fd, const struct net_addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (lp_sockaddr(a, port, &ss, &len) != 0)
		return -EINVAL;
	d->sc[LP_SC_BIND]++;
	return bind(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
}

int lp_tcp_socket(struct lp *d, const struct net_addr *a, uint16_t port, int backlog)
{
	int fd = lp_socket(d, a->family);
	int rc;

	if (fd < 0)
		return fd;
	/* A listener reuses its port while old connections sit in TIME_WAIT;
	 * an IPv6 one takes IPv6 only (IPv4 has its own listener). */
	rc = backlog > 0 ? lp_setopt(d, fd, SOL_SOCKET, SO_REUSEADDR) : 0;
	if (rc == 0 && backlog > 0 && a->family == NET_AF_INET6)
		rc = lp_setopt(d, fd, IPPROTO_IPV6, IPV6_V6ONLY);
	/* The proxy's own listeners may start while an IPv6 address is still
	 * tentative (DAD): IP_FREEBIND lets the bind through (both families). */
	if (rc == 0 && backlog > 1)
		rc = lp_setopt(d, fd, IPPROTO_IP, IP_FREEBIND);
	if (rc == 0)
		rc = lp_bind(d, fd, a, port);
	if (rc == 0 && backlog > 0) {
		d->sc[LP_SC_LISTEN]++;
		if (listen(fd, backlog) < 0)
			rc = -errno;
	}
	if (rc) {
		lp_close(d, &fd);
		return rc;
	}
	return fd;
}

int lp_tcp_connect(struct lp *d, const struct net_addr *src, const struct net_addr *dst,
		   uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc = 0;

	if (lp_sockaddr(dst, port, &ss, &len) != 0)
		return -EINVAL;
	if (src && net_addr_is_set(src)) {
		if (src->family != dst->family)
			return -EINVAL;
		fd = lp_tcp_socket(d, src, 0, 0);
	} else {
		fd = lp_socket(d, dst->family);
	}
	if (fd < 0)
		return fd;
	d->sc[LP_SC_CONNECT]++;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		rc = -errno;
	if (rc) {
		lp_close(d, &fd);
		return rc;
	}
	return fd;
}

int lp_sock_error(struct lp *d, int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	d->sc[LP_SC_GETSOCKOPT]++;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

ssize_t lp_read(struct lp *d, int fd, void *buf, size_t n)
{
	ssize_t r;

	d->sc[LP_SC_READ]++;
	r = read(fd, buf, n);
	return r < 0 ? -errno : r;
}

ssize_t lp_write(struct lp *d, int fd, const void *buf, size_t n)
{
	ssize_t r;

	/* write(2), not send(2): the count keeps the kernel's name; SIGPIPE is
	 * ignored while the proxy runs, so a peer gone is EPIPE. */
	d->sc[LP_SC_WRITE]++;
	r = write(fd, buf, n);
	return r < 0 ? -errno : r;
}

void lp_stats_fill(struct lp *d)
{
	struct live_proxy_stats *st = d->st;

	st->n_syscalls = 0;
	for (int k = 0; k < LP_SC_N; k++) {
		st->syscalls[k].name = lp_sc_names[k];
		st->syscalls[k].n = d->sc[k];
		st->n_syscalls++;
	}
}

uint64_t live_proxy_syscalls(const struct live_proxy_stats *st, const char *name)
{
	for (uint32_t i = 0; i < st->n_syscalls && i < LIVE_SYSCALL_KINDS; i++)
		if (st->syscalls[i].name && strcmp(st->syscalls[i].name, name) == 0)
			return st->syscalls[i].n;
	return 0;
}
