/*
 * test_cred.c - which credential a request runs with: -mapall for
 * everyone, AUTH_NONE always nobody (even with -maproot=root), root as
 * -maproot says, everyone else as their AUTH_SYS credential.
 */
#include <string.h>

#include "unit.h"
#include "vfs.h"

static struct export_opts
opts(uint32_t maproot, bool mapall, uint32_t mapall_uid)
{
	struct export_opts o;

	memset(&o, 0, sizeof(o));
	o.maproot.uid = o.maproot.gid = maproot;
	o.mapall_set = mapall;
	o.mapall.uid = o.mapall.gid = mapall_uid;
	return o;
}

static void
test_auth_none(void)
{
	struct export_opts o = opts(0, false, 0);	/* -maproot=root */
	struct export_cred c;

	vfs_cred_map(&o, false, 0, 0, 0, NULL, &c);
	CU_ASSERT_EQUAL(c.uid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(c.gid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(c.ngids, 0);
	o = opts(0, true, 1234);
	vfs_cred_map(&o, false, 0, 0, 0, NULL, &c);
	CU_ASSERT_EQUAL(c.uid, 1234);
}

static void
test_root(void)
{
	struct export_opts o = opts(EXPORT_NOBODY, false, 0);
	uint32_t gids[] = { 0, 5 };
	struct export_cred c;

	vfs_cred_map(&o, true, 0, 0, 2, gids, &c);
	CU_ASSERT_EQUAL(c.uid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(c.ngids, 0);
	o = opts(0, false, 0);
	vfs_cred_map(&o, true, 0, 0, 2, gids, &c);
	CU_ASSERT_EQUAL(c.uid, 0);
}

static void
test_user(void)
{
	struct export_opts o = opts(EXPORT_NOBODY, false, 0);
	uint32_t gids[EXPORT_MAX_GIDS] = { 0 };
	struct export_cred c;
	size_t i;

	for (i = 0; i < EXPORT_MAX_GIDS; i++)
		gids[i] = 100 + (uint32_t)i;
	vfs_cred_map(&o, true, 1000, 50, EXPORT_MAX_GIDS, gids, &c);
	CU_ASSERT_EQUAL(c.uid, 1000);
	CU_ASSERT_EQUAL(c.gid, 50);
	CU_ASSERT_EQUAL(c.ngids, EXPORT_MAX_GIDS);
	CU_ASSERT_EQUAL(c.gids[EXPORT_MAX_GIDS - 1], 100 + EXPORT_MAX_GIDS - 1);
	o = opts(EXPORT_NOBODY, true, 7);
	vfs_cred_map(&o, true, 1000, 50, 3, gids, &c);
	CU_ASSERT_EQUAL(c.uid, 7);
}

int
suite_cred(void)
{
	static const struct unit_test tests[] = {
		{ "AUTH_NONE is nobody", test_auth_none },
		{ "root squashed or mapped", test_root },
		{ "users as they are, or -mapall", test_user },
		{ NULL, NULL },
	};

	return unit_add_suite("cred", tests);
}
