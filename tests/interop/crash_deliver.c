/*
 * crash_deliver.c - Maildir delivery that survives server crashes,
 * through libnfs's raw NFSv3 calls (an NFS client nobody here wrote),
 * and the check of what it left on the server's disk.
 *
 *   crash_deliver deliver [-t threads] [-n max] [-T seconds] [-S stopfile]
 *	    [-p nfsport] [-m mountport] server export maildir ackfile
 *   crash_deliver verify [-q] ackfile dir
 *
 * deliver: threads (one RPC context, one TCP connection each) deliver
 * messages into export/maildir the Maildir way: CREATE tmp/NAME, WRITE
 * the body, RENAME tmp/NAME to new/NAME, and only then append NAME to
 * ackfile (fsync'd): a name in ackfile is a message the client saw
 * acknowledged.  Every body is derived from its name (verify needs
 * nothing else) and ends in a checksum line.  The threads differ:
 *
 *	thread % 4	create		writes
 *	0		GUARDED		FILE_SYNC
 *	1		GUARDED		UNSTABLE + COMMIT
 *	2		EXCLUSIVE	FILE_SYNC
 *	3		EXCLUSIVE	UNSTABLE + COMMIT
 *
 * An UNSTABLE write counts only once a COMMIT returned the verifier
 * that write returned; a chunk whose verifier differs is written and
 * committed again.  The server is killed (SIGKILL) and restarted under
 * the clients by the test script: on any transport error (connection
 * reset or refused, a call unanswered for 10 s) a thread reconnects
 * with backoff and retries the delivery from the start, correctly
 * when the previous attempt partly happened:
 *  - if a RENAME was sent before, LOOKUP new/NAME first: if it is
 *    there the rename happened and the message is delivered;
 *  - GUARDED: an existing tmp/NAME is removed and created again, and
 *    the whole body written;
 *  - EXCLUSIVE: the same create verifier finds the earlier file (or
 *    NFS3ERR_EXIST, once a SETATTR or WRITE changed its times, and
 *    then LOOKUP finds it); it is reused, and only what was not yet
 *    durable (acknowledged by FILE_SYNC or by a COMMIT with the
 *    write's verifier) is written again, so a write verifier that
 *    changes across a restart is what sends the data again;
 *  - RENAME answered NFS3ERR_NOENT: LOOKUP new/NAME decides.
 * The file handles of the export, the Maildir and its tmp/ and new/
 * are learned once, before any crash, and used across every restart.
 * New messages are started until stopfile exists, -n are begun, or
 * 15 s before -T (half of -T if that is 30 s or less); the ones begun
 * are then finished, retrying until -T.
 * Prints "FAIL ..." lines for what is wrong and a "STATS ..." line;
 * exits 0 if every message begun was delivered and acknowledged.
 *
 * verify: reads dir (the Maildir on the server's own file system) and
 * ackfile: every acknowledged name is in new/ and every file in new/
 * (acknowledged or not) is exactly the body its name gives; a name is
 * acknowledged at most once; cur/ is empty; files left in tmp/ are
 * allowed (counted).  It may run while deliver is still appending (a
 * last line without its newline is not yet an acknowledgement).
 * Prints "ok"/"FAIL" lines and a "VERIFY ..." line; exits 0 or 1.
 *
 * Exit status 2: bad usage or a local error.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#define MAX_THREADS	64
#define NAME_LEN	128
#define CHUNK		8192		/* bytes per WRITE */
#define MAX_BODY	(160 * 1024)
#define CALL_TIMEOUT_MS	10000		/* one call, or a connect */
#define BACKOFF_MIN_MS	20
#define BACKOFF_MAX_MS	250
#define MAX_ROUNDS	8		/* write+commit rounds per attempt */
#define MAX_VERFS	64		/* distinct write verifiers kept */
#define FAIL_PRINT_MAX	30
#define NAME_SUFFIX	".crashdeliver"
#define CKSUM_LINE_LEN	29		/* "X-Checksum: " 16 hex "\n" */

/* --------------------------------------------------------------- output */

static pthread_mutex_t	 out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint	 nfails;

static void	 say(const char *, ...) __attribute__((format(printf, 1, 2)));
static void	 fail(const char *, ...) __attribute__((format(printf, 1, 2)));
static void	 die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
static void	 usage(void) __attribute__((noreturn));

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

static void
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("crash_deliver: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: crash_deliver deliver [-t threads] [-n max] [-T seconds]"
	    " [-S stopfile]\n"
	    "\t    [-p nfsport] [-m mountport] server export maildir ackfile\n"
	    "       crash_deliver verify [-q] ackfile dir\n");
	exit(2);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ------------------------------------------------------------ the bodies */

