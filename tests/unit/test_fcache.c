/*
 * test_fcache.c - the open-object cache: found by handle, forgotten by
 * kernel handle (only that object's entries, in every export), a
 * forgotten entry in use stays open until its last user lets go, the
 * oldest entries make room for new ones, a cache big enough to be
 * split into shards stays within its size, a file noted before it is
 * unlinked (vfs_gone_note) is forgotten after, and a file kept with
 * the descriptor that created it is written through that descriptor
 * and closed once.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "unit.h"
#include "vfs.h"

#define NFILES	40

static char dir[] = "/tmp/fcachetest.XXXXXX";
static struct handle h[NFILES];
static struct stat st[NFILES];

static int
setup(void)
{
	char path[64];
	int i, fd;

	if (mkdtemp(dir) == NULL)
		return -1;
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) == -1 ||
		    fstat(fd, &st[i]) == -1)
			return -1;
		close(fd);
		memset(&h[i], 0, sizeof(h[i]));
		h[i].export_id = 1;
		h[i].type = 1;
		h[i].len = sizeof(int);
		memcpy(h[i].kernel, &i, sizeof(int));
	}
	return 0;
}

static int
teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct fcache_ent *
add(int i)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/f%d", dir, i);
	fd = open(path, O_PATH | O_CLOEXEC);
	CU_ASSERT_FATAL(fd != -1);
	return fcache_add(&h[i], fd);
}

static void
test_forget_everywhere(void)
{
	struct fcache_ent *e, *busy;
	struct handle alias;
	int i;

	CU_ASSERT_FATAL(vfs_fcache_init(64) == 0);
	for (i = 0; i < NFILES; i++)
		fcache_release(add(i));
	/* f7's handle in another export, in use. */
	alias = h[7];
	alias.export_id = 2;
	busy = fcache_add(&alias, open(dir, O_PATH | O_CLOEXEC));
	CU_ASSERT_FATAL(busy != NULL);

	alias.export_id = 0;		/* as vfs_gone_note fills it */
	fcache_forget(&alias);
	CU_ASSERT_PTR_NULL(fcache_get(&h[7]));
	CU_ASSERT_PTR_NULL(fcache_get(&alias));
	CU_ASSERT_TRUE(fcntl(fcache_pathfd(busy), F_GETFD) != -1);
	fcache_release(busy);			/* its last user: closed */
	for (i = 0; i < NFILES; i++) {
		if (i == 7)
			continue;
		e = fcache_get(&h[i]);
		CU_ASSERT_PTR_NOT_NULL(e);
		if (e != NULL)
			fcache_release(e);
	}
	fcache_forget(&h[NFILES - 1]);
	CU_ASSERT_PTR_NULL(fcache_get(&h[NFILES - 1]));
	fcache_forget(&h[NFILES - 1]);		/* not there: nothing */
	vfs_fcache_free();
}

static void
test_evict_oldest(void)
{
	struct fcache_ent *e;
	int i;

	CU_ASSERT_FATAL(vfs_fcache_init(8) == 0);
	for (i = 0; i < 12; i++)
		fcache_release(add(i));
	for (i = 0; i < 4; i++)
		CU_ASSERT_PTR_NULL(fcache_get(&h[i]));
	for (i = 4; i < 12; i++) {
		e = fcache_get(&h[i]);
		CU_ASSERT_PTR_NOT_NULL(e);
		if (e != NULL)
			fcache_release(e);
	}
	/* An evicted entry can still be forgotten: a no-op. */
	fcache_forget(&h[0]);
	vfs_fcache_free();
}

static int
open_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

#define SHARDED_SIZE	512		/* 8 shards of 64 */
#define SHARDED_ADDS	(SHARDED_SIZE * 4)
#define ALIASES		8

static struct handle
synthetic(uint32_t export_id, int i)
{
	struct handle k;

	memset(&k, 0, sizeof(k));
	k.export_id = export_id;
	k.type = 1;
	k.len = sizeof(int);
	memcpy(k.kernel, &i, sizeof(int));
	return k;
}

