/*
 * test_nfsc_fhcache.c - the NFS client's cache of directory handles:
 * lookups by path and by handle, least recently used evicted at the
 * bound, a handle re-cached under a new path leaves the old one,
 * forgetting a path forgets everything under it (and nothing beside
 * it), and paths over the limit are refused.
 */
#include <stdio.h>
#include <string.h>

#include "nfsc_int.h"
#include "unit.h"

static struct nfsc_fh
fh_of(unsigned n)
{
	struct nfsc_fh fh;

	memset(&fh, 0, sizeof(fh));
	fh.len = 12;
	memcpy(fh.data, &n, sizeof(n));
	fh.data[11] = 0xa5;
	return fh;
}

static bool
has(struct fhcache *fc, const char *path, unsigned n)
{
	struct nfsc_fh got, want = fh_of(n);

	return fhc_get(fc, path, &got) && got.len == want.len &&
	    memcmp(got.data, want.data, got.len) == 0;
}

static void
test_put_get(void)
{
	struct fhcache *fc = fhc_create(8);
	struct nfsc_fh fh = fh_of(1), two = fh_of(2);
	struct nfsc_fh out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fc);
	CU_ASSERT_FALSE(fhc_get(fc, "a", &out));
	CU_ASSERT_EQUAL(fhc_put(fc, "a", &fh), 0);
	CU_ASSERT_TRUE(has(fc, "a", 1));
	CU_ASSERT_FALSE(fhc_get(fc, "a/b", &out));
	CU_ASSERT_STRING_EQUAL(fhc_path_of(fc, &fh), "a");
	CU_ASSERT_PTR_NULL(fhc_path_of(fc, &two));
	/* a new handle for the same path replaces the old one */
	CU_ASSERT_EQUAL(fhc_put(fc, "a", &two), 0);
	CU_ASSERT_TRUE(has(fc, "a", 2));
	CU_ASSERT_PTR_NULL(fhc_path_of(fc, &fh));
	CU_ASSERT_EQUAL(fhc_count(fc), 1);
	/* the same handle under a new path (a rename): the old path goes */
	CU_ASSERT_EQUAL(fhc_put(fc, "b", &two), 0);
	CU_ASSERT_FALSE(fhc_get(fc, "a", &out));
	CU_ASSERT_STRING_EQUAL(fhc_path_of(fc, &two), "b");
	CU_ASSERT_EQUAL(fhc_count(fc), 1);
	fhc_free(&fc);
	CU_ASSERT_PTR_NULL(fc);
	fhc_free(&fc);
}

static void
test_lru_bound(void)
{
	struct fhcache *fc = fhc_create(4);
	struct nfsc_fh fh;
	char path[32];
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fc);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "d%u", i);
		fh = fh_of(i);
		CU_ASSERT_EQUAL(fhc_put(fc, path, &fh), 0);
	}
	CU_ASSERT_EQUAL(fhc_count(fc), 4);
	/* touch d0: d1 is now the least recently used */
	CU_ASSERT_TRUE(has(fc, "d0", 0));
	fh = fh_of(4);
	CU_ASSERT_EQUAL(fhc_put(fc, "d4", &fh), 0);
	CU_ASSERT_EQUAL(fhc_count(fc), 4);
	CU_ASSERT_TRUE(has(fc, "d0", 0));
	CU_ASSERT_FALSE(has(fc, "d1", 1));
	fh = fh_of(1);
	CU_ASSERT_PTR_NULL(fhc_path_of(fc, &fh));
	CU_ASSERT_TRUE(has(fc, "d2", 2));
	CU_ASSERT_TRUE(has(fc, "d3", 3));
	CU_ASSERT_TRUE(has(fc, "d4", 4));
	/* many more: never over the bound, the newest are there */
	for (i = 10; i < 1000; i++) {
		snprintf(path, sizeof(path), "x/%u", i);
		fh = fh_of(i);
		CU_ASSERT_EQUAL(fhc_put(fc, path, &fh), 0);
		CU_ASSERT(fhc_count(fc) <= 4);
	}
	CU_ASSERT_TRUE(has(fc, "x/999", 999));
	CU_ASSERT_TRUE(has(fc, "x/996", 996));
	CU_ASSERT_FALSE(has(fc, "x/995", 995));
	fhc_free(&fc);
}

