/*
 * userdb_crypt.c - passwords: checking one against a systempw crypt
 * hash with libxcrypt's crypt_r (yescrypt $y$, SHA-512-crypt $6$,
 * bcrypt $2b$), comparing in constant time, and making new hashes
 * with a fresh salt from crypt_gensalt_rn for mailctl passwd.
 *
 * These hashes are slow by design: callers with an event loop should
 * check passwords off it.  The crypt_data work area (about 32 KiB) is
 * allocated per call and wiped afterwards.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userdb.h"

static const char *const supported[] = { "$y$", "$6$", "$2b$" };

static bool
has_supported_prefix(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (strncmp(s, supported[i], strlen(supported[i])) == 0)
			return true;
	return false;
}

bool
userdb_hash_supported(const char *hash)
{
	return strlen(hash) < USERDB_HASH_SIZE &&
	    has_supported_prefix(hash) &&
	    crypt_checksalt(hash) == CRYPT_SALT_OK;
}

/* Whether a and b are equal, in time depending on their lengths only. */
static bool
equal_ct(const char *a, const char *b)
{
	size_t i, len = strlen(a);
	unsigned char d = 0;

	if (len != strlen(b))
		return false;
	for (i = 0; i < len; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

static void
free_data(struct crypt_data *cd)
{
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
}

int
userdb_check_password(const char *hash, const char *password)
{
	struct crypt_data *cd;
	const char *out;
	int rc;

	if (hash == NULL || password[0] == '\0' ||
	    strlen(password) >= USERDB_MAX_PASSWORD ||
	    !userdb_hash_supported(hash))
		return USERDB_MISMATCH;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return USERDB_ERROR;
	out = crypt_r(password, hash, cd);
	if (out == NULL || out[0] == '*')
		rc = USERDB_ERROR;
	else
		rc = equal_ct(out, hash) ? USERDB_OK : USERDB_MISMATCH;
	free_data(cd);
	return rc;
}

int
userdb_hash_password(const char *password, const char *prefix, char *out,
    size_t outlen, char *err, size_t errlen)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;

	if (prefix == NULL)
		prefix = USERDB_DEFAULT_HASH;
	if (!has_supported_prefix(prefix)) {
		snprintf(err, errlen, "%s: not one of $y$, $6$, $2b$",
		    prefix);
		return -1;
	}
	if (password[0] == '\0' || strlen(password) >= USERDB_MAX_PASSWORD) {
		snprintf(err, errlen, "a password is 1..%d bytes",
		    USERDB_MAX_PASSWORD - 1);
		return -1;
	}
	if (crypt_gensalt_rn(prefix, 0, NULL, 0, setting,
	    sizeof(setting)) == NULL) {
		snprintf(err, errlen, "%s: crypt_gensalt failed", prefix);
		return -1;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h = crypt_r(password, setting, cd);
	if (h == NULL || h[0] == '*' || strlen(h) >= outlen) {
		free_data(cd);
		snprintf(err, errlen, "%s: crypt failed or the hash is longer "
		    "than %zu bytes", prefix, outlen);
		return -1;
	}
	memcpy(out, h, strlen(h) + 1);
	free_data(cd);
	return 0;
}
