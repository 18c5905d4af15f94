/*
 * main.c - pop3d, the POP3 front end of the mail cluster:
 *
 *	pop3d [-fPt] [-c /etc/mailcluster.conf] [-u user]
 *
 * -f stays in the foreground and logs to stderr (else: daemon, syslog);
 * -t checks the config file and exits 0, or 1 naming file and line;
 * -u drops to that user (and its group) once the ports are bound;
 * -P allows plain-text logins without TLS from any address (default:
 * only after STLS or from loopback).
 *
 * The main thread accepts connections on every pop3_listen address and
 * starts a detached thread per session, at most pop3_max_clients at
 * once (more are answered -ERR [SYS/TEMP] and closed).  Signals arrive
 * through a signalfd: SIGHUP reloads the config (a bad file is refused
 * and the old one stays; new sessions get the new settings, the listen
 * addresses stay as bound; the userdb cdb is reopened at every login
 * anyway), SIGTERM or SIGINT stop accepting and give the sessions in
 * flight POP3_GRACE_SECS to finish before the process exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "pop3d.h"

#define POP3_BACKLOG		128
#define POP3_STACK_SIZE		(512 * 1024)
#define BUSY_REPLY		"-ERR [SYS/TEMP] too many connections\r\n"

atomic_bool pop3_shutdown;

static pthread_mutex_t	 cfg_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct pop3_cfg	*cfg_current;
static pthread_mutex_t	 count_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 count_cv = PTHREAD_COND_INITIALIZER;
static unsigned		 nsessions;
static atomic_ulong	 next_id = 1;
static bool		 opt_plaintext;

struct pop3_cfg *
cfg_acquire(void)
{
	struct pop3_cfg *c;

	pthread_mutex_lock(&cfg_mtx);
	c = cfg_current;
	atomic_fetch_add(&c->refs, 1);
	pthread_mutex_unlock(&cfg_mtx);
	return c;
}

void
cfg_release(struct pop3_cfg **cp)
{
	struct pop3_cfg *c = *cp;

	*cp = NULL;
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	conf_free(&c->conf);
	if (c->tls != NULL)
		SSL_CTX_free(c->tls);
	free(c);
}

/* Load file into a new cfg; NULL with err. */
static struct pop3_cfg *
cfg_load(const char *file, char *err, size_t errlen)
{
	struct pop3_cfg *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&c->refs, 1);
	c->plaintext_anywhere = opt_plaintext;
	if (conf_load(file, CONF_USES_POP3D, &c->conf, err, errlen) == -1) {
		free(c);
		return NULL;
	}
	if ((c->conf->tls_cert == NULL) != (c->conf->tls_key == NULL)) {
		(void)snprintf(err, errlen, "%s: tls_cert and tls_key go "
		    "together", file);
		cfg_release(&c);
		return NULL;
	}
	if (c->conf->tls_cert != NULL && (c->tls = daemon_tls_ctx(
	    c->conf->tls_cert, c->conf->tls_key, err, errlen)) == NULL) {
		cfg_release(&c);
		return NULL;
	}
	return c;
}

static void
cfg_install(struct pop3_cfg *c)
{
	struct pop3_cfg *old;

	pthread_mutex_lock(&cfg_mtx);
	old = cfg_current;
	cfg_current = c;
	pthread_mutex_unlock(&cfg_mtx);
	log_set_level(c->conf->log_level);
	if (c->conf->hostname != NULL)
		(void)maildir_set_hostname(c->conf->hostname);
	cfg_release(&old);
}

static void
describe_peer(struct pop3_session *s, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *in4 = (const void *)ss;
	const struct sockaddr_in6 *in6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		(void)inet_ntop(AF_INET, &in4->sin_addr, s->peer,
		    sizeof(s->peer));
		s->loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	} else if (ss->ss_family == AF_INET6) {
		(void)inet_ntop(AF_INET6, &in6->sin6_addr, s->peer,
		    sizeof(s->peer));
		s->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
		    in6->sin6_addr.s6_addr[12] == 127);
	} else
		(void)snprintf(s->peer, sizeof(s->peer), "?");
}

static void *
session_thread(void *arg)
{
	struct pop3_session *s = arg;

	session_log(s, LOG_LVL_INFO, "connection from %s", s->peer);
	session_run(s);
	session_log(s, LOG_LVL_DEBUG, "closed");
	(void)close(s->fd);
	cfg_release(&s->cfg);
	free(s);
	pthread_mutex_lock(&count_mtx);
	nsessions--;
	pthread_cond_signal(&count_cv);
	pthread_mutex_unlock(&count_mtx);
	return NULL;
}

