/*
 * test_errmap.c - errno to nfsstat3: every errno a filesystem call
 * gives maps to the status RFC 1813 defines for it, and only what has
 * no closer code becomes NFS3ERR_IO.
 */
#include <errno.h>

#include "unit.h"
#include "vfs.h"

static void
test_exact(void)
{
	static const struct {
		int		err;
		nfsstat3	want;
	} cases[] = {
		{ 0, NFS3_OK },
		{ EPERM, NFS3ERR_PERM },
		{ ENOENT, NFS3ERR_NOENT },
		{ EIO, NFS3ERR_IO },
		{ ENXIO, NFS3ERR_NXIO },
		{ EACCES, NFS3ERR_ACCES },
		{ EEXIST, NFS3ERR_EXIST },
		{ EXDEV, NFS3ERR_XDEV },
		{ ENODEV, NFS3ERR_NODEV },
		{ ENOTDIR, NFS3ERR_NOTDIR },
		{ EISDIR, NFS3ERR_ISDIR },
		{ EINVAL, NFS3ERR_INVAL },
		{ EFBIG, NFS3ERR_FBIG },
		{ ENOSPC, NFS3ERR_NOSPC },
		{ EROFS, NFS3ERR_ROFS },
		{ EMLINK, NFS3ERR_MLINK },
		{ ENAMETOOLONG, NFS3ERR_NAMETOOLONG },
		{ ENOTEMPTY, NFS3ERR_NOTEMPTY },
		{ EDQUOT, NFS3ERR_DQUOT },
		{ ESTALE, NFS3ERR_STALE },
		{ ENOTSUP, NFS3ERR_NOTSUPP },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(vfs_errno(cases[i].err), cases[i].want);
}

/* Errors that are not the client's fault and pass: retry later. */
static void
test_transient(void)
{
	CU_ASSERT_EQUAL(vfs_errno(EMFILE), NFS3ERR_JUKEBOX);
	CU_ASSERT_EQUAL(vfs_errno(ENFILE), NFS3ERR_JUKEBOX);
	CU_ASSERT_EQUAL(vfs_errno(EAGAIN), NFS3ERR_JUKEBOX);
	CU_ASSERT_EQUAL(vfs_errno(ENOMEM), NFS3ERR_SERVERFAULT);
}

/* Errors of path walking that have a precise code. */
static void
test_walk(void)
{
	CU_ASSERT_EQUAL(vfs_errno(ELOOP), NFS3ERR_NOTDIR);
	CU_ASSERT_EQUAL(vfs_errno(EOVERFLOW), NFS3ERR_INVAL);
	CU_ASSERT_EQUAL(vfs_errno(ETXTBSY), NFS3ERR_ACCES);
	CU_ASSERT_EQUAL(vfs_errno(EBUSY), NFS3ERR_ACCES);
}

static void
test_unknown(void)
{
	CU_ASSERT_EQUAL(vfs_errno(EHWPOISON), NFS3ERR_IO);
	CU_ASSERT_EQUAL(vfs_errno(-1), NFS3ERR_IO);
}

int
suite_errmap(void)
{
	static const struct unit_test tests[] = {
		{ "exact", test_exact },
		{ "transient", test_transient },
		{ "walk", test_walk },
		{ "unknown", test_unknown },
		{ NULL, NULL },
	};

	return unit_add_suite("errmap", tests);
}
