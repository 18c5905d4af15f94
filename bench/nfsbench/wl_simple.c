/*
 * wl_simple.c - the one-RPC workloads: null (NFSPROC3_NULL), getattr
 * (one file's attributes), lookup (existing names in a directory of
 * LOOKUP_FILES files), read and write (4 KiB at random 4 KiB-aligned
 * offsets of a --file-size file; writes UNSTABLE).
 */
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"

#define LOOKUP_FILES	1000
#define LOOKUP_PREFIX	"f"

static struct fh attr_fh, lookup_dir, data_fh;

/* The reply of a one-RPC operation: its status decides. */
static void
cb_one(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;

	(void)rpc;
	if (reply_ok(s, status, data, "reply"))
		op_done(s, true, 0);
}

/* ------------------------------------------------------------ null */

static void
cb_null(struct rpc_context *rpc, int status, void *data, void *pd)
{
	(void)rpc;
	(void)data;
	if (status != RPC_STATUS_SUCCESS)
		op_error(pd, "reply", -1);
	else
		op_done(pd, true, 0);
}

static int
start_null(struct slot *s)
{
	return rpc_nfs3_null_async(s->conn->rpc, cb_null, s) == 0 ?
	    START_SENT : START_FAIL;
}

static int
prepare_none(void)
{
	return 0;
}

static const struct job job_null = { "null", start_null, NULL };
const struct workload wl_null = {
	.name = "null",
	.help = "NFSPROC3_NULL: the RPC round trip, no file system work",
	.prepare = prepare_none,
	.job = &job_null,
	.no_fs = true,
};

/* ------------------------------------------------------------ getattr */

static int
prepare_getattr(void)
{
	return ensure_file(&B.work, "attr", 0, &attr_fh);
}

static int
start_getattr(struct slot *s)
{
	GETATTR3args a;

	fh_arg(&a.object, &attr_fh);
	return rpc_nfs3_getattr_async(s->conn->rpc, cb_one, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_getattr = { "getattr", start_getattr, NULL };
const struct workload wl_getattr = {
	.name = "getattr",
	.help = "GETATTR of one file's handle",
	.prepare = prepare_getattr,
	.job = &job_getattr,
};

/* ------------------------------------------------------------ lookup */

static int
prepare_lookup(void)
{
	if (ensure_dir(&B.work, "lookup", &lookup_dir) != 0)
		return -1;
	return create_names(&lookup_dir, LOOKUP_PREFIX, LOOKUP_FILES);
}

static int
start_lookup(struct slot *s)
{
	LOOKUP3args a;

	snprintf(s->name, sizeof(s->name), LOOKUP_PREFIX "%u",
	    (unsigned)rnd_below(LOOKUP_FILES));
	fh_arg(&a.what.dir, &lookup_dir);
	a.what.name = s->name;
	return rpc_nfs3_lookup_async(s->conn->rpc, cb_one, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_lookup = { "lookup", start_lookup, NULL };
const struct workload wl_lookup = {
	.name = "lookup",
	.help = "LOOKUP of a random existing name in a directory of 1,000 "
	    "files",
	.prepare = prepare_lookup,
	.job = &job_lookup,
};

/* ------------------------------------------------------------ read */

static int
prepare_data(void)
{
	if (B.o.file_size < NB_IO_XFER) {
		seterr("--file-size must be at least %d", NB_IO_XFER);
		return -1;
	}
	return ensure_file(&B.work, "data", B.o.file_size, &data_fh);
}

static uint64_t
random_block(void)
{
	return rnd_below(B.o.file_size / NB_IO_XFER) * NB_IO_XFER;
}

static void
cb_read(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	READ3res *res = data;

	(void)rpc;
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		op_error(s, "reply", -1);
	else if (res->status != NFS3_OK)
		op_error(s, "reply", (int)res->status);
	else if (res->READ3res_u.resok.count != NB_IO_XFER)
		op_error(s, "short read", NB_ECHECK);
	else
		op_done(s, true, NB_IO_XFER);
}

static int
start_read(struct slot *s)
{
	READ3args a;

	fh_arg(&a.file, &data_fh);
	a.offset = random_block();
	a.count = NB_IO_XFER;
	return rpc_nfs3_read_async(s->conn->rpc, cb_read, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_read = { "read", start_read, NULL };
const struct workload wl_read = {
	.name = "read",
	.help = "READ of 4 KiB at a random offset of the --file-size file",
	.prepare = prepare_data,
	.job = &job_read,
};

/* ------------------------------------------------------------ write */

static void
cb_write(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	WRITE3res *res = data;

	(void)rpc;
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		op_error(s, "reply", -1);
	else if (res->status != NFS3_OK)
		op_error(s, "reply", (int)res->status);
	else if (res->WRITE3res_u.resok.count != NB_IO_XFER)
		op_error(s, "short write", NB_ECHECK);
	else
		op_done(s, true, NB_IO_XFER);
}

static int
start_write(struct slot *s)
{
	WRITE3args a;

	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &data_fh);
	a.offset = random_block();
	a.count = NB_IO_XFER;
	a.stable = UNSTABLE;
	a.data.data_len = NB_IO_XFER;
	a.data.data_val = B.wbuf;
	return rpc_nfs3_write_async(s->conn->rpc, cb_write, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_write = { "write", start_write, NULL };
const struct workload wl_write = {
	.name = "write",
	.help = "WRITE (UNSTABLE) of 4 KiB at a random offset of the "
	    "--file-size file",
	.prepare = prepare_data,
	.job = &job_write,
};
