/*
 * conf.c - read /etc/mailcluster.conf: "key value" lines, '#'
 * comments, a table of known keys each with a function that checks
 * and stores its value.  Keys outside the program's mask are known
 * but skipped.  Errors come back as "FILE:LINE: key: message".
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"

#define CONF_MAX_WORDS		(CONF_MAX_LINE / 2 + 1)
#define CONF_ERR_WORD		64	/* longest key quoted in errors */
#define CONF_MAX_LABEL		63	/* one DNS label */
#define CONF_MAX_PORT		65535
#define CONF_NFS_SCHEME		"nfs://"
#define CONF_KIB		1024ull

#define DEF_USERDB		"/etc/userdb"
#define DEF_USERDB_DB		"/etc/userdb.cdb"
#define DEF_SMTP_LISTEN		"0.0.0.0"
#define DEF_SMTP_PORT		25
#define DEF_POP3_LISTEN		"0.0.0.0"
#define DEF_POP3_PORT		110
#define DEF_MAX_MESSAGE_SIZE	(10 * CONF_KIB * CONF_KIB)
#define DEF_SMTP_MAX_RCPT	100
#define DEF_MAX_CLIENTS		1000
#define DEF_SMTP_IDLE		300
#define DEF_POP3_IDLE		600
#define DEF_FIRST_UID		2000

#define MIN_MESSAGE_SIZE	CONF_KIB
#define MAX_MESSAGE_SIZE	(CONF_KIB * CONF_KIB * CONF_KIB)
#define MAX_RCPT		100000
#define MAX_CLIENTS		100000
#define MAX_TIMEOUT		86400
#define MAX_UID			((uint64_t)UINT32_MAX - 1)	/* not -1 */

struct parser {
	const char	*name;		/* the file, for errors */
	int		 line;
	const char	*key;		/* the key of the line */
	enum conf_key	 keyid;
	char		*err;
	size_t		 errlen;
	struct conf	*conf;
	int		 seen[CONF_NKEYS];	/* line a key was set on */
	char		*words[CONF_MAX_WORDS];
};

typedef int key_fn(struct parser *, char **, size_t);

struct keydef {
	const char	*name;
	enum conf_key	 key;
	bool		 repeat;	/* may be given on several lines */
	key_fn		*fn;
};

static int	set_hostname(struct parser *, char **, size_t);
static int	set_domains(struct parser *, char **, size_t);
static int	set_path(struct parser *, char **, size_t);
static int	set_mount(struct parser *, char **, size_t);
static int	set_listen(struct parser *, char **, size_t);
static int	set_number(struct parser *, char **, size_t);
static int	set_log_level(struct parser *, char **, size_t);
static int	set_plaintext(struct parser *, char **, size_t);

static const struct keydef keys[CONF_NKEYS] = {
	{ "hostname", CONF_HOSTNAME, false, set_hostname },
	{ "local_domains", CONF_LOCAL_DOMAINS, true, set_domains },
	{ "userdb", CONF_USERDB, false, set_path },
	{ "userdb_db", CONF_USERDB_DB, false, set_path },
	{ "mount", CONF_MOUNT, true, set_mount },
	{ "smtp_listen", CONF_SMTP_LISTEN, false, set_listen },
	{ "pop3_listen", CONF_POP3_LISTEN, false, set_listen },
	{ "tls_cert", CONF_TLS_CERT, false, set_path },
	{ "tls_key", CONF_TLS_KEY, false, set_path },
	{ "max_message_size", CONF_MAX_MESSAGE_SIZE, false, set_number },
	{ "smtp_max_recipients", CONF_SMTP_MAX_RECIPIENTS, false, set_number },
	{ "smtp_max_clients", CONF_SMTP_MAX_CLIENTS, false, set_number },
	{ "smtp_idle_timeout", CONF_SMTP_IDLE_TIMEOUT, false, set_number },
	{ "pop3_max_clients", CONF_POP3_MAX_CLIENTS, false, set_number },
	{ "pop3_idle_timeout", CONF_POP3_IDLE_TIMEOUT, false, set_number },
	{ "first_uid", CONF_FIRST_UID, false, set_number },
	{ "log_level", CONF_LOG_LEVEL, false, set_log_level },
	{ "pop3_plaintext", CONF_POP3_PLAINTEXT, false, set_plaintext },
};