static uint64_t
fnv64(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT	0xcbf29ce484222325ULL

/*
 * The body of message NAME into buf (MAX_BODY bytes); returns its
 * length.  Headers, then lines of pseudo-random text seeded by the
 * name, then "X-Checksum: <fnv64 of everything before, 16 hex>\n".
 * Seven in ten are 600 B to 7 KiB (one WRITE), the others 20 KiB to
 * 140 KiB (3 to 18 WRITEs).
 */
static size_t
make_body(const char *name, char *buf)
{
	uint64_t h = fnv64(name, strlen(name), FNV_INIT), x;
	size_t want, hlen, n, i;
	int r;

	want = h % 10 < 7 ? 600 + (h >> 8) % 6600 :
	    20 * 1024 + (h >> 8) % (120 * 1024);
	r = snprintf(buf, MAX_BODY, "Return-Path: <crash@deliver.test>\n"
	    "Message-Id: <%s@crash-deliver>\n"
	    "Subject: crash test %s\n"
	    "X-Length: %08zu\n\n", name, name, want);
	if (r < 0 || (size_t)r >= MAX_BODY / 2)
		die("name too long for a body: %s", name);
	hlen = (size_t)r;
	if (want < hlen + CKSUM_LINE_LEN + 1)
		die("internal: body of %s too short", name);
	n = want - hlen - CKSUM_LINE_LEN;
	x = h | 1;
	for (i = 0; i < n; i++) {
		if (i % 72 == 71 || i == n - 1) {
			buf[hlen + i] = '\n';
			continue;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[hlen + i] = "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,"[x % 65];
	}
	h = fnv64(buf, hlen + n, FNV_INIT);
	r = snprintf(buf + hlen + n, CKSUM_LINE_LEN + 1,
	    "X-Checksum: %016" PRIx64 "\n", h);
	if (r != CKSUM_LINE_LEN)
		die("internal: checksum line");
	return want;
}

/* ---------------------------------------------------------- RPC plumbing */

/* c3_PROC(): one NFSv3 call on a struct conn (libnfs owns nfs_PROC). */

struct fh {
	uint32_t	 len;
	char		 data[NFS3_FHSIZE];
};

/* What a callback saw, copied out of libnfs's reply before it is freed. */
struct reply {
	bool		 done;
	int		 rpcstat;	/* RPC_STATUS_* */
	int		 status;	/* nfsstat3 or mountstat3 */
	bool		 has_fh;
	struct fh	 fh;
	bool		 has_attr;
	uint64_t	 size;		/* of the object, if has_attr */
	uint32_t	 count;		/* WRITE */
	int		 committed;	/* WRITE */
	char		 verf[NFS3_WRITEVERFSIZE];	/* WRITE, COMMIT */
	char		 err[160];
};

/* One TCP connection to one RPC program, reopened after errors. */
struct conn {
	struct rpc_context *rpc;	/* NULL: not connected */
	const char	*server;
	int		 port;
	int		 prog;
	int		 vers;
	bool		 ever;		/* was connected once */
	int		 who;		/* thread number, for messages */
	unsigned	 errs_printed;
};

enum tres { T_OK, T_TRANSPORT };

static struct {
	int		 threads;
	unsigned	 max_msgs;
	int		 seconds;
	const char	*stopfile;
	int		 nfsport;
	int		 mountport;
	const char	*server;
	const char	*export;
	const char	*maildir;
	const char	*ackfile;
} opt = {
	.threads = 8, .max_msgs = 100000, .seconds = 45, .nfsport = 2049,
	.mountport = 20048,
};

static long long	 start_ms, soft_deadline_ms, hard_deadline_ms;

static atomic_uint	 n_started, n_acked, n_retried, n_attempts;
static atomic_uint	 n_reconnects, n_transport, n_vmismatch;
static atomic_uint	 n_rewritten, n_tmp_removed, n_tmp_reused;
static atomic_uint	 n_found_renamed, n_fh_changed, n_gaveup;
static atomic_uint	 n_jukebox, n_writes, n_commits;
static atomic_uint	 n_unstable_cut;	/* attempts cut with UNSTABLE data */

static pthread_mutex_t	 verf_lock = PTHREAD_MUTEX_INITIALIZER;
static char		 verfs[MAX_VERFS][NFS3_WRITEVERFSIZE];
static unsigned		 nverfs;

/* Every write verifier the server ever answered with, once. */
static void
note_verf(const char *v)
{
	unsigned i;

	pthread_mutex_lock(&verf_lock);
	for (i = 0; i < nverfs; i++)
		if (memcmp(verfs[i], v, NFS3_WRITEVERFSIZE) == 0)
			break;
	if (i == nverfs && nverfs < MAX_VERFS)
		memcpy(verfs[nverfs++], v, NFS3_WRITEVERFSIZE);
	pthread_mutex_unlock(&verf_lock);
}

static void
copy_fh(struct fh *dst, const nfs_fh3 *src)
{
	dst->len = src->data.data_len > NFS3_FHSIZE ? 0 : src->data.data_len;
	memcpy(dst->data, src->data.data_val, dst->len);
}

static void
to_nfs_fh3(nfs_fh3 *dst, const struct fh *src)
{
	dst->data.data_len = src->len;
	dst->data.data_val = (char *)(uintptr_t)src->data;
}

static bool
fh_eq(const struct fh *a, const struct fh *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void
post_attr(struct reply *r, const post_op_attr *a)
{
	if (a->attributes_follow) {
		r->has_attr = true;
		r->size = a->post_op_attr_u.attributes.size;
	}
}

/*
 * Common part of every callback: false if there is no decoded reply
 * (a transport error, a cancel, an RPC-level rejection).
 */
static bool
cb_begin(struct reply *r, int status, void *data)
{
	r->done = true;
	r->rpcstat = status;
	if (status == RPC_STATUS_SUCCESS && data != NULL)
		return true;
	if (status == RPC_STATUS_SUCCESS)
		r->rpcstat = RPC_STATUS_ERROR;
	snprintf(r->err, sizeof(r->err), "%s",
	    status == RPC_STATUS_ERROR && data != NULL ? (char *)data :
	    status == RPC_STATUS_CANCEL ? "cancelled" :
	    status == RPC_STATUS_TIMEOUT ? "timed out" : "no reply");
	return false;
}

static void
cb_mnt(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	mountres3 *res = data;

	(void)rpc;
	if (!cb_begin(r, status, data))
		return;
	r->status = res->fhs_status;
	if (res->fhs_status == MNT3_OK) {
		const fhandle3 *f = &res->mountres3_u.mountinfo.fhandle;

		r->has_fh = f->fhandle3_len <= NFS3_FHSIZE;
		r->fh.len = r->has_fh ? f->fhandle3_len : 0;
		memcpy(r->fh.data, f->fhandle3_val, r->fh.len);
	}
}

static void
cb_lookup(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	LOOKUP3res *res = data;

	(void)rpc;
	if (!cb_begin(r, status, data))
		return;
	r->status = res->status;
	if (res->status == NFS3_OK) {
		r->has_fh = true;
		copy_fh(&r->fh, &res->LOOKUP3res_u.resok.object);
		post_attr(r, &res->LOOKUP3res_u.resok.obj_attributes);
	}
}

static void
cb_create(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	CREATE3res *res = data;

	(void)rpc;
	if (!cb_begin(r, status, data))
		return;
	r->status = res->status;
	if (res->status == NFS3_OK &&
	    res->CREATE3res_u.resok.obj.handle_follows) {
		r->has_fh = true;
		copy_fh(&r->fh, &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
	}
}

static void
cb_mkdir(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	MKDIR3res *res = data;

	(void)rpc;
	if (!cb_begin(r, status, data))
		return;
	r->status = res->status;
	if (res->status == NFS3_OK &&
	    res->MKDIR3res_u.resok.obj.handle_follows) {
		r->has_fh = true;
		copy_fh(&r->fh, &res->MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
	}
}

static void
cb_write(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	WRITE3res *res = data;

	(void)rpc;
	if (!cb_begin(r, status, data))
		return;
	r->status = res->status;
	if (res->status == NFS3_OK) {
		r->count = res->WRITE3res_u.resok.count;
		r->committed = res->WRITE3res_u.resok.committed;
		memcpy(r->verf, res->WRITE3res_u.resok.verf,
		    NFS3_WRITEVERFSIZE);
	}
}

static void
cb_commit(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	COMMIT3res *res = data;

	(void)rpc;
	if (!cb_begin(r, status, data))
		return;
	r->status = res->status;
	if (res->status == NFS3_OK)
		memcpy(r->verf, res->COMMIT3res_u.resok.verf,
		    NFS3_WRITEVERFSIZE);
}

static void
cb_remove(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	REMOVE3res *res = data;

	(void)rpc;
	if (cb_begin(r, status, data))
		r->status = res->status;
}

static void
cb_rename(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	RENAME3res *res = data;

	(void)rpc;
	if (cb_begin(r, status, data))
		r->status = res->status;
}

static void
cb_setattr(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct reply *r = pd;
	SETATTR3res *res = data;

	(void)rpc;
	if (cb_begin(r, status, data))
		r->status = res->status;
}

/*
 * Drive the context until the reply (or an error) came, at most
 * timeout_ms.  False: no callback, or the connection failed.
 */
static bool
wait_reply(struct conn *c, struct reply *r, long long timeout_ms)
{
	long long end = now_ms() + timeout_ms, left;
	struct pollfd p;
	int n;

	while (!r->done) {
		left = end - now_ms();
		if (left <= 0) {
			snprintf(r->err, sizeof(r->err), "no reply in %lld ms",
			    timeout_ms);
			return false;
		}
		p.fd = rpc_get_fd(c->rpc);
		p.events = (short)rpc_which_events(c->rpc);
		p.revents = 0;
		n = poll(&p, 1, left < 100 ? (int)left : 100);
		if (n == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (rpc_service(c->rpc, n > 0 ? p.revents : 0) < 0) {
			if (!r->done) {
				const char *e = rpc_get_error(c->rpc);

				snprintf(r->err, sizeof(r->err), "%s",
				    e != NULL ? e : "connection failed");
			}
			return r->done;
		}
	}
	return true;
}

/* Close the connection (pending calls are cancelled). */
static void
conn_drop(struct conn *c, const char *why)
{
	atomic_fetch_add(&n_transport, 1);
	if (c->errs_printed < 3) {
		c->errs_printed++;
		say("  thread %d: transport error (%s), reconnecting",
		    c->who, why);
	}
	if (c->rpc != NULL)
		rpc_destroy_context(c->rpc);
	c->rpc = NULL;
}

static void
cb_connect(struct rpc_context *rpc, int status, void *data, void *pd)
{
	(void)rpc;
	(void)data;
	((struct reply *)pd)->done = true;
	((struct reply *)pd)->rpcstat = status;
}

static bool
conn_try(struct conn *c)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	if ((c->rpc = rpc_init_context()) == NULL)
		die("rpc_init_context failed");
	if (rpc_connect_port_async(c->rpc, c->server, c->port, c->prog,
	    c->vers, cb_connect, &r) == 0 &&
	    wait_reply(c, &r, CALL_TIMEOUT_MS) &&
	    r.rpcstat == RPC_STATUS_SUCCESS)
		return true;
	rpc_destroy_context(c->rpc);
	c->rpc = NULL;
	return false;
}

/* Connected, or false once past the hard deadline. */
static bool
conn_ensure(struct conn *c)
{
	long delay = BACKOFF_MIN_MS;

	while (c->rpc == NULL) {
		if (now_ms() > hard_deadline_ms)
			return false;
		if (conn_try(c)) {
			if (c->ever)
				atomic_fetch_add(&n_reconnects, 1);
			c->ever = true;
			return true;
		}
		sleep_ms(delay);
		delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	}
	return true;
}

/*
 * After a call was queued (rc from rpc_*_async): wait for its reply.
 * T_TRANSPORT (connection dropped) if there is none.  An NFS3ERR_JUKEBOX
 * reply is reported as is; the callers wait and resend.
 */
static enum tres
finish(struct conn *c, struct reply *r, int rc, const char *what)
{
	char why[224];

	if (rc != 0) {
		snprintf(why, sizeof(why), "%s not sent: %s", what,
		    rpc_get_error(c->rpc) ? rpc_get_error(c->rpc) : "?");
		conn_drop(c, why);
		return T_TRANSPORT;
	}
	if (!wait_reply(c, r, CALL_TIMEOUT_MS) ||
	    r->rpcstat != RPC_STATUS_SUCCESS) {
		snprintf(why, sizeof(why), "%s: %s", what, r->err);
		conn_drop(c, why);
		return T_TRANSPORT;
	}
	if (r->status == NFS3ERR_JUKEBOX) {
		atomic_fetch_add(&n_jukebox, 1);
		sleep_ms(100);
	}
	return T_OK;
}

/* Resend while the server answers NFS3ERR_JUKEBOX (busy, try later). */
#define CALL(c, r, what, issue)						\
	do {								\
		enum tres t_;						\
		do {							\
			memset((r), 0, sizeof(*(r)));			\
			if (!conn_ensure(c))				\
				return T_TRANSPORT;			\
			t_ = finish((c), (r), (issue), (what));		\
			if (t_ != T_OK)					\
				return t_;				\
		} while ((r)->status == NFS3ERR_JUKEBOX &&		\
		    now_ms() < hard_deadline_ms);			\
		return T_OK;						\
	} while (0)

static enum tres
c3_lookup(struct conn *c, const struct fh *dir, const char *name,
    struct reply *r)
{
	LOOKUP3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.what.dir, dir);
	a.what.name = (char *)(uintptr_t)name;
	CALL(c, r, "LOOKUP", rpc_nfs3_lookup_async(c->rpc, cb_lookup, &a, r));
}

static enum tres
c3_mkdir(struct conn *c, const struct fh *dir, const char *name,
    struct reply *r)
{
	MKDIR3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.where.dir, dir);
	a.where.name = (char *)(uintptr_t)name;
	a.attributes.mode.set_it = 1;
	a.attributes.mode.set_mode3_u.mode = 0700;
	CALL(c, r, "MKDIR", rpc_nfs3_mkdir_async(c->rpc, cb_mkdir, &a, r));
}

static enum tres
c3_create(struct conn *c, const struct fh *dir, const char *name,
    createmode3 how, const char *cverf, struct reply *r)
{
	CREATE3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.where.dir, dir);
	a.where.name = (char *)(uintptr_t)name;
	a.how.mode = how;
	if (how == EXCLUSIVE) {
		memcpy(a.how.createhow3_u.verf, cverf, NFS3_CREATEVERFSIZE);
	} else {
		a.how.createhow3_u.obj_attributes.mode.set_it = 1;
		a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0600;
	}
	CALL(c, r, "CREATE", rpc_nfs3_create_async(c->rpc, cb_create, &a, r));
}

/* What a client does after an EXCLUSIVE create: its mode and times. */
static enum tres
c3_setattr_new(struct conn *c, const struct fh *fh, struct reply *r)
{
	SETATTR3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.object, fh);
	a.new_attributes.mode.set_it = 1;
	a.new_attributes.mode.set_mode3_u.mode = 0600;
	a.new_attributes.atime.set_it = SET_TO_SERVER_TIME;
	a.new_attributes.mtime.set_it = SET_TO_SERVER_TIME;
	CALL(c, r, "SETATTR",
	    rpc_nfs3_setattr_async(c->rpc, cb_setattr, &a, r));
}

static enum tres
c3_write(struct conn *c, const struct fh *fh, uint64_t off,
    const char *data, uint32_t len, stable_how how, struct reply *r)
{
	WRITE3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.file, fh);
	a.offset = off;
	a.count = len;
	a.stable = how;
	a.data.data_len = len;
	a.data.data_val = (char *)(uintptr_t)data;
	atomic_fetch_add(&n_writes, 1);
	CALL(c, r, "WRITE", rpc_nfs3_write_async(c->rpc, cb_write, &a, r));
}

