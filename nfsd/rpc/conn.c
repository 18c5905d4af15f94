/*
 * conn.c - one TCP connection: reads fragments into records, has its
 * loop run each quick call and hands the others to the workers; queues
 * replies that the socket cannot take at once.  Its loop's thread owns
 * reading and closing; any thread may send.  The descriptor is closed
 * only when the last reference (the loop's or a job's) is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "server.h"

/* A connection accepted (and counted in nconns) becomes a conn. */
struct conn *
conn_new(struct loop *lp, int fd, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	struct rpc_server *srv = lp->srv;
	struct conn *c;
	struct epoll_event ev;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->src.kind = SRC_CONN;
	c->srv = srv;
	c->loop = lp;
	c->fd = fd;
	atomic_init(&c->refs, 1);
	atomic_init(&c->outq_bytes, 0);
	atomic_init(&c->paused, false);
	pthread_mutex_init(&c->lock, NULL);
	rec_init(&c->rec, srv->cfg.max_record);
	c->peer = *peer;
	c->peerlen = peerlen;
	addr_format((const struct sockaddr *)peer, c->name, sizeof(c->name));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	c->last_active = time(NULL);
	c->events = EPOLLIN | EPOLLRDHUP;
	memset(&ev, 0, sizeof(ev));
	ev.events = c->events;
	ev.data.ptr = &c->src;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl add %s", c->name);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	c->next = lp->conns;
	if (lp->conns != NULL)
		lp->conns->prev = c;
	lp->conns = c;
	return c;
}

static void
outbuf_free(struct conn *c, struct outbuf *o)
{
	if (o->fd != -1) {
		(void)close(o->fd);
		atomic_fetch_sub_explicit(&c->srv->ntails, 1,
		    memory_order_relaxed);
	}
	free(o);
}

void
conn_hold(struct conn *c)
{
	atomic_fetch_add(&c->refs, 1);
}

