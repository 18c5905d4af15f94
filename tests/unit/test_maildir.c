/*
 * test_maildir.c - the Maildir store: unique names (format, uniqueness,
 * ,S= sizes), flags, UIDLs, the TOP filter, and the whole API on the
 * local backend in a temporary directory: provisioning, delivery
 * (one-shot and streamed), listing, reading, TOP, flags, deletion, tmp/
 * cleanup, and failures that must leave nothing in new/.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir.h"
#include "unit.h"

#define NUNIQ		10000
#define HOME		"12/34/tevie"
#define USER_UID	2001	/* when the tests run as root */
#define OTHER_UID	2002
#define BIG_SIZE	(200 * 1024 + 17)	/* several staging buffers */

static char tdir[64];
static uint32_t uid, gid;

/* ------------------------------------------------------------ names */

static void
test_uniq_format(void)
{
	char buf[128], host[64];
	long long sec;
	long usec, pid;
	unsigned long q;

	CU_ASSERT_EQUAL(maildir_uniq_format(buf, sizeof(buf), 1700000000,
	    42, 1234, 7, "mx1.example"), MAILDIR_OK);
	CU_ASSERT_STRING_EQUAL(buf, "1700000000.M42P1234Q7.mx1.example");
	CU_ASSERT_EQUAL(maildir_uniq_format(buf, 10, 1700000000, 42, 1234,
	    7, "mx1.example"), MAILDIR_ETOOBIG);

	CU_ASSERT_EQUAL(maildir_set_hostname("a/b:c"), MAILDIR_OK);
	CU_ASSERT_EQUAL(maildir_uniq(buf, sizeof(buf)), MAILDIR_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, ".a\\057b\\072c"));
	CU_ASSERT_EQUAL(maildir_set_hostname(""), MAILDIR_EINVAL);
	CU_ASSERT_EQUAL(maildir_set_hostname("bad host"), MAILDIR_EINVAL);
	CU_ASSERT_EQUAL(maildir_set_hostname("unit.example"), MAILDIR_OK);
	CU_ASSERT_EQUAL(maildir_uniq(buf, sizeof(buf)), MAILDIR_OK);
	CU_ASSERT_EQUAL(sscanf(buf, "%lld.M%ldP%ldQ%lu.%63s", &sec, &usec,
	    &pid, &q, host), 5);
	CU_ASSERT(usec >= 0 && usec < 1000000);
	CU_ASSERT_EQUAL(pid, (long)getpid());
	CU_ASSERT(q > 0);
	CU_ASSERT_STRING_EQUAL(host, "unit.example");
	CU_ASSERT(sec > 1600000000LL);
	CU_ASSERT_PTR_NULL(strchr(buf, ':'));
	CU_ASSERT_PTR_NULL(strchr(buf, '/'));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_uniq_unique(void)
{
	char **v, buf[128];
	size_t i, dups = 0;

	v = calloc(NUNIQ, sizeof(*v));
	CU_ASSERT_FATAL(v != NULL);
	for (i = 0; i < NUNIQ; i++) {
		CU_ASSERT_EQUAL(maildir_uniq(buf, sizeof(buf)), MAILDIR_OK);
		v[i] = strdup(buf);
		CU_ASSERT_FATAL(v[i] != NULL);
	}
	qsort(v, NUNIQ, sizeof(*v), cmp_str);
	for (i = 1; i < NUNIQ; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			dups++;
	CU_ASSERT_EQUAL(dups, 0);
	for (i = 0; i < NUNIQ; i++)
		free(v[i]);
	free(v);
}

static void
test_name_size(void)
{
	uint64_t sz = 0;

	CU_ASSERT(maildir_name_size("1.M2P3Q4.h,S=1234", &sz));
	CU_ASSERT_EQUAL(sz, 1234);
	CU_ASSERT(maildir_name_size("1.M2P3Q4.h,S=77:2,S", &sz));
	CU_ASSERT_EQUAL(sz, 77);
	CU_ASSERT(maildir_name_size("1.M2P3Q4.h,S=5,W=7:2,", &sz));
	CU_ASSERT_EQUAL(sz, 5);
	CU_ASSERT_FALSE(maildir_name_size("1.M2P3Q4.h", &sz));
	CU_ASSERT_FALSE(maildir_name_size("1.M2P3Q4.h,S=abc", &sz));
	CU_ASSERT_FALSE(maildir_name_size("1.M2P3Q4.h,S=12x", &sz));
	CU_ASSERT_FALSE(maildir_name_size("1.M2P3Q4.h:2,S=12", &sz));
}

static void
test_flags(void)
{
	char buf[16];
	unsigned f;

	CU_ASSERT_EQUAL(maildir_flags_parse("u:2,FRS", &f), MAILDIR_OK);
	CU_ASSERT_EQUAL(f, MAILDIR_F_FLAGGED | MAILDIR_F_REPLIED |
	    MAILDIR_F_SEEN);
	CU_ASSERT_EQUAL(maildir_flags_parse("u", &f), MAILDIR_OK);
	CU_ASSERT_EQUAL(f, 0);
	CU_ASSERT_EQUAL(maildir_flags_parse("u:2,", &f), MAILDIR_OK);
	CU_ASSERT_EQUAL(f, 0);
	CU_ASSERT_EQUAL(maildir_flags_parse("u:2,DPTxa", &f), MAILDIR_OK);
	CU_ASSERT_EQUAL(f, MAILDIR_F_DRAFT | MAILDIR_F_PASSED |
	    MAILDIR_F_TRASHED);
	CU_ASSERT_EQUAL(maildir_flags_parse("u:1,S", &f), MAILDIR_EINVAL);

	CU_ASSERT_EQUAL(maildir_flags_format(MAILDIR_F_ALL, buf,
	    sizeof(buf)), MAILDIR_OK);
	CU_ASSERT_STRING_EQUAL(buf, "2,DFPRST");
	CU_ASSERT_EQUAL(maildir_flags_format(MAILDIR_F_SEEN |
	    MAILDIR_F_REPLIED, buf, sizeof(buf)), MAILDIR_OK);
	CU_ASSERT_STRING_EQUAL(buf, "2,RS");
	CU_ASSERT_EQUAL(maildir_flags_format(0, buf, sizeof(buf)),
	    MAILDIR_OK);
	CU_ASSERT_STRING_EQUAL(buf, "2,");
	CU_ASSERT_EQUAL(maildir_flags_format(MAILDIR_F_ALL, buf, 5),
	    MAILDIR_ETOOBIG);
}

static void
test_uidl(void)
{
	char buf[80], longname[200];
	size_t i;

	CU_ASSERT_EQUAL(maildir_uidl("1.M2P3Q4.h,S=5:2,S", buf, sizeof(buf)),
	    MAILDIR_OK);
	CU_ASSERT_STRING_EQUAL(buf, "1.M2P3Q4.h,S=5");
	CU_ASSERT_EQUAL(maildir_uidl("1.M2P3Q4.h,S=5", buf, sizeof(buf)),
	    MAILDIR_OK);
	CU_ASSERT_STRING_EQUAL(buf, "1.M2P3Q4.h,S=5");
	memset(longname, 'x', 100);
	(void)snprintf(longname + 100, 100, ":2,S");
	CU_ASSERT_EQUAL(maildir_uidl(longname, buf, sizeof(buf)), MAILDIR_OK);
	CU_ASSERT_EQUAL(strlen(buf), 64);
	for (i = 0; i < strlen(buf); i++)
		CU_ASSERT(strchr("0123456789abcdef", buf[i]) != NULL);
	CU_ASSERT_EQUAL(maildir_uidl(":2,S", buf, sizeof(buf)),
	    MAILDIR_EINVAL);
}

/* ------------------------------------------------------------ TOP */

/* What TOP passes of msg, fed in pieces of step bytes. */
static void
top_of(const char *msg, unsigned long lines, size_t step, char *out,
    size_t outlen)
{
	struct maildir_topf t;
	size_t off = 0, n, k, len = strlen(msg), o = 0;

	maildir_topf_init(&t, lines);
	while (off < len && !t.done) {
		n = len - off < step ? len - off : step;
		k = maildir_topf_feed(&t, msg + off, n);
		CU_ASSERT(k <= n);
		if (o + k < outlen) {
			memcpy(out + o, msg + off, k);
			o += k;
		}
		off += n;
	}
	out[o] = '\0';
}

static void
check_top(const char *msg, unsigned long lines, const char *want)
{
	static const size_t steps[] = { 1, 2, 3, 7, 4096 };
	char out[512];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		top_of(msg, lines, steps[i], out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, want);
	}
}

