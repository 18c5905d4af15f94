/*
 * test_export_match.c - picking the group of an export that admits a
 * client (host before longest network prefix before world, IPv4-mapped
 * IPv6 clients, IPv6 networks, -resvport left to the caller, clients
 * nothing admits), and finding exports by path: export_find,
 * export_containing, export_path_within.  Exports are directories made
 * under a fresh /tmp/exptest.XXXXXX, removed again at the end of each
 * test.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "unit.h"

#define TEXT_MAX	4096
#define ERR_MAX		512
#define ROOT_MAX	256
#define CLIENT_PORT	2000	/* not a reserved port */

static char root[ROOT_MAX];	/* the test's directory, canonical */

/* Make a fresh root holding the NULL-terminated subdirectories. */
static void
setup(const char *sub, ...)
{
	char tmpl[] = "/tmp/exptest.XXXXXX", path[PATH_MAX];
	va_list ap;

	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	CU_ASSERT_FATAL(realpath(tmpl, path) != NULL);
	CU_ASSERT_FATAL(strlen(path) < sizeof(root));
	strcpy(root, path);
	va_start(ap, sub);
	for (; sub != NULL; sub = va_arg(ap, const char *)) {
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		CU_ASSERT_EQUAL(mkdir(path, 0755), 0);
	}
	va_end(ap);
}

static int
remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	CU_ASSERT_EQUAL(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Parse tmpl, each '@' replaced by the root directory. */
static struct export_table *
parse_ok(const char *tmpl)
{
	char text[TEXT_MAX], err[ERR_MAX];
	struct export_table *t;
	size_t n = 0, len = strlen(root);

	for (; *tmpl != '\0'; tmpl++)
		if (*tmpl == '@' && n + len < sizeof(text)) {
			memcpy(text + n, root, len);
			n += len;
		} else if (*tmpl != '@' && n + 1 < sizeof(text))
			text[n++] = *tmpl;
	text[n] = '\0';
	if (export_parse_text("test", text, &t, err, sizeof(err)) == -1) {
		fprintf(stderr, "\nunexpected parse error: %s\n", err);
		CU_FAIL_FATAL("export_parse_text failed");
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/* The export of root/sub in t. */
static const struct export *
exp_of(const struct export_table *t, const char *sub)
{
	const struct export *exp;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	exp = export_find(t, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(exp);
	return exp;
}

/* The group admitting the client at addr (IPv4 or IPv6 text). */
static const struct export_group *
match(const struct export *exp, const char *addr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(CLIENT_PORT);
		return export_match(exp, (const struct sockaddr *)&sin,
		    sizeof(sin));
	}
	CU_ASSERT_FATAL(inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(CLIENT_PORT);
	return export_match(exp, (const struct sockaddr *)&sin6,
	    sizeof(sin6));
}

/* The line of the group admitting addr, 0 when none does. */
static int
line_for(const struct export *exp, const char *addr)
{
	const struct export_group *g = match(exp, addr);

	return g == NULL ? 0 : g->line;
}

static void
test_world(void)
{
	struct export_table *t;
	const struct export *exp;
	const struct export_group *g;

	setup("a", NULL);
	t = parse_ok("@/a -ro\n");
	exp = exp_of(t, "a");
	g = match(exp, "10.1.2.3");
	CU_ASSERT_PTR_EQUAL(g, &exp->groups[0]);
	CU_ASSERT_TRUE(g != NULL && g->opts.ro);
	CU_ASSERT_EQUAL(line_for(exp, "192.0.2.1"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "0.0.0.0"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "::1"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "2001:db8::7"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:10.1.2.3"), 1);
	export_table_free(&t);
	teardown();
}

static void
test_precedence(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", "b", NULL);
	t = parse_ok("@/a -ro\n@/a -network 10.0.0.0/8\n@/a 10.1.2.3\n"
	    "@/b 10.1.2.3 10.1.2.9\n@/b -network 10.0.0.0 -mask 255.0.0.0\n"
	    "@/b -ro\n");
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.3"), 3);		/* host */
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.4"), 2);		/* network */
	CU_ASSERT_EQUAL(line_for(exp, "192.168.0.1"), 1);	/* world */
	CU_ASSERT_EQUAL(line_for(exp, "fe80::1"), 1);
	exp = exp_of(t, "b");		/* the order of the lines is no matter */
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.3"), 4);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.9"), 4);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.4"), 5);
	CU_ASSERT_EQUAL(line_for(exp, "192.168.0.1"), 6);
	export_table_free(&t);
	teardown();
}

static void
test_longest_prefix(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", "b", NULL);
	t = parse_ok("@/a -network 10.0.0.0/8\n@/a -network 10.1.0.0/16\n"
	    "@/a -network 10.1.2.0/24\n@/a -network 10.1.2.128/25\n"
	    "@/b -network 10.1.2.128/25\n@/b -network 10.1.2.0/24\n"
	    "@/b -network 10.1.0.0/16\n@/b -network 10.0.0.0/8\n");
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.200"), 4);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.128"), 4);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.127"), 3);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.3"), 3);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.9.9"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "10.9.9.9"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "11.0.0.1"), 0);	/* no world line */
	exp = exp_of(t, "b");
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.200"), 5);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.3"), 6);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.9.9"), 7);
	CU_ASSERT_EQUAL(line_for(exp, "10.255.255.255"), 8);
	CU_ASSERT_EQUAL(line_for(exp, "9.255.255.255"), 0);
	export_table_free(&t);
	teardown();
}

