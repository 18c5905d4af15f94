/*
 * parse.c - read an exports(5) file in FreeBSD syntax into an export
 * table.  A tokenizer turns the text into logical lines of words
 * ('#' comments dropped, '\' continuations joined, double quotes
 * removed); each line is then read as paths, options and hosts, and
 * its group is added to the export of every path it names.
 *
 * Errors come back as "FILE:LINE: WORD: message", LINE being the line
 * of the offending word.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "export.h"

#define PARSE_MAX_FILE		(16 * 1024 * 1024)	/* exports file */
#define PARSE_MAX_WORDS		(EXPORT_MAX_LINE / 2 + 1)
#define PARSE_ERR_WORD		128	/* longest word quoted in errors */
#define PARSE_CRED_ERR		256
#define PARSE_FIRST_TARGETS	4
#define PARSE_FIRST_EXPORTS	16
#define PARSE_WORLD_NAME	"(everyone)"
#define PARSE_NET_NAME		(INET6_ADDRSTRLEN + sizeof("/128"))

/* First octets of the historical IPv4 classes B, C and D. */
#define CLASS_B			128
#define CLASS_C			192
#define CLASS_D			224

#define V4MAPPED_LEN		12	/* ::ffff: before an IPv4 address */
#define V4_LEN			4
#define V6_LEN			16

static const uint8_t v4mapped[V4MAPPED_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* One word of a logical line and the physical line it is on. */
struct word {
	const char	*text;
	int		 line;
};

/* The tokenizer: the text left to read and the logical line read. */
struct lexer {
	const char	*p;		/* next character */
	int		 line;		/* physical line of p */
	size_t		 linelen;	/* bytes of the logical line so far */
	size_t		 used;		/* bytes of buf in use */
	size_t		 wstart;	/* start in buf of the word being read */
	size_t		 nwords;
	char		 buf[EXPORT_MAX_LINE + 1];
	struct word	 words[PARSE_MAX_WORDS];
};

/* A path named by the entry being parsed. */
struct entry_path {
	const struct word	*word;
	char			*canon;		/* realpath() of the word */
	dev_t			 dev;
};

/* The entry (one logical line) being parsed. */
struct entry {
	int			 line;
	struct entry_path	*paths;
	size_t			 npaths;
	struct export_opts	 opts;
	bool			 maproot_set;
	const struct word	*netopt;	/* the -network word */
	const struct word	*netword;	/* the word holding its value */
	const char		*net;		/* its value */
	const struct word	*maskopt;
	const struct word	*maskword;
	const char		*mask;
	struct export_target	*targets;
	size_t			 ntargets;
	size_t			 captargets;
};

/* An option word: the option, the word holding its value, the value. */
struct optarg {
	const struct word	*opt;
	const struct word	*word;
	const char		*value;		/* NULL for a flag */
};

struct parser {
	const char		*name;		/* file name for errors */
	char			*err;
	size_t			 errlen;
	struct export_table	*table;
	size_t			 capexports;
	struct lexer		 lx;
};

typedef int option_fn(struct parser *, struct entry *,
    const struct optarg *);

static int
fail(struct parser *ps, int line, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct parser *ps, int line, const char *word, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errlen, "%s:%d: %.*s: ", ps->name, line,
	    PARSE_ERR_WORD, word);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_word(struct parser *ps, const struct word *w, const char *why)
{
	return fail(ps, w->line, w->text, "%s", why);
}

uint32_t
export_path_id(const char *path)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)path, strlen(path), md);
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	    (uint32_t)md[2] << 8 | (uint32_t)md[3];
}

/* The tokenizer. */

