/*
 * attr.c - SETATTR (mode, owner, size) and FSSTAT.
 */
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define MODE_MAX	07777
#define NOT_SET		(-1)

static int
check_setattr(int64_t mode, int64_t uid, int64_t gid, int64_t size)
{
	if ((mode != NOT_SET && (mode < 0 || mode > MODE_MAX)) ||
	    (uid != NOT_SET && (uid < 0 || uid > UINT32_MAX)) ||
	    (gid != NOT_SET && (gid < 0 || gid > UINT32_MAX)) ||
	    (size != NOT_SET && size < 0))
		return NFSC_ERR_TOOBIG;
	return NFS3_OK;
}

int
nfsc_setattr(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, int64_t mode, int64_t uid, int64_t gid,
    int64_t size)
{
	SETATTR3args a;
	SETATTR3res r;
	sattr3 *s = &a.new_attributes;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(fh)) != NFS3_OK ||
	    (st = check_setattr(mode, uid, gid, size)) != NFS3_OK)
		goto out;
	nfsc_fh3(&a.object, fh);
	if ((s->mode.set_it = mode != NOT_SET))
		s->mode.set_mode3_u.mode = (mode3)mode;
	if ((s->uid.set_it = uid != NOT_SET))
		s->uid.set_uid3_u.uid = (uid3)uid;
	if ((s->gid.set_it = gid != NOT_SET))
		s->gid.set_gid3_u.gid = (gid3)gid;
	if ((s->size.set_it = size != NOT_SET))
		s->size.set_size3_u.size = (size3)size;
	s->atime.set_it = DONT_CHANGE;
	s->mtime.set_it = DONT_CHANGE;
	a.guard.check = FALSE;
	st = nfsc_call(nc, cred, NFSPROC3_SETATTR, (xdrproc_t)xdr_SETATTR3args,
	    &a, (xdrproc_t)xdr_SETATTR3res, &r);
	xdr_free((xdrproc_t)xdr_SETATTR3res, (char *)&r);
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "SETATTR", fh, NULL, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_fsstat(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, struct nfsc_fsstat *out)
{
	FSSTAT3args a;
	FSSTAT3res r;
	FSSTAT3resok *ok;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(fh)) != NFS3_OK)
		goto out;
	nfsc_fh3(&a.fsroot, fh);
	st = nfsc_call(nc, cred, NFSPROC3_FSSTAT, (xdrproc_t)xdr_FSSTAT3args,
	    &a, (xdrproc_t)xdr_FSSTAT3res, &r);
	if (st == NFS3_OK && out != NULL) {
		ok = &r.FSSTAT3res_u.resok;
		out->tbytes = ok->tbytes;
		out->fbytes = ok->fbytes;
		out->abytes = ok->abytes;
		out->tfiles = ok->tfiles;
		out->ffiles = ok->ffiles;
		out->afiles = ok->afiles;
	}
	xdr_free((xdrproc_t)xdr_FSSTAT3res, (char *)&r);
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "FSSTAT", fh, NULL, st);
	nfsc_unlock(nc);
	return st;
}
