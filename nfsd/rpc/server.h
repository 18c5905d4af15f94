/*
 * server.h - internals of the RPC server shared by the listeners and
 * lifetime (server.c), the event loops (loop.c), TCP connections
 * (conn.c) and the workers (worker.c).
 */
#ifndef RPC_SERVER_H
#define RPC_SERVER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "arena.h"
#include "record.h"
#include "svc.h"

#define SERVER_MAX_LISTENERS	8
#define SERVER_MAX_WATCH	4
#define SERVER_READ_CHUNK	(64 * 1024)
#define SERVER_UDP_BURST	64	/* datagrams read per wakeup */
#define SERVER_READ_ROUNDS	4	/* reads per wakeup and connection */
#define SERVER_MAX_LOOPS	64
#define LOOP_BATCH		(64 * 1024)	/* quick replies sent at once */

/* What an epoll event points at. */
enum src_kind {
	SRC_TCP_LISTEN,
	SRC_UDP,
	SRC_CONN,
	SRC_WATCH,
	SRC_WAKE,	/* a loop's eventfd: new connections, or quit */
};

struct src {
	enum src_kind	kind;
};

struct listen_src {
	struct src		src;
	struct rpc_listener	l;
};

struct watch_src {
	struct src	src;
	int		fd;
	rpc_fd_cb	cb;
	void		*arg;
};

/* Reply bytes waiting for the peer: data[], or a tail's pipe. */
struct outbuf {
	struct outbuf	*next;
	size_t		 len;
	size_t		 off;
	int		 fd;		/* -1: data[]; else the pipe */
	uint8_t		 data[];
};

/* A connection accepted by one loop and handed to another. */
struct pending_conn {
	struct pending_conn	*next;
	int			 fd;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
};

/*
 * An event loop: one thread that reads its connections, runs their
 * quick calls itself (no disk flush on purpose: GETATTR, LOOKUP, READ,
 * UNSTABLE WRITE...) and hands the others to the workers.  Loop 0 also
 * owns the listeners and the watched descriptors and deals connections
 * out to every loop in turn.
 */
struct loop {
	struct rpc_server	*srv;
	unsigned		 id;
	int			 epfd;
	int			 wakefd;	/* eventfd */
	struct src		 wake_src;
	pthread_t		 thread;
	bool			 started;
	struct conn		*conns;		/* this loop's thread only */
	pthread_mutex_t		 inlock;
	struct pending_conn	*incoming;	/* under inlock */
	struct arena		 arena;		/* quick calls' results */
	uint8_t			*out;		/* quick replies, marked */
	size_t			 outcap;
	size_t			 outlen;
	uint8_t			*udpbuf;	/* loop 0: one datagram */
};

/* A TCP connection; the loop holds one reference, each job another. */
struct conn {
	struct src		 src;
	struct rpc_server	*srv;
	struct loop		*loop;		/* the one that reads it */
	int			 fd;
	atomic_int		 refs;
	/*
	 * lock: everything below up to paused.  outq_bytes and paused
	 * change only under it, but are atomic: the loop reads them
	 * without it for every call (conn_may_run_now).
	 */
	pthread_mutex_t		 lock;
	bool			 dead;
	uint32_t		 events;
	struct outbuf		*outq;
	struct outbuf		*outq_tail;
	atomic_size_t		 outq_bytes;
	unsigned		 inflight;	/* calls with the workers */
	struct job		*backlog;	/* calls read, waiting their turn */
	struct job		*backlog_tail;
	atomic_bool		 paused;	/* backlog != NULL: not reading */
	time_t			 last_active;	/* loop thread only */
	struct rec_reader	 rec;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 name[64];	/* peer, for logs */
	struct conn		*prev;		/* the loop's list */
	struct conn		*next;
};

/* One call waiting for a worker. */
struct job {
	struct job		*next;
	struct conn		*conn;		/* TCP, referenced */
	const struct listen_src	*udp;		/* UDP */
	uint8_t			*rec;
	size_t			 len;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	union {
		struct in_pktinfo	v4;
		struct in6_pktinfo	v6;
	}			 local;		/* UDP: where it came to */
	bool			 has_local;
};

