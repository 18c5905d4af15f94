/*
 * attr.c - attributes: struct stat as NFSv3 fattr3, the weak cache
 * consistency data of modifying calls, SETATTR's changes, and what the
 * caller may do (ACCESS, and the check before READ and WRITE).
 * Attributes always come fresh from the kernel; nothing is cached.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "vfs.h"

static ftype3
file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR:
		return NF3DIR;
	case S_IFBLK:
		return NF3BLK;
	case S_IFCHR:
		return NF3CHR;
	case S_IFLNK:
		return NF3LNK;
	case S_IFSOCK:
		return NF3SOCK;
	case S_IFIFO:
		return NF3FIFO;
	default:
		return NF3REG;
	}
}

static void
nfs_time(const struct timespec *ts, nfstime3 *out)
{
	out->seconds = (uint32)ts->tv_sec;
	out->nseconds = (uint32)ts->tv_nsec;
}

void
vfs_fattr(const struct vfs_export *ve, const struct stat *st, fattr3 *out)
{
	out->type = file_type(st->st_mode);
	out->mode = st->st_mode & 07777;
	out->nlink = (uint32)st->st_nlink;
	out->uid = st->st_uid;
	out->gid = st->st_gid;
	out->size = (size3)st->st_size;
	out->used = (size3)st->st_blocks * 512;
	out->rdev.specdata1 = major(st->st_rdev);
	out->rdev.specdata2 = minor(st->st_rdev);
	out->fsid = ve->fsid;
	out->fileid = st->st_ino;
	nfs_time(&st->st_atim, &out->atime);
	nfs_time(&st->st_mtim, &out->mtime);
	nfs_time(&st->st_ctim, &out->ctime);
}

void
vfs_post_op_st(const struct vfs_export *ve, const struct stat *st,
    post_op_attr *out)
{
	out->attributes_follow = TRUE;
	vfs_fattr(ve, st, &out->post_op_attr_u.attributes);
}

void
vfs_post_op(const struct vfs_export *ve, int fd, post_op_attr *out)
{
	struct stat st;

	if (fd == -1 || fstat(fd, &st) == -1) {
		out->attributes_follow = FALSE;
		return;
	}
	vfs_post_op_st(ve, &st, out);
}

void
vfs_pre_op(const struct stat *st, pre_op_attr *out)
{
	wcc_attr *a = &out->pre_op_attr_u.attributes;

	if (st == NULL) {
		out->attributes_follow = FALSE;
		return;
	}
	out->attributes_follow = TRUE;
	a->size = (size3)st->st_size;
	nfs_time(&st->st_mtim, &a->mtime);
	nfs_time(&st->st_ctim, &a->ctime);
}

void
vfs_wcc(const struct vfs_export *ve, const struct stat *before, int fd,
    wcc_data *out)
{
	vfs_pre_op(before, &out->before);
	vfs_post_op(ve, fd, &out->after);
}

mode_t
vfs_create_mode(const sattr3 *sa, mode_t def)
{
	if (sa != NULL && sa->mode.set_it)
		return sa->mode.set_mode3_u.mode & 07777;
	return def;
}

static int
set_times(const char *path, const sattr3 *sa)
{
	struct timespec ts[2];

	ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
	ts[0].tv_sec = ts[1].tv_sec = 0;
	if (sa->atime.set_it == SET_TO_SERVER_TIME)
		ts[0].tv_nsec = UTIME_NOW;
	else if (sa->atime.set_it == SET_TO_CLIENT_TIME) {
		ts[0].tv_sec = sa->atime.set_atime_u.atime.seconds;
		ts[0].tv_nsec = sa->atime.set_atime_u.atime.nseconds;
	}
	if (sa->mtime.set_it == SET_TO_SERVER_TIME)
		ts[1].tv_nsec = UTIME_NOW;
	else if (sa->mtime.set_it == SET_TO_CLIENT_TIME) {
		ts[1].tv_sec = sa->mtime.set_mtime_u.mtime.seconds;
		ts[1].tv_nsec = sa->mtime.set_mtime_u.mtime.nseconds;
	}
	if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
		return 0;
	if ((ts[0].tv_nsec >= 1000000000 && ts[0].tv_nsec != UTIME_NOW &&
	    ts[0].tv_nsec != UTIME_OMIT) ||
	    (ts[1].tv_nsec >= 1000000000 && ts[1].tv_nsec != UTIME_NOW &&
	    ts[1].tv_nsec != UTIME_OMIT)) {
		errno = EINVAL;
		return -1;
	}
	return utimensat(AT_FDCWD, path, ts, 0);
}

/*
 * Owner and group first (a chown clears set-id bits), then the mode,
 * the size, and the times last so that a truncate does not move them.
 * Symlinks have no mode or times of their own to set here.
 */
