/*
 * nfsc_check.c - the NFSv3 client library (clients/nfs) against a
 * running nfsd; run by tests/integration/test_nfsc.sh.
 *
 *   nfsc_check full URL SYNCDIR TAG	everything, with two pauses for
 *					a server restart (below)
 *   nfsc_check quick URL TAG		everything but the restarts
 *   nfsc_check openfail URL TEXT	nfsc_open fails, its error has TEXT
 *
 * The export must map root to root (-maproot=root): the set-up runs
 * as root and hands directories to uids 2000/2001.  TAG names the
 * directory at the export root this run works in.  In "full" mode the
 * program writes SYNCDIR/ready1 and waits for SYNCDIR/go1 (the script
 * restarts nfsd in between, with the same state directory), then goes
 * on with the handles it has; then ready2/go2, where the script stops
 * nfsd, says go2 and starts it a moment later, so that the next calls
 * find no server and have to retry.  Prints "ok - ..." or
 * "FAIL - ...", exits 1 if anything failed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nfsc.h"
#include "nfsc_int.h"		/* the handle cache's size, white-box */
#include "nfs3_prot.h"

#define BIG_LEN		(1536 * 1024 + 17)	/* > one 1 MiB WRITE */
#define UNSTABLE_LEN	(300 * 1024 + 5)
#define MANY		500
#define WAIT_SECONDS	90
#define UID_A		2000
#define UID_B		2001
#define GID_SHARED	3000

static int failures;
static int checks;

