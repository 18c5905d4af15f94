/*
 * userdb_impl.h - what the userdb files share with each other; not
 * for the library's users.
 */
#ifndef CLIENTS_USERDB_IMPL_H
#define CLIENTS_USERDB_IMPL_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#include "userdb.h"

#define USERDB_ERR_WORD		64	/* longest word quoted in errors */
#define USERDB_MSG_MAX		256	/* one error message */

/* A file being replaced: written to tmp, then renamed to path. */
struct userdb_atomic {
	char	path[PATH_MAX];
	char	tmp[PATH_MAX];
	int	fd;
};

/* Read all of path, at most max bytes, NUL-terminated (malloc'd). */
int	userdb_read_file(const char *path, size_t max, char **text,
	    size_t *len, char *err, size_t errlen);
/* Write all of buf: 0, or -1 with errno. */
int	userdb_write_all(int fd, const void *buf, size_t len);
/* Start replacing path: a temporary file beside it with mode. */
int	userdb_atomic_open(struct userdb_atomic *a, const char *path,
	    mode_t mode, char *err, size_t errlen);
/* fsync, close, rename over path, fsync the directory. */
int	userdb_atomic_commit(struct userdb_atomic *a, char *err,
	    size_t errlen);
/* Give up: close and remove the temporary file. */
void	userdb_atomic_abort(struct userdb_atomic *a);

/*
 * Parse fields ("f=v|f=v", changed in place) into u's fields and
 * derive uid, gid, home, systempw and customer.  On error returns -1
 * with "WORD: message" in err.
 */
int	userdb_parse_fields(struct userdb_user *u, char *fields, char *err,
	    size_t errlen);
/* u's fields as "f=v|f=v": the length, or -1 when len is short. */
int	userdb_format_fields(const struct userdb_user *u, char *buf,
	    size_t len);
/* Free what u holds (not u). */
void	userdb_user_clear(struct userdb_user *u);

#endif
