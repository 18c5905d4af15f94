/*
 * tail.c - reply data that never enters user space: a file's pages are
 * spliced into a pipe while the reply is encoded (so how much there is,
 * and any read error, are known before the reply says so), and the
 * transport splices the pipe into the socket after the encoded part.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "svc.h"

void
rpc_tail_drop(struct rpc_tail *tail)
{
	if (tail->fd != -1)
		(void)close(tail->fd);
	tail->fd = -1;
	tail->len = tail->pad = 0;
}

/*
 * Splice up to len bytes of fd from off into the pipe pw: how many.
 * Sets *at_end if the file ended first, else leaves it.
 */
static size_t
splice_in(int fd, uint64_t off, int pw, size_t len, bool *at_end)
{
	loff_t pos = (loff_t)off;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = splice(fd, &pos, pw, NULL, len - got,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			*at_end = true;
		if (n <= 0)
			break;		/* the end, a full pipe, or an error */
		got += (size_t)n;
	}
	return got;
}

/*
 * Room in the pipe for every page the data touches.  Data that starts
 * inside a page touches one page more than RPC_TAIL_MAX's worth, which
 * is beyond fs.pipe-max-size unless we may pass it (CAP_SYS_RESOURCE):
 * -1 then, and that READ is read into the reply whole rather than cut
 * short.
 */
static int
pipe_size(int pw, uint64_t off, size_t len)
{
	size_t pg = (size_t)getpagesize();
	size_t span = ((size_t)(off % pg) + len + pg - 1) / pg * pg;

	return fcntl(pw, F_SETPIPE_SZ, (int)span) == -1 ? -1 : 0;
}

size_t
rpc_tail_fill(struct rpc_tail *tail, int fd, uint64_t off, size_t len,
    bool *at_end)
{
	int p[2];
	size_t got;

	tail->fd = -1;
	tail->len = tail->pad = 0;
	*at_end = false;
	if (len > RPC_TAIL_MAX || pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return 0;
	if (pipe_size(p[1], off, len) == -1) {
		(void)close(p[0]);
		(void)close(p[1]);
		return 0;
	}
	got = splice_in(fd, off, p[1], len, at_end);
	(void)close(p[1]);
	if (got == 0) {
		(void)close(p[0]);
		return 0;
	}
	tail->fd = p[0];
	tail->len = got;
	tail->pad = (4 - got % 4) % 4;
	return got;
}
