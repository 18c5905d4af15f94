/*
 * userdb_cdb.c - the compiled userdb: a tinycdb constant database
 * mapping each name to its fields text ("uid=..|gid=..|home=.."), and
 * "=UID" to the names with that uid (cdb_find gives the first added,
 * so the first in the file).  Compiling writes a new file
 * beside the old one and renames it over (readers keep the old inode
 * until they look again); a lookup handle stats the path before each
 * lookup and reopens it when the file was replaced.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "userdb.h"
#include "userdb_impl.h"

#define DB_MODE		0600		/* the db holds password hashes */
#define UID_KEY_SIZE	sizeof("=4294967295")

struct userdb_cdb {
	char		path[PATH_MAX];
	int		fd;
	struct cdb	cdb;
	struct stat	st;		/* of the file open */
	bool		warned;		/* that a new file is unusable */
};

static int
fail_errno(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
	return -1;
}

static int
uid_key(uint32_t uid, char *key, size_t len)
{
	int n;

	n = snprintf(key, len, "=%u", uid);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* Add every user of db to the cdb being made. */
static int
add_users(struct cdb_make *cm, const struct userdb *db, char *err,
    size_t errlen)
{
	char buf[USERDB_MAX_LINE + 1], key[UID_KEY_SIZE];
	const struct userdb_user *u;
	size_t i;
	int n, k;

	for (i = 0; i < db->nentries; i++) {
		if (db->entries[i].raw != NULL)
			continue;
		u = &db->entries[i].user;
		if ((n = userdb_format_fields(u, buf, sizeof(buf))) < 0) {
			snprintf(err, errlen, "%s: line longer than %d bytes",
			    u->name, USERDB_MAX_LINE);
			return -1;
		}
		if ((k = uid_key(u->uid, key, sizeof(key))) < 0)
			return -1;
		if (cdb_make_add(cm, u->name, (unsigned)strlen(u->name), buf,
		    (unsigned)n) != 0 ||
		    cdb_make_add(cm, key, (unsigned)k, u->name,
		    (unsigned)strlen(u->name)) != 0)
			return fail_errno(err, errlen, u->name, "cdb_make");
	}
	return 0;
}

int
userdb_compile(const struct userdb *db, const char *dbpath, char *err,
    size_t errlen)
{
	struct userdb_atomic a;
	struct cdb_make cm;

	if (userdb_atomic_open(&a, dbpath, DB_MODE, err, errlen) != 0)
		return -1;
	if (cdb_make_start(&cm, a.fd) != 0) {
		fail_errno(err, errlen, a.tmp, "cdb_make_start");
		userdb_atomic_abort(&a);
		return -1;
	}
	if (add_users(&cm, db, err, errlen) != 0) {
		cdb_make_finish(&cm);
		userdb_atomic_abort(&a);
		return -1;
	}
	if (cdb_make_finish(&cm) != 0) {
		fail_errno(err, errlen, a.tmp, "cdb_make_finish");
		userdb_atomic_abort(&a);
		return -1;
	}
	return userdb_atomic_commit(&a, err, errlen);
}

int
userdb_compile_file(const char *textpath, const char *dbpath, char *err,
    size_t errlen)
{
	struct userdb *db;
	int rc;

	if (userdb_parse_file(textpath, &db, err, errlen) != 0)
		return -1;
	rc = userdb_compile(db, dbpath, err, errlen);
	userdb_free(&db);
	return rc;
}

/* Lookups. */

/* Open path as a cdb into fd, cdb and st. */
static int
open_cdb(const char *path, int *fd, struct cdb *cdb, struct stat *st,
    char *err, size_t errlen)
{
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail_errno(err, errlen, path, "open");
	if (fstat(*fd, st) != 0) {
		fail_errno(err, errlen, path, "fstat");
		close(*fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(*fd);
		return -1;
	}
	if (cdb_init(cdb, *fd) != 0) {
		snprintf(err, errlen, "%s: not a cdb file", path);
		close(*fd);
		return -1;
	}
	return 0;
}

int
userdb_cdb_open(const char *dbpath, struct userdb_cdb **out, char *err,
    size_t errlen)
{
	struct userdb_cdb *db;
	int n;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return fail_errno(err, errlen, dbpath, "calloc");
	n = snprintf(db->path, sizeof(db->path), "%s", dbpath);
	if (n < 0 || (size_t)n >= sizeof(db->path)) {
		free(db);
		errno = ENAMETOOLONG;
		return fail_errno(err, errlen, dbpath, "open");
	}
	if (open_cdb(db->path, &db->fd, &db->cdb, &db->st, err,
	    errlen) != 0) {
		free(db);
		return -1;
	}
	*out = db;
	return 0;
}

void
userdb_cdb_close(struct userdb_cdb **dbp)
{
	struct userdb_cdb *db = *dbp;

	if (db == NULL)
		return;
	cdb_free(&db->cdb);
	close(db->fd);
	free(db);
	*dbp = NULL;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int
userdb_cdb_refresh(struct userdb_cdb *db, char *err, size_t errlen)
{
	struct stat st;
	struct cdb cdb;
	int fd;

	if (stat(db->path, &st) != 0)
		return fail_errno(err, errlen, db->path, "stat");
	if (same_file(&st, &db->st))
		return 0;
	if (open_cdb(db->path, &fd, &cdb, &st, err, errlen) != 0)
		return -1;
	cdb_free(&db->cdb);
	close(db->fd);
	db->fd = fd;
	db->cdb = cdb;
	db->st = st;
	log_debug("%s: reopened", db->path);
	return 1;
}

/* Find key; on USERDB_OK its value is copied into buf, NUL-terminated. */
static int
find(struct userdb_cdb *db, const char *key, size_t klen, char *buf,
    size_t buflen, char *err, size_t errlen)
{
	unsigned vlen;
	int rc;

	if (userdb_cdb_refresh(db, err, errlen) < 0) {
		if (!db->warned)
			log_warnx("%s (going on with the file open)", err);
		db->warned = true;
	} else
		db->warned = false;
	if (klen > USERDB_MAX_LINE)
		return USERDB_NOTFOUND;
	rc = cdb_find(&db->cdb, key, (unsigned)klen);
	if (rc == 0)
		return USERDB_NOTFOUND;
	if (rc < 0) {
		snprintf(err, errlen, "%s: a damaged cdb file", db->path);
		return USERDB_ERROR;
	}
	vlen = cdb_datalen(&db->cdb);
	if (vlen >= buflen ||
	    cdb_read(&db->cdb, buf, vlen, cdb_datapos(&db->cdb)) != 0) {
		snprintf(err, errlen, "%s: %.*s: a damaged record", db->path,
		    USERDB_ERR_WORD, key);
		return USERDB_ERROR;
	}
	buf[vlen] = '\0';
	if (memchr(buf, '\0', vlen) != NULL) {
		snprintf(err, errlen, "%s: %.*s: a NUL in the record",
		    db->path, USERDB_ERR_WORD, key);
		return USERDB_ERROR;
	}
	return USERDB_OK;
}

int
userdb_cdb_lookup(struct userdb_cdb *db, const char *name,
    struct userdb_user **out, char *err, size_t errlen)
{
	char buf[USERDB_MAX_LINE + 1], why[USERDB_MSG_MAX];
	struct userdb_user *u;
	int rc;

	*out = NULL;
	if (!userdb_name_valid(name))
		return USERDB_NOTFOUND;
	rc = find(db, name, strlen(name), buf, sizeof(buf), err, errlen);
	if (rc != USERDB_OK)
		return rc;
	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->name = strdup(name)) == NULL) {
		free(u);
		return fail_errno(err, errlen, db->path, "malloc");
	}
	if (userdb_parse_fields(u, buf, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s: %s", db->path, name, why);
		userdb_user_free(&u);
		return USERDB_ERROR;
	}
	*out = u;
	return USERDB_OK;
}

int
userdb_cdb_lookup_uid(struct userdb_cdb *db, uint32_t uid, char *name,
    size_t namelen, char *err, size_t errlen)
{
	char key[UID_KEY_SIZE], buf[USERDB_MAX_NAME + 1];
	int k, rc;

	if ((k = uid_key(uid, key, sizeof(key))) < 0)
		return USERDB_ERROR;
	rc = find(db, key, (size_t)k, buf, sizeof(buf), err, errlen);
	if (rc != USERDB_OK)
		return rc;
	if (strlen(buf) >= namelen) {
		snprintf(err, errlen, "%s: %s: the name is too long",
		    db->path, key);
		return USERDB_ERROR;
	}
	memcpy(name, buf, strlen(buf) + 1);
	return USERDB_OK;
}
