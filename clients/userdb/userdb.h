/*
 * userdb.h - the users of the mail cluster, in Courier's userdb text
 * format, compiled for fast lookups into a tinycdb constant database.
 *
 * The text file (/etc/userdb, distributed with rsync) has one account
 * per line, the name, exactly one TAB, then '|'-separated fields:
 *
 *	tevie<TAB>uid=2001|gid=2001|home=/mail1/12/34/tevie|systempw=$y$...
 *
 * Blank lines and lines starting with '#' are ignored (and kept when
 * the file is rewritten); so are Courier's "=UID<TAB>name" reverse
 * lines.  Names are 1..USERDB_MAX_NAME of [a-z0-9._+@-], not starting
 * with '.' or '-'.  Fields are name=value, at most one of each; values
 * hold no '|' and no control characters.  uid, gid (both non-zero) and
 * home (canonical absolute path) are required; systempw is a crypt(3)
 * hash ($6$, $y$ or $2b$, or one starting with '!' or '*': locked);
 * customer is the billing customer ID ([A-Za-z0-9._-]); any other
 * field is kept and ignored.  Errors read "FILE:LINE: WORD: message".
 *
 * The compiled database (mailctl makedb; /etc/userdb.cdb) maps each
 * name to its fields text, and "=UID" to the first name with that uid.
 * It is replaced atomically (rename), and a userdb_cdb handle notices
 * a replaced file on its next lookup, without a restart.
 */
#ifndef CLIENTS_USERDB_H
#define CLIENTS_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USERDB_MAX_FILE		(256 * 1024 * 1024)	/* the text file */
#define USERDB_MAX_LINE		4096	/* bytes in one line, no newline */
#define USERDB_MAX_NAME		64	/* a user name */
#define USERDB_MAX_FIELD	32	/* a field name */
#define USERDB_MAX_VALUE	1024	/* a field value */
#define USERDB_MAX_FIELDS	64	/* fields in one line */
#define USERDB_MAX_CUSTOMER	64	/* a customer ID */
#define USERDB_HASH_SIZE	384	/* a crypt hash and its NUL */
#define USERDB_MAX_PASSWORD	512	/* a password, crypt(3)'s limit */
#define USERDB_DEFAULT_HASH	"$y$"	/* yescrypt, libxcrypt's default */
#define USERDB_HOME_LEVELS	2	/* hash directories in a home */
#define USERDB_HOME_BUCKETS	100	/* directories per level: 00..99 */
/* "12/34/" plus a name plus NUL */
#define USERDB_HOME_REL_SIZE	(USERDB_HOME_LEVELS * 3 + USERDB_MAX_NAME + 1)

/* Results of lookups and password checks. */
#define USERDB_OK		0	/* found, or the password matches */
#define USERDB_NOTFOUND		1	/* no such user */
#define USERDB_MISMATCH		1	/* wrong password */
#define USERDB_ERROR		(-1)	/* could not tell: err says why */

struct userdb_field {
	char		*name;
	char		*value;
};

/*
 * One account.  fields holds every field in file order; uid, gid and
 * the pointers (into fields, NULL when absent) are derived from them.
 */
struct userdb_user {
	char			*name;
	uint32_t		 uid;
	uint32_t		 gid;
	const char		*home;
	const char		*systempw;
	const char		*customer;
	struct userdb_field	*fields;
	size_t			 nfields;
	int			 line;		/* in the file, or 0 */
};

/* A line of the file: a comment, blank or reverse line, or a user. */
struct userdb_entry {
	char			*raw;		/* NULL for a user */
	struct userdb_user	 user;
};

/* The text file.  Pointers into it are valid until its next change. */
struct userdb {
	char			*file;
	struct userdb_entry	*entries;
	size_t			 nentries;
	size_t			 capentries;
};

/* The text file (userdb.c). */

/* An empty userdb that will be written to file. */
struct userdb *userdb_new(const char *file);
/* Read file; on error returns -1 with "FILE:LINE: WORD: what" in err. */
int	userdb_parse_file(const char *file, struct userdb **out, char *err,
	    size_t errlen);
/* The same on len bytes of text; name stands for the file in errors. */
int	userdb_parse_text(const char *name, const char *text, size_t len,
	    struct userdb **out, char *err, size_t errlen);
void	userdb_free(struct userdb **db);

const struct userdb_user *userdb_find(const struct userdb *db,
	    const char *name);
/* The first user with that uid, or NULL. */
const struct userdb_user *userdb_find_uid(const struct userdb *db,
	    uint32_t uid);
/* The lowest uid >= first that no user has, or 0 when there is none. */
uint32_t userdb_next_uid(const struct userdb *db, uint32_t first);
/* The value of a field of u, or NULL. */
const char *userdb_user_get(const struct userdb_user *u, const char *field);

/* Append a "name<TAB>fields" line; an existing name is an error. */
int	userdb_add_line(struct userdb *db, const char *line, char *err,
	    size_t errlen);