static enum tres
c3_commit(struct conn *c, const struct fh *fh, struct reply *r)
{
	COMMIT3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.file, fh);
	a.offset = 0;
	a.count = 0;		/* to the end of the file */
	atomic_fetch_add(&n_commits, 1);
	CALL(c, r, "COMMIT", rpc_nfs3_commit_async(c->rpc, cb_commit, &a, r));
}

static enum tres
c3_remove(struct conn *c, const struct fh *dir, const char *name,
    struct reply *r)
{
	REMOVE3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.object.dir, dir);
	a.object.name = (char *)(uintptr_t)name;
	CALL(c, r, "REMOVE", rpc_nfs3_remove_async(c->rpc, cb_remove, &a, r));
}

static enum tres
c3_rename(struct conn *c, const struct fh *from, const char *fname,
    const struct fh *to, const char *tname, struct reply *r)
{
	RENAME3args a;

	memset(&a, 0, sizeof(a));
	to_nfs_fh3(&a.from.dir, from);
	a.from.name = (char *)(uintptr_t)fname;
	to_nfs_fh3(&a.to.dir, to);
	a.to.name = (char *)(uintptr_t)tname;
	CALL(c, r, "RENAME", rpc_nfs3_rename_async(c->rpc, cb_rename, &a, r));
}

