/*
 * worker.c - the pool of worker threads for the calls that wait for
 * the disk (COMMIT, FILE_SYNC and large WRITEs, namespace changes, the
 * calls of a big listing, MOUNT): each is handed a call, or takes one
 * off the queue when all were busy, dispatches it, and sends the reply
 * itself (TCP through the connection, UDP from the address the call
 * arrived at).  Also the one place a call is turned into a request
 * (call_run), for the workers and the loops alike.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "arena.h"
#include "log.h"
#include "server.h"

struct worker {
	struct rpc_server	*srv;
	struct arena		 arena;
	uint8_t			*out;		/* mark + reply */
	size_t			 outcap;
	/* While idle: on srv->idle, waiting on wake for job (NULL: stop). */
	struct worker		*idle_next;
	struct job		*job;
	sem_t			 wake;
};

/*
 * One lock, and one wake-up of one thread per call at most: the call
 * goes to the worker that went idle last, which needs no lock to take
 * it.  (A condition variable woke a worker that then fought the
 * submitter and the other workers for the queue's lock.)
 */
void
job_submit(struct rpc_server *srv, struct job *job)
{
	struct worker *w;

	pthread_mutex_lock(&srv->qlock);
	if ((w = srv->idle) != NULL) {
		srv->idle = w->idle_next;
		w->job = job;
	} else {
		if (srv->qtail != NULL)
			srv->qtail->next = job;
		else
			srv->qhead = job;
		srv->qtail = job;
	}
	pthread_mutex_unlock(&srv->qlock);
	if (w != NULL)
		sem_post(&w->wake);
}

void
job_free(struct job *job)
{
	if (job->conn != NULL) {
		conn_call_done(job->conn);
		conn_release(job->conn);
	}
	free(job->rec);
	free(job);
}

/* The next call for w, waiting idle for one; NULL once stopping. */
static struct job *
job_next(struct worker *w)
{
	struct rpc_server *srv = w->srv;
	struct job *job;

	pthread_mutex_lock(&srv->qlock);
	if ((job = srv->qhead) != NULL) {
		srv->qhead = job->next;
		if (srv->qhead == NULL)
			srv->qtail = NULL;
		pthread_mutex_unlock(&srv->qlock);
		return job;
	}
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->qlock);
		return NULL;
	}
	w->job = NULL;
	w->idle_next = srv->idle;
	srv->idle = w;
	pthread_mutex_unlock(&srv->qlock);
	while (sem_wait(&w->wake) == -1 && errno == EINTR)
		;
	return w->job;		/* set before the post */
}

/* Reply to a datagram from the address it was sent to. */
void
udp_send(const struct job *job, const uint8_t *buf, size_t len)
{
	union {
		struct cmsghdr	align;
		char		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr msg;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)(uintptr_t)&job->peer;
	msg.msg_namelen = job->peerlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (job->has_local) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		cm = (struct cmsghdr *)ctl.buf;
		if (job->udp->l.family == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = job->local.v4.ipi_addr;
			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			msg.msg_controllen = CMSG_SPACE(sizeof(job->local.v6));
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(job->local.v6));
			memcpy(CMSG_DATA(cm), &job->local.v6,
			    sizeof(job->local.v6));
		}
	}
	if (sendmsg(job->udp->l.fd, &msg, MSG_DONTWAIT) == -1 &&
	    errno != EAGAIN)
		log_warn("udp sendmsg");
}

enum rpc_disp
call_run(struct rpc_server *srv, struct arena *arena,
    enum rpc_transport transport, const struct sockaddr_storage *peer,
    socklen_t peerlen, const struct rpc_call *call, uint8_t *out,
    size_t cap, size_t *outlen, struct rpc_tail *tail)
{
	struct rpc_req req;
	enum rpc_disp disp;

	if (tail != NULL) {
		tail->fd = -1;
		tail->len = tail->pad = 0;
	}
	memset(&req, 0, sizeof(req));
	/* A tail may end up queued; the descriptors for that are few. */
	if (atomic_load_explicit(&srv->ntails, memory_order_relaxed) <
	    RPC_TAILS_MAX)
		req.tail = tail;
	req.transport = transport;
	req.peer = (const struct sockaddr *)peer;
	req.peerlen = peerlen;
	req.ctx = srv->ctx;
	req.arena = arena;
	req.drc = srv->drc;
	req.stats = srv->stats;
	*outlen = 0;
	disp = rpc_dispatch(srv->progs, &req, call, out, cap, outlen);
	arena_reset(arena);
	if (disp != RPC_DISP_REPLY && tail != NULL)
		rpc_tail_drop(tail);
	return disp;
}

