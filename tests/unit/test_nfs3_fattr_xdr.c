/*
 * test_nfs3_fattr_xdr.c - the hand-written fattr3 encoder writes the
 * very bytes rpcgen's routine writes, alone and inside a post_op_attr,
 * for attributes with every word's high and low bits set; with less
 * room than it needs it fails as rpcgen's does; and what it wrote
 * decodes back to the attributes it was given.
 */
#include <string.h>

#include <rpc/rpc.h>

#include "nfs3_prot.h"
#include "unit.h"

#define WIRE	84
#define BUFSZ	256

bool_t	xdr_fattr3_rpcgen(XDR *, fattr3 *);

static fattr3
sample(uint32_t seed)
{
	fattr3 a;

	memset(&a, 0, sizeof(a));
	a.type = NF3REG + (ftype3)(seed % 7);
	a.mode = 0100644 ^ seed;
	a.nlink = 0x80000001u ^ seed;
	a.uid = 0xfffffffeu - seed;
	a.gid = 0x7fffffffu + seed;
	a.size = 0x8000000000000001ULL ^ ((uint64_t)seed << 33);
	a.used = 0x00000001ffffffffULL + seed;
	a.rdev.specdata1 = 0xdeadbeefu ^ seed;
	a.rdev.specdata2 = seed;
	a.fsid = 0xfedcba9876543210ULL ^ seed;
	a.fileid = 0x0123456789abcdefULL + seed;
	a.atime.seconds = 0xffffffffu - seed;
	a.atime.nseconds = 999999999u - seed;
	a.mtime.seconds = 1u + seed;
	a.mtime.nseconds = 1u << (seed % 30);
	a.ctime.seconds = 0x80000000u | seed;
	a.ctime.nseconds = 0;
	return a;
}

/* Encode with fn into buf of size room; the bytes written, or -1. */
static int
encode(bool_t (*fn)(XDR *, fattr3 *), fattr3 *a, char *buf, u_int room)
{
	XDR x;
	int n;

	memset(buf, 0xa5, BUFSZ);
	xdrmem_create(&x, buf, room, XDR_ENCODE);
	n = fn(&x, a) ? (int)xdr_getpos(&x) : -1;
	xdr_destroy(&x);
	return n;
}

static void
test_same_bytes(void)
{
	char ours[BUFSZ], theirs[BUFSZ];
	fattr3 a;
	uint32_t seed;

	for (seed = 0; seed < 64; seed++) {
		a = sample(seed * 2654435761u);
		CU_ASSERT_EQUAL_FATAL(encode(xdr_fattr3, &a, ours, BUFSZ),
		    WIRE);
		CU_ASSERT_EQUAL_FATAL(encode(xdr_fattr3_rpcgen, &a, theirs,
		    BUFSZ), WIRE);
		CU_ASSERT_EQUAL(memcmp(ours, theirs, BUFSZ), 0);
	}
}

/* Inside the union that carries it in most replies, after a word. */
static void
test_in_post_op_attr(void)
{
	char ours[BUFSZ], theirs[BUFSZ];
	post_op_attr p;
	XDR x;

	memset(&p, 0, sizeof(p));
	p.attributes_follow = TRUE;
	p.post_op_attr_u.attributes = sample(7);
	xdrmem_create(&x, ours, BUFSZ, XDR_ENCODE);
	CU_ASSERT_FATAL(xdr_post_op_attr(&x, &p));
	CU_ASSERT_EQUAL(xdr_getpos(&x), 4 + WIRE);
	xdr_destroy(&x);

	memset(theirs, 0, sizeof(theirs));
	xdrmem_create(&x, theirs, BUFSZ, XDR_ENCODE);
	CU_ASSERT_FATAL(xdr_bool(&x, &p.attributes_follow));
	CU_ASSERT_FATAL(xdr_fattr3_rpcgen(&x,
	    &p.post_op_attr_u.attributes));
	xdr_destroy(&x);
	CU_ASSERT_EQUAL(memcmp(ours, theirs, 4 + WIRE), 0);
}

static void
test_short_room(void)
{
	char buf[BUFSZ];
	fattr3 a = sample(3);
	u_int room;

	for (room = 0; room < WIRE; room += 4) {
		CU_ASSERT_EQUAL(encode(xdr_fattr3, &a, buf, room), -1);
		CU_ASSERT_EQUAL(encode(xdr_fattr3_rpcgen, &a, buf, room),
		    -1);
	}
	CU_ASSERT_EQUAL(encode(xdr_fattr3, &a, buf, WIRE), WIRE);
}

static void
test_decodes_back(void)
{
	char buf[BUFSZ];
	fattr3 a = sample(11), b;
	XDR x;

	CU_ASSERT_EQUAL_FATAL(encode(xdr_fattr3, &a, buf, BUFSZ), WIRE);
	memset(&b, 0, sizeof(b));
	xdrmem_create(&x, buf, WIRE, XDR_DECODE);
	CU_ASSERT_FATAL(xdr_fattr3(&x, &b));
	xdr_destroy(&x);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
}

static int
suite_nfs3_fattr_xdr(void)
{
	static const struct unit_test tests[] = {
		{ "the bytes rpcgen writes", test_same_bytes },
		{ "inside post_op_attr", test_in_post_op_attr },
		{ "too little room fails", test_short_room },
		{ "decodes back", test_decodes_back },
		{ NULL, NULL },
	};
	return unit_add_suite("nfs3_fattr_xdr", tests);
}
UNIT_REGISTER(suite_nfs3_fattr_xdr);
