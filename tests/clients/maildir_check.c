/*
 * maildir_check.c - drives the Maildir store against a real store for
 * tests/integration/test_maildir_store.sh:
 *
 *	maildir_check create URL HOME UID GID
 *	maildir_check deliver URL HOME UID GID N [PAUSE_AT PAUSE_DIR]
 *	maildir_check verify URL HOME UID GID N
 *	maildir_check seen-delete URL HOME UID GID
 *	maildir_check deny URL HOME UID GID
 *
 * Message i (1..N) is generated from i alone (some of them larger than
 * the store's staging buffer, some with bare LF line ends or none after
 * the last line), so verify can regenerate and compare it, check the
 * CRLF size in its name (,W=), and count each one: none may be lost or
 * doubled.  deliver retries a
 * failed delivery (as an MTA would) a few times; with PAUSE_AT it stops
 * half-way through writing that message, creates PAUSE_DIR/paused and
 * waits for PAUSE_DIR/resume (the script restarts the server
 * meanwhile).  deny expects every write and read as UID:GID to be
 * refused.  Exit status 0 when all is well, 1 otherwise.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"

#define MSG_MAX		(512 * 1024)
#define N_MAX		100000
#define BIG_EVERY	50	/* every 50th message is a big one */
#define BIG_LINES	6000	/* 150 KB: over two staging buffers */
#define DELIVER_TRIES	3
#define PAUSE_WAIT_S	120
#define TOP_LINES	2
#define HEADER_LINES	4	/* in gen() below */
#define BARE_LF_EVERY	3	/* body lines end in a bare LF */
#define NO_EOL_EVERY	7	/* no line end after the last line */
#define CR_END_EVERY	11	/* the last line ends in a lone CR */

static const char *prog = "maildir_check";

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned long
num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max)
		die("bad number %s", s);
	return v;
}

/* Message i, into buf; its length. */
static size_t
gen(unsigned long i, char *buf, size_t len)
{
	size_t n, lines, j;
	int r;

	r = snprintf(buf, len, "From: check@example\r\nTo: user@example\r\n"
	    "Subject: message %lu\r\nX-Seq: %lu\r\n\r\n", i, i);
	n = (size_t)r;
	lines = i % BIG_EVERY == 0 ? BIG_LINES : (i * 37) % 200 + 1;
	for (j = 1; j <= lines; j++) {
		r = snprintf(buf + n, len - n, "line %zu of message %lu%s",
		    j, i, i % BARE_LF_EVERY == 0 ? "\n" : "\r\n");
		if (r < 0 || (size_t)r >= len - n)
			break;
		n += (size_t)r;
	}
	/* Some end without a line end, some in a lone CR. */
	if (i % NO_EOL_EVERY == 0)
		n -= i % BARE_LF_EVERY == 0 ? 1 : 2;
	else if (i % CR_END_EVERY == 0)
		n -= 1;
	return n;
}

/*
 * What POP3 sends for msg (RFC 1939 size): every line end a CRLF, the
 * last line ended.  Done here the slow way, to check ,W= against.
 */
static uint64_t
crlf_size(const char *msg, size_t len)
{
	uint64_t out = 0;
	size_t i;

	for (i = 0; i < len; i++)
		out += msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r') ? 2 : 1;
	if (len > 0 && msg[len - 1] != '\n')
		out += msg[len - 1] == '\r' ? 1 : 2;
	return out;
}

static struct maildir_store *
store(const char *url)
{
	struct maildir_store *s;
	char err[MAILDIR_ERRLEN];

	if ((s = maildir_store_open(url, err, sizeof(err))) == NULL)
		die("%s: %s", url, err);
	return s;
}

static struct maildir *
mailbox(struct maildir_store *s, const char *home, const char *uid,
    const char *gid)
{
	struct maildir *md;
	char err[MAILDIR_ERRLEN];

	md = maildir_open(s, home, (uint32_t)num(uid, UINT32_MAX),
	    (uint32_t)num(gid, UINT32_MAX), err, sizeof(err));
	if (md == NULL)
		die("%s: %s", home, err);
	return md;
}

static int
cmd_create(char **av)
{
	struct maildir_store *s = store(av[0]);
	char err[MAILDIR_ERRLEN];

	if (maildir_create(s, av[1], (uint32_t)num(av[2], UINT32_MAX),
	    (uint32_t)num(av[3], UINT32_MAX), err, sizeof(err)) != MAILDIR_OK)
		die("create: %s", err);
	maildir_store_close(&s);
	printf("created %s\n", av[1]);
	return 0;
}

static void
touch(const char *dir, const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fclose(f) != 0)
		die("cannot create %s", path);
}

static void
await(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int i;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (i = 0; i < PAUSE_WAIT_S * 10; i++) {
		if (stat(path, &st) == 0)
			return;
		usleep(100 * 1000);
	}
	die("gave up waiting for %s", path);
}