/* Replace the line of the user the line names; it must exist. */
int	userdb_replace_line(struct userdb *db, const char *line, char *err,
	    size_t errlen);
/* Append a user with uid, gid and home. */
int	userdb_add_user(struct userdb *db, const char *name, uint32_t uid,
	    uint32_t gid, const char *home, char *err, size_t errlen);
/* Set a field of a user (value NULL: remove it; not uid, gid, home). */
int	userdb_set_field(struct userdb *db, const char *name,
	    const char *field, const char *value, char *err, size_t errlen);
/* Remove a user's line: 0, or -1 when there is no such user. */
int	userdb_remove(struct userdb *db, const char *name);

/* u as a line without the newline: its length, or -1 if len is short. */
int	userdb_format_user(const struct userdb_user *u, char *buf,
	    size_t len);
/* The whole file as text (malloc'd, NUL-terminated): 0 or -1. */
int	userdb_format(const struct userdb *db, char **text, size_t *len);
/*
 * Replace path by db's text atomically: a temporary file in the same
 * directory (with the old file's mode, else 0600), fsync, rename,
 * fsync of the directory.
 */
int	userdb_write_file(const struct userdb *db, const char *path,
	    char *err, size_t errlen);
/*
 * Serialize writers: an exclusive flock on PATH.lock, held until
 * userdb_unlock.  0 with *fd set, or -1 with err.
 */
int	userdb_lock(const char *path, int *fd, char *err, size_t errlen);
void	userdb_unlock(int *fd);

/* A copy of u (userdb_user_free it), or NULL when out of memory. */
struct userdb_user *userdb_user_dup(const struct userdb_user *u);
void	userdb_user_free(struct userdb_user **u);

/* Passwords (userdb_crypt.c). */

/* Whether hash is a $6$, $y$ or $2b$ hash that crypt(3) accepts. */
bool	userdb_hash_supported(const char *hash);
/*
 * Check password against a crypt hash with crypt_r, comparing in
 * constant time: USERDB_OK, USERDB_MISMATCH (also for a locked or
 * unsupported hash), or USERDB_ERROR (no memory, crypt failed).
 */
int	userdb_check_password(const char *hash, const char *password);
/*
 * Hash password with a fresh salt for prefix ("$y$", "$6$", "$2b$";
 * NULL: USERDB_DEFAULT_HASH) into out (USERDB_HASH_SIZE bytes will
 * do).  0, or -1 with err.
 */
int	userdb_hash_password(const char *password, const char *prefix,
	    char *out, size_t outlen, char *err, size_t errlen);

/* The compiled database (userdb_cdb.c). */

/* Compile db into a cdb at dbpath, replacing it atomically (0600). */
int	userdb_compile(const struct userdb *db, const char *dbpath,
	    char *err, size_t errlen);
/* mailctl makedb: parse the text file, then compile it. */
int	userdb_compile_file(const char *textpath, const char *dbpath,
	    char *err, size_t errlen);

/* Lookups.  A handle is not to be shared between threads unlocked. */
struct userdb_cdb;

int	userdb_cdb_open(const char *dbpath, struct userdb_cdb **out,
	    char *err, size_t errlen);
void	userdb_cdb_close(struct userdb_cdb **db);
/*
 * Reopen the file if it was replaced (another inode, size or mtime):
 * 1 if reopened, 0 if unchanged, -1 with err if the new file cannot
 * be used (the old one stays in use).  Every lookup calls it first.
 */
int	userdb_cdb_refresh(struct userdb_cdb *db, char *err, size_t errlen);
/* USERDB_OK with *out (userdb_user_free it), USERDB_NOTFOUND, or -1. */
int	userdb_cdb_lookup(struct userdb_cdb *db, const char *name,
	    struct userdb_user **out, char *err, size_t errlen);
/* The name with that uid into name: USERDB_OK, USERDB_NOTFOUND or -1. */
int	userdb_cdb_lookup_uid(struct userdb_cdb *db, uint32_t uid,
	    char *name, size_t namelen, char *err, size_t errlen);

/* The hashed home layout (userdb_home.c). */

/*
 * The directories a user's home goes in, "LL/MM/name": with h the
 * SHA-256 of the name's bytes, LL = (h[0] * 256 + h[1]) % 100 and
 * MM = (h[2] * 256 + h[3]) % 100, each as two decimal digits: the
 * first two and the next two bytes of the hash, big-endian, modulo
 * 100.  So "tevie" gets "62/42/tevie" (printf tevie | sha256sum gives
 * 4b3e5aca...: 0x4b3e % 100 = 62, 0x5aca % 100 = 42).  The layout is
 * part of the on-disk format: never change it.  Returns
 * the length written, or -1 for a bad name or a short buffer.
 */
int	userdb_home_hash(const char *name, char *out, size_t outlen);
/* PREFIX/LL/MM/name, the full home under a mount prefix: as above. */
int	userdb_home_path(const char *prefix, const char *name, char *out,
	    size_t outlen);
/* Whether name is a valid user name. */
bool	userdb_name_valid(const char *name);

#endif
