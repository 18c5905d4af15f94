/*
 * nfs3_io.c - the data procedures of RFC 1813: READ (3.3.6), WRITE
 * (3.3.7) and COMMIT (3.3.21), with their XDR done by hand so that the
 * payload is never copied in user space: WRITE's data is written
 * straight from the received record.  READ's data goes over TCP from
 * the page cache (the file's pages spliced into a pipe, a tail the
 * transport sends) when there is much of it, else pread(2) puts it
 * straight into the reply.
 *
 * Stability: UNSTABLE writes go to the page cache and COMMIT makes
 * them durable (those of NFS3_WRITE_BEHIND_MIN or more start their
 * disk write before replying, so the COMMIT has less left); DATA_SYNC
 * and FILE_SYNC writes are durable before the reply (RWF_DSYNC,
 * RWF_SYNC).  The write verifier is random per run and changes
 * whenever a flush fails, so clients resend what they had only written
 * unstably.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nfs3.h"

#define XDR_UNIT	4
#define XDR_RNDUP(n)	(((n) + XDR_UNIT - 1) & ~(size_t)(XDR_UNIT - 1))

static void
read_release(void *arg)
{
	struct nfs3_read_res *r = arg;

	vfs_release(&r->obj);
}

enum rpc_status
nfs3_read(struct rpc_req *req, void *argp, void *resp)
{
	READ3args *args = argp;
	struct nfs3_read_res *r = resp;
	READ3res *res = &r->res;
	struct nfs3_call c;

	nfs3_begin(&c, req);
	r->iofd = -1;
	res->status = nfs3_get(&c, &args->file, &r->obj, NFS3_GET_IO);
	if (res->status != NFS3_OK)
		goto out;
	req->cleanup = read_release;
	req->cleanup_arg = r;
	vfs_post_op_st(r->obj.ve, &r->obj.st,
	    &res->READ3res_u.resok.file_attributes);
	res->status = vfs_may_io(r->obj.fd, &r->obj.st, c.cred.uid, false);
	if (res->status != NFS3_OK)
		goto out;
	if ((r->iofd = vfs_iofd(&r->obj)) == -1) {
		res->status = vfs_errno(errno);
		goto out;
	}
	r->offset = args->offset;
	r->count = args->count < c.d->io_max ? args->count : c.d->io_max;
	r->tail = req->tail;
out:
	nfs3_end(&c);
	return RPC_OK;
}

static bool_t
put_u32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
	return TRUE;
}

/*
 * The data as a tail, when there is enough of it by the size the
 * attributes give: the file's pages in a pipe, sent by the transport.
 * 0: none (too little, or the pages could not be had: pread then).
 */
static size_t
read_tail(struct nfs3_read_res *r, bool *eof)
{
	uint64_t size = (uint64_t)r->obj.st.st_size;
	size_t n, got;
	bool at_end;

	if (r->tail == NULL || r->offset >= size)
		return 0;
	n = size - r->offset < r->count ? (size_t)(size - r->offset) :
	    r->count;
	if (n < NFS3_READ_TAIL_MIN)
		return 0;
	got = rpc_tail_fill(r->tail, r->iofd, r->offset, n, &at_end);
	*eof = at_end || r->offset + got >= size;
	return got;
}

/*
 * Encode READ3res: status and attributes as usual, then count, eof
 * and the data's length, then the data: left in the file as a tail, or
 * read into place.  A failing pread turns the reply into a failure
 * after the fact.
 */
