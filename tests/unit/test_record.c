/*
 * test_record.c - TCP record marking: single and multi-fragment
 * records, input split at every byte, back-to-back records, limits.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "unit.h"

#define MAX_REC	1024

static size_t
put_frag(uint8_t *out, const char *data, size_t len, int last)
{
	uint32_t v = (uint32_t)len | (last ? REC_LAST_FRAG : 0);

	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
	memcpy(out + 4, data, len);
	return len + 4;
}

/*
 * Feed in chunks of at most step bytes, as the server reads: with
 * direct, fragment bodies go straight into the record whenever
 * rec_body_room offers room, the rest through rec_feed.  Returns the
 * number of records seen, -1 on REC_TOOBIG.
 */
static int
feed(struct rec_reader *r, const uint8_t *in, size_t n, size_t step,
    bool direct, char recs[][64])
{
	size_t off = 0, used, chunk, room;
	enum rec_status st;
	uint8_t *dst;
	int count = 0;

	while (off < n) {
		chunk = n - off < step ? n - off : step;
		if (direct && (dst = rec_body_room(r, &room)) != NULL) {
			used = chunk < room ? chunk : room;
			memcpy(dst, in + off, used);
			st = rec_body_fill(r, used);
		} else
			st = rec_feed(r, in + off, chunk, &used);
		off += used;
		if (st == REC_TOOBIG)
			return -1;
		if (st == REC_DONE) {
			memcpy(recs[count], r->buf, r->len);
			recs[count][r->len] = '\0';
			count++;
		}
	}
	return count;
}

static void
test_single(void)
{
	struct rec_reader r;
	uint8_t buf[64];
	char recs[4][64];
	size_t n;

	rec_init(&r, MAX_REC);
	n = put_frag(buf, "hello", 5, 1);
	CU_ASSERT_EQUAL(feed(&r, buf, n, n, false, recs), 1);
	CU_ASSERT_STRING_EQUAL(recs[0], "hello");
	CU_ASSERT_FALSE(rec_partial(&r));
	rec_free(&r);
}

static void
test_fragments_every_split(void)
{
	struct rec_reader r;
	uint8_t buf[128];
	char recs[4][64];
	size_t n = 0, step;

	n += put_frag(buf + n, "abc", 3, 0);
	n += put_frag(buf + n, "", 0, 0);
	n += put_frag(buf + n, "defg", 4, 1);
	n += put_frag(buf + n, "xyz", 3, 1);
	for (step = 1; step <= n; step++) {
		rec_init(&r, MAX_REC);
		CU_ASSERT_EQUAL(feed(&r, buf, n, step, false, recs), 2);
		CU_ASSERT_STRING_EQUAL(recs[0], "abcdefg");
		CU_ASSERT_STRING_EQUAL(recs[1], "xyz");
		rec_free(&r);
	}
}

static void
test_partial(void)
{
	struct rec_reader r;
	uint8_t buf[64];
	size_t n, used;

	rec_init(&r, MAX_REC);
	n = put_frag(buf, "hello", 5, 1);
	CU_ASSERT_EQUAL(rec_feed(&r, buf, 2, &used), REC_AGAIN);
	CU_ASSERT_TRUE(rec_partial(&r));
	CU_ASSERT_EQUAL(rec_feed(&r, buf + 2, n - 3, &used), REC_AGAIN);
	CU_ASSERT_EQUAL(rec_feed(&r, buf + n - 1, 1, &used), REC_DONE);
	rec_free(&r);
}

