/*
 * fcache.c - the open-object cache: a fixed number of entries, found
 * by handle through a hash table and evicted least recently used
 * first.  An entry holds an O_PATH descriptor and, once needed, a
 * descriptor open for I/O: a file's for READ, WRITE and COMMIT, a
 * directory's for the fsync after each change in it.  A file CREATE
 * made comes with the descriptor that made it, open for reading and
 * writing, which serves as both.  Entries in use are reference
 * counted; a dropped or evicted entry is closed by its last user.
 * Attributes are never cached: callers fstat the descriptor.
 *
 * Every call takes an entry and lets it go, from all the workers and
 * loops at once: the cache is split by handle into shards, each with
 * its own lock, hash table and LRU list, so that threads working on
 * different objects do not queue on one lock.  Least recently used is
 * then per shard.  Shard and hash chain are chosen by the kernel's
 * handle alone, not the export: the handles one inode has in several
 * exports share a chain, where forgetting a removed file finds them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "vfs.h"

#define FCACHE_SHARDS_MAX	32	/* a power of two */
#define FCACHE_SHARD_MIN	64	/* entries a shard holds at least */

struct fcache_ent {
	struct handle		 h;
	uint64_t		 hash;		/* hash_handle(&h) */
	int			 pathfd;
	atomic_int		 iofd;		/* -1 until needed */
	unsigned		 refs;		/* under the shard's lock */
	bool			 hashed;
	struct fcache_shard	*shard;
	struct fcache_ent	*hnext;		/* hash chain */
	struct fcache_ent	*prev, *next;	/* LRU: head is newest */
};

struct fcache_shard {
	alignas(64) pthread_mutex_t lock;
	struct fcache_ent	**buckets;	/* by kernel handle */
	size_t			 nbuckets;
	size_t			 max;
	size_t			 count;		/* hashed entries */
	struct fcache_ent	*head, *tail;
};

static struct {
	struct fcache_shard	*shards;
	size_t			 nshards;
} fc;

/* FNV-1a over the kernel's handle: its type and bytes. */
static uint64_t
hash_handle(const struct handle *h)
{
	uint64_t x = 1469598103934665603ULL;
	const uint8_t *p;
	size_t i;

	x = (x ^ (uint32_t)h->type) * 1099511628211ULL;
	for (p = h->kernel, i = 0; i < h->len; i++)
		x = (x ^ p[i]) * 1099511628211ULL;
	return x;
}

/* The shard of a handle's hash: its high bits (buckets use it whole). */
static struct fcache_shard *
shard_of(uint64_t hash)
{
	return &fc.shards[(hash >> 40) & (fc.nshards - 1)];
}

static size_t
bucket_of(const struct fcache_shard *sh, uint64_t hash)
{
	return (size_t)(hash % sh->nbuckets);
}

static bool
same_kernel_handle(const struct handle *a, const struct handle *b)
{
	return a->type == b->type && a->len == b->len &&
	    memcmp(a->kernel, b->kernel, a->len) == 0;
}

static bool
same_handle(const struct handle *a, const struct handle *b)
{
	return a->export_id == b->export_id && same_kernel_handle(a, b);
}

/* As many shards as hold FCACHE_SHARD_MIN each, a power of two. */
static size_t
shard_count(size_t size)
{
	size_t n = 1;

	while (n < FCACHE_SHARDS_MAX && size / (n * 2) >= FCACHE_SHARD_MIN)
		n *= 2;
	return n;
}

int
vfs_fcache_init(size_t size)
{
	struct fcache_shard *sh;
	size_t i;

	fc.nshards = shard_count(size);
	fc.shards = aligned_alloc(alignof(struct fcache_shard),
	    fc.nshards * sizeof(*fc.shards));
	if (fc.shards == NULL)
		return -1;
	memset(fc.shards, 0, fc.nshards * sizeof(*fc.shards));
	for (i = 0; i < fc.nshards; i++) {
		sh = &fc.shards[i];
		pthread_mutex_init(&sh->lock, NULL);
		sh->max = (size + fc.nshards - 1) / fc.nshards;
		sh->nbuckets = sh->max * 2 + 1;
		sh->buckets = calloc(sh->nbuckets, sizeof(*sh->buckets));
		if (sh->buckets == NULL) {
			fc.nshards = i + 1;
			vfs_fcache_free();
			return -1;
		}
	}
	return 0;
}

static void
ent_close(struct fcache_ent *e)
{
	int iofd = atomic_load(&e->iofd);

	close(e->pathfd);
	if (iofd != -1 && iofd != e->pathfd)
		close(iofd);
	free(e);
}

static void
lru_unlink(struct fcache_shard *sh, struct fcache_ent *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		sh->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		sh->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct fcache_shard *sh, struct fcache_ent *e)
{
	e->prev = NULL;
	e->next = sh->head;
	if (sh->head != NULL)
		sh->head->prev = e;
	sh->head = e;
	if (sh->tail == NULL)
		sh->tail = e;
}

