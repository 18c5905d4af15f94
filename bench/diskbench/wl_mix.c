/*
 * wl_mix.c - SPEC SFS2008's NFSv3 operation mix as syscalls on a
 * directory of MIX_FILES files held open (as a server holds the
 * descriptors behind its handles): GETATTR 26% fstat, LOOKUP 24%
 * fstatat, READ 18% pread 4 KiB, ACCESS 11% faccessat, WRITE 10% pwrite
 * 4 KiB (no fsync: UNSTABLE), SETATTR 4% fchmod or futimens + fsync,
 * CREATE 2% (the new file and the directory fsynced) and REMOVE 2%
 * (the directory fsynced), READDIRPLUS 2% (the
 * first MIX_RDP_ENTRIES entries, as many as one 32 KiB reply with
 * attributes and handles holds, each fstatat'ed), FSSTAT 1% fstatvfs.
 * REMOVE takes a file this thread created; with none, it creates one.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diskbench.h"

#define MIX_DIR		"mix"
#define MIX_FILES	1000
#define MIX_FILE_SIZE	(64 * 1024)
#define MIX_RING	256		/* names a thread created, to remove */
#define MIX_RDP_ENTRIES	200		/* what a 32 KiB READDIRPLUS reply holds */

struct mix_state {
	uint64_t	 made[MIX_RING];
	unsigned	 n;
};

static int mix_fd = -1;
static int file_fd[MIX_FILES];
static struct mix_state *states;
static char uniq[64];

static void
cleanup_mix(void)
{
	for (unsigned i = 0; i < MIX_FILES; i++) {
		if (file_fd[i] > 0)
			close(file_fd[i]);
		file_fd[i] = -1;
	}
	if (mix_fd != -1)
		close(mix_fd);
	mix_fd = -1;
	free(states);
	states = NULL;
}

static int
prepare_mix(void)
{
	char name[DB_NAME_MAX];

	for (unsigned i = 0; i < MIX_FILES; i++)
		file_fd[i] = -1;
	if (remove_tree(D.workfd, MIX_DIR) != 0) {
		seterr("remove %s: %s", MIX_DIR, strerror(errno));
		return -1;
	}
	if ((mix_fd = open_dir(D.workfd, MIX_DIR, true)) == -1)
		return -1;
	for (unsigned i = 0; i < MIX_FILES; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		if (ensure_file(mix_fd, name, MIX_FILE_SIZE) != 0)
			return -1;
		if ((file_fd[i] = openat(mix_fd, name, O_RDWR | O_CLOEXEC)) ==
		    -1) {
			seterr("open %s: %s", name, strerror(errno));
			return -1;
		}
	}
	if ((states = calloc(D.nworkers, sizeof(*states))) == NULL) {
		seterr("out of memory");
		return -1;
	}
	for (unsigned i = 0; i < D.nworkers; i++)
		D.workers[i].state = &states[i];
	snprintf(uniq, sizeof(uniq), "%lld.%ld", (long long)time(NULL),
	    (long)getpid());
	return sync_fixtures();
}

static unsigned
pick_file(struct worker *w)
{
	return (unsigned)rnd_below(w, MIX_FILES);
}

static uint64_t
pick_block(struct worker *w)
{
	return rnd_below(w, MIX_FILE_SIZE / DB_IO_XFER) * DB_IO_XFER;
}

static int
mix_getattr(struct worker *w)
{
	struct stat st;

	return fstat(file_fd[pick_file(w)], &st);
}

static int
mix_lookup(struct worker *w)
{
	char name[DB_NAME_MAX];
	struct stat st;

	snprintf(name, sizeof(name), "m%u", pick_file(w));
	return fstatat(mix_fd, name, &st, AT_SYMLINK_NOFOLLOW);
}

static int
mix_access(struct worker *w)
{
	char name[DB_NAME_MAX];

	snprintf(name, sizeof(name), "m%u", pick_file(w));
	return faccessat(mix_fd, name, R_OK | W_OK, 0);
}

static int
mix_read(struct worker *w, uint64_t *bytes)
{
	ssize_t n = pread(file_fd[pick_file(w)], w->buf, DB_IO_XFER,
	    (off_t)pick_block(w));

	if (n != DB_IO_XFER) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	*bytes = DB_IO_XFER;
	return 0;
}

