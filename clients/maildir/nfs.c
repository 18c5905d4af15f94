/*
 * nfs.c - the NFS backend of the Maildir store: every operation is an
 * NFSv3 call through the project's client (clients/nfs/nfsc.h), with
 * the mailbox owner's uid/gid as its AUTH_SYS credential, so the
 * fileserver checks permissions.  Directory handles come from the
 * client's bounded path cache; files are looked up in their directory.
 *
 * Durability: each piece of a message is written FILE_SYNC; should the
 * server answer with less, the piece is COMMITted and the COMMIT's
 * write verifier compared with the WRITE's; a changed verifier (the
 * server restarted and may have lost it) means the piece, still in the
 * caller's buffer, is written again.  Exclusive create is GUARDED (the
 * caller picks a new name on EXIST).  Metadata operations (CREATE,
 * RENAME, REMOVE) are synchronous in NFSv3, so syncdir has nothing to
 * do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "nfs3_prot.h"
#include "nfsc.h"

_Static_assert(sizeof(struct nfsc_fh) <= MD_FH_MAX,
    "struct md_file has no room for an NFS file handle");

#define REWRITE_MAX	4	/* tries of a piece on changing verifiers */

struct nfs {
	struct nfsc	*nc;
};

static struct nfsc *
nc_of(struct maildir_store *s)
{
	return ((struct nfs *)s->impl)->nc;
}

/* The file handle kept in an open md_file. */
static struct nfsc_fh *
file_fh(struct md_file *f)
{
	return (struct nfsc_fh *)(void *)f->fh;
}

static void
to_nfsc(const struct md_cred *c, struct nfsc_cred *nfc)
{
	memset(nfc, 0, sizeof(*nfc));
	nfc->uid = c->uid;
	nfc->gid = c->gid;
	nfc->ngids = 1;
	nfc->gids[0] = c->gid;
}

static int
nfs_status(int stat)
{
	switch (stat) {
	case NFS3_OK:
		return MAILDIR_OK;
	case NFS3ERR_PERM:
	case NFS3ERR_ACCES:
	case NFS3ERR_ROFS:
		return MAILDIR_EPERM;
	case NFS3ERR_NOENT:
	case NFS3ERR_NOTDIR:
	case NFS3ERR_STALE:
		return MAILDIR_ENOENT;
	case NFS3ERR_EXIST:
	case NFS3ERR_NOTEMPTY:
		return MAILDIR_EEXIST;
	case NFS3ERR_INVAL:
	case NFS3ERR_ISDIR:
	case NFSC_ERR_URL:
		return MAILDIR_EINVAL;
	case NFS3ERR_FBIG:
	case NFS3ERR_NAMETOOLONG:
	case NFSC_ERR_TOOBIG:
		return MAILDIR_ETOOBIG;
	case NFS3ERR_NOSPC:
	case NFS3ERR_DQUOT:
		return MAILDIR_ENOSPC;
	default:
		return MAILDIR_ETEMP;
	}
}

/* The status of a failed call, with the client's account of it. */
static int
nfs_err(struct maildir_store *s, int stat, struct md_err *e)
{
	const char *msg = nfsc_error(nc_of(s));

	if (msg == NULL || msg[0] == '\0')
		msg = nfsc_strstat(stat);
	return md_seterr(e, nfs_status(stat), "%s: %s", s->url, msg);
}