static void
test_top(void)
{
	const char *crlf = "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n\r\nl4\r\n";
	const char *lf = "A: 1\nB: 2\n\nl1\nl2\n";

	check_top(crlf, 0, "A: 1\r\nB: 2\r\n\r\n");
	check_top(crlf, 1, "A: 1\r\nB: 2\r\n\r\nl1\r\n");
	check_top(crlf, 3, "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n\r\n");
	check_top(crlf, 100, crlf);
	check_top(lf, 0, "A: 1\nB: 2\n\n");
	check_top(lf, 2, lf);
	/* No body at all, or a last line without its newline. */
	check_top("A: 1\r\nB: 2\r\n", 5, "A: 1\r\nB: 2\r\n");
	check_top("A: 1\n\nx", 5, "A: 1\n\nx");
	/* A line with only spaces is not the empty line. */
	check_top("A: 1\n \nB: 2\n\nb\n", 0, "A: 1\n \nB: 2\n\n");
}

/* ------------------------------------------------------------ local */

static int
setup_local(void)
{
	(void)snprintf(tdir, sizeof(tdir), "/tmp/maildir-unit.XXXXXX");
	if (mkdtemp(tdir) == NULL)
		return -1;
	if (chmod(tdir, 0755) == -1)
		return -1;
	if (geteuid() == 0) {
		uid = USER_UID;
		gid = USER_UID;
	} else {
		uid = getuid();
		gid = getgid();
	}
	return 0;
}

