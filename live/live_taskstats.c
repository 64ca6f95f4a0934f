/* live_taskstats.c - exit accounting over generic netlink (taskstats): the
 * kernel sends one record per exiting task on the registered CPUs, so the CPU
 * and context switches of a process tree that is not our direct child (ftp-
 * proxy under strace, and the session children it forks) are measured alone,
 * without the tracer's. Note: the kernel rounds rchar/wchar/syscr/syscw in
 * these records down to multiples of 1024; only the exact fields are used. */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live_measure.h"

struct live_trec {
	uint32_t pid, ppid;
	struct live_tstats_sum s;
};

struct live_tstats {
	int fd;
	uint16_t family;
	struct live_trec *rec;
	size_t n, cap;
	uint64_t lost;
};

#define LIVE_NLBUF 16384

static int live_nl_send(int fd, uint16_t type, uint8_t cmd, uint16_t attr, const void *data,
			size_t len)
{
	char buf[256] = {0};
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = NLMSG_DATA(nh);
	struct nlattr *na = (struct nlattr *)((char *)gh + GENL_HDRLEN);
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};

	if (NLA_HDRLEN + len + NLMSG_HDRLEN + GENL_HDRLEN > sizeof(buf))
		return -EINVAL;
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST;
	nh->nlmsg_pid = 0;
	gh->cmd = cmd;
	gh->version = 1;
	na->nla_type = attr;
	na->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)na + NLA_HDRLEN, data, len);
	nh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(na->nla_len));
	if (sendto(fd, buf, nh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* CTRL_CMD_GETFAMILY "TASKSTATS" -> its id. */
static int live_nl_family(int fd, uint16_t *id)
{
	char buf[LIVE_NLBUF];
	ssize_t n;
	int rc = live_nl_send(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
			      TASKSTATS_GENL_NAME, sizeof(TASKSTATS_GENL_NAME));

	if (rc)
		return rc;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
	     nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : -ENOENT;
		}
		char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
		char *end = (char *)nh + nh->nlmsg_len;

		while (p + NLA_HDRLEN <= end) {
			struct nlattr *na = (struct nlattr *)p;

			if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
				break;
			if (na->nla_type == CTRL_ATTR_FAMILY_ID && na->nla_len >= NLA_HDRLEN + 2) {
				memcpy(id, p + NLA_HDRLEN, 2);
				return 0;
			}
			p += NLA_ALIGN(na->nla_len);
		}
	}
	return -ENOENT;
}

