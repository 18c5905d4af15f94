/*
 * fixture.c - the work directory inside the target and the fixtures the
 * workloads share (directories, files of a given size, many names):
 * made untimed, reused when they are already there and valid, and
 * removed again at the end (unless --keep).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diskbench.h"

#define FILL_CHUNK	DB_SEQ_XFER
#define REMOVE_DEPTH	8		/* work/<wl>/<box>/<tmp>/file */

void
seterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(D.err, sizeof(D.err), fmt, ap);
	va_end(ap);
}

/* parent/name as a directory descriptor (made first if create). */
int
open_dir(int parent, const char *name, bool create)
{
	int fd;

	if (create && mkdirat(parent, name, 0755) == -1 && errno != EEXIST) {
		seterr("mkdir %s: %s", name, strerror(errno));
		return -1;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		seterr("open directory %s: %s", name, strerror(errno));
	return fd;
}

/* Setup done: on disk, so its writeback does not land in the timing. */
int
sync_fixtures(void)
{
	if (syncfs(D.workfd) == -1) {
		seterr("syncfs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* What an NFS server does before it answers a namespace operation. */
int
sync_dir(int dirfd)
{
	return fsync(dirfd);
}

int
write_all(int fd, const char *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, buf, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* A regular file of exactly size bytes of data (reused if it is one);
 * not synced: the caller syncs the file system once (sync_fixtures). */
int
ensure_file(int dirfd, const char *name, uint64_t size)
{
	struct stat st;
	uint64_t off;
	size_t n;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == size &&
	    (uint64_t)st.st_blocks * 512 >= size)
		return 0;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd == -1) {
		seterr("create %s: %s", name, strerror(errno));
		return -1;
	}
	for (off = 0; off < size; off += n) {
		n = size - off < FILL_CHUNK ? (size_t)(size - off) : FILL_CHUNK;
		if (write_all(fd, D.wbuf, n, off) != 0) {
			seterr("write %s: %s", name, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* Empty files prefix0 .. prefix(n-1) in dirfd (existing ones stay). */
int
create_names(int dirfd, const char *prefix, unsigned n)
{
	char name[DB_NAME_MAX];
	int fd;

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%u", prefix, i);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd == -1) {
			seterr("create %s: %s", name, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return sync_fixtures();
}

/* How many entries (not . and ..) a directory has. */
int
count_entries(int dirfd, uint64_t *n)
{
	struct dirent *de;
	DIR *d;
	int fd;

	*n = 0;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			(*n)++;
	closedir(d);
	return 0;
}

static int
remove_below(int dirfd)
{
	struct dirent *de;
	DIR *d;
	int fd, r, rc = 0;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR)
			r = remove_tree(dirfd, de->d_name);
		else if ((r = unlinkat(dirfd, de->d_name, 0)) == -1 &&
		    errno == EISDIR)
			r = remove_tree(dirfd, de->d_name);
		if (r != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* Remove parent/name and everything below it (bounded depth). */
int
remove_tree(int parent, const char *name)
{
	static _Thread_local int depth;
	int fd, rc;

	if (depth >= REMOVE_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	depth++;
	rc = remove_below(fd);
	depth--;
	close(fd);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) == -1)
		rc = -1;
	return rc;
}

int
work_open(void)
{
	int top;

	top = open(D.o.target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top == -1) {
		seterr("%s: %s", D.o.target, strerror(errno));
		return -1;
	}
	D.workfd = open_dir(top, D.o.dir, true);
	close(top);
	return D.workfd == -1 ? -1 : 0;
}

int
work_remove(void)
{
	int top, rc;

	top = open(D.o.target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top == -1)
		return -1;
	close(D.workfd);
	D.workfd = -1;
	rc = remove_tree(top, D.o.dir);
	if (rc != 0)
		seterr("remove %s/%s: %s", D.o.target, D.o.dir,
		    strerror(errno));
	close(top);
	return rc;
}
