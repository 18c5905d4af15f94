/*
 * readdir.c - reading a directory from a cookie.  The cookie of an
 * entry is the kernel's d_off for it, the position where the next
 * entry starts: on ext4 a hash of the name, on tmpfs a stable index.
 * Neither moves when other entries come and go, so a client listing a
 * busy Maildir never gets NFS3ERR_BAD_COOKIE and never sees an entry
 * twice.
 *
 * A big listing is hundreds of calls, each going on from the cookie the
 * last one ended at.  Opening the directory and seeking there each time
 * makes ext4 rebuild its hash-order cursor from the name's hash; so
 * between calls the open directory is kept, with the entries it read
 * past the end of the reply, as a cursor known by the directory, the
 * cookie it stands at and the credentials that opened it.  A call from
 * that cookie by the same identity goes on where the last one stopped,
 * if the directory has not changed since: its ctime, taken just before
 * the last call read, is the same, and was already older than the clock
 * tick then (a change later in that very tick could leave a coarse
 * ctime as it was).  Such a call reads what a fresh open would, so a
 * client always sees the entries made before its call.  Cursors are
 * few, and one left idle for long is closed when its slot is wanted.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vfs.h"

/*
 * Entries are read a few at a time: a reply holds a few hundred, and
 * each getdents64 on ext4 builds its hash tree for as many as it returns.
 */
#define READDIR_BUF	4096
#define CURSOR_MAX	64	/* open directories kept between calls */
#define CURSOR_IDLE_MS	2000	/* idle longer: closed, not reused */

struct linux_dirent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

struct cursor {
	dev_t			 dev;
	ino_t			 ino;
	struct export_cred	 cred;
	uint64_t		 cookie;	/* after the last entry out */
	struct timespec		 ctime;		/* dir's, before it was read */
	bool			 settled;	/* ctime older than that tick */
	uint64_t		 used_ms;
	int			 fd;
	bool			 open;		/* fd is: the slot is in use */
	bool			 busy;		/* taken by a call */
	size_t			 off, len;	/* read, not handed out */
	_Alignas(8) char	 buf[READDIR_BUF];
};

static struct {
	pthread_mutex_t		 lock;
	struct cursor		 slot[CURSOR_MAX];
	uint64_t		 hits, misses;
} cursors = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
ts_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * Note c's ctime before it reads, and whether any later change will
 * show in it: the ctime is older than the tick of the clock the kernel
 * stamps inodes with, read before it.
 */
static void
cursor_stamp(struct cursor *c)
{
	struct timespec tick;
	struct stat st;

	clock_gettime(CLOCK_REALTIME_COARSE, &tick);
	if (fstat(c->fd, &st) == -1) {
		c->settled = false;
		return;
	}
	c->ctime = st.st_ctim;
	c->settled = st.st_ctim.tv_sec < tick.tv_sec ||
	    (st.st_ctim.tv_sec == tick.tv_sec &&
	    st.st_ctim.tv_nsec < tick.tv_nsec);
}

static bool
cred_equal(const struct export_cred *a, const struct export_cred *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->ngids == b->ngids &&
	    memcmp(a->gids, b->gids, a->ngids * sizeof(a->gids[0])) == 0;
}

static void
cursor_reset(struct cursor *c)
{
	c->fd = -1;
	c->open = c->busy = false;
	c->off = c->len = 0;
}

/*
 * The idle cursor of dir at cookie for cred, taken; else a free or the
 * least recently used idle slot, claimed empty (its old descriptor in
 * *stale for the caller to close); else NULL, all busy.
 */
static struct cursor *
cursor_take(const struct stat *dir, const struct export_cred *cred,
    uint64_t cookie, int *stale)
{
	struct cursor *c, *spare = NULL;
	uint64_t now = now_ms();
	size_t i;

	*stale = -1;
	pthread_mutex_lock(&cursors.lock);
	for (i = 0; i < CURSOR_MAX; i++) {
		c = &cursors.slot[i];
		if (c->busy)
			continue;
		if (c->open && c->dev == dir->st_dev &&
		    c->ino == dir->st_ino && c->cookie == cookie &&
		    c->settled && ts_equal(&c->ctime, &dir->st_ctim) &&
		    now - c->used_ms <= CURSOR_IDLE_MS &&
		    cred_equal(&c->cred, cred)) {
			c->busy = true;
			cursors.hits++;
			pthread_mutex_unlock(&cursors.lock);
			return c;
		}
		if (spare == NULL || !c->open ||
		    (spare->open && c->used_ms < spare->used_ms))
			spare = c;
	}
	cursors.misses++;
	if (spare != NULL) {
		*stale = spare->open ? spare->fd : -1;
		cursor_reset(spare);
		spare->busy = true;
	}
	pthread_mutex_unlock(&cursors.lock);
	return spare;
}

