/*
 * hcache.c - the handles of directory entries, by inode, for
 * READDIRPLUS.  A listing stats each entry by name (it needs the
 * attributes anyway) and takes the handle from here when the inode is
 * the one the handle was made for: same export, device, inode number,
 * birth time and change time.  That saves a second lookup by name
 * (name_to_handle_at) and the handle's MAC for every entry of a
 * directory listed again.
 *
 * A reused inode number has another change time (and birth time): its
 * creation comes after the old inode's unlink, which changed the old
 * one's ctime after we saw it.  Even a slot that went stale some other
 * way cannot name another file: the kernel handle carries the inode's
 * generation, which open_by_handle_at checks, so the worst is
 * NFS3ERR_STALE.  Slots are filled from one O_PATH descriptor (its
 * statx and its handle), never from two lookups by name that a rename
 * could split.
 *
 * Sets of HCACHE_WAYS slots chosen by inode number, one lock.  A
 * listing walks a directory in the same order every time, which makes
 * LRU evict every entry just before it is asked for again; so a slot
 * that was hit is kept, and a newcomer finding every slot of its set
 * hit is not stored but ages them (they must be hit again to stay).
 * The table is allocated on first use and its pages are touched only
 * as sets fill.
 */
#include <sys/mman.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hcache.h"

struct hslot {
	uint64_t	dev;
	int64_t		ctime_sec;
	int64_t		btime_sec;
	uint32_t	ctime_nsec;
	uint32_t	btime_nsec;
	uint32_t	export_id;
	uint8_t		fhlen;		/* 0: empty */
	uint8_t		fh[HANDLE_MAX];
};

/* The inode numbers first: one cache line tells which slot, if any. */
struct hset {
	uint64_t	ino[HCACHE_WAYS];
	bool		hit[HCACHE_WAYS];	/* found since it was stored */
	struct hslot	slot[HCACHE_WAYS];
};

#define HCACHE_SETS	(HCACHE_SLOTS / HCACHE_WAYS)
#define TABLE_SIZE	(HCACHE_SETS * sizeof(struct hset))

static struct {
	pthread_mutex_t	 lock;
	struct hset	*sets;
	bool		 failed;	/* no memory: no cache */
} hc = { PTHREAD_MUTEX_INITIALIZER, NULL, false };

/*
 * The table in huge pages where the kernel has them: sets are hit at
 * random, and with 4 KiB pages nearly every lookup was a TLB miss.
 */
static struct hset *
table_alloc(void)
{
	void *p;

	p = mmap(NULL, TABLE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, TABLE_SIZE, MADV_HUGEPAGE);	/* a hint only */
	return p;
}

size_t
hcache_set(uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >>
	    (64 - HCACHE_BITS + HCACHE_WAY_BITS));
}

static bool
slot_is(const struct hset *set, int w, const struct hcache_key *k)
{
	const struct hslot *s = &set->slot[w];

	return s->fhlen != 0 && set->ino[w] == k->ino && s->dev == k->dev &&
	    s->export_id == k->export_id &&
	    s->ctime_sec == k->ctime_sec && s->ctime_nsec == k->ctime_nsec &&
	    s->btime_sec == k->btime_sec && s->btime_nsec == k->btime_nsec;
}

bool
hcache_get(const struct hcache_key *k, uint8_t fh[HANDLE_MAX],
    size_t *fhlen)
{
	struct hset *set;
	bool found = false;
	int w;

	pthread_mutex_lock(&hc.lock);
	if (hc.sets != NULL) {
		set = &hc.sets[hcache_set(k->ino)];
		for (w = 0; w < HCACHE_WAYS && !found; w++) {
			if (!slot_is(set, w, k))
				continue;
			memcpy(fh, set->slot[w].fh, set->slot[w].fhlen);
			*fhlen = set->slot[w].fhlen;
			set->hit[w] = true;
			found = true;
		}
	}
	pthread_mutex_unlock(&hc.lock);
	return found;
}

void
hcache_prefetch(uint64_t ino)
{
	/* without the lock: a prefetch of a stale table is harmless */
	const struct hset *sets = __atomic_load_n(&hc.sets,
	    __ATOMIC_RELAXED);

	if (sets != NULL)
		__builtin_prefetch(&sets[hcache_set(ino)]);
}

/*
 * Where k goes in set: the slot of the same inode number (an older
 * incarnation), else an empty one, else one not hit since it was
 * stored; -1 when every slot was hit (they are aged instead).
 */
static int
slot_for(struct hset *set, const struct hcache_key *k)
{
	int w;

	for (w = 0; w < HCACHE_WAYS; w++)
		if (set->slot[w].fhlen != 0 && set->ino[w] == k->ino)
			return w;
	for (w = 0; w < HCACHE_WAYS; w++)
		if (set->slot[w].fhlen == 0)
			return w;
	for (w = 0; w < HCACHE_WAYS; w++)
		if (!set->hit[w])
			return w;
	for (w = 0; w < HCACHE_WAYS; w++)
		set->hit[w] = false;
	return -1;
}

void
hcache_put(const struct hcache_key *k, const uint8_t *fh, size_t fhlen)
{
	struct hset *set;
	struct hslot *s;
	int w;

	if (fhlen == 0 || fhlen > HANDLE_MAX)
		return;
	pthread_mutex_lock(&hc.lock);
	if (hc.sets == NULL && !hc.failed) {
		__atomic_store_n(&hc.sets, table_alloc(), __ATOMIC_RELAXED);
		hc.failed = hc.sets == NULL;
	}
	if (hc.sets != NULL) {
		set = &hc.sets[hcache_set(k->ino)];
		if ((w = slot_for(set, k)) != -1) {
			s = &set->slot[w];
			set->ino[w] = k->ino;
			set->hit[w] = false;
			s->dev = k->dev;
			s->export_id = k->export_id;
			s->ctime_sec = k->ctime_sec;
			s->ctime_nsec = k->ctime_nsec;
			s->btime_sec = k->btime_sec;
			s->btime_nsec = k->btime_nsec;
			memcpy(s->fh, fh, fhlen);
			s->fhlen = (uint8_t)fhlen;
		}
	}
	pthread_mutex_unlock(&hc.lock);
}

void
hcache_forget(uint64_t ino)
{
	struct hset *set;
	int w;

	pthread_mutex_lock(&hc.lock);
	if (hc.sets != NULL) {
		set = &hc.sets[hcache_set(ino)];
		for (w = 0; w < HCACHE_WAYS; w++)
			if (set->ino[w] == ino)
				set->slot[w].fhlen = 0;
	}
	pthread_mutex_unlock(&hc.lock);
}

void
hcache_clear(void)
{
	pthread_mutex_lock(&hc.lock);
	if (hc.sets != NULL)
		munmap(hc.sets, TABLE_SIZE);
	__atomic_store_n(&hc.sets, NULL, __ATOMIC_RELAXED);
	hc.failed = false;
	pthread_mutex_unlock(&hc.lock);
}
