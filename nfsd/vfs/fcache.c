/*
 * fcache.c - the open-object cache: a fixed number of entries, found
 * by handle through a hash table and evicted least recently used
 * first, and also by inode (for forgetting a removed file without
 * walking the whole cache).  An entry holds an O_PATH descriptor and,
 * once needed, a descriptor open for I/O: a file's for READ, WRITE and
 * COMMIT, a directory's for the fsync after each change in it.  Entries in use are
 * reference counted; a dropped or evicted entry is closed by its last
 * user.  Attributes are never cached: callers fstat the descriptor.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcache.h"
#include "hcache.h"
#include "vfs.h"

struct fcache_ent {
	struct handle		 h;
	int			 pathfd;
	atomic_int		 iofd;		/* -1 until needed */
	dev_t			 dev;
	ino_t			 ino;
	unsigned		 refs;
	bool			 hashed;
	struct fcache_ent	*hnext;		/* hash chain, by handle */
	struct fcache_ent	*inext;		/* hash chain, by inode */
	struct fcache_ent	*prev, *next;	/* LRU: head is newest */
};

static struct {
	pthread_mutex_t		 lock;
	struct fcache_ent	**buckets;		/* by handle */
	struct fcache_ent	**ibuckets;	/* by dev and inode */
	size_t			 nbuckets;
	size_t			 max;
	size_t			 count;		/* hashed entries */
	struct fcache_ent	*head, *tail;
} fc = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* FNV-1a over the export id, type and kernel handle. */
static size_t
hash_handle(const struct handle *h)
{
	uint64_t x = 1469598103934665603ULL;
	const uint8_t *p;
	size_t i;

	x = (x ^ h->export_id) * 1099511628211ULL;
	x = (x ^ (uint32_t)h->type) * 1099511628211ULL;
	for (p = h->kernel, i = 0; i < h->len; i++)
		x = (x ^ p[i]) * 1099511628211ULL;
	return (size_t)(x % fc.nbuckets);
}

static size_t
hash_inode(dev_t dev, ino_t ino)
{
	uint64_t x = ((uint64_t)ino * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)dev;

	return (size_t)(x % fc.nbuckets);
}

static bool
same_handle(const struct handle *a, const struct handle *b)
{
	return a->export_id == b->export_id && a->type == b->type &&
	    a->len == b->len && memcmp(a->kernel, b->kernel, a->len) == 0;
}

int
vfs_fcache_init(size_t size)
{
	fc.max = size;
	fc.nbuckets = size * 2 + 1;
	fc.buckets = calloc(fc.nbuckets, sizeof(*fc.buckets));
	fc.ibuckets = calloc(fc.nbuckets, sizeof(*fc.ibuckets));
	if (fc.buckets == NULL || fc.ibuckets == NULL) {
		free(fc.buckets);
		free(fc.ibuckets);
		fc.buckets = fc.ibuckets = NULL;
		return -1;
	}
	return 0;
}

static void
ent_close(struct fcache_ent *e)
{
	int iofd = atomic_load(&e->iofd);

	close(e->pathfd);
	if (iofd != -1)
		close(iofd);
	free(e);
}

static void
lru_unlink(struct fcache_ent *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		fc.head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		fc.tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct fcache_ent *e)
{
	e->prev = NULL;
	e->next = fc.head;
	if (fc.head != NULL)
		fc.head->prev = e;
	fc.head = e;
	if (fc.tail == NULL)
		fc.tail = e;
}

/* Take e out of both hashes and the LRU; caller holds the lock. */
static void
unhash(struct fcache_ent *e)
{
	struct fcache_ent **pp;

	if (!e->hashed)
		return;
	for (pp = &fc.buckets[hash_handle(&e->h)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	for (pp = &fc.ibuckets[hash_inode(e->dev, e->ino)]; *pp != NULL;
	    pp = &(*pp)->inext) {
		if (*pp == e) {
			*pp = e->inext;
			break;
		}
	}
	lru_unlink(e);
	e->hashed = false;
	fc.count--;
}

/* Make room: unhash the oldest entries; closes the unused ones. */
static void
evict(void)
{
	struct fcache_ent *e;

	while (fc.count >= fc.max && (e = fc.tail) != NULL) {
		unhash(e);
		if (e->refs == 0)
			ent_close(e);
	}
}

void
vfs_fcache_free(void)
{
	struct fcache_ent *e;

	pthread_mutex_lock(&fc.lock);
	while ((e = fc.head) != NULL) {
		unhash(e);
		if (e->refs == 0)
			ent_close(e);
	}
	free(fc.buckets);
	free(fc.ibuckets);
	fc.buckets = fc.ibuckets = NULL;
	pthread_mutex_unlock(&fc.lock);
}

static struct fcache_ent *
find(const struct handle *h)
{
	struct fcache_ent *e;

	for (e = fc.buckets[hash_handle(h)]; e != NULL; e = e->hnext)
		if (same_handle(&e->h, h))
			return e;
	return NULL;
}

struct fcache_ent *
fcache_get(const struct handle *h)
{
	struct fcache_ent *e;

	pthread_mutex_lock(&fc.lock);
	if ((e = find(h)) != NULL) {
		e->refs++;
		lru_unlink(e);
		lru_push(e);
	}
	pthread_mutex_unlock(&fc.lock);
	return e;
}

struct fcache_ent *
fcache_add(const struct handle *h, int pathfd, dev_t dev, ino_t ino)
{
	struct fcache_ent *e, *old;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->h = *h;
	e->pathfd = pathfd;
	atomic_init(&e->iofd, -1);
	e->dev = dev;
	e->ino = ino;
	e->refs = 1;
	pthread_mutex_lock(&fc.lock);
	if ((old = find(h)) != NULL) {
		old->refs++;
		pthread_mutex_unlock(&fc.lock);
		free(e);
		close(pathfd);
		return old;
	}
	evict();
	e->hnext = fc.buckets[hash_handle(h)];
	fc.buckets[hash_handle(h)] = e;
	e->inext = fc.ibuckets[hash_inode(dev, ino)];
	fc.ibuckets[hash_inode(dev, ino)] = e;
	e->hashed = true;
	lru_push(e);
	fc.count++;
	pthread_mutex_unlock(&fc.lock);
	return e;
}

void
fcache_release(struct fcache_ent *e)
{
	bool gone;

	pthread_mutex_lock(&fc.lock);
	gone = --e->refs == 0 && !e->hashed;
	pthread_mutex_unlock(&fc.lock);
	if (gone)
		ent_close(e);
}

void
fcache_drop(struct fcache_ent *e)
{
	pthread_mutex_lock(&fc.lock);
	unhash(e);
	pthread_mutex_unlock(&fc.lock);
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
vfs_fcache_forget(dev_t dev, ino_t ino)
{
	struct fcache_ent *e, *next;

	hcache_forget(ino);
	pthread_mutex_lock(&fc.lock);
	for (e = fc.ibuckets[hash_inode(dev, ino)]; e != NULL; e = next) {
		next = e->inext;
		if (e->dev != dev || e->ino != ino)
			continue;
		unhash(e);
		if (e->refs == 0)
			ent_close(e);
	}
	pthread_mutex_unlock(&fc.lock);
}
