/*
 * test_export_parse.c - the exports(5) parser: world, host and network
 * targets, every option, -maproot/-mapall credentials, comments,
 * continuations and quotes, several lines for one path, stable sorted
 * export ids, reading a real file, and each kind of error with its
 * "NAME:LINE: WORD:" prefix.  Every test exports directories made
 * under a fresh /tmp/exptest.XXXXXX, removed again at its end.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "unit.h"

#define TEXT_MAX	(EXPORT_MAX_LINE * 2)
#define ERR_MAX		512
#define ROOT_MAX	256
#define MANY_DIRS	40	/* more exports than the table starts with */
#define ERR_WORD	128	/* parse.c quotes this much of a word */

static char root[ROOT_MAX];	/* the test's directory, canonical */
static char err[ERR_MAX];	/* the last parse error */

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

/* Copy tmpl into out, each '@' replaced by the root directory. */
static const char *
subst(char *out, size_t size, const char *tmpl)
{
	size_t n = 0, len = strlen(root);

	for (; *tmpl != '\0'; tmpl++)
		if (*tmpl == '@' && n + len < size) {
			memcpy(out + n, root, len);
			n += len;
		} else if (*tmpl != '@' && n + 1 < size)
			out[n++] = *tmpl;
	out[n] = '\0';
	return out;
}

/* The root-relative path sub, made absolute. */
static const char *
at(const char *sub)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	return path;
}

