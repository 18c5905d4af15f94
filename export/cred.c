/*
 * cred.c - the credential of -maproot and -mapall:
 * user[:group[:group...]], each a name or a number (negative numbers
 * such as -2 are allowed, as FreeBSD allows them).
 *
 * "user" alone takes the user's primary group and its supplementary
 * groups from the system databases; a number with no passwd entry gets
 * the group nobody (-2) and no supplementary groups.  "user:group:..."
 * uses exactly the groups given, the first being the primary one.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define CRED_BUF_START	1024		/* first getpw*_r/getgr*_r buffer */
#define CRED_BUF_MAX	(1024 * 1024)	/* largest one before giving up */
#define CRED_MAX_NAME	256		/* one user or group field */
#define CRED_ID_MIN	((long long)INT32_MIN)
#define CRED_ID_MAX	((long long)UINT32_MAX)

enum number {
	NUMBER_NONE,		/* not a number: a name */
	NUMBER_OK,
	NUMBER_RANGE,		/* a number out of the 32-bit range */
};

static int
cred_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cred_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static enum number
parse_number(const char *s, uint32_t *out)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	long long v;

	if (digits[0] == '\0' ||
	    strspn(digits, "0123456789") != strlen(digits))
		return NUMBER_NONE;
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno == ERANGE || v < CRED_ID_MIN || v > CRED_ID_MAX)
		return NUMBER_RANGE;
	*out = (uint32_t)v;
	return NUMBER_OK;
}

/*
 * Look up a passwd entry by name, or by uid when name is NULL.
 * Returns 1 and the entry (its strings in *bufp, to free) when found,
 * 0 when there is none, -1 with errno on error.
 */
static int
get_passwd(const char *name, uid_t uid, struct passwd *pw, char **bufp)
{
	struct passwd *res = NULL;
	size_t size = CRED_BUF_START;
	char *buf = NULL, *nbuf;
	int e;

	for (;;) {
		if ((nbuf = realloc(buf, size)) == NULL) {
			free(buf);
			return -1;
		}
		buf = nbuf;
		e = name != NULL ? getpwnam_r(name, pw, buf, size, &res) :
		    getpwuid_r(uid, pw, buf, size, &res);
		if (e != ERANGE || size >= CRED_BUF_MAX)
			break;
		size *= 2;
	}
	if (e != 0 && e != ENOENT) {
		free(buf);
		errno = e;
		return -1;
	}
	if (res == NULL) {
		free(buf);
		return 0;
	}
	*bufp = buf;
	return 1;
}

/* Look up a group's gid by name: 1 found, 0 none, -1 error with errno. */
static int
get_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t size = CRED_BUF_START;
	char *buf = NULL, *nbuf;
	int e;

	for (;;) {
		if ((nbuf = realloc(buf, size)) == NULL) {
			free(buf);
			return -1;
		}
		buf = nbuf;
		e = getgrnam_r(name, &gr, buf, size, &res);
		if (e != ERANGE || size >= CRED_BUF_MAX)
			break;
		size *= 2;
	}
	free(buf);
	if (e != 0 && e != ENOENT) {
		errno = e;
		return -1;
	}
	if (res == NULL)
		return 0;
	*gid = gr.gr_gid;
	return 1;
}

static int
resolve_user(const char *name, uint32_t *uid, char *err, size_t errlen)
{
	struct passwd pw;
	char *buf;
	int found;

	switch (parse_number(name, uid)) {
	case NUMBER_OK:
		return 0;
	case NUMBER_RANGE:
		return cred_fail(err, errlen, "user id %s out of range", name);
	case NUMBER_NONE:
		break;
	}
	if ((found = get_passwd(name, 0, &pw, &buf)) == -1)
		return cred_fail(err, errlen, "user %s: %s", name,
		    strerror(errno));
	if (found == 0)
		return cred_fail(err, errlen, "unknown user %s", name);
	*uid = pw.pw_uid;
	free(buf);
	return 0;
}

