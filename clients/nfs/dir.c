/*
 * dir.c - the procedures on names in a directory: CREATE, MKDIR,
 * RENAME, LINK, REMOVE, RMDIR.  Cached directory handles at a renamed
 * or removed name are forgotten when the directory's path is known.
 */
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define MODE_MASK	07777

static int
check_dirop(const struct nfsc_cred *cred, const struct nfsc_fh *dir,
    const char *name)
{
	int st;

	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(dir)) != NFS3_OK ||
	    (st = nfsc_check_name(name)) != NFS3_OK)
		return st;
	return NFS3_OK;
}

static void
diropargs(diropargs3 *d, const struct nfsc_fh *dir, const char *name)
{
	nfsc_fh3(&d->dir, dir);
	d->name = (char *)(uintptr_t)name;
}

/* The new object's handle: from the reply, else by LOOKUP. */
static int
new_handle(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name, const post_op_fh3 *pfh,
    struct nfsc_fh *out)
{
	bool have;

	if (pfh->handle_follows &&
	    nfsc_fh_from(out, &pfh->post_op_fh3_u.handle))
		return NFS3_OK;
	return nfsc_lookup_raw(nc, cred, dir, name, out, NULL, &have);
}

/* A new directory goes into the cache when its parent's path is known. */
static void
cache_child(struct nfsc *nc, const struct nfsc_fh *dir, const char *name,
    const struct nfsc_fh *fh)
{
	char path[NFSC_PATHLEN + 1];
	const char *dp;
	int n;

	if ((dp = nfsc_dir_path(nc, dir)) == NULL)
		return;
	n = dp[0] == '\0' ? snprintf(path, sizeof(path), "%s", name) :
	    snprintf(path, sizeof(path), "%s/%s", dp, name);
	if (n > 0 && (size_t)n < sizeof(path))
		(void)fhc_put(nc->fc, path, fh);
}