static void
check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check(int cond, const char *fmt, ...)
{
	va_list ap;

	checks++;
	printf("%s - ", cond ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failures++;
}

/* st is NFS3_OK; otherwise say nfsc_error(). */
static void
check_ok(struct nfsc *nc, int st, const char *what)
{
	check(st == NFS3_OK, "%s%s%s", what, st == NFS3_OK ? "" : ": ",
	    st == NFS3_OK ? "" : nfsc_error(nc));
}

/* st is the error want and nfsc_error() is exactly text. */
static void
check_err(struct nfsc *nc, int st, int want, const char *text,
    const char *what)
{
	check(st == want, "%s gives %s (got %s: %s)", what,
	    nfsc_strstat(want), nfsc_strstat(st), nfsc_error(nc));
	if (text != NULL)
		check(strncmp(nfsc_error(nc), text, strlen(text)) == 0,
		    "%s: nfsc_error() says \"%s\" (got \"%s\")", what, text,
		    nfsc_error(nc));
}

static struct nfsc_cred
cred_of(uint32_t uid, uint32_t gid)
{
	struct nfsc_cred c;

	memset(&c, 0, sizeof(c));
	c.uid = uid;
	c.gid = gid;
	return c;
}

static bool
fh_eq(const struct nfsc_fh *a, const struct nfsc_fh *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

/* Read all of fh and compare with want. */
static bool
read_back(struct nfsc *nc, const struct nfsc_cred *cr,
    const struct nfsc_fh *fh, const uint8_t *want, size_t len)
{
	uint8_t *got;
	size_t n = 0;
	bool eof = false, same;
	int st;

	if ((got = malloc(len + 64)) == NULL)
		return false;
	st = nfsc_read(nc, cr, fh, 0, got, len + 64, &n, &eof);
	same = st == NFS3_OK && n == len && eof && memcmp(got, want, len) == 0;
	if (!same)
		printf("  read back: %s, %zu of %zu bytes, eof %d\n",
		    nfsc_strstat(st), n, len, eof);
	free(got);
	return same;
}

struct work {
	struct nfsc	*nc;
	struct nfsc_cred root, a, b;
	struct nfsc_fh	 top;		/* TAG */
	struct nfsc_fh	 big, many;
	uint8_t		*bigbuf;
	char		 tag[64];
};

static void
test_basics(struct work *w)
{
	struct nfsc_fsstat fs;
	struct nfsc_attr at;
	int st;

	check(nfsc_root(w->nc)->len > 0, "MNT gave a root handle (%u bytes)",
	    nfsc_root(w->nc)->len);
	st = nfsc_fsstat(w->nc, &w->root, nfsc_root(w->nc), &fs);
	check_ok(w->nc, st, "FSSTAT of the root");
	check(st == NFS3_OK && fs.tbytes > 0 && fs.fbytes <= fs.tbytes,
	    "FSSTAT: %llu of %llu bytes free",
	    (unsigned long long)fs.fbytes, (unsigned long long)fs.tbytes);
	st = nfsc_mkdir(w->nc, &w->root, nfsc_root(w->nc), w->tag, 0755,
	    &w->top);
	check_ok(w->nc, st, "MKDIR of the work directory");
	st = nfsc_getattr(w->nc, &w->root, &w->top, &at);
	check_ok(w->nc, st, "GETATTR of it");
	check(at.type == NFSC_DIR && (at.mode & 07777) == 0755 &&
	    at.uid == 0, "it is a directory 0755 of root (type %d mode %o)",
	    at.type, at.mode);
}

static void
test_sync_write(struct work *w)
{
	enum nfsc_stable got = NFSC_UNSTABLE;
	uint8_t verf[8];
	char text[256];
	int st;

	st = nfsc_create(w->nc, &w->root, &w->top, "big", 0644, NFSC_GUARDED,
	    NULL, &w->big);
	check_ok(w->nc, st, "CREATE big (GUARDED)");
	fill(w->bigbuf, BIG_LEN, 1);
	st = nfsc_write(w->nc, &w->root, &w->big, 0, w->bigbuf, BIG_LEN,
	    NFSC_FILE_SYNC, &got, verf);
	check_ok(w->nc, st, "WRITE 1.5 MiB FILE_SYNC (more than one wtmax)");
	check(got == NFSC_FILE_SYNC, "the server says FILE_SYNC (%d)", got);
	check(read_back(w->nc, &w->root, &w->big, w->bigbuf, BIG_LEN),
	    "READ gives it back, with eof");
	st = nfsc_create(w->nc, &w->root, &w->top, "big", 0644, NFSC_GUARDED,
	    NULL, NULL);
	snprintf(text, sizeof(text), "CREATE %s/big: NFS3ERR_EXIST", w->tag);
	check_err(w->nc, st, NFS3ERR_EXIST, text, "GUARDED CREATE again");
	st = nfsc_create(w->nc, &w->root, &w->top, "big", 0644,
	    NFSC_UNCHECKED, NULL, NULL);
	check_ok(w->nc, st, "UNCHECKED CREATE of an existing file");
}

static void
test_unstable(struct work *w)
{
	enum nfsc_stable got = NFSC_FILE_SYNC;
	uint8_t *buf, v1[8], v2[8];
	struct nfsc_fh fh;
	struct nfsc_attr at;
	int st;

	if ((buf = malloc(UNSTABLE_LEN)) == NULL)
		return;
	fill(buf, UNSTABLE_LEN, 2);
	st = nfsc_create(w->nc, &w->a, &w->top, "unstable", 0600,
	    NFSC_UNCHECKED, NULL, &fh);
	check_err(w->nc, st, NFS3ERR_ACCES, NULL,
	    "CREATE as uid 2000 in root's 0755 directory");
	st = nfsc_create(w->nc, &w->root, &w->top, "unstable", 0600,
	    NFSC_UNCHECKED, NULL, &fh);
	check_ok(w->nc, st, "CREATE unstable");
	st = nfsc_write(w->nc, &w->root, &fh, 0, buf, 1000, NFSC_UNSTABLE,
	    &got, v1);
	check_ok(w->nc, st, "WRITE UNSTABLE, first piece");
	st = nfsc_write(w->nc, &w->root, &fh, 1000, buf + 1000,
	    UNSTABLE_LEN - 1000, NFSC_UNSTABLE, &got, v2);
	check_ok(w->nc, st, "WRITE UNSTABLE, the rest");
	check(memcmp(v1, v2, 8) == 0, "the same write verifier for both");
	st = nfsc_commit(w->nc, &w->root, &fh, v2);
	check_ok(w->nc, st, "COMMIT");
	check(memcmp(v1, v2, 8) == 0, "COMMIT's verifier is the WRITE's");
	check(read_back(w->nc, &w->root, &fh, buf, UNSTABLE_LEN),
	    "READ gives the UNSTABLE data back");
	st = nfsc_getattr(w->nc, &w->root, &fh, &at);
	check(st == NFS3_OK && at.size == UNSTABLE_LEN && at.type == NFSC_REG
	    && (at.mode & 07777) == 0600, "GETATTR: size %llu, mode %o",
	    (unsigned long long)at.size, at.mode);
	free(buf);
}

static void
test_exclusive(struct work *w)
{
	uint8_t verf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, other[8] = { 9 };
	struct nfsc_fh fh, again;
	struct nfsc_attr at;
	int st;

	st = nfsc_create(w->nc, &w->root, &w->top, "excl", 0640,
	    NFSC_EXCLUSIVE, verf, &fh);
	check_ok(w->nc, st, "CREATE EXCLUSIVE");
	st = nfsc_getattr(w->nc, &w->root, &fh, &at);
	check(st == NFS3_OK && (at.mode & 07777) == 0640,
	    "EXCLUSIVE create then has the mode asked for (%o)", at.mode);
	st = nfsc_create(w->nc, &w->root, &w->top, "excl", 0640,
	    NFSC_EXCLUSIVE, verf, &again);
	check(st == NFS3_OK && fh_eq(&fh, &again),
	    "EXCLUSIVE again with the same verifier: the same file (%s)",
	    nfsc_strstat(st));
	st = nfsc_create(w->nc, &w->root, &w->top, "excl", 0640,
	    NFSC_EXCLUSIVE, other, &again);
	check_err(w->nc, st, NFS3ERR_EXIST, NULL,
	    "EXCLUSIVE with another verifier");
	st = nfsc_create(w->nc, &w->root, &w->top, "excl2", 0640,
	    NFSC_EXCLUSIVE, NULL, &again);
	check_err(w->nc, st, NFS3ERR_INVAL, NULL,
	    "EXCLUSIVE without a verifier");
}

struct listing {
	unsigned	 seen[MANY];
	unsigned	 n, other, noattr, nofh, dots;
	unsigned	 stop_after;
};

static int
list_cb(const char *name, uint64_t fileid, const struct nfsc_attr *attr,
    const struct nfsc_fh *fh, void *arg)
{
	struct listing *l = arg;
	unsigned i;

	(void)fileid;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		l->dots++;
	else if (sscanf(name, "f%03u", &i) == 1 && i < MANY)
		l->seen[i]++;
	else
		l->other++;
	if (attr == NULL)
		l->noattr++;
	if (fh == NULL)
		l->nofh++;
	l->n++;
	if (l->stop_after != 0 && l->n >= l->stop_after)
		return 7;
	return 0;
}

static void
test_readdir(struct work *w)
{
	struct listing *l;
	char name[16];
	unsigned i, once = 0;
	int st, bad = 0;

	st = nfsc_mkdir(w->nc, &w->root, &w->top, "many", 0755, &w->many);
	check_ok(w->nc, st, "MKDIR many");
	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "f%03u", i);
		if ((st = nfsc_create(w->nc, &w->root, &w->many, name, 0644,
		    NFSC_GUARDED, NULL, NULL)) != NFS3_OK && bad++ == 0)
			check_ok(w->nc, st, "CREATE in many");
	}
	check(bad == 0, "CREATE of %d files (%d failed)", MANY, bad);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	st = nfsc_readdir(w->nc, &w->root, &w->many, list_cb, l);
	check_ok(w->nc, st, "READDIRPLUS of 500 entries");
	for (i = 0; i < MANY; i++)
		once += l->seen[i] == 1;
	check(once == MANY && l->n == MANY && l->other == 0,
	    "every entry once (%u of %u, %u entries, %u others)", once, MANY,
	    l->n, l->other);
	check(l->dots == 0, "no . or .. given (%u)", l->dots);
	check(l->noattr == 0 && l->nofh == 0,
	    "attributes and handles with each (%u without attr, %u without "
	    "fh)", l->noattr, l->nofh);
	memset(l, 0, sizeof(*l));
	l->stop_after = 10;
	st = nfsc_readdir(w->nc, &w->root, &w->many, list_cb, l);
	check(st == 7 && l->n == 10,
	    "a callback's non-zero return stops the listing and is returned "
	    "(%d after %u)", st, l->n);
	free(l);
}

