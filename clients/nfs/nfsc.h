/*
 * nfsc.h - a small synchronous NFSv3 client for the front ends, on
 * libtirpc and the same rpcgen XDR as the server (proto/nfs3_prot.x,
 * proto/mount3_prot.x): MOUNT v3, and the NFS procedures a Maildir
 * store needs.  One struct nfsc is one fileserver export over TCP;
 * calls on it are serialized (use one per thread for parallelism).
 *
 * Every call takes the credential to run as (AUTH_SYS, the mailbox
 * owner's uid/gid) and returns an nfsstat3 value: NFS3_OK, the
 * server's error, or one of NFSC_ERR_* for what went wrong on the way.
 * nfsc_error() then says what failed, with the procedure and the path
 * or name involved.  Calls time out, are retried with backoff, and
 * survive a server restart: the connection is re-made and the cached
 * handles go on working (they survive restarts by design).
 */
#ifndef NFSC_H
#define NFSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NFSC_FHSIZE		64
#define NFSC_MAX_GIDS		16
#define NFSC_ERR_BASE		20000
#define NFSC_ERR_RPC		(NFSC_ERR_BASE + 1)	/* no answer, refused */
#define NFSC_ERR_MOUNT		(NFSC_ERR_BASE + 2)	/* MNT failed */
#define NFSC_ERR_TOOBIG		(NFSC_ERR_BASE + 3)	/* over a limit */
#define NFSC_ERR_NOMEM		(NFSC_ERR_BASE + 4)
#define NFSC_ERR_URL		(NFSC_ERR_BASE + 5)	/* a malformed URL */

struct nfsc;

struct nfsc_fh {
	uint32_t	len;
	uint8_t		data[NFSC_FHSIZE];
};

/* Who a call runs as. */
struct nfsc_cred {
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	ngids;
	uint32_t	gids[NFSC_MAX_GIDS];
};

enum nfsc_type {
	NFSC_REG = 1,
	NFSC_DIR,
	NFSC_BLK,
	NFSC_CHR,
	NFSC_LNK,
	NFSC_SOCK,
	NFSC_FIFO,
};

struct nfsc_attr {
	enum nfsc_type	 type;
	uint32_t	 mode;
	uint32_t	 nlink;
	uint32_t	 uid;
	uint32_t	 gid;
	uint64_t	 size;
	uint64_t	 used;
	uint64_t	 fsid;
	uint64_t	 fileid;
	struct timespec	 atime;
	struct timespec	 mtime;
	struct timespec	 ctime;
};

/* Connection options; zero values take the defaults. */
struct nfsc_opts {
	unsigned	timeout_ms;	/* per try (default 5000) */
	unsigned	retries;	/* tries after the first (default 4) */
	size_t		fhcache;	/* cached path handles (default 1024) */
};

/*
 * Connect to nfs://host[:port]/export[?mountport=N]: with no port,
 * rpcbind on the host is asked (GETPORT); MNT gives the root handle.
 * NULL on failure, with what went wrong in err.
 */
struct nfsc *nfsc_open(const char *url, const struct nfsc_opts *opts,
	    char *err, size_t errlen);
/* UMNT, and free everything. */
void	nfsc_close(struct nfsc **nc);
const struct nfsc_fh *nfsc_root(const struct nfsc *nc);
/* What the last failed call was: "LOOKUP 12/34/tevie: NFS3ERR_ACCES". */
const char *nfsc_error(const struct nfsc *nc);
/* "NFS3ERR_NOENT", "NFSC_ERR_RPC", ... */
const char *nfsc_strstat(int stat);

int	nfsc_getattr(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, struct nfsc_attr *attr);
/* Each of mode, uid, gid, size is set unless given as -1. */
int	nfsc_setattr(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, int64_t mode, int64_t uid, int64_t gid,
	    int64_t size);
/* attr may be NULL. */
int	nfsc_lookup(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, const char *name, struct nfsc_fh *out,
	    struct nfsc_attr *attr);
/*
 * The handle of a '/'-separated path under the export root, through a
 * bounded cache of directory handles; a STALE cached handle is dropped
 * and the path looked up again.
 */
int	nfsc_lookup_path(struct nfsc *nc, const struct nfsc_cred *cred,
	    const char *path, struct nfsc_fh *out, struct nfsc_attr *attr);
/* Forget cached handles under path (after a rename or removal). */
void	nfsc_forget_path(struct nfsc *nc, const char *path);

enum nfsc_create_how {
	NFSC_UNCHECKED,
	NFSC_GUARDED,
	NFSC_EXCLUSIVE,		/* verf must be given */
};
int	nfsc_create(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, const char *name, uint32_t mode,
	    enum nfsc_create_how how, const uint8_t verf[8],
	    struct nfsc_fh *out);
int	nfsc_mkdir(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, const char *name, uint32_t mode,
	    struct nfsc_fh *out);

enum nfsc_stable {
	NFSC_UNSTABLE,
	NFSC_DATA_SYNC,
	NFSC_FILE_SYNC,
};
/*
 * Write all of buf at off (in pieces of the server's wtmax); *committed
 * is the least stable of the replies, verf the write verifier of the
 * last one.
 */
int	nfsc_write(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, uint64_t off, const void *buf,
	    size_t len, enum nfsc_stable stable, enum nfsc_stable *committed,
	    uint8_t verf[8]);
int	nfsc_commit(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, uint8_t verf[8]);
/* Read up to len bytes at off; *n is what came, *eof the end. */
int	nfsc_read(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, uint64_t off, void *buf, size_t len,
	    size_t *n, bool *eof);

/* One entry of a listing; attr and fh are NULL when not sent. */
typedef int (*nfsc_dirent_cb)(const char *name, uint64_t fileid,
	    const struct nfsc_attr *attr, const struct nfsc_fh *fh, void *arg);
/* Every entry but "." and ".." (READDIRPLUS); stops when cb != 0. */
int	nfsc_readdir(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg);
/* The same with READDIR: names and fileids only (attr, fh NULL). */
int	nfsc_readdir_names(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, nfsc_dirent_cb cb, void *arg);

int	nfsc_rename(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fromdir, const char *from,
	    const struct nfsc_fh *todir, const char *to);
int	nfsc_link(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, const struct nfsc_fh *dir,
	    const char *name);
int	nfsc_remove(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, const char *name);
int	nfsc_rmdir(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *dir, const char *name);

struct nfsc_fsstat {
	uint64_t	tbytes, fbytes, abytes;
	uint64_t	tfiles, ffiles, afiles;
};
int	nfsc_fsstat(struct nfsc *nc, const struct nfsc_cred *cred,
	    const struct nfsc_fh *fh, struct nfsc_fsstat *out);

#endif
