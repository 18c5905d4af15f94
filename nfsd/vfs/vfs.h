/*
 * vfs.h - the filesystem side of the NFS procedures: turning handles
 * into open objects confined to their export, running each request
 * under the caller's credentials, attributes in NFSv3 form, errno to
 * nfsstat3, the open-file cache and directory reading.
 */
#ifndef VFS_VFS_H
#define VFS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "export.h"
#include "handle.h"
#include "nfs3_prot.h"

#define VFS_NAME_MAX		255		/* PATHCONF name_max */
#define VFS_LINK_MAX		65000		/* PATHCONF linkmax */
#define VFS_IO_MAX		(1024 * 1024)	/* rtmax, wtmax */
#define VFS_DIR_PREF		(64 * 1024)	/* dtpref */
#define VFS_FCACHE_SIZE		4096		/* cached open objects */

/* The runtime side of one export: its root, opened once per load. */
struct vfs_export {
	const struct export	*exp;
	int			 rootfd;	/* O_RDONLY: open_by_handle_at refuses O_PATH */
	dev_t			 dev;
	ino_t			 ino;
	uint64_t		 fsid;		/* fattr3.fsid */
};

/* Open the roots of every export in table; -1 with errno on failure. */
int	vfs_exports_open(const struct export_table *table,
	    struct vfs_export **out);
void	vfs_exports_close(struct vfs_export *ve, size_t n);

/* cred.c: the calling thread's filesystem identity. */
int	vfs_cred_apply(const struct export_cred *cred);
int	vfs_cred_root(void);
/*
 * The credential a request runs with: -mapall for everyone; otherwise
 * AUTH_NONE is nobody, root is -maproot, others are who they say.
 */
void	vfs_cred_map(const struct export_opts *opts, bool authsys,
	    uint32_t uid, uint32_t gid, uint32_t ngids, const uint32_t *gids,
	    struct export_cred *out);

/* errmap.c */
nfsstat3 vfs_errno(int err);

/* fcache.c: handle -> open object, bounded, least recently used out. */
struct fcache_ent;
int	vfs_fcache_init(size_t size);
void	vfs_fcache_free(void);
/* An object a request works on. */
struct vfs_obj {
	const struct vfs_export	*ve;
	struct fcache_ent	*ent;		/* holds fd; NULL if owned */
	int			 fd;		/* O_PATH */
	struct stat		 st;		/* as of resolving */
	uint8_t			 fh[HANDLE_MAX];
	size_t			 fhlen;
};

/*
 * Resolve a client's handle among the exports ve[0..n-1].  When the
 * object is not cached the thread becomes root to open it (this needs
 * CAP_DAC_READ_SEARCH).  Returns NFS3_OK,
 * NFS3ERR_BADHANDLE (altered, foreign, unknown export) or
 * NFS3ERR_STALE (the object is gone).
 */
nfsstat3 vfs_resolve(const struct handle_key *key,
	    const struct vfs_export *ve, size_t n, const uint8_t *fh,
	    size_t fhlen, struct vfs_obj *obj);
/* Release what vfs_resolve or vfs_lookup gave. */
void	vfs_release(struct vfs_obj *obj);
/*
 * The object named name in directory dir, confined to the export: ".."
 * of the root is the root, other filesystems are not entered unless
 * exported themselves.  Symlinks are not followed.
 */
nfsstat3 vfs_lookup(const struct handle_key *key,
	    const struct vfs_export *ve, size_t n, const struct vfs_obj *dir,
	    const char *name, struct vfs_obj *obj);
/* The handle of name in dir (just created): into fh. */
nfsstat3 vfs_handle_at(const struct handle_key *key,
	    const struct vfs_export *ve, int dirfd, const char *name,
	    uint8_t fh[HANDLE_MAX], size_t *fhlen);
/*
 * The handle of the file just created and open as fd, for reading and
 * writing: into fh.  The open-object cache takes fd over as the file's
 * descriptors, so that the WRITEs that follow need not open it again;
 * fd is the caller's no longer, whatever the result.
 */
nfsstat3 vfs_handle_keep(const struct handle_key *key,
	    const struct vfs_export *ve, int fd, uint8_t fh[HANDLE_MAX],
	    size_t *fhlen);
/* The root object of an export. */
nfsstat3 vfs_root(const struct handle_key *key, const struct vfs_export *ve,
	    struct vfs_obj *obj);
/*
 * A descriptor for I/O on obj: a regular file's O_RDWR when possible, a
 * directory's O_RDONLY (for fsync); the first open is done as root
 * (callers check permission per call).
 */
int	vfs_iofd(struct vfs_obj *obj);
/* Re-read obj->st; NFS3ERR_STALE when the object was removed. */
nfsstat3 vfs_refresh(struct vfs_obj *obj);
/*
 * What a name names, noted just before it is unlinked or renamed over,
 * so that the caches can forget it once that is done: the open-object
 * cache its descriptors (a removed file's space is freed when the last
 * closes), the handle cache its handle.
 */
