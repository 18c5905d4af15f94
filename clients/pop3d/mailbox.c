/*
 * mailbox.c - the TRANSACTION and UPDATE states of a session: opening
 * the user's Maildir after login (lock, list), the message commands
 * (STAT, LIST, RETR, TOP, DELE, RSET, NOOP, UIDL), and after QUIT the
 * deletions, then new/ moved to cur/ and the seen flags.
 *
 * Sizes are RFC 1939 sizes, the message as sent with CRLF line endings
 * (a stored bare LF counts two): the ,W=<size> in the name when the
 * delivering agent wrote one (mxd and Dovecot do), otherwise only
 * reading the message can tell, so it is read once for it, when a
 * command first needs its size.  Deletions happen only after QUIT, and
 * so do the moves of the messages left in new/ to cur/ and the seen
 * flags (S) of those RETR sent, one rename each, none for mail that is
 * deleted; a session ending any other way changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pop3d.h"

#define ENC_SLICE	POP3_IO_CHUNK

struct send_ctx {
	struct pop3_session	*s;
	struct pop3_enc		 enc;
};

static void
reply_maildir_err(struct pop3_session *s, int r, const char *what)
{
	session_log(s, LOG_LVL_WARN, "%s: %s: %s", s->user, what,
	    s->md != NULL ? maildir_error(s->md) : maildir_strstatus(r));
	if (r == MAILDIR_ETEMP)
		(void)session_reply(s, "-ERR [SYS/TEMP] %s failed, try later",
		    what);
	else if (r == MAILDIR_ENOENT)
		(void)session_reply(s, "-ERR no such message");
	else
		(void)session_reply(s, "-ERR [SYS/PERM] %s failed", what);
}

/* Open store, mailbox and lock for u: 0, or -1 having replied. */
static int
open_maildir(struct pop3_session *s, const struct userdb_user *u)
{
	const struct conf_mount *mnt;
	const char *rel;
	char err[512], owner[512];
	int r;

	if ((mnt = conf_mount_find(s->cfg->conf, u->home, &rel, err,
	    sizeof(err))) == NULL) {
		session_log(s, LOG_LVL_ERROR, "%s: %s", u->name, err);
		(void)session_reply(s, "-ERR [SYS/PERM] mailbox not found");
		return -1;
	}
	if ((s->store = maildir_pool_take(mnt->url, err, sizeof(err))) ==
	    NULL || (s->md = maildir_open(s->store, rel, u->uid, u->gid, err,
	    sizeof(err))) == NULL) {
		session_log(s, LOG_LVL_WARN, "%s: %s", u->name, err);
		(void)session_reply(s, "-ERR [SYS/TEMP] mailbox unavailable, "
		    "try later");
		return -1;
	}
	r = snprintf(owner, sizeof(owner), "%s pid %ld session %lu user %s",
	    s->cfg->conf->hostname, (long)getpid(), s->id, u->name);
	if (r < 0 || (size_t)r >= sizeof(owner))
		owner[0] = '\0';
	switch (lock_take(s->md, owner, &s->lock, err, sizeof(err))) {
	case LOCK_OK:
		return 0;
	case LOCK_BUSY:
		session_log(s, LOG_LVL_INFO, "%s: mailbox in use", u->name);
		(void)session_reply(s, "-ERR [IN-USE] mailbox in use by "
		    "another session");
		return -1;
	default:
		session_log(s, LOG_LVL_WARN, "%s: lock: %s", u->name, err);
		(void)session_reply(s, "-ERR [SYS/TEMP] mailbox unavailable, "
		    "try later");
		return -1;
	}
}

/* List the messages: 0 or -1 (replied). */
static int
load_messages(struct pop3_session *s)
{
	size_t i;
	int r;

	if ((r = maildir_list(s->md, &s->list, POP3_LIST_MAX)) !=
	    MAILDIR_OK) {
		reply_maildir_err(s, r, "listing the mailbox");
		return -1;
	}
	if (s->list.n > 0 &&
	    (s->msgs = calloc(s->list.n, sizeof(*s->msgs))) == NULL) {
		(void)session_reply(s, "-ERR [SYS/TEMP] out of memory");
		return -1;
	}
	s->nmsgs = s->list.n;
	for (i = 0; i < s->nmsgs; i++)
		s->msgs[i].m = &s->list.msgs[i];
	return 0;
}

