/*
 * wl_mail.c - the Maildir workloads with an NFS server's durability:
 * deliver (create in tmp/, fsync it and tmp/, write --msg-size,
 * fdatasync or O_DSYNC, rename into new/ or link + unlink, fsync both
 * directories) into a random one of --mailboxes mailboxes, and pop
 * (readdir new/ with an fstatat of each entry once per mailbox, then
 * per message: read it, rename into cur/, unlink it, fsyncing the
 * directories each namespace change touched).  Every namespace change
 * is on disk before the "reply", as an NFS server must have it before
 * it answers.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diskbench.h"

#define BOX_FMT		"box%u"

struct box {
	int	 dir;
	int	 tmp;
	int	 new;
	int	 cur;
};

static struct box *boxes;
static unsigned nboxes;
static char uniq[64];		/* time.pid: names unique across runs */

static void
boxes_close(void)
{
	for (unsigned i = 0; i < nboxes; i++) {
		int *fds[] = { &boxes[i].dir, &boxes[i].tmp, &boxes[i].new,
		    &boxes[i].cur };

		for (size_t j = 0; j < sizeof(fds) / sizeof(fds[0]); j++)
			if (*fds[j] != -1)
				close(*fds[j]);
	}
	free(boxes);
	boxes = NULL;
	nboxes = 0;
}

static int
box_open(int parent, unsigned i, struct box *b)
{
	char name[DB_NAME_MAX];

	snprintf(name, sizeof(name), BOX_FMT, i);
	if ((b->dir = open_dir(parent, name, true)) == -1 ||
	    (b->tmp = open_dir(b->dir, "tmp", true)) == -1 ||
	    (b->new = open_dir(b->dir, "new", true)) == -1 ||
	    (b->cur = open_dir(b->dir, "cur", true)) == -1)
		return -1;
	return 0;
}

/* --mailboxes Maildirs under work/name, their directories held open. */
static int
boxes_open(const char *name, bool fresh)
{
	int top;

	if (fresh && remove_tree(D.workfd, name) != 0) {
		seterr("remove %s: %s", name, strerror(errno));
		return -1;
	}
	if ((top = open_dir(D.workfd, name, true)) == -1)
		return -1;
	if ((boxes = calloc(D.o.mailboxes, sizeof(*boxes))) == NULL) {
		seterr("out of memory");
		close(top);
		return -1;
	}
	for (unsigned i = 0; i < D.o.mailboxes; i++) {
		boxes[i].dir = boxes[i].tmp = boxes[i].new = boxes[i].cur = -1;
		nboxes = i + 1;
		if (box_open(top, i, &boxes[i]) != 0) {
			close(top);
			return -1;
		}
	}
	close(top);
	snprintf(uniq, sizeof(uniq), "%lld.%ld", (long long)time(NULL),
	    (long)getpid());
	return sync_fixtures();
}

/* ------------------------------------------------------------ deliver */

static int
prepare_deliver(void)
{
	return boxes_open("mail", false);
}

/* CREATE in tmp/, WRITE, COMMIT (or FILE_SYNC): the message is durable. */
static int
deliver_write(struct worker *w, const struct box *b, const char *name)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
	int fd;

	if (D.o.sync == SYNC_FILESYNC)
		flags |= O_DSYNC;
	if ((fd = openat(b->tmp, name, flags, 0600)) == -1) {
		op_fail(w, "create");
		return -1;
	}
	/* as nfsd's CREATE: the new inode, then the entry */
	if (fsync(fd) == -1 || sync_dir(b->tmp) == -1) {
		op_fail(w, "fsync tmp/");
		close(fd);
		return -1;
	}
	if (write_all(fd, D.wbuf, D.o.msg_size, 0) != 0 ||
	    (D.o.sync == SYNC_COMMIT && fdatasync(fd) == -1)) {
		op_fail(w, "write");
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		op_fail(w, "close");
		return -1;
	}
	return 0;
}

/* RENAME tmp/ -> new/, or LINK + REMOVE; each directory synced. */
static int
deliver_move(struct worker *w, const struct box *b, const char *name)
{
	if (D.o.link) {
		if (linkat(b->tmp, name, b->new, name, 0) == -1 ||
		    sync_dir(b->new) == -1) {
			op_fail(w, "link");
			return -1;
		}
		if (unlinkat(b->tmp, name, 0) == -1 ||
		    sync_dir(b->tmp) == -1) {
			op_fail(w, "unlink");
			return -1;
		}
		return 0;
	}
	if (renameat(b->tmp, name, b->new, name) == -1 ||
	    sync_dir(b->new) == -1 || sync_dir(b->tmp) == -1) {
		op_fail(w, "rename");
		return -1;
	}
	return 0;
}

