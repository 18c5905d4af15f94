/*
 * clean.c - removing stale files from tmp/: the spec gives a delivery
 * 24 hours and tells readers to remove tmp/ files older than 36 hours.
 * The listing is taken first (bounded), then each file is looked at
 * and removed, so no call runs inside a directory listing.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

struct stale {
	char	*name;
	time_t	 mtime;		/* 0: not sent with the listing */
};

struct scan {
	struct maildir	*md;
	struct stale	*v;
	size_t		 n;
};

static int
on_tmp(const char *name, const struct md_attr *a, void *arg)
{
	struct scan *sc = arg;

	if (!md_name_ok(name) || sc->n == MAILDIR_CLEAN_MAX)
		return 0;
	if (a != NULL && a->isdir)
		return 0;
	if ((sc->v[sc->n].name = strdup(name)) == NULL)
		return md_seterr(&sc->md->err, MAILDIR_ETEMP,
		    "out of memory");
	sc->v[sc->n].mtime = a != NULL ? a->mtime : 0;
	sc->n++;
	return 0;
}

/* Remove one file if it is old enough; a vanished one is fine. */
static int
clean_one(struct maildir *md, const struct stale *st, time_t cutoff,
    unsigned *removed)
{
	struct maildir_store *s = md->store;
	char path[MAILDIR_PATH_MAX];
	struct md_attr a;
	time_t mtime = st->mtime;
	int r;

	if (mtime == 0) {
		if ((r = md_join(path, sizeof(path), md->tmp, st->name,
		    &md->err)) != MAILDIR_OK)
			return r;
		r = s->ops->stat(s, &md->cred, path, &a, &md->err);
		if (r == MAILDIR_ENOENT)
			return MAILDIR_OK;
		if (r != MAILDIR_OK)
			return r;
		if (a.isdir)
			return MAILDIR_OK;
		mtime = a.mtime;
	}
	if (mtime >= cutoff)
		return MAILDIR_OK;
	r = s->ops->remove(s, &md->cred, md->tmp, st->name, &md->err);
	if (r == MAILDIR_ENOENT)
		return MAILDIR_OK;
	if (r == MAILDIR_OK)
		(*removed)++;
	return r;
}

int
maildir_clean_tmp(struct maildir *md, time_t now, unsigned *removed)
{
	struct maildir_store *s = md->store;
	struct scan sc;
	size_t i;
	int r;

	md->err.status = MAILDIR_OK;
	md->err.msg[0] = '\0';
	*removed = 0;
	memset(&sc, 0, sizeof(sc));
	sc.md = md;
	if ((sc.v = calloc(MAILDIR_CLEAN_MAX, sizeof(sc.v[0]))) == NULL)
		return md_seterr(&md->err, MAILDIR_ETEMP, "out of memory");
	r = s->ops->readdir(s, &md->cred, md->tmp, on_tmp, &sc, &md->err);
	for (i = 0; i < sc.n && r == MAILDIR_OK; i++)
		r = clean_one(md, &sc.v[i], now - MAILDIR_TMP_MAX_AGE,
		    removed);
	for (i = 0; i < sc.n; i++)
		free(sc.v[i].name);
	free(sc.v);
	return r;
}