static enum tres
mnt(struct conn *c, const char *path, struct reply *r)
{
	CALL(c, r, "MNT", rpc_mount3_mnt_async(c->rpc, cb_mnt,
	    (char *)(uintptr_t)path, r));
}

/* ------------------------------------------------------------- delivery */

static struct fh	 fh_tmp, fh_new;
static pthread_mutex_t	 ack_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 ack_fd = -1;
static atomic_uint	 next_seq;
static long		 mypid;
static long long	 epoch;

/* NAME is acknowledged: on the local disk before we go on. */
static void
ack(const char *name)
{
	char line[NAME_LEN + 2];
	int n;

	n = snprintf(line, sizeof(line), "%s\n", name);
	pthread_mutex_lock(&ack_lock);
	if (write(ack_fd, line, (size_t)n) != n || fdatasync(ack_fd) == -1)
		die("writing the ack file: %s", strerror(errno));
	pthread_mutex_unlock(&ack_lock);
	atomic_fetch_add(&n_acked, 1);
}

enum cstate { C_NONE, C_UNSTABLE, C_DURABLE };

struct worker {
	pthread_t	 tid;
	int		 id;
	bool		 exclusive;	/* CREATE EXCLUSIVE, else GUARDED */
	stable_how	 stable;	/* FILE_SYNC or UNSTABLE */
	struct conn	 c;
	char		*body;
};

/* One message's progress, kept across attempts. */
struct delivery {
	const char	*name;
	const char	*body;
	size_t		 len;
	unsigned	 nchunks;
	enum cstate	 st[MAX_BODY / CHUNK + 1];
	char		 verf[MAX_BODY / CHUNK + 1][NFS3_WRITEVERFSIZE];
	bool		 have_fh;
	struct fh	 fh;
	bool		 rename_sent;
};

enum step { S_OK, S_RETRY, S_FAIL };

static const char *
stable_name(int how)
{
	return how == FILE_SYNC ? "FILE_SYNC" : how == DATA_SYNC ?
	    "DATA_SYNC" : how == UNSTABLE ? "UNSTABLE" : "?";
}

static void
reset_chunks(struct delivery *d)
{
	unsigned i;

	for (i = 0; i < d->nchunks; i++)
		d->st[i] = C_NONE;
}

/* The file we now write to is fh: the chunk states hold for it only. */
static void
set_fh(struct delivery *d, const struct fh *fh)
{
	if (d->have_fh && !fh_eq(&d->fh, fh)) {
		atomic_fetch_add(&n_fh_changed, 1);
		reset_chunks(d);
	} else if (!d->have_fh) {
		reset_chunks(d);
	}
	d->fh = *fh;
	d->have_fh = true;
}

