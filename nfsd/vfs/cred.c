/*
 * cred.c - the credentials a request runs with.  Each worker thread
 * takes the caller's fsuid, fsgid and supplementary groups for the
 * duration of a procedure, so the kernel checks permissions as it
 * would for a local process.  setgroups goes through the raw system
 * call: glibc's wrapper would change every thread of the process.
 */
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vfs.h"

/* What this thread currently runs as, to skip needless switches. */
static _Thread_local struct export_cred cur;
static _Thread_local bool cur_valid;

static bool
cred_equal(const struct export_cred *a, const struct export_cred *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->ngids == b->ngids &&
	    memcmp(a->gids, b->gids, a->ngids * sizeof(a->gids[0])) == 0;
}

/*
 * setfsuid/setfsgid return the previous value and cannot report an
 * error; calling them again with -1 reads the value back.
 */
static int
set_fsids(uint32_t uid, uint32_t gid)
{
	setfsgid((gid_t)gid);
	if ((uint32_t)setfsgid((gid_t)-1) != gid)
		return -1;
	setfsuid((uid_t)uid);
	if ((uint32_t)setfsuid((uid_t)-1) != uid)
		return -1;
	return 0;
}

int
vfs_cred_apply(const struct export_cred *cred)
{
	gid_t groups[EXPORT_MAX_GIDS];
	uint32_t i;

	if (cur_valid && cred_equal(&cur, cred))
		return 0;
	/* CAP_SETUID and CAP_SETGID survive a non-zero fsuid. */
	cur_valid = false;
	for (i = 0; i < cred->ngids && i < EXPORT_MAX_GIDS; i++)
		groups[i] = (gid_t)cred->gids[i];
	if (syscall(SYS_setgroups, (size_t)i, groups) == -1)
		return -1;
	if (set_fsids(cred->uid, cred->gid) == -1) {
		errno = EPERM;
		return -1;
	}
	cur = *cred;
	cur_valid = true;
	return 0;
}

int
vfs_cred_root(void)
{
	static const struct export_cred root;

	if (cur_valid && cur.uid == 0)
		return 0;
	return vfs_cred_apply(&root);
}

void
vfs_cred_map(const struct export_opts *opts, bool authsys, uint32_t uid,
    uint32_t gid, uint32_t ngids, const uint32_t *gids,
    struct export_cred *out)
{
	uint32_t i;

	if (opts->mapall_set) {
		*out = opts->mapall;
		return;
	}
	if (!authsys) {		/* AUTH_NONE: nobody, whatever -maproot says */
		memset(out, 0, sizeof(*out));
		out->uid = EXPORT_NOBODY;
		out->gid = EXPORT_NOBODY;
		return;
	}
	if (uid == 0) {
		*out = opts->maproot;
		return;
	}
	out->uid = uid;
	out->gid = gid;
	out->ngids = ngids < EXPORT_MAX_GIDS ? ngids : EXPORT_MAX_GIDS;
	for (i = 0; i < out->ngids; i++)
		out->gids[i] = gids[i];
}
