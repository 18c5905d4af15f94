/*
 * wl_listing.c - the listing workload: one operation reads a whole
 * directory of --entries files with getdents64 (32 KiB at a time, as
 * READDIRPLUS replies come) and fstatat's every entry, and checks that
 * it saw exactly --entries names.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diskbench.h"

#define LISTING_PREFIX	"e"

static int listing_fd = -1;

/*
 * The directory with exactly --entries names, list.N as nfsbench names
 * it (reused if it has them; one per size, so runs of several sizes
 * never remake each other's).
 */
static int
prepare_listing(void)
{
	char dir[32];
	uint64_t n = 0;

	snprintf(dir, sizeof(dir), "list.%u", D.o.entries);
	if ((listing_fd = open_dir(D.workfd, dir, true)) == -1)
		return -1;
	if (count_entries(listing_fd, &n) == 0 && n == D.o.entries)
		return 0;
	close(listing_fd);
	listing_fd = -1;
	if (remove_tree(D.workfd, dir) != 0) {
		seterr("remove %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((listing_fd = open_dir(D.workfd, dir, true)) == -1)
		return -1;
	return create_names(listing_fd, LISTING_PREFIX, D.o.entries);
}

/* Every entry of one 32 KiB getdents64 batch, stat'ed; counts names. */
static int
list_batch(struct worker *w, int dirfd, ssize_t n, uint64_t *count)
{
	struct dirent64 *de;
	struct stat st;

	for (ssize_t off = 0; off < n; off += de->d_reclen) {
		de = (struct dirent64 *)(void *)(w->buf + off);
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1) {
			op_fail(w, "fstatat");
			return -1;
		}
		(*count)++;
	}
	return 0;
}

static int
op_listing(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	uint64_t count = 0;
	ssize_t n;
	int fd;

	(void)seq;
	(void)bytes;
	fd = openat(listing_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		op_fail(w, "open directory");
		return -1;
	}
	while ((n = getdents64(fd, w->buf, DB_DIRBUF)) > 0)
		if (list_batch(w, fd, n, &count) != 0) {
			close(fd);
			return -1;
		}
	close(fd);
	if (n == -1) {
		op_fail(w, "getdents64");
		return -1;
	}
	if (count != D.o.entries) {
		errno = EIO;
		op_fail(w, "entry count differs from --entries");
		return -1;
	}
	return 0;
}

static void
cleanup_listing(void)
{
	if (listing_fd != -1)
		close(listing_fd);
	listing_fd = -1;
}

const struct workload wl_listing = { "listing", "getdents64 + fstatat of "
    "every entry of a directory of --entries files (READDIRPLUS of all of "
    "it); one op is the whole directory, its count checked",
    prepare_listing, op_listing, NULL, cleanup_listing, false };
