/*
 * nfsbench.h - the NFSv3 load generator's shared types: options, the
 * connections, the request slots the event loop drives, the workload
 * table and the synchronous helpers used for (untimed) setup.
 *
 * One poll() loop over every connection (libnfs's async raw API), or
 * one per worker process with -j: each connection has `depth` slots,
 * each slot runs one operation at a time, and an operation is one RPC
 * or a short chain of them.
 */
#ifndef NFSBENCH_H
#define NFSBENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include "report.h"

#define NB_MAX_CONNS	256
#define NB_MAX_DEPTH	256
#define NB_MAX_JOBS	64		/* -j worker processes */
#define NB_FH_MAX	64		/* NFS3_FHSIZE */
#define NB_NAME_MAX	128		/* names nfsbench makes */
#define NB_PATH_MAX	1024
#define NB_SEQ_XFER	(1024 * 1024)	/* seqwrite/seqread transfer */
#define NB_IO_XFER	4096		/* read/write transfer */
#define NB_DIR_MAXCOUNT	32768		/* READDIRPLUS maxcount */
#define NB_DIR_DIRCOUNT	8192		/* READDIRPLUS dircount */
#define NB_MAX_ENTRIES	10000000u	/* --entries */
#define NB_MAX_MAILBOXES 100000u	/* --mailboxes */
#define NB_MAX_MSG	(64u * 1024 * 1024)	/* --msg-size */
#define NB_SETUP_DEPTH	16		/* calls in flight per conn, setup */

/* ------------------------------------------------------------ options */

enum nb_sync { SYNC_COMMIT, SYNC_FILESYNC };

struct nb_opts {
	const char	*target;	/* HOST:/EXPORT as given */
	char		 host[256];
	char		 export[NB_PATH_MAX];
	unsigned	 conns;
	unsigned	 depth;
	unsigned	 jobs;		/* worker processes */
	uint64_t	 ops;
	double		 time_cap;
	double		 warmup;
	int		 nfsport;	/* 0: ask the portmapper */
	int		 mountport;
	uint32_t	 uid;
	uint32_t	 gid;
	char		 dir[NB_NAME_MAX];
	bool		 keep;
	uint64_t	 file_size;
	uint64_t	 seq_size;
	unsigned	 entries;
	unsigned	 mailboxes;
	uint32_t	 msg_size;
	enum nb_sync	 sync;
	bool		 link;
	bool		 json;
	bool		 quiet;
};

/* ------------------------------------------------------------ handles */

struct fh {
	uint32_t	 len;
	char		 data[NB_FH_MAX];
};

void	 fh_set(struct fh *, const nfs_fh3 *);
void	 fh_arg(nfs_fh3 *, const struct fh *);

/* ---------------------------------------------------- slots and conns */

struct conn;
struct run;

/* One request slot: at most one operation (one RPC at a time) in it. */
struct slot {
	struct conn	*conn;
	struct run	*run;
	unsigned	 id;		/* global slot number */
	int		 state;		/* SLOT_IDLE, SLOT_BUSY, SLOT_WAIT */
	bool		 measured;	/* started in the measured phase */
	bool		 parked;	/* op_park(): waits, resumed later */
	uint64_t	 t0;		/* operation start, ns */
	uint64_t	 seqno;		/* job's sequence number of this op */
	/* Workload scratch for multi-RPC operations. */
	unsigned	 step;
	unsigned	 box;		/* mailbox */
	uint64_t	 off;
	uint64_t	 left;
	uint64_t	 cookie;
	char		 cookieverf[NFS3_COOKIEVERFSIZE];
	uint64_t	 count;
	struct fh	 fh;
	char		 name[NB_NAME_MAX];
};

enum { SLOT_IDLE, SLOT_BUSY, SLOT_WAIT };

struct conn {
	struct rpc_context *rpc;
	unsigned	 id;
	bool		 dead;
	struct slot	*slots;		/* depth of them */
	/* seqwrite: this connection's file and its progress */
	struct fh	 seq_fh;
	uint64_t	 seq_off;
	unsigned	 seq_inflight;
	bool		 seq_dirty;
	bool		 seq_committing;
};

/* ------------------------------------------------------------ the run */

/* op_error()'s status when a reply was wrong (not an RPC failure). */
#define NB_ECHECK	(-2)

/* start(): what a job's slot does next. */
enum { START_SENT = 0, START_WAIT = 1, START_FAIL = -1 };

struct job {
	const char	*name;
	int		(*start)(struct slot *);
	void		(*resume)(struct slot *);	/* after op_park() */
};

struct run_params {
	uint64_t	 ops;		/* measured ops to issue */
	double		 warmup;	/* seconds, not measured */
	uint64_t	 warmup_ops;	/* at most this many (0: no limit) */
	double		 cap;		/* seconds of measured phase */
	bool		 progress;	/* a progress line on stderr */
	bool		 setup;		/* untimed setup (no latency kept) */
	struct lat_hist	*lat;		/* measured latencies, or NULL */
};

enum phase { PH_WARMUP, PH_MEASURE, PH_STOP };

struct run {
	const struct job *job;
	struct run_params p;
	enum phase	 phase;
	uint64_t	 issued;	/* measured ops issued */
	uint64_t	 seq;		/* every op issued (setup jobs index) */
	uint64_t	 done;		/* measured ops completed */
	uint64_t	 errors;
	uint64_t	 bytes;
	uint64_t	 t_start;
	uint64_t	 t_measure;
	uint64_t	 t_last;
	unsigned	 busy;
	unsigned	 depth;		/* slots used per connection */
	unsigned	 waiting;
	unsigned	 parked;
	struct lat_hist	*lat;
	const char	*first_error;
};

