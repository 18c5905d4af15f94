/*
 * url.c - parsing nfs://host[:port]/export[?mountport=N].
 *
 * host is a name, an IPv4 address or a bracketed IPv6 address; port
 * and mountport are 1..65535 and left 0 when not given (rpcbind is then
 * asked).  The export is absolute, %XX escapes are decoded, trailing
 * slashes are dropped.  Anything else is an error that says why.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nfsc_int.h"

#define URL_SCHEME	"nfs://"
#define PORT_MAX	65535
#define QUERY_MOUNTPORT	"mountport="

static int
url_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
url_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Digits [s, e) as a port 1..65535, else -1. */
static int
parse_port(const char *s, const char *e)
{
	long v = 0;

	if (s == e || e - s > 5)
		return -1;
	for (; s < e; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > PORT_MAX)
		return -1;
	return (int)v;
}

static bool
host_char(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* The host and port, up to the '/' that starts the export. */
static const char *
parse_authority(const char *p, struct nfsc_url *u, char *err, size_t errlen)
{
	const char *h, *he, *ps;
	struct in6_addr a6;
	bool bracket = false;
	int port;

	if (*p == '[') {
		bracket = true;
		h = p + 1;
		if ((he = strchr(h, ']')) == NULL) {
			url_fail(err, errlen, "no ']' after an IPv6 address");
			return NULL;
		}
		p = he + 1;
	} else {
		h = p;
		while (host_char((unsigned char)*p))
			p++;
		he = p;
	}
	if (he == h) {
		url_fail(err, errlen, "no host");
		return NULL;
	}
	if ((size_t)(he - h) > NFSC_HOSTLEN) {
		url_fail(err, errlen, "host longer than %d characters",
		    NFSC_HOSTLEN);
		return NULL;
	}
	memcpy(u->host, h, he - h);
	u->host[he - h] = '\0';
	if (bracket && inet_pton(AF_INET6, u->host, &a6) != 1) {
		url_fail(err, errlen, "bad IPv6 address '%s'", u->host);
		return NULL;
	}
	if (*p == ':') {
		ps = ++p;
		while (*p != '\0' && *p != '/' && *p != '?')
			p++;
		if ((port = parse_port(ps, p)) < 0) {
			url_fail(err, errlen, "bad port '%.*s' (1-%d)",
			    (int)(p - ps), ps, PORT_MAX);
			return NULL;
		}
		u->port = (uint16_t)port;
	}
	if (*p != '/') {
		url_fail(err, errlen, "no '/export' after the host");
		return NULL;
	}
	return p;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The export path, decoded, up to '?' or the end. */
static const char *
parse_export(const char *p, struct nfsc_url *u, char *err, size_t errlen)
{
	size_t n = 0;
	int hi, lo, c;

	for (; *p != '\0' && *p != '?'; p++) {
		c = (unsigned char)*p;
		if (c == '%') {
			if ((hi = hexval((unsigned char)p[1])) < 0 ||
			    (lo = hexval((unsigned char)p[2])) < 0) {
				url_fail(err, errlen, "bad %% escape in the "
				    "export");
				return NULL;
			}
			c = hi * 16 + lo;
			p += 2;
		} else if (c == '#') {
			url_fail(err, errlen, "'#' in the export");
			return NULL;
		}
		if (c == '\0' || iscntrl(c)) {
			url_fail(err, errlen, "control character in the "
			    "export");
			return NULL;
		}
		if (n >= NFSC_EXPORTLEN) {
			url_fail(err, errlen, "export longer than %d "
			    "characters", NFSC_EXPORTLEN);
			return NULL;
		}
		u->export[n++] = (char)c;
	}
	while (n > 1 && u->export[n - 1] == '/')
		n--;
	u->export[n] = '\0';
	return p;
}

/* name=value&... after the '?'; only mountport is known. */
static int
parse_query(const char *p, struct nfsc_url *u, char *err, size_t errlen)
{
	const char *e, *v;
	size_t klen = strlen(QUERY_MOUNTPORT);
	int port;

	while (*p != '\0') {
		if ((e = strchr(p, '&')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > klen &&
		    strncmp(p, QUERY_MOUNTPORT, klen) == 0) {
			v = p + klen;
			if (u->mountport != 0)
				return url_fail(err, errlen,
				    "mountport given twice");
			if ((port = parse_port(v, e)) < 0)
				return url_fail(err, errlen, "bad mountport "
				    "'%.*s' (1-%d)", (int)(e - v), v, PORT_MAX);
			u->mountport = (uint16_t)port;
		} else
			return url_fail(err, errlen, "unknown option '%.*s' "
			    "(only mountport=N)", (int)(e - p), p);
		p = *e == '&' ? e + 1 : e;
		if (*p == '\0' && *e == '&')
			return url_fail(err, errlen, "empty option");
	}
	return 0;
}

int
nfsc_url_parse(const char *url, struct nfsc_url *u, char *err, size_t errlen)
{
	size_t slen = strlen(URL_SCHEME);
	const char *p;

	memset(u, 0, sizeof(*u));
	if (url == NULL)
		return url_fail(err, errlen, "no URL");
	if (strnlen(url, NFSC_URLLEN + 1) > NFSC_URLLEN)
		return url_fail(err, errlen, "URL longer than %d characters",
		    NFSC_URLLEN);
	if (strncasecmp(url, URL_SCHEME, slen) != 0)
		return url_fail(err, errlen, "'%s' does not start with %s",
		    url, URL_SCHEME);
	if ((p = parse_authority(url + slen, u, err, errlen)) == NULL ||
	    (p = parse_export(p, u, err, errlen)) == NULL)
		return -1;
	if (*p == '?') {
		if (p[1] == '\0')
			return url_fail(err, errlen, "empty query after '?'");
		if (parse_query(p + 1, u, err, errlen) != 0)
			return -1;
	}
	return 0;
}
