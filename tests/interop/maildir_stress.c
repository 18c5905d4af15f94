/*
 * maildir_stress.c - Maildir delivery and pickup under concurrency,
 * through libnfs (an NFSv3 client nobody here wrote).
 *
 * Writer threads deliver messages the Maildir way: create tmp/NAME
 * exclusively, write it in several WRITEs, COMMIT, check its size,
 * mode and owner, then RENAME it into new/NAME.  At the same time,
 * reader threads list new/, open each message, move it to
 * cur/NAME:2,S, read it back through the handle they opened before the
 * rename, check every byte, and REMOVE it.  Every thread has its own
 * libnfs context (its own TCP connection) and uses the synchronous API.
 *
 * It proves that every delivered message is picked up exactly once
 * (a rename out of new/ succeeds for one reader only), none is lost,
 * none is seen half-written, handles survive the rename, listings of a
 * changing directory neither fail nor repeat a name, and that tmp/,
 * new/ and cur/ are empty at the end.  Prints "ok" and "FAIL" lines;
 * exits 0 if all is well, 1 on any failure, 2 on bad usage.
 *
 * usage: maildir_stress [-w writers] [-r readers] [-n messages]
 *	      [-u uid] [-g gid] [-t seconds] [-L ms] server export [maildir]
 *
 * The maildir (default "Maildir") is created, with tmp/, new/ and
 * cur/, at the root of the export and must not exist yet.  -L fails
 * the run if any single RENAME took longer than ms milliseconds.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#define MAX_WRITERS	64
#define MAX_READERS	64
#define MAX_MESSAGES	100000
#define NAME_MAX_LEN	200
#define PATH_MAX_LEN	512
#define CHUNK		8192		/* bytes per nfs_write() */
#define BIG_EVERY	50		/* every 50th message is big */
#define BIG_SIZE	(200 * 1024)
#define MAX_BODY	(BIG_SIZE + 4096)
#define CALL_TIMEOUT_MS	10000		/* one libnfs call */
#define STALL_MS	10000		/* readers give up without progress */
#define FAIL_PRINT_MAX	25		/* FAIL lines printed per run */
#define FLAG_SUFFIX	":2,S"

struct opts {
	int		 writers;
	int		 readers;
	unsigned	 messages;
	int		 uid;		/* -1: libnfs's default */
	int		 gid;
	int		 seconds;
	long		 max_rename_ms;	/* 0: not checked */
	const char	*server;
	const char	*export;
	const char	*maildir;
};

/* What happened to one message, shared by all threads. */
struct msg {
	char		 name[NAME_MAX_LEN];
	atomic_bool	 named;		/* name is set (before CREATE) */
	atomic_bool	 delivered;	/* the writer's RENAME succeeded */
	atomic_uint	 claimed;	/* RENAMEs out of new/ that succeeded */
	atomic_bool	 verified;	/* its content read back intact */
	atomic_bool	 removed;	/* REMOVE of cur/NAME:2,S succeeded */
};

struct worker {
	pthread_t	 tid;
	int		 id;
	struct nfs_context *nfs;
	char		*buf;		/* MAX_BODY + 1 bytes */
	char		*want;
};

static struct opts	 opt = {
	.writers = 8, .readers = 2, .messages = 2000, .uid = -1, .gid = -1,
	.seconds = 45, .maildir = "Maildir",
};
static struct msg	*msgs;
static char		 host[64];
static long		 pid;
static long long	 start_ms;
static long long	 deadline_ms;

static pthread_mutex_t	 out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint	 nfails;
static atomic_uint	 ndelivered;
static atomic_uint	 nclaimed;
static atomic_uint	 nraces;	/* messages the other reader took first */
static atomic_uint	 nscans;
static atomic_int	 writers_left;
static atomic_llong	 last_progress_ms;
static pthread_mutex_t	 slow_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	long long	 ms;
	unsigned	 seq;
	const char	*which;
}			 slowest = { 0, 0, "none" };

