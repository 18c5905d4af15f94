/*
 * nfs3_conform.c - NFSv3 conformance test (RFC 1813) through libnfs's
 * raw rpc_nfs3_* calls: an NFSv3 client nobody here wrote, driven
 * one procedure at a time so that every argument and every field of
 * every reply can be checked.
 *
 * It exercises all 22 NFSv3 procedures and their error cases against
 * a running server: WCC data on modifying calls, SETATTR's ctime guard
 * (NOT_SYNC), CREATE UNCHECKED/GUARDED/EXCLUSIVE (a retried EXCLUSIVE
 * create with the same verifier succeeds, another verifier gets
 * EXIST), WRITE stability and the write verifier, READ's eof, 1 MiB
 * transfers, STALE handles of removed objects, BADHANDLE for a handle
 * with any byte flipped, READDIR/READDIRPLUS cookies over 10,000
 * entries while another connection adds and removes entries,
 * retransmissions (the same xid) answered from the server's duplicate
 * request cache, and, in subtests run against differently configured
 * servers, read-only exports (ROFS), root squashing and other users'
 * files (ACCES), a full file system (NOSPC), and data, handles and
 * EXCLUSIVE create verifiers that survive a kill -9 of the server.
 *
 * Every check prints "ok   <what>" or "FAIL <what>: expected X, got
 * Y".  Exit status 0 if every check passed, 1 if any failed, 2 on bad
 * usage.
 *
 * usage: nfs3_conform [-u uid] [-g gid] [-p nfsport] [-m mountport]
 *	      [-F fsid] [-n entries] [-s statefile] server export
 *	      [subtest...]
 *
 * -F checks that the export's fattr3.fsid is that number; -n sets the
 * size of bigdir's directory (default 10000).
 *
 * With no subtest, runs the default set (everything but ro, squash,
 * other, persist-write and persist-check) in a fresh directory it
 * makes at the export's root; run it as root (-u 0) on an export that
 * does not squash root.  The other subtests expect the server's side
 * to have been prepared (see usage()).
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
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

#define MOUNT_PROG		100005
#define MOUNT_V3		3
#define NFS_PROG		100003
#define NFS_V3			3
#define AUTH_SYS_FLAVOR		1

#define ST_RPC			(-1)	/* no NFS status: the RPC failed */
#define ST_END			(-2)	/* ends a list of statuses */

#define CALL_TIMEOUT_MS		15000
#define DRAIN_TIMEOUT_MS	20000
#define MIB			(1024 * 1024)
#define NAME_LONG		256	/* one more than NAME_MAX */
#define MAX_CONNS		4
#define ANON_UID_16		65534U
#define ANON_UID_32		4294967294U	/* (uint32_t)-2 */
#define MAX_FAIL_LINES		20	/* per aggregate check */

struct fh {
	u_int		 len;
	unsigned char	 data[NFS3_FHSIZE];
};

struct conn {
	struct rpc_context *rpc;
	const char	*name;
	int		 dead;
	char		 err[256];
};

/* What a reply callback fills in for a synchronous call. */
typedef int	(*copy_fn)(void *, void *);
typedef int	(*start_fn)(struct rpc_context *, void *, void *);

struct waiter {
	int		 done;
	int		 st;
	void		*res;
	copy_fn		 copy;
	char		 err[256];
};

/* CREATE, MKDIR, SYMLINK and MKNOD results, in one shape. */
struct r_new {
	int		 has_fh;
	struct fh	 fh;
	post_op_attr	 attr;
	wcc_data	 wcc;
};

struct r_lookup {
	struct fh	 fh;
	post_op_attr	 attr;
	post_op_attr	 dir;
};

struct r_read {
	post_op_attr	 attr;
	count3		 count;
	int		 eof;
	u_int		 len;
	unsigned char	*buf;		/* caller's buffer, cap bytes */
	u_int		 cap;
};

struct r_readlink {
	post_op_attr	 attr;
	char		 target[1100];
};

struct dent {
	fileid3		 fileid;
	cookie3		 cookie;
	char		*name;
	int		 has_attr;
	fattr3		 attr;
	int		 has_fh;
	struct fh	 fh;
};

struct r_dir {
	post_op_attr	 dir;
	cookieverf3	 verf;
	int		 eof;
	size_t		 n;
	struct dent	*e;
	size_t		 size;		/* XDR size of the resok */
	size_t		 dirsize;	/* same, as READDIR would count */
};

struct r_mnt {
	int		 flavors;	/* bit n: flavor n listed (n < 32) */
	struct fh	 fh;
};

/* Per-listing totals of the per-reply checks. */
struct liststat {
	int		 calls;
	int		 entries;
	int		 st;		/* first non-OK status */
	int		 failcall;	/* which call got it */
	int		 overfull;	/* replies larger than asked */
	int		 underfilled;	/* non-final replies less than half full */
	int		 zerocookie;
	int		 noattr;	/* READDIRPLUS entries without attrs */
	int		 nofh;		/* ... or without a handle */
	int		 badattr;	/* attrs of another fileid */
	int		 runaway;	/* gave up: too many calls */
	size_t		 maxsize;
};

typedef void	(*dent_fn)(const struct dent *, void *);

/* A background client: CREATEs and REMOVEs kept in flight. */
struct bg {
	struct conn	*c;
	struct fh	 dir;
	const char	*cprefix;	/* names cprefix%05d are created */
	int		 ncreate;
	int		 cnext;
	unsigned char	*created;	/* [ncreate]: CREATE returned OK */
	const char	*vprefix;	/* names vprefix%05d are removed */
	int		 vnext;
	int		 vend;
	unsigned char	*vissued;	/* [vend]: REMOVE sent */
	unsigned char	*vremoved;	/* [vend]: REMOVE returned OK */
	int		 remove_every;	/* every Nth operation is a REMOVE */
	int		 window;
	int		 inflight;
	int		 ops;
	int		 done_ops;
	int		 stop;
	int		 errors;
	char		 firsterr[160];
};

struct bgop {
	struct bg	*bg;
	int		 remove;
	int		 idx;
};

struct subtest {
	const char	*name;
	void		 (*fn)(void);
	int		 dflt;		/* part of the default set */
	const char	*what;
};

static struct {
	int		 uid;
	int		 gid;
	int		 nfsport;
	int		 mountport;
	int		 nbig;
	const char	*server;
	const char	*export;
	const char	*statefile;
	int		 has_fsid;
	uint64_t	 fsid;
} opt = { 0, 0, 0, 0, 10000, NULL, NULL, NULL, 0, 0 };

static struct conn	*conns[MAX_CONNS];
static int		 nconns;
static struct conn	 c1;		/* the main connection */
static struct conn	 c2;		/* a second client, for concurrency */
static struct fh	 root;		/* from MNT */
static fattr3		 root_attr;
static struct fh	 work;		/* this run's directory */
static int		 have_work;
static struct r_mnt	 mnt;
static int		 mnt_st = ST_RPC;
static unsigned		 nchecks;
static unsigned		 nfails;
static char		 lasterr[512];
static char		 whatbuf[512];

static const int	 isdir_like[] = { NFS3ERR_ISDIR, NFS3ERR_PERM,
			    NFS3ERR_ACCES, NFS3ERR_INVAL, ST_END };
static const int	 perm_like[] = { NFS3ERR_PERM, NFS3ERR_ACCES,
			    ST_END };
static const int	 notdir_read[] = { NFS3ERR_ISDIR, NFS3ERR_INVAL,
			    ST_END };
static const int	 size_on_dir[] = { NFS3ERR_INVAL, NFS3ERR_ISDIR,
			    ST_END };
static const int	 bad_name[] = { NFS3ERR_ACCES, NFS3ERR_INVAL,
			    ST_END };
static const int	 dir_over_dir[] = { NFS3ERR_NOTEMPTY, NFS3ERR_EXIST,
			    ST_END };
static const int	 file_over_dir[] = { NFS3ERR_ISDIR, NFS3ERR_EXIST,
			    ST_END };
static const int	 link_dir[] = { NFS3ERR_PERM, NFS3ERR_ISDIR,
			    NFS3ERR_INVAL, NFS3ERR_ACCES, NFS3ERR_NOTSUPP,
			    ST_END };
static const int	 create_on_dir[] = { NFS3ERR_ISDIR, NFS3ERR_EXIST,
			    ST_END };

static void	 usage(void) __attribute__((noreturn));
static int	 check(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 expect_st(int, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 expect_in(int, const int *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 expect_u64(uint64_t, uint64_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 set_lasterr(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: nfs3_conform [-u uid] [-g gid] [-p nfsport] "
	    "[-m mountport] [-F fsid]\n"
	    "\t[-n entries] [-s statefile] server export [subtest...]\n"
	    "subtests (default: all marked *):\n"
	    "  null getattr lookup access setattr readwrite create mkdir\n"
	    "  remove symlink mknod rename link readdir bigdir fsinfo\n"
	    "  handles names drc   (*: as root on a -maproot=root export)\n"
	    "  nospc         the export is a small (a few MiB) file system\n"
	    "  ro            the export is read-only and holds a non-empty\n"
	    "                file \"file\" and a directory \"dir\"\n"
	    "  squash        run as -u 0 on a root-squashing export whose\n"
	    "                root is root's 0755 directory, holding root's\n"
	    "                0600 \"rootfile\" and a 0777 directory \"pub\"\n"
	    "  other         run as a user (-u 1000) on an export holding\n"
	    "                another user's 0600 \"secret\" and a 0777 "
	    "\"pub\"\n"
	    "  persist-write writes FILE_SYNC data, saves handles to -s "
	    "FILE\n"
	    "  persist-check (after a server restart) checks them\n");
	exit(2);
}

/* ------------------------------------------------------------ reporting */

static void
set_lasterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lasterr, sizeof(lasterr), fmt, ap);
	va_end(ap);
}

static const char *
stname(int st)
{
	static char buf[600];

	switch (st) {
	case ST_RPC:
		snprintf(buf, sizeof(buf), "RPC failure (%s)", lasterr);
		return buf;
	case NFS3_OK: return "NFS3_OK";
	case NFS3ERR_PERM: return "NFS3ERR_PERM";
	case NFS3ERR_NOENT: return "NFS3ERR_NOENT";
	case NFS3ERR_IO: return "NFS3ERR_IO";
	case NFS3ERR_NXIO: return "NFS3ERR_NXIO";
	case NFS3ERR_ACCES: return "NFS3ERR_ACCES";
	case NFS3ERR_EXIST: return "NFS3ERR_EXIST";
	case NFS3ERR_XDEV: return "NFS3ERR_XDEV";
	case NFS3ERR_NODEV: return "NFS3ERR_NODEV";
	case NFS3ERR_NOTDIR: return "NFS3ERR_NOTDIR";
	case NFS3ERR_ISDIR: return "NFS3ERR_ISDIR";
	case NFS3ERR_INVAL: return "NFS3ERR_INVAL";
	case NFS3ERR_FBIG: return "NFS3ERR_FBIG";
	case NFS3ERR_NOSPC: return "NFS3ERR_NOSPC";
	case NFS3ERR_ROFS: return "NFS3ERR_ROFS";
	case NFS3ERR_MLINK: return "NFS3ERR_MLINK";
	case NFS3ERR_NAMETOOLONG: return "NFS3ERR_NAMETOOLONG";
	case NFS3ERR_NOTEMPTY: return "NFS3ERR_NOTEMPTY";
	case NFS3ERR_DQUOT: return "NFS3ERR_DQUOT";
	case NFS3ERR_STALE: return "NFS3ERR_STALE";
	case NFS3ERR_REMOTE: return "NFS3ERR_REMOTE";
	case NFS3ERR_BADHANDLE: return "NFS3ERR_BADHANDLE";
	case NFS3ERR_NOT_SYNC: return "NFS3ERR_NOT_SYNC";
	case NFS3ERR_BAD_COOKIE: return "NFS3ERR_BAD_COOKIE";
	case NFS3ERR_NOTSUPP: return "NFS3ERR_NOTSUPP";
	case NFS3ERR_TOOSMALL: return "NFS3ERR_TOOSMALL";
	case NFS3ERR_SERVERFAULT: return "NFS3ERR_SERVERFAULT";
	case NFS3ERR_BADTYPE: return "NFS3ERR_BADTYPE";
	case NFS3ERR_JUKEBOX: return "NFS3ERR_JUKEBOX";
	}
	snprintf(buf, sizeof(buf), "status %d", st);
	return buf;
}

static void
report(int good, const char *what, const char *detail)
{
	nchecks++;
	if (good) {
		printf("ok   %s\n", what);
		return;
	}
	nfails++;
	printf("FAIL %s: %s\n", what, detail);
}

/*
 * check(cond, "what\texpected X, got Y", ...): one check; the part
 * after the tab is printed only when it fails.
 */
static int
check(int good, const char *fmt, ...)
{
	va_list ap;
	char *tab;

	va_start(ap, fmt);
	vsnprintf(whatbuf, sizeof(whatbuf), fmt, ap);
	va_end(ap);
	if ((tab = strchr(whatbuf, '\t')) != NULL)
		*tab++ = '\0';
	report(good, whatbuf, tab != NULL ? tab : "check failed");
	return good;
}

static int
expect_st(int st, int want, const char *fmt, ...)
{
	va_list ap;
	char detail[800];

	va_start(ap, fmt);
	vsnprintf(whatbuf, sizeof(whatbuf), fmt, ap);
	va_end(ap);
	snprintf(detail, sizeof(detail), "expected %s, got %s",
	    stname(want), stname(st));
	report(st == want, whatbuf, detail);
	return st == want;
}

static int
expect_in(int st, const int *want, const char *fmt, ...)
{
	va_list ap;
	char detail[800];
	size_t len = 0;
	int i, good = 0;

	va_start(ap, fmt);
	vsnprintf(whatbuf, sizeof(whatbuf), fmt, ap);
	va_end(ap);
	len += snprintf(detail, sizeof(detail), "expected one of");
	for (i = 0; want[i] != ST_END; i++) {
		if (st == want[i])
			good = 1;
		if (len < sizeof(detail))
			len += snprintf(detail + len, sizeof(detail) - len,
			    " %s", stname(want[i]));
	}
	if (len < sizeof(detail))
		snprintf(detail + len, sizeof(detail) - len, ", got %s",
		    stname(st));
	report(good, whatbuf, detail);
	return good;
}

static int
expect_u64(uint64_t got, uint64_t want, const char *fmt, ...)
{
	va_list ap;
	char detail[200];

	va_start(ap, fmt);
	vsnprintf(whatbuf, sizeof(whatbuf), fmt, ap);
	va_end(ap);
	snprintf(detail, sizeof(detail), "expected %" PRIu64 ", got %"
	    PRIu64, want, got);
	report(got == want, whatbuf, detail);
	return got == want;
}

/* A step a test needs: silent when it works, a failed check if not. */
static int
need(int st, const char *what)
{
	if (st == NFS3_OK)
		return 1;
	nchecks++;
	nfails++;
	printf("FAIL %s: expected NFS3_OK, got %s\n", what, stname(st));
	return 0;
}

static void
section(const char *name, const char *what)
{
	printf("== %s: %s\n", name, what);
	fflush(stdout);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ----------------------------------------------------------- connections */

static void
conn_kill(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = 1;
	snprintf(c->err, sizeof(c->err), "%s", why != NULL ? why : "?");
}

static void
conn_forget(struct conn *c)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i] == c) {
			conns[i] = conns[--nconns];
			break;
		}
}

/* Poll every live connection once, for up to ms milliseconds. */
static void
pump(int ms)
{
	struct pollfd pfd[MAX_CONNS];
	struct conn *which[MAX_CONNS];
	int i, n = 0;

	for (i = 0; i < nconns; i++) {
		if (conns[i]->dead || conns[i]->rpc == NULL)
			continue;
		pfd[n].fd = rpc_get_fd(conns[i]->rpc);
		pfd[n].events = rpc_which_events(conns[i]->rpc);
		pfd[n].revents = 0;
		which[n++] = conns[i];
	}
	if (n == 0 || poll(pfd, n, ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0 || which[i]->dead)
			continue;
		if (rpc_service(which[i]->rpc, pfd[i].revents) < 0)
			conn_kill(which[i], rpc_get_error(which[i]->rpc));
	}
}

/*
 * Wait for one reply.  A connection that does not answer in time is
 * given up for good (never serviced again, so no late callback can
 * touch a waiter that is gone).
 */
static int
await(struct conn *c, struct waiter *w, int ms)
{
	long long deadline = now_ms() + ms;
	long long left;

	while (!w->done) {
		if (c->dead)
			return -1;
		if ((left = deadline - now_ms()) <= 0) {
			conn_kill(c, "no reply in time");
			return -1;
		}
		pump(left < 100 ? (int)left : 100);
	}
	return 0;
}

static void
on_reply(struct rpc_context *rpc, int status, void *data, void *priv)
{
	struct waiter *w = priv;

	(void)rpc;
	if (status == RPC_STATUS_SUCCESS) {
		w->st = w->copy != NULL ? w->copy(w->res, data) : NFS3_OK;
	} else {
		snprintf(w->err, sizeof(w->err), "%s",
		    status == RPC_STATUS_ERROR && data != NULL ?
		    (const char *)data : status == RPC_STATUS_TIMEOUT ?
		    "timeout" : "cancelled");
		w->st = ST_RPC;
	}
	w->done = 1;
}

static void
conn_cred(struct conn *c, int uid, int gid)
{
	struct AUTH *auth;

	auth = libnfs_authunix_create("nfs3conform", (uint32_t)uid,
	    (uint32_t)gid, 0, NULL);
	if (auth != NULL)
		rpc_set_auth(c->rpc, auth);
}

static int
conn_open(struct conn *c, const char *name, int prog, int vers, int port)
{
	struct waiter w;
	int rc;

	memset(c, 0, sizeof(*c));
	memset(&w, 0, sizeof(w));
	c->name = name;
	if ((c->rpc = rpc_init_context()) == NULL) {
		conn_kill(c, "rpc_init_context failed");
		return -1;
	}
	conn_cred(c, opt.uid, opt.gid);
	if (nconns < MAX_CONNS)
		conns[nconns++] = c;
	if (port > 0)
		rc = rpc_connect_port_async(c->rpc, opt.server, port, prog,
		    vers, on_reply, &w);
	else
		rc = rpc_connect_program_async(c->rpc, opt.server, prog,
		    vers, on_reply, &w);
	if (rc != 0) {
		conn_kill(c, rpc_get_error(c->rpc));
		return -1;
	}
	if (await(c, &w, CALL_TIMEOUT_MS) == -1)
		return -1;
	if (w.st != NFS3_OK) {
		conn_kill(c, w.err);
		return -1;
	}
	return 0;
}