int
mailbox_open(struct pop3_session *s, const struct userdb_user *u)
{
	if (open_maildir(s, u) == -1 || load_messages(s) == -1) {
		mailbox_close(s);
		return -1;
	}
	s->state = POP3_TRANSACTION;
	(void)session_reply(s, "+OK %s has %zu messages", u->name,
	    s->nmsgs);
	return 0;
}

void
mailbox_close(struct pop3_session *s)
{
	if (s->md != NULL)
		lock_release(s->md, &s->lock);
	free(s->msgs);
	s->msgs = NULL;
	s->nmsgs = 0;
	maildir_list_free(&s->list);
	memset(&s->list, 0, sizeof(s->list));
	maildir_close(&s->md);
	maildir_pool_give(&s->store);
}

void
mailbox_touch(struct pop3_session *s)
{
	if (s->md != NULL)
		lock_refresh(s->md, s->lock);
}

static int
count_cb(const void *buf, size_t len, void *arg)
{
	pop3_enc_count(arg, buf, len);
	return 0;
}

/* The CRLF size of message i (0-based): MAILDIR_OK or an error. */
static int
msg_size(struct pop3_session *s, size_t i, uint64_t *size)
{
	struct pop3_msg *pm = &s->msgs[i];
	struct pop3_enc enc;
	int r;

	if (!pm->sized && pm->m->vsized) {
		pm->size = pm->m->vsize;
		pm->sized = true;
	}
	if (!pm->sized) {
		pop3_enc_init(&enc, false);
		if ((r = maildir_read(s->md, pm->m, count_cb, &enc)) !=
		    MAILDIR_OK)
			return r;
		(void)pop3_enc_finish(&enc, false, (char[8]){ 0 });
		pm->size = enc.out;
		pm->sized = true;
	}
	*size = pm->size;
	return MAILDIR_OK;
}

/* Message number argument: its index, or -1 having replied. */
static long
msg_arg(struct pop3_session *s, const char *arg)
{
	unsigned long n = pop3_msgno(arg, s->nmsgs);

	if (n == 0) {
		(void)session_reply(s, "-ERR no such message");
		return -1;
	}
	if (s->msgs[n - 1].deleted) {
		(void)session_reply(s, "-ERR message %lu already deleted", n);
		return -1;
	}
	return (long)n - 1;
}

static void
do_stat(struct pop3_session *s)
{
	uint64_t total = 0, size;
	size_t i, n = 0;
	int r;

	for (i = 0; i < s->nmsgs; i++) {
		if (s->msgs[i].deleted)
			continue;
		if ((r = msg_size(s, i, &size)) != MAILDIR_OK) {
			reply_maildir_err(s, r, "reading a message");
			return;
		}
		total += size;
		n++;
	}
	(void)session_reply(s, "+OK %zu %llu", n, (unsigned long long)total);
}

static void
do_list(struct pop3_session *s, const struct pop3_cmd *cmd, bool uidl)
{
	char uid[MAILDIR_UIDL_MAX + 1];
	uint64_t size;
	size_t i, first = 0, last = s->nmsgs;
	long one = -1;
	int r;

	if (cmd->nargs == 1) {
		if ((one = msg_arg(s, cmd->args[0])) < 0)
			return;
		first = (size_t)one;
		last = first + 1;
	} else
		(void)session_reply(s, "+OK");
	for (i = first; i < last; i++) {
		if (s->msgs[i].deleted)
			continue;
		if (uidl) {
			r = maildir_uidl(s->msgs[i].m->name, uid, sizeof(uid));
			size = 0;
		} else
			r = msg_size(s, i, &size);
		if (r != MAILDIR_OK) {
			/* Mid-listing there is no way to say -ERR. */
			reply_maildir_err(s, r, "reading a message");
			if (one < 0)
				s->failed = true;
			return;
		}
		if (uidl)
			(void)session_reply(s, "%s%zu %s", one >= 0 ? "+OK " :
			    "", i + 1, uid);
		else
			(void)session_reply(s, "%s%zu %llu", one >= 0 ?
			    "+OK " : "", i + 1, (unsigned long long)size);
	}
	if (one < 0)
		(void)session_reply(s, ".");
}

