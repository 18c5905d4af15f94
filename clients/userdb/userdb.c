/*
 * userdb.c - the userdb text file in memory: parsing lines into users
 * and their fields, checking the fields this project uses, finding
 * users, adding, replacing and removing lines, and formatting the
 * file again.  Comments, blank and reverse ("=UID") lines are kept as
 * they were, so a rewrite changes only the lines that were edited.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "userdb.h"
#include "userdb_impl.h"

#define FIRST_ENTRIES	64
#define MAX_ID		((unsigned long)UINT32_MAX - 1)	/* not -1 */
#define LOCKED_MARKS	"!*"	/* systempw starting so: no login */

static int
msg(char *err, size_t errlen, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "WORD: message" into err; returns -1. */
static int
msg(char *err, size_t errlen, const char *word, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (errlen == 0)
		return -1;
	n = snprintf(err, errlen, "%.*s: ", USERDB_ERR_WORD, word);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

bool
userdb_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > USERDB_MAX_NAME || name[0] == '.' ||
	    name[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) &&
		    strchr("._+@-", name[i]) == NULL)
			return false;
	return true;
}

static bool
field_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > USERDB_MAX_FIELD)
		return false;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* No '|', no control characters (TAB, CR, LF, DEL included). */
static bool
value_chars_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '|')
			return false;
	return true;
}

static int
parse_id(const char *s, uint32_t *id)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > MAX_ID)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

static bool
customer_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > USERDB_MAX_CUSTOMER)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return false;
	return true;
}

/* Check the value of a field this project interprets. */
static int
check_field(const char *name, const char *value, char *err, size_t errlen)
{
	uint32_t id;

	if (!field_name_valid(name))
		return msg(err, errlen, name, "not a field name "
		    "([a-z0-9_], at most %d)", USERDB_MAX_FIELD);
	if (strlen(value) > USERDB_MAX_VALUE)
		return msg(err, errlen, name, "value longer than %d bytes",
		    USERDB_MAX_VALUE);
	if (!value_chars_valid(value))
		return msg(err, errlen, name, "'|' or a control character "
		    "in the value");
	if ((strcmp(name, "uid") == 0 || strcmp(name, "gid") == 0) &&
	    parse_id(value, &id) != 0)
		return msg(err, errlen, name, "\"%.*s\" is not a number in "
		    "1..%lu", USERDB_ERR_WORD, value, MAX_ID);
	if (strcmp(name, "home") == 0 && !conf_path_canonical(value))
		return msg(err, errlen, name, "\"%.*s\" is not a canonical "
		    "absolute path", USERDB_ERR_WORD, value);
	if (strcmp(name, "systempw") == 0 && (value[0] == '\0' ||
	    strchr(LOCKED_MARKS, value[0]) == NULL) &&
	    !userdb_hash_supported(value))
		return msg(err, errlen, name, "not a $6$, $y$ or $2b$ crypt "
		    "hash (a leading ! or * locks an account)");
	if (strcmp(name, "customer") == 0 && !customer_valid(value))
		return msg(err, errlen, name, "\"%.*s\" is not 1..%d of "
		    "[A-Za-z0-9._-]", USERDB_ERR_WORD, value,
		    USERDB_MAX_CUSTOMER);
	return 0;
}

const char *
userdb_user_get(const struct userdb_user *u, const char *field)
{
	size_t i;

	for (i = 0; i < u->nfields; i++)
		if (strcmp(u->fields[i].name, field) == 0)
			return u->fields[i].value;
	return NULL;
}

/* Set uid, gid and the pointers from the fields; check what is needed. */
static int
derive(struct userdb_user *u, char *err, size_t errlen)
{
	const char *uid, *gid;

	uid = userdb_user_get(u, "uid");
	gid = userdb_user_get(u, "gid");
	u->home = userdb_user_get(u, "home");
	u->systempw = userdb_user_get(u, "systempw");
	u->customer = userdb_user_get(u, "customer");
	if (uid == NULL || gid == NULL || u->home == NULL)
		return msg(err, errlen, u->name, "uid, gid and home are "
		    "required");
	if (parse_id(uid, &u->uid) != 0 || parse_id(gid, &u->gid) != 0)
		return msg(err, errlen, u->name, "bad uid or gid");
	return 0;
}