static void
accept_one(int lfd, pthread_attr_t *attr)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct pop3_session *s;
	pthread_t t;
	unsigned max;
	int fd;

	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)close(fd);
		return;
	}
	s->fd = fd;
	s->cfg = cfg_acquire();
	s->id = atomic_fetch_add(&next_id, 1);
	describe_peer(s, &ss);
	max = s->cfg->conf->pop3_max_clients;
	pthread_mutex_lock(&count_mtx);
	if (nsessions >= max) {
		pthread_mutex_unlock(&count_mtx);
		log_warnx("session %lu: %s refused: %u sessions", s->id,
		    s->peer, max);
		(void)!write(fd, BUSY_REPLY, sizeof(BUSY_REPLY) - 1);
		goto fail;
	}
	nsessions++;
	pthread_mutex_unlock(&count_mtx);
	if (pthread_create(&t, attr, session_thread, s) != 0) {
		log_warnx("session %lu: cannot start a thread", s->id);
		pthread_mutex_lock(&count_mtx);
		nsessions--;
		pthread_mutex_unlock(&count_mtx);
		goto fail;
	}
	return;
fail:
	(void)close(fd);
	cfg_release(&s->cfg);
	free(s);
}

static void
reload(const char *file)
{
	struct pop3_cfg *c;
	char err[1024];

	if ((c = cfg_load(file, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, old config kept: %s", err);
		return;
	}
	cfg_install(c);
	log_info("%s reloaded", file);
}

/* SIGTERM: wait for the sessions, at most POP3_GRACE_SECS. */
static void
drain(void)
{
	struct timespec until;
	unsigned left;

	atomic_store(&pop3_shutdown, true);
	(void)clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POP3_GRACE_SECS;
	pthread_mutex_lock(&count_mtx);
	while (nsessions > 0 &&
	    pthread_cond_timedwait(&count_cv, &count_mtx, &until) == 0)
		continue;
	left = nsessions;
	pthread_mutex_unlock(&count_mtx);
	if (left > 0)
		log_warnx("exiting with %u sessions still open", left);
}

static void
serve(const char *file, int *lfds, size_t nl, int sfd)
{
	struct pollfd pfd[CONF_MAX_LISTEN + 1];
	struct signalfd_siginfo si;
	pthread_attr_t attr;
	size_t i;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, POP3_STACK_SIZE);
	for (i = 0; i < nl; i++)
		pfd[i] = (struct pollfd){ .fd = lfds[i], .events = POLLIN };
	pfd[nl] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, nl + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		for (i = 0; i < nl; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(lfds[i], &attr);
		if (!(pfd[nl].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(file);
			continue;
		}
		log_info("signal %u: no new sessions, %d s for the rest",
		    si.ssi_signo, POP3_GRACE_SECS);
		break;
	}
	for (i = 0; i < nl; i++)
		(void)close(lfds[i]);
	pthread_attr_destroy(&attr);
	drain();
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pop3d [-fPt] [-c config] [-u user]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	const char *file = CONF_DEFAULT_FILE, *user = NULL;
	bool fg = false, check = false;
	int lfds[CONF_MAX_LISTEN], sfd, ch;
	struct pop3_cfg *c;
	char err[1024];
	sigset_t set;
	size_t i, nl;

	while ((ch = getopt(argc, argv, "c:fPtu:h")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'f':
			fg = true;
			break;
		case 'P':
			opt_plaintext = true;
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
	log_init("pop3d", true, LOG_LVL_INFO);
	if ((c = cfg_load(file, err, sizeof(err))) == NULL) {
		fprintf(stderr, "pop3d: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: OK\n", file);
		cfg_release(&c);
		return 0;
	}
	if (auth_init() == -1)
		fatalx("cannot make the dummy password hash");
	nl = c->conf->npop3_listen;
	for (i = 0; i < nl; i++)
		lfds[i] = daemon_listen(&c->conf->pop3_listen[i], POP3_BACKLOG);
	if (!fg && daemon(0, 0) == -1)
		fatal("daemon");
	log_init("pop3d", fg, c->conf->log_level);
	if (user != NULL)
		daemon_drop_privileges(user);
	cfg_install(c);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		fatal("signals");
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nl; i++)
		log_info("listening on %s:%u", c->conf->pop3_listen[i].host,
		    c->conf->pop3_listen[i].port);
	serve(file, lfds, nl, sfd);
	maildir_pool_drain();		/* UMNT the idle stores */
	(void)close(sfd);
	log_info("exiting");
	return 0;
}