/* The bounds of the numeric keys. */
struct numdef {
	enum conf_key	 key;
	uint64_t	 min;
	uint64_t	 max;
	bool		 size;		/* K, M, G suffixes allowed */
};

static const struct numdef nums[] = {
	{ CONF_MAX_MESSAGE_SIZE, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE, true },
	{ CONF_SMTP_MAX_RECIPIENTS, 1, MAX_RCPT, false },
	{ CONF_SMTP_MAX_CLIENTS, 1, MAX_CLIENTS, false },
	{ CONF_SMTP_IDLE_TIMEOUT, 1, MAX_TIMEOUT, false },
	{ CONF_POP3_MAX_CLIENTS, 1, MAX_CLIENTS, false },
	{ CONF_POP3_IDLE_TIMEOUT, 1, MAX_TIMEOUT, false },
	{ CONF_FIRST_UID, 1, MAX_UID, false },
};

static const char *level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static int
fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->errlen == 0)
		return -1;
	if (ps->key[0] == '\0')
		n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name,
		    ps->line);
	else
		n = snprintf(ps->err, ps->errlen, "%s:%d: %.*s: ", ps->name,
		    ps->line, CONF_ERR_WORD, ps->key);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_nomem(struct parser *ps)
{
	return fail(ps, "out of memory");
}

const char *
conf_key_name(enum conf_key key)
{
	if ((unsigned)key >= CONF_NKEYS)
		return NULL;
	return keys[key].name;
}

/* Value checks. */

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

bool
conf_path_canonical(const char *path)
{
	const char *p, *end;
	size_t len;

	if (path[0] != '/' || strlen(path) > CONF_MAX_PATH)
		return false;
	if (path[1] == '\0')
		return true;
	for (p = path + 1;; p = end + 1) {
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (end == NULL)
			return true;
	}
}

static bool
valid_label(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CONF_MAX_LABEL || s[0] == '-' ||
	    s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* An RFC 1123 host name: labels of letters, digits and '-'. */
static bool
valid_hostname(const char *s)
{
	const char *dot;
	size_t len = strlen(s);

	if (len == 0 || len > CONF_MAX_HOST)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		if (dot == NULL)
			return valid_label(s, strlen(s));
		if (!valid_label(s, (size_t)(dot - s)))
			return false;
		s = dot + 1;
	}
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > CONF_MAX_PORT)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* ADDR:PORT or [V6ADDR]:PORT, numeric addresses only. */
static int
parse_listen(const char *s, struct conf_listen *l)
{
	const char *colon, *close;
	unsigned char addr[sizeof(struct in6_addr)];
	size_t len;
	int af = AF_INET;

	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != ':')
			return -1;
		len = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
		af = AF_INET6;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		len = (size_t)(colon - s);
	}
	if (len == 0 || len >= sizeof(l->host))
		return -1;
	memcpy(l->host, s, len);
	l->host[len] = '\0';
	if (inet_pton(af, l->host, addr) != 1)
		return -1;
	return parse_port(colon + 1, &l->port);
}

/* nfs://host[:port]/path[?options], host a name, IPv4 or [IPv6]. */
static bool
valid_nfs_url(const char *url)
{
	char host[CONF_MAX_HOST + 1], port[sizeof("65535")];
	const char *p = url + strlen(CONF_NFS_SCHEME), *end, *slash;
	unsigned char addr[sizeof(struct in6_addr)];
	uint16_t pv;
	size_t len;

	if ((slash = strchr(p, '/')) == NULL || slash[1] == '\0' ||
	    slash[1] == '?')
		return false;
	if (p[0] == '[') {
		if ((end = memchr(p, ']', (size_t)(slash - p))) == NULL)
			return false;
		len = (size_t)(end - p - 1);
		if (len == 0 || len >= sizeof(host))
			return false;
		memcpy(host, p + 1, len);
		host[len] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return false;
		end++;
	} else {
		end = memchr(p, ':', (size_t)(slash - p));
		if (end == NULL)
			end = slash;
		len = (size_t)(end - p);
		if (len == 0 || len >= sizeof(host))
			return false;
		memcpy(host, p, len);
		host[len] = '\0';
		if (!valid_hostname(host))
			return false;
	}
	if (end < slash) {
		if (*end != ':')
			return false;
		len = (size_t)(slash - end - 1);
		if (len == 0 || len >= sizeof(port))
			return false;
		memcpy(port, end + 1, len);
		port[len] = '\0';
		if (parse_port(port, &pv) != 0)
			return false;
	}
	return true;
}