struct vfs_gone {
	bool		 known;
	uint64_t	 ino;
	struct handle	 h;		/* the kernel's; export_id unused */
};
void	vfs_gone_note(int dirfd, const char *name, struct vfs_gone *g);
void	vfs_gone_forget(const struct vfs_gone *g);
/* "/proc/self/fd/N" for fd: path-based calls on an O_PATH descriptor. */
void	vfs_fdpath(int fd, char buf[32]);
/* Check a name a client gives: not empty, no '/', not too long. */
nfsstat3 vfs_check_name(const char *name, bool allow_dots);
/*
 * READDIRPLUS's view of the entry name in dirfd: its attributes (of
 * another file system when one is mounted there: st_dev tells), and
 * its handle (*fhlen 0 when none can be given).  Handles of entries
 * listed before come from a cache (see hcache.c), so a directory
 * listed again costs one statx per entry.  ino_hint is the inode
 * number getdents gave, to fetch its cache slot early.
 */
nfsstat3 vfs_entry_plus(const struct handle_key *key,
	    const struct vfs_export *ve, int dirfd, const char *name,
	    uint64_t ino_hint, struct stat *st, uint8_t fh[HANDLE_MAX],
	    size_t *fhlen);
/*
 * Make the inode a new entry names durable (regular files and
 * directories; others have no descriptor fsync takes).  A directory's
 * fsync makes the entry durable, but without a journal (ext2, ext4
 * with no journal) not the inode it names.  As root.
 */
int	vfs_sync_name(int dirfd, const char *name);
/*
 * Make obj durable: a regular file's data and metadata, a directory's
 * entries (through the cached descriptor: no open per change).  Other
 * types have no descriptor fsync takes.  May switch the thread to root.
 */
int	vfs_sync_obj(struct vfs_obj *obj);

/* attr.c */
void	vfs_fattr(const struct vfs_export *ve, const struct stat *st,
	    fattr3 *out);
void	vfs_post_op(const struct vfs_export *ve, int fd, post_op_attr *out);
void	vfs_post_op_st(const struct vfs_export *ve, const struct stat *st,
	    post_op_attr *out);
void	vfs_pre_op(const struct stat *st, pre_op_attr *out);
/* wcc for obj: before from st (if valid), after from a fresh stat. */
void	vfs_wcc(const struct vfs_export *ve, const struct stat *before,
	    int fd, wcc_data *out);
/* Apply sattr3 to an object; the creds in force decide permission. */
nfsstat3 vfs_setattr(int fd, const struct stat *st, const sattr3 *sa);
/* Mode bits to create with: sattr3's mode, else def. */
mode_t	vfs_create_mode(const sattr3 *sa, mode_t def);
/* ACCESS3 bits the current credentials are granted on st/fd. */
uint32_t vfs_access(int fd, const struct stat *st, uint32_t want, bool ro);
/* Whether the caller may read/write fd's file (owner may always). */
nfsstat3 vfs_may_io(int fd, const struct stat *st, uint32_t uid, bool write);

/* createverf.c: EXCLUSIVE create verifiers kept in the file's times. */
void	vfs_verf_to_times(const uint8_t verf[NFS3_CREATEVERFSIZE],
	    struct timespec ts[2]);
bool	vfs_verf_matches(const uint8_t verf[NFS3_CREATEVERFSIZE],
	    const struct stat *st);

/* readdir.c: reading a directory from a cookie. */
struct vfs_dirent {
	uint64_t	 fileid;
	uint64_t	 cookie;	/* where the next entry starts */
	const char	*name;
	unsigned char	 type;		/* DT_* */
};
typedef int (*vfs_dirent_cb)(const struct vfs_dirent *e, void *arg);
/*
 * Read the entries of directory dir (dirfd any descriptor of it, even
 * O_PATH; dir its attributes, taken just before) from cookie on,
 * calling cb for each until cb returns 1 (full) or -1 (error).  Sets
 * *eof when the directory ended.  Runs with the calling thread's
 * credentials, cred: a listing by cred going on from where the last
 * call ended, in a directory unchanged since, reuses that call's open
 * directory.  Returns 0, or -1 with errno (EINVAL: a cookie the
 * directory cannot seek to).
 */
int	vfs_readdir(int dirfd, const struct stat *dir,
	    const struct export_cred *cred, uint64_t cookie, vfs_dirent_cb cb,
	    void *arg, bool *eof);
/* Listings that went on from a kept directory (hits) and that did not. */
void	vfs_readdir_stats(uint64_t *hits, uint64_t *misses);
/* Close the kept directories not in use. */
void	vfs_readdir_close(void);

#endif