/* Length of a backslash-newline continuation at p, or 0. */
static size_t
continuation_len(const char *p)
{
	if (p[0] != '\\')
		return 0;
	if (p[1] == '\n')
		return 2;
	if (p[1] == '\r' && p[2] == '\n')
		return 3;
	return 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Fail on a too long logical line, naming its first word. */
static int
fail_long(struct parser *ps)
{
	struct lexer *lx = &ps->lx;

	if (lx->used < sizeof(lx->buf))
		lx->buf[lx->used] = '\0';
	if (lx->nwords > 0)
		return fail(ps, lx->words[0].line, lx->words[0].text,
		    "logical line longer than %d bytes", EXPORT_MAX_LINE);
	return fail(ps, lx->line, lx->buf + lx->wstart,
	    "logical line longer than %d bytes", EXPORT_MAX_LINE);
}

/* Count one more byte of the logical line against EXPORT_MAX_LINE. */
static int
count_byte(struct parser *ps)
{
	if (++ps->lx.linelen > EXPORT_MAX_LINE)
		return fail_long(ps);
	return 0;
}

static int
put_char(struct parser *ps, char c)
{
	struct lexer *lx = &ps->lx;

	if (lx->used + 1 >= sizeof(lx->buf))
		return fail_long(ps);
	lx->buf[lx->used++] = c;
	return 0;
}

static int
end_word(struct parser *ps)
{
	struct lexer *lx = &ps->lx;

	if (lx->used >= sizeof(lx->buf) || lx->nwords >= PARSE_MAX_WORDS)
		return fail_long(ps);
	lx->buf[lx->used++] = '\0';
	lx->words[lx->nwords].text = lx->buf + lx->wstart;
	lx->words[lx->nwords].line = lx->line;
	lx->nwords++;
	return 0;
}

/* Read the word at lx->p; double quotes protect blanks and '#'. */
static int
lex_word(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	bool quoted = false;
	char c;

	lx->wstart = lx->used;
	for (; (c = *lx->p) != '\0' && c != '\n'; lx->p++) {
		if (!quoted && (is_blank(c) || continuation_len(lx->p) > 0))
			break;
		if (count_byte(ps) == -1)
			return -1;
		if (c == '"')
			quoted = !quoted;
		else if (put_char(ps, c) == -1)
			return -1;
	}
	if (quoted) {
		lx->buf[lx->used] = '\0';
		return fail(ps, lx->line, lx->buf + lx->wstart,
		    "unterminated quote");
	}
	return end_word(ps);
}

static void
skip_comment(struct lexer *lx)
{
	while (*lx->p != '\0' && *lx->p != '\n')
		lx->p++;
}

/*
 * Read the next logical line into lx->words.  Returns 1 when there is
 * one, 0 at the end of the text, -1 on error.  A '#' starts a comment
 * only at the start of a word; a continuation counts as one blank.
 */
static int
lex_line(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	size_t cont;

	lx->linelen = lx->used = lx->wstart = lx->nwords = 0;
	for (;;) {
		if (*lx->p == '\0')
			return lx->nwords > 0;
		if (*lx->p == '\n') {
			lx->p++;
			lx->line++;
			if (lx->nwords > 0)
				return 1;
			lx->linelen = 0;
		} else if ((cont = continuation_len(lx->p)) > 0) {
			lx->p += cont;
			lx->line++;
			if (count_byte(ps) == -1)
				return -1;
		} else if (is_blank(*lx->p)) {
			lx->p++;
			if (count_byte(ps) == -1)
				return -1;
		} else if (*lx->p == '#')
			skip_comment(lx);
		else if (lex_word(ps) == -1)
			return -1;
	}
}

/* The table being built. */

static struct export *
lookup_export(struct export_table *table, const char *path)
{
	size_t k;

	for (k = 0; k < table->nexports; k++)
		if (strcmp(table->exports[k].path, path) == 0)
			return &table->exports[k];
	return NULL;
}

static void
free_targets(struct export_target *targets, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free(targets[k].name);
	free(targets);
}

void
export_table_free(struct export_table **table)
{
	struct export *exp;
	size_t k, g;

	if (*table == NULL)
		return;
	for (k = 0; k < (*table)->nexports; k++) {
		exp = &(*table)->exports[k];
		for (g = 0; g < exp->ngroups; g++)
			free_targets(exp->groups[g].targets,
			    exp->groups[g].ntargets);
		free(exp->groups);
		free(exp->path);
	}
	free((*table)->exports);
	free(*table);
	*table = NULL;
}

/* Refuse a new export whose id collides or that nests on one device. */
static int
check_overlap(struct parser *ps, const struct entry_path *ep, uint32_t id)
{
	const struct export *exp;
	size_t k;

	for (k = 0; k < ps->table->nexports; k++) {
		exp = &ps->table->exports[k];
		if (exp->id == id)
			return fail(ps, ep->word->line, ep->word->text,
			    "export id %08x of %s collides with %s", id,
			    ep->canon, exp->path);
		if (exp->dev != ep->dev)
			continue;
		if (export_path_within(exp->path, ep->canon))
			return fail(ps, ep->word->line, ep->word->text,
			    "inside exported %s on the same filesystem",
			    exp->path);
		if (export_path_within(ep->canon, exp->path))
			return fail(ps, ep->word->line, ep->word->text,
			    "contains exported %s on the same filesystem",
			    exp->path);
	}
	return 0;
}

static struct export *
create_export(struct parser *ps, struct entry_path *ep)
{
	struct export_table *table = ps->table;
	struct export *exp;
	size_t cap;
	uint32_t id = export_path_id(ep->canon);

	if (check_overlap(ps, ep, id) == -1)
		return NULL;
	if (table->nexports == ps->capexports) {
		cap = ps->capexports ? ps->capexports * 2 : PARSE_FIRST_EXPORTS;
		exp = reallocarray(table->exports, cap, sizeof(*exp));
		if (exp == NULL) {
			fail(ps, ep->word->line, ep->word->text, "%s",
			    strerror(errno));
			return NULL;
		}
		table->exports = exp;
		ps->capexports = cap;
	}
	exp = &table->exports[table->nexports++];
	memset(exp, 0, sizeof(*exp));
	exp->path = ep->canon;
	ep->canon = NULL;
	exp->id = id;
	exp->fsid = id;
	exp->dev = ep->dev;
	return exp;
}

static int
copy_targets(const struct entry *ent, struct export_group *g)
{
	size_t k;

	if ((g->targets = calloc(ent->ntargets, sizeof(*g->targets))) == NULL)
		return -1;
	for (k = 0; k < ent->ntargets; k++) {
		g->targets[k] = ent->targets[k];
		if ((g->targets[k].name = strdup(ent->targets[k].name)) ==
		    NULL) {
			free_targets(g->targets, k);
			g->targets = NULL;
			return -1;
		}
	}
	g->ntargets = ent->ntargets;
	return 0;
}

/* -fsid=N names one export: the same on each of its lines, unique. */
static int
apply_fsid(struct parser *ps, struct export *exp, const struct entry *ent,
    const struct word *w)
{
	const struct export *other;
	size_t k;

	if (!ent->opts.fsid_set)
		return 0;
	if (exp->fsid_line != 0 && exp->fsid != ent->opts.fsid)
		return fail(ps, w->line, w->text, "-fsid differs from the "
		    "one given on line %d", exp->fsid_line);
	for (k = 0; k < ps->table->nexports; k++) {
		other = &ps->table->exports[k];
		if (other != exp && other->fsid == ent->opts.fsid)
			return fail(ps, w->line, w->text, "-fsid=%llu is "
			    "also %s's", (unsigned long long)ent->opts.fsid,
			    other->path);
	}
	exp->fsid = ent->opts.fsid;
	if (exp->fsid_line == 0)
		exp->fsid_line = ent->line;
	return 0;
}

static int
append_group(struct parser *ps, struct export *exp, const struct entry *ent,
    const struct word *w)
{
	struct export_group *groups, *g;

	if (apply_fsid(ps, exp, ent, w) == -1)
		return -1;
	groups = reallocarray(exp->groups, exp->ngroups + 1, sizeof(*groups));
	if (groups == NULL)
		return fail(ps, w->line, w->text, "%s", strerror(errno));
	exp->groups = groups;
	g = &groups[exp->ngroups];
	memset(g, 0, sizeof(*g));
	g->opts = ent->opts;
	g->line = ent->line;
	if (copy_targets(ent, g) == -1)
		return fail(ps, w->line, w->text, "%s", strerror(errno));
	exp->ngroups++;
	return 0;
}

/* Add the parsed entry as a group of each of its paths. */
static int
add_entry(struct parser *ps, struct entry *ent)
{
	struct entry_path *ep;
	struct export *exp;
	size_t k;

	for (k = 0; k < ent->npaths; k++) {
		ep = &ent->paths[k];
		exp = lookup_export(ps->table, ep->canon);
		if (exp == NULL && (exp = create_export(ps, ep)) == NULL)
			return -1;
		if (append_group(ps, exp, ent, ep->word) == -1)
			return -1;
	}
	return 0;
}

/* Paths. */

static int
add_path(struct parser *ps, struct entry *ent, const struct word *w)
{
	struct entry_path *ep = &ent->paths[ent->npaths];
	struct stat st;
	size_t k;

	if (strlen(w->text) > EXPORT_MAX_PATH)
		return fail(ps, w->line, w->text, "path longer than %d bytes",
		    EXPORT_MAX_PATH);
	ep->word = w;
	if ((ep->canon = realpath(w->text, NULL)) == NULL)
		return fail_word(ps, w, strerror(errno));
	ent->npaths++;
	if (strlen(ep->canon) > EXPORT_MAX_PATH)
		return fail(ps, w->line, w->text,
		    "canonical path longer than %d bytes", EXPORT_MAX_PATH);
	if (stat(ep->canon, &st) == -1)
		return fail_word(ps, w, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail_word(ps, w, "not a directory");
	ep->dev = st.st_dev;
	for (k = 0; k + 1 < ent->npaths; k++)
		if (strcmp(ent->paths[k].canon, ep->canon) == 0)
			return fail(ps, w->line, w->text,
			    "same directory as %s on this line",
			    ent->paths[k].word->text);
	return 0;
}

static bool
only_options(const struct lexer *lx)
{
	size_t k;

	for (k = 0; k < lx->nwords; k++)
		if (lx->words[k].text[0] != '-')
			return false;
	return true;
}

/* Read the leading paths of the line; *i is left on the next word. */
static int
parse_paths(struct parser *ps, struct entry *ent, size_t *i)
{
	const struct lexer *lx = &ps->lx;
	const struct word *w = &lx->words[0];

	if (w->text[0] == '-' && only_options(lx))
		return fail_word(ps, w, "options without a path");
	if (w->text[0] == '-')
		return fail_word(ps, w, "entry without a path");
	if (w->text[0] != '/')
		return fail_word(ps, w, "not an absolute path");
	if ((ent->paths = calloc(lx->nwords, sizeof(*ent->paths))) == NULL)
		return fail_word(ps, w, strerror(errno));
	for (*i = 0; *i < lx->nwords && lx->words[*i].text[0] == '/'; (*i)++)
		if (add_path(ps, ent, &lx->words[*i]) == -1)
			return -1;
	return 0;
}

/* Targets. */

static bool
same_target(const struct export_target *a, const struct export_target *b)
{
	return a->kind == b->kind && a->family == b->family &&
	    a->prefix == b->prefix && memcmp(a->addr, b->addr, V6_LEN) == 0;
}

/* Refuse t if the line or an earlier line of one of its paths has it. */
static int
check_duplicate(struct parser *ps, const struct entry *ent,
    const struct word *w, const struct export_target *t, const char *name)
{
	const struct export *exp;
	const struct export_group *g;
	size_t k, i, j;

	for (k = 0; k < ent->ntargets; k++)
		if (same_target(&ent->targets[k], t))
			return fail(ps, w->line, w->text,
			    "%s given twice on this line", name);
	for (k = 0; k < ent->npaths; k++) {
		if ((exp = lookup_export(ps->table, ent->paths[k].canon)) ==
		    NULL)
			continue;
		for (i = 0; i < exp->ngroups; i++) {
			g = &exp->groups[i];
			for (j = 0; j < g->ntargets; j++)
				if (same_target(&g->targets[j], t))
					return fail(ps, w->line, w->text,
					    "%s already exported to %s "
					    "on line %d", exp->path, name,
					    g->line);
		}
	}
	return 0;
}

/* Add t to the entry under name; w is the word it comes from. */
static int
add_target(struct parser *ps, struct entry *ent, const struct word *w,
    struct export_target *t, const char *name)
{
	struct export_target *targets;
	size_t cap;

	if (check_duplicate(ps, ent, w, t, name) == -1)
		return -1;
	if (ent->ntargets == ent->captargets) {
		cap = ent->captargets ? ent->captargets * 2 :
		    PARSE_FIRST_TARGETS;
		targets = reallocarray(ent->targets, cap, sizeof(*targets));
		if (targets == NULL)
			return fail_word(ps, w, strerror(errno));
		ent->targets = targets;
		ent->captargets = cap;
	}
	if ((t->name = strdup(name)) == NULL)
		return fail_word(ps, w, strerror(errno));
	ent->targets[ent->ntargets++] = *t;
	return 0;
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? V4_LEN : V6_LEN;
}

static int
parse_addr(const char *s, int *family, uint8_t *addr)
{
	memset(addr, 0, V6_LEN);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Make t a host target, an IPv4-mapped IPv6 address made IPv4. */
static void
set_host(struct export_target *t)
{
	t->kind = EXPORT_TARGET_HOST;
	if (t->family == AF_INET6 &&
	    memcmp(t->addr, v4mapped, V4MAPPED_LEN) == 0) {
		memmove(t->addr, t->addr + V4MAPPED_LEN, V4_LEN);
		memset(t->addr + V4_LEN, 0, V6_LEN - V4_LEN);
		t->family = AF_INET;
	}
	t->prefix = t->family == AF_INET ? 32 : 128;
}

/* Add one address of a resolved host name, skipping repeats. */
static int
add_resolved(struct parser *ps, struct entry *ent, const struct word *w,
    const struct addrinfo *ai, size_t first)
{
	struct export_target t;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	size_t k;

	memset(&t, 0, sizeof(t));
	t.family = ai->ai_family;
	if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sin)) {
		memcpy(&sin, ai->ai_addr, sizeof(sin));
		memcpy(t.addr, &sin.sin_addr, V4_LEN);
	} else if (ai->ai_family == AF_INET6 &&
	    ai->ai_addrlen >= sizeof(sin6)) {
		memcpy(&sin6, ai->ai_addr, sizeof(sin6));
		memcpy(t.addr, &sin6.sin6_addr, V6_LEN);
	} else
		return fail(ps, w->line, w->text,
		    "resolves to an address of unknown family %d",
		    ai->ai_family);
	set_host(&t);
	for (k = first; k < ent->ntargets; k++)
		if (same_target(&ent->targets[k], &t))
			return 0;
	return add_target(ps, ent, w, &t, w->text);
}

static int
resolve_host(struct parser *ps, struct entry *ent, const struct word *w)
{
	struct addrinfo hints, *res, *ai;
	size_t first = ent->ntargets;
	int e, r = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((e = getaddrinfo(w->text, NULL, &hints, &res)) != 0)
		return fail(ps, w->line, w->text, "cannot resolve host: %s",
		    e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
	for (ai = res; ai != NULL && r == 0; ai = ai->ai_next)
		r = add_resolved(ps, ent, w, ai, first);
	freeaddrinfo(res);
	return r;
}

static int
add_host(struct parser *ps, struct entry *ent, const struct word *w)
{
	struct export_target t;

	memset(&t, 0, sizeof(t));
	if (parse_addr(w->text, &t.family, t.addr) == -1)
		return resolve_host(ps, ent, w);
	set_host(&t);
	return add_target(ps, ent, w, &t, w->text);
}

static int
add_world(struct parser *ps, struct entry *ent)
{
	struct export_target t;

	memset(&t, 0, sizeof(t));
	t.kind = EXPORT_TARGET_WORLD;
	t.family = AF_UNSPEC;
	return add_target(ps, ent, ent->paths[0].word, &t, PARSE_WORLD_NAME);
}

/* Read the hosts from word i on; none and no -network means world. */
static int
parse_hosts(struct parser *ps, struct entry *ent, size_t i)
{
	const struct lexer *lx = &ps->lx;
	const struct word *w;

	for (; i < lx->nwords; i++) {
		w = &lx->words[i];
		if (w->text[0] == '-')
			return fail_word(ps, w, "option after the hosts");
		if (w->text[0] == '/')
			return fail_word(ps, w,
			    "path after the options or hosts");
		if (ent->net != NULL)
			return fail_word(ps, w, "host and -network together");
		if (strchr(w->text, '/') != NULL)
			return fail_word(ps, w, "a network needs -network");
		if (add_host(ps, ent, w) == -1)
			return -1;
	}
	if (ent->ntargets == 0)
		return add_world(ps, ent);
	return 0;
}

/* Networks. */

static int
parse_prefix_len(const char *s, unsigned max, unsigned *prefix)
{
	size_t n = strlen(s);

	if (n == 0 || n > 3 || strspn(s, "0123456789") != n)
		return -1;
	*prefix = (unsigned)strtoul(s, NULL, 10);
	return *prefix <= max ? 0 : -1;
}

/* The prefix length of a contiguous mask, or -1. */
static int
mask_to_prefix(const uint8_t *m, size_t len, unsigned *prefix)
{
	unsigned bits = 0;
	size_t k;
	uint8_t b;

	for (k = 0; k < len && m[k] == 0xff; k++)
		bits += 8;
	if (k < len) {
		for (b = m[k]; b & 0x80; b = (uint8_t)(b << 1))
			bits++;
		if (b != 0)
			return -1;
		for (k++; k < len; k++)
			if (m[k] != 0)
				return -1;
	}
	*prefix = bits;
	return 0;
}

static int
apply_mask(struct parser *ps, const struct entry *ent,
    struct export_target *t)
{
	const struct word *w = ent->maskword;
	uint8_t mask[V6_LEN];
	int family;

	if (parse_addr(ent->mask, &family, mask) == -1)
		return fail_word(ps, w, "malformed mask");
	if (family != t->family)
		return fail_word(ps, w, "mask and network of different "
		    "address families");
	if (mask_to_prefix(mask, addr_len(family), &t->prefix) == -1)
		return fail_word(ps, w, "non-contiguous mask");
	return 0;
}

/* The historical classful prefix of an IPv4 network without a mask. */
static int
apply_class(struct parser *ps, const struct entry *ent,
    struct export_target *t)
{
	const struct word *w = ent->netword;

	if (t->family != AF_INET)
		return fail_word(ps, w, "IPv6 -network needs a /prefix length");
	if (t->addr[0] < CLASS_B)
		t->prefix = 8;
	else if (t->addr[0] < CLASS_C)
		t->prefix = 16;
	else if (t->addr[0] < CLASS_D)
		t->prefix = 24;
	else
		return fail_word(ps, w,
		    "no classful mask, give -mask or a /prefix length");
	return 0;
}

static int
apply_prefix(struct parser *ps, const struct entry *ent, const char *slash,
    struct export_target *t)
{
	unsigned max = t->family == AF_INET ? 32 : 128;

	if (slash != NULL && ent->mask != NULL)
		return fail_word(ps, ent->maskword,
		    "-mask with a /prefix network");
	if (slash != NULL) {
		if (parse_prefix_len(slash + 1, max, &t->prefix) == -1)
			return fail_word(ps, ent->netword,
			    "malformed prefix length");
		return 0;
	}
	if (ent->mask != NULL)
		return apply_mask(ps, ent, t);
	return apply_class(ps, ent, t);
}

/* Whether t has address bits set beyond its prefix. */
static bool
has_host_bits(const struct export_target *t)
{
	size_t k = t->prefix / 8, len = addr_len(t->family);
	unsigned rest = t->prefix % 8;

	if (rest != 0) {
		if ((t->addr[k] & (0xff >> rest)) != 0)
			return true;
		k++;
	}
	for (; k < len; k++)
		if (t->addr[k] != 0)
			return true;
	return false;
}

/*
 * A network written IPv4-mapped (::ffff:10.0.0.0/104) is the IPv4
 * network it maps (10.0.0.0/8): clients are matched as IPv4.
 */
static int
unmap_network(struct parser *ps, const struct word *w,
    struct export_target *t)
{
	unsigned mapped_bits = V4MAPPED_LEN * 8;

	if (t->family != AF_INET6 ||
	    memcmp(t->addr, v4mapped, V4MAPPED_LEN) != 0)
		return 0;
	if (t->prefix < mapped_bits)
		return fail_word(ps, w, "an IPv4-mapped network needs a "
		    "prefix of at least 96 bits");
	memmove(t->addr, t->addr + V4MAPPED_LEN, V4_LEN);
	memset(t->addr + V4_LEN, 0, V6_LEN - V4_LEN);
	t->family = AF_INET;
	t->prefix -= mapped_bits;
	return 0;
}

static int
add_network(struct parser *ps, struct entry *ent)
{
	const struct word *w = ent->netword;
	const char *slash = strchr(ent->net, '/');
	char addr[INET6_ADDRSTRLEN], name[PARSE_NET_NAME];
	struct export_target t;
	size_t len = slash ? (size_t)(slash - ent->net) : strlen(ent->net);

	memset(&t, 0, sizeof(t));
	t.kind = EXPORT_TARGET_NET;
	if (len >= sizeof(addr))
		return fail_word(ps, w, "malformed network address");
	memcpy(addr, ent->net, len);
	addr[len] = '\0';
	if (parse_addr(addr, &t.family, t.addr) == -1)
		return fail_word(ps, w, "malformed network address");
	if (apply_prefix(ps, ent, slash, &t) == -1)
		return -1;
	if (has_host_bits(&t))
		return fail(ps, w->line, w->text,
		    "address has bits set beyond the /%u prefix", t.prefix);
	if (unmap_network(ps, w, &t) == -1)
		return -1;
	if (inet_ntop(t.family, t.addr, addr, sizeof(addr)) == NULL)
		return fail_word(ps, w, strerror(errno));
	snprintf(name, sizeof(name), "%s/%u", addr, t.prefix);
	return add_target(ps, ent, w, &t, name);
}

/* Options. */

static int
set_ro(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	(void)ps;
	(void)a;
	ent->opts.ro = true;
	return 0;
}

static int
set_alldirs(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	(void)ps;
	(void)a;
	ent->opts.alldirs = true;
	return 0;
}

static int
set_resvport(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	(void)ps;
	(void)a;
	ent->opts.resvport = true;
	return 0;
}

static int
parse_cred(struct parser *ps, const struct optarg *a,
    struct export_cred *cred)
{
	char why[PARSE_CRED_ERR];

	if (export_cred_parse(a->value, cred, why, sizeof(why)) == -1)
		return fail_word(ps, a->word, why);
	return 0;
}

static int
set_maproot(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	if (ent->maproot_set)
		return fail_word(ps, a->opt, "-maproot given twice");
	if (ent->opts.mapall_set)
		return fail_word(ps, a->opt, "-maproot with -mapall");
	ent->maproot_set = true;
	return parse_cred(ps, a, &ent->opts.maproot);
}

static int
set_mapall(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	if (ent->opts.mapall_set)
		return fail_word(ps, a->opt, "-mapall given twice");
	if (ent->maproot_set)
		return fail_word(ps, a->opt, "-mapall with -maproot");
	ent->opts.mapall_set = true;
	return parse_cred(ps, a, &ent->opts.mapall);
}

/* -sec=flavour[:flavour...]: only AUTH_SYS is served. */
static int
set_sec(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	const char *p = a->value;
	size_t n;

	(void)ent;
	for (;;) {
		n = strcspn(p, ":");
		if (n != strlen("sys") || strncmp(p, "sys", n) != 0)
			return fail(ps, a->word->line, a->word->text,
			    "unsupported security flavour \"%.*s\", "
			    "only sys", (int)n, p);
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* -fsid=N: the fsid clients see, for fileservers that fail over. */
static int
set_fsid(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	unsigned long long v;
	char *end;

	if (ent->opts.fsid_set)
		return fail_word(ps, a->opt, "-fsid given twice");
	errno = 0;
	v = strtoull(a->value, &end, 10);
	if (errno != 0 || *end != '\0' || a->value[0] == '-' ||
	    !isdigit((unsigned char)a->value[0]))
		return fail_word(ps, a->word, "-fsid wants a decimal number");
	ent->opts.fsid_set = true;
	ent->opts.fsid = v;
	return 0;
}

static int
set_network(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	if (ent->net != NULL)
		return fail_word(ps, a->opt, "-network given twice");
	ent->netopt = a->opt;
	ent->netword = a->word;
	ent->net = a->value;
	return 0;
}

static int
set_mask(struct parser *ps, struct entry *ent, const struct optarg *a)
{
	if (ent->mask != NULL)
		return fail_word(ps, a->opt, "-mask given twice");
	ent->maskopt = a->opt;
	ent->maskword = a->word;
	ent->mask = a->value;
	return 0;
}

static const struct option {
	const char	*name;
	bool		 takes_value;
	option_fn	*apply;
} options[] = {
	{ "alldirs",	false,	set_alldirs },
	{ "fsid",	true,	set_fsid },
	{ "mapall",	true,	set_mapall },
	{ "maproot",	true,	set_maproot },
	{ "mask",	true,	set_mask },
	{ "network",	true,	set_network },
	{ "o",		false,	set_ro },
	{ "resvport",	false,	set_resvport },
	{ "ro",		false,	set_ro },
	{ "sec",	true,	set_sec },
};

static const struct option *
find_option(const char *name, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(options) / sizeof(options[0]); k++)
		if (strlen(options[k].name) == len &&
		    strncmp(options[k].name, name, len) == 0)
			return &options[k];
	return NULL;
}

/* Read the option at word *i, and its value: "-opt=value" or "-opt value". */
static int
parse_option(struct parser *ps, struct entry *ent, size_t *i)
{
	const struct lexer *lx = &ps->lx;
	const struct option *o;
	const char *name, *eq;
	struct optarg a;

	a.opt = a.word = &lx->words[(*i)++];
	a.value = NULL;
	name = a.opt->text + 1;
	eq = strchr(name, '=');
	o = find_option(name, eq ? (size_t)(eq - name) : strlen(name));
	if (o == NULL)
		return fail_word(ps, a.opt, "unknown option");
	if (!o->takes_value && eq != NULL)
		return fail_word(ps, a.opt, "option takes no value");
	if (o->takes_value && eq != NULL)
		a.value = eq + 1;
	else if (o->takes_value && *i < lx->nwords) {
		a.word = &lx->words[(*i)++];
		a.value = a.word->text;
	} else if (o->takes_value)
		return fail_word(ps, a.opt, "option missing its value");
	if (a.value != NULL && a.value[0] == '\0')
		return fail_word(ps, a.opt, "option missing its value");
	return o->apply(ps, ent, &a);
}

/* Read the options from word *i on, then the -network they give. */
static int
parse_options(struct parser *ps, struct entry *ent, size_t *i)
{
	const struct lexer *lx = &ps->lx;

	while (*i < lx->nwords && lx->words[*i].text[0] == '-')
		if (parse_option(ps, ent, i) == -1)
			return -1;
	if (ent->mask != NULL && ent->net == NULL)
		return fail_word(ps, ent->maskopt, "-mask without -network");
	if (ent->net != NULL)
		return add_network(ps, ent);
	return 0;
}

/* Entries. */

static void
init_entry(struct entry *ent, int line)
{
	memset(ent, 0, sizeof(*ent));
	ent->line = line;
	ent->opts.maproot.uid = ent->opts.maproot.gid = EXPORT_NOBODY;
	ent->opts.mapall.uid = ent->opts.mapall.gid = EXPORT_NOBODY;
}

static void
free_entry(struct entry *ent)
{
	size_t k;

	for (k = 0; k < ent->npaths; k++)
		free(ent->paths[k].canon);
	free(ent->paths);
	free_targets(ent->targets, ent->ntargets);
}

static int
parse_entry(struct parser *ps)
{
	struct entry ent;
	size_t i = 0;
	int r;

	init_entry(&ent, ps->lx.words[0].line);
	r = parse_paths(ps, &ent, &i);
	if (r == 0)
		r = parse_options(ps, &ent, &i);
	if (r == 0)
		r = parse_hosts(ps, &ent, i);
	if (r == 0)
		r = add_entry(ps, &ent);
	free_entry(&ent);
	return r;
}

static int
compare_exports(const void *a, const void *b)
{
	const struct export *x = a, *y = b;

	if (x->id < y->id)
		return -1;
	return x->id > y->id;
}

int
export_parse_text(const char *name, const char *text,
    struct export_table **out, char *err, size_t errlen)
{
	struct parser *ps;
	int r;

	*out = NULL;
	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    (ps->table = calloc(1, sizeof(*ps->table))) == NULL) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		free(ps);
		return -1;
	}
	ps->name = name;
	ps->err = err;
	ps->errlen = errlen;
	ps->lx.p = text;
	ps->lx.line = 1;
	while ((r = lex_line(ps)) == 1)
		if (parse_entry(ps) == -1) {
			r = -1;
			break;
		}
	if (r == 0) {
		if (ps->table->nexports > 0)	/* exports is NULL if none */
			qsort(ps->table->exports, ps->table->nexports,
			    sizeof(*ps->table->exports), compare_exports);
		*out = ps->table;
		ps->table = NULL;
	}
	export_table_free(&ps->table);
	free(ps);
	return r;
}

static int
line_of(const char *text, const char *at)
{
	int line = 1;

	for (; text < at; text++)
		if (*text == '\n')
			line++;
	return line;
}

/* The size of the open exports file, which must be a small regular file. */
static int
size_file(FILE *fp, const char *file, size_t *size, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", file);
		return -1;
	}
	if (st.st_size > PARSE_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", file,
		    PARSE_MAX_FILE);
		return -1;
	}
	*size = (size_t)st.st_size;
	return 0;
}

/* Read the whole file into *textp, refusing NUL bytes. */
static int
read_text(const char *file, char **textp, char *err, size_t errlen)
{
	const char *nul;
	char *text = NULL;
	size_t size, n;
	FILE *fp;

	if ((fp = fopen(file, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (size_file(fp, file, &size, err, errlen) == -1)
		goto fail;
	if ((text = malloc(size + 1)) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		goto fail;
	}
	n = fread(text, 1, size, fp);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		goto fail;
	}
	text[n] = '\0';
	if ((nul = memchr(text, '\0', n)) != NULL) {
		snprintf(err, errlen, "%s:%d: \\0: NUL byte in the file", file,
		    line_of(text, nul));
		goto fail;
	}
	fclose(fp);
	*textp = text;
	return 0;
fail:
	fclose(fp);
	free(text);
	return -1;
}

int
export_parse_file(const char *file, struct export_table **out,
    char *err, size_t errlen)
{
	char *text;
	int r;

	*out = NULL;
	if (read_text(file, &text, err, errlen) == -1)
		return -1;
	r = export_parse_text(file, text, out, err, errlen);
	free(text);
	return r;
}
