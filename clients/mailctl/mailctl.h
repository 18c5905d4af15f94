/*
 * mailctl.h - what the parts of mailctl share: the loaded config and
 * the commands.
 */
#ifndef MAILCTL_H
#define MAILCTL_H

#include "conf.h"
#include "userdb.h"

#define MAILCTL_ERRLEN	1024
#define MAILCTL_PATHLEN	1024		/* a home */

/* A command's run: its config and, for editing ones, the locked userdb. */
struct mailctl {
	struct conf	*conf;
	struct userdb	*db;
	int		 lockfd;
	char		 err[MAILCTL_ERRLEN];
};

/* Each command: argc/argv start at the command's name; 0, 1 or 2. */
int	cmd_useradd(struct mailctl *m, int argc, char **argv);
int	cmd_userdel(struct mailctl *m, int argc, char **argv);
int	cmd_passwd(struct mailctl *m, int argc, char **argv);
int	cmd_show(struct mailctl *m, int argc, char **argv);
int	cmd_list(struct mailctl *m, int argc, char **argv);
int	cmd_makedb(struct mailctl *m, int argc, char **argv);

/* db.c: read the userdb (locked for writing when lock), save it. */
int	db_open(struct mailctl *m, bool lock);
int	db_save(struct mailctl *m);
void	db_close(struct mailctl *m);

/* store.c: the fileserver side of users. */
const struct conf_mount *store_pick(struct mailctl *m, const char *prefix);
int	store_create_home(struct mailctl *m, const struct conf_mount *mnt,
	    const char *home, uint32_t uid, uint32_t gid);
int	store_purge(struct mailctl *m, const char *home, uint32_t uid,
	    uint32_t gid, unsigned *removed);

/* Read one line (a password) from stdin, without its newline. */
int	read_password(char *buf, size_t len);

#endif
