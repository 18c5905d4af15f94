/*
 * drc.c - the duplicate request cache: a hash table of recent
 * non-idempotent calls, evicted least recently used first, bounded in
 * entries and in reply bytes.  A call is known by its client address
 * (not the port: a client reconnecting from another port retransmits
 * too), transport, xid, program, version, procedure and a sum of its
 * arguments, so that a reused xid with other arguments is a new call.
 * While the first copy of a call executes, copies are dropped; the
 * client retransmits and then gets the cached reply.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "drc.h"

struct drc_entry {
	struct drc_key		 key;
	bool			 done;		/* reply below is valid */
	uint8_t			*reply;
	size_t			 len;
	struct drc_entry	*hnext;
	struct drc_entry	*prev, *next;	/* LRU: head is newest */
};

struct drc {
	pthread_mutex_t		 lock;
	struct drc_entry	**buckets;
	size_t			 nbuckets;
	size_t			 max_entries, max_bytes;
	size_t			 nentries, nbytes;
	struct drc_entry	*head, *tail;
	struct drc_stats	 stats;
};

#define FNV_OFFSET	1469598103934665603ULL
#define FNV_PRIME	1099511628211ULL

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n-- > 0)
		h = (h ^ *b++) * FNV_PRIME;
	return h;
}

/* Eight bytes at a time, the tail bytewise: the sum of the arguments. */
static uint64_t
sum_words(uint64_t h, const uint8_t *p, size_t n)
{
	uint64_t w;

	for (; n >= sizeof(w); p += sizeof(w), n -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		h = (h ^ w) * FNV_PRIME;
		h ^= h >> 29;
	}
	return fnv(h, p, n);
}

void
drc_key_make(struct drc_key *k, const struct sockaddr *sa, int udp,
    uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
    const uint8_t *args, size_t argslen)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
	uint64_t len = argslen;

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		k->family = AF_INET;
		memcpy(k->addr, s6->sin6_addr.s6_addr + 12, 4);
	} else if (sa->sa_family == AF_INET6)
		memcpy(k->addr, &s6->sin6_addr, 16);
	else if (sa->sa_family == AF_INET)
		memcpy(k->addr, &s4->sin_addr, 4);
	k->udp = udp != 0;
	k->xid = xid;
	k->prog = prog;
	k->vers = vers;
	k->proc = proc;
	k->sum = sum_words(fnv(FNV_OFFSET, &len, sizeof(len)), args,
	    argslen < DRC_SUM_BYTES ? argslen : DRC_SUM_BYTES);
	k->hash = sum_words(FNV_OFFSET, (const uint8_t *)k,
	    offsetof(struct drc_key, hash));
}

static size_t
key_bucket(const struct drc *drc, const struct drc_key *k)
{
	return (size_t)(k->hash % drc->nbuckets);
}

struct drc *
drc_create(size_t max_entries, size_t max_bytes)
{
	struct drc *drc;

	if ((drc = calloc(1, sizeof(*drc))) == NULL)
		return NULL;
	drc->nbuckets = max_entries + 1;
	if ((drc->buckets = calloc(drc->nbuckets, sizeof(*drc->buckets))) ==
	    NULL) {
		free(drc);
		return NULL;
	}
	drc->max_entries = max_entries;
	drc->max_bytes = max_bytes;
	pthread_mutex_init(&drc->lock, NULL);
	return drc;
}

static void
lru_unlink(struct drc *drc, struct drc_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		drc->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		drc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct drc *drc, struct drc_entry *e)
{
	e->next = drc->head;
	e->prev = NULL;
	if (drc->head != NULL)
		drc->head->prev = e;
	drc->head = e;
	if (drc->tail == NULL)
		drc->tail = e;
}