static int
dir_fh(struct maildir_store *s, const struct nfsc_cred *nfc,
    const char *dir, struct nfsc_fh *fh, struct md_err *e)
{
	int st;

	if (dir[0] == '\0') {
		*fh = *nfsc_root(nc_of(s));
		return MAILDIR_OK;
	}
	if ((st = nfsc_lookup_path(nc_of(s), nfc, dir, fh, NULL)) != NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

/* Split path into its directory (dir, "" for the root) and last name. */
static int
split(const char *path, char *dir, size_t dirlen, const char **name,
    struct md_err *e)
{
	const char *slash;

	if ((slash = strrchr(path, '/')) == NULL) {
		dir[0] = '\0';
		*name = path;
		return MAILDIR_OK;
	}
	if ((size_t)(slash - path) >= dirlen)
		return md_seterr(e, MAILDIR_ETOOBIG, "path too long: %s", path);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	*name = slash + 1;
	return MAILDIR_OK;
}

static void
fill_attr(const struct nfsc_attr *na, struct md_attr *a)
{
	a->isdir = na->type == NFSC_DIR;
	a->size = na->size;
	a->fileid = na->fileid;
	a->mtime = na->mtime.tv_sec;
}

static void
nfs_close(struct maildir_store *s)
{
	struct nfs *n = s->impl;

	if (n != NULL)
		nfsc_close(&n->nc);
	free(n);
	s->impl = NULL;
}

static int
nfs_avail(struct maildir_store *s, uint64_t *avail, struct md_err *e)
{
	static const struct md_cred root = { 0, 0 };
	struct nfsc_cred nfc;
	struct nfsc_fsstat fs;
	int st;

	to_nfsc(&root, &nfc);
	if ((st = nfsc_fsstat(nc_of(s), &nfc, nfsc_root(nc_of(s)), &fs)) !=
	    NFS3_OK)
		return nfs_err(s, st, e);
	*avail = fs.abytes;
	return MAILDIR_OK;
}

static int
nfs_mkdir(struct maildir_store *s, const struct md_cred *c,
    const char *path, uint32_t mode, struct md_err *e)
{
	char dir[MAILDIR_PATH_MAX];
	const char *name;
	struct nfsc_cred nfc;
	struct nfsc_fh dfh, fh;
	int r, st;

	to_nfsc(c, &nfc);
	if ((r = split(path, dir, sizeof(dir), &name, e)) != MAILDIR_OK ||
	    (r = dir_fh(s, &nfc, dir, &dfh, e)) != MAILDIR_OK)
		return r;
	if ((st = nfsc_mkdir(nc_of(s), &nfc, &dfh, name, mode, &fh)) !=
	    NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static int
nfs_chown(struct maildir_store *s, const struct md_cred *c,
    const char *path, uint32_t mode, uint32_t uid, uint32_t gid,
    struct md_err *e)
{
	struct nfsc_cred nfc;
	struct nfsc_fh fh;
	int r, st;

	to_nfsc(c, &nfc);
	if ((r = dir_fh(s, &nfc, path, &fh, e)) != MAILDIR_OK)
		return r;
	if ((st = nfsc_setattr(nc_of(s), &nfc, &fh, mode, uid, gid, -1)) !=
	    NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

/* The handle and attributes of any path, through its directory. */
static int
lookup(struct maildir_store *s, const struct nfsc_cred *nfc,
    const char *path, struct nfsc_fh *fh, struct nfsc_attr *na,
    struct md_err *e)
{
	char dir[MAILDIR_PATH_MAX];
	const char *name;
	struct nfsc_fh dfh;
	int r, st;

	if (path[0] == '\0') {
		*fh = *nfsc_root(nc_of(s));
		if ((st = nfsc_getattr(nc_of(s), nfc, fh, na)) != NFS3_OK)
			return nfs_err(s, st, e);
		return MAILDIR_OK;
	}
	if ((r = split(path, dir, sizeof(dir), &name, e)) != MAILDIR_OK ||
	    (r = dir_fh(s, nfc, dir, &dfh, e)) != MAILDIR_OK)
		return r;
	if ((st = nfsc_lookup(nc_of(s), nfc, &dfh, name, fh, na)) != NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static int
nfs_stat(struct maildir_store *s, const struct md_cred *c,
    const char *path, struct md_attr *a, struct md_err *e)
{
	struct nfsc_cred nfc;
	struct nfsc_attr na;
	struct nfsc_fh fh;
	int r;

	to_nfsc(c, &nfc);
	memset(&na, 0, sizeof(na));
	if ((r = lookup(s, &nfc, path, &fh, &na, e)) != MAILDIR_OK)
		return r;
	fill_attr(&na, a);
	return MAILDIR_OK;
}

static int
nfs_create(struct maildir_store *s, const struct md_cred *c,
    const char *dir, const char *name, struct md_file *f, struct md_err *e)
{
	struct nfsc_cred nfc;
	struct nfsc_fh dfh;
	int r, st;

	to_nfsc(c, &nfc);
	f->fd = -1;
	f->fileid = 0;		/* not asked for: names are unique */
	if ((r = dir_fh(s, &nfc, dir, &dfh, e)) != MAILDIR_OK)
		return r;
	if ((st = nfsc_create(nc_of(s), &nfc, &dfh, name, MD_MODE_FILE,
	    NFSC_GUARDED, NULL, file_fh(f))) != NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static int
nfs_open(struct maildir_store *s, const struct md_cred *c,
    const char *path, struct md_file *f, struct md_err *e)
{
	struct nfsc_cred nfc;
	struct nfsc_attr na;
	int r;

	to_nfsc(c, &nfc);
	f->fd = -1;
	memset(&na, 0, sizeof(na));
	if ((r = lookup(s, &nfc, path, file_fh(f), &na, e)) != MAILDIR_OK)
		return r;
	f->fileid = na.fileid;
	return MAILDIR_OK;
}

static int
nfs_write(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, uint64_t off, const void *buf, size_t len,
    struct md_err *e)
{
	struct nfsc_cred nfc;
	enum nfsc_stable committed;
	uint8_t wverf[8], cverf[8];
	int i, st;

	to_nfsc(c, &nfc);
	for (i = 0; i < REWRITE_MAX; i++) {
		if ((st = nfsc_write(nc_of(s), &nfc, file_fh(f), off, buf, len,
		    NFSC_FILE_SYNC, &committed, wverf)) != NFS3_OK)
			return nfs_err(s, st, e);
		if (committed == NFSC_FILE_SYNC)
			return MAILDIR_OK;
		if ((st = nfsc_commit(nc_of(s), &nfc, file_fh(f), cverf)) !=
		    NFS3_OK)
			return nfs_err(s, st, e);
		if (memcmp(wverf, cverf, sizeof(wverf)) == 0)
			return MAILDIR_OK;
	}
	return md_seterr(e, MAILDIR_ETEMP,
	    "%s: write verifier changed %d times in a row", s->url, i);
}

static int
nfs_write_volatile(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, uint64_t off, const void *buf, size_t len,
    struct md_err *e)
{
	struct nfsc_cred nfc;
	enum nfsc_stable committed;
	uint8_t verf[8];
	int st;

	to_nfsc(c, &nfc);
	if ((st = nfsc_write(nc_of(s), &nfc, file_fh(f), off, buf, len,
	    NFSC_UNSTABLE, &committed, verf)) != NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static int
nfs_sync(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, struct md_err *e)
{
	(void)s;
	(void)c;
	(void)f;
	(void)e;
	return MAILDIR_OK;	/* every write was durable already */
}

static int
nfs_read(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, uint64_t off, void *buf, size_t len, size_t *n,
    struct md_err *e)
{
	struct nfsc_cred nfc;
	bool eof;
	int st;

	to_nfsc(c, &nfc);
	if ((st = nfsc_read(nc_of(s), &nfc, file_fh(f), off, buf, len, n,
	    &eof)) != NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static void
nfs_fclose(struct maildir_store *s, struct md_file *f)
{
	(void)s;
	memset(f->fh, 0, sizeof(f->fh));
}

static int
nfs_rename(struct maildir_store *s, const struct md_cred *c,
    const char *fromdir, const char *from, const char *todir, const char *to,
    struct md_err *e)
{
	struct nfsc_cred nfc;
	struct nfsc_fh ffh, tfh;
	int r, st;

	to_nfsc(c, &nfc);
	if ((r = dir_fh(s, &nfc, fromdir, &ffh, e)) != MAILDIR_OK ||
	    (r = dir_fh(s, &nfc, todir, &tfh, e)) != MAILDIR_OK)
		return r;
	if ((st = nfsc_rename(nc_of(s), &nfc, &ffh, from, &tfh, to)) !=
	    NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static int
nfs_remove(struct maildir_store *s, const struct md_cred *c,
    const char *dir, const char *name, struct md_err *e)
{
	struct nfsc_cred nfc;
	struct nfsc_fh dfh;
	int r, st;

	to_nfsc(c, &nfc);
	if ((r = dir_fh(s, &nfc, dir, &dfh, e)) != MAILDIR_OK)
		return r;
	if ((st = nfsc_remove(nc_of(s), &nfc, &dfh, name)) != NFS3_OK)
		return nfs_err(s, st, e);
	return MAILDIR_OK;
}

static int
nfs_syncdir(struct maildir_store *s, const struct md_cred *c,
    const char *dir, struct md_err *e)
{
	(void)s;
	(void)c;
	(void)dir;
	(void)e;
	return MAILDIR_OK;
}

struct dirent_arg {
	md_dirent_cb	 cb;
	void		*arg;
};

static int
on_dirent(const char *name, uint64_t fileid, const struct nfsc_attr *na,
    const struct nfsc_fh *fh, void *arg)
{
	struct dirent_arg *da = arg;
	struct md_attr a;

	(void)fileid;
	(void)fh;
	if (na == NULL)
		return da->cb(name, NULL, da->arg);
	fill_attr(na, &a);
	return da->cb(name, &a, da->arg);
}

/* READDIRPLUS (attrs) or READDIR (names only) of dir, through cb. */
static int
list_dir(struct maildir_store *s, const struct md_cred *c,
    const char *dir, bool attrs, md_dirent_cb cb, void *arg,
    struct md_err *e)
{
	struct dirent_arg da = { cb, arg };
	struct nfsc_cred nfc;
	struct nfsc_fh dfh;
	int r, st;

	to_nfsc(c, &nfc);
	if ((r = dir_fh(s, &nfc, dir, &dfh, e)) != MAILDIR_OK)
		return r;
	st = attrs ? nfsc_readdir(nc_of(s), &nfc, &dfh, on_dirent, &da) :
	    nfsc_readdir_names(nc_of(s), &nfc, &dfh, on_dirent, &da);
	if (st == NFS3_OK)
		return MAILDIR_OK;
	/* A callback's own non-zero value comes back as it was. */
	if (e->status != MAILDIR_OK)
		return e->status;
	return nfs_err(s, st, e);
}

static int
nfs_readdir(struct maildir_store *s, const struct md_cred *c,
    const char *dir, md_dirent_cb cb, void *arg, struct md_err *e)
{
	return list_dir(s, c, dir, true, cb, arg, e);
}

static int
nfs_names(struct maildir_store *s, const struct md_cred *c,
    const char *dir, md_dirent_cb cb, void *arg, struct md_err *e)
{
	return list_dir(s, c, dir, false, cb, arg, e);
}

static const struct md_ops nfs_ops = {
	.kind = "nfs",
	.close = nfs_close,
	.avail = nfs_avail,
	.mkdir = nfs_mkdir,
	.chown = nfs_chown,
	.stat = nfs_stat,
	.create = nfs_create,
	.open = nfs_open,
	.write = nfs_write,
	.sync = nfs_sync,
	.write_volatile = nfs_write_volatile,
	.read = nfs_read,
	.fclose = nfs_fclose,
	.rename = nfs_rename,
	.remove = nfs_remove,
	.syncdir = nfs_syncdir,
	.readdir = nfs_readdir,
	.names = nfs_names,
};

struct maildir_store *
md_nfs_open(const char *url, struct md_err *e)
{
	struct maildir_store *s;
	struct nfs *n;
	char err[MAILDIR_ERRLEN];

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (n = calloc(1, sizeof(*n))) == NULL) {
		free(s);
		md_seterr(e, MAILDIR_ETEMP, "out of memory");
		return NULL;
	}
	err[0] = '\0';
	if ((n->nc = nfsc_open(url, NULL, err, sizeof(err))) == NULL) {
		md_seterr(e, MAILDIR_ETEMP, "%s: %s", url, err);
		free(n);
		free(s);
		return NULL;
	}
	s->ops = &nfs_ops;
	s->impl = n;
	return s;
}
