/*
 * loop.c - the responder's threads: one epoll loop each over its own
 * connections.  Every loop waits on the one listening socket
 * (EPOLLEXCLUSIVE); whoever accepts hands the connection round-robin to
 * a loop through that loop's pipe, so connections spread evenly over
 * the threads.  Per connection: record marking (RFC 5531 section 11)
 * read with fixed buffers, any number of calls per read and fragments
 * per call, replies queued and written as the socket takes them.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "responder.h"

#define MAX_EVENTS	64
#define PIPE_BATCH	64
#define STOP_FD		(-1)
#define FRAG_LEN_MASK	0x7fffffffu
#define LAST_FRAG	0x80000000u
#define SERVICE_ROUNDS	8	/* process/flush rounds per event */

struct conn {
	struct conn	*prev, *next;
	int		 fd;
	uint32_t	 events;	/* what epoll watches now */
	bool		 in_frag;	/* inside a fragment's bytes */
	bool		 last_frag;	/* the fragment ends the call */
	uint32_t	 frag_left;
	uint64_t	 total;		/* the call's bytes so far */
	size_t		 msg_len;	/* kept: at most RSP_MSG_CAP */
	size_t		 in_len;
	size_t		 out_len;
	uint8_t		 in[RSP_IN_CAP];
	uint8_t		 out[RSP_OUT_CAP];
	uint8_t		 msg[RSP_MSG_CAP];
};

struct loop {
	pthread_t	 th;
	int		 ep;
	int		 pipe[2];	/* accepted fds for this loop */
	_Atomic bool	 stop;
	struct conn	*conns;
	uint64_t	 calls;
};

static struct loop loops[RSP_MAX_THREADS];
static unsigned nloops;
static int listen_fd = -1;
static char listen_tag, pipe_tag;	/* epoll data for the non-conns */
static _Atomic unsigned next_loop;
static _Atomic unsigned nconns;

/* ------------------------------------------------------------ conns */

static void
conn_close(struct loop *l, struct conn *c)
{
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	atomic_fetch_sub(&nconns, 1);
}

static void
conn_add(struct loop *l, int fd)
{
	struct epoll_event ev;
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		atomic_fetch_sub(&nconns, 1);
		return;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	ev.events = c->events;
	ev.data.ptr = c;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		close(fd);
		free(c);
		atomic_fetch_sub(&nconns, 1);
		return;
	}
	c->next = l->conns;
	if (l->conns != NULL)
		l->conns->prev = c;
	l->conns = c;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A whole call is in: queue its reply.  -1: close the connection. */
static int
conn_answer(struct loop *l, struct conn *c)
{
	int n = reply_build(c->msg, c->msg_len, c->out + c->out_len);

	c->msg_len = 0;
	c->total = 0;
	if (n < 0)
		return -1;
	c->out_len += (size_t)n;
	l->calls++;
	return 0;
}

/* One step of record marking at in[*pos]: 0, 1 (more input needed), -1. */
static int
conn_step(struct loop *l, struct conn *c, size_t *pos)
{
	size_t n, keep;

	if (!c->in_frag) {
		if (c->in_len - *pos < 4)
			return 1;
		c->frag_left = get32(c->in + *pos) & FRAG_LEN_MASK;
		c->last_frag = (get32(c->in + *pos) & LAST_FRAG) != 0;
		*pos += 4;
		c->total += c->frag_left;
		if (c->total > RSP_RECORD_MAX)
			return -1;
		c->in_frag = true;
	} else {
		n = c->in_len - *pos;
		if (n > c->frag_left)
			n = c->frag_left;
		keep = RSP_MSG_CAP - c->msg_len;
		if (keep > n)
			keep = n;
		memcpy(c->msg + c->msg_len, c->in + *pos, keep);
		c->msg_len += keep;
		*pos += n;
		c->frag_left -= (uint32_t)n;
	}
	if (c->in_frag && c->frag_left == 0) {
		c->in_frag = false;
		if (c->last_frag && conn_answer(l, c) != 0)
			return -1;
	}
	return 0;
}

