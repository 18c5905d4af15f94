/*
 * test_dispatch.c - the dispatcher against a small program table:
 * PROG_UNAVAIL, PROG_MISMATCH with low/high, PROC_UNAVAIL,
 * GARBAGE_ARGS, AUTH_TOOWEAK, and a real call with results; which
 * calls the loop may run itself; and that a call found once (as the
 * loop routes it) is answered, and counted, as the dispatcher always
 * answered a record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "stats.h"
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

/* The caller's uid, from the header the dispatcher hands on. */
static enum rpc_status
toy_uid(struct rpc_req *req, void *argp, void *resp)
{
	(void)argp;
	*(u_int *)resp = req->hdr->sys.uid;
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
	{ "UID", toy_uid, (xdrproc_t)rpc_xdr_void, 0,
	    (xdrproc_t)xdr_u_int, sizeof(u_int), RPC_PROC_AUTH_SYS, NULL },
};

static const struct rpc_vers toy_vers[] = {
	{ 2, toy_procs, 5 },
	{ 4, toy_procs, 5 },
};

static const struct rpc_prog toy = { TOY_PROG, "toy", toy_vers, 2 };

static uint32_t
word(const uint8_t *p, size_t i)
{
	p += i * 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Dispatch a call found before, counted in st (may be NULL). */
static enum rpc_disp
run_call(const struct rpc_call *call, struct rpc_stats *st, uint8_t *out,
    size_t *outlen)
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
	req.stats = st;
	CU_ASSERT_FATAL(arena_init(&a) == 0);
	req.arena = &a;
	*outlen = 0;
	d = rpc_dispatch(&toy, &req, call, out, 512, outlen);
	arena_free(&a);
	return d;
}

/* Dispatch c; returns the disposition, reply in out. */
static enum rpc_disp
run(struct callbuf *c, uint8_t *out, size_t *outlen)
{
	struct rpc_call call;

	rpc_call_find(&toy, 1, c->b, c->n, &call);
	return run_call(&call, NULL, out, outlen);
}

static bool
quick(const struct callbuf *c)
{
	struct rpc_call call;

	rpc_call_find(&toy, 1, c->b, c->n, &call);
	return rpc_call_quick(&call);
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
	uint32_t procs[] = { 1, 5, 0xffffffffu };
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
	CU_ASSERT_TRUE(quick(&c));

	cb_head(&c, 1, 2, TOY_PROG, 2, 2);		/* not flagged */
	cb_authsys(&c, "h", 1, 1, 0);
	cb_u32(&c, 1);
	CU_ASSERT_FALSE(quick(&c));

	cb_head(&c, 1, 2, TOY_PROG, 2, 3);		/* its predicate */
	cb_authnone(&c);
	cb_u32(&c, 2);
	CU_ASSERT_TRUE(quick(&c));
	cb_head(&c, 1, 2, TOY_PROG, 2, 3);
	cb_authnone(&c);
	cb_u32(&c, 3);
	CU_ASSERT_FALSE(quick(&c));

	/* Calls that only get an error touch no disk: quick. */
	cb_head(&c, 1, 2, 123456, 2, 0);
	cb_authnone(&c);
	CU_ASSERT_TRUE(quick(&c));
	cb_head(&c, 1, 2, TOY_PROG, 2, 1);		/* the GAP */
	cb_authnone(&c);
	CU_ASSERT_TRUE(quick(&c));
	memcpy(c.b, "GET / HTTP/1.1\r\n", 16);
	c.n = 16;
	CU_ASSERT_TRUE(quick(&c));
}

/* The handler sees the header that rpc_call_find decoded. */
static void
test_handler_hdr(void)
{
	struct callbuf c;
	uint8_t out[512];
	size_t n;

	cb_head(&c, 9, 2, TOY_PROG, 2, 4);
	cb_authsys(&c, "h", 1234, 5, 2);
	CU_ASSERT_EQUAL(run(&c, out, &n), RPC_DISP_REPLY);
	CU_ASSERT_EQUAL(n, 28);
	CU_ASSERT_EQUAL(word(out, 0), 9);
	CU_ASSERT_EQUAL(word(out, 5), ACC_SUCCESS);
	CU_ASSERT_EQUAL(word(out, 6), 1234);
}

/* What stats_print says of one event (its "name: N" line), or -1. */
static long
event_count(struct rpc_stats *st, const char *name)
{
	char *buf = NULL, *p;
	size_t size = 0;
	long n = -1;
	FILE *f;

	if ((f = open_memstream(&buf, &size)) == NULL)
		return -1;
	stats_print(st, f);
	fclose(f);
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, name, strlen(name)) == 0 &&
		    p[strlen(name)] == ':') {
			n = strtol(p + strlen(name) + 1, NULL, 10);
			break;
		}
	}
	free(buf);
	return n;
}

/* One record of each class: its reply and the event it counts. */
struct call_case {
	const char	*what;
	uint32_t	 rpcvers, prog, vers, proc;
	int		 cred;		/* 0 none, 1 sys, 2 bad sys, 3 http */
	enum rpc_decode	 decoded;
	bool		 prog_found, vers_found, proc_found;
	enum rpc_disp	 disp;
	uint32_t	 word, value;	/* reply word (index) and its value */
	const char	*event;		/* counted once; NULL: none */
};