static void
test_names(struct work *w)
{
	struct nfsc_fh fh, fh2, sub;
	struct nfsc_attr at;
	char text[256];
	int st;

	st = nfsc_rename(w->nc, &w->root, &w->many, "f000", &w->top,
	    "renamed");
	check_ok(w->nc, st, "RENAME many/f000 to renamed");
	st = nfsc_lookup(w->nc, &w->root, &w->many, "f000", &fh, NULL);
	snprintf(text, sizeof(text), "LOOKUP %s/many/f000: NFS3ERR_NOENT",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_NOENT, text, "LOOKUP of the old name");
	st = nfsc_lookup(w->nc, &w->root, &w->top, "renamed", &fh, &at);
	check(st == NFS3_OK && at.type == NFSC_REG,
	    "LOOKUP of the new name, with attributes (%s)", nfsc_strstat(st));
	st = nfsc_rename(w->nc, &w->root, &w->many, "nope", &w->top, "x");
	snprintf(text, sizeof(text), "RENAME %s/many/nope: NFS3ERR_NOENT",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_NOENT, text, "RENAME of a missing name");

	st = nfsc_link(w->nc, &w->root, &w->big, &w->top, "big.link");
	check_ok(w->nc, st, "LINK big to big.link");
	st = nfsc_getattr(w->nc, &w->root, &w->big, &at);
	check(st == NFS3_OK && at.nlink == 2, "big has 2 links (%u)",
	    at.nlink);
	st = nfsc_lookup(w->nc, &w->root, &w->top, "big.link", &fh2, NULL);
	check(st == NFS3_OK && fh_eq(&fh2, &w->big),
	    "big.link is the same file");
	st = nfsc_link(w->nc, &w->root, &w->big, &w->top, "big.link");
	check_err(w->nc, st, NFS3ERR_EXIST, NULL, "LINK onto an existing name");
	st = nfsc_remove(w->nc, &w->root, &w->top, "big.link");
	check_ok(w->nc, st, "REMOVE big.link");
	st = nfsc_getattr(w->nc, &w->root, &w->big, &at);
	check(st == NFS3_OK && at.nlink == 1, "big has 1 link again (%u)",
	    at.nlink);
	st = nfsc_remove(w->nc, &w->root, &w->top, "big.link");
	snprintf(text, sizeof(text), "REMOVE %s/big.link: NFS3ERR_NOENT",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_NOENT, text, "REMOVE it again");

	st = nfsc_mkdir(w->nc, &w->root, &w->top, "sub", 0700, &sub);
	check_ok(w->nc, st, "MKDIR sub");
	st = nfsc_mkdir(w->nc, &w->root, &w->top, "sub", 0700, &sub);
	snprintf(text, sizeof(text), "MKDIR %s/sub: NFS3ERR_EXIST", w->tag);
	check_err(w->nc, st, NFS3ERR_EXIST, text, "MKDIR again");
	st = nfsc_rmdir(w->nc, &w->root, &w->top, "sub");
	check_ok(w->nc, st, "RMDIR sub");
	st = nfsc_getattr(w->nc, &w->root, &sub, &at);
	check_err(w->nc, st, NFS3ERR_STALE, NULL,
	    "GETATTR of the removed directory's handle");
	st = nfsc_rmdir(w->nc, &w->root, &w->top, "many");
	snprintf(text, sizeof(text), "RMDIR %s/many: NFS3ERR_NOTEMPTY",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_NOTEMPTY, text, "RMDIR of a full "
	    "directory");
	st = nfsc_remove(w->nc, &w->root, &w->top, "many");
	check(st != NFS3_OK, "REMOVE of a directory fails (%s)",
	    nfsc_strstat(st));
}

