/*
 * test_nfs3_xdr.c - the hand-written XDR routines (proto/nfs3_xdr.c)
 * against rpcgen's.  fattr3: the very bytes rpcgen's routine writes,
 * alone and inside a post_op_attr, for attributes with every word's
 * high and low bits set; with less room than it needs it fails as
 * rpcgen's does; what it wrote decodes back.  nfs_fh3: the same bytes
 * (length, data, zero padding) for every length up to 64; longer
 * refused either way; every length decodes back into memory xdr_free
 * frees, also when the stream ends inside the handle, and into a buffer
 * the caller gave.
 */
#include <stdlib.h>
#include <string.h>

#include <rpc/rpc.h>

#include "nfs3_prot.h"
#include "unit.h"

#define WIRE	84
#define BUFSZ	256

bool_t	xdr_fattr3_rpcgen(XDR *, fattr3 *);
bool_t	xdr_nfs_fh3_rpcgen(XDR *, nfs_fh3 *);

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

/* An encoding stream over buf (filled with a pattern), room long. */
static XDR *
enc_begin(XDR *x, char *buf, u_int room)
{
	memset(buf, 0xa5, BUFSZ);
	xdrmem_create(x, buf, room, XDR_ENCODE);
	return x;
}

/* The bytes an encoding wrote, or -1 if it failed. */
static int
enc_end(XDR *x, bool_t ok)
{
	int n = ok ? (int)xdr_getpos(x) : -1;

	xdr_destroy(x);
	return n;
}

/* Encode with fn into buf of size room; the bytes written, or -1. */
static int
encode(bool_t (*fn)(XDR *, fattr3 *), fattr3 *a, char *buf, u_int room)
{
	XDR x;

	return enc_end(&x, fn(enc_begin(&x, buf, room), a));
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

/* Encode fh with fn into buf of size room; the bytes written, or -1. */
static int
fh_encode(bool_t (*fn)(XDR *, nfs_fh3 *), nfs_fh3 *fh, char *buf,
    u_int room)
{
	XDR x;

	return enc_end(&x, fn(enc_begin(&x, buf, room), fh));
}

static void
test_fh_same_bytes(void)
{
	char data[NFS3_FHSIZE + 1], ours[BUFSZ], theirs[BUFSZ];
	nfs_fh3 fh;
	u_int len;
	int n;

	for (len = 0; len <= NFS3_FHSIZE + 1; len++) {
		memset(data, (int)(0x40 + len), sizeof(data));
		fh.data.data_len = len;
		fh.data.data_val = len > 0 ? data : NULL;
		n = fh_encode(xdr_nfs_fh3, &fh, ours, BUFSZ);
		CU_ASSERT_EQUAL(n, fh_encode(xdr_nfs_fh3_rpcgen, &fh, theirs,
		    BUFSZ));
		CU_ASSERT_EQUAL(n, len <= NFS3_FHSIZE ?
		    (int)(4 + RNDUP(len)) : -1);
		if (n > 0)
			CU_ASSERT_EQUAL(memcmp(ours, theirs, (size_t)n), 0);
	}
	fh.data.data_len = 10;
	fh.data.data_val = data;
	CU_ASSERT_EQUAL(fh_encode(xdr_nfs_fh3, &fh, ours, 12), -1);
	CU_ASSERT_EQUAL(fh_encode(xdr_nfs_fh3, &fh, ours, 16), 16);
}

static void
test_fh_decodes_back(void)
{
	char data[NFS3_FHSIZE], buf[BUFSZ], mine[NFS3_FHSIZE];
	nfs_fh3 in, out;
	u_int len;
	XDR x;
	int n;

	for (len = 0; len <= NFS3_FHSIZE; len++) {
		memset(data, (int)len, sizeof(data));
		in.data.data_len = len;
		in.data.data_val = data;
		n = fh_encode(xdr_nfs_fh3, &in, buf, BUFSZ);
		CU_ASSERT_FATAL(n > 0);
		memset(&out, 0, sizeof(out));
		xdrmem_create(&x, buf, (u_int)n, XDR_DECODE);
		CU_ASSERT(xdr_nfs_fh3(&x, &out));
		xdr_destroy(&x);
		CU_ASSERT_EQUAL(out.data.data_len, len);
		if (len > 0)
			CU_ASSERT(out.data.data_val != NULL &&
			    memcmp(out.data.data_val, data, len) == 0);
		xdr_free((xdrproc_t)xdr_nfs_fh3, (char *)&out);

		/* The stream ends inside the handle: refused, nothing kept. */
		if (len >= 8) {
			memset(&out, 0, sizeof(out));
			xdrmem_create(&x, buf, (u_int)n - 4, XDR_DECODE);
			CU_ASSERT_FALSE(xdr_nfs_fh3(&x, &out));
			xdr_destroy(&x);
			xdr_free((xdrproc_t)xdr_nfs_fh3, (char *)&out);
		}
	}

	/* A length over NFS3_FHSIZE on the wire. */
	memset(buf, 0, sizeof(buf));
	buf[3] = NFS3_FHSIZE + 1;
	memset(&out, 0, sizeof(out));
	xdrmem_create(&x, buf, BUFSZ, XDR_DECODE);
	CU_ASSERT_FALSE(xdr_nfs_fh3(&x, &out));
	xdr_destroy(&x);
	xdr_free((xdrproc_t)xdr_nfs_fh3, (char *)&out);

	/* Into a buffer the caller gave. */
	in.data.data_len = 20;
	in.data.data_val = data;
	n = fh_encode(xdr_nfs_fh3, &in, buf, BUFSZ);
	out.data.data_len = 0;
	out.data.data_val = mine;
	xdrmem_create(&x, buf, (u_int)n, XDR_DECODE);
	CU_ASSERT(xdr_nfs_fh3(&x, &out));
	xdr_destroy(&x);
	CU_ASSERT(out.data.data_val == mine && out.data.data_len == 20 &&
	    memcmp(mine, data, 20) == 0);
}

static int
suite_nfs3_xdr(void)
{
	static const struct unit_test tests[] = {
		{ "fattr3: the bytes rpcgen writes", test_same_bytes },
		{ "fattr3: inside post_op_attr", test_in_post_op_attr },
		{ "fattr3: too little room fails", test_short_room },
		{ "fattr3: decodes back", test_decodes_back },
		{ "nfs_fh3: the bytes rpcgen writes", test_fh_same_bytes },
		{ "nfs_fh3: decodes back", test_fh_decodes_back },
		{ NULL, NULL },
	};
	return unit_add_suite("nfs3_xdr", tests);
}
UNIT_REGISTER(suite_nfs3_xdr);