/* GUARDED: a fresh tmp/NAME, an old one (ours, from before) removed. */
static enum step
create_guarded(struct worker *w, struct delivery *d)
{
	struct reply r;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		if (c3_create(&w->c, &fh_tmp, d->name, GUARDED, NULL, &r) !=
		    T_OK)
			return S_RETRY;
		if (r.status == NFS3_OK) {
			if (!r.has_fh) {
				if (c3_lookup(&w->c, &fh_tmp, d->name, &r) !=
				    T_OK)
					return S_RETRY;
				if (r.status != NFS3_OK) {
					fail("LOOKUP tmp/%s after CREATE: "
					    "status %d", d->name, r.status);
					return S_FAIL;
				}
			}
			d->have_fh = false;	/* a new file: nothing in it */
			set_fh(d, &r.fh);
			return S_OK;
		}
		if (r.status != NFS3ERR_EXIST) {
			fail("CREATE GUARDED tmp/%s: status %d", d->name,
			    r.status);
			return S_FAIL;
		}
		/* Left by an earlier attempt: start again. */
		if (c3_remove(&w->c, &fh_tmp, d->name, &r) != T_OK)
			return S_RETRY;
		if (r.status != NFS3_OK && r.status != NFS3ERR_NOENT) {
			fail("REMOVE tmp/%s: status %d", d->name, r.status);
			return S_FAIL;
		}
		if (r.status == NFS3_OK)
			atomic_fetch_add(&n_tmp_removed, 1);
	}
	fail("CREATE GUARDED tmp/%s: NFS3ERR_EXIST after REMOVE, 3 times",
	    d->name);
	return S_FAIL;
}

/* EXCLUSIVE: create, or find our earlier tmp/NAME and go on with it. */
static enum step
create_exclusive(struct worker *w, struct delivery *d)
{
	char cverf[NFS3_CREATEVERFSIZE];
	uint64_t h = fnv64(d->name, strlen(d->name), FNV_INIT);
	struct reply r;
	bool reuse = false;

	memcpy(cverf, &h, sizeof(cverf));
	if (c3_create(&w->c, &fh_tmp, d->name, EXCLUSIVE, cverf, &r) != T_OK)
		return S_RETRY;
	if (r.status == NFS3ERR_EXIST) {
		/* Ours, with its times already set (or written to). */
		if (c3_lookup(&w->c, &fh_tmp, d->name, &r) != T_OK)
			return S_RETRY;
		if (r.status != NFS3_OK) {
			fail("CREATE EXCLUSIVE tmp/%s said NFS3ERR_EXIST, "
			    "LOOKUP says status %d", d->name, r.status);
			return S_FAIL;
		}
		reuse = true;
	} else if (r.status != NFS3_OK) {
		fail("CREATE EXCLUSIVE tmp/%s: status %d", d->name, r.status);
		return S_FAIL;
	} else if (!r.has_fh) {
		if (c3_lookup(&w->c, &fh_tmp, d->name, &r) != T_OK)
			return S_RETRY;
		if (r.status != NFS3_OK) {
			fail("LOOKUP tmp/%s after CREATE: status %d", d->name,
			    r.status);
			return S_FAIL;
		}
	}
	if (d->have_fh)
		reuse = true;
	if (reuse)
		atomic_fetch_add(&n_tmp_reused, 1);
	set_fh(d, &r.fh);
	if (c3_setattr_new(&w->c, &d->fh, &r) != T_OK)
		return S_RETRY;
	if (r.status != NFS3_OK) {
		fail("SETATTR tmp/%s: status %d", d->name, r.status);
		return S_FAIL;
	}
	return S_OK;
}

/* WRITE one chunk until all of it is acknowledged. */
static enum step
write_chunk(struct worker *w, struct delivery *d, unsigned i)
{
	size_t off = (size_t)i * CHUNK, len, done = 0;
	struct reply r;

	len = d->len - off < CHUNK ? d->len - off : CHUNK;
	while (done < len) {
		if (c3_write(&w->c, &d->fh, off + done, d->body + off + done,
		    (uint32_t)(len - done), w->stable, &r) != T_OK)
			return S_RETRY;
		if (r.status != NFS3_OK) {
			fail("WRITE tmp/%s at %zu: status %d", d->name,
			    off + done, r.status);
			return S_FAIL;
		}
		note_verf(r.verf);
		if (r.count == 0 || r.count > len - done) {
			fail("WRITE tmp/%s at %zu of %zu bytes: count %u",
			    d->name, off + done, len - done, r.count);
			return S_FAIL;
		}
		if ((int)r.committed < (int)w->stable) {
			fail("WRITE tmp/%s %s answered committed=%s", d->name,
			    stable_name(w->stable), stable_name(r.committed));
			return S_FAIL;
		}
		if (done > 0 && memcmp(d->verf[i], r.verf,
		    NFS3_WRITEVERFSIZE) != 0) {
			/* The server restarted within this chunk. */
			done = 0;
			continue;
		}
		memcpy(d->verf[i], r.verf, NFS3_WRITEVERFSIZE);
		done += r.count;
	}
	d->st[i] = r.committed == UNSTABLE ? C_UNSTABLE : C_DURABLE;
	return S_OK;
}

/*
 * Make the whole body durable: write what is not, COMMIT what was
 * written UNSTABLE, and write again whatever a COMMIT did not cover
 * (its verifier differs from the WRITE's).
 */
static enum step
write_body(struct worker *w, struct delivery *d)
{
	unsigned i, round, unstable, mismatch;
	struct reply r;
	enum step s;

	for (round = 0; round < MAX_ROUNDS; round++) {
		for (i = 0; i < d->nchunks; i++) {
			if (d->st[i] != C_NONE)
				continue;
			if ((s = write_chunk(w, d, i)) != S_OK)
				return s;
		}
		unstable = 0;
		for (i = 0; i < d->nchunks; i++)
			unstable += d->st[i] == C_UNSTABLE;
		if (unstable == 0)
			return S_OK;
		if (c3_commit(&w->c, &d->fh, &r) != T_OK)
			return S_RETRY;
		if (r.status != NFS3_OK) {
			fail("COMMIT tmp/%s: status %d", d->name, r.status);
			return S_FAIL;
		}
		note_verf(r.verf);
		mismatch = 0;
		for (i = 0; i < d->nchunks; i++) {
			if (d->st[i] != C_UNSTABLE)
				continue;
			if (memcmp(d->verf[i], r.verf,
			    NFS3_WRITEVERFSIZE) == 0) {
				d->st[i] = C_DURABLE;
			} else {
				d->st[i] = C_NONE;
				mismatch++;
			}
		}
		if (mismatch == 0)
			return S_OK;
		atomic_fetch_add(&n_vmismatch, 1);
		atomic_fetch_add(&n_rewritten, mismatch);
	}
	fail("tmp/%s: COMMIT verifier still differs from the WRITEs' "
	    "after %d rounds", d->name, MAX_ROUNDS);
	return S_FAIL;
}