static void
test_setattr(struct work *w)
{
	struct nfsc_attr at;
	struct nfsc_fh fh;
	int st;

	st = nfsc_create(w->nc, &w->root, &w->top, "attrs", 0644,
	    NFSC_GUARDED, NULL, &fh);
	check_ok(w->nc, st, "CREATE attrs");
	st = nfsc_write(w->nc, &w->root, &fh, 0, "0123456789abcdef", 16,
	    NFSC_FILE_SYNC, NULL, NULL);
	check_ok(w->nc, st, "WRITE 16 bytes");
	st = nfsc_setattr(w->nc, &w->root, &fh, 0600, UID_A, UID_A, 10);
	check_ok(w->nc, st, "SETATTR mode, uid, gid, size");
	st = nfsc_getattr(w->nc, &w->root, &fh, &at);
	check(st == NFS3_OK && (at.mode & 07777) == 0600 && at.uid == UID_A &&
	    at.gid == UID_A && at.size == 10,
	    "GETATTR: mode %o uid %u gid %u size %llu", at.mode, at.uid,
	    at.gid, (unsigned long long)at.size);
	st = nfsc_setattr(w->nc, &w->root, &fh, -1, -1, -1, -1);
	check_ok(w->nc, st, "SETATTR of nothing");
	st = nfsc_setattr(w->nc, &w->b, &fh, 0666, -1, -1, -1);
	check_err(w->nc, st, NFS3ERR_PERM, NULL,
	    "SETATTR mode by another uid");
	st = nfsc_setattr(w->nc, &w->root, &fh, 010000, -1, -1, -1);
	check_err(w->nc, st, NFSC_ERR_TOOBIG, NULL, "SETATTR of mode 010000");
	st = nfsc_setattr(w->nc, &w->root, &fh, -1, -1, -1, -5);
	check_err(w->nc, st, NFSC_ERR_TOOBIG, NULL, "SETATTR of size -5");
}