bool_t
nfs3_xdr_read_res(XDR *x, void *p)
{
	struct nfs3_read_res *r = p;
	READ3resok *ok = &r->res.READ3res_u.resok;
	u_int start = xdr_getpos(x), room;
	uint8_t *hdr, *data;
	size_t want;
	ssize_t n;
	bool eof;

	if (x->x_op != XDR_ENCODE || r->res.status != NFS3_OK)
		return xdr_READ3res(x, &r->res);
	if (!xdr_nfsstat3(x, &r->res.status) ||
	    !xdr_post_op_attr(x, &ok->file_attributes) ||
	    (hdr = (uint8_t *)XDR_INLINE(x, 3 * XDR_UNIT)) == NULL)
		return FALSE;
	if ((n = (ssize_t)read_tail(r, &eof)) > 0) {
		put_u32(hdr, (uint32_t)n);
		put_u32(hdr + XDR_UNIT, eof);
		put_u32(hdr + 2 * XDR_UNIT, (uint32_t)n);
		return TRUE;
	}
	room = x->x_handy & ~(u_int)(XDR_UNIT - 1);
	want = r->count < room ? r->count : room;
	if ((data = (uint8_t *)XDR_INLINE(x, (int)XDR_RNDUP(want))) == NULL)
		return FALSE;
	n = want == 0 ? 0 : pread(r->iofd, data, want, (off_t)r->offset);
	if (n == -1) {
		r->res.status = vfs_errno(errno);
		return xdr_setpos(x, start) && xdr_READ3res(x, &r->res);
	}
	memset(data + n, 0, XDR_RNDUP((size_t)n) - (size_t)n);
	put_u32(hdr, (uint32_t)n);
	put_u32(hdr + XDR_UNIT, (want > 0 && (size_t)n < want) ||
	    r->offset + (uint64_t)n >= (uint64_t)r->obj.st.st_size);
	put_u32(hdr + 2 * XDR_UNIT, (uint32_t)n);
	return xdr_setpos(x, xdr_getpos(x) - (u_int)XDR_RNDUP(want) +
	    (u_int)XDR_RNDUP((size_t)n));
}

/* WRITE3args with data pointing into the received record. */
bool_t
nfs3_xdr_write_args(XDR *x, void *p)
{
	WRITE3args *a = p;
	u_int len;
	char *data;

	if (x->x_op == XDR_FREE)
		return xdr_nfs_fh3(x, &a->file);	/* data is not ours */
	if (x->x_op == XDR_ENCODE)
		return xdr_WRITE3args(x, a);
	if (!xdr_nfs_fh3(x, &a->file) || !xdr_offset3(x, &a->offset) ||
	    !xdr_count3(x, &a->count) || !xdr_stable_how(x, &a->stable) ||
	    !xdr_u_int(x, &len) || len > NFS3_MAXDATA)
		return FALSE;
	if ((data = (char *)XDR_INLINE(x, (int)XDR_RNDUP(len))) == NULL)
		return FALSE;
	a->data.data_len = len;
	a->data.data_val = data;
	return TRUE;
}

/*
 * Peek at a WRITE's count and stable_how without decoding it: the handle
 * (opaque<64>), offset3, count3, then stable_how.  Unreadable
 * arguments are not quick: the worker decodes them and says why.
 */
bool
nfs3_write_quick(const uint8_t *args, size_t len)
{
	size_t off;

	/* offset3, then count3 and stable_how */
	if ((off = nfs3_args_after_fh(args, len, 8 + 4 + 4)) == 0)
		return false;
	return nfs3_get_u32(args + off + 12) == UNSTABLE &&
	    nfs3_get_u32(args + off + 8) < NFS3_WRITE_BEHIND_MIN;
}

static int
stable_flags(stable_how how)
{
	switch (how) {
	case FILE_SYNC:
		return RWF_SYNC;
	case DATA_SYNC:
		return RWF_DSYNC;
	default:
		return 0;
	}
}

