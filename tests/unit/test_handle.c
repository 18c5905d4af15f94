/*
 * test_handle.c - the file handle format: round trip, every altered
 * byte rejected, wrong key rejected, length limits, the key file; the
 * memory of authentic handles, per thread and shared.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handle.h"
#include "handle_mac.h"
#include "unit.h"

static void
sample(struct handle *h)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->export_id = 0x11223344;
	h->type = 1;
	h->len = 8;
	for (i = 0; i < h->len; i++)
		h->kernel[i] = (uint8_t)(0xa0 + i);
}

static void
test_roundtrip(void)
{
	struct handle_key key;
	struct handle h, out;
	uint8_t fh[HANDLE_MAX];
	int n;

	memset(&key, 7, sizeof(key));
	sample(&h);
	n = handle_encode(&key, &h, fh);
	CU_ASSERT_EQUAL(n, HANDLE_HDR_LEN + 8 + HANDLE_MAC_LEN);
	CU_ASSERT_TRUE(n <= HANDLE_MAX);
	CU_ASSERT_EQUAL(handle_decode(&key, fh, (size_t)n, &out), 0);
	CU_ASSERT_EQUAL(out.export_id, h.export_id);
	CU_ASSERT_EQUAL(out.type, h.type);
	CU_ASSERT_EQUAL(out.len, h.len);
	CU_ASSERT_EQUAL(memcmp(out.kernel, h.kernel, h.len), 0);
}

static void
test_tampered(void)
{
	struct handle_key key;
	struct handle h, out;
	uint8_t fh[HANDLE_MAX];
	int n, i, bit;

	memset(&key, 7, sizeof(key));
	sample(&h);
	n = handle_encode(&key, &h, fh);
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			fh[i] ^= (uint8_t)(1 << bit);
			CU_ASSERT_EQUAL(handle_decode(&key, fh, (size_t)n,
			    &out), -1);
			fh[i] ^= (uint8_t)(1 << bit);
		}
	for (i = 0; i < n; i++)			/* truncated */
		CU_ASSERT_EQUAL(handle_decode(&key, fh, (size_t)i, &out), -1);
	fh[n] = 0;				/* extended */
	CU_ASSERT_EQUAL(handle_decode(&key, fh, (size_t)n + 1, &out), -1);
	key.bytes[0] ^= 1;			/* another server's key */
	CU_ASSERT_EQUAL(handle_decode(&key, fh, (size_t)n, &out), -1);
}

/*
 * Authentic handles are remembered (handle_mac.c): more of them than
 * there is room for all still decode, twice, and a remembered one
 * altered afterwards is still refused, whichever byte but the last is
 * altered.
 */
static void
test_remembered(void)
{
	struct handle_key key, other;
	struct handle h, out;
	uint8_t fh[1000][HANDLE_MAX], bad[HANDLE_MAX];
	int n[1000], i, pass;

	memset(&key, 9, sizeof(key));
	memset(&other, 10, sizeof(other));
	sample(&h);
	for (i = 0; i < 1000; i++) {
		h.kernel[0] = (uint8_t)i;
		h.kernel[1] = (uint8_t)(i >> 8);
		n[i] = handle_encode(&other, &h, fh[i]);	/* not remembered */
		CU_ASSERT_FATAL(n[i] > 0);
	}
	for (i = 0; i < 1000; i++)	/* made under another key: refused */
		CU_ASSERT_EQUAL(handle_decode(&key, fh[i], (size_t)n[i],
		    &out), -1);
	for (i = 0; i < 1000; i++) {
		h.kernel[0] = (uint8_t)i;
		h.kernel[1] = (uint8_t)(i >> 8);
		CU_ASSERT_EQUAL(handle_encode(&key, &h, fh[i]), n[i]);
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < 1000; i++) {
			CU_ASSERT_EQUAL(handle_decode(&key, fh[i],
			    (size_t)n[i], &out), 0);
			CU_ASSERT_EQUAL(out.kernel[0], (uint8_t)i);
		}
	for (i = 0; i < n[999] - 1; i++) {	/* just decoded, now altered */
		memcpy(bad, fh[999], (size_t)n[999]);
		bad[i] ^= 0x40;
		CU_ASSERT_EQUAL(handle_decode(&key, bad, (size_t)n[999],
		    &out), -1);
	}
	CU_ASSERT_EQUAL(handle_decode(&key, fh[999], (size_t)n[999], &out),
	    0);
}