/* One delivery, streamed in two halves, pausing between them if asked. */
static int
deliver_one(struct maildir *md, const char *msg, size_t len,
    const char *pausedir)
{
	struct maildir_delivery *d;
	int r;

	if ((d = maildir_deliver_begin(md)) == NULL)
		return -1;
	if ((r = maildir_deliver_write(d, msg, len / 2)) != MAILDIR_OK) {
		maildir_deliver_abort(&d);
		return r;
	}
	if (pausedir != NULL) {
		touch(pausedir, "paused");
		fprintf(stderr, "%s: paused half-way through a delivery\n",
		    prog);
		await(pausedir, "resume");
	}
	if ((r = maildir_deliver_write(d, msg + len / 2, len - len / 2)) !=
	    MAILDIR_OK) {
		maildir_deliver_abort(&d);
		return r;
	}
	return maildir_deliver_commit(&d, NULL, 0);
}

static int
cmd_deliver(char **av, int ac)
{
	struct maildir_store *s = store(av[0]);
	struct maildir *md = mailbox(s, av[1], av[2], av[3]);
	unsigned long n, i, pause_at = 0, retries = 0;
	const char *pausedir = NULL;
	char *buf;
	size_t len;
	int t, r;

	n = num(av[4], N_MAX);
	if (ac == 7) {
		pause_at = num(av[5], N_MAX);
		pausedir = av[6];
	}
	if ((buf = malloc(MSG_MAX)) == NULL)
		die("out of memory");
	for (i = 1; i <= n; i++) {
		len = gen(i, buf, MSG_MAX);
		for (t = 0; t < DELIVER_TRIES; t++) {
			r = deliver_one(md, buf, len,
			    i == pause_at && t == 0 ? pausedir : NULL);
			if (r == MAILDIR_OK)
				break;
			fprintf(stderr, "%s: message %lu: %s (%s), retrying\n",
			    prog, i, maildir_error(md), maildir_strstatus(r));
			retries++;
		}
		if (t == DELIVER_TRIES)
			die("message %lu: %s", i, maildir_error(md));
	}
	printf("delivered %lu messages, %lu retries\n", n, retries);
	free(buf);
	maildir_close(&md);
	maildir_store_close(&s);
	return 0;
}

struct sink {
	char	*buf;
	size_t	 n;
};

static int
to_sink(const void *buf, size_t len, void *arg)
{
	struct sink *k = arg;

	if (k->n + len > MSG_MAX)
		return -1;
	memcpy(k->buf + k->n, buf, len);
	k->n += len;
	return 0;
}

/* The length of the header, the empty line and lines body lines. */
static size_t
top_len(const char *msg, size_t len, unsigned long lines)
{
	unsigned long nl = 0, want = HEADER_LINES + 1 + lines;
	size_t i;

	for (i = 0; i < len; i++)
		if (msg[i] == '\n' && ++nl == want)
			return i + 1;
	return len;
}

static int
check_msg(struct maildir *md, const struct maildir_msg *m, char *want,
    struct sink *k, unsigned char *seen, unsigned long n)
{
	const char *p;
	unsigned long i;
	size_t wlen;
	int r;

	k->n = 0;
	if ((r = maildir_read(md, m, to_sink, k)) != MAILDIR_OK) {
		fprintf(stderr, "read %s: %s\n", m->name, maildir_error(md));
		return -1;
	}
	if ((p = memmem(k->buf, k->n, "X-Seq: ", 7)) == NULL) {
		fprintf(stderr, "%s: no X-Seq\n", m->name);
		return -1;
	}
	i = strtoul(p + 7, NULL, 10);
	if (i < 1 || i > n) {
		fprintf(stderr, "%s: X-Seq %lu out of range\n", m->name, i);
		return -1;
	}
	seen[i]++;
	wlen = gen(i, want, MSG_MAX);
	if (k->n != wlen || memcmp(k->buf, want, wlen) != 0 ||
	    m->size != wlen) {
		fprintf(stderr, "%s: message %lu differs (%zu/%llu bytes, "
		    "want %zu)\n", m->name, i, k->n,
		    (unsigned long long)m->size, wlen);
		return -1;
	}
	if (!m->vsized || m->vsize != crlf_size(want, wlen)) {
		fprintf(stderr, "%s: message %lu: no ,W= or not its CRLF "
		    "size %llu\n", m->name, i,
		    (unsigned long long)crlf_size(want, wlen));
		return -1;
	}
	k->n = 0;
	if ((r = maildir_top(md, m, TOP_LINES, to_sink, k)) != MAILDIR_OK ||
	    k->n != top_len(want, wlen, TOP_LINES) ||
	    memcmp(k->buf, want, k->n) != 0) {
		fprintf(stderr, "%s: TOP %d of message %lu is wrong\n",
		    m->name, TOP_LINES, i);
		return -1;
	}
	return 0;
}

