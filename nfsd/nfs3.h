/*
 * nfs3.h - what the NFSv3 procedure files share (internal to nfsd/):
 * the per-call context, getting an object from a client's handle
 * (export access check, credentials), and the procedure handlers.
 */
#ifndef NFSD_NFS3_H
#define NFSD_NFS3_H

#include "nfs3_prot.h"
#include "nfsd.h"
#include "vfs.h"

/* One NFS call in progress. */
struct nfs3_call {
	struct rpc_req		*req;
	struct nfsd		*d;
	struct exports_ref	*ref;
	struct export_cred	 cred;		/* after squashing/mapping */
	bool			 ro;		/* the export is -ro here */
};

#define NFS3_GET_IO	0x1	/* also open the file for I/O */

void	nfs3_begin(struct nfs3_call *c, struct rpc_req *req);
void	nfs3_end(struct nfs3_call *c);
/*
 * Resolve fh for this caller: the client's address must be admitted by
 * the export, and the thread then runs with the caller's credentials.
 */
nfsstat3 nfs3_get(struct nfs3_call *c, const nfs_fh3 *fh,
	    struct vfs_obj *obj, unsigned flags);
/* The object named name in dir, as LOOKUP finds it. */
nfsstat3 nfs3_lookup_obj(struct nfs3_call *c, const struct vfs_obj *dir,
	    const char *name, struct vfs_obj *obj);
/* Copy a handle into the reply. */
int	nfs3_fh_out(struct nfs3_call *c, const uint8_t *fh, size_t len,
	    nfs_fh3 *out);
/* Stable storage for a namespace change, as RFC 1813 requires. */
nfsstat3 nfs3_commit_dir(struct vfs_obj *dir);
/*
 * For the quick predicates, which peek at arguments not yet decoded:
 * the offset just past the nfs_fh3 they start with, if need more bytes
 * follow it, else 0 (too short, or a handle no call may carry).
 */
size_t	nfs3_args_after_fh(const uint8_t *args, size_t len, size_t need);
/* An XDR unsigned int at p (big-endian), for those predicates. */
uint32_t nfs3_get_u32(const uint8_t *p);

/* The handlers, by file. */
enum rpc_status nfs3_getattr(struct rpc_req *, void *, void *);
enum rpc_status nfs3_setattr(struct rpc_req *, void *, void *);
enum rpc_status nfs3_access(struct rpc_req *, void *, void *);
enum rpc_status nfs3_fsstat(struct rpc_req *, void *, void *);
enum rpc_status nfs3_fsinfo(struct rpc_req *, void *, void *);
enum rpc_status nfs3_pathconf(struct rpc_req *, void *, void *);

enum rpc_status nfs3_lookup(struct rpc_req *, void *, void *);
enum rpc_status nfs3_readlink(struct rpc_req *, void *, void *);
enum rpc_status nfs3_create(struct rpc_req *, void *, void *);
enum rpc_status nfs3_mkdir(struct rpc_req *, void *, void *);
enum rpc_status nfs3_symlink(struct rpc_req *, void *, void *);
enum rpc_status nfs3_mknod(struct rpc_req *, void *, void *);
enum rpc_status nfs3_remove(struct rpc_req *, void *, void *);
enum rpc_status nfs3_rmdir(struct rpc_req *, void *, void *);
enum rpc_status nfs3_rename(struct rpc_req *, void *, void *);
enum rpc_status nfs3_link(struct rpc_req *, void *, void *);

/* READ's results and what its encoder reads into the reply. */
struct nfs3_read_res {
	READ3res	 res;		/* first: the dispatcher's view */
	struct vfs_obj	 obj;
	int		 iofd;
	uint64_t	 offset;
	uint32_t	 count;
	struct rpc_tail	*tail;		/* NULL: data inline (pread) */
};

/* READs of at least this much data send it from the page cache. */
#define NFS3_READ_TAIL_MIN	(32 * 1024)
/*
 * UNSTABLE WRITEs of at least this much data start the disk write of
 * their pages before replying (write-behind): a worker's job.
 */
#define NFS3_WRITE_BEHIND_MIN	(256 * 1024)

enum rpc_status nfs3_read(struct rpc_req *, void *, void *);
enum rpc_status nfs3_write(struct rpc_req *, void *, void *);
enum rpc_status nfs3_commit(struct rpc_req *, void *, void *);
bool_t	nfs3_xdr_read_res(XDR *, void *);
bool_t	nfs3_xdr_write_args(XDR *, void *);
/*
 * An UNSTABLE WRITE under NFS3_WRITE_BEHIND_MIN is quick: it only
 * reaches the page cache.
 */
bool	nfs3_write_quick(const uint8_t *args, size_t len);

enum rpc_status nfs3_readdir(struct rpc_req *, void *, void *);
enum rpc_status nfs3_readdirplus(struct rpc_req *, void *, void *);
/* A READDIR or READDIRPLUS from cookie 0 is quick; one going on is not. */
bool	nfs3_readdir_quick(const uint8_t *args, size_t len);

#endif
