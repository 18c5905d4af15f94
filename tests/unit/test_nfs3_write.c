/*
 * test_nfs3_write.c - which WRITEs the event loop may run itself
 * (nfs3_write_quick): UNSTABLE ones, whatever the handle's length,
 * under NFS3_WRITE_BEHIND_MIN (larger ones start their disk write, a
 * worker's job); never DATA_SYNC or FILE_SYNC, nor arguments too short
 * to tell.
 */
#include <string.h>

#include "../../nfsd/nfs3.h"
#include "unit.h"

/* WRITE3args with a handle of fhlen bytes, count, and no data. */
static size_t
write_count_args(uint8_t *buf, size_t cap, uint32_t fhlen, uint32_t count,
    stable_how how)
{
	WRITE3args a;
	uint8_t fh[NFS3_FHSIZE];
	XDR x;

	memset(&a, 0, sizeof(a));
	memset(fh, 0xab, sizeof(fh));
	a.file.data.data_len = fhlen;
	a.file.data.data_val = (char *)fh;
	a.offset = 4096;
	a.count = count;
	a.stable = how;
	xdrmem_create(&x, (char *)buf, (u_int)cap, XDR_ENCODE);
	CU_ASSERT_FATAL(xdr_WRITE3args(&x, &a));
	return xdr_getpos(&x);
}

static size_t
write_args(uint8_t *buf, size_t cap, uint32_t fhlen, stable_how how)
{
	return write_count_args(buf, cap, fhlen, 4096, how);
}

static void
test_stable_how(void)
{
	uint8_t buf[256];
	uint32_t fhlens[] = { 0, 1, 3, 4, 28, 63, 64 };
	size_t i, n;

	for (i = 0; i < sizeof(fhlens) / sizeof(fhlens[0]); i++) {
		n = write_args(buf, sizeof(buf), fhlens[i], UNSTABLE);
		CU_ASSERT_TRUE(nfs3_write_quick(buf, n));
		n = write_args(buf, sizeof(buf), fhlens[i], DATA_SYNC);
		CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
		n = write_args(buf, sizeof(buf), fhlens[i], FILE_SYNC);
		CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
	}
}

static void
test_count(void)
{
	uint8_t buf[256];
	size_t n;

	n = write_count_args(buf, sizeof(buf), 28, 0, UNSTABLE);
	CU_ASSERT_TRUE(nfs3_write_quick(buf, n));
	n = write_count_args(buf, sizeof(buf), 28, NFS3_WRITE_BEHIND_MIN - 1,
	    UNSTABLE);
	CU_ASSERT_TRUE(nfs3_write_quick(buf, n));
	n = write_count_args(buf, sizeof(buf), 28, NFS3_WRITE_BEHIND_MIN,
	    UNSTABLE);
	CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
	n = write_count_args(buf, sizeof(buf), 63, 1024 * 1024, UNSTABLE);
	CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
	n = write_count_args(buf, sizeof(buf), 28, 0xffffffffu, UNSTABLE);
	CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
}

static void
test_short_or_bad(void)
{
	uint8_t buf[256];
	size_t n, cut;

	n = write_args(buf, sizeof(buf), 28, UNSTABLE);
	for (cut = 0; cut < n - 4; cut++)	/* up to the data's length */
		CU_ASSERT_FALSE(nfs3_write_quick(buf, cut));
	/* A handle longer than NFS3_FHSIZE: the worker rejects it. */
	n = write_args(buf, sizeof(buf), 64, UNSTABLE);
	buf[3] = 65;
	CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
	buf[0] = 0xff;
	CU_ASSERT_FALSE(nfs3_write_quick(buf, n));
}

static int
suite_nfs3_write(void)
{
	static const struct unit_test tests[] = {
		{ "quick by stable_how", test_stable_how },
		{ "large ones go to a worker", test_count },
		{ "short or bad arguments", test_short_or_bad },
		{ NULL, NULL },
	};
	return unit_add_suite("nfs3_write_quick", tests);
}
UNIT_REGISTER(suite_nfs3_write);
