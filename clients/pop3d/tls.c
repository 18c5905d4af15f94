/*
 * tls.c - STLS (RFC 2595) with OpenSSL: the handshake on a session's
 * socket (bounded by POP3_TLS_TIMEOUT), and reads and writes through
 * it.  The context comes from clients/daemon (TLS 1.2 at least).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "daemon.h"
#include "pop3d.h"

/* Wait for the socket as OpenSSL asks; -1 on timeout or error. */
static int
tls_wait(struct pop3_session *s, int ret, time_t deadline)
{
	struct pollfd pfd = { .fd = s->fd };
	int e = SSL_get_error(s->ssl, ret);
	time_t left = deadline - time(NULL);

	if (e == SSL_ERROR_WANT_READ)
		pfd.events = POLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		pfd.events = POLLOUT;
	else
		return -1;
	if (left <= 0 || poll(&pfd, 1, (int)left * 1000) <= 0)
		return -1;
	return 0;
}

int
tls_start(struct pop3_session *s)
{
	time_t deadline = time(NULL) + POP3_TLS_TIMEOUT;
	int r;

	if ((s->ssl = SSL_new(s->cfg->tls)) == NULL ||
	    SSL_set_fd(s->ssl, s->fd) != 1)
		return -1;
	while ((r = SSL_accept(s->ssl)) != 1)
		if (tls_wait(s, r, deadline) == -1) {
			ERR_clear_error();
			return -1;
		}
	return 0;
}

void
tls_end(struct pop3_session *s)
{
	if (s->ssl == NULL)
		return;
	(void)SSL_shutdown(s->ssl);
	SSL_free(s->ssl);
	s->ssl = NULL;
	ERR_clear_error();
}

/* Bytes read, 0 at end of stream, -1 on error, -2: nothing yet. */
ssize_t
tls_read(struct pop3_session *s, void *buf, size_t len)
{
	int r = SSL_read(s->ssl, buf, (int)len);

	if (r > 0)
		return r;
	switch (SSL_get_error(s->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -2;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		return -1;
	}
}

ssize_t
tls_write(struct pop3_session *s, const void *buf, size_t len)
{
	time_t deadline = time(NULL) + POP3_TLS_TIMEOUT;
	int r;

	while ((r = SSL_write(s->ssl, buf, (int)len)) <= 0)
		if (tls_wait(s, r, deadline) == -1) {
			ERR_clear_error();
			return -1;
		}
	return r;
}
