/* sim_ftpd_cmd.c - the server model's answers to each command of a normal
 * session (RFC 959, 2389, 2428, 3659), from a table: verb, whether login is
 * needed, handler. Replies follow what vsftpd/proftpd send. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sim_ftpd_priv.h"

/* Resolves arg against the cwd; replies 553 and returns false if it cannot. */
static bool path_of(struct sim_ftpd_sess *s, const char *arg, size_t alen, char *out)
{
	if (sim_vfs_resolve(s->cwd, arg, alen, out) < 0) {
		sim_ftpd_reply(s, 553, "Could not resolve the file name.");
		return false;
	}
	return true;
}

static struct sim_vfs_node *file_of(struct sim_ftpd_sess *s, const char *arg, size_t alen,
				    char *path)
{
	struct sim_vfs_node *n;

	if (!path_of(s, arg, alen, path))
		return NULL;
	n = sim_vfs_lookup(s->d->vfs, path);
	if (!n || n->kind != SIM_VFS_FILE) {
		sim_ftpd_reply(s, 550, "Failed to open file.");
		return NULL;
	}
	return n;
}

static void c_user(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	const char *u = s->d->cfg.user;
	bool anon = (alen == 9 && strncasecmp(arg, "anonymous", 9) == 0) ||
		    (alen == 3 && strncasecmp(arg, "ftp", 3) == 0);

	if (!alen) {
		sim_ftpd_reply(s, 501, "USER needs a name.");
		return;
	}
	if (u && !anon && (strlen(u) != alen || strncmp(u, arg, alen) != 0)) {
		s->login = SIM_FTPD_NEED_USER;
		sim_ftpd_reply(s, 530, "This user is not allowed.");
		return;
	}
	s->login = SIM_FTPD_NEED_PASS;
	sim_ftpd_reply(s, 331, "Please specify the password.");
}

static void c_pass(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	const char *p = s->d->cfg.pass;

	if (s->login == SIM_FTPD_LOGGED_IN) {
		sim_ftpd_reply(s, 230, "Already logged in.");
		return;
	}
	if (s->login != SIM_FTPD_NEED_PASS) {
		sim_ftpd_reply(s, 503, "Login with USER first.");
		return;
	}
	if (p && (strlen(p) != alen || strncmp(p, arg, alen) != 0)) {
		s->login = SIM_FTPD_NEED_USER;
		sim_ftpd_reply(s, 530, "Login incorrect.");
		return;
	}
	s->login = SIM_FTPD_LOGGED_IN;
	sim_ftpd_reply(s, 230, "Login successful.");
}

static void c_acct(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_reply(s, 202, "ACCT not needed on this server.");
}

static void c_cwd(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];
	const struct sim_vfs_node *n;

	if (!path_of(s, alen ? arg : "/", alen ? alen : 1, p))
		return;
	n = sim_vfs_lookup(s->d->vfs, p);
	if (!n || n->kind != SIM_VFS_DIR) {
		sim_ftpd_reply(s, 550, "Failed to change directory.");
		return;
	}
	memcpy(s->cwd, p, sizeof(s->cwd));
	sim_ftpd_reply(s, 250, "Directory successfully changed.");
}

static void c_cdup(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	c_cwd(s, "..", 2);
}

static void c_pwd(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_replyf(s, 257, "\"%s\" is the current directory", s->cwd);
}

static void c_syst(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_reply(s, 215, "UNIX Type: L8");
}

static void c_feat(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_reply(s, 211, "Features:\n EPRT\n EPSV\n MDTM\n MLST type*;size*;modify*;perm*;\n"
		       " PASV\n REST STREAM\n SIZE\n TVFS\n UTF8\nEnd");
}

static void c_opts(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	if ((alen >= 4 && strncasecmp(arg, "UTF8", 4) == 0) ||
	    (alen >= 4 && strncasecmp(arg, "MLST", 4) == 0))
		sim_ftpd_reply(s, 200, "Option set.");
	else
		sim_ftpd_reply(s, 501, "Option not understood.");
}

