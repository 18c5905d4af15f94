/*
 * server.c - the RPC server: TCP and UDP listeners, watched
 * descriptors, and the server's lifetime.  The event loops (loop.c)
 * read calls and run the quick ones; the workers (worker.c) run the
 * calls that wait for the disk.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "drc.h"
#include "log.h"
#include "server.h"
#include "stats.h"

void
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const void *a;
	unsigned port;

	if (sa->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
		return;
	}
	if (inet_ntop(sa->sa_family, a, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
}

struct rpc_server *
rpc_server_create(const struct rpc_prog *progs, size_t nprogs, void *ctx,
    const struct rpc_server_config *cfg)
{
	struct rpc_server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->progs = progs;
	srv->nprogs = nprogs;
	srv->ctx = ctx;
	srv->cfg = *cfg;
	if (srv->cfg.max_record == 0)
		srv->cfg.max_record = RPC_MAX_RECORD;
	if (srv->cfg.nworkers <= 0)
		srv->cfg.nworkers = RPC_WORKERS_DEFAULT;
	if (srv->cfg.max_conns == 0)
		srv->cfg.max_conns = RPC_MAX_CONNS_DEFAULT;
	if (srv->cfg.max_inflight == 0)
		srv->cfg.max_inflight = RPC_MAX_INFLIGHT_DEFAULT;
	if (srv->cfg.max_outq == 0)
		srv->cfg.max_outq = RPC_MAX_OUTQ_DEFAULT;
	atomic_init(&srv->quit, false);
	atomic_init(&srv->nconns, 0);
	atomic_init(&srv->ntails, 0);
	pthread_mutex_init(&srv->qlock, NULL);
	if ((srv->drc = drc_create(cfg->drc_entries ? cfg->drc_entries :
	    DRC_ENTRIES_DEFAULT, cfg->drc_bytes ? cfg->drc_bytes :
	    DRC_BYTES_DEFAULT)) == NULL) {
		free(srv);
		return NULL;
	}
	if ((srv->stats = stats_create(progs, nprogs)) == NULL) {
		drc_free(&srv->drc);
		free(srv);
		return NULL;
	}
	if (loops_init(srv) == -1) {
		loops_free(srv);
		stats_free(&srv->stats);
		drc_free(&srv->drc);
		free(srv);
		return NULL;
	}
	return srv;
}

static int
loop_add(struct rpc_server *srv, int fd, struct src *src)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = src;
	return epoll_ctl(srv->loops[0].epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Ask for the destination address of each datagram, to reply from it. */
static int
udp_want_pktinfo(int fd, int family)
{
	int one = 1;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
		    sizeof(one));
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
	    sizeof(one));
}

static int
listen_one(struct rpc_server *srv, const struct sockaddr *sa,
    socklen_t salen, int type)
{
	struct listen_src *ls;
	char name[80];
	int fd, one = 1;

	if (srv->nlisteners == SERVER_MAX_LISTENERS) {
		log_warnx("too many listening sockets");
		return -1;
	}
	addr_format(sa, name, sizeof(name));
	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, sa, salen) == -1 ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN) == -1) ||
	    (type == SOCK_DGRAM && udp_want_pktinfo(fd, sa->sa_family) == -1))
		goto fail;

	ls = &srv->listeners[srv->nlisteners];
	ls->src.kind = type == SOCK_STREAM ? SRC_TCP_LISTEN : SRC_UDP;
	ls->l.fd = fd;
	ls->l.type = type;
	ls->l.family = sa->sa_family;
	ls->l.addrlen = sizeof(ls->l.addr);
	if (getsockname(fd, (struct sockaddr *)&ls->l.addr,
	    &ls->l.addrlen) == -1)
		goto fail;
	ls->l.port = sa->sa_family == AF_INET ?
	    ntohs(((struct sockaddr_in *)&ls->l.addr)->sin_port) :
	    ntohs(((struct sockaddr_in6 *)&ls->l.addr)->sin6_port);
	if (loop_add(srv, fd, &ls->src) == -1)
		goto fail;
	srv->pub[srv->nlisteners] = ls->l;
	srv->nlisteners++;
	log_debug("listening on %s %s", name,
	    type == SOCK_STREAM ? "tcp" : "udp");
	return 0;