static int
remove_tree(const char *path)
{
	char cmd[128];
	int n;

	n = snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown_local(void)
{
	return remove_tree(tdir);
}

/* Entries in tdir/HOME/Maildir/sub, -1 if it cannot be read. */
static int
count(const char *sub)
{
	char path[256];
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)snprintf(path, sizeof(path), "%s/%s/Maildir/%s", tdir, HOME,
	    sub);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static struct maildir_store *
store(void)
{
	struct maildir_store *s;
	char err[MAILDIR_ERRLEN];

	s = maildir_store_open(tdir, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(s);
	return s;
}

static void
test_create(void)
{
	static const char *const dirs[] = { "", "/Maildir", "/Maildir/tmp",
	    "/Maildir/new", "/Maildir/cur" };
	struct maildir_store *s;
	char err[MAILDIR_ERRLEN], path[256];
	struct stat st;
	size_t i;

	if ((s = store()) == NULL)
		return;
	CU_ASSERT_EQUAL(maildir_create(s, "../x", uid, gid, err,
	    sizeof(err)), MAILDIR_EINVAL);
	CU_ASSERT_EQUAL(maildir_create(s, HOME, uid, gid, err, sizeof(err)),
	    MAILDIR_OK);
	/* Again: nothing to do, still fine. */
	CU_ASSERT_EQUAL(maildir_create(s, HOME, uid, gid, err, sizeof(err)),
	    MAILDIR_OK);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s%s", tdir, HOME,
		    dirs[i]);
		CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
		CU_ASSERT(S_ISDIR(st.st_mode));
		CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
		CU_ASSERT_EQUAL(st.st_uid, uid);
		CU_ASSERT_EQUAL(st.st_gid, gid);
	}
	(void)snprintf(path, sizeof(path), "%s/12", tdir);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0755);
	maildir_store_close(&s);
	CU_ASSERT_PTR_NULL(s);
}

struct sink {
	char	*buf;
	size_t	 n;
	size_t	 cap;
	int	 calls;
};

static int
to_sink(const void *buf, size_t len, void *arg)
{
	struct sink *k = arg;

	if (k->n + len > k->cap)
		return -1;
	memcpy(k->buf + k->n, buf, len);
	k->n += len;
	k->calls++;
	return 0;
}

static char *
big_message(size_t size)
{
	char *m;
	size_t i;

	if ((m = malloc(size)) == NULL)
		return NULL;
	i = (size_t)snprintf(m, size, "Subject: big\r\n\r\n");
	for (; i < size; i++)
		m[i] = (i % 61 == 60) ? '\n' : (char)('a' + i % 26);
	return m;
}

