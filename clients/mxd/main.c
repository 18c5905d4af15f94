/*
 * main.c - mxd, the SMTP receiver of the mail cluster: options, the
 * config (-t checks it), binding the smtp_listen addresses, dropping
 * privileges (-u), the accept loop with its session limits, and the
 * signals.
 *
 *	mxd [-f] [-c FILE] [-t] [-u USER] [-p N] [-g SECONDS]
 *
 * -f stays in the foreground logging to stderr (otherwise daemonize
 * and log to syslog); -c the config (/etc/mailcluster.conf); -t checks
 * it (and the TLS files and userdb_db it names) and exits 0 or 1 with
 * "FILE:LINE: ..."; -u drops to that user and its group once the ports
 * are bound (default: stay who we are; as root, give -u); -p sessions
 * per client address (MXD_PER_ADDR_DEFAULT); -g seconds sessions get
 * to finish after SIGTERM (MXD_GRACE_DEFAULT).
 *
 * A thread per session, at most smtp_max_clients of them: connections
 * over the limits get "421" and are closed.  SIGHUP loads the config
 * again (a bad file is logged and the old one stays; the listen
 * addresses need a restart); sessions in flight keep the config they
 * started with.  SIGTERM/SIGINT stop accepting, idle sessions get
 * "421 4.3.2", the others have the grace period to finish.
 */
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "mxd.h"

#ifdef __SANITIZE_ADDRESS__
#define THREAD_STACK	(4 * 1024 * 1024)
#else
#define THREAD_STACK	(512 * 1024)
#endif
#define ERRLEN		1024
#define WAIT_TICK_MS	100

struct peer {
	struct peer	*next;
	char		 addr[MXD_ADDR_MAX];
	unsigned	 n;
};

struct job {
	int			 fd;
	struct sockaddr_storage	 ss;
	char			 addr[MXD_ADDR_MAX];
	struct mxd_env		*env;
};

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned nsessions;
static struct peer *peers;
static unsigned per_addr = MXD_PER_ADDR_DEFAULT;

static void
usage(void)
{
	fprintf(stderr, "usage: mxd [-ft] [-c file] [-u user] [-p per-addr] "
	    "[-g grace]\n");
	exit(2);
}

static unsigned
number(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max)
		usage();
	return (unsigned)v;
}

/* Count a new session from addr: NULL, or the 421 text refusing it. */
static const char *
admit(const char *addr, unsigned max)
{
	struct peer *p;

	pthread_mutex_lock(&count_lock);
	if (nsessions >= max) {
		pthread_mutex_unlock(&count_lock);
		return "Too many connections, try again later";
	}
	for (p = peers; p != NULL; p = p->next)
		if (strcmp(p->addr, addr) == 0)
			break;
	if (p != NULL && p->n >= per_addr) {
		pthread_mutex_unlock(&count_lock);
		return "Too many connections from your address";
	}
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL) {
			pthread_mutex_unlock(&count_lock);
			return "Out of memory";
		}
		(void)snprintf(p->addr, sizeof(p->addr), "%s", addr);
		p->next = peers;
		peers = p;
	}
	p->n++;
	nsessions++;
	pthread_mutex_unlock(&count_lock);
	return NULL;
}

static void
release(const char *addr)
{
	struct peer **pp, *p;

	pthread_mutex_lock(&count_lock);
	nsessions--;
	for (pp = &peers; (p = *pp) != NULL; pp = &p->next) {
		if (strcmp(p->addr, addr) == 0) {
			if (--p->n == 0) {
				*pp = p->next;
				free(p);
			}
			break;
		}
	}
	pthread_mutex_unlock(&count_lock);
}

static unsigned
active(void)
{
	unsigned n;

	pthread_mutex_lock(&count_lock);
	n = nsessions;
	pthread_mutex_unlock(&count_lock);
	return n;
}

static void *
session_thread(void *arg)
{
	struct job *j = arg;

	session_run(j->fd, &j->ss, j->env);
	release(j->addr);
	env_put(&j->env);
	free(j);
	return NULL;
}

/* The client's address as the per-address table keys it. */
static void
key_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char serv[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), buf,
	    (socklen_t)len, serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		(void)snprintf(buf, len, "unknown");
	if (strncmp(buf, "::ffff:", 7) == 0)
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