/* One synchronous call; returns the NFS status or ST_RPC. */
static int
call(struct conn *c, const char *proc, start_fn start, void *args,
    void *res, copy_fn copy)
{
	struct waiter w;

	memset(&w, 0, sizeof(w));
	w.res = res;
	w.copy = copy;
	if (c->dead) {
		set_lasterr("%s not sent: connection %s is down: %s", proc,
		    c->name, c->err);
		return ST_RPC;
	}
	if (start(c->rpc, args, &w) != 0) {
		conn_kill(c, rpc_get_error(c->rpc));
		set_lasterr("%s could not be sent: %s", proc, c->err);
		return ST_RPC;
	}
	if (await(c, &w, CALL_TIMEOUT_MS) == -1) {
		set_lasterr("%s on %s: %s", proc, c->name, c->err);
		return ST_RPC;
	}
	if (w.st == ST_RPC)
		set_lasterr("%s: %s", proc, w.err);
	return w.st;
}

/* -------------------------------------------------------------- handles */

static nfs_fh3
fh3(const struct fh *f)
{
	nfs_fh3 x;

	x.data.data_len = f->len;
	x.data.data_val = (char *)f->data;
	return x;
}

static void
fh_take(struct fh *dst, const nfs_fh3 *src)
{
	dst->len = src->data.data_len;
	if (dst->len > NFS3_FHSIZE)
		dst->len = NFS3_FHSIZE;
	memcpy(dst->data, src->data.data_val, dst->len);
}

