/*
 * workdir.c - the work directory inside the export and the fixtures
 * the workloads share (directories, files of a given size, many names),
 * made untimed over every connection at full depth, reused when they
 * are already there and valid, and removed again at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfsbench.h"

#define SETUP_CAP_SECS	1e9		/* setup runs until done */

/* What the bulk setup jobs work on (one at a time). */
static struct {
	struct fh	 dir;
	struct fh	 file;
	const char	*prefix;
	char		**names;
	uint64_t	 size;
	uint32_t	 chunk;
} bulk;

static int
run_setup(const struct job *j, uint64_t n)
{
	struct run_params p = { .ops = n, .cap = SETUP_CAP_SECS,
	    .setup = true };
	struct run r;

	if (n == 0)
		return 0;
	if (run_job(j, &p, &r) != 0)
		return -1;
	if (r.errors > 0) {
		seterr("%s: %llu of %llu calls failed (%s)", j->name,
		    (unsigned long long)r.errors, (unsigned long long)n,
		    r.first_error ? r.first_error : "?");
		return -1;
	}
	return 0;
}

static void
cb_bulk(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	int st;

	(void)rpc;
	if (status != RPC_STATUS_SUCCESS || data == NULL) {
		op_error(s, "call", -1);
		return;
	}
	st = (int)*(nfsstat3 *)data;
	if (st != NFS3_OK)
		op_error(s, "call", st);
	else
		op_done(s, true, 0);
}

/* ------------------------------------------------------ create names */

static int
start_create(struct slot *s)
{
	CREATE3args a;

	memset(&a, 0, sizeof(a));
	snprintf(s->name, sizeof(s->name), "%s%llu", bulk.prefix,
	    (unsigned long long)s->seqno);
	fh_arg(&a.where.dir, &bulk.dir);
	a.where.name = s->name;
	a.how.mode = UNCHECKED;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0644;
	return rpc_nfs3_create_async(s->conn->rpc, cb_bulk, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_create = { "setup-create", start_create, NULL };

/* Files prefix0 .. prefix(n-1) in dir (UNCHECKED: existing ones stay). */
int
create_names(const struct fh *dir, const char *prefix, unsigned n)
{
	bulk.dir = *dir;
	bulk.prefix = prefix;
	return run_setup(&job_create, n);
}

/* ------------------------------------------------------ remove names */

static int
start_remove(struct slot *s)
{
	REMOVE3args a;

	fh_arg(&a.object.dir, &bulk.dir);
	a.object.name = bulk.names[s->seqno];
	return rpc_nfs3_remove_async(s->conn->rpc, cb_bulk, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_remove = { "setup-remove", start_remove, NULL };

int
remove_names(const struct fh *dir, char **names, size_t n)
{
	bulk.dir = *dir;
	bulk.names = names;
	return run_setup(&job_remove, n);
}

/* ------------------------------------------------------ fill a file */

static int
start_fill(struct slot *s)
{
	WRITE3args a;
	uint64_t off = s->seqno * bulk.chunk;

	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &bulk.file);
	a.offset = off;
	a.count = (count3)(bulk.size - off < bulk.chunk ? bulk.size - off :
	    bulk.chunk);
	a.stable = UNSTABLE;
	a.data.data_len = a.count;
	a.data.data_val = B.wbuf;
	return rpc_nfs3_write_async(s->conn->rpc, cb_bulk, &a, s) == 0 ?
	    START_SENT : START_FAIL;
}

static const struct job job_fill = { "setup-fill", start_fill, NULL };

/* Write size bytes into f (UNSTABLE, in big chunks), then COMMIT. */
static int
fill_file(const struct fh *f, uint64_t size)
{
	bulk.file = *f;
	bulk.size = size;
	bulk.chunk = B.wtmax < NB_SEQ_XFER ? B.wtmax : NB_SEQ_XFER;
	if (run_setup(&job_fill, (size + bulk.chunk - 1) / bulk.chunk) != 0)
		return -1;
	return sync_commit(f) == NFS3_OK ? 0 : -1;
}

/* ------------------------------------------------------ fixtures */

int
ensure_dir(const struct fh *parent, const char *name, struct fh *out)
{
	int rc = sync_mkdir(parent, name, out);

	if (rc == NFS3ERR_EXIST)
		rc = sync_lookup(parent, name, out);
	if (rc != NFS3_OK) {
		seterr("directory %s: %s", name, B.err);
		return -1;
	}
	return 0;
}

/* A regular file of exactly size bytes of data (reused if it is one). */
int
ensure_file(const struct fh *dir, const char *name, uint64_t size,
    struct fh *out)
{
	fattr3 at;
	int rc;

	rc = sync_lookup(dir, name, out);
	if (rc == NFS3_OK && sync_getattr(out, &at) == NFS3_OK &&
	    at.type == NF3REG && at.size == size)
		return 0;
	if (rc != NFS3_OK && rc != NFS3ERR_NOENT)
		return -1;
	if (rc == NFS3ERR_NOENT &&
	    sync_create(dir, name, UNCHECKED, out) != NFS3_OK)
		return -1;
	if (sync_setsize(out, 0) != NFS3_OK || fill_file(out, size) != 0) {
		seterr("file %s: %s", name, B.err);
		return -1;
	}
	return 0;
}

int
work_open(void)
{
	return ensure_dir(&B.root, B.o.dir, &B.work);
}

/* Remove parent/name and everything below it. */
int
remove_tree(const struct fh *parent, const char *name)
{
	struct dirent_list l;
	struct fh dir;
	size_t nfiles = 0;
	int rc;

	rc = sync_lookup(parent, name, &dir);
	if (rc == NFS3ERR_NOENT)
		return 0;
	if (rc != NFS3_OK)
		return -1;
	if (dir_list(&dir, &l) != 0) {
		dir_list_free(&l);
		return -1;
	}
	/* Directories first (recursively), then the rest in bulk. */
	for (size_t i = 0; i < l.n; i++) {
		if (l.isdir[i]) {
			if (remove_tree(&dir, l.names[i]) != 0) {
				dir_list_free(&l);
				return -1;
			}
			free(l.names[i]);
		} else {
			l.names[nfiles++] = l.names[i];
		}
	}
	rc = remove_names(&dir, l.names, nfiles);
	l.n = nfiles;
	dir_list_free(&l);
	if (rc != 0)
		return -1;
	return sync_rmdir(parent, name) == NFS3_OK ? 0 : -1;
}

int
work_remove(void)
{
	return remove_tree(&B.root, B.o.dir);
}
