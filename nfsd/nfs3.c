/*
 * nfs3.c - the NFS version 3 program (RFC 1813): the procedure table,
 * the context every call runs in (the export's access list checked for
 * the caller's address, the caller's credentials applied), and the
 * write verifier.
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "nfs3.h"

#define RESERVED_PORT_MAX	1023

void
nfs3_begin(struct nfs3_call *c, struct rpc_req *req)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	c->d = req->ctx;
	c->ref = nfsd_exports_hold(c->d);
}

void
nfs3_end(struct nfs3_call *c)
{
	nfsd_exports_drop(c->ref);
	c->ref = NULL;
}

/* Which line of the export admits this caller, and as whom. */
static nfsstat3
admit(struct nfs3_call *c, const struct export *exp)
{
	const struct rpc_authsys *sys = &c->req->hdr->sys;
	const struct export_group *g;

	if ((g = export_match(exp, c->req->peer, c->req->peerlen)) == NULL)
		return NFS3ERR_ACCES;
	if (g->opts.resvport && rpc_peer_port(c->req) > RESERVED_PORT_MAX)
		return NFS3ERR_ACCES;
	vfs_cred_map(&g->opts, c->req->hdr->cred_flavor == RPC_AUTH_SYS,
	    sys->uid, sys->gid, sys->ngids, sys->gids, &c->cred);
	c->ro = g->opts.ro;
	return NFS3_OK;
}

nfsstat3
nfs3_get(struct nfs3_call *c, const nfs_fh3 *fh, struct vfs_obj *obj,
    unsigned flags)
{
	nfsstat3 st;

	obj->fd = -1;
	obj->ent = NULL;
	st = vfs_resolve(&c->d->key, c->ref->ve, c->ref->table->nexports,
	    (const uint8_t *)fh->data.data_val, fh->data.data_len, obj);
	if (st != NFS3_OK)
		return st;
	if ((st = admit(c, obj->ve->exp)) != NFS3_OK)
		goto fail;
	if ((flags & NFS3_GET_IO) && S_ISREG(obj->st.st_mode) &&
	    vfs_iofd(obj) == -1) {
		st = vfs_errno(errno);
		goto fail;
	}
	if (vfs_cred_apply(&c->cred) == -1) {
		log_warn("credentials uid %u gid %u", c->cred.uid, c->cred.gid);
		st = NFS3ERR_SERVERFAULT;
		goto fail;
	}
	return NFS3_OK;
fail:
	vfs_release(obj);
	return st;
}

nfsstat3
nfs3_lookup_obj(struct nfs3_call *c, const struct vfs_obj *dir,
    const char *name, struct vfs_obj *obj)
{
	return vfs_lookup(&c->d->key, c->ref->ve, c->ref->table->nexports,
	    dir, name, obj);
}

int
nfs3_fh_out(struct nfs3_call *c, const uint8_t *fh, size_t len,
    nfs_fh3 *out)
{
	char *p;

	if ((p = rpc_alloc(c->req, len)) == NULL)
		return -1;
	memcpy(p, fh, len);
	out->data.data_val = p;
	out->data.data_len = (u_int)len;
	return 0;
}

uint32_t
nfs3_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

size_t
nfs3_args_after_fh(const uint8_t *args, size_t len, size_t need)
{
	uint32_t fhlen;
	size_t off;

	if (len < 4)
		return 0;
	fhlen = nfs3_get_u32(args);
	if (fhlen > NFS3_FHSIZE)
		return 0;
	off = 4 + ((fhlen + 3) & ~3u);
	return len >= off + need ? off : 0;
}

nfsstat3
nfs3_commit_dir(struct vfs_obj *dir)
{
	if (vfs_sync_obj(dir) == -1)
		return vfs_errno(errno);
	return NFS3_OK;
}

#define RECORD_OVERHEAD		8192	/* RPC and NFS headers around data */
#define IO_UNIT			4096

uint32_t
nfsd_io_max(size_t max_record)
{
	size_t n = max_record > RECORD_OVERHEAD ?
	    max_record - RECORD_OVERHEAD : IO_UNIT;

	n -= n % IO_UNIT;
	return n < VFS_IO_MAX ? (uint32_t)n : VFS_IO_MAX;
}

void
nfsd_verf_init(struct nfsd *d)
{
	uint64_t t = (uint64_t)time(NULL);

	pthread_mutex_init(&d->verf_lock, NULL);
	if (getrandom(d->writeverf, sizeof(d->writeverf), 0) !=
	    (ssize_t)sizeof(d->writeverf))
		memcpy(d->writeverf, &t, sizeof(d->writeverf));
}

void
nfsd_verf_get(struct nfsd *d, uint8_t out[8])
{
	pthread_mutex_lock(&d->verf_lock);
	memcpy(out, d->writeverf, 8);
	pthread_mutex_unlock(&d->verf_lock);
}

/* A flush failed: unstable data may be lost, so clients must resend. */
void
nfsd_verf_bump(struct nfsd *d)
{
	size_t i;

	pthread_mutex_lock(&d->verf_lock);
	for (i = 8; i-- > 0;)
		if (++d->writeverf[i] != 0)
			break;
	pthread_mutex_unlock(&d->verf_lock);
	log_warnx("a flush failed: new write verifier");
}