int live_tstats_open(struct live_tstats **out)
{
	struct sockaddr_nl me = {.nl_family = AF_NETLINK};
	struct live_tstats *ts = calloc(1, sizeof(*ts));
	char mask[32];
	int big = 8 << 20, rc = 0;

	if (!ts)
		return -ENOMEM;
	ts->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (ts->fd < 0) {
		rc = -errno;
		free(ts);
		return rc;
	}
	/* Every exit on the machine comes here while registered: room for bursts. */
	setsockopt(ts->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(ts->fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    (rc = live_nl_family(ts->fd, &ts->family)) != 0) {
		rc = rc ? rc : -errno;
		goto fail;
	}
	snprintf(mask, sizeof(mask), "0-%ld", sysconf(_SC_NPROCESSORS_CONF) - 1);
	rc = live_nl_send(ts->fd, ts->family, TASKSTATS_CMD_GET,
			  TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask, strlen(mask) + 1);
	if (rc)
		goto fail;
	*out = ts;
	return 0;
fail:
	close(ts->fd);
	free(ts);
	return rc;
}

static int live_tstats_add(struct live_tstats *ts, const struct taskstats *t)
{
	struct live_trec *r;

	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 256;
		struct live_trec *nr = realloc(ts->rec, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		ts->rec = nr;
		ts->cap = cap;
	}
	r = &ts->rec[ts->n++];
	memset(r, 0, sizeof(*r));
	r->pid = t->ac_pid;
	r->ppid = t->ac_ppid;
	r->s.utime_us = t->ac_utime;
	r->s.stime_us = t->ac_stime;
	r->s.read_char = t->read_char;
	r->s.write_char = t->write_char;
	r->s.read_syscalls = t->read_syscalls;
	r->s.write_syscalls = t->write_syscalls;
	r->s.nvcsw = t->nvcsw;
	r->s.nivcsw = t->nivcsw;
	r->s.processes = 1;
	return 0;
}

/* One TASKSTATS_TYPE_AGGR_PID: nested PID then STATS. */
static int live_tstats_msg(struct live_tstats *ts, char *p, char *end)
{
	while (p + NLA_HDRLEN <= end) {
		struct nlattr *na = (struct nlattr *)p;

		if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end)
			return -EPROTO;
		if (na->nla_type == TASKSTATS_TYPE_AGGR_PID) {
			char *q = p + NLA_HDRLEN, *qend = p + na->nla_len;

			while (q + NLA_HDRLEN <= qend) {
				struct nlattr *nb = (struct nlattr *)q;

				if (nb->nla_len < NLA_HDRLEN || q + nb->nla_len > qend)
					return -EPROTO;
				if (nb->nla_type == TASKSTATS_TYPE_STATS) {
					struct taskstats t = {0};
					size_t len = nb->nla_len - NLA_HDRLEN;

					memcpy(&t, q + NLA_HDRLEN, len < sizeof(t) ? len : sizeof(t));
					if (live_tstats_add(ts, &t) < 0)
						return -ENOMEM;
				}
				q += NLA_ALIGN(nb->nla_len);
			}
		}
		p += NLA_ALIGN(na->nla_len);
	}
	return 0;
}

int live_tstats_drain(struct live_tstats *ts)
{
	static char buf[LIVE_NLBUF];

	for (;;) {
		ssize_t n = recv(ts->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			ts->lost++; /* the kernel dropped records: say so in the sum */
			continue;
		}
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type != ts->family)
				continue;
			int rc = live_tstats_msg(ts, (char *)NLMSG_DATA(nh) + GENL_HDRLEN,
						 (char *)nh + nh->nlmsg_len);

			if (rc)
				return rc;
		}
	}
}

void live_tstats_sum(struct live_tstats *ts, pid_t root, struct live_tstats_sum *sum)
{
	bool *in, grew = true;

	live_tstats_drain(ts);
	in = ts->n ? calloc(ts->n, sizeof(*in)) : NULL;
	memset(sum, 0, sizeof(*sum));
	sum->lost = ts->lost;
	if (!in)
		return;
	/* Children exit before their parents: iterate to a fixed point. A
	 * recycled pid cannot enter: its record would need our tree's ppid. */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < ts->n; i++) {
			if (in[i])
				continue;
			bool take = ts->rec[i].pid == (uint32_t)root;

			for (size_t k = 0; !take && k < ts->n; k++)
				take = in[k] && ts->rec[k].pid == ts->rec[i].ppid;
			if (!take && ts->rec[i].ppid == (uint32_t)root)
				take = true;
			if (take) {
				in[i] = true;
				grew = true;
			}
		}
	}
	for (size_t i = 0; i < ts->n; i++) {
		const struct live_tstats_sum *s = &ts->rec[i].s;

		if (!in[i])
			continue;
		sum->utime_us += s->utime_us;
		sum->stime_us += s->stime_us;
		sum->read_char += s->read_char;
		sum->write_char += s->write_char;
		sum->read_syscalls += s->read_syscalls;
		sum->write_syscalls += s->write_syscalls;
		sum->nvcsw += s->nvcsw;
		sum->nivcsw += s->nivcsw;
		sum->processes++;
	}
	free(in);
}

void live_tstats_close(struct live_tstats *ts)
{
	if (!ts)
		return;
	close(ts->fd);
	free(ts->rec);
	free(ts);
}