void
userdb_user_clear(struct userdb_user *u)
{
	size_t i;

	for (i = 0; i < u->nfields; i++) {
		free(u->fields[i].name);
		free(u->fields[i].value);
	}
	free(u->fields);
	free(u->name);
	memset(u, 0, sizeof(*u));
}

void
userdb_user_free(struct userdb_user **up)
{
	if (*up == NULL)
		return;
	userdb_user_clear(*up);
	free(*up);
	*up = NULL;
}

static int
add_field(struct userdb_user *u, const char *name, const char *value)
{
	struct userdb_field *nf, *f;

	nf = realloc(u->fields, (u->nfields + 1) * sizeof(*nf));
	if (nf == NULL)
		return -1;
	u->fields = nf;
	f = &u->fields[u->nfields];
	if ((f->name = strdup(name)) == NULL)
		return -1;
	if ((f->value = strdup(value)) == NULL) {
		free(f->name);
		return -1;
	}
	u->nfields++;
	return 0;
}

int
userdb_parse_fields(struct userdb_user *u, char *fields, char *err,
    size_t errlen)
{
	char *f, *next, *eq;

	if (fields[0] == '\0')
		return msg(err, errlen, u->name, "no fields");
	for (f = fields; f != NULL; f = next) {
		if ((next = strchr(f, '|')) != NULL)
			*next++ = '\0';
		if (*f == '\0')
			return msg(err, errlen, u->name, "an empty field (a "
			    "stray '|')");
		if ((eq = strchr(f, '=')) == NULL)
			return msg(err, errlen, f, "a field is name=value");
		*eq = '\0';
		if (check_field(f, eq + 1, err, errlen) != 0)
			return -1;
		if (userdb_user_get(u, f) != NULL)
			return msg(err, errlen, f, "given twice");
		if (u->nfields >= USERDB_MAX_FIELDS)
			return msg(err, errlen, f, "more than %d fields",
			    USERDB_MAX_FIELDS);
		if (add_field(u, f, eq + 1) != 0)
			return msg(err, errlen, f, "out of memory");
	}
	return derive(u, err, errlen);
}

/* Parse a user line (changed in place) into u. */
static int
parse_user(struct userdb_user *u, char *line, char *err, size_t errlen)
{
	char *tab;

	memset(u, 0, sizeof(*u));
	if ((tab = strchr(line, '\t')) == NULL)
		return msg(err, errlen, line, "no TAB after the name");
	*tab = '\0';
	if (!userdb_name_valid(line))
		return msg(err, errlen, line, "not a user name (1..%d of "
		    "[a-z0-9._+@-], not starting with '.' or '-')",
		    USERDB_MAX_NAME);
	if (tab[1] == '\t' || tab[1] == ' ')
		return msg(err, errlen, line, "exactly one TAB goes after "
		    "the name");
	if ((u->name = strdup(line)) == NULL)
		return msg(err, errlen, line, "out of memory");
	if (userdb_parse_fields(u, tab + 1, err, errlen) != 0) {
		userdb_user_clear(u);
		return -1;
	}
	return 0;
}

/* Comments, blank lines and "=UID<TAB>name" lines are kept as text. */
static bool
is_raw_line(const char *line)
{
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == '#' || line[0] == '=';
}

static struct userdb_entry *
new_entry(struct userdb *db)
{
	struct userdb_entry *ne;
	size_t cap;

	if (db->nentries == db->capentries) {
		cap = db->capentries == 0 ? FIRST_ENTRIES :
		    db->capentries * 2;
		ne = reallocarray(db->entries, cap, sizeof(*ne));
		if (ne == NULL)
			return NULL;
		db->entries = ne;
		db->capentries = cap;
	}
	memset(&db->entries[db->nentries], 0, sizeof(*db->entries));
	return &db->entries[db->nentries];
}

struct userdb *
userdb_new(const char *file)
{
	struct userdb *db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->file = strdup(file)) == NULL) {
		free(db);
		return NULL;
	}
	return db;
}