static void	 usage(void) __attribute__((noreturn));
static void	 say(const char *, ...) __attribute__((format(printf, 1, 2)));
static void	 fail(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
usage(void)
{
	fprintf(stderr, "usage: maildir_stress [-w writers] [-r readers] "
	    "[-n messages] [-u uid] [-g gid]\n"
	    "\t[-t seconds] [-L ms] server export [maildir]\n");
	exit(2);
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* A failed check: counted always, printed for the first few. */
static void
fail(const char *fmt, ...)
{
	va_list ap;
	unsigned n;

	n = atomic_fetch_add(&nfails, 1) + 1;
	if (n > FAIL_PRINT_MAX)
		return;
	pthread_mutex_lock(&out_lock);
	fputs("FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (n == FAIL_PRINT_MAX)
		puts("FAIL (further failures are counted, not printed)");
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
past_deadline(void)
{
	return now_ms() > deadline_ms;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A path below the maildir: "/maildir/sub/name" (name may be NULL). */
static void
mkpath(char *buf, size_t len, const char *sub, const char *name,
    const char *suffix)
{
	int n;

	n = snprintf(buf, len, "/%s%s%s%s%s%s", opt.maildir,
	    sub ? "/" : "", sub ? sub : "", name ? "/" : "",
	    name ? name : "", suffix ? suffix : "");
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "maildir_stress: path too long\n");
		exit(2);
	}
}

/* -errno from libnfs, with its message. */
static const char *
nfserr(struct nfs_context *nfs, int rc, char *buf, size_t len)
{
	const char *e = nfs ? nfs_get_error(nfs) : NULL;

	snprintf(buf, len, "%s (%s)", strerror(-rc), e ? e : "no detail");
	return buf;
}

/* ------------------------------------------------------------ messages */

/*
 * The Maildir name of message seq, written by thread t:
 * "time.Ppid_Tt_Nseq.host".
 */
static void
make_name(char *buf, size_t len, int t, unsigned seq)
{
	int n;

	n = snprintf(buf, len, "%lld.P%ld_T%d_N%u.%s", (long long)time(NULL),
	    pid, t, seq, host);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "maildir_stress: name too long\n");
		exit(2);
	}
}

/* The message number in a name from make_name(), or -1. */
static long
parse_seq(const char *name)
{
	long long when;
	long p;
	int t, used = 0;
	unsigned seq;

	if (sscanf(name, "%lld.P%ld_T%d_N%u.%n", &when, &p, &t, &seq,
	    &used) != 4 || used == 0 || p != pid || seq >= opt.messages)
		return -1;
	return (long)seq;
}

static uint32_t
fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	return h;
}

static size_t
body_size(unsigned seq)
{
	if (seq % BIG_EVERY == BIG_EVERY - 1)
		return BIG_SIZE;
	return 300 + (seq * 2654435761u) % 6000;
}

/*
 * The exact bytes of message seq: headers naming it, a pseudo-random
 * body that differs per message, and a checksum line.  Returns the
 * length (at most MAX_BODY).
 */
static size_t
make_body(char *buf, unsigned seq, const char *name)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seq << 17 | seq);
	size_t n, want, col = 0;
	int h;

	h = snprintf(buf, MAX_BODY, "Return-Path: <stress@%s>\n"
	    "Message-ID: <%s@maildir-stress>\nX-Seq: %u\n"
	    "Subject: maildir stress message %u\n\n", host, name, seq, seq);
	n = (size_t)h;
	want = n + body_size(seq);
	while (n < want) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (++col == 77) {
			buf[n++] = '\n';
			col = 0;
		} else
			buf[n++] = (char)(' ' + 1 + x % 94);
	}
	buf[n++] = '\n';
	n += (size_t)snprintf(buf + n, MAX_BODY - n, "X-Checksum: %08" PRIx32
	    "\n", fnv1a(buf, n));
	return n;
}

/* ------------------------------------------------------------ contexts */

