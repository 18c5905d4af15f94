/*
 * nfs3_name.c - the procedures on names in directories, RFC 1813:
 * LOOKUP (3.3.3), READLINK (3.3.5), CREATE (3.3.8), MKDIR (3.3.9),
 * SYMLINK (3.3.10), MKNOD (3.3.11), REMOVE (3.3.12), RMDIR (3.3.13),
 * RENAME (3.3.14) and LINK (3.3.15).
 *
 * Every change is on stable storage before the reply (the directory
 * fsynced, and first the inode of what was made or linked), and
 * carries weak cache consistency data: the directory's attributes
 * taken just before the change and just after it.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "nfs3.h"

/* Where the creating procedures put their results. */
struct made {
	post_op_fh3	*fh;
	post_op_attr	*attr;
	wcc_data	*okwcc;
	wcc_data	*failwcc;
};

/* The directory a change happens in: resolved, checked, stat'ed. */
struct dirop {
	struct vfs_obj	 dir;
	struct stat	 before;
	bool		 have_before;
};

static nfsstat3
dirop_begin(struct nfs3_call *c, const diropargs3 *where, bool modify,
    struct dirop *op)
{
	nfsstat3 st;

	op->have_before = false;
	if ((st = nfs3_get(c, &where->dir, &op->dir, 0)) != NFS3_OK)
		return st;
	op->before = op->dir.st;
	op->have_before = true;
	if (!S_ISDIR(op->dir.st.st_mode))
		return NFS3ERR_NOTDIR;
	if (modify && c->ro)
		return NFS3ERR_ROFS;
	if ((st = vfs_check_name(where->name, !modify)) != NFS3_OK)
		return st;
	/* The pre-operation attributes, as close to the change as we can. */
	if (modify && fstat(op->dir.fd, &op->before) == -1)
		return vfs_errno(errno);
	return NFS3_OK;
}

static void
dirop_wcc(struct dirop *op, wcc_data *wcc)
{
	if (op->dir.fd == -1) {
		memset(wcc, 0, sizeof(*wcc));
		return;
	}
	vfs_wcc(op->dir.ve, op->have_before ? &op->before : NULL, op->dir.fd,
	    wcc);
}

static void
dirop_end(struct dirop *op)
{
	vfs_release(&op->dir);
}

/* After a successful change in op's directory: make it durable. */
static nfsstat3
dirop_commit(struct dirop *op, nfsstat3 st)
{
	if (st != NFS3_OK)
		return st;
	return nfs3_commit_dir(&op->dir);
}

/*
 * Fill a creating procedure's results for name, now in op's dir.  *fd
 * is the new file's descriptor when its maker kept one open, or -1:
 * then the sync, the handle and the attributes need no lookup by name,
 * and the open-object cache takes the descriptor over (*fd is -1
 * after).
 */
static nfsstat3
made_finish(struct nfs3_call *c, struct dirop *op, const char *name,
    int *fd, nfsstat3 st, struct made *m)
{
	uint8_t fh[HANDLE_MAX];
	size_t fhlen;
	struct stat sb;
	nfsstat3 hst;
	int rc;

	if (st == NFS3_OK) {
		rc = *fd != -1 ? fsync(*fd) : vfs_sync_name(op->dir.fd, name);
		if (rc == -1)
			st = vfs_errno(errno);
	}
	st = dirop_commit(op, st);
	if (st != NFS3_OK) {
		dirop_wcc(op, m->failwcc);
		return st;
	}
	rc = *fd != -1 ? fstat(*fd, &sb) :
	    fstatat(op->dir.fd, name, &sb, AT_SYMLINK_NOFOLLOW);
	if (rc == 0)
		vfs_post_op_st(op->dir.ve, &sb, m->attr);
	if (*fd != -1) {
		hst = vfs_handle_keep(&c->d->key, op->dir.ve, *fd, fh, &fhlen);
		*fd = -1;
	} else
		hst = vfs_handle_at(&c->d->key, op->dir.ve, op->dir.fd, name,
		    fh, &fhlen);
	if (hst == NFS3_OK &&
	    nfs3_fh_out(c, fh, fhlen, &m->fh->post_op_fh3_u.handle) == 0)
		m->fh->handle_follows = TRUE;
	dirop_wcc(op, m->okwcc);
	return NFS3_OK;
}