static void
test_forget(void)
{
	static const char *paths[] = {
		"12", "12/34", "12/34/tevie", "12/34/tevie/Maildir",
		"12/34/tevie/Maildir/new", "12/34/tevier", "12/345", "13",
	};
	struct fhcache *fc = fhc_create(64);
	struct nfsc_fh fh;
	unsigned i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fc);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fh = fh_of(i);
		CU_ASSERT_EQUAL(fhc_put(fc, paths[i], &fh), 0);
	}
	CU_ASSERT_EQUAL(fhc_forget(fc, "12/34/tevie"), 3);
	CU_ASSERT_TRUE(has(fc, "12", 0));
	CU_ASSERT_TRUE(has(fc, "12/34", 1));
	CU_ASSERT_FALSE(has(fc, "12/34/tevie", 2));
	CU_ASSERT_FALSE(has(fc, "12/34/tevie/Maildir/new", 4));
	CU_ASSERT_TRUE(has(fc, "12/34/tevier", 5));
	CU_ASSERT_TRUE(has(fc, "12/345", 6));
	fh = fh_of(3);
	CU_ASSERT_PTR_NULL(fhc_path_of(fc, &fh));
	CU_ASSERT_EQUAL(fhc_forget(fc, "nothing/here"), 0);
	CU_ASSERT_EQUAL(fhc_forget(fc, "12/34"), 2);
	CU_ASSERT_EQUAL(fhc_count(fc), 3);	/* 12, 12/345, 13 */
	/* "" is the export root: everything */
	CU_ASSERT_EQUAL(fhc_forget(fc, ""), 3);
	CU_ASSERT_EQUAL(fhc_count(fc), 0);
	fhc_free(&fc);
}

static void
test_limits(void)
{
	char path[NFSC_PATHLEN + 2];
	struct fhcache *fc;
	struct nfsc_fh fh = fh_of(7);

	CU_ASSERT_PTR_NULL(fhc_create(0));
	CU_ASSERT_PTR_NULL(fhc_create((size_t)NFSC_MAX_FHCACHE + 1));
	fc = fhc_create(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fc);
	memset(path, 'p', NFSC_PATHLEN);
	path[NFSC_PATHLEN] = '\0';
	CU_ASSERT_EQUAL(fhc_put(fc, path, &fh), 0);
	CU_ASSERT_TRUE(has(fc, path, 7));
	path[NFSC_PATHLEN] = 'p';
	path[NFSC_PATHLEN + 1] = '\0';
	CU_ASSERT_EQUAL(fhc_put(fc, path, &fh), -1);
	fh.len = NFSC_FHSIZE + 1;
	CU_ASSERT_EQUAL(fhc_put(fc, "x", &fh), -1);
	CU_ASSERT_PTR_NULL(fhc_path_of(fc, &fh));
	CU_ASSERT_EQUAL(fhc_count(fc), 1);
	/* the NULL cache is empty, not a crash */
	CU_ASSERT_FALSE(fhc_get(NULL, "x", &fh));
	CU_ASSERT_EQUAL(fhc_count(NULL), 0);
	fhc_free(&fc);
}

static int
suite_nfsc_fhcache(void)
{
	static const struct unit_test tests[] = {
		{ "put, get, path of a handle", test_put_get },
		{ "LRU eviction at the bound", test_lru_bound },
		{ "forget a path and below", test_forget },
		{ "limits", test_limits },
		{ NULL, NULL },
	};

	return unit_add_suite("nfsc_fhcache", tests);
}

UNIT_REGISTER(suite_nfsc_fhcache);
