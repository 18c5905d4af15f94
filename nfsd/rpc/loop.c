/*
 * loop.c - the event loops.  Each is one thread with its own epoll
 * set and its own connections; it reads calls, runs the quick ones
 * itself and sends their replies together once it has read what the
 * socket held, and hands the rest to the workers.  Loop 0 runs in
 * rpc_server_run's thread: it also accepts connections (dealing them
 * out to the loops in turn), reads UDP and serves the watched
 * descriptors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "stats.h"

#define LOOP_EVENTS	128
#define LOOP_TICK_MS	1000
#define ACCEPT_BURST	64

static unsigned
loops_wanted(const struct rpc_server_config *cfg)
{
	long cpus;

	if (cfg->nloops != 0)
		return cfg->nloops;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > RPC_LOOPS_MAX ? RPC_LOOPS_MAX : (unsigned)cpus;
}

static int
loop_init(struct rpc_server *srv, struct loop *lp, unsigned id)
{
	struct epoll_event ev;

	lp->srv = srv;
	lp->id = id;
	lp->epfd = lp->wakefd = -1;
	pthread_mutex_init(&lp->inlock, NULL);
	lp->outcap = srv->cfg.max_record + REC_MARK_SIZE + LOOP_BATCH;
	if (arena_init(&lp->arena) == -1 ||
	    (lp->out = malloc(lp->outcap)) == NULL ||
	    (id == 0 && (lp->udpbuf = malloc(RPC_UDP_MAX + 1)) == NULL) ||
	    (lp->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (lp->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	lp->wake_src.kind = SRC_WAKE;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &lp->wake_src;
	return epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->wakefd, &ev);
}

int
loops_init(struct rpc_server *srv)
{
	unsigned i, n = loops_wanted(&srv->cfg);

	if ((srv->loops = calloc(n, sizeof(*srv->loops))) == NULL)
		return -1;
	srv->nloops = n;
	for (i = 0; i < n; i++)
		srv->loops[i].epfd = srv->loops[i].wakefd = -1;
	for (i = 0; i < n; i++)
		if (loop_init(srv, &srv->loops[i], i) == -1)
			return -1;	/* loops_free undoes what was done */
	return 0;
}

static void *
loop_main(void *arg)
{
	loop_run(arg);
	return NULL;
}

int
loops_start(struct rpc_server *srv)
{
	unsigned i;
	int err;

	for (i = 1; i < srv->nloops; i++) {
		err = pthread_create(&srv->loops[i].thread, NULL, loop_main,
		    &srv->loops[i]);
		if (err != 0) {
			errno = err;
			return -1;
		}
		srv->loops[i].started = true;
	}
	return 0;
}

/* Async-signal-safe: rpc_server_stop may run in a signal handler. */
void
loops_wake(struct rpc_server *srv)
{
	uint64_t one = 1;
	unsigned i;

	for (i = 0; i < srv->nloops; i++)
		if (srv->loops[i].wakefd != -1)
			(void)!write(srv->loops[i].wakefd, &one, sizeof(one));
}

void
loops_stop(struct rpc_server *srv)
{
	unsigned i;

	loops_wake(srv);
	for (i = 1; i < srv->nloops; i++)
		if (srv->loops[i].started) {
			pthread_join(srv->loops[i].thread, NULL);
			srv->loops[i].started = false;
		}
}

/* A connection that never became a conn: its count goes too. */
static void
conn_drop(struct rpc_server *srv, int fd)
{
	close(fd);
	atomic_fetch_sub(&srv->nconns, 1);
}

void
loops_free(struct rpc_server *srv)
{
	struct pending_conn *p;
	struct loop *lp;
	unsigned i;

	for (i = 0; i < srv->nloops; i++) {
		lp = &srv->loops[i];
		while (lp->conns != NULL)
			conn_close(lp->conns);
		while ((p = lp->incoming) != NULL) {
			lp->incoming = p->next;
			conn_drop(srv, p->fd);
			free(p);
		}
		if (lp->epfd != -1)
			close(lp->epfd);
		if (lp->wakefd != -1)
			close(lp->wakefd);
		arena_free(&lp->arena);
		free(lp->out);
		free(lp->udpbuf);
		pthread_mutex_destroy(&lp->inlock);
	}
	free(srv->loops);
	srv->loops = NULL;
	srv->nloops = 0;
}