static int
fh_eq(const struct fh *a, const struct fh *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void
fh_hex(const struct fh *f, char *out, size_t size)
{
	u_int i;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < f->len && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", f->data[i]);
}

static int
fh_unhex(struct fh *f, const char *s)
{
	unsigned v;
	size_t n = strlen(s);
	u_int i;

	if (n % 2 != 0 || n / 2 > NFS3_FHSIZE)
		return -1;
	f->len = (u_int)(n / 2);
	for (i = 0; i < f->len; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		f->data[i] = (unsigned char)v;
	}
	return 0;
}

/* ------------------------------------------------ reply copy functions */

#define FLAT(name, type)						\
static int								\
copy_##name(void *dst, void *src)					\
{									\
	memcpy(dst, src, sizeof(type));					\
	return ((type *)src)->status;					\
}

FLAT(getattr, GETATTR3res)
FLAT(setattr, SETATTR3res)
FLAT(access, ACCESS3res)
FLAT(write, WRITE3res)
FLAT(commit, COMMIT3res)
FLAT(remove, REMOVE3res)
FLAT(rmdir, RMDIR3res)
FLAT(rename, RENAME3res)
FLAT(link, LINK3res)
FLAT(fsstat, FSSTAT3res)
FLAT(fsinfo, FSINFO3res)
FLAT(pathconf, PATHCONF3res)

#define NEWOBJ(name, type)						\
static int								\
copy_##name(void *dst, void *src)					\
{									\
	struct r_new *n = dst;						\
	type *r = src;							\
									\
	memset(n, 0, sizeof(*n));					\
	if (r->status != NFS3_OK) {					\
		n->wcc = r->type##_u.resfail.dir_wcc;			\
		return r->status;					\
	}								\
	n->has_fh = r->type##_u.resok.obj.handle_follows;		\
	if (n->has_fh)							\
		fh_take(&n->fh,						\
		    &r->type##_u.resok.obj.post_op_fh3_u.handle);	\
	n->attr = r->type##_u.resok.obj_attributes;			\
	n->wcc = r->type##_u.resok.dir_wcc;				\
	return NFS3_OK;							\
}

NEWOBJ(create, CREATE3res)
NEWOBJ(mkdir, MKDIR3res)
NEWOBJ(symlink, SYMLINK3res)
NEWOBJ(mknod, MKNOD3res)

static int
copy_lookup(void *dst, void *src)
{
	struct r_lookup *l = dst;
	LOOKUP3res *r = src;

	memset(l, 0, sizeof(*l));
	if (r->status != NFS3_OK) {
		l->dir = r->LOOKUP3res_u.resfail.dir_attributes;
		return r->status;
	}
	fh_take(&l->fh, &r->LOOKUP3res_u.resok.object);
	l->attr = r->LOOKUP3res_u.resok.obj_attributes;
	l->dir = r->LOOKUP3res_u.resok.dir_attributes;
	return NFS3_OK;
}

static int
copy_read(void *dst, void *src)
{
	struct r_read *rr = dst;
	READ3res *r = src;
	READ3resok *ok = &r->READ3res_u.resok;

	if (r->status != NFS3_OK) {
		rr->attr = r->READ3res_u.resfail.file_attributes;
		return r->status;
	}
	rr->attr = ok->file_attributes;
	rr->count = ok->count;
	rr->eof = ok->eof;
	rr->len = ok->data.data_len;
	if (rr->buf != NULL)
		memcpy(rr->buf, ok->data.data_val,
		    rr->len < rr->cap ? rr->len : rr->cap);
	return NFS3_OK;
}

static int
copy_readlink(void *dst, void *src)
{
	struct r_readlink *rl = dst;
	READLINK3res *r = src;

	memset(rl, 0, sizeof(*rl));
	if (r->status != NFS3_OK) {
		rl->attr = r->READLINK3res_u.resfail.symlink_attributes;
		return r->status;
	}
	rl->attr = r->READLINK3res_u.resok.symlink_attributes;
	snprintf(rl->target, sizeof(rl->target), "%s",
	    r->READLINK3res_u.resok.data != NULL ?
	    r->READLINK3res_u.resok.data : "");
	return NFS3_OK;
}

static size_t
xdr_str(const char *s)
{
	return 4 + ((strlen(s) + 3) & ~(size_t)3);
}

static size_t
xdr_postop(int follows)
{
	return 4 + (follows ? 84 : 0);
}

static void
dent_fill(struct dent *d, fileid3 fileid, const char *name, cookie3 cookie)
{
	memset(d, 0, sizeof(*d));
	d->fileid = fileid;
	d->cookie = cookie;
	d->name = strdup(name != NULL ? name : "");
}

static int
copy_readdir(void *dst, void *src)
{
	struct r_dir *rd = dst;
	READDIR3res *r = src;
	READDIR3resok *ok = &r->READDIR3res_u.resok;
	entry3 *e;
	size_t n = 0;

	memset(rd, 0, sizeof(*rd));
	if (r->status != NFS3_OK) {
		rd->dir = r->READDIR3res_u.resfail.dir_attributes;
		return r->status;
	}
	rd->dir = ok->dir_attributes;
	memcpy(rd->verf, ok->cookieverf, sizeof(rd->verf));
	rd->eof = ok->reply.eof;
	rd->size = xdr_postop(rd->dir.attributes_follow) + 8 + 4 + 4;
	for (e = ok->reply.entries; e != NULL; e = e->nextentry)
		n++;
	if (n > 0 && (rd->e = calloc(n, sizeof(*rd->e))) == NULL)
		return ST_RPC;
	for (e = ok->reply.entries; e != NULL; e = e->nextentry) {
		dent_fill(&rd->e[rd->n++], e->fileid, e->name, e->cookie);
		rd->size += 4 + 8 + xdr_str(e->name != NULL ? e->name : "")
		    + 8;
	}
	rd->dirsize = rd->size;
	return NFS3_OK;
}

static int
copy_readdirplus(void *dst, void *src)
{
	struct r_dir *rd = dst;
	READDIRPLUS3res *r = src;
	READDIRPLUS3resok *ok = &r->READDIRPLUS3res_u.resok;
	entryplus3 *e;
	struct dent *d;
	size_t n = 0, dsize;

	memset(rd, 0, sizeof(*rd));
	if (r->status != NFS3_OK) {
		rd->dir = r->READDIRPLUS3res_u.resfail.dir_attributes;
		return r->status;
	}
	rd->dir = ok->dir_attributes;
	memcpy(rd->verf, ok->cookieverf, sizeof(rd->verf));
	rd->eof = ok->reply.eof;
	rd->size = xdr_postop(rd->dir.attributes_follow) + 8 + 4 + 4;
	rd->dirsize = rd->size;
	for (e = ok->reply.entries; e != NULL; e = e->nextentry)
		n++;
	if (n > 0 && (rd->e = calloc(n, sizeof(*rd->e))) == NULL)
		return ST_RPC;
	for (e = ok->reply.entries; e != NULL; e = e->nextentry) {
		d = &rd->e[rd->n++];
		dent_fill(d, e->fileid, e->name, e->cookie);
		dsize = 4 + 8 + xdr_str(d->name) + 8;
		rd->dirsize += dsize;
		rd->size += dsize + xdr_postop(e->name_attributes.
		    attributes_follow) + 4;
		if ((d->has_attr = e->name_attributes.attributes_follow))
			d->attr = e->name_attributes.post_op_attr_u.attributes;
		if ((d->has_fh = e->name_handle.handle_follows)) {
			fh_take(&d->fh, &e->name_handle.post_op_fh3_u.handle);
			rd->size += 4 + ((d->fh.len + 3) & ~3U);
		}
	}
	return NFS3_OK;
}

static void
dir_free(struct r_dir *rd)
{
	size_t i;

	for (i = 0; i < rd->n; i++)
		free(rd->e[i].name);
	free(rd->e);
	rd->e = NULL;
	rd->n = 0;
}

static int
copy_mnt(void *dst, void *src)
{
	struct r_mnt *m = dst;
	mountres3 *r = src;
	mountres3_ok *ok = &r->mountres3_u.mountinfo;
	u_int i;

	memset(m, 0, sizeof(*m));
	if (r->fhs_status != MNT3_OK)
		return (int)r->fhs_status;
	m->fh.len = ok->fhandle.fhandle3_len;
	if (m->fh.len > NFS3_FHSIZE)
		m->fh.len = NFS3_FHSIZE;
	memcpy(m->fh.data, ok->fhandle.fhandle3_val, m->fh.len);
	for (i = 0; i < ok->auth_flavors.auth_flavors_len; i++)
		if (ok->auth_flavors.auth_flavors_val[i] >= 0 &&
		    ok->auth_flavors.auth_flavors_val[i] < 32)
			m->flavors |= 1 << ok->auth_flavors.auth_flavors_val[i];
	return MNT3_OK;
}

/* ------------------------------------------------------ starting calls */

#define START(name, type)						\
static int								\
start_##name(struct rpc_context *rpc, void *args, void *w)		\
{									\
	return rpc_nfs3_##name##_async(rpc, on_reply, (type *)args, w);	\
}

START(getattr, GETATTR3args)
START(setattr, SETATTR3args)
START(lookup, LOOKUP3args)
START(access, ACCESS3args)
START(readlink, READLINK3args)
START(read, READ3args)
START(write, WRITE3args)
START(create, CREATE3args)
START(mkdir, MKDIR3args)
START(symlink, SYMLINK3args)
START(mknod, MKNOD3args)
START(remove, REMOVE3args)
START(rmdir, RMDIR3args)
START(rename, RENAME3args)
START(link, LINK3args)
START(readdir, READDIR3args)
START(readdirplus, READDIRPLUS3args)
START(fsstat, FSSTAT3args)
START(fsinfo, FSINFO3args)
START(pathconf, PATHCONF3args)
START(commit, COMMIT3args)

static int
start_null(struct rpc_context *rpc, void *args, void *w)
{
	(void)args;
	return rpc_nfs3_null_async(rpc, on_reply, w);
}

static int
start_mnt(struct rpc_context *rpc, void *args, void *w)
{
	return rpc_mount3_mnt_async(rpc, on_reply, args, w);
}

/* ------------------------------------------------ one call per procedure */

static int
do_null(struct conn *c)
{
	return call(c, "NULL", start_null, NULL, NULL, NULL);
}

static int
do_getattr(struct conn *c, const struct fh *f, fattr3 *attr)
{
	GETATTR3args a;
	GETATTR3res r;
	int st;

	memset(&a, 0, sizeof(a));
	a.object = fh3(f);
	st = call(c, "GETATTR", start_getattr, &a, &r, copy_getattr);
	if (st == NFS3_OK && attr != NULL)
		*attr = r.GETATTR3res_u.resok.obj_attributes;
	return st;
}

static int
do_setattr(struct conn *c, const struct fh *f, const sattr3 *sa,
    const nfstime3 *guard, SETATTR3res *r)
{
	SETATTR3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.object = fh3(f);
	a.new_attributes = *sa;
	if (guard != NULL) {
		a.guard.check = 1;
		a.guard.sattrguard3_u.obj_ctime = *guard;
	}
	return call(c, "SETATTR", start_setattr, &a, r, copy_setattr);
}

static int
do_lookup(struct conn *c, const struct fh *dir, const char *name,
    struct r_lookup *r)
{
	LOOKUP3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.what.dir = fh3(dir);
	a.what.name = (char *)name;
	return call(c, "LOOKUP", start_lookup, &a, r, copy_lookup);
}

static int
do_access(struct conn *c, const struct fh *f, uint32_t mask, ACCESS3res *r)
{
	ACCESS3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.object = fh3(f);
	a.access = mask;
	return call(c, "ACCESS", start_access, &a, r, copy_access);
}

static int
do_readlink(struct conn *c, const struct fh *f, struct r_readlink *r)
{
	READLINK3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.symlink = fh3(f);
	return call(c, "READLINK", start_readlink, &a, r, copy_readlink);
}

static int
do_read(struct conn *c, const struct fh *f, uint64_t off, uint32_t count,
    struct r_read *r, void *buf, u_int cap)
{
	READ3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->cap = cap;
	a.file = fh3(f);
	a.offset = off;
	a.count = count;
	return call(c, "READ", start_read, &a, r, copy_read);
}

static int
do_write(struct conn *c, const struct fh *f, uint64_t off, const void *buf,
    u_int len, stable_how how, WRITE3res *r)
{
	WRITE3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.file = fh3(f);
	a.offset = off;
	a.count = len;
	a.stable = how;
	a.data.data_len = len;
	a.data.data_val = (char *)buf;
	return call(c, "WRITE", start_write, &a, r, copy_write);
}

static int
do_commit(struct conn *c, const struct fh *f, uint64_t off, uint32_t count,
    COMMIT3res *r)
{
	COMMIT3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.file = fh3(f);
	a.offset = off;
	a.count = count;
	return call(c, "COMMIT", start_commit, &a, r, copy_commit);
}

static sattr3
sa_none(void)
{
	sattr3 sa;

	memset(&sa, 0, sizeof(sa));
	return sa;
}

static sattr3
sa_mode(mode3 mode)
{
	sattr3 sa = sa_none();

	sa.mode.set_it = 1;
	sa.mode.set_mode3_u.mode = mode;
	return sa;
}

/* how: UNCHECKED or GUARDED with sa, or EXCLUSIVE with verf. */
static int
do_create(struct conn *c, const struct fh *dir, const char *name,
    createmode3 how, const sattr3 *sa, const char *verf, struct r_new *r)
{
	CREATE3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.where.dir = fh3(dir);
	a.where.name = (char *)name;
	a.how.mode = how;
	if (how == EXCLUSIVE)
		memcpy(a.how.createhow3_u.verf, verf, NFS3_CREATEVERFSIZE);
	else if (sa != NULL)
		a.how.createhow3_u.obj_attributes = *sa;
	return call(c, "CREATE", start_create, &a, r, copy_create);
}

static int
do_mkdir(struct conn *c, const struct fh *dir, const char *name, mode3 mode,
    struct r_new *r)
{
	MKDIR3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.where.dir = fh3(dir);
	a.where.name = (char *)name;
	a.attributes = sa_mode(mode);
	return call(c, "MKDIR", start_mkdir, &a, r, copy_mkdir);
}

static int
do_symlink(struct conn *c, const struct fh *dir, const char *name,
    const char *target, struct r_new *r)
{
	SYMLINK3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.where.dir = fh3(dir);
	a.where.name = (char *)name;
	a.symlink.symlink_data = (char *)target;
	return call(c, "SYMLINK", start_symlink, &a, r, copy_symlink);
}

static int
do_mknod(struct conn *c, const struct fh *dir, const char *name, ftype3 type,
    u_int major, u_int minor, struct r_new *r)
{
	MKNOD3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.where.dir = fh3(dir);
	a.where.name = (char *)name;
	a.what.type = type;
	switch (type) {
	case NF3CHR:
		a.what.mknoddata3_u.chr_device.dev_attributes = sa_mode(0644);
		a.what.mknoddata3_u.chr_device.spec.specdata1 = major;
		a.what.mknoddata3_u.chr_device.spec.specdata2 = minor;
		break;
	case NF3BLK:
		a.what.mknoddata3_u.blk_device.dev_attributes = sa_mode(0644);
		a.what.mknoddata3_u.blk_device.spec.specdata1 = major;
		a.what.mknoddata3_u.blk_device.spec.specdata2 = minor;
		break;
	case NF3SOCK:
		a.what.mknoddata3_u.sock_attributes = sa_mode(0644);
		break;
	case NF3FIFO:
		a.what.mknoddata3_u.pipe_attributes = sa_mode(0644);
		break;
	default:
		break;
	}
	return call(c, "MKNOD", start_mknod, &a, r, copy_mknod);
}

static int
do_remove(struct conn *c, const struct fh *dir, const char *name,
    REMOVE3res *r)
{
	REMOVE3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.object.dir = fh3(dir);
	a.object.name = (char *)name;
	return call(c, "REMOVE", start_remove, &a, r, copy_remove);
}

static int
do_rmdir(struct conn *c, const struct fh *dir, const char *name,
    RMDIR3res *r)
{
	RMDIR3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.object.dir = fh3(dir);
	a.object.name = (char *)name;
	return call(c, "RMDIR", start_rmdir, &a, r, copy_rmdir);
}

static int
do_rename(struct conn *c, const struct fh *fdir, const char *fname,
    const struct fh *tdir, const char *tname, RENAME3res *r)
{
	RENAME3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.from.dir = fh3(fdir);
	a.from.name = (char *)fname;
	a.to.dir = fh3(tdir);
	a.to.name = (char *)tname;
	return call(c, "RENAME", start_rename, &a, r, copy_rename);
}

static int
do_link(struct conn *c, const struct fh *f, const struct fh *dir,
    const char *name, LINK3res *r)
{
	LINK3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.file = fh3(f);
	a.link.dir = fh3(dir);
	a.link.name = (char *)name;
	return call(c, "LINK", start_link, &a, r, copy_link);
}

static int
do_readdir(struct conn *c, const struct fh *dir, cookie3 cookie,
    const char *verf, count3 count, struct r_dir *r)
{
	READDIR3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.dir = fh3(dir);
	a.cookie = cookie;
	memcpy(a.cookieverf, verf, NFS3_COOKIEVERFSIZE);
	a.count = count;
	return call(c, "READDIR", start_readdir, &a, r, copy_readdir);
}

static int
do_readdirplus(struct conn *c, const struct fh *dir, cookie3 cookie,
    const char *verf, count3 dircount, count3 maxcount, struct r_dir *r)
{
	READDIRPLUS3args a;

	memset(&a, 0, sizeof(a));
	memset(r, 0, sizeof(*r));
	a.dir = fh3(dir);
	a.cookie = cookie;
	memcpy(a.cookieverf, verf, NFS3_COOKIEVERFSIZE);
	a.dircount = dircount;
	a.maxcount = maxcount;
	return call(c, "READDIRPLUS", start_readdirplus, &a, r,
	    copy_readdirplus);
}

static int
do_fsstat(struct conn *c, const struct fh *f, FSSTAT3res *r)
{
	FSSTAT3args a;

	a.fsroot = fh3(f);
	return call(c, "FSSTAT", start_fsstat, &a, r, copy_fsstat);
}

static int
do_fsinfo(struct conn *c, const struct fh *f, FSINFO3res *r)
{
	FSINFO3args a;

	a.fsroot = fh3(f);
	return call(c, "FSINFO", start_fsinfo, &a, r, copy_fsinfo);
}

static int
do_pathconf(struct conn *c, const struct fh *f, PATHCONF3res *r)
{
	PATHCONF3args a;

	a.object = fh3(f);
	return call(c, "PATHCONF", start_pathconf, &a, r, copy_pathconf);
}

static int
do_mnt(struct conn *c, const char *path, struct r_mnt *r)
{
	return call(c, "MNT", start_mnt, (void *)path, r, copy_mnt);
}

/* ------------------------------------------------------------- helpers */

static void
long_name(char *buf, size_t len)
{
	memset(buf, 'n', len);
	buf[len] = '\0';
}

static void
fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;
	uint32_t x = seed * 2654435761U + 1;

	for (i = 0; i < len; i++) {
		x = x * 1103515245U + 12345U;
		buf[i] = (unsigned char)(x >> 16);
	}
}

static int
time_eq(const nfstime3 *a, const nfstime3 *b)
{
	return a->seconds == b->seconds && a->nseconds == b->nseconds;
}

/* post-op attributes of a successful or failed modifying call. */
static void
check_wcc(const wcc_data *w, const char *what)
{
	check(w->after.attributes_follow,
	    "%s: WCC post-op attributes present\texpected after."
	    "attributes_follow TRUE, got FALSE", what);
}

static void
check_new(const struct r_new *n, ftype3 type, const char *what)
{
	check(n->has_fh && n->fh.len > 0,
	    "%s: reply carries the new object's handle\texpected a handle, "
	    "got none", what);
	if (check(n->attr.attributes_follow,
	    "%s: reply carries the new object's attributes\texpected "
	    "attributes, got none", what))
		expect_u64(n->attr.post_op_attr_u.attributes.type, type,
		    "%s: the new object's type", what);
	check_wcc(&n->wcc, what);
}

/* Create (UNCHECKED) a file with some bytes in it; a need. */
static int
make_file(const struct fh *dir, const char *name, const char *text,
    struct fh *f, fattr3 *attr)
{
	struct r_new n;
	WRITE3res w;
	char what[300];
	sattr3 sa = sa_mode(0644);
	int st;

	snprintf(what, sizeof(what), "CREATE %s (set-up)", name);
	st = do_create(&c1, dir, name, UNCHECKED, &sa, NULL, &n);
	if (!need(st, what))
		return -1;
	if (!n.has_fh) {
		need(ST_RPC, what);
		return -1;
	}
	*f = n.fh;
	if (text != NULL && *text != '\0') {
		snprintf(what, sizeof(what), "WRITE %s (set-up)", name);
		st = do_write(&c1, f, 0, text, (u_int)strlen(text),
		    FILE_SYNC, &w);
		if (!need(st, what))
			return -1;
	}
	if (attr != NULL) {
		snprintf(what, sizeof(what), "GETATTR %s (set-up)", name);
		if (!need(do_getattr(&c1, f, attr), what))
			return -1;
	}
	return 0;
}

static int
make_dir(const struct fh *dir, const char *name, mode3 mode, struct fh *f)
{
	struct r_new n;
	char what[300];

	snprintf(what, sizeof(what), "MKDIR %s (set-up)", name);
	if (!need(do_mkdir(&c1, dir, name, mode, &n), what))
		return -1;
	if (!n.has_fh) {
		need(ST_RPC, what);
		return -1;
	}
	*f = n.fh;
	return 0;
}

static int
find(const struct fh *dir, const char *name, struct fh *f)
{
	struct r_lookup l;
	char what[300];

	snprintf(what, sizeof(what), "LOOKUP %s (set-up)", name);
	if (!need(do_lookup(&c1, dir, name, &l), what))
		return -1;
	*f = l.fh;
	return 0;
}

/* The directory the default subtests work in, made on first use. */
static int
need_work(void)
{
	char name[64];

	if (have_work)
		return 0;
	snprintf(name, sizeof(name), "conform.%ld.%lld", (long)getpid(),
	    (long long)time(NULL));
	if (make_dir(&root, name, 0777, &work) == -1)
		return -1;
	have_work = 1;
	return 0;
}

/* A fresh subdirectory of the work directory for one subtest. */
static int
subdir(const char *name, struct fh *f)
{
	if (need_work() == -1)
		return -1;
	return make_dir(&work, name, 0777, f);
}

/* The second client, connected on first use. */
static int
need_c2(void)
{
	if (c2.rpc != NULL)
		return c2.dead ? -1 : 0;
	if (conn_open(&c2, "second client", NFS_PROG, NFS_V3,
	    opt.nfsport) == 0)
		return 0;
	check(0, "a second NFS connection\texpected one, got %s", c2.err);
	return -1;
}

/* --------------------------------------------------------- directories */

/*
 * List a whole directory with READDIR (plus == 0) or READDIRPLUS,
 * calling each() for every entry, checking every reply on the way.
 * Names starting with the character vanishing (when not 0) may be
 * removed meanwhile, so READDIRPLUS may send them without attributes.
 */
static int
list_dir(struct conn *c, const struct fh *dir, int plus, count3 count,
    count3 maxcount, dent_fn each, void *arg, struct liststat *ls,
    char vanishing)
{
	struct r_dir rd;
	cookieverf3 verf;
	cookie3 cookie = 0;
	size_t i, limit, got;
	int st, eof, maxcalls = 100000;

	memset(ls, 0, sizeof(*ls));
	memset(verf, 0, sizeof(verf));
	ls->st = NFS3_OK;
	limit = plus ? maxcount : count;
	for (;;) {
		if (ls->calls >= maxcalls) {
			ls->runaway = 1;
			break;
		}
		ls->calls++;
		if (plus)
			st = do_readdirplus(c, dir, cookie, verf, count,
			    maxcount, &rd);
		else
			st = do_readdir(c, dir, cookie, verf, count, &rd);
		if (st != NFS3_OK) {
			ls->st = st;
			ls->failcall = ls->calls;
			break;
		}
		if (rd.size > limit)
			ls->overfull++;
		if (rd.size > ls->maxsize)
			ls->maxsize = rd.size;
		if (!rd.eof && rd.size < limit / 2 &&
		    (!plus || rd.dirsize < count / 2))
			ls->underfilled++;
		for (i = 0; i < rd.n; i++) {
			const struct dent *d = &rd.e[i];
			int dot = strcmp(d->name, ".") == 0 ||
			    strcmp(d->name, "..") == 0 ||
			    (vanishing != 0 && d->name[0] == vanishing);

			ls->entries++;
			if (d->cookie == 0)
				ls->zerocookie++;
			if (plus && !dot && !d->has_attr)
				ls->noattr++;
			if (plus && !dot && !d->has_fh)
				ls->nofh++;
			if (plus && d->has_attr && d->attr.fileid != d->fileid)
				ls->badattr++;
			if (each != NULL)
				each(d, arg);
			cookie = d->cookie;
		}
		memcpy(verf, rd.verf, sizeof(verf));
		eof = rd.eof;
		got = rd.n;
		dir_free(&rd);
		if (eof)
			break;
		if (got == 0) {
			/* No entries and no eof: no progress possible. */
			ls->runaway = 1;
			break;
		}
	}
	return ls->st;
}

static const char *
listname(int plus)
{
	return plus ? "READDIRPLUS" : "READDIR";
}

/* The checks every listing gets. */
static void
check_listing(const struct liststat *ls, int plus, const char *what)
{
	const char *p = listname(plus);

	if (!expect_st(ls->st, NFS3_OK, "%s: every %s call succeeds "
	    "(%d calls)", what, p, ls->calls))
		printf("     (call %d failed)\n", ls->failcall);
	check(!ls->runaway, "%s: the %s listing reaches eof\t"
	    "expected eof, got a listing that did not progress after %d "
	    "calls", what, p, ls->calls);
	check(ls->zerocookie == 0, "%s: no entry has cookie 0\texpected 0 "
	    "such entries, got %d", what, ls->zerocookie);
	check(ls->overfull == 0, "%s: no %s reply is larger than the "
	    "client's count\texpected 0 oversized replies, got %d (largest "
	    "%zu bytes)", what, p, ls->overfull, ls->maxsize);
	check(ls->underfilled == 0, "%s: %s replies before eof are at least "
	    "half full\texpected 0 under-filled replies, got %d of %d", what,
	    p, ls->underfilled, ls->calls);
	if (!plus)
		return;
	check(ls->noattr == 0, "%s: every READDIRPLUS entry carries "
	    "attributes\texpected 0 without, got %d", what, ls->noattr);
	check(ls->nofh == 0, "%s: every READDIRPLUS entry carries a "
	    "handle\texpected 0 without, got %d", what, ls->nofh);
	check(ls->badattr == 0, "%s: READDIRPLUS attributes are the "
	    "entry's own (fileid)\texpected 0 mismatches, got %d", what,
	    ls->badattr);
}

/* ---------------------------------------------------- background client */

static void	bg_fill(struct bg *);

static void
bg_reply(struct rpc_context *rpc, int status, void *data, void *priv)
{
	struct bgop *op = priv;
	struct bg *bg = op->bg;
	int st;

	(void)rpc;
	bg->inflight--;
	bg->done_ops++;
	if (status != RPC_STATUS_SUCCESS)
		st = ST_RPC;
	else if (op->remove)
		st = ((REMOVE3res *)data)->status;
	else
		st = ((CREATE3res *)data)->status;
	if (st == NFS3_OK && op->remove)
		bg->vremoved[op->idx] = 1;
	else if (st == NFS3_OK)
		bg->created[op->idx] = 1;
	else {
		if (bg->errors++ == 0)
			snprintf(bg->firsterr, sizeof(bg->firsterr),
			    "%s %s%05d: %s", op->remove ? "REMOVE" : "CREATE",
			    op->remove ? bg->vprefix : bg->cprefix, op->idx,
			    st == ST_RPC && data != NULL ? (char *)data :
			    stname(st));
	}
	free(op);
	bg_fill(bg);
}

static int
bg_send(struct bg *bg, int remove, int idx)
{
	CREATE3args ca;
	REMOVE3args ra;
	struct bgop *op;
	char name[64];
	int rc;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -1;
	op->bg = bg;
	op->remove = remove;
	op->idx = idx;
	snprintf(name, sizeof(name), "%s%05d",
	    remove ? bg->vprefix : bg->cprefix, idx);
	if (remove) {
		memset(&ra, 0, sizeof(ra));
		ra.object.dir = fh3(&bg->dir);
		ra.object.name = name;
		rc = rpc_nfs3_remove_async(bg->c->rpc, bg_reply, &ra, op);
	} else {
		memset(&ca, 0, sizeof(ca));
		ca.where.dir = fh3(&bg->dir);
		ca.where.name = name;
		ca.how.mode = GUARDED;
		ca.how.createhow3_u.obj_attributes = sa_mode(0644);
		rc = rpc_nfs3_create_async(bg->c->rpc, bg_reply, &ca, op);
	}
	if (rc != 0) {
		free(op);
		conn_kill(bg->c, rpc_get_error(bg->c->rpc));
		return -1;
	}
	bg->inflight++;
	bg->ops++;
	return 0;
}

static void
bg_fill(struct bg *bg)
{
	int remove;

	while (!bg->stop && !bg->c->dead && bg->inflight < bg->window) {
		int vleft = bg->vnext < bg->vend;
		int cleft = bg->cnext < bg->ncreate;

		if (!vleft && !cleft)
			return;
		remove = vleft && (!cleft || (bg->remove_every > 0 &&
		    bg->ops % bg->remove_every == bg->remove_every - 1));
		if (remove) {
			bg->vissued[bg->vnext] = 1;
			if (bg_send(bg, 1, bg->vnext++) == -1)
				return;
		} else if (bg_send(bg, 0, bg->cnext++) == -1)
			return;
	}
}

/* Wait until nothing is in flight any more. */
static void
bg_drain(struct bg *bg, int stop)
{
	long long deadline = now_ms() + DRAIN_TIMEOUT_MS;

	bg->stop = stop;
	while (bg->inflight > 0 && !bg->c->dead) {
		if (now_ms() > deadline) {
			conn_kill(bg->c, "background calls got no reply");
			break;
		}
		pump(100);
	}
}

static int
bg_init(struct bg *bg, struct conn *c, const struct fh *dir,
    const char *cprefix, int ncreate, const char *vprefix, int vfirst,
    int vend, int vsize)
{
	memset(bg, 0, sizeof(*bg));
	bg->c = c;
	bg->dir = *dir;
	bg->cprefix = cprefix;
	bg->ncreate = ncreate;
	bg->vprefix = vprefix;
	bg->vnext = vfirst;
	bg->vend = vend;
	bg->window = 16;
	bg->created = calloc((size_t)ncreate + 1, 1);
	bg->vissued = calloc((size_t)vsize + 1, 1);
	bg->vremoved = calloc((size_t)vsize + 1, 1);
	return bg->created != NULL && bg->vissued != NULL &&
	    bg->vremoved != NULL ? 0 : -1;
}

static void
bg_free(struct bg *bg)
{
	free(bg->created);
	free(bg->vissued);
	free(bg->vremoved);
}

static int
count_set(const unsigned char *v, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += v[i] != 0;
	return k;
}

/* ================================================================ tests */

static void
test_null(void)
{
	expect_st(do_null(&c1), NFS3_OK, "NULL");
}

/* GETATTR, and fsid/fileid across the objects of one export. */
static void
test_getattr(void)
{
	struct fh d, f, l, p, fake;
	struct r_new n;
	fattr3 a[6];
	const char *names[6] = { "the export root", "the work directory",
	    "a directory", "a file", "a symlink", "a FIFO" };
	int i, j, k = 0, st;

	if (expect_st(do_getattr(&c1, &root, &a[0]), NFS3_OK,
	    "GETATTR of the root handle from MNT")) {
		expect_u64(a[0].type, NF3DIR, "GETATTR root: type is NF3DIR");
		check(a[0].nlink >= 2, "GETATTR root: nlink >= 2\texpected >= 2"
		    ", got %u", a[0].nlink);
	}
	if (subdir("getattr", &d) == -1 ||
	    make_file(&d, "file", "twelve bytes", &f, NULL) == -1)
		return;
	if (!need(do_symlink(&c1, &d, "link", "file", &n), "SYMLINK link"))
		return;
	l = n.fh;
	if (!need(do_mknod(&c1, &d, "fifo", NF3FIFO, 0, 0, &n), "MKNOD fifo"))
		return;
	p = n.fh;
	k = 1;
	k += do_getattr(&c1, &work, &a[k]) == NFS3_OK;
	k += do_getattr(&c1, &d, &a[k]) == NFS3_OK;
	if ((st = do_getattr(&c1, &f, &a[k])) == NFS3_OK) {
		expect_u64(a[k].type, NF3REG, "GETATTR file: type is NF3REG");
		expect_u64(a[k].size, 12, "GETATTR file: size");
		expect_u64(a[k].mode & 07777, 0644, "GETATTR file: mode");
		expect_u64(a[k].nlink, 1, "GETATTR file: nlink");
		expect_u64(a[k].uid, (uint64_t)opt.uid, "GETATTR file: uid is "
		    "the creator's");
		k++;
	}
	if ((st = do_getattr(&c1, &l, &a[k])) == NFS3_OK) {
		expect_u64(a[k].type, NF3LNK, "GETATTR symlink: type is "
		    "NF3LNK (not followed)");
		k++;
	}
	if ((st = do_getattr(&c1, &p, &a[k])) == NFS3_OK) {
		expect_u64(a[k].type, NF3FIFO, "GETATTR fifo: type is NF3FIFO");
		k++;
	}
	check(k == 6, "GETATTR of root, work dir, dir, file, symlink, FIFO "
	    "all succeed\texpected 6 successes, got %d", k);
	for (i = 1; i < k; i++)
		check(a[i].fsid == a[0].fsid, "fsid of %s equals the export "
		    "root's\texpected %" PRIu64 ", got %" PRIu64, names[i],
		    (uint64_t)a[0].fsid, (uint64_t)a[i].fsid);
	for (i = 0; i < k; i++)
		for (j = i + 1; j < k; j++)
			check(a[i].fileid != a[j].fileid, "fileid of %s "
			    "differs from %s's\texpected different fileids, "
			    "got %" PRIu64 " for both", names[i], names[j],
			    (uint64_t)a[i].fileid);
	memset(&fake, 0, sizeof(fake));
	fake.len = 32;
	memset(fake.data, 0xa5, fake.len);
	expect_st(do_getattr(&c1, &fake, NULL), NFS3ERR_BADHANDLE,
	    "GETATTR of 32 made-up bytes");
}

static void
test_lookup(void)
{
	struct r_lookup l;
	struct fh d, f;
	fattr3 fa, da;
	char name[NAME_LONG + 1];
	int st;

	if (subdir("lookup", &d) == -1 ||
	    make_file(&d, "file", "x", &f, &fa) == -1 ||
	    !need(do_getattr(&c1, &d, &da), "GETATTR lookup dir"))
		return;
	if (expect_st(do_lookup(&c1, &d, "file", &l), NFS3_OK,
	    "LOOKUP file")) {
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.fileid == fa.fileid, "LOOKUP file: object "
		    "attributes with the file's fileid\texpected fileid %"
		    PRIu64, (uint64_t)fa.fileid);
		check(l.dir.attributes_follow, "LOOKUP file: directory "
		    "attributes present\texpected dir_attributes, got none");
		check(fh_eq(&l.fh, &f), "LOOKUP file: the same handle CREATE "
		    "returned\texpected identical handles, got different "
		    "ones");
	}
	st = do_lookup(&c1, &d, "missing", &l);
	if (expect_st(st, NFS3ERR_NOENT, "LOOKUP of a missing name"))
		check(l.dir.attributes_follow, "LOOKUP NOENT: directory "
		    "attributes present\texpected dir_attributes, got none");
	if (expect_st(do_lookup(&c1, &d, ".", &l), NFS3_OK, "LOOKUP \".\""))
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.fileid == da.fileid, "LOOKUP \".\" is the "
		    "directory itself\texpected fileid %" PRIu64,
		    (uint64_t)da.fileid);
	if (expect_st(do_lookup(&c1, &work, "..", &l), NFS3_OK,
	    "LOOKUP \"..\" of a directory at the export root"))
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.fileid == root_attr.fileid, "LOOKUP \"..\" of "
		    "a top directory is the export root\texpected fileid %"
		    PRIu64, (uint64_t)root_attr.fileid);
	if (expect_st(do_lookup(&c1, &root, "..", &l), NFS3_OK,
	    "LOOKUP \"..\" at the export root")) {
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.fileid == root_attr.fileid, "LOOKUP \"..\" at "
		    "the export root is the export root\texpected fileid %"
		    PRIu64 ", got %" PRIu64, (uint64_t)root_attr.fileid,
		    l.attr.attributes_follow ? (uint64_t)l.attr.
		    post_op_attr_u.attributes.fileid : 0);
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.fsid == root_attr.fsid, "LOOKUP \"..\" at the "
		    "export root stays in the export (fsid)\texpected fsid %"
		    PRIu64, (uint64_t)root_attr.fsid);
	}
	expect_st(do_lookup(&c1, &f, "x", &l), NFS3ERR_NOTDIR,
	    "LOOKUP in a regular file");
	long_name(name, NAME_LONG);
	expect_st(do_lookup(&c1, &d, name, &l), NFS3ERR_NAMETOOLONG,
	    "LOOKUP of a 256-byte name");
	long_name(name, NAME_LONG - 1);
	expect_st(do_lookup(&c1, &d, name, &l), NFS3ERR_NOENT,
	    "LOOKUP of a missing 255-byte name");
}

