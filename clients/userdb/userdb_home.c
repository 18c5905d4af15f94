/*
 * userdb_home.c - the hashed home layout: two directory levels of 100
 * each from a SHA-256 of the name, so that no directory of a store
 * holds more than about 1/10000 of its users.  The computation is
 * documented in userdb.h and is part of the on-disk format.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "userdb.h"

int
userdb_home_hash(const char *name, char *out, size_t outlen)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned l1, l2;
	int n;

	if (!userdb_name_valid(name))
		return -1;
	SHA256((const unsigned char *)name, strlen(name), md);
	l1 = ((unsigned)md[0] << 8 | md[1]) % USERDB_HOME_BUCKETS;
	l2 = ((unsigned)md[2] << 8 | md[3]) % USERDB_HOME_BUCKETS;
	n = snprintf(out, outlen, "%02u/%02u/%s", l1, l2, name);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

int
userdb_home_path(const char *prefix, const char *name, char *out,
    size_t outlen)
{
	char rel[USERDB_HOME_REL_SIZE];
	size_t plen = strlen(prefix);
	int n;

	if (prefix[0] != '/' || userdb_home_hash(name, rel, sizeof(rel)) < 0)
		return -1;
	while (plen > 0 && prefix[plen - 1] == '/')
		plen--;
	n = snprintf(out, outlen, "%.*s/%s", (int)plen, prefix, rel);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}
