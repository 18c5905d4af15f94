/*
 * mountlist.h - who has mounted what (MOUNT DUMP), kept in the state
 * directory so it survives a restart.  Advisory, as RFC 1813 says.
 */
#ifndef NFSD_MOUNTLIST_H
#define NFSD_MOUNTLIST_H

#include <stddef.h>

#define MOUNTLIST_FILE		"rmtab"
#define MOUNTLIST_MAX		4096	/* entries kept */
#define MOUNTLIST_HOST_MAX	64
#define MOUNTLIST_PATH_MAX	1024	/* MNTPATHLEN */

struct mountlist;

typedef void (*mountlist_cb)(const char *host, const char *path, void *arg);

struct mountlist *mountlist_open(const char *dir);
void	mountlist_close(struct mountlist **ml);
int	mountlist_add(struct mountlist *ml, const char *host,
	    const char *path);
int	mountlist_remove(struct mountlist *ml, const char *host,
	    const char *path);
int	mountlist_remove_host(struct mountlist *ml, const char *host);
/* Calls cb for each entry, under the list's lock. */
void	mountlist_walk(struct mountlist *ml, mountlist_cb cb, void *arg);

#endif
