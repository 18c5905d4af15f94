/*
 * local.c - the local-directory backend of the Maildir store, for a
 * node with a kernel mount (the seed's /mail1): the *at() system calls
 * relative to a descriptor of the store root.
 *
 * Credentials: a process running as root takes the mailbox owner's
 * fsuid, fsgid and supplementary groups (just the gid) on the calling
 * thread for the duration of each operation, so the kernel checks
 * permissions as for that user (a non-zero fsuid drops root's file
 * capabilities), and goes back to its own afterwards.  setgroups goes
 * through the raw system call, since glibc's wrapper would change every
 * thread.  A process that is not root acts as itself.
 */
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"

#define SAVED_GROUPS_MAX	64

struct local {
	int	rootfd;
};

struct saved_cred {
	bool	switched;
	uid_t	fsuid;
	gid_t	fsgid;
	int	ngroups;
	gid_t	groups[SAVED_GROUPS_MAX];
};

static int
root_fd(struct maildir_store *s)
{
	return ((struct local *)s->impl)->rootfd;
}

/* "" is the root itself. */
static const char *
rel(const char *path)
{
	return path[0] == '\0' ? "." : path;
}

static int
sys_err(struct md_err *e, const char *what, const char *path)
{
	int errnum = errno;

	return md_seterr(e, md_errno_status(errnum), "%s %s: %s", what,
	    rel(path), strerror(errnum));
}

static int
set_fsids(uid_t uid, gid_t gid)
{
	setfsgid(gid);
	if (setfsgid((gid_t)-1) != (int)gid)
		return -1;
	setfsuid(uid);
	if (setfsuid((uid_t)-1) != (int)uid)
		return -1;
	return 0;
}

static int
cred_enter(const struct md_cred *c, struct saved_cred *sv, struct md_err *e)
{
	gid_t gid = (gid_t)c->gid;

	sv->switched = false;
	if (geteuid() != 0 || (c->uid == 0 && c->gid == 0))
		return MAILDIR_OK;
	if ((sv->ngroups = getgroups(SAVED_GROUPS_MAX, sv->groups)) == -1)
		return md_seterr(e, MAILDIR_ETEMP, "getgroups: %s",
		    strerror(errno));
	sv->fsuid = (uid_t)setfsuid((uid_t)-1);
	sv->fsgid = (gid_t)setfsgid((gid_t)-1);
	if (syscall(SYS_setgroups, (size_t)1, &gid) == -1)
		return md_seterr(e, MAILDIR_ETEMP, "setgroups: %s",
		    strerror(errno));
	sv->switched = true;
	if (set_fsids((uid_t)c->uid, gid) == -1)
		return md_seterr(e, MAILDIR_EPERM, "cannot act as %u:%u",
		    c->uid, c->gid);
	return MAILDIR_OK;
}

static void
cred_leave(struct saved_cred *sv)
{
	int saved = errno;

	if (!sv->switched)
		return;
	/* Back to the old fsuid first: it brings the capabilities back. */
	if (set_fsids(sv->fsuid, sv->fsgid) == -1 ||
	    syscall(SYS_setgroups, (size_t)sv->ngroups, sv->groups) == -1)
		abort();	/* acting as a user for good would be worse */
	sv->switched = false;
	errno = saved;
}

#define ENTER(c, e) do {						\
	struct saved_cred sv_;						\
	int r_;								\
	if ((r_ = cred_enter((c), &sv_, (e))) != MAILDIR_OK) {		\
		cred_leave(&sv_);					\
		return r_;						\
	}
#define LEAVE()								\
	cred_leave(&sv_);						\
} while (0)

static void
local_close(struct maildir_store *s)
{
	struct local *l = s->impl;

	if (l != NULL && l->rootfd != -1)
		close(l->rootfd);
	free(l);
	s->impl = NULL;
}

static int
local_avail(struct maildir_store *s, uint64_t *avail, struct md_err *e)
{
	struct statvfs sv;

	if (fstatvfs(root_fd(s), &sv) == -1)
		return sys_err(e, "statvfs", "");
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return MAILDIR_OK;
}

