/*
 * store.c - the front half of the Maildir store: opening a store by its
 * URL (nfs:// or an absolute path) on one of the two backends, mailbox
 * handles, errors as values, and provisioning a new Maildir.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define NFS_SCHEME	"nfs://"

static const char *const status_names[] = {
	[MAILDIR_OK] = "MAILDIR_OK",
	[MAILDIR_ETEMP] = "MAILDIR_ETEMP",
	[MAILDIR_EPERM] = "MAILDIR_EPERM",
	[MAILDIR_ENOENT] = "MAILDIR_ENOENT",
	[MAILDIR_EEXIST] = "MAILDIR_EEXIST",
	[MAILDIR_EINVAL] = "MAILDIR_EINVAL",
	[MAILDIR_ETOOBIG] = "MAILDIR_ETOOBIG",
	[MAILDIR_ENOSPC] = "MAILDIR_ENOSPC",
};

static const char *const subdirs[] = { "tmp", "new", "cur" };

const char *
maildir_strstatus(int status)
{
	if (status < 0 || (size_t)status >=
	    sizeof(status_names) / sizeof(status_names[0]))
		return "MAILDIR_E?";
	return status_names[status];
}

int
md_seterr(struct md_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return status;
}

int
md_errno_status(int errnum)
{
	switch (errnum) {
	case EACCES:
	case EPERM:
	case EROFS:
		return MAILDIR_EPERM;
	case ENOENT:
	case ENOTDIR:
		return MAILDIR_ENOENT;
	case EEXIST:
	case ENOTEMPTY:
		return MAILDIR_EEXIST;
	case EINVAL:
	case EISDIR:
	case ELOOP:
		return MAILDIR_EINVAL;
	case ENAMETOOLONG:
	case EFBIG:
	case EMFILE:
	case ENFILE:
		return MAILDIR_ETOOBIG;
	case ENOSPC:
	case EDQUOT:
		return MAILDIR_ENOSPC;
	default:
		return MAILDIR_ETEMP;
	}
}

int
md_export_err(const struct md_err *e, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "%s", e->msg);
	return e->status;
}

struct maildir_store *
maildir_store_open(const char *url, char *err, size_t errlen)
{
	struct maildir_store *s;
	struct md_err e = { 0, "" };

	if (strlen(url) >= sizeof(s->url)) {
		md_seterr(&e, MAILDIR_EINVAL, "store URL too long");
		md_export_err(&e, err, errlen);
		return NULL;
	}
	if (strncmp(url, NFS_SCHEME, strlen(NFS_SCHEME)) == 0)
		s = md_nfs_open(url, &e);
	else if (url[0] == '/')
		s = md_local_open(url, &e);
	else {
		md_seterr(&e, MAILDIR_EINVAL,
		    "%s: not nfs://host[:port]/export or an absolute path",
		    url);
		s = NULL;
	}
	if (s == NULL) {
		md_export_err(&e, err, errlen);
		return NULL;
	}
	(void)snprintf(s->url, sizeof(s->url), "%s", url);
	return s;
}

void
maildir_store_close(struct maildir_store **sp)
{
	struct maildir_store *s = *sp;

	if (s == NULL)
		return;
	s->ops->close(s);
	free(s);
	*sp = NULL;
}

const char *
maildir_store_url(const struct maildir_store *s)
{
	return s->url;
}

int
maildir_store_avail(struct maildir_store *s, uint64_t *avail, char *err,
    size_t errlen)
{
	struct md_err e = { 0, "" };

	if (s->ops->avail(s, avail, &e) != MAILDIR_OK)
		return md_export_err(&e, err, errlen);
	return MAILDIR_OK;
}

/* mkdir that accepts an existing directory. */
static int
ensure_dir(struct maildir_store *s, const struct md_cred *root,
    const char *path, uint32_t mode, struct md_err *e)
{
	struct md_attr a;
	int r;

	r = s->ops->mkdir(s, root, path, mode, e);
	if (r != MAILDIR_EEXIST)
		return r;
	if ((r = s->ops->stat(s, root, path, &a, e)) != MAILDIR_OK)
		return r;
	if (!a.isdir)
		return md_seterr(e, MAILDIR_EEXIST,
		    "%s: exists and is not a directory", path);
	return MAILDIR_OK;
}