static int
op_deliver(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	const struct box *b = &boxes[rnd_below(w, nboxes)];
	char name[DB_NAME_MAX];

	snprintf(name, sizeof(name), "%s_%llu.diskbench", uniq,
	    (unsigned long long)seq);
	if (deliver_write(w, b, name) != 0 || deliver_move(w, b, name) != 0)
		return -1;
	*bytes = D.o.msg_size;
	return 0;
}

const struct workload wl_deliver = { "deliver", "Maildir delivery into a "
    "random mailbox: create in tmp/ (fsync it and tmp/), write "
    "--msg-size, fdatasync (or O_DSYNC with --sync filesync), rename into new/ (or link + unlink with --link), "
    "fsync new/ and tmp/", prepare_deliver, op_deliver, NULL, boxes_close,
    false };

/* ------------------------------------------------------------ pop */

static int
prepare_pop(void)
{
	char name[DB_NAME_MAX];
	int fd;

	if (boxes_open("pop", true) != 0)
		return -1;
	for (uint64_t k = 0; k < D.o.ops; k++) {
		snprintf(name, sizeof(name), "%llu", (unsigned long long)k);
		fd = openat(boxes[k % nboxes].new, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 || write_all(fd, D.wbuf, D.o.msg_size, 0) != 0) {
			seterr("fill pop/%s: %s", name, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return sync_fixtures();
}

/* READDIRPLUS of new/: every name and its attributes. */
static int
pop_list(struct worker *w, int dirfd)
{
	struct dirent64 *de;
	struct stat st;
	ssize_t n;

	if (lseek(dirfd, 0, SEEK_SET) == -1) {
		op_fail(w, "rewind new/");
		return -1;
	}
	while ((n = getdents64(dirfd, w->buf, DB_DIRBUF)) > 0) {
		for (ssize_t off = 0; off < n; off += de->d_reclen) {
			de = (struct dirent64 *)(void *)(w->buf + off);
			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1 && errno != ENOENT) {
				op_fail(w, "fstatat new/");
				return -1;
			}
		}
	}
	if (n == -1) {
		op_fail(w, "getdents64 new/");
		return -1;
	}
	return 0;
}

/* RETR: READ the whole message. */
static int
pop_read(struct worker *w, int dirfd, const char *name)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1) {
		op_fail(w, "open message");
		return -1;
	}
	while (got < D.o.msg_size) {
		size_t want = D.o.msg_size - got;

		if (want > DB_SEQ_XFER)
			want = DB_SEQ_XFER;
		n = pread(fd, w->buf, want, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			op_fail(w, "read message");
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static int
op_pop(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	const struct box *b = &boxes[seq % nboxes];
	char name[DB_NAME_MAX], seen[DB_NAME_MAX];

	/* Message k is in box k % n: the first one of a box lists it. */
	if (seq < nboxes && pop_list(w, b->new) != 0)
		return -1;
	snprintf(name, sizeof(name), "%llu", (unsigned long long)seq);
	snprintf(seen, sizeof(seen), "%llu:2,S", (unsigned long long)seq);
	if (pop_read(w, b->new, name) != 0)
		return -1;
	if (renameat(b->new, name, b->cur, seen) == -1 ||
	    sync_dir(b->cur) == -1 || sync_dir(b->new) == -1) {
		op_fail(w, "rename into cur/");
		return -1;
	}
	if (unlinkat(b->cur, seen, 0) == -1 || sync_dir(b->cur) == -1) {
		op_fail(w, "unlink");
		return -1;
	}
	*bytes = D.o.msg_size;
	return 0;
}

const struct workload wl_pop = { "pop", "POP3 retrieval of -n messages "
    "filled untimed into --mailboxes Maildirs: readdir + fstatat of new/ "
    "once per mailbox, then per message read it, rename into cur/, "
    "unlink (directories fsynced); no warm-up (it would eat the messages)",
    prepare_pop, op_pop, NULL, boxes_close, true };
