/*
 * arena.h - a per-request bump allocator: everything a handler builds
 * for its reply is released at once when the reply has been sent.
 */
#ifndef RPC_ARENA_H
#define RPC_ARENA_H

#include <stddef.h>

#define ARENA_CHUNK	(64 * 1024)

struct arena_big;

struct arena {
	unsigned char		*chunk;		/* ARENA_CHUNK bytes */
	size_t			 used;
	struct arena_big	*big;		/* allocations over a chunk */
};

int	arena_init(struct arena *a);
void	*arena_alloc(struct arena *a, size_t size);	/* zeroed */
void	arena_reset(struct arena *a);
void	arena_free(struct arena *a);

#endif
