/*
 * test_msg.c - call header and AUTH_SYS credential decoding, with
 * every error RFC 5531 names, and the reply headers we write.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "record.h"
#include "unit.h"

static uint32_t
u32_at(const uint8_t *p, size_t i)
{
	p += i * 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
test_good_authsys(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;

	cb_head(&c, 0xabcd, 2, 100003, 3, 1);
	cb_authsys(&c, "mx1.example", 2001, 2001, 16);
	cb_u32(&c, 0xdead);	/* arguments */
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_OK);
	CU_ASSERT_EQUAL(h.xid, 0xabcd);
	CU_ASSERT_EQUAL(h.prog, 100003);
	CU_ASSERT_EQUAL(h.vers, 3);
	CU_ASSERT_EQUAL(h.proc, 1);
	CU_ASSERT_EQUAL(h.cred_flavor, RPC_AUTH_SYS);
	CU_ASSERT_STRING_EQUAL(h.sys.machine, "mx1.example");
	CU_ASSERT_EQUAL(h.sys.uid, 2001);
	CU_ASSERT_EQUAL(h.sys.ngids, 16);
	CU_ASSERT_EQUAL(h.sys.gids[15], 115);
	CU_ASSERT_EQUAL(h.args_off, c.n - 4);
}

static void
test_good_none(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;

	cb_head(&c, 7, 2, 100005, 3, 0);
	cb_authnone(&c);
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_OK);
	CU_ASSERT_EQUAL(h.cred_flavor, RPC_AUTH_NONE);
	CU_ASSERT_EQUAL(h.args_off, c.n);
}

static void
test_rpcvers(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;

	cb_head(&c, 9, 3, 100003, 3, 0);
	cb_authnone(&c);
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_MISMATCH);
	CU_ASSERT_EQUAL(h.xid, 9);
}

static void
test_not_a_call(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;
	size_t n;

	cb_head(&c, 9, 2, 100003, 3, 0);
	cb_authnone(&c);
	c.b[7] = 1;				/* REPLY, not CALL */
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_DROP);
	c.b[7] = 0;
	for (n = 0; n < 24; n++)		/* truncated header */
		CU_ASSERT_EQUAL(rpc_call_decode(c.b, n, &h), RPC_DECODE_DROP);
}

/*
 * An empty record (a last fragment of length 0) leaves the reassembler
 * as no buffer at all; the decoder drops it without doing arithmetic on
 * the NULL pointer (fuzz_record, clang UBSan: "applying zero offset to
 * null pointer").
 */
static void
test_empty_record(void)
{
	static const uint8_t mark[REC_MARK_SIZE] = { 0x80, 0, 0, 0 };
	struct rec_reader r;
	struct rpc_call_hdr h;
	uint8_t *rec;
	size_t used, len;

	rec_init(&r, 1024);
	CU_ASSERT_EQUAL(rec_feed(&r, mark, sizeof(mark), &used), REC_DONE);
	rec = rec_take(&r, &len);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(rpc_call_decode(rec, len, &h), RPC_DECODE_DROP);
	free(rec);
	rec_free(&r);
}

static void
test_truncated_auth(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;
	size_t n, full;

	cb_head(&c, 1, 2, 100003, 3, 0);
	cb_authsys(&c, "host", 0, 0, 2);
	full = c.n;
	/* Cut inside the credential: BADCRED; inside the verifier: BADVERF. */
	for (n = 24; n < full; n++) {
		CU_ASSERT_EQUAL(rpc_call_decode(c.b, n, &h), RPC_DECODE_AUTH);
		CU_ASSERT(h.auth_stat == (n < full - 8 ? RPC_AUTH_BADCRED :
		    RPC_AUTH_BADVERF));
	}
}

static void
test_17_gids(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;

	cb_head(&c, 1, 2, 100003, 3, 1);
	cb_authsys(&c, "host", 0, 0, 17);
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_AUTH);
	CU_ASSERT_EQUAL(h.auth_stat, RPC_AUTH_BADCRED);
}

static void
test_long_machine(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;
	char name[257];

	memset(name, 'm', 256);
	name[256] = '\0';
	cb_head(&c, 1, 2, 100003, 3, 1);
	cb_authsys(&c, name, 0, 0, 0);
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_AUTH);
	CU_ASSERT_EQUAL(h.auth_stat, RPC_AUTH_BADCRED);

	name[255] = '\0';		/* 255 is the limit, and fine */
	cb_head(&c, 1, 2, 100003, 3, 1);
	cb_authsys(&c, name, 0, 0, 0);
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_OK);
}

