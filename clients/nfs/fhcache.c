/*
 * fhcache.c - a bounded cache of directory handles by path (relative
 * to the export root, normalized: "12/34/tevie/Maildir").  A hash
 * table by path and one by handle over the same entries, evicted least
 * recently used first; at most cap entries, each path at most
 * NFSC_PATHLEN bytes.  A handle is cached under one path only: putting
 * it under another (a rename we did not see) drops the old one.
 */
#include <stdlib.h>
#include <string.h>

#include "nfsc_int.h"

#define FNV_OFFSET	2166136261U
#define FNV_PRIME	16777619U

struct fhc_entry {
	char			*path;
	struct nfsc_fh		 fh;
	uint32_t		 phash, fhash;
	struct fhc_entry	*pnext;		/* chain by path */
	struct fhc_entry	*fnext;		/* chain by handle */
	struct fhc_entry	*prev, *next;	/* LRU: head is newest */
};

struct fhcache {
	size_t			 cap, count, nbuckets;
	struct fhc_entry	**bypath, **byfh;
	struct fhc_entry	*head, *tail;
};

static uint32_t
fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = FNV_OFFSET;

	while (n-- > 0) {
		h ^= *b++;
		h *= FNV_PRIME;
	}
	return h;
}

static uint32_t
fh_hash(const struct nfsc_fh *fh)
{
	return fnv(fh->data, fh->len);
}

static bool
fh_equal(const struct nfsc_fh *a, const struct nfsc_fh *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

struct fhcache *
fhc_create(size_t cap)
{
	struct fhcache *fc;
	size_t nb = 16;

	if (cap == 0 || cap > NFSC_MAX_FHCACHE)
		return NULL;
	while (nb < cap)
		nb *= 2;
	if ((fc = calloc(1, sizeof(*fc))) == NULL)
		return NULL;
	fc->cap = cap;
	fc->nbuckets = nb;
	fc->bypath = calloc(nb, sizeof(*fc->bypath));
	fc->byfh = calloc(nb, sizeof(*fc->byfh));
	if (fc->bypath == NULL || fc->byfh == NULL) {
		fhc_free(&fc);
		return NULL;
	}
	return fc;
}

static void
lru_unlink(struct fhcache *fc, struct fhc_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		fc->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		fc->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct fhcache *fc, struct fhc_entry *e)
{
	e->prev = NULL;
	e->next = fc->head;
	if (fc->head != NULL)
		fc->head->prev = e;
	fc->head = e;
	if (fc->tail == NULL)
		fc->tail = e;
}

static void
entry_drop(struct fhcache *fc, struct fhc_entry *e)
{
	struct fhc_entry **pp;

	for (pp = &fc->bypath[e->phash & (fc->nbuckets - 1)]; *pp != e;
	    pp = &(*pp)->pnext)
		;
	*pp = e->pnext;
	for (pp = &fc->byfh[e->fhash & (fc->nbuckets - 1)]; *pp != e;
	    pp = &(*pp)->fnext)
		;
	*pp = e->fnext;
	lru_unlink(fc, e);
	fc->count--;
	free(e->path);
	free(e);
}

void
fhc_free(struct fhcache **fcp)
{
	struct fhcache *fc = *fcp;

	if (fc == NULL)
		return;
	while (fc->head != NULL)
		entry_drop(fc, fc->head);
	free(fc->bypath);
	free(fc->byfh);
	free(fc);
	*fcp = NULL;
}

static struct fhc_entry *
find_path(struct fhcache *fc, const char *path, uint32_t h)
{
	struct fhc_entry *e;

	for (e = fc->bypath[h & (fc->nbuckets - 1)]; e != NULL; e = e->pnext)
		if (e->phash == h && strcmp(e->path, path) == 0)
			return e;
	return NULL;
}

static struct fhc_entry *
find_fh(struct fhcache *fc, const struct nfsc_fh *fh, uint32_t h)
{
	struct fhc_entry *e;

	for (e = fc->byfh[h & (fc->nbuckets - 1)]; e != NULL; e = e->fnext)
		if (e->fhash == h && fh_equal(&e->fh, fh))
			return e;
	return NULL;
}

bool
fhc_get(struct fhcache *fc, const char *path, struct nfsc_fh *out)
{
	struct fhc_entry *e;

	if (fc == NULL || (e = find_path(fc, path,
	    fnv(path, strlen(path)))) == NULL)
		return false;
	lru_unlink(fc, e);
	lru_push(fc, e);
	*out = e->fh;
	return true;
}

int
fhc_put(struct fhcache *fc, const char *path, const struct nfsc_fh *fh)
{
	struct fhc_entry *e;
	size_t plen = strnlen(path, NFSC_PATHLEN + 1);
	uint32_t ph, fhh;

	if (fc == NULL || plen > NFSC_PATHLEN || fh->len > NFSC_FHSIZE)
		return -1;
	ph = fnv(path, plen);
	fhh = fh_hash(fh);
	if ((e = find_path(fc, path, ph)) != NULL)
		entry_drop(fc, e);
	if ((e = find_fh(fc, fh, fhh)) != NULL)
		entry_drop(fc, e);
	if (fc->count >= fc->cap)
		entry_drop(fc, fc->tail);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	if ((e->path = strdup(path)) == NULL) {
		free(e);
		return -1;
	}
	e->fh = *fh;
	e->phash = ph;
	e->fhash = fhh;
	e->pnext = fc->bypath[ph & (fc->nbuckets - 1)];
	fc->bypath[ph & (fc->nbuckets - 1)] = e;
	e->fnext = fc->byfh[fhh & (fc->nbuckets - 1)];
	fc->byfh[fhh & (fc->nbuckets - 1)] = e;
	lru_push(fc, e);
	fc->count++;
	return 0;
}

/* path itself or below it: "a/b" covers "a/b" and "a/b/c", not "a/bc". */
static bool
covers(const char *prefix, size_t plen, const char *path)
{
	if (plen == 0)
		return true;
	return strncmp(path, prefix, plen) == 0 &&
	    (path[plen] == '\0' || path[plen] == '/');
}

size_t
fhc_forget(struct fhcache *fc, const char *path)
{
	struct fhc_entry *e, *next;
	size_t plen, n = 0;

	if (fc == NULL)
		return 0;
	plen = strlen(path);
	for (e = fc->head; e != NULL; e = next) {
		next = e->next;
		if (covers(path, plen, e->path)) {
			entry_drop(fc, e);
			n++;
		}
	}
	return n;
}

const char *
fhc_path_of(struct fhcache *fc, const struct nfsc_fh *fh)
{
	struct fhc_entry *e;

	if (fc == NULL || fh->len > NFSC_FHSIZE ||
	    (e = find_fh(fc, fh, fh_hash(fh))) == NULL)
		return NULL;
	return e->path;
}

size_t
fhc_count(const struct fhcache *fc)
{
	return fc == NULL ? 0 : fc->count;
}