/* A worker process's counts, shared with the parent (progress). */
struct wshare {
	uint64_t	 done;
	uint64_t	 errors;
	uint64_t	 t_measure;
	int		 measuring;
};

/* ------------------------------------------------------------ globals */

struct bench {
	struct nb_opts	 o;
	struct conn	 conns[NB_MAX_CONNS];
	unsigned	 nconns;
	unsigned	 slots_per_conn;	/* max(depth, NB_SETUP_DEPTH) */
	struct fh	 root;
	struct fh	 work;		/* the work directory */
	uint32_t	 rtmax;
	uint32_t	 wtmax;
	char		*wbuf;		/* write payload, wbuf_len bytes */
	size_t		 wbuf_len;
	uint64_t	 rng;
	bool		 tty;
	uint64_t	 warmup_ops;	/* set by a workload's prepare */
	uint64_t	 stamp;		/* wall-clock microseconds at start */
	unsigned	 job_id;	/* this worker process (-j), from 0 */
	unsigned	 conn_base;	/* its first connection's number */
	volatile struct wshare *share;	/* its counts for the parent */
	char		 err[512];	/* the last setup error */
};

extern struct bench B;

/* conn.c */
int	 conns_open(bool fs);
void	 conns_close(void);
void	 conn_drop(struct conn *, const char *why);

/* engine.c */
int	 run_job(const struct job *, const struct run_params *,
	    struct run *out);
void	 op_done(struct slot *, bool ok, uint64_t bytes);
void	 op_error(struct slot *, const char *what, int status);
/* A reply's NFS status, or -1 when the call itself failed. */
int	 reply_status(int status, const void *data);
/* NFS3_OK, or op_error() with what and false. */
bool	 reply_ok(struct slot *, int status, const void *data,
	    const char *what);
void	 op_park(struct slot *);
bool	 run_stopping(const struct run *);
bool	 run_issuing_done(const struct run *);
uint32_t write_xfer(uint32_t want);
uint32_t read_xfer(uint32_t want);
void	 slot_retry_waiting(struct run *);
uint64_t rnd(void);
uint64_t rnd_below(uint64_t n);

/* sync.c: one call on connection 0, waited for.  NFS status or -1. */
int	 sync_null(void);
int	 sync_lookup(const struct fh *dir, const char *name, struct fh *out);
int	 sync_mkdir(const struct fh *dir, const char *name, struct fh *out);
int	 sync_create(const struct fh *dir, const char *name, createmode3,
	    struct fh *out);
int	 sync_getattr(const struct fh *, fattr3 *out);
int	 sync_setsize(const struct fh *, uint64_t size);
int	 sync_remove(const struct fh *dir, const char *name);
int	 sync_rmdir(const struct fh *dir, const char *name);
int	 sync_commit(const struct fh *);
int	 sync_fsinfo(const struct fh *, uint32_t *rtmax, uint32_t *wtmax);
int	 sync_mnt(struct rpc_context *, const char *path, struct fh *out);
bool	 sync_wait(struct rpc_context *, const bool *done, int timeout_ms);
void	 seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *nfsstat_str(int);

/* listdir.c: every entry name of a directory. */
struct dirent_list {
	char		**names;
	unsigned char	 *isdir;
	struct fh	 *fhs;
	size_t		  n;
	size_t		  cap;
};
int	 dir_list(const struct fh *dir, struct dirent_list *out);
void	 dir_list_free(struct dirent_list *);
const entryplus3 *entry_get(const entryplus3 *, entryplus3 *copy);

/* workdir.c: fixtures shared by workloads, and removal. */
int	 work_open(void);
int	 work_remove(void);
int	 ensure_dir(const struct fh *parent, const char *name, struct fh *out);
int	 ensure_file(const struct fh *dir, const char *name, uint64_t size,
	    struct fh *out);
int	 create_names(const struct fh *dir, const char *fmt, unsigned n);
int	 remove_names(const struct fh *dir, char **names, size_t n);
int	 remove_tree(const struct fh *parent, const char *name);

/* mailbox.c: the Maildirs of deliver and pop. */
struct message {
	char		*name;
	struct fh	 fh;
};

struct mailbox {
	struct fh	 tmp, new, cur;
	struct message	*msgs;		/* pop: new/ as last listed */
	size_t		 nmsgs;
	size_t		 next;		/* the next one to fetch */
	size_t		 cap;
	bool		 busy;		/* a pop operation has it */
	bool		 empty;		/* new/ was listed empty */
};

struct maildirs {
	struct mailbox	*boxes;
	unsigned	 n;
	unsigned	 rr;		/* round-robin position */
};

extern struct maildirs MB;

int	 maildirs_open(void);
void	 maildirs_close(void);
int	 maildirs_fill(uint64_t n);
void	 maildir_name(char *, size_t);
void	 box_forget(struct mailbox *);
int	 box_add(struct mailbox *, const char *name, const struct fh *);
void	 msg_write(struct slot *, rpc_cb, stable_how);

/* progress.c */
void	 progress_show(const struct run *, const char *label, uint64_t now,
	    bool final);

/* workloads: wl_*.c */
struct workload {
	const char	*name;
	const char	*help;
	int		(*prepare)(void);	/* untimed; 0 or -1 */
	const struct job *job;
	void		(*cleanup)(void);
	int		(*worker_init)(void);	/* -j: in each worker */
	bool		 no_fs;		/* needs no export (null) */
};

/* workers.c */
int	 run_workers(const struct workload *, const struct run_params *,
	    struct run *);

extern const struct workload wl_null, wl_getattr, wl_lookup, wl_read,
	wl_write, wl_seqwrite, wl_seqread, wl_deliver, wl_pop, wl_listing,
	wl_mix;

#endif
