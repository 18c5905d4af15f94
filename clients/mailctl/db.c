/*
 * db.c - the userdb text file as mailctl edits it: read under an
 * exclusive lock, written back atomically, and compiled again for the
 * daemons when the config names a compiled database.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mailctl.h"

int
db_open(struct mailctl *m, bool lock)
{
	const char *path = m->conf->userdb;

	if (path == NULL) {
		snprintf(m->err, sizeof(m->err), "%s: no userdb line",
		    m->conf->file);
		return -1;
	}
	if (lock && userdb_lock(path, &m->lockfd, m->err,
	    sizeof(m->err)) == -1)
		return -1;
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		if ((m->db = userdb_new(path)) == NULL) {
			snprintf(m->err, sizeof(m->err), "%s: %s", path,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	return userdb_parse_file(path, &m->db, m->err, sizeof(m->err));
}

int
db_save(struct mailctl *m)
{
	if (userdb_write_file(m->db, m->conf->userdb, m->err,
	    sizeof(m->err)) == -1)
		return -1;
	if (m->conf->userdb_db != NULL &&
	    userdb_compile_file(m->conf->userdb, m->conf->userdb_db, m->err,
	    sizeof(m->err)) == -1)
		return -1;
	return 0;
}

void
db_close(struct mailctl *m)
{
	userdb_free(&m->db);
	userdb_unlock(&m->lockfd);
}