/*
 * The loop decoded the call's header already to route it here, but
 * the job does not keep it: a worker's call waits for the disk, and
 * decoding it again costs next to nothing beside that.
 */
static void
job_run(struct worker *w, struct job *job)
{
	struct rpc_call call;
	struct rpc_tail tail;
	enum rpc_disp disp;
	size_t outlen, cap;

	rpc_call_find(w->srv->progs, w->srv->nprogs, job->rec, job->len,
	    &call);
	cap = job->conn != NULL ? w->outcap - REC_MARK_SIZE : RPC_UDP_MAX;
	disp = call_run(w->srv, &w->arena, job->conn != NULL ? RPC_TCP :
	    RPC_UDP, &job->peer, job->peerlen, &call, w->out + REC_MARK_SIZE,
	    cap, &outlen, job->conn != NULL ? &tail : NULL);
	if (disp == RPC_DISP_REPLY && job->conn != NULL) {
		rec_mark(w->out, outlen + tail.len + tail.pad);
		conn_send_tail(job->conn, w->out, outlen + REC_MARK_SIZE,
		    &tail);
	} else if (disp == RPC_DISP_REPLY)
		udp_send(job, w->out + REC_MARK_SIZE, outlen);
	else if (disp == RPC_DISP_CLOSE && job->conn != NULL) {
		log_info("%s: not an RPC call, closing", job->conn->name);
		conn_abort(job->conn);
	}
}

static void
worker_free(struct worker *w)
{
	sem_destroy(&w->wake);
	arena_free(&w->arena);
	free(w->out);
	free(w);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *job;

	while ((job = job_next(w)) != NULL) {
		job_run(w, job);
		job_free(job);
	}
	worker_free(w);
	return NULL;
}

int
workers_start(struct rpc_server *srv)
{
	struct worker *w;
	int i, err;

	srv->workers = calloc((size_t)srv->cfg.nworkers, sizeof(pthread_t));
	if (srv->workers == NULL)
		return -1;
	for (i = 0; i < srv->cfg.nworkers; i++) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -1;
		w->srv = srv;
		w->outcap = srv->cfg.max_record + REC_MARK_SIZE;
		if (sem_init(&w->wake, 0, 0) == -1) {
			free(w);
			return -1;
		}
		if ((w->out = malloc(w->outcap)) == NULL ||
		    arena_init(&w->arena) == -1) {
			worker_free(w);
			return -1;
		}
		err = pthread_create(&srv->workers[i], NULL, worker_main, w);
		if (err != 0) {
			errno = err;
			worker_free(w);
			return -1;
		}
		srv->nworkers++;
	}
	return 0;
}

void
workers_stop(struct rpc_server *srv)
{
	struct worker *w, *idle;
	struct job *job;
	int i;

	pthread_mutex_lock(&srv->qlock);
	srv->stopping = true;
	idle = srv->idle;
	srv->idle = NULL;
	pthread_mutex_unlock(&srv->qlock);
	while ((w = idle) != NULL) {	/* the busy ones see stopping */
		idle = w->idle_next;
		w->job = NULL;
		sem_post(&w->wake);
	}
	for (i = 0; i < srv->nworkers; i++)
		pthread_join(srv->workers[i], NULL);
	srv->nworkers = 0;
	free(srv->workers);
	srv->workers = NULL;
	while ((job = srv->qhead) != NULL) {
		srv->qhead = job->next;
		job_free(job);
	}
	srv->qtail = NULL;
}
