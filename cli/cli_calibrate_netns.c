/* cli_calibrate_netns.c - the per-packet figure of `gatelab calibrate`: three
 * throw-away network namespaces (inside 192.0.2.0/24, a router, outside
 * 203.0.113.0/24, joined by veth pairs, no route out of them); UDP sent
 * through the router minus UDP sent to it is the router's per-packet cost. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_calibrate.h"

extern char **environ;

#define PKT_BATCH 64
#define PKT_PER_REP 4096
#define PKT_LEN 64

struct lab {
	char ns[3][32];       /* inside, router, outside */
	bool made[3];
	int fd_orig, fd_tx, fd_rt, fd_out;
};

/* Runs argv (ip, nft) quietly; 0 if it exited 0. */
static int run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int status, rc;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -rc;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

#define RUN(...) run((char *const[]){__VA_ARGS__, NULL})

static int ns_enter(const char *name)
{
	char path[64];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* A UDP socket created inside namespace ns (a socket keeps its namespace),
 * bound to addr:9 if addr is given. */
static int ns_socket(struct lab *l, const char *ns, const char *addr)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9)};
	int fd = -1, big = 4 << 20, rc;

	if ((rc = ns_enter(ns)) < 0)
		goto out;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (addr) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
		inet_pton(AF_INET, addr, &sa.sin_addr);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			rc = -errno;
	}
out:
	if (setns(l->fd_orig, CLONE_NEWNET) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0 && fd >= 0)
		close(fd);
	return rc < 0 ? rc : fd;
}

static const char *lab_setup(struct lab *l)
{
	char *in = l->ns[0], *rt = l->ns[1], *out = l->ns[2];

	for (int i = 0; i < 3; i++) {
		RUN("ip", "netns", "del", l->ns[i]); /* a stale one from a killed run */
		if (RUN("ip", "netns", "add", l->ns[i]) < 0)
			return "ip netns add";
		l->made[i] = true;
	}
	if (RUN("ip", "-n", in, "link", "add", "vin", "type", "veth", "peer", "name", "rin",
		"netns", rt) < 0 ||
	    RUN("ip", "-n", out, "link", "add", "vout", "type", "veth", "peer", "name", "rout",
		"netns", rt) < 0)
		return "veth pair";
	if (RUN("ip", "-n", in, "addr", "add", "192.0.2.2/24", "dev", "vin") < 0 ||
	    RUN("ip", "-n", rt, "addr", "add", "192.0.2.1/24", "dev", "rin") < 0 ||
	    RUN("ip", "-n", rt, "addr", "add", "203.0.113.1/24", "dev", "rout") < 0 ||
	    RUN("ip", "-n", out, "addr", "add", "203.0.113.2/24", "dev", "vout") < 0)
		return "addresses";
	if (RUN("ip", "-n", in, "link", "set", "vin", "up") < 0 ||
	    RUN("ip", "-n", rt, "link", "set", "rin", "up") < 0 ||
	    RUN("ip", "-n", rt, "link", "set", "rout", "up") < 0 ||
	    RUN("ip", "-n", out, "link", "set", "vout", "up") < 0)
		return "link up";
	/* Only the two lab prefixes are routed: nothing can leave the lab. */
	if (RUN("ip", "-n", in, "route", "add", "203.0.113.0/24", "via", "192.0.2.1") < 0 ||
	    RUN("ip", "-n", out, "route", "add", "192.0.2.0/24", "via", "203.0.113.1") < 0)
		return "routes";
	if (RUN("ip", "netns", "exec", rt, "sh", "-c",
		"echo 1 > /proc/sys/net/ipv4/ip_forward") < 0)
		return "ip_forward";
	return NULL;
}

/* Masquerade on the router, as the gateway does; optional (needs nft). */
static bool lab_nat(struct lab *l)
{
	char *rt = l->ns[1];

	return RUN("ip", "netns", "exec", rt, "nft", "add", "table", "ip", "glcal") == 0 &&
	       RUN("ip", "netns", "exec", rt, "nft", "add", "chain", "ip", "glcal", "post",
		   "{ type nat hook postrouting priority 100 ; }") == 0 &&
	       RUN("ip", "netns", "exec", rt, "nft", "add", "rule", "ip", "glcal", "post",
		   "oifname", "rout", "masquerade") == 0;
}