static void
test_access(void)
{
	ACCESS3res r;
	struct fh d, f;
	uint32_t all = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY |
	    ACCESS3_EXTEND | ACCESS3_DELETE | ACCESS3_EXECUTE;
	uint32_t got;

	if (subdir("access", &d) == -1 ||
	    make_file(&d, "file", "x", &f, NULL) == -1)
		return;
	if (expect_st(do_access(&c1, &f, ACCESS3_READ | ACCESS3_MODIFY |
	    ACCESS3_EXTEND, &r), NFS3_OK, "ACCESS READ|MODIFY|EXTEND on own "
	    "0644 file")) {
		got = r.ACCESS3res_u.resok.access;
		check((got & 0xd) == 0xd, "ACCESS own file grants READ, MODIFY "
		    "and EXTEND\texpected 0xd, got 0x%x", got);
		check(r.ACCESS3res_u.resok.obj_attributes.attributes_follow,
		    "ACCESS: post-op attributes present\texpected attributes,"
		    " got none");
	}
	if (expect_st(do_access(&c1, &f, ACCESS3_READ, &r), NFS3_OK,
	    "ACCESS READ only"))
		check(r.ACCESS3res_u.resok.access == ACCESS3_READ, "ACCESS "
		    "answers only the bits asked for\texpected 0x1, got 0x%x",
		    r.ACCESS3res_u.resok.access);
	if (expect_st(do_access(&c1, &d, all, &r), NFS3_OK,
	    "ACCESS all bits on own 0777 directory")) {
		got = r.ACCESS3res_u.resok.access;
		check((got & (ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND |
		    ACCESS3_DELETE)) == (ACCESS3_LOOKUP | ACCESS3_MODIFY |
		    ACCESS3_EXTEND | ACCESS3_DELETE), "ACCESS own directory "
		    "grants LOOKUP, MODIFY, EXTEND, DELETE\texpected 0x1e set,"
		    " got 0x%x", got);
		check((got & ~all) == 0, "ACCESS grants no undefined bits\t"
		    "expected a subset of 0x3f, got 0x%x", got);
	}
}

static void
test_setattr(void)
{
	SETATTR3res r;
	struct r_read rr;
	struct fh d, f;
	fattr3 a, b;
	sattr3 sa;
	nfstime3 guard, t1 = { 1000000000, 500000000 },
	    t2 = { 1234567890, 123456789 };
	unsigned char buf[64];
	long long now = (long long)time(NULL);
	int st, i, zero;

	if (subdir("setattr", &d) == -1 ||
	    make_file(&d, "file", "0123456789012345678901234567890123456789",
	    &f, &a) == -1)
		return;
	sa = sa_mode(0600);
	if (expect_st(do_setattr(&c1, &f, &sa, NULL, &r), NFS3_OK,
	    "SETATTR mode 0600")) {
		check_wcc(&r.SETATTR3res_u.resok.obj_wcc, "SETATTR mode");
		if (r.SETATTR3res_u.resok.obj_wcc.after.attributes_follow)
			expect_u64(r.SETATTR3res_u.resok.obj_wcc.after.
			    post_op_attr_u.attributes.mode & 07777, 0600,
			    "SETATTR mode: post-op attributes show the new "
			    "mode");
	}
	if (need(do_getattr(&c1, &f, &a), "GETATTR after SETATTR"))
		expect_u64(a.mode & 07777, 0600, "GETATTR after SETATTR mode");

	sa = sa_none();
	sa.size.set_it = 1;
	sa.size.set_size3_u.size = 10;
	if (expect_st(do_setattr(&c1, &f, &sa, NULL, &r), NFS3_OK,
	    "SETATTR size 10 (truncate)") &&
	    need(do_getattr(&c1, &f, &a), "GETATTR after truncate"))
		expect_u64(a.size, 10, "size after truncate");
	sa.size.set_size3_u.size = 5000;
	if (expect_st(do_setattr(&c1, &f, &sa, NULL, &r), NFS3_OK,
	    "SETATTR size 5000 (extend)") &&
	    need(do_getattr(&c1, &f, &a), "GETATTR after extend")) {
		expect_u64(a.size, 5000, "size after extend");
		st = do_read(&c1, &f, 4000, 64, &rr, buf, sizeof(buf));
		if (expect_st(st, NFS3_OK, "READ of the extension")) {
			for (i = 0, zero = 1; i < (int)rr.len; i++)
				zero &= buf[i] == 0;
			check(rr.len == 64 && zero, "the extension reads as "
			    "zeros\texpected 64 zero bytes, got %u bytes%s",
			    rr.len, zero ? "" : " not all zero");
		}
	}

	sa = sa_none();
	sa.atime.set_it = SET_TO_CLIENT_TIME;
	sa.atime.set_atime_u.atime = t1;
	sa.mtime.set_it = SET_TO_CLIENT_TIME;
	sa.mtime.set_mtime_u.mtime = t2;
	if (expect_st(do_setattr(&c1, &f, &sa, NULL, &r), NFS3_OK,
	    "SETATTR atime and mtime SET_TO_CLIENT_TIME") &&
	    need(do_getattr(&c1, &f, &a), "GETATTR after times")) {
		check(time_eq(&a.atime, &t1), "atime is the client's time\t"
		    "expected %u.%09u, got %u.%09u", t1.seconds, t1.nseconds,
		    a.atime.seconds, a.atime.nseconds);
		check(time_eq(&a.mtime, &t2), "mtime is the client's time\t"
		    "expected %u.%09u, got %u.%09u", t2.seconds, t2.nseconds,
		    a.mtime.seconds, a.mtime.nseconds);
	}
	sa = sa_none();
	sa.mtime.set_it = SET_TO_SERVER_TIME;
	if (expect_st(do_setattr(&c1, &f, &sa, NULL, &r), NFS3_OK,
	    "SETATTR mtime SET_TO_SERVER_TIME") &&
	    need(do_getattr(&c1, &f, &a), "GETATTR after server time"))
		check(llabs((long long)a.mtime.seconds - now) < 120,
		    "mtime is the server's time\texpected about %lld, got %u",
		    now, a.mtime.seconds);

	if (!need(do_getattr(&c1, &f, &a), "GETATTR before guard"))
		return;
	guard = a.ctime;
	sa = sa_mode(0640);
	if (expect_st(do_setattr(&c1, &f, &sa, &guard, &r), NFS3_OK,
	    "SETATTR with a guard equal to the ctime"))
		check_wcc(&r.SETATTR3res_u.resok.obj_wcc, "SETATTR guarded");
	guard.seconds -= 1;
	sa = sa_mode(0604);
	if (expect_st(do_setattr(&c1, &f, &sa, &guard, &r), NFS3ERR_NOT_SYNC,
	    "SETATTR with a stale ctime guard")) {
		check_wcc(&r.SETATTR3res_u.resfail.obj_wcc,
		    "SETATTR NOT_SYNC");
		if (need(do_getattr(&c1, &f, &b), "GETATTR after NOT_SYNC"))
			expect_u64(b.mode & 07777, 0640, "NOT_SYNC leaves the "
			    "mode as it was");
	}
	if (opt.uid == 0) {
		sa = sa_none();
		sa.uid.set_it = 1;
		sa.uid.set_uid3_u.uid = 1234;
		sa.gid.set_it = 1;
		sa.gid.set_gid3_u.gid = 5678;
		if (expect_st(do_setattr(&c1, &f, &sa, NULL, &r), NFS3_OK,
		    "SETATTR uid 1234 gid 5678 as root") &&
		    need(do_getattr(&c1, &f, &a), "GETATTR after chown")) {
			expect_u64(a.uid, 1234, "uid after SETATTR");
			expect_u64(a.gid, 5678, "gid after SETATTR");
		}
	}
	sa = sa_none();
	sa.size.set_it = 1;
	sa.size.set_size3_u.size = 0;
	expect_in(do_setattr(&c1, &d, &sa, NULL, &r), size_on_dir,
	    "SETATTR size of a directory");
}

/*
 * A WRITE of len bytes that took the file from size before to size
 * after: count, committed, WCC (a pre-op size, when sent, must be the
 * size before) and the verifier.
 */
static void
check_write(int st, const WRITE3res *r, u_int len, stable_how how,
    const char *verf, uint64_t before, uint64_t after, const char *what)
{
	const WRITE3resok *ok = &r->WRITE3res_u.resok;
	const wcc_data *w = &ok->file_wcc;

	if (!expect_st(st, NFS3_OK, "%s", what))
		return;
	expect_u64(ok->count, len, "%s: count", what);
	check(ok->committed >= how, "%s: committed >= stable asked\t"
	    "expected >= %d, got %d", what, how, ok->committed);
	check_wcc(w, what);
	if (w->after.attributes_follow)
		expect_u64(w->after.post_op_attr_u.attributes.size, after,
		    "%s: post-op size", what);
	if (w->before.attributes_follow)
		expect_u64(w->before.pre_op_attr_u.attributes.size, before,
		    "%s: pre-op size (when sent) is the size before", what);
	if (verf != NULL)
		check(memcmp(ok->verf, verf, NFS3_WRITEVERFSIZE) == 0,
		    "%s: the same write verifier as the first WRITE\t"
		    "expected one verifier per server run, got another", what);
}

static void
check_read(const struct fh *f, uint64_t off, uint32_t count,
    uint32_t want, int eof, const unsigned char *data)
{
	struct r_read rr;
	unsigned char buf[512];
	int st;

	st = do_read(&c1, f, off, count, &rr, buf, sizeof(buf));
	if (!expect_st(st, NFS3_OK, "READ %u bytes at %" PRIu64, count, off))
		return;
	expect_u64(rr.count, want, "READ %u at %" PRIu64 ": count", count,
	    off);
	expect_u64(rr.len, want, "READ %u at %" PRIu64 ": data length",
	    count, off);
	expect_u64(rr.eof, eof, "READ %u at %" PRIu64 ": eof", count, off);
	check(rr.attr.attributes_follow, "READ %u at %" PRIu64 ": post-op "
	    "attributes present\texpected attributes, got none", count, off);
	if (data != NULL && rr.len == want)
		check(memcmp(buf, data, want) == 0, "READ %u at %" PRIu64
		    ": the bytes written\texpected the written bytes, got "
		    "others", count, off);
}

static void
test_readwrite(void)
{
	WRITE3res w;
	COMMIT3res cr;
	FSINFO3res fi;
	struct r_read rr;
	struct fh d, f, g, big;
	fattr3 a;
	unsigned char data[256], *mib, *back;
	char verf[NFS3_WRITEVERFSIZE];
	int st;

	if (subdir("readwrite", &d) == -1 ||
	    make_file(&d, "file", "", &f, NULL) == -1)
		return;
	fill_pattern(data, sizeof(data), 1);
	st = do_write(&c1, &f, 0, data, 100, UNSTABLE, &w);
	check_write(st, &w, 100, UNSTABLE, NULL, 0, 100,
	    "WRITE 100 bytes UNSTABLE");
	if (st != NFS3_OK)
		return;
	memcpy(verf, w.WRITE3res_u.resok.verf, sizeof(verf));
	st = do_write(&c1, &f, 100, data + 100, 100, DATA_SYNC, &w);
	check_write(st, &w, 100, DATA_SYNC, verf, 100, 200, "WRITE 100 bytes "
	    "DATA_SYNC");
	st = do_write(&c1, &f, 200, data + 200, 56, FILE_SYNC, &w);
	check_write(st, &w, 56, FILE_SYNC, verf, 200, 256,
	    "WRITE 56 bytes FILE_SYNC");
	if (st == NFS3_OK)
		expect_u64(w.WRITE3res_u.resok.committed, FILE_SYNC,
		    "WRITE FILE_SYNC: committed is FILE_SYNC");
	if (expect_st(do_commit(&c1, &f, 0, 0, &cr), NFS3_OK,
	    "COMMIT offset 0 count 0")) {
		check(memcmp(cr.COMMIT3res_u.resok.verf, verf,
		    sizeof(verf)) == 0, "COMMIT returns the WRITE verifier\t"
		    "expected the same verifier, got another");
		check_wcc(&cr.COMMIT3res_u.resok.file_wcc, "COMMIT");
	}
	if (need_c2() == 0 && make_file(&d, "second", "", &g, NULL) == 0) {
		st = do_write(&c2, &g, 0, data, 10, UNSTABLE, &w);
		check_write(st, &w, 10, UNSTABLE, verf, 0, 10, "WRITE over "
		    "another connection");
	}
	check_read(&f, 0, 256, 256, 1, data);
	check_read(&f, 0, 100, 100, 0, data);
	check_read(&f, 200, 100, 56, 1, data + 200);
	check_read(&f, 256, 10, 0, 1, NULL);
	check_read(&f, 1000, 10, 0, 1, NULL);

	st = do_write(&c1, &f, 10000, "x", 1, FILE_SYNC, &w);
	check_write(st, &w, 1, FILE_SYNC, verf, 256, 10001, "WRITE 1 byte at "
	    "10000 (a hole)");
	if (need(do_getattr(&c1, &f, &a), "GETATTR after hole"))
		expect_u64(a.size, 10001, "size after writing past the end");
	memset(data, 0, sizeof(data));
	check_read(&f, 5000, 100, 100, 0, data);

	expect_in(do_read(&c1, &d, 0, 10, &rr, NULL, 0), notdir_read,
	    "READ of a directory");
	expect_in(do_write(&c1, &d, 0, "x", 1, FILE_SYNC, &w), notdir_read,
	    "WRITE to a directory");

	if (!need(do_fsinfo(&c1, &root, &fi), "FSINFO for 1 MiB I/O"))
		return;
	check(fi.FSINFO3res_u.resok.rtmax >= MIB && fi.FSINFO3res_u.resok.
	    wtmax >= MIB, "FSINFO rtmax and wtmax allow 1 MiB\texpected >= "
	    "1048576, got rtmax %u wtmax %u", fi.FSINFO3res_u.resok.rtmax,
	    fi.FSINFO3res_u.resok.wtmax);
	if (make_file(&d, "big", "", &big, NULL) == -1)
		return;
	mib = malloc(MIB);
	back = malloc(MIB);
	if (mib == NULL || back == NULL)
		goto out;
	fill_pattern(mib, MIB, 7);
	st = do_write(&c1, &big, 0, mib, MIB, FILE_SYNC, &w);
	check_write(st, &w, MIB, FILE_SYNC, verf, 0, MIB,
	    "WRITE 1 MiB FILE_SYNC");
	st = do_read(&c1, &big, 0, MIB, &rr, back, MIB);
	if (expect_st(st, NFS3_OK, "READ 1 MiB")) {
		expect_u64(rr.len, MIB, "READ 1 MiB: data length");
		expect_u64(rr.eof, 1, "READ 1 MiB of a 1 MiB file: eof");
		check(rr.len == MIB && memcmp(mib, back, MIB) == 0,
		    "READ 1 MiB returns the bytes written\texpected equal "
		    "data, got different bytes");
	}
out:
	free(mib);
	free(back);
}