static int
local_mkdir(struct maildir_store *s, const struct md_cred *c,
    const char *path, uint32_t mode, struct md_err *e)
{
	int r = MAILDIR_OK;

	ENTER(c, e);
	if (mkdirat(root_fd(s), rel(path), (mode_t)mode) == -1 ||
	    fchmodat(root_fd(s), rel(path), (mode_t)mode, 0) == -1)
		r = sys_err(e, "mkdir", path);
	LEAVE();
	return r;
}

static int
local_chown(struct maildir_store *s, const struct md_cred *c,
    const char *path, uint32_t mode, uint32_t uid, uint32_t gid,
    struct md_err *e)
{
	int r = MAILDIR_OK;

	ENTER(c, e);
	if (fchownat(root_fd(s), rel(path), (uid_t)uid, (gid_t)gid,
	    AT_SYMLINK_NOFOLLOW) == -1)
		r = sys_err(e, "chown", path);
	else if (fchmodat(root_fd(s), rel(path), (mode_t)mode, 0) == -1)
		r = sys_err(e, "chmod", path);
	LEAVE();
	return r;
}

static void
fill_attr(const struct stat *st, struct md_attr *a)
{
	a->isdir = S_ISDIR(st->st_mode);
	a->size = (uint64_t)st->st_size;
	a->fileid = (uint64_t)st->st_ino;
	a->mtime = st->st_mtim.tv_sec;
}

static int
local_stat(struct maildir_store *s, const struct md_cred *c,
    const char *path, struct md_attr *a, struct md_err *e)
{
	struct stat st;
	int r = MAILDIR_OK;

	ENTER(c, e);
	if (fstatat(root_fd(s), rel(path), &st, AT_SYMLINK_NOFOLLOW) == -1)
		r = sys_err(e, "stat", path);
	else
		fill_attr(&st, a);
	LEAVE();
	return r;
}

static int
open_file(struct maildir_store *s, const struct md_cred *c,
    const char *path, int flags, struct md_file *f, struct md_err *e)
{
	struct stat st;
	int r = MAILDIR_OK;

	f->fd = -1;
	ENTER(c, e);
	if ((f->fd = openat(root_fd(s), path, flags | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)MD_MODE_FILE)) == -1)
		r = sys_err(e, "open", path);
	else if (fstat(f->fd, &st) == -1) {
		r = sys_err(e, "fstat", path);
		close(f->fd);
		f->fd = -1;
	} else
		f->fileid = (uint64_t)st.st_ino;
	LEAVE();
	return r;
}

static int
local_create(struct maildir_store *s, const struct md_cred *c,
    const char *dir, const char *name, struct md_file *f, struct md_err *e)
{
	char path[MAILDIR_PATH_MAX];
	int r;

	if ((r = md_join(path, sizeof(path), dir, name, e)) != MAILDIR_OK)
		return r;
	return open_file(s, c, path, O_WRONLY | O_CREAT | O_EXCL, f, e);
}

static int
local_open(struct maildir_store *s, const struct md_cred *c,
    const char *path, struct md_file *f, struct md_err *e)
{
	return open_file(s, c, path, O_RDONLY, f, e);
}

static int
local_write(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, uint64_t off, const void *buf, size_t len,
    struct md_err *e)
{
	const char *p = buf;
	ssize_t n;