/* The key functions. */

static int
need_words(struct parser *ps, size_t nwords, size_t want)
{
	if (nwords == 0)
		return fail(ps, "a value is needed");
	if (nwords != want)
		return fail(ps, "expects %zu value%s, got %zu", want,
		    want == 1 ? "" : "s", nwords);
	return 0;
}

static int
store(struct parser *ps, char **field, const char *value)
{
	char *s;

	if ((s = strdup(value)) == NULL)
		return fail_nomem(ps);
	free(*field);
	*field = s;
	return 0;
}

static int
set_hostname(struct parser *ps, char **w, size_t nw)
{
	if (need_words(ps, nw, 1) != 0)
		return -1;
	if (!valid_hostname(w[0]))
		return fail(ps, "\"%.*s\" is not a valid host name",
		    CONF_ERR_WORD, w[0]);
	return store(ps, &ps->conf->hostname, w[0]);
}

static int
add_domain(struct parser *ps, const char *d)
{
	struct conf *c = ps->conf;
	char **nd, *s;
	size_t i;

	if (!valid_hostname(d))
		return fail(ps, "\"%.*s\" is not a valid domain",
		    CONF_ERR_WORD, d);
	for (i = 0; i < c->ndomains; i++)
		if (strcasecmp(c->domains[i], d) == 0)
			return fail(ps, "%s given twice", d);
	if (c->ndomains >= CONF_MAX_DOMAINS)
		return fail(ps, "more than %d domains", CONF_MAX_DOMAINS);
	nd = realloc(c->domains, (c->ndomains + 1) * sizeof(*nd));
	if (nd == NULL)
		return fail_nomem(ps);
	c->domains = nd;
	if ((s = strdup(d)) == NULL)
		return fail_nomem(ps);
	for (i = 0; s[i] != '\0'; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	c->domains[c->ndomains++] = s;
	return 0;
}

static int
set_domains(struct parser *ps, char **w, size_t nw)
{
	char *d, *save;
	size_t i;

	if (nw == 0)
		return fail(ps, "a value is needed");
	for (i = 0; i < nw; i++)
		for (d = strtok_r(w[i], ",", &save); d != NULL;
		    d = strtok_r(NULL, ",", &save))
			if (add_domain(ps, d) != 0)
				return -1;
	return 0;
}

static int
set_path(struct parser *ps, char **w, size_t nw)
{
	struct conf *c = ps->conf;
	char **field;

	if (need_words(ps, nw, 1) != 0)
		return -1;
	if (w[0][0] != '/' || strlen(w[0]) > CONF_MAX_PATH)
		return fail(ps, "\"%.*s\" is not an absolute path of at most "
		    "%d bytes", CONF_ERR_WORD, w[0], CONF_MAX_PATH);
	switch (ps->keyid) {
	case CONF_USERDB:
		field = &c->userdb;
		break;
	case CONF_USERDB_DB:
		field = &c->userdb_db;
		break;
	case CONF_TLS_CERT:
		field = &c->tls_cert;
		break;
	default:
		field = &c->tls_key;
		break;
	}
	return store(ps, field, w[0]);
}

static int
set_mount(struct parser *ps, char **w, size_t nw)
{
	struct conf *c = ps->conf;
	struct conf_mount *nm, *m;
	char *prefix = w[0];
	size_t len, i;
	bool local;

	if (need_words(ps, nw, 2) != 0)
		return -1;
	len = strlen(prefix);
	while (len > 1 && prefix[len - 1] == '/')
		prefix[--len] = '\0';
	if (!conf_path_canonical(prefix))
		return fail(ps, "\"%.*s\" is not a canonical absolute path",
		    CONF_ERR_WORD, prefix);
	local = w[1][0] == '/';
	if (strlen(w[1]) > CONF_MAX_URL)
		return fail(ps, "the URL is longer than %d bytes",
		    CONF_MAX_URL);
	if (local && !conf_path_canonical(w[1]))
		return fail(ps, "\"%.*s\" is not a canonical absolute path",
		    CONF_ERR_WORD, w[1]);
	if (!local && (strncmp(w[1], CONF_NFS_SCHEME,
	    strlen(CONF_NFS_SCHEME)) != 0 || !valid_nfs_url(w[1])))
		return fail(ps, "\"%.*s\" is neither nfs://host[:port]/path "
		    "nor an absolute directory", CONF_ERR_WORD, w[1]);
	for (i = 0; i < c->nmounts; i++)
		if (strcmp(c->mounts[i].prefix, prefix) == 0)
			return fail(ps, "%s is already mounted at line %d",
			    prefix, c->mounts[i].line);
	if (c->nmounts >= CONF_MAX_MOUNTS)
		return fail(ps, "more than %d mounts", CONF_MAX_MOUNTS);
	nm = realloc(c->mounts, (c->nmounts + 1) * sizeof(*nm));
	if (nm == NULL)
		return fail_nomem(ps);
	c->mounts = nm;
	m = &c->mounts[c->nmounts];
	memset(m, 0, sizeof(*m));
	if ((m->prefix = strdup(prefix)) == NULL ||
	    (m->url = strdup(w[1])) == NULL) {
		free(m->prefix);
		return fail_nomem(ps);
	}
	m->local = local;
	m->line = ps->line;
	c->nmounts++;
	return 0;
}

static int
set_listen(struct parser *ps, char **w, size_t nw)
{
	struct conf_listen *l;
	size_t *n, i;

	if (nw == 0)
		return fail(ps, "a value is needed");
	if (nw > CONF_MAX_LISTEN)
		return fail(ps, "more than %d addresses", CONF_MAX_LISTEN);
	if (ps->keyid == CONF_SMTP_LISTEN) {
		l = ps->conf->smtp_listen;
		n = &ps->conf->nsmtp_listen;
	} else {
		l = ps->conf->pop3_listen;
		n = &ps->conf->npop3_listen;
	}
	for (i = 0; i < nw; i++)
		if (parse_listen(w[i], &l[i]) != 0)
			return fail(ps, "\"%.*s\" is not ADDR:PORT or "
			    "[ADDR]:PORT with a numeric address",
			    CONF_ERR_WORD, w[i]);
	*n = nw;
	return 0;
}

/* A decimal number, with a K, M or G (binary) suffix if size. */
static int
parse_number(const char *s, bool size, uint64_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (size && *end != '\0' && end[1] == '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			mult = CONF_KIB;
			break;
		case 'M':
			mult = CONF_KIB * CONF_KIB;
			break;
		case 'G':
			mult = CONF_KIB * CONF_KIB * CONF_KIB;
			break;
		default:
			return -1;
		}
		end++;
	}
	if (*end != '\0' || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int
set_number(struct parser *ps, char **w, size_t nw)
{
	const struct numdef *nd = NULL;
	struct conf *c = ps->conf;
	uint64_t v;
	size_t i;

	if (need_words(ps, nw, 1) != 0)
		return -1;
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i].key == ps->keyid)
			nd = &nums[i];
	if (nd == NULL)
		return fail(ps, "not a numeric key");
	if (parse_number(w[0], nd->size, &v) != 0)
		return fail(ps, "\"%.*s\" is not a number%s", CONF_ERR_WORD,
		    w[0], nd->size ? " (with an optional K, M or G)" : "");
	if (v < nd->min || v > nd->max)
		return fail(ps, "%" PRIu64 " is not in %" PRIu64 "..%" PRIu64,
		    v, nd->min, nd->max);
	switch (nd->key) {
	case CONF_MAX_MESSAGE_SIZE:
		c->max_message_size = v;
		break;
	case CONF_SMTP_MAX_RECIPIENTS:
		c->smtp_max_recipients = (unsigned)v;
		break;
	case CONF_SMTP_MAX_CLIENTS:
		c->smtp_max_clients = (unsigned)v;
		break;
	case CONF_SMTP_IDLE_TIMEOUT:
		c->smtp_idle_timeout = (unsigned)v;
		break;
	case CONF_POP3_MAX_CLIENTS:
		c->pop3_max_clients = (unsigned)v;
		break;
	case CONF_POP3_IDLE_TIMEOUT:
		c->pop3_idle_timeout = (unsigned)v;
		break;
	case CONF_FIRST_UID:
		c->first_uid = (uint32_t)v;
		break;
	default:
		return fail(ps, "not a numeric key");
	}
	return 0;
}

