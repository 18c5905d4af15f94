/*
 * wl_mix.c - mix: SPEC SFS2008's NFSv3 operation mix, one RPC per
 * operation, over a working set of MIX_FILES files of MIX_FILE_SIZE in
 * one directory: GETATTR 26%, LOOKUP 24%, READ 18%, ACCESS 11%, WRITE
 * 10%, SETATTR 4%, CREATE 2%, REMOVE 2%, READDIRPLUS 2%, FSSTAT 1%.
 * CREATE makes new names; REMOVE takes the oldest name made by CREATE
 * (or one of MIX_SPARES made in setup), so both keep succeeding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfsbench.h"

#define MIX_FILES	1000
#define MIX_SPARES	256
#define MIX_RING	65536		/* names waiting for a REMOVE */
#define MIX_ACCESS	0x1f		/* READ LOOKUP MODIFY EXTEND DELETE */

enum mix_op {
	M_GETATTR, M_LOOKUP, M_READ, M_ACCESS, M_WRITE, M_SETATTR, M_CREATE,
	M_REMOVE, M_READDIRPLUS, M_FSSTAT, M_COUNT
};

/* Percentages, in the order of enum mix_op (they add up to 100). */
static const unsigned mix_pct[M_COUNT] = { 26, 24, 18, 11, 10, 4, 2, 2, 2,
	1 };
static const char *const mix_name[M_COUNT] = { "GETATTR", "LOOKUP", "READ",
	"ACCESS", "WRITE", "SETATTR", "CREATE", "REMOVE", "READDIRPLUS",
	"FSSTAT" };

static struct {
	struct fh	 dir;
	struct fh	 files[MIX_FILES];
	uint32_t	 file_size;
	char		*ring[MIX_RING];	/* removable names, FIFO */
	size_t		 head, len;
	uint64_t	 created;
} mix;

/* ------------------------------------------------------------ setup */

static void
cb_mix_fill(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	CREATE3res *res = data;
	WRITE3args a;

	(void)rpc;
	if (!reply_ok(s, status, data, "setup"))
		return;
	if (s->step == 1) {
		op_done(s, true, 0);
		return;
	}
	if (!res->CREATE3res_u.resok.obj.handle_follows) {
		op_error(s, "setup CREATE (no handle)", NB_ECHECK);
		return;
	}
	fh_set(&mix.files[s->seqno],
	    &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
	s->step = 1;
	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &mix.files[s->seqno]);
	a.count = mix.file_size;
	a.stable = UNSTABLE;
	a.data.data_len = a.count;
	a.data.data_val = B.wbuf;
	if (rpc_nfs3_write_async(s->conn->rpc, cb_mix_fill, &a, s) != 0)
		op_error(s, "setup WRITE", -1);
}