static void
test_oversized_body(void)
{
	struct callbuf c;
	struct rpc_call_hdr h;
	uint8_t body[404];

	memset(body, 0, sizeof(body));
	cb_head(&c, 1, 2, 100003, 3, 1);
	cb_u32(&c, 0);			/* AUTH_NONE with a 404-byte body */
	cb_opaque(&c, body, sizeof(body));
	cb_u32(&c, 0);
	cb_u32(&c, 0);
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_AUTH);
	CU_ASSERT_EQUAL(h.auth_stat, RPC_AUTH_BADCRED);

	cb_head(&c, 1, 2, 100003, 3, 1);
	cb_authnone(&c);
	c.n -= 8;			/* verifier with a 404-byte body */
	cb_u32(&c, 0);
	cb_opaque(&c, body, sizeof(body));
	CU_ASSERT_EQUAL(rpc_call_decode(c.b, c.n, &h), RPC_DECODE_AUTH);
	CU_ASSERT_EQUAL(h.auth_stat, RPC_AUTH_BADVERF);
}

static void
test_authsys_trailing(void)
{
	struct callbuf body = { .n = 0 };
	struct rpc_authsys sys;

	cb_u32(&body, 1);
	cb_opaque(&body, "h", 1);
	cb_u32(&body, 0);
	cb_u32(&body, 0);
	cb_u32(&body, 0);
	CU_ASSERT_EQUAL(rpc_authsys_decode(body.b, body.n, &sys), 0);
	cb_u32(&body, 0);		/* a stray word after the gids */
	CU_ASSERT_EQUAL(rpc_authsys_decode(body.b, body.n, &sys), -1);
}

static void
test_replies(void)
{
	uint8_t out[RPC_REPLY_HDR_MAX];
	size_t n;

	n = rpc_reply_accepted(out, 5, ACC_PROC_UNAVAIL);
	CU_ASSERT_EQUAL(n, 24);
	CU_ASSERT_EQUAL(u32_at(out, 0), 5);
	CU_ASSERT_EQUAL(u32_at(out, 1), 1);	/* REPLY */
	CU_ASSERT_EQUAL(u32_at(out, 2), 0);	/* MSG_ACCEPTED */
	CU_ASSERT_EQUAL(u32_at(out, 5), 3);

	n = rpc_reply_prog_mismatch(out, 5, 1, 3);
	CU_ASSERT_EQUAL(n, 32);
	CU_ASSERT_EQUAL(u32_at(out, 5), 2);
	CU_ASSERT_EQUAL(u32_at(out, 6), 1);
	CU_ASSERT_EQUAL(u32_at(out, 7), 3);

	n = rpc_reply_rpc_mismatch(out, 5);
	CU_ASSERT_EQUAL(n, 24);
	CU_ASSERT_EQUAL(u32_at(out, 2), 1);	/* MSG_DENIED */
	CU_ASSERT_EQUAL(u32_at(out, 3), 0);	/* RPC_MISMATCH */
	CU_ASSERT_EQUAL(u32_at(out, 4), 2);
	CU_ASSERT_EQUAL(u32_at(out, 5), 2);

	n = rpc_reply_auth_error(out, 5, RPC_AUTH_TOOWEAK);
	CU_ASSERT_EQUAL(n, 20);
	CU_ASSERT_EQUAL(u32_at(out, 3), 1);	/* AUTH_ERROR */
	CU_ASSERT_EQUAL(u32_at(out, 4), 5);
}

int
suite_msg(void)
{
	static const struct unit_test tests[] = {
		{ "AUTH_SYS call", test_good_authsys },
		{ "AUTH_NONE call", test_good_none },
		{ "rpcvers 3", test_rpcvers },
		{ "not a call, truncated", test_not_a_call },
		{ "empty record", test_empty_record },
		{ "truncated credential and verifier", test_truncated_auth },
		{ "17 gids", test_17_gids },
		{ "machine name over 255", test_long_machine },
		{ "auth body over 400", test_oversized_body },
		{ "AUTH_SYS trailing bytes", test_authsys_trailing },
		{ "reply headers", test_replies },
		{ NULL, NULL },
	};

	return unit_add_suite("msg", tests);
}