static const struct call_case call_cases[] = {
	{ "RPC_MISMATCH", 3, TOY_PROG, 2, 0, 0, RPC_DECODE_MISMATCH,
	    false, false, false, RPC_DISP_REPLY, 3, 0, NULL },
	{ "AUTH_BADCRED", 2, TOY_PROG, 2, 0, 2, RPC_DECODE_AUTH,
	    false, false, false, RPC_DISP_REPLY, 4, RPC_AUTH_BADCRED,
	    "auth errors" },
	{ "PROG_UNAVAIL", 2, 123456, 2, 0, 0, RPC_DECODE_OK,
	    false, false, false, RPC_DISP_REPLY, 5, ACC_PROG_UNAVAIL,
	    "unavailable program/version/procedure" },
	{ "PROG_MISMATCH", 2, TOY_PROG, 3, 0, 0, RPC_DECODE_OK,
	    true, false, false, RPC_DISP_REPLY, 5, ACC_PROG_MISMATCH,
	    "unavailable program/version/procedure" },
	{ "PROC_UNAVAIL", 2, TOY_PROG, 2, 1, 0, RPC_DECODE_OK,
	    true, true, false, RPC_DISP_REPLY, 5, ACC_PROC_UNAVAIL,
	    "unavailable program/version/procedure" },
	{ "AUTH_TOOWEAK", 2, TOY_PROG, 2, 2, 0, RPC_DECODE_OK,
	    true, true, true, RPC_DISP_REPLY, 4, RPC_AUTH_TOOWEAK,
	    "auth errors" },
	{ "garbage", 2, TOY_PROG, 2, 0, 3, RPC_DECODE_DROP,
	    false, false, false, RPC_DISP_CLOSE, 0, 0,
	    "connections closed for garbage" },
	{ "success", 2, TOY_PROG, 4, 2, 1, RPC_DECODE_OK,
	    true, true, true, RPC_DISP_REPLY, 6, 42, NULL },
};

static const char *const event_names[] = {
	"auth errors", "garbage arguments",
	"unavailable program/version/procedure",
	"connections closed for garbage",
};

static void
make_case(struct callbuf *c, const struct call_case *k)
{
	cb_head(c, 77, k->rpcvers, k->prog, k->vers, k->proc);
	if (k->cred == 1)
		cb_authsys(c, "h", 1, 1, 0);
	else if (k->cred == 2)
		cb_authsys(c, "h", 0, 0, 17);	/* over 16 gids */
	else
		cb_authnone(c);
	if (k->cred == 3) {
		memcpy(c->b, "GET / HTTP/1.1\r\n", 16);
		c->n = 16;
	} else
		cb_u32(c, 41);
}

/*
 * A call is found once, routed (rpc_call_quick) and dispatched, as the
 * loop does: each class gets the reply it always got, every event is
 * counted once, and the same found call dispatched again (the
 * dispatcher decodes nothing itself) answers the same bytes.
 */
static void
test_found_once(void)
{
	const struct call_case *k;
	struct rpc_stats *st;
	struct rpc_call call;
	struct callbuf c;
	uint8_t out[512], again[512];
	size_t i, j, n, n2;
	long want;

	for (i = 0; i < sizeof(call_cases) / sizeof(call_cases[0]); i++) {
		k = &call_cases[i];
		make_case(&c, k);
		CU_ASSERT_FATAL((st = stats_create(&toy, 1)) != NULL);
		rpc_call_find(&toy, 1, c.b, c.n, &call);
		CU_ASSERT_EQUAL(call.decoded, k->decoded);
		CU_ASSERT_EQUAL(call.prog != NULL, k->prog_found);
		CU_ASSERT_EQUAL(call.vers != NULL, k->vers_found);
		CU_ASSERT_EQUAL(call.proc != NULL, k->proc_found);
		CU_ASSERT_TRUE(call.rec == c.b && call.len == c.n);
		(void)rpc_call_quick(&call);
		CU_ASSERT_EQUAL(run_call(&call, st, out, &n), k->disp);
		if (k->disp == RPC_DISP_REPLY) {
			CU_ASSERT_EQUAL(word(out, 0), 77);
			CU_ASSERT_EQUAL(word(out, k->word), k->value);
		}
		for (j = 0; j < sizeof(event_names) / sizeof(event_names[0]);
		    j++) {
			want = k->event != NULL &&
			    strcmp(k->event, event_names[j]) == 0;
			if (event_count(st, event_names[j]) != want)
				CU_FAIL(k->what);
		}
		CU_ASSERT_EQUAL(run_call(&call, NULL, again, &n2), k->disp);
		CU_ASSERT_EQUAL(n2, n);
		CU_ASSERT_EQUAL(memcmp(out, again, n), 0);
		stats_free(&st);
	}
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
		{ "handler sees the header", test_handler_hdr },
		{ "found once, answered as before", test_found_once },
		{ NULL, NULL },
	};

	return unit_add_suite("dispatch", tests);
}