/* Take e out of the table onto *dead, for entries_free after the lock. */
static void
entry_remove(struct drc *drc, struct drc_entry *e, struct drc_entry **dead)
{
	struct drc_entry **pp;

	for (pp = &drc->buckets[key_bucket(drc, &e->key)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	lru_unlink(drc, e);
	drc->nentries--;
	drc->nbytes -= e->len;
	e->hnext = *dead;
	*dead = e;
}

static void
entries_free(struct drc_entry *dead)
{
	struct drc_entry *next;

	for (; dead != NULL; dead = next) {
		next = dead->hnext;
		free(dead->reply);
		free(dead);
	}
}

/* Evict finished entries, oldest first, until one more fits. */
static void
make_room(struct drc *drc, size_t bytes, struct drc_entry **dead)
{
	struct drc_entry *e, *prev;

	for (e = drc->tail; e != NULL; e = prev) {
		prev = e->prev;
		if (drc->nentries < drc->max_entries &&
		    drc->nbytes + bytes <= drc->max_bytes)
			return;
		if (e->done)	/* calls in progress stay until finished */
			entry_remove(drc, e, dead);
	}
}

void
drc_free(struct drc **drcp)
{
	struct drc *drc = *drcp;
	struct drc_entry *dead = NULL;

	if (drc == NULL)
		return;
	while (drc->head != NULL)
		entry_remove(drc, drc->head, &dead);
	entries_free(dead);
	free(drc->buckets);
	pthread_mutex_destroy(&drc->lock);
	free(drc);
	*drcp = NULL;
}

static struct drc_entry *
find(struct drc *drc, const struct drc_key *k)
{
	struct drc_entry *e;

	for (e = drc->buckets[key_bucket(drc, k)]; e != NULL; e = e->hnext)
		if (memcmp(&e->key, k, sizeof(*k)) == 0)
			return e;
	return NULL;
}

enum drc_state
drc_begin(struct drc *drc, const struct drc_key *k, uint8_t *out,
    size_t outcap, size_t *outlen, struct drc_entry **entp)
{
	struct drc_entry *e, *fresh, *dead = NULL;
	enum drc_state st = DRC_NEW;
	size_t h;

	*entp = NULL;
	/* Made before the lock, as freed after it: nearly every call is new. */
	fresh = calloc(1, sizeof(*fresh));
	pthread_mutex_lock(&drc->lock);
	if ((e = find(drc, k)) != NULL) {
		if (!e->done) {
			drc->stats.busy++;
			st = DRC_BUSY;
		} else if (e->len <= outcap) {
			memcpy(out, e->reply, e->len);
			*outlen = e->len;
			lru_unlink(drc, e);
			lru_push(drc, e);
			drc->stats.hits++;
			st = DRC_HIT;
		} else
			st = DRC_BUSY;	/* cannot happen: replies are small */
		pthread_mutex_unlock(&drc->lock);
		free(fresh);
		return st;
	}
	drc->stats.misses++;
	make_room(drc, 0, &dead);
	if ((e = fresh) != NULL) {
		e->key = *k;
		h = key_bucket(drc, k);
		e->hnext = drc->buckets[h];
		drc->buckets[h] = e;
		lru_push(drc, e);
		drc->nentries++;
	}
	pthread_mutex_unlock(&drc->lock);
	entries_free(dead);
	*entp = e;	/* NULL: out of memory, run uncached */
	return DRC_NEW;
}

void
drc_finish(struct drc *drc, struct drc_entry *e, const uint8_t *reply,
    size_t len)
{
	struct drc_entry *dead = NULL;
	uint8_t *copy = NULL;

	if (e == NULL)
		return;
	if (reply != NULL && len <= DRC_MAX_REPLY &&
	    (copy = malloc(len)) != NULL)
		memcpy(copy, reply, len);
	pthread_mutex_lock(&drc->lock);
	if (copy == NULL)	/* not kept: a retry runs again */
		entry_remove(drc, e, &dead);
	else {
		make_room(drc, len, &dead);
		e->reply = copy;
		e->len = len;
		e->done = true;
		drc->nbytes += len;
	}
	pthread_mutex_unlock(&drc->lock);
	entries_free(dead);
}

void
drc_stats(struct drc *drc, struct drc_stats *out)
{
	pthread_mutex_lock(&drc->lock);
	*out = drc->stats;
	out->entries = drc->nentries;
	out->bytes = drc->nbytes;
	pthread_mutex_unlock(&drc->lock);
}
