/*
 * test_readdir.c - reading a directory from cookies, on a real disk
 * directory and on tmpfs: a listing in many small pieces sees every
 * entry exactly once, even while other entries are added and removed
 * between the pieces, ends with eof, and resumes from any cookie.  In
 * a directory nobody changes, the pieces after the first go on from
 * the directory the last one kept open, unless another identity asks;
 * a change in between opens it afresh, and so does a piece after one
 * that read in the clock tick of the directory's last change (a change
 * later in that tick might not move a coarse ctime).  More listings at
 * once than there are kept directories still see every entry once each.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "vfs.h"

#define NFILES		600
#define PIECE		7	/* entries per simulated READDIR */
#define MAX_SEEN	(NFILES * 4)
#define NLISTINGS	70	/* at once: more than the kept directories */

static const struct export_cred owner = { .uid = 0, .gid = 0 };

struct piece {
	unsigned	 n;
	uint64_t	 last;		/* cookie after the last taken */
	char		 names[PIECE][32];
};

static int
take(const struct vfs_dirent *e, void *arg)
{
	struct piece *p = arg;

	if (p->n == PIECE)
		return 1;
	snprintf(p->names[p->n], sizeof(p->names[0]), "%s", e->name);
	p->n++;
	p->last = e->cookie;
	return 0;
}

/* One simulated READDIR of dfd from cookie into a fresh p. */
static int
piece(int dfd, const struct export_cred *cred, uint64_t cookie,
    struct piece *p, bool *eof)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (fstat(dfd, &st) == -1)
		return -1;
	return vfs_readdir(dfd, &st, cred, cookie, take, p, eof);
}

/* Let the clock tick past the directory's last change (ticks <= 10 ms). */
static void
settle(void)
{
	usleep(20 * 1000);
}

static uint64_t
kept_hits(void)
{
	uint64_t hits, misses;

	vfs_readdir_stats(&hits, &misses);
	return hits;
}

static int
touch(const char *dir, const char *prefix, int i)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s%d", dir, prefix, i);
	if ((fd = open(path, O_CREAT | O_WRONLY, 0600)) == -1)
		return -1;
	return close(fd);
}

static int
seen_index(const char *name)
{
	int i;

	if (sscanf(name, "f%d", &i) != 1 || i < 0 || i >= NFILES)
		return -1;
	return i;
}