static void
test_too_big(void)
{
	struct rec_reader r;
	uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };	/* 2 GiB, last */
	uint8_t buf[64];
	size_t used;
	char big[600];

	rec_init(&r, MAX_REC);
	CU_ASSERT_EQUAL(rec_feed(&r, huge, 4, &used), REC_TOOBIG);
	CU_ASSERT_PTR_NULL(r.buf);	/* nothing allocated for it */
	rec_free(&r);

	/* Two fragments that pass one by one but not together. */
	memset(big, 'x', sizeof(big));
	rec_init(&r, MAX_REC);
	{
		uint8_t *in = malloc(2 * (sizeof(big) + 4));
		size_t n = put_frag(in, big, sizeof(big), 0);

		n += put_frag(in + n, big, sizeof(big), 1);
		CU_ASSERT_EQUAL(rec_feed(&r, in, n, &used), REC_TOOBIG);
		free(in);
	}
	rec_free(&r);

	rec_init(&r, MAX_REC);
	(void)put_frag(buf, "", 0, 1);
	CU_ASSERT_EQUAL(rec_feed(&r, buf, 4, &used), REC_DONE);
	CU_ASSERT_EQUAL(r.len, 0);
	rec_free(&r);
}

static void
test_take(void)
{
	struct rec_reader r;
	uint8_t buf[64], *rec;
	size_t n, used, len;

	rec_init(&r, MAX_REC);
	n = put_frag(buf, "one", 3, 1);
	n += put_frag(buf + n, "two", 3, 1);
	CU_ASSERT_EQUAL(rec_feed(&r, buf, n, &used), REC_DONE);
	rec = rec_take(&r, &len);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(memcmp(rec, "one", 3), 0);
	free(rec);
	CU_ASSERT_EQUAL(rec_feed(&r, buf + used, n - used, &used), REC_DONE);
	CU_ASSERT_EQUAL(memcmp(r.buf, "two", 3), 0);
	rec_free(&r);
}

static void
test_body_direct(void)
{
	struct rec_reader r;
	uint8_t in[256];
	char recs[4][64];
	size_t n, step;
	uint8_t *dst;
	size_t room;

	n = put_frag(in, "hello, ", 7, 0);
	n += put_frag(in + n, "", 0, 0);
	n += put_frag(in + n, "world", 5, 1);
	n += put_frag(in + n, "second record", 13, 1);
	n += put_frag(in + n, "x", 1, 1);
	for (step = 1; step <= n; step++) {
		rec_init(&r, MAX_REC);
		CU_ASSERT_EQUAL_FATAL(feed(&r, in, n, step, true, recs), 3);
		CU_ASSERT_STRING_EQUAL(recs[0], "hello, world");
		CU_ASSERT_STRING_EQUAL(recs[1], "second record");
		CU_ASSERT_STRING_EQUAL(recs[2], "x");
		CU_ASSERT_FALSE(rec_partial(&r));
		rec_free(&r);
	}
	/* no room between records, nor inside a mark */
	rec_init(&r, MAX_REC);
	CU_ASSERT_PTR_NULL(rec_body_room(&r, &room));
	CU_ASSERT_EQUAL(rec_feed(&r, in, 2, &n), REC_AGAIN);
	CU_ASSERT_PTR_NULL(rec_body_room(&r, &room));
	CU_ASSERT_EQUAL(rec_feed(&r, in + 2, 2, &n), REC_AGAIN);
	dst = rec_body_room(&r, &room);
	CU_ASSERT_PTR_NOT_NULL(dst);
	CU_ASSERT_EQUAL(room, 7);
	CU_ASSERT_TRUE(rec_partial(&r));
	rec_free(&r);
}

static void
test_mark(void)
{
	uint8_t m[4];

	rec_mark(m, 0x123456);
	CU_ASSERT_EQUAL(m[0], 0x80);
	CU_ASSERT_EQUAL(m[1], 0x12);
	CU_ASSERT_EQUAL(m[2], 0x34);
	CU_ASSERT_EQUAL(m[3], 0x56);
}

int
suite_record(void)
{
	static const struct unit_test tests[] = {
		{ "single fragment", test_single },
		{ "fragments, every split", test_fragments_every_split },
		{ "partial input", test_partial },
		{ "over the limit", test_too_big },
		{ "take and continue", test_take },
		{ "bodies read in place", test_body_direct },
		{ "mark", test_mark },
		{ NULL, NULL },
	};

	return unit_add_suite("record", tests);
}
