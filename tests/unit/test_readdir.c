/*
 * test_readdir.c - reading a directory from cookies, on a real disk
 * directory and on tmpfs: a listing in many small pieces sees every
 * entry exactly once, even while other entries are added and removed
 * between the pieces, ends with eof, and resumes from any cookie.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "vfs.h"

#define NFILES		600
#define PIECE		7	/* entries per simulated READDIR */
#define MAX_SEEN	(NFILES * 4)

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
		memset(&p, 0, sizeof(p));
		CU_ASSERT_EQUAL_FATAL(vfs_readdir(dfd, cookie, take, &p, &eof),
		    0);
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
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(vfs_readdir(dfd, 0, take, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, 3);		/* ".", "..", "f1" */
	CU_ASSERT_TRUE(eof);
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(vfs_readdir(dfd, 0, take, &p, &eof), 0);
	memset(&p.names, 0, sizeof(p.names));
	p.n = 0;
	CU_ASSERT_EQUAL(vfs_readdir(dfd, p.last, take, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, 0);
	CU_ASSERT_TRUE(eof);
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

int
suite_readdir(void)
{
	static const struct unit_test tests[] = {
		{ "disk", test_disk },
		{ "tmpfs", test_tmpfs },
		{ "eof", test_eof },
		{ NULL, NULL },
	};

	return unit_add_suite("readdir", tests);
}
