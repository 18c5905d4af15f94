/*
 * svc.h - the RPC service interface between the transport and the
 * programs it serves (MOUNT, NFS): program/version/procedure tables,
 * the request a handler sees, and the server object.
 */
#ifndef RPC_SVC_H
#define RPC_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <rpc/rpc.h>

#include "msg.h"

#define RPC_MAX_PAYLOAD		(1024 * 1024)	/* largest READ/WRITE data */
#define RPC_MAX_RECORD		(RPC_MAX_PAYLOAD + 8192)
#define RPC_UDP_MAX		65507		/* IPv4 datagram payload */
/*
 * Workers mostly wait for fsync; the more of them wait at once, the
 * more the filesystem's journal commits together (ext4 group commit):
 * as many as one connection may have in flight.
 */
#define RPC_WORKERS_DEFAULT	64
#define RPC_LOOPS_MAX		64
#define RPC_MAX_CONNS_DEFAULT	1024
#define RPC_MAX_INFLIGHT_DEFAULT 64		/* per connection */
#define RPC_MAX_OUTQ_DEFAULT	(8 * RPC_MAX_RECORD)
#define RPC_IDLE_TIMEOUT_DEFAULT 360		/* seconds, as knfsd */

enum rpc_transport {
	RPC_TCP,
	RPC_UDP,
};

/* A handler's verdict: reply with the results, or an RPC-level error. */
enum rpc_status {
	RPC_OK = 0,		/* encode res as the SUCCESS body */
	RPC_ERR_SYSTEM,		/* SYSTEM_ERR, no body */
	RPC_ERR_GARBAGE,	/* GARBAGE_ARGS, no body */
	RPC_ERR_TOOWEAK,	/* AUTH_ERROR AUTH_TOOWEAK */
	RPC_DROP,		/* send nothing */
};

struct rpc_req;
struct drc;
struct rpc_stats;
typedef enum rpc_status (*rpc_handler)(struct rpc_req *req, void *args,
	    void *res);

#define RPC_PROC_AUTH_SYS	0x1	/* AUTH_SYS required */
#define RPC_PROC_NONIDEM	0x2	/* not idempotent: replies cached */
/*
 * Quick: never waits for the disk on purpose (no fsync), so the event
 * loop may run it itself instead of handing it to a worker.  A proc
 * that is quick only for some arguments (WRITE: UNSTABLE only) says so
 * through its quick predicate instead.
 */
#define RPC_PROC_QUICK		0x4

typedef bool (*rpc_quick_fn)(const uint8_t *args, size_t len);

struct rpc_proc {
	const char	*name;
	rpc_handler	 handler;	/* NULL: PROC_UNAVAIL */
	xdrproc_t	 xdr_args;
	size_t		 args_size;
	xdrproc_t	 xdr_res;
	size_t		 res_size;
	unsigned	 flags;
	rpc_quick_fn	 quick;		/* NULL: RPC_PROC_QUICK decides */
};

struct rpc_vers {
	uint32_t		 vers;
	const struct rpc_proc	*procs;
	uint32_t		 nprocs;
};

struct rpc_prog {
	uint32_t		 prog;
	const char		*name;
	const struct rpc_vers	*vers;		/* ascending */
	size_t			 nvers;
};

/*
 * A reply's bulk data kept in the kernel: a pipe holding len bytes of a
 * file's pages, which the transport sends after the encoded reply, then
 * pad zero bytes; the record mark counts both.  The transport owns fd
 * and closes it.  Only a stream transport offers one (rpc_req.tail).
 */
struct rpc_tail {
	int		fd;		/* the pipe's read end; -1: no tail */
	size_t		len;
	size_t		pad;		/* XDR padding after the data */
};

#define RPC_TAIL_MAX	(1024 * 1024)	/* bytes in one tail (its pipe) */

/*
 * Tails waiting in connections' queues, server-wide, each holding a
 * descriptor and pinning its pages; beyond this, replies carry their
 * data inline.
 */
#define RPC_TAILS_MAX	1024

/*
 * Make tail hold up to len bytes of fd from off: how many it holds, 0
 * when it holds none (the caller reads the data itself, and meets any
 * error doing so).  *at_end: the file ended first.
 */
size_t	rpc_tail_fill(struct rpc_tail *tail, int fd, uint64_t off,
	    size_t len, bool *at_end);
/* Give up a tail that will not be sent: close it, make it empty. */
void	rpc_tail_drop(struct rpc_tail *tail);

