/*
 * handle_mac.c - the MAC that authenticates file handles: HMAC-SHA256
 * truncated to HANDLE_MAC_LEN bytes, computed with a context keyed
 * once per thread (not set up afresh for every handle), and a memory
 * of handles already authenticated or made here, so that the handles
 * a client uses over and over cost one constant-time comparison
 * instead of a MAC.
 *
 * The memory has two levels: a small one per thread, without a lock,
 * and behind it a larger one all threads share, under striped locks.
 * A handle is mostly made by one thread and used next by another (a
 * worker's CREATE, then the WRITE an event loop runs; a READDIRPLUS,
 * then the READ of each entry); with dozens of workers the per-thread
 * memory alone missed three lookups in four in a Maildir delivery.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "handle.h"
#include "handle_mac.h"

#define SEEN_SLOTS	256		/* direct-mapped, per thread */
#define SHARED_SLOTS	8192		/* direct-mapped, shared */
#define SHARED_LOCKS	64		/* slot i under lock i % this */

/* seen_hash spreads over 16 bits; a slot's lock is fixed by its index. */
_Static_assert(SEEN_SLOTS <= 1 << 16 && SHARED_SLOTS <= 1 << 16,
    "slots beyond the hash's reach");
_Static_assert(SHARED_SLOTS % SHARED_LOCKS == 0,
    "a slot would change locks");

struct seen_handle {
	uint8_t		len;		/* 0: empty */
	uint8_t		bytes[HANDLE_MAX];
};

struct mac_thread {
	EVP_MAC_CTX		*ctx;
	struct handle_key	 key;		/* what ctx is keyed with */
	uint64_t		 keytag;	/* names key in the shared slots */
	struct seen_handle	 seen[SEEN_SLOTS];
};

/*
 * A shared slot says under which key its handle is authentic: a tag
 * derived from the key by the MAC itself, so that a process using two
 * keys (the unit tests) never takes one key's handle for the other's.
 */
struct shared_handle {
	uint64_t		 keytag;
	struct seen_handle	 h;
};

struct shared_lock {
	_Alignas(64) pthread_mutex_t	 m;
};

static struct {
	struct shared_lock	 lock[SHARED_LOCKS];
	struct shared_handle	 slot[SHARED_SLOTS];
	uint64_t		 hits;		/* atomic */
} shared;

static pthread_once_t	 mac_once = PTHREAD_ONCE_INIT;
static pthread_key_t	 mac_tkey;
static EVP_MAC		*mac_alg;	/* fetched once, never freed */

static void
mac_thread_free(void *arg)
{
	struct mac_thread *t = arg;

	EVP_MAC_CTX_free(t->ctx);
	OPENSSL_cleanse(&t->key, sizeof(t->key));
	free(t);
}

static void
mac_init_once(void)
{
	size_t i;

	for (i = 0; i < SHARED_LOCKS; i++)
		if (pthread_mutex_init(&shared.lock[i].m, NULL) != 0)
			return;
	if (pthread_key_create(&mac_tkey, mac_thread_free) != 0)
		return;
	mac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* MAC data under t's key; t keyed. */
static int
mac_compute(struct mac_thread *t, const uint8_t *data, size_t len,
    uint8_t mac[HANDLE_MAC_LEN])
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t fulllen = 0;

	if (EVP_MAC_init(t->ctx, NULL, 0, NULL) != 1 ||	/* same key */
	    EVP_MAC_update(t->ctx, data, len) != 1 ||
	    EVP_MAC_final(t->ctx, full, &fulllen, sizeof(full)) != 1 ||
	    fulllen < HANDLE_MAC_LEN)
		return -1;
	memcpy(mac, full, HANDLE_MAC_LEN);
	return 0;
}

/* The tag of t's key in the shared slots: the MAC of a fixed string. */
static int
mac_keytag(struct mac_thread *t)
{
	static const char what[] = "nfsd shared handle memory";
	uint8_t mac[HANDLE_MAC_LEN];

	if (mac_compute(t, (const uint8_t *)what, sizeof(what) - 1,
	    mac) == -1)
		return -1;
	memcpy(&t->keytag, mac, sizeof(t->keytag));
	return 0;
}

