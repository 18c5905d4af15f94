/*
 * nfsc_int.h - the NFSv3 client's insides, shared by its files and
 * its unit tests: URL parsing, connections with retries, the handle
 * cache, error texts.  Not for users of the library (see nfsc.h).
 */
#ifndef NFSC_INT_H
#define NFSC_INT_H

#include <sys/socket.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rpc/rpc.h>

#include "nfsc.h"

#define NFSC_HOSTLEN		255	/* longest host name in a URL */
#define NFSC_EXPORTLEN		1024	/* MNTPATHLEN */
#define NFSC_NAMELEN		1024	/* NFS3_MAXNAMLEN: filename3<1024> */
#define NFSC_PATHLEN		4096	/* NFS3_MAXPATHLEN */
#define NFSC_IOMAX		1048576	/* NFS3_MAXDATA: data<1048576> */
#define NFSC_ERRLEN		1280
#define NFSC_DETAILLEN		256
#define NFSC_URLLEN		2048	/* longest URL accepted */

#define NFSC_DEF_TIMEOUT_MS	5000
#define NFSC_DEF_RETRIES	4
#define NFSC_DEF_FHCACHE	1024
#define NFSC_MAX_TIMEOUT_MS	600000
#define NFSC_MAX_RETRIES	100
#define NFSC_MAX_FHCACHE	(1U << 20)

/* nfs://host[:port]/export[?mountport=N]; a port of 0: ask rpcbind. */
struct nfsc_url {
	char		host[NFSC_HOSTLEN + 1];	/* no brackets for IPv6 */
	uint16_t	port;
	uint16_t	mountport;
	char		export[NFSC_EXPORTLEN + 1];
};

/* url.c */
int	nfsc_url_parse(const char *url, struct nfsc_url *u, char *err,
	    size_t errlen);

/* One RPC program on one server over TCP, re-made as needed (conn.c). */
struct nfsc_conn {
	struct sockaddr_storage	 addr;		/* port not set */
	socklen_t		 addrlen;
	char			 host[NFSC_HOSTLEN + 1];
	uint32_t		 prog, vers;
	uint16_t		 port;		/* 0: rpcbind GETPORT */
	CLIENT			*clnt;
	AUTH			*auth;		/* AUTH_SYS of auth_cred */
	struct nfsc_cred	 auth_cred;
	bool			 auth_self;	/* auth is for cred NULL */
	bool			 pipe_ignored;	/* SIGPIPE was SIG_IGN */
	unsigned		 timeout_ms;
	unsigned		 retries;
	char			 detail[NFSC_DETAILLEN];
};

int	nfsc_conn_resolve(struct nfsc_conn *c, const char *host, char *err,
	    size_t errlen);
void	nfsc_conn_init(struct nfsc_conn *c, uint32_t prog, uint32_t vers,
	    uint16_t port, unsigned timeout_ms, unsigned retries);
/* 0 when the server answered, else NFSC_ERR_RPC with c->detail. */
int	nfsc_conn_call(struct nfsc_conn *c, const struct nfsc_cred *cred,
	    rpcproc_t proc, xdrproc_t xargs, void *args, xdrproc_t xres,
	    void *res);
/* Close the connection and free the credential kept for calls. */
void	nfsc_conn_close(struct nfsc_conn *c);

/* The bounded LRU cache of directory handles by path (fhcache.c). */
struct fhcache;

struct fhcache *fhc_create(size_t cap);
void	fhc_free(struct fhcache **fc);
bool	fhc_get(struct fhcache *fc, const char *path, struct nfsc_fh *out);
int	fhc_put(struct fhcache *fc, const char *path, const struct nfsc_fh *fh);
/* Drop path and everything under it; returns how many went. */
size_t	fhc_forget(struct fhcache *fc, const char *path);
/* The path a handle is cached under, or NULL. */
const char *fhc_path_of(struct fhcache *fc, const struct nfsc_fh *fh);
size_t	fhc_count(const struct fhcache *fc);

/* path.c: "a//b/./c/" -> "a/b/c"; NFS3_OK or an error value. */
int	nfsc_path_norm(const char *path, char *out, size_t outlen);

/* Recently named files, for error messages only (names.c). */
#define NFSC_NAMES		16
struct nfsc_names {
	struct nfsc_fh	 fh[NFSC_NAMES];
	char		*path[NFSC_NAMES];
	size_t		 next;
};
void	nfsc_names_note(struct nfsc_names *nm, const struct nfsc_fh *fh,
	    const char *dir, const char *name);
const char *nfsc_names_find(const struct nfsc_names *nm,
	    const struct nfsc_fh *fh);
void	nfsc_names_free(struct nfsc_names *nm);

struct nfsc {
	pthread_mutex_t	 mu;		/* recursive: callbacks may call */
	struct nfsc_url	 url;
	struct nfsc_conn nfs;
	struct nfsc_fh	 root;
	uint32_t	 rtmax, wtmax;
	struct fhcache	*fc;
	struct nfsc_names names;
	char		 err[NFSC_ERRLEN];
};

/* mount.c */
int	nfsc_mount_mnt(struct nfsc *nc, struct nfsc_fh *root);
int	nfsc_mount_umnt(struct nfsc *nc);

/* err.c: "PROC what: STATUS (detail)" into nc->err; returns st. */
int	nfsc_seterr(struct nfsc *nc, const char *proc, const char *what,
	    int st, const char *detail);
/* The same, naming name in the directory fh (or the file fh). */
int	nfsc_seterr_fh(struct nfsc *nc, const char *proc,
	    const struct nfsc_fh *fh, const char *name, int st,
	    const char *detail);

/* ops.c: one NFS call as cred; the reply's nfsstat3 or NFSC_ERR_*. */
int	nfsc_call(struct nfsc *nc, const struct nfsc_cred *cred,
	    rpcproc_t proc, xdrproc_t xargs, void *args, xdrproc_t xres,
	    void *res);
/* LOOKUP and GETATTR without setting nc->err; *have says attr came. */
int	nfsc_lookup_raw(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, const char *name, struct nfsc_fh *out,
	    struct nfsc_attr *attr, bool *have);
int	nfsc_getattr_raw(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, struct nfsc_attr *attr);
/* Checks of what a caller passes: NFS3_OK or the error value. */
int	nfsc_check_cred(const struct nfsc_cred *cred);
int	nfsc_check_fh(const struct nfsc_fh *fh);
int	nfsc_check_name(const char *name);
/* Between the client's and the XDR's types (ops.c). */
struct nfs_fh3;
struct fattr3;
void	nfsc_fh3(struct nfs_fh3 *d, const struct nfsc_fh *fh);
bool	nfsc_fh_from(struct nfsc_fh *out, const struct nfs_fh3 *in);
void	nfsc_attr_from(struct nfsc_attr *a, const struct fattr3 *f);
/* Set nc->err for proc on name in fh; a STALE fh leaves the cache. */
int	nfsc_fail(struct nfsc *nc, const char *proc, const struct nfsc_fh *fh,
	    const char *name, int st);
/* The path of the directory fh: "" for the root, NULL if unknown. */
const char *nfsc_dir_path(struct nfsc *nc, const struct nfsc_fh *fh);
/* Forget cached handles at and below name in the directory dir. */
void	nfsc_forget_child(struct nfsc *nc, const struct nfsc_fh *dir,
	    const char *name);
void	nfsc_lock(struct nfsc *nc);
void	nfsc_unlock(struct nfsc *nc);

#endif
