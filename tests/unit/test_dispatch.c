/*
 * test_dispatch.c - the dispatcher against a small program table:
 * PROG_UNAVAIL, PROG_MISMATCH with low/high, PROC_UNAVAIL,
 * GARBAGE_ARGS, AUTH_TOOWEAK, and a real call with results.
 */
#include <string.h>

#include "arena.h"
#include "svc.h"
#include "unit.h"

#define TOY_PROG	400000

static enum rpc_status
toy_echo(struct rpc_req *req, void *argp, void *resp)
{
	(void)req;
	*(u_int *)resp = *(u_int *)argp + 1;
	return RPC_OK;
}

/* Quick when its argument is even. */
static bool
toy_even(const uint8_t *args, size_t len)
{
	return len >= 4 && (args[3] & 1) == 0;
}

static const struct rpc_proc toy_procs[] = {
	{ "NULL", toy_echo, (xdrproc_t)xdr_u_int, sizeof(u_int),
	    (xdrproc_t)xdr_u_int, sizeof(u_int), RPC_PROC_QUICK, NULL },
	{ "GAP", NULL, NULL, 0, NULL, 0, 0, NULL },
	{ "ECHO", toy_echo, (xdrproc_t)xdr_u_int, sizeof(u_int),
	    (xdrproc_t)xdr_u_int, sizeof(u_int), RPC_PROC_AUTH_SYS, NULL },
	{ "EVEN", toy_echo, (xdrproc_t)xdr_u_int, sizeof(u_int),
	    (xdrproc_t)xdr_u_int, sizeof(u_int), 0, toy_even },
};

static const struct rpc_vers toy_vers[] = {
	{ 2, toy_procs, 4 },
	{ 4, toy_procs, 4 },
};

static const struct rpc_prog toy = { TOY_PROG, "toy", toy_vers, 2 };

static uint32_t
word(const uint8_t *p, size_t i)
{
	p += i * 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Dispatch c; returns the disposition, reply in out. */
static enum rpc_disp
run(struct callbuf *c, uint8_t *out, size_t *outlen)
{
	struct arena a;
	struct rpc_req req;
	struct sockaddr_storage ss;
	enum rpc_disp d;

	memset(&req, 0, sizeof(req));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_INET;
	req.peer = (struct sockaddr *)&ss;
	req.peerlen = sizeof(struct sockaddr_in);
	CU_ASSERT_FATAL(arena_init(&a) == 0);
	req.arena = &a;
	d = rpc_dispatch(&toy, 1, &req, c->b, c->n, out, 512, outlen);
	arena_free(&a);
	return d;
}

static void
test_success(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	cb_head(&c, 77, 2, TOY_PROG, 4, 2);
	cb_authsys(&c, "h", 1, 1, 0);
	cb_u32(&c, 41);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(n, 28);
	CU_ASSERT_EQUAL(word(out, 0), 77);
	CU_ASSERT_EQUAL(word(out, 5), ACC_SUCCESS);
	CU_ASSERT_EQUAL(word(out, 6), 42);
}

static void
test_prog_unavail(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	cb_head(&c, 1, 2, 123456, 2, 0);
	cb_authnone(&c);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 5), ACC_PROG_UNAVAIL);
}

static void
test_prog_mismatch(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	cb_head(&c, 1, 2, TOY_PROG, 3, 0);
	cb_authnone(&c);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 5), ACC_PROG_MISMATCH);
	CU_ASSERT_EQUAL(word(out, 6), 2);
	CU_ASSERT_EQUAL(word(out, 7), 4);
}

static void
test_proc_unavail(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;
	uint32_t procs[] = { 1, 4, 0xffffffffu };
	size_t i;

	for (i = 0; i < 3; i++) {
		cb_head(&c, 1, 2, TOY_PROG, 2, procs[i]);
		cb_authnone(&c);
		CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
		CU_ASSERT_EQUAL(word(out, 5), ACC_PROC_UNAVAIL);
	}
}

