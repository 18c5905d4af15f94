/*
 * nfsd.h - the daemon's shared state: configuration, the live exports
 * table, the handle key and the mount list.  Handlers reach it through
 * rpc_req.ctx.
 */
#ifndef NFSD_NFSD_H
#define NFSD_NFSD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "export.h"
#include "handle.h"
#include "svc.h"
#include "vfs.h"

#define NFSD_DEFAULT_EXPORTS	"/etc/exports"
#define NFSD_DEFAULT_STATEDIR	"/var/lib/nfsd"
#define NFSD_DEFAULT_NFS_PORT	2049
#define NFSD_DEFAULT_MOUNT_PORT	20048
#define NFSD_PIDFILE		"nfsd.pid"
#define NFSD_STATSFILE		"stats"

#define NFS_PROGRAM_NUM		100003
#define MOUNT_PROGRAM_NUM	100005

struct mountlist;

/* One generation of the exports table, kept while requests use it. */
struct exports_ref {
	struct export_table	*table;
	struct vfs_export	*ve;		/* one per table->exports[] */
	atomic_int		 refs;
};

struct nfsd {
	const char		*exports_file;
	const char		*statedir;
	struct handle_key	 key;
	struct mountlist	*mounts;
	pthread_mutex_t		 exports_lock;
	struct exports_ref	*exports;
	uint32_t		 io_max;	/* FSINFO rtmax and wtmax */
	uint8_t			 writeverf[8];	/* changes on restart, on a failed flush */
	pthread_mutex_t		 verf_lock;
};

/* The largest READ/WRITE that fits a record of max_record bytes. */
uint32_t nfsd_io_max(size_t max_record);

/* nfs3.c: the write verifier, and replacing it after a failed flush. */
void	nfsd_verf_init(struct nfsd *d);
void	nfsd_verf_get(struct nfsd *d, uint8_t out[8]);
void	nfsd_verf_bump(struct nfsd *d);

/* exports.c: the live table, replaced whole on SIGHUP. */
int	nfsd_exports_load(struct nfsd *d);
int	nfsd_exports_reload(struct nfsd *d);
struct exports_ref *nfsd_exports_hold(struct nfsd *d);
void	nfsd_exports_drop(struct exports_ref *ref);
void	nfsd_exports_free(struct nfsd *d);

/* mount3.c, nfs3.c: the programs. */
extern const struct rpc_prog mount_program;
extern const struct rpc_prog nfs_program;

#endif