static void
test_odd_prefix(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", NULL);
	t = parse_ok("@/a -network 10.0.0.4 -mask 255.255.255.252\n"
	    "@/a -network 172.16.0.0/12\n@/a -network 10.1.2.3/32\n");
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "10.0.0.3"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "10.0.0.4"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "10.0.0.7"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "10.0.0.8"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "172.15.255.255"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "172.16.0.0"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "172.31.255.255"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "172.32.0.0"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.3"), 3);
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.2"), 0);
	export_table_free(&t);
	teardown();
}

static void
test_no_match(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", NULL);
	t = parse_ok("@/a 10.1.2.3 fe80::1\n@/a -network 192.168.0.0/16\n");
	exp = exp_of(t, "a");
	CU_ASSERT_PTR_NULL(match(exp, "10.1.2.4"));
	CU_ASSERT_PTR_NULL(match(exp, "192.169.0.1"));
	CU_ASSERT_PTR_NULL(match(exp, "::1"));
	CU_ASSERT_PTR_NULL(match(exp, "fe80::2"));
	CU_ASSERT_PTR_NULL(match(exp, "::ffff:10.1.2.4"));
	CU_ASSERT_PTR_NULL(match(exp, "::10.1.2.3"));	/* not v4-mapped */
	CU_ASSERT_EQUAL(line_for(exp, "fe80::1"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "192.168.7.7"), 2);
	export_table_free(&t);
	teardown();
}

static void
test_v4mapped(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", NULL);
	t = parse_ok("@/a 10.1.2.3\n@/a -network 172.16.0.0/12\n"
	    "@/a ::ffff:10.9.9.9\n");
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:10.1.2.3"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:172.20.1.1"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:10.1.2.4"), 0);
	/* A target written IPv4-mapped matches both forms of the client. */
	CU_ASSERT_EQUAL(line_for(exp, "10.9.9.9"), 3);
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:10.9.9.9"), 3);
	export_table_free(&t);
	teardown();
}

static void
test_ipv6_network(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", NULL);
	t = parse_ok("@/a -network fd00:1:2:3::/64\n@/a fd00:1:2:3::42\n"
	    "@/a -network fd00:1:2:30::/60\n@/a -network 10.0.0.0/8\n");
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:3::1"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:3:ffff:ffff:ffff:ffff"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:3::42"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:4::1"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:30::1"), 3);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:3f::1"), 3);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:40::1"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "fd00:1:2:2f::1"), 0);
	CU_ASSERT_EQUAL(line_for(exp, "10.0.0.1"), 4);
	CU_ASSERT_EQUAL(line_for(exp, "::a00:1"), 0);	/* 10.0.0.1 bits */
	export_table_free(&t);
	teardown();
}

static void
test_any_network(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", NULL);
	/* A /0 network still beats the world, for its own family only. */
	t = parse_ok("@/a -ro\n@/a -network 0.0.0.0/0\n");
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "10.1.2.3"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "255.255.255.255"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:1.2.3.4"), 2);
	CU_ASSERT_EQUAL(line_for(exp, "fd00::1"), 1);
	export_table_free(&t);
	teardown();
}