nfsstat3
vfs_setattr(int fd, const struct stat *st, const sattr3 *sa)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	char path[32];
	bool link = S_ISLNK(st->st_mode);

	vfs_fdpath(fd, path);
	if (sa->uid.set_it)
		uid = sa->uid.set_uid3_u.uid;
	if (sa->gid.set_it)
		gid = sa->gid.set_gid3_u.gid;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1)
		return vfs_errno(errno);
	if (sa->mode.set_it && !link &&
	    chmod(path, sa->mode.set_mode3_u.mode & 07777) == -1)
		return vfs_errno(errno);
	if (sa->size.set_it) {
		if (S_ISDIR(st->st_mode))
			return NFS3ERR_ISDIR;
		if (!S_ISREG(st->st_mode))
			return NFS3ERR_INVAL;
		if (truncate(path, (off_t)sa->size.set_size3_u.size) == -1)
			return vfs_errno(errno);
	}
	if (!link && set_times(path, sa) == -1)
		return vfs_errno(errno);
	return NFS3_OK;
}

static bool
may(int fd, int mode)
{
	return faccessat(fd, "", mode, AT_EMPTY_PATH | AT_EACCESS) == 0;
}

uint32_t
vfs_access(int fd, const struct stat *st, uint32_t want, bool ro)
{
	uint32_t got = 0;
	bool w;

	if ((want & ACCESS3_READ) && may(fd, R_OK))
		got |= ACCESS3_READ;
	w = !ro && (want & (ACCESS3_MODIFY | ACCESS3_EXTEND |
	    ACCESS3_DELETE)) && may(fd, W_OK);
	if (S_ISDIR(st->st_mode)) {
		if ((want & ACCESS3_LOOKUP) && may(fd, X_OK))
			got |= ACCESS3_LOOKUP;
		if (w)
			got |= want & (ACCESS3_MODIFY | ACCESS3_EXTEND |
			    ACCESS3_DELETE);
	} else {
		if ((want & ACCESS3_EXECUTE) && may(fd, X_OK))
			got |= ACCESS3_EXECUTE;
		if (w)
			got |= want & (ACCESS3_MODIFY | ACCESS3_EXTEND);
	}
	return got;
}

/*
 * READ and WRITE are checked per call (the descriptor is shared).  As
 * knfsd does, the owner may always read and write, since a client that
 * created a file read-only still writes its data; a file one may only
 * execute may be read (the client must load it).
 */
nfsstat3
vfs_may_io(int fd, const struct stat *st, uint32_t uid, bool write)
{
	if (!S_ISREG(st->st_mode))
		return S_ISDIR(st->st_mode) ? NFS3ERR_ISDIR : NFS3ERR_INVAL;
	if (st->st_uid == uid)
		return NFS3_OK;
	if (write)
		return may(fd, W_OK) ? NFS3_OK : NFS3ERR_ACCES;
	return may(fd, R_OK) || may(fd, X_OK) ? NFS3_OK : NFS3ERR_ACCES;
}
