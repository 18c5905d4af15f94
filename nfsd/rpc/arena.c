/*
 * arena.c - per-request memory: small allocations come from one chunk,
 * larger ones from malloc, all released by arena_reset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_ALIGN	16

struct arena_big {
	struct arena_big	*next;
	max_align_t		 data[];
};

int
arena_init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
	if ((a->chunk = malloc(ARENA_CHUNK)) == NULL)
		return -1;
	return 0;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_big *b;
	size_t need;
	void *p;

	need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need >= size && need <= ARENA_CHUNK - a->used) {
		p = a->chunk + a->used;
		a->used += need;
		memset(p, 0, size);
		return p;
	}
	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	if ((b = calloc(1, sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = a->big;
	a->big = b;
	return b->data;
}

void
arena_reset(struct arena *a)
{
	struct arena_big *b;

	while ((b = a->big) != NULL) {
		a->big = b->next;
		free(b);
	}
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->chunk);
	a->chunk = NULL;
}
