/*
 * nfs3_readdir.c - READDIR (RFC 1813 3.3.16) and READDIRPLUS (3.3.17).
 * Replies are filled up to the client's count (READDIR) or dircount
 * and maxcount (READDIRPLUS), counted in XDR bytes.  Cookies are the
 * kernel's directory offsets (see vfs/readdir.c) and the cookie
 * verifier is always zero: no cookie ever goes bad.
 */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include "nfs3.h"

#define XDR_UNIT		4
#define XDR_RNDUP(n)		(((n) + XDR_UNIT - 1) & ~(size_t)(XDR_UNIT - 1))
#define FATTR3_SIZE		84
#define POST_OP_ATTR_SIZE	(4 + FATTR3_SIZE)
/* status, dir attributes, verifier, end of list, eof */
#define READDIR_OVERHEAD	(4 + POST_OP_ATTR_SIZE + 8 + 4 + 4)
#define UDP_REPLY_MAX		(RPC_UDP_MAX - 512)

/* Filling one reply. */
struct fill {
	struct nfs3_call	*c;
	const struct vfs_obj	*dir;
	bool			 plus;
	size_t			 room;		/* reply bytes left */
	size_t			 dirroom;	/* READDIRPLUS dircount left */
	unsigned		 n;
	entry3			**tail;
	entryplus3		**ptail;
};

/* Size of an entry's fileid, name and cookie, with the list link. */
static size_t
entry_size(size_t namelen)
{
	return 4 + 8 + 4 + XDR_RNDUP(namelen) + 8;
}