/* Whether sattr3 asks for more than the mode given at creation. */
static bool
more_attrs(const sattr3 *sa)
{
	return sa->uid.set_it || sa->gid.set_it || sa->size.set_it ||
	    sa->atime.set_it != DONT_CHANGE || sa->mtime.set_it != DONT_CHANGE;
}

/* Apply what sattr3 asks beyond the mode given at creation, on fd. */
static nfsstat3
set_new_attrs_fd(int fd, const sattr3 *sa)
{
	sattr3 rest = *sa;
	struct stat st;

	if (!more_attrs(sa))
		return NFS3_OK;
	rest.mode.set_it = FALSE;
	if (fstat(fd, &st) == -1)
		return vfs_errno(errno);
	return vfs_setattr(fd, &st, &rest);
}

/* The same for name in dirfd. */
static nfsstat3
set_new_attrs(int dirfd, const char *name, const sattr3 *sa)
{
	nfsstat3 rc;
	int fd;

	if (!more_attrs(sa))
		return NFS3_OK;
	if ((fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return vfs_errno(errno);
	rc = set_new_attrs_fd(fd, sa);
	close(fd);
	return rc;
}

enum rpc_status
nfs3_lookup(struct rpc_req *req, void *argp, void *resp)
{
	LOOKUP3args *args = argp;
	LOOKUP3res *res = resp;
	LOOKUP3resok *ok = &res->LOOKUP3res_u.resok;
	struct nfs3_call c;
	struct dirop op;
	struct vfs_obj obj;

	nfs3_begin(&c, req);
	res->status = dirop_begin(&c, &args->what, false, &op);
	if (res->status == NFS3_OK)
		res->status = nfs3_lookup_obj(&c, &op.dir, args->what.name,
		    &obj);
	if (res->status == NFS3_OK) {
		if (nfs3_fh_out(&c, obj.fh, obj.fhlen, &ok->object) == -1)
			res->status = NFS3ERR_SERVERFAULT;
		vfs_post_op_st(obj.ve, &obj.st, &ok->obj_attributes);
		vfs_post_op(op.dir.ve, op.dir.fd, &ok->dir_attributes);
		vfs_release(&obj);
	}
	if (res->status != NFS3_OK && op.dir.fd != -1)
		vfs_post_op(op.dir.ve, op.dir.fd,
		    &res->LOOKUP3res_u.resfail.dir_attributes);
	dirop_end(&op);
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_readlink(struct rpc_req *req, void *argp, void *resp)
{
	READLINK3args *args = argp;
	READLINK3res *res = resp;
	READLINK3resok *ok = &res->READLINK3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj obj;
	char *buf;
	ssize_t n;

	nfs3_begin(&c, req);
	if ((res->status = nfs3_get(&c, &args->symlink, &obj, 0)) != NFS3_OK)
		goto out;
	if (!S_ISLNK(obj.st.st_mode))
		res->status = NFS3ERR_INVAL;
	else if ((buf = rpc_alloc(req, NFS3_MAXPATHLEN + 1)) == NULL)
		res->status = NFS3ERR_SERVERFAULT;
	else if ((n = readlinkat(obj.fd, "", buf, NFS3_MAXPATHLEN + 1)) == -1)
		res->status = vfs_errno(errno);
	else if (n > NFS3_MAXPATHLEN)
		res->status = NFS3ERR_NAMETOOLONG;
	else {
		buf[n] = '\0';
		ok->data = buf;
	}
	/* symlink_attributes sits first in both resok and resfail */
	vfs_post_op_st(obj.ve, &obj.st, &ok->symlink_attributes);
	vfs_release(&obj);
out:
	nfs3_end(&c);
	return RPC_OK;
}

/*
 * A new regular file is made by opening it: the descriptor then serves
 * its sync, handle and attributes, and then, in the open-object cache,
 * the WRITEs that follow.  The creator may open what it creates for
 * reading and writing whatever the mode; whether a caller may write
 * is checked on each WRITE, as for any file.
 */
#define CREATE_FLAGS	(O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | \
			 O_CLOEXEC | O_NOCTTY)

/* EXCLUSIVE: create, or find our own earlier create by its verifier. */
static nfsstat3
create_exclusive(int dirfd, const char *name, const uint8_t *verf, int *fd)
{
	struct timespec ts[2];
	struct stat st;

	if ((*fd = openat(dirfd, name, CREATE_FLAGS, 0)) == -1) {
		if (errno != EEXIST)
			return vfs_errno(errno);
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && vfs_verf_matches(verf, &st))
			return NFS3_OK;		/* a retransmission */
		return NFS3ERR_EXIST;
	}
	vfs_verf_to_times(verf, ts);
	if (futimens(*fd, ts) == -1)
		return vfs_errno(errno);
	return NFS3_OK;
}

/* UNCHECKED and GUARDED. */
static nfsstat3
create_checked(int dirfd, const char *name, const createhow3 *how, int *fd)
{
	const sattr3 *sa = &how->createhow3_u.obj_attributes;
	sattr3 size_only;
	struct stat st;

	*fd = openat(dirfd, name, CREATE_FLAGS, vfs_create_mode(sa, 0644));
	if (*fd != -1)
		return set_new_attrs_fd(*fd, sa);
	if (errno != EEXIST || how->mode == GUARDED)
		return vfs_errno(errno);
	/*
	 * UNCHECKED on an existing file: the file stays as it is, except
	 * for a size (O_TRUNC), as knfsd does; its mode is not the
	 * creator's to change.
	 */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return vfs_errno(errno);
	if (!S_ISREG(st.st_mode))
		return NFS3ERR_EXIST;
	memset(&size_only, 0, sizeof(size_only));
	size_only.size = sa->size;
	return set_new_attrs(dirfd, name, &size_only);
}

/*
 * Make the object name in the open directory dirfd, as args say; *fd
 * is then a descriptor of it if the maker opened one, else -1.
 */
typedef nfsstat3 (*make_fn)(int dirfd, const char *name, const void *args,
    int *fd);

/*
 * What CREATE, MKDIR, SYMLINK and MKNOD share: the directory checked,
 * the object made, the change made durable, and the reply filled.
 */
static nfsstat3
run_make(struct rpc_req *req, const diropargs3 *where, make_fn make,
    const void *args, struct made *m)
{
	struct nfs3_call c;
	struct dirop op;
	nfsstat3 st;
	int fd = -1;

	nfs3_begin(&c, req);
	st = dirop_begin(&c, where, true, &op);
	if (st == NFS3_OK)
		st = make(op.dir.fd, where->name, args, &fd);
	st = made_finish(&c, &op, where->name, &fd, st, m);
	if (fd != -1)
		close(fd);
	dirop_end(&op);
	nfs3_end(&c);
	return st;
}

static nfsstat3
make_file(int dirfd, const char *name, const void *argp, int *fd)
{
	const CREATE3args *args = argp;

	if (args->how.mode == EXCLUSIVE)
		return create_exclusive(dirfd, name,
		    (const uint8_t *)args->how.createhow3_u.verf, fd);
	return create_checked(dirfd, name, &args->how, fd);
}

enum rpc_status
nfs3_create(struct rpc_req *req, void *argp, void *resp)
{
	CREATE3args *args = argp;
	CREATE3res *res = resp;
	CREATE3resok *ok = &res->CREATE3res_u.resok;
	struct made m = { &ok->obj, &ok->obj_attributes, &ok->dir_wcc,
	    &res->CREATE3res_u.resfail.dir_wcc };

	res->status = run_make(req, &args->where, make_file, args, &m);
	return RPC_OK;
}

static nfsstat3
make_dir(int dirfd, const char *name, const void *argp, int *fd)
{
	const MKDIR3args *args = argp;

	(void)fd;	/* by name: a directory may not be readable */

	if (mkdirat(dirfd, name, vfs_create_mode(&args->attributes, 0755)) ==
	    -1)
		return vfs_errno(errno);
	return set_new_attrs(dirfd, name, &args->attributes);
}

enum rpc_status
nfs3_mkdir(struct rpc_req *req, void *argp, void *resp)
{
	MKDIR3args *args = argp;
	MKDIR3res *res = resp;
	MKDIR3resok *ok = &res->MKDIR3res_u.resok;
	struct made m = { &ok->obj, &ok->obj_attributes, &ok->dir_wcc,
	    &res->MKDIR3res_u.resfail.dir_wcc };

	res->status = run_make(req, &args->where, make_dir, args, &m);
	return RPC_OK;
}

static nfsstat3
make_symlink(int dirfd, const char *name, const void *argp, int *fd)
{
	const SYMLINK3args *args = argp;

	(void)fd;	/* no descriptor fsync takes */

	if (symlinkat(args->symlink.symlink_data, dirfd, name) == -1)
		return vfs_errno(errno);
	return set_new_attrs(dirfd, name, &args->symlink.symlink_attributes);
}

enum rpc_status
nfs3_symlink(struct rpc_req *req, void *argp, void *resp)
{
	SYMLINK3args *args = argp;
	SYMLINK3res *res = resp;
	SYMLINK3resok *ok = &res->SYMLINK3res_u.resok;
	struct made m = { &ok->obj, &ok->obj_attributes, &ok->dir_wcc,
	    &res->SYMLINK3res_u.resfail.dir_wcc };

	res->status = run_make(req, &args->where, make_symlink, args, &m);
	return RPC_OK;
}

static nfsstat3
make_node(int dirfd, const char *name, const void *argp, int *fd)
{
	const mknoddata3 *what = &((const MKNOD3args *)argp)->what;
	const devicedata3 *dev = &what->mknoddata3_u.device;
	const sattr3 *sa;
	mode_t type;
	dev_t rdev = 0;

	(void)fd;	/* no descriptor fsync takes */
	switch (what->type) {
	case NF3CHR:
	case NF3BLK:
		type = what->type == NF3CHR ? S_IFCHR : S_IFBLK;
		sa = &dev->dev_attributes;
		rdev = makedev(dev->spec.specdata1, dev->spec.specdata2);
		break;
	case NF3SOCK:
	case NF3FIFO:
		type = what->type == NF3SOCK ? S_IFSOCK : S_IFIFO;
		sa = &what->mknoddata3_u.pipe_attributes;
		break;
	default:
		return NFS3ERR_BADTYPE;
	}
	if (mknodat(dirfd, name, type | vfs_create_mode(sa, 0644), rdev) == -1)
		return vfs_errno(errno);
	return set_new_attrs(dirfd, name, sa);
}

enum rpc_status
nfs3_mknod(struct rpc_req *req, void *argp, void *resp)
{
	MKNOD3args *args = argp;
	MKNOD3res *res = resp;
	MKNOD3resok *ok = &res->MKNOD3res_u.resok;
	struct made m = { &ok->obj, &ok->obj_attributes, &ok->dir_wcc,
	    &res->MKNOD3res_u.resfail.dir_wcc };

	res->status = run_make(req, &args->where, make_node, args, &m);
	return RPC_OK;
}

/* Unlink name; forget cached descriptors of what it named. */
static nfsstat3
unlink_name(int dirfd, const char *name, int flags)
{
	struct vfs_gone gone;

	vfs_gone_note(dirfd, name, &gone);
	if (unlinkat(dirfd, name, flags) == -1) {
		if (errno == EEXIST)
			return NFS3ERR_NOTEMPTY;
		return vfs_errno(errno);
	}
	vfs_gone_forget(&gone);
	return NFS3_OK;
}

static nfsstat3
remove_begin(struct nfs3_call *c, const diropargs3 *obj, struct dirop *op)
{
	nfsstat3 st;

	st = dirop_begin(c, obj, true, op);
	if (st == NFS3ERR_EXIST)	/* "." or ".." */
		return NFS3ERR_INVAL;
	return st;
}

/* REMOVE and RMDIR: unlinkat with flags, dir_wcc in either reply. */
static nfsstat3
run_unlink(struct rpc_req *req, const diropargs3 *object, int flags,
    wcc_data *wcc)
{
	struct nfs3_call c;
	struct dirop op;
	nfsstat3 st;

	nfs3_begin(&c, req);
	st = remove_begin(&c, object, &op);
	if (st == NFS3_OK)
		st = unlink_name(op.dir.fd, object->name, flags);
	st = dirop_commit(&op, st);
	dirop_wcc(&op, wcc);
	dirop_end(&op);
	nfs3_end(&c);
	return st;
}

enum rpc_status
nfs3_remove(struct rpc_req *req, void *argp, void *resp)
{
	REMOVE3args *args = argp;
	REMOVE3res *res = resp;

	/* dir_wcc is the whole of both resok and resfail */
	res->status = run_unlink(req, &args->object, 0,
	    &res->REMOVE3res_u.resok.dir_wcc);
	return RPC_OK;
}

enum rpc_status
nfs3_rmdir(struct rpc_req *req, void *argp, void *resp)
{
	RMDIR3args *args = argp;
	RMDIR3res *res = resp;

	res->status = run_unlink(req, &args->object, AT_REMOVEDIR,
	    &res->RMDIR3res_u.resok.dir_wcc);
	return RPC_OK;
}

static nfsstat3
rename_names(struct dirop *from, const char *fname, struct dirop *to,
    const char *tname)
{
	struct vfs_gone replaced;

	if (from->dir.ve != to->dir.ve)
		return NFS3ERR_XDEV;
	vfs_gone_note(to->dir.fd, tname, &replaced);
	if (renameat(from->dir.fd, fname, to->dir.fd, tname) == -1) {
		if (errno == EEXIST)
			return NFS3ERR_NOTEMPTY;
		return vfs_errno(errno);
	}
	vfs_gone_forget(&replaced);
	/*
	 * The directory gaining the name first: without a journal a crash
	 * in between leaves the file under both names (fsck counts the
	 * links), never under neither, which would lose a message moved
	 * from new/ to cur/ long after it was accepted.
	 */
	if (dirop_commit(to, NFS3_OK) != NFS3_OK)
		return NFS3ERR_IO;
	if (to->dir.st.st_ino != from->dir.st.st_ino)
		return dirop_commit(from, NFS3_OK);
	return NFS3_OK;
}

enum rpc_status
nfs3_rename(struct rpc_req *req, void *argp, void *resp)
{
	RENAME3args *args = argp;
	RENAME3res *res = resp;
	RENAME3resok *ok = &res->RENAME3res_u.resok;
	struct nfs3_call c;
	struct dirop from, to;
	nfsstat3 st;

	nfs3_begin(&c, req);
	to.dir.fd = -1;
	to.dir.ent = NULL;
	to.have_before = false;
	st = remove_begin(&c, &args->from, &from);
	if (st == NFS3_OK)
		st = remove_begin(&c, &args->to, &to);
	if (st == NFS3_OK)
		st = rename_names(&from, args->from.name, &to, args->to.name);
	res->status = st;
	/* resok and resfail are the same two wcc_data */
	dirop_wcc(&from, &ok->fromdir_wcc);
	dirop_wcc(&to, &ok->todir_wcc);
	dirop_end(&to);
	dirop_end(&from);
	nfs3_end(&c);
	return RPC_OK;
}

enum rpc_status
nfs3_link(struct rpc_req *req, void *argp, void *resp)
{
	LINK3args *args = argp;
	LINK3res *res = resp;
	LINK3resok *ok = &res->LINK3res_u.resok;
	struct nfs3_call c;
	struct vfs_obj file;
	struct dirop op;
	char path[32];
	nfsstat3 st;

	nfs3_begin(&c, req);
	op.dir.fd = -1;
	op.dir.ent = NULL;
	op.have_before = false;
	if ((st = nfs3_get(&c, &args->file, &file, 0)) != NFS3_OK)
		goto out;
	st = dirop_begin(&c, &args->link, true, &op);
	if (st == NFS3_OK && file.ve != op.dir.ve)
		st = NFS3ERR_XDEV;
	if (st == NFS3_OK && S_ISDIR(file.st.st_mode))
		st = NFS3ERR_ISDIR;
	if (st == NFS3_OK) {
		vfs_fdpath(file.fd, path);
		if (linkat(AT_FDCWD, path, op.dir.fd, args->link.name,
		    AT_SYMLINK_FOLLOW) == -1)
			st = vfs_errno(errno);
	}
	/* the link count, then the new entry */
	if (st == NFS3_OK && vfs_sync_obj(&file) == -1)
		st = vfs_errno(errno);
	st = dirop_commit(&op, st);
	/* resok and resfail hold the same fields */
	vfs_post_op(file.ve, file.fd, &ok->file_attributes);
	vfs_release(&file);
out:
	res->status = st;
	dirop_wcc(&op, &ok->linkdir_wcc);
	dirop_end(&op);
	nfs3_end(&c);
	return RPC_OK;
}