static void
test_paths(struct work *w)
{
	struct nfsc_fh fh, fh2;
	struct nfsc_attr at;
	char path[256], text[300];
	size_t before;
	int st;

	nfsc_forget_path(w->nc, "");
	check(fhc_count(w->nc->fc) == 0, "forget_path(\"\") empties the "
	    "cache");
	snprintf(path, sizeof(path), "%s/many/f001", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh, &at);
	check_ok(w->nc, st, "lookup_path TAG/many/f001");
	check(st == NFS3_OK && at.type == NFSC_REG, "a regular file");
	check(fhc_count(w->nc->fc) == 2,
	    "the two directories on the way are cached (%zu)",
	    fhc_count(w->nc->fc));
	snprintf(path, sizeof(path), "/%s//./many/", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh2, NULL);
	check(st == NFS3_OK && fh_eq(&fh2, &w->many),
	    "lookup_path \"%s\" is many's handle", path);
	st = nfsc_lookup_path(w->nc, &w->root, "", &fh2, &at);
	check(st == NFS3_OK && fh_eq(&fh2, nfsc_root(w->nc)) &&
	    at.type == NFSC_DIR, "lookup_path \"\" is the root");
	snprintf(path, sizeof(path), "%s/missing/x", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh2, NULL);
	snprintf(text, sizeof(text), "LOOKUP %s/missing: NFS3ERR_NOENT",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_NOENT, text,
	    "lookup_path names the path as far as it got");
	snprintf(path, sizeof(path), "%s/../x", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh2, NULL);
	check_err(w->nc, st, NFS3ERR_INVAL, NULL, "lookup_path with ..");
	snprintf(path, sizeof(path), "%s/big/x", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh2, NULL);
	check_err(w->nc, st, NFS3ERR_NOTDIR, NULL,
	    "lookup_path through a file");
	/* forget by prefix */
	before = fhc_count(w->nc->fc);
	snprintf(path, sizeof(path), "%s/many", w->tag);
	nfsc_forget_path(w->nc, path);
	check(fhc_count(w->nc->fc) == before - 1,
	    "forget_path TAG/many drops one entry (%zu -> %zu)", before,
	    fhc_count(w->nc->fc));
}