static void c_type(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char t = alen ? (char)(arg[0] & ~0x20) : 0;

	if (t == 'I' || (t == 'L' && alen == 3 && arg[2] == '8')) {
		s->ascii = false;
		sim_ftpd_reply(s, 200, "Switching to Binary mode.");
	} else if (t == 'A') {
		s->ascii = true;
		sim_ftpd_reply(s, 200, "Switching to ASCII mode.");
	} else {
		sim_ftpd_reply(s, 504, "Unrecognised TYPE command.");
	}
}

static void c_mode(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	if (alen == 1 && (arg[0] == 'S' || arg[0] == 's'))
		sim_ftpd_reply(s, 200, "Mode set to S.");
	else
		sim_ftpd_reply(s, 504, "Bad MODE command.");
}

static void c_stru(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	if (alen == 1 && (arg[0] == 'F' || arg[0] == 'f'))
		sim_ftpd_reply(s, 200, "Structure set to F.");
	else
		sim_ftpd_reply(s, 504, "Bad STRU command.");
}

/* The address a PASV/EPSV announces: configured, else where the client reached us. */
static void pasv_addr(struct sim_ftpd_sess *s, struct net_addr *a)
{
	uint16_t p;

	if (net_addr_is_set(&s->d->cfg.pasv_addr))
		*a = s->d->cfg.pasv_addr;
	else
		sim_sock_local(s->ctl, a, &p);
}

static void c_pasv(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	struct ftp_endpoint ep = {.has_addr = true};
	char text[128];

	(void)arg;
	(void)alen;
	pasv_addr(s, &ep.addr);
	if (ep.addr.family != NET_AF_INET4) {
		sim_ftpd_reply(s, 500, "PASV is IPv4 only; use EPSV.");
		return;
	}
	if (sim_ftpd_pasv_open(s, &ep.port) < 0 ||
	    sim_ftpd_format_227(s, &ep, text, sizeof(text)) < 0) {
		sim_ftpd_reply(s, 425, "Cannot open passive connection.");
		return;
	}
	sim_ftpd_reply(s, 227, text);
}

static void c_epsv(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	struct net_addr a;
	uint16_t port;
	char text[64], f[32];
	int k;

	pasv_addr(s, &a);
	if (alen == 3 && strncasecmp(arg, "ALL", 3) == 0) {
		sim_ftpd_reply(s, 200, "EPSV ALL ok.");
		return;
	}
	if ((alen && !(alen == 1 && arg[0] == (a.family == NET_AF_INET4 ? '1' : '2'))) ||
	    (a.family == NET_AF_INET4 && !s->d->cfg.epsv_v4)) {
		sim_ftpd_reply(s, 522, a.family == NET_AF_INET4
			       ? "Network protocol not supported, use (1)"
			       : "Network protocol not supported, use (2)");
		return;
	}
	if (sim_ftpd_pasv_open(s, &port) < 0 || (k = ftp_format_229(port, '|', f, sizeof(f))) < 0) {
		sim_ftpd_reply(s, 425, "Cannot open passive connection.");
		return;
	}
	snprintf(text, sizeof(text), "Entering Extended Passive Mode %.*s", k, f);
	sim_ftpd_reply(s, 229, text);
}

static void port_common(struct sim_ftpd_sess *s, const struct ftp_endpoint *ep)
{
	int code = sim_ftpd_port_check(s, ep);

	if (code) {
		sim_ftpd_reply(s, code, "Illegal PORT command.");
		return;
	}
	if (s->xs != SIM_FTPD_X_IDLE) {
		sim_ftpd_reply(s, 425, "Transfer in progress.");
		return;
	}
	sim_ftpd_port_set(s, ep);
	sim_ftpd_reply(s, 200, "PORT command successful. Consider using PASV.");
}

static void c_port(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	struct ftp_endpoint ep;

	if (ftp_parse_port_arg((const uint8_t *)arg, alen, &ep) < 0) {
		sim_ftpd_reply(s, 501, "Illegal PORT command.");
		return;
	}
	port_common(s, &ep);
}

static void c_eprt(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	struct ftp_endpoint ep;
	char delim;

	if (ftp_parse_eprt_arg((const uint8_t *)arg, alen, &ep, &delim) < 0) {
		sim_ftpd_reply(s, 501, "Illegal EPRT command.");
		return;
	}
	port_common(s, &ep);
}

