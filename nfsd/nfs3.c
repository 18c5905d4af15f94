/*
 * nfs3.c - the NFS version 3 program (RFC 1813): the procedure table.
 * Procedures without a handler yet answer PROC_UNAVAIL.
 */
#include "nfs3_prot.h"
#include "nfsd.h"

static enum rpc_status
nfs3_null(struct rpc_req *req, void *args, void *res)
{
	(void)req;
	(void)args;
	(void)res;
	return RPC_OK;
}

static const struct rpc_proc nfs3_procs[] = {
	[NFSPROC3_NULL] = { "NULL", nfs3_null, (xdrproc_t)rpc_xdr_void, 1,
	    (xdrproc_t)rpc_xdr_void, 1, 0 },
	[NFSPROC3_COMMIT] = { "COMMIT", NULL, NULL, 0, NULL, 0, 0 },
};

static const struct rpc_vers nfs_versions[] = {
	{ 3, nfs3_procs, sizeof(nfs3_procs) / sizeof(nfs3_procs[0]) },
};

const struct rpc_prog nfs_program = {
	NFS_PROGRAM_NUM, "nfs", nfs_versions,
	sizeof(nfs_versions) / sizeof(nfs_versions[0]),
};