static void
refuse(int fd, const struct conf *c, const char *why, const char *addr)
{
	char line[512];
	int n;

	log_warnx("refused [%s]: %s", addr, why);
	n = snprintf(line, sizeof(line), "421 4.7.0 %s %s\r\n", c->hostname,
	    why);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
accept_one(int lfd)
{
	struct job *j;
	struct mxd_env *env;
	const char *why;
	pthread_attr_t attr;
	pthread_t t;
	socklen_t sl;
	int fd;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	sl = sizeof(j->ss);
	if ((fd = accept4(lfd, (struct sockaddr *)&j->ss, &sl,
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		free(j);
		return;
	}
	env = env_get();
	key_addr(&j->ss, j->addr, sizeof(j->addr));
	if ((why = admit(j->addr, env->conf->smtp_max_clients)) != NULL) {
		refuse(fd, env->conf, why, j->addr);
		env_put(&env);
		free(j);
		return;
	}
	j->fd = fd;
	j->env = env;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	if (pthread_create(&t, &attr, session_thread, j) != 0) {
		log_warnx("cannot start a session thread");
		refuse(fd, env->conf, "Out of resources", j->addr);
		release(j->addr);
		env_put(&j->env);
		free(j);
	}
	pthread_attr_destroy(&attr);
}

static void
reload(const char *file)
{
	struct mxd_env *env;
	char err[ERRLEN];

	if (env_load(file, &env, err, sizeof(err)) != 0) {
		log_error("reload refused, old config kept: %s", err);
		return;
	}
	log_set_level(env->conf->log_level);
	(void)maildir_set_hostname(env->conf->hostname);
	env_install(env);
	log_info("config %s reloaded", file);
}

/* Stop: no new sessions, grace seconds for the rest. */
static void
finish(int *lfds, size_t nl, unsigned grace)
{
	struct timespec end, now;
	size_t i;

	for (i = 0; i < nl; i++)
		close(lfds[i]);
	session_set_stopping();
	log_info("stopping: %u session(s), %u s to finish", active(), grace);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += grace;
	while (active() > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= end.tv_sec)
			break;
		(void)poll(NULL, 0, WAIT_TICK_MS);
	}
	if (active() > 0)
		log_warnx("%u session(s) cut off after the grace period",
		    active());
	maildir_pool_drain();		/* UMNT the idle stores */
	log_info("stopped");
}

static void
serve(const char *file, int *lfds, size_t nl, int sfd, unsigned grace)
{
	struct pollfd pfd[CONF_MAX_LISTEN + 1];
	struct signalfd_siginfo si;
	size_t i;

	for (i = 0; i < nl; i++)
		pfd[i] = (struct pollfd){ .fd = lfds[i], .events = POLLIN };
	pfd[nl] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, nl + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[nl].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP)
				reload(file);
			else {
				log_info("signal %u", si.ssi_signo);
				finish(lfds, nl, grace);
				return;
			}
		}
		for (i = 0; i < nl; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(lfds[i]);
	}
}

int
main(int argc, char *argv[])
{
	const char *file = CONF_DEFAULT_FILE, *user = NULL;
	bool fg = false, check = false;
	unsigned grace = MXD_GRACE_DEFAULT;
	struct mxd_env *env;
	char err[ERRLEN];
	int lfds[CONF_MAX_LISTEN], sfd, ch;
	size_t i, nl;
	sigset_t set;

	while ((ch = getopt(argc, argv, "c:fg:p:tu:")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'f':
			fg = true;
			break;
		case 'g':
			grace = number(optarg, 86400);
			break;
		case 'p':
			per_addr = number(optarg, 1000000);
			if (per_addr == 0)
				usage();
			break;
		case 't':
			check = true;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(MXD_NAME, fg || check, LOG_LVL_INFO);
	if (env_load(file, &env, err, sizeof(err)) != 0) {
		fprintf(stderr, "mxd: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: ok\n", file);
		env_put(&env);
		return 0;
	}
	log_set_level(env->conf->log_level);
	if (maildir_set_hostname(env->conf->hostname) != MAILDIR_OK)
		fatalx("hostname %s: not usable in Maildir names",
		    env->conf->hostname);
	if (getuid() == 0 && user == NULL)
		log_warnx("running as root: give -u USER to drop privileges");
	nl = env->conf->nsmtp_listen;
	for (i = 0; i < nl; i++)
		lfds[i] = daemon_listen(&env->conf->smtp_listen[i], MXD_LISTEN_BACKLOG);
	if (user != NULL)
		daemon_drop_privileges(user);
	if (!fg && daemon(0, 0) == -1)
		fatal("daemon");
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("signals");
	(void)signal(SIGPIPE, SIG_IGN);
	env_install(env);
	log_info("started, %zu address(es), max %u sessions, %u per address",
	    nl, env->conf->smtp_max_clients, per_addr);
	serve(file, lfds, nl, sfd, grace);
	close(sfd);
	env_install(NULL);
	return 0;
}
