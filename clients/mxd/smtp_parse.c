/*
 * smtp_parse.c - SMTP command lines, verbs, paths and MAIL/RCPT
 * parameters (RFC 5321 4.1.2 and 4.5.3.1, RFC 1870, RFC 6152).  Pure
 * functions over caller-owned buffers; no I/O, no allocation.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_parse.h"

#define PARAM_MAX	64	/* octets of one parameter */

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} verbs[] = {
	{ "HELO", SMTP_V_HELO },
	{ "EHLO", SMTP_V_EHLO },
	{ "MAIL", SMTP_V_MAIL },
	{ "RCPT", SMTP_V_RCPT },
	{ "DATA", SMTP_V_DATA },
	{ "RSET", SMTP_V_RSET },
	{ "NOOP", SMTP_V_NOOP },
	{ "QUIT", SMTP_V_QUIT },
	{ "VRFY", SMTP_V_VRFY },
	{ "EXPN", SMTP_V_EXPN },
	{ "HELP", SMTP_V_HELP },
	{ "STARTTLS", SMTP_V_STARTTLS },
};

void
smtp_line_reset(struct smtp_line *l)
{
	l->len = 0;
	l->toolong = false;
	l->nul = false;
	l->complete = false;
	l->buf[0] = '\0';
}

enum smtp_line_status
smtp_line_feed(struct smtp_line *l, const char *in, size_t len, size_t *used)
{
	const char *lf;
	size_t n, room;
	enum smtp_line_status st;

	if (l->complete)
		smtp_line_reset(l);
	lf = memchr(in, '\n', len);
	n = lf != NULL ? (size_t)(lf - in) + 1 : len;
	*used = n;
	if (memchr(in, '\0', n) != NULL)
		l->nul = true;
	/* Keep what fits; count everything. */
	room = SMTP_LINE_MAX - (l->len < SMTP_LINE_MAX ? l->len :
	    SMTP_LINE_MAX);
	if (!l->toolong) {
		if (n > room)
			l->toolong = true;
		else
			memcpy(l->buf + l->len, in, n);
	}
	if (!l->toolong)
		l->len += n;
	if (lf == NULL)
		return SMTP_LINE_MORE;
	if (l->toolong)
		st = SMTP_LINE_TOOLONG;
	else if (l->nul)
		st = SMTP_LINE_NUL;
	else {
		/* Strip LF, then one CR. */
		l->len--;
		if (l->len > 0 && l->buf[l->len - 1] == '\r')
			l->len--;
		l->buf[l->len] = '\0';
		l->complete = true;
		st = SMTP_LINE_DONE;
	}
	if (st != SMTP_LINE_DONE) {
		l->len = 0;
		l->buf[0] = '\0';
	}
	l->toolong = false;
	l->nul = false;
	return st;
}

void
smtp_cmd_parse(const char *line, struct smtp_cmd *cmd)
{
	size_t i, n;

	cmd->verb = SMTP_V_UNKNOWN;
	n = strcspn(line, " ");
	cmd->arg = line + n;
	while (*cmd->arg == ' ')
		cmd->arg++;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strlen(verbs[i].name) == n &&
		    strncasecmp(line, verbs[i].name, n) == 0) {
			cmd->verb = verbs[i].verb;
			break;
		}
	}
}

const char *
smtp_verb_name(enum smtp_verb verb)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return "UNKNOWN";
}

/* RFC 5322 atext. */
static bool
is_atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c)
	    != NULL);
}

static bool
is_ldh(int c)
{
	return isalnum(c) || c == '-';
}

/* A domain: dot-separated labels of letters, digits and '-'. */
static bool
valid_domain(const char *d, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_ldh((unsigned char)d[i]))
			return false;
		if (label == 0 && d[i] == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && d[len - 1] != '-';
}

/* [IPv4] or [IPv6:...] or [tag:...]: printable, no brackets inside. */
static bool
valid_literal(const char *d, size_t len)
{
	size_t i;

	if (len < 3 || len > SMTP_DOMAIN_MAX || d[0] != '[' ||
	    d[len - 1] != ']')
		return false;
	for (i = 1; i < len - 1; i++)
		if (d[i] <= ' ' || d[i] > '~' || d[i] == '[' || d[i] == ']' ||
		    d[i] == '\\')
			return false;
	return true;
}

bool
smtp_valid_helo(const char *arg)
{
	size_t len = strlen(arg);

	return valid_domain(arg, len) || valid_literal(arg, len);
}

/* Dot-atom or quoted-string local part; its length in *n. */
static bool
scan_local(const char *p, size_t *n)
{
	size_t i = 0;

	if (p[0] == '"') {
		for (i = 1; p[i] != '"'; i++) {
			if (p[i] == '\\') {
				i++;
				if (p[i] < ' ' || p[i] > '~')
					return false;
			} else if (p[i] < ' ' || p[i] > '~')
				return false;
		}
		*n = i + 1;
		return true;
	}
	for (;;) {
		if (!is_atext((unsigned char)p[i]))
			return false;
		while (is_atext((unsigned char)p[i]))
			i++;
		if (p[i] != '.')
			break;
		i++;
	}
	*n = i;
	return true;
}

/*
 * Parse "<...>" at p into path; *end is set after the '>'.  allow_null
 * for MAIL's <>.
 */
