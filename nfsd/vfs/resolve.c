/*
 * resolve.c - from a client's file handle to an open object and back,
 * and from a directory and a name to the object it holds, without ever
 * leaving the export: handles are authenticated and bound to their
 * export, ".." of an export root is the root, symlinks are never
 * followed, and another filesystem mounted inside an export is only
 * entered when it is exported itself.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "hcache.h"
#include "vfs.h"

union kernel_fh {
	struct file_handle	fh;
	uint8_t			buf[sizeof(struct file_handle) +
				    MAX_HANDLE_SZ];
};

void
vfs_fdpath(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

int
vfs_exports_open(const struct export_table *table, struct vfs_export **out)
{
	struct vfs_export *ve;
	struct stat st;
	size_t i;
	int saved;

	hcache_clear();		/* handles of the exports loaded before */
	if ((ve = calloc(table->nexports + 1, sizeof(*ve))) == NULL)
		return -1;
	for (i = 0; i < table->nexports; i++) {
		ve[i].exp = &table->exports[i];
		ve[i].rootfd = open(ve[i].exp->path,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ve[i].rootfd == -1 || fstat(ve[i].rootfd, &st) == -1) {
			saved = errno;
			vfs_exports_close(ve, i + (ve[i].rootfd != -1));
			errno = saved;
			return -1;
		}
		ve[i].dev = st.st_dev;
		ve[i].ino = st.st_ino;
		ve[i].fsid = ve[i].exp->fsid;
	}
	*out = ve;
	return 0;
}

void
vfs_exports_close(struct vfs_export *ve, size_t n)
{
	size_t i;

	if (ve == NULL)
		return;
	for (i = 0; i < n; i++)
		if (ve[i].rootfd != -1)
			close(ve[i].rootfd);
	free(ve);
}

static const struct vfs_export *
find_export(const struct vfs_export *ve, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ve[i].exp->id == id)
			return &ve[i];
	return NULL;
}

/* The export whose root is this directory (a nested filesystem). */
static const struct vfs_export *
find_root(const struct vfs_export *ve, size_t n, const struct stat *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ve[i].dev == st->st_dev && ve[i].ino == st->st_ino)
			return &ve[i];
	return NULL;
}

static nfsstat3
kernel_handle(int dirfd, const char *name, int flags, uint32_t export_id,
    struct handle *h)
{
	union kernel_fh u;
	int mount_id;

	u.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dirfd, name, &u.fh, &mount_id, flags) == -1)
		return vfs_errno(errno);
	if (u.fh.handle_bytes > HANDLE_KERNEL_MAX)
		return NFS3ERR_NOTSUPP;		/* the filesystem's are too big */
	memset(h, 0, sizeof(*h));
	h->export_id = export_id;
	h->type = u.fh.handle_type;
	h->len = (uint8_t)u.fh.handle_bytes;
	memcpy(h->kernel, u.fh.f_handle, h->len);
	return NFS3_OK;
}

static nfsstat3
encode(const struct handle_key *key, const struct handle *h,
    uint8_t fh[HANDLE_MAX], size_t *fhlen)
{
	int n;

	if ((n = handle_encode(key, h, fh)) == -1)
		return NFS3ERR_SERVERFAULT;
	*fhlen = (size_t)n;
	return NFS3_OK;
}

static nfsstat3
handle_of(const struct handle_key *key, const struct vfs_export *ve,
    int dirfd, const char *name, int flags, uint8_t fh[HANDLE_MAX],
    size_t *fhlen)
{
	struct handle h;
	nfsstat3 st;

	if ((st = kernel_handle(dirfd, name, flags, ve->exp->id, &h)) !=
	    NFS3_OK)
		return st;
	return encode(key, &h, fh, fhlen);
}

nfsstat3
vfs_handle_at(const struct handle_key *key, const struct vfs_export *ve,
    int dirfd, const char *name, uint8_t fh[HANDLE_MAX], size_t *fhlen)
{
	return handle_of(key, ve, dirfd, name, 0, fh, fhlen);
}