static void
test_create(void)
{
	struct r_new n, n2;
	struct r_lookup l;
	struct fh d, f, x;
	fattr3 a;
	sattr3 sa;
	WRITE3res w;
	SETATTR3res sr;
	char name[NAME_LONG + 1];
	const char va[8] = "verif-A", vb[8] = "verif-B";
	int st;

	if (subdir("create", &d) == -1)
		return;
	sa = sa_mode(0640);
	st = do_create(&c1, &d, "u", UNCHECKED, &sa, NULL, &n);
	if (!expect_st(st, NFS3_OK, "CREATE UNCHECKED new file"))
		return;
	check_new(&n, NF3REG, "CREATE UNCHECKED");
	f = n.fh;
	if (n.attr.attributes_follow) {
		expect_u64(n.attr.post_op_attr_u.attributes.mode & 07777,
		    0640, "CREATE UNCHECKED: the mode asked for");
		expect_u64(n.attr.post_op_attr_u.attributes.size, 0,
		    "CREATE UNCHECKED: size 0");
	}
	need(do_write(&c1, &f, 0, "0123456789", 10, FILE_SYNC, &w),
	    "WRITE u");
	st = do_create(&c1, &d, "u", UNCHECKED, NULL, NULL, &n2);
	if (expect_st(st, NFS3_OK, "CREATE UNCHECKED of an existing file") &&
	    need(do_getattr(&c1, &f, &a), "GETATTR u")) {
		expect_u64(a.size, 10, "CREATE UNCHECKED without a size keeps "
		    "the contents");
		check(n2.has_fh && fh_eq(&n2.fh, &f), "CREATE UNCHECKED of an "
		    "existing file returns its handle\texpected the same "
		    "handle, got %s", n2.has_fh ? "another" : "none");
	}
	sa = sa_none();
	sa.size.set_it = 1;
	st = do_create(&c1, &d, "u", UNCHECKED, &sa, NULL, &n2);
	if (expect_st(st, NFS3_OK, "CREATE UNCHECKED size 0 of an existing "
	    "file") && need(do_getattr(&c1, &f, &a), "GETATTR u"))
		expect_u64(a.size, 0, "CREATE UNCHECKED size 0 truncates");

	sa = sa_mode(0600);
	st = do_create(&c1, &d, "g", GUARDED, &sa, NULL, &n);
	if (expect_st(st, NFS3_OK, "CREATE GUARDED new file")) {
		check_new(&n, NF3REG, "CREATE GUARDED");
		if (n.attr.attributes_follow)
			expect_u64(n.attr.post_op_attr_u.attributes.mode &
			    07777, 0600, "CREATE GUARDED: the mode asked for");
	}
	st = do_create(&c1, &d, "g", GUARDED, &sa, NULL, &n);
	if (expect_st(st, NFS3ERR_EXIST, "CREATE GUARDED of an existing "
	    "file"))
		check_wcc(&n.wcc, "CREATE GUARDED EXIST");

	st = do_create(&c1, &d, "x", EXCLUSIVE, NULL, va, &n);
	if (!expect_st(st, NFS3_OK, "CREATE EXCLUSIVE new file"))
		return;
	check(n.has_fh, "CREATE EXCLUSIVE: reply carries the handle\t"
	    "expected a handle, got none");
	x = n.fh;
	st = do_create(&c1, &d, "x", EXCLUSIVE, NULL, va, &n2);
	if (expect_st(st, NFS3_OK, "CREATE EXCLUSIVE retried with the same "
	    "verifier")) {
		if (n2.has_fh && need(do_getattr(&c1, &n2.fh, &a),
		    "GETATTR retried EXCLUSIVE handle") &&
		    need(do_lookup(&c1, &d, "x", &l), "LOOKUP x"))
			check(l.attr.attributes_follow && a.fileid ==
			    l.attr.post_op_attr_u.attributes.fileid,
			    "CREATE EXCLUSIVE retry returns the same file\t"
			    "expected fileid %" PRIu64 ", got %" PRIu64,
			    (uint64_t)l.attr.post_op_attr_u.attributes.fileid,
			    (uint64_t)a.fileid);
		check(n2.has_fh && fh_eq(&n2.fh, &x), "CREATE EXCLUSIVE retry "
		    "returns the same handle\texpected the first handle, "
		    "got %s", n2.has_fh ? "another" : "none");
	}
	st = do_create(&c1, &d, "x", EXCLUSIVE, NULL, vb, &n2);
	expect_st(st, NFS3ERR_EXIST, "CREATE EXCLUSIVE with another verifier");
	st = do_create(&c1, &d, "g", EXCLUSIVE, NULL, va, &n2);
	expect_st(st, NFS3ERR_EXIST, "CREATE EXCLUSIVE over a file made "
	    "GUARDED");
	sa = sa_mode(0644);
	sa.mtime.set_it = SET_TO_CLIENT_TIME;
	sa.mtime.set_mtime_u.mtime.seconds = 1500000000;
	sa.atime.set_it = SET_TO_SERVER_TIME;
	if (expect_st(do_setattr(&c1, &x, &sa, NULL, &sr), NFS3_OK,
	    "SETATTR mode and times after CREATE EXCLUSIVE") &&
	    need(do_getattr(&c1, &x, &a), "GETATTR x")) {
		expect_u64(a.mode & 07777, 0644, "mode after the EXCLUSIVE "
		    "create's SETATTR");
		expect_u64(a.mtime.seconds, 1500000000, "mtime after the "
		    "EXCLUSIVE create's SETATTR");
	}

	long_name(name, NAME_LONG - 1);
	expect_st(do_create(&c1, &d, name, GUARDED, NULL, NULL, &n), NFS3_OK,
	    "CREATE a 255-byte name");
	long_name(name, NAME_LONG);
	expect_st(do_create(&c1, &d, name, GUARDED, NULL, NULL, &n),
	    NFS3ERR_NAMETOOLONG, "CREATE a 256-byte name");
	expect_st(do_create(&c1, &f, "y", GUARDED, NULL, NULL, &n),
	    NFS3ERR_NOTDIR, "CREATE in a regular file");
	expect_in(do_create(&c1, &work, "create", UNCHECKED, NULL, NULL, &n),
	    create_on_dir, "CREATE UNCHECKED over a directory");
}

static void
test_mkdir(void)
{
	struct r_new n;
	struct fh d, sub, f;
	RMDIR3res r;
	REMOVE3res rm;
	char name[NAME_LONG + 1];
	int st;

	if (subdir("mkdir", &d) == -1)
		return;
	st = do_mkdir(&c1, &d, "sub", 0750, &n);
	if (!expect_st(st, NFS3_OK, "MKDIR"))
		return;
	check_new(&n, NF3DIR, "MKDIR");
	sub = n.fh;
	if (n.attr.attributes_follow)
		expect_u64(n.attr.post_op_attr_u.attributes.mode & 07777, 0750,
		    "MKDIR: the mode asked for");
	st = do_mkdir(&c1, &d, "sub", 0750, &n);
	if (expect_st(st, NFS3ERR_EXIST, "MKDIR of an existing name"))
		check_wcc(&n.wcc, "MKDIR EXIST");
	if (make_file(&sub, "f", "x", &f, NULL) == -1)
		return;
	st = do_rmdir(&c1, &d, "sub", &r);
	if (expect_st(st, NFS3ERR_NOTEMPTY, "RMDIR of a non-empty directory"))
		check_wcc(&r.RMDIR3res_u.resfail.dir_wcc, "RMDIR NOTEMPTY");
	need(do_remove(&c1, &sub, "f", &rm), "REMOVE sub/f");
	st = do_rmdir(&c1, &d, "sub", &r);
	if (expect_st(st, NFS3_OK, "RMDIR of the emptied directory")) {
		check_wcc(&r.RMDIR3res_u.resok.dir_wcc, "RMDIR");
		expect_st(do_getattr(&c1, &sub, NULL), NFS3ERR_STALE,
		    "GETATTR of a removed directory's handle");
	}
	if (make_file(&d, "file", "x", &f, NULL) == 0)
		expect_st(do_rmdir(&c1, &d, "file", &r), NFS3ERR_NOTDIR,
		    "RMDIR of a regular file");
	expect_st(do_rmdir(&c1, &d, "missing", &r), NFS3ERR_NOENT,
	    "RMDIR of a missing name");
	long_name(name, NAME_LONG);
	expect_st(do_mkdir(&c1, &d, name, 0755, &n), NFS3ERR_NAMETOOLONG,
	    "MKDIR a 256-byte name");
}

static void
test_remove(void)
{
	struct r_read rr;
	struct r_lookup l;
	struct fh d, f, sub;
	REMOVE3res r;
	WRITE3res w;
	SETATTR3res sr;
	sattr3 sa = sa_mode(0600);
	unsigned char buf[16];
	int st;

	if (subdir("remove", &d) == -1 ||
	    make_file(&d, "file", "contents", &f, NULL) == -1 ||
	    make_dir(&d, "sub", 0755, &sub) == -1)
		return;
	need(do_read(&c1, &f, 0, 8, &rr, buf, sizeof(buf)),
	    "READ before REMOVE (opens it on the server)");
	st = do_remove(&c1, &d, "file", &r);
	if (!expect_st(st, NFS3_OK, "REMOVE"))
		return;
	check_wcc(&r.REMOVE3res_u.resok.dir_wcc, "REMOVE");
	expect_st(do_getattr(&c1, &f, NULL), NFS3ERR_STALE,
	    "GETATTR of a removed file's handle");
	expect_st(do_read(&c1, &f, 0, 8, &rr, buf, sizeof(buf)),
	    NFS3ERR_STALE, "READ of a removed file's handle");
	expect_st(do_write(&c1, &f, 0, "x", 1, FILE_SYNC, &w), NFS3ERR_STALE,
	    "WRITE to a removed file's handle");
	expect_st(do_setattr(&c1, &f, &sa, NULL, &sr), NFS3ERR_STALE,
	    "SETATTR of a removed file's handle");
	expect_st(do_lookup(&c1, &d, "file", &l), NFS3ERR_NOENT,
	    "LOOKUP of the removed name");
	st = do_remove(&c1, &d, "file", &r);
	if (expect_st(st, NFS3ERR_NOENT, "REMOVE of a missing name"))
		check_wcc(&r.REMOVE3res_u.resfail.dir_wcc, "REMOVE NOENT");
	expect_in(do_remove(&c1, &d, "sub", &r), isdir_like,
	    "REMOVE of a directory");
	expect_st(do_getattr(&c1, &sub, NULL), NFS3_OK,
	    "the directory is still there after REMOVE refused it");
}

static void
test_symlink(void)
{
	struct r_new n;
	struct r_readlink rl;
	struct r_lookup l;
	struct fh d, f;
	fattr3 fa;
	const char *t1 = "some/where/../else", *t2 = "/etc";
	int st;

	if (subdir("symlink", &d) == -1 ||
	    make_file(&d, "file", "x", &f, &fa) == -1)
		return;
	st = do_symlink(&c1, &d, "rel", t1, &n);
	if (expect_st(st, NFS3_OK, "SYMLINK rel -> %s", t1)) {
		check_new(&n, NF3LNK, "SYMLINK");
		if (n.attr.attributes_follow)
			expect_u64(n.attr.post_op_attr_u.attributes.size,
			    strlen(t1), "SYMLINK: size is the target's "
			    "length");
		if (n.has_fh && expect_st(do_readlink(&c1, &n.fh, &rl),
		    NFS3_OK, "READLINK rel"))
			check(strcmp(rl.target, t1) == 0, "READLINK returns "
			    "the target as written\texpected \"%s\", got "
			    "\"%s\"", t1, rl.target);
	}
	st = do_symlink(&c1, &d, "abs", t2, &n);
	if (expect_st(st, NFS3_OK, "SYMLINK abs -> %s (outside the export)",
	    t2) && expect_st(do_lookup(&c1, &d, "abs", &l), NFS3_OK,
	    "LOOKUP abs")) {
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.type == NF3LNK, "LOOKUP of a symlink to /etc "
		    "returns the symlink (NF3LNK), not /etc\texpected type %d,"
		    " got %d", NF3LNK, l.attr.attributes_follow ? (int)l.attr.
		    post_op_attr_u.attributes.type : -1);
		if (expect_st(do_readlink(&c1, &l.fh, &rl), NFS3_OK,
		    "READLINK abs"))
			check(strcmp(rl.target, t2) == 0, "READLINK abs returns "
			    "%s\texpected \"%s\", got \"%s\"", t2, t2,
			    rl.target);
	}
	st = do_symlink(&c1, &d, "tofile", "file", &n);
	if (expect_st(st, NFS3_OK, "SYMLINK tofile -> file") &&
	    expect_st(do_lookup(&c1, &d, "tofile", &l), NFS3_OK,
	    "LOOKUP tofile"))
		check(l.attr.attributes_follow && l.attr.post_op_attr_u.
		    attributes.type == NF3LNK && l.attr.post_op_attr_u.
		    attributes.fileid != fa.fileid, "LOOKUP of a symlink to a "
		    "file is the symlink, not the file\texpected an NF3LNK "
		    "other than fileid %" PRIu64, (uint64_t)fa.fileid);
	expect_st(do_readlink(&c1, &f, &rl), NFS3ERR_INVAL,
	    "READLINK of a regular file");
	st = do_symlink(&c1, &d, "rel", "x", &n);
	if (expect_st(st, NFS3ERR_EXIST, "SYMLINK over an existing name"))
		check_wcc(&n.wcc, "SYMLINK EXIST");
}

static void
test_mknod(void)
{
	struct r_new n;
	struct fh d;
	int st;

	if (subdir("mknod", &d) == -1)
		return;
	st = do_mknod(&c1, &d, "fifo", NF3FIFO, 0, 0, &n);
	if (expect_st(st, NFS3_OK, "MKNOD FIFO"))
		check_new(&n, NF3FIFO, "MKNOD FIFO");
	st = do_mknod(&c1, &d, "sock", NF3SOCK, 0, 0, &n);
	if (expect_st(st, NFS3_OK, "MKNOD socket"))
		check_new(&n, NF3SOCK, "MKNOD socket");
	if (opt.uid == 0) {
		st = do_mknod(&c1, &d, "null", NF3CHR, 1, 3, &n);
		if (expect_st(st, NFS3_OK, "MKNOD character device 1,3 as "
		    "root")) {
			check_new(&n, NF3CHR, "MKNOD chr");
			if (n.attr.attributes_follow)
				check(n.attr.post_op_attr_u.attributes.rdev.
				    specdata1 == 1 && n.attr.post_op_attr_u.
				    attributes.rdev.specdata2 == 3, "MKNOD chr"
				    ": rdev 1,3\texpected 1,3, got %u,%u",
				    n.attr.post_op_attr_u.attributes.rdev.
				    specdata1, n.attr.post_op_attr_u.
				    attributes.rdev.specdata2);
		}
	}
	st = do_mknod(&c1, &d, "fifo", NF3FIFO, 0, 0, &n);
	if (expect_st(st, NFS3ERR_EXIST, "MKNOD over an existing name"))
		check_wcc(&n.wcc, "MKNOD EXIST");
	expect_st(do_mknod(&c1, &d, "reg", NF3REG, 0, 0, &n), NFS3ERR_BADTYPE,
	    "MKNOD of type NF3REG");
	expect_st(do_mknod(&c1, &d, "dir", NF3DIR, 0, 0, &n), NFS3ERR_BADTYPE,
	    "MKNOD of type NF3DIR");
}

static void
test_rename(void)
{
	RENAME3res r;
	struct r_lookup l;
	struct r_read rr;
	struct fh d, a, b, d1, d2, m, e1, e2, x;
	fattr3 fa, fm;
	char name[NAME_LONG + 1];
	unsigned char buf[16];
	int st;

	if (subdir("rename", &d) == -1 ||
	    make_file(&d, "a", "AAAA", &a, &fa) == -1 ||
	    make_file(&d, "b", "BB", &b, NULL) == -1)
		return;
	st = do_rename(&c1, &d, "a", &d, "b", &r);
	if (expect_st(st, NFS3_OK, "RENAME a onto the existing b")) {
		check_wcc(&r.RENAME3res_u.resok.fromdir_wcc,
		    "RENAME (fromdir)");
		check_wcc(&r.RENAME3res_u.resok.todir_wcc, "RENAME (todir)");
		expect_st(do_lookup(&c1, &d, "a", &l), NFS3ERR_NOENT,
		    "after RENAME, the old name is gone");
		if (expect_st(do_lookup(&c1, &d, "b", &l), NFS3_OK,
		    "after RENAME, LOOKUP of the new name"))
			check(l.attr.attributes_follow && l.attr.
			    post_op_attr_u.attributes.fileid == fa.fileid,
			    "the new name is the renamed file\texpected "
			    "fileid %" PRIu64, (uint64_t)fa.fileid);
		st = do_read(&c1, &a, 0, 16, &rr, buf, sizeof(buf));
		if (expect_st(st, NFS3_OK, "READ through the handle from "
		    "before the RENAME"))
			check(rr.len == 4 && memcmp(buf, "AAAA", 4) == 0,
			    "the renamed file's contents\texpected AAAA, got "
			    "%u bytes", rr.len);
		expect_st(do_getattr(&c1, &b, NULL), NFS3ERR_STALE,
		    "GETATTR of the replaced file's handle");
	}
	if (make_dir(&d, "d1", 0755, &d1) == -1 ||
	    make_dir(&d, "d2", 0755, &d2) == -1 ||
	    make_file(&d1, "m", "mail", &m, &fm) == -1)
		return;
	st = do_rename(&c1, &d1, "m", &d2, "m2", &r);
	if (expect_st(st, NFS3_OK, "RENAME across directories")) {
		check_wcc(&r.RENAME3res_u.resok.fromdir_wcc,
		    "RENAME across (fromdir)");
		check_wcc(&r.RENAME3res_u.resok.todir_wcc,
		    "RENAME across (todir)");
		expect_st(do_lookup(&c1, &d1, "m", &l), NFS3ERR_NOENT,
		    "after RENAME across, the old name is gone");
		if (expect_st(do_lookup(&c1, &d2, "m2", &l), NFS3_OK,
		    "after RENAME across, LOOKUP of the new name"))
			check(l.attr.attributes_follow && l.attr.
			    post_op_attr_u.attributes.fileid == fm.fileid,
			    "RENAME across keeps the fileid\texpected %" PRIu64,
			    (uint64_t)fm.fileid);
		expect_st(do_getattr(&c1, &m, NULL), NFS3_OK,
		    "the handle from before RENAME across still works");
	}
	st = do_rename(&c1, &d, "missing", &d, "x", &r);
	if (expect_st(st, NFS3ERR_NOENT, "RENAME of a missing name"))
		check_wcc(&r.RENAME3res_u.resfail.fromdir_wcc,
		    "RENAME NOENT (fromdir)");
	if (make_dir(&d, "e1", 0755, &e1) == 0 &&
	    make_dir(&d, "e2", 0755, &e2) == 0 &&
	    make_file(&e2, "inside", "x", &x, NULL) == 0)
		expect_in(do_rename(&c1, &d, "e1", &d, "e2", &r), dir_over_dir,
		    "RENAME a directory onto a non-empty directory");
	expect_in(do_rename(&c1, &d, "b", &d, "e1", &r), file_over_dir,
	    "RENAME a file onto a directory");
	expect_st(do_rename(&c1, &d, "e1", &e1, "self", &r), NFS3ERR_INVAL,
	    "RENAME a directory into itself");
	if (expect_st(do_rename(&c1, &d, "b", &d, "b", &r), NFS3_OK,
	    "RENAME a file onto its own name"))
		expect_st(do_lookup(&c1, &d, "b", &l), NFS3_OK,
		    "the file is still there after RENAME onto itself");
	long_name(name, NAME_LONG);
	expect_st(do_rename(&c1, &d, "b", &d, name, &r), NFS3ERR_NAMETOOLONG,
	    "RENAME to a 256-byte name");
}