static enum rpc_status
nfs3_null(struct rpc_req *req, void *args, void *res)
{
	(void)req;
	(void)args;
	(void)res;
	return RPC_OK;
}

/*
 * Reads of the file system: the event loop runs them itself (they
 * never flush to disk on purpose).
 */
#define PROC(name, fn, ta, tr) { #name, fn, (xdrproc_t)xdr_##ta, \
	sizeof(ta), (xdrproc_t)xdr_##tr, sizeof(tr), RPC_PROC_QUICK, NULL }
/*
 * Changes: not idempotent, so a retransmission is answered from the
 * reply cache; each is on stable storage before its reply, so a
 * worker runs it.
 */
#define CHANGE(name, fn, ta, tr) { #name, fn, (xdrproc_t)xdr_##ta, \
	sizeof(ta), (xdrproc_t)xdr_##tr, sizeof(tr), RPC_PROC_NONIDEM, NULL }

static const struct rpc_proc nfs3_procs[] = {
	[NFSPROC3_NULL] = { "NULL", nfs3_null, (xdrproc_t)rpc_xdr_void, 1,
	    (xdrproc_t)rpc_xdr_void, 1, RPC_PROC_QUICK, NULL },
	[NFSPROC3_GETATTR] = PROC(GETATTR, nfs3_getattr, GETATTR3args,
	    GETATTR3res),
	[NFSPROC3_SETATTR] = CHANGE(SETATTR, nfs3_setattr, SETATTR3args,
	    SETATTR3res),
	[NFSPROC3_LOOKUP] = PROC(LOOKUP, nfs3_lookup, LOOKUP3args,
	    LOOKUP3res),
	[NFSPROC3_ACCESS] = PROC(ACCESS, nfs3_access, ACCESS3args,
	    ACCESS3res),
	[NFSPROC3_READLINK] = PROC(READLINK, nfs3_readlink, READLINK3args,
	    READLINK3res),
	[NFSPROC3_READ] = { "READ", nfs3_read, (xdrproc_t)xdr_READ3args,
	    sizeof(READ3args), (xdrproc_t)nfs3_xdr_read_res,
	    sizeof(struct nfs3_read_res), RPC_PROC_QUICK, NULL },
	[NFSPROC3_WRITE] = { "WRITE", nfs3_write,
	    (xdrproc_t)nfs3_xdr_write_args, sizeof(WRITE3args),
	    (xdrproc_t)xdr_WRITE3res, sizeof(WRITE3res), RPC_PROC_NONIDEM,
	    nfs3_write_quick },
	[NFSPROC3_CREATE] = CHANGE(CREATE, nfs3_create, CREATE3args,
	    CREATE3res),
	[NFSPROC3_MKDIR] = CHANGE(MKDIR, nfs3_mkdir, MKDIR3args, MKDIR3res),
	[NFSPROC3_SYMLINK] = CHANGE(SYMLINK, nfs3_symlink, SYMLINK3args,
	    SYMLINK3res),
	[NFSPROC3_MKNOD] = CHANGE(MKNOD, nfs3_mknod, MKNOD3args, MKNOD3res),
	[NFSPROC3_REMOVE] = CHANGE(REMOVE, nfs3_remove, REMOVE3args,
	    REMOVE3res),
	[NFSPROC3_RMDIR] = CHANGE(RMDIR, nfs3_rmdir, RMDIR3args, RMDIR3res),
	[NFSPROC3_RENAME] = CHANGE(RENAME, nfs3_rename, RENAME3args,
	    RENAME3res),
	[NFSPROC3_LINK] = CHANGE(LINK, nfs3_link, LINK3args, LINK3res),
	[NFSPROC3_READDIR] = { "READDIR", nfs3_readdir,
	    (xdrproc_t)xdr_READDIR3args, sizeof(READDIR3args),
	    (xdrproc_t)xdr_READDIR3res, sizeof(READDIR3res), RPC_PROC_QUICK,
	    nfs3_readdir_quick },
	[NFSPROC3_READDIRPLUS] = { "READDIRPLUS", nfs3_readdirplus,
	    (xdrproc_t)xdr_READDIRPLUS3args, sizeof(READDIRPLUS3args),
	    (xdrproc_t)xdr_READDIRPLUS3res, sizeof(READDIRPLUS3res),
	    RPC_PROC_QUICK, nfs3_readdir_quick },
	[NFSPROC3_FSSTAT] = PROC(FSSTAT, nfs3_fsstat, FSSTAT3args,
	    FSSTAT3res),
	[NFSPROC3_FSINFO] = PROC(FSINFO, nfs3_fsinfo, FSINFO3args,
	    FSINFO3res),
	[NFSPROC3_PATHCONF] = PROC(PATHCONF, nfs3_pathconf, PATHCONF3args,
	    PATHCONF3res),
	[NFSPROC3_COMMIT] = CHANGE(COMMIT, nfs3_commit, COMMIT3args,
	    COMMIT3res),
};

static const struct rpc_vers nfs_versions[] = {
	{ 3, nfs3_procs, sizeof(nfs3_procs) / sizeof(nfs3_procs[0]) },
};

const struct rpc_prog nfs_program = {
	NFS_PROGRAM_NUM, "nfs", nfs_versions,
	sizeof(nfs_versions) / sizeof(nfs_versions[0]),
};
