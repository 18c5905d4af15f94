/*
 * fcache.h - the open-object cache, internal to vfs/: a handle maps to
 * an O_PATH descriptor and an I/O descriptor, so that busy files are
 * not reopened on every READ, WRITE and COMMIT, nor busy directories
 * on every change made durable in them.
 */
#ifndef VFS_FCACHE_H
#define VFS_FCACHE_H

#include <sys/types.h>

#include <stdbool.h>

#include "handle.h"

struct fcache_ent;

/* The entry for h, referenced, or NULL. */
struct fcache_ent *fcache_get(const struct handle *h);
/*
 * Insert h with its O_PATH descriptor (the cache owns it from now on);
 * returns the entry, referenced.  If h is already there, pathfd is
 * closed and the existing entry returned.  NULL when out of memory
 * (pathfd is then still the caller's).
 */
struct fcache_ent *fcache_add(const struct handle *h, int pathfd);
/*
 * Insert h with fd, a descriptor open for reading and writing that
 * serves as both of its descriptors; not referenced.  The cache owns
 * fd from now on (closed at once if h is already there, or out of
 * memory).
 */
void	fcache_keep(const struct handle *h, int fd);
void	fcache_release(struct fcache_ent *e);
int	fcache_pathfd(const struct fcache_ent *e);
/*
 * The I/O descriptor (read-only for a directory), opened as root on
 * first use; -1 with errno.
 */
int	fcache_iofd(struct fcache_ent *e, bool dir);
/* Drop e from the cache (it is stale); it closes when released. */
void	fcache_drop(struct fcache_ent *e);
/*
 * Drop the entries of h's kernel handle, in whichever export (the
 * object is gone); each closes when released.
 */
void	fcache_forget(const struct handle *h);

#endif
