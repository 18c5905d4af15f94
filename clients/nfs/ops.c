/*
 * ops.c - what every NFS procedure of the client shares: checking the
 * caller's handles, names and credentials against the protocol's
 * bounds, converting handles and attributes, failing with a named
 * error; and LOOKUP and GETATTR themselves.
 */
#include <stdio.h>
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

int
nfsc_check_cred(const struct nfsc_cred *cred)
{
	if (cred == NULL)
		return NFS3ERR_INVAL;
	if (cred->ngids > NFSC_MAX_GIDS)
		return NFSC_ERR_TOOBIG;
	return NFS3_OK;
}

int
nfsc_check_fh(const struct nfsc_fh *fh)
{
	if (fh == NULL || fh->len == 0)
		return NFS3ERR_BADHANDLE;
	if (fh->len > NFSC_FHSIZE)
		return NFSC_ERR_TOOBIG;
	return NFS3_OK;
}

int
nfsc_check_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return NFS3ERR_INVAL;
	if (strnlen(name, NFSC_NAMELEN + 1) > NFSC_NAMELEN)
		return NFSC_ERR_TOOBIG;
	return NFS3_OK;
}

void
nfsc_fh3(struct nfs_fh3 *d, const struct nfsc_fh *fh)
{
	d->data.data_len = fh->len;
	d->data.data_val = (char *)(uintptr_t)fh->data;
}

bool
nfsc_fh_from(struct nfsc_fh *out, const struct nfs_fh3 *in)
{
	if (in->data.data_len == 0 || in->data.data_len > NFSC_FHSIZE)
		return false;
	out->len = in->data.data_len;
	memcpy(out->data, in->data.data_val, out->len);
	return true;
}

static enum nfsc_type
type_from(ftype3 t)
{
	switch (t) {
	case NF3DIR:
		return NFSC_DIR;
	case NF3BLK:
		return NFSC_BLK;
	case NF3CHR:
		return NFSC_CHR;
	case NF3LNK:
		return NFSC_LNK;
	case NF3SOCK:
		return NFSC_SOCK;
	case NF3FIFO:
		return NFSC_FIFO;
	case NF3REG:
	default:
		return NFSC_REG;
	}
}

void
nfsc_attr_from(struct nfsc_attr *a, const struct fattr3 *f)
{
	memset(a, 0, sizeof(*a));
	a->type = type_from(f->type);
	a->mode = f->mode;
	a->nlink = f->nlink;
	a->uid = f->uid;
	a->gid = f->gid;
	a->size = f->size;
	a->used = f->used;
	a->fsid = f->fsid;
	a->fileid = f->fileid;
	a->atime.tv_sec = f->atime.seconds;
	a->atime.tv_nsec = f->atime.nseconds;
	a->mtime.tv_sec = f->mtime.seconds;
	a->mtime.tv_nsec = f->mtime.nseconds;
	a->ctime.tv_sec = f->ctime.seconds;
	a->ctime.tv_nsec = f->ctime.nseconds;
}

int
nfsc_fail(struct nfsc *nc, const char *proc, const struct nfsc_fh *fh,
    const char *name, int st)
{
	const char *path;

	nfsc_seterr_fh(nc, proc, fh, name, st,
	    st == NFSC_ERR_RPC ? nc->nfs.detail : NULL);
	if (st == NFS3ERR_STALE && fh != NULL && fh->len <= NFSC_FHSIZE &&
	    (path = fhc_path_of(nc->fc, fh)) != NULL) {
		char copy[NFSC_PATHLEN + 1];

		snprintf(copy, sizeof(copy), "%s", path);
		fhc_forget(nc->fc, copy);
	}
	return st;
}

const char *
nfsc_dir_path(struct nfsc *nc, const struct nfsc_fh *fh)
{
	if (fh->len == nc->root.len &&
	    memcmp(fh->data, nc->root.data, fh->len) == 0)
		return "";
	return fhc_path_of(nc->fc, fh);
}

void
nfsc_forget_child(struct nfsc *nc, const struct nfsc_fh *dir,
    const char *name)
{
	char path[NFSC_PATHLEN + NFSC_NAMELEN + 2];
	const char *dp;

	if ((dp = nfsc_dir_path(nc, dir)) == NULL)
		return;
	if (dp[0] == '\0')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dp, name);
	fhc_forget(nc->fc, path);
}

int
nfsc_lookup_raw(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name, struct nfsc_fh *out,
    struct nfsc_attr *attr, bool *have)
{
	LOOKUP3args a;
	LOOKUP3res r;
	LOOKUP3resok *ok;
	int st;

	*have = false;
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	nfsc_fh3(&a.what.dir, dir);
	a.what.name = (char *)(uintptr_t)name;
	st = nfsc_call(nc, cred, NFSPROC3_LOOKUP, (xdrproc_t)xdr_LOOKUP3args,
	    &a, (xdrproc_t)xdr_LOOKUP3res, &r);
	if (st == NFS3_OK) {
		ok = &r.LOOKUP3res_u.resok;
		if (!nfsc_fh_from(out, &ok->object))
			st = NFS3ERR_BADHANDLE;
		else if (ok->obj_attributes.attributes_follow) {
			*have = true;
			if (attr != NULL)
				nfsc_attr_from(attr, &ok->obj_attributes.
				    post_op_attr_u.attributes);
		}
	}
	xdr_free((xdrproc_t)xdr_LOOKUP3res, (char *)&r);
	return st;
}

int
nfsc_lookup(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, const char *name, struct nfsc_fh *out,
    struct nfsc_attr *attr)
{
	struct nfsc_attr a;
	const char *dp;
	bool have;
	int st;

	nfsc_lock(nc);
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(dir)) != NFS3_OK ||
	    (st = nfsc_check_name(name)) != NFS3_OK)
		goto out;
	st = nfsc_lookup_raw(nc, cred, dir, name, out, &a, &have);
	if (st == NFS3_OK) {
		if (attr != NULL && !have)
			st = nfsc_getattr_raw(nc, cred, out, &a);
		if (st == NFS3_OK && attr != NULL)
			*attr = a;
		if (st == NFS3_OK) {
			dp = nfsc_dir_path(nc, dir);
			nfsc_names_note(&nc->names, out, dp, name);
		}
	}
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "LOOKUP", dir, name, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_getattr_raw(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, struct nfsc_attr *attr)
{
	GETATTR3args a;
	GETATTR3res r;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	nfsc_fh3(&a.object, fh);
	st = nfsc_call(nc, cred, NFSPROC3_GETATTR, (xdrproc_t)xdr_GETATTR3args,
	    &a, (xdrproc_t)xdr_GETATTR3res, &r);
	if (st == NFS3_OK && attr != NULL)
		nfsc_attr_from(attr, &r.GETATTR3res_u.resok.obj_attributes);
	xdr_free((xdrproc_t)xdr_GETATTR3res, (char *)&r);
	return st;
}

int
nfsc_getattr(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, struct nfsc_attr *attr)
{
	int st;

	nfsc_lock(nc);
	if ((st = nfsc_check_cred(cred)) == NFS3_OK &&
	    (st = nfsc_check_fh(fh)) == NFS3_OK)
		st = nfsc_getattr_raw(nc, cred, fh, attr);
	if (st != NFS3_OK)
		nfsc_fail(nc, "GETATTR", fh, NULL, st);
	nfsc_unlock(nc);
	return st;
}
