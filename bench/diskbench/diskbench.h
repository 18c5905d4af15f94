/*
 * diskbench.h - the local-disk ceiling: nfsbench's workloads done with
 * plain syscalls on a local directory, with the durability an NFS
 * server owes its clients.  Shared types: options, the worker threads,
 * the workload table, and the fixture helpers.
 *
 * conns x depth worker threads, each one operation at a time; an
 * operation is the syscalls an NFS server would make for the same
 * client request (or chain of requests).
 */
#ifndef DISKBENCH_H
#define DISKBENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "report.h"

#define DB_MAX_CONNS	256
#define DB_MAX_DEPTH	256
#define DB_MAX_THREADS	1024		/* conns * depth */
#define DB_NAME_MAX	128		/* names diskbench makes */
#define DB_PATH_MAX	4096
#define DB_SEQ_XFER	(1024 * 1024)	/* seqwrite/seqread transfer */
#define DB_IO_XFER	4096		/* read/write transfer */
#define DB_DIRBUF	32768		/* one getdents64 call (READDIRPLUS) */
#define DB_MAX_ENTRIES	10000000u	/* --entries */
#define DB_MAX_MAILBOXES 100000u	/* --mailboxes */
#define DB_MAX_MSG	(64u * 1024 * 1024)	/* --msg-size */
#define DB_MAX_OPS	1000000000ull	/* -n */

/* ------------------------------------------------------------ options */

enum db_sync { SYNC_COMMIT, SYNC_FILESYNC };

struct db_opts {
	const char	*target;	/* the local directory */
	unsigned	 conns;
	unsigned	 depth;
	uint64_t	 ops;
	double		 time_cap;
	double		 warmup;
	char		 dir[DB_NAME_MAX];
	bool		 keep;
	uint64_t	 file_size;
	uint64_t	 seq_size;
	unsigned	 entries;
	unsigned	 mailboxes;
	uint32_t	 msg_size;
	enum db_sync	 sync;
	bool		 link;
	bool		 json;
	bool		 quiet;
};

/* ------------------------------------------------------------ workers */

/* One thread: one operation at a time, its own latencies and scratch. */
struct worker {
	pthread_t	 th;
	unsigned	 id;		/* 0 .. conns*depth-1 */
	unsigned	 conn;		/* id / depth */
	uint64_t	 rng;
	struct lat_hist	 lat;
	uint64_t	 done;		/* measured ops completed */
	uint64_t	 errors;
	uint64_t	 bytes;
	char		*buf;		/* DB_SEQ_XFER bytes of scratch */
	void		*state;		/* the workload's, per thread */
};

/* ------------------------------------------------------------ globals */

struct diskbench {
	struct db_opts	 o;
	int		 workfd;	/* the work directory */
	char		*wbuf;		/* write payload: max(msg, 1 MiB) */
	size_t		 wbuf_len;
	unsigned	 nworkers;
	struct worker	*workers;
	bool		 tty;
	char		 err[512];	/* the last setup error */
};

extern struct diskbench D;

/* workloads: wl_*.c */
struct workload {
	const char	*name;
	const char	*help;
	int		(*prepare)(void);	/* untimed; 0 or -1 (D.err) */
	/* One operation; 0, or -1 after op_fail().  *bytes: payload moved. */
	int		(*op)(struct worker *, uint64_t seq, uint64_t *bytes);
	int		(*finish)(void);	/* timed, after the last op */
	void		(*cleanup)(void);	/* untimed */
	bool		 no_warmup;		/* it consumes its fixtures */
};

extern const struct workload wl_getattr, wl_lookup, wl_read, wl_write,
	wl_seqwrite, wl_seqread, wl_deliver, wl_pop, wl_listing, wl_mix;

/* engine.c: run a workload, fill in the result (tool/target/name). */
int	 run_workload(const struct workload *, struct bench_result *out);
void	 op_fail(struct worker *, const char *what);
const char *run_first_error(void);
uint64_t rnd(struct worker *);
uint64_t rnd_below(struct worker *, uint64_t n);

/* fixture.c: the work directory and what the workloads share. */
void	 seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	 work_open(void);
int	 work_remove(void);
int	 open_dir(int parent, const char *name, bool create);
int	 sync_dir(int dirfd);
int	 sync_fixtures(void);
int	 ensure_file(int dirfd, const char *name, uint64_t size);
int	 create_names(int dirfd, const char *prefix, unsigned n);
int	 count_entries(int dirfd, uint64_t *n);
int	 remove_tree(int parent, const char *name);
int	 write_all(int fd, const char *buf, size_t len, uint64_t off);

#endif
