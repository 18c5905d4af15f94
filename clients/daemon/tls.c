/*
 * tls.c - the TLS server context of STARTTLS (mxd) and STLS (pop3d).
 */
#include <stdio.h>

#include <openssl/err.h>

#include "daemon.h"

void
daemon_ssl_error(char *err, size_t errlen, const char *what,
    const char *where)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	(void)snprintf(err, errlen, "%s: %s: %s", where, what, buf);
}

SSL_CTX *
daemon_tls_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		daemon_ssl_error(err, errlen, "SSL_CTX_new", "tls");
		return NULL;
	}
	(void)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		daemon_ssl_error(err, errlen, "tls_cert", cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		daemon_ssl_error(err, errlen, "tls_key", key);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
