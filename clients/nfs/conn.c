/*
 * conn.c - one RPC program on one server over TCP, on libtirpc.
 *
 * The socket is connected here (with a timeout) and handed to
 * clnt_vc_create.  Without a fixed port, rpcbind on the host is asked
 * (RPCBPROC_GETADDR, version 3, for "tcp" or "tcp6") every time the
 * connection is made, so a server that comes back on other ports is
 * found.  A call that gets no answer (timeout, connection lost or
 * refused) is tried again on a new connection, with the same xid (the
 * server's reply cache then answers a retransmitted non-idempotent
 * call) and a doubling pause in between, up to the retries given.  A
 * connection the server has closed while idle (restart, idle timeout)
 * is noticed before the call and re-made.  SIGPIPE from writing to a
 * dead connection is kept from the process (unless it ignores SIGPIPE
 * anyway, as the daemons do: then no signal masks are changed per
 * call).  The AUTH_SYS credential of the last call is kept and reused
 * while the caller's uid and groups stay the same.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "nfsc_int.h"

#define RPCBIND_PORT		111
#define BACKOFF_FIRST_MS	200
#define BACKOFF_MAX_MS		3200
#define MACHINE_NAME_MAX	255	/* AUTH_SYS machinename<255> */
#define UADDR_MAX		128