static int
set_log_level(struct parser *ps, char **w, size_t nw)
{
	size_t i;

	if (need_words(ps, nw, 1) != 0)
		return -1;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(level_names[i], w[0]) == 0) {
			ps->conf->log_level = (enum log_level)i;
			return 0;
		}
	return fail(ps, "\"%.*s\" is not error, warn, info or debug",
	    CONF_ERR_WORD, w[0]);
}

static int
set_plaintext(struct parser *ps, char **w, size_t nw)
{
	static const char *names[] = {
		[CONF_PLAIN_LOOPBACK] = "loopback",
		[CONF_PLAIN_TLS] = "tls",
		[CONF_PLAIN_ALWAYS] = "always",
	};
	size_t i;

	if (need_words(ps, nw, 1) != 0)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], w[0]) == 0) {
			ps->conf->pop3_plaintext = (enum conf_plaintext)i;
			return 0;
		}
	return fail(ps, "\"%.*s\" is not loopback, tls or always",
	    CONF_ERR_WORD, w[0]);
}

/* Lines. */

static const struct keydef *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Split line (changed in place) into words, dropping any comment. */
static size_t
split_words(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *p = line;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (p = line; n < max;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static int
parse_line(struct parser *ps, char *line)
{
	char **words = ps->words;
	const struct keydef *kd;
	size_t nw, i;

	nw = split_words(line, words, CONF_MAX_WORDS);
	if (nw == 0)
		return 0;
	ps->key = words[0];
	for (i = 0; i < nw; i++)
		if (!printable(words[i]))
			return fail(ps, "a control or non-ASCII character");
	if ((kd = find_key(words[0])) == NULL)
		return fail(ps, "unknown key");
	if (!kd->repeat && ps->seen[kd->key] != 0)
		return fail(ps, "already set at line %d", ps->seen[kd->key]);
	ps->seen[kd->key] = ps->line;
	ps->keyid = kd->key;
	if ((ps->conf->uses & CONF_K(kd->key)) == 0)
		return 0;
	return kd->fn(ps, words + 1, nw - 1);
}

static int
parse_lines(struct parser *ps, const char *text, size_t len)
{
	char line[CONF_MAX_LINE + 1];
	const char *p = text, *end = text + len, *nl;
	size_t n;

	for (ps->line = 1; p < end; ps->line++, p = nl + 1) {
		ps->key = "";
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > CONF_MAX_LINE)
			return fail(ps, "line longer than %d bytes",
			    CONF_MAX_LINE);
		if (memchr(p, '\0', n) != NULL)
			return fail(ps, "a NUL byte");
		memcpy(line, p, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (parse_line(ps, line) != 0)
			return -1;
	}
	return 0;
}

static int
set_defaults(struct parser *ps)
{
	struct conf *c = ps->conf;

	c->max_message_size = DEF_MAX_MESSAGE_SIZE;
	c->smtp_max_recipients = DEF_SMTP_MAX_RCPT;
	c->smtp_max_clients = DEF_MAX_CLIENTS;
	c->smtp_idle_timeout = DEF_SMTP_IDLE;
	c->pop3_max_clients = DEF_MAX_CLIENTS;
	c->pop3_idle_timeout = DEF_POP3_IDLE;
	c->first_uid = DEF_FIRST_UID;
	c->log_level = LOG_LVL_INFO;
	if (c->userdb == NULL && store(ps, &c->userdb, DEF_USERDB) != 0)
		return -1;
	if (c->userdb_db == NULL &&
	    store(ps, &c->userdb_db, DEF_USERDB_DB) != 0)
		return -1;
	strcpy(c->smtp_listen[0].host, DEF_SMTP_LISTEN);
	c->smtp_listen[0].port = DEF_SMTP_PORT;
	c->nsmtp_listen = 1;
	strcpy(c->pop3_listen[0].host, DEF_POP3_LISTEN);
	c->pop3_listen[0].port = DEF_POP3_PORT;
	c->npop3_listen = 1;
	return 0;
}

/* hostname defaults to this host's name. */
static int
default_hostname(struct parser *ps)
{
	struct conf *c = ps->conf;
	char host[CONF_MAX_HOST + 2];

	if ((c->uses & CONF_K(CONF_HOSTNAME)) == 0 || c->hostname != NULL)
		return 0;
	ps->line = 0;
	ps->key = "hostname";
	if (gethostname(host, sizeof(host)) != 0 ||
	    strnlen(host, sizeof(host)) > CONF_MAX_HOST)
		return fail(ps, "cannot get this host's name: set hostname");
	host[CONF_MAX_HOST] = '\0';
	return store(ps, &c->hostname, host);
}

static int
check_complete(struct parser *ps)
{
	struct conf *c = ps->conf;

	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		ps->line = c->tls_cert != NULL ? ps->seen[CONF_TLS_CERT] :
		    ps->seen[CONF_TLS_KEY];
		ps->key = c->tls_cert != NULL ? "tls_cert" : "tls_key";
		return fail(ps, "tls_cert and tls_key go together");
	}
	return 0;
}

int
conf_parse_text(const char *name, const char *text, size_t len,
    unsigned uses, struct conf **out, char *err, size_t errlen)
{
	struct parser ps;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.key = "";
	ps.err = err;
	ps.errlen = errlen;
	if ((ps.conf = calloc(1, sizeof(*ps.conf))) == NULL ||
	    (ps.conf->file = strdup(name)) == NULL) {
		conf_free(&ps.conf);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	ps.conf->uses = uses & CONF_USES_ALL;
	if (set_defaults(&ps) != 0 || parse_lines(&ps, text, len) != 0 ||
	    check_complete(&ps) != 0 || default_hostname(&ps) != 0) {
		conf_free(&ps.conf);
		return -1;
	}
	*out = ps.conf;
	return 0;
}

/* Read the whole of a file of at most CONF_MAX_FILE bytes. */
static int
read_file(const char *file, char **text, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	ssize_t r;
	size_t n = 0;
	char *buf = NULL;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		goto fail;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_FILE) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", file, CONF_MAX_FILE);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (n < (size_t)st.st_size) {
		r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", file, strerror(errno));
	free(buf);
	if (fd != -1)
		close(fd);
	return -1;
}

int
conf_load(const char *file, unsigned uses, struct conf **out, char *err,
    size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if (read_file(file, &text, &len, err, errlen) != 0)
		return -1;
	rc = conf_parse_text(file, text, len, uses, out, err, errlen);
	free(text);
	return rc;
}

void
conf_free(struct conf **confp)
{
	struct conf *c = *confp;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndomains; i++)
		free(c->domains[i]);
	free(c->domains);
	for (i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].prefix);
		free(c->mounts[i].url);
	}
	free(c->mounts);
	free(c->file);
	free(c->hostname);
	free(c->userdb);
	free(c->userdb_db);
	free(c->tls_cert);
	free(c->tls_key);
	free(c);
	*confp = NULL;
}

