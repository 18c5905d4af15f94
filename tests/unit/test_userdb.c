/*
 * test_userdb.c - the userdb (clients/userdb): parsing good lines,
 * comments and reverse lines, each kind of bad line with its
 * "FILE:LINE:" prefix, editing and the byte-exact round trip through
 * the atomic writer, crypt checks for $y$, $6$ and $2b$ against hashes
 * made with crypt(3) at test time, the cdb compiled, looked up, and
 * replaced under an open handle, the hashed home layout's fixed
 * values, and the next free uid.  Files go under a fresh
 * /tmp/udbtest.XXXXXX, removed at the end of each test.
 */
#include <sys/stat.h>

#include <crypt.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userdb.h"
#include "unit.h"

#define ERR_MAX		512
#define LINE_MAX_TEST	(USERDB_MAX_LINE + 64)

static char err[ERR_MAX];
#define DIR_MAX		64	/* "/tmp/udbtest.XXXXXX" */

static char dir[DIR_MAX];

static const char good[] =
    "# users of the cluster\n"
    "\n"
    "tevie\tuid=2001|gid=2001|home=/mail1/62/42/tevie|customer=C-1001\n"
    "=2001\ttevie\n"
    "alice\tuid=2002|gid=100|home=/mail2/24/37/alice|shell=/bin/false"
    "|gecos=Alice A., Room 1|quota=\n"
    "   # an indented comment\n"
    "bob@example.org\tuid=2003|gid=100|home=/mail1/06/96/bob|"
    "systempw=!locked\n";

static void
make_dir(void)
{
	char tmpl[] = "/tmp/udbtest.XXXXXX";

	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s", tmpl);
}

/* Remove dir and the files in it (no subdirectories are made). */
static void
remove_dir(void)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		CU_ASSERT_EQUAL(unlink(path), 0);
	}
	closedir(d);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static int
count_files(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(path, "w"));
	fputs(text, f);
	CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
}

static struct userdb *
parse(const char *text)
{
	struct userdb *db = NULL;

	err[0] = '\0';
	if (userdb_parse_text("userdb", text, strlen(text), &db, err,
	    sizeof(err)) != 0)
		return NULL;
	return db;
}

static void
refuse(const char *text, const char *prefix)
{
	struct userdb *db;

	db = parse(text);
	CU_ASSERT_PTR_NULL(db);
	userdb_free(&db);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fprintf(stderr, "\nwanted \"%s...\", got \"%s\"\n", prefix,
		    err);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
}