int
nfsc_create(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name, uint32_t mode,
    enum nfsc_create_how how, const uint8_t verf[8], struct nfsc_fh *out)
{
	CREATE3args a;
	CREATE3res r;
	createhow3 *h = &a.how;
	struct nfsc_fh fh;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = check_dirop(cred, dir, name)) != NFS3_OK)
		goto out;
	if ((how == NFSC_EXCLUSIVE && verf == NULL) || how < NFSC_UNCHECKED ||
	    how > NFSC_EXCLUSIVE) {
		st = NFS3ERR_INVAL;
		goto out;
	}
	diropargs(&a.where, dir, name);
	if (how == NFSC_EXCLUSIVE) {
		h->mode = EXCLUSIVE;
		memcpy(h->createhow3_u.verf, verf, NFS3_CREATEVERFSIZE);
	} else {
		h->mode = how == NFSC_GUARDED ? GUARDED : UNCHECKED;
		h->createhow3_u.obj_attributes.mode.set_it = TRUE;
		h->createhow3_u.obj_attributes.mode.set_mode3_u.mode =
		    mode & MODE_MASK;
	}
	st = nfsc_call(nc, cred, NFSPROC3_CREATE, (xdrproc_t)xdr_CREATE3args,
	    &a, (xdrproc_t)xdr_CREATE3res, &r);
	if (st == NFS3_OK)
		st = new_handle(nc, cred, dir, name,
		    &r.CREATE3res_u.resok.obj, &fh);
	xdr_free((xdrproc_t)xdr_CREATE3res, (char *)&r);
	if (st == NFS3_OK)
		nfsc_names_note(&nc->names, &fh, nfsc_dir_path(nc, dir), name);
	/* An exclusive create sets no attributes (RFC 1813 3.3.8). */
	if (st == NFS3_OK && how == NFSC_EXCLUSIVE && (st = nfsc_setattr(nc,
	    cred, &fh, mode & MODE_MASK, -1, -1, -1)) != NFS3_OK) {
		nfsc_unlock(nc);	/* nc->err names the SETATTR */
		return st;
	}
	if (st == NFS3_OK && out != NULL)
		*out = fh;
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "CREATE", dir, name, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_mkdir(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name, uint32_t mode,
    struct nfsc_fh *out)
{
	MKDIR3args a;
	MKDIR3res r;
	struct nfsc_fh fh;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = check_dirop(cred, dir, name)) != NFS3_OK)
		goto out;
	diropargs(&a.where, dir, name);
	a.attributes.mode.set_it = TRUE;
	a.attributes.mode.set_mode3_u.mode = mode & MODE_MASK;
	st = nfsc_call(nc, cred, NFSPROC3_MKDIR, (xdrproc_t)xdr_MKDIR3args,
	    &a, (xdrproc_t)xdr_MKDIR3res, &r);
	if (st == NFS3_OK)
		st = new_handle(nc, cred, dir, name, &r.MKDIR3res_u.resok.obj,
		    &fh);
	xdr_free((xdrproc_t)xdr_MKDIR3res, (char *)&r);
	if (st == NFS3_OK) {
		cache_child(nc, dir, name, &fh);
		if (out != NULL)
			*out = fh;
	}
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "MKDIR", dir, name, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_rename(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fromdir, const char *from,
    const struct nfsc_fh *todir, const char *to)
{
	RENAME3args a;
	RENAME3res r;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = check_dirop(cred, fromdir, from)) != NFS3_OK ||
	    (st = check_dirop(cred, todir, to)) != NFS3_OK)
		goto out;
	diropargs(&a.from, fromdir, from);
	diropargs(&a.to, todir, to);
	st = nfsc_call(nc, cred, NFSPROC3_RENAME, (xdrproc_t)xdr_RENAME3args,
	    &a, (xdrproc_t)xdr_RENAME3res, &r);
	xdr_free((xdrproc_t)xdr_RENAME3res, (char *)&r);
	if (st == NFS3_OK) {
		nfsc_forget_child(nc, fromdir, from);
		nfsc_forget_child(nc, todir, to);
	}
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "RENAME", fromdir, from, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_link(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, const struct nfsc_fh *dir, const char *name)
{
	LINK3args a;
	LINK3res r;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = check_dirop(cred, dir, name)) != NFS3_OK ||
	    (st = nfsc_check_fh(fh)) != NFS3_OK)
		goto out;
	nfsc_fh3(&a.file, fh);
	diropargs(&a.link, dir, name);
	st = nfsc_call(nc, cred, NFSPROC3_LINK, (xdrproc_t)xdr_LINK3args,
	    &a, (xdrproc_t)xdr_LINK3res, &r);
	xdr_free((xdrproc_t)xdr_LINK3res, (char *)&r);
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "LINK", dir, name, st);
	nfsc_unlock(nc);
	return st;
}

/*
 * REMOVE and RMDIR: their arguments are both just a diropargs3 and
 * their results the same status and wcc_data (RFC 1813 3.3.12, 3.3.13),
 * so one call serves both.
 */
static int
do_unlink(struct nfsc *nc, const struct nfsc_cred *cred, uint32_t proc,
    const struct nfsc_fh *dir, const char *name)
{
	diropargs3 a;
	REMOVE3res r;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	diropargs(&a, dir, name);
	st = nfsc_call(nc, cred, proc, (xdrproc_t)xdr_diropargs3, &a,
	    (xdrproc_t)xdr_REMOVE3res, &r);
	xdr_free((xdrproc_t)xdr_REMOVE3res, (char *)&r);
	return st;
}

/* REMOVE or RMDIR, and forget what was cached at the name. */
static int
unlink_name(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name, bool isdir)
{
	int st;

	nfsc_lock(nc);
	if ((st = check_dirop(cred, dir, name)) == NFS3_OK)
		st = do_unlink(nc, cred, isdir ? NFSPROC3_RMDIR :
		    NFSPROC3_REMOVE, dir, name);
	if (st == NFS3_OK)
		nfsc_forget_child(nc, dir, name);
	else
		nfsc_fail(nc, isdir ? "RMDIR" : "REMOVE", dir, name, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_remove(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name)
{
	return unlink_name(nc, cred, dir, name, false);
}

int
nfsc_rmdir(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name)
{
	return unlink_name(nc, cred, dir, name, true);
}