/* Every call the input holds, while replies fit.  Bytes used, or -1. */
static ssize_t
conn_process(struct loop *l, struct conn *c)
{
	size_t pos = 0;
	int rc;

	while (pos < c->in_len && RSP_OUT_CAP - c->out_len >= RSP_REPLY_MAX) {
		if ((rc = conn_step(l, c, &pos)) < 0)
			return -1;
		if (rc > 0)
			break;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	return (ssize_t)pos;
}

static int
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->out_len > 0) {
		n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
		if (n > 0) {
			memmove(c->out, c->out + n, c->out_len - (size_t)n);
			c->out_len -= (size_t)n;
		} else if (n == -1 && errno == EINTR) {
			continue;
		} else if (n == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			return 0;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Read what fits; 1 at end of stream, -1 on error. */
static int
conn_read(struct conn *c)
{
	ssize_t n;

	if (c->in_len == RSP_IN_CAP)
		return 0;
	n = recv(c->fd, c->in + c->in_len, RSP_IN_CAP - c->in_len, 0);
	if (n == 0)
		return 1;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1;
	c->in_len += (size_t)n;
	return 0;
}

/* Watch for input while there is room, for output while it is queued. */
static int
conn_watch(struct loop *l, struct conn *c)
{
	struct epoll_event ev;
	uint32_t want = (c->in_len < RSP_IN_CAP ? EPOLLIN : 0) |
	    (c->out_len > 0 ? EPOLLOUT : 0);

	if (want == c->events)
		return 0;
	ev.events = want;
	ev.data.ptr = c;
	c->events = want;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_service(struct loop *l, struct conn *c, uint32_t events)
{
	ssize_t used;
	int rc = 0;

	if (events & EPOLLERR)
		rc = -1;
	if (rc == 0 && (events & (EPOLLIN | EPOLLHUP)))
		rc = conn_read(c);
	for (int i = 0; rc == 0 && i < SERVICE_ROUNDS; i++) {
		if ((used = conn_process(l, c)) < 0 || conn_flush(c) != 0) {
			rc = -1;
			break;
		}
		if (used == 0 || c->in_len == 0 || c->out_len > 0)
			break;
	}
	if (rc != 0 || conn_watch(l, c) != 0)
		conn_close(l, c);
}

/* ------------------------------------------------------------ accepting */

static void
accept_all(void)
{
	int fd, one = 1;
	struct loop *to;

	for (;;) {
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;		/* EAGAIN, or out of descriptors */
		}
		if (atomic_fetch_add(&nconns, 1) >= RSP_MAX_CONNS) {
			atomic_fetch_sub(&nconns, 1);
			close(fd);
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		to = &loops[atomic_fetch_add(&next_loop, 1) % nloops];
		if (write(to->pipe[1], &fd, sizeof(fd)) != sizeof(fd)) {
			atomic_fetch_sub(&nconns, 1);
			close(fd);
		}
	}
}

static void
pipe_drain(struct loop *l)
{
	int fds[PIPE_BATCH];
	ssize_t n;

	while ((n = read(l->pipe[0], fds, sizeof(fds))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(fds[0]); i++) {
			if (fds[i] == STOP_FD)
				l->stop = true;
			else
				conn_add(l, fds[i]);
		}
	}
}

static void *
loop_main(void *arg)
{
	struct loop *l = arg;
	struct epoll_event ev[MAX_EVENTS];
	int n;

	while (!l->stop) {
		n = epoll_wait(l->ep, ev, MAX_EVENTS, -1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &listen_tag)
				accept_all();
			else if (ev[i].data.ptr == &pipe_tag)
				pipe_drain(l);
			else
				conn_service(l, ev[i].data.ptr, ev[i].events);
		}
	}
	while (l->conns != NULL)
		conn_close(l, l->conns);
	return NULL;
}

/* ------------------------------------------------------------ setup */

static int
watch(int ep, int fd, uint32_t events, void *tag)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = tag;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	l->pipe[0] = l->pipe[1] = -1;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	if (pipe2(l->pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	if (watch(l->ep, l->pipe[0], EPOLLIN, &pipe_tag) == -1 ||
	    watch(l->ep, listen_fd, EPOLLIN | EPOLLEXCLUSIVE,
	    &listen_tag) == -1)
		return -1;
	return 0;
}

static void
loop_free(struct loop *l)
{
	if (l->ep != -1)
		close(l->ep);
	if (l->pipe[0] != -1)
		close(l->pipe[0]);
	if (l->pipe[1] != -1)
		close(l->pipe[1]);
}

int
loops_start(int fd, unsigned nthreads)
{
	listen_fd = fd;
	for (nloops = 0; nloops < nthreads; nloops++) {
		struct loop *l = &loops[nloops];

		if (loop_init(l) != 0 ||
		    pthread_create(&l->th, NULL, loop_main, l) != 0) {
			loop_free(l);
			loops_stop();
			return -1;
		}
	}
	return 0;
}

void
loops_stop(void)
{
	int stop = STOP_FD;

	for (unsigned i = 0; i < nloops; i++)
		if (write(loops[i].pipe[1], &stop, sizeof(stop)) !=
		    sizeof(stop))
			loops[i].stop = true;	/* full: it is busy anyway */
	for (unsigned i = 0; i < nloops; i++) {
		pthread_join(loops[i].th, NULL);
		loop_free(&loops[i]);
	}
}

uint64_t
loops_calls(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < nloops; i++)
		n += loops[i].calls;
	return n;
}
