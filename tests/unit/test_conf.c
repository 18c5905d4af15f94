/*
 * test_conf.c - the front ends' config file (clients/conf): every key
 * with good values and its defaults, comments, lists of domains and
 * listen addresses, each kind of error with its "FILE:LINE: key:"
 * prefix, a program's key mask (unused keys ignored, unknown keys
 * still errors), reading a real file, and the mounts table: longest
 * prefix wins, prefix boundaries, the relative path, canonical homes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "unit.h"

#define ERR_MAX		512

static char err[ERR_MAX];

static struct conf *
parse(const char *text, unsigned uses)
{
	struct conf *c = NULL;

	err[0] = '\0';
	if (conf_parse_text("test.conf", text, strlen(text), uses, &c, err,
	    sizeof(err)) != 0)
		return NULL;
	return c;
}

/* text must be refused with an error starting with prefix. */
static void
refuse(const char *text, unsigned uses, const char *prefix)
{
	struct conf *c;

	c = parse(text, uses);
	CU_ASSERT_PTR_NULL(c);
	conf_free(&c);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fprintf(stderr, "\nwanted \"%s...\", got \"%s\"\n", prefix,
		    err);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
}

static const char example[] =
    "# the issue's example\n"
    "hostname       mx1.cluster.example\n"
    "local_domains  cluster.example\n"
    "userdb         /etc/userdb          # the text file, as distributed\n"
    "userdb_db      /etc/userdb.cdb      # compiled by mailctl makedb\n"
    "mount /mail1   nfs://10.0.0.11/usr/mail1\n"
    "mount /mail2   nfs://10.0.0.12:2049/usr/mail2?mountport=20048\n"
    "smtp_listen    0.0.0.0:25\n"
    "pop3_listen    0.0.0.0:110\n"
    "tls_cert       /etc/ssl/mail.pem\n"
    "tls_key        /etc/ssl/mail.key\n";

static void
test_example(void)
{
	struct conf *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c = parse(example, CONF_USES_ALL));
	CU_ASSERT_STRING_EQUAL(c->file, "test.conf");
	CU_ASSERT_STRING_EQUAL(c->hostname, "mx1.cluster.example");
	CU_ASSERT_EQUAL_FATAL(c->ndomains, 1);
	CU_ASSERT_STRING_EQUAL(c->domains[0], "cluster.example");
	CU_ASSERT_STRING_EQUAL(c->userdb, "/etc/userdb");
	CU_ASSERT_STRING_EQUAL(c->userdb_db, "/etc/userdb.cdb");
	CU_ASSERT_EQUAL_FATAL(c->nmounts, 2);
	CU_ASSERT_STRING_EQUAL(c->mounts[0].prefix, "/mail1");
	CU_ASSERT_STRING_EQUAL(c->mounts[0].url, "nfs://10.0.0.11/usr/mail1");
	CU_ASSERT_EQUAL(c->mounts[0].line, 6);
	CU_ASSERT_FALSE(c->mounts[0].local);
	CU_ASSERT_STRING_EQUAL(c->mounts[1].url,
	    "nfs://10.0.0.12:2049/usr/mail2?mountport=20048");
	CU_ASSERT_EQUAL(c->nsmtp_listen, 1);
	CU_ASSERT_STRING_EQUAL(c->smtp_listen[0].host, "0.0.0.0");
	CU_ASSERT_EQUAL(c->smtp_listen[0].port, 25);
	CU_ASSERT_EQUAL(c->pop3_listen[0].port, 110);
	CU_ASSERT_STRING_EQUAL(c->tls_cert, "/etc/ssl/mail.pem");
	CU_ASSERT_STRING_EQUAL(c->tls_key, "/etc/ssl/mail.key");
	conf_free(&c);
	CU_ASSERT_PTR_NULL(c);
}