/* A directory of the user's own: made, then given to uid:gid. */
static int
ensure_owned(struct maildir_store *s, const struct md_cred *root,
    const char *path, uint32_t uid, uint32_t gid, struct md_err *e)
{
	int r;

	if ((r = ensure_dir(s, root, path, MD_MODE_DIR, e)) != MAILDIR_OK)
		return r;
	return s->ops->chown(s, root, path, MD_MODE_DIR, uid, gid, e);
}

static int
create_tree(struct maildir_store *s, const char *path, uint32_t uid,
    uint32_t gid, struct md_err *e)
{
	static const struct md_cred root = { 0, 0 };
	char prefix[MAILDIR_PATH_MAX], md[MAILDIR_PATH_MAX];
	char sub[MAILDIR_PATH_MAX];
	const char *p;
	size_t i;
	int r;

	if (!md_path_ok(path) || path[0] == '\0')
		return md_seterr(e, MAILDIR_EINVAL, "%s: not a relative path",
		    path);
	/* The parents, each up to the next '/'. */
	for (p = strchr(path, '/'); p != NULL; p = strchr(p + 1, '/')) {
		memcpy(prefix, path, (size_t)(p - path));
		prefix[p - path] = '\0';
		r = ensure_dir(s, &root, prefix, MD_MODE_PARENT, e);
		if (r != MAILDIR_OK)
			return r;
	}
	if ((r = ensure_owned(s, &root, path, uid, gid, e)) != MAILDIR_OK)
		return r;
	if ((r = md_join(md, sizeof(md), path, MAILDIR_SUBDIR, e)) !=
	    MAILDIR_OK)
		return r;
	if ((r = ensure_owned(s, &root, md, uid, gid, e)) != MAILDIR_OK)
		return r;
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		if ((r = md_join(sub, sizeof(sub), md, subdirs[i], e)) !=
		    MAILDIR_OK)
			return r;
		if ((r = ensure_owned(s, &root, sub, uid, gid, e)) !=
		    MAILDIR_OK)
			return r;
	}
	return MAILDIR_OK;
}

int
maildir_create(struct maildir_store *s, const char *path, uint32_t uid,
    uint32_t gid, char *err, size_t errlen)
{
	struct md_err e = { 0, "" };

	if (create_tree(s, path, uid, gid, &e) != MAILDIR_OK)
		return md_export_err(&e, err, errlen);
	return MAILDIR_OK;
}

struct maildir *
maildir_open(struct maildir_store *s, const char *path, uint32_t uid,
    uint32_t gid, char *err, size_t errlen)
{
	struct maildir *md;
	struct md_err e = { 0, "" };
	char base[MAILDIR_PATH_MAX];

	if (!md_path_ok(path) || path[0] == '\0') {
		md_seterr(&e, MAILDIR_EINVAL, "%s: not a relative path", path);
		md_export_err(&e, err, errlen);
		return NULL;
	}
	if ((md = calloc(1, sizeof(*md))) == NULL) {
		md_seterr(&e, MAILDIR_ETEMP, "out of memory");
		md_export_err(&e, err, errlen);
		return NULL;
	}
	md->store = s;
	md->cred.uid = uid;
	md->cred.gid = gid;
	if (md_join(base, sizeof(base), path, MAILDIR_SUBDIR, &e) !=
	    MAILDIR_OK ||
	    md_join(md->tmp, sizeof(md->tmp), base, "tmp", &e) != MAILDIR_OK ||
	    md_join(md->new, sizeof(md->new), base, "new", &e) != MAILDIR_OK ||
	    md_join(md->cur, sizeof(md->cur), base, "cur", &e) != MAILDIR_OK) {
		md_export_err(&e, err, errlen);
		free(md);
		return NULL;
	}
	(void)snprintf(md->home, sizeof(md->home), "%s", path);
	return md;
}

void
maildir_close(struct maildir **mdp)
{
	free(*mdp);
	*mdp = NULL;
}

const char *
maildir_error(const struct maildir *md)
{
	return md->err.msg;
}

const char *
md_subdir(const struct maildir *md, enum maildir_sub sub)
{
	return sub == MAILDIR_NEW ? md->new : md->cur;
}