nfsstat3
vfs_handle_keep(const struct handle_key *key, const struct vfs_export *ve,
    int fd, uint8_t fh[HANDLE_MAX], size_t *fhlen)
{
	struct handle h;
	nfsstat3 rc;

	rc = kernel_handle(fd, "", AT_EMPTY_PATH, ve->exp->id, &h);
	if (rc == NFS3_OK)
		rc = encode(key, &h, fh, fhlen);
	if (rc == NFS3_OK)
		fcache_keep(&h, fd);
	else
		close(fd);
	return rc;
}

#define ENTRY_STATX	(STATX_BASIC_STATS | STATX_BTIME)

static void
stat_from_statx(const struct statx *sx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
	st->st_ino = sx->stx_ino;
	st->st_mode = sx->stx_mode;
	st->st_nlink = sx->stx_nlink;
	st->st_uid = sx->stx_uid;
	st->st_gid = sx->stx_gid;
	st->st_rdev = makedev(sx->stx_rdev_major, sx->stx_rdev_minor);
	st->st_size = (off_t)sx->stx_size;
	st->st_blksize = (blksize_t)sx->stx_blksize;
	st->st_blocks = (blkcnt_t)sx->stx_blocks;
	st->st_atim.tv_sec = sx->stx_atime.tv_sec;
	st->st_atim.tv_nsec = sx->stx_atime.tv_nsec;
	st->st_mtim.tv_sec = sx->stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = sx->stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = sx->stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = sx->stx_ctime.tv_nsec;
}

static void
entry_key(const struct vfs_export *ve, const struct statx *sx,
    struct hcache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->export_id = ve->exp->id;
	k->dev = makedev(sx->stx_dev_major, sx->stx_dev_minor);
	k->ino = sx->stx_ino;
	k->ctime_sec = sx->stx_ctime.tv_sec;
	k->ctime_nsec = sx->stx_ctime.tv_nsec;
	if (sx->stx_mask & STATX_BTIME) {
		k->btime_sec = sx->stx_btime.tv_sec;
		k->btime_nsec = sx->stx_btime.tv_nsec;
	}
}

/*
 * Not in the cache: attributes and handle from one O_PATH descriptor,
 * so both are of one inode whatever renames happen meanwhile.
 */
static nfsstat3
entry_fill(const struct handle_key *key, const struct vfs_export *ve,
    int dirfd, const char *name, struct stat *st, uint8_t fh[HANDLE_MAX],
    size_t *fhlen)
{
	struct hcache_key k;
	struct statx sx;
	struct handle h;
	nfsstat3 rc;
	int fd;

	if ((fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return vfs_errno(errno);
	if (statx(fd, "", AT_EMPTY_PATH, ENTRY_STATX, &sx) == -1)
		rc = vfs_errno(errno);
	else {
		/* no handle to give (*fhlen stays 0): the attributes still go */
		stat_from_statx(&sx, st);
		rc = NFS3_OK;
		if (st->st_dev == ve->dev &&
		    kernel_handle(fd, "", AT_EMPTY_PATH, ve->exp->id, &h) ==
		    NFS3_OK && encode(key, &h, fh, fhlen) == NFS3_OK) {
			entry_key(ve, &sx, &k);
			hcache_put(&k, fh, *fhlen);
		}
	}
	close(fd);
	return rc;
}

nfsstat3
vfs_entry_plus(const struct handle_key *key, const struct vfs_export *ve,
    int dirfd, const char *name, uint64_t ino_hint, struct stat *st,
    uint8_t fh[HANDLE_MAX], size_t *fhlen)
{
	struct hcache_key k;
	struct statx sx;

	*fhlen = 0;
	hcache_prefetch(ino_hint);	/* while statx runs */
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
	    ENTRY_STATX, &sx) == -1)
		return vfs_errno(errno);
	stat_from_statx(&sx, st);
	if (st->st_dev != ve->dev)
		return NFS3_OK;		/* another file system mounted here */
	entry_key(ve, &sx, &k);
	if (hcache_get(&k, fh, fhlen))
		return NFS3_OK;
	return entry_fill(key, ve, dirfd, name, st, fh, fhlen);
}