static struct nfs_context *
connect_nfs(const char *who)
{
	struct nfs_context *nfs;
	char e[512];
	int rc;

	if ((nfs = nfs_init_context()) == NULL) {
		fail("%s: nfs_init_context failed", who);
		return NULL;
	}
	if (opt.uid != -1)
		nfs_set_uid(nfs, opt.uid);
	if (opt.gid != -1)
		nfs_set_gid(nfs, opt.gid);
	nfs_set_dircache(nfs, 0);	/* every listing from the server */
	nfs_set_timeout(nfs, CALL_TIMEOUT_MS);
	if ((rc = nfs_mount(nfs, opt.server, opt.export)) != 0) {
		fail("%s: mount %s:%s: expected success, got %s", who,
		    opt.server, opt.export, nfserr(nfs, rc, e, sizeof(e)));
		nfs_destroy_context(nfs);
		return NULL;
	}
	return nfs;
}

static void
disconnect_nfs(struct nfs_context *nfs)
{
	if (nfs == NULL)
		return;
	nfs_umount(nfs);
	nfs_destroy_context(nfs);
}

/* ------------------------------------------------------------- writers */

/* Write len bytes in CHUNK-sized WRITEs; 0 or -1 (FAIL printed). */
static int
write_all(struct worker *w, struct nfsfh *fh, const char *path,
    const char *buf, size_t len)
{
	char e[512];
	size_t off = 0, n;
	int rc;

	while (off < len) {
		n = len - off < CHUNK ? len - off : CHUNK;
		rc = nfs_write(w->nfs, fh, n, buf + off);
		if (rc < 0) {
			fail("writer %d: WRITE %s at %zu: %s", w->id, path,
			    off, nfserr(w->nfs, rc, e, sizeof(e)));
			return -1;
		}
		if ((size_t)rc != n) {
			fail("writer %d: WRITE %s at %zu: expected %zu bytes "
			    "written, got %d", w->id, path, off, n, rc);
			return -1;
		}
		off += n;
	}
	return 0;
}

/* The file just written is what we wrote, and ours. */
static int
check_written(struct worker *w, struct nfsfh *fh, const char *path,
    size_t len)
{
	struct nfs_stat_64 st;
	char e[512];
	int rc;

	if ((rc = nfs_fstat64(w->nfs, fh, &st)) != 0) {
		fail("writer %d: GETATTR %s: %s", w->id, path,
		    nfserr(w->nfs, rc, e, sizeof(e)));
		return -1;
	}
	if (st.nfs_size != len) {
		fail("writer %d: %s after COMMIT: expected size %zu, got %"
		    PRIu64, w->id, path, len, st.nfs_size);
		return -1;
	}
	if ((st.nfs_mode & 07777) != 0600) {
		fail("writer %d: %s: expected mode 0600, got %04" PRIo64,
		    w->id, path, st.nfs_mode & 07777);
		return -1;
	}
	if (opt.uid != -1 && st.nfs_uid != (uint64_t)opt.uid) {
		fail("writer %d: %s: expected owner uid %d, got %" PRIu64,
		    w->id, path, opt.uid, st.nfs_uid);
		return -1;
	}
	return 0;
}

/* Keep the slowest RENAME: how long, of which message, which one. */
static void
note_rename_time(long long ms, unsigned seq, const char *which)
{
	pthread_mutex_lock(&slow_lock);
	if (ms > slowest.ms) {
		slowest.ms = ms;
		slowest.seq = seq;
		slowest.which = which;
	}
	pthread_mutex_unlock(&slow_lock);
}