static void
test_link(void)
{
	LINK3res r;
	REMOVE3res rm;
	struct r_lookup l;
	struct fh d, f, sub;
	fattr3 fa, a;
	int st;

	if (subdir("link", &d) == -1 ||
	    make_file(&d, "orig", "x", &f, &fa) == -1 ||
	    make_dir(&d, "sub", 0755, &sub) == -1)
		return;
	st = do_link(&c1, &f, &d, "second", &r);
	if (expect_st(st, NFS3_OK, "LINK")) {
		if (check(r.LINK3res_u.resok.file_attributes.attributes_follow,
		    "LINK: file attributes present\texpected attributes, "
		    "got none"))
			expect_u64(r.LINK3res_u.resok.file_attributes.
			    post_op_attr_u.attributes.nlink, 2,
			    "LINK: nlink in the reply");
		check_wcc(&r.LINK3res_u.resok.linkdir_wcc, "LINK");
		if (expect_st(do_lookup(&c1, &d, "second", &l), NFS3_OK,
		    "LOOKUP the new link"))
			check(l.attr.attributes_follow && l.attr.
			    post_op_attr_u.attributes.fileid == fa.fileid &&
			    l.attr.post_op_attr_u.attributes.nlink == 2,
			    "the new link is the same file with nlink 2\t"
			    "expected fileid %" PRIu64 " nlink 2",
			    (uint64_t)fa.fileid);
	}
	st = do_link(&c1, &f, &sub, "third", &r);
	expect_st(st, NFS3_OK, "LINK into another directory");
	st = do_link(&c1, &f, &d, "second", &r);
	if (expect_st(st, NFS3ERR_EXIST, "LINK onto an existing name"))
		check_wcc(&r.LINK3res_u.resfail.linkdir_wcc, "LINK EXIST");
	expect_in(do_link(&c1, &sub, &d, "dirlink", &r), link_dir,
	    "LINK of a directory");
	if (need(do_remove(&c1, &d, "orig", &rm), "REMOVE orig") &&
	    expect_st(do_getattr(&c1, &f, &a), NFS3_OK, "after REMOVE of one "
	    "name, the handle still works (other links remain)"))
		expect_u64(a.nlink, 2, "nlink after removing one of three "
		    "names");
}

/* -------------------------------------------------------------- readdir */

#define SMALL_DIR	300

struct smallseen {
	int		 seen[SMALL_DIR];
	fileid3		 fileid[SMALL_DIR];
	int		 dot;
	int		 dotdot;
	int		 sub;
	int		 other;
	int		 badfileid;
	int		 fhs;
	int		 fhbad;
};

static void
small_each(const struct dent *d, void *arg)
{
	struct smallseen *s = arg;
	fattr3 a;
	int i;

	if (strcmp(d->name, ".") == 0) {
		s->dot++;
		return;
	}
	if (strcmp(d->name, "..") == 0) {
		s->dotdot++;
		return;
	}
	if (strcmp(d->name, "subdir") == 0) {
		s->sub++;
		return;
	}
	if (sscanf(d->name, "entry-%d", &i) != 1 || i < 0 ||
	    i >= SMALL_DIR) {
		s->other++;
		return;
	}
	s->seen[i]++;
	if (d->fileid != s->fileid[i])
		s->badfileid++;
	/* Every 50th handle from READDIRPLUS is tried. */
	if (d->has_fh && i % 50 == 0) {
		s->fhs++;
		if (do_getattr(&c1, &d->fh, &a) != NFS3_OK ||
		    a.fileid != d->fileid)
			s->fhbad++;
	}
}

static void
check_small(const struct smallseen *s, int plus)
{
	const char *p = listname(plus);
	int i, missing = 0, dup = 0;

	for (i = 0; i < SMALL_DIR; i++) {
		missing += s->seen[i] == 0;
		dup += s->seen[i] > 1;
	}
	check(missing == 0, "%s of 301 entries: none missing\texpected 0 "
	    "missing, got %d", p, missing);
	check(dup == 0 && s->sub == 1 && s->dot <= 1 && s->dotdot <= 1,
	    "%s of 301 entries: none twice\texpected every name once, got "
	    "%d duplicated (subdir %d times, \".\" %d, \"..\" %d)", p, dup,
	    s->sub, s->dot, s->dotdot);
	check(s->other == 0, "%s: no unexpected names\texpected 0, got %d",
	    p, s->other);
	check(s->badfileid == 0, "%s: fileids match CREATE's\texpected 0 "
	    "mismatches, got %d", p, s->badfileid);
	if (plus)
		check(s->fhs > 0 && s->fhbad == 0, "READDIRPLUS handles "
		    "work with GETATTR\texpected %d good handles, got %d bad",
		    s->fhs, s->fhbad);
}

static void
test_readdir(void)
{
	struct smallseen s;
	struct liststat ls;
	struct r_dir rd;
	struct r_new n;
	struct fh d, e, sub, f;
	fattr3 a;
	cookieverf3 verf;
	char name[32];
	int i, st, plus;

	if (subdir("readdir", &d) == -1 || make_dir(&d, "subdir", 0755,
	    &sub) == -1)
		return;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < SMALL_DIR; i++) {
		snprintf(name, sizeof(name), "entry-%d", i);
		if (!need(do_create(&c1, &d, name, GUARDED, NULL, NULL, &n),
		    "CREATE a directory entry (set-up)"))
			return;
		if (n.attr.attributes_follow)
			s.fileid[i] = n.attr.post_op_attr_u.attributes.fileid;
		else if (do_getattr(&c1, &n.fh, &a) == NFS3_OK)
			s.fileid[i] = a.fileid;
	}
	for (plus = 0; plus <= 1; plus++) {
		memset(s.seen, 0, sizeof(s.seen));
		s.dot = s.dotdot = s.sub = s.other = s.badfileid = 0;
		s.fhs = s.fhbad = 0;
		list_dir(&c1, &d, plus, plus ? 512 : 1024, 4096, small_each, &s,
		    &ls, 0);
		check_listing(&ls, plus, plus ? "READDIRPLUS 301 entries "
		    "(dircount 512, maxcount 4096)" : "READDIR 301 entries "
		    "(count 1024)");
		check(ls.calls > 2, "%s of 301 entries takes several calls\t"
		    "expected > 2 calls, got %d", listname(plus), ls.calls);
		check_small(&s, plus);
	}
	memset(verf, 0, sizeof(verf));
	st = do_readdir(&c1, &d, 0, verf, 64, &rd);
	expect_st(st, NFS3ERR_TOOSMALL, "READDIR with count 64 (not even one "
	    "entry fits)");
	dir_free(&rd);
	if (make_dir(&d, "empty", 0755, &e) == 0) {
		memset(&s, 0, sizeof(s));
		list_dir(&c1, &e, 0, 4096, 0, small_each, &s, &ls, 0);
		expect_st(ls.st, NFS3_OK, "READDIR of an empty directory");
		check(ls.calls == 1 && s.other == 0 && s.sub == 0, "READDIR of "
		    "an empty directory: one reply, eof, no names but . and "
		    "..\texpected 1 call, got %d calls, %d names", ls.calls,
		    s.other + s.sub);
	}
	if (make_file(&d, "zfile", "x", &f, NULL) == 0) {
		st = do_readdir(&c1, &f, 0, verf, 4096, &rd);
		expect_st(st, NFS3ERR_NOTDIR, "READDIR of a regular file");
		dir_free(&rd);
		st = do_readdirplus(&c1, &f, 0, verf, 1024, 4096, &rd);
		expect_st(st, NFS3ERR_NOTDIR, "READDIRPLUS of a regular file");
		dir_free(&rd);
	}
}

/* ---------------------------------------------------------------- bigdir */

/*
 * The big directory holds nf names f%05d and nv victims v%05d made
 * before any listing; during round 0 another client creates a%05d
 * and removes victims, during round 1 it creates b%05d and removes
 * more.  What each listing saw is counted per name.
 */
struct bigseen {
	int		 nf;
	int		 nv;
	int		 nn;
	unsigned char	*f;		/* times listed */
	unsigned char	*v;
	unsigned char	*a;
	unsigned char	*b;
	unsigned char	*gone;		/* [nv]: victim removed (REMOVE OK) */
	unsigned char	*made_a;	/* [nn]: CREATE returned OK */
	unsigned char	*made_b;
	int		 dots;
	int		 other;
	char		 othername[64];
	fileid3		*ids;		/* when set: every fileid listed */
	size_t		 nids;
	size_t		 capids;
};

static int
name_index(const char *name, char prefix, int n)
{
	char *end;
	long v;

	if (name[0] != prefix || name[1] < '0' || name[1] > '9')
		return -1;
	v = strtol(name + 1, &end, 10);
	if (*end != '\0' || v < 0 || v >= n)
		return -1;
	return (int)v;
}

static void
bump(unsigned char *c)
{
	if (*c < 255)
		(*c)++;
}

static void
big_each(const struct dent *d, void *arg)
{
	struct bigseen *s = arg;
	int i;

	if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0) {
		s->dots++;
		return;
	}
	if (s->ids != NULL && s->nids < s->capids)
		s->ids[s->nids++] = d->fileid;
	if ((i = name_index(d->name, 'f', s->nf)) >= 0)
		bump(&s->f[i]);
	else if ((i = name_index(d->name, 'v', s->nv)) >= 0)
		bump(&s->v[i]);
	else if ((i = name_index(d->name, 'a', s->nn)) >= 0)
		bump(&s->a[i]);
	else if ((i = name_index(d->name, 'b', s->nn)) >= 0)
		bump(&s->b[i]);
	else if (s->other++ == 0)
		snprintf(s->othername, sizeof(s->othername), "%s", d->name);
}

static int
count_over(const unsigned char *v, int n, int max)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += v[i] > max;
	return k;
}

static int
big_dups(const struct bigseen *s)
{
	return count_over(s->f, s->nf, 1) + count_over(s->v, s->nv, 1) +
	    count_over(s->a, s->nn, 1) + count_over(s->b, s->nn, 1);
}

/*
 * Names there before the listing began and not listed: every f, the
 * victims not removed before and not removed during it (bg), and in
 * round 1 the a names made in round 0.
 */
static int
big_missing(const struct bigseen *s, const struct bg *bg, int round)
{
	int i, k = 0;

	for (i = 0; i < s->nf; i++)
		k += s->f[i] == 0;
	for (i = 0; i < s->nv; i++)
		k += s->v[i] == 0 && !s->gone[i] &&
		    (bg == NULL || !bg->vissued[i]);
	for (i = 0; round >= 1 && i < s->nn; i++)
		k += s->a[i] == 0 && s->made_a[i];
	for (i = 0; round >= 2 && i < s->nn; i++)
		k += s->b[i] == 0 && s->made_b[i];
	return k;
}

/* Names listed that were gone before the listing began. */
static int
big_extra(const struct bigseen *s)
{
	int i, k = 0;

	for (i = 0; i < s->nv; i++)
		k += s->v[i] != 0 && s->gone[i];
	return k;
}

static void
seen_reset(struct bigseen *s)
{
	memset(s->f, 0, (size_t)s->nf);
	memset(s->v, 0, (size_t)s->nv);
	memset(s->a, 0, (size_t)s->nn);
	memset(s->b, 0, (size_t)s->nn);
	s->dots = s->other = 0;
	s->othername[0] = '\0';
}

/*
 * One listing of the big directory while c2 creates names and removes
 * victims [vfirst, vend).
 */
static void
big_round(const struct fh *d, struct bigseen *s, int round, int vfirst,
    int vend)
{
	struct liststat ls;
	struct bg bg;
	char what[160];
	long long t0;
	int plus = round == 1, missing, during, i;

	if (bg_init(&bg, &c2, d, round == 0 ? "a" : "b", s->nn, "v", vfirst,
	    vend, s->nv) == -1)
		return;
	bg.window = 8;
	bg.remove_every = 3;
	seen_reset(s);
	snprintf(what, sizeof(what), "%s of %d entries while another client "
	    "adds and removes entries", listname(plus), s->nf + s->nv);
	t0 = now_ms();
	bg_fill(&bg);
	/* The other client's replies are flowing before the listing. */
	while (bg.done_ops < 2 * bg.window && !c2.dead && bg.inflight > 0 &&
	    now_ms() - t0 < CALL_TIMEOUT_MS)
		pump(100);
	during = bg.done_ops;
	list_dir(&c1, d, plus, 2048, 8192, big_each, s, &ls,
	    'v');
	during = bg.done_ops - during;
	bg_drain(&bg, 1);
	printf("     (%s: %d calls, %d entries, %lld ms; %d CREATEs and "
	    "REMOVEs done during it, %d and %d in all)\n", listname(plus),
	    ls.calls, ls.entries, now_ms() - t0, during,
	    count_set(bg.created, bg.ncreate), count_set(bg.vremoved, s->nv));
	check_listing(&ls, plus, what);
	check(during > 0, "%s: the other client's calls ran during the "
	    "listing\texpected > 0 done while it ran, got 0", what);
	check(bg.errors == 0, "%s: the other client's CREATEs and REMOVEs "
	    "all succeed\texpected 0 errors, got %d (first: %s)", what,
	    bg.errors, bg.firsterr);
	missing = big_missing(s, &bg, round);
	check(missing == 0, "%s: no entry that existed before the listing "
	    "is missing\texpected 0 missing, got %d", what, missing);
	check(big_dups(s) == 0 && s->dots <= 2, "%s: no entry listed twice\t"
	    "expected 0 duplicates, got %d (and %d dot entries)", what,
	    big_dups(s), s->dots);
	check(s->other == 0 && big_extra(s) == 0, "%s: no names that were "
	    "not there\texpected 0, got %d unknown (first: \"%s\") and %d "
	    "removed before", what, s->other, s->othername, big_extra(s));
	memcpy(round == 0 ? s->made_a : s->made_b, bg.created,
	    (size_t)s->nn);
	for (i = 0; i < s->nv; i++)
		s->gone[i] |= bg.vremoved[i];
	bg_free(&bg);
}

static int
cmp_fileid(const void *a, const void *b)
{
	fileid3 x = *(const fileid3 *)a, y = *(const fileid3 *)b;

	return x < y ? -1 : x > y;
}

/* A quiet listing afterwards: exactly the names there are. */
static void
big_final(const struct fh *d, struct bigseen *s)
{
	struct liststat ls;
	size_t k, same = 0;
	int i, missing, extra, dups;

	seen_reset(s);
	s->capids = (size_t)s->nf + s->nv + 2 * (size_t)s->nn;
	s->nids = 0;
	s->ids = calloc(s->capids, sizeof(*s->ids));
	list_dir(&c1, d, 0, 32768, 0, big_each, s, &ls, 0);
	if (s->ids != NULL) {
		qsort(s->ids, s->nids, sizeof(*s->ids), cmp_fileid);
		for (k = 1; k < s->nids; k++)
			same += s->ids[k] == s->ids[k - 1];
		check(same == 0, "the %zu entries of the big directory have "
		    "distinct fileids\texpected 0 repeated, got %zu",
		    s->nids, same);
		free(s->ids);
		s->ids = NULL;
	}
	expect_st(ls.st, NFS3_OK, "READDIR of the big directory afterwards");
	missing = big_missing(s, NULL, 2);
	extra = big_extra(s) + s->other;
	for (i = 0; i < s->nn; i++)
		extra += (s->a[i] && !s->made_a[i]) +
		    (s->b[i] && !s->made_b[i]);
	dups = big_dups(s);
	check(missing == 0 && extra == 0 && dups == 0, "READDIR afterwards "
	    "lists exactly the names there are\texpected 0 missing, 0 extra,"
	    " 0 twice, got %d missing, %d extra, %d twice", missing, extra,
	    dups);
}

/* Create n names prefix%05d in d through c1, 32 at a time. */
static int
big_populate(const struct fh *d, const char *prefix, int n)
{
	struct bg pre;
	int made;

	if (bg_init(&pre, &c1, d, prefix, n, "", 0, 0, 0) == -1)
		return -1;
	pre.window = 32;
	bg_fill(&pre);
	bg_drain(&pre, 0);
	made = count_set(pre.created, pre.ncreate);
	if (made != n)
		check(0, "CREATE %d entries %s%%05d (set-up)\texpected all "
		    "made, got %d (first error: %s)", n, prefix, made,
		    pre.firsterr);
	bg_free(&pre);
	return made == n ? 0 : -1;
}

static void
test_bigdir(void)
{
	struct bigseen s;
	struct fh d;
	long long t0;

	memset(&s, 0, sizeof(s));
	s.nf = opt.nbig;
	s.nv = opt.nbig / 10;
	s.nn = opt.nbig / 2;
	if (subdir("bigdir", &d) == -1)
		return;
	if (need_c2() == -1)
		return;
	s.f = calloc((size_t)s.nf, 1);
	s.v = calloc((size_t)s.nv, 1);
	s.a = calloc((size_t)s.nn, 1);
	s.b = calloc((size_t)s.nn, 1);
	s.gone = calloc((size_t)s.nv, 1);
	s.made_a = calloc((size_t)s.nn, 1);
	s.made_b = calloc((size_t)s.nn, 1);
	if (s.f == NULL || s.v == NULL || s.a == NULL || s.b == NULL ||
	    s.gone == NULL || s.made_a == NULL || s.made_b == NULL)
		goto out;
	t0 = now_ms();
	if (big_populate(&d, "f", s.nf) == -1 ||
	    big_populate(&d, "v", s.nv) == -1)
		goto out;
	printf("     (created %d entries in %lld ms)\n", s.nf + s.nv,
	    now_ms() - t0);
	big_round(&d, &s, 0, 0, s.nv / 2);
	big_round(&d, &s, 1, s.nv / 2, s.nv);
	big_final(&d, &s);
out:
	free(s.f);
	free(s.v);
	free(s.a);
	free(s.b);
	free(s.gone);
	free(s.made_a);
	free(s.made_b);
}

/* ---------------------------------------------------------------- fsinfo */

