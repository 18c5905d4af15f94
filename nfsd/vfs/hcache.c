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
 * Direct-mapped by inode number, one lock; the table is allocated on
 * first use and its pages are touched only as slots fill.
 */
#include <sys/mman.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hcache.h"

struct hslot {
	uint64_t	ino;
	uint64_t	dev;
	int64_t		ctime_sec;
	int64_t		btime_sec;
	uint32_t	ctime_nsec;
	uint32_t	btime_nsec;
	uint32_t	export_id;
	uint8_t		fhlen;		/* 0: empty */
	uint8_t		fh[HANDLE_MAX];
};

static struct {
	pthread_mutex_t	 lock;
	struct hslot	*slots;
	bool		 failed;	/* no memory: no cache */
} hc = { PTHREAD_MUTEX_INITIALIZER, NULL, false };

#define TABLE_SIZE	(HCACHE_SLOTS * sizeof(struct hslot))

/*
 * The table in huge pages where the kernel has them: slots are hit at
 * random, and with 4 KiB pages nearly every lookup was a TLB miss.
 */
static struct hslot *
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

static size_t
slot_of(uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> (64 - HCACHE_BITS));
}

static bool
slot_is(const struct hslot *s, const struct hcache_key *k)
{
	return s->fhlen != 0 && s->ino == k->ino && s->dev == k->dev &&
	    s->export_id == k->export_id &&
	    s->ctime_sec == k->ctime_sec && s->ctime_nsec == k->ctime_nsec &&
	    s->btime_sec == k->btime_sec && s->btime_nsec == k->btime_nsec;
}

bool
hcache_get(const struct hcache_key *k, uint8_t fh[HANDLE_MAX],
    size_t *fhlen)
{
	const struct hslot *s;
	bool hit = false;

	pthread_mutex_lock(&hc.lock);
	if (hc.slots != NULL) {
		s = &hc.slots[slot_of(k->ino)];
		if ((hit = slot_is(s, k))) {
			memcpy(fh, s->fh, s->fhlen);
			*fhlen = s->fhlen;
		}
	}
	pthread_mutex_unlock(&hc.lock);
	return hit;
}

void
hcache_prefetch(uint64_t ino)
{
	/* without the lock: a prefetch of a stale table is harmless */
	const struct hslot *slots = __atomic_load_n(&hc.slots,
	    __ATOMIC_RELAXED);

	if (slots != NULL)
		__builtin_prefetch(&slots[slot_of(ino)]);
}

void
hcache_put(const struct hcache_key *k, const uint8_t *fh, size_t fhlen)
{
	struct hslot *s;

	if (fhlen == 0 || fhlen > HANDLE_MAX)
		return;
	pthread_mutex_lock(&hc.lock);
	if (hc.slots == NULL && !hc.failed) {
		__atomic_store_n(&hc.slots, table_alloc(), __ATOMIC_RELAXED);
		hc.failed = hc.slots == NULL;
	}
	if (hc.slots != NULL) {
		s = &hc.slots[slot_of(k->ino)];
		s->ino = k->ino;
		s->dev = k->dev;
		s->export_id = k->export_id;
		s->ctime_sec = k->ctime_sec;
		s->ctime_nsec = k->ctime_nsec;
		s->btime_sec = k->btime_sec;
		s->btime_nsec = k->btime_nsec;
		memcpy(s->fh, fh, fhlen);
		s->fhlen = (uint8_t)fhlen;
	}
	pthread_mutex_unlock(&hc.lock);
}

void
hcache_forget(uint64_t ino)
{
	struct hslot *s;

	pthread_mutex_lock(&hc.lock);
	if (hc.slots != NULL) {
		s = &hc.slots[slot_of(ino)];
		if (s->ino == ino)
			s->fhlen = 0;
	}
	pthread_mutex_unlock(&hc.lock);
}

void
hcache_clear(void)
{
	pthread_mutex_lock(&hc.lock);
	if (hc.slots != NULL)
		munmap(hc.slots, TABLE_SIZE);
	__atomic_store_n(&hc.slots, NULL, __ATOMIC_RELAXED);
	hc.failed = false;
	pthread_mutex_unlock(&hc.lock);
}
