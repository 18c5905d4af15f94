/*
 * test_drc.c - the duplicate request cache: a repeated call gets the
 * first reply, a copy arriving while the first runs is dropped, other
 * arguments or another client under the same xid are new calls, and
 * the cache stays within its entry and byte bounds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "drc.h"
#include "unit.h"

static struct sockaddr_in
client(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static void
key(struct drc_key *k, const char *ip, uint16_t port, uint32_t xid,
    const char *args)
{
	struct sockaddr_in sin = client(ip, port);

	drc_key_make(k, (struct sockaddr *)&sin, 0, xid, 100003, 3, 14,
	    (const uint8_t *)args, strlen(args));
}

static void
test_replay(void)
{
	struct drc *drc = drc_create(16, 4096);
	struct drc_entry *e, *copy;
	struct drc_key k;
	uint8_t out[64];
	size_t len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(drc);
	key(&k, "10.0.0.1", 800, 7, "rename a b");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	/* a copy while the first still runs */
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &copy),
	    DRC_BUSY);
	CU_ASSERT_PTR_NULL(copy);
	drc_finish(drc, e, (const uint8_t *)"reply-one", 9);
	memset(out, 0, sizeof(out));
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_HIT);
	CU_ASSERT_EQUAL(len, 9);
	CU_ASSERT_EQUAL(memcmp(out, "reply-one", 9), 0);
	drc_free(&drc);
	CU_ASSERT_PTR_NULL(drc);
}

/* The port may change (a reconnect); the address, xid and args not. */
static void
test_key(void)
{
	struct drc *drc = drc_create(16, 4096);
	struct drc_entry *e;
	struct drc_key k;
	uint8_t out[64];
	size_t len;

	key(&k, "10.0.0.1", 800, 7, "remove x");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, (const uint8_t *)"ok", 2);
	key(&k, "10.0.0.1", 801, 7, "remove x");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_HIT);
	key(&k, "10.0.0.1", 800, 7, "remove y");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, (const uint8_t *)"ok", 2);
	key(&k, "10.0.0.2", 800, 7, "remove x");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, (const uint8_t *)"ok", 2);
	key(&k, "10.0.0.1", 800, 8, "remove x");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, (const uint8_t *)"ok", 2);
	drc_free(&drc);
}

/* Not sent, or too big to keep: a retransmission runs again. */
static void
test_not_kept(void)
{
	static uint8_t big[DRC_MAX_REPLY + 1];
	struct drc *drc = drc_create(16, 1 << 20);
	struct drc_entry *e;
	struct drc_key k;
	uint8_t out[64];
	size_t len;

	key(&k, "10.0.0.1", 800, 1, "a");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, NULL, 0);
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, big, sizeof(big));
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, NULL, 0);
	drc_free(&drc);
}

static void
test_bounds(void)
{
	struct drc *drc = drc_create(8, 100);
	struct drc_stats st;
	struct drc_entry *e;
	struct drc_key k;
	uint8_t out[64], reply[20];
	size_t len;
	uint32_t xid;

	memset(reply, 'r', sizeof(reply));
	for (xid = 0; xid < 50; xid++) {
		key(&k, "10.0.0.1", 800, xid, "w");
		CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len,
		    &e), DRC_NEW);
		drc_finish(drc, e, reply, sizeof(reply));
		drc_stats(drc, &st);
		CU_ASSERT_TRUE(st.entries <= 8);
		CU_ASSERT_TRUE(st.bytes <= 100);
	}
	/* the newest is still there, the oldest is gone */
	key(&k, "10.0.0.1", 800, 49, "w");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_HIT);
	key(&k, "10.0.0.1", 800, 0, "w");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_NEW);
	drc_finish(drc, e, NULL, 0);
	drc_stats(drc, &st);
	CU_ASSERT_EQUAL(st.hits, 1);
	drc_free(&drc);
}

/* Calls in progress are never evicted, whatever the pressure. */
static void
test_busy_kept(void)
{
	struct drc *drc = drc_create(2, 1000);
	struct drc_entry *first, *e;
	struct drc_key k;
	uint8_t out[64];
	size_t len;
	uint32_t xid;

	key(&k, "10.0.0.9", 800, 1000, "slow");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &first),
	    DRC_NEW);
	for (xid = 0; xid < 10; xid++) {
		key(&k, "10.0.0.1", 800, xid, "w");
		drc_begin(drc, &k, out, sizeof(out), &len, &e);
		drc_finish(drc, e, (const uint8_t *)"ok", 2);
	}
	key(&k, "10.0.0.9", 800, 1000, "slow");
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_BUSY);
	drc_finish(drc, first, (const uint8_t *)"done", 4);
	CU_ASSERT_EQUAL(drc_begin(drc, &k, out, sizeof(out), &len, &e),
	    DRC_HIT);
	drc_free(&drc);
}

int
suite_drc(void)
{
	static const struct unit_test tests[] = {
		{ "replay", test_replay },
		{ "key", test_key },
		{ "not kept", test_not_kept },
		{ "bounds", test_bounds },
		{ "in progress kept", test_busy_kept },
		{ NULL, NULL },
	};

	return unit_add_suite("drc", tests);
}