/* Write all of it, or as much as the disk takes before an error. */
static ssize_t
write_all(int fd, const char *buf, size_t len, off_t off, int flags)
{
	struct iovec iov;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		iov.iov_base = (void *)(uintptr_t)(buf + done);
		iov.iov_len = len - done;
		n = pwritev2(fd, &iov, 1, off + (off_t)done, flags);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return done > 0 ? (ssize_t)done : -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/*
 * Start the disk write of what an UNSTABLE WRITE left in the page
 * cache, so that the COMMIT ending a streamed file finds most of it on
 * disk already.  Waiting here only while the device queue is full is
 * what keeps a fast writer from running far ahead of the disk.  A
 * head start only: the COMMIT's fdatasync reports any write error
 * (starting a write does not consume the file's error state).
 */
static void
write_behind(int fd, off_t off, size_t len)
{
	if (sync_file_range(fd, off, (off_t)len, SYNC_FILE_RANGE_WRITE) == -1)
		log_debug("write-behind: %s", strerror(errno));
}

static nfsstat3
write_data(struct nfs3_call *c, const WRITE3args *args, struct vfs_obj *obj,
    WRITE3resok *ok)
{
	nfsstat3 st;
	ssize_t n;
	int fd;

	if (c->ro)
		return NFS3ERR_ROFS;
	if (args->stable > FILE_SYNC)
		return NFS3ERR_INVAL;
	if (args->count > args->data.data_len)
		return NFS3ERR_INVAL;
	if (args->offset > (uint64_t)INT64_MAX - args->count)
		return NFS3ERR_FBIG;
	if ((st = vfs_may_io(obj->fd, &obj->st, c->cred.uid, true)) !=
	    NFS3_OK)
		return st;
	if ((fd = vfs_iofd(obj)) == -1)
		return vfs_errno(errno);
	if (fstat(fd, &obj->st) == -1)		/* pre-op, just before */
		return vfs_errno(errno);
	n = write_all(fd, args->data.data_val, args->count,
	    (off_t)args->offset, stable_flags(args->stable));
	if (n == -1) {
		if (args->stable != UNSTABLE && errno == EIO)
			nfsd_verf_bump(c->d);
		return vfs_errno(errno);
	}
	if (args->stable == UNSTABLE && n >= NFS3_WRITE_BEHIND_MIN)
		write_behind(fd, (off_t)args->offset, (size_t)n);
	ok->count = (count3)n;
	ok->committed = args->stable;
	nfsd_verf_get(c->d, (uint8_t *)ok->verf);
	return NFS3_OK;
}

enum rpc_status
nfs3_write(struct rpc_req *req, void *argp, void *resp)
{
	WRITE3args *args = argp;
	WRITE3res *res = resp;
	WRITE3resok *ok = &res->WRITE3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;

	nfs3_begin(&c, req);
	res->status = nfs3_get(&c, &args->file, &obj, NFS3_GET_IO);
	if (res->status == NFS3_OK) {
		res->status = write_data(&c, args, &obj, ok);
		/* file_wcc opens both resok and resfail */
		vfs_wcc(obj.ve, &obj.st, obj.fd, &ok->file_wcc);
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_commit(struct rpc_req *req, void *argp, void *resp)
{
	COMMIT3args *args = argp;
	COMMIT3res *res = resp;
	COMMIT3resok *ok = &res->COMMIT3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;
	int fd;

	nfs3_begin(&c, req);
	res->status = nfs3_get(&c, &args->file, &obj, NFS3_GET_IO);
	if (res->status != NFS3_OK)
		goto out;
	if (!S_ISREG(obj.st.st_mode))
		res->status = S_ISDIR(obj.st.st_mode) ? NFS3ERR_ISDIR :
		    NFS3ERR_INVAL;
	else if ((fd = vfs_iofd(&obj)) == -1)
		res->status = vfs_errno(errno);
	else if (fdatasync(fd) == -1) {
		res->status = vfs_errno(errno);
		nfsd_verf_bump(c.d);
	} else
		nfsd_verf_get(c.d, (uint8_t *)ok->verf);
	vfs_wcc(obj.ve, &obj.st, obj.fd, &ok->file_wcc);
	vfs_release(&obj);
out:
	nfs3_end(&c);
	return RPC_OK;
}
