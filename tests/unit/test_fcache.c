/*
 * test_fcache.c - the open-object cache: found by handle, forgotten by
 * inode (only that inode's entries, however many handles it has), a
 * forgotten entry in use stays open until its last user lets go, the
 * oldest entries make room for new ones, and a cache big enough to be
 * split into shards stays within its size and still forgets an inode
 * whichever shards its handles hashed to.
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
	return fcache_add(&h[i], fd, st[i].st_dev, st[i].st_ino);
}

static void
test_forget_by_inode(void)
{
	struct fcache_ent *e, *busy;
	struct handle alias;
	int i;

	CU_ASSERT_FATAL(vfs_fcache_init(64) == 0);
	for (i = 0; i < NFILES; i++)
		fcache_release(add(i));
	/* A second handle (another export) for the inode of f7, in use. */
	alias = h[7];
	alias.export_id = 2;
	busy = fcache_add(&alias, open(dir, O_PATH | O_CLOEXEC),
	    st[7].st_dev, st[7].st_ino);
	CU_ASSERT_FATAL(busy != NULL);

	vfs_fcache_forget(st[7].st_dev, st[7].st_ino);
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
	vfs_fcache_forget(st[7].st_dev, st[7].st_ino + 1000000);	/* none */
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
	/* An evicted entry's inode can still be forgotten: a no-op. */
	vfs_fcache_forget(st[0].st_dev, st[0].st_ino);
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
		e = fcache_add(&k, open(dir, O_PATH | O_CLOEXEC), st[0].st_dev,
		    1000000 + (ino_t)i);
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

	/* Handles of one inode in several exports, so several shards. */
	for (i = 0; i < ALIASES; i++) {
		k = synthetic(10 + (uint32_t)i, 3);
		e = fcache_add(&k, open(dir, O_PATH | O_CLOEXEC), st[3].st_dev,
		    st[3].st_ino);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		fcache_release(e);
	}
	vfs_fcache_forget(st[3].st_dev, st[3].st_ino);
	for (i = 0; i < ALIASES; i++) {
		k = synthetic(10 + (uint32_t)i, 3);
		CU_ASSERT_PTR_NULL(fcache_get(&k));
	}
	vfs_fcache_free();
	CU_ASSERT_EQUAL(open_fds(), fds);
}

static int
suite_fcache(void)
{
	static const struct unit_test tests[] = {
		{ "forget by inode", test_forget_by_inode },
		{ "evict the oldest", test_evict_oldest },
		{ "sharded", test_sharded },
		{ NULL, NULL },
	};
	return unit_add_fixture("fcache", setup, teardown, tests);
}
UNIT_REGISTER(suite_fcache);
