/*
 * readdir.c - listing a directory page by page (cookie and cookie
 * verifier), giving each entry but "." and ".." to the caller's
 * callback: with READDIRPLUS, with its attributes and handle when the
 * server sent them; or with READDIR, names only, which costs the
 * server no lookup of each entry (a Maildir's names carry what a
 * listing needs).  A callback's non-zero return stops the listing and
 * is returned as is (nc->err is then not set).  The callback may call
 * back into the same client (its mutex is recursive).
 */
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define DIRCOUNT	16384	/* bytes of names and cookies per page */
#define MAXCOUNT	65536	/* bytes of a whole reply page */

/* Where a listing stands between pages. */
struct page_pos {
	const struct nfsc_fh	*dir;
	cookie3			 cookie;
	cookieverf3		 verf;
	bool			 eof;
	bool			 any;		/* the last page had entries */
};

/*
 * Fetch the page at pos and give its entries to cb: an NFS status;
 * *rc is what the callback returned (non-zero: stop).
 */
typedef int (*page_fn)(struct nfsc *nc, const struct nfsc_cred *cred,
    struct page_pos *pos, nfsc_dirent_cb cb, void *arg, int *rc);

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

static int
page_plus(struct nfsc *nc, const struct nfsc_cred *cred,
    struct page_pos *pos, nfsc_dirent_cb cb, void *arg, int *rc)
{
	READDIRPLUS3args a;
	READDIRPLUS3res r;
	READDIRPLUS3resok *ok;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	nfsc_fh3(&a.dir, pos->dir);
	a.cookie = pos->cookie;
	memcpy(a.cookieverf, pos->verf, NFS3_COOKIEVERFSIZE);
	a.dircount = DIRCOUNT;
	a.maxcount = nc->rtmax < MAXCOUNT ? nc->rtmax : MAXCOUNT;
	st = nfsc_call(nc, cred, NFSPROC3_READDIRPLUS,
	    (xdrproc_t)xdr_READDIRPLUS3args, &a,
	    (xdrproc_t)xdr_READDIRPLUS3res, &r);
	if (st == NFS3_OK) {
		ok = &r.READDIRPLUS3res_u.resok;
		pos->any = false;
		*rc = give_entries(ok->reply.entries, cb, arg, &pos->cookie,
		    &pos->any);
		pos->eof = ok->reply.eof;
		memcpy(pos->verf, ok->cookieverf, NFS3_COOKIEVERFSIZE);
	}
	xdr_free((xdrproc_t)xdr_READDIRPLUS3res, (char *)&r);
	return st;
}

static int
page_names(struct nfsc *nc, const struct nfsc_cred *cred,
    struct page_pos *pos, nfsc_dirent_cb cb, void *arg, int *rc)
{
	READDIR3args a;
	READDIR3res r;
	READDIR3resok *ok;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	nfsc_fh3(&a.dir, pos->dir);
	a.cookie = pos->cookie;
	memcpy(a.cookieverf, pos->verf, NFS3_COOKIEVERFSIZE);
	a.count = nc->rtmax < MAXCOUNT ? nc->rtmax : MAXCOUNT;
	st = nfsc_call(nc, cred, NFSPROC3_READDIR,
	    (xdrproc_t)xdr_READDIR3args, &a,
	    (xdrproc_t)xdr_READDIR3res, &r);
	if (st == NFS3_OK) {
		ok = &r.READDIR3res_u.resok;
		pos->any = false;
		*rc = give_names(ok->reply.entries, cb, arg, &pos->cookie,
		    &pos->any);
		pos->eof = ok->reply.eof;
		memcpy(pos->verf, ok->cookieverf, NFS3_COOKIEVERFSIZE);
	}
	xdr_free((xdrproc_t)xdr_READDIR3res, (char *)&r);
	return st;
}

/* Page through dir with page until the end or the callback stops. */
static int
list_dir(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg, page_fn page,
    const char *what)
{
	struct page_pos pos;
	int st, rc = 0;

	nfsc_lock(nc);
	memset(&pos, 0, sizeof(pos));
	pos.dir = dir;
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(dir)) != NFS3_OK)
		goto out;
	if (cb == NULL) {
		st = NFS3ERR_INVAL;
		goto out;
	}
	while (!pos.eof) {
		if ((st = page(nc, cred, &pos, cb, arg, &rc)) != NFS3_OK)
			goto out;
		if (rc != 0) {
			nfsc_unlock(nc);
			return rc;
		}
		if (!pos.any && !pos.eof) {
			/* no progress: the server would have us loop */
			st = NFS3ERR_IO;
			goto out;
		}
	}
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, what, dir, NULL, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_readdir(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg)
{
	return list_dir(nc, cred, dir, cb, arg, page_plus, "READDIRPLUS");
}

int
nfsc_readdir_names(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg)
{
	return list_dir(nc, cred, dir, cb, arg, page_names, "READDIR");
}