/* LOOKUP new/NAME: S_OK there (and whole), S_FAIL absent. */
static enum step
in_new(struct worker *w, struct delivery *d, bool *there)
{
	struct reply r;

	*there = false;
	if (c3_lookup(&w->c, &fh_new, d->name, &r) != T_OK)
		return S_RETRY;
	if (r.status == NFS3ERR_NOENT)
		return S_OK;
	if (r.status != NFS3_OK) {
		fail("LOOKUP new/%s: status %d", d->name, r.status);
		return S_FAIL;
	}
	if (r.has_attr && r.size != d->len) {
		fail("new/%s has %" PRIu64 " bytes, its body %zu", d->name,
		    r.size, d->len);
		return S_FAIL;
	}
	*there = true;
	return S_OK;
}

/* One attempt of the whole delivery. */
static enum step
attempt(struct worker *w, struct delivery *d, bool *delivered)
{
	struct reply r;
	enum step s;
	bool there;

	*delivered = false;
	if (d->rename_sent) {
		/* Did the RENAME whose reply we lost happen? */
		if ((s = in_new(w, d, &there)) != S_OK)
			return s;
		if (there) {
			atomic_fetch_add(&n_found_renamed, 1);
			*delivered = true;
			return S_OK;
		}
	}
	s = w->exclusive ? create_exclusive(w, d) : create_guarded(w, d);
	if (s != S_OK)
		return s;
	if ((s = write_body(w, d)) != S_OK)
		return s;
	d->rename_sent = true;
	if (c3_rename(&w->c, &fh_tmp, d->name, &fh_new, d->name, &r) != T_OK)
		return S_RETRY;
	if (r.status == NFS3ERR_NOENT) {
		/* tmp/NAME is gone: renamed by an earlier attempt? */
		if ((s = in_new(w, d, &there)) != S_OK)
			return s;
		if (!there) {
			fail("LOST %s: tmp/%s gone (RENAME: NFS3ERR_NOENT) "
			    "and no new/%s", d->name, d->name, d->name);
			return S_FAIL;
		}
		atomic_fetch_add(&n_found_renamed, 1);
	} else if (r.status != NFS3_OK) {
		fail("RENAME tmp/%s new/%s: status %d", d->name, d->name,
		    r.status);
		return S_FAIL;
	}
	*delivered = true;
	return S_OK;
}

static bool
has_unstable(const struct delivery *d)
{
	unsigned i;

	for (i = 0; i < d->nchunks; i++)
		if (d->st[i] == C_UNSTABLE)
			return true;
	return false;
}

static void
deliver(struct worker *w, const char *name)
{
	struct delivery *d;
	unsigned attempts = 0;
	bool delivered = false;
	enum step s;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		die("out of memory");
	d->name = name;
	d->body = w->body;
	d->len = make_body(name, w->body);
	d->nchunks = (unsigned)((d->len + CHUNK - 1) / CHUNK);
	atomic_fetch_add(&n_started, 1);
	for (;;) {
		if (now_ms() > hard_deadline_ms) {
			fail("gave up on %s after %u attempts (time is up)",
			    name, attempts);
			atomic_fetch_add(&n_gaveup, 1);
			break;
		}
		attempts++;
		atomic_fetch_add(&n_attempts, 1);
		if (!conn_ensure(&w->c))
			continue;
		s = attempt(w, d, &delivered);
		if (s == S_OK)
			break;
		if (s == S_RETRY && w->exclusive && has_unstable(d))
			atomic_fetch_add(&n_unstable_cut, 1);
		if (s == S_FAIL) {
			atomic_fetch_add(&n_gaveup, 1);
			break;
		}
	}
	if (delivered) {
		ack(name);
		if (attempts > 1)
			atomic_fetch_add(&n_retried, 1);
	}
	free(d);
}

static bool
keep_starting(void)
{
	if (now_ms() > soft_deadline_ms)
		return false;
	return opt.stopfile == NULL || access(opt.stopfile, F_OK) != 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	char name[NAME_LEN];
	unsigned seq;

	while (keep_starting()) {
		seq = atomic_fetch_add(&next_seq, 1);
		if (seq >= opt.max_msgs)
			break;
		snprintf(name, sizeof(name), "%lld.M%uP%ldQ%d%s", epoch, seq,
		    mypid, w->id, NAME_SUFFIX);
		deliver(w, name);
	}
	if (w->c.rpc != NULL)
		rpc_destroy_context(w->c.rpc);
	w->c.rpc = NULL;
	return NULL;
}

/* MKDIR dir/name, or LOOKUP it if it is there: its handle. */
static enum tres
mkdir_or_lookup(struct conn *c, const struct fh *dir, const char *name,
    struct fh *out)
{
	struct reply r;

	if (c3_mkdir(c, dir, name, &r) != T_OK)
		return T_TRANSPORT;
	if (r.status == NFS3_OK && r.has_fh) {
		*out = r.fh;
		return T_OK;
	}
	if (r.status != NFS3_OK && r.status != NFS3ERR_EXIST)
		die("MKDIR %s: status %d", name, r.status);
	if (c3_lookup(c, dir, name, &r) != T_OK)
		return T_TRANSPORT;
	if (r.status != NFS3_OK)
		die("LOOKUP %s: status %d", name, r.status);
	*out = r.fh;
	return T_OK;
}

