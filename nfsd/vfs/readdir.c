/*
 * readdir.c - reading a directory from a cookie.  The cookie of an
 * entry is the kernel's d_off for it, the position where the next
 * entry starts: on ext4 a hash of the name, on tmpfs a stable index.
 * Neither moves when other entries come and go, so a client listing a
 * busy Maildir never gets NFS3ERR_BAD_COOKIE and never sees an entry
 * twice, and resuming costs a seek rather than a rescan.
 */
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include "vfs.h"

/*
 * Entries are read a few at a time: a reply holds a few hundred, and
 * each getdents64 on ext4 builds its hash tree for as many as it returns.
 */
#define READDIR_BUF	4096

struct linux_dirent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

int
vfs_readdir(int dfd, uint64_t cookie, vfs_dirent_cb cb, void *arg,
    bool *eof)
{
	_Alignas(8) char buf[READDIR_BUF];
	const struct linux_dirent64 *d;
	struct vfs_dirent e;
	long n, off;
	int rc;

	*eof = false;
	if (lseek(dfd, (off_t)cookie, SEEK_SET) == -1)
		return -1;
	for (;;) {
		if ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) == -1)
			return -1;
		if (n == 0) {
			*eof = true;
			return 0;
		}
		for (off = 0; off < n; off += d->d_reclen) {
			d = (const struct linux_dirent64 *)(buf + off);
			e.fileid = d->d_ino;
			e.cookie = (uint64_t)d->d_off;
			e.name = d->d_name;
			e.type = d->d_type;
			if ((rc = cb(&e, arg)) != 0)
				return rc < 0 ? -1 : 0;
		}
	}
}
