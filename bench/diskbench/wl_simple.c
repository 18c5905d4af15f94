/*
 * wl_simple.c - the one-syscall workloads: getattr (fstat of one open
 * file, as a server holding the handle's descriptor does), lookup
 * (fstatat of a random existing name in a directory of LOOKUP_FILES
 * files), read and write (4 KiB pread/pwrite at random 4 KiB-aligned
 * offsets of a --file-size file; writes not synced, like UNSTABLE).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diskbench.h"

#define LOOKUP_FILES	1000
#define LOOKUP_PREFIX	"f"

static int attr_fd = -1, lookup_fd = -1, data_fd = -1;

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* ------------------------------------------------------------ getattr */

static int
prepare_getattr(void)
{
	if (ensure_file(D.workfd, "attr", 0) != 0 || sync_fixtures() != 0)
		return -1;
	attr_fd = openat(D.workfd, "attr", O_RDONLY | O_CLOEXEC);
	if (attr_fd == -1) {
		seterr("open attr: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
op_getattr(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	struct stat st;

	(void)seq;
	(void)bytes;
	if (fstat(attr_fd, &st) == -1) {
		op_fail(w, "fstat");
		return -1;
	}
	return 0;
}

static void
cleanup_getattr(void)
{
	close_fd(&attr_fd);
}

const struct workload wl_getattr = { "getattr", "fstat of one open file "
    "(GETATTR of one file's handle)", prepare_getattr, op_getattr, NULL,
    cleanup_getattr, false };

/* ------------------------------------------------------------ lookup */

static int
prepare_lookup(void)
{
	if ((lookup_fd = open_dir(D.workfd, "lookup", true)) == -1)
		return -1;
	return create_names(lookup_fd, LOOKUP_PREFIX, LOOKUP_FILES);
}

static int
op_lookup(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	char name[DB_NAME_MAX];
	struct stat st;

	(void)seq;
	(void)bytes;
	snprintf(name, sizeof(name), LOOKUP_PREFIX "%u",
	    (unsigned)rnd_below(w, LOOKUP_FILES));
	if (fstatat(lookup_fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		op_fail(w, "fstatat");
		return -1;
	}
	return 0;
}

static void
cleanup_lookup(void)
{
	close_fd(&lookup_fd);
}

const struct workload wl_lookup = { "lookup", "fstatat of a random "
    "existing name in a directory of 1,000 files (LOOKUP)", prepare_lookup,
    op_lookup, NULL, cleanup_lookup, false };

/* ------------------------------------------------------------ read/write */

static int
prepare_data(void)
{
	if (D.o.file_size < DB_IO_XFER) {
		seterr("--file-size must be at least %d", DB_IO_XFER);
		return -1;
	}
	if (ensure_file(D.workfd, "data", D.o.file_size) != 0 ||
	    sync_fixtures() != 0)
		return -1;
	data_fd = openat(D.workfd, "data", O_RDWR | O_CLOEXEC);
	if (data_fd == -1) {
		seterr("open data: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t
random_block(struct worker *w)
{
	return rnd_below(w, D.o.file_size / DB_IO_XFER) * DB_IO_XFER;
}

static int
op_read(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	ssize_t n;

	(void)seq;
	n = pread(data_fd, w->buf, DB_IO_XFER, (off_t)random_block(w));
	if (n != DB_IO_XFER) {
		if (n >= 0)
			errno = EIO;
		op_fail(w, n >= 0 ? "short pread" : "pread");
		return -1;
	}
	*bytes = DB_IO_XFER;
	return 0;
}

static int
op_write(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	ssize_t n;

	(void)seq;
	n = pwrite(data_fd, D.wbuf, DB_IO_XFER, (off_t)random_block(w));
	if (n != DB_IO_XFER) {
		if (n >= 0)
			errno = EIO;
		op_fail(w, n >= 0 ? "short pwrite" : "pwrite");
		return -1;
	}
	*bytes = DB_IO_XFER;
	return 0;
}

static void
cleanup_data(void)
{
	close_fd(&data_fd);
}

const struct workload wl_read = { "read", "pread of 4 KiB at a random "
    "offset of the --file-size file (READ; the page cache serves it)",
    prepare_data, op_read, NULL, cleanup_data, false };
const struct workload wl_write = { "write", "pwrite of 4 KiB at a random "
    "offset of the --file-size file, no fsync (WRITE UNSTABLE)",
    prepare_data, op_write, NULL, cleanup_data, false };
