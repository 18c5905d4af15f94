/*
 * parse.c - pop3d's pure parsing and encoding: command lines, commands,
 * the CRLF/byte-stuffing encoder of RETR and TOP, and AUTH PLAIN's
 * base64 and SASL message.  No I/O, no globals.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

struct verb_def {
	const char	*name;
	enum pop3_verb	 verb;
	int		 minargs;
	int		 maxargs;
};

/* PASS takes the rest of the line: its arguments are not counted. */
static const struct verb_def verbs[] = {
	{ "USER", POP3_USER, 1, 1 },
	{ "PASS", POP3_PASS, 0, POP3_ARG_MAX },
	{ "STAT", POP3_STAT, 0, 0 },
	{ "LIST", POP3_LIST, 0, 1 },
	{ "RETR", POP3_RETR, 1, 1 },
	{ "DELE", POP3_DELE, 1, 1 },
	{ "NOOP", POP3_NOOP, 0, 0 },
	{ "RSET", POP3_RSET, 0, 0 },
	{ "QUIT", POP3_QUIT, 0, 0 },
	{ "TOP", POP3_TOP, 2, 2 },
	{ "UIDL", POP3_UIDL, 0, 1 },
	{ "CAPA", POP3_CAPA, 0, 0 },
	{ "STLS", POP3_STLS, 0, 0 },
	{ "AUTH", POP3_AUTH, 0, 2 },
	{ "APOP", POP3_APOP, 2, 2 },
};

#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

void
pop3_line_reset(struct pop3_line *l)
{
	l->len = 0;
	l->toolong = false;
	l->complete = false;
	l->buf[0] = '\0';
}

static enum pop3_line_status
end_line(struct pop3_line *l)
{
	bool toolong = l->toolong;

	if (!toolong && l->len > 0 && l->buf[l->len - 1] == '\r')
		l->len--;
	l->buf[l->len] = '\0';
	l->toolong = false;
	l->complete = true;
	if (toolong) {
		l->len = 0;
		l->buf[0] = '\0';
		return POP3_LINE_TOOLONG;
	}
	return POP3_LINE_DONE;
}

enum pop3_line_status
pop3_line_feed(struct pop3_line *l, const char *in, size_t len, size_t *used)
{
	size_t i;

	if (l->complete)
		pop3_line_reset(l);
	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == '\n') {
			*used = i + 1;
			return end_line(l);
		}
		if (l->toolong)
			continue;
		/* buf has room for a CR after POP3_LINE_MAX bytes. */
		if (c == '\0' || l->len > POP3_LINE_MAX ||
		    (l->len == POP3_LINE_MAX && c != '\r')) {
			l->toolong = true;
			continue;
		}
		l->buf[l->len++] = c;
	}
	*used = len;
	return POP3_LINE_MORE;
}

/* The next blank-separated word of *p, NUL-terminated; NULL at end. */
static char *
next_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return w;
}

static const struct verb_def *
find_verb(const char *word)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		if (strcasecmp(word, verbs[i].name) == 0)
			return &verbs[i];
	return NULL;
}

int
pop3_parse(char *line, struct pop3_cmd *cmd)
{
	const struct verb_def *v;
	char *p = line, *w;

	memset(cmd, 0, sizeof(*cmd));
	if ((w = next_word(&p)) == NULL || strlen(w) > POP3_VERB_MAX ||
	    (v = find_verb(w)) == NULL)
		return -1;
	cmd->verb = v->verb;
	if (v->verb == POP3_PASS) {
		/* RFC 1939: the password may contain spaces. */
		if (*p == '\0')
			return -1;
		cmd->rest = p;
		return 0;
	}
	while ((w = next_word(&p)) != NULL) {
		if (cmd->nargs == v->maxargs)
			return -1;
		cmd->args[cmd->nargs++] = w;
	}
	if (cmd->nargs < v->minargs)
		return -1;
	return 0;
}

const char *
pop3_verb_name(enum pop3_verb verb)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return "?";
}

unsigned long
pop3_msgno(const char *arg, unsigned long max)
{
	long long n = pop3_count(arg);

	if (n < 1 || (unsigned long long)n > max)
		return 0;
	return (unsigned long)n;
}

long long
pop3_count(const char *arg)
{
	char *end;
	long long n;

	if (arg == NULL || !isdigit((unsigned char)arg[0]) ||
	    strlen(arg) > 18)
		return -1;
	errno = 0;
	n = strtoll(arg, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return n;
}

void
pop3_enc_init(struct pop3_enc *e, bool stuff)
{
	e->stuff = stuff;
	e->line_start = true;
	e->after_cr = false;
	e->out = 0;
}

size_t
pop3_enc_feed(struct pop3_enc *e, const char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == '\n') {
			if (!e->after_cr)
				out[o++] = '\r';
			out[o++] = '\n';
			e->line_start = true;
			e->after_cr = false;
			continue;
		}
		if (e->line_start && c == '.' && e->stuff)
			out[o++] = '.';
		out[o++] = c;
		e->line_start = false;
		e->after_cr = c == '\r';
	}
	e->out += o;
	return o;
}

size_t
pop3_enc_finish(struct pop3_enc *e, bool terminator, char *out)
{
	size_t o = 0;

	if (!e->line_start) {
		if (!e->after_cr)
			out[o++] = '\r';
		out[o++] = '\n';
		e->line_start = true;
		e->after_cr = false;
	}
	if (terminator) {
		memcpy(out + o, ".\r\n", 3);
		o += 3;
	}
	e->out += o;
	return o;
}

void
pop3_enc_count(struct pop3_enc *e, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (in[i] == '\n') {
			e->out += e->after_cr ? 1 : 2;
			e->line_start = true;
			e->after_cr = false;
			continue;
		}
		e->out++;
		e->line_start = false;
		e->after_cr = in[i] == '\r';
	}
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
pop3_b64_decode(const char *in, unsigned char *out, size_t outlen)
{
	size_t len = strlen(in), i, o = 0;
	int pad = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		unsigned long v = 0;
		int j;

		for (j = 0; j < 4; j++) {
			char c = in[i + j];
			int d;

			if (c == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || in[i + 3] == '=')) {
				pad++;
				d = 0;
			} else if (pad > 0 || (d = b64_value(c)) < 0)
				return -1;
			v = v << 6 | (unsigned long)d;
		}
		if (o + 3 - (size_t)pad > outlen)
			return -1;
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return (long)o;
}

/* Copy the NUL-free bytes [s, s+n) into buf; -1 when too long. */
static int
copy_part(const unsigned char *s, size_t n, char *buf, size_t buflen)
{
	if (n > POP3_NAME_MAX || n >= buflen)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int
pop3_sasl_plain(const unsigned char *msg, size_t len, char *user,
    size_t userlen, char *pass, size_t passlen)
{
	const unsigned char *n1, *n2;
	size_t zlen, ulen;

	if ((n1 = memchr(msg, '\0', len)) == NULL)
		return -1;
	zlen = (size_t)(n1 - msg);
	if ((n2 = memchr(n1 + 1, '\0', len - zlen - 1)) == NULL)
		return -1;
	ulen = (size_t)(n2 - n1 - 1);
	if (ulen == 0 || copy_part(n1 + 1, ulen, user, userlen) == -1 ||
	    copy_part(n2 + 1, len - zlen - ulen - 2, pass, passlen) == -1)
		return -1;
	if (memchr(pass, '\0', len - zlen - ulen - 2) != NULL)
		return -1;
	if (zlen != 0 && (zlen != ulen || memcmp(msg, n1 + 1, ulen) != 0))
		return -1;
	return 0;
}
