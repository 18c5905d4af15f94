/*
 * listen.c - the daemons' listening sockets, one per configured
 * address: IPv6 ones take IPv6 only, so "0.0.0.0:25" and "[::]:25"
 * can both be given.
 */
#include <sys/socket.h>

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

int
daemon_listen(const struct conf_listen *l, int backlog)
{
	struct addrinfo hints, *res;
	char port[8];
	int fd, on = 1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	(void)snprintf(port, sizeof(port), "%u", l->port);
	if ((e = getaddrinfo(l->host, port, &hints, &res)) != 0)
		fatalx("%s:%u: %s", l->host, l->port, gai_strerror(e));
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (res->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1)
		fatal("bind %s:%u", l->host, l->port);
	if (listen(fd, backlog) == -1)
		fatal("listen %s:%u", l->host, l->port);
	freeaddrinfo(res);
	log_info("listening on %s:%u", l->host, l->port);
	return fd;
}
