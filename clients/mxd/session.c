/*
 * session.c - one SMTP session (RFC 5321): the greeting, the command
 * loop with pipelined replies (RFC 2920: replies are sent when no
 * more input is buffered), EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
 * QUIT, VRFY, HELP and STARTTLS, the DATA phase feeding smtp_data and
 * deliver.c, and the limits: errors per session, recipients, message
 * size, line lengths and the idle timeout.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mxd.h"

#define DATA_CHUNK	(64 * 1024)	/* content passed to deliver.c */
#define HDR_MAX		(2 * SMTP_PATH_MAX + MXD_HELO_MAX + 512)
#define REPLY_MAX	512		/* RFC 5321 4.5.3.1.5 */

static volatile bool stopping;

bool
session_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_RELAXED);
}

void
session_set_stopping(void)
{
	__atomic_store_n(&stopping, true, __ATOMIC_RELAXED);
}

static int
flush(struct mxd_session *s)
{
	int r;

	if (s->olen == 0)
		return 0;
	r = io_write(s, s->obuf, s->olen);
	s->olen = 0;
	return r;
}

/* Queue one reply line (CRLF added). */
static void reply(struct mxd_session *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct mxd_session *s, const char *fmt, ...)
{
	char line[REPLY_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	log_debug("session %s: > %.*s", s->id, n, line);
	line[n++] = '\r';
	line[n++] = '\n';
	if (s->olen + (size_t)n > sizeof(s->obuf))
		(void)flush(s);
	memcpy(s->obuf + s->olen, line, (size_t)n);
	s->olen += (size_t)n;
}

/* A 5xx for a bad command; too many of them end the session. */
static void error_reply(struct mxd_session *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
error_reply(struct mxd_session *s, const char *fmt, ...)
{
	char line[REPLY_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (++s->errors > MXD_MAX_ERRORS) {
		reply(s, "421 4.7.0 %s Too many errors, closing",
		    s->env->conf->hostname);
		log_info("session %s: too many errors", s->id);
		s->quit = true;
		return;
	}
	reply(s, "%s", line);
}

static void
tx_reset(struct mxd_session *s)
{
	free(s->tx.rcpts);
	s->tx.rcpts = NULL;
	s->tx.nrcpts = 0;
	s->tx.active = false;
	memset(&s->tx.from, 0, sizeof(s->tx.from));
	memset(&s->tx.params, 0, sizeof(s->tx.params));
}

static void
do_helo(struct mxd_session *s, const struct smtp_cmd *cmd, bool ehlo)
{
	const struct conf *c = s->env->conf;

	if (*cmd->arg == '\0' || !smtp_valid_helo(cmd->arg)) {
		error_reply(s, "501 5.5.4 Syntax: %s hostname",
		    ehlo ? "EHLO" : "HELO");
		return;
	}
	tx_reset(s);
	(void)snprintf(s->helo, sizeof(s->helo), "%s", cmd->arg);
	s->esmtp = ehlo;
	if (!ehlo) {
		reply(s, "250 %s", c->hostname);
		return;
	}
	reply(s, "250-%s Hello %s [%s]", c->hostname, s->helo, s->addr);
	reply(s, "250-PIPELINING");
	reply(s, "250-SIZE %llu", (unsigned long long)c->max_message_size);
	reply(s, "250-8BITMIME");
	if (s->env->tls != NULL && s->ssl == NULL)
		reply(s, "250-STARTTLS");
	reply(s, "250 ENHANCEDSTATUSCODES");
}

static void
path_error(struct mxd_session *s, enum smtp_perr e, bool mail)
{
	switch (e) {
	case SMTP_P_SYNTAX:
		error_reply(s, "501 5.5.2 Syntax: %s", mail ?
		    "MAIL FROM:<address>" : "RCPT TO:<address>");
		break;
	case SMTP_P_TOOLONG:
		error_reply(s, "501 5.1.%d Address too long", mail ? 7 : 3);
		break;
	case SMTP_P_PARAM:
		error_reply(s, "555 5.5.4 Unsupported parameter");
		break;
	case SMTP_P_NULLPATH:
		error_reply(s, "501 5.1.3 Null recipient not allowed");
		break;
	default:
		error_reply(s, "501 5.1.%d Bad address syntax", mail ? 7 : 3);
		break;
	}
}

static void
do_mail(struct mxd_session *s, const struct smtp_cmd *cmd)
{
	const struct conf *c = s->env->conf;
	enum smtp_perr e;

	if (s->helo[0] == '\0') {
		error_reply(s, "503 5.5.1 Send HELO/EHLO first");
		return;
	}
	if (s->tx.active) {
		error_reply(s, "503 5.5.1 Nested MAIL command");
		return;
	}
	e = smtp_parse_mail(cmd->arg, &s->tx.from, &s->tx.params);
	if (e == SMTP_P_OK && !s->esmtp &&
	    (s->tx.params.has_size || s->tx.params.body != SMTP_BODY_NONE))
		e = SMTP_P_PARAM;	/* parameters need EHLO */
	if (e != SMTP_P_OK) {
		path_error(s, e, true);
		return;
	}
	if (s->tx.params.has_size && s->tx.params.size > c->max_message_size) {
		reply(s, "552 5.3.4 Message size exceeds fixed limit of %llu",
		    (unsigned long long)c->max_message_size);
		return;
	}
	s->tx.active = true;
	log_info("session %s: from=<%s> size=%llu", s->id, s->tx.from.addr,
	    (unsigned long long)s->tx.params.size);
	reply(s, "250 2.1.0 Ok");
}

/* The userdb name of a local part: lowercased; false if impossible. */
static bool
local_name(const char *local, char *name, size_t len)
{
	size_t i;

	if (strlen(local) >= len)
		return false;
	for (i = 0; local[i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)local[i]);
	name[i] = '\0';
	return userdb_name_valid(name);
}

/* Add the looked-up user u as a recipient. */
static void
add_rcpt(struct mxd_session *s, const struct smtp_path *p,
    const struct userdb_user *u)
{
	struct mxd_rcpt *r, *n;
	size_t i;

	for (i = 0; i < s->tx.nrcpts; i++) {
		if (strcmp(s->tx.rcpts[i].name, u->name) == 0) {
			reply(s, "250 2.1.5 Ok (duplicate)");
			return;
		}
	}
	n = reallocarray(s->tx.rcpts, s->tx.nrcpts + 1, sizeof(*n));
	if (n == NULL) {
		reply(s, "452 4.3.0 Out of memory");
		return;
	}
	s->tx.rcpts = n;
	r = &n[s->tx.nrcpts];
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->addr, sizeof(r->addr), "%s", p->addr);
	(void)snprintf(r->name, sizeof(r->name), "%s", u->name);
	(void)snprintf(r->home, sizeof(r->home), "%s", u->home);
	r->uid = u->uid;
	r->gid = u->gid;
	s->tx.nrcpts++;
	log_info("session %s: to=<%s> user=%s", s->id, p->addr, u->name);
	reply(s, "250 2.1.5 Ok");
}

static void
do_rcpt(struct mxd_session *s, const struct smtp_cmd *cmd)
{
	const struct conf *c = s->env->conf;
	struct smtp_path p;
	struct userdb_user *u = NULL;
	char name[USERDB_MAX_NAME + 1], err[256];
	enum smtp_perr e;
	int r;

	if (!s->tx.active) {
		error_reply(s, "503 5.5.1 Need MAIL before RCPT");
		return;
	}
	if ((e = smtp_parse_rcpt(cmd->arg, &p)) != SMTP_P_OK) {
		path_error(s, e, false);
		return;
	}
	if (s->tx.nrcpts >= c->smtp_max_recipients) {
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if (p.domain[0] != '\0' && !conf_is_local_domain(c, p.domain)) {
		log_info("session %s: relay to <%s> denied", s->id, p.addr);
		reply(s, "550 5.7.1 <%s>: Relaying denied", p.addr);
		return;
	}
	if (!local_name(p.local, name, sizeof(name)) ||
	    (r = env_lookup(s->env, name, &u, err, sizeof(err))) ==
	    USERDB_NOTFOUND) {
		log_info("session %s: unknown user <%s>", s->id, p.addr);
		reply(s, "550 5.1.1 <%s>: Recipient address rejected: "
		    "User unknown", p.addr);
		return;
	}
	if (r != USERDB_OK) {
		log_warnx("session %s: userdb: %s", s->id, err);
		reply(s, "451 4.3.0 <%s>: Temporary lookup failure", p.addr);
		return;
	}
	add_rcpt(s, &p, u);
	userdb_user_free(&u);
}

/* Return-Path: and Received: into buf; their length. */
static size_t
trace_headers(struct mxd_session *s, char *buf, size_t len)
{
	const struct mxd_tx *tx = &s->tx;
	char date[64], forwhom[SMTP_PATH_MAX + 16] = "";
	time_t now = time(NULL);
	struct tm tm;
	int n;

	localtime_r(&now, &tm);
	if (strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm) ==
	    0)
		date[0] = '\0';
	if (tx->nrcpts == 1)
		(void)snprintf(forwhom, sizeof(forwhom), "\r\n\tfor <%s>",
		    tx->rcpts[0].addr);
	n = snprintf(buf, len, "Return-Path: <%s>\r\n"
	    "Received: from %s ([%s])\r\n"
	    "\tby %s (%s) with %s%s id %s.%u%s;\r\n\t%s\r\n",
	    tx->from.addr, s->helo, s->addr, s->env->conf->hostname, MXD_NAME,
	    s->esmtp ? "ESMTP" : "SMTP", s->ssl != NULL ? "S" : "", s->id,
	    tx->n, forwhom, date);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

/*
 * The DATA phase: content from the input buffer and further reads into
 * the copies, until CRLF.CRLF.  Returns -1 when the connection is lost.
 */
static int
read_data(struct mxd_session *s, struct mxd_msg **mp, struct smtp_data *d)
{
	const struct conf *c = s->env->conf;
	char *out;
	size_t used, olen;
	ssize_t n;

	if ((out = malloc(MXD_IBUF + SMTP_DATA_SLACK)) == NULL)
		return -1;
	smtp_data_init(d);
	while (!smtp_data_done(d)) {
		if (s->ipos == s->ilen) {
			if (flush(s) != 0)
				break;
			n = io_read(s, s->ibuf, sizeof(s->ibuf),
			    c->smtp_idle_timeout, false);
			if (n <= 0) {
				log_info("session %s: %s during DATA", s->id,
				    n == -2 ? "timeout" : "connection lost");
				if (n == -2)
					reply(s, "421 4.4.2 %s Timeout, "
					    "closing", c->hostname);
				break;
			}
			s->ipos = 0;
			s->ilen = (size_t)n;
		}
		used = smtp_data_feed(d, s->ibuf + s->ipos, s->ilen - s->ipos,
		    out, &olen);
		s->ipos += used;
		if (*mp != NULL && d->size > c->max_message_size)
			deliver_abort(mp);
		if (*mp != NULL)
			deliver_write(*mp, out, olen);
	}
	free(out);
	return smtp_data_done(d) ? 0 : -1;
}

static void
do_data(struct mxd_session *s, const struct smtp_cmd *cmd)
{
	const struct conf *c = s->env->conf;
	struct mxd_msg *m;
	struct smtp_data d;
	char hdr[HDR_MAX];
	size_t hlen;
	int r;

	if (*cmd->arg != '\0') {
		error_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (!s->tx.active || s->tx.nrcpts == 0) {
		error_reply(s, "503 5.5.1 Need %s first", s->tx.active ?
		    "RCPT" : "MAIL");
		return;
	}
	s->tx.n++;
	if ((m = deliver_begin(s)) == NULL) {
		reply(s, "451 4.3.0 Mailbox temporarily unavailable, try "
		    "again later");
		tx_reset(s);
		return;
	}
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
	hlen = trace_headers(s, hdr, sizeof(hdr));
	deliver_write(m, hdr, hlen);
	if (read_data(s, &m, &d) != 0) {
		deliver_abort(&m);
		s->quit = true;
		return;
	}
	if (d.nul) {
		deliver_abort(&m);
		reply(s, "554 5.6.0 NUL octets are not allowed in messages");
	} else if (d.bare_lf) {
		deliver_abort(&m);
		reply(s, "550 5.6.0 Bare <LF> received; lines must end "
		    "with <CR><LF>");
	} else if (d.toolong) {
		deliver_abort(&m);
		reply(s, "500 5.5.6 Line too long (over %d octets with CRLF)",
		    SMTP_TEXT_LINE_MAX);
	} else if (d.size > c->max_message_size || m == NULL) {
		deliver_abort(&m);
		reply(s, "552 5.3.4 Message size exceeds fixed limit of %llu",
		    (unsigned long long)c->max_message_size);
	} else if ((r = deliver_commit(s, &m)) != MAILDIR_OK) {
		log_warnx("session %s: message %u not delivered: %s", s->id,
		    s->tx.n, maildir_strstatus(r));
		reply(s, "451 4.3.0 Local error in processing, try again "
		    "later");
	} else {
		log_info("session %s: message %u: %llu octets to %zu "
		    "recipient(s)", s->id, s->tx.n,
		    (unsigned long long)d.size, s->tx.nrcpts);
		reply(s, "250 2.0.0 Ok: delivered as %s.%u", s->id, s->tx.n);
	}
	tx_reset(s);
}

static void
do_starttls(struct mxd_session *s, const struct smtp_cmd *cmd)
{
	if (s->env->tls == NULL || s->ssl != NULL) {
		error_reply(s, "502 5.5.1 STARTTLS not available");
		return;
	}
	if (*cmd->arg != '\0') {
		error_reply(s, "501 5.5.4 Syntax: STARTTLS");
		return;
	}
	reply(s, "220 2.0.0 Ready to start TLS");
	if (flush(s) != 0) {
		s->quit = true;
		return;
	}
	/* Plaintext pipelined after STARTTLS is discarded (CVE-2011-0411). */
	if (s->ipos < s->ilen)
		log_info("session %s: %zu octets after STARTTLS discarded",
		    s->id, s->ilen - s->ipos);
	s->ipos = s->ilen = 0;
	smtp_line_reset(&s->line);
	if (tls_start(s) != 0) {
		s->io_failed = true;
		s->quit = true;
		return;
	}
	/* RFC 3207 4.2: forget everything learnt before. */
	tx_reset(s);
	s->helo[0] = '\0';
	s->esmtp = false;
}

static void
do_command(struct mxd_session *s, const char *line)
{
	struct smtp_cmd cmd;

	smtp_cmd_parse(line, &cmd);
	log_debug("session %s: < %s", s->id, line);
	switch (cmd.verb) {
	case SMTP_V_HELO:
	case SMTP_V_EHLO:
		do_helo(s, &cmd, cmd.verb == SMTP_V_EHLO);
		break;
	case SMTP_V_MAIL:
		do_mail(s, &cmd);
		break;
	case SMTP_V_RCPT:
		do_rcpt(s, &cmd);
		break;
	case SMTP_V_DATA:
		do_data(s, &cmd);
		break;
	case SMTP_V_RSET:
		tx_reset(s);
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_V_NOOP:
		reply(s, "250 2.0.0 Ok");
		break;
	case SMTP_V_QUIT:
		reply(s, "221 2.0.0 %s Bye", s->env->conf->hostname);
		s->quit = true;
		break;
	case SMTP_V_VRFY:
		reply(s, "252 2.5.0 Cannot VRFY user, but will accept "
		    "message and attempt delivery");
		break;
	case SMTP_V_EXPN:
		error_reply(s, "502 5.5.1 EXPN not implemented");
		break;
	case SMTP_V_HELP:
		reply(s, "214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET");
		reply(s, "214 2.0.0 NOOP QUIT VRFY HELP%s",
		    s->env->tls != NULL ? " STARTTLS" : "");
		break;
	case SMTP_V_STARTTLS:
		do_starttls(s, &cmd);
		break;
	default:
		error_reply(s, "500 5.5.2 Syntax error, command unrecognized");
		break;
	}
}

/* Handle the complete lines in the input buffer. */
static void
run_buffered(struct mxd_session *s)
{
	enum smtp_line_status st;
	size_t used;

	while (s->ipos < s->ilen && !s->quit) {
		st = smtp_line_feed(&s->line, s->ibuf + s->ipos,
		    s->ilen - s->ipos, &used);
		s->ipos += used;
		switch (st) {
		case SMTP_LINE_MORE:
			break;
		case SMTP_LINE_TOOLONG:
			error_reply(s, "500 5.5.2 Line too long");
			break;
		case SMTP_LINE_NUL:
			error_reply(s, "500 5.5.2 NUL octet in command");
			break;
		case SMTP_LINE_DONE:
			do_command(s, s->line.buf);
			break;
		}
	}
}

static void
make_id(char *id)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[MXD_ID_LEN / 2];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		id[2 * i] = hex[rnd[i] >> 4];
		id[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	id[MXD_ID_LEN] = '\0';
}

static void
print_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		a = &s6->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			(void)inet_ntop(AF_INET, (const char *)a + 12, buf,
			    (socklen_t)len);
			return;
		}
	} else
		a = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		(void)snprintf(buf, len, "unknown");
}

void
session_run(int fd, const struct sockaddr_storage *ss, struct mxd_env *env)
{
	struct mxd_session *s;
	struct timeval tv;
	ssize_t n;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return;
	}
	s->fd = fd;
	s->env = env;
	make_id(s->id);
	print_addr(ss, s->addr, sizeof(s->addr));
	smtp_line_reset(&s->line);
	tv.tv_sec = env->conf->smtp_idle_timeout;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	log_info("session %s: connect from [%s]", s->id, s->addr);
	reply(s, "220 %s ESMTP %s", env->conf->hostname, MXD_NAME);
	while (!s->quit && !s->io_failed) {
		run_buffered(s);
		if (s->quit)
			break;
		if (flush(s) != 0)
			break;
		n = io_read(s, s->ibuf, sizeof(s->ibuf),
		    env->conf->smtp_idle_timeout,
		    s->line.len == 0 || s->line.complete);
		if (n == -2)
			reply(s, "421 4.4.2 %s Timeout, closing",
			    env->conf->hostname);
		else if (n == -3)
			reply(s, "421 4.3.2 %s Service shutting down",
			    env->conf->hostname);
		if (n <= 0) {
			log_info("session %s: %s", s->id, n == 0 ? "eof" :
			    n == -2 ? "timeout" : n == -3 ? "shutdown" :
			    "read error");
			break;
		}
		s->ipos = 0;
		s->ilen = (size_t)n;
	}
	(void)flush(s);
	log_info("session %s: closed", s->id);
	tx_reset(s);
	deliver_close_stores(s);
	tls_end(s);
	close(fd);
	free(s);
}
