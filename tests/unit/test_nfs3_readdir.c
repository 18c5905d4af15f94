/*
 * test_nfs3_readdir.c - which READDIR and READDIRPLUS calls the event
 * loop may run itself (nfs3_readdir_quick): those from cookie 0,
 * whatever the handle's length and counts; never one going on from
 * another cookie (a worker's), nor arguments too short to tell.
 */
#include <string.h>

#include "../../nfsd/nfs3.h"
#include "unit.h"

static const uint32_t fhlens[] = { 0, 1, 3, 4, 28, 63, 64 };

static size_t
rdp_args(uint8_t *buf, size_t cap, uint32_t fhlen, uint64_t cookie)
{
	READDIRPLUS3args a;
	uint8_t fh[NFS3_FHSIZE];
	XDR x;

	memset(&a, 0, sizeof(a));
	memset(fh, 0xab, sizeof(fh));
	a.dir.data.data_len = fhlen;
	a.dir.data.data_val = (char *)fh;
	a.cookie = cookie;
	memset(a.cookieverf, 0xcd, sizeof(a.cookieverf));
	a.dircount = 8192;
	a.maxcount = 32768;
	xdrmem_create(&x, (char *)buf, (u_int)cap, XDR_ENCODE);
	CU_ASSERT_FATAL(xdr_READDIRPLUS3args(&x, &a));
	return xdr_getpos(&x);
}

static size_t
rd_args(uint8_t *buf, size_t cap, uint32_t fhlen, uint64_t cookie)
{
	READDIR3args a;
	uint8_t fh[NFS3_FHSIZE];
	XDR x;

	memset(&a, 0, sizeof(a));
	memset(fh, 0, sizeof(fh));
	a.dir.data.data_len = fhlen;
	a.dir.data.data_val = (char *)fh;
	a.cookie = cookie;
	a.count = 4096;
	xdrmem_create(&x, (char *)buf, (u_int)cap, XDR_ENCODE);
	CU_ASSERT_FATAL(xdr_READDIR3args(&x, &a));
	return xdr_getpos(&x);
}

static void
test_cookie(void)
{
	static const uint64_t going_on[] = { 1, 0x100, 1ULL << 32,
	    1ULL << 63, UINT64_MAX };
	uint8_t buf[256];
	size_t i, j, n;

	for (i = 0; i < sizeof(fhlens) / sizeof(fhlens[0]); i++) {
		n = rdp_args(buf, sizeof(buf), fhlens[i], 0);
		CU_ASSERT_TRUE(nfs3_readdir_quick(buf, n));
		n = rd_args(buf, sizeof(buf), fhlens[i], 0);
		CU_ASSERT_TRUE(nfs3_readdir_quick(buf, n));
		for (j = 0; j < sizeof(going_on) / sizeof(going_on[0]); j++) {
			n = rdp_args(buf, sizeof(buf), fhlens[i], going_on[j]);
			CU_ASSERT_FALSE(nfs3_readdir_quick(buf, n));
			n = rd_args(buf, sizeof(buf), fhlens[i], going_on[j]);
			CU_ASSERT_FALSE(nfs3_readdir_quick(buf, n));
		}
	}
}

static void
test_short_or_bad(void)
{
	uint8_t buf[256];
	size_t n, cut;

	n = rdp_args(buf, sizeof(buf), 28, 0);
	for (cut = 0; cut < 4 + 28 + 8; cut++)	/* up to the cookie's end */
		CU_ASSERT_FALSE(nfs3_readdir_quick(buf, cut));
	CU_ASSERT_TRUE(nfs3_readdir_quick(buf, 4 + 28 + 8));
	/* A handle longer than NFS3_FHSIZE: the worker rejects it. */
	buf[3] = 65;
	CU_ASSERT_FALSE(nfs3_readdir_quick(buf, n));
	buf[0] = 0xff;
	CU_ASSERT_FALSE(nfs3_readdir_quick(buf, n));
}

static int
suite_nfs3_readdir(void)
{
	static const struct unit_test tests[] = {
		{ "quick from cookie 0 only", test_cookie },
		{ "short or bad arguments", test_short_or_bad },
		{ NULL, NULL },
	};

	return unit_add_suite("nfs3_readdir_quick", tests);
}

UNIT_REGISTER(suite_nfs3_readdir);
