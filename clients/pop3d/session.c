/*
 * session.c - one POP3 session on its own thread: the greeting, reading
 * command lines (plain or TLS, with the RFC 1939 autologout timer),
 * buffered replies, and the AUTHORIZATION-state commands (CAPA, STLS,
 * QUIT; the login commands are in auth.c, TRANSACTION in mailbox.c).
 *
 * On SIGTERM a session goes on while commands keep coming, but waits
 * at most POP3_SHUTDOWN_IDLE seconds for the next one; main.c gives
 * all of them POP3_GRACE_SECS.  A session that ends without QUIT
 * deletes nothing.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pop3d.h"

#define POP3_SHUTDOWN_IDLE	5	/* seconds, once SIGTERM came */
#define POP3_WRITE_TIMEOUT	120	/* seconds a peer may not read */
#define POP3_MAX_REPLY		512	/* RFC 2449: a response line */

void
session_log(const struct pop3_session *s, enum log_level lvl,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!log_enabled(lvl))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	switch (lvl) {
	case LOG_LVL_ERROR:
		log_error("session %lu: %s", s->id, msg);
		break;
	case LOG_LVL_WARN:
		log_warnx("session %lu: %s", s->id, msg);
		break;
	case LOG_LVL_INFO:
		log_info("session %lu: %s", s->id, msg);
		break;
	default:
		log_debug("session %lu: %s", s->id, msg);
		break;
	}
}