/*
 * Loop 0 accepted a connection, already counted in nconns: the next
 * loop in turn gets it.
 */
void
loop_deal(struct rpc_server *srv, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct loop *lp = &srv->loops[srv->next_loop];
	struct pending_conn *p;
	uint64_t one = 1;

	srv->next_loop = (srv->next_loop + 1) % srv->nloops;
	if (lp->id == 0) {
		if (conn_new(lp, fd, peer, peerlen) == NULL)
			conn_drop(srv, fd);
		return;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		log_warn("accept");
		conn_drop(srv, fd);
		return;
	}
	p->fd = fd;
	p->peer = *peer;
	p->peerlen = peerlen;
	pthread_mutex_lock(&lp->inlock);
	p->next = lp->incoming;
	lp->incoming = p;
	pthread_mutex_unlock(&lp->inlock);
	(void)!write(lp->wakefd, &one, sizeof(one));
}

/* Take in the connections dealt to this loop. */
static void
loop_woken(struct loop *lp)
{
	struct pending_conn *p, *list;
	uint64_t n;

	(void)!read(lp->wakefd, &n, sizeof(n));
	pthread_mutex_lock(&lp->inlock);
	list = lp->incoming;
	lp->incoming = NULL;
	pthread_mutex_unlock(&lp->inlock);
	while ((p = list) != NULL) {
		list = p->next;
		if (conn_new(lp, p->fd, &p->peer, p->peerlen) == NULL)
			conn_drop(lp->srv, p->fd);
		free(p);
	}
}

static void
tcp_accept(struct loop *lp, struct listen_src *ls)
{
	struct rpc_server *srv = lp->srv;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char name[80];
	int fd, i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		peerlen = sizeof(peer);
		fd = accept4(ls->l.fd, (struct sockaddr *)&peer, &peerlen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		if (atomic_fetch_add(&srv->nconns, 1) >= srv->cfg.max_conns) {
			addr_format((struct sockaddr *)&peer, name,
			    sizeof(name));
			stats_event(srv->stats, STATS_CONN_REFUSED);
			log_warnx("%s: refused, %zu connections already",
			    name, srv->cfg.max_conns);
			conn_drop(srv, fd);
			continue;
		}
		loop_deal(srv, fd, &peer, peerlen);
	}
}

bool
loop_call(struct loop *lp, struct conn *c, const struct rpc_call *call)
{
	struct rpc_tail tail;
	enum rpc_disp disp;
	size_t outlen;

	/* Room for the largest reply, or send what is gathered first. */
	if (lp->outcap - lp->outlen < c->srv->cfg.max_record + REC_MARK_SIZE)
		loop_flush(lp, c);
	disp = call_run(lp->srv, &lp->arena, RPC_TCP, &c->peer, c->peerlen,
	    call, lp->out + lp->outlen + REC_MARK_SIZE,
	    lp->outcap - lp->outlen - REC_MARK_SIZE, &outlen, &tail);
	if (disp == RPC_DISP_CLOSE) {
		log_info("%s: not an RPC call, closing", c->name);
		return false;
	}
	if (disp != RPC_DISP_REPLY)
		return true;
	rec_mark(lp->out + lp->outlen, outlen + tail.len + tail.pad);
	lp->outlen += outlen + REC_MARK_SIZE;
	if (tail.fd != -1) {	/* what is gathered, this reply, its data */
		conn_send_tail(c, lp->out, lp->outlen, &tail);
		lp->outlen = 0;
	}
	return true;
}

void
loop_flush(struct loop *lp, struct conn *c)
{
	if (lp->outlen > 0)
		conn_send(c, lp->out, lp->outlen);
	lp->outlen = 0;
}

/* Where a datagram was sent to, from its IP_PKTINFO/IPV6_PKTINFO. */
static void
udp_local(struct job *job, struct msghdr *msg)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			memcpy(&job->local.v4, CMSG_DATA(cm),
			    sizeof(job->local.v4));
			job->has_local = true;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&job->local.v6, CMSG_DATA(cm),
			    sizeof(job->local.v6));
			job->has_local = true;
		}
	}
}

