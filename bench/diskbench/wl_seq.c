/*
 * wl_seq.c - the streaming workloads, 1 MiB per operation: seqwrite
 * (each connection's threads pwrite one file of --seq-size in order;
 * an fdatasync when a pass wraps and one per file at the end, inside
 * the measured time, as nfsbench COMMITs) and seqread
 * (pread of a --seq-size file in order; the page cache serves it, as it
 * does for an NFS server on the same machine).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diskbench.h"

static int seq_fd[DB_MAX_CONNS];
static _Atomic uint64_t seq_off[DB_MAX_CONNS];
static int seqdata_fd = -1;

/* --seq-size, whole transfers only. */
static uint64_t
seq_span(void)
{
	return D.o.seq_size / DB_SEQ_XFER * DB_SEQ_XFER;
}

/* The connection's next 1 MiB; *wrapped when a new pass begins. */
static uint64_t
next_offset(struct worker *w, bool *wrapped)
{
	uint64_t raw = atomic_fetch_add(&seq_off[w->conn], DB_SEQ_XFER);

	*wrapped = raw > 0 && raw % seq_span() == 0;
	return raw % seq_span();
}

static int
check_size(void)
{
	if (seq_span() == 0) {
		seterr("--seq-size must be at least 1 MiB");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ seqwrite */

static void
cleanup_seqwrite(void)
{
	char name[DB_NAME_MAX];

	for (unsigned c = 0; c < D.o.conns; c++) {
		if (seq_fd[c] > 0)
			close(seq_fd[c]);
		seq_fd[c] = -1;
		snprintf(name, sizeof(name), "seq%u", c);
		(void)unlinkat(D.workfd, name, 0);
	}
}

static int
prepare_seqwrite(void)
{
	char name[DB_NAME_MAX];
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;

	if (check_size() != 0)
		return -1;
	for (unsigned c = 0; c < D.o.conns; c++)
		seq_fd[c] = -1;
	for (unsigned c = 0; c < D.o.conns; c++) {
		snprintf(name, sizeof(name), "seq%u", c);
		atomic_store(&seq_off[c], 0);
		if ((seq_fd[c] = openat(D.workfd, name, flags, 0644)) == -1) {
			seterr("create %s: %s", name, strerror(errno));
			return -1;
		}
	}
	return sync_dir(D.workfd);
}

static int
op_seqwrite(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	bool wrapped;
	uint64_t off = next_offset(w, &wrapped);

	(void)seq;
	if (wrapped && fdatasync(seq_fd[w->conn]) == -1) {
		op_fail(w, "fdatasync");
		return -1;
	}
	if (write_all(seq_fd[w->conn], D.wbuf, DB_SEQ_XFER, off) != 0) {
		op_fail(w, "pwrite");
		return -1;
	}
	*bytes = DB_SEQ_XFER;
	return 0;
}

/* COMMIT: every connection's file on stable storage (timed). */
static int
finish_seqwrite(void)
{
	for (unsigned c = 0; c < D.o.conns; c++)
		if (fdatasync(seq_fd[c]) == -1)
			return -1;
	return 0;
}

const struct workload wl_seqwrite = { "seqwrite", "pwrite of 1 MiB in "
    "order over one --seq-size file per connection; fdatasync after each "
    "pass and at the end (timed; COMMIT)",
    prepare_seqwrite, op_seqwrite, finish_seqwrite, cleanup_seqwrite,
    false };

/* ------------------------------------------------------------ seqread */

static int
prepare_seqread(void)
{
	if (check_size() != 0 ||
	    ensure_file(D.workfd, "seqdata", seq_span()) != 0 ||
	    sync_fixtures() != 0)
		return -1;
	for (unsigned c = 0; c < D.o.conns; c++)
		atomic_store(&seq_off[c], 0);
	seqdata_fd = openat(D.workfd, "seqdata", O_RDONLY | O_CLOEXEC);
	if (seqdata_fd == -1) {
		seterr("open seqdata: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
op_seqread(struct worker *w, uint64_t seq, uint64_t *bytes)
{
	size_t got = 0;
	bool wrapped;
	uint64_t off = next_offset(w, &wrapped);
	ssize_t n;

	(void)seq;
	while (got < DB_SEQ_XFER) {
		n = pread(seqdata_fd, w->buf + got, DB_SEQ_XFER - got,
		    (off_t)(off + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			op_fail(w, n == 0 ? "short pread" : "pread");
			return -1;
		}
		got += (size_t)n;
	}
	*bytes = DB_SEQ_XFER;
	return 0;
}

static void
cleanup_seqread(void)
{
	if (seqdata_fd != -1)
		close(seqdata_fd);
	seqdata_fd = -1;
}

const struct workload wl_seqread = { "seqread", "pread of 1 MiB in order "
    "from a --seq-size file (the page cache serves it, as it does for an "
    "NFS server)", prepare_seqread, op_seqread, NULL, cleanup_seqread,
    false };