/* Deliver message seq: tmp/NAME, write, COMMIT, rename to new/NAME. */
static void
deliver(struct worker *w, unsigned seq)
{
	struct msg *m = &msgs[seq];
	struct nfsfh *fh = NULL;
	char tmp[PATH_MAX_LEN], new[PATH_MAX_LEN], e[512];
	long long t0;
	size_t len;
	int rc;

	make_name(m->name, sizeof(m->name), w->id, seq);
	atomic_store(&m->named, true);
	len = make_body(w->buf, seq, m->name);
	mkpath(tmp, sizeof(tmp), "tmp", m->name, NULL);
	mkpath(new, sizeof(new), "new", m->name, NULL);

	rc = nfs_create(w->nfs, tmp, O_WRONLY | O_EXCL, 0600, &fh);
	if (rc != 0) {
		fail("writer %d: exclusive CREATE %s: expected success, "
		    "got %s", w->id, tmp, nfserr(w->nfs, rc, e, sizeof(e)));
		return;
	}
	if (write_all(w, fh, tmp, w->buf, len) == -1)
		goto out;
	if ((rc = nfs_fsync(w->nfs, fh)) != 0) {
		fail("writer %d: COMMIT %s: expected success, got %s", w->id,
		    tmp, nfserr(w->nfs, rc, e, sizeof(e)));
		goto out;
	}
	if (check_written(w, fh, tmp, len) == -1)
		goto out;
	rc = nfs_close(w->nfs, fh);
	fh = NULL;
	if (rc != 0) {
		fail("writer %d: close %s: %s", w->id, tmp,
		    nfserr(w->nfs, rc, e, sizeof(e)));
		return;
	}
	t0 = now_ms();
	rc = nfs_rename(w->nfs, tmp, new);
	note_rename_time(now_ms() - t0, seq, "tmp/ -> new/");
	if (rc != 0) {
		fail("writer %d: RENAME %s -> %s: expected success, got %s",
		    w->id, tmp, new, nfserr(w->nfs, rc, e, sizeof(e)));
		return;
	}
	atomic_store(&m->delivered, true);
	atomic_fetch_add(&ndelivered, 1);
out:
	if (fh != NULL)
		nfs_close(w->nfs, fh);
}

static void *
run_writer(void *arg)
{
	struct worker *w = arg;
	unsigned seq;

	for (seq = (unsigned)w->id; seq < opt.messages;
	    seq += (unsigned)opt.writers) {
		if (past_deadline()) {
			fail("writer %d: out of time at message %u", w->id,
			    seq);
			break;
		}
		deliver(w, seq);
	}
	atomic_fetch_sub(&writers_left, 1);
	return NULL;
}

/* ------------------------------------------------------------- readers */

/* Read the whole file into w->buf; its length or -1 (FAIL printed). */
static long
read_all(struct worker *w, struct nfsfh *fh, const char *what)
{
	char e[512];
	size_t got = 0;
	int rc;

	for (;;) {
		if (got > MAX_BODY) {
			fail("reader %d: %s: longer than any message (%zu "
			    "bytes and more)", w->id, what, got);
			return -1;
		}
		rc = nfs_read(w->nfs, fh, MAX_BODY + 1 - got, w->buf + got);
		if (rc < 0) {
			fail("reader %d: READ %s at %zu: %s", w->id, what, got,
			    nfserr(w->nfs, rc, e, sizeof(e)));
			return -1;
		}
		if (rc == 0)
			return (long)got;
		got += (size_t)rc;
	}
}

/* Compare what was read with what seq must contain. */
static int
check_content(struct worker *w, unsigned seq, size_t got, const char *what)
{
	size_t want, i;

	want = make_body(w->want, seq, msgs[seq].name);
	for (i = 0; i < got && i < want; i++)
		if (w->buf[i] != w->want[i])
			break;
	if (got != want || i != want) {
		fail("reader %d: content of %s: expected %zu bytes as "
		    "written, got %zu bytes, first difference at byte %zu",
		    w->id, what, want, got, i);
		return -1;
	}
	return 0;
}

/*
 * Take one message out of new/: open it, rename it to cur/NAME:2,S,
 * read it through the handle opened before the rename, remove it.
 * Losing the race to the other reader is normal: ENOENT, or ESTALE
 * when the other reader moved and removed the message between this
 * open's LOOKUP and its ACCESS (the handle then names a deleted file).
 */