void
userdb_free(struct userdb **dbp)
{
	struct userdb *db = *dbp;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nentries; i++) {
		free(db->entries[i].raw);
		userdb_user_clear(&db->entries[i].user);
	}
	free(db->entries);
	free(db->file);
	free(db);
	*dbp = NULL;
}

/* Add one line of the file (no newline) to db. */
static int
parse_line(struct userdb *db, char *line, int lineno, char *err,
    size_t errlen)
{
	struct userdb_entry *e;

	if ((e = new_entry(db)) == NULL)
		return msg(err, errlen, "userdb", "out of memory");
	if (is_raw_line(line)) {
		if ((e->raw = strdup(line)) == NULL)
			return msg(err, errlen, "userdb", "out of memory");
		db->nentries++;
		return 0;
	}
	if (parse_user(&e->user, line, err, errlen) != 0)
		return -1;
	e->user.line = lineno;
	db->nentries++;
	return 0;
}

static int
cmp_users(const void *a, const void *b)
{
	const struct userdb_user *ua = *(const struct userdb_user *const *)a;
	const struct userdb_user *ub = *(const struct userdb_user *const *)b;
	int c;

	if ((c = strcmp(ua->name, ub->name)) != 0)
		return c;
	return (ua->line > ub->line) - (ua->line < ub->line);
}