static void
test_defaults(void)
{
	char host[256];
	struct conf *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c = parse("", CONF_USES_ALL));
	CU_ASSERT_EQUAL_FATAL(gethostname(host, sizeof(host)), 0);
	CU_ASSERT_STRING_EQUAL(c->hostname, host);
	CU_ASSERT_EQUAL(c->ndomains, 0);
	CU_ASSERT_STRING_EQUAL(c->userdb, "/etc/userdb");
	CU_ASSERT_STRING_EQUAL(c->userdb_db, "/etc/userdb.cdb");
	CU_ASSERT_EQUAL(c->nmounts, 0);
	CU_ASSERT_EQUAL(c->smtp_listen[0].port, 25);
	CU_ASSERT_EQUAL(c->pop3_listen[0].port, 110);
	CU_ASSERT_PTR_NULL(c->tls_cert);
	CU_ASSERT_PTR_NULL(c->tls_key);
	CU_ASSERT_EQUAL(c->max_message_size, 10 * 1024 * 1024);
	CU_ASSERT_EQUAL(c->smtp_max_recipients, 100);
	CU_ASSERT_EQUAL(c->smtp_idle_timeout, 300);
	CU_ASSERT_EQUAL(c->pop3_idle_timeout, 600);
	CU_ASSERT_EQUAL(c->smtp_max_clients, 1000);
	CU_ASSERT_EQUAL(c->pop3_max_clients, 1000);
	CU_ASSERT_EQUAL(c->first_uid, 2000);
	CU_ASSERT_EQUAL(c->log_level, LOG_LVL_INFO);
	conf_free(&c);
	/* Not used: no hostname looked up. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(c = parse("", 0));
	CU_ASSERT_PTR_NULL(c->hostname);
	conf_free(&c);
}

static void
test_numbers_and_levels(void)
{
	struct conf *c;

	c = parse("max_message_size 25M\nsmtp_max_recipients 500\n"
	    "smtp_idle_timeout 60\npop3_idle_timeout 1200\n"
	    "smtp_max_clients 10\npop3_max_clients 20\nfirst_uid 5000\n"
	    "log_level debug\n", CONF_USES_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->max_message_size, 25 * 1024 * 1024);
	CU_ASSERT_EQUAL(c->smtp_max_recipients, 500);
	CU_ASSERT_EQUAL(c->smtp_idle_timeout, 60);
	CU_ASSERT_EQUAL(c->pop3_idle_timeout, 1200);
	CU_ASSERT_EQUAL(c->smtp_max_clients, 10);
	CU_ASSERT_EQUAL(c->pop3_max_clients, 20);
	CU_ASSERT_EQUAL(c->first_uid, 5000);
	CU_ASSERT_EQUAL(c->log_level, LOG_LVL_DEBUG);
	conf_free(&c);
	c = parse("max_message_size 1g\n", CONF_USES_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->max_message_size, 1024ull * 1024 * 1024);
	conf_free(&c);
	c = parse("max_message_size 4096\n", CONF_USES_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->max_message_size, 4096);
	conf_free(&c);
	refuse("max_message_size 2G\n", CONF_USES_ALL,
	    "test.conf:1: max_message_size: ");
	refuse("max_message_size 10X\n", CONF_USES_ALL,
	    "test.conf:1: max_message_size: ");
	refuse("max_message_size 99999999999999999999999K\n", CONF_USES_ALL,
	    "test.conf:1: max_message_size: ");
	refuse("smtp_max_recipients 0\n", CONF_USES_ALL,
	    "test.conf:1: smtp_max_recipients: ");
	refuse("smtp_max_recipients 10k\n", CONF_USES_ALL,
	    "test.conf:1: smtp_max_recipients: ");
	refuse("smtp_idle_timeout -5\n", CONF_USES_ALL,
	    "test.conf:1: smtp_idle_timeout: ");
	refuse("first_uid 4294967295\n", CONF_USES_ALL,
	    "test.conf:1: first_uid: ");
	refuse("log_level loud\n", CONF_USES_ALL, "test.conf:1: log_level: ");
}

static void
test_comments_and_lists(void)
{
	struct conf *c;

	c = parse("\n   \n# comment\n\t# indented comment\r\n"
	    "local_domains a.example, B.Example,c.example\r\n"
	    "local_domains d.example # more\n"
	    "smtp_listen 127.0.0.1:2525 [::1]:2525\n"
	    "pop3_listen [::]:110\n", CONF_USES_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(c->ndomains, 4);
	CU_ASSERT_STRING_EQUAL(c->domains[0], "a.example");
	CU_ASSERT_STRING_EQUAL(c->domains[1], "b.example");
	CU_ASSERT_STRING_EQUAL(c->domains[2], "c.example");
	CU_ASSERT_STRING_EQUAL(c->domains[3], "d.example");
	CU_ASSERT_TRUE(conf_is_local_domain(c, "C.EXAMPLE"));
	CU_ASSERT_FALSE(conf_is_local_domain(c, "e.example"));
	CU_ASSERT_EQUAL_FATAL(c->nsmtp_listen, 2);
	CU_ASSERT_STRING_EQUAL(c->smtp_listen[0].host, "127.0.0.1");
	CU_ASSERT_EQUAL(c->smtp_listen[0].port, 2525);
	CU_ASSERT_STRING_EQUAL(c->smtp_listen[1].host, "::1");
	CU_ASSERT_EQUAL(c->smtp_listen[1].port, 2525);
	CU_ASSERT_EQUAL_FATAL(c->npop3_listen, 1);
	CU_ASSERT_STRING_EQUAL(c->pop3_listen[0].host, "::");
	conf_free(&c);
}

static void
test_errors(void)
{
	char longline[CONF_MAX_LINE + 64];

	refuse("hostname a.example\nfrobnicate 1\n", CONF_USES_ALL,
	    "test.conf:2: frobnicate: unknown key");
	refuse("\n\nhostname\n", CONF_USES_ALL,
	    "test.conf:3: hostname: a value is needed");
	refuse("hostname a b\n", CONF_USES_ALL,
	    "test.conf:1: hostname: expects 1 value");
	refuse("hostname a\nhostname b\n", CONF_USES_ALL,
	    "test.conf:2: hostname: already set at line 1");
	refuse("hostname bad_name\n", CONF_USES_ALL, "test.conf:1: hostname: ");
	refuse("hostname -a.example\n", CONF_USES_ALL,
	    "test.conf:1: hostname: ");
	refuse("local_domains a.example\nlocal_domains A.example\n",
	    CONF_USES_ALL, "test.conf:2: local_domains: ");
	refuse("local_domains a..example\n", CONF_USES_ALL,
	    "test.conf:1: local_domains: ");
	refuse("userdb etc/userdb\n", CONF_USES_ALL, "test.conf:1: userdb: ");
	refuse("smtp_listen 0.0.0.0\n", CONF_USES_ALL,
	    "test.conf:1: smtp_listen: ");
	refuse("smtp_listen 0.0.0.0:0\n", CONF_USES_ALL,
	    "test.conf:1: smtp_listen: ");
	refuse("smtp_listen 0.0.0.0:65536\n", CONF_USES_ALL,
	    "test.conf:1: smtp_listen: ");
	refuse("smtp_listen host.example:25\n", CONF_USES_ALL,
	    "test.conf:1: smtp_listen: ");
	refuse("pop3_listen ::1:110\n", CONF_USES_ALL,
	    "test.conf:1: pop3_listen: ");
	refuse("tls_cert /etc/ssl/a.pem\n", CONF_USES_ALL,
	    "test.conf:1: tls_cert: tls_cert and tls_key go together");
	refuse("\ntls_key /etc/ssl/a.key\n", CONF_USES_ALL,
	    "test.conf:2: tls_key: tls_cert and tls_key go together");
	refuse("hostname a\001b\n", CONF_USES_ALL, "test.conf:1: hostname: ");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	refuse(longline, CONF_USES_ALL, "test.conf:1: line longer than");
}

static void
test_mount_errors(void)
{
	refuse("mount /mail1\n", CONF_USES_ALL,
	    "test.conf:1: mount: expects 2 values");
	refuse("mount mail1 nfs://h/x\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1/../x nfs://h/x\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1 http://h/x\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1 nfs://h\n", CONF_USES_ALL, "test.conf:1: mount: ");
	refuse("mount /mail1 nfs:///x\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1 nfs://h:99999/x\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1 nfs://[::1/x\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1 relative/dir\n", CONF_USES_ALL,
	    "test.conf:1: mount: ");
	refuse("mount /mail1 nfs://a/x\n\nmount /mail1/ nfs://b/y\n",
	    CONF_USES_ALL, "test.conf:3: mount: /mail1 is already mounted "
	    "at line 1");
}

static void
test_uses_mask(void)
{
	struct conf *c;

	/* pop3d ignores the SMTP keys, even bad values ... */
	c = parse("smtp_max_recipients lots\nsmtp_listen nowhere\n"
	    "pop3_idle_timeout 900\n", CONF_USES_POP3D);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->pop3_idle_timeout, 900);
	CU_ASSERT_EQUAL(c->smtp_max_recipients, 100);
	conf_free(&c);
	/* ... which mxd refuses ... */
	refuse("smtp_max_recipients lots\n", CONF_USES_MXD,
	    "test.conf:1: smtp_max_recipients: ");
	/* ... and unknown keys, twice-given keys are errors for all. */
	refuse("pop3_idle_timeout 900\nsmtp_lsiten 1.2.3.4:25\n",
	    CONF_USES_POP3D, "test.conf:2: smtp_lsiten: unknown key");
	refuse("smtp_listen 1.2.3.4:25\nsmtp_listen 1.2.3.4:26\n",
	    CONF_USES_POP3D, "test.conf:2: smtp_listen: already set");
	/* mailctl: the mounts, but not TLS. */
	c = parse("mount /mail1 nfs://a/x\ntls_cert /x\n", CONF_USES_MAILCTL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->nmounts, 1);
	CU_ASSERT_PTR_NULL(c->tls_cert);
	conf_free(&c);
	CU_ASSERT_STRING_EQUAL(conf_key_name(CONF_MAX_MESSAGE_SIZE),
	    "max_message_size");
	CU_ASSERT_PTR_NULL(conf_key_name(CONF_NKEYS));
}