static int
cmd_verify(char **av)
{
	struct maildir_store *s = store(av[0]);
	struct maildir *md = mailbox(s, av[1], av[2], av[3]);
	struct maildir_list l;
	struct sink k;
	unsigned char *seen;
	unsigned long n, i, lost = 0, doubled = 0, bad = 0;
	char *want;

	n = num(av[4], N_MAX);
	if (maildir_list(md, &l, 0) != MAILDIR_OK)
		die("list: %s", maildir_error(md));
	k.buf = malloc(MSG_MAX);
	want = malloc(MSG_MAX);
	seen = calloc(n + 1, 1);
	if (k.buf == NULL || want == NULL || seen == NULL)
		die("out of memory");
	for (i = 0; i < l.n; i++)
		if (check_msg(md, &l.msgs[i], want, &k, seen, n) != 0)
			bad++;
	for (i = 1; i <= n; i++) {
		if (seen[i] == 0)
			lost++;
		else if (seen[i] > 1)
			doubled++;
	}
	printf("listed %zu, bad %lu, lost %lu, doubled %lu\n", l.n, bad, lost,
	    doubled);
	maildir_list_free(&l);
	free(seen);
	free(want);
	free(k.buf);
	maildir_close(&md);
	maildir_store_close(&s);
	return bad == 0 && lost == 0 && doubled == 0 ? 0 : 1;
}

static int
cmd_seen_delete(char **av)
{
	struct maildir_store *s = store(av[0]);
	struct maildir *md = mailbox(s, av[1], av[2], av[3]);
	struct maildir_list l;
	size_t i, seen = 0;
	int fails = 0;

	if (maildir_list(md, &l, 0) != MAILDIR_OK)
		die("list: %s", maildir_error(md));
	for (i = 0; i < l.n; i++)
		if (maildir_set_flags(md, &l.msgs[i], MAILDIR_F_SEEN) !=
		    MAILDIR_OK) {
			fprintf(stderr, "flag: %s\n", maildir_error(md));
			fails++;
		}
	maildir_list_free(&l);
	if (maildir_list(md, &l, 0) != MAILDIR_OK)
		die("list: %s", maildir_error(md));
	for (i = 0; i < l.n; i++)
		if (l.msgs[i].sub == MAILDIR_CUR &&
		    l.msgs[i].flags == MAILDIR_F_SEEN &&
		    strstr(l.msgs[i].name, ":2,S") != NULL)
			seen++;
	printf("seen %zu of %zu\n", seen, l.n);
	for (i = 0; i < l.n; i++)
		if (maildir_delete(md, &l.msgs[i]) != MAILDIR_OK) {
			fprintf(stderr, "delete: %s\n", maildir_error(md));
			fails++;
		}
	if (seen != l.n)
		fails++;
	maildir_list_free(&l);
	if (maildir_list(md, &l, 0) != MAILDIR_OK)
		die("list: %s", maildir_error(md));
	printf("left after delete: %zu\n", l.n);
	if (l.n != 0)
		fails++;
	maildir_list_free(&l);
	maildir_close(&md);
	maildir_store_close(&s);
	return fails == 0 ? 0 : 1;
}

static int
cmd_deny(char **av)
{
	struct maildir_store *s = store(av[0]);
	struct maildir *md = mailbox(s, av[1], av[2], av[3]);
	struct maildir_delivery *d;
	struct maildir_list l;
	int fails = 0, r;

	r = maildir_deliver(md, "x\r\n", 3, NULL, 0);
	printf("deliver as %s: %s: %s\n", av[2], maildir_strstatus(r),
	    maildir_error(md));
	if (r != MAILDIR_EPERM)
		fails++;
	if ((d = maildir_deliver_begin(md)) != NULL) {
		fails++;
		maildir_deliver_abort(&d);
	}
	r = maildir_list(md, &l, 0);
	printf("list as %s: %s\n", av[2], maildir_strstatus(r));
	if (r == MAILDIR_OK) {
		fails++;
		maildir_list_free(&l);
	}
	maildir_close(&md);
	maildir_store_close(&s);
	return fails == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "create") == 0)
		return cmd_create(argv + 2);
	if ((argc == 7 || argc == 9) && strcmp(argv[1], "deliver") == 0)
		return cmd_deliver(argv + 2, argc - 2);
	if (argc == 7 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv + 2);
	if (argc == 6 && strcmp(argv[1], "seen-delete") == 0)
		return cmd_seen_delete(argv + 2);
	if (argc == 6 && strcmp(argv[1], "deny") == 0)
		return cmd_deny(argv + 2);
	fprintf(stderr, "usage: %s create|deliver|verify|seen-delete|deny "
	    "URL HOME UID GID [N [PAUSE_AT PAUSE_DIR]]\n", prog);
	return 2;
}
