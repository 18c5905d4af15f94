/*
 * test_createverf.c - EXCLUSIVE create verifiers kept in a real file's
 * times: the same verifier matches after it was stored, another does
 * not, and times a client set afterwards no longer match.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "vfs.h"

static char dir[] = "/tmp/verftest.XXXXXX";

static int
make_file(const char *name, const uint8_t *verf, struct stat *st)
{
	struct timespec ts[2];
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600)) == -1)
		return -1;
	close(fd);
	vfs_verf_to_times(verf, ts);
	if (utimensat(AT_FDCWD, path, ts, 0) == -1)
		return -1;
	return stat(path, st);
}

static void
test_same(void)
{
	static const uint8_t v[8] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
	    0xde, 0xf0 };
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(make_file("same", v, &st), 0);
	CU_ASSERT_TRUE(vfs_verf_matches(v, &st));
}

static void
test_other(void)
{
	static const uint8_t v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t w[8];
	struct stat st;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(make_file("other", v, &st), 0);
	for (i = 0; i < sizeof(w); i++) {
		memcpy(w, v, sizeof(w));
		w[i] ^= 0x80;
		CU_ASSERT_FALSE(vfs_verf_matches(w, &st));
	}
}

/* All-ones halves: the largest seconds a verifier can ask for. */
static void
test_extremes(void)
{
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff };
	static const uint8_t zero[8];
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(make_file("ones", ones, &st), 0);
	CU_ASSERT_TRUE(vfs_verf_matches(ones, &st));
	CU_ASSERT_FALSE(vfs_verf_matches(zero, &st));
	CU_ASSERT_EQUAL_FATAL(make_file("zero", zero, &st), 0);
	CU_ASSERT_TRUE(vfs_verf_matches(zero, &st));
}

/* After the client's SETATTR of real times the verifier is gone. */
static void
test_overwritten(void)
{
	static const uint8_t v[8] = { 0, 0, 0, 9, 0, 0, 0, 9 };
	char path[256];
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(make_file("touched", v, &st), 0);
	snprintf(path, sizeof(path), "%s/touched", dir);
	CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, NULL, 0), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_FALSE(vfs_verf_matches(v, &st));
}

static int
setup(void)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
suite_createverf(void)
{
	static const struct unit_test tests[] = {
		{ "same", test_same },
		{ "other", test_other },
		{ "extremes", test_extremes },
		{ "overwritten", test_overwritten },
		{ NULL, NULL },
	};
	return unit_add_fixture("createverf", setup, teardown, tests);
}