struct rpc_server {
	const struct rpc_prog	*progs;
	size_t			 nprogs;
	void			*ctx;
	struct rpc_server_config cfg;
	struct loop		*loops;		/* loops[0] runs in rpc_server_run */
	unsigned		 nloops;
	unsigned		 next_loop;	/* loop 0: who gets the next conn */
	atomic_bool		 quit;		/* the loops end */
	bool			 stopping;	/* workers end; qlock */
	struct listen_src	 listeners[SERVER_MAX_LISTENERS];
	struct rpc_listener	 pub[SERVER_MAX_LISTENERS];
	size_t			 nlisteners;
	struct watch_src	 watch[SERVER_MAX_WATCH];
	size_t			 nwatch;
	atomic_size_t		 nconns;
	atomic_uint		 ntails;	/* queued, <= ~RPC_TAILS_MAX */
	struct drc		*drc;
	struct rpc_stats	*stats;

	/*
	 * Calls for the workers: handed straight to an idle worker (the
	 * last to go idle first, its cache still warm), else queued.
	 */
	pthread_mutex_t		 qlock;
	struct job		*qhead;
	struct job		*qtail;
	struct worker		*idle;		/* stack, through idle_next */
	pthread_t		*workers;
	int			 nworkers;
};

/* loop.c */
int	loops_init(struct rpc_server *srv);
int	loops_start(struct rpc_server *srv);	/* every loop but loop 0 */
void	loops_wake(struct rpc_server *srv);
void	loops_stop(struct rpc_server *srv);
void	loops_free(struct rpc_server *srv);
void	loop_run(struct loop *lp);
/* Loop 0: a new connection for the next loop in turn. */
void	loop_deal(struct rpc_server *srv, int fd,
	    const struct sockaddr_storage *peer, socklen_t peerlen);
/* Run a quick call now; false if the connection must close. */
bool	loop_call(struct loop *lp, struct conn *c,
	    const struct rpc_call *call);
/* Send the quick replies gathered for c. */
void	loop_flush(struct loop *lp, struct conn *c);
void	loop_udp_readable(struct loop *lp, struct listen_src *ls);

/* conn.c */
struct conn *conn_new(struct loop *lp, int fd,
	    const struct sockaddr_storage *peer, socklen_t peerlen);
void	conn_readable(struct conn *c);
void	conn_writable(struct conn *c);
void	conn_close(struct conn *c);
void	conn_abort(struct conn *c);
void	conn_hold(struct conn *c);
void	conn_release(struct conn *c);
void	conn_send(struct conn *c, const uint8_t *buf, size_t len);
/* Send buf, then tail's data and padding; takes tail's pipe. */
void	conn_send_tail(struct conn *c, const uint8_t *buf, size_t len,
	    struct rpc_tail *tail);
/* A worker is done with one of the connection's calls. */
void	conn_call_done(struct conn *c);
/* Loop thread: close its connections idle for longer than the limit. */
void	conn_reap_idle(struct loop *lp, time_t now);

/* worker.c */
/*
 * Dispatch one call with this thread's arena into out (cap bytes).
 * tail (NULL: none allowed) receives the reply's file data, if any.
 */
enum rpc_disp call_run(struct rpc_server *srv, struct arena *arena,
	    enum rpc_transport transport, const struct sockaddr_storage *peer,
	    socklen_t peerlen, const struct rpc_call *call, uint8_t *out,
	    size_t cap, size_t *outlen, struct rpc_tail *tail);
void	udp_send(const struct job *job, const uint8_t *buf, size_t len);
void	job_submit(struct rpc_server *srv, struct job *job);
void	job_free(struct job *job);
int	workers_start(struct rpc_server *srv);
void	workers_stop(struct rpc_server *srv);

/* Numeric form of an address, for logs. */
void	addr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
