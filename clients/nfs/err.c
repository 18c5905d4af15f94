/*
 * err.c - error values and texts: nfsc_strstat names an nfsstat3 or
 * NFSC_ERR_* value, nfsc_error is "PROC what: STATUS" for the last
 * failed call, with "(detail)" when the RPC layer has something to add.
 */
#include <stdio.h>
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define FH_HEX_BYTES	8	/* of a handle named by its bytes */

struct statname {
	int		 stat;
	const char	*name;
};

static const struct statname statnames[] = {
	{ NFS3_OK, "NFS3_OK" },
	{ NFS3ERR_PERM, "NFS3ERR_PERM" },
	{ NFS3ERR_NOENT, "NFS3ERR_NOENT" },
	{ NFS3ERR_IO, "NFS3ERR_IO" },
	{ NFS3ERR_NXIO, "NFS3ERR_NXIO" },
	{ NFS3ERR_ACCES, "NFS3ERR_ACCES" },
	{ NFS3ERR_EXIST, "NFS3ERR_EXIST" },
	{ NFS3ERR_XDEV, "NFS3ERR_XDEV" },
	{ NFS3ERR_NODEV, "NFS3ERR_NODEV" },
	{ NFS3ERR_NOTDIR, "NFS3ERR_NOTDIR" },
	{ NFS3ERR_ISDIR, "NFS3ERR_ISDIR" },
	{ NFS3ERR_INVAL, "NFS3ERR_INVAL" },
	{ NFS3ERR_FBIG, "NFS3ERR_FBIG" },
	{ NFS3ERR_NOSPC, "NFS3ERR_NOSPC" },
	{ NFS3ERR_ROFS, "NFS3ERR_ROFS" },
	{ NFS3ERR_MLINK, "NFS3ERR_MLINK" },
	{ NFS3ERR_NAMETOOLONG, "NFS3ERR_NAMETOOLONG" },
	{ NFS3ERR_NOTEMPTY, "NFS3ERR_NOTEMPTY" },
	{ NFS3ERR_DQUOT, "NFS3ERR_DQUOT" },
	{ NFS3ERR_STALE, "NFS3ERR_STALE" },
	{ NFS3ERR_REMOTE, "NFS3ERR_REMOTE" },
	{ NFS3ERR_BADHANDLE, "NFS3ERR_BADHANDLE" },
	{ NFS3ERR_NOT_SYNC, "NFS3ERR_NOT_SYNC" },
	{ NFS3ERR_BAD_COOKIE, "NFS3ERR_BAD_COOKIE" },
	{ NFS3ERR_NOTSUPP, "NFS3ERR_NOTSUPP" },
	{ NFS3ERR_TOOSMALL, "NFS3ERR_TOOSMALL" },
	{ NFS3ERR_SERVERFAULT, "NFS3ERR_SERVERFAULT" },
	{ NFS3ERR_BADTYPE, "NFS3ERR_BADTYPE" },
	{ NFS3ERR_JUKEBOX, "NFS3ERR_JUKEBOX" },
	{ NFSC_ERR_RPC, "NFSC_ERR_RPC" },
	{ NFSC_ERR_MOUNT, "NFSC_ERR_MOUNT" },
	{ NFSC_ERR_TOOBIG, "NFSC_ERR_TOOBIG" },
	{ NFSC_ERR_NOMEM, "NFSC_ERR_NOMEM" },
	{ NFSC_ERR_URL, "NFSC_ERR_URL" },
};

const char *
nfsc_strstat(int stat)
{
	static _Thread_local char unknown[32];
	size_t i;

	for (i = 0; i < sizeof(statnames) / sizeof(statnames[0]); i++)
		if (statnames[i].stat == stat)
			return statnames[i].name;
	snprintf(unknown, sizeof(unknown), "NFS3ERR_%d", stat);
	return unknown;
}

int
nfsc_seterr(struct nfsc *nc, const char *proc, const char *what, int st,
    const char *detail)
{
	if (detail != NULL && detail[0] != '\0')
		snprintf(nc->err, sizeof(nc->err), "%s %s: %s (%s)", proc,
		    what, nfsc_strstat(st), detail);
	else
		snprintf(nc->err, sizeof(nc->err), "%s %s: %s", proc, what,
		    nfsc_strstat(st));
	return st;
}

/* "fh:0a1b2c3d..." for a handle whose path is not known. */
static void
fh_hex(const struct nfsc_fh *fh, char *buf, size_t len)
{
	size_t i, n = fh->len < FH_HEX_BYTES ? fh->len : FH_HEX_BYTES;
	size_t off;

	off = (size_t)snprintf(buf, len, "fh:");
	for (i = 0; i < n && off + 3 <= len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%02x",
		    fh->data[i]);
	if (fh->len > n && off + 4 <= len)
		snprintf(buf + off, len - off, "...");
}

int
nfsc_seterr_fh(struct nfsc *nc, const char *proc, const struct nfsc_fh *fh,
    const char *name, int st, const char *detail)
{
	char what[NFSC_PATHLEN + NFSC_NAMELEN + 2], hex[48];
	const char *dir = NULL;

	if (fh != NULL && fh->len <= NFSC_FHSIZE) {
		if (fh->len == nc->root.len &&
		    memcmp(fh->data, nc->root.data, fh->len) == 0)
			dir = "";
		else if ((dir = fhc_path_of(nc->fc, fh)) == NULL)
			dir = nfsc_names_find(&nc->names, fh);
	}
	if (dir == NULL && fh != NULL) {
		if (fh->len == 0)
			snprintf(hex, sizeof(hex), "fh:(empty)");
		else if (fh->len > NFSC_FHSIZE)
			snprintf(hex, sizeof(hex), "fh:(%u bytes)", fh->len);
		else
			fh_hex(fh, hex, sizeof(hex));
		dir = hex;
	}
	if (dir == NULL)
		dir = "fh:(none)";
	if (name == NULL)
		snprintf(what, sizeof(what), "%s", dir[0] != '\0' ? dir : "/");
	else if (dir[0] == '\0')
		snprintf(what, sizeof(what), "%s", name);
	else
		snprintf(what, sizeof(what), "%s/%s", dir, name);
	return nfsc_seterr(nc, proc, what, st, detail);
}

const char *
nfsc_error(const struct nfsc *nc)
{
	if (nc == NULL)
		return "no connection";
	return nc->err;
}
