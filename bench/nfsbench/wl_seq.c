/*
 * wl_seq.c - the streaming workloads.  seqwrite: every connection
 * writes its own --seq-size file front to back in 1 MiB UNSTABLE
 * WRITEs (depth of them in flight), COMMITs it after each pass and at
 * the end; the COMMIT is inside the measured time (in the latency of
 * the WRITE after which it was sent).  seqread: 1 MiB READs in order
 * over one --seq-size file, shared by all connections, wrapping round.
 */
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"

#define SEQ_READ_FILE	"seq.0"

static struct fh seqread_fh;
static uint64_t seqread_off;

/* ------------------------------------------------------------ seqwrite */

static int
prepare_seqwrite(void)
{
	char name[NB_NAME_MAX];

	for (unsigned i = 0; i < B.nconns; i++) {
		struct conn *c = &B.conns[i];
		int rc;

		snprintf(name, sizeof(name), "seq.%u", B.conn_base + i);
		rc = sync_lookup(&B.work, name, &c->seq_fh);
		if (rc == NFS3ERR_NOENT)
			rc = sync_create(&B.work, name, UNCHECKED, &c->seq_fh);
		if (rc != NFS3_OK) {
			seterr("file %s: %s", name, B.err);
			return -1;
		}
		c->seq_off = 0;
		c->seq_inflight = 0;
		c->seq_dirty = false;
		c->seq_committing = false;
	}
	return 0;
}

static void
cb_seq_commit(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	struct conn *c = s->conn;
	COMMIT3res *res = data;

	(void)rpc;
	c->seq_committing = false;
	c->seq_dirty = false;
	if (c->seq_off >= B.o.seq_size)
		c->seq_off = 0;
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		op_error(s, "COMMIT", -1);
	else if (res->status != NFS3_OK)
		op_error(s, "COMMIT", (int)res->status);
	else
		op_done(s, true, s->count);
}

/* The pass is complete, or the run ends: COMMIT in this slot. */
static bool
seq_want_commit(const struct slot *s)
{
	const struct conn *c = s->conn;

	return c->seq_inflight == 0 && c->seq_dirty && !c->seq_committing &&
	    (c->seq_off >= B.o.seq_size || run_issuing_done(s->run));
}

static void
cb_seq_write(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	struct conn *c = s->conn;
	WRITE3res *res = data;
	COMMIT3args a;

	(void)rpc;
	c->seq_inflight--;
	if (!reply_ok(s, status, data, "WRITE"))
		return;
	if (res->WRITE3res_u.resok.count != s->count) {
		op_error(s, "short WRITE", NB_ECHECK);
		return;
	}
	if (!seq_want_commit(s)) {
		op_done(s, true, s->count);
		return;
	}
	c->seq_committing = true;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &c->seq_fh);
	if (rpc_nfs3_commit_async(c->rpc, cb_seq_commit, &a, s) != 0) {
		c->seq_committing = false;
		op_error(s, "COMMIT", -1);
	}
}

static int
start_seqwrite(struct slot *s)
{
	struct conn *c = s->conn;
	uint32_t xfer = write_xfer(NB_SEQ_XFER);
	WRITE3args a;

	/* A pass ends with a COMMIT before the next one starts. */
	if (c->seq_committing || c->seq_off >= B.o.seq_size)
		return START_WAIT;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &c->seq_fh);
	a.offset = c->seq_off;
	a.count = (count3)(B.o.seq_size - c->seq_off < xfer ?
	    B.o.seq_size - c->seq_off : xfer);
	a.stable = UNSTABLE;
	a.data.data_len = a.count;
	a.data.data_val = B.wbuf;
	s->count = a.count;
	if (rpc_nfs3_write_async(c->rpc, cb_seq_write, &a, s) != 0)
		return START_FAIL;
	c->seq_off += a.count;
	c->seq_inflight++;
	c->seq_dirty = true;
	return START_SENT;
}

static const struct job job_seqwrite = { "seqwrite", start_seqwrite, NULL };
const struct workload wl_seqwrite = {
	.name = "seqwrite",
	.help = "1 MiB UNSTABLE WRITEs in order over a --seq-size file per "
	    "connection, COMMIT after each pass and at the end",
	.prepare = prepare_seqwrite,
	.job = &job_seqwrite,
	.worker_init = prepare_seqwrite,	/* its own connections' files */
};

/* ------------------------------------------------------------ seqread */

static int
prepare_seqread(void)
{
	seqread_off = 0;
	return ensure_file(&B.work, SEQ_READ_FILE, B.o.seq_size, &seqread_fh);
}

static void
cb_seq_read(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	READ3res *res = data;

	(void)rpc;
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		op_error(s, "READ", -1);
	else if (res->status != NFS3_OK)
		op_error(s, "READ", (int)res->status);
	else if (res->READ3res_u.resok.count != s->count)
		op_error(s, "short READ", NB_ECHECK);
	else
		op_done(s, true, s->count);
}

static int
start_seqread(struct slot *s)
{
	uint32_t xfer = read_xfer(NB_SEQ_XFER);
	READ3args a;

	if (seqread_off >= B.o.seq_size)
		seqread_off = 0;
	fh_arg(&a.file, &seqread_fh);
	a.offset = seqread_off;
	a.count = (count3)(B.o.seq_size - seqread_off < xfer ?
	    B.o.seq_size - seqread_off : xfer);
	s->count = a.count;
	if (rpc_nfs3_read_async(s->conn->rpc, cb_seq_read, &a, s) != 0)
		return START_FAIL;
	seqread_off += a.count;
	return START_SENT;
}

/* -j: each worker starts at its own part of the file. */
static int
worker_seqread(void)
{
	uint64_t part = B.o.seq_size / B.o.jobs, xfer = read_xfer(NB_SEQ_XFER);

	seqread_off = B.job_id * (part / xfer * xfer);
	return 0;
}

static const struct job job_seqread = { "seqread", start_seqread, NULL };
const struct workload wl_seqread = {
	.name = "seqread",
	.help = "1 MiB READs in order over a --seq-size file",
	.prepare = prepare_seqread,
	.job = &job_seqread,
	.worker_init = worker_seqread,
};