/* The export's root handle (MOUNT), then the Maildir's directories. */
static void
setup(void)
{
	struct conn mc = { .server = opt.server, .port = opt.mountport,
	    .prog = MOUNT_PROGRAM, .vers = MOUNT_V3, .who = -1 };
	struct conn nc = { .server = opt.server, .port = opt.nfsport,
	    .prog = NFS_PROGRAM, .vers = NFS_V3, .who = -1 };
	struct fh root, md, cur;
	struct reply r;

	while (mnt(&mc, opt.export, &r) != T_OK)
		if (now_ms() > hard_deadline_ms)
			die("MNT %s: no answer", opt.export);
	if (r.status != MNT3_OK || !r.has_fh)
		die("MNT %s: status %d", opt.export, r.status);
	root = r.fh;
	rpc_destroy_context(mc.rpc);
	while (mkdir_or_lookup(&nc, &root, opt.maildir, &md) != T_OK ||
	    mkdir_or_lookup(&nc, &md, "tmp", &fh_tmp) != T_OK ||
	    mkdir_or_lookup(&nc, &md, "new", &fh_new) != T_OK ||
	    mkdir_or_lookup(&nc, &md, "cur", &cur) != T_OK)
		if (now_ms() > hard_deadline_ms)
			die("cannot make the Maildir: no answer");
	rpc_destroy_context(nc.rpc);
}

static int
deliver_main(int argc, char **argv)
{
	struct worker *ws;
	unsigned nv;
	char *end;
	int ch, i;

	while ((ch = getopt(argc, argv, "t:n:T:S:p:m:")) != -1) {
		switch (ch) {
		case 't':
			opt.threads = (int)strtol(optarg, &end, 10);
			if (*end || opt.threads < 1 || opt.threads > MAX_THREADS)
				usage();
			break;
		case 'n':
			opt.max_msgs = (unsigned)strtoul(optarg, &end, 10);
			if (*end || opt.max_msgs < 1)
				usage();
			break;
		case 'T':
			opt.seconds = (int)strtol(optarg, &end, 10);
			if (*end || opt.seconds < 2)
				usage();
			break;
		case 'S':
			opt.stopfile = optarg;
			break;
		case 'p':
			opt.nfsport = (int)strtol(optarg, &end, 10);
			if (*end || opt.nfsport < 1 || opt.nfsport > 65535)
				usage();
			break;
		case 'm':
			opt.mountport = (int)strtol(optarg, &end, 10);
			if (*end || opt.mountport < 1 || opt.mountport > 65535)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4)
		usage();
	opt.server = argv[optind];
	opt.export = argv[optind + 1];
	opt.maildir = argv[optind + 2];
	opt.ackfile = argv[optind + 3];

	signal(SIGPIPE, SIG_IGN);
	start_ms = now_ms();
	/* Time to finish what was begun: 15 s, or half of it all. */
	soft_deadline_ms = start_ms + opt.seconds * 1000LL -
	    (opt.seconds > 30 ? 15000 : opt.seconds * 1000LL / 2);
	hard_deadline_ms = start_ms + opt.seconds * 1000LL;
	mypid = (long)getpid();
	epoch = (long long)time(NULL);
	ack_fd = open(opt.ackfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644);
	if (ack_fd == -1)
		die("%s: %s", opt.ackfile, strerror(errno));

	setup();
	say("delivering into %s:%s/%s with %d threads (ports %d/%d)",
	    opt.server, opt.export, opt.maildir, opt.threads, opt.nfsport,
	    opt.mountport);

	if ((ws = calloc((size_t)opt.threads, sizeof(*ws))) == NULL)
		die("out of memory");
	for (i = 0; i < opt.threads; i++) {
		ws[i].id = i;
		ws[i].stable = i % 2 == 0 ? FILE_SYNC : UNSTABLE;
		ws[i].exclusive = i / 2 % 2 == 1;
		ws[i].c = (struct conn){ .server = opt.server,
		    .port = opt.nfsport, .prog = NFS_PROGRAM, .vers = NFS_V3,
		    .who = i };
		if ((ws[i].body = malloc(MAX_BODY)) == NULL)
			die("out of memory");
		if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0)
			die("pthread_create failed");
	}
	for (i = 0; i < opt.threads; i++) {
		pthread_join(ws[i].tid, NULL);
		free(ws[i].body);
	}
	free(ws);
	if (close(ack_fd) == -1)
		die("%s: %s", opt.ackfile, strerror(errno));
	pthread_mutex_lock(&verf_lock);
	nv = nverfs;
	pthread_mutex_unlock(&verf_lock);

	if (atomic_load(&n_acked) != atomic_load(&n_started))
		fail("%u messages begun, %u delivered and acknowledged",
		    atomic_load(&n_started), atomic_load(&n_acked));
	say("%u messages acknowledged in %.1f s; %u deliveries retried "
	    "(%u attempts), %u reconnects after %u transport errors",
	    atomic_load(&n_acked), (double)(now_ms() - start_ms) / 1000,
	    atomic_load(&n_retried), atomic_load(&n_attempts),
	    atomic_load(&n_reconnects), atomic_load(&n_transport));
	say("%u WRITEs, %u COMMITs; %u EXCLUSIVE attempts cut with UNSTABLE "
	    "data not yet committed, %u COMMITs with a changed verifier "
	    "(%u chunks written again); %u write verifiers seen",
	    atomic_load(&n_writes), atomic_load(&n_commits),
	    atomic_load(&n_unstable_cut), atomic_load(&n_vmismatch),
	    atomic_load(&n_rewritten), nv);
	say("retries found: %u tmp files removed (GUARDED), %u reused "
	    "(EXCLUSIVE), %u renames already done; %u changed file handles, "
	    "%u JUKEBOX answers", atomic_load(&n_tmp_removed),
	    atomic_load(&n_tmp_reused), atomic_load(&n_found_renamed),
	    atomic_load(&n_fh_changed), atomic_load(&n_jukebox));
	say("STATS acked=%u started=%u retried=%u attempts=%u reconnects=%u "
	    "transport_errors=%u unstable_cut=%u verf_mismatch=%u rewritten=%u verifiers=%u "
	    "tmp_removed=%u tmp_reused=%u found_renamed=%u fh_changed=%u "
	    "gaveup=%u fails=%u",
	    atomic_load(&n_acked), atomic_load(&n_started),
	    atomic_load(&n_retried), atomic_load(&n_attempts),
	    atomic_load(&n_reconnects), atomic_load(&n_transport),
	    atomic_load(&n_unstable_cut), atomic_load(&n_vmismatch),
	    atomic_load(&n_rewritten), nv,
	    atomic_load(&n_tmp_removed), atomic_load(&n_tmp_reused),
	    atomic_load(&n_found_renamed), atomic_load(&n_fh_changed),
	    atomic_load(&n_gaveup), atomic_load(&nfails));
	return atomic_load(&nfails) == 0 ? 0 : 1;
}

