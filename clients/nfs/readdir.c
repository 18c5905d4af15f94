/*
 * readdir.c - listing a directory with READDIRPLUS, page by page
 * (cookie and cookie verifier), giving each entry but "." and ".." to
 * the caller's callback with its attributes and handle when the server
 * sent them; or with READDIR, names only, which costs the server no
 * lookup of each entry (a Maildir's names carry what a listing needs).  A callback's non-zero return stops the listing and is
 * returned as is (nc->err is then not set).  The callback may call
 * back into the same client (its mutex is recursive).
 */
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define DIRCOUNT	16384	/* bytes of names and cookies per page */
#define MAXCOUNT	65536	/* bytes of a whole reply page */

static bool
dot_or_dotdot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Hand one page's entries to cb; *last is the last cookie seen. */
static int
give_entries(entryplus3 *e, nfsc_dirent_cb cb, void *arg, cookie3 *last,
    bool *any)
{
	struct nfsc_attr attr;
	struct nfsc_fh fh;
	const struct nfsc_attr *ap;
	const struct nfsc_fh *fp;
	int rc;

	for (; e != NULL; e = e->nextentry) {
		*last = e->cookie;
		*any = true;
		if (e->name == NULL || dot_or_dotdot(e->name))
			continue;
		ap = NULL;
		fp = NULL;
		if (e->name_attributes.attributes_follow) {
			nfsc_attr_from(&attr,
			    &e->name_attributes.post_op_attr_u.attributes);
			ap = &attr;
		}
		if (e->name_handle.handle_follows &&
		    nfsc_fh_from(&fh, &e->name_handle.post_op_fh3_u.handle))
			fp = &fh;
		if ((rc = cb(e->name, e->fileid, ap, fp, arg)) != 0)
			return rc;
	}
	return 0;
}

int
nfsc_readdir(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg)
{
	READDIRPLUS3args a;
	READDIRPLUS3res r;
	READDIRPLUS3resok *ok;
	bool eof = false, any;
	int st, rc;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(dir)) != NFS3_OK)
		goto out;
	if (cb == NULL) {
		st = NFS3ERR_INVAL;
		goto out;
	}
	nfsc_fh3(&a.dir, dir);
	a.dircount = DIRCOUNT;
	a.maxcount = nc->rtmax < MAXCOUNT ? nc->rtmax : MAXCOUNT;
	while (!eof) {
		memset(&r, 0, sizeof(r));
		st = nfsc_call(nc, cred, NFSPROC3_READDIRPLUS,
		    (xdrproc_t)xdr_READDIRPLUS3args, &a,
		    (xdrproc_t)xdr_READDIRPLUS3res, &r);
		if (st != NFS3_OK) {
			xdr_free((xdrproc_t)xdr_READDIRPLUS3res, (char *)&r);
			goto out;
		}
		ok = &r.READDIRPLUS3res_u.resok;
		any = false;
		rc = give_entries(ok->reply.entries, cb, arg, &a.cookie, &any);
		eof = ok->reply.eof;
		memcpy(a.cookieverf, ok->cookieverf, NFS3_COOKIEVERFSIZE);
		xdr_free((xdrproc_t)xdr_READDIRPLUS3res, (char *)&r);
		if (rc != 0) {
			nfsc_unlock(nc);
			return rc;
		}
		if (!any && !eof) {
			/* no progress: the server would have us loop */
			st = NFS3ERR_IO;
			goto out;
		}
	}
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "READDIRPLUS", dir, NULL, st);
	nfsc_unlock(nc);
	return st;
}

/* Hand one READDIR page's names to cb; *last is the last cookie seen. */
static int
give_names(entry3 *e, nfsc_dirent_cb cb, void *arg, cookie3 *last,
    bool *any)
{
	int rc;

	for (; e != NULL; e = e->nextentry) {
		*last = e->cookie;
		*any = true;
		if (e->name == NULL || dot_or_dotdot(e->name))
			continue;
		if ((rc = cb(e->name, e->fileid, NULL, NULL, arg)) != 0)
			return rc;
	}
	return 0;
}

int
nfsc_readdir_names(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg)
{
	READDIR3args a;
	READDIR3res r;
	READDIR3resok *ok;
	bool eof = false, any;
	int st, rc;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(dir)) != NFS3_OK)
		goto out;
	if (cb == NULL) {
		st = NFS3ERR_INVAL;
		goto out;
	}
	nfsc_fh3(&a.dir, dir);
	a.count = nc->rtmax < MAXCOUNT ? nc->rtmax : MAXCOUNT;
	while (!eof) {
		memset(&r, 0, sizeof(r));
		st = nfsc_call(nc, cred, NFSPROC3_READDIR,
		    (xdrproc_t)xdr_READDIR3args, &a,
		    (xdrproc_t)xdr_READDIR3res, &r);
		if (st != NFS3_OK) {
			xdr_free((xdrproc_t)xdr_READDIR3res, (char *)&r);
			goto out;
		}
		ok = &r.READDIR3res_u.resok;
		any = false;
		rc = give_names(ok->reply.entries, cb, arg, &a.cookie, &any);
		eof = ok->reply.eof;
		memcpy(a.cookieverf, ok->cookieverf, NFS3_COOKIEVERFSIZE);
		xdr_free((xdrproc_t)xdr_READDIR3res, (char *)&r);
		if (rc != 0) {
			nfsc_unlock(nc);
			return rc;
		}
		if (!any && !eof) {
			/* no progress: the server would have us loop */
			st = NFS3ERR_IO;
			goto out;
		}
	}
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "READDIR", dir, NULL, st);
	nfsc_unlock(nc);
	return st;
}
