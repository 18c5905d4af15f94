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
 * both memories have room for all still decode, twice, and a
 * remembered one altered afterwards is still refused, whichever byte
 * but the last is altered.
 */
#define REMEMBERED_N	20000		/* > 8,192 shared + 256 own slots */

static void
remembered_make(struct handle *h, int i)
{
	sample(h);
	h->kernel[0] = (uint8_t)i;
	h->kernel[1] = (uint8_t)(i >> 8);
	h->kernel[2] = (uint8_t)(i >> 16);
}

static void
test_remembered(void)
{
	struct handle_key key, other;
	struct handle h, out;
	uint8_t (*fh)[HANDLE_MAX], bad[HANDLE_MAX];
	int *n, i, pass, last = REMEMBERED_N - 1;

	fh = calloc(REMEMBERED_N, sizeof(*fh));
	n = calloc(REMEMBERED_N, sizeof(*n));
	CU_ASSERT_FATAL(fh != NULL && n != NULL);
	memset(&key, 9, sizeof(key));
	memset(&other, 10, sizeof(other));
	for (i = 0; i < REMEMBERED_N; i++) {	/* remembered under other */
		remembered_make(&h, i);
		n[i] = handle_encode(&other, &h, fh[i]);
		CU_ASSERT_FATAL(n[i] > 0);
	}
	for (i = 0; i < REMEMBERED_N; i++)	/* so refused under key */
		CU_ASSERT_EQUAL(handle_decode(&key, fh[i], (size_t)n[i],
		    &out), -1);
	for (i = 0; i < REMEMBERED_N; i++) {
		remembered_make(&h, i);
		CU_ASSERT_EQUAL(handle_encode(&key, &h, fh[i]), n[i]);
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < REMEMBERED_N; i++) {
			CU_ASSERT_EQUAL(handle_decode(&key, fh[i],
			    (size_t)n[i], &out), 0);
			CU_ASSERT_EQUAL(out.kernel[0], (uint8_t)i);
			CU_ASSERT_EQUAL(out.kernel[2], (uint8_t)(i >> 16));
		}
	for (i = 0; i < n[last] - 1; i++) {	/* just decoded, now altered */
		memcpy(bad, fh[last], (size_t)n[last]);
		bad[i] ^= 0x40;
		CU_ASSERT_EQUAL(handle_decode(&key, bad, (size_t)n[last],
		    &out), -1);
	}
	CU_ASSERT_EQUAL(handle_decode(&key, fh[last], (size_t)n[last],
	    &out), 0);
	free(fh);
	free(n);
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

/*
 * Threads decoding and making handles at once, over the same shared
 * slots: every authentic handle is taken, every altered copy refused.
 */
#define RACE_THREADS	4
#define RACE_HANDLES	4096

struct race {
	const struct handle_key	*key;
	uint8_t			(*fh)[HANDLE_MAX];
	int			*n;
	int			 id;
	int			 wrong;
};

static void *
race_run(void *arg)
{
	struct race *r = arg;
	struct handle h, out;
	uint8_t bad[HANDLE_MAX], made[HANDLE_MAX];
	int i, k;

	for (k = 0; k < RACE_HANDLES; k++) {
		i = (k * (2 * r->id + 1)) % RACE_HANDLES;	/* own order */
		if (handle_decode(r->key, r->fh[i], (size_t)r->n[i], &out) != 0)
			r->wrong++;
		memcpy(bad, r->fh[i], (size_t)r->n[i]);
		bad[HANDLE_HDR_LEN + k % 8] ^= 0x01;		/* kernel bytes */
		if (handle_decode(r->key, bad, (size_t)r->n[i], &out) != -1)
			r->wrong++;
		remembered_make(&h, RACE_HANDLES * (r->id + 1) + k);
		if (handle_encode(r->key, &h, made) <= 0)	/* new slots */
			r->wrong++;
	}
	return NULL;
}

static void
test_shared_race(void)
{
	struct handle_key key;
	struct race r[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	struct handle h;
	int i;

	memset(&key, 13, sizeof(key));
	memset(r, 0, sizeof(r));
	r[0].fh = calloc(RACE_HANDLES, sizeof(*r[0].fh));
	r[0].n = calloc(RACE_HANDLES, sizeof(*r[0].n));
	CU_ASSERT_FATAL(r[0].fh != NULL && r[0].n != NULL);
	for (i = 0; i < RACE_HANDLES; i++) {
		remembered_make(&h, i);
		r[0].n[i] = handle_encode(&key, &h, r[0].fh[i]);
		CU_ASSERT_FATAL(r[0].n[i] > 0);
	}
	for (i = 0; i < RACE_THREADS; i++) {
		r[i].key = &key;
		r[i].fh = r[0].fh;
		r[i].n = r[0].n;
		r[i].id = i;
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, race_run,
		    &r[i]) == 0);
	}
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(r[i].wrong, 0);
	}
	free(r[0].fh);
	free(r[0].n);
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
		{ "shared memory under contention", test_shared_race },
		{ "length limits", test_limits },
		{ "key file", test_key_file },
		{ "handle from path", test_from_path },
		{ NULL, NULL },
	};

	return unit_add_suite("handle", tests);
}
