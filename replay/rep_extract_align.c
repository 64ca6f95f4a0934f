/* rep_extract_align.c - which command a reply answers when the capture has
 * holes: a table of the reply codes each command can get, and the rule that
 * moves a reply to a later command or to a command the capture lost. */
#include <stdio.h>
#include <string.h>

#include "rep_extract_int.h"

/* Whether a command can get this reply code: used only to realign replies
 * with commands after a hole in the capture. */
static bool rep_plausible(const char *v, int code)
{
	static const struct { int code; const char *verbs; } t[] = {
		{226, " RETR STOR STOU APPE LIST NLST MLSD ABOR "},
		{250, " CWD XCWD CDUP XCUP DELE RMD XRMD RNTO MLST SITE RETR STOR STOU APPE LIST "
		      "NLST MLSD "},
		{227, " PASV "}, {229, " EPSV "}, {228, " LPSV "}, {213, " SIZE MDTM STAT "},
		{257, " PWD XPWD MKD XMKD "}, {331, " USER "}, {332, " USER PASS "},
		{230, " USER PASS ACCT "}, {221, " QUIT "}, {215, " SYST "}, {234, " AUTH "},
		{211, " FEAT STAT HELP "}, {214, " HELP "}, {350, " REST RNFR "},
	};
	char key[12]; /* " VERB " of a verb up to 7 bytes */

	if (code >= 400)
		return true;
	if (code / 100 == 1)
		return rep_ftp_is_xfer_verb(v);
	snprintf(key, sizeof(key), " %s ", v);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return strstr(t[i].verbs, key) != NULL;
	return code != 200 || !rep_ftp_is_xfer_verb(v);
}

/* After a hole, which command a reply answers: a reply implausible for the
 * oldest waiting command answers a later one (a reply was lost) or a lost
 * command (it answers none: returns false). */
bool rep_ftp_realign(struct rep_flow *f, int code)
{
	struct rep_session *s = f->sess;
	bool lost_c = f->st[f->client_dir].lost > 0, lost_s = f->st[1 - f->client_dir].lost > 0;
	size_t k = f->c->cursor;

	if ((!lost_c && !lost_s) || rep_plausible(s->cmds[k].verb, code))
		return true;
	for (size_t i = k + 1; lost_s && i < s->n_cmds && i <= k + 3; i++) {
		if (rep_plausible(s->cmds[i].verb, code)) {
			f->c->cursor = i;
			return true;
		}
	}
	return !lost_c;
}
