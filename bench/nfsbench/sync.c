/*
 * sync.c - single NFSv3 and MOUNT calls made and waited for, on the
 * first connection: the untimed setup of the work directory and the
 * fixtures.  Each returns the nfsstat3 of the reply, or -1 (with the
 * reason in B.err) when no reply came.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"

#define SYNC_TIMEOUT_MS	60000

struct waiter {
	bool		 done;
	int		 rpcstat;
	int		 status;
	struct fh	*fh;		/* LOOKUP, CREATE, MKDIR, MNT */
	fattr3		*attr;		/* GETATTR */
	uint32_t	 rtmax, wtmax;	/* FSINFO */
	char		 err[256];
};

void
seterr(const char *fmt, ...)
{
	va_list ap;
	char tmp[sizeof(B.err)];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(B.err, tmp, sizeof(B.err));
}

const char *
nfsstat_str(int st)
{
	switch (st) {
	case NFS3_OK:			return "NFS3_OK";
	case NFS3ERR_PERM:		return "NFS3ERR_PERM";
	case NFS3ERR_NOENT:		return "NFS3ERR_NOENT";
	case NFS3ERR_IO:		return "NFS3ERR_IO";
	case NFS3ERR_ACCES:		return "NFS3ERR_ACCES";
	case NFS3ERR_EXIST:		return "NFS3ERR_EXIST";
	case NFS3ERR_NOTDIR:		return "NFS3ERR_NOTDIR";
	case NFS3ERR_ISDIR:		return "NFS3ERR_ISDIR";
	case NFS3ERR_INVAL:		return "NFS3ERR_INVAL";
	case NFS3ERR_FBIG:		return "NFS3ERR_FBIG";
	case NFS3ERR_NOSPC:		return "NFS3ERR_NOSPC";
	case NFS3ERR_ROFS:		return "NFS3ERR_ROFS";
	case NFS3ERR_NAMETOOLONG:	return "NFS3ERR_NAMETOOLONG";
	case NFS3ERR_NOTEMPTY:		return "NFS3ERR_NOTEMPTY";
	case NFS3ERR_STALE:		return "NFS3ERR_STALE";
	case NFS3ERR_BADHANDLE:		return "NFS3ERR_BADHANDLE";
	case NFS3ERR_BAD_COOKIE:	return "NFS3ERR_BAD_COOKIE";
	case NFS3ERR_NOTSUPP:		return "NFS3ERR_NOTSUPP";
	case NFS3ERR_TOOSMALL:		return "NFS3ERR_TOOSMALL";
	case NFS3ERR_SERVERFAULT:	return "NFS3ERR_SERVERFAULT";
	case NFS3ERR_JUKEBOX:		return "NFS3ERR_JUKEBOX";
	default:			return "NFS3ERR_other";
	}
}

void
fh_set(struct fh *f, const nfs_fh3 *n)
{
	f->len = n->data.data_len <= NB_FH_MAX ? n->data.data_len : 0;
	memcpy(f->data, n->data.data_val, f->len);
}

void
fh_arg(nfs_fh3 *n, const struct fh *f)
{
	n->data.data_len = f->len;
	n->data.data_val = (char *)(uintptr_t)f->data;
}

/* Drive one context until *done or timeout; false on failure. */
bool
sync_wait(struct rpc_context *rpc, const bool *done, int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000u;
	struct pollfd p;
	int n;

	while (!*done) {
		if (now_ns() > end)
			return false;
		p.fd = rpc_get_fd(rpc);
		p.events = (short)rpc_which_events(rpc);
		p.revents = 0;
		n = poll(&p, 1, 100);
		if (n == -1 && errno != EINTR)
			return false;
		if (rpc_service(rpc, n > 0 ? p.revents : 0) < 0)
			return *done;
	}
	return true;
}

/* The first live connection's context. */
static struct rpc_context *
sync_rpc(void)
{
	for (unsigned i = 0; i < B.nconns; i++)
		if (!B.conns[i].dead && B.conns[i].rpc != NULL)
			return B.conns[i].rpc;
	return NULL;
}