static void
test_host_name(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", NULL);
	t = parse_ok("@/a localhost\n");	/* 127.0.0.1 in /etc/hosts */
	exp = exp_of(t, "a");
	CU_ASSERT_EQUAL(line_for(exp, "127.0.0.1"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "::ffff:127.0.0.1"), 1);
	CU_ASSERT_EQUAL(line_for(exp, "127.0.0.2"), 0);
	export_table_free(&t);
	teardown();
}

static void
test_resvport(void)
{
	struct export_table *t;
	const struct export *exp;
	const struct export_group *g;

	setup("a", NULL);
	/* export_match does not look at the port: the caller does. */
	t = parse_ok("@/a -resvport 10.1.2.3\n@/a -network 10.0.0.0/8\n");
	exp = exp_of(t, "a");
	g = match(exp, "10.1.2.3");		/* from port CLIENT_PORT */
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->line, 1);
	CU_ASSERT_TRUE(g->opts.resvport);
	g = match(exp, "10.1.2.4");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_FALSE(g->opts.resvport);
	export_table_free(&t);
	teardown();
}

static void
test_bad_client(void)
{
	struct export_table *t;
	const struct export *exp;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;

	setup("a", NULL);
	t = parse_ok("@/a\n");
	exp = exp_of(t, "a");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x0a010203);
	CU_ASSERT_PTR_NOT_NULL(export_match(exp,
	    (const struct sockaddr *)&sin, sizeof(sin)));
	CU_ASSERT_PTR_NULL(export_match(exp,
	    (const struct sockaddr *)&sin, sizeof(sin) - 1));
	CU_ASSERT_PTR_NULL(export_match(NULL,
	    (const struct sockaddr *)&sin, sizeof(sin)));
	CU_ASSERT_PTR_NULL(export_match(exp, NULL, 0));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	CU_ASSERT_PTR_NULL(export_match(exp,
	    (const struct sockaddr *)&sin6, sizeof(sin6) - 1));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	CU_ASSERT_PTR_NULL(export_match(exp,
	    (const struct sockaddr *)&sun, sizeof(sun)));
	export_table_free(&t);
	teardown();
}

static void
test_find(void)
{
	struct export_table *t;
	const struct export *a;
	char path[PATH_MAX];

	setup("a", "a/sub", "ab", "b", NULL);
	t = parse_ok("@/a\n@/b -ro\n");
	a = exp_of(t, "a");
	CU_ASSERT_PTR_EQUAL(export_find(t, a->path), a);
	snprintf(path, sizeof(path), "%s/a/", root);	/* not canonical */
	CU_ASSERT_PTR_NULL(export_find(t, path));
	snprintf(path, sizeof(path), "%s/a/sub", root);
	CU_ASSERT_PTR_NULL(export_find(t, path));
	snprintf(path, sizeof(path), "%s/ab", root);
	CU_ASSERT_PTR_NULL(export_find(t, path));
	CU_ASSERT_PTR_NULL(export_find(t, root));
	CU_ASSERT_PTR_NULL(export_find(NULL, a->path));
	export_table_free(&t);
	teardown();
}

