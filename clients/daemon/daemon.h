/*
 * daemon.h - what the front-end daemons (mxd, pop3d) share about being
 * a daemon: listening sockets from the config, dropping privileges
 * after binding, and the TLS server context.  Failures at start-up are
 * fatal (they go through lib/log.h's fatal); the TLS context is made
 * again on SIGHUP, so it reports errors as values.
 */
#ifndef CLIENTS_DAEMON_H
#define CLIENTS_DAEMON_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "conf.h"

/* A listening TCP socket on l (numeric host and port), or fatal. */
int	daemon_listen(const struct conf_listen *l, int backlog);
/* Become user (and only its group) for good, or fatal. */
void	daemon_drop_privileges(const char *user);
/*
 * A TLS server context from a PEM certificate chain and key, TLS 1.2
 * at least, no compression or renegotiation; NULL with err filled.
 */
SSL_CTX	*daemon_tls_ctx(const char *cert, const char *key, char *err,
	    size_t errlen);
/* "where: what: OpenSSL's reason" for the last OpenSSL error. */
void	daemon_ssl_error(char *err, size_t errlen, const char *what,
	    const char *where);

#endif