static void c_list(struct sim_ftpd_sess *s, const char *verb, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];
	uint8_t *text = NULL;
	size_t len = 0;
	int rc;

	/* "LIST -la" and friends: options are not a path */
	if (alen && arg[0] == '-') {
		const char *sp = memchr(arg, ' ', alen);

		alen = sp ? alen - (size_t)(sp + 1 - arg) : 0;
		arg = sp ? sp + 1 : arg;
	}
	if (!path_of(s, alen ? arg : ".", alen ? alen : 1, p))
		return;
	rc = sim_ftpd_list_text(s, verb, p, &text, &len);
	if (rc < 0) {
		sim_ftpd_reply(s, rc == -ENOTDIR ? 501 : 550,
			       rc == -ENOTDIR ? "Not a directory." : "No such file or directory.");
		return;
	}
	s->rest = 0;
	sim_ftpd_xfer_send(s, verb, p, 0, text, len, 0, NULL);
}

static void c_list_ls(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	c_list(s, "LIST", arg, alen);
}

static void c_nlst(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	c_list(s, "NLST", arg, alen);
}

static void c_mlsd(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	c_list(s, "MLSD", arg, alen);
}

static void c_mlst(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH], facts[SIM_VFS_MAX_PATH + 96];
	const struct sim_vfs_node *n;

	if (!path_of(s, alen ? arg : ".", alen ? alen : 1, p))
		return;
	n = sim_vfs_lookup(s->d->vfs, p);
	if (!n || sim_ftpd_mlst_facts(n, true, facts, sizeof(facts)) < 0) {
		sim_ftpd_reply(s, 550, "No such file or directory.");
		return;
	}
	sim_ftpd_replyf(s, 250, "Listing %s\n %s\nEnd", p, facts);
}

static void c_retr(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];
	struct sim_vfs_node *n = file_of(s, arg, alen, p);

	if (!n)
		return;
	if (!n->generated) {
		sim_ftpd_reply(s, 550, "Failed to open file.");
		return;
	}
	if (s->rest > n->size) {
		sim_ftpd_reply(s, 554, "Invalid REST parameter.");
		s->rest = 0;
		return;
	}
	sim_ftpd_xfer_send(s, "RETR", p, n->seed, NULL, n->size - s->rest, 0, NULL);
}

static void upload(struct sim_ftpd_sess *s, const char *verb, const char *p)
{
	char parent[SIM_VFS_MAX_PATH];
	const struct sim_vfs_node *n;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", p);
	slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = '\0';
	else if (slash)
		*slash = '\0';
	n = sim_vfs_lookup(s->d->vfs, parent);
	if (!n || n->kind != SIM_VFS_DIR || strcmp(p, "/") == 0 ||
	    ((n = sim_vfs_lookup(s->d->vfs, p)) && n->kind == SIM_VFS_DIR)) {
		sim_ftpd_reply(s, 553, "Could not create file.");
		return;
	}
	sim_ftpd_xfer_recv(s, verb, p, 0, NULL);
}

static void c_stor(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];

	if (!alen) {
		sim_ftpd_reply(s, 501, "STOR needs a file name.");
		return;
	}
	if (path_of(s, arg, alen, p))
		upload(s, "STOR", p);
}

static void c_appe(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];

	if (!alen) {
		sim_ftpd_reply(s, 501, "APPE needs a file name.");
		return;
	}
	if (path_of(s, arg, alen, p))
		upload(s, "APPE", p);
}

static void c_stou(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char name[32], p[SIM_VFS_MAX_PATH];

	(void)arg;
	(void)alen;
	do {
		snprintf(name, sizeof(name), "stou.%u", ++s->d->stou_seq);
		if (!path_of(s, name, strlen(name), p))
			return;
	} while (sim_vfs_lookup(s->d->vfs, p));
	upload(s, "STOU", p);
}

static void c_rest(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < alen && arg[i] >= '0' && arg[i] <= '9' && i < 19; i++)
		v = v * 10 + (uint64_t)(arg[i] - '0');
	if (!alen || i != alen) {
		sim_ftpd_reply(s, 501, "REST needs a number.");
		return;
	}
	s->rest = v;
	sim_ftpd_replyf(s, 350, "Restart position accepted (%llu).", (unsigned long long)v);
}

static void c_abor(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_xfer_abort(s);
}