static void lab_teardown(struct lab *l)
{
	int *fds[] = {&l->fd_tx, &l->fd_rt, &l->fd_out};

	for (size_t i = 0; i < 3; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	for (int i = 0; i < 3; i++)
		if (l->made[i])
			RUN("ip", "netns", "del", l->ns[i]);
	if (l->fd_orig >= 0)
		close(l->fd_orig);
}

static int drain(int fd, int want)
{
	uint8_t b[PKT_LEN];
	int got = 0;

	while (got < want && recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		got++;
	return got;
}

/* ns per packet for each repeat: only the sends are timed (veth hands the
 * packet on in the sender's softirq, so the whole path is inside sendto);
 * every batch is drained so the receive queue never overflows. */
static int measure(struct lab *l, const char *dst, int rx_fd, struct sim_calib_stat *out,
		   int *lost)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9)};
	double v[CLI_CALIB_REPS];
	uint8_t payload[PKT_LEN] = {0};

	inet_pton(AF_INET, dst, &sa.sin_addr);
	for (int i = 0; i < PKT_BATCH; i++) /* neighbour resolution, caches */
		sendto(l->fd_tx, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa));
	usleep(20000);
	drain(rx_fd, 1 << 20);
	for (int r = 0; r < CLI_CALIB_REPS; r++) {
		double t = 0;

		for (int b = 0; b < PKT_PER_REP / PKT_BATCH; b++) {
			double t0 = cli_calib_now_ns();

			for (int i = 0; i < PKT_BATCH; i++)
				if (sendto(l->fd_tx, payload, sizeof(payload), 0,
					   (struct sockaddr *)&sa, sizeof(sa)) < 0)
					return -errno;
			t += cli_calib_now_ns() - t0;
			*lost += PKT_BATCH - drain(rx_fd, PKT_BATCH);
		}
		v[r] = t / PKT_PER_REP;
	}
	return sim_calib_stat(v, CLI_CALIB_REPS, out);
}

void cli_calib_packet(struct sim_calib_result *r)
{
	struct lab l = {.fd_orig = -1, .fd_tx = -1, .fd_rt = -1, .fd_out = -1};
	const char *fail = NULL;
	sigset_t block, old;
	int lost = 0;

	r->packet_ok = false;
	if (geteuid() != 0) {
		snprintf(r->packet_note, sizeof(r->packet_note),
			 "not root: no namespaces; default per-packet cost kept");
		return;
	}
	/* No signal may stop us between creating and deleting the namespaces;
	 * one that arrives meanwhile is delivered after the teardown. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < 3; i++)
		snprintf(l.ns[i], sizeof(l.ns[i]), "glcal%d-%s", (int)getpid(),
			 i == 0 ? "in" : i == 1 ? "rt" : "out");
	l.fd_orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (l.fd_orig < 0) {
		fail = "open /proc/self/ns/net";
		goto out;
	}
	if ((fail = lab_setup(&l)))
		goto out;
	r->packet_nat = lab_nat(&l);
	if ((l.fd_tx = ns_socket(&l, l.ns[0], NULL)) < 0 ||
	    (l.fd_rt = ns_socket(&l, l.ns[1], "192.0.2.1")) < 0 ||
	    (l.fd_out = ns_socket(&l, l.ns[2], "203.0.113.2")) < 0) {
		fail = "sockets in the namespaces";
		goto out;
	}
	if (measure(&l, "192.0.2.1", l.fd_rt, &r->pkt_local_ns, &lost) < 0 ||
	    measure(&l, "203.0.113.2", l.fd_out, &r->pkt_forward_ns, &lost) < 0) {
		fail = "sending";
		goto out;
	}
	r->packet_ok = true;
	snprintf(r->packet_note, sizeof(r->packet_note),
		 "veth router in namespaces%s; %d of %d packets not received; namespaces removed",
		 r->packet_nat ? " with nft masquerade" : " (no nft: plain forwarding)", lost,
		 2 * CLI_CALIB_REPS * PKT_PER_REP);
out:
	lab_teardown(&l);
	if (fail)
		snprintf(r->packet_note, sizeof(r->packet_note),
			 "namespace lab failed (%s): default per-packet cost kept; namespaces removed",
			 fail);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