static int
add_entry(const struct vfs_dirent *d, void *arg)
{
	struct fill *f = arg;
	size_t len = strlen(d->name), size = entry_size(len);
	entry3 *e;

	if (size > f->room)
		return 1;
	if ((e = rpc_alloc(f->c->req, sizeof(*e))) == NULL ||
	    (e->name = rpc_strdup(f->c->req, d->name)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	e->fileid = d->fileid;
	e->cookie = d->cookie;
	*f->tail = e;
	f->tail = &e->nextentry;
	f->room -= size;
	f->n++;
	return 0;
}

/*
 * Handle and attributes of an entry, except "." and ".." (the client
 * looks those up; ".." of an export root must not leave it) and other
 * filesystems mounted here.
 */
static void
plus_attrs(struct fill *f, const struct vfs_dirent *d, entryplus3 *e)
{
	const char *name = d->name;
	uint8_t fh[HANDLE_MAX];
	struct stat st;
	size_t fhlen;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return;
	if (vfs_entry_plus(&f->c->d->key, f->dir->ve, f->dir->fd, name,
	    d->fileid, &st, fh, &fhlen) != NFS3_OK ||
	    st.st_dev != f->dir->ve->dev)
		return;
	vfs_post_op_st(f->dir->ve, &st, &e->name_attributes);
	if (fhlen > 0 && nfs3_fh_out(f->c, fh, fhlen,
	    &e->name_handle.post_op_fh3_u.handle) == 0)
		e->name_handle.handle_follows = TRUE;
}

static int
add_entryplus(const struct vfs_dirent *d, void *arg)
{
	struct fill *f = arg;
	size_t len = strlen(d->name), dsize = entry_size(len), size;
	entryplus3 *e;

	if (dsize > f->dirroom)
		return 1;
	if ((e = rpc_alloc(f->c->req, sizeof(*e))) == NULL ||
	    (e->name = rpc_strdup(f->c->req, d->name)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	e->fileid = d->fileid;
	e->cookie = d->cookie;
	plus_attrs(f, d, e);
	size = dsize + 4 + 4;
	if (e->name_attributes.attributes_follow)
		size += FATTR3_SIZE;
	if (e->name_handle.handle_follows)
		size += 4 + XDR_RNDUP(e->name_handle.post_op_fh3_u.handle.data.
		    data_len);
	if (size > f->room)
		return 1;
	*f->ptail = e;
	f->ptail = &e->nextentry;
	f->room -= size;
	f->dirroom -= dsize;
	f->n++;
	return 0;
}

static size_t
reply_cap(const struct nfs3_call *c, count3 count)
{
	size_t cap = c->req->transport == RPC_UDP ? UDP_REPLY_MAX :
	    RPC_MAX_PAYLOAD;

	return count < cap ? count : cap;
}

/* Fill f from cookie; sets *eof. */
static nfsstat3
fill_reply(struct fill *f, cookie3 cookie, bool *eof)
{
	if (!S_ISDIR(f->dir->st.st_mode))
		return NFS3ERR_NOTDIR;
	if (vfs_readdir(f->dir->fd, &f->dir->st, &f->c->cred, cookie,
	    f->plus ? add_entryplus : add_entry, f, eof) == -1)
		return errno == EINVAL ? NFS3ERR_BAD_COOKIE : vfs_errno(errno);
	if (f->n == 0 && !*eof)
		return NFS3ERR_TOOSMALL;
	return NFS3_OK;
}

/*
 * Whether the event loop may run a READDIR or READDIRPLUS itself: the
 * first call of a listing (cookie 0), which for most directories is
 * the whole listing.  A call going on from another cookie is part of
 * a big listing, hundreds of calls of a statx per entry: a worker's
 * job, so that its loop goes on serving the other connections, and two
 * big listings on one loop run side by side.  Both argument lists
 * start with the directory's handle (opaque<64>) and the cookie.
 */
bool
nfs3_readdir_quick(const uint8_t *args, size_t len)
{
	static const uint8_t zero[8];
	size_t off;

	if ((off = nfs3_args_after_fh(args, len, sizeof(zero))) == 0)
		return false;
	return memcmp(args + off, zero, sizeof(zero)) == 0;
}

/* READDIR and READDIRPLUS: resolve, fill up to the caller's counts. */
static nfsstat3
run_readdir(struct rpc_req *req, const nfs_fh3 *fh, cookie3 cookie,
    count3 dircount, count3 maxcount, struct fill *f, bool *eof,
    post_op_attr *dir_attributes)
{
	struct nfs3_call c;
	struct vfs_obj dir;
	nfsstat3 st;
	size_t cap;

	nfs3_begin(&c, req);
	if ((st = nfs3_get(&c, fh, &dir, 0)) == NFS3_OK) {
		f->c = &c;
		f->dir = &dir;
		cap = reply_cap(&c, maxcount);
		if (cap <= READDIR_OVERHEAD || dircount == 0)
			st = NFS3ERR_TOOSMALL;
		else {
			f->room = cap - READDIR_OVERHEAD;
			f->dirroom = dircount;
			st = fill_reply(f, cookie, eof);
		}
		/* dir_attributes opens both resok and resfail */
		vfs_post_op(dir.ve, dir.fd, dir_attributes);
		vfs_release(&dir);
	}
	nfs3_end(&c);
	return st;
}

enum rpc_status
nfs3_readdir(struct rpc_req *req, void *argp, void *resp)
{
	READDIR3args *args = argp;
	READDIR3res *res = resp;
	READDIR3resok *ok = &res->READDIR3res_u.resok;
	struct fill f = { .tail = &ok->reply.entries };
	bool eof = false;

	/* READDIR counts only the reply: dircount is the same count */
	res->status = run_readdir(req, &args->dir, args->cookie, args->count,
	    args->count, &f, &eof, &ok->dir_attributes);
	if (res->status == NFS3_OK)
		ok->reply.eof = eof;
	else
		ok->reply.entries = NULL;
	return RPC_OK;
}

enum rpc_status
nfs3_readdirplus(struct rpc_req *req, void *argp, void *resp)
{
	READDIRPLUS3args *args = argp;
	READDIRPLUS3res *res = resp;
	READDIRPLUS3resok *ok = &res->READDIRPLUS3res_u.resok;
	struct fill f = { .plus = true, .ptail = &ok->reply.entries };
	bool eof = false;

	res->status = run_readdir(req, &args->dir, args->cookie,
	    args->dircount, args->maxcount, &f, &eof, &ok->dir_attributes);
	if (res->status == NFS3_OK)
		ok->reply.eof = eof;
	else
		ok->reply.entries = NULL;
	return RPC_OK;
}