static void
detail(struct nfsc_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
detail(struct nfsc_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

int
nfsc_conn_resolve(struct nfsc_conn *c, const char *host, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	if (res->ai_addrlen > sizeof(c->addr)) {
		freeaddrinfo(res);
		snprintf(err, errlen, "%s: address too long", host);
		return -1;
	}
	memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
	c->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(c->host, sizeof(c->host), "%s", host);
	return 0;
}

void
nfsc_conn_init(struct nfsc_conn *c, uint32_t prog, uint32_t vers, uint16_t port,
    unsigned timeout_ms, unsigned retries)
{
	c->prog = prog;
	c->vers = vers;
	c->port = port;
	c->clnt = NULL;
	c->auth = NULL;
	c->auth_self = false;
	c->pipe_ignored = false;
	c->timeout_ms = timeout_ms;
	c->retries = retries;
	c->detail[0] = '\0';
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static struct timeval
timeout_tv(unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* A TCP socket connected to port within the timeout, or -1. */
static int
connect_port(struct nfsc_conn *c, uint16_t port, struct sockaddr_storage *ss)
{
	struct pollfd pfd;
	socklen_t slen;
	int fd, e, one = 1, flags;

	*ss = c->addr;
	set_port(ss, port);
	if ((fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, IPPROTO_TCP)) == -1) {
		detail(c, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)ss, c->addrlen) == -1) {
		if (errno != EINPROGRESS) {
			e = errno;
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if ((e = poll(&pfd, 1, (int)c->timeout_ms)) <= 0) {
			e = e == 0 ? ETIMEDOUT : errno;
			goto fail;
		}
		slen = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &slen) == -1)
			e = errno;
		if (e != 0)
			goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		e = errno;
		goto fail;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	detail(c, "connect %s port %u: %s", c->host, port, strerror(e));
	close(fd);
	return -1;
}

/*
 * libtirpc's authnone_create() (which clnt_vc_create calls) makes a
 * process-wide singleton without a lock around its first check, so two
 * threads making their first client at once could each make one and
 * leak the other.  Make it once, before any client.
 */
static pthread_once_t authnone_once = PTHREAD_ONCE_INIT;

static void
authnone_make(void)
{
	(void)authnone_create();
}

/* An RPC client on a connected socket; it closes fd when destroyed. */
static CLIENT *
client_on(struct nfsc_conn *c, int fd, struct sockaddr_storage *ss,
    uint32_t prog, uint32_t vers)
{
	struct netbuf nb;
	CLIENT *clnt;

	(void)pthread_once(&authnone_once, authnone_make);
	nb.maxlen = nb.len = c->addrlen;
	nb.buf = ss;
	if ((clnt = clnt_vc_create(fd, &nb, prog, vers, 0, 0)) == NULL) {
		detail(c, "clnt_vc_create: %s",
		    clnt_sperrno(rpc_createerr.cf_stat));
		close(fd);
		return NULL;
	}
	clnt_control(clnt, CLSET_FD_CLOSE, NULL);
	return clnt;
}

/* Whether the process ignores SIGPIPE (looked at per connection). */
static bool
pipe_ignored(void)
{
	struct sigaction sa;

	return sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

/* clnt_call with SIGPIPE blocked in this thread and swallowed. */
static enum clnt_stat
call_nopipe(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs, void *args,
    xdrproc_t xres, void *res, struct timeval tv, bool ignored)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipeset, old, pend;
	enum clnt_stat st;
	bool was;

	if (ignored)
		return clnt_call(clnt, proc, xargs, args, xres, res, tv);
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	was = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE);
	st = clnt_call(clnt, proc, xargs, args, xres, res, tv);
	if (!was && sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE))
		(void)sigtimedwait(&pipeset, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return st;
}

/* The port of a uaddr "h1.h2.h3.h4.p1.p2" (or IPv6 "...p1.p2"). */
static int
uaddr_port(const char *ua)
{
	const char *dot2, *dot1;
	char *end;
	unsigned long p1, p2;

	if ((dot2 = strrchr(ua, '.')) == NULL || dot2 == ua)
		return -1;
	for (dot1 = dot2 - 1; dot1 > ua && *dot1 != '.'; dot1--)
		;
	if (*dot1 != '.')
		return -1;
	errno = 0;
	p1 = strtoul(dot1 + 1, &end, 10);
	if (end != dot2 || errno != 0 || p1 > 255)
		return -1;
	p2 = strtoul(dot2 + 1, &end, 10);
	if (*end != '\0' || errno != 0 || p2 > 255 || (p1 == 0 && p2 == 0))
		return -1;
	return (int)(p1 * 256 + p2);
}

/* Ask rpcbind on the host where prog/vers listens on TCP. */
static int
rpcbind_port(struct nfsc_conn *c, uint16_t *port)
{
	struct sockaddr_storage ss;
	char netid[8], owner[1] = "", addr[1] = "";
	char *uaddr = NULL;
	enum clnt_stat st;
	CLIENT *clnt;
	RPCB parms;
	int fd, p;

	if ((fd = connect_port(c, RPCBIND_PORT, &ss)) == -1)
		return -1;
	if ((clnt = client_on(c, fd, &ss, RPCBPROG, RPCBVERS)) == NULL)
		return -1;
	snprintf(netid, sizeof(netid), "%s",
	    c->addr.ss_family == AF_INET6 ? "tcp6" : "tcp");
	memset(&parms, 0, sizeof(parms));
	parms.r_prog = c->prog;
	parms.r_vers = c->vers;
	parms.r_netid = netid;
	parms.r_addr = addr;
	parms.r_owner = owner;
	st = call_nopipe(clnt, RPCBPROC_GETADDR, (xdrproc_t)xdr_rpcb, &parms,
	    (xdrproc_t)xdr_wrapstring, &uaddr, timeout_tv(c->timeout_ms),
	    false);
	clnt_destroy(clnt);
	if (st != RPC_SUCCESS) {
		detail(c, "rpcbind on %s: %s", c->host, clnt_sperrno(st));
		xdr_free((xdrproc_t)xdr_wrapstring, (char *)&uaddr);
		return -1;
	}
	p = uaddr != NULL && strnlen(uaddr, UADDR_MAX) < UADDR_MAX ?
	    uaddr_port(uaddr) : -1;
	xdr_free((xdrproc_t)xdr_wrapstring, (char *)&uaddr);
	if (p <= 0) {
		detail(c, "program %u version %u is not registered with "
		    "rpcbind on %s (%s)", c->prog, c->vers, c->host, netid);
		return -1;
	}
	*port = (uint16_t)p;
	return 0;
}

static int
nfsc_conn_open(struct nfsc_conn *c)
{
	struct sockaddr_storage ss;
	uint16_t port = c->port;
	int fd;

	if (port == 0 && rpcbind_port(c, &port) != 0)
		return -1;
	if ((fd = connect_port(c, port, &ss)) == -1)
		return -1;
	if ((c->clnt = client_on(c, fd, &ss, c->prog, c->vers)) == NULL)
		return -1;
	c->pipe_ignored = pipe_ignored();
	return 0;
}

/* Close the connection only (a retry makes a new one). */
static void
drop_client(struct nfsc_conn *c)
{
	if (c->clnt != NULL) {
		clnt_destroy(c->clnt);
		c->clnt = NULL;
	}
}

void
nfsc_conn_close(struct nfsc_conn *c)
{
	drop_client(c);
	if (c->auth != NULL) {
		auth_destroy(c->auth);
		c->auth = NULL;
	}
}

/* The server closed the idle connection (or sent what nobody asked). */
static bool
nfsc_conn_dead(struct nfsc_conn *c)
{
	struct pollfd pfd;
	int fd;

	if (!clnt_control(c->clnt, CLGET_FD, (char *)&fd))
		return true;
	pfd.fd = fd;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static char machine[MACHINE_NAME_MAX + 1];

static void
machine_init(void)
{
	if (gethostname(machine, sizeof(machine)) == -1)
		snprintf(machine, sizeof(machine), "localhost");
	machine[MACHINE_NAME_MAX] = '\0';
}

static AUTH *
auth_make(const struct nfsc_cred *cred)
{
	char *host;
	gid_t gids[NFSC_MAX_GIDS];
	uint32_t i, n = 0;

	pthread_once(&host_once, machine_init);
	host = machine;
	if (cred == NULL)
		return authunix_create(host, getuid(), getgid(), 0, gids);
	n = cred->ngids < NFSC_MAX_GIDS ? cred->ngids : NFSC_MAX_GIDS;
	for (i = 0; i < n; i++)
		gids[i] = cred->gids[i];
	return authunix_create(host, cred->uid, cred->gid, (int)n, gids);
}

static bool
same_cred(const struct nfsc_cred *a, const struct nfsc_cred *b)
{
	uint32_t n = a->ngids < NFSC_MAX_GIDS ? a->ngids : NFSC_MAX_GIDS;

	return a->uid == b->uid && a->gid == b->gid && a->ngids == b->ngids &&
	    memcmp(a->gids, b->gids, n * sizeof(a->gids[0])) == 0;
}

/* The AUTH_SYS for cred: the kept one when it matches, else a new one. */
static AUTH *
auth_for(struct nfsc_conn *c, const struct nfsc_cred *cred)
{
	if (c->auth != NULL && (cred == NULL ? c->auth_self :
	    !c->auth_self && same_cred(cred, &c->auth_cred)))
		return c->auth;
	if (c->auth != NULL) {
		auth_destroy(c->auth);
		c->auth = NULL;
	}
	if ((c->auth = auth_make(cred)) == NULL)
		return NULL;
	c->auth_self = cred == NULL;
	if (cred != NULL)
		c->auth_cred = *cred;
	return c->auth;
}

static bool
retryable(enum clnt_stat st)
{
	return st == RPC_TIMEDOUT || st == RPC_CANTSEND ||
	    st == RPC_CANTRECV || st == RPC_CANTDECODERES;
}

static void
pause_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
call_detail(struct nfsc_conn *c, enum clnt_stat st)
{
	struct rpc_err re;
	char ebuf[128] = "";

	memset(&re, 0, sizeof(re));
	if (c->clnt != NULL)
		clnt_geterr(c->clnt, &re);
	if ((st == RPC_CANTSEND || st == RPC_CANTRECV) && re.re_errno != 0)
		snprintf(ebuf, sizeof(ebuf), ": %s", strerror(re.re_errno));
	detail(c, "%s%s", clnt_sperrno(st), ebuf);
}

int
nfsc_conn_call(struct nfsc_conn *c, const struct nfsc_cred *cred,
    rpcproc_t proc, xdrproc_t xargs, void *args, xdrproc_t xres, void *res)
{
	enum clnt_stat st;
	unsigned try, wait = BACKOFF_FIRST_MS;
	uint32_t xid = 0;
	bool have_xid = false;
	AUTH *auth, *saved;

	if ((auth = auth_for(c, cred)) == NULL) {
		detail(c, "authunix_create failed");
		return NFSC_ERR_NOMEM;
	}
	for (try = 0;; try++) {
		if (c->clnt != NULL && nfsc_conn_dead(c))
			drop_client(c);
		if (c->clnt != NULL || nfsc_conn_open(c) == 0) {
			if (have_xid)
				clnt_control(c->clnt, CLSET_XID, (char *)&xid);
			saved = c->clnt->cl_auth;
			c->clnt->cl_auth = auth;
			st = call_nopipe(c->clnt, proc, xargs, args, xres, res,
			    timeout_tv(c->timeout_ms), c->pipe_ignored);
			c->clnt->cl_auth = saved;
			if (st == RPC_SUCCESS)
				break;
			call_detail(c, st);
			xdr_free(xres, res);
			if (!retryable(st))
				return NFSC_ERR_RPC;
			have_xid = clnt_control(c->clnt, CLGET_XID,
			    (char *)&xid) != 0;
			drop_client(c);
		}
		if (try >= c->retries)
			return NFSC_ERR_RPC;
		pause_ms(wait);
		if (wait < BACKOFF_MAX_MS)
			wait *= 2;
	}
	return 0;
}