/* List dir in pieces, churning other files in between. */
static void
list_with_churn(const char *base)
{
	char dir[256], path[512];
	unsigned count[NFILES] = { 0 }, pieces = 0, i;
	struct piece p;
	uint64_t cookie = 0;
	bool eof = false;
	int dfd, k, idx, churn = 0;

	snprintf(dir, sizeof(dir), "%s/readdirtest.XXXXXX", base);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	for (k = 0; k < NFILES; k++)
		CU_ASSERT_EQUAL_FATAL(touch(dir, "f", k), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_NOT_EQUAL_FATAL(dfd, -1);
	while (!eof && pieces < MAX_SEEN) {
		CU_ASSERT_EQUAL_FATAL(piece(dfd, &owner, cookie, &p, &eof), 0);
		for (i = 0; i < p.n; i++)
			if ((idx = seen_index(p.names[i])) >= 0)
				count[idx]++;
		if (p.n > 0)
			cookie = p.last;
		pieces++;
		/* Mail arrives and is deleted between the client's calls. */
		CU_ASSERT_EQUAL(touch(dir, "new", churn), 0);
		if (churn >= 3) {
			snprintf(path, sizeof(path), "%s/new%d", dir,
			    churn - 3);
			CU_ASSERT_EQUAL(unlink(path), 0);
		}
		churn++;
	}
	CU_ASSERT_TRUE(eof);
	for (k = 0; k < NFILES; k++)
		if (count[k] != 1) {
			CU_FAIL("an entry not seen exactly once");
			break;
		}
	close(dfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

static void
test_disk(void)
{
	list_with_churn("/var/tmp");
}

static void
test_tmpfs(void)
{
	struct stat st;

	if (stat("/dev/shm", &st) == -1)
		return;		/* no tmpfs here */
	list_with_churn("/dev/shm");
}

/* eof comes with the last entry, and a cookie at the end gives none. */
static void
test_eof(void)
{
	char dir[] = "/var/tmp/readdireof.XXXXXX", cmd[128];
	struct piece p;
	bool eof;
	int dfd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(touch(dir, "f", 1), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_NOT_EQUAL_FATAL(dfd, -1);
	CU_ASSERT_EQUAL(piece(dfd, &owner, 0, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, 3);		/* ".", "..", "f1" */
	CU_ASSERT_TRUE(eof);
	CU_ASSERT_EQUAL(piece(dfd, &owner, 0, &p, &eof), 0);
	CU_ASSERT_EQUAL(piece(dfd, &owner, p.last, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, 0);
	CU_ASSERT_TRUE(eof);
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void
make_dir(char *dir, size_t len)
{
	int k;

	snprintf(dir, len, "/var/tmp/readdirkeep.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	for (k = 0; k < NFILES; k++)
		CU_ASSERT_EQUAL_FATAL(touch(dir, "f", k), 0);
}

static void
remove_dir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A fresh directory of NFILES files, opened, its clock tick past. */
static int
dir_begin(char *dir, size_t len)
{
	int dfd;

	vfs_readdir_close();
	make_dir(dir, len);
	settle();
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_NOT_EQUAL_FATAL(dfd, -1);
	return dfd;
}

static void
dir_end(int dfd, const char *dir)
{
	close(dfd);
	vfs_readdir_close();
	remove_dir(dir);
}

/* From cookie, the next piece opens afresh; the one after goes on. */
static void
expect_afresh_then_kept(int dfd, uint64_t cookie)
{
	uint64_t hits = kept_hits();
	struct piece p;
	bool eof;

	CU_ASSERT_EQUAL(piece(dfd, &owner, cookie, &p, &eof), 0);
	CU_ASSERT_EQUAL(kept_hits(), hits);
	CU_ASSERT_EQUAL(piece(dfd, &owner, p.last, &p, &eof), 0);
	CU_ASSERT_EQUAL(kept_hits(), hits + 1);
}

/*
 * Listing an unchanged directory in pieces goes on from the kept one;
 * after a change, the next piece opens it again, and the one after
 * that goes on again.
 */
static void
test_kept(void)
{
	struct piece p;
	uint64_t cookie = 0, hits;
	unsigned pieces = 0;
	char dir[64], path[128];
	bool eof = false;
	int dfd;

	dfd = dir_begin(dir, sizeof(dir));
	hits = kept_hits();
	while (!eof && pieces < MAX_SEEN) {
		CU_ASSERT_EQUAL_FATAL(piece(dfd, &owner, cookie, &p, &eof), 0);
		cookie = p.last;
		pieces++;
	}
	CU_ASSERT_TRUE(eof);
	CU_ASSERT_EQUAL(kept_hits() - hits, pieces - 1);

	CU_ASSERT_EQUAL(piece(dfd, &owner, 0, &p, &eof), 0);
	snprintf(path, sizeof(path), "%s/f0", dir);
	CU_ASSERT_EQUAL(unlink(path), 0);
	settle();
	expect_afresh_then_kept(dfd, p.last);
	dir_end(dfd, dir);
}

static void
coarse_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME_COARSE, ts);
}

/*
 * A piece read in the tick of the directory's last change is not gone
 * on from: the next piece opens afresh, and the one after that (its
 * read well after the change) goes on.
 */
static void
test_same_tick(void)
{
	struct timespec t0, t1;
	struct piece p;
	char dir[64];
	bool eof;
	int dfd, tries;

	dfd = dir_begin(dir, sizeof(dir));
	for (tries = 0; tries < 20; tries++) {
		settle();
		coarse_now(&t0);
		CU_ASSERT_EQUAL_FATAL(touch(dir, "g", tries), 0);
		CU_ASSERT_EQUAL_FATAL(piece(dfd, &owner, 0, &p, &eof), 0);
		coarse_now(&t1);
		if (t0.tv_sec == t1.tv_sec && t0.tv_nsec == t1.tv_nsec)
			break;		/* change and read in one tick */
	}
	CU_ASSERT_TRUE_FATAL(tries < 20);
	settle();
	expect_afresh_then_kept(dfd, p.last);
	dir_end(dfd, dir);
}

/* Another identity going on from the same cookie gets its own. */
static void
test_identity(void)
{
	static const struct export_cred other = { .uid = 1000, .gid = 1000 };
	struct piece first, mine, theirs;
	char dir[64];
	uint64_t hits;
	bool eof;
	int dfd;

	dfd = dir_begin(dir, sizeof(dir));
	CU_ASSERT_EQUAL(piece(dfd, &owner, 0, &first, &eof), 0);
	hits = kept_hits();
	CU_ASSERT_EQUAL(piece(dfd, &other, first.last, &theirs, &eof), 0);
	CU_ASSERT_EQUAL(kept_hits(), hits);
	CU_ASSERT_EQUAL(piece(dfd, &owner, first.last, &mine, &eof), 0);
	CU_ASSERT_EQUAL(kept_hits(), hits + 1);
	/* both read the same entries from there */
	CU_ASSERT_EQUAL(mine.n, PIECE);
	CU_ASSERT_EQUAL(theirs.n, PIECE);
	CU_ASSERT_EQUAL(memcmp(mine.names, theirs.names, sizeof(mine.names)),
	    0);
	CU_ASSERT_EQUAL(mine.last, theirs.last);
	dir_end(dfd, dir);
}

/* More listings at once than kept directories: each sees all, once. */
static void
test_many(void)
{
	static unsigned count[NLISTINGS][NFILES];
	uint64_t cookie[NLISTINGS] = { 0 };
	bool eof[NLISTINGS] = { false }, all;
	unsigned rounds = 0, i;
	struct piece p;
	char dir[64];
	int dfd, l, k, idx;

	memset(count, 0, sizeof(count));
	dfd = dir_begin(dir, sizeof(dir));
	do {
		all = true;
		for (l = 0; l < NLISTINGS; l++) {
			if (eof[l])
				continue;
			CU_ASSERT_EQUAL_FATAL(piece(dfd, &owner, cookie[l], &p,
			    &eof[l]), 0);
			for (i = 0; i < p.n; i++)
				if ((idx = seen_index(p.names[i])) >= 0)
					count[l][idx]++;
			if (p.n > 0)
				cookie[l] = p.last;
			all = all && eof[l];
		}
	} while (!all && ++rounds < MAX_SEEN);
	CU_ASSERT_TRUE(all);
	for (l = 0; l < NLISTINGS; l++)
		for (k = 0; k < NFILES; k++)
			if (count[l][k] != 1) {
				CU_FAIL("an entry not seen exactly once");
				l = NLISTINGS;
				break;
			}
	dir_end(dfd, dir);
}

int
suite_readdir(void)
{
	static const struct unit_test tests[] = {
		{ "disk", test_disk },
		{ "tmpfs", test_tmpfs },
		{ "eof", test_eof },
		{ "kept", test_kept },
		{ "same tick", test_same_tick },
		{ "identity", test_identity },
		{ "many", test_many },
		{ NULL, NULL },
	};

	return unit_add_suite("readdir", tests);
}