static void
test_containing(void)
{
	struct export_table *t;
	const struct export *a, *b;
	char path[PATH_MAX];
	struct stat st1, st2;

	setup("a", "a/sub", "ab", "b", NULL);
	t = parse_ok("@/a\n@/b -ro\n");
	a = exp_of(t, "a");
	b = exp_of(t, "b");
	CU_ASSERT_PTR_EQUAL(export_containing(t, a->path), a);
	snprintf(path, sizeof(path), "%s/a/sub", root);
	CU_ASSERT_PTR_EQUAL(export_containing(t, path), a);
	snprintf(path, sizeof(path), "%s/a/sub/deeper/still", root);
	CU_ASSERT_PTR_EQUAL(export_containing(t, path), a);
	snprintf(path, sizeof(path), "%s/b/x", root);
	CU_ASSERT_PTR_EQUAL(export_containing(t, path), b);
	snprintf(path, sizeof(path), "%s/ab", root);
	CU_ASSERT_PTR_NULL(export_containing(t, path));
	snprintf(path, sizeof(path), "%s/ab/a", root);
	CU_ASSERT_PTR_NULL(export_containing(t, path));
	CU_ASSERT_PTR_NULL(export_containing(t, root));
	CU_ASSERT_PTR_NULL(export_containing(t, "/"));
	CU_ASSERT_PTR_NULL(export_containing(NULL, a->path));
	export_table_free(&t);
	/* Exports nest across filesystems: the deepest one contains. */
	if (stat("/", &st1) == 0 && stat("/proc", &st2) == 0 &&
	    S_ISDIR(st2.st_mode) && st1.st_dev != st2.st_dev) {
		t = parse_ok("/proc 10.1.2.3\n/ 10.1.2.3\n");
		CU_ASSERT_STRING_EQUAL(export_containing(t, "/proc/self")->path,
		    "/proc");
		CU_ASSERT_STRING_EQUAL(export_containing(t, "/proc")->path,
		    "/proc");
		CU_ASSERT_STRING_EQUAL(export_containing(t, "/procx")->path,
		    "/");
		CU_ASSERT_STRING_EQUAL(export_containing(t, "/")->path, "/");
		export_table_free(&t);
	}
	teardown();
}

static void
test_containing_longest(void)
{
	static char x[] = "/x", xyz[] = "/x/y/z", xy[] = "/x/y";
	struct export exps[3];
	struct export_table table = { exps, 3 };

	memset(exps, 0, sizeof(exps));
	exps[0].path = x;
	exps[1].path = xyz;
	exps[2].path = xy;
	CU_ASSERT_PTR_EQUAL(export_containing(&table, "/x"), &exps[0]);
	CU_ASSERT_PTR_EQUAL(export_containing(&table, "/x/yy"), &exps[0]);
	CU_ASSERT_PTR_EQUAL(export_containing(&table, "/x/y"), &exps[2]);
	CU_ASSERT_PTR_EQUAL(export_containing(&table, "/x/y/zz"), &exps[2]);
	CU_ASSERT_PTR_EQUAL(export_containing(&table, "/x/y/z"), &exps[1]);
	CU_ASSERT_PTR_EQUAL(export_containing(&table, "/x/y/z/w"), &exps[1]);
	CU_ASSERT_PTR_NULL(export_containing(&table, "/xx"));
	CU_ASSERT_PTR_NULL(export_containing(&table, "/"));
}

static void
test_path_within(void)
{
	CU_ASSERT_TRUE(export_path_within("/a/b", "/a/b"));
	CU_ASSERT_TRUE(export_path_within("/a/b", "/a/b/c"));
	CU_ASSERT_TRUE(export_path_within("/a/b", "/a/b/c/d"));
	CU_ASSERT_FALSE(export_path_within("/a/b", "/a/bc"));
	CU_ASSERT_FALSE(export_path_within("/a/b", "/a"));
	CU_ASSERT_FALSE(export_path_within("/a/b", "/a/"));
	CU_ASSERT_FALSE(export_path_within("/a/b", "/c/a/b"));
	CU_ASSERT_TRUE(export_path_within("/", "/"));
	CU_ASSERT_TRUE(export_path_within("/", "/a"));
	CU_ASSERT_TRUE(export_path_within("/", "/a/b"));
}

int
suite_export_match(void)
{
	static const struct unit_test tests[] = {
		{ "world admits everyone", test_world },
		{ "host before network before world", test_precedence },
		{ "longest network prefix wins", test_longest_prefix },
		{ "prefixes off byte boundaries", test_odd_prefix },
		{ "client outside every target", test_no_match },
		{ "IPv4-mapped IPv6 clients", test_v4mapped },
		{ "IPv6 networks", test_ipv6_network },
		{ "/0 network before world", test_any_network },
		{ "host name target", test_host_name },
		{ "-resvport left to the caller", test_resvport },
		{ "malformed client addresses", test_bad_client },
		{ "export_find", test_find },
		{ "export_containing", test_containing },
		{ "export_containing: deepest wins", test_containing_longest },
		{ "export_path_within", test_path_within },
		{ NULL, NULL },
	};

	return unit_add_suite("export_match", tests);
}