/* This thread's context, keyed with key (re-keyed if it changed). */
static struct mac_thread *
mac_thread(const struct handle_key *key)
{
	OSSL_PARAM params[2];
	struct mac_thread *t;

	if (pthread_once(&mac_once, mac_init_once) != 0 || mac_alg == NULL)
		return NULL;
	if ((t = pthread_getspecific(mac_tkey)) == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return NULL;
		if (pthread_setspecific(mac_tkey, t) != 0) {
			free(t);
			return NULL;
		}
	}
	/* Two copies of the server's own key, no caller's bytes: memcmp. */
	if (t->ctx != NULL && memcmp(&t->key, key, sizeof(*key)) == 0)
		return t;
	/* A new key: forget the handles authenticated with the old one. */
	EVP_MAC_CTX_free(t->ctx);
	memset(t, 0, sizeof(*t));
	if ((t->ctx = EVP_MAC_CTX_new(mac_alg)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(t->ctx, key->bytes, sizeof(key->bytes),
	    params) != 1 || mac_keytag(t) == -1) {
		EVP_MAC_CTX_free(t->ctx);
		t->ctx = NULL;
		return NULL;
	}
	t->key = *key;
	return t;
}

int
handle_mac(const struct handle_key *key, const uint8_t *data, size_t len,
    uint8_t mac[HANDLE_MAC_LEN])
{
	struct mac_thread *t;

	if ((t = mac_thread(key)) == NULL)
		return -1;
	return mac_compute(t, data, len, mac);
}

/*
 * Whether a and b are equal, in a time that depends on len alone (a
 * client's handle against one authenticated before): eight bytes at a
 * time, where CRYPTO_memcmp goes byte by byte.
 */
static bool
equal_ct(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y, diff = 0;
	size_t i;

	for (i = 0; i + sizeof(x) <= len; i += sizeof(x)) {
		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		diff |= x ^ y;
	}
	for (; i < len; i++)
		diff |= (uint64_t)(a[i] ^ b[i]);
	return diff == 0;
}

/* Where a whole handle goes: its last bytes are MAC, so well spread. */
static unsigned
seen_hash(const uint8_t *fh, size_t len)
{
	return (unsigned)fh[len - 1] | (unsigned)fh[len - 2] << 8;
}

static bool
seen_is(const struct seen_handle *s, const uint8_t *fh, size_t len)
{
	return s->len == len && equal_ct(s->bytes, fh, len);
}

static void
seen_set(struct seen_handle *s, const uint8_t *fh, size_t len)
{
	memcpy(s->bytes, fh, len);
	s->len = (uint8_t)len;
}

/* The shared slot for hash, and the lock that guards it (always one). */
static struct shared_handle *
shared_slot(unsigned hash, pthread_mutex_t **m)
{
	*m = &shared.lock[hash % SHARED_LOCKS].m;
	return &shared.slot[hash % SHARED_SLOTS];
}

static bool
shared_seen(const struct mac_thread *t, unsigned hash, const uint8_t *fh,
    size_t len)
{
	pthread_mutex_t *m;
	struct shared_handle *s = shared_slot(hash, &m);
	bool found;

	pthread_mutex_lock(m);
	found = s->keytag == t->keytag && seen_is(&s->h, fh, len);
	pthread_mutex_unlock(m);
	if (found)
		__atomic_add_fetch(&shared.hits, 1, __ATOMIC_RELAXED);
	return found;
}

static void
shared_remember(const struct mac_thread *t, unsigned hash, const uint8_t *fh,
    size_t len)
{
	pthread_mutex_t *m;
	struct shared_handle *s = shared_slot(hash, &m);

	pthread_mutex_lock(m);
	s->keytag = t->keytag;
	seen_set(&s->h, fh, len);
	pthread_mutex_unlock(m);
}

bool
handle_seen(const struct handle_key *key, const uint8_t *fh, size_t len)
{
	struct mac_thread *t;
	struct seen_handle *own;
	unsigned hash;

	if (len < HANDLE_MAC_LEN || len > HANDLE_MAX ||
	    (t = mac_thread(key)) == NULL)
		return false;
	hash = seen_hash(fh, len);
	own = &t->seen[hash % SEEN_SLOTS];
	if (seen_is(own, fh, len))
		return true;
	if (!shared_seen(t, hash, fh, len))
		return false;
	seen_set(own, fh, len);
	return true;
}

void
handle_remember(const struct handle_key *key, const uint8_t *fh, size_t len)
{
	struct mac_thread *t;
	unsigned hash;

	if (len < HANDLE_MAC_LEN || len > HANDLE_MAX ||
	    (t = mac_thread(key)) == NULL)
		return;
	hash = seen_hash(fh, len);
	seen_set(&t->seen[hash % SEEN_SLOTS], fh, len);
	shared_remember(t, hash, fh, len);
}

uint64_t
handle_seen_shared_hits(void)
{
	return __atomic_load_n(&shared.hits, __ATOMIC_RELAXED);
}
