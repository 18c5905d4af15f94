/*
 * privs.c - dropping root for good once the sockets are bound: the
 * daemons need no privilege afterwards, since NFS credentials are sent
 * with each call (AUTH_SYS), not taken from the process.
 */
#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

void
daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		fatalx("no user %s", user);
	if (setgroups(1, &pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("dropping privileges to %s", user);
	if (pw->pw_uid != 0 && setuid(0) != -1)
		fatalx("could regain root after dropping to %s", user);
	log_info("running as %s (%u:%u)", user, (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_gid);
}