/* After rc = rpc_..._async(): wait, and turn the outcome into a status. */
static int
finish(struct rpc_context *rpc, struct waiter *w, int rc, const char *what)
{
	if (rc != 0) {
		seterr("%s: not sent: %s", what, rpc_get_error(rpc) ?
		    rpc_get_error(rpc) : "?");
		return -1;
	}
	if (!sync_wait(rpc, &w->done, SYNC_TIMEOUT_MS)) {
		seterr("%s: no reply (%s)", what, rpc_get_error(rpc) ?
		    rpc_get_error(rpc) : "timeout");
		return -1;
	}
	if (w->rpcstat != RPC_STATUS_SUCCESS) {
		seterr("%s: RPC failed: %s", what, w->err);
		return -1;
	}
	if (w->status != 0)
		seterr("%s: %s", what, nfsstat_str(w->status));
	return w->status;
}

/* Common part of every callback; false if there is no reply body. */
static bool
cb_begin(struct waiter *w, int status, void *data)
{
	w->done = true;
	w->rpcstat = status;
	if (status == RPC_STATUS_SUCCESS && data != NULL)
		return true;
	snprintf(w->err, sizeof(w->err), "%s",
	    status == RPC_STATUS_ERROR && data != NULL ? (char *)data :
	    status == RPC_STATUS_CANCEL ? "cancelled" : "timed out");
	if (status == RPC_STATUS_SUCCESS)
		w->rpcstat = RPC_STATUS_ERROR;
	return false;
}

static void
cb_null(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;

	(void)rpc;
	(void)data;
	w->done = true;
	w->rpcstat = status;
}

int
sync_null(void)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { 0 };

	if (rpc == NULL)
		return -1;
	return finish(rpc, &w, rpc_nfs3_null_async(rpc, cb_null, &w), "NULL");
}

static void
cb_mnt(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;
	mountres3 *res = data;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	w->status = (int)res->fhs_status;
	if (res->fhs_status == MNT3_OK) {
		const fhandle3 *f = &res->mountres3_u.mountinfo.fhandle;

		w->fh->len = f->fhandle3_len <= NB_FH_MAX ?
		    f->fhandle3_len : 0;
		memcpy(w->fh->data, f->fhandle3_val, w->fh->len);
	}
}

int
sync_mnt(struct rpc_context *rpc, const char *path, struct fh *out)
{
	struct waiter w = { .fh = out };
	char p[NB_PATH_MAX];
	int rc;

	snprintf(p, sizeof(p), "%s", path);
	rc = finish(rpc, &w, rpc_mount3_mnt_async(rpc, cb_mnt, p, &w), "MNT");
	if (rc > 0)
		seterr("MNT %s: refused (mount status %d)", path, rc);
	return rc;
}

static void
cb_lookup(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;
	LOOKUP3res *res = data;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	w->status = (int)res->status;
	if (res->status == NFS3_OK)
		fh_set(w->fh, &res->LOOKUP3res_u.resok.object);
}

int
sync_lookup(const struct fh *dir, const char *name, struct fh *out)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { .fh = out };
	LOOKUP3args a;

	if (rpc == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.what.dir, dir);
	a.what.name = (char *)(uintptr_t)name;
	return finish(rpc, &w, rpc_nfs3_lookup_async(rpc, cb_lookup, &a, &w),
	    "LOOKUP");
}

static void
cb_mkdir(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;
	MKDIR3res *res = data;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	w->status = (int)res->status;
	if (res->status == NFS3_OK) {
		if (res->MKDIR3res_u.resok.obj.handle_follows)
			fh_set(w->fh,
			    &res->MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
		else
			w->fh->len = 0;
	}
}

int
sync_mkdir(const struct fh *dir, const char *name, struct fh *out)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { .fh = out };
	MKDIR3args a;
	int rc;

	if (rpc == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.where.dir, dir);
	a.where.name = (char *)(uintptr_t)name;
	a.attributes.mode.set_it = 1;
	a.attributes.mode.set_mode3_u.mode = 0755;
	rc = finish(rpc, &w, rpc_nfs3_mkdir_async(rpc, cb_mkdir, &a, &w),
	    "MKDIR");
	if (rc == NFS3_OK && out->len == 0)
		rc = sync_lookup(dir, name, out);
	return rc;
}

