/*
 * test_readdir.c - reading a directory from cookies, on a real disk
 * directory and on tmpfs: a listing in many small pieces sees every
 * entry exactly once, even while other entries are added and removed
 * between the pieces, whether each piece opens the directory afresh or
 * goes on with the stream the last one kept; it ends with eof, and
 * resumes from any cookie.  A kept stream goes only to a call from its
 * cookie with the credentials that opened it, and at most
 * VFS_DIRSTREAMS_MAX are kept.
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

static const struct export_cred cred_a = { .uid = 1000, .gid = 100 };

/* The directory as a resolved object (descriptor and attributes). */
static void
dir_obj(const char *dir, struct vfs_obj *obj)
{
	memset(obj, 0, sizeof(*obj));
	obj->fd = open(dir, O_RDONLY | O_DIRECTORY);
	CU_ASSERT_NOT_EQUAL_FATAL(obj->fd, -1);
	CU_ASSERT_EQUAL_FATAL(fstat(obj->fd, &obj->st), 0);
}

/* One call's worth: read a piece from cookie, keep the stream if asked. */
static int
read_piece(const struct vfs_obj *obj, const struct export_cred *cred,
    uint64_t cookie, bool keep, struct piece *p, bool *eof)
{
	struct vfs_dirstream *ds;
	int rc;

	memset(p, 0, sizeof(*p));
	p->last = cookie;
	if ((ds = vfs_dir_open(obj, cred, cookie)) == NULL)
		return -1;
	rc = vfs_dir_read(ds, take, p, eof);
	vfs_dir_close(ds, keep && rc == 0 && !*eof);
	return rc;
}

/* List dir in pieces, churning other files in between. */
static void
list_with_churn(const char *base, bool keep)
{
	char dir[256], path[512];
	unsigned count[NFILES] = { 0 }, pieces = 0, i;
	struct vfs_obj obj;
	struct piece p;
	uint64_t cookie = 0;
	bool eof = false;
	int k, idx, churn = 0;

	snprintf(dir, sizeof(dir), "%s/readdirtest.XXXXXX", base);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	for (k = 0; k < NFILES; k++)
		CU_ASSERT_EQUAL_FATAL(touch(dir, "f", k), 0);
	dir_obj(dir, &obj);
	while (!eof && pieces < MAX_SEEN) {
		CU_ASSERT_EQUAL_FATAL(read_piece(&obj, &cred_a, cookie, keep,
		    &p, &eof), 0);
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
	vfs_dir_cache_free();
	close(obj.fd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(path), 0);
}

static void
test_disk(void)
{
	list_with_churn("/var/tmp", false);
	list_with_churn("/var/tmp", true);
}

static void
test_tmpfs(void)
{
	struct stat st;

	if (stat("/dev/shm", &st) == -1)
		return;		/* no tmpfs here */
	list_with_churn("/dev/shm", false);
	list_with_churn("/dev/shm", true);
}

/* A kept stream's descriptor, when the next open from cookie gets it. */
static bool
reuses(const struct vfs_obj *obj, const struct export_cred *cred,
    uint64_t cookie, int kept_fd)
{
	struct vfs_dirstream *ds = vfs_dir_open(obj, cred, cookie);
	bool same;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
	same = vfs_dir_fd(ds) == kept_fd;
	vfs_dir_close(ds, false);
	return same;
}

/* Keep the stream of a first piece; its descriptor through *fd. */
static uint64_t
keep_first_piece(const struct vfs_obj *obj, const struct export_cred *cred,
    int *fd)
{
	struct vfs_dirstream *ds = vfs_dir_open(obj, cred, 0);
	struct piece p;
	bool eof;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(vfs_dir_read(ds, take, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, PIECE);
	CU_ASSERT_FALSE(eof);
	*fd = vfs_dir_fd(ds);
	vfs_dir_close(ds, true);
	return p.last;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
test_kept(void)
{
	char dir[] = "/var/tmp/readdirkept.XXXXXX", cmd[128];
	struct export_cred cred_b = cred_a, cred_g = cred_a;
	struct vfs_obj obj, other;
	struct vfs_dirstream *ds;
	uint64_t cookie;
	int fd, k, before;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	for (k = 0; k < 40; k++)
		CU_ASSERT_EQUAL_FATAL(touch(dir, "f", k), 0);
	dir_obj(dir, &obj);
	cred_b.uid = 1001;
	cred_g.ngids = 1;
	cred_g.gids[0] = 5;

	cookie = keep_first_piece(&obj, &cred_a, &fd);
	CU_ASSERT_TRUE(reuses(&obj, &cred_a, cookie, fd));
	/* taken: it is not there for a second call at once */
	cookie = keep_first_piece(&obj, &cred_a, &fd);
	ds = vfs_dir_open(&obj, &cred_a, cookie);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
	CU_ASSERT_EQUAL(vfs_dir_fd(ds), fd);
	CU_ASSERT_FALSE(reuses(&obj, &cred_a, cookie, fd));
	vfs_dir_close(ds, false);
	/* other credentials, another cookie, another directory: not it */
	cookie = keep_first_piece(&obj, &cred_a, &fd);
	CU_ASSERT_FALSE(reuses(&obj, &cred_b, cookie, fd));
	CU_ASSERT_FALSE(reuses(&obj, &cred_g, cookie, fd));
	CU_ASSERT_FALSE(reuses(&obj, &cred_a, cookie + 1, fd));
	dir_obj("/var/tmp", &other);
	CU_ASSERT_FALSE(reuses(&other, &cred_a, cookie, fd));
	CU_ASSERT_TRUE(reuses(&obj, &cred_a, cookie, fd));
	close(other.fd);

	/* bounded: many kept streams hold VFS_DIRSTREAMS_MAX descriptors */
	vfs_dir_cache_free();
	before = open_fds();
	for (k = 0; k < 3 * VFS_DIRSTREAMS_MAX; k++)
		(void)keep_first_piece(&obj, &cred_a, &fd);
	CU_ASSERT_EQUAL(open_fds(), before + VFS_DIRSTREAMS_MAX);
	vfs_dir_cache_free();
	CU_ASSERT_EQUAL(open_fds(), before);

	close(obj.fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* eof comes with the last entry, and a cookie at the end gives none. */
static void
test_eof(void)
{
	char dir[] = "/var/tmp/readdireof.XXXXXX", cmd[128];
	struct vfs_obj obj;
	struct piece p;
	uint64_t end;
	bool eof;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL_FATAL(touch(dir, "f", 1), 0);
	dir_obj(dir, &obj);
	CU_ASSERT_EQUAL(read_piece(&obj, &cred_a, 0, true, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, 3);		/* ".", "..", "f1" */
	CU_ASSERT_TRUE(eof);
	end = p.last;
	CU_ASSERT_EQUAL(read_piece(&obj, &cred_a, end, true, &p, &eof), 0);
	CU_ASSERT_EQUAL(p.n, 0);
	CU_ASSERT_TRUE(eof);
	close(obj.fd);
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
		{ "kept streams", test_kept },
		{ NULL, NULL },
	};

	return unit_add_suite("readdir", tests);
}