static void
pick_up(struct worker *w, const char *name, unsigned seq)
{
	struct msg *m = &msgs[seq];
	struct nfsfh *fh = NULL;
	struct nfs_stat_64 before, after;
	char src[PATH_MAX_LEN], dst[PATH_MAX_LEN], e[512];
	long long t0;
	long got;
	int rc;

	mkpath(src, sizeof(src), "new", name, NULL);
	mkpath(dst, sizeof(dst), "cur", name, FLAG_SUFFIX);
	if ((rc = nfs_open(w->nfs, src, O_RDONLY, &fh)) != 0) {
		if (rc == -ENOENT || rc == -ESTALE) {
			atomic_fetch_add(&nraces, 1);
			return;
		}
		fail("reader %d: open %s: %s", w->id, src,
		    nfserr(w->nfs, rc, e, sizeof(e)));
		return;
	}
	t0 = now_ms();
	rc = nfs_rename(w->nfs, src, dst);
	note_rename_time(now_ms() - t0, seq, "new/ -> cur/");
	if (rc == -ENOENT) {
		atomic_fetch_add(&nraces, 1);
		nfs_close(w->nfs, fh);
		return;
	}
	if (rc != 0) {
		fail("reader %d: RENAME %s -> %s: expected success or ENOENT, "
		    "got %s", w->id, src, dst, nfserr(w->nfs, rc, e,
		    sizeof(e)));
		nfs_close(w->nfs, fh);
		return;
	}
	if (atomic_fetch_add(&m->claimed, 1) != 0)
		fail("reader %d: message %u (%s) moved out of new/ a second "
		    "time: expected exactly once", w->id, seq, name);
	else
		atomic_fetch_add(&nclaimed, 1);
	atomic_store(&last_progress_ms, now_ms());

	/* The handle from new/ must still work after the rename. */
	if ((rc = nfs_fstat64(w->nfs, fh, &before)) != 0) {
		fail("reader %d: GETATTR of %s's handle after RENAME to cur/: "
		    "expected success, got %s", w->id, src,
		    nfserr(w->nfs, rc, e, sizeof(e)));
		before.nfs_ino = 0;
	} else if ((got = read_all(w, fh, dst)) >= 0 &&
	    check_content(w, seq, (size_t)got, dst) == 0)
		atomic_store(&m->verified, true);
	nfs_close(w->nfs, fh);

	if ((rc = nfs_stat64(w->nfs, dst, &after)) != 0)
		fail("reader %d: LOOKUP %s after RENAME: expected success, "
		    "got %s", w->id, dst, nfserr(w->nfs, rc, e, sizeof(e)));
	else if (before.nfs_ino != 0 && after.nfs_ino != before.nfs_ino)
		fail("reader %d: %s: expected fileid %" PRIu64 " (as in "
		    "new/), got %" PRIu64, w->id, dst, before.nfs_ino,
		    after.nfs_ino);

	if ((rc = nfs_unlink(w->nfs, dst)) != 0) {
		fail("reader %d: REMOVE %s: expected success, got %s", w->id,
		    dst, nfserr(w->nfs, rc, e, sizeof(e)));
		return;
	}
	atomic_store(&m->removed, true);
}

/* Compare function for qsort/bsearch over name pointers. */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One listing of new/, picking up everything in it.  Returns the
 * number of messages listed, or -1 if the listing failed.
 */