static void
cb_create(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;
	CREATE3res *res = data;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	w->status = (int)res->status;
	if (res->status == NFS3_OK) {
		if (res->CREATE3res_u.resok.obj.handle_follows)
			fh_set(w->fh,
			    &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
		else
			w->fh->len = 0;
	}
}

int
sync_create(const struct fh *dir, const char *name, createmode3 how,
    struct fh *out)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { .fh = out };
	CREATE3args a;
	int rc;

	if (rpc == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.where.dir, dir);
	a.where.name = (char *)(uintptr_t)name;
	a.how.mode = how;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
	rc = finish(rpc, &w, rpc_nfs3_create_async(rpc, cb_create, &a, &w),
	    "CREATE");
	if (rc == NFS3_OK && out->len == 0)
		rc = sync_lookup(dir, name, out);
	return rc;
}

static void
cb_getattr(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;
	GETATTR3res *res = data;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	w->status = (int)res->status;
	if (res->status == NFS3_OK)
		*w->attr = res->GETATTR3res_u.resok.obj_attributes;
}

int
sync_getattr(const struct fh *f, fattr3 *out)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { .attr = out };
	GETATTR3args a;

	if (rpc == NULL)
		return -1;
	fh_arg(&a.object, f);
	return finish(rpc, &w, rpc_nfs3_getattr_async(rpc, cb_getattr, &a,
	    &w), "GETATTR");
}

static void
cb_status(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	/* Every NFSv3 result starts with its nfsstat3. */
	w->status = (int)*(nfsstat3 *)data;
}

int
sync_setsize(const struct fh *f, uint64_t size)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { 0 };
	SETATTR3args a;

	if (rpc == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.object, f);
	a.new_attributes.size.set_it = 1;
	a.new_attributes.size.set_size3_u.size = size;
	return finish(rpc, &w, rpc_nfs3_setattr_async(rpc, cb_status, &a, &w),
	    "SETATTR");
}

int
sync_remove(const struct fh *dir, const char *name)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { 0 };
	REMOVE3args a;

	if (rpc == NULL)
		return -1;
	fh_arg(&a.object.dir, dir);
	a.object.name = (char *)(uintptr_t)name;
	return finish(rpc, &w, rpc_nfs3_remove_async(rpc, cb_status, &a, &w),
	    "REMOVE");
}

int
sync_rmdir(const struct fh *dir, const char *name)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { 0 };
	RMDIR3args a;

	if (rpc == NULL)
		return -1;
	fh_arg(&a.object.dir, dir);
	a.object.name = (char *)(uintptr_t)name;
	return finish(rpc, &w, rpc_nfs3_rmdir_async(rpc, cb_status, &a, &w),
	    "RMDIR");
}

int
sync_commit(const struct fh *f)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { 0 };
	COMMIT3args a;

	if (rpc == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, f);
	return finish(rpc, &w, rpc_nfs3_commit_async(rpc, cb_status, &a, &w),
	    "COMMIT");
}

static void
cb_fsinfo(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct waiter *w = pd;
	FSINFO3res *res = data;

	(void)rpc;
	if (!cb_begin(w, status, data))
		return;
	w->status = (int)res->status;
	if (res->status == NFS3_OK) {
		w->rtmax = res->FSINFO3res_u.resok.rtmax;
		w->wtmax = res->FSINFO3res_u.resok.wtmax;
	}
}

int
sync_fsinfo(const struct fh *f, uint32_t *rtmax, uint32_t *wtmax)
{
	struct rpc_context *rpc = sync_rpc();
	struct waiter w = { 0 };
	FSINFO3args a;
	int rc;

	if (rpc == NULL)
		return -1;
	fh_arg(&a.fsroot, f);
	rc = finish(rpc, &w, rpc_nfs3_fsinfo_async(rpc, cb_fsinfo, &a, &w),
	    "FSINFO");
	if (rc == NFS3_OK) {
		*rtmax = w.rtmax;
		*wtmax = w.wtmax;
	}
	return rc;
}