static void
test_load_file(void)
{
	char path[] = "/tmp/conftest.XXXXXX";
	struct conf *c;
	FILE *f;
	int fd;

	CU_ASSERT_FATAL((fd = mkstemp(path)) != -1);
	CU_ASSERT_FATAL((f = fdopen(fd, "w")) != NULL);
	fputs(example, f);
	fputs("bogus x\n", f);
	CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
	CU_ASSERT_EQUAL(conf_load(path, CONF_USES_ALL, &c, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":12: bogus: unknown key"));
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	fputs(example, f);
	CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
	CU_ASSERT_EQUAL(conf_load(path, CONF_USES_ALL, &c, err, sizeof(err)),
	    0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->file, path);
	CU_ASSERT_EQUAL(c->nmounts, 2);
	conf_free(&c);
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL(conf_load(path, CONF_USES_ALL, &c, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
}

/* home must map to the mount with prefix and the relative path rel. */
static void
resolve(const struct conf *c, const char *home, const char *prefix,
    const char *rel)
{
	const struct conf_mount *m;
	const char *r = NULL;

	m = conf_mount_find(c, home, &r, err, sizeof(err));
	if (prefix == NULL) {
		CU_ASSERT_PTR_NULL(m);
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->prefix, prefix);
	CU_ASSERT_STRING_EQUAL(r, rel);
}

static void
test_mounts(void)
{
	const struct conf_mount *m;
	struct conf *c;

	c = parse("mount /mail1 nfs://10.0.0.11/usr/mail1\n"
	    "mount /mail10/ nfs://10.0.0.20/usr/mail10\n"
	    "mount /mail1/big nfs://[fd00::1]:2049/usr/big\n"
	    "mount /local /srv/mail\n", CONF_USES_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(c->nmounts, 4);
	CU_ASSERT_STRING_EQUAL(c->mounts[1].prefix, "/mail10");
	CU_ASSERT_TRUE(c->mounts[3].local);
	resolve(c, "/mail1/12/34/tevie", "/mail1", "12/34/tevie");
	resolve(c, "/mail10/12/34/tevie", "/mail10", "12/34/tevie");
	resolve(c, "/mail1/big/01/02/bob", "/mail1/big", "01/02/bob");
	resolve(c, "/mail1/bigger/x", "/mail1", "bigger/x");
	resolve(c, "/mail1", "/mail1", "");
	resolve(c, "/local/a", "/local", "a");
	resolve(c, "/mail2/12/34/tevie", NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "under no mount"));
	resolve(c, "/mail", NULL, NULL);
	resolve(c, "/mail1/../etc", NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a canonical"));
	resolve(c, "/mail1//x", NULL, NULL);
	resolve(c, "/mail1/x/", NULL, NULL);
	resolve(c, "/mail1/./x", NULL, NULL);
	resolve(c, "mail1/x", NULL, NULL);
	m = conf_mount_by_prefix(c, "/mail10/");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(m->url, "nfs://10.0.0.20/usr/mail10");
	CU_ASSERT_PTR_NULL(conf_mount_by_prefix(c, "/mail"));
	conf_free(&c);
	c = parse("mount / /srv\nmount /a nfs://h/a\n", CONF_USES_ALL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	resolve(c, "/b/c", "/", "b/c");
	resolve(c, "/a/c", "/a", "c");
	resolve(c, "/ab", "/", "ab");
	conf_free(&c);
}

static void
test_plaintext(void)
{
	static const struct {
		const char		*text;
		enum conf_plaintext	 want;
	} cases[] = {
		{ "", CONF_PLAIN_LOOPBACK },
		{ "pop3_plaintext loopback\n", CONF_PLAIN_LOOPBACK },
		{ "pop3_plaintext tls\n", CONF_PLAIN_TLS },
		{ "pop3_plaintext always\n", CONF_PLAIN_ALWAYS },
	};
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = parse(cases[i].text, CONF_USES_POP3D);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		CU_ASSERT_EQUAL(c->pop3_plaintext, cases[i].want);
		conf_free(&c);
	}
	refuse("pop3_plaintext never\n", CONF_USES_POP3D,
	    "test.conf:1: pop3_plaintext: ");
	refuse("\npop3_plaintext\n", CONF_USES_POP3D,
	    "test.conf:2: pop3_plaintext: ");
}

static void
test_canonical(void)
{
	CU_ASSERT_TRUE(conf_path_canonical("/"));
	CU_ASSERT_TRUE(conf_path_canonical("/a/b.c/..d"));
	CU_ASSERT_FALSE(conf_path_canonical(""));
	CU_ASSERT_FALSE(conf_path_canonical("a"));
	CU_ASSERT_FALSE(conf_path_canonical("/a/"));
	CU_ASSERT_FALSE(conf_path_canonical("/a//b"));
	CU_ASSERT_FALSE(conf_path_canonical("/a/./b"));
	CU_ASSERT_FALSE(conf_path_canonical("/a/.."));
}

static int
suite_conf(void)
{
	static const struct unit_test tests[] = {
		{ "the issue's example", test_example },
		{ "defaults", test_defaults },
		{ "numbers, sizes and log levels", test_numbers_and_levels },
		{ "comments, domain and address lists",
		    test_comments_and_lists },
		{ "errors name file, line and key", test_errors },
		{ "mount line errors", test_mount_errors },
		{ "a program's keys; unknown keys", test_uses_mask },
		{ "conf_load reads a file", test_load_file },
		{ "mounts: longest prefix, boundaries", test_mounts },
		{ "canonical paths", test_canonical },
		{ "pop3_plaintext", test_plaintext },
		{ NULL, NULL },
	};

	return unit_add_suite("conf", tests);
}

UNIT_REGISTER(suite_conf);
