/* live_vsftpd.c - one vsftpd per server address: its own config (listen
 * address, anon_root, log file) so instances never share state; each
 * instance's root is its own directory, so no mount namespace is needed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live_ns.h"
#include "live_vsftpd.h"

static int live_vsftpd_dirs(const char *root, char *err, size_t errlen)
{
	char p[PATH_MAX];
	struct passwd *pw = getpwnam("ftp");

	if (!pw) {
		snprintf(err, errlen, "vsftpd needs the 'ftp' user (apt-get install vsftpd)");
		return -ENOENT;
	}
	if (access("/var/run/vsftpd/empty", X_OK) != 0 && mkdir("/var/run/vsftpd", 0755) &&
	    errno != EEXIST)
		return -errno;
	mkdir("/var/run/vsftpd/empty", 0755);
	/* The root may not be writable by ftp (vsftpd refuses a writable chroot). */
	if (mkdir(root, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(p, sizeof(p), "%s/pub", root);
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(p, sizeof(p), "%s/incoming", root);
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return -errno;
	if (chown(p, pw->pw_uid, pw->pw_gid) != 0)
		return -errno;
	return 0;
}

static int live_vsftpd_conf(struct live_ftpd *d, const struct live_topo *t)
{
	FILE *f;

	if ((size_t)snprintf(d->conf, sizeof(d->conf), "%s/vsftpd-%s.conf", t->dir, d->name) >=
	    sizeof(d->conf))
		return -ENAMETOOLONG;
	f = fopen(d->conf, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# gatelab live: server %s\n"
		"listen=%s\nlisten_ipv6=%s\n%s=%s\n"
		"anonymous_enable=YES\nno_anon_password=YES\nlocal_enable=NO\n"
		"anon_root=%s\nwrite_enable=YES\nanon_upload_enable=YES\nanon_umask=022\n"
		"pasv_enable=YES\nport_enable=YES\nconnect_from_port_20=YES\n"
		"max_clients=0\nmax_per_ip=0\n"
		"seccomp_sandbox=NO\nbackground=NO\nuse_localtime=NO\n"
		"xferlog_enable=YES\nvsftpd_log_file=%s/vsftpd-%s.log\ndual_log_enable=NO\n"
		"secure_chroot_dir=/var/run/vsftpd/empty\n",
		d->name, d->v6 ? "NO" : "YES", d->v6 ? "YES" : "NO",
		d->v6 ? "listen_address6" : "listen_address", d->addr, d->root, t->dir, d->name);
	return fclose(f) == 0 ? 0 : -errno;
}

/* Connects from the server namespace until vsftpd answers. */
static int live_vsftpd_ready(const struct live_topo *t, const struct live_ftpd *d)
{
	struct timespec nap = {0, 20 * 1000 * 1000};

	for (int i = 0; i < 250; i++) {
		struct sockaddr_storage ss = {0};
		socklen_t len;
		int fd = live_ns_socket(live_topo_ns(t, LIVE_NS_SERVER), d->v6 ? AF_INET6 : AF_INET,
					SOCK_STREAM), ok;

		if (fd < 0)
			return fd;
		if (d->v6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			a->sin6_family = AF_INET6;
			a->sin6_port = htons(21);
			inet_pton(AF_INET6, d->addr, &a->sin6_addr);
			len = sizeof(*a);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			a->sin_family = AF_INET;
			a->sin_port = htons(21);
			inet_pton(AF_INET, d->addr, &a->sin_addr);
			len = sizeof(*a);
		}
		ok = connect(fd, (struct sockaddr *)&ss, len) == 0;
		close(fd);
		if (ok)
			return 0;
		nanosleep(&nap, NULL);
	}
	return -ETIMEDOUT;
}

int live_vsftpd_start(const struct live_topo *t, struct live_ftpd *d, const char *name,
		      const char *addr, bool v6, const char *root, char *err, size_t errlen)
{
	char log[PATH_MAX];
	const char *argv[3] = {"/usr/sbin/vsftpd", NULL, NULL};
	int rc;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	snprintf(d->root, sizeof(d->root), "%s", root);
	d->v6 = v6;
	if (access(argv[0], X_OK) != 0) {
		snprintf(err, errlen, "%s not found (apt-get install vsftpd)", argv[0]);
		return -ENOENT;
	}
	if ((rc = live_vsftpd_dirs(root, err, errlen)) < 0) {
		if (rc != -ENOENT)
			snprintf(err, errlen, "vsftpd root %s: %s", root, strerror(-rc));
		return rc;
	}
	if ((rc = live_vsftpd_conf(d, t)) < 0) {
		snprintf(err, errlen, "%s: %s", d->conf, strerror(-rc));
		return rc;
	}
	argv[1] = d->conf;
	if ((size_t)snprintf(log, sizeof(log), "%s/vsftpd-%s.out", t->dir, name) >= sizeof(log)) {
		snprintf(err, errlen, "work directory path too long");
		return -ENAMETOOLONG;
	}
	d->pid = live_spawn(live_topo_ns(t, LIVE_NS_SERVER), argv, log, log);
	if (d->pid < 0) {
		snprintf(err, errlen, "vsftpd: %s", strerror(-d->pid));
		return d->pid;
	}
	if ((rc = live_vsftpd_ready(t, d)) < 0) {
		char tail[200] = "";
		FILE *f = fopen(log, "r");

		if (f) {
			size_t n = fread(tail, 1, sizeof(tail) - 1, f);

			tail[n] = 0;
			fclose(f);
			for (char *c = tail; *c; c++)
				if (*c == '\n')
					*c = ' ';
		}
		snprintf(err, errlen, "vsftpd on %s never listened: %s", addr, tail);
	}
	return rc;
}