static struct export_table *
parse_ok(const char *tmpl)
{
	static char text[TEXT_MAX];
	struct export_table *t;

	subst(text, sizeof(text), tmpl);
	if (export_parse_text("test", text, &t, err, sizeof(err)) == -1) {
		fprintf(stderr, "\nunexpected parse error: %s\n", err);
		CU_FAIL_FATAL("export_parse_text failed");
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/* Whether err starts with "NAME:LINE: WORD: ". */
static void
check_prefix(const char *name, int line, const char *word)
{
	char prefix[TEXT_MAX];

	snprintf(prefix, sizeof(prefix), "%s:%d: %s: ", name, line, word);
	if (strncmp(err, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "\nwanted \"%s...\", got \"%s\"\n", prefix,
		    err);
		CU_FAIL("error prefix");
	}
}

/* Parse tmpl expecting an error on line at word (also '@'-expanded). */
static void
parse_bad(const char *tmpl, int line, const char *wtmpl)
{
	static char text[TEXT_MAX];
	char word[PATH_MAX];
	struct export_table *t = NULL;

	subst(text, sizeof(text), tmpl);
	subst(word, sizeof(word), wtmpl);
	err[0] = '\0';
	CU_ASSERT_EQUAL(export_parse_text("test", text, &t, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NULL(t);
	check_prefix("test", line, word);
	export_table_free(&t);
}

static const struct export *
find(const struct export_table *t, const char *sub)
{
	const struct export *exp;

	exp = export_find(t, at(sub));
	CU_ASSERT_PTR_NOT_NULL_FATAL(exp);
	return exp;
}

/* The only group of the only export of t. */
static const struct export_group *
only_group(const struct export_table *t)
{
	CU_ASSERT_EQUAL_FATAL(t->nexports, 1);
	CU_ASSERT_EQUAL_FATAL(t->exports[0].ngroups, 1);
	return &t->exports[0].groups[0];
}

/* Whether the target's address is the text address s. */
static int
addr_is(const struct export_target *t, const char *s)
{
	uint8_t a[16];

	memset(a, 0, sizeof(a));
	if (inet_pton(t->family, s, a) != 1)
		return 0;
	return memcmp(t->addr, a, sizeof(a)) == 0;
}

static void
test_minimal(void)
{
	struct export_table *t;
	const struct export_group *g;
	const struct export *exp;
	struct stat st;

	setup("a", NULL);
	t = parse_ok("@/a\n");
	g = only_group(t);
	exp = &t->exports[0];
	CU_ASSERT_STRING_EQUAL(exp->path, at("a"));
	CU_ASSERT_EQUAL(exp->id, export_path_id(at("a")));
	CU_ASSERT_EQUAL(stat(at("a"), &st), 0);
	CU_ASSERT_EQUAL(exp->dev, st.st_dev);
	CU_ASSERT_EQUAL(g->line, 1);
	CU_ASSERT_EQUAL_FATAL(g->ntargets, 1);
	CU_ASSERT_EQUAL(g->targets[0].kind, EXPORT_TARGET_WORLD);
	CU_ASSERT_STRING_EQUAL(g->targets[0].name, "(everyone)");
	CU_ASSERT_FALSE(g->opts.ro);
	CU_ASSERT_FALSE(g->opts.alldirs);
	CU_ASSERT_FALSE(g->opts.resvport);
	CU_ASSERT_FALSE(g->opts.mapall_set);
	CU_ASSERT_EQUAL(g->opts.maproot.uid, EXPORT_NOBODY);	/* -2 */
	CU_ASSERT_EQUAL(g->opts.maproot.gid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(g->opts.maproot.ngids, 0);
	export_table_free(&t);
	CU_ASSERT_PTR_NULL(t);
	export_table_free(&t);				/* twice is harmless */
	teardown();
}

static void
test_empty(void)
{
	struct export_table *t;

	setup(NULL);
	t = parse_ok("");
	CU_ASSERT_EQUAL(t->nexports, 0);
	CU_ASSERT_PTR_NULL(export_by_id(t, 0));
	export_table_free(&t);
	t = parse_ok("# nothing\n\n   \n\t# more\n");
	CU_ASSERT_EQUAL(t->nexports, 0);
	export_table_free(&t);
	teardown();
}

static void
test_flags(void)
{
	struct export_table *t;
	const struct export_group *g;

	setup("a", "b", "c", "d", NULL);
	t = parse_ok("@/a -ro\n@/b -o\n@/c -alldirs -resvport\n@/d\n");
	CU_ASSERT_EQUAL(t->nexports, 4);
	g = &find(t, "a")->groups[0];
	CU_ASSERT_TRUE(g->opts.ro);
	CU_ASSERT_FALSE(g->opts.alldirs);
	g = &find(t, "b")->groups[0];
	CU_ASSERT_TRUE(g->opts.ro);
	g = &find(t, "c")->groups[0];
	CU_ASSERT_FALSE(g->opts.ro);
	CU_ASSERT_TRUE(g->opts.alldirs);
	CU_ASSERT_TRUE(g->opts.resvport);
	g = &find(t, "d")->groups[0];
	CU_ASSERT_FALSE(g->opts.ro);
	CU_ASSERT_FALSE(g->opts.alldirs);
	CU_ASSERT_FALSE(g->opts.resvport);
	export_table_free(&t);
	teardown();
}

/* -fsid=N: the export's fsid, the same on each of its lines, unique. */
static void
test_fsid(void)
{
	struct export_table *t;

	setup("a", "b", NULL);
	t = parse_ok("@/a -fsid=7 -ro\n@/a -fsid=7 127.0.0.1\n@/b\n");
	CU_ASSERT_EQUAL(find(t, "a")->fsid, 7);
	CU_ASSERT_EQUAL(find(t, "a")->fsid_line, 1);
	CU_ASSERT_EQUAL(find(t, "b")->fsid, find(t, "b")->id);
	export_table_free(&t);
	t = parse_ok("@/a -fsid=18446744073709551615\n");
	CU_ASSERT_EQUAL(find(t, "a")->fsid, UINT64_MAX);
	export_table_free(&t);
	parse_bad("@/a -fsid=7\n@/b -fsid=7\n", 2, "@/b");
	parse_bad("@/a -fsid=7\n@/a -fsid=8 127.0.0.1\n", 2, "@/a");
	parse_bad("@/a -fsid=x\n", 1, "-fsid=x");
	parse_bad("@/a -fsid=-1\n", 1, "-fsid=-1");
	parse_bad("@/a -fsid=18446744073709551616\n", 1,
	    "-fsid=18446744073709551616");
	parse_bad("@/a -fsid=1 -fsid=1\n", 1, "-fsid=1");
	teardown();
}

/* A network written IPv4-mapped is the IPv4 network it maps. */
static void
test_network_mapped(void)
{
	struct export_table *t;
	const struct export_target *tg;

	setup("a", NULL);
	t = parse_ok("@/a -network ::ffff:10.0.0.0/104\n");
	tg = &only_group(t)->targets[0];
	CU_ASSERT_EQUAL(tg->family, AF_INET);
	CU_ASSERT_EQUAL(tg->prefix, 8);
	CU_ASSERT_TRUE(addr_is(tg, "10.0.0.0"));
	CU_ASSERT_STRING_EQUAL(tg->name, "10.0.0.0/8");
	export_table_free(&t);
	parse_bad("@/a -network ::ffff:0.0.0.0/80\n", 1, "::ffff:0.0.0.0/80");
	teardown();
}

static void
test_maproot(void)
{
	struct export_table *t;
	const struct export_group *g;

	setup("a", "b", "c", "d", NULL);
	t = parse_ok("@/a -maproot=0\n@/b -maproot root\n"
	    "@/c -maproot=1000:20:30:40\n@/d -maproot=-2\n");
	g = &find(t, "a")->groups[0];
	CU_ASSERT_EQUAL(g->opts.maproot.uid, 0);
	CU_ASSERT_EQUAL(g->opts.maproot.gid, 0);	/* root's group */
	CU_ASSERT_FALSE(g->opts.mapall_set);
	g = &find(t, "b")->groups[0];
	CU_ASSERT_EQUAL(g->opts.maproot.uid, 0);
	CU_ASSERT_EQUAL(g->opts.maproot.gid, 0);
	g = &find(t, "c")->groups[0];
	CU_ASSERT_EQUAL(g->opts.maproot.uid, 1000);
	CU_ASSERT_EQUAL(g->opts.maproot.gid, 20);
	CU_ASSERT_EQUAL_FATAL(g->opts.maproot.ngids, 2);
	CU_ASSERT_EQUAL(g->opts.maproot.gids[0], 30);
	CU_ASSERT_EQUAL(g->opts.maproot.gids[1], 40);
	CU_ASSERT_FALSE(g->opts.mapall_set);
	CU_ASSERT_EQUAL(g->opts.mapall.uid, EXPORT_NOBODY);
	g = &find(t, "d")->groups[0];
	CU_ASSERT_EQUAL(g->opts.maproot.uid, EXPORT_NOBODY);
	export_table_free(&t);
	teardown();
}

static void
test_mapall(void)
{
	struct export_table *t;
	const struct export_group *g;

	setup("a", "b", NULL);
	/* A uid without a passwd entry gets group nobody, no others. */
	t = parse_ok("@/a -mapall=-2:-2\n@/b -ro -mapall 3999999999\n");
	g = &find(t, "a")->groups[0];
	CU_ASSERT_TRUE(g->opts.mapall_set);
	CU_ASSERT_EQUAL(g->opts.mapall.uid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(g->opts.mapall.gid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(g->opts.mapall.ngids, 0);
	CU_ASSERT_EQUAL(g->opts.maproot.uid, EXPORT_NOBODY);
	g = &find(t, "b")->groups[0];
	CU_ASSERT_TRUE(g->opts.ro);
	CU_ASSERT_TRUE(g->opts.mapall_set);
	CU_ASSERT_EQUAL(g->opts.mapall.uid, 3999999999u);
	CU_ASSERT_EQUAL(g->opts.mapall.gid, EXPORT_NOBODY);
	CU_ASSERT_EQUAL(g->opts.mapall.ngids, 0);
	export_table_free(&t);
	teardown();
}

static void
test_cred_errors(void)
{
	setup("a", NULL);
	parse_bad("@/a -maproot=0 -maproot=1\n", 1, "-maproot=1");
	parse_bad("@/a -mapall=0 -maproot=1\n", 1, "-maproot=1");
	parse_bad("@/a -maproot=0 -mapall=1\n", 1, "-mapall=1");
	parse_bad("@/a\n@/a -maproot=no_such_user_xq 10.1.2.3\n", 2,
	    "-maproot=no_such_user_xq");
	parse_bad("@/a -maproot no_such_user_xq\n", 1, "no_such_user_xq");
	parse_bad("@/a -maproot=0:no_such_group_xq\n", 1,
	    "-maproot=0:no_such_group_xq");
	parse_bad("@/a -maproot=4294967296\n", 1, "-maproot=4294967296");
	parse_bad("@/a -maproot=0::1\n", 1, "-maproot=0::1");
	parse_bad("@/a -maproot=\n", 1, "-maproot=");
	parse_bad("@/a -maproot\n", 1, "-maproot");
	teardown();
}

static void
test_cred_parse(void)
{
	struct export_cred c;
	char why[ERR_MAX];

	CU_ASSERT_EQUAL(export_cred_parse("0:0", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.uid, 0);
	CU_ASSERT_EQUAL(c.gid, 0);
	CU_ASSERT_EQUAL(c.ngids, 0);
	CU_ASSERT_EQUAL(export_cred_parse("root:root:7", &c, why,
	    sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.uid, 0);
	CU_ASSERT_EQUAL(c.gid, 0);
	CU_ASSERT_EQUAL_FATAL(c.ngids, 1);
	CU_ASSERT_EQUAL(c.gids[0], 7);
	CU_ASSERT_EQUAL(export_cred_parse("-1:-2147483648", &c, why,
	    sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.uid, UINT32_MAX);
	CU_ASSERT_EQUAL(c.gid, (uint32_t)INT32_MIN);
	CU_ASSERT_EQUAL(export_cred_parse("1:2:3:4:5:6:7:8:9:10:11:12:13:14:"
	    "15:16:17:18", &c, why, sizeof(why)), 0);	/* 16 more groups */
	CU_ASSERT_EQUAL(c.ngids, EXPORT_MAX_GIDS);
	CU_ASSERT_EQUAL(c.gids[EXPORT_MAX_GIDS - 1], 18);
	CU_ASSERT_EQUAL(export_cred_parse("1:2:3:4:5:6:7:8:9:10:11:12:13:14:"
	    "15:16:17:18:19", &c, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(export_cred_parse("", &c, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(export_cred_parse("0:", &c, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(export_cred_parse("-2147483649", &c, why,
	    sizeof(why)), -1);
	CU_ASSERT_EQUAL(export_cred_parse("0:4294967296", &c, why,
	    sizeof(why)), -1);
}

static void
test_sec(void)
{
	struct export_table *t;

	setup("a", "b", NULL);
	t = parse_ok("@/a -sec=sys\n@/b -sec sys:sys\n");
	CU_ASSERT_EQUAL(t->nexports, 2);
	export_table_free(&t);
	parse_bad("@/a -sec=krb5\n", 1, "-sec=krb5");
	parse_bad("@/a -ro\n@/b -sec krb5p\n", 2, "krb5p");
	parse_bad("@/a -sec=sys:krb5i\n", 1, "-sec=sys:krb5i");
	parse_bad("@/a -sec=sys:\n", 1, "-sec=sys:");
	teardown();
}

/* The only target of the only group of t. */
static const struct export_target *
only_target(const struct export_table *t)
{
	const struct export_group *g = only_group(t);

	CU_ASSERT_EQUAL_FATAL(g->ntargets, 1);
	return &g->targets[0];
}

/* Parse a one-line export of @/a and check its network target. */
static void
check_network(const char *tmpl, int family, const char *addr,
    unsigned prefix, const char *name)
{
	struct export_table *t;
	const struct export_target *tg;

	t = parse_ok(tmpl);
	tg = only_target(t);
	CU_ASSERT_EQUAL(tg->kind, EXPORT_TARGET_NET);
	CU_ASSERT_EQUAL(tg->family, family);
	CU_ASSERT_TRUE(addr_is(tg, addr));
	CU_ASSERT_EQUAL(tg->prefix, prefix);
	CU_ASSERT_STRING_EQUAL(tg->name, name);
	export_table_free(&t);
}

static void
test_network_mask(void)
{
	setup("a", NULL);
	check_network("@/a -network 10.0.0.0 -mask 255.0.0.0\n", AF_INET,
	    "10.0.0.0", 8, "10.0.0.0/8");
	check_network("@/a -ro -network=172.16.0.0 -mask=255.240.0.0\n",
	    AF_INET, "172.16.0.0", 12, "172.16.0.0/12");
	check_network("@/a -mask 255.255.255.252 -network 10.0.0.4\n",
	    AF_INET, "10.0.0.4", 30, "10.0.0.4/30");
	check_network("@/a -network 0.0.0.0 -mask 0.0.0.0\n", AF_INET,
	    "0.0.0.0", 0, "0.0.0.0/0");
	check_network("@/a -network fd00:: -mask ffff:ff00::\n", AF_INET6,
	    "fd00::", 24, "fd00::/24");
	teardown();
}

static void
test_network_prefix(void)
{
	setup("a", NULL);
	check_network("@/a -network 192.168.1.0/24\n", AF_INET,
	    "192.168.1.0", 24, "192.168.1.0/24");
	check_network("@/a -network=10.1.2.128/25\n", AF_INET,
	    "10.1.2.128", 25, "10.1.2.128/25");
	check_network("@/a -network 10.1.2.3/32\n", AF_INET,
	    "10.1.2.3", 32, "10.1.2.3/32");
	check_network("@/a -network fd00:1:2:3::/64\n", AF_INET6,
	    "fd00:1:2:3::", 64, "fd00:1:2:3::/64");
	check_network("@/a -network FD00:0:0:0::/16\n", AF_INET6,
	    "fd00::", 16, "fd00::/16");
	teardown();
}

static void
test_network_classful(void)
{
	setup("a", NULL);
	check_network("@/a -network 10.0.0.0\n", AF_INET, "10.0.0.0", 8,
	    "10.0.0.0/8");
	check_network("@/a -network 127.0.0.0\n", AF_INET, "127.0.0.0", 8,
	    "127.0.0.0/8");
	check_network("@/a -network 128.1.0.0\n", AF_INET, "128.1.0.0", 16,
	    "128.1.0.0/16");
	check_network("@/a -network 172.16.0.0\n", AF_INET, "172.16.0.0", 16,
	    "172.16.0.0/16");
	check_network("@/a -network 192.168.5.0\n", AF_INET, "192.168.5.0",
	    24, "192.168.5.0/24");
	check_network("@/a -network 223.1.2.0\n", AF_INET, "223.1.2.0", 24,
	    "223.1.2.0/24");
	parse_bad("@/a -network 224.0.0.0\n", 1, "224.0.0.0");
	parse_bad("@/a -network fd00::\n", 1, "fd00::");
	/* The class B mask leaves bits set: an error, not a /24. */
	parse_bad("@/a -network 172.16.5.0\n", 1, "172.16.5.0");
	teardown();
}

static void
test_network_errors(void)
{
	setup("a", NULL);
	parse_bad("@/a -network 10.0.0.1/8\n", 1, "10.0.0.1/8");
	parse_bad("@/a -network=10.1.2.3/24\n", 1, "-network=10.1.2.3/24");
	parse_bad("@/a -network 10.0.0.0 -mask 255.0.255.0\n", 1,
	    "255.0.255.0");
	parse_bad("@/a -network 10.0.0.0 -mask 255.255.0.1\n", 1,
	    "255.255.0.1");
	parse_bad("@/a -network 10.1.0.0 -mask 255.0.0.0\n", 1, "10.1.0.0");
	parse_bad("@/a -network 10.0.0.0 -mask ffff::\n", 1, "ffff::");
	parse_bad("@/a -network 10.0.0.0 -mask 255.0.0\n", 1, "255.0.0");
	parse_bad("@/a -network 10.0.0.0/33\n", 1, "10.0.0.0/33");
	parse_bad("@/a -network fd00::/129\n", 1, "fd00::/129");
	parse_bad("@/a -network 10.0.0.0/\n", 1, "10.0.0.0/");
	parse_bad("@/a -network 10.0.0.0/8x\n", 1, "10.0.0.0/8x");
	parse_bad("@/a -network 10.0.0.0/8 -mask 255.0.0.0\n", 1,
	    "255.0.0.0");
	parse_bad("@/a -mask 255.0.0.0\n", 1, "-mask");
	parse_bad("@/a -network 10.0.0.0/8 -network 11.0.0.0/8\n", 1,
	    "-network");
	parse_bad("@/a -network 10.0.0.0/8 -mask=255.0.0.0 -mask=255.0.0.0\n",
	    1, "-mask=255.0.0.0");
	parse_bad("@/a -network 10.0.0.0/8 10.1.2.3\n", 1, "10.1.2.3");
	parse_bad("@/a -network 10.0.0.0.0/8\n", 1, "10.0.0.0.0/8");
	parse_bad("@/a -network\n", 1, "-network");
	parse_bad("@/a 10.0.0.0/8\n", 1, "10.0.0.0/8");
	teardown();
}

static void
test_hosts_numeric(void)
{
	struct export_table *t;
	const struct export_group *g;

	setup("a", NULL);
	t = parse_ok("@/a -ro 10.1.2.3 fe80::1 ::ffff:10.9.9.9 10.1.2.4 "
	    "10.1.2.5 2001:db8::5\n");
	g = only_group(t);
	CU_ASSERT_TRUE(g->opts.ro);
	CU_ASSERT_EQUAL_FATAL(g->ntargets, 6);
	CU_ASSERT_EQUAL(g->targets[0].kind, EXPORT_TARGET_HOST);
	CU_ASSERT_EQUAL(g->targets[0].family, AF_INET);
	CU_ASSERT_EQUAL(g->targets[0].prefix, 32);
	CU_ASSERT_TRUE(addr_is(&g->targets[0], "10.1.2.3"));
	CU_ASSERT_STRING_EQUAL(g->targets[0].name, "10.1.2.3");
	CU_ASSERT_EQUAL(g->targets[1].kind, EXPORT_TARGET_HOST);
	CU_ASSERT_EQUAL(g->targets[1].family, AF_INET6);
	CU_ASSERT_EQUAL(g->targets[1].prefix, 128);
	CU_ASSERT_TRUE(addr_is(&g->targets[1], "fe80::1"));
	CU_ASSERT_STRING_EQUAL(g->targets[1].name, "fe80::1");
	/* An IPv4-mapped address becomes an IPv4 target. */
	CU_ASSERT_EQUAL(g->targets[2].kind, EXPORT_TARGET_HOST);
	CU_ASSERT_EQUAL(g->targets[2].family, AF_INET);
	CU_ASSERT_EQUAL(g->targets[2].prefix, 32);
	CU_ASSERT_TRUE(addr_is(&g->targets[2], "10.9.9.9"));
	CU_ASSERT_STRING_EQUAL(g->targets[2].name, "::ffff:10.9.9.9");
	CU_ASSERT_TRUE(addr_is(&g->targets[4], "10.1.2.5"));
	CU_ASSERT_TRUE(addr_is(&g->targets[5], "2001:db8::5"));
	export_table_free(&t);
	teardown();
}

static void
test_host_name(void)
{
	struct export_table *t;
	const struct export_group *g;
	size_t k;

	setup("a", NULL);
	t = parse_ok("@/a localhost\n");	/* from /etc/hosts */
	g = only_group(t);
	CU_ASSERT_TRUE(g->ntargets >= 1);
	for (k = 0; k < g->ntargets; k++) {
		CU_ASSERT_EQUAL(g->targets[k].kind, EXPORT_TARGET_HOST);
		CU_ASSERT_STRING_EQUAL(g->targets[k].name, "localhost");
	}
	export_table_free(&t);
	teardown();
}

static void
test_comments(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", "b", "c#d", NULL);
	t = parse_ok("# the exports\n\n@/a -ro # read-only\n"
	    "   # indented comment\n@/b\t10.1.2.3 # x\n@/c#d\n");
	CU_ASSERT_EQUAL(t->nexports, 3);
	exp = find(t, "a");
	CU_ASSERT_EQUAL(exp->groups[0].line, 3);
	CU_ASSERT_TRUE(exp->groups[0].opts.ro);
	CU_ASSERT_EQUAL(exp->groups[0].ntargets, 1);
	find(t, "c#d");
	export_table_free(&t);
	/* '#' inside a word is not a comment: that user is unknown. */
	parse_bad("@/a\n@/b -maproot=0#x\n", 2, "-maproot=0#x");
	teardown();
}

static void
test_continuation(void)
{
	struct export_table *t;
	const struct export *exp;

	setup("a", "b", NULL);
	t = parse_ok("@/a \\\n  -ro \\\r\n\t10.1.2.3 \\\n  10.1.2.4\n"
	    "@/b\\\n-alldirs\n");
	exp = find(t, "a");
	CU_ASSERT_EQUAL_FATAL(exp->ngroups, 1);
	CU_ASSERT_EQUAL(exp->groups[0].line, 1);
	CU_ASSERT_TRUE(exp->groups[0].opts.ro);
	CU_ASSERT_EQUAL(exp->groups[0].ntargets, 2);
	exp = find(t, "b");
	CU_ASSERT_EQUAL(exp->groups[0].line, 5);
	CU_ASSERT_TRUE(exp->groups[0].opts.alldirs);
	export_table_free(&t);
	/* Errors name the physical line of the bad word. */
	parse_bad("# x\n@/a \\\n  -ro \\\n  -bogus\n", 4, "-bogus");
	parse_bad("@/a \\\n\\\n -network 10.0.0.0/8 \\\n  10.1.2.3\n", 4,
	    "10.1.2.3");
	teardown();
}

static void
test_quotes(void)
{
	struct export_table *t;

	setup("with space", "b", NULL);
	t = parse_ok("\"@/with space\" -ro\n@/\"b\" 10.1.2.3 \"10.1.2.4\"\n"
	    "@/with\" \"space 10.1.2.3\n");
	CU_ASSERT_EQUAL(t->nexports, 2);
	CU_ASSERT_EQUAL(find(t, "with space")->ngroups, 2);
	CU_ASSERT_EQUAL(find(t, "b")->groups[0].ntargets, 2);
	export_table_free(&t);
	/* Quotes also protect '#'; an unclosed one is an error. */
	parse_bad("@/b -maproot \"#x\"\n", 1, "#x");
	parse_bad("@/b\n\"@/with space -ro\n", 2, "@/with space -ro");
	parse_bad("@/b \"-ro\n", 1, "-ro");
	parse_bad("@/b \"-ro\\\n\"\n", 1, "-ro\\");
	teardown();
}

static void
test_groups(void)
{
	struct export_table *t;
	const struct export *a, *b;

	setup("a", "b", NULL);
	t = parse_ok("@/a -ro 10.1.2.3\n@/a -network 10.0.0.0/8\n"
	    "@/a/ -maproot=0\n@/a @/b -alldirs 10.9.9.9\n");
	CU_ASSERT_EQUAL(t->nexports, 2);
	a = find(t, "a");
	b = find(t, "b");
	CU_ASSERT_EQUAL_FATAL(a->ngroups, 4);
	CU_ASSERT_EQUAL(a->groups[0].line, 1);
	CU_ASSERT_TRUE(a->groups[0].opts.ro);
	CU_ASSERT_EQUAL(a->groups[0].targets[0].kind, EXPORT_TARGET_HOST);
	CU_ASSERT_EQUAL(a->groups[1].line, 2);
	CU_ASSERT_FALSE(a->groups[1].opts.ro);
	CU_ASSERT_EQUAL(a->groups[1].targets[0].kind, EXPORT_TARGET_NET);
	CU_ASSERT_EQUAL(a->groups[2].line, 3);
	CU_ASSERT_EQUAL(a->groups[2].targets[0].kind, EXPORT_TARGET_WORLD);
	CU_ASSERT_EQUAL(a->groups[2].opts.maproot.uid, 0);
	CU_ASSERT_EQUAL(a->groups[3].line, 4);
	CU_ASSERT_TRUE(a->groups[3].opts.alldirs);
	CU_ASSERT_EQUAL_FATAL(b->ngroups, 1);
	CU_ASSERT_EQUAL(b->groups[0].line, 4);
	CU_ASSERT_TRUE(b->groups[0].opts.alldirs);
	CU_ASSERT_STRING_EQUAL(b->groups[0].targets[0].name, "10.9.9.9");
	export_table_free(&t);
	teardown();
}

static void
test_syntax_errors(void)
{
	setup("a", "b", NULL);
	parse_bad("@/a\n@/b -bogus\n", 2, "-bogus");
	parse_bad("@/a -ro=yes\n", 1, "-ro=yes");
	parse_bad("@/a -\n", 1, "-");
	parse_bad("a -ro\n", 1, "a");
	parse_bad("@/a\n./b\n", 2, "./b");
	parse_bad("-ro -alldirs\n", 1, "-ro");
	parse_bad("-ro @/a\n", 1, "-ro");
	parse_bad("@/a 10.1.2.3 -ro\n", 1, "-ro");
	parse_bad("@/a -ro @/b\n", 1, "@/b");
	parse_bad("@/a 10.1.2.3 @/b\n", 1, "@/b");
	teardown();
}

static void
test_path_errors(void)
{
	char path[PATH_MAX], text[TEXT_MAX];
	int fd;

	setup("a", NULL);
	parse_bad("@/a\n\n@/nope -ro\n", 3, "@/nope");
	parse_bad("@/a @/nope\n", 1, "@/nope");
	snprintf(path, sizeof(path), "%s", at("file"));
	CU_ASSERT_FATAL((fd = open(path, O_CREAT | O_WRONLY, 0644)) != -1);
	close(fd);
	parse_bad("@/file\n", 1, "@/file");
	parse_bad("@/a @/a/.\n", 1, "@/a/.");
	/* Longer than EXPORT_MAX_PATH; errors quote 128 bytes of it. */
	memset(text, 'x', EXPORT_MAX_PATH + 1);
	text[0] = '/';
	text[EXPORT_MAX_PATH + 1] = '\0';
	memcpy(path, text, ERR_WORD);
	path[ERR_WORD] = '\0';
	parse_bad(text, 1, path);
	teardown();
}

static void
test_nested(void)
{
	struct export_table *t;
	struct stat st1, st2;

	setup("a", "a/sub", "ab", NULL);
	parse_bad("@/a\n@/a/sub\n", 2, "@/a/sub");
	parse_bad("@/a/sub -ro\n@/a 10.1.2.3\n", 2, "@/a");
	parse_bad("@/a @/a/sub\n", 1, "@/a/sub");
	parse_bad("@/a/sub/.. @/a/sub\n", 1, "@/a/sub");
	/* A sibling sharing a prefix is no nesting. */
	t = parse_ok("@/a\n@/ab\n");
	CU_ASSERT_EQUAL(t->nexports, 2);
	export_table_free(&t);
	/* Nesting across filesystems is allowed. */
	if (stat("/", &st1) == 0 && stat("/proc", &st2) == 0 &&
	    S_ISDIR(st2.st_mode) && st1.st_dev != st2.st_dev) {
		t = parse_ok("/ 10.1.2.3\n/proc 10.1.2.3\n");
		CU_ASSERT_EQUAL(t->nexports, 2);
		CU_ASSERT_PTR_NOT_NULL(export_find(t, "/"));
		CU_ASSERT_PTR_NOT_NULL(export_find(t, "/proc"));
		export_table_free(&t);
	}
	teardown();
}

static void
test_duplicates(void)
{
	setup("a", "b", NULL);
	parse_bad("@/a\n@/a\n", 2, "@/a");
	parse_bad("@/a -ro\n@/a/ -alldirs\n", 2, "@/a/");
	parse_bad("@/a 10.1.2.3\n@/b\n@/a -ro 10.1.2.3\n", 3, "10.1.2.3");
	parse_bad("@/a 10.1.2.3 10.1.2.4 10.1.2.3\n", 1, "10.1.2.3");
	parse_bad("@/a 10.1.2.3 ::ffff:10.1.2.3\n", 1, "::ffff:10.1.2.3");
	parse_bad("@/a fe80::1 FE80:0::1\n", 1, "FE80:0::1");
	parse_bad("@/a -network 10.0.0.0/8\n"
	    "@/a -network 10.0.0.0 -mask 255.0.0.0\n", 2, "10.0.0.0");
	parse_bad("@/b 10.1.2.3\n@/a @/b -ro 10.1.2.3\n", 2, "10.1.2.3");
	teardown();
}

static void
test_ids(void)
{
	struct export_table *t1, *t2;
	const struct export *a1, *a2, *b1;
	char pa[PATH_MAX], pb[PATH_MAX];
	size_t k;

	setup("a", "b", "c", NULL);
	t1 = parse_ok("@/a\n@/b\n@/c\n");
	t2 = parse_ok("@/c -ro\n@/a 10.1.2.3\n");
	a1 = find(t1, "a");
	b1 = find(t1, "b");
	a2 = find(t2, "a");
	CU_ASSERT_EQUAL(a1->id, a2->id);
	CU_ASSERT_EQUAL(find(t1, "c")->id, find(t2, "c")->id);
	CU_ASSERT_NOT_EQUAL(a1->id, b1->id);
	snprintf(pa, sizeof(pa), "%s", at("a"));
	snprintf(pb, sizeof(pb), "%s", at("b"));
	CU_ASSERT_EQUAL(a1->id, export_path_id(pa));
	CU_ASSERT_EQUAL(export_path_id(pa), export_path_id(pa));
	CU_ASSERT_NOT_EQUAL(export_path_id(pa), export_path_id(pb));
	for (k = 0; k < t1->nexports; k++) {
		if (k > 0)
			CU_ASSERT_TRUE(t1->exports[k - 1].id <
			    t1->exports[k].id);
		CU_ASSERT_PTR_EQUAL(export_by_id(t1, t1->exports[k].id),
		    &t1->exports[k]);
	}
	CU_ASSERT_PTR_NULL(export_by_id(t2, b1->id));	/* b not in t2 */
	CU_ASSERT_PTR_NULL(export_by_id(NULL, a1->id));
	export_table_free(&t1);
	export_table_free(&t2);
	teardown();
}

static void
test_many(void)
{
	struct export_table *t;
	char name[16], *text, *p;
	size_t k, size = MANY_DIRS * (PATH_MAX + 2);

	setup(NULL);
	CU_ASSERT_FATAL((text = p = malloc(size)) != NULL);
	for (k = 0; k < MANY_DIRS; k++) {
		snprintf(name, sizeof(name), "d%zu", k);
		CU_ASSERT_EQUAL(mkdir(at(name), 0755), 0);
		p += snprintf(p, size - (size_t)(p - text), "%s\n", at(name));
	}
	if (export_parse_text("test", text, &t, err, sizeof(err)) == -1)
		fprintf(stderr, "\nunexpected parse error: %s\n", err);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nexports, MANY_DIRS);
	for (k = 0; k < t->nexports; k++) {
		if (k > 0)
			CU_ASSERT_TRUE(t->exports[k - 1].id <
			    t->exports[k].id);
		CU_ASSERT_PTR_EQUAL(export_by_id(t, t->exports[k].id),
		    &t->exports[k]);
		CU_ASSERT_EQUAL(t->exports[k].id,
		    export_path_id(t->exports[k].path));
	}
	for (k = 0; k < MANY_DIRS; k++) {
		snprintf(name, sizeof(name), "d%zu", k);
		CU_ASSERT_PTR_NOT_NULL(export_find(t, at(name)));
	}
	export_table_free(&t);
	teardown();
}

static void
test_long_line(void)
{
	char *text, word[PATH_MAX];
	struct export_table *t = NULL;
	size_t len;

	setup("a", NULL);
	CU_ASSERT_FATAL((text = malloc(TEXT_MAX)) != NULL);
	snprintf(word, sizeof(word), "%s", at("a"));
	len = strlen(word);
	/* Exactly EXPORT_MAX_LINE bytes, then one more. */
	memcpy(text, word, len);
	memset(text + len, ' ', EXPORT_MAX_LINE - len);
	strcpy(text + EXPORT_MAX_LINE, "\n");
	CU_ASSERT_EQUAL(export_parse_text("test", text, &t, err, sizeof(err)),
	    0);
	export_table_free(&t);
	strcpy(text + EXPORT_MAX_LINE, " \n");
	CU_ASSERT_EQUAL(export_parse_text("test", text, &t, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NULL(t);
	check_prefix("test", 1, word);
	free(text);
	teardown();
}

/* Write text ('@' expanded) to @/exports. */
static const char *
write_file(const char *tmpl, size_t extra_nul_at)
{
	static char file[PATH_MAX];
	char text[TEXT_MAX];
	FILE *fp;
	size_t n;

	subst(text, sizeof(text), tmpl);
	n = strlen(text);
	if (extra_nul_at > 0 && extra_nul_at < n)
		text[extra_nul_at] = '\0';
	snprintf(file, sizeof(file), "%s", at("exports"));
	CU_ASSERT_FATAL((fp = fopen(file, "w")) != NULL);
	CU_ASSERT_EQUAL(fwrite(text, 1, n, fp), n);
	CU_ASSERT_EQUAL(fclose(fp), 0);
	return file;
}

static void
test_file(void)
{
	struct export_table *t;
	const char *file;
	char missing[PATH_MAX];

	setup("a", "b", NULL);
	file = write_file("# exports\n@/a -ro\n@/b 10.1.2.3\n", 0);
	CU_ASSERT_EQUAL_FATAL(export_parse_file(file, &t, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(t->nexports, 2);
	CU_ASSERT_TRUE(find(t, "a")->groups[0].opts.ro);
	CU_ASSERT_EQUAL(find(t, "b")->groups[0].line, 3);
	export_table_free(&t);

	file = write_file("@/a\n\n@/b -bogus\n", 0);
	CU_ASSERT_EQUAL(export_parse_file(file, &t, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(t);
	check_prefix(file, 3, "-bogus");

	file = write_file("@/a\n@/b X\n", strlen(root) + 5);	/* NUL */
	CU_ASSERT_EQUAL(export_parse_file(file, &t, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(t);
	check_prefix(file, 2, "\\0");

	snprintf(missing, sizeof(missing), "%s", at("missing"));
	CU_ASSERT_EQUAL(export_parse_file(missing, &t, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(strncmp(err, missing, strlen(missing)), 0);
	CU_ASSERT_EQUAL(export_parse_file(root, &t, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(strncmp(err, root, strlen(root)), 0);
	teardown();
}

int
suite_export_parse(void)
{
	static const struct unit_test tests[] = {
		{ "minimal line: world, defaults", test_minimal },
		{ "empty and comment-only text", test_empty },
		{ "-ro, -o, -alldirs, -resvport", test_flags },
		{ "-fsid", test_fsid },
		{ "IPv4-mapped network", test_network_mapped },
		{ "-maproot", test_maproot },
		{ "-mapall", test_mapall },
		{ "credential errors", test_cred_errors },
		{ "export_cred_parse", test_cred_parse },
		{ "-sec", test_sec },
		{ "-network with -mask", test_network_mask },
		{ "-network with /prefix", test_network_prefix },
		{ "-network classful mask", test_network_classful },
		{ "-network errors", test_network_errors },
		{ "numeric host targets", test_hosts_numeric },
		{ "host name target", test_host_name },
		{ "comments", test_comments },
		{ "continuation lines", test_continuation },
		{ "double quotes", test_quotes },
		{ "several lines for one path", test_groups },
		{ "syntax errors", test_syntax_errors },
		{ "path errors", test_path_errors },
		{ "nested exports", test_nested },
		{ "duplicate entries", test_duplicates },
		{ "stable ids, sorted table", test_ids },
		{ "many exports", test_many },
		{ "logical line length limit", test_long_line },
		{ "export_parse_file", test_file },
		{ NULL, NULL },
	};

	return unit_add_suite("export_parse", tests);
}