/* A name on two lines is an error naming the second: sort, compare. */
static int
check_unique(const struct userdb *db, char *err, size_t errlen)
{
	const struct userdb_user **v;
	size_t i, n = 0;
	int rc = 0;

	if (db->nentries == 0)
		return 0;
	if ((v = calloc(db->nentries, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", db->file);
		return -1;
	}
	for (i = 0; i < db->nentries; i++)
		if (db->entries[i].raw == NULL)
			v[n++] = &db->entries[i].user;
	qsort(v, n, sizeof(*v), cmp_users);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(v[i - 1]->name, v[i]->name) == 0) {
			snprintf(err, errlen, "%s:%d: %.*s: already at line "
			    "%d", db->file, v[i]->line, USERDB_ERR_WORD,
			    v[i]->name, v[i - 1]->line);
			rc = -1;
		}
	free(v);
	return rc;
}

int
userdb_parse_text(const char *name, const char *text, size_t len,
    struct userdb **out, char *err, size_t errlen)
{
	char line[USERDB_MAX_LINE + 1], why[USERDB_MSG_MAX];
	const char *p = text, *end = text + len, *nl;
	struct userdb *db;
	size_t n;
	int lineno;

	*out = NULL;
	if ((db = userdb_new(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	for (lineno = 1; p < end; lineno++, p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > USERDB_MAX_LINE || memchr(p, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: line: longer than %d "
			    "bytes or holding a NUL", name, lineno,
			    USERDB_MAX_LINE);
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (parse_line(db, line, lineno, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
			goto fail;
		}
	}
	if (check_unique(db, err, errlen) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	userdb_free(&db);
	return -1;
}

int
userdb_parse_file(const char *file, struct userdb **out, char *err,
    size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if (userdb_read_file(file, USERDB_MAX_FILE, &text, &len, err,
	    errlen) != 0)
		return -1;
	rc = userdb_parse_text(file, text, len, out, err, errlen);
	free(text);
	return rc;
}

/* Lookups. */

/* The index of name's entry, or nentries. */
static size_t
find_index(const struct userdb *db, const char *name)
{
	size_t i;

	for (i = 0; i < db->nentries; i++)
		if (db->entries[i].raw == NULL &&
		    strcmp(db->entries[i].user.name, name) == 0)
			break;
	return i;
}

static struct userdb_user *
find_user(const struct userdb *db, const char *name)
{
	size_t i = find_index(db, name);

	return i < db->nentries ? &db->entries[i].user : NULL;
}

const struct userdb_user *
userdb_find(const struct userdb *db, const char *name)
{
	return find_user(db, name);
}

const struct userdb_user *
userdb_find_uid(const struct userdb *db, uint32_t uid)
{
	size_t i;

	for (i = 0; i < db->nentries; i++)
		if (db->entries[i].raw == NULL &&
		    db->entries[i].user.uid == uid)
			return &db->entries[i].user;
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

uint32_t
userdb_next_uid(const struct userdb *db, uint32_t first)
{
	uint32_t *v;
	uint64_t uid;
	size_t i, n = 0;

	if (first == 0)
		first = 1;
	if ((v = calloc(db->nentries + 1, sizeof(*v))) == NULL)
		return 0;
	for (i = 0; i < db->nentries; i++)
		if (db->entries[i].raw == NULL &&
		    db->entries[i].user.uid >= first)
			v[n++] = db->entries[i].user.uid;
	qsort(v, n, sizeof(*v), cmp_u32);
	uid = first;
	for (i = 0; i < n && v[i] <= uid; i++)
		if (v[i] == uid)
			uid++;
	free(v);
	return uid <= MAX_ID ? (uint32_t)uid : 0;
}

/* Edits. */

/* Parse a line given by a program into u, with "NAME: ..." errors. */
static int
parse_given(struct userdb_user *u, const char *text, char *err,
    size_t errlen)
{
	char line[USERDB_MAX_LINE + 1];
	size_t len = strlen(text);

	memset(u, 0, sizeof(*u));
	if (len > USERDB_MAX_LINE || strchr(text, '\n') != NULL)
		return msg(err, errlen, "line", "longer than %d bytes or "
		    "more than one line", USERDB_MAX_LINE);
	if (is_raw_line(text))
		return msg(err, errlen, "line", "not a user line");
	memcpy(line, text, len + 1);
	return parse_user(u, line, err, errlen);
}

int
userdb_add_line(struct userdb *db, const char *line, char *err,
    size_t errlen)
{
	struct userdb_entry *e;
	struct userdb_user u;

	if (parse_given(&u, line, err, errlen) != 0)
		return -1;
	if (find_user(db, u.name) != NULL) {
		msg(err, errlen, u.name, "the user exists");
		userdb_user_clear(&u);
		return -1;
	}
	if ((e = new_entry(db)) == NULL) {
		userdb_user_clear(&u);
		return msg(err, errlen, "userdb", "out of memory");
	}
	e->user = u;
	db->nentries++;
	return 0;
}

int
userdb_replace_line(struct userdb *db, const char *line, char *err,
    size_t errlen)
{
	struct userdb_user u, *old;

	if (parse_given(&u, line, err, errlen) != 0)
		return -1;
	if ((old = find_user(db, u.name)) == NULL) {
		msg(err, errlen, u.name, "no such user");
		userdb_user_clear(&u);
		return -1;
	}
	u.line = old->line;
	userdb_user_clear(old);
	*old = u;
	return 0;
}

int
userdb_add_user(struct userdb *db, const char *name, uint32_t uid,
    uint32_t gid, const char *home, char *err, size_t errlen)
{
	char line[USERDB_MAX_LINE + 1];
	int n;

	n = snprintf(line, sizeof(line), "%s\tuid=%u|gid=%u|home=%s", name,
	    uid, gid, home);
	if (n < 0 || (size_t)n >= sizeof(line))
		return msg(err, errlen, name, "line longer than %d bytes",
		    USERDB_MAX_LINE);
	if (!userdb_name_valid(name) || strchr(home, '|') != NULL)
		return msg(err, errlen, name, "not a user name, or a bad "
		    "home");
	return userdb_add_line(db, line, err, errlen);
}

static void
drop_field(struct userdb_user *u, size_t i)
{
	free(u->fields[i].name);
	free(u->fields[i].value);
	memmove(&u->fields[i], &u->fields[i + 1],
	    (u->nfields - i - 1) * sizeof(u->fields[0]));
	u->nfields--;
}

/* Whether u's line stays within USERDB_MAX_LINE with field i set. */
static bool
fits_line(const struct userdb_user *u, size_t i, const char *field,
    const char *value)
{
	char line[USERDB_MAX_LINE + 1];
	size_t len, add = strlen(value), drop = 0;
	int n;

	if ((n = userdb_format_user(u, line, sizeof(line))) < 0)
		return false;
	len = (size_t)n;
	if (i < u->nfields)
		drop = strlen(u->fields[i].value);
	else
		add += strlen(field) + sizeof("|=") - 1;
	return len - drop + add <= USERDB_MAX_LINE;
}

int
userdb_set_field(struct userdb *db, const char *name, const char *field,
    const char *value, char *err, size_t errlen)
{
	struct userdb_user *u;
	char *v;
	size_t i;

	if ((u = find_user(db, name)) == NULL)
		return msg(err, errlen, name, "no such user");
	if (value != NULL && check_field(field, value, err, errlen) != 0)
		return -1;
	for (i = 0; i < u->nfields; i++)
		if (strcmp(u->fields[i].name, field) == 0)
			break;
	if (value != NULL && !fits_line(u, i, field, value))
		return msg(err, errlen, field, "the line would be longer "
		    "than %d bytes", USERDB_MAX_LINE);
	if (value == NULL && (strcmp(field, "uid") == 0 ||
	    strcmp(field, "gid") == 0 || strcmp(field, "home") == 0))
		return msg(err, errlen, field, "cannot be removed");
	if (value == NULL) {
		if (i < u->nfields)
			drop_field(u, i);
	} else if (i < u->nfields) {
		if ((v = strdup(value)) == NULL)
			return msg(err, errlen, field, "out of memory");
		free(u->fields[i].value);
		u->fields[i].value = v;
	} else {
		if (u->nfields >= USERDB_MAX_FIELDS)
			return msg(err, errlen, field, "more than %d fields",
			    USERDB_MAX_FIELDS);
		if (add_field(u, field, value) != 0)
			return msg(err, errlen, field, "out of memory");
	}
	return derive(u, err, errlen);
}

int
userdb_remove(struct userdb *db, const char *name)
{
	size_t i;

	if ((i = find_index(db, name)) == db->nentries)
		return -1;
	userdb_user_clear(&db->entries[i].user);
	memmove(&db->entries[i], &db->entries[i + 1],
	    (db->nentries - i - 1) * sizeof(db->entries[0]));
	db->nentries--;
	return 0;
}

struct userdb_user *
userdb_user_dup(const struct userdb_user *u)
{
	struct userdb_user *c;
	char err[USERDB_MSG_MAX];
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->name = strdup(u->name)) == NULL)
		goto fail;
	for (i = 0; i < u->nfields; i++)
		if (add_field(c, u->fields[i].name, u->fields[i].value) != 0)
			goto fail;
	c->line = u->line;
	if (derive(c, err, sizeof(err)) != 0)
		goto fail;
	return c;
fail:
	userdb_user_free(&c);
	return NULL;
}

/* Formatting. */

int
userdb_format_fields(const struct userdb_user *u, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < u->nfields; i++) {
		n = snprintf(buf + used, len - used, "%s%s=%s",
		    i == 0 ? "" : "|", u->fields[i].name, u->fields[i].value);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}

int
userdb_format_user(const struct userdb_user *u, char *buf, size_t len)
{
	int n, m;

	n = snprintf(buf, len, "%s\t", u->name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	if ((m = userdb_format_fields(u, buf + n, len - (size_t)n)) < 0)
		return -1;
	return n + m;
}

int
userdb_format(const struct userdb *db, char **textp, size_t *lenp)
{
	char line[USERDB_MAX_LINE * 2 + 2], *text = NULL, *nt;
	size_t i, len = 0, cap = 0, n;
	int m;

	for (i = 0; i < db->nentries; i++) {
		if (db->entries[i].raw != NULL) {
			m = snprintf(line, sizeof(line), "%s\n",
			    db->entries[i].raw);
		} else if ((m = userdb_format_user(&db->entries[i].user,
		    line, sizeof(line) - 1)) >= 0) {
			line[m++] = '\n';
			line[m] = '\0';
		}
		if (m < 0 || (size_t)m >= sizeof(line))
			goto fail;
		n = (size_t)m;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			if ((nt = realloc(text, cap)) == NULL)
				goto fail;
			text = nt;
		}
		memcpy(text + len, line, n);
		len += n;
	}
	if (text == NULL && (text = malloc(1)) == NULL)
		return -1;
	text[len] = '\0';
	*textp = text;
	*lenp = len;
	return 0;
fail:
	free(text);
	return -1;
}