/* A handle made or decoded in a thread of its own (fresh memory). */
struct in_thread {
	const struct handle_key	*key;
	struct handle		 h;
	uint8_t			 fh[HANDLE_MAX];
	int			 n;		/* encode: length; decode: rc */
	bool			 encode;
};

static void *
in_thread_run(void *arg)
{
	struct in_thread *it = arg;
	struct handle out;

	if (it->encode)
		it->n = handle_encode(it->key, &it->h, it->fh);
	else
		it->n = handle_decode(it->key, it->fh, (size_t)it->n, &out);
	return NULL;
}

static int
in_thread(struct in_thread *it)
{
	pthread_t t;

	if (pthread_create(&t, NULL, in_thread_run, it) != 0)
		return -1;
	return pthread_join(t, NULL) == 0 ? 0 : -1;
}

/*
 * A handle made by one thread is known to the others from the memory
 * they share: decoded there without a MAC (counted), while an altered
 * copy, or the same bytes under another key, are still refused.
 */
static void
test_shared_memory(void)
{
	struct handle_key key, other;
	struct in_thread made, use;
	uint64_t hits;
	size_t i;

	memset(&key, 11, sizeof(key));
	memset(&other, 12, sizeof(other));
	memset(&made, 0, sizeof(made));
	made.key = &key;
	made.encode = true;
	sample(&made.h);
	made.h.kernel[0] = 0x5a;		/* made by no other test */
	CU_ASSERT_FATAL(in_thread(&made) == 0 && made.n > 0);

	for (i = 0; i < (size_t)made.n; i++) {	/* altered: refused */
		use = made;
		use.encode = false;
		use.fh[i] ^= 0x08;
		CU_ASSERT_FATAL(in_thread(&use) == 0);
		CU_ASSERT_EQUAL(use.n, -1);
	}
	use = made;				/* another key: refused */
	use.encode = false;
	use.key = &other;
	CU_ASSERT_FATAL(in_thread(&use) == 0);
	CU_ASSERT_EQUAL(use.n, -1);

	hits = handle_seen_shared_hits();
	use = made;				/* as made: from memory */
	use.encode = false;
	CU_ASSERT_FATAL(in_thread(&use) == 0);
	CU_ASSERT_EQUAL(use.n, 0);
	CU_ASSERT_EQUAL(handle_seen_shared_hits(), hits + 1);
}

static void
test_limits(void)
{
	struct handle_key key;
	struct handle h;
	uint8_t fh[HANDLE_MAX];

	memset(&key, 1, sizeof(key));
	sample(&h);
	h.len = HANDLE_KERNEL_MAX;
	CU_ASSERT_EQUAL(handle_encode(&key, &h, fh), HANDLE_MAX);
	h.len = HANDLE_KERNEL_MAX + 1;
	CU_ASSERT_EQUAL(handle_encode(&key, &h, fh), -1);
}

static void
test_key_file(void)
{
	char dir[] = "/tmp/nfsd-keyXXXXXX", path[128];
	struct handle_key k1, k2;
	struct stat st;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	CU_ASSERT_EQUAL(handle_key_load(dir, &k1), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, HANDLE_KEY_FILE);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(st.st_size, HANDLE_KEY_LEN);
	CU_ASSERT_EQUAL(handle_key_load(dir, &k2), 0);	/* same key again */
	CU_ASSERT_EQUAL(memcmp(&k1, &k2, sizeof(k1)), 0);
	CU_ASSERT_EQUAL(chmod(path, 0644), 0);		/* too open */
	CU_ASSERT_EQUAL(handle_key_load(dir, &k2), -1);
	unlink(path);
	rmdir(dir);
}

static void
test_from_path(void)
{
	char dir[] = "/tmp/nfsd-fhXXXXXX";
	struct handle a, b;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	CU_ASSERT_EQUAL(handle_from_path(dir, 5, &a), 0);
	CU_ASSERT_EQUAL(handle_from_path(dir, 5, &b), 0);
	CU_ASSERT_EQUAL(a.export_id, 5);
	CU_ASSERT_TRUE(a.len > 0);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);	/* stable */
	rmdir(dir);
	CU_ASSERT_EQUAL(handle_from_path(dir, 5, &a), -1);
}

int
suite_handle(void)
{
	static const struct unit_test tests[] = {
		{ "round trip", test_roundtrip },
		{ "every altered bit rejected", test_tampered },
		{ "remembered handles", test_remembered },
		{ "memory shared by threads", test_shared_memory },
		{ "length limits", test_limits },
		{ "key file", test_key_file },
		{ "handle from path", test_from_path },
		{ NULL, NULL },
	};

	return unit_add_suite("handle", tests);
}