static void
test_deliver_read(void)
{
	const char *small = "From: a@b\r\nSubject: hi\r\n\r\nline 1\r\n"
	    "line 2\r\nline 3\r\n";
	struct maildir_store *s;
	struct maildir *md;
	struct maildir_delivery *d;
	struct maildir_list l;
	struct maildir_msg *m, *bigm = NULL, *sm = NULL;
	struct sink k;
	char err[MAILDIR_ERRLEN], name[MAILDIR_NAME_MAX + 1];
	char *big;
	uint64_t sz;
	size_t i;

	if ((s = store()) == NULL)
		return;
	CU_ASSERT_EQUAL(maildir_create(s, HOME, uid, gid, err, sizeof(err)),
	    MAILDIR_OK);
	md = maildir_open(s, HOME, uid, gid, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_PTR_NULL(maildir_open(s, "/abs", uid, gid, err,
	    sizeof(err)));

	/* One shot. */
	CU_ASSERT_EQUAL(maildir_deliver(md, small, strlen(small), name,
	    sizeof(name)), MAILDIR_OK);
	CU_ASSERT(maildir_name_size(name, &sz));
	CU_ASSERT_EQUAL(sz, strlen(small));
	/* Streamed, in odd pieces over several staging buffers. */
	big = big_message(BIG_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	d = maildir_deliver_begin(md);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (i = 0; i < BIG_SIZE; i += 999)
		CU_ASSERT_EQUAL(maildir_deliver_write(d, big + i,
		    BIG_SIZE - i < 999 ? BIG_SIZE - i : 999), MAILDIR_OK);
	CU_ASSERT_EQUAL(maildir_deliver_commit(&d, name, sizeof(name)),
	    MAILDIR_OK);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT(maildir_name_size(name, &sz));
	CU_ASSERT_EQUAL(sz, BIG_SIZE);
	CU_ASSERT_EQUAL(count("new"), 2);
	CU_ASSERT_EQUAL(count("tmp"), 0);

	CU_ASSERT_EQUAL_FATAL(maildir_list(md, &l, 0), MAILDIR_OK);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	for (i = 0; i < l.n; i++) {
		m = &l.msgs[i];
		CU_ASSERT_EQUAL(m->sub, MAILDIR_NEW);
		CU_ASSERT_EQUAL(m->flags, 0);
		if (m->size == BIG_SIZE)
			bigm = m;
		else if (m->size == strlen(small))
			sm = m;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(bigm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sm);

	/* Read back whole, in pieces. */
	k.cap = BIG_SIZE + 1;
	k.buf = malloc(k.cap);
	k.n = 0;
	k.calls = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(k.buf);
	CU_ASSERT_EQUAL(maildir_read(md, bigm, to_sink, &k), MAILDIR_OK);
	CU_ASSERT_EQUAL(k.n, BIG_SIZE);
	CU_ASSERT(k.calls > 1);
	CU_ASSERT(memcmp(k.buf, big, BIG_SIZE) == 0);
	/* TOP 1 of the small one. */
	k.n = 0;
	CU_ASSERT_EQUAL(maildir_top(md, sm, 1, to_sink, &k), MAILDIR_OK);
	CU_ASSERT_EQUAL(k.n, strlen("From: a@b\r\nSubject: hi\r\n\r\n"
	    "line 1\r\n"));
	CU_ASSERT(memcmp(k.buf, small, k.n) == 0);
	/* A callback's non-zero value stops the read and comes back. */
	k.n = 0;
	k.cap = 10;
	CU_ASSERT_EQUAL(maildir_read(md, bigm, to_sink, &k), -1);
	k.cap = BIG_SIZE + 1;

	/* Seen: moved to cur/ with :2,S. */
	CU_ASSERT_EQUAL(maildir_set_flags(md, sm, MAILDIR_F_SEEN), MAILDIR_OK);
	CU_ASSERT_EQUAL(sm->sub, MAILDIR_CUR);
	CU_ASSERT_PTR_NOT_NULL(strstr(sm->name, ":2,S"));
	CU_ASSERT_EQUAL(count("new"), 1);
	CU_ASSERT_EQUAL(count("cur"), 1);
	maildir_list_free(&l);

	CU_ASSERT_EQUAL_FATAL(maildir_list(md, &l, 0), MAILDIR_OK);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	for (i = 0; i < l.n; i++) {
		m = &l.msgs[i];
		if (m->sub == MAILDIR_CUR) {
			CU_ASSERT_EQUAL(m->flags, MAILDIR_F_SEEN);
			CU_ASSERT_EQUAL(m->size, strlen(small));
		}
	}
	maildir_list_free(&l);
	CU_ASSERT_EQUAL(maildir_list(md, &l, 1), MAILDIR_ETOOBIG);
	CU_ASSERT_EQUAL(l.n, 0);

	/*
	 * Another session moves the big one to cur/: reading and deleting
	 * through the stale listing still find it by its unique part.
	 */
	CU_ASSERT_EQUAL_FATAL(maildir_list(md, &l, 0), MAILDIR_OK);
	for (i = 0; i < l.n; i++)
		if (l.msgs[i].sub == MAILDIR_NEW)
			bigm = &l.msgs[i];
	{
		struct maildir_list l2;

		CU_ASSERT_EQUAL_FATAL(maildir_list(md, &l2, 0), MAILDIR_OK);
		for (i = 0; i < l2.n; i++)
			if (l2.msgs[i].sub == MAILDIR_NEW)
				CU_ASSERT_EQUAL(maildir_set_flags(md,
				    &l2.msgs[i], MAILDIR_F_REPLIED),
				    MAILDIR_OK);
		maildir_list_free(&l2);
	}
	CU_ASSERT_EQUAL(count("new"), 0);
	k.n = 0;
	CU_ASSERT_EQUAL(maildir_read(md, bigm, to_sink, &k), MAILDIR_OK);
	CU_ASSERT_EQUAL(k.n, BIG_SIZE);
	CU_ASSERT_EQUAL(maildir_set_flags(md, bigm, MAILDIR_F_SEEN |
	    MAILDIR_F_REPLIED), MAILDIR_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(bigm->name, ":2,RS"));
	CU_ASSERT_EQUAL(maildir_delete(md, bigm), MAILDIR_OK);
	CU_ASSERT_EQUAL(count("cur"), 1);
	/* Deleting it again: gone already, fine. */
	CU_ASSERT_EQUAL(maildir_delete(md, bigm), MAILDIR_OK);
	for (i = 0; i < l.n; i++)
		CU_ASSERT_EQUAL(maildir_delete(md, &l.msgs[i]), MAILDIR_OK);
	CU_ASSERT_EQUAL(count("cur"), 0);
	CU_ASSERT_EQUAL(count("new"), 0);
	maildir_list_free(&l);

	free(k.buf);
	free(big);
	maildir_close(&md);
	maildir_store_close(&s);
}

/* A file in tmp/ last modified age seconds ago. */
static void
make_tmp(const char *name, time_t age)
{
	struct timespec ts[2];
	char path[256];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s/Maildir/tmp/%s", tdir, HOME,
	    name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd != -1);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	CU_ASSERT_EQUAL(futimens(fd, ts), 0);
	CU_ASSERT_EQUAL(fchown(fd, uid, gid), 0);
	close(fd);
}

static void
test_clean_tmp(void)
{
	struct maildir_store *s;
	struct maildir *md;
	char err[MAILDIR_ERRLEN];
	unsigned removed = 99;

	if ((s = store()) == NULL)
		return;
	CU_ASSERT_EQUAL(maildir_create(s, HOME, uid, gid, err, sizeof(err)),
	    MAILDIR_OK);
	md = maildir_open(s, HOME, uid, gid, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	make_tmp("old1", 40 * 3600);
	make_tmp("old2", 100 * 24 * 3600);
	make_tmp("young", 35 * 3600);
	make_tmp("fresh", 0);
	CU_ASSERT_EQUAL(maildir_clean_tmp(md, time(NULL), &removed),
	    MAILDIR_OK);
	CU_ASSERT_EQUAL(removed, 2);
	CU_ASSERT_EQUAL(count("tmp"), 2);
	/* A day later the 35-hour one goes too. */
	CU_ASSERT_EQUAL(maildir_clean_tmp(md, time(NULL) + 24 * 3600,
	    &removed), MAILDIR_OK);
	CU_ASSERT_EQUAL(removed, 1);
	CU_ASSERT_EQUAL(count("tmp"), 1);
	CU_ASSERT_EQUAL(maildir_clean_tmp(md, time(NULL) + 48 * 3600,
	    &removed), MAILDIR_OK);
	CU_ASSERT_EQUAL(count("tmp"), 0);
	maildir_close(&md);
	maildir_store_close(&s);
}

static void
set_mode(const char *sub, mode_t mode)
{
	char path[256];

	(void)snprintf(path, sizeof(path), "%s/%s/Maildir/%s", tdir, HOME,
	    sub);
	CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

static void
test_failures(void)
{
	struct maildir_store *s;
	struct maildir *md, *other, *none;
	struct maildir_delivery *d;
	char err[MAILDIR_ERRLEN];

	if ((s = store()) == NULL)
		return;
	CU_ASSERT_PTR_NULL(maildir_store_open("relative/path", err,
	    sizeof(err)));
	CU_ASSERT_PTR_NULL(maildir_store_open("/nonexistent/dir/x", err,
	    sizeof(err)));
	CU_ASSERT_EQUAL(maildir_create(s, HOME, uid, gid, err, sizeof(err)),
	    MAILDIR_OK);
	md = maildir_open(s, HOME, uid, gid, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);

	/* Abort: nothing anywhere. */
	d = maildir_deliver_begin(md);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(maildir_deliver_write(d, "x\r\n", 3), MAILDIR_OK);
	CU_ASSERT_EQUAL(count("tmp"), 1);
	maildir_deliver_abort(&d);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(count("tmp"), 0);
	CU_ASSERT_EQUAL(count("new"), 0);

	/* No Maildir there. */
	none = maildir_open(s, "no/such/user", uid, gid, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(none);
	CU_ASSERT_EQUAL(maildir_deliver(none, "x", 1, NULL, 0),
	    MAILDIR_ENOENT);
	CU_ASSERT(strlen(maildir_error(none)) > 0);
	maildir_close(&none);

	/* new/ not writable: the move fails, tmp/ is cleaned up. */
	set_mode("new", 0500);
	if (geteuid() == 0 || uid == getuid()) {
		CU_ASSERT_EQUAL(maildir_deliver(md, "x", 1, NULL, 0),
		    MAILDIR_EPERM);
		CU_ASSERT_PTR_NOT_NULL(strstr(maildir_error(md), "rename"));
		CU_ASSERT_EQUAL(count("tmp"), 0);
		CU_ASSERT_EQUAL(count("new"), 0);
	}
	set_mode("new", 0700);

	/* tmp/ not writable: nothing is created at all. */
	set_mode("tmp", 0500);
	CU_ASSERT_PTR_NULL(maildir_deliver_begin(md));
	CU_ASSERT_EQUAL(count("new"), 0);
	set_mode("tmp", 0700);

	/* Another user's credentials (only root can act as others). */
	if (geteuid() == 0) {
		other = maildir_open(s, HOME, OTHER_UID, OTHER_UID, err,
		    sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(other);
		CU_ASSERT_EQUAL(maildir_deliver(other, "x", 1, NULL, 0),
		    MAILDIR_EPERM);
		CU_ASSERT_EQUAL(count("new"), 0);
		CU_ASSERT_EQUAL(count("tmp"), 0);
		maildir_close(&other);
		/* And we are root again afterwards. */
		CU_ASSERT_EQUAL(access(tdir, W_OK), 0);
	}
	CU_ASSERT_EQUAL(maildir_deliver(md, "ok\r\n", 4, NULL, 0),
	    MAILDIR_OK);
	CU_ASSERT_EQUAL(count("new"), 1);
	maildir_close(&md);
	maildir_store_close(&s);
}

static void
test_avail(void)
{
	struct maildir_store *s;
	char err[MAILDIR_ERRLEN];
	uint64_t avail = 0;

	if ((s = store()) == NULL)
		return;
	CU_ASSERT_EQUAL(maildir_store_avail(s, &avail, err, sizeof(err)),
	    MAILDIR_OK);
	CU_ASSERT(avail > 0);
	CU_ASSERT_STRING_EQUAL(maildir_store_url(s), tdir);
	CU_ASSERT_STRING_EQUAL(maildir_strstatus(MAILDIR_ENOSPC),
	    "MAILDIR_ENOSPC");
	maildir_store_close(&s);
}

static const struct unit_test name_tests[] = {
	{ "unique name format", test_uniq_format },
	{ "10000 unique names", test_uniq_unique },
	{ ",S= sizes", test_name_size },
	{ "flags", test_flags },
	{ "UIDL", test_uidl },
	{ "TOP filter", test_top },
	{ NULL, NULL },
};

static const struct unit_test local_tests[] = {
	{ "create", test_create },
	{ "deliver, list, read, top, flags, delete", test_deliver_read },
	{ "tmp cleanup", test_clean_tmp },
	{ "failures leave nothing in new/", test_failures },
	{ "store space and names", test_avail },
	{ NULL, NULL },
};

static int
suite_maildir(void)
{
	if (unit_add_suite("maildir names", name_tests) != 0)
		return -1;
	return unit_add_fixture("maildir local store", setup_local,
	    teardown_local, local_tests);
}

UNIT_REGISTER(suite_maildir);