static int
scan_new(struct worker *w)
{
	struct nfsdir *dir;
	struct nfsdirent *de;
	char path[PATH_MAX_LEN], e[512], **names = NULL, **tmp;
	size_t n = 0, cap = 0, first, i, k;
	long seq;
	int rc;

	mkpath(path, sizeof(path), "new", NULL, NULL);
	if ((rc = nfs_opendir(w->nfs, path, &dir)) != 0) {
		fail("reader %d: listing %s while messages arrive: expected "
		    "success, got %s", w->id, path, nfserr(w->nfs, rc, e,
		    sizeof(e)));
		return -1;
	}
	atomic_fetch_add(&nscans, 1);
	while ((de = nfs_readdir(w->nfs, dir)) != NULL) {
		if (strcmp(de->name, ".") == 0 || strcmp(de->name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((tmp = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				fprintf(stderr, "maildir_stress: out of "
				    "memory\n");
				exit(2);
			}
			names = tmp;
		}
		if ((names[n] = strdup(de->name)) == NULL) {
			fprintf(stderr, "maildir_stress: out of memory\n");
			exit(2);
		}
		n++;
	}
	nfs_closedir(w->nfs, dir);

	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 1; i < n; i++)
		if (strcmp(names[i], names[i - 1]) == 0)
			fail("reader %d: one listing of %s returned %s twice",
			    w->id, path, names[i]);
	/*
	 * Each reader starts at its own place in the sorted list, so the
	 * readers mostly take different messages and meet now and then.
	 */
	first = n * (size_t)w->id / (size_t)opt.readers;
	for (k = 0; k < n; k++) {
		i = (first + k) % n;
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		seq = parse_seq(names[i]);
		if (seq < 0 || !atomic_load(&msgs[seq].named) ||
		    strcmp(msgs[seq].name, names[i]) != 0) {
			fail("reader %d: %s lists \"%s\": no writer made it",
			    w->id, path, names[i]);
			continue;
		}
		if (!past_deadline())
			pick_up(w, names[i], (unsigned)seq);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (int)n;
}

static void *
run_reader(void *arg)
{
	struct worker *w = arg;
	int n, empty_after_writers = 0;
	bool done_before;

	for (;;) {
		done_before = atomic_load(&writers_left) == 0;
		n = scan_new(w);
		if (n == -1)
			sleep_ms(50);
		if (done_before && n == 0) {
			/*
			 * Writers finished before this empty listing began.
			 * Look again a few times if messages are missing,
			 * so a flaky listing is not mistaken for a loss.
			 */
			if (atomic_load(&nclaimed) >=
			    atomic_load(&ndelivered) ||
			    ++empty_after_writers >= 3)
				break;
			sleep_ms(100);
			continue;
		}
		if (past_deadline()) {
			fail("reader %d: out of time (-t %d s) with %u of %u "
			    "delivered messages picked up", w->id,
			    opt.seconds, atomic_load(&nclaimed),
			    atomic_load(&ndelivered));
			break;
		}
		if (done_before &&
		    now_ms() - atomic_load(&last_progress_ms) > STALL_MS) {
			fail("reader %d: no message picked up for %d s after "
			    "the writers finished (%u of %u)", w->id,
			    STALL_MS / 1000, atomic_load(&nclaimed),
			    atomic_load(&ndelivered));
			break;
		}
		if (n == 0)
			sleep_ms(2);
	}
	return NULL;
}

/* ------------------------------------------------------------- setup */

static int
make_maildir(struct nfs_context *nfs)
{
	static const char *const subs[] = { NULL, "tmp", "new", "cur" };
	char path[PATH_MAX_LEN], e[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		mkpath(path, sizeof(path), subs[i], NULL, NULL);
		if ((rc = nfs_mkdir(nfs, path)) != 0) {
			fail("MKDIR %s (the maildir must not exist yet): "
			    "expected success, got %s", path,
			    nfserr(nfs, rc, e, sizeof(e)));
			return -1;
		}
	}
	say("ok   created /%s with tmp/, new/ and cur/ over NFS",
	    opt.maildir);
	return 0;
}

/* Every entry of sub/ other than . and .. is a leftover: FAIL. */
static void
check_empty(struct nfs_context *nfs, const char *sub)
{
	struct nfsdir *dir;
	struct nfsdirent *de;
	char path[PATH_MAX_LEN], e[512];
	unsigned n = 0;
	int rc;

	mkpath(path, sizeof(path), sub, NULL, NULL);
	if ((rc = nfs_opendir(nfs, path, &dir)) != 0) {
		fail("listing %s at the end: %s", path,
		    nfserr(nfs, rc, e, sizeof(e)));
		return;
	}
	while ((de = nfs_readdir(nfs, dir)) != NULL) {
		if (strcmp(de->name, ".") == 0 || strcmp(de->name, "..") == 0)
			continue;
		if (++n <= 5)
			say("     left in %s: %s", path, de->name);
	}
	nfs_closedir(nfs, dir);
	if (n == 0)
		say("ok   %s is empty at the end", path);
	else
		fail("%s at the end: expected empty, got %u entries", path, n);
}

/* Exactly once, none lost, all intact: the per-message tallies. */
static void
check_tallies(void)
{
	unsigned i, undelivered = 0, lost = 0, dup = 0, bad = 0, kept = 0;
	unsigned shown = 0;

	for (i = 0; i < opt.messages; i++) {
		struct msg *m = &msgs[i];
		unsigned c = atomic_load(&m->claimed);

		if (!atomic_load(&m->delivered))
			undelivered++;
		if (atomic_load(&m->delivered) && c == 0) {
			lost++;
			if (shown++ < 5)
				say("     lost: message %u (%s)", i, m->name);
		}
		if (c > 1)
			dup++;
		if (c >= 1 && !atomic_load(&m->verified))
			bad++;
		if (c >= 1 && !atomic_load(&m->removed))
			kept++;
	}
	if (undelivered == 0)
		say("ok   %d writers delivered all %u messages (CREATE "
		    "exclusive, WRITE, COMMIT, RENAME tmp/ -> new/)",
		    opt.writers, opt.messages);
	else
		fail("deliveries: expected %u, got %u (%u failed)",
		    opt.messages, opt.messages - undelivered, undelivered);
	if (lost == 0)
		say("ok   no message lost: every delivered message was "
		    "picked up from new/");
	else
		fail("messages lost: expected 0, got %u delivered but never "
		    "seen in new/", lost);
	if (dup == 0)
		say("ok   every message moved out of new/ exactly once "
		    "(%u times a reader found one already taken by the "
		    "other: ENOENT, as it should be)", atomic_load(&nraces));
	else
		fail("messages moved out of new/ more than once: expected 0, "
		    "got %u", dup);
	if (bad == 0)
		say("ok   every picked-up message read back intact through "
		    "the handle opened in new/");
	else
		fail("messages with wrong content or unreadable: expected 0, "
		    "got %u", bad);
	if (kept == 0)
		say("ok   every picked-up message removed from cur/");
	else
		fail("messages not removed from cur/: expected 0, got %u",
		    kept);
}

static void
check_rename_time(void)
{
	if (opt.max_rename_ms == 0) {
		say("     slowest RENAME: %lld ms (%s, message %u)", slowest.ms,
		    slowest.which, slowest.seq);
		return;
	}
	if (slowest.ms <= opt.max_rename_ms)
		say("ok   slowest RENAME took %lld ms (limit %ld: no stalls "
		    "under contention)", slowest.ms, opt.max_rename_ms);
	else
		fail("slowest RENAME (%s, message %u): expected at most %ld "
		    "ms, got %lld ms", slowest.which, slowest.seq,
		    opt.max_rename_ms, slowest.ms);
}

static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static void
parse_args(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "w:r:n:u:g:t:L:")) != -1) {
		switch (ch) {
		case 'w':
			opt.writers = (int)number(optarg, 1, MAX_WRITERS);
			break;
		case 'r':
			opt.readers = (int)number(optarg, 1, MAX_READERS);
			break;
		case 'n':
			opt.messages = (unsigned)number(optarg, 1,
			    MAX_MESSAGES);
			break;
		case 'u':
			opt.uid = (int)number(optarg, 0, INT_MAX);
			break;
		case 'g':
			opt.gid = (int)number(optarg, 0, INT_MAX);
			break;
		case 't':
			opt.seconds = (int)number(optarg, 1, 3600);
			break;
		case 'L':
			opt.max_rename_ms = number(optarg, 1, 3600000);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		usage();
	opt.server = argv[0];
	opt.export = argv[1];
	if (argc == 3)
		opt.maildir = argv[2];
	if (opt.maildir[0] == '\0' || strchr(opt.maildir, '/') != NULL)
		usage();
}

/* Host part of the names: no '/', ':' or '.' (Maildir's rules). */
static void
init_host(void)
{
	char *p;

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p != '\0'; p++)
		if (*p == '/' || *p == ':' || *p == '.')
			*p = '_';
}