/* File m<seqno>: CREATE (UNCHECKED: an existing one is reused), WRITE. */
static int
start_mix_fill(struct slot *s)
{
	CREATE3args a;

	snprintf(s->name, sizeof(s->name), "m%llu",
	    (unsigned long long)s->seqno);
	memset(&a, 0, sizeof(a));
	fh_arg(&a.where.dir, &mix.dir);
	a.where.name = s->name;
	a.how.mode = UNCHECKED;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
	return rpc_nfs3_create_async(s->conn->rpc, cb_mix_fill, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_mix_fill = { "mix-setup", start_mix_fill, NULL };

static bool
ring_push(const char *name)
{
	char *copy;

	if (mix.len == MIX_RING || (copy = strdup(name)) == NULL)
		return false;
	mix.ring[(mix.head + mix.len) % MIX_RING] = copy;
	mix.len++;
	return true;
}

/* The oldest removable name (the caller frees it), or NULL. */
static char *
ring_pop(void)
{
	char *name;

	if (mix.len == 0)
		return NULL;
	name = mix.ring[mix.head];
	mix.head = (mix.head + 1) % MIX_RING;
	mix.len--;
	return name;
}

static void
cleanup_mix(void)
{
	char *name;

	while ((name = ring_pop()) != NULL)
		free(name);
}

/* The spare names REMOVE may take (-j: this worker's share of them). */
static int
push_spares(void)
{
	char name[NB_NAME_MAX];

	cleanup_mix();
	for (unsigned i = 0; i < MIX_SPARES; i++) {
		if (i % B.o.jobs != B.job_id)
			continue;
		snprintf(name, sizeof(name), "s%u", i);
		if (!ring_push(name)) {
			seterr("out of memory");
			return -1;
		}
	}
	return 0;
}

static int
prepare_mix(void)
{
	struct run_params p = { .ops = MIX_FILES, .cap = 1e9, .setup = true };
	struct run r;

	cleanup_mix();
	mix.file_size = (uint32_t)write_xfer((uint32_t)(B.o.file_size /
	    MIX_FILES / NB_IO_XFER * NB_IO_XFER));
	if (mix.file_size < NB_IO_XFER)
		mix.file_size = NB_IO_XFER;
	if (ensure_dir(&B.work, "mix", &mix.dir) != 0)
		return -1;
	if (run_job(&job_mix_fill, &p, &r) != 0)
		return -1;
	if (r.errors > 0) {
		seterr("mix setup: %llu errors (%s)",
		    (unsigned long long)r.errors,
		    r.first_error ? r.first_error : "?");
		return -1;
	}
	if (push_spares() != 0)
		return -1;
	return create_names(&mix.dir, "s", MIX_SPARES);
}

/* ------------------------------------------------------------ run */

static void
cb_mix(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	int st;

	(void)rpc;
	if (status != RPC_STATUS_SUCCESS || data == NULL) {
		op_error(s, mix_name[s->step], -1);
		return;
	}
	st = (int)*(nfsstat3 *)data;
	if (st != NFS3_OK) {
		op_error(s, mix_name[s->step], st);
		return;
	}
	if (s->step == M_CREATE && !ring_push(s->name)) {
		op_error(s, "CREATE (no room to remember the name)", NB_ECHECK);
		return;
	}
	op_done(s, true, s->count);
}

static enum mix_op
mix_pick(void)
{
	unsigned x = (unsigned)rnd_below(100), acc = 0;

	for (unsigned i = 0; i < M_COUNT; i++) {
		acc += mix_pct[i];
		if (x < acc)
			return (enum mix_op)i;
	}
	return M_GETATTR;
}

static uint64_t
mix_block(void)
{
	return rnd_below(mix.file_size / NB_IO_XFER) * NB_IO_XFER;
}

static int
mix_send_file_op(struct slot *s, struct rpc_context *rpc,
    const struct fh *f)
{
	switch (s->step) {
	case M_GETATTR: {
		GETATTR3args a;

		fh_arg(&a.object, f);
		return rpc_nfs3_getattr_async(rpc, cb_mix, &a, s);
	}
	case M_ACCESS: {
		ACCESS3args a;

		fh_arg(&a.object, f);
		a.access = MIX_ACCESS;
		return rpc_nfs3_access_async(rpc, cb_mix, &a, s);
	}
	case M_READ: {
		READ3args a;

		fh_arg(&a.file, f);
		a.offset = mix_block();
		a.count = NB_IO_XFER;
		s->count = NB_IO_XFER;
		return rpc_nfs3_read_async(rpc, cb_mix, &a, s);
	}
	case M_WRITE: {
		WRITE3args a;

		memset(&a, 0, sizeof(a));
		fh_arg(&a.file, f);
		a.offset = mix_block();
		a.count = NB_IO_XFER;
		a.stable = UNSTABLE;
		a.data.data_len = NB_IO_XFER;
		a.data.data_val = B.wbuf;
		s->count = NB_IO_XFER;
		return rpc_nfs3_write_async(rpc, cb_mix, &a, s);
	}
	default: {
		SETATTR3args a;

		memset(&a, 0, sizeof(a));
		fh_arg(&a.object, f);
		a.new_attributes.mode.set_it = 1;
		a.new_attributes.mode.set_mode3_u.mode = 0644;
		return rpc_nfs3_setattr_async(rpc, cb_mix, &a, s);
	}
	}
}

static int
mix_send_dir_op(struct slot *s, struct rpc_context *rpc)
{
	switch (s->step) {
	case M_LOOKUP: {
		LOOKUP3args a;

		snprintf(s->name, sizeof(s->name), "m%u",
		    (unsigned)rnd_below(MIX_FILES));
		fh_arg(&a.what.dir, &mix.dir);
		a.what.name = s->name;
		return rpc_nfs3_lookup_async(rpc, cb_mix, &a, s);
	}
	case M_CREATE: {
		CREATE3args a;

		/* Unique across runs (--keep) and worker processes. */
		snprintf(s->name, sizeof(s->name), "c%llx.%ld.%llu",
		    (unsigned long long)B.stamp, (long)getpid(),
		    (unsigned long long)++mix.created);
		memset(&a, 0, sizeof(a));
		fh_arg(&a.where.dir, &mix.dir);
		a.where.name = s->name;
		a.how.mode = GUARDED;
		a.how.createhow3_u.obj_attributes.mode.set_it = 1;
		a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
		return rpc_nfs3_create_async(rpc, cb_mix, &a, s);
	}
	case M_REMOVE: {
		REMOVE3args a;
		char *name = ring_pop();

		snprintf(s->name, sizeof(s->name), "%s", name);
		free(name);
		fh_arg(&a.object.dir, &mix.dir);
		a.object.name = s->name;
		return rpc_nfs3_remove_async(rpc, cb_mix, &a, s);
	}
	case M_READDIRPLUS: {
		READDIRPLUS3args a;

		memset(&a, 0, sizeof(a));
		fh_arg(&a.dir, &mix.dir);
		a.dircount = NB_DIR_DIRCOUNT;
		a.maxcount = NB_DIR_MAXCOUNT;
		return rpc_nfs3_readdirplus_async(rpc, cb_mix, &a, s);
	}
	default: {
		FSSTAT3args a;

		fh_arg(&a.fsroot, &B.root);
		return rpc_nfs3_fsstat_async(rpc, cb_mix, &a, s);
	}
	}
}

static int
start_mix(struct slot *s)
{
	struct rpc_context *rpc = s->conn->rpc;
	enum mix_op op = mix_pick();
	int rc;

	/* Nothing left to remove (CREATEs still in flight): create. */
	if (op == M_REMOVE && mix.len == 0)
		op = M_CREATE;
	s->step = op;
	s->count = 0;
	switch (op) {
	case M_GETATTR: case M_ACCESS: case M_READ: case M_WRITE:
	case M_SETATTR:
		rc = mix_send_file_op(s, rpc,
		    &mix.files[rnd_below(MIX_FILES)]);
		break;
	default:
		rc = mix_send_dir_op(s, rpc);
		break;
	}
	return rc == 0 ? START_SENT : START_FAIL;
}

static const struct job job_mix = { "mix", start_mix, NULL };
const struct workload wl_mix = {
	.name = "mix",
	.help = "SPEC SFS2008's operation mix over a working set of files",
	.prepare = prepare_mix,
	.job = &job_mix,
	.cleanup = cleanup_mix,
	.worker_init = push_spares,
};