static int
resolve_group(const char *name, uint32_t *gid, char *err, size_t errlen)
{
	gid_t g;
	int found;

	switch (parse_number(name, gid)) {
	case NUMBER_OK:
		return 0;
	case NUMBER_RANGE:
		return cred_fail(err, errlen, "group id %s out of range", name);
	case NUMBER_NONE:
		break;
	}
	if ((found = get_group(name, &g)) == -1)
		return cred_fail(err, errlen, "group %s: %s", name,
		    strerror(errno));
	if (found == 0)
		return cred_fail(err, errlen, "unknown group %s", name);
	*gid = g;
	return 0;
}

/* Set the supplementary groups of user, its primary group left out. */
static int
add_user_groups(const struct passwd *pw, struct export_cred *cred,
    char *err, size_t errlen)
{
	gid_t list[EXPORT_MAX_GIDS + 1];
	int n = EXPORT_MAX_GIDS + 1, k;

	if (getgrouplist(pw->pw_name, pw->pw_gid, list, &n) == -1)
		return cred_fail(err, errlen,
		    "user %s has more than %d supplementary groups",
		    pw->pw_name, EXPORT_MAX_GIDS);
	for (k = 0; k < n; k++) {
		if (list[k] == pw->pw_gid)
			continue;
		if (cred->ngids == EXPORT_MAX_GIDS)
			return cred_fail(err, errlen,
			    "user %s has more than %d supplementary groups",
			    pw->pw_name, EXPORT_MAX_GIDS);
		cred->gids[cred->ngids++] = list[k];
	}
	return 0;
}

/* "user" alone: its groups come from the system databases. */
static int
resolve_user_groups(const char *user, struct export_cred *cred,
    char *err, size_t errlen)
{
	struct passwd pw;
	enum number kind;
	char *buf;
	int found, r;

	if ((kind = parse_number(user, &cred->uid)) == NUMBER_RANGE)
		return cred_fail(err, errlen, "user id %s out of range", user);
	if (kind == NUMBER_OK)
		found = get_passwd(NULL, cred->uid, &pw, &buf);
	else
		found = get_passwd(user, 0, &pw, &buf);
	if (found == -1)
		return cred_fail(err, errlen, "user %s: %s", user,
		    strerror(errno));
	if (found == 0 && kind == NUMBER_NONE)
		return cred_fail(err, errlen, "unknown user %s", user);
	if (found == 0) {
		cred->gid = EXPORT_NOBODY;
		return 0;
	}
	cred->uid = pw.pw_uid;
	cred->gid = pw.pw_gid;
	r = add_user_groups(&pw, cred, err, errlen);
	free(buf);
	return r;
}

/*
 * Copy the field at p (up to ':' or the end) into field.  Returns where
 * the next field starts and sets *more when there is one; NULL on error.
 */
static const char *
cut_field(const char *p, char *field, size_t size, bool *more,
    char *err, size_t errlen)
{
	size_t n = strcspn(p, ":");

	if (n == 0) {
		cred_fail(err, errlen, "empty user or group");
		return NULL;
	}
	if (n >= size) {
		cred_fail(err, errlen, "user or group longer than %zu bytes",
		    size - 1);
		return NULL;
	}
	memcpy(field, p, n);
	field[n] = '\0';
	*more = p[n] == ':';
	return *more ? p + n + 1 : p + n;
}

int
export_cred_parse(const char *spec, struct export_cred *cred,
    char *err, size_t errlen)
{
	char field[CRED_MAX_NAME + 1];
	const char *p;
	bool more;

	memset(cred, 0, sizeof(*cred));
	if ((p = cut_field(spec, field, sizeof(field), &more, err,
	    errlen)) == NULL)
		return -1;
	if (!more)
		return resolve_user_groups(field, cred, err, errlen);
	if (resolve_user(field, &cred->uid, err, errlen) == -1)
		return -1;
	if ((p = cut_field(p, field, sizeof(field), &more, err,
	    errlen)) == NULL ||
	    resolve_group(field, &cred->gid, err, errlen) == -1)
		return -1;
	while (more) {
		if (cred->ngids == EXPORT_MAX_GIDS)
			return cred_fail(err, errlen,
			    "more than %d supplementary groups",
			    EXPORT_MAX_GIDS);
		if ((p = cut_field(p, field, sizeof(field), &more, err,
		    errlen)) == NULL ||
		    resolve_group(field, &cred->gids[cred->ngids], err,
		    errlen) == -1)
			return -1;
		cred->ngids++;
	}
	return 0;
}
