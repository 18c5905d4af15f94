/*
 * test_hcache.c - the entry-handle cache: a handle comes back only for
 * the very inode it was stored for (export, device, number, change and
 * birth time all equal), a reused inode number misses, forgetting and
 * clearing empty it, and two inodes sharing a slot replace each other.
 */
#include <string.h>

#include "hcache.h"
#include "unit.h"

static struct hcache_key
key(uint64_t ino)
{
	struct hcache_key k;

	memset(&k, 0, sizeof(k));
	k.export_id = 7;
	k.dev = 0x803;
	k.ino = ino;
	k.ctime_sec = 1700000000;
	k.ctime_nsec = 123456789;
	k.btime_sec = 1690000000;
	k.btime_nsec = 5;
	return k;
}

static void
fill(uint8_t *fh, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		fh[i] = (uint8_t)(seed + i);
}

static void
test_hit(void)
{
	struct hcache_key k = key(1000);
	uint8_t in[HANDLE_MAX], out[HANDLE_MAX];
	size_t len = 0;

	hcache_clear();
	CU_ASSERT_FALSE(hcache_get(&k, out, &len));
	fill(in, 34, 1);
	hcache_put(&k, in, 34);
	CU_ASSERT_TRUE_FATAL(hcache_get(&k, out, &len));
	CU_ASSERT_EQUAL(len, 34);
	CU_ASSERT_EQUAL(memcmp(in, out, 34), 0);
}

/* Every field of the key takes part: one differs, no handle. */
static void
test_other_inode(void)
{
	struct hcache_key k = key(2000), o;
	uint8_t fh[HANDLE_MAX], out[HANDLE_MAX];
	size_t len;
	int field;

	hcache_clear();
	fill(fh, 40, 9);
	hcache_put(&k, fh, 40);
	for (field = 0; field < 7; field++) {
		o = k;
		switch (field) {
		case 0: o.export_id++; break;
		case 1: o.dev++; break;
		case 2: o.ino += 1ull << 40; break;	/* maybe the same slot */
		case 3: o.ctime_sec++; break;
		case 4: o.ctime_nsec++; break;
		case 5: o.btime_sec++; break;
		case 6: o.btime_nsec++; break;
		}
		CU_ASSERT_FALSE(hcache_get(&o, out, &len));
	}
	CU_ASSERT_TRUE(hcache_get(&k, out, &len));
}

static void
test_forget_clear(void)
{
	struct hcache_key a = key(3000), b = key(3001);
	uint8_t fh[HANDLE_MAX], out[HANDLE_MAX];
	size_t len;

	hcache_clear();
	fill(fh, 20, 3);
	hcache_put(&a, fh, 20);
	hcache_put(&b, fh, 20);
	hcache_forget(3000);
	CU_ASSERT_FALSE(hcache_get(&a, out, &len));
	CU_ASSERT_TRUE(hcache_get(&b, out, &len));
	hcache_forget(999999);		/* not there: nothing else goes */
	CU_ASSERT_TRUE(hcache_get(&b, out, &len));
	hcache_clear();
	CU_ASSERT_FALSE(hcache_get(&b, out, &len));
}

/* Find an inode number sharing a's slot: its put replaces a. */
static void
test_collision(void)
{
	struct hcache_key a = key(4000), b;
	uint8_t fa[HANDLE_MAX], fb[HANDLE_MAX], out[HANDLE_MAX];
	const uint64_t end = 4001 + 16 * (uint64_t)HCACHE_SLOTS;
	size_t len;
	uint64_t ino;

	hcache_clear();
	fill(fa, 30, 10);
	fill(fb, 30, 200);
	hcache_put(&a, fa, 30);
	for (ino = 4001; ino < end; ino++) {
		b = key(ino);
		hcache_put(&b, fb, 30);
		if (!hcache_get(&a, out, &len))
			break;
		hcache_forget(ino);	/* empties b's own slot only */
	}
	CU_ASSERT_FATAL(ino < end);
	CU_ASSERT_TRUE(hcache_get(&b, out, &len));
	CU_ASSERT_EQUAL(memcmp(out, fb, 30), 0);
	hcache_put(&a, fa, 30);
	CU_ASSERT_FALSE(hcache_get(&b, out, &len));
	CU_ASSERT_TRUE(hcache_get(&a, out, &len));
	CU_ASSERT_EQUAL(memcmp(out, fa, 30), 0);
	hcache_clear();
}

static void
test_bad_length(void)
{
	struct hcache_key k = key(5000);
	uint8_t fh[HANDLE_MAX + 1], out[HANDLE_MAX];
	size_t len;

	hcache_clear();
	memset(fh, 1, sizeof(fh));
	hcache_put(&k, fh, 0);
	CU_ASSERT_FALSE(hcache_get(&k, out, &len));
	hcache_put(&k, fh, HANDLE_MAX + 1);
	CU_ASSERT_FALSE(hcache_get(&k, out, &len));
	hcache_clear();
}

static int
suite_hcache(void)
{
	static const struct unit_test tests[] = {
		{ "a stored handle comes back", test_hit },
		{ "any other inode misses", test_other_inode },
		{ "forget and clear", test_forget_clear },
		{ "a slot's later inode replaces it", test_collision },
		{ "empty and oversized handles are not kept", test_bad_length },
		{ NULL, NULL },
	};

	return unit_add_suite("hcache", tests);
}

UNIT_REGISTER(suite_hcache);