/* Fill obj from an open O_PATH descriptor it takes over. */
static nfsstat3
obj_adopt(const struct handle_key *key, const struct vfs_export *ve,
    const struct handle *h, int fd, const struct stat *st,
    struct vfs_obj *obj)
{
	nfsstat3 rc;

	memset(obj, 0, sizeof(*obj));
	obj->ve = ve;
	obj->st = *st;
	obj->fd = fd;
	if ((rc = encode(key, h, obj->fh, &obj->fhlen)) != NFS3_OK) {
		close(fd);
		obj->fd = -1;
		return rc;
	}
	if ((obj->ent = fcache_add(h, fd)) != NULL)
		obj->fd = fcache_pathfd(obj->ent);	/* fd may be closed */
	return NFS3_OK;
}

nfsstat3
vfs_resolve(const struct handle_key *key, const struct vfs_export *ve,
    size_t n, const uint8_t *fh, size_t fhlen, struct vfs_obj *obj)
{
	union kernel_fh u;
	const struct vfs_export *e;
	struct fcache_ent *ent;
	struct handle h;
	struct stat st;
	int fd;

	memset(obj, 0, sizeof(*obj));
	obj->fd = -1;
	if (handle_decode(key, fh, fhlen, &h) == -1)
		return NFS3ERR_BADHANDLE;
	if ((e = find_export(ve, n, h.export_id)) == NULL)
		return NFS3ERR_STALE;		/* authentic, no longer exported */
	if ((ent = fcache_get(&h)) != NULL) {
		fd = fcache_pathfd(ent);
		if (fstat(fd, &st) == -1 || st.st_nlink == 0) {
			fcache_drop(ent);
			fcache_release(ent);
			return NFS3ERR_STALE;
		}
		obj->ve = e;
		obj->ent = ent;
		obj->fd = fd;
		obj->st = st;
		memcpy(obj->fh, fh, fhlen);
		obj->fhlen = fhlen;
		return NFS3_OK;
	}
	if (vfs_cred_root() == -1)	/* CAP_DAC_READ_SEARCH */
		return NFS3ERR_SERVERFAULT;
	u.fh.handle_bytes = h.len;
	u.fh.handle_type = h.type;
	memcpy(u.fh.f_handle, h.kernel, h.len);
	fd = open_by_handle_at(e->rootfd, &u.fh, O_PATH | O_CLOEXEC);
	if (fd == -1)
		return errno == ESTALE || errno == ENOENT ? NFS3ERR_STALE :
		    errno == EINVAL ? NFS3ERR_BADHANDLE : vfs_errno(errno);
	if (fstat(fd, &st) == -1 || st.st_nlink == 0 || st.st_dev != e->dev) {
		close(fd);
		return NFS3ERR_STALE;
	}
	return obj_adopt(key, e, &h, fd, &st, obj);
}

void
vfs_release(struct vfs_obj *obj)
{
	if (obj->ent != NULL)
		fcache_release(obj->ent);
	else if (obj->fd != -1)
		close(obj->fd);
	obj->ent = NULL;
	obj->fd = -1;
}

nfsstat3
vfs_root(const struct handle_key *key, const struct vfs_export *ve,
    struct vfs_obj *obj)
{
	struct handle h;
	struct stat st;
	nfsstat3 rc;
	int fd;

	if ((rc = kernel_handle(ve->rootfd, "", AT_EMPTY_PATH, ve->exp->id,
	    &h)) != NFS3_OK)
		return rc;
	if ((fd = fcntl(ve->rootfd, F_DUPFD_CLOEXEC, 0)) == -1)
		return vfs_errno(errno);
	if (fstat(fd, &st) == -1) {
		rc = vfs_errno(errno);
		close(fd);
		return rc;
	}
	return obj_adopt(key, ve, &h, fd, &st, obj);
}

