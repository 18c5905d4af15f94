/*
 * nfs3_attr.c - the attribute procedures of RFC 1813: GETATTR (3.3.1),
 * SETATTR (3.3.2), ACCESS (3.3.4), FSSTAT (3.3.18), FSINFO (3.3.19)
 * and PATHCONF (3.3.20).
 */
#include <sys/statvfs.h>

#include <errno.h>

#include "nfs3.h"

#define FSSTAT_INVARSEC		0	/* free space changes all the time */

enum rpc_status
nfs3_getattr(struct rpc_req *req, void *argp, void *resp)
{
	GETATTR3args *args = argp;
	GETATTR3res *res = resp;
	struct nfs3_call c;
	struct vfs_obj obj;

	nfs3_begin(&c, req);
	res->status = nfs3_get(&c, &args->object, &obj, 0);
	if (res->status == NFS3_OK) {
		vfs_fattr(obj.ve, &obj.st,
		    &res->GETATTR3res_u.resok.obj_attributes);
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}

static bool
ctime_equal(const struct stat *st, const nfstime3 *t)
{
	return (uint32)st->st_ctim.tv_sec == t->seconds &&
	    (uint32)st->st_ctim.tv_nsec == t->nseconds;
}

static nfsstat3
setattr(struct nfs3_call *c, const SETATTR3args *args, struct vfs_obj *obj)
{
	const sattrguard3 *g = &args->guard;

	if (c->ro)
		return NFS3ERR_ROFS;
	if (g->check && !ctime_equal(&obj->st, &g->sattrguard3_u.obj_ctime))
		return NFS3ERR_NOT_SYNC;
	return vfs_setattr(obj->fd, &obj->st, &args->new_attributes);
}

enum rpc_status
nfs3_setattr(struct rpc_req *req, void *argp, void *resp)
{
	SETATTR3args *args = argp;
	SETATTR3res *res = resp;
	struct nfs3_call c;
	struct vfs_obj obj;
	wcc_data *wcc = &res->SETATTR3res_u.resok.obj_wcc;

	nfs3_begin(&c, req);
	if ((res->status = nfs3_get(&c, &args->object, &obj,
	    NFS3_GET_IO)) == NFS3_OK) {
		res->status = setattr(&c, args, &obj);
		if (res->status == NFS3_OK && vfs_sync_obj(&obj) == -1)
			res->status = vfs_errno(errno);
		vfs_wcc(obj.ve, &obj.st, obj.fd, wcc);
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_access(struct rpc_req *req, void *argp, void *resp)
{
	ACCESS3args *args = argp;
	ACCESS3res *res = resp;
	ACCESS3resok *ok = &res->ACCESS3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;

	nfs3_begin(&c, req);
	if ((res->status = nfs3_get(&c, &args->object, &obj, 0)) == NFS3_OK) {
		ok->access = vfs_access(obj.fd, &obj.st, args->access, c.ro);
		vfs_post_op_st(obj.ve, &obj.st, &ok->obj_attributes);
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_fsstat(struct rpc_req *req, void *argp, void *resp)
{
	FSSTAT3args *args = argp;
	FSSTAT3res *res = resp;
	FSSTAT3resok *ok = &res->FSSTAT3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;
	struct statvfs sv;

	nfs3_begin(&c, req);
	if ((res->status = nfs3_get(&c, &args->fsroot, &obj, 0)) == NFS3_OK) {
		if (fstatvfs(obj.fd, &sv) == -1) {
			res->status = vfs_errno(errno);
			vfs_post_op_st(obj.ve, &obj.st,
			    &res->FSSTAT3res_u.resfail.obj_attributes);
		} else {
			vfs_post_op_st(obj.ve, &obj.st, &ok->obj_attributes);
			ok->tbytes = (size3)sv.f_blocks * sv.f_frsize;
			ok->fbytes = (size3)sv.f_bfree * sv.f_frsize;
			ok->abytes = (size3)sv.f_bavail * sv.f_frsize;
			ok->tfiles = sv.f_files;
			ok->ffiles = sv.f_ffree;
			ok->afiles = sv.f_favail;
			ok->invarsec = FSSTAT_INVARSEC;
		}
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_fsinfo(struct rpc_req *req, void *argp, void *resp)
{
	FSINFO3args *args = argp;
	FSINFO3res *res = resp;
	FSINFO3resok *ok = &res->FSINFO3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;

	nfs3_begin(&c, req);
	if ((res->status = nfs3_get(&c, &args->fsroot, &obj, 0)) == NFS3_OK) {
		vfs_post_op_st(obj.ve, &obj.st, &ok->obj_attributes);
		ok->rtmax = c.d->io_max;
		ok->rtpref = c.d->io_max;
		ok->rtmult = 4096;
		ok->wtmax = c.d->io_max;
		ok->wtpref = c.d->io_max;
		ok->wtmult = 4096;
		ok->dtpref = VFS_DIR_PREF;
		ok->maxfilesize = (size3)INT64_MAX;
		ok->time_delta.seconds = 0;
		ok->time_delta.nseconds = 1;
		ok->properties = FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS |
		    FSF3_CANSETTIME;
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_pathconf(struct rpc_req *req, void *argp, void *resp)
{
	PATHCONF3args *args = argp;
	PATHCONF3res *res = resp;
	PATHCONF3resok *ok = &res->PATHCONF3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;

	nfs3_begin(&c, req);
	if ((res->status = nfs3_get(&c, &args->object, &obj, 0)) == NFS3_OK) {
		vfs_post_op_st(obj.ve, &obj.st, &ok->obj_attributes);
		ok->linkmax = VFS_LINK_MAX;
		ok->name_max = VFS_NAME_MAX;
		ok->no_trunc = TRUE;
		ok->chown_restricted = TRUE;
		ok->case_insensitive = FALSE;
		ok->case_preserving = TRUE;
		vfs_release(&obj);
	}
	nfs3_end(&c);
	return RPC_OK;
}