void
conn_release(struct conn *c)
{
	struct outbuf *o;

	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	while ((o = c->outq) != NULL) {
		c->outq = o->next;
		outbuf_free(c, o);
	}
	rec_free(&c->rec);
	close(c->fd);
	atomic_fetch_sub(&c->srv->nconns, 1);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Any thread: stop the connection; the loop notices and closes it. */
void
conn_abort(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->dead) {
		c->dead = true;
		(void)shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Loop thread only: forget the connection and drop the loop's ref. */
void
conn_close(struct conn *c)
{
	struct job *backlog, *job;

	pthread_mutex_lock(&c->lock);
	c->dead = true;
	(void)epoll_ctl(c->loop->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	(void)shutdown(c->fd, SHUT_RDWR);
	backlog = c->backlog;
	c->backlog = c->backlog_tail = NULL;
	pthread_mutex_unlock(&c->lock);
	while ((job = backlog) != NULL) {	/* never given to a worker */
		backlog = job->next;
		free(job->rec);
		free(job);
		conn_release(c);
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->loop->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	log_debug("%s: connection closed", c->name);
	conn_release(c);
}

static void conn_set_events_locked(struct conn *c);

/*
 * Backpressure.  A connection gets at most max_inflight calls with the
 * workers, and none while more than max_outq reply bytes wait for its
 * peer to read them; calls beyond that wait in its backlog, and while
 * there is a backlog the connection is not read from.  A client that
 * floods, or never reads, thus holds neither the workers nor more than
 * max_outq + max_inflight replies of memory.
 */
static bool
conn_outq_full(struct conn *c)
{
	return atomic_load_explicit(&c->outq_bytes, memory_order_relaxed) >
	    c->srv->cfg.max_outq;
}

static bool
conn_may_dispatch_locked(struct conn *c)
{
	return c->inflight < c->srv->cfg.max_inflight && !conn_outq_full(c);
}

/*
 * paused says whether the backlog holds calls: set here, the only
 * place a backlog is taken from, after every change to it.
 */
static void
conn_set_paused_locked(struct conn *c, bool paused)
{
	if (atomic_load_explicit(&c->paused, memory_order_relaxed) != paused) {
		atomic_store_explicit(&c->paused, paused,
		    memory_order_relaxed);
		conn_set_events_locked(c);
	}
}

/* Hand the backlog to the workers as far as the limits allow. */
static void
conn_dispatch_locked(struct conn *c)
{
	struct job *job;

	while (c->backlog != NULL && conn_may_dispatch_locked(c)) {
		job = c->backlog;
		if ((c->backlog = job->next) == NULL)
			c->backlog_tail = NULL;
		job->next = NULL;
		c->inflight++;
		job_submit(c->srv, job);
	}
	conn_set_paused_locked(c, c->backlog != NULL);
}

void
conn_call_done(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->inflight--;
	if (!c->dead)
		conn_dispatch_locked(c);
	pthread_mutex_unlock(&c->lock);
}

static void
conn_submit(struct conn *c)
{
	struct job *job;

	if ((job = calloc(1, sizeof(*job))) == NULL) {
		log_warn("%s: dropping a call", c->name);
		free(rec_take(&c->rec, &(size_t){0}));
		return;
	}
	job->rec = rec_take(&c->rec, &job->len);
	job->conn = c;
	job->peer = c->peer;
	job->peerlen = c->peerlen;
	conn_hold(c);
	pthread_mutex_lock(&c->lock);
	if (c->backlog_tail != NULL)
		c->backlog_tail->next = job;
	else
		c->backlog = job;
	c->backlog_tail = job;
	conn_dispatch_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/*
 * Do calls wait in the backlog (and the connection is not read)?  The
 * loop thread asks without the lock: only it adds to the backlog and
 * pauses, so false is never stale; true may be (a worker has just
 * taken the last call), and then the loop only stops reading until the
 * worker's epoll_ctl wakes it, or sends a quick call the slow way.
 */
static bool
conn_paused(struct conn *c)
{
	return atomic_load_explicit(&c->paused, memory_order_relaxed);
}

/*
 * May the loop run this call now?  Only when nothing is waiting before
 * it (the backlog) and the peer reads its replies (outq under the cap).
 * Without the lock, like conn_paused; outq_bytes may be stale by what
 * a worker queues meanwhile, as it was a moment after the lock was let
 * go: the cap is a bound on memory that the loop's batch of quick
 * replies already overshoots, and every reply goes through conn_send,
 * under the lock, whatever this said.
 */
static bool
conn_may_run_now(struct conn *c)
{
	return !conn_paused(c) && !conn_outq_full(c);
}

/*
 * A whole call is in the reassembler: run it here or hand it over.
 * Its header is decoded once for both the choice and the run; a
 * worker decodes it again.
 */
static bool
conn_route(struct conn *c)
{
	struct rpc_server *srv = c->srv;
	struct rpc_call call;

	if (srv->cfg.quick_inline && conn_may_run_now(c)) {
		rpc_call_find(srv->progs, srv->nprogs, c->rec.buf, c->rec.len,
		    &call);
		if (rpc_call_quick(&call))
			return loop_call(c->loop, c, &call);
	}
	conn_submit(c);
	return true;
}

/* Feed what was read to the reassembler; false when the conn must go. */
static bool
conn_consume(struct conn *c, const uint8_t *buf, size_t n)
{
	size_t off = 0, used;

	while (off < n) {
		switch (rec_feed(&c->rec, buf + off, n - off, &used)) {
		case REC_DONE:
			if (!conn_route(c))
				return false;
			break;
		case REC_TOOBIG:
			log_warnx("%s: record over %zu bytes, closing",
			    c->name, c->rec.max);
			return false;
		case REC_AGAIN:
			break;
		}
		off += used;
	}
	return true;
}

/* n bytes were read straight into the record's body. */
static bool
conn_fill(struct conn *c, size_t n)
{
	if (rec_body_fill(&c->rec, n) == REC_DONE)
		return conn_route(c);
	return true;
}

/*
 * Read into the record itself while a long fragment body is due (a
 * big WRITE's data: no copy through buf), else into buf for the
 * reassembler.  *want is how much was asked for.
 */
static ssize_t
conn_read(struct conn *c, uint8_t *buf, size_t cap, bool *direct,
    size_t *want)
{
	uint8_t *dst;
	size_t room;

	dst = rec_body_room(&c->rec, &room);
	*direct = dst != NULL && room >= cap;
	*want = *direct ? room : cap;
	return read(c->fd, *direct ? dst : buf, *want);
}

/*
 * Read what the socket holds (a bounded number of reads, so one busy
 * peer cannot starve the others), run or hand over every call in it,
 * then send the quick calls' replies together.
 */
void
conn_readable(struct conn *c)
{
	uint8_t buf[SERVER_READ_CHUNK];
	size_t want;
	bool direct;
	ssize_t n;
	int round;

	for (round = 0; round < SERVER_READ_ROUNDS && !conn_paused(c);
	    round++) {
		n = conn_read(c, buf, sizeof(buf), &direct, &want);
		if (n > 0) {
			c->last_active = time(NULL);
			if (!(direct ? conn_fill(c, (size_t)n) :
			    conn_consume(c, buf, (size_t)n)))
				goto close;
			if ((size_t)n < want)
				break;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == -1 && errno != ECONNRESET)
			log_warn("%s: read", c->name);
		else if (rec_partial(&c->rec))
			log_info("%s: closed inside a record", c->name);
		goto close;
	}
	loop_flush(c->loop, c);
	return;
close:
	c->loop->outlen = 0;	/* replies for a peer that is gone */
	conn_close(c);
}

/*
 * Send len bytes of a tail's pipe to the socket, as far as it takes
 * them now.  The pipe holds exactly what the reply announced.
 */
static ssize_t
send_pipe(struct conn *c, int fd, size_t len, bool more)
{
	ssize_t n;

	do
		n = splice(fd, NULL, c->fd, NULL, len, SPLICE_F_NONBLOCK |
		    (more ? SPLICE_F_MORE : 0));
	while (n == -1 && errno == EINTR);
	if (n == 0 && len > 0) {
		log_warnx("%s: a reply's data ran out", c->name);
		errno = EPIPE;
		return -1;
	}
	return n;
}

static ssize_t
outbuf_send(struct conn *c, const struct outbuf *o)
{
	if (o->fd != -1)
		return send_pipe(c, o->fd, o->len - o->off, o->next != NULL);
	return send(c->fd, o->data + o->off, o->len - o->off,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Send what the queue holds; caller holds c->lock.  -1 on error. */
static int
conn_flush_locked(struct conn *c)
{
	struct outbuf *o;
	ssize_t n;

	while ((o = c->outq) != NULL) {
		if ((n = outbuf_send(c, o)) == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		o->off += (size_t)n;
		atomic_fetch_sub_explicit(&c->outq_bytes, (size_t)n,
		    memory_order_relaxed);
		if (o->off < o->len)
			return 0;
		c->outq = o->next;
		outbuf_free(c, o);
	}
	c->outq_tail = NULL;
	return 0;
}

/*
 * What the loop waits for: input unless paused (a paused connection
 * waits for nothing but EPOLLOUT, so a peer that half-closes cannot
 * make the loop spin), output while replies are queued.
 */
static void
conn_set_events_locked(struct conn *c)
{
	struct epoll_event ev;
	uint32_t want = conn_paused(c) ? 0 : EPOLLIN | EPOLLRDHUP;

	if (c->outq != NULL)
		want |= EPOLLOUT;
	if (c->events == want)
		return;
	c->events = want;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = &c->src;
	(void)epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_append_locked(struct conn *c, struct outbuf *o)
{
	atomic_fetch_add_explicit(&c->outq_bytes, o->len,
	    memory_order_relaxed);
	if (c->outq_tail != NULL)
		c->outq_tail->next = o;
	else
		c->outq = o;
	c->outq_tail = o;
}

static int
conn_queue_locked(struct conn *c, const uint8_t *buf, size_t len)
{
	struct outbuf *o;

	if (len == 0)
		return 0;
	if ((o = malloc(sizeof(*o) + len)) == NULL)
		return -1;
	o->next = NULL;
	o->len = len;
	o->off = 0;
	o->fd = -1;
	memcpy(o->data, buf, len);
	conn_append_locked(c, o);
	return 0;
}

/* Queue what is left in the pipe *fd (len bytes); it is the queue's. */
static int
conn_queue_pipe_locked(struct conn *c, int *fd, size_t len)
{
	struct outbuf *o;

	if (len == 0)
		return 0;
	if ((o = malloc(sizeof(*o))) == NULL)
		return -1;
	o->next = NULL;
	o->len = len;
	o->off = 0;
	o->fd = *fd;
	*fd = -1;
	atomic_fetch_add_explicit(&c->srv->ntails, 1, memory_order_relaxed);
	conn_append_locked(c, o);
	return 0;
}

void
conn_send(struct conn *c, const uint8_t *buf, size_t len)
{
	struct rpc_tail none = { .fd = -1, .len = 0, .pad = 0 };

	conn_send_tail(c, buf, len, &none);
}

/*
 * Send a reply, and its data from a tail if it has one: the encoded
 * part, the pipe's pages, the padding.  Whatever the socket does not
 * take now is queued in that order, the data left in its pipe, so a
 * slow peer costs no copy of it.
 */
void
conn_send_tail(struct conn *c, const uint8_t *buf, size_t len,
    struct rpc_tail *tail)
{
	static const uint8_t zeros[8];
	size_t hsent = 0, fsent = 0, psent = 0;
	ssize_t n;

	if (tail->pad > sizeof(zeros)) {
		log_warnx("%s: padding of %zu bytes", c->name, tail->pad);
		rpc_tail_drop(tail);
		conn_abort(c);
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->dead)
		goto out;
	if (c->outq == NULL) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT |
		    (tail->len > 0 ? MSG_MORE : 0));
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			goto fail;
		hsent = n == -1 ? 0 : (size_t)n;
		while (hsent == len && fsent < tail->len) {
			n = send_pipe(c, tail->fd, tail->len - fsent,
			    tail->pad > 0);
			if (n == -1 && errno != EAGAIN)
				goto fail;
			if (n == -1)
				break;
			fsent += (size_t)n;
		}
		if (hsent == len && fsent == tail->len && tail->pad > 0) {
			n = send(c->fd, zeros, tail->pad,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n == -1 && errno != EAGAIN && errno != EINTR)
				goto fail;
			psent = n == -1 ? 0 : (size_t)n;
		}
		if (hsent == len && fsent == tail->len && psent == tail->pad)
			goto out;
	}
	if (conn_queue_locked(c, buf + hsent, len - hsent) == -1 ||
	    conn_queue_pipe_locked(c, &tail->fd, tail->len - fsent) == -1 ||
	    conn_queue_locked(c, zeros + psent, tail->pad - psent) == -1)
		goto fail;
	conn_set_events_locked(c);
	goto out;
fail:
	log_warn("%s: send", c->name);
	c->dead = true;
	(void)shutdown(c->fd, SHUT_RDWR);
out:
	pthread_mutex_unlock(&c->lock);
	rpc_tail_drop(tail);
}

void
conn_writable(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (conn_flush_locked(c) == -1) {
		c->dead = true;
		(void)shutdown(c->fd, SHUT_RDWR);
	} else {
		conn_set_events_locked(c);
		conn_dispatch_locked(c);
	}
	pthread_mutex_unlock(&c->lock);
}

void
conn_reap_idle(struct loop *lp, time_t now)
{
	struct rpc_server *srv = lp->srv;
	struct conn *c, *next;
	bool idle;

	if (srv->cfg.idle_timeout == 0)
		return;
	for (c = lp->conns; c != NULL; c = next) {
		next = c->next;
		pthread_mutex_lock(&c->lock);
		idle = c->inflight == 0 && c->outq == NULL &&
		    now - c->last_active > (time_t)srv->cfg.idle_timeout;
		pthread_mutex_unlock(&c->lock);
		if (idle) {
			log_info("%s: idle for %us, closing", c->name,
			    srv->cfg.idle_timeout);
			conn_close(c);
		}
	}
}
