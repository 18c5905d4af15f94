/*
 * readdir.c - reading a directory from a cookie.  The cookie of an
 * entry is the kernel's d_off for it, the position where the next
 * entry starts: on ext4 a hash of the name, on tmpfs a stable index.
 * Neither moves when other entries come and go, so a client listing a
 * busy Maildir never gets NFS3ERR_BAD_COOKIE and never sees an entry
 * twice, and resuming costs a seek rather than a rescan.
 *
 * A listing of a big directory is hundreds of calls, each resuming
 * where the last one stopped.  So a stream that stopped because the
 * reply was full is kept for a few seconds: its open directory, and
 * the entries getdents64 gave that did not fit.  The next call from
 * that cookie, by the same credentials, takes it and goes on, without
 * opening the directory again or making ext4 rebuild its hash-order
 * view from the cookie.  Any other call opens and seeks as before.
 */
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vfs.h"

/*
 * Entries are read a few at a time: a reply holds a few hundred, and
 * each getdents64 on ext4 builds its hash tree for as many as it returns.
 */
#define READDIR_BUF	4096
#define STREAM_TTL	5		/* seconds a kept stream waits */

struct linux_dirent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

struct vfs_dirstream {
	int			 fd;
	dev_t			 dev;
	ino_t			 ino;
	struct export_cred	 cred;		/* who opened it */
	uint64_t		 cookie;	/* where the next entry starts */
	time_t			 kept;		/* when it was kept */
	size_t			 off, len;	/* entries read, not given */
	_Alignas(8) char	 buf[READDIR_BUF];
};

static struct {
	pthread_mutex_t		 lock;
	struct vfs_dirstream	*kept[VFS_DIRSTREAMS_MAX];
} ds_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static time_t
now_coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

static void
stream_free(struct vfs_dirstream *ds)
{
	if (ds->fd != -1)
		close(ds->fd);
	free(ds);
}

static bool
stream_fits(const struct vfs_dirstream *ds, const struct stat *st,
    const struct export_cred *cred, uint64_t cookie, time_t now)
{
	return ds->cookie == cookie && ds->ino == st->st_ino &&
	    ds->dev == st->st_dev && now - ds->kept < STREAM_TTL &&
	    ds->cred.uid == cred->uid && ds->cred.gid == cred->gid &&
	    ds->cred.ngids == cred->ngids &&
	    memcmp(ds->cred.gids, cred->gids,
	    cred->ngids * sizeof(cred->gids[0])) == 0;
}

/* The kept stream for this call, taken out of the cache, or NULL. */
static struct vfs_dirstream *
stream_take(const struct stat *st, const struct export_cred *cred,
    uint64_t cookie)
{
	struct vfs_dirstream *ds = NULL;
	time_t now = now_coarse();
	size_t i;

	pthread_mutex_lock(&ds_cache.lock);
	for (i = 0; i < VFS_DIRSTREAMS_MAX; i++)
		if (ds_cache.kept[i] != NULL &&
		    stream_fits(ds_cache.kept[i], st, cred, cookie, now)) {
			ds = ds_cache.kept[i];
			ds_cache.kept[i] = NULL;
			break;
		}
	pthread_mutex_unlock(&ds_cache.lock);
	return ds;
}

struct vfs_dirstream *
vfs_dir_open(const struct vfs_obj *dir, const struct export_cred *cred,
    uint64_t cookie)
{
	struct vfs_dirstream *ds;
	int err;

	if (cookie != 0 && (ds = stream_take(&dir->st, cred, cookie)) != NULL)
		return ds;
	if ((ds = malloc(sizeof(*ds))) == NULL)
		return NULL;
	ds->dev = dir->st.st_dev;
	ds->ino = dir->st.st_ino;
	ds->cred = *cred;
	ds->cookie = cookie;
	ds->off = ds->len = 0;
	/* opened with the caller's credentials: the kernel checks them */
	ds->fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->fd == -1 || lseek(ds->fd, (off_t)cookie, SEEK_SET) == -1) {
		err = errno;
		stream_free(ds);
		errno = err;
		return NULL;
	}
	return ds;
}

int
vfs_dir_fd(const struct vfs_dirstream *ds)
{
	return ds->fd;
}

int
vfs_dir_read(struct vfs_dirstream *ds, vfs_dirent_cb cb, void *arg,
    bool *eof)
{
	const struct linux_dirent64 *d;
	struct vfs_dirent e;
	long n;
	int rc;

	*eof = false;
	for (;;) {
		if (ds->off == ds->len) {
			ds->off = ds->len = 0;
			n = syscall(SYS_getdents64, ds->fd, ds->buf,
			    sizeof(ds->buf));
			if (n == -1)
				return -1;
			if (n == 0) {
				*eof = true;
				return 0;
			}
			ds->len = (size_t)n;
		}
		d = (const struct linux_dirent64 *)(ds->buf + ds->off);
		e.fileid = d->d_ino;
		e.cookie = (uint64_t)d->d_off;
		e.name = d->d_name;
		e.type = d->d_type;
		if ((rc = cb(&e, arg)) != 0)
			return rc < 0 ? -1 : 0;	/* it stays for the next */
		ds->cookie = e.cookie;
		ds->off += d->d_reclen;
	}
}

void
vfs_dir_close(struct vfs_dirstream *ds, bool keep)
{
	struct vfs_dirstream *old = NULL;
	size_t i, slot = 0;

	if (ds == NULL)
		return;
	if (!keep) {
		stream_free(ds);
		return;
	}
	ds->kept = now_coarse();
	pthread_mutex_lock(&ds_cache.lock);
	/* an empty slot, else the one kept longest ago */
	for (i = 0; i < VFS_DIRSTREAMS_MAX; i++) {
		if (ds_cache.kept[i] == NULL) {
			slot = i;
			break;
		}
		if (ds_cache.kept[i]->kept < ds_cache.kept[slot]->kept)
			slot = i;
	}
	old = ds_cache.kept[slot];
	ds_cache.kept[slot] = ds;
	pthread_mutex_unlock(&ds_cache.lock);
	if (old != NULL)
		stream_free(old);
}

void
vfs_dir_cache_free(void)
{
	size_t i;

	pthread_mutex_lock(&ds_cache.lock);
	for (i = 0; i < VFS_DIRSTREAMS_MAX; i++) {
		if (ds_cache.kept[i] != NULL)
			stream_free(ds_cache.kept[i]);
		ds_cache.kept[i] = NULL;
	}
	pthread_mutex_unlock(&ds_cache.lock);
}
