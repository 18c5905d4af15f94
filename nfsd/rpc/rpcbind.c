/*
 * rpcbind.c - registering with rpcbind.  libtirpc reaches it through
 * its local socket; before the first call we make sure something is
 * there, so a missing rpcbind is a clear error instead of a long
 * retransmission timeout.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rpc/rpc.h>
#include <rpc/rpcb_clnt.h>

#include "log.h"
#include "rpcbind.h"

#define RPCBIND_SOCK		"/run/rpcbind.sock"
#define RPCBIND_PORT		111
#define RPCBIND_CONNECT_MS	2000

static int
try_unix(void)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", RPCBIND_SOCK);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc;
}

static int
try_tcp(void)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(RPCBIND_PORT);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, RPCBIND_CONNECT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0)
			goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int
rpcbind_check(char *err, size_t errlen)
{
	if (try_unix() == 0 || try_tcp() == 0)
		return 0;
	snprintf(err, errlen, "rpcbind is not running (nothing at %s or "
	    "127.0.0.1:%d)", RPCBIND_SOCK, RPCBIND_PORT);
	return -1;
}

static const char *
listener_netid(const struct rpc_listener *l)
{
	if (l->family == AF_INET6)
		return l->type == SOCK_STREAM ? "tcp6" : "udp6";
	return l->type == SOCK_STREAM ? "tcp" : "udp";
}

int
rpcbind_set(uint32_t prog, uint32_t vers, const struct rpc_listener *l)
{
	struct netconfig *nconf;
	struct netbuf addr;
	const char *netid = listener_netid(l);
	bool_t ok;

	if ((nconf = getnetconfigent(netid)) == NULL) {
		log_warnx("rpcbind: no netconfig for %s", netid);
		return -1;
	}
	addr.buf = (void *)(uintptr_t)&l->addr;
	addr.len = addr.maxlen = l->addrlen;
	ok = rpcb_set(prog, vers, nconf, &addr);
	freenetconfigent(nconf);
	if (!ok) {
		log_warnx("rpcbind: cannot register %u v%u on %s port %u",
		    prog, vers, netid, l->port);
		return -1;
	}
	log_debug("rpcbind: registered %u v%u %s port %u", prog, vers,
	    netid, l->port);
	return 0;
}

void
rpcbind_unset(uint32_t prog, uint32_t vers)
{
	(void)rpcb_unset(prog, vers, NULL);
}