static void c_dele(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];

	if (!file_of(s, arg, alen, p))
		return;
	sim_vfs_remove(s->d->vfs, p);
	sim_ftpd_reply(s, 250, "Delete operation successful.");
}

static void c_mkd(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];

	if (!alen) {
		sim_ftpd_reply(s, 501, "MKD needs a name.");
		return;
	}
	if (!path_of(s, arg, alen, p))
		return;
	if (sim_vfs_mkdir(s->d->vfs, p) < 0) {
		sim_ftpd_reply(s, 550, "Create directory operation failed.");
		return;
	}
	sim_ftpd_replyf(s, 257, "\"%s\" created", p);
}

static void c_rmd(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];
	const struct sim_vfs_node *n;

	if (!path_of(s, arg, alen, p))
		return;
	n = sim_vfs_lookup(s->d->vfs, p);
	if (!n || n->kind != SIM_VFS_DIR || strcmp(p, s->cwd) == 0 ||
	    sim_vfs_remove(s->d->vfs, p) < 0) {
		sim_ftpd_reply(s, 550, "Remove directory operation failed.");
		return;
	}
	sim_ftpd_reply(s, 250, "Remove directory operation successful.");
}

static void c_rnfr(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];

	if (!path_of(s, arg, alen, p))
		return;
	if (!sim_vfs_lookup(s->d->vfs, p)) {
		sim_ftpd_reply(s, 550, "RNFR command failed.");
		return;
	}
	memcpy(s->rnfr, p, sizeof(s->rnfr));
	s->has_rnfr = true;
	sim_ftpd_reply(s, 350, "Ready for RNTO.");
}

static void c_rnto(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];

	if (!s->has_rnfr) {
		sim_ftpd_reply(s, 503, "RNFR required first.");
		return;
	}
	s->has_rnfr = false;
	if (!path_of(s, arg, alen, p))
		return;
	if (sim_vfs_rename(s->d->vfs, s->rnfr, p) < 0) {
		sim_ftpd_reply(s, 550, "Rename failed.");
		return;
	}
	sim_ftpd_reply(s, 250, "Rename successful.");
}

static void c_size(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];
	const struct sim_vfs_node *n = file_of(s, arg, alen, p);

	if (n)
		sim_ftpd_replyf(s, 213, "%llu", (unsigned long long)n->size);
}

static void c_mdtm(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH], when[16];
	const struct sim_vfs_node *n = file_of(s, arg, alen, p);
	time_t t;
	struct tm tm;

	if (!n)
		return;
	t = (time_t)n->mtime;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%d%H%M%S", &tm);
	sim_ftpd_reply(s, 213, when);
}

static void c_site(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	if (alen >= 4 && strncasecmp(arg, "HELP", 4) == 0)
		sim_ftpd_reply(s, 214, "CHMOD UMASK HELP");
	else if ((alen >= 5 && strncasecmp(arg, "CHMOD", 5) == 0) ||
		 (alen >= 5 && strncasecmp(arg, "UMASK", 5) == 0))
		sim_ftpd_reply(s, 200, "SITE command ok.");
	else
		sim_ftpd_reply(s, 500, "Unknown SITE command.");
}

static void c_noop(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_reply(s, 200, "NOOP ok.");
}

static void c_help(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	sim_ftpd_reply(s, 214, "The following commands are recognized.\n"
		       " ABOR ACCT APPE CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD\n"
		       " MLSD MLST MODE NLST NOOP OPTS PASS PASV PORT PWD  QUIT REST RETR\n"
		       " RMD  RNFR RNTO SITE SIZE STAT STOR STOU STRU SYST TYPE USER\n"
		       "Help OK.");
}