/* One call being served. */
struct rpc_req {
	const struct rpc_call_hdr *hdr;		/* the call's, decoded */
	enum rpc_transport	 transport;
	const struct sockaddr	*peer;
	socklen_t		 peerlen;
	void			*ctx;		/* the daemon's state */
	struct arena		*arena;		/* results live here */
	struct drc		*drc;		/* NULL: no reply cache */
	struct rpc_stats	*stats;		/* NULL: not counted */
	/* Run once the reply is encoded (or abandoned): a handler's hold. */
	void			(*cleanup)(void *arg);
	void			*cleanup_arg;
	/* NULL: the reply must be whole (UDP, or kept in the DRC). */
	struct rpc_tail		*tail;
};

/* What the dispatcher decided about a record. */
enum rpc_disp {
	RPC_DISP_REPLY,		/* out holds a reply of *outlen bytes */
	RPC_DISP_DROP,		/* nothing to send */
	RPC_DISP_CLOSE,		/* garbage: close the connection */
};

/*
 * A call record with its header decoded and its procedure looked up,
 * once: the event loop chooses from it where the call runs, and the
 * dispatcher answers it.  Only as long-lived as the record it points at.
 */
struct rpc_call {
	const uint8_t		*rec;
	size_t			 len;
	enum rpc_decode		 decoded;	/* RPC_DECODE_OK: hdr is whole */
	struct rpc_call_hdr	 hdr;
	const struct rpc_prog	*prog;		/* NULL: PROG_UNAVAIL */
	const struct rpc_vers	*vers;		/* NULL: PROG_MISMATCH */
	const struct rpc_proc	*proc;		/* NULL: PROC_UNAVAIL */
};

/* Decode rec's call header and find what it calls in progs. */
void	rpc_call_find(const struct rpc_prog *progs, size_t nprogs,
	    const uint8_t *rec, size_t len, struct rpc_call *call);
/*
 * May the event loop run this call itself?  True for quick procedures
 * and for calls that only get an RPC error (they touch no disk).
 */
bool	rpc_call_quick(const struct rpc_call *call);
/*
 * Answer a call that rpc_call_find found in progs (whose indexes are
 * the statistics' too): a reply in out, nothing, or close.
 */
enum rpc_disp rpc_dispatch(const struct rpc_prog *progs, struct rpc_req *req,
	    const struct rpc_call *call, uint8_t *out, size_t outcap,
	    size_t *outlen);

/* The XDR routine of void arguments and results. */
bool_t	rpc_xdr_void(XDR *xdrs, void *unused);

/* Memory for one request's results, released all at once. */
void	*rpc_alloc(struct rpc_req *req, size_t size);
char	*rpc_strdup(struct rpc_req *req, const char *s);

/* Port of the peer, in host order. */
uint16_t rpc_peer_port(const struct rpc_req *req);

/* The server: listeners, epoll loops and a pool of workers. */
struct rpc_server;

struct rpc_listener {
	int			fd;
	int			type;		/* SOCK_STREAM, SOCK_DGRAM */
	int			family;
	uint16_t		port;
	struct sockaddr_storage	addr;
	socklen_t		addrlen;
};

struct rpc_server_config {
	size_t		max_record;
	int		nworkers;
	unsigned	nloops;		/* event loops; 0: one per CPU */
	unsigned	quick_inline;	/* 1: loops run quick calls */
	size_t		max_conns;
	unsigned	max_inflight;	/* calls per connection */
	size_t		max_outq;	/* unsent reply bytes per connection */
	unsigned	idle_timeout;	/* seconds; 0: never */
	size_t		drc_entries;	/* 0: the defaults */
	size_t		drc_bytes;
};

typedef void (*rpc_fd_cb)(int fd, void *arg);

struct rpc_server *rpc_server_create(const struct rpc_prog *progs,
	    size_t nprogs, void *ctx, const struct rpc_server_config *cfg);
/*
 * Listen on TCP and UDP at port: on addr, or on every IPv4 and IPv6
 * address when addr is NULL (IPv6 is skipped when the host has none).
 */
int	rpc_server_listen(struct rpc_server *srv, const char *addr,
	    uint16_t port);
size_t	rpc_server_listeners(const struct rpc_server *srv,
	    const struct rpc_listener **out);
/* Watch another descriptor (a signalfd, say) from the loop. */
int	rpc_server_watch(struct rpc_server *srv, int fd, rpc_fd_cb cb,
	    void *arg);
/* Start the workers, then run the loop until rpc_server_stop. */
int	rpc_server_run(struct rpc_server *srv);
void	rpc_server_stop(struct rpc_server *srv);
/* Write what the server has done so far (stats.c's report). */
void	rpc_server_report(struct rpc_server *srv, FILE *f);
void	rpc_server_free(struct rpc_server **srv);

#endif
