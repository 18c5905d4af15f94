/*
 * main.c - responder: the transport floor for nfsbench.  Listens on one
 * TCP port (never registers with rpcbind), answers every RPC call with
 * the cheapest valid reply on one epoll thread per core, and runs until
 * SIGINT or SIGTERM.  Built by `make bench-build`, never installed.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "responder.h"

#define DEF_ADDR	"127.0.0.1"
#define LISTEN_BACKLOG	1024
#define MAX_PORT	65535

static void
usage(FILE *f)
{
	fprintf(f,
"usage: responder [-a ADDR] [-p PORT] [-t THREADS]\n"
"\n"
"The transport floor: answers every ONC RPC call over TCP with the\n"
"cheapest valid reply (NULL of any program: empty success), and enough\n"
"canned NFSv3 and MOUNT v3 results (MNT, FSINFO, GETATTR, ACCESS,\n"
"PATHCONF, LOOKUP, ...) on the same port for a client to mount it, e.g.\n"
"  nfsbench -p PORT -m PORT 127.0.0.1:/x -w null,getattr\n"
"Never registers with rpcbind.  Runs until SIGINT or SIGTERM.\n"
"\n"
"  -a ADDR     IPv4 address to listen on (default %s)\n"
"  -p PORT     TCP port (default 0: the kernel picks; printed at start)\n"
"  -t THREADS  epoll threads (default: one per online CPU, at most %d)\n"
"  -h          this help\n", DEF_ADDR, RSP_MAX_THREADS);
}

static int
parse_num(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
listen_on(const char *addr, int port, int *out_port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "responder: bad address %s\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		fprintf(stderr, "responder: listen on %s:%d: %s\n", addr, port,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*out_port = ntohs(sin.sin_port);
	return fd;
}

static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > RSP_MAX_THREADS ? RSP_MAX_THREADS : (unsigned)n;
}

int
main(int argc, char **argv)
{
	const char *addr = DEF_ADDR;
	long port = 0, threads = default_threads();
	sigset_t sigs;
	int ch, fd, sig, bound;

	while ((ch = getopt(argc, argv, "a:p:t:h")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'p':
			if (parse_num(optarg, 0, MAX_PORT, &port) != 0) {
				fprintf(stderr, "responder: bad port %s\n",
				    optarg);
				return 2;
			}
			break;
		case 't':
			if (parse_num(optarg, 1, RSP_MAX_THREADS,
			    &threads) != 0) {
				fprintf(stderr, "responder: -t is 1 to %d\n",
				    RSP_MAX_THREADS);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* The signals go to sigwait() below, never to a loop thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	reply_init();
	if ((fd = listen_on(addr, (int)port, &bound)) == -1)
		return 1;
	if (loops_start(fd, (unsigned)threads) != 0) {
		fprintf(stderr, "responder: cannot start threads\n");
		close(fd);
		return 1;
	}
	printf("responder: listening on %s:%d, %ld threads\n", addr, bound,
	    threads);
	fflush(stdout);
	sigdelset(&sigs, SIGPIPE);
	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
	} while (sig != SIGINT && sig != SIGTERM);
	loops_stop();
	close(fd);
	fprintf(stderr, "responder: %" PRIu64 " calls answered\n",
	    loops_calls());
	return 0;
}