static void c_stat(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	char p[SIM_VFS_MAX_PATH];
	const struct sim_vfs_node *n;
	uint8_t *text = NULL;
	char *body = NULL;
	size_t len = 0, o;

	if (!alen) {
		sim_ftpd_replyf(s, 211, "FTP server status:\n Logged in, cwd %s\n TYPE: %s\n"
				" Data connection: %s\nEnd of status",
				s->cwd, s->ascii ? "ASCII" : "BINARY",
				s->xs != SIM_FTPD_X_IDLE ? "transferring" : "idle");
		return;
	}
	if (!path_of(s, arg, alen, p))
		return;
	n = sim_vfs_lookup(s->d->vfs, p);
	if (!n || sim_ftpd_list_text(s, "LIST", p, &text, &len) < 0) {
		sim_ftpd_reply(s, 550, "No such file or directory.");
		goto out;
	}
	/* the listing over the control connection: its lines become reply lines */
	body = malloc(len + 64);
	if (!body) {
		sim_ftpd_reply(s, 451, "Out of memory.");
		goto out;
	}
	o = (size_t)sprintf(body, "Status of %.32s:\n", p);
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\r')
			body[o++] = (char)text[i];
	memcpy(body + o, "End of status", 14);
	/* RFC 959: 212 directory status, 213 file status */
	sim_ftpd_reply(s, n->kind == SIM_VFS_DIR ? 212 : 213, body);
out:
	free(body);
	free(text);
}

static void c_quit(struct sim_ftpd_sess *s, const char *arg, size_t alen)
{
	(void)arg;
	(void)alen;
	/* set first: the flush after the reply then ends the connection */
	s->quitting = true;
	sim_ftpd_data_free(s);
	sim_ftpd_reply(s, 221, "Goodbye.");
}

struct cmd_ent {
	const char *verb;
	bool need_login;
	void (*fn)(struct sim_ftpd_sess *s, const char *arg, size_t alen);
};

static const struct cmd_ent cmds[] = {
	{"USER", false, c_user}, {"PASS", false, c_pass}, {"ACCT", false, c_acct},
	{"CWD", true, c_cwd},    {"XCWD", true, c_cwd},   {"CDUP", true, c_cdup},
	{"XCUP", true, c_cdup},  {"PWD", true, c_pwd},    {"XPWD", true, c_pwd},
	{"SYST", false, c_syst}, {"FEAT", false, c_feat}, {"OPTS", false, c_opts},
	{"TYPE", true, c_type},  {"MODE", true, c_mode},  {"STRU", true, c_stru},
	{"PASV", true, c_pasv},  {"EPSV", true, c_epsv},  {"PORT", true, c_port},
	{"EPRT", true, c_eprt},  {"LIST", true, c_list_ls}, {"NLST", true, c_nlst},
	{"MLSD", true, c_mlsd},  {"MLST", true, c_mlst},  {"RETR", true, c_retr},
	{"STOR", true, c_stor},  {"APPE", true, c_appe},  {"STOU", true, c_stou},
	{"REST", true, c_rest},  {"ABOR", true, c_abor},  {"DELE", true, c_dele},
	{"MKD", true, c_mkd},    {"XMKD", true, c_mkd},   {"RMD", true, c_rmd},
	{"XRMD", true, c_rmd},   {"RNFR", true, c_rnfr},  {"RNTO", true, c_rnto},
	{"SIZE", true, c_size},  {"MDTM", true, c_mdtm},  {"SITE", true, c_site},
	{"NOOP", false, c_noop}, {"HELP", false, c_help}, {"STAT", true, c_stat},
	{"QUIT", false, c_quit},
};

void sim_ftpd_cmd(struct sim_ftpd_sess *s, const struct ftp_cmd *c)
{
	char arg[FTP_MAX_LINE + 1];
	size_t alen = c->arg_len < FTP_MAX_LINE ? c->arg_len : FTP_MAX_LINE;

	memcpy(arg, c->arg ? (const char *)c->arg : "", c->arg ? alen : 0);
	if (!c->arg)
		alen = 0;
	arg[alen] = '\0';
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].verb, c->verb) != 0)
			continue;
		if (cmds[i].need_login && s->login != SIM_FTPD_LOGGED_IN) {
			sim_ftpd_reply(s, 530, "Please login with USER and PASS.");
			return;
		}
		if (strcmp(c->verb, "RNFR") != 0)
			s->has_rnfr = s->has_rnfr && strcmp(c->verb, "RNTO") == 0;
		cmds[i].fn(s, arg, alen);
		return;
	}
	s->d->st.unknown_commands++;
	if (s->d->cfg.unknown_code == 502)
		sim_ftpd_reply(s, 502, "Command not implemented.");
	else
		sim_ftpd_reply(s, 500, "Unknown command.");
}