nfsstat3
vfs_check_name(const char *name, bool allow_dots)
{
	size_t len = strlen(name);

	if (len == 0)
		return NFS3ERR_ACCES;
	if (len > VFS_NAME_MAX)
		return NFS3ERR_NAMETOOLONG;
	if (strchr(name, '/') != NULL)
		return NFS3ERR_ACCES;
	if (!allow_dots && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		return NFS3ERR_EXIST;
	return NFS3_OK;
}

static bool
is_root(const struct vfs_export *ve, const struct stat *st)
{
	return st->st_dev == ve->dev && st->st_ino == ve->ino;
}

nfsstat3
vfs_lookup(const struct handle_key *key, const struct vfs_export *ve,
    size_t n, const struct vfs_obj *dir, const char *name,
    struct vfs_obj *obj)
{
	const struct vfs_export *e = dir->ve;
	struct handle h;
	struct stat st;
	nfsstat3 rc;
	int fd;

	memset(obj, 0, sizeof(*obj));
	obj->fd = -1;
	if (!S_ISDIR(dir->st.st_mode))
		return NFS3ERR_NOTDIR;
	if ((rc = vfs_check_name(name, true)) != NFS3_OK)
		return rc;
	if (strcmp(name, "..") == 0 && is_root(e, &dir->st))
		name = ".";
	fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return vfs_errno(errno);
	if (fstat(fd, &st) == -1) {
		rc = vfs_errno(errno);
		close(fd);
		return rc;
	}
	if (st.st_dev != e->dev && (e = find_root(ve, n, &st)) == NULL) {
		close(fd);
		return NFS3ERR_ACCES;		/* another filesystem */
	}
	if ((rc = kernel_handle(fd, "", AT_EMPTY_PATH, e->exp->id, &h)) !=
	    NFS3_OK) {
		close(fd);
		return rc;
	}
	return obj_adopt(key, e, &h, fd, &st, obj);
}

void
vfs_gone_note(int dirfd, const char *name, struct vfs_gone *g)
{
	struct stat st;

	g->known = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    kernel_handle(dirfd, name, 0, 0, &g->h) == NFS3_OK;
	g->ino = g->known ? st.st_ino : 0;
}

void
vfs_gone_forget(const struct vfs_gone *g)
{
	if (!g->known)
		return;
	hcache_forget(g->ino);
	fcache_forget(&g->h);
}

int
vfs_iofd(struct vfs_obj *obj)
{
	if (obj->ent == NULL) {
		errno = EBADF;
		return -1;
	}
	return fcache_iofd(obj->ent, S_ISDIR(obj->st.st_mode));
}

nfsstat3
vfs_refresh(struct vfs_obj *obj)
{
	if (fstat(obj->fd, &obj->st) == -1)
		return vfs_errno(errno);
	if (obj->st.st_nlink == 0)
		return NFS3ERR_STALE;
	return NFS3_OK;
}

/*
 * A directory not in the cache, opened as root just for its fsync: the
 * caller may lack read permission on it.
 */
static int
sync_dir_uncached(int dirfd)
{
	int fd, rc, saved;

	if (vfs_cred_root() == -1)
		return -1;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
vfs_sync_name(int dirfd, const char *name)
{
	char path[32];
	struct stat st;
	int pfd, fd, rc = 0, saved;

	if (vfs_cred_root() == -1)
		return -1;
	if ((pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(pfd, &st) == -1)
		rc = -1;
	else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		vfs_fdpath(pfd, path);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
			rc = -1;
		else {
			rc = fsync(fd);
			saved = errno;
			close(fd);
			errno = saved;
		}
	}
	saved = errno;
	close(pfd);
	errno = saved;
	return rc;
}

int
vfs_sync_obj(struct vfs_obj *obj)
{
	int fd;

	if (!S_ISREG(obj->st.st_mode) && !S_ISDIR(obj->st.st_mode))
		return 0;	/* no descriptor to sync it through */
	if (obj->ent == NULL && S_ISDIR(obj->st.st_mode))
		return sync_dir_uncached(obj->fd);
	if ((fd = vfs_iofd(obj)) == -1)
		return -1;
	return fsync(fd);
}
