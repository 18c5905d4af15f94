/*
 * server.h - internals of the RPC server shared by the loop
 * (server.c), TCP connections (conn.c) and the workers (worker.c).
 */
#ifndef RPC_SERVER_H
#define RPC_SERVER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "record.h"
#include "svc.h"

#define SERVER_MAX_LISTENERS	8
#define SERVER_MAX_WATCH	4
#define SERVER_READ_CHUNK	(64 * 1024)
#define SERVER_UDP_BURST	64	/* datagrams read per wakeup */
#define SERVER_READ_ROUNDS	4	/* reads per wakeup and connection */

/* What an epoll event points at. */
enum src_kind {
	SRC_TCP_LISTEN,
	SRC_UDP,
	SRC_CONN,
	SRC_WATCH,
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

struct outbuf {
	struct outbuf	*next;
	size_t		 len;
	size_t		 off;
	uint8_t		 data[];
};

/* A TCP connection; the loop holds one reference, each job another. */
struct conn {
	struct src		 src;
	struct rpc_server	*srv;
	int			 fd;
	atomic_int		 refs;
	pthread_mutex_t		 lock;		/* dead, outq, events */
	bool			 dead;
	uint32_t		 events;
	struct outbuf		*outq;
	struct outbuf		*outq_tail;
	size_t			 outq_bytes;
	unsigned		 inflight;	/* calls with the workers */
	struct job		*backlog;	/* calls read, waiting their turn */
	struct job		*backlog_tail;
	bool			 paused;	/* not reading: too much pending */
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
	int			 epfd;
	atomic_bool		 quit;		/* the loop ends */
	bool			 stopping;	/* workers end; qlock */
	struct conn		*conns;		/* loop thread only */
	struct listen_src	 listeners[SERVER_MAX_LISTENERS];
	struct rpc_listener	 pub[SERVER_MAX_LISTENERS];
	size_t			 nlisteners;
	struct watch_src	 watch[SERVER_MAX_WATCH];
	size_t			 nwatch;
	atomic_size_t		 nconns;
	struct drc		*drc;
	struct rpc_stats	*stats;

	pthread_mutex_t		 qlock;
	pthread_cond_t		 qcond;
	struct job		*qhead;
	struct job		*qtail;
	pthread_t		*workers;
	int			 nworkers;
};

/* conn.c */
struct conn *conn_new(struct rpc_server *srv, int fd,
	    const struct sockaddr_storage *peer, socklen_t peerlen);
void	conn_readable(struct conn *c);
void	conn_writable(struct conn *c);
void	conn_close(struct conn *c);
void	conn_abort(struct conn *c);
void	conn_hold(struct conn *c);
void	conn_release(struct conn *c);
void	conn_send(struct conn *c, const uint8_t *buf, size_t len);
/* A worker is done with one of the connection's calls. */
void	conn_call_done(struct conn *c);
/* Loop thread: close connections idle for longer than the limit. */
void	conn_reap_idle(struct rpc_server *srv, time_t now);

/* worker.c */
void	job_submit(struct rpc_server *srv, struct job *job);
void	job_free(struct job *job);
int	workers_start(struct rpc_server *srv);
void	workers_stop(struct rpc_server *srv);

/* Numeric form of an address, for logs. */
void	addr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