/* A cached handle gone stale (another client replaced the directory). */
static void
test_stale(struct work *w, const char *url)
{
	struct nfsc *other;
	struct nfsc_fh gone, x, fh;
	char path[256], err[512];
	int st;

	st = nfsc_mkdir(w->nc, &w->root, &w->top, "gone", 0755, &gone);
	check_ok(w->nc, st, "MKDIR gone");
	snprintf(path, sizeof(path), "%s/gone", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh, NULL);
	check(st == NFS3_OK && fh_eq(&fh, &gone), "gone is cached");
	if ((other = nfsc_open(url, NULL, err, sizeof(err))) == NULL) {
		check(0, "second client: %s", err);
		return;
	}
	st = nfsc_rmdir(other, &w->root, &w->top, "gone");
	check_ok(other, st, "another client removes gone");
	st = nfsc_mkdir(other, &w->root, &w->top, "gone", 0755, &gone);
	check_ok(other, st, "and makes it again");
	st = nfsc_create(other, &w->root, &gone, "x", 0644, NFSC_GUARDED,
	    NULL, &x);
	check_ok(other, st, "with a file x in it");
	nfsc_close(&other);
	check(other == NULL, "nfsc_close clears the pointer");
	snprintf(path, sizeof(path), "%s/gone/x", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh, NULL);
	check(st == NFS3_OK && fh_eq(&fh, &x),
	    "lookup_path drops the STALE cached handle and looks up again "
	    "(%s: %s)", nfsc_strstat(st), st ? nfsc_error(w->nc) : "");
	snprintf(path, sizeof(path), "%s/gone", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh, NULL);
	check(st == NFS3_OK && fh_eq(&fh, &gone), "the new handle is cached");
}

/* Permissions: the caller's uid, gid and group list are what count. */
static void
test_creds(struct work *w)
{
	struct nfsc_cred many = cred_of(UID_B, UID_B);
	struct nfsc_fh priv, shared, fh;
	char path[256], text[300];
	uint32_t i;
	int st;

	st = nfsc_mkdir(w->nc, &w->root, &w->top, "private", 0700, &priv);
	check_ok(w->nc, st, "MKDIR private");
	st = nfsc_setattr(w->nc, &w->root, &priv, -1, UID_A, UID_A, -1);
	check_ok(w->nc, st, "chown it to 2000");
	st = nfsc_create(w->nc, &w->a, &priv, "mail", 0600, NFSC_GUARDED,
	    NULL, &fh);
	check_ok(w->nc, st, "uid 2000 creates in its 0700 directory");
	snprintf(path, sizeof(path), "%s/private/mail", w->tag);
	st = nfsc_lookup_path(w->nc, &w->b, path, &fh, NULL);
	snprintf(text, sizeof(text), "LOOKUP %s/private/mail: NFS3ERR_ACCES",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_ACCES, text,
	    "uid 2001 looks into 2000's 0700 directory");
	st = nfsc_create(w->nc, &w->b, &priv, "evil", 0600, NFSC_GUARDED,
	    NULL, &fh);
	snprintf(text, sizeof(text), "CREATE %s/private/evil: NFS3ERR_ACCES",
	    w->tag);
	check_err(w->nc, st, NFS3ERR_ACCES, text,
	    "uid 2001 creates in it");
	st = nfsc_lookup_path(w->nc, &w->a, path, &fh, NULL);
	check_ok(w->nc, st, "uid 2000 still finds its mail");

	st = nfsc_mkdir(w->nc, &w->root, &w->top, "shared", 0770, &shared);
	check_ok(w->nc, st, "MKDIR shared 0770");
	st = nfsc_setattr(w->nc, &w->root, &shared, -1, -1, GID_SHARED, -1);
	check_ok(w->nc, st, "its group is 3000");
	st = nfsc_create(w->nc, &w->b, &shared, "g", 0600, NFSC_GUARDED,
	    NULL, &fh);
	check_err(w->nc, st, NFS3ERR_ACCES, NULL,
	    "uid 2001 without group 3000 creates there");
	many.ngids = NFSC_MAX_GIDS;
	for (i = 0; i < NFSC_MAX_GIDS; i++)
		many.gids[i] = 4000 + i;
	many.gids[NFSC_MAX_GIDS - 1] = GID_SHARED;
	st = nfsc_create(w->nc, &many, &shared, "g", 0600, NFSC_GUARDED,
	    NULL, &fh);
	check_ok(w->nc, st, "with 3000 the 16th of its groups it may");
	many.ngids = NFSC_MAX_GIDS + 1;
	st = nfsc_create(w->nc, &many, &shared, "g2", 0600, NFSC_GUARDED,
	    NULL, &fh);
	check_err(w->nc, st, NFSC_ERR_TOOBIG, NULL, "17 groups");
}