static enum smtp_perr
parse_path(const char *p, struct smtp_path *path, const char **end)
{
	const char *q, *close, *start;
	size_t n, dn;

	memset(path, 0, sizeof(*path));
	if (*p != '<')
		return SMTP_P_BADADDR;
	if ((close = strchr(p, '>')) == NULL)
		return SMTP_P_BADADDR;
	if ((size_t)(close - p) + 1 > SMTP_PATH_MAX)
		return SMTP_P_TOOLONG;
	*end = close + 1;
	q = p + 1;
	if (q == close) {
		path->null = true;
		return SMTP_P_OK;
	}
	/* A source route, "@a,@b:", is ignored (RFC 5321 4.1.1.3). */
	if (*q == '@') {
		const char *colon = memchr(q, ':', (size_t)(close - q));

		if (colon == NULL)
			return SMTP_P_BADADDR;
		q = colon + 1;
	}
	start = q;
	if (!scan_local(q, &n) || q + n > close)
		return SMTP_P_BADADDR;
	if (n > SMTP_LOCAL_MAX)
		return SMTP_P_TOOLONG;
	memcpy(path->local, q, n);
	path->local[n] = '\0';
	q += n;
	if (q == close) {
		/* Only <postmaster> may go without a domain. */
		if (strcasecmp(path->local, "postmaster") != 0)
			return SMTP_P_BADADDR;
		(void)snprintf(path->addr, sizeof(path->addr), "%s",
		    path->local);
		return SMTP_P_OK;
	}
	if (*q != '@')
		return SMTP_P_BADADDR;
	q++;
	dn = (size_t)(close - q);
	if (dn > SMTP_DOMAIN_MAX)
		return SMTP_P_TOOLONG;
	if (!valid_domain(q, dn) && !valid_literal(q, dn))
		return SMTP_P_BADADDR;
	memcpy(path->domain, q, dn);
	path->domain[dn] = '\0';
	/* local@domain is shorter than the path checked above. */
	memcpy(path->addr, start, (size_t)(close - start));
	path->addr[close - start] = '\0';
	return SMTP_P_OK;
}

/* Skip "FROM:" / "TO:" and blanks; NULL if the keyword is missing. */
static const char *
skip_keyword(const char *arg, const char *kw)
{
	size_t n = strlen(kw);

	if (strncasecmp(arg, kw, n) != 0)
		return NULL;
	arg += n;
	while (*arg == ' ')
		arg++;
	return arg;
}

/* One "KEY=VALUE" of MAIL. */
static enum smtp_perr
parse_mail_param(const char *s, size_t len, struct smtp_mail_params *mp)
{
	char buf[PARAM_MAX + 1];
	const char *v;
	size_t i, vlen;
	uint64_t n = 0;

	if (len > PARAM_MAX)
		return SMTP_P_PARAM;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((v = strchr(buf, '=')) == NULL)
		return SMTP_P_PARAM;
	v++;
	vlen = strlen(v);
	if (strncasecmp(buf, "SIZE=", 5) == 0) {
		if (mp->has_size || vlen == 0 || vlen > SMTP_SIZE_DIGITS - 1)
			return SMTP_P_PARAM;
		for (i = 0; i < vlen; i++) {
			if (!isdigit((unsigned char)v[i]))
				return SMTP_P_PARAM;
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		mp->size = n;
		mp->has_size = true;
		return SMTP_P_OK;
	}
	if (strncasecmp(buf, "BODY=", 5) == 0) {
		if (mp->body != SMTP_BODY_NONE)
			return SMTP_P_PARAM;
		if (strcasecmp(v, "7BIT") == 0)
			mp->body = SMTP_BODY_7BIT;
		else if (strcasecmp(v, "8BITMIME") == 0)
			mp->body = SMTP_BODY_8BITMIME;
		else
			return SMTP_P_PARAM;
		return SMTP_P_OK;
	}
	return SMTP_P_PARAM;
}

enum smtp_perr
smtp_parse_mail(const char *arg, struct smtp_path *path,
    struct smtp_mail_params *mp)
{
	const char *p, *end;
	enum smtp_perr e;
	size_t n;

	memset(mp, 0, sizeof(*mp));
	if ((p = skip_keyword(arg, "FROM:")) == NULL)
		return SMTP_P_SYNTAX;
	if ((e = parse_path(p, path, &end)) != SMTP_P_OK)
		return e;
	p = end;
	if (*p != '\0' && *p != ' ')
		return SMTP_P_BADADDR;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " ");
		if ((e = parse_mail_param(p, n, mp)) != SMTP_P_OK)
			return e;
		p += n;
	}
	return SMTP_P_OK;
}

enum smtp_perr
smtp_parse_rcpt(const char *arg, struct smtp_path *path)
{
	const char *p, *end;
	enum smtp_perr e;

	if ((p = skip_keyword(arg, "TO:")) == NULL)
		return SMTP_P_SYNTAX;
	if ((e = parse_path(p, path, &end)) != SMTP_P_OK)
		return e;
	if (path->null)
		return SMTP_P_NULLPATH;
	p = end;
	while (*p == ' ')
		p++;
	return *p == '\0' ? SMTP_P_OK : SMTP_P_PARAM;
}
