/*
 * match.c - find exports by path or id, and pick the line of an export
 * that admits a client.  export_match runs on every request: it does no
 * allocation and no name lookups.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "export.h"

/* How specific a matching target is: the highest rank wins. */
#define RANK_NONE	(-1)
#define RANK_WORLD	0
#define RANK_NET	1			/* plus the prefix length */
#define RANK_HOST	(RANK_NET + 128 + 1)	/* above any network */

#define V4MAPPED_LEN	12	/* ::ffff: before an IPv4 address */
#define V4_LEN		4

static const uint8_t v4mapped[V4MAPPED_LEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* A client address, IPv4-mapped IPv6 turned into IPv4. */
struct client {
	int	family;
	uint8_t	addr[16];
};

bool
export_path_within(const char *dir, const char *path)
{
	size_t len = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(dir, path, len) == 0 &&
	    (path[len] == '\0' || path[len] == '/');
}

const struct export *
export_find(const struct export_table *table, const char *path)
{
	size_t k;

	if (table == NULL)
		return NULL;
	for (k = 0; k < table->nexports; k++)
		if (strcmp(table->exports[k].path, path) == 0)
			return &table->exports[k];
	return NULL;
}

static int
compare_id(const void *key, const void *elem)
{
	uint32_t id = *(const uint32_t *)key;
	const struct export *exp = elem;

	if (id < exp->id)
		return -1;
	return id > exp->id;
}

const struct export *
export_by_id(const struct export_table *table, uint32_t id)
{
	if (table == NULL || table->nexports == 0)
		return NULL;
	return bsearch(&id, table->exports, table->nexports,
	    sizeof(*table->exports), compare_id);
}

const struct export *
export_containing(const struct export_table *table, const char *path)
{
	const struct export *best = NULL;
	size_t bestlen = 0, len, k;

	if (table == NULL)
		return NULL;
	for (k = 0; k < table->nexports; k++) {
		if (!export_path_within(table->exports[k].path, path))
			continue;
		len = strlen(table->exports[k].path);
		if (best == NULL || len > bestlen) {
			best = &table->exports[k];
			bestlen = len;
		}
	}
	return best;
}

static bool
read_client(const struct sockaddr *sa, socklen_t salen, struct client *c)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(c, 0, sizeof(*c));
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET && salen >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		c->family = AF_INET;
		memcpy(c->addr, &sin.sin_addr, V4_LEN);
		return true;
	}
	if (sa->sa_family != AF_INET6 || salen < sizeof(sin6))
		return false;
	memcpy(&sin6, sa, sizeof(sin6));
	if (memcmp(sin6.sin6_addr.s6_addr, v4mapped, V4MAPPED_LEN) == 0) {
		c->family = AF_INET;
		memcpy(c->addr, sin6.sin6_addr.s6_addr + V4MAPPED_LEN, V4_LEN);
	} else {
		c->family = AF_INET6;
		memcpy(c->addr, sin6.sin6_addr.s6_addr, sizeof(c->addr));
	}
	return true;
}

/* Whether the first prefix bits of a and b are the same. */
static bool
equal_prefix(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

static int
rank_target(const struct export_target *t, const struct client *c)
{
	if (t->kind == EXPORT_TARGET_WORLD)
		return RANK_WORLD;
	if (t->family != c->family ||
	    !equal_prefix(t->addr, c->addr, t->prefix))
		return RANK_NONE;
	if (t->kind == EXPORT_TARGET_HOST)
		return RANK_HOST;
	return RANK_NET + (int)t->prefix;
}

const struct export_group *
export_match(const struct export *exp, const struct sockaddr *sa,
    socklen_t salen)
{
	const struct export_group *best = NULL, *g;
	struct client c;
	int bestrank = RANK_NONE, rank;
	size_t i, k;

	if (exp == NULL || !read_client(sa, salen, &c))
		return NULL;
	for (i = 0; i < exp->ngroups; i++) {
		g = &exp->groups[i];
		for (k = 0; k < g->ntargets; k++) {
			rank = rank_target(&g->targets[k], &c);
			if (rank == RANK_HOST)
				return g;	/* nothing beats the first */
			if (rank > bestrank) {
				bestrank = rank;
				best = g;
			}
		}
	}
	return best;
}
