/*
 * backend.h - inside the Maildir store: the interface the two backends
 * (local.c, nfs.c) implement, and the helpers the front half (store.c,
 * deliver.c, list.c, read.c, move.c, clean.c) shares.  Paths are
 * relative to the store root, '/'-separated, already checked; "" is
 * the root itself.  Every backend call returns a maildir_status and,
 * on failure, fills the error it is given.
 */
#ifndef MAILDIR_BACKEND_H
#define MAILDIR_BACKEND_H

#include <stdarg.h>
#include <time.h>

#include "maildir.h"

#define MD_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define MD_IO_CHUNK	(64 * 1024)	/* read pieces, write staging */
#define MD_MODE_DIR	0700
#define MD_MODE_PARENT	0755
#define MD_MODE_FILE	0600

struct md_err {
	int	status;
	char	msg[MAILDIR_ERRLEN];
};

struct md_cred {
	uint32_t	uid;
	uint32_t	gid;
};

struct md_attr {
	bool		isdir;
	uint64_t	size;
	uint64_t	fileid;
	time_t		mtime;
};

#define MD_FH_MAX	80	/* room for a backend's file handle */

/* An open file: a descriptor, or a backend's handle (opaque here). */
struct md_file {
	int		fd;
	uint64_t	fileid;		/* 0: not known */
	_Alignas(8) unsigned char fh[MD_FH_MAX];
};

/* One directory entry; attr NULL when the backend has none at hand. */
typedef int (*md_dirent_cb)(const char *name, const struct md_attr *attr,
	    void *arg);

struct md_ops {
	const char *kind;
	void	(*close)(struct maildir_store *s);
	int	(*avail)(struct maildir_store *s, uint64_t *avail,
		    struct md_err *e);
	int	(*mkdir)(struct maildir_store *s, const struct md_cred *c,
		    const char *path, uint32_t mode, struct md_err *e);
	int	(*chown)(struct maildir_store *s, const struct md_cred *c,
		    const char *path, uint32_t mode, uint32_t uid,
		    uint32_t gid, struct md_err *e);
	int	(*stat)(struct maildir_store *s, const struct md_cred *c,
		    const char *path, struct md_attr *a, struct md_err *e);
	/* Exclusive create in dir; EEXIST if name is there. */
	int	(*create)(struct maildir_store *s, const struct md_cred *c,
		    const char *dir, const char *name, struct md_file *f,
		    struct md_err *e);
	int	(*open)(struct maildir_store *s, const struct md_cred *c,
		    const char *path, struct md_file *f, struct md_err *e);
	/*
	 * Write all of buf at off, durably once this returns OK (NFS:
	 * FILE_SYNC, or COMMIT with the verifier checked and the data
	 * written again on a change); sync then finishes the job (local:
	 * fsync).
	 */
	int	(*write)(struct maildir_store *s, const struct md_cred *c,
		    struct md_file *f, uint64_t off, const void *buf,
		    size_t len, struct md_err *e);
	int	(*sync)(struct maildir_store *s, const struct md_cred *c,
		    struct md_file *f, struct md_err *e);
	/*
	 * Write all of buf at off with no durability asked for (NFS:
	 * UNSTABLE, no COMMIT; local: no fsync), for files whose content
	 * a crash may lose (pop3d's lock: only its existence counts).
	 */
	int	(*write_volatile)(struct maildir_store *s,
		    const struct md_cred *c, struct md_file *f, uint64_t off,
		    const void *buf, size_t len, struct md_err *e);
	int	(*read)(struct maildir_store *s, const struct md_cred *c,
		    struct md_file *f, uint64_t off, void *buf, size_t len,
		    size_t *n, struct md_err *e);
	void	(*fclose)(struct maildir_store *s, struct md_file *f);
	int	(*rename)(struct maildir_store *s, const struct md_cred *c,
		    const char *fromdir, const char *from, const char *todir,
		    const char *to, struct md_err *e);
	int	(*remove)(struct maildir_store *s, const struct md_cred *c,
		    const char *dir, const char *name, struct md_err *e);
	/* Make a directory's changes durable (local: fsync of it). */
	int	(*syncdir)(struct maildir_store *s, const struct md_cred *c,
		    const char *dir, struct md_err *e);
	int	(*readdir)(struct maildir_store *s, const struct md_cred *c,
		    const char *dir, md_dirent_cb cb, void *arg,
		    struct md_err *e);
	/* The same, names only (attr always NULL): cheaper over NFS. */
	int	(*names)(struct maildir_store *s, const struct md_cred *c,
		    const char *dir, md_dirent_cb cb, void *arg,
		    struct md_err *e);
};

struct maildir_store {
	const struct md_ops *ops;
	char		 url[MAILDIR_PATH_MAX];
	void		*impl;		/* the backend's state */
	struct maildir_store *pool_next;	/* idle in the pool (pool.c) */
	time_t		 pool_since;	/* given back then (monotonic s) */
};

struct maildir {
	struct maildir_store *store;
	struct md_cred	 cred;
	char		 home[MAILDIR_PATH_MAX];
	char		 tmp[MAILDIR_PATH_MAX]; /* H/Maildir/tmp */
	char		 new[MAILDIR_PATH_MAX];
	char		 cur[MAILDIR_PATH_MAX];
	struct md_err	 err;
};

/* The backends' constructors: NULL with e filled on failure. */
struct maildir_store *md_local_open(const char *path, struct md_err *e);
struct maildir_store *md_nfs_open(const char *url, struct md_err *e);

/* Errors. */
int	md_seterr(struct md_err *e, int status, const char *fmt, ...)
	    MD_PRINTF(3, 4);
int	md_errno_status(int errnum);
/* Copy e into the caller's buffer, return its status. */
int	md_export_err(const struct md_err *e, char *err, size_t errlen);

/* Paths. */
bool	md_path_ok(const char *path);
bool	md_name_ok(const char *name);
int	md_join(char *buf, size_t len, const char *dir, const char *name,
	    struct md_err *e);
const char *md_subdir(const struct maildir *md, enum maildir_sub sub);

/* The unique part of name (up to ':'), into buf. */
int	md_uniq_of(const char *name, char *buf, size_t len);
/*
 * Find where the message with name's unique part now is (after another
 * session moved or flagged it): MAILDIR_ENOENT when nowhere.
 */
int	md_find(struct maildir *md, const char *name, enum maildir_sub *sub,
	    char *found, size_t foundlen);

#endif