	(void)s;
	(void)c;
	while (len > 0) {
		if ((n = pwrite(f->fd, p, len, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			return sys_err(e, "write", "message");
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return MAILDIR_OK;
}

static int
local_sync(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, struct md_err *e)
{
	(void)s;
	(void)c;
	if (fsync(f->fd) == -1)
		return sys_err(e, "fsync", "message");
	return MAILDIR_OK;
}

static int
local_read(struct maildir_store *s, const struct md_cred *c,
    struct md_file *f, uint64_t off, void *buf, size_t len, size_t *n,
    struct md_err *e)
{
	ssize_t r;

	(void)s;
	(void)c;
	do
		r = pread(f->fd, buf, len, (off_t)off);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return sys_err(e, "read", "message");
	*n = (size_t)r;
	return MAILDIR_OK;
}

static void
local_fclose(struct maildir_store *s, struct md_file *f)
{
	(void)s;
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
}

static int
local_rename(struct maildir_store *s, const struct md_cred *c,
    const char *fromdir, const char *from, const char *todir, const char *to,
    struct md_err *e)
{
	char fp[MAILDIR_PATH_MAX], tp[MAILDIR_PATH_MAX];
	int r;

	if ((r = md_join(fp, sizeof(fp), fromdir, from, e)) != MAILDIR_OK ||
	    (r = md_join(tp, sizeof(tp), todir, to, e)) != MAILDIR_OK)
		return r;
	ENTER(c, e);
	if (renameat(root_fd(s), fp, root_fd(s), tp) == -1)
		r = sys_err(e, "rename", fp);
	LEAVE();
	return r;
}

static int
local_remove(struct maildir_store *s, const struct md_cred *c,
    const char *dir, const char *name, struct md_err *e)
{
	char path[MAILDIR_PATH_MAX];
	int r;

	if ((r = md_join(path, sizeof(path), dir, name, e)) != MAILDIR_OK)
		return r;
	ENTER(c, e);
	if (unlinkat(root_fd(s), path, 0) == -1)
		r = sys_err(e, "unlink", path);
	LEAVE();
	return r;
}

static int
local_syncdir(struct maildir_store *s, const struct md_cred *c,
    const char *dir, struct md_err *e)
{
	int fd, r = MAILDIR_OK;

	ENTER(c, e);
	if ((fd = openat(root_fd(s), rel(dir),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		r = sys_err(e, "open", dir);
	else {
		if (fsync(fd) == -1)
			r = sys_err(e, "fsync", dir);
		close(fd);
	}
	LEAVE();
	return r;
}

static int
scan_dir(DIR *d, const char *dir, md_dirent_cb cb, void *arg,
    struct md_err *e)
{
	struct dirent *de;
	int r;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((r = cb(de->d_name, NULL, arg)) != 0)
			return r;
	}
	if (errno != 0)
		return sys_err(e, "readdir", dir);
	return MAILDIR_OK;
}

static int
local_readdir(struct maildir_store *s, const struct md_cred *c,
    const char *dir, md_dirent_cb cb, void *arg, struct md_err *e)
{
	DIR *d = NULL;
	int fd, r = MAILDIR_OK;

	ENTER(c, e);
	if ((fd = openat(root_fd(s), rel(dir),
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		r = sys_err(e, "open", dir);
	else if ((d = fdopendir(fd)) == NULL) {
		r = sys_err(e, "opendir", dir);
		close(fd);
	}
	LEAVE();
	/* The callback runs with our own credentials again. */
	if (d != NULL) {
		r = scan_dir(d, dir, cb, arg, e);
		closedir(d);
	}
	return r;
}

static const struct md_ops local_ops = {
	.kind = "local",
	.close = local_close,
	.avail = local_avail,
	.mkdir = local_mkdir,
	.chown = local_chown,
	.stat = local_stat,
	.create = local_create,
	.open = local_open,
	.write = local_write,
	.sync = local_sync,
	.write_volatile = local_write,	/* durable only after sync */
	.read = local_read,
	.fclose = local_fclose,
	.rename = local_rename,
	.remove = local_remove,
	.syncdir = local_syncdir,
	.readdir = local_readdir,
	.names = local_readdir,		/* it never has attributes */
};

struct maildir_store *
md_local_open(const char *path, struct md_err *e)
{
	struct maildir_store *s;
	struct local *l;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (l = calloc(1, sizeof(*l))) == NULL) {
		free(s);
		md_seterr(e, MAILDIR_ETEMP, "out of memory");
		return NULL;
	}
	if ((l->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		md_seterr(e, md_errno_status(errno), "open %s: %s", path,
		    strerror(errno));
		free(l);
		free(s);
		return NULL;
	}
	s->ops = &local_ops;
	s->impl = l;
	return s;
}
