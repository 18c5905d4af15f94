/*
 * userdb_file.c - files for the userdb: reading the text file with a
 * size bound, replacing a file atomically (temporary file beside it,
 * fsync, rename, fsync of the directory) so that readers and rsync
 * never see half a file, and a lock file serializing writers.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userdb.h"
#include "userdb_impl.h"

#define NEW_FILE_MODE	0600	/* the userdb holds password hashes */
#define LOCK_SUFFIX	".lock"
#define TMP_SUFFIX	".tmp.XXXXXX"

static int
fail_errno(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
	return -1;
}

int
userdb_read_file(const char *path, size_t max, char **text, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail_errno(err, errlen, path, "open");
	if (fstat(fd, &st) != 0) {
		fail_errno(err, errlen, path, "fstat");
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu "
		    "bytes", path, max);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fail_errno(err, errlen, path, "malloc");
		goto fail;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			fail_errno(err, errlen, path, "read");
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

int
userdb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int
userdb_atomic_open(struct userdb_atomic *a, const char *path, mode_t mode,
    char *err, size_t errlen)
{
	gid_t gid = (gid_t)-1;
	struct stat st;
	int n;

	a->fd = -1;
	n = snprintf(a->path, sizeof(a->path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(a->path))
		goto toolong;
	n = snprintf(a->tmp, sizeof(a->tmp), "%s" TMP_SUFFIX, path);
	if (n < 0 || (size_t)n >= sizeof(a->tmp))
		goto toolong;
	if ((a->fd = mkostemp(a->tmp, O_CLOEXEC)) == -1)
		return fail_errno(err, errlen, a->tmp, "create");
	/*
	 * A file being replaced keeps its mode and group, so that an admin
	 * who let the daemons' group read the compiled db keeps it so.
	 */
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		gid = st.st_gid;
	}
	if (fchmod(a->fd, mode) != 0 ||
	    (gid != (gid_t)-1 && fchown(a->fd, (uid_t)-1, gid) != 0)) {
		fail_errno(err, errlen, a->tmp, "chmod/chown");
		userdb_atomic_abort(a);
		return -1;
	}
	return 0;
toolong:
	errno = ENAMETOOLONG;
	return fail_errno(err, errlen, path, "replace");
}

void
userdb_atomic_abort(struct userdb_atomic *a)
{
	if (a->fd == -1)
		return;
	close(a->fd);
	a->fd = -1;
	unlink(a->tmp);
}

static int
sync_dir(const char *path, char *err, size_t errlen)
{
	char copy[PATH_MAX];
	const char *dir;
	int fd, rc;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return fail_errno(err, errlen, dir, "open");
	rc = fsync(fd);
	close(fd);
	if (rc != 0)
		return fail_errno(err, errlen, dir, "fsync");
	return 0;
}

int
userdb_atomic_commit(struct userdb_atomic *a, char *err, size_t errlen)
{
	int fd = a->fd;

	if (fsync(fd) != 0) {
		fail_errno(err, errlen, a->tmp, "fsync");
		userdb_atomic_abort(a);
		return -1;
	}
	a->fd = -1;
	if (close(fd) != 0) {
		fail_errno(err, errlen, a->tmp, "close");
		unlink(a->tmp);
		return -1;
	}
	if (rename(a->tmp, a->path) != 0) {
		fail_errno(err, errlen, a->path, "rename");
		unlink(a->tmp);
		return -1;
	}
	return sync_dir(a->path, err, errlen);
}

int
userdb_write_file(const struct userdb *db, const char *path, char *err,
    size_t errlen)
{
	struct userdb_atomic a;
	struct stat st;
	mode_t mode = NEW_FILE_MODE;
	char *text;
	size_t len;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (userdb_format(db, &text, &len) != 0) {
		snprintf(err, errlen, "%s: cannot format (out of memory or "
		    "a line too long)", path);
		return -1;
	}
	if (userdb_atomic_open(&a, path, mode, err, errlen) != 0) {
		free(text);
		return -1;
	}
	if (userdb_write_all(a.fd, text, len) != 0) {
		fail_errno(err, errlen, a.tmp, "write");
		userdb_atomic_abort(&a);
		free(text);
		return -1;
	}
	free(text);
	return userdb_atomic_commit(&a, err, errlen);
}

int
userdb_lock(const char *path, int *fdp, char *err, size_t errlen)
{
	char lock[PATH_MAX];
	int n, fd;

	*fdp = -1;
	n = snprintf(lock, sizeof(lock), "%s" LOCK_SUFFIX, path);
	if (n < 0 || (size_t)n >= sizeof(lock)) {
		errno = ENAMETOOLONG;
		return fail_errno(err, errlen, path, "lock");
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, NEW_FILE_MODE);
	if (fd == -1)
		return fail_errno(err, errlen, lock, "open");
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			fail_errno(err, errlen, lock, "flock");
			close(fd);
			return -1;
		}
	*fdp = fd;
	return 0;
}

void
userdb_unlock(int *fdp)
{
	if (*fdp == -1)
		return;
	close(*fdp);
	*fdp = -1;
}