/* Wait until fd is ready for events; 0 ready, -1 timeout or error. */
static int
wait_fd(int fd, short events, int timeout_s)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&pfd, 1, timeout_s * 1000);
	} while (r == -1 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

static int
raw_write(struct pop3_session *s, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (s->ssl != NULL)
			n = tls_write(s, buf, len);
		else if ((n = write(s->fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
			    wait_fd(s->fd, POLLOUT, POP3_WRITE_TIMEOUT) == 0)
				continue;
		}
		if (n <= 0) {
			s->failed = true;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
session_flush(struct pop3_session *s)
{
	int r;

	if (s->failed)
		return -1;
	r = raw_write(s, s->out, s->outlen);
	s->outlen = 0;
	return r;
}

int
session_write(struct pop3_session *s, const void *buf, size_t len)
{
	if (s->failed)
		return -1;
	if (s->outlen + len > sizeof(s->out)) {
		if (session_flush(s) == -1)
			return -1;
		if (len > sizeof(s->out))
			return raw_write(s, buf, len);
	}
	memcpy(s->out + s->outlen, buf, len);
	s->outlen += len;
	return 0;
}

int
session_reply(struct pop3_session *s, const char *fmt, ...)
{
	char line[POP3_MAX_REPLY];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(line) - 2)
		n = (int)sizeof(line) - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	return session_write(s, line, (size_t)n);
}

/* Fill the input buffer: 1 data, 0 end/timeout/shutdown, -1 error. */
static int
fill_input(struct pop3_session *s)
{
	time_t deadline, now;
	ssize_t n;
	int wait;

	deadline = time(NULL) + s->cfg->conf->pop3_idle_timeout;
	for (;;) {
		if (s->ssl != NULL)
			n = tls_read(s, s->in, sizeof(s->in));
		else
			n = read(s->fd, s->in, sizeof(s->in));
		if (n > 0) {
			s->inpos = 0;
			s->inlen = (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (s->ssl == NULL && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (s->ssl != NULL && n == -1)
			return -1;
		now = time(NULL);
		if (atomic_load(&pop3_shutdown) &&
		    deadline > now + POP3_SHUTDOWN_IDLE)
			deadline = now + POP3_SHUTDOWN_IDLE;
		if (now >= deadline)
			return 0;
		wait = POP3_POLL_MS / 1000;
		(void)wait_fd(s->fd, POLLIN, wait);
	}
}

/* The next command line into s->line: 1, or 0 to end the session. */
static int
read_line(struct pop3_session *s)
{
	enum pop3_line_status st;
	size_t used;

	for (;;) {
		if (s->inpos == s->inlen && fill_input(s) != 1)
			return 0;
		st = pop3_line_feed(&s->line, s->in + s->inpos,
		    s->inlen - s->inpos, &used);
		s->inpos += used;
		if (st == POP3_LINE_DONE)
			return 1;
		if (st == POP3_LINE_TOOLONG) {
			(void)session_reply(s, "-ERR line too long");
			if (++s->bad_cmds >= POP3_MAX_BAD_CMDS)
				return 0;
		}
	}
}

/* The next line for a continuation (AUTH): NULL when gone. */
const char *
session_read_line(struct pop3_session *s)
{
	if (session_flush(s) == -1 || read_line(s) != 1)
		return NULL;
	return s->line.buf;
}

static void
do_capa(struct pop3_session *s)
{
	bool plain = s->state == POP3_AUTHORIZATION && auth_plaintext_ok(s);

	(void)session_reply(s, "+OK capability list follows");
	(void)session_reply(s, "TOP");
	(void)session_reply(s, "UIDL");
	(void)session_reply(s, "RESP-CODES");
	(void)session_reply(s, "PIPELINING");
	(void)session_reply(s, "AUTH-RESP-CODE");
	(void)session_reply(s, "EXPIRE NEVER");
	(void)session_reply(s, "LOGIN-DELAY 0");
	if (plain) {
		(void)session_reply(s, "USER");
		(void)session_reply(s, "SASL PLAIN");
	}
	if (s->state == POP3_AUTHORIZATION && s->ssl == NULL &&
	    s->cfg->tls != NULL)
		(void)session_reply(s, "STLS");
	(void)session_reply(s, "IMPLEMENTATION mailnfs-pop3d");
	(void)session_reply(s, ".");
}

static void
do_stls(struct pop3_session *s)
{
	if (s->ssl != NULL || s->cfg->tls == NULL) {
		(void)session_reply(s, "-ERR STLS not available");
		return;
	}
	if (s->user[0] != '\0') {
		(void)session_reply(s, "-ERR STLS after USER");
		return;
	}
	(void)session_reply(s, "+OK begin TLS negotiation");
	if (session_flush(s) == -1)
		return;
	/* RFC 2595 / CVE-2011-0411: nothing sent before TLS counts. */
	s->inpos = s->inlen = 0;
	pop3_line_reset(&s->line);
	if (tls_start(s) == -1) {
		session_log(s, LOG_LVL_INFO, "TLS handshake failed");
		s->failed = true;
		return;
	}
	session_log(s, LOG_LVL_DEBUG, "TLS started: %s",
	    SSL_get_version(s->ssl));
}

static bool
bad_command(struct pop3_session *s, const char *msg)
{
	(void)session_reply(s, "-ERR %s", msg);
	return ++s->bad_cmds < POP3_MAX_BAD_CMDS;
}

/* One command in AUTHORIZATION; false ends the session. */
static bool
authorization(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	switch (cmd->verb) {
	case POP3_CAPA:
		do_capa(s);
		break;
	case POP3_STLS:
		do_stls(s);
		break;
	case POP3_USER:
		auth_user(s, cmd);
		break;
	case POP3_PASS:
		auth_pass(s, cmd);
		break;
	case POP3_AUTH:
		auth_sasl(s, cmd);
		break;
	case POP3_QUIT:
		(void)session_reply(s, "+OK bye");
		return false;
	case POP3_APOP:
		(void)session_reply(s, "-ERR APOP not supported");
		break;
	default:
		return bad_command(s, "not allowed before login");
	}
	return s->auth_fails < POP3_AUTH_MAX_FAILS && !s->failed;
}

/* One command in TRANSACTION; false ends the session. */
static bool
transaction(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	switch (cmd->verb) {
	case POP3_CAPA:
		do_capa(s);
		return true;
	case POP3_QUIT:
		s->state = POP3_UPDATE;
		mailbox_update(s);
		return false;
	case POP3_USER:
	case POP3_PASS:
	case POP3_AUTH:
	case POP3_APOP:
	case POP3_STLS:
		return bad_command(s, "already logged in");
	default:
		mailbox_touch(s);
		mailbox_command(s, cmd);
		return !s->failed;
	}
}

void
session_run(struct pop3_session *s)
{
	struct pop3_cmd cmd;
	bool go = true;

	pop3_line_reset(&s->line);
	s->state = POP3_AUTHORIZATION;
	(void)session_reply(s, "+OK POP3 server ready");
	while (go && !s->failed) {
		if (session_flush(s) == -1 || read_line(s) != 1)
			break;
		if (pop3_parse(s->line.buf, &cmd) == -1) {
			go = bad_command(s, cmd.verb == POP3_BAD ?
			    "unknown command" : "syntax error");
			continue;
		}
		session_log(s, LOG_LVL_DEBUG, "%s", pop3_verb_name(cmd.verb));
		if (s->state == POP3_AUTHORIZATION)
			go = authorization(s, &cmd);
		else
			go = transaction(s, &cmd);
	}
	(void)session_flush(s);
	if (s->state == POP3_TRANSACTION)
		session_log(s, LOG_LVL_INFO, "%s: ended without QUIT, "
		    "nothing deleted", s->user);
	mailbox_close(s);
	tls_end(s);
}
