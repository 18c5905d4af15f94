/*
 * test_hcache.c - the entry-handle cache: a handle comes back only for
 * the very inode it was stored for (export, device, number, change and
 * birth time all equal), a reused inode number misses, forgetting and
 * clearing empty it, and a full set keeps what is being found.
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

/* n inode numbers from start on, all in start's set. */
static void
same_set(uint64_t start, uint64_t *ino, int n)
{
	uint64_t i;
	int got = 0;

	for (i = start; got < n; i++)
		if (hcache_set(i) == hcache_set(start))
			ino[got++] = i;
}

/*
 * A full set keeps the slots that were hit: a newcomer then only ages
 * them, and takes a slot when it comes again and finds one not hit.
 */
static void
test_full_set(void)
{
	uint64_t ino[HCACHE_WAYS + 1];
	struct hcache_key k[HCACHE_WAYS + 1];
	uint8_t fh[HANDLE_MAX], out[HANDLE_MAX];
	size_t len;
	int i, kept;

	hcache_clear();
	same_set(4000, ino, HCACHE_WAYS + 1);
	for (i = 0; i <= HCACHE_WAYS; i++) {
		k[i] = key(ino[i]);
		fill(fh, 30, (uint8_t)i);
		if (i < HCACHE_WAYS)
			hcache_put(&k[i], fh, 30);
	}
	for (i = 0; i < HCACHE_WAYS; i++) {
		CU_ASSERT_TRUE(hcache_get(&k[i], out, &len));
		CU_ASSERT_EQUAL(out[0], (uint8_t)i);
	}
	hcache_put(&k[HCACHE_WAYS], fh, 30);	/* every slot was hit */
	CU_ASSERT_FALSE(hcache_get(&k[HCACHE_WAYS], out, &len));
	for (i = 0, kept = 0; i < HCACHE_WAYS; i++)
		kept += hcache_get(&k[i], out, &len);
	CU_ASSERT_EQUAL(kept, HCACHE_WAYS);
	hcache_put(&k[HCACHE_WAYS], fh, 30);	/* all hit again: ages them */
	hcache_put(&k[HCACHE_WAYS], fh, 30);	/* none hit since: stored */
	CU_ASSERT_TRUE(hcache_get(&k[HCACHE_WAYS], out, &len));
	for (i = 0, kept = 0; i < HCACHE_WAYS; i++)
		kept += hcache_get(&k[i], out, &len);
	CU_ASSERT_EQUAL(kept, HCACHE_WAYS - 1);
	hcache_clear();
}

/*
 * A directory listed over and over in one order: with more entries in
 * a set than slots, most of them are still found on every pass (LRU
 * would find none).
 */
static void
test_cyclic(void)
{
	uint64_t ino[HCACHE_WAYS + 3];
	struct hcache_key k;
	uint8_t fh[HANDLE_MAX], out[HANDLE_MAX];
	size_t len;
	int pass, i, hits = 0;

	hcache_clear();
	same_set(9000, ino, HCACHE_WAYS + 3);
	fill(fh, 30, 1);
	for (pass = 0; pass < 5; pass++) {
		hits = 0;
		for (i = 0; i < HCACHE_WAYS + 3; i++) {
			k = key(ino[i]);
			if (hcache_get(&k, out, &len))
				hits++;
			else
				hcache_put(&k, fh, 30);
		}
	}
	CU_ASSERT(hits >= HCACHE_WAYS - 1);
	hcache_clear();
}

/* A new incarnation of an inode takes its old slot. */
static void
test_new_incarnation(void)
{
	struct hcache_key old = key(7000), young = key(7000);
	uint8_t fa[HANDLE_MAX], fb[HANDLE_MAX], out[HANDLE_MAX];
	size_t len;

	hcache_clear();
	young.ctime_sec++;
	fill(fa, 30, 1);
	fill(fb, 30, 2);
	hcache_put(&old, fa, 30);
	CU_ASSERT_TRUE(hcache_get(&old, out, &len));	/* hit: kept */
	hcache_put(&young, fb, 30);
	CU_ASSERT_TRUE(hcache_get(&young, out, &len));
	CU_ASSERT_EQUAL(memcmp(out, fb, 30), 0);
	CU_ASSERT_FALSE(hcache_get(&old, out, &len));
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
		{ "a full set keeps the slots that are found", test_full_set },
		{ "a listing repeated in one order", test_cyclic },
		{ "a new incarnation takes the old one's slot",
		    test_new_incarnation },
		{ "empty and oversized handles are not kept", test_bad_length },
		{ NULL, NULL },
	};

	return unit_add_suite("hcache", tests);
}

UNIT_REGISTER(suite_hcache);
