/*
 * lock.c - one POP3 session per mailbox across every pop3d of the
 * cluster, without NFS locking: the lock is the file pop3d.lock in the
 * user's Maildir directory, made with an exclusive create (GUARDED
 * CREATE over NFS, which the fileserver performs atomically; O_EXCL on
 * a local store).  Whoever creates it holds the lock; it is removed on
 * logout.  What it says (who holds it, for an admin) is written without
 * asking for durability: a crash may leave it empty, which changes
 * nothing, and a login costs the fileserver no fsync.
 *
 * A pop3d that dies leaves the file behind.  A holder replaces it (a
 * new file renamed over it) at most every POP3_LOCK_REFRESH seconds
 * while commands arrive, so its mtime, set by the fileserver, stays
 * fresh; a lock not modified for
 * POP3_LOCK_STALE seconds (15 minutes, more than the 10-minute RFC 1939
 * autologout timer) is stale and is removed by the next login.  This
 * assumes the nodes' clocks agree with the fileserver's (NTP, which
 * Maildir needs anyway).  Two logins breaking the same stale lock at
 * the same instant could both remove it before either creates a new
 * one; that window exists only after a crash and is a few RPCs wide.
 *
 * The maildir library has no public call for a raw exclusive create,
 * so this file uses its backend interface (backend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "pop3d.h"

#define LOCK_CONTENT_MAX	256

struct pop3_lock {
	char	dir[MAILDIR_PATH_MAX];
	char	content[LOCK_CONTENT_MAX];
	size_t	len;
	time_t	refreshed;
};

static int
lock_write(struct maildir *md, struct pop3_lock *l, struct md_file *f)
{
	struct maildir_store *s = md->store;
	struct md_err e;
	int r;

	/* Only the file's existence (and mtime) is the lock: no fsync. */
	memset(&e, 0, sizeof(e));
	r = s->ops->write_volatile(s, &md->cred, f, 0, l->content, l->len,
	    &e);
	s->ops->fclose(s, f);
	if (r == MAILDIR_OK)
		l->refreshed = time(NULL);
	return r;
}

/* Remove the lock file if it is stale: 1 removed, 0 fresh, -1 error. */
static int
break_stale(struct maildir *md, struct pop3_lock *l, char *err,
    size_t errlen)
{
	struct maildir_store *s = md->store;
	char path[MAILDIR_PATH_MAX];
	struct md_attr a;
	struct md_err e;
	time_t now = time(NULL);
	int r;

	memset(&e, 0, sizeof(e));
	r = snprintf(path, sizeof(path), "%s/%s", l->dir, POP3_LOCK_NAME);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -1;
	r = s->ops->stat(s, &md->cred, path, &a, &e);
	if (r == MAILDIR_ENOENT)
		return 1;	/* gone meanwhile: try again */
	if (r != MAILDIR_OK) {
		(void)snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	if (a.mtime + POP3_LOCK_STALE > now)
		return 0;
	r = s->ops->remove(s, &md->cred, l->dir, POP3_LOCK_NAME, &e);
	if (r != MAILDIR_OK && r != MAILDIR_ENOENT) {
		(void)snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	log_warnx("%s/%s: stale lock (%lld s old) removed", l->dir,
	    POP3_LOCK_NAME, (long long)(now - a.mtime));
	return 1;
}

enum lock_result
lock_take(struct maildir *md, const char *owner, struct pop3_lock **out,
    char *err, size_t errlen)
{
	struct maildir_store *s = md->store;
	struct pop3_lock *l;
	struct md_file f;
	struct md_err e;
	int r, tries;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return LOCK_ERROR;
	}
	r = snprintf(l->dir, sizeof(l->dir), "%s/%s", md->home,
	    MAILDIR_SUBDIR);
	if (r < 0 || (size_t)r >= sizeof(l->dir))
		goto toolong;
	r = snprintf(l->content, sizeof(l->content), "%s\n", owner);
	if (r < 0 || (size_t)r >= sizeof(l->content))
		goto toolong;
	l->len = (size_t)r;
	for (tries = 0; tries < 2; tries++) {
		memset(&e, 0, sizeof(e));
		memset(&f, 0, sizeof(f));
		f.fd = -1;
		r = s->ops->create(s, &md->cred, l->dir, POP3_LOCK_NAME, &f,
		    &e);
		if (r == MAILDIR_OK) {
			if (lock_write(md, l, &f) != MAILDIR_OK)
				log_warnx("%s: writing the lock failed",
				    l->dir);
			*out = l;
			return LOCK_OK;
		}
		if (r != MAILDIR_EEXIST) {
			(void)snprintf(err, errlen, "%s", e.msg);
			free(l);
			return LOCK_ERROR;
		}
		switch (break_stale(md, l, err, errlen)) {
		case 0:
			free(l);
			return LOCK_BUSY;
		case -1:
			free(l);
			return LOCK_ERROR;
		}
	}
	free(l);
	return LOCK_BUSY;
toolong:
	(void)snprintf(err, errlen, "lock path or owner too long");
	free(l);
	return LOCK_ERROR;
}

/*
 * Rewrite the lock: a new file renamed over it (the local backend opens
 * existing files read-only), so its mtime is now.
 */
void
lock_refresh(struct maildir *md, struct pop3_lock *l)
{
	struct maildir_store *s = md->store;
	char tmp[MAILDIR_NAME_MAX + 1], uniq[MAILDIR_NAME_MAX + 1];
	struct md_file f;
	struct md_err e;
	int r;

	if (l == NULL || time(NULL) - l->refreshed < POP3_LOCK_REFRESH)
		return;
	l->refreshed = time(NULL);	/* at most one try per period */
	if (maildir_uniq(uniq, sizeof(uniq)) != MAILDIR_OK)
		return;
	r = snprintf(tmp, sizeof(tmp), "%s.%s", POP3_LOCK_NAME, uniq);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return;
	memset(&e, 0, sizeof(e));
	memset(&f, 0, sizeof(f));
	f.fd = -1;
	if (s->ops->create(s, &md->cred, l->dir, tmp, &f, &e) != MAILDIR_OK) {
		log_warnx("%s/%s: refreshing the lock failed: %s", l->dir,
		    tmp, e.msg);
		return;
	}
	if (lock_write(md, l, &f) != MAILDIR_OK ||
	    s->ops->rename(s, &md->cred, l->dir, tmp, l->dir, POP3_LOCK_NAME,
	    &e) != MAILDIR_OK) {
		log_warnx("%s: refreshing the lock failed: %s", l->dir,
		    e.msg);
		(void)s->ops->remove(s, &md->cred, l->dir, tmp, &e);
	}
}

void
lock_release(struct maildir *md, struct pop3_lock **lp)
{
	struct pop3_lock *l = *lp;
	struct md_err e;
	int r;

	if (l == NULL)
		return;
	*lp = NULL;
	memset(&e, 0, sizeof(e));
	r = md->store->ops->remove(md->store, &md->cred, l->dir,
	    POP3_LOCK_NAME, &e);
	if (r != MAILDIR_OK && r != MAILDIR_ENOENT)
		log_warnx("%s/%s: removing the lock failed: %s", l->dir,
		    POP3_LOCK_NAME, e.msg);
	free(l);
}
