/*
 * hcache.h - the entry-handle cache, internal to vfs/ (and its unit
 * test): encoded handles by the identity of the inode they were made
 * for.  See hcache.c.
 */
#ifndef VFS_HCACHE_H
#define VFS_HCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handle.h"

/*
 * 262,144 slots: a directory of 100,000 entries listed again and again
 * finds nearly all of its handles (at 131,072 a listing cost a quarter
 * more CPU); twice that gained nothing measurable.
 */
#define HCACHE_BITS	18
#define HCACHE_SLOTS	(1u << HCACHE_BITS)	/* entries, ~29 MiB at most */
#define HCACHE_WAY_BITS	2
#define HCACHE_WAYS	(1 << HCACHE_WAY_BITS)	/* slots per set */

/* Which inode a handle is for: all of it must match. */
struct hcache_key {
	uint32_t	export_id;
	uint64_t	dev;
	uint64_t	ino;
	int64_t		ctime_sec;
	uint32_t	ctime_nsec;
	int64_t		btime_sec;	/* 0 where the fs has no birth time */
	uint32_t	btime_nsec;
};

/* The set ino's slots are in (the unit test finds neighbours by it). */
size_t	hcache_set(uint64_t ino);
/* Copy out the handle cached for k; false when there is none. */
bool	hcache_get(const struct hcache_key *k, uint8_t fh[HANDLE_MAX],
	    size_t *fhlen);
/*
 * Start loading ino's slot into the CPU cache (a listing knows the
 * inode number from getdents, a system call before it asks).
 */
void	hcache_prefetch(uint64_t ino);
/*
 * Remember fh for k, in place of an older incarnation of its inode or
 * of a slot of its set not found since it was stored; when every slot
 * was, fh is not kept and they must be found again to stay.
 */
void	hcache_put(const struct hcache_key *k, const uint8_t *fh,
	    size_t fhlen);
/* The inode ino was unlinked or replaced: drop its slot. */
void	hcache_forget(uint64_t ino);
/* Drop everything (the exports were reloaded). */
void	hcache_clear(void);

#endif
