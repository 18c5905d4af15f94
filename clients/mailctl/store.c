/*
 * store.c - users' homes on the fileservers: choosing the store with
 * the most free space, creating a home and its Maildir owned by the
 * user (as the fileserver's root: the export must map this host's
 * root with -maproot=root), and removing a user's mail.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mailctl.h"
#include "maildir.h"

#define PURGE_AGE	(3650L * 24 * 60 * 60)	/* every tmp/ file */
#define STORE_ERRLEN	256		/* a library's own message */

static const struct conf_mount *
pick_freest(struct mailctl *m)
{
	const struct conf_mount *best = NULL;
	struct maildir_store *st;
	uint64_t avail, most = 0;
	char err[STORE_ERRLEN];
	size_t i;

	for (i = 0; i < m->conf->nmounts; i++) {
		const struct conf_mount *mnt = &m->conf->mounts[i];

		if ((st = maildir_store_open(mnt->url, err,
		    sizeof(err))) == NULL ||
		    maildir_store_avail(st, &avail, err, sizeof(err)) != 0) {
			log_warnx("%s (%s) skipped: %s", mnt->prefix, mnt->url,
			    err);
			maildir_store_close(&st);
			continue;
		}
		maildir_store_close(&st);
		if (best == NULL || avail > most) {
			best = mnt;
			most = avail;
		}
	}
	if (best == NULL)
		snprintf(m->err, sizeof(m->err), "no store reachable "
		    "(%zu in %s)", m->conf->nmounts, m->conf->file);
	return best;
}

const struct conf_mount *
store_pick(struct mailctl *m, const char *prefix)
{
	const struct conf_mount *mnt;

	if (prefix == NULL)
		return pick_freest(m);
	if ((mnt = conf_mount_by_prefix(m->conf, prefix)) == NULL)
		snprintf(m->err, sizeof(m->err), "store %s is not in the "
		    "mounts table of %s", prefix, m->conf->file);
	return mnt;
}

int
store_create_home(struct mailctl *m, const struct conf_mount *mnt,
    const char *home, uint32_t uid, uint32_t gid)
{
	struct maildir_store *st;
	const char *rel;
	char err[STORE_ERRLEN];
	int rc;

	if (conf_mount_find(m->conf, home, &rel, err, sizeof(err)) != mnt) {
		snprintf(m->err, sizeof(m->err), "%s: not under %s", home,
		    mnt->prefix);
		return -1;
	}
	if ((st = maildir_store_open(mnt->url, err, sizeof(err))) == NULL) {
		snprintf(m->err, sizeof(m->err), "%s: %s", mnt->url, err);
		return -1;
	}
	rc = maildir_create(st, rel, uid, gid, err, sizeof(err));
	if (rc != MAILDIR_OK)
		snprintf(m->err, sizeof(m->err), "%s: creating %s: %s",
		    mnt->url, rel, err);
	maildir_store_close(&st);
	return rc == MAILDIR_OK ? 0 : -1;
}

static int
delete_all(struct mailctl *m, struct maildir *md, unsigned *removed)
{
	struct maildir_list list;
	unsigned tmp = 0;
	size_t i;
	int rc;

	if ((rc = maildir_list(md, &list, 0)) != MAILDIR_OK)
		return rc;
	for (i = 0; i < list.n && rc == MAILDIR_OK; i++)
		if ((rc = maildir_delete(md, &list.msgs[i])) == MAILDIR_OK)
			(*removed)++;
	maildir_list_free(&list);
	if (rc == MAILDIR_OK &&
	    (rc = maildir_clean_tmp(md, time(NULL) + PURGE_AGE, &tmp)) ==
	    MAILDIR_OK)
		*removed += tmp;
	if (rc != MAILDIR_OK)
		snprintf(m->err, sizeof(m->err), "%s", maildir_error(md));
	return rc;
}

int
store_purge(struct mailctl *m, const char *home, uint32_t uid, uint32_t gid,
    unsigned *removed)
{
	const struct conf_mount *mnt;
	struct maildir_store *st;
	struct maildir *md;
	const char *rel;
	char err[STORE_ERRLEN];
	int rc;

	*removed = 0;
	if ((mnt = conf_mount_find(m->conf, home, &rel, err,
	    sizeof(err))) == NULL) {
		snprintf(m->err, sizeof(m->err), "%s", err);
		return -1;
	}
	if ((st = maildir_store_open(mnt->url, err, sizeof(err))) == NULL) {
		snprintf(m->err, sizeof(m->err), "%s: %s", mnt->url, err);
		return -1;
	}
	if ((md = maildir_open(st, rel, uid, gid, err, sizeof(err))) == NULL) {
		snprintf(m->err, sizeof(m->err), "%s: %s", home, err);
		maildir_store_close(&st);
		return -1;
	}
	rc = delete_all(m, md, removed);
	maildir_close(&md);
	maildir_store_close(&st);
	return rc == MAILDIR_OK ? 0 : -1;
}