/* Take e out of its hash chain and the LRU; caller holds the lock. */
static void
unhash(struct fcache_ent *e)
{
	struct fcache_shard *sh = e->shard;
	struct fcache_ent **pp;

	if (!e->hashed)
		return;
	for (pp = &sh->buckets[bucket_of(sh, e->hash)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	lru_unlink(sh, e);
	e->hashed = false;
	sh->count--;
}

/* Make room in sh: unhash its oldest entries; closes the unused ones. */
static void
evict(struct fcache_shard *sh)
{
	struct fcache_ent *e;

	while (sh->count >= sh->max && (e = sh->tail) != NULL) {
		unhash(e);
		if (e->refs == 0)
			ent_close(e);
	}
}

void
vfs_fcache_free(void)
{
	struct fcache_shard *sh;
	struct fcache_ent *e;
	size_t i;

	for (i = 0; i < fc.nshards; i++) {
		sh = &fc.shards[i];
		pthread_mutex_lock(&sh->lock);
		while ((e = sh->head) != NULL) {
			unhash(e);
			if (e->refs == 0)
				ent_close(e);
		}
		free(sh->buckets);
		pthread_mutex_unlock(&sh->lock);
		pthread_mutex_destroy(&sh->lock);
	}
	free(fc.shards);
	fc.shards = NULL;
	fc.nshards = 0;
}

static struct fcache_ent *
find(struct fcache_shard *sh, const struct handle *h, uint64_t hash)
{
	struct fcache_ent *e;

	for (e = sh->buckets[bucket_of(sh, hash)]; e != NULL; e = e->hnext)
		if (same_handle(&e->h, h))
			return e;
	return NULL;
}

struct fcache_ent *
fcache_get(const struct handle *h)
{
	uint64_t hash = hash_handle(h);
	struct fcache_shard *sh = shard_of(hash);
	struct fcache_ent *e;

	pthread_mutex_lock(&sh->lock);
	if ((e = find(sh, h, hash)) != NULL) {
		e->refs++;
		lru_unlink(sh, e);
		lru_push(sh, e);
	}
	pthread_mutex_unlock(&sh->lock);
	return e;
}

/*
 * Insert h with its descriptors and refs references, or take a
 * reference to the entry already there (pathfd is then closed).
 */
static struct fcache_ent *
insert(const struct handle *h, int pathfd, int iofd, unsigned refs)
{
	uint64_t hash = hash_handle(h);
	struct fcache_shard *sh = shard_of(hash);
	struct fcache_ent *e, *old;
	size_t b;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->h = *h;
	e->hash = hash;
	e->pathfd = pathfd;
	atomic_init(&e->iofd, iofd);
	e->refs = refs;
	e->shard = sh;
	pthread_mutex_lock(&sh->lock);
	if ((old = find(sh, h, hash)) != NULL) {
		old->refs += refs;
		pthread_mutex_unlock(&sh->lock);
		free(e);
		close(pathfd);
		return old;
	}
	evict(sh);
	b = bucket_of(sh, hash);
	e->hnext = sh->buckets[b];
	sh->buckets[b] = e;
	e->hashed = true;
	lru_push(sh, e);
	sh->count++;
	pthread_mutex_unlock(&sh->lock);
	return e;
}

struct fcache_ent *
fcache_add(const struct handle *h, int pathfd)
{
	return insert(h, pathfd, -1, 1);
}

void
fcache_keep(const struct handle *h, int fd)
{
	if (insert(h, fd, fd, 0) == NULL)
		close(fd);
}

void
fcache_release(struct fcache_ent *e)
{
	struct fcache_shard *sh = e->shard;
	bool gone;

	pthread_mutex_lock(&sh->lock);
	gone = --e->refs == 0 && !e->hashed;
	pthread_mutex_unlock(&sh->lock);
	if (gone)
		ent_close(e);
}

void
fcache_drop(struct fcache_ent *e)
{
	struct fcache_shard *sh = e->shard;

	pthread_mutex_lock(&sh->lock);
	unhash(e);
	pthread_mutex_unlock(&sh->lock);
}

int
fcache_pathfd(const struct fcache_ent *e)
{
	return e->pathfd;
}

/*
 * Open for I/O through /proc/self/fd: as root this bypasses permission
 * checks, which the procedures make themselves for each caller.
 */
int
fcache_iofd(struct fcache_ent *e, bool dir)
{
	char path[32];
	int fd, old = -1;

	if ((fd = atomic_load(&e->iofd)) != -1)
		return fd;
	if (vfs_cred_root() == -1)
		return -1;
	vfs_fdpath(e->pathfd, path);
	if (dir)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1 &&
	    (errno == EROFS || errno == ETXTBSY || errno == EACCES ||
	    errno == EPERM))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	/* Two threads may open it at once: the first to set it wins. */
	if (!atomic_compare_exchange_strong(&e->iofd, &old, fd)) {
		close(fd);
		return old;
	}
	return fd;
}

void
fcache_forget(const struct handle *h)
{
	uint64_t hash = hash_handle(h);
	struct fcache_shard *sh = shard_of(hash);
	struct fcache_ent *e, *next;

	pthread_mutex_lock(&sh->lock);
	for (e = sh->buckets[bucket_of(sh, hash)]; e != NULL; e = next) {
		next = e->hnext;
		if (!same_kernel_handle(&e->h, h))
			continue;
		unhash(e);
		if (e->refs == 0)
			ent_close(e);
	}
	pthread_mutex_unlock(&sh->lock);
}