static void
test_garbage_args(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	cb_head(&c, 1, 2, TOY_PROG, 2, 0);
	cb_authnone(&c);
	cb_u32(&c, 5);
	c.n -= 2;				/* half an argument */
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 5), ACC_GARBAGE_ARGS);
}

static void
test_tooweak(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	/* AUTH_NONE where AUTH_SYS is required. */
	cb_head(&c, 1, 2, TOY_PROG, 2, 2);
	cb_authnone(&c);
	cb_u32(&c, 1);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 2), 1);		/* MSG_DENIED */
	CU_ASSERT_EQUAL(word(out, 3), 1);		/* AUTH_ERROR */
	CU_ASSERT_EQUAL(word(out, 4), RPC_AUTH_TOOWEAK);

	/* AUTH_DH anywhere. */
	cb_head(&c, 1, 2, TOY_PROG, 2, 0);
	cb_u32(&c, RPC_AUTH_DH);
	cb_opaque(&c, "abcd", 4);
	cb_u32(&c, 0);
	cb_u32(&c, 0);
	cb_u32(&c, 1);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 4), RPC_AUTH_TOOWEAK);
}

static void
test_denied_and_close(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	cb_head(&c, 1, 3, TOY_PROG, 2, 0);
	cb_authnone(&c);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 2), 1);		/* MSG_DENIED */
	CU_ASSERT_EQUAL(word(out, 3), 0);		/* RPC_MISMATCH */

	cb_head(&c, 1, 2, TOY_PROG, 2, 0);
	cb_authsys(&c, "h", 0, 0, 17);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(word(out, 4), RPC_AUTH_BADCRED);

	memcpy(c.b, "GET / HTTP/1.1\r\n", 16);
	c.n = 16;
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_CLOSE);
}

/* Which calls the event loop may run itself. */
static void
test_quick(void)
{
	struct callbuf c;

	cb_head(&c, 1, 2, TOY_PROG, 2, 0);		/* flagged quick */
	cb_authnone(&c);
	cb_u32(&c, 1);
	CU_ASSERT_TRUE(rpc_call_quick(&toy, 1, c.b, c.n));

	cb_head(&c, 1, 2, TOY_PROG, 2, 2);		/* not flagged */
	cb_authsys(&c, "h", 1, 1, 0);
	cb_u32(&c, 1);
	CU_ASSERT_FALSE(rpc_call_quick(&toy, 1, c.b, c.n));

	cb_head(&c, 1, 2, TOY_PROG, 2, 3);		/* its predicate */
	cb_authnone(&c);
	cb_u32(&c, 2);
	CU_ASSERT_TRUE(rpc_call_quick(&toy, 1, c.b, c.n));
	cb_head(&c, 1, 2, TOY_PROG, 2, 3);
	cb_authnone(&c);
	cb_u32(&c, 3);
	CU_ASSERT_FALSE(rpc_call_quick(&toy, 1, c.b, c.n));

	/* Calls that only get an error touch no disk: quick. */
	cb_head(&c, 1, 2, 123456, 2, 0);
	cb_authnone(&c);
	CU_ASSERT_TRUE(rpc_call_quick(&toy, 1, c.b, c.n));
	cb_head(&c, 1, 2, TOY_PROG, 2, 1);		/* the GAP */
	cb_authnone(&c);
	CU_ASSERT_TRUE(rpc_call_quick(&toy, 1, c.b, c.n));
	memcpy(c.b, "GET / HTTP/1.1\r\n", 16);
	c.n = 16;
	CU_ASSERT_TRUE(rpc_call_quick(&toy, 1, c.b, c.n));
}

int
suite_dispatch(void)
{
	static const struct unit_test tests[] = {
		{ "success", test_success },
		{ "PROG_UNAVAIL", test_prog_unavail },
		{ "PROG_MISMATCH", test_prog_mismatch },
		{ "PROC_UNAVAIL", test_proc_unavail },
		{ "GARBAGE_ARGS", test_garbage_args },
		{ "AUTH_TOOWEAK", test_tooweak },
		{ "denied, close", test_denied_and_close },
		{ "quick calls", test_quick },
		{ NULL, NULL },
	};

	return unit_add_suite("dispatch", tests);
}