static void
test_parse_good(void)
{
	const struct userdb_user *u;
	struct userdb *db;

	CU_ASSERT_PTR_NOT_NULL_FATAL(db = parse(good));
	CU_ASSERT_EQUAL(db->nentries, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u = userdb_find(db, "tevie"));
	CU_ASSERT_EQUAL(u->uid, 2001);
	CU_ASSERT_EQUAL(u->gid, 2001);
	CU_ASSERT_STRING_EQUAL(u->home, "/mail1/62/42/tevie");
	CU_ASSERT_STRING_EQUAL(u->customer, "C-1001");
	CU_ASSERT_PTR_NULL(u->systempw);
	CU_ASSERT_EQUAL(u->line, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u = userdb_find(db, "alice"));
	CU_ASSERT_EQUAL(u->line, 5);
	CU_ASSERT_EQUAL(u->nfields, 6);
	CU_ASSERT_STRING_EQUAL(userdb_user_get(u, "gecos"),
	    "Alice A., Room 1");
	CU_ASSERT_STRING_EQUAL(userdb_user_get(u, "quota"), "");
	CU_ASSERT_PTR_NULL(userdb_user_get(u, "mail"));
	CU_ASSERT_PTR_NULL(u->customer);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u = userdb_find(db, "bob@example.org"));
	CU_ASSERT_STRING_EQUAL(u->systempw, "!locked");
	CU_ASSERT_PTR_NULL(userdb_find(db, "=2001"));
	CU_ASSERT_PTR_NULL(userdb_find(db, "carol"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(u = userdb_find_uid(db, 2002));
	CU_ASSERT_STRING_EQUAL(u->name, "alice");
	CU_ASSERT_PTR_NULL(userdb_find_uid(db, 2004));
	userdb_free(&db);
	CU_ASSERT_PTR_NULL(db);
	/* Empty, and no newline at the end. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(db = parse(""));
	CU_ASSERT_EQUAL(db->nentries, 0);
	userdb_free(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(db = parse("a\tuid=1|gid=1|home=/h"));
	CU_ASSERT_PTR_NOT_NULL(userdb_find(db, "a"));
	userdb_free(&db);
}

static void
test_parse_bad(void)
{
	char line[LINE_MAX_TEST];
	size_t n;

	refuse("#\nbob uid=1|gid=1|home=/h\n", "userdb:2: bob uid=1|gid=1|");
	refuse("#\nbob uid=1|gid=1|home=/h\n", "userdb:2: ");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no TAB"));
	refuse("\n\n\nbob\t\tuid=1|gid=1|home=/h\n",
	    "userdb:4: bob: exactly one TAB");
	refuse("Bob\tuid=1|gid=1|home=/h\n", "userdb:1: Bob: not a user name");
	refuse("-bob\tuid=1|gid=1|home=/h\n", "userdb:1: -bob: not a user");
	refuse("b/b\tuid=1|gid=1|home=/h\n", "userdb:1: b/b: not a user");
	refuse("bob\tgid=1|home=/h\n", "userdb:1: bob: uid, gid and home");
	refuse("bob\tuid=1|home=/h\n", "userdb:1: bob: uid, gid and home");
	refuse("bob\tuid=1|gid=1\n", "userdb:1: bob: uid, gid and home");
	refuse("bob\tuid=0|gid=1|home=/h\n", "userdb:1: uid: \"0\" is not");
	refuse("bob\tuid=1|gid=x|home=/h\n", "userdb:1: gid: ");
	refuse("bob\tuid=4294967295|gid=1|home=/h\n", "userdb:1: uid: ");
	refuse("bob\tuid=1|gid=1|home=h\n", "userdb:1: home: ");
	refuse("bob\tuid=1|gid=1|home=/a/../b\n", "userdb:1: home: ");
	refuse("bob\tuid=1|gid=1|home=/h|uid=2\n",
	    "userdb:1: uid: given twice");
	refuse("bob\tuid=1|gid=1|home=/h|\n", "userdb:1: bob: an empty field");
	refuse("bob\tuid=1|gid=1|home=/h|mail\n", "userdb:1: mail: a field is");
	refuse("bob\tuid=1|gid=1|home=/h|Mail=x\n", "userdb:1: Mail: not a");
	refuse("bob\tuid=1|gid=1|home=/h|systempw=$1$abc$def\n",
	    "userdb:1: systempw: not a $6$, $y$ or $2b$");
	refuse("bob\tuid=1|gid=1|home=/h|systempw=\n", "userdb:1: systempw: ");
	refuse("bob\tuid=1|gid=1|home=/h|customer=a b\n",
	    "userdb:1: customer: ");
	refuse("bob\tuid=1|gid=1|home=/h|x=a\rb\n", "userdb:1: x: '|' or a");
	refuse("bob\t\n", "userdb:1: bob: no fields");
	refuse("a\tuid=1|gid=1|home=/h\nb\tuid=2|gid=1|home=/h\n#\n"
	    "a\tuid=3|gid=1|home=/h\n", "userdb:4: a: already at line 1");
	n = sizeof(line) - 1;
	memset(line, 'x', n);
	line[n] = '\0';
	memcpy(line, "a\tuid=1|gid=1|home=/h|y=", 24);
	refuse(line, "userdb:1: line: longer than");
}

static void
test_round_trip(void)
{
	char path[PATH_MAX], *text;
	struct userdb *db, *db2;
	struct stat st;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(db = parse(good));
	CU_ASSERT_EQUAL_FATAL(userdb_format(db, &text, &len), 0);
	CU_ASSERT_EQUAL(len, strlen(good));
	CU_ASSERT_STRING_EQUAL(text, good);
	free(text);
	make_dir();
	snprintf(path, sizeof(path), "%s/userdb", dir);
	/* A new file is 0600; a rewrite keeps the file's mode. */
	CU_ASSERT_EQUAL_FATAL(userdb_write_file(db, path, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL_FATAL(userdb_parse_file(path, &db2, err, sizeof(err)),
	    0);
	CU_ASSERT_STRING_EQUAL(db2->file, path);
	CU_ASSERT_EQUAL_FATAL(userdb_format(db2, &text, &len), 0);
	CU_ASSERT_STRING_EQUAL(text, good);
	free(text);
	CU_ASSERT_EQUAL(userdb_write_file(db2, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(count_files(), 1);	/* no temporary file left */
	userdb_free(&db2);
	userdb_free(&db);
	CU_ASSERT_EQUAL(userdb_parse_file("/nonexistent/userdb", &db, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/userdb: open:"));
	CU_ASSERT_EQUAL(userdb_write_file(db2 = userdb_new("x"),
	    "/nonexistent/userdb", err, sizeof(err)), -1);
	userdb_free(&db2);
	remove_dir();
}

static void
test_edit(void)
{
	char path[PATH_MAX], *text, big[USERDB_MAX_VALUE];
	const struct userdb_user *u;
	struct userdb *db;
	size_t len;
	int fd;

	make_dir();
	snprintf(path, sizeof(path), "%s/userdb", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(db = parse(good));
	CU_ASSERT_EQUAL(userdb_add_user(db, "carol", 2004, 100,
	    "/mail1/00/00/carol", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_add_user(db, "carol", 2005, 100,
	    "/mail1/00/00/carol", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "carol: the user exists");
	CU_ASSERT_EQUAL(userdb_add_user(db, "Carl", 2005, 100, "/h", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_add_user(db, "carl", 2005, 100, "/h|x=1", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "customer", "C-7", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "customer", "C-8", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "customer", "C 8", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "systempw", "$1$x$y",
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "home", NULL, err,
	    sizeof(err)), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "a", big, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "b", big, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "c", big, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "d", big, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "would be longer"));
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "c", "", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "a", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "b", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "carol", "c", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "nobody", "customer", "C", err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_set_field(db, "alice", "quota", NULL, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_set_field(db, "alice", "gid", "101", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_find(db, "alice")->gid, 101);
	CU_ASSERT_EQUAL(userdb_replace_line(db,
	    "tevie\tuid=2001|gid=2001|home=/mail2/62/42/tevie", err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_replace_line(db, "dave\tuid=1|gid=1|home=/h",
	    err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "dave: no such user");
	CU_ASSERT_EQUAL(userdb_add_line(db, "dave\tuid=1|gid=1|home=/h\n",
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_add_line(db, "# comment", err, sizeof(err)),
	    -1);
	CU_ASSERT_EQUAL(userdb_add_line(db, "dave\tuid=2006|gid=1|home=/h",
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_remove(db, "bob@example.org"), 0);
	CU_ASSERT_EQUAL(userdb_remove(db, "bob@example.org"), -1);
	CU_ASSERT_EQUAL_FATAL(userdb_lock(path, &fd, err, sizeof(err)), 0);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(userdb_write_file(db, path, err, sizeof(err)),
	    0);
	userdb_unlock(&fd);
	CU_ASSERT_EQUAL(fd, -1);
	userdb_free(&db);
	CU_ASSERT_EQUAL_FATAL(userdb_parse_file(path, &db, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL_FATAL(userdb_format(db, &text, &len), 0);
	CU_ASSERT_STRING_EQUAL(text,
	    "# users of the cluster\n"
	    "\n"
	    "tevie\tuid=2001|gid=2001|home=/mail2/62/42/tevie\n"
	    "=2001\ttevie\n"
	    "alice\tuid=2002|gid=101|home=/mail2/24/37/alice|shell=/bin/false"
	    "|gecos=Alice A., Room 1\n"
	    "   # an indented comment\n"
	    "carol\tuid=2004|gid=100|home=/mail1/00/00/carol|customer=C-8\n"
	    "dave\tuid=2006|gid=1|home=/h\n");
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u = userdb_find(db, "carol"));
	CU_ASSERT_EQUAL(u->line, 7);
	userdb_free(&db);
	remove_dir();
}

static void
test_next_uid(void)
{
	struct userdb *db;

	CU_ASSERT_PTR_NOT_NULL_FATAL(db = parse(
	    "a\tuid=2000|gid=1|home=/h\nb\tuid=2001|gid=1|home=/h\n"
	    "c\tuid=2003|gid=1|home=/h\nd\tuid=2001|gid=1|home=/h\n"
	    "e\tuid=10|gid=1|home=/h\n"));
	CU_ASSERT_EQUAL(userdb_next_uid(db, 2000), 2002);
	CU_ASSERT_EQUAL(userdb_next_uid(db, 2003), 2004);
	CU_ASSERT_EQUAL(userdb_next_uid(db, 5000), 5000);
	CU_ASSERT_EQUAL(userdb_next_uid(db, 10), 11);
	CU_ASSERT_EQUAL(userdb_next_uid(db, 0), 1);
	userdb_free(&db);
}

/* A hash of password made with crypt(3) itself, for prefix. */
static void
crypt_vector(const char *prefix, const char *password, char *out,
    size_t len)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(crypt_gensalt_rn(prefix, 0, NULL, 0,
	    setting, sizeof(setting)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h = crypt(password, setting));
	CU_ASSERT_FATAL(h[0] != '*' && strlen(h) < len);
	strcpy(out, h);
}

static void
check_prefix(const char *prefix)
{
	char vec[USERDB_HASH_SIZE], ours[USERDB_HASH_SIZE];
	char locked[USERDB_HASH_SIZE + 1], line[USERDB_HASH_SIZE * 2];
	struct userdb *db;

	crypt_vector(prefix, "s3cret pass", vec, sizeof(vec));
	CU_ASSERT_EQUAL(strncmp(vec, prefix, strlen(prefix)), 0);
	CU_ASSERT_TRUE(userdb_hash_supported(vec));
	CU_ASSERT_EQUAL(userdb_check_password(vec, "s3cret pass"), USERDB_OK);
	CU_ASSERT_EQUAL(userdb_check_password(vec, "s3cret pasS"),
	    USERDB_MISMATCH);
	CU_ASSERT_EQUAL(userdb_check_password(vec, ""), USERDB_MISMATCH);
	snprintf(locked, sizeof(locked), "!%s", vec);
	CU_ASSERT_EQUAL(userdb_check_password(locked, "s3cret pass"),
	    USERDB_MISMATCH);
	CU_ASSERT_EQUAL(userdb_hash_password("other", prefix, ours,
	    sizeof(ours), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strncmp(ours, prefix, strlen(prefix)), 0);
	CU_ASSERT_STRING_EQUAL(crypt("other", ours), ours);
	CU_ASSERT_EQUAL(userdb_check_password(ours, "other"), USERDB_OK);
	CU_ASSERT_EQUAL(userdb_check_password(ours, "s3cret pass"),
	    USERDB_MISMATCH);
	/* The hash goes into a userdb line and passes the parser. */
	snprintf(line, sizeof(line), "u\tuid=1|gid=1|home=/h|systempw=%s",
	    ours);
	db = parse(line);
	CU_ASSERT_PTR_NOT_NULL(db);
	userdb_free(&db);
}

static void
test_crypt(void)
{
	char out[USERDB_HASH_SIZE];

	check_prefix("$y$");
	check_prefix("$6$");
	check_prefix("$2b$");
	/* The default is yescrypt; a short buffer is an error. */
	CU_ASSERT_EQUAL(userdb_hash_password("pw", NULL, out, sizeof(out),
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strncmp(out, "$y$", 3), 0);
	CU_ASSERT_EQUAL(userdb_hash_password("pw", "$6$", out, 20, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_hash_password("pw", "$1$", out, sizeof(out),
	    err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_hash_password("", "$6$", out, sizeof(out),
	    err, sizeof(err)), -1);
	/* Unsupported or malformed hashes never match. */
	CU_ASSERT_FALSE(userdb_hash_supported("$1$abcdefgh$"
	    "1234567890123456789012"));
	CU_ASSERT_FALSE(userdb_hash_supported("*"));
	CU_ASSERT_FALSE(userdb_hash_supported(""));
	CU_ASSERT_FALSE(userdb_hash_supported("$6$bad salt$x"));
	CU_ASSERT_EQUAL(userdb_check_password("$1$abcdefgh$"
	    "1234567890123456789012", "x"), USERDB_MISMATCH);
	CU_ASSERT_EQUAL(userdb_check_password(NULL, "x"), USERDB_MISMATCH);
}

static void
test_home_hash(void)
{
	char out[USERDB_HOME_REL_SIZE], path[PATH_MAX];

	/* Fixed forever: printf NAME | sha256sum, 2+2 bytes mod 100. */
	CU_ASSERT_EQUAL(userdb_home_hash("tevie", out, sizeof(out)), 11);
	CU_ASSERT_STRING_EQUAL(out, "62/42/tevie");
	CU_ASSERT_EQUAL(userdb_home_hash("alice", out, sizeof(out)), 11);
	CU_ASSERT_STRING_EQUAL(out, "24/37/alice");
	CU_ASSERT_EQUAL(userdb_home_hash("bob", out, sizeof(out)), 9);
	CU_ASSERT_STRING_EQUAL(out, "06/96/bob");
	CU_ASSERT_EQUAL(userdb_home_hash("a", out, sizeof(out)), 7);
	CU_ASSERT_STRING_EQUAL(out, "63/42/a");
	CU_ASSERT_EQUAL(userdb_home_hash("Tevie", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(userdb_home_hash("", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(userdb_home_hash("../x", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(userdb_home_hash("tevie", out, 11), -1);
	CU_ASSERT_EQUAL(userdb_home_path("/mail1", "tevie", path,
	    sizeof(path)), 18);
	CU_ASSERT_STRING_EQUAL(path, "/mail1/62/42/tevie");
	CU_ASSERT_EQUAL(userdb_home_path("/mail1/", "tevie", path,
	    sizeof(path)), 18);
	CU_ASSERT_STRING_EQUAL(path, "/mail1/62/42/tevie");
	CU_ASSERT_EQUAL(userdb_home_path("mail1", "tevie", path,
	    sizeof(path)), -1);
	CU_ASSERT_EQUAL(userdb_home_path("/mail1", "tevie", path, 18), -1);
}

/* A recompiled db keeps the mode and group the admin gave it. */
static void
test_cdb_perms(void)
{
	char text[PATH_MAX], dbpath[PATH_MAX];
	struct stat st;

	make_dir();
	snprintf(text, sizeof(text), "%s/userdb", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/userdb.cdb", dir);
	write_text(text, good);
	CU_ASSERT_EQUAL_FATAL(userdb_compile_file(text, dbpath, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(dbpath, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(chmod(dbpath, 0640), 0);
	CU_ASSERT_EQUAL(chown(dbpath, (uid_t)-1, 8), 0);	/* "mail" */
	CU_ASSERT_EQUAL_FATAL(userdb_compile_file(text, dbpath, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(stat(dbpath, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(st.st_gid, 8);
	remove_dir();
}

static void
test_cdb(void)
{
	char text[PATH_MAX], dbpath[PATH_MAX], name[USERDB_MAX_NAME + 1];
	struct userdb_user *u = NULL;
	struct userdb_cdb *cdb;
	struct userdb *db;

	make_dir();
	snprintf(text, sizeof(text), "%s/userdb", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/userdb.cdb", dir);
	write_text(text, good);
	CU_ASSERT_EQUAL(userdb_cdb_open(dbpath, &cdb, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "userdb.cdb: open:"));
	CU_ASSERT_EQUAL_FATAL(userdb_compile_file(text, dbpath, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(count_files(), 2);
	CU_ASSERT_EQUAL_FATAL(userdb_cdb_open(dbpath, &cdb, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "tevie", &u, err,
	    sizeof(err)), USERDB_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_STRING_EQUAL(u->name, "tevie");
	CU_ASSERT_EQUAL(u->uid, 2001);
	CU_ASSERT_EQUAL(u->gid, 2001);
	CU_ASSERT_STRING_EQUAL(u->home, "/mail1/62/42/tevie");
	CU_ASSERT_STRING_EQUAL(u->customer, "C-1001");
	userdb_user_free(&u);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "alice", &u, err,
	    sizeof(err)), USERDB_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_STRING_EQUAL(userdb_user_get(u, "gecos"),
	    "Alice A., Room 1");
	userdb_user_free(&u);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "carol", &u, err,
	    sizeof(err)), USERDB_NOTFOUND);
	CU_ASSERT_PTR_NULL(u);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "=2001", &u, err,
	    sizeof(err)), USERDB_NOTFOUND);
	CU_ASSERT_EQUAL(userdb_cdb_lookup_uid(cdb, 2003, name, sizeof(name),
	    err, sizeof(err)), USERDB_OK);
	CU_ASSERT_STRING_EQUAL(name, "bob@example.org");
	CU_ASSERT_EQUAL(userdb_cdb_lookup_uid(cdb, 2003, name, 4, err,
	    sizeof(err)), USERDB_ERROR);
	CU_ASSERT_EQUAL(userdb_cdb_lookup_uid(cdb, 9999, name, sizeof(name),
	    err, sizeof(err)), USERDB_NOTFOUND);
	CU_ASSERT_EQUAL(userdb_cdb_refresh(cdb, err, sizeof(err)), 0);

	/* mailctl adds carol and drops tevie; the open handle sees it. */
	CU_ASSERT_EQUAL_FATAL(userdb_parse_file(text, &db, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(userdb_add_user(db, "carol", 2004, 100,
	    "/mail2/00/00/carol", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_remove(db, "tevie"), 0);
	CU_ASSERT_EQUAL(userdb_write_file(db, text, err, sizeof(err)), 0);
	userdb_free(&db);
	CU_ASSERT_EQUAL_FATAL(userdb_compile_file(text, dbpath, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "carol", &u, err,
	    sizeof(err)), USERDB_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->uid, 2004);
	userdb_user_free(&u);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "tevie", &u, err,
	    sizeof(err)), USERDB_NOTFOUND);
	CU_ASSERT_EQUAL(userdb_cdb_refresh(cdb, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(count_files(), 2);

	/* A bad text file leaves the db alone. */
	write_text(text, "x y\n");
	CU_ASSERT_EQUAL(userdb_compile_file(text, dbpath, err, sizeof(err)),
	    -1);
	CU_ASSERT_EQUAL(strncmp(err, text, strlen(text)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: x y: no TAB"));
	CU_ASSERT_EQUAL(userdb_cdb_refresh(cdb, err, sizeof(err)), 0);

	/* A damaged replacement is refused; the old file stays in use. */
	CU_ASSERT_EQUAL(rename(text, dbpath), 0);
	CU_ASSERT_EQUAL(userdb_cdb_refresh(cdb, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "carol", &u, err,
	    sizeof(err)), USERDB_OK);
	userdb_user_free(&u);
	CU_ASSERT_EQUAL(unlink(dbpath), 0);
	CU_ASSERT_EQUAL(userdb_cdb_lookup(cdb, "alice", &u, err,
	    sizeof(err)), USERDB_OK);
	userdb_user_free(&u);
	userdb_cdb_close(&cdb);
	CU_ASSERT_PTR_NULL(cdb);
	remove_dir();
}

static int
suite_userdb(void)
{
	static const struct unit_test tests[] = {
		{ "parse good lines", test_parse_good },
		{ "bad lines name file and line", test_parse_bad },
		{ "format and atomic write round trip", test_round_trip },
		{ "add, set, replace, remove", test_edit },
		{ "next free uid", test_next_uid },
		{ "crypt $y$ $6$ $2b$", test_crypt },
		{ "hashed home layout", test_home_hash },
		{ "cdb compile, lookup, replacement", test_cdb },
		{ "cdb keeps mode and group", test_cdb_perms },
		{ NULL, NULL },
	};

	return unit_add_suite("userdb", tests);
}

UNIT_REGISTER(suite_userdb);