static int
send_cb(const void *buf, size_t len, void *arg)
{
	struct send_ctx *c = arg;
	char out[ENC_SLICE * POP3_ENC_EXPAND];
	const char *p = buf;
	size_t n, o;

	while (len > 0) {
		n = len < ENC_SLICE ? len : ENC_SLICE;
		o = pop3_enc_feed(&c->enc, p, n, out);
		if (session_write(c->s, out, o) == -1)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* RETR (lines < 0) or TOP. */
static void
do_send(struct pop3_session *s, const char *arg, long long lines)
{
	struct send_ctx c = { .s = s };
	char tail[8];
	uint64_t size;
	long i;
	int r;

	if ((i = msg_arg(s, arg)) < 0)
		return;
	if ((r = msg_size(s, (size_t)i, &size)) != MAILDIR_OK) {
		reply_maildir_err(s, r, "reading the message");
		return;
	}
	if (lines < 0)
		(void)session_reply(s, "+OK %llu octets",
		    (unsigned long long)size);
	else
		(void)session_reply(s, "+OK top of message follows");
	pop3_enc_init(&c.enc, true);
	if (lines < 0)
		r = maildir_read(s->md, s->msgs[i].m, send_cb, &c);
	else
		r = maildir_top(s->md, s->msgs[i].m, (unsigned long)lines,
		    send_cb, &c);
	if (r != MAILDIR_OK) {
		/* Part of it went out: only closing can tell the client. */
		if (r != -1)
			session_log(s, LOG_LVL_WARN, "%s: reading %s: %s",
			    s->user, s->msgs[i].m->name, maildir_error(s->md));
		s->failed = true;
		return;
	}
	(void)session_write(s, tail, pop3_enc_finish(&c.enc, true, tail));
	if (lines < 0)
		s->msgs[i].seen = true;
}

static void
do_top(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	long long lines = pop3_count(cmd->args[1]);

	if (lines < 0) {
		(void)session_reply(s, "-ERR bad line count");
		return;
	}
	do_send(s, cmd->args[0], lines);
}

static void
do_dele(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	long i;

	if ((i = msg_arg(s, cmd->args[0])) < 0)
		return;
	s->msgs[i].deleted = true;
	(void)session_reply(s, "+OK message %ld deleted", i + 1);
}

static void
do_rset(struct pop3_session *s)
{
	size_t i;

	for (i = 0; i < s->nmsgs; i++)
		s->msgs[i].deleted = false;
	(void)session_reply(s, "+OK %zu messages", s->nmsgs);
}

void
mailbox_command(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	switch (cmd->verb) {
	case POP3_STAT:
		do_stat(s);
		break;
	case POP3_LIST:
		do_list(s, cmd, false);
		break;
	case POP3_UIDL:
		do_list(s, cmd, true);
		break;
	case POP3_RETR:
		do_send(s, cmd->args[0], -1);
		break;
	case POP3_TOP:
		do_top(s, cmd);
		break;
	case POP3_DELE:
		do_dele(s, cmd);
		break;
	case POP3_RSET:
		do_rset(s);
		break;
	case POP3_NOOP:
		(void)session_reply(s, "+OK");
		break;
	default:
		(void)session_reply(s, "-ERR not allowed now");
		break;
	}
}

/*
 * A message kept: one in new/ moves to cur/ (a client has seen the
 * listing), one RETR sent gets its seen flag (S), in one rename.
 */
static void
keep_msg(struct pop3_session *s, struct pop3_msg *pm)
{
	unsigned flags = pm->m->flags | (pm->seen ? MAILDIR_F_SEEN : 0);

	if (pm->m->sub != MAILDIR_NEW && flags == pm->m->flags)
		return;
	if (maildir_set_flags(s->md, pm->m, flags) != MAILDIR_OK)
		session_log(s, LOG_LVL_WARN, "%s: moving %s to cur/ as seen: "
		    "%s", s->user, pm->m->name, maildir_error(s->md));
}

void
mailbox_update(struct pop3_session *s)
{
	size_t i, deleted = 0, failed = 0;

	for (i = 0; i < s->nmsgs; i++) {
		if (!s->msgs[i].deleted) {
			keep_msg(s, &s->msgs[i]);
			continue;
		}
		if (maildir_delete(s->md, s->msgs[i].m) == MAILDIR_OK)
			deleted++;
		else {
			session_log(s, LOG_LVL_WARN, "%s: deleting %s: %s",
			    s->user, s->msgs[i].m->name, maildir_error(s->md));
			failed++;
		}
	}
	session_log(s, LOG_LVL_INFO, "%s: logout, %zu deleted, %zu left",
	    s->user, deleted, s->nmsgs - deleted);
	if (failed > 0)
		(void)session_reply(s, "-ERR [SYS/TEMP] %zu messages not "
		    "deleted", failed);
	else
		(void)session_reply(s, "+OK bye, %zu messages deleted",
		    deleted);
}