static void
test_limits(struct work *w)
{
	char name[NFSC_NAMELEN + 2];
	struct nfsc_fh fh, bad;
	uint8_t buf[8];
	int st;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	st = nfsc_create(w->nc, &w->root, &w->top, name, 0644, NFSC_GUARDED,
	    NULL, &fh);
	check_err(w->nc, st, NFSC_ERR_TOOBIG, NULL, "a 1025-byte name");
	st = nfsc_lookup(w->nc, &w->root, &w->top, "", &fh, NULL);
	check_err(w->nc, st, NFS3ERR_INVAL, NULL, "LOOKUP of an empty name");
	memset(&bad, 0, sizeof(bad));
	st = nfsc_getattr(w->nc, &w->root, &bad, NULL);
	check_err(w->nc, st, NFS3ERR_BADHANDLE, NULL, "an empty handle");
	bad.len = NFSC_FHSIZE + 1;
	st = nfsc_read(w->nc, &w->root, &bad, 0, buf, sizeof(buf), NULL,
	    NULL);
	check_err(w->nc, st, NFSC_ERR_TOOBIG, NULL, "a 65-byte handle");
	bad = w->big;
	bad.data[bad.len - 1] ^= 0x55;
	st = nfsc_getattr(w->nc, &w->root, &bad, NULL);
	check(st == NFS3ERR_BADHANDLE || st == NFS3ERR_STALE,
	    "a forged handle: %s (%s)", nfsc_strstat(st), nfsc_error(w->nc));
	st = nfsc_getattr(w->nc, NULL, &w->big, NULL);
	check_err(w->nc, st, NFS3ERR_INVAL, NULL, "no credential");
}

static int
wait_for(const char *dir, const char *name)
{
	char path[1024];
	struct stat sb;
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (i = 0; i < WAIT_SECONDS * 10; i++) {
		if (stat(path, &sb) == 0)
			return 0;
		usleep(100 * 1000);
	}
	check(0, "waited %d s for %s", WAIT_SECONDS, path);
	return -1;
}

static void
say_ready(const char *dir, const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
	printf("# %s: waiting for the script\n", name);
	fflush(stdout);
}

/* After a restart: the same handles, the cache, new work. */
static void
test_after(struct work *w, const char *phase)
{
	struct nfsc_attr at;
	struct nfsc_fh fh;
	char path[256], name[32];
	size_t cached = fhc_count(w->nc->fc);
	struct timespec t0, t1;
	double secs;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = nfsc_getattr(w->nc, &w->root, &w->big, &at);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	check(st == NFS3_OK && at.size == BIG_LEN,
	    "%s: GETATTR with the old handle, after %.1f s%s%s", phase, secs,
	    st ? ": " : "", st ? nfsc_error(w->nc) : "");
	if (strcmp(phase, "down") == 0)
		check(secs >= 1.0, "down: that call waited for the server, "
		    "retrying (%.1f s)", secs);
	check(read_back(w->nc, &w->root, &w->big, w->bigbuf, BIG_LEN),
	    "%s: READ of big with the old handle", phase);
	snprintf(path, sizeof(path), "%s/many/f002", w->tag);
	st = nfsc_lookup_path(w->nc, &w->root, path, &fh, NULL);
	check_ok(w->nc, st, "lookup_path through the cached handles");
	check(fhc_count(w->nc->fc) >= cached && cached > 0,
	    "the cache was kept (%zu entries, %zu before)",
	    fhc_count(w->nc->fc), cached);
	snprintf(name, sizeof(name), "after-%s", phase);
	st = nfsc_create(w->nc, &w->root, &w->many, name, 0644,
	    NFSC_GUARDED, NULL, &fh);
	check_ok(w->nc, st, "CREATE in a cached directory");
	st = nfsc_write(w->nc, &w->root, &fh, 0, name, strlen(name),
	    NFSC_FILE_SYNC, NULL, NULL);
	check_ok(w->nc, st, "WRITE to it");
}

#define THREADS		4
#define THREAD_CALLS	200

struct thread_arg {
	struct work	*w;
	int		 bad;
};