/* A datagram for the workers: the job takes a copy of it. */
static void
udp_submit(struct rpc_server *srv, const struct job *dgram)
{
	struct job *job;
	uint8_t *rec;

	if ((job = malloc(sizeof(*job))) == NULL ||
	    (rec = malloc(dgram->len + 1)) == NULL) {
		free(job);
		return;
	}
	*job = *dgram;
	job->rec = memcpy(rec, dgram->rec, dgram->len);
	job->next = NULL;
	job_submit(srv, job);
}

static void
udp_run(struct loop *lp, const struct job *dgram,
    const struct rpc_call *call)
{
	enum rpc_disp disp;
	size_t outlen;

	disp = call_run(lp->srv, &lp->arena, RPC_UDP, &dgram->peer,
	    dgram->peerlen, call, lp->out, RPC_UDP_MAX, &outlen, NULL);
	if (disp == RPC_DISP_REPLY)
		udp_send(dgram, lp->out, outlen);
}

void
loop_udp_readable(struct loop *lp, struct listen_src *ls)
{
	struct rpc_server *srv = lp->srv;
	char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	struct iovec iov = { lp->udpbuf, RPC_UDP_MAX + 1 };
	struct msghdr msg;
	struct job dgram;
	struct rpc_call call;
	ssize_t n;
	int i;

	for (i = 0; i < SERVER_UDP_BURST; i++) {
		memset(&dgram, 0, sizeof(dgram));
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &dgram.peer;
		msg.msg_namelen = sizeof(dgram.peer);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		n = recvmsg(ls->l.fd, &msg, MSG_DONTWAIT);
		if (n == -1)
			return;
		if ((size_t)n > RPC_UDP_MAX || (msg.msg_flags & MSG_TRUNC))
			continue;
		dgram.rec = lp->udpbuf;
		dgram.len = (size_t)n;
		dgram.peerlen = msg.msg_namelen;
		dgram.udp = ls;
		udp_local(&dgram, &msg);
		if (srv->cfg.quick_inline) {
			rpc_call_find(srv->progs, srv->nprogs, dgram.rec,
			    dgram.len, &call);
			if (rpc_call_quick(&call)) {
				udp_run(lp, &dgram, &call);
				continue;
			}
		}
		udp_submit(srv, &dgram);
	}
}

static void
loop_event(struct loop *lp, struct epoll_event *ev)
{
	struct src *src = ev->data.ptr;
	struct conn *c;
	struct watch_src *w;

	switch (src->kind) {
	case SRC_TCP_LISTEN:
		tcp_accept(lp, (struct listen_src *)src);
		break;
	case SRC_UDP:
		loop_udp_readable(lp, (struct listen_src *)src);
		break;
	case SRC_CONN:
		c = (struct conn *)src;
		if (ev->events & (EPOLLHUP | EPOLLERR)) {
			conn_close(c);	/* both ways shut: nothing to deliver */
			break;
		}
		if (ev->events & EPOLLOUT)
			conn_writable(c);
		if (ev->events & (EPOLLIN | EPOLLRDHUP))
			conn_readable(c);
		break;
	case SRC_WATCH:
		w = (struct watch_src *)src;
		w->cb(w->fd, w->arg);
		break;
	case SRC_WAKE:
		loop_woken(lp);
		break;
	}
}

void
loop_run(struct loop *lp)
{
	struct epoll_event events[LOOP_EVENTS];
	time_t now, last_reap = 0;
	int n, i;

	while (!atomic_load(&lp->srv->quit)) {
		n = epoll_wait(lp->epfd, events, LOOP_EVENTS, LOOP_TICK_MS);
		if (n == -1 && errno != EINTR) {
			log_warn("epoll_wait");
			break;
		}
		for (i = 0; i < n; i++)
			loop_event(lp, &events[i]);
		if ((now = time(NULL)) != last_reap) {
			conn_reap_idle(lp, now);
			last_reap = now;
		}
	}
}