/* --------------------------------------------------------------- verify */

struct name_set {
	char		**v;
	size_t		 n;
	size_t		 cap;
};

static void
set_add(struct name_set *s, const char *name)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		if ((s->v = realloc(s->v, s->cap * sizeof(*s->v))) == NULL)
			die("out of memory");
	}
	if ((s->v[s->n++] = strdup(name)) == NULL)
		die("out of memory");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_sort(struct name_set *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

static bool
set_has(const struct name_set *s, const char *name)
{
	return s->n > 0 &&
	    bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

static void
set_free(struct name_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* The names in a directory (not . and ..), sorted. */
static bool
list_dir(const char *path, struct name_set *s)
{
	struct dirent *e;
	DIR *d;

	if ((d = opendir(path)) == NULL) {
		fail("%s: %s", path, strerror(errno));
		return false;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			set_add(s, e->d_name);
	closedir(d);
	set_sort(s);
	return true;
}

/* new/NAME is exactly the body NAME gives. */
static bool
check_message(const char *dir, const char *name, char *want, char *got)
{
	char path[4096];
	size_t wlen, glen = 0, i;
	ssize_t n;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/new/%s", dir, name);
	if (strlen(name) >= NAME_LEN ||
	    strcmp(name + (strlen(name) > strlen(NAME_SUFFIX) ?
	    strlen(name) - strlen(NAME_SUFFIX) : 0), NAME_SUFFIX) != 0) {
		fail("new/%s: not a name crash_deliver makes", name);
		return false;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		fail("new/%s: %s", name, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fail("new/%s: not a regular file", name);
		close(fd);
		return false;
	}
	wlen = make_body(name, want);
	while (glen < MAX_BODY &&
	    (n = read(fd, got + glen, MAX_BODY - glen)) > 0)
		glen += (size_t)n;
	close(fd);
	if (glen == wlen && memcmp(want, got, wlen) == 0)
		return true;
	for (i = 0; i < wlen && i < glen && want[i] == got[i]; i++)
		;
	if (glen < wlen)
		fail("PARTIAL new/%s: %zu of %zu bytes (first difference "
		    "at byte %zu)", name, glen, wlen, i);
	else if (i < glen && got[i] == '\0')
		fail("CORRUPT new/%s: %zu bytes (want %zu), zeros from byte "
		    "%zu (a lost write?)", name, glen, wlen, i);
	else
		fail("CORRUPT new/%s: %zu bytes (want %zu), differs from "
		    "byte %zu", name, glen, wlen, i);
	return false;
}

static int
verify_main(int argc, char **argv)
{
	struct name_set acked = { 0 }, inew = { 0 }, intmp = { 0 },
	    incur = { 0 };
	char path[4096], line[NAME_LEN + 2], *want, *got;
	const char *ackfile, *dir;
	unsigned dup = 0, missing = 0, bad = 0, unacked = 0;
	bool quiet = false;
	size_t i, len;
	FILE *f;
	int ch;

	while ((ch = getopt(argc, argv, "q")) != -1) {
		if (ch != 'q')
			usage();
		quiet = true;
	}
	if (argc - optind != 2)
		usage();
	ackfile = argv[optind];
	dir = argv[optind + 1];

	if ((f = fopen(ackfile, "r")) == NULL)
		die("%s: %s", ackfile, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n') {
			if (!feof(f))
				die("%s: line too long", ackfile);
			break;		/* being written: not an ack yet */
		}
		line[len - 1] = '\0';
		set_add(&acked, line);
	}
	fclose(f);
	set_sort(&acked);
	for (i = 1; i < acked.n; i++)
		if (strcmp(acked.v[i - 1], acked.v[i]) == 0) {
			fail("%s acknowledged twice", acked.v[i]);
			dup++;
		}

	snprintf(path, sizeof(path), "%s/new", dir);
	if (!list_dir(path, &inew))
		return 1;
	snprintf(path, sizeof(path), "%s/tmp", dir);
	if (!list_dir(path, &intmp))
		return 1;
	snprintf(path, sizeof(path), "%s/cur", dir);
	if (!list_dir(path, &incur))
		return 1;

	for (i = 0; i < acked.n; i++)
		if ((i == 0 || strcmp(acked.v[i - 1], acked.v[i]) != 0) &&
		    !set_has(&inew, acked.v[i])) {
			fail("LOST %s: acknowledged, not in new/%s",
			    acked.v[i], set_has(&intmp, acked.v[i]) ?
			    " (it is in tmp/)" : "");
			missing++;
		}
	if ((want = malloc(MAX_BODY)) == NULL ||
	    (got = malloc(MAX_BODY)) == NULL)
		die("out of memory");
	for (i = 0; i < inew.n; i++) {
		if (!check_message(dir, inew.v[i], want, got))
			bad++;
		if (!set_has(&acked, inew.v[i]))
			unacked++;
	}
	free(want);
	free(got);
	if (incur.n > 0)
		fail("cur/ is not empty: %zu entries (%s ...)", incur.n,
		    incur.v[0]);

	if (!quiet || missing || bad || dup) {
		say("%s %zu acknowledged: %u missing from new/, %u twice",
		    missing || dup ? "FAIL" : "ok  ", acked.n, missing, dup);
		say("%s %zu in new/: %u partial or corrupt, %u not (yet) "
		    "acknowledged", bad ? "FAIL" : "ok  ", inew.n, bad,
		    unacked);
		say("     %zu left in tmp/ (allowed)", intmp.n);
	}
	say("VERIFY acked=%zu new=%zu missing=%u bad=%u dup=%u unacked=%u "
	    "tmp=%zu cur=%zu", acked.n, inew.n, missing, bad, dup, unacked,
	    intmp.n, incur.n);
	set_free(&acked);
	set_free(&inew);
	set_free(&intmp);
	set_free(&incur);
	return atomic_load(&nfails) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "deliver") == 0)
		return deliver_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return verify_main(argc - 1, argv + 1);
	usage();
}