fail:
	log_warn("cannot listen on %s %s", name,
	    type == SOCK_STREAM ? "tcp" : "udp");
	close(fd);
	return -1;
}

static int
listen_addr(struct rpc_server *srv, const struct sockaddr *sa,
    socklen_t salen)
{
	if (listen_one(srv, sa, salen, SOCK_STREAM) == -1 ||
	    listen_one(srv, sa, salen, SOCK_DGRAM) == -1)
		return -1;
	return 0;
}

int
rpc_server_listen(struct rpc_server *srv, const char *addr, uint16_t port)
{
	struct addrinfo hints, *res;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char portstr[8];
	int err, fd;

	if (addr != NULL) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
		hints.ai_socktype = SOCK_STREAM;
		snprintf(portstr, sizeof(portstr), "%u", port);
		if ((err = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
			log_warnx("bind address %s: %s", addr,
			    gai_strerror(err));
			return -1;
		}
		err = listen_addr(srv, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
		return err;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (listen_addr(srv, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	/* IPv6 as well, when this host has it. */
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) == -1) {
		log_info("no IPv6 here, serving IPv4 only");
		return 0;
	}
	close(fd);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	return listen_addr(srv, (struct sockaddr *)&sin6, sizeof(sin6));
}

size_t
rpc_server_listeners(const struct rpc_server *srv,
    const struct rpc_listener **out)
{
	*out = srv->pub;
	return srv->nlisteners;
}

int
rpc_server_watch(struct rpc_server *srv, int fd, rpc_fd_cb cb, void *arg)
{
	struct watch_src *w;

	if (srv->nwatch == SERVER_MAX_WATCH)
		return -1;
	w = &srv->watch[srv->nwatch];
	w->src.kind = SRC_WATCH;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	if (loop_add(srv, fd, &w->src) == -1)
		return -1;
	srv->nwatch++;
	return 0;
}

int
rpc_server_run(struct rpc_server *srv)
{
	int rc = 0;

	if (workers_start(srv) == -1) {
		log_warn("cannot start workers");
		workers_stop(srv);
		return -1;
	}
	if (loops_start(srv) == -1) {
		log_warn("cannot start event loops");
		atomic_store(&srv->quit, true);
		rc = -1;
	} else {
		log_debug("%u event loops, %d workers", srv->nloops,
		    srv->nworkers);
		loop_run(&srv->loops[0]);
	}
	atomic_store(&srv->quit, true);
	loops_stop(srv);
	workers_stop(srv);
	return rc;
}

void
rpc_server_report(struct rpc_server *srv, FILE *f)
{
	struct drc_stats ds;

	stats_print(srv->stats, f);
	drc_stats(srv->drc, &ds);
	fprintf(f, "reply cache: %zu entries, %zu bytes\n", ds.entries,
	    ds.bytes);
	fprintf(f, "connections: %zu\n", atomic_load(&srv->nconns));
}

void
rpc_server_stop(struct rpc_server *srv)
{
	atomic_store(&srv->quit, true);
	loops_wake(srv);
}

void
rpc_server_free(struct rpc_server **srvp)
{
	struct rpc_server *srv = *srvp;
	size_t i;

	if (srv == NULL)
		return;
	loops_free(srv);
	for (i = 0; i < srv->nlisteners; i++)
		close(srv->listeners[i].l.fd);
	pthread_mutex_destroy(&srv->qlock);
	drc_free(&srv->drc);
	stats_free(&srv->stats);
	free(srv);
	*srvp = NULL;
}
