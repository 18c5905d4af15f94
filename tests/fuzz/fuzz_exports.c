/*
 * fuzz_exports.c - libFuzzer harness for the exports(5) parser
 * (export/parse.c, export/cred.c).  The input is the file's text.  A
 * refused file must say why, naming the file; a parsed table is looked
 * up by path and id and matched against a few clients.
 *
 * getaddrinfo is wrapped (mk/fuzz.mk links with --wrap) to take
 * numeric hosts only: no fuzzed name ever reaches a resolver.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define FUZZ_NAME	"exports"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	__real_getaddrinfo(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
int	__wrap_getaddrinfo(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);

int
__wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo h;

	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

/* The group export_match picks must be one of exp's. */
static void
match(const struct export *exp, int family, const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const struct export_group *g;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	g = export_match(exp, (struct sockaddr *)&ss, len);
	if (g != NULL && (g < exp->groups || g >= exp->groups + exp->ngroups))
		abort();
}

static void
check(const struct export_table *t)
{
	const struct export *exp;
	size_t k;

	for (k = 0; k < t->nexports; k++) {
		exp = &t->exports[k];
		if (exp->ngroups == 0 || export_find(t, exp->path) != exp ||
		    export_by_id(t, exp->id) != exp ||
		    export_containing(t, exp->path) != exp)
			abort();
		match(exp, AF_INET, "127.0.0.1");
		match(exp, AF_INET, "10.1.2.3");
		match(exp, AF_INET6, "::1");
		match(exp, AF_INET6, "::ffff:10.1.2.3");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct export_table *t;
	char *text, err[512];

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (export_parse_text(FUZZ_NAME, text, &t, err, sizeof(err)) == 0) {
		check(t);
		export_table_free(&t);
	} else if (t != NULL || strncmp(err, FUZZ_NAME ":",
	    strlen(FUZZ_NAME ":")) != 0)
		abort();
	free(text);
	return 0;
}
