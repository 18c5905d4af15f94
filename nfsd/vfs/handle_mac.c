/*
 * handle_mac.c - the MAC that authenticates file handles: HMAC-SHA256
 * truncated to HANDLE_MAC_LEN bytes, computed with a context keyed
 * once per thread (not set up afresh for every handle), and a small
 * per-thread memory of handles already authenticated or made here, so
 * that the handles a client uses over and over cost one constant-time
 * comparison instead of a MAC.
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

struct seen_handle {
	uint8_t		len;		/* 0: empty */
	uint8_t		bytes[HANDLE_MAX];
};

struct mac_thread {
	EVP_MAC_CTX		*ctx;
	struct handle_key	 key;		/* what ctx is keyed with */
	struct seen_handle	 seen[SEEN_SLOTS];
};

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
	if (pthread_key_create(&mac_tkey, mac_thread_free) != 0)
		return;
	mac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
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
	    params) != 1) {
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
	uint8_t full[EVP_MAX_MD_SIZE];
	struct mac_thread *t;
	size_t fulllen = 0;

	if ((t = mac_thread(key)) == NULL ||
	    EVP_MAC_init(t->ctx, NULL, 0, NULL) != 1 ||	/* same key */
	    EVP_MAC_update(t->ctx, data, len) != 1 ||
	    EVP_MAC_final(t->ctx, full, &fulllen, sizeof(full)) != 1 ||
	    fulllen < HANDLE_MAC_LEN)
		return -1;
	memcpy(mac, full, HANDLE_MAC_LEN);
	return 0;
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

/* The slot of a whole handle: its last bytes are MAC, so well spread. */
static struct seen_handle *
seen_slot(struct mac_thread *t, const uint8_t *fh, size_t len)
{
	unsigned i = (unsigned)fh[len - 1] | (unsigned)fh[len - 2] << 8;

	return &t->seen[i % SEEN_SLOTS];
}

bool
handle_seen(const struct handle_key *key, const uint8_t *fh, size_t len)
{
	struct mac_thread *t;
	struct seen_handle *s;

	if (len < HANDLE_MAC_LEN || len > HANDLE_MAX ||
	    (t = mac_thread(key)) == NULL)
		return false;
	s = seen_slot(t, fh, len);
	return s->len == len && equal_ct(s->bytes, fh, len);
}

void
handle_remember(const struct handle_key *key, const uint8_t *fh, size_t len)
{
	struct mac_thread *t;
	struct seen_handle *s;

	if (len < HANDLE_MAC_LEN || len > HANDLE_MAX ||
	    (t = mac_thread(key)) == NULL)
		return;
	s = seen_slot(t, fh, len);
	memcpy(s->bytes, fh, len);
	s->len = (uint8_t)len;
}