static void
test_sharded(void)
{
	struct fcache_ent *e;
	struct handle k;
	int i, found = 0, fds = open_fds();

	CU_ASSERT_FATAL(vfs_fcache_init(SHARDED_SIZE) == 0);
	for (i = 0; i < SHARDED_ADDS; i++) {
		k = synthetic(3, i);
		e = fcache_add(&k, open(dir, O_PATH | O_CLOEXEC));
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		fcache_release(e);
	}
	/* Every shard got more than its share: each is full, no more. */
	for (i = 0; i < SHARDED_ADDS; i++) {
		k = synthetic(3, i);
		if ((e = fcache_get(&k)) != NULL) {
			found++;
			fcache_release(e);
		}
	}
	CU_ASSERT_EQUAL(found, SHARDED_SIZE);
	CU_ASSERT_TRUE(open_fds() <= fds + SHARDED_SIZE);
	k = synthetic(3, SHARDED_ADDS - 1);	/* the newest stays */
	CU_ASSERT_PTR_NOT_NULL(e = fcache_get(&k));
	if (e != NULL)
		fcache_release(e);

	/* One object's handle in several exports: all forgotten at once. */
	for (i = 0; i < ALIASES; i++) {
		k = synthetic(10 + (uint32_t)i, 3);
		e = fcache_add(&k, open(dir, O_PATH | O_CLOEXEC));
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		fcache_release(e);
	}
	k = synthetic(0, 3);
	fcache_forget(&k);
	for (i = 0; i < ALIASES; i++) {
		k = synthetic(10 + (uint32_t)i, 3);
		CU_ASSERT_PTR_NULL(fcache_get(&k));
	}
	vfs_fcache_free();
	CU_ASSERT_EQUAL(open_fds(), fds);
}

static void
test_gone(void)
{
	struct fcache_ent *e;
	struct vfs_gone gone, none;
	struct handle k;
	char path[64];
	int dirfd;

	CU_ASSERT_FATAL(vfs_fcache_init(64) == 0);
	snprintf(path, sizeof(path), "%s/gone", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CU_ASSERT_FATAL(handle_from_path(path, 5, &k) == 0);
	e = fcache_add(&k, open(path, O_PATH | O_CLOEXEC));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	fcache_release(e);

	CU_ASSERT_FATAL((dirfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1);
	vfs_gone_note(dirfd, "gone", &gone);
	CU_ASSERT_TRUE(gone.known);
	vfs_gone_note(dirfd, "never-there", &none);
	CU_ASSERT_FALSE(none.known);
	CU_ASSERT_FATAL(unlinkat(dirfd, "gone", 0) == 0);
	vfs_gone_forget(&none);			/* nothing to forget */
	CU_ASSERT_PTR_NOT_NULL(e = fcache_get(&k));
	if (e != NULL)
		fcache_release(e);
	vfs_gone_forget(&gone);
	CU_ASSERT_PTR_NULL(fcache_get(&k));
	close(dirfd);
	vfs_fcache_free();
}

static void
test_keep(void)
{
	struct fcache_ent *e;
	struct handle k;
	char path[64];
	int fd, again, fds = open_fds();

	CU_ASSERT_FATAL(vfs_fcache_init(64) == 0);
	snprintf(path, sizeof(path), "%s/kept", dir);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0400);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_FATAL(handle_from_path(path, 5, &k) == 0);
	fcache_keep(&k, fd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e = fcache_get(&k));
	CU_ASSERT_EQUAL(fcache_pathfd(e), fd);
	CU_ASSERT_EQUAL(fcache_iofd(e, false), fd);	/* not opened again */
	CU_ASSERT_EQUAL(open_fds(), fds + 1);
	CU_ASSERT_EQUAL(pwrite(fcache_iofd(e, false), "mail", 4, 0), 4);
	fcache_release(e);

	/* Kept again (h already there): the new descriptor is closed. */
	CU_ASSERT_FATAL((again = open(path, O_RDONLY | O_CLOEXEC)) != -1);
	fcache_keep(&k, again);
	CU_ASSERT_EQUAL(open_fds(), fds + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e = fcache_get(&k));
	CU_ASSERT_EQUAL(fcache_iofd(e, false), fd);
	fcache_release(e);

	fcache_forget(&k);
	CU_ASSERT_EQUAL(open_fds(), fds);
	CU_ASSERT_EQUAL(unlink(path), 0);
	vfs_fcache_free();
}

static int
suite_fcache(void)
{
	static const struct unit_test tests[] = {
		{ "forget in every export", test_forget_everywhere },
		{ "evict the oldest", test_evict_oldest },
		{ "sharded", test_sharded },
		{ "a removed file is forgotten", test_gone },
		{ "kept with its creator's descriptor", test_keep },
		{ NULL, NULL },
	};
	return unit_add_fixture("fcache", setup, teardown, tests);
}
UNIT_REGISTER(suite_fcache);