/* Give c back standing at its cookie, or free it if it is done. */
static void
cursor_put(struct cursor *c, bool keep)
{
	int fd = -1;

	pthread_mutex_lock(&cursors.lock);
	if (!keep) {
		fd = c->open ? c->fd : -1;
		cursor_reset(c);
	} else {
		c->used_ms = now_ms();
		c->busy = false;
	}
	pthread_mutex_unlock(&cursors.lock);
	if (fd != -1)
		close(fd);
}

/* Open dir (any descriptor of it) at cookie into an empty cursor. */
static int
cursor_open(struct cursor *c, int dirfd, const struct stat *dir,
    const struct export_cred *cred, uint64_t cookie)
{
	c->fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->fd == -1)
		return -1;
	if (lseek(c->fd, (off_t)cookie, SEEK_SET) == -1) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->open = true;
	c->dev = dir->st_dev;
	c->ino = dir->st_ino;
	c->cred = *cred;
	c->cookie = cookie;
	c->off = c->len = 0;
	return 0;
}

/*
 * Hand c's entries to cb, reading more as needed, until cb has enough
 * (1: c stays at the entry it refused), fails (-1) or the directory
 * ends (*eof).  Returns 0, or -1 with errno.
 */
static int
cursor_read(struct cursor *c, vfs_dirent_cb cb, void *arg, bool *eof)
{
	const struct linux_dirent64 *d;
	struct vfs_dirent e;
	long n;
	int rc;

	for (;;) {
		while (c->off < c->len) {
			d = (const struct linux_dirent64 *)(c->buf + c->off);
			e.fileid = d->d_ino;
			e.cookie = (uint64_t)d->d_off;
			e.name = d->d_name;
			e.type = d->d_type;
			if ((rc = cb(&e, arg)) != 0)
				return rc < 0 ? -1 : 0;
			c->cookie = e.cookie;
			c->off += d->d_reclen;
		}
		n = syscall(SYS_getdents64, c->fd, c->buf, sizeof(c->buf));
		if (n == -1)
			return -1;
		if (n == 0) {
			*eof = true;
			return 0;
		}
		c->off = 0;
		c->len = (size_t)n;
	}
}

int
vfs_readdir(int dirfd, const struct stat *dir,
    const struct export_cred *cred, uint64_t cookie, vfs_dirent_cb cb,
    void *arg, bool *eof)
{
	struct cursor own, *c;
	int rc, saved, stale;

	*eof = false;
	if ((c = cursor_take(dir, cred, cookie, &stale)) == NULL) {
		c = &own;		/* every slot busy: just this call's */
		cursor_reset(c);
	}
	if (stale != -1)
		close(stale);
	if (!c->open && cursor_open(c, dirfd, dir, cred, cookie) == -1) {
		saved = errno;
		if (c != &own)
			cursor_put(c, false);
		errno = saved;
		return -1;
	}
	cursor_stamp(c);
	rc = cursor_read(c, cb, arg, eof);
	saved = errno;
	if (c != &own)
		cursor_put(c, rc == 0 && !*eof);
	else if (c->open)
		close(c->fd);
	errno = saved;
	return rc;
}

void
vfs_readdir_stats(uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&cursors.lock);
	*hits = cursors.hits;
	*misses = cursors.misses;
	pthread_mutex_unlock(&cursors.lock);
}

void
vfs_readdir_close(void)
{
	size_t i;

	pthread_mutex_lock(&cursors.lock);
	for (i = 0; i < CURSOR_MAX; i++)
		if (!cursors.slot[i].busy && cursors.slot[i].open) {
			close(cursors.slot[i].fd);
			cursor_reset(&cursors.slot[i]);
		}
	pthread_mutex_unlock(&cursors.lock);
}
