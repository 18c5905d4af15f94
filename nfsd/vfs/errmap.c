/*
 * errmap.c - errno to nfsstat3: each error the kernel gives for a
 * filesystem call, mapped to the closest status RFC 1813 defines.
 * Anything unlisted is NFS3ERR_IO, and logged once so it can be added.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#include "log.h"
#include "vfs.h"

static const struct {
	int		err;
	nfsstat3	stat;
} errmap[] = {
	{ 0,		NFS3_OK },
	{ EPERM,	NFS3ERR_PERM },
	{ ENOENT,	NFS3ERR_NOENT },
	{ EIO,		NFS3ERR_IO },
	{ ENXIO,	NFS3ERR_NXIO },
	{ ENODEV,	NFS3ERR_NODEV },
	{ EACCES,	NFS3ERR_ACCES },
	{ EEXIST,	NFS3ERR_EXIST },
	{ EXDEV,	NFS3ERR_XDEV },
	{ ENOTDIR,	NFS3ERR_NOTDIR },
	{ EISDIR,	NFS3ERR_ISDIR },
	{ EINVAL,	NFS3ERR_INVAL },
	{ EFBIG,	NFS3ERR_FBIG },
	{ ENOSPC,	NFS3ERR_NOSPC },
	{ EROFS,	NFS3ERR_ROFS },
	{ EMLINK,	NFS3ERR_MLINK },
	{ ENAMETOOLONG,	NFS3ERR_NAMETOOLONG },
	{ ENOTEMPTY,	NFS3ERR_NOTEMPTY },
	{ EDQUOT,	NFS3ERR_DQUOT },
	{ ESTALE,	NFS3ERR_STALE },
	{ EBADF,	NFS3ERR_SERVERFAULT },	/* a descriptor of ours */
	{ ELOOP,	NFS3ERR_NOTDIR },	/* a symlink where a dir was meant */
	{ EOVERFLOW,	NFS3ERR_INVAL },
	{ ENOTSUP,	NFS3ERR_NOTSUPP },
	{ ETXTBSY,	NFS3ERR_ACCES },
	{ EBUSY,	NFS3ERR_ACCES },	/* a mount point, a busy file */
	{ ENOMEM,	NFS3ERR_SERVERFAULT },
	{ EMFILE,	NFS3ERR_JUKEBOX },	/* out of descriptors: retry */
	{ ENFILE,	NFS3ERR_JUKEBOX },
	{ EAGAIN,	NFS3ERR_JUKEBOX },
	{ EINTR,	NFS3ERR_JUKEBOX },
	{ EDEADLK,	NFS3ERR_JUKEBOX },
	{ EFAULT,	NFS3ERR_SERVERFAULT },
	{ ESPIPE,	NFS3ERR_INVAL },
	{ ENOSYS,	NFS3ERR_NOTSUPP },
	{ EUCLEAN,	NFS3ERR_IO },		/* filesystem corruption */
};

nfsstat3
vfs_errno(int err)
{
	static atomic_bool warned;
	size_t i;

	for (i = 0; i < sizeof(errmap) / sizeof(errmap[0]); i++)
		if (errmap[i].err == err)
			return errmap[i].stat;
	if (!atomic_exchange(&warned, true))
		log_warnx("errno %d has no closer nfsstat3 than NFS3ERR_IO",
		    err);
	return NFS3ERR_IO;
}
