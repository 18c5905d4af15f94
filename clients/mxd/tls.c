/*
 * tls.c - STARTTLS (RFC 3207) with OpenSSL, and a session's reads and
 * writes, plain or through TLS.  Reads wait in MXD_TICK_MS slices so
 * that an idle session notices SIGTERM; the socket's SO_RCVTIMEO and
 * SO_SNDTIMEO (set by session.c) bound any single blocking call.  The
 * context comes from clients/daemon (TLS 1.2 at least).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "daemon.h"
#include "mxd.h"

int
tls_start(struct mxd_session *s)
{
	char err[512];
	struct timeval tv = { .tv_sec = MXD_TLS_TIMEOUT };

	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if ((s->ssl = SSL_new(s->env->tls)) == NULL ||
	    SSL_set_fd(s->ssl, s->fd) != 1 || SSL_accept(s->ssl) != 1) {
		daemon_ssl_error(err, sizeof(err), "handshake", "STARTTLS");
		log_info("session %s: %s", s->id, err);
		return -1;
	}
	tv.tv_sec = s->env->conf->smtp_idle_timeout;
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	log_info("session %s: TLS %s %s", s->id, SSL_get_version(s->ssl),
	    SSL_get_cipher_name(s->ssl));
	return 0;
}

void
tls_end(struct mxd_session *s)
{
	if (s->ssl == NULL)
		return;
	if (!s->io_failed)
		(void)SSL_shutdown(s->ssl);
	SSL_free(s->ssl);
	s->ssl = NULL;
}

/* Wait for input: 1 ready, -2 timeout, -3 stopping while idle_ok. */
static int
wait_input(struct mxd_session *s, unsigned timeout_s, bool idle_ok)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	struct timespec now, end;
	int r;

	if (s->ssl != NULL && SSL_pending(s->ssl) > 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	for (;;) {
		if (idle_ok && session_stopping())
			return -3;
		r = poll(&pfd, 1, MXD_TICK_MS);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;	/* let the read report it */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			return -2;
	}
}

ssize_t
io_read(struct mxd_session *s, void *buf, size_t len, unsigned timeout_s,
    bool idle_ok)
{
	ssize_t n;
	int r;

	if ((r = wait_input(s, timeout_s, idle_ok)) < 0)
		return r;
	if (s->ssl != NULL) {
		r = SSL_read(s->ssl, buf, len > INT32_MAX ? INT32_MAX :
		    (int)len);
		if (r > 0)
			return r;
		if (SSL_get_error(s->ssl, r) == SSL_ERROR_ZERO_RETURN)
			return 0;
		s->io_failed = true;
		return -1;
	}
	do
		n = read(s->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -2;
	return n;
}

int
io_write(struct mxd_session *s, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;
	int r;

	if (s->io_failed)
		return -1;
	while (len > 0) {
		if (s->ssl != NULL) {
			r = SSL_write(s->ssl, p, len > INT32_MAX ? INT32_MAX :
			    (int)len);
			if (r <= 0) {
				s->io_failed = true;
				return -1;
			}
			n = r;
		} else {
			n = send(s->fd, p, len, MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				s->io_failed = true;
				return -1;
			}
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
