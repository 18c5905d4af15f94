/*
 * deliver.c - the copies of one message, one per recipient, each
 * streamed into the recipient's Maildir over NFS as the recipient's
 * uid/gid (home -> mount via the config's mounts table).  All or
 * nothing: a copy that cannot be started, written or committed makes
 * the whole message fail, and copies already moved into new/ are
 * removed again, so the sender's retry delivers each copy once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxd.h"

struct mxd_copy {
	struct maildir		*md;
	struct maildir_delivery	*d;
	char			 name[MAILDIR_NAME_MAX + 1];	/* in new/ */
};

struct mxd_msg {
	struct mxd_copy	*copies;
	size_t		 n;
	int		 status;	/* sticky: the first failure */
	const char	*sid;
};

/* The session's store for mount (taken on first use), or NULL. */
static struct maildir_store *
store_for(struct mxd_session *s, const struct conf_mount *mnt)
{
	const struct conf *c = s->env->conf;
	size_t i = (size_t)(mnt - c->mounts);
	char err[MAILDIR_ERRLEN];

	if (s->stores == NULL &&
	    (s->stores = calloc(c->nmounts, sizeof(*s->stores))) == NULL)
		return NULL;
	if (s->stores[i] == NULL) {
		s->stores[i] = maildir_pool_take(mnt->url, err, sizeof(err));
		if (s->stores[i] == NULL)
			log_warnx("session %s: store %s: %s", s->id,
			    mnt->prefix, err);
	}
	return s->stores[i];
}

void
deliver_close_stores(struct mxd_session *s)
{
	size_t i;

	if (s->stores == NULL)
		return;
	for (i = 0; i < s->env->conf->nmounts; i++)
		maildir_pool_give(&s->stores[i]);
	free(s->stores);
	s->stores = NULL;
}

/* Open rcpt's Maildir and begin a copy in c: 0 or -1 (logged). */
static int
begin_copy(struct mxd_session *s, const struct mxd_rcpt *r,
    struct mxd_copy *c)
{
	const struct conf_mount *mnt;
	struct maildir_store *st;
	const char *rel;
	char err[MAILDIR_ERRLEN];

	mnt = conf_mount_find(s->env->conf, r->home, &rel, err, sizeof(err));
	if (mnt == NULL) {
		log_warnx("session %s: %s: home %s: %s", s->id, r->name,
		    r->home, err);
		return -1;
	}
	if ((st = store_for(s, mnt)) == NULL)
		return -1;
	c->md = maildir_open(st, rel, r->uid, r->gid, err, sizeof(err));
	if (c->md == NULL) {
		log_warnx("session %s: %s: %s", s->id, r->name, err);
		return -1;
	}
	if ((c->d = maildir_deliver_begin(c->md)) == NULL) {
		log_warnx("session %s: %s: deliver: %s", s->id, r->name,
		    maildir_error(c->md));
		return -1;
	}
	return 0;
}

struct mxd_msg *
deliver_begin(struct mxd_session *s)
{
	struct mxd_msg *m;
	size_t i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->sid = s->id;
	if ((m->copies = calloc(s->tx.nrcpts, sizeof(*m->copies))) == NULL) {
		free(m);
		return NULL;
	}
	m->n = s->tx.nrcpts;
	for (i = 0; i < m->n; i++) {
		if (begin_copy(s, &s->tx.rcpts[i], &m->copies[i]) != 0) {
			deliver_abort(&m);
			return NULL;
		}
	}
	return m;
}

void
deliver_write(struct mxd_msg *m, const void *buf, size_t len)
{
	size_t i;
	int r;

	if (m->status != MAILDIR_OK || len == 0)
		return;
	for (i = 0; i < m->n; i++) {
		r = maildir_deliver_write(m->copies[i].d, buf, len);
		if (r != MAILDIR_OK) {
			log_warnx("session %s: write: %s", m->sid,
			    maildir_error(m->copies[i].md));
			m->status = r;
			return;
		}
	}
}

/* Remove the copies already in new/ (a later one failed). */
static void
undo_committed(struct mxd_msg *m)
{
	struct maildir_msg mm;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->copies[i].name[0] == '\0')
			continue;
		memset(&mm, 0, sizeof(mm));
		mm.name = m->copies[i].name;
		mm.sub = MAILDIR_NEW;
		if (maildir_delete(m->copies[i].md, &mm) != MAILDIR_OK)
			log_error("session %s: could not remove new/%s after "
			    "a failed delivery: %s (a resend duplicates it)",
			    m->sid, mm.name, maildir_error(m->copies[i].md));
	}
}

static void
free_msg(struct mxd_msg **mp)
{
	struct mxd_msg *m = *mp;
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->copies[i].d != NULL)
			maildir_deliver_abort(&m->copies[i].d);
		maildir_close(&m->copies[i].md);
	}
	free(m->copies);
	free(m);
	*mp = NULL;
}

int
deliver_commit(struct mxd_session *s, struct mxd_msg **mp)
{
	struct mxd_msg *m = *mp;
	struct mxd_copy *c;
	size_t i;
	int r = m->status;

	for (i = 0; i < m->n && r == MAILDIR_OK; i++) {
		c = &m->copies[i];
		r = maildir_deliver_commit(&c->d, c->name, sizeof(c->name));
		if (r != MAILDIR_OK) {
			c->name[0] = '\0';
			log_warnx("session %s: %s: commit: %s", s->id,
			    s->tx.rcpts[i].name, maildir_error(c->md));
		}
	}
	if (r != MAILDIR_OK)
		undo_committed(m);
	else
		for (i = 0; i < m->n; i++)
			log_info("session %s: delivered to %s: new/%s", s->id,
			    s->tx.rcpts[i].name, m->copies[i].name);
	free_msg(mp);
	return r;
}

void
deliver_abort(struct mxd_msg **mp)
{
	if (*mp != NULL)
		free_msg(mp);
}