static int
mix_write(struct worker *w, uint64_t *bytes)
{
	ssize_t n = pwrite(file_fd[pick_file(w)], D.wbuf, DB_IO_XFER,
	    (off_t)pick_block(w));

	if (n != DB_IO_XFER) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	*bytes = DB_IO_XFER;
	return 0;
}

/* SETATTR: mode or times, on disk before the reply. */
static int
mix_setattr(struct worker *w, uint64_t seq)
{
	int fd = file_fd[pick_file(w)];

	if ((seq & 1) == 0 ? fchmod(fd, 0644) : futimens(fd, NULL))
		return -1;
	return fsync(fd);
}

static void
made_name(char *buf, size_t len, uint64_t seq)
{
	snprintf(buf, len, "c%s_%llu", uniq, (unsigned long long)seq);
}

static int
mix_create(struct worker *w, uint64_t seq)
{
	struct mix_state *s = w->state;
	char name[DB_NAME_MAX];
	int fd;

	made_name(name, sizeof(name), seq);
	fd = openat(mix_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return -1;
	if (fsync(fd) == -1) {		/* as nfsd's CREATE */
		close(fd);
		return -1;
	}
	close(fd);
	if (s->n < MIX_RING)
		s->made[s->n++] = seq;	/* else left for the cleanup */
	return sync_dir(mix_fd);
}

static int
mix_remove(struct worker *w, uint64_t seq)
{
	struct mix_state *s = w->state;
	char name[DB_NAME_MAX];

	if (s->n == 0)
		return mix_create(w, seq);
	made_name(name, sizeof(name), s->made[--s->n]);
	if (unlinkat(mix_fd, name, 0) == -1)
		return -1;
	return sync_dir(mix_fd);
}

/* READDIRPLUS: one reply's worth of names, each with attributes. */
static int
mix_readdirplus(struct worker *w)
{
	struct dirent64 *de;
	struct stat st;
	ssize_t n;
	unsigned seen = 0;
	int fd, rc = 0;

	if ((fd = openat(mix_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if ((n = getdents64(fd, w->buf, DB_DIRBUF)) == -1)
		rc = -1;
	for (ssize_t off = 0; rc == 0 && off < n && seen < MIX_RDP_ENTRIES;
	    off += de->d_reclen) {
		de = (struct dirent64 *)(void *)(w->buf + off);
		seen++;
		if (de->d_name[0] != '.' && fstatat(fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 && errno != ENOENT)
			rc = -1;
	}
	close(fd);
	return rc;
}

static int
mix_fsstat(void)
{
	struct statvfs sv;

	return fstatvfs(mix_fd, &sv);
}

static int
op_mix(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	unsigned r = (unsigned)rnd_below(w, 100);
	const char *what;
	int rc;

	if (r < 26)
		what = "getattr", rc = mix_getattr(w);
	else if (r < 50)
		what = "lookup", rc = mix_lookup(w);
	else if (r < 68)
		what = "read", rc = mix_read(w, bytes);
	else if (r < 79)
		what = "access", rc = mix_access(w);
	else if (r < 89)
		what = "write", rc = mix_write(w, bytes);
	else if (r < 93)
		what = "setattr", rc = mix_setattr(w, seq);
	else if (r < 95)
		what = "create", rc = mix_create(w, seq);
	else if (r < 97)
		what = "remove", rc = mix_remove(w, seq);
	else if (r < 99)
		what = "readdirplus", rc = mix_readdirplus(w);
	else
		what = "fsstat", rc = mix_fsstat();
	if (rc != 0)
		op_fail(w, what);
	return rc == 0 ? 0 : -1;
}

const struct workload wl_mix = { "mix", "SPEC SFS2008's op mix on 1,000 files "
    "of 64 KiB: fstat 26%, fstatat 24%, pread 18%, faccessat 11%, pwrite "
    "10%, fchmod/futimens+fsync 4%, create/unlink+fsync dir 2%+2%, "
    "getdents64+fstatat of 200 entries 2%, fstatvfs 1%", prepare_mix, op_mix, NULL,
    cleanup_mix, false };