static void
test_fsinfo(void)
{
	FSINFO3res fi;
	FSSTAT3res fs;
	PATHCONF3res pc;
	FSINFO3resok *i = &fi.FSINFO3res_u.resok;
	FSSTAT3resok *s = &fs.FSSTAT3res_u.resok;
	PATHCONF3resok *p = &pc.PATHCONF3res_u.resok;
	u_int props = FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS |
	    FSF3_CANSETTIME;

	if (expect_st(do_fsinfo(&c1, &root, &fi), NFS3_OK, "FSINFO")) {
		printf("     (rtmax %u rtpref %u rtmult %u wtmax %u wtpref %u "
		    "wtmult %u dtpref %u maxfilesize %" PRIu64 " time_delta "
		    "%u.%09u properties 0x%x)\n", i->rtmax, i->rtpref,
		    i->rtmult, i->wtmax, i->wtpref, i->wtmult, i->dtpref,
		    (uint64_t)i->maxfilesize, i->time_delta.seconds,
		    i->time_delta.nseconds, i->properties);
		expect_u64(i->rtmax, MIB, "FSINFO rtmax");
		expect_u64(i->wtmax, MIB, "FSINFO wtmax");
		check(i->rtpref > 0 && i->rtpref <= i->rtmax, "FSINFO 0 < "
		    "rtpref <= rtmax\tgot rtpref %u", i->rtpref);
		check(i->wtpref > 0 && i->wtpref <= i->wtmax, "FSINFO 0 < "
		    "wtpref <= wtmax\tgot wtpref %u", i->wtpref);
		check(i->dtpref > 0, "FSINFO dtpref > 0\tgot 0");
		check(i->maxfilesize >= ((uint64_t)1 << 40), "FSINFO "
		    "maxfilesize >= 1 TiB\tgot %" PRIu64,
		    (uint64_t)i->maxfilesize);
		check(i->time_delta.seconds == 0 ||
		    (i->time_delta.seconds == 1 &&
		    i->time_delta.nseconds == 0), "FSINFO time_delta <= 1 s\t"
		    "got %u.%09u", i->time_delta.seconds,
		    i->time_delta.nseconds);
		check((i->properties & props) == props, "FSINFO properties "
		    "LINK|SYMLINK|HOMOGENEOUS|CANSETTIME\texpected 0x%x set, "
		    "got 0x%x", props, i->properties);
		check(i->obj_attributes.attributes_follow, "FSINFO: post-op "
		    "attributes present\texpected attributes, got none");
	}
	if (expect_st(do_fsstat(&c1, &root, &fs), NFS3_OK, "FSSTAT")) {
		check(s->tbytes > 0 && s->tbytes >= s->fbytes &&
		    s->fbytes >= s->abytes, "FSSTAT tbytes >= fbytes >= "
		    "abytes, tbytes > 0\tgot %" PRIu64 " %" PRIu64 " %" PRIu64,
		    (uint64_t)s->tbytes, (uint64_t)s->fbytes,
		    (uint64_t)s->abytes);
		check(s->tfiles >= s->ffiles && s->ffiles >= s->afiles,
		    "FSSTAT tfiles >= ffiles >= afiles\tgot %" PRIu64 " %"
		    PRIu64 " %" PRIu64, (uint64_t)s->tfiles,
		    (uint64_t)s->ffiles, (uint64_t)s->afiles);
	}
	if (expect_st(do_pathconf(&c1, &root, &pc), NFS3_OK, "PATHCONF")) {
		expect_u64(p->name_max, 255, "PATHCONF name_max");
		expect_u64(p->no_trunc, 1, "PATHCONF no_trunc");
		expect_u64(p->case_preserving, 1, "PATHCONF case_preserving");
		expect_u64(p->case_insensitive, 0,
		    "PATHCONF case_insensitive");
		check(p->linkmax >= 1, "PATHCONF linkmax >= 1\tgot %u",
		    p->linkmax);
	}
}

/* --------------------------------------------------------------- handles */

/* Every one-byte change of f must give BADHANDLE for GETATTR. */
static void
flip_each_byte(const struct fh *f, const char *what)
{
	struct fh g;
	u_int i;
	int st, bad = 0;

	for (i = 0; i < f->len; i++) {
		g = *f;
		g.data[i] ^= 0xff;
		st = do_getattr(&c1, &g, NULL);
		if (st != NFS3ERR_BADHANDLE && bad++ < MAX_FAIL_LINES)
			printf("     (%s with byte %u flipped: %s)\n", what, i,
			    stname(st));
	}
	check(bad == 0, "GETATTR of %s with any one of its %u bytes flipped "
	    "gives BADHANDLE\texpected NFS3ERR_BADHANDLE for every byte, got "
	    "something else for %d of them", what, f->len, bad);
}

static void
test_handles(void)
{
	struct r_lookup l;
	struct r_read rr;
	struct r_new n;
	struct r_dir rd;
	WRITE3res w;
	struct fh d, f, g;
	cookieverf3 verf;

	if (subdir("handles", &d) == -1 ||
	    make_file(&d, "file", "data", &f, NULL) == -1)
		return;
	check(f.len > 0 && f.len <= NFS3_FHSIZE, "a file handle is 1..64 "
	    "bytes\tgot %u", f.len);
	flip_each_byte(&f, "a file's handle");
	flip_each_byte(&d, "a directory's handle");
	flip_each_byte(&root, "the export root's handle");
	g = f;
	g.data[g.len / 2] ^= 0x01;
	expect_st(do_read(&c1, &g, 0, 4, &rr, NULL, 0), NFS3ERR_BADHANDLE,
	    "READ with a flipped handle");
	expect_st(do_write(&c1, &g, 0, "x", 1, FILE_SYNC, &w),
	    NFS3ERR_BADHANDLE, "WRITE with a flipped handle");
	g = d;
	g.data[g.len - 1] ^= 0x80;
	expect_st(do_lookup(&c1, &g, "file", &l), NFS3ERR_BADHANDLE,
	    "LOOKUP in a flipped directory handle");
	expect_st(do_create(&c1, &g, "new", GUARDED, NULL, NULL, &n),
	    NFS3ERR_BADHANDLE, "CREATE in a flipped directory handle");
	memset(verf, 0, sizeof(verf));
	expect_st(do_readdir(&c1, &g, 0, verf, 4096, &rd), NFS3ERR_BADHANDLE,
	    "READDIR of a flipped directory handle");
	dir_free(&rd);
	g = f;
	g.len--;
	expect_st(do_getattr(&c1, &g, NULL), NFS3ERR_BADHANDLE,
	    "GETATTR of a handle one byte short");
	if (f.len < NFS3_FHSIZE) {
		g = f;
		g.data[g.len++] = 0;
		expect_st(do_getattr(&c1, &g, NULL), NFS3ERR_BADHANDLE,
		    "GETATTR of a handle with a byte appended");
	}
	g.len = 0;
	expect_st(do_getattr(&c1, &g, NULL), NFS3ERR_BADHANDLE,
	    "GETATTR of an empty handle");
	g.len = NFS3_FHSIZE;
	memset(g.data, 0, sizeof(g.data));
	expect_st(do_getattr(&c1, &g, NULL), NFS3ERR_BADHANDLE,
	    "GETATTR of 64 zero bytes");
	expect_st(do_getattr(&c1, &f, NULL), NFS3_OK,
	    "the original handle still works");
}

/* ----------------------------------------------------------------- names */

static void
test_names(void)
{
	struct r_lookup l;
	struct r_new n;
	REMOVE3res rm;
	RMDIR3res rd;
	RENAME3res rn;
	LINK3res lk;
	struct fh d, sub, f, g;
	char name[NAME_LONG + 1];

	if (subdir("names", &d) == -1 || make_dir(&d, "sub", 0755, &sub) ==
	    -1 || make_file(&sub, "inner", "x", &f, NULL) == -1 ||
	    make_file(&d, "file", "x", &g, NULL) == -1)
		return;
	check(do_lookup(&c1, &d, "sub/inner", &l) != NFS3_OK, "LOOKUP "
	    "\"sub/inner\" (a name with a slash) fails\texpected an error, "
	    "got %s", stname(NFS3_OK));
	expect_in(do_create(&c1, &d, "sub/new", GUARDED, NULL, NULL, &n),
	    bad_name, "CREATE \"sub/new\" (a name with a slash)");
	expect_st(do_lookup(&c1, &sub, "new", &l), NFS3ERR_NOENT,
	    "CREATE \"sub/new\" made nothing in sub");
	expect_in(do_mkdir(&c1, &d, "sub/newdir", 0755, &n), bad_name,
	    "MKDIR \"sub/newdir\" (a name with a slash)");
	expect_in(do_create(&c1, &d, "", GUARDED, NULL, NULL, &n), bad_name,
	    "CREATE of an empty name");
	long_name(name, NAME_LONG);
	expect_st(do_symlink(&c1, &d, name, "x", &n), NFS3ERR_NAMETOOLONG,
	    "SYMLINK a 256-byte name");
	expect_st(do_mknod(&c1, &d, name, NF3FIFO, 0, 0, &n),
	    NFS3ERR_NAMETOOLONG, "MKNOD a 256-byte name");
	expect_st(do_remove(&c1, &d, name, &rm), NFS3ERR_NAMETOOLONG,
	    "REMOVE a 256-byte name");
	expect_st(do_rmdir(&c1, &d, name, &rd), NFS3ERR_NAMETOOLONG,
	    "RMDIR a 256-byte name");
	expect_st(do_rename(&c1, &d, name, &d, "x", &rn), NFS3ERR_NAMETOOLONG,
	    "RENAME from a 256-byte name");
	expect_st(do_link(&c1, &g, &d, name, &lk), NFS3ERR_NAMETOOLONG,
	    "LINK to a 256-byte name");
}

/* --------------------------------------------------------- read-only */

static void
test_ro(void)
{
	SETATTR3res sr;
	WRITE3res w;
	REMOVE3res rm;
	RMDIR3res rd;
	RENAME3res rn;
	LINK3res lk;
	ACCESS3res ac;
	struct r_new n;
	struct r_lookup l;
	struct r_read rr;
	struct liststat ls;
	struct fh f, d;
	fattr3 a, b;
	sattr3 sa = sa_mode(0600);
	unsigned char buf[64];
	int st;

	if (find(&root, "file", &f) == -1 || find(&root, "dir", &d) == -1 ||
	    !need(do_getattr(&c1, &f, &a), "GETATTR file"))
		return;
	st = do_read(&c1, &f, 0, sizeof(buf), &rr, buf, sizeof(buf));
	if (expect_st(st, NFS3_OK, "READ on a read-only export"))
		check(rr.len > 0, "READ on a read-only export returns data\t"
		    "expected > 0 bytes, got 0");
	list_dir(&c1, &root, 0, 4096, 0, NULL, NULL, &ls, 0);
	expect_st(ls.st, NFS3_OK, "READDIR on a read-only export");
	if (expect_st(do_access(&c1, &f, ACCESS3_READ | ACCESS3_MODIFY |
	    ACCESS3_EXTEND, &ac), NFS3_OK, "ACCESS on a read-only export"))
		check((ac.ACCESS3res_u.resok.access & (ACCESS3_MODIFY |
		    ACCESS3_EXTEND)) == 0, "ACCESS on a read-only export "
		    "grants neither MODIFY nor EXTEND\texpected 0x0 of 0xc, "
		    "got 0x%x", ac.ACCESS3res_u.resok.access);
	st = do_setattr(&c1, &f, &sa, NULL, &sr);
	if (expect_st(st, NFS3ERR_ROFS, "SETATTR on a read-only export"))
		check_wcc(&sr.SETATTR3res_u.resfail.obj_wcc, "SETATTR ROFS");
	expect_st(do_write(&c1, &f, 0, "x", 1, FILE_SYNC, &w), NFS3ERR_ROFS,
	    "WRITE on a read-only export");
	st = do_create(&c1, &root, "new", UNCHECKED, NULL, NULL, &n);
	if (expect_st(st, NFS3ERR_ROFS, "CREATE on a read-only export"))
		check_wcc(&n.wcc, "CREATE ROFS");
	expect_st(do_mkdir(&c1, &root, "newdir", 0755, &n), NFS3ERR_ROFS,
	    "MKDIR on a read-only export");
	expect_st(do_symlink(&c1, &root, "newlink", "file", &n), NFS3ERR_ROFS,
	    "SYMLINK on a read-only export");
	expect_st(do_mknod(&c1, &root, "newfifo", NF3FIFO, 0, 0, &n),
	    NFS3ERR_ROFS, "MKNOD on a read-only export");
	expect_st(do_remove(&c1, &root, "file", &rm), NFS3ERR_ROFS,
	    "REMOVE on a read-only export");
	expect_st(do_rmdir(&c1, &root, "dir", &rd), NFS3ERR_ROFS,
	    "RMDIR on a read-only export");
	expect_st(do_rename(&c1, &root, "file", &root, "file2", &rn),
	    NFS3ERR_ROFS, "RENAME on a read-only export");
	expect_st(do_link(&c1, &f, &d, "link", &lk), NFS3ERR_ROFS,
	    "LINK on a read-only export");
	if (need(do_getattr(&c1, &f, &b), "GETATTR file afterwards"))
		check(b.mode == a.mode && b.size == a.size && time_eq(&b.mtime,
		    &a.mtime), "the read-only export's file is unchanged\t"
		    "expected mode %o size %" PRIu64 ", got mode %o size %"
		    PRIu64, a.mode, (uint64_t)a.size, b.mode,
		    (uint64_t)b.size);
	expect_st(do_lookup(&c1, &root, "new", &l), NFS3ERR_NOENT,
	    "nothing was created on the read-only export");
	expect_st(do_lookup(&c1, &root, "file", &l), NFS3_OK,
	    "nothing was removed from the read-only export");
}

/* --------------------------------------------------- credentials */

static int
is_nobody(uint32_t id)
{
	return id == ANON_UID_16 || id == ANON_UID_32;
}

static void
check_denied(const struct fh *f, const char *who, const char *what)
{
	ACCESS3res ac;
	struct r_read rr;
	WRITE3res w;
	unsigned char buf[16];
	uint32_t got;

	expect_st(do_getattr(&c1, f, NULL), NFS3_OK, "GETATTR %s as %s",
	    what, who);
	expect_st(do_read(&c1, f, 0, sizeof(buf), &rr, buf, sizeof(buf)),
	    NFS3ERR_ACCES, "READ %s as %s", what, who);
	expect_st(do_write(&c1, f, 0, "x", 1, FILE_SYNC, &w), NFS3ERR_ACCES,
	    "WRITE %s as %s", what, who);
	if (expect_st(do_access(&c1, f, ACCESS3_READ | ACCESS3_MODIFY |
	    ACCESS3_EXTEND, &ac), NFS3_OK, "ACCESS %s as %s", what, who)) {
		got = ac.ACCESS3res_u.resok.access;
		check((got & (ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND))
		    == 0, "ACCESS %s as %s grants none of READ, MODIFY, "
		    "EXTEND\texpected 0x0, got 0x%x", what, who, got);
	}
}

/* A file made in pub must belong to uid:gid; a device is refused. */
static void
check_pub(const struct fh *pub, uint32_t uid, uint32_t gid, int squashed,
    const char *who)
{
	struct r_new n;
	SETATTR3res sr;
	sattr3 sa;
	fattr3 *a;
	char name[64];
	int st;

	snprintf(name, sizeof(name), "made.%ld", (long)getpid());
	st = do_create(&c1, pub, name, GUARDED, NULL, NULL, &n);
	if (expect_st(st, NFS3_OK, "CREATE in a 0777 directory as %s", who) &&
	    n.attr.attributes_follow) {
		a = &n.attr.post_op_attr_u.attributes;
		if (squashed) {
			check(is_nobody(a->uid) && is_nobody(a->gid),
			    "a file root creates on a squashing export "
			    "belongs to nobody\texpected uid/gid 65534 or "
			    "4294967294, got %u:%u", a->uid, a->gid);
		} else {
			expect_u64(a->uid, uid, "a file %s creates belongs "
			    "to its uid", who);
			expect_u64(a->gid, gid, "a file %s creates belongs "
			    "to its gid", who);
		}
		sa = sa_none();
		sa.uid.set_it = 1;
		sa.uid.set_uid3_u.uid = 0;
		expect_st(do_setattr(&c1, &n.fh, &sa, NULL, &sr), NFS3ERR_PERM,
		    "SETATTR uid 0 of its own file as %s", who);
	}
	snprintf(name, sizeof(name), "dev.%ld", (long)getpid());
	expect_in(do_mknod(&c1, pub, name, NF3CHR, 1, 3, &n), perm_like,
	    "MKNOD a character device as %s", who);
}

static void
test_squash(void)
{
	struct r_new n;
	struct fh f, pub;
	SETATTR3res sr;
	sattr3 sa = sa_mode(0666);

	if (opt.uid != 0)
		printf("     (squash should run with -u 0; running as %d)\n",
		    opt.uid);
	if (find(&root, "rootfile", &f) == -1 || find(&root, "pub", &pub) ==
	    -1)
		return;
	check_denied(&f, "squashed root", "root's 0600 rootfile");
	expect_st(do_setattr(&c1, &f, &sa, NULL, &sr), NFS3ERR_PERM,
	    "SETATTR mode of root's rootfile as squashed root");
	expect_st(do_create(&c1, &root, "sq", GUARDED, NULL, NULL, &n),
	    NFS3ERR_ACCES, "CREATE in root's 0755 directory as squashed "
	    "root");
	check_pub(&pub, 0, 0, 1, "squashed root");
}

static void
test_other(void)
{
	struct fh f, pub;
	SETATTR3res sr;
	sattr3 sa = sa_mode(0666);

	if (find(&root, "secret", &f) == -1 || find(&root, "pub", &pub) ==
	    -1)
		return;
	check_denied(&f, "another user", "a 0600 secret");
	expect_st(do_setattr(&c1, &f, &sa, NULL, &sr), NFS3ERR_PERM,
	    "SETATTR mode of another user's file");
	sa = sa_none();
	sa.size.set_it = 1;
	expect_st(do_setattr(&c1, &f, &sa, NULL, &sr), NFS3ERR_ACCES,
	    "SETATTR size 0 of another user's 0600 file");
	check_pub(&pub, (uint32_t)opt.uid, (uint32_t)opt.gid, 0, "a user");
}

/* ----------------------------------------------------------- persistence */

#define PERSIST_SIZE	(256 * 1024)
#define PERSIST_CHUNK	(64 * 1024)
#define PERSIST_VERF	"crash!!"	/* 8 bytes with the NUL */