static struct worker *
new_workers(int n)
{
	struct worker *ws;
	int i;

	if ((ws = calloc((size_t)n, sizeof(*ws))) == NULL) {
		fprintf(stderr, "maildir_stress: out of memory\n");
		exit(2);
	}
	for (i = 0; i < n; i++) {
		ws[i].id = i;
		ws[i].buf = malloc(MAX_BODY + 1);
		ws[i].want = malloc(MAX_BODY + 1);
		if (ws[i].buf == NULL || ws[i].want == NULL) {
			fprintf(stderr, "maildir_stress: out of memory\n");
			exit(2);
		}
	}
	return ws;
}

static int
connect_all(struct worker *ws, int n, const char *role)
{
	char who[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(who, sizeof(who), "%s %d", role, i);
		if ((ws[i].nfs = connect_nfs(who)) == NULL)
			return -1;
	}
	return 0;
}

static void
free_workers(struct worker *ws, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		disconnect_nfs(ws[i].nfs);
		free(ws[i].buf);
		free(ws[i].want);
	}
	free(ws);
}

int
main(int argc, char **argv)
{
	struct nfs_context *ctl;
	struct worker *wr, *rd;
	long long elapsed;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	pid = (long)getpid();
	init_host();
	if ((msgs = calloc(opt.messages, sizeof(*msgs))) == NULL) {
		fprintf(stderr, "maildir_stress: out of memory\n");
		return 2;
	}
	say("     %d writers, %d readers, %u messages, nfs://%s%s/%s, "
	    "uid %d gid %d", opt.writers, opt.readers, opt.messages,
	    opt.server, opt.export, opt.maildir, opt.uid, opt.gid);

	if ((ctl = connect_nfs("control")) == NULL || make_maildir(ctl) == -1)
		goto out;
	wr = new_workers(opt.writers);
	rd = new_workers(opt.readers);
	if (connect_all(wr, opt.writers, "writer") == -1 ||
	    connect_all(rd, opt.readers, "reader") == -1) {
		free_workers(wr, opt.writers);
		free_workers(rd, opt.readers);
		goto out;
	}
	say("ok   %d + %d libnfs contexts mounted %s:%s", opt.writers,
	    opt.readers, opt.server, opt.export);

	start_ms = now_ms();
	deadline_ms = start_ms + (long long)opt.seconds * 1000;
	atomic_store(&last_progress_ms, start_ms);
	atomic_store(&writers_left, opt.writers);
	for (i = 0; i < opt.readers; i++)
		if (pthread_create(&rd[i].tid, NULL, run_reader, &rd[i]) != 0) {
			fprintf(stderr, "maildir_stress: pthread_create\n");
			return 2;
		}
	for (i = 0; i < opt.writers; i++)
		if (pthread_create(&wr[i].tid, NULL, run_writer, &wr[i]) != 0) {
			fprintf(stderr, "maildir_stress: pthread_create\n");
			return 2;
		}
	for (i = 0; i < opt.writers; i++)
		pthread_join(wr[i].tid, NULL);
	say("     writers done after %lld ms", now_ms() - start_ms);
	for (i = 0; i < opt.readers; i++)
		pthread_join(rd[i].tid, NULL);
	elapsed = now_ms() - start_ms;
	say("     readers done after %lld ms (%u listings of new/)", elapsed,
	    atomic_load(&nscans));

	check_tallies();
	check_rename_time();
	check_empty(ctl, "tmp");
	check_empty(ctl, "new");
	check_empty(ctl, "cur");
	free_workers(wr, opt.writers);
	free_workers(rd, opt.readers);
out:
	disconnect_nfs(ctl);
	if (atomic_load(&nfails) != 0) {
		say("FAIL maildir_stress: %u failures", atomic_load(&nfails));
		return 1;
	}
	say("ok   maildir_stress: all checks passed");
	return 0;
}
