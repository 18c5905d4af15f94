/*
 * createverf.c - the verifier of an EXCLUSIVE CREATE (RFC 1813 3.3.8)
 * kept in the new file's atime and mtime seconds, so that it is on
 * disk with the file: a retransmitted create with the same verifier
 * finds it there and succeeds; a different one is NFS3ERR_EXIST.
 * The client sets the real times with a SETATTR afterwards.
 */
#include <stdint.h>
#include <time.h>

#include "vfs.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
vfs_verf_to_times(const uint8_t verf[NFS3_CREATEVERFSIZE],
    struct timespec ts[2])
{
	ts[0].tv_sec = (time_t)be32(verf);
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = (time_t)be32(verf + 4);
	ts[1].tv_nsec = 0;
}

bool
vfs_verf_matches(const uint8_t verf[NFS3_CREATEVERFSIZE],
    const struct stat *st)
{
	struct timespec ts[2];

	vfs_verf_to_times(verf, ts);
	return st->st_atim.tv_sec == ts[0].tv_sec &&
	    st->st_atim.tv_nsec == 0 &&
	    st->st_mtim.tv_sec == ts[1].tv_sec &&
	    st->st_mtim.tv_nsec == 0;
}