bool
conf_is_local_domain(const struct conf *conf, const char *host)
{
	size_t i;

	for (i = 0; i < conf->ndomains; i++)
		if (strcasecmp(conf->domains[i], host) == 0)
			return true;
	return false;
}

/* The mounts table. */

/* Whether prefix is path or a directory above it. */
static bool
prefix_holds(const char *prefix, const char *path, const char **rel)
{
	size_t len = strlen(prefix);

	if (len == 1) {		/* "/" */
		*rel = path + 1;
		return true;
	}
	if (strncmp(prefix, path, len) != 0)
		return false;
	if (path[len] == '\0') {
		*rel = path + len;
		return true;
	}
	if (path[len] != '/')
		return false;
	*rel = path + len + 1;
	return true;
}

const struct conf_mount *
conf_mount_find(const struct conf *conf, const char *home, const char **rel,
    char *err, size_t errlen)
{
	const struct conf_mount *best = NULL;
	const char *r, *bestrel = NULL;
	size_t i, bestlen = 0, len;

	if (!conf_path_canonical(home)) {
		snprintf(err, errlen, "%.*s: not a canonical absolute path",
		    CONF_MAX_PATH, home);
		return NULL;
	}
	for (i = 0; i < conf->nmounts; i++) {
		len = strlen(conf->mounts[i].prefix);
		if (prefix_holds(conf->mounts[i].prefix, home, &r) &&
		    (best == NULL || len > bestlen)) {
			best = &conf->mounts[i];
			bestlen = len;
			bestrel = r;
		}
	}
	if (best == NULL) {
		snprintf(err, errlen, "%.*s: under no mount of %s",
		    CONF_MAX_PATH, home, conf->file);
		return NULL;
	}
	*rel = bestrel;
	return best;
}

const struct conf_mount *
conf_mount_by_prefix(const struct conf *conf, const char *prefix)
{
	size_t i, len = strlen(prefix);

	while (len > 1 && prefix[len - 1] == '/')
		len--;
	for (i = 0; i < conf->nmounts; i++)
		if (strlen(conf->mounts[i].prefix) == len &&
		    strncmp(conf->mounts[i].prefix, prefix, len) == 0)
			return &conf->mounts[i];
	return NULL;
}