static void
test_persist_write(void)
{
	struct r_new n;
	WRITE3res w;
	FILE *fp;
	struct fh d, f;
	fattr3 a;
	unsigned char *buf;
	char hex[2 * NFS3_FHSIZE + 1], name[64];
	char verf[NFS3_WRITEVERFSIZE];
	struct fh gone;
	REMOVE3res rm;
	unsigned seed = (unsigned)getpid();
	int i, st, ok = 1;

	if (opt.statefile == NULL) {
		check(0, "persist-write has a state file\texpected -s FILE, "
		    "got none");
		return;
	}
	snprintf(name, sizeof(name), "persist.%u", seed);
	if (make_dir(&root, name, 0755, &d) == -1)
		return;
	if ((buf = malloc(PERSIST_SIZE)) == NULL)
		return;
	fill_pattern(buf, PERSIST_SIZE, seed);
	st = do_create(&c1, &d, "data", GUARDED, NULL, NULL, &n);
	if (!expect_st(st, NFS3_OK, "CREATE the file to survive a crash"))
		goto out;
	f = n.fh;
	for (i = 0; i < PERSIST_SIZE / PERSIST_CHUNK; i++) {
		st = do_write(&c1, &f, (uint64_t)i * PERSIST_CHUNK,
		    buf + i * PERSIST_CHUNK, PERSIST_CHUNK, FILE_SYNC, &w);
		if (st != NFS3_OK || w.WRITE3res_u.resok.committed !=
		    FILE_SYNC || w.WRITE3res_u.resok.count != PERSIST_CHUNK)
			ok = 0;
		if (st == NFS3_OK)
			memcpy(verf, w.WRITE3res_u.resok.verf, sizeof(verf));
	}
	if (!check(ok, "WRITE 256 KiB FILE_SYNC in 4 calls, all committed "
	    "FILE_SYNC\texpected NFS3_OK/FILE_SYNC/65536 for each, got "
	    "something else (last status %s)", stname(st)))
		goto out;
	if (!need(do_getattr(&c1, &f, &a), "GETATTR data"))
		goto out;
	st = do_create(&c1, &d, "excl", EXCLUSIVE, NULL, PERSIST_VERF, &n);
	expect_st(st, NFS3_OK, "CREATE EXCLUSIVE before the crash");
	if (make_file(&d, "gone", "x", &gone, NULL) == -1 ||
	    !expect_st(do_remove(&c1, &d, "gone", &rm), NFS3_OK,
	    "REMOVE a file whose handle is kept"))
		goto out;
	if ((fp = fopen(opt.statefile, "w")) == NULL) {
		check(0, "write the state file\texpected to create %s, got %s",
		    opt.statefile, strerror(errno));
		goto out;
	}
	fh_hex(&root, hex, sizeof(hex));
	fprintf(fp, "root %s\n", hex);
	fh_hex(&d, hex, sizeof(hex));
	fprintf(fp, "dir %s\n", hex);
	fh_hex(&f, hex, sizeof(hex));
	fprintf(fp, "file %s\n", hex);
	fh_hex(&gone, hex, sizeof(hex));
	fprintf(fp, "gone %s\n", hex);
	fprintf(fp, "seed %u\n", seed);
	fprintf(fp, "fileid %" PRIu64 "\n", (uint64_t)a.fileid);
	fprintf(fp, "fsid %" PRIu64 "\n", (uint64_t)a.fsid);
	for (i = 0; i < NFS3_WRITEVERFSIZE; i++)
		fprintf(fp, "%s%02x", i == 0 ? "verf " : "",
		    (unsigned char)verf[i]);
	fprintf(fp, "\n");
	check(fclose(fp) == 0, "state saved in %s\texpected it written, got "
	    "%s", opt.statefile, strerror(errno));
out:
	free(buf);
}

struct saved {
	struct fh	 root;
	struct fh	 dir;
	struct fh	 file;
	struct fh	 gone;
	unsigned	 seed;
	uint64_t	 fileid;
	uint64_t	 fsid;
	unsigned char	 verf[NFS3_WRITEVERFSIZE];
};

static int
load_state(struct saved *sv)
{
	FILE *fp;
	char key[32], val[200];
	unsigned v;
	int i, n = 0;

	if ((fp = fopen(opt.statefile, "r")) == NULL)
		return -1;
	while (fscanf(fp, "%31s %199s", key, val) == 2) {
		n++;
		if (strcmp(key, "root") == 0)
			n -= fh_unhex(&sv->root, val) != 0;
		else if (strcmp(key, "dir") == 0)
			n -= fh_unhex(&sv->dir, val) != 0;
		else if (strcmp(key, "file") == 0)
			n -= fh_unhex(&sv->file, val) != 0;
		else if (strcmp(key, "gone") == 0)
			n -= fh_unhex(&sv->gone, val) != 0;
		else if (strcmp(key, "seed") == 0)
			sv->seed = (unsigned)strtoul(val, NULL, 10);
		else if (strcmp(key, "fileid") == 0)
			sv->fileid = strtoull(val, NULL, 10);
		else if (strcmp(key, "fsid") == 0)
			sv->fsid = strtoull(val, NULL, 10);
		else if (strcmp(key, "verf") == 0 && strlen(val) == 16) {
			for (i = 0; i < NFS3_WRITEVERFSIZE; i++) {
				if (sscanf(val + 2 * i, "%2x", &v) != 1)
					n--;
				sv->verf[i] = (unsigned char)v;
			}
		} else
			n--;
	}
	fclose(fp);
	return n == 8 ? 0 : -1;
}

static void
test_persist_check(void)
{
	struct saved sv;
	struct r_read rr;
	struct r_lookup l;
	struct r_new n;
	struct liststat ls;
	WRITE3res w;
	fattr3 a;
	unsigned char *want, *got;
	char name[64];
	int st;

	memset(&sv, 0, sizeof(sv));
	if (opt.statefile == NULL || load_state(&sv) == -1) {
		check(0, "persist-check reads the state persist-write saved\t"
		    "expected a readable -s FILE, got %s", opt.statefile ?
		    opt.statefile : "none");
		return;
	}
	check(fh_eq(&sv.root, &root), "MNT after the restart returns the "
	    "same root handle\texpected the handle from before, got "
	    "another");
	expect_st(do_getattr(&c1, &sv.root, NULL), NFS3_OK, "GETATTR of the "
	    "root handle from before the restart");
	st = do_getattr(&c1, &sv.file, &a);
	if (expect_st(st, NFS3_OK, "GETATTR of the file handle from before "
	    "the restart")) {
		expect_u64(a.size, PERSIST_SIZE, "the file's size after the "
		    "restart");
		expect_u64(a.fileid, sv.fileid, "the file's fileid after the "
		    "restart");
		expect_u64(a.fsid, sv.fsid, "the export's fsid after the "
		    "restart");
	}
	want = malloc(PERSIST_SIZE);
	got = malloc(PERSIST_SIZE);
	if (want != NULL && got != NULL) {
		fill_pattern(want, PERSIST_SIZE, sv.seed);
		st = do_read(&c1, &sv.file, 0, PERSIST_SIZE, &rr, got,
		    PERSIST_SIZE);
		if (expect_st(st, NFS3_OK, "READ through the handle from "
		    "before the restart"))
			check(rr.len == PERSIST_SIZE && memcmp(want, got,
			    PERSIST_SIZE) == 0, "the FILE_SYNC data survived "
			    "kill -9\texpected the 256 KiB written, got %u "
			    "bytes%s", rr.len, rr.len == PERSIST_SIZE ?
			    " that differ" : "");
	}
	free(want);
	free(got);
	if (expect_st(do_lookup(&c1, &sv.dir, "data", &l), NFS3_OK,
	    "LOOKUP in the directory handle from before the restart"))
		check(fh_eq(&l.fh, &sv.file), "LOOKUP after the restart "
		    "returns the same file handle\texpected the old handle, "
		    "got another");
	list_dir(&c1, &sv.dir, 1, 1024, 4096, NULL, NULL, &ls, 0);
	expect_st(ls.st, NFS3_OK, "READDIRPLUS of the directory handle from "
	    "before the restart");
	expect_st(do_getattr(&c1, &sv.gone, NULL), NFS3ERR_STALE, "GETATTR "
	    "of a removed file's handle from before the restart");
	if (expect_st(do_create(&c1, &sv.dir, "excl", EXCLUSIVE, NULL,
	    PERSIST_VERF, &n), NFS3_OK, "CREATE EXCLUSIVE retried with the "
	    "same verifier after the restart") &&
	    need(do_lookup(&c1, &sv.dir, "excl", &l), "LOOKUP excl"))
		check(n.has_fh && fh_eq(&n.fh, &l.fh), "the EXCLUSIVE retry "
		    "after the restart returns the file made before\texpected "
		    "its handle, got %s", n.has_fh ? "another" : "none");
	expect_st(do_create(&c1, &sv.dir, "excl", EXCLUSIVE, NULL, "other!!",
	    &n), NFS3ERR_EXIST, "CREATE EXCLUSIVE with another verifier after "
	    "the restart");
	snprintf(name, sizeof(name), "after.%ld", (long)getpid());
	if (need(do_create(&c1, &sv.dir, name, GUARDED, NULL, NULL, &n),
	    "CREATE after the restart") && n.has_fh) {
		st = do_write(&c1, &n.fh, 0, "x", 1, UNSTABLE, &w);
		if (expect_st(st, NFS3_OK, "WRITE after the restart"))
			check(memcmp(w.WRITE3res_u.resok.verf, sv.verf,
			    NFS3_WRITEVERFSIZE) != 0, "the write verifier "
			    "changed across the restart\texpected a new "
			    "verifier, got the old one");
	}
}

/* ------------------------------------------------------ retransmissions */

static uint32_t
fresh_xid(void)
{
	static uint32_t x;

	if (x == 0)
		x = (uint32_t)getpid() * 2654435761U ^ (uint32_t)now_ms();
	x += 0x01000193;
	return x;
}

/* The next call on c goes out with this xid. */
static void
use_xid(struct conn *c, uint32_t xid)
{
	if (c->rpc != NULL && !c->dead)
		rpc_set_next_xid(c->rpc, xid);
}

/*
 * A retransmission (the same call with the same xid) of a
 * non-idempotent procedure gets the first reply instead of being
 * executed again; another call reusing the xid is executed.
 */
static void
test_drc(void)
{
	struct r_new n, n2;
	REMOVE3res rm;
	RENAME3res rn;
	struct fh d, a;
	uint32_t x;
	int st;

	if (subdir("drc", &d) == -1)
		return;
	x = fresh_xid();
	use_xid(&c1, x);
	st = do_create(&c1, &d, "dup", GUARDED, NULL, NULL, &n);
	if (need(st, "CREATE GUARDED dup")) {
		use_xid(&c1, x);
		st = do_create(&c1, &d, "dup", GUARDED, NULL, NULL, &n2);
		if (expect_st(st, NFS3_OK, "CREATE GUARDED retransmitted (same "
		    "xid) gets the first reply, not EXIST"))
			check(n2.has_fh && n.has_fh && fh_eq(&n2.fh, &n.fh),
			    "the retransmitted CREATE returns the same handle\t"
			    "expected the first reply's handle, got %s",
			    n2.has_fh ? "another" : "none");
	}
	x = fresh_xid();
	use_xid(&c1, x);
	if (need(do_remove(&c1, &d, "dup", &rm), "REMOVE dup")) {
		use_xid(&c1, x);
		expect_st(do_remove(&c1, &d, "dup", &rm), NFS3_OK, "REMOVE "
		    "retransmitted (same xid) gets the first reply, not NOENT");
		use_xid(&c1, x);
		expect_st(do_remove(&c1, &d, "never", &rm), NFS3ERR_NOENT,
		    "another REMOVE reusing that xid is executed, not "
		    "answered from the cache");
	}
	use_xid(&c1, fresh_xid());
	expect_st(do_remove(&c1, &d, "dup", &rm), NFS3ERR_NOENT,
	    "REMOVE dup again with a new xid (it is gone)");
	if (make_file(&d, "a", "x", &a, NULL) == 0) {
		x = fresh_xid();
		use_xid(&c1, x);
		if (need(do_rename(&c1, &d, "a", &d, "b", &rn), "RENAME a b")) {
			use_xid(&c1, x);
			expect_st(do_rename(&c1, &d, "a", &d, "b", &rn), NFS3_OK,
			    "RENAME retransmitted (same xid) gets the first "
			    "reply, not NOENT");
		}
	}
	if (need_c2() == 0) {
		x = fresh_xid();
		use_xid(&c1, x);
		if (need(do_mkdir(&c1, &d, "sub", 0755, &n), "MKDIR sub")) {
			use_xid(&c2, x);
			expect_st(do_mkdir(&c2, &d, "sub", 0755, &n2), NFS3_OK,
			    "MKDIR retransmitted over a new connection (same "
			    "xid) gets the first reply, not EXIST");
		}
		use_xid(&c2, fresh_xid());
	}
	use_xid(&c1, fresh_xid());
}

/* ------------------------------------------------------------ full disk */

#define FILL_CHUNK	(256 * 1024)
#define FILL_MAX	64		/* chunks: 16 MiB */

/* The export is a small file system: WRITE until NOSPC. */
static void
test_nospc(void)
{
	struct r_new n;
	WRITE3res w;
	REMOVE3res rm;
	struct fh f;
	unsigned char *buf;
	uint64_t off = 0;
	char name[64];
	int i, st = NFS3_OK;

	snprintf(name, sizeof(name), "fill.%ld", (long)getpid());
	if (!need(do_create(&c1, &root, name, GUARDED, NULL, NULL, &n),
	    "CREATE a file to fill the export") || !n.has_fh)
		return;
	f = n.fh;
	if ((buf = malloc(FILL_CHUNK)) == NULL)
		return;
	fill_pattern(buf, FILL_CHUNK, 3);
	for (i = 0; i < FILL_MAX && st == NFS3_OK; i++) {
		st = do_write(&c1, &f, off, buf, FILL_CHUNK, FILE_SYNC, &w);
		if (st == NFS3_OK && w.WRITE3res_u.resok.count == 0)
			break;
		if (st == NFS3_OK)
			off += w.WRITE3res_u.resok.count;
	}
	free(buf);
	printf("     (%" PRIu64 " bytes written before the error)\n", off);
	if (expect_st(st, NFS3ERR_NOSPC, "WRITE to a full file system"))
		check_wcc(&w.WRITE3res_u.resfail.file_wcc, "WRITE NOSPC");
	check(off > 0, "some data fit before the file system was full\t"
	    "expected > 0 bytes, got 0");
	expect_st(do_remove(&c1, &root, name, &rm), NFS3_OK,
	    "REMOVE on a full file system");
}

/* ---------------------------------------------------------------- main */

static const struct subtest subtests[] = {
	{ "null", test_null, 1, "NULL" },
	{ "getattr", test_getattr, 1, "GETATTR, fsid and fileid" },
	{ "lookup", test_lookup, 1, "LOOKUP" },
	{ "access", test_access, 1, "ACCESS" },
	{ "setattr", test_setattr, 1, "SETATTR and its guard" },
	{ "readwrite", test_readwrite, 1, "READ, WRITE, COMMIT" },
	{ "create", test_create, 1, "CREATE UNCHECKED/GUARDED/EXCLUSIVE" },
	{ "mkdir", test_mkdir, 1, "MKDIR and RMDIR" },
	{ "remove", test_remove, 1, "REMOVE and STALE handles" },
	{ "symlink", test_symlink, 1, "SYMLINK and READLINK" },
	{ "mknod", test_mknod, 1, "MKNOD" },
	{ "rename", test_rename, 1, "RENAME" },
	{ "link", test_link, 1, "LINK" },
	{ "readdir", test_readdir, 1, "READDIR and READDIRPLUS" },
	{ "bigdir", test_bigdir, 1, "READDIR(PLUS) of a changing big "
	    "directory" },
	{ "fsinfo", test_fsinfo, 1, "FSINFO, FSSTAT, PATHCONF" },
	{ "handles", test_handles, 1, "BADHANDLE" },
	{ "names", test_names, 1, "bad and long names" },
	{ "drc", test_drc, 1, "retransmissions (same xid)" },
	{ "nospc", test_nospc, 0, "a full file system" },
	{ "ro", test_ro, 0, "a read-only export" },
	{ "squash", test_squash, 0, "root squashed to nobody" },
	{ "other", test_other, 0, "another user's files" },
	{ "persist-write", test_persist_write, 0, "data to survive kill -9" },
	{ "persist-check", test_persist_check, 0, "after the restart" },
};
#define NSUBTESTS	(sizeof(subtests) / sizeof(subtests[0]))

static const struct subtest *
subtest_named(const char *name)
{
	size_t i;

	for (i = 0; i < NSUBTESTS; i++)
		if (strcmp(subtests[i].name, name) == 0)
			return &subtests[i];
	return NULL;
}

static int
int_arg(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '\0' || v < 0 ||
	    v > INT_MAX)
		usage();
	return (int)v;
}

/* MNT the export, connect for NFS, GETATTR the root. */
static int
setup(void)
{
	static struct conn m;

	if (conn_open(&m, "MOUNT", MOUNT_PROG, MOUNT_V3, opt.mountport) ==
	    -1) {
		check(0, "connect to MOUNT v3 on %s\texpected a connection, "
		    "got %s", opt.server, m.err);
		return -1;
	}
	mnt_st = do_mnt(&m, opt.export, &mnt);
	if (!check(mnt_st == MNT3_OK, "MNT %s\texpected MNT3_OK, got %s",
	    opt.export, mnt_st == ST_RPC ? stname(ST_RPC) :
	    mountstat3_to_str(mnt_st)))
		return -1;
	check(mnt.fh.len > 0 && mnt.fh.len <= NFS3_FHSIZE, "MNT returns a "
	    "root handle of 1..64 bytes\tgot %u bytes", mnt.fh.len);
	check(mnt.flavors & (1 << AUTH_SYS_FLAVOR), "MNT lists AUTH_SYS "
	    "among its auth flavors\texpected flavor 1, got mask 0x%x",
	    mnt.flavors);
	root = mnt.fh;
	conn_forget(&m);
	if (!m.dead)
		rpc_destroy_context(m.rpc);
	if (conn_open(&c1, "NFS", NFS_PROG, NFS_V3, opt.nfsport) == -1) {
		check(0, "connect to NFS v3 on %s\texpected a connection, got "
		    "%s", opt.server, c1.err);
		return -1;
	}
	if (!expect_st(do_getattr(&c1, &root, &root_attr), NFS3_OK,
	    "GETATTR of the root handle"))
		return -1;
	if (opt.has_fsid)
		expect_u64(root_attr.fsid, opt.fsid, "fsid is the export's "
		    "-fsid");
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct subtest *t;
	size_t i;
	int ch, k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt(argc, argv, "F:g:m:n:p:s:u:")) != -1) {
		switch (ch) {
		case 'F':
			opt.has_fsid = 1;
			opt.fsid = (uint64_t)int_arg(optarg);
			break;
		case 'g':
			opt.gid = int_arg(optarg);
			break;
		case 'm':
			opt.mountport = int_arg(optarg);
			break;
		case 'n':
			opt.nbig = int_arg(optarg);
			if (opt.nbig < 10 || opt.nbig > 99999)
				usage();
			break;
		case 'p':
			opt.nfsport = int_arg(optarg);
			break;
		case 's':
			opt.statefile = optarg;
			break;
		case 'u':
			opt.uid = int_arg(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	opt.server = argv[0];
	opt.export = argv[1];
	for (k = 2; k < argc; k++)
		if (subtest_named(argv[k]) == NULL) {
			fprintf(stderr, "nfs3_conform: no subtest %s\n",
			    argv[k]);
			usage();
		}
	printf("nfs3_conform: %s:%s as uid %d gid %d\n", opt.server,
	    opt.export, opt.uid, opt.gid);
	if (setup() == 0) {
		if (argc == 2) {
			for (i = 0; i < NSUBTESTS; i++) {
				if (!subtests[i].dflt)
					continue;
				section(subtests[i].name, subtests[i].what);
				subtests[i].fn();
			}
		} else {
			for (k = 2; k < argc; k++) {
				t = subtest_named(argv[k]);
				section(t->name, t->what);
				t->fn();
			}
		}
	}
	printf("%u checks, %u failed\n", nchecks, nfails);
	fflush(stdout);
	/* Contexts with calls in flight are not destroyed: just exit. */
	_exit(nfails == 0 ? 0 : 1);
}
