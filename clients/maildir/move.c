/*
 * move.c - changing a message: its flags (moving it from new/ to cur/
 * as <uniq>:2,<flags>) and deleting it.  Another session, or a retried
 * call after a fileserver restart, may have moved it already: a missing
 * message is looked for again by its unique part before giving up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define MOVE_TRIES	3

static void
reset_err(struct maildir *md)
{
	md->err.status = MAILDIR_OK;
	md->err.msg[0] = '\0';
}

static bool
exists(struct maildir *md, enum maildir_sub sub, const char *name)
{
	char path[MAILDIR_PATH_MAX];
	struct md_attr a;
	struct md_err e;

	return md_join(path, sizeof(path), md_subdir(md, sub), name, &e) ==
	    MAILDIR_OK && md->store->ops->stat(md->store, &md->cred, path, &a,
	    &e) == MAILDIR_OK;
}

static int
rename_to(struct maildir *md, const struct maildir_msg *msg,
    const char *to)
{
	struct maildir_store *s = md->store;
	char from[MAILDIR_NAME_MAX + 1];
	enum maildir_sub sub = msg->sub;
	int i, r;

	(void)snprintf(from, sizeof(from), "%s", msg->name);
	for (i = 0; i < MOVE_TRIES; i++) {
		if (sub == MAILDIR_CUR && strcmp(from, to) == 0)
			return MAILDIR_OK;
		r = s->ops->rename(s, &md->cred, md_subdir(md, sub), from,
		    md->cur, to, &md->err);
		if (r != MAILDIR_ENOENT)
			return r;
		if (exists(md, MAILDIR_CUR, to))
			return MAILDIR_OK;	/* a retried RENAME */
		if ((r = md_find(md, msg->name, &sub, from, sizeof(from))) !=
		    MAILDIR_OK)
			return r;
	}
	return md_seterr(&md->err, MAILDIR_ETEMP,
	    "%s: message %s kept moving", md->home, msg->name);
}

int
maildir_set_flags(struct maildir *md, struct maildir_msg *msg,
    unsigned flags)
{
	char uniq[MAILDIR_NAME_MAX + 1], info[16];
	char to[MAILDIR_NAME_MAX + 2];
	char *name;
	int n, r;

	reset_err(md);
	if (!md_name_ok(msg->name) ||
	    md_uniq_of(msg->name, uniq, sizeof(uniq)) != MAILDIR_OK)
		return md_seterr(&md->err, MAILDIR_EINVAL, "bad name %s",
		    msg->name);
	if (maildir_flags_format(flags & MAILDIR_F_ALL, info, sizeof(info)) !=
	    MAILDIR_OK)
		return md_seterr(&md->err, MAILDIR_EINVAL, "bad flags");
	n = snprintf(to, sizeof(to), "%s:%s", uniq, info);
	if (n < 0 || (size_t)n > MAILDIR_NAME_MAX)
		return md_seterr(&md->err, MAILDIR_ETOOBIG,
		    "name too long: %s", uniq);
	if ((r = rename_to(md, msg, to)) != MAILDIR_OK)
		return r;
	if ((name = strdup(to)) == NULL)
		return md_seterr(&md->err, MAILDIR_ETEMP, "out of memory");
	free(msg->name);
	msg->name = name;
	msg->sub = MAILDIR_CUR;
	msg->flags = flags & MAILDIR_F_ALL;
	return MAILDIR_OK;
}

int
maildir_delete(struct maildir *md, const struct maildir_msg *msg)
{
	struct maildir_store *s = md->store;
	char name[MAILDIR_NAME_MAX + 1];
	enum maildir_sub sub = msg->sub;
	int i, r;

	reset_err(md);
	if (!md_name_ok(msg->name))
		return md_seterr(&md->err, MAILDIR_EINVAL, "bad name %s",
		    msg->name);
	(void)snprintf(name, sizeof(name), "%s", msg->name);
	for (i = 0; i < MOVE_TRIES; i++) {
		r = s->ops->remove(s, &md->cred, md_subdir(md, sub), name,
		    &md->err);
		if (r != MAILDIR_ENOENT)
			return r;
		r = md_find(md, msg->name, &sub, name, sizeof(name));
		if (r == MAILDIR_ENOENT) {
			reset_err(md);
			return MAILDIR_OK;	/* gone already */
		}
		if (r != MAILDIR_OK)
			return r;
	}
	return md_seterr(&md->err, MAILDIR_ETEMP,
	    "%s: message %s kept moving", md->home, msg->name);
}