static void *
thread_main(void *p)
{
	struct thread_arg *t = p;
	struct nfsc_attr at;
	struct nfsc_fh fh;
	char path[128];
	int i;

	for (i = 0; i < THREAD_CALLS; i++) {
		snprintf(path, sizeof(path), "%s/many/f%03d", t->w->tag,
		    1 + i % 100);
		if (nfsc_lookup_path(t->w->nc, &t->w->root, path, &fh,
		    &at) != NFS3_OK || at.type != NFSC_REG)
			t->bad++;
		else if (nfsc_getattr(t->w->nc, &t->w->a, &fh, &at) !=
		    NFS3_OK)
			t->bad++;
	}
	return NULL;
}

/* One client shared by threads: the calls are serialized, none lost. */
static void
test_threads(struct work *w)
{
	struct thread_arg args[THREADS];
	pthread_t tid[THREADS];
	int i, started = 0, bad = 0;

	for (i = 0; i < THREADS; i++) {
		args[i].w = w;
		args[i].bad = 0;
		if (pthread_create(&tid[i], NULL, thread_main, &args[i]) == 0)
			started++;
		else
			break;
	}
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		bad += args[i].bad;
	}
	check(started == THREADS && bad == 0, "%d threads x %d lookups and "
	    "GETATTRs on one client (%d failed)", started, THREAD_CALLS, bad);
}

/* The big files go: the export is a small tmpfs shared by all runs. */
static void
cleanup(struct work *w)
{
	int st;

	st = nfsc_remove(w->nc, &w->root, &w->top, "big");
	check_ok(w->nc, st, "REMOVE big");
	st = nfsc_remove(w->nc, &w->root, &w->top, "unstable");
	check_ok(w->nc, st, "REMOVE unstable");
}

static int
run(const char *url, const char *syncdir, const char *tag)
{
	struct nfsc_opts opts;
	struct work w;
	char err[512];

	memset(&w, 0, sizeof(w));
	memset(&opts, 0, sizeof(opts));
	opts.timeout_ms = 3000;
	opts.retries = 8;
	opts.fhcache = 64;
	w.root = cred_of(0, 0);
	w.a = cred_of(UID_A, UID_A);
	w.b = cred_of(UID_B, UID_B);
	snprintf(w.tag, sizeof(w.tag), "%s", tag);
	if ((w.bigbuf = malloc(BIG_LEN)) == NULL)
		return 1;
	if ((w.nc = nfsc_open(url, &opts, err, sizeof(err))) == NULL) {
		check(0, "nfsc_open %s: %s", url, err);
		free(w.bigbuf);
		return 1;
	}
	check(1, "nfsc_open %s", url);
	test_basics(&w);
	test_sync_write(&w);
	test_unstable(&w);
	test_exclusive(&w);
	test_readdir(&w);
	test_names(&w);
	test_setattr(&w);
	test_paths(&w);
	test_stale(&w, url);
	test_creds(&w);
	test_limits(&w);
	test_threads(&w);
	if (syncdir != NULL) {
		say_ready(syncdir, "ready1");
		if (wait_for(syncdir, "go1") == 0)
			test_after(&w, "restart");
		say_ready(syncdir, "ready2");
		if (wait_for(syncdir, "go2") == 0)
			test_after(&w, "down");
	}
	cleanup(&w);
	nfsc_close(&w.nc);
	free(w.bigbuf);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

static int
openfail(const char *url, const char *text)
{
	struct nfsc_opts opts;
	struct nfsc *nc;
	char err[512] = "";

	memset(&opts, 0, sizeof(opts));
	opts.timeout_ms = 1000;
	opts.retries = 1;
	nc = nfsc_open(url, &opts, err, sizeof(err));
	check(nc == NULL, "nfsc_open %s fails", url);
	check(strstr(err, text) != NULL, "its error has \"%s\": %s", text,
	    err);
	nfsc_close(&nc);
	return failures ? 1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: nfsc_check full URL SYNCDIR TAG\n"
	    "       nfsc_check quick URL TAG\n"
	    "       nfsc_check openfail URL TEXT\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	if (argc == 5 && strcmp(argv[1], "full") == 0)
		return run(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "quick") == 0)
		return run(argv[2], NULL, argv[3]);
	if (argc == 4 && strcmp(argv[1], "openfail") == 0)
		return openfail(argv[2], argv[3]);
	usage();
	return 2;
}
