/*
 * mount.c - MOUNT v3 MNT (the export's root handle) and UMNT, each on
 * a connection of its own that is closed again: the mount port is
 * needed only at open and close.
 */
#include <string.h>

#include "mount3_prot.h"
#include "nfsc_int.h"

static void
mount_conn(struct nfsc *nc, struct nfsc_conn *mc, unsigned retries)
{
	mc->addr = nc->nfs.addr;
	mc->addrlen = nc->nfs.addrlen;
	memcpy(mc->host, nc->nfs.host, sizeof(mc->host));
	nfsc_conn_init(mc, MOUNT_PROGRAM, MOUNT_V3, nc->url.mountport,
	    nc->nfs.timeout_ms, retries);
}

static const char *
mnt_strstat(mountstat3 st)
{
	switch (st) {
	case MNT3ERR_PERM:
		return "MNT3ERR_PERM";
	case MNT3ERR_NOENT:
		return "MNT3ERR_NOENT";
	case MNT3ERR_IO:
		return "MNT3ERR_IO";
	case MNT3ERR_ACCES:
		return "MNT3ERR_ACCES";
	case MNT3ERR_NOTDIR:
		return "MNT3ERR_NOTDIR";
	case MNT3ERR_INVAL:
		return "MNT3ERR_INVAL";
	case MNT3ERR_NAMETOOLONG:
		return "MNT3ERR_NAMETOOLONG";
	case MNT3ERR_NOTSUPP:
		return "MNT3ERR_NOTSUPP";
	case MNT3ERR_SERVERFAULT:
		return "MNT3ERR_SERVERFAULT";
	default:
		return "MNT3ERR_?";
	}
}

/* UMNT's void reply. */
static bool_t
xdr_nothing(XDR *xdrs, void *p)
{
	(void)xdrs;
	(void)p;
	return TRUE;
}

/*
 * MNT as this process's uid/gid.  Returns 0, or NFSC_ERR_RPC /
 * NFSC_ERR_MOUNT with nc->err set ("MNT /export: MNT3ERR_ACCES").
 */
int
nfsc_mount_mnt(struct nfsc *nc, struct nfsc_fh *root)
{
	struct nfsc_conn mc;
	mountres3 res;
	mountres3_ok *ok;
	dirpath dp = nc->url.export;
	int st;

	mount_conn(nc, &mc, nc->nfs.retries);
	memset(&res, 0, sizeof(res));
	st = nfsc_conn_call(&mc, NULL, MOUNTPROC3_MNT, (xdrproc_t)xdr_dirpath,
	    &dp, (xdrproc_t)xdr_mountres3, &res);
	nfsc_conn_close(&mc);
	if (st != 0)
		return nfsc_seterr(nc, "MNT", nc->url.export, st, mc.detail);
	if (res.fhs_status != MNT3_OK) {
		nfsc_seterr(nc, "MNT", nc->url.export, NFSC_ERR_MOUNT,
		    mnt_strstat(res.fhs_status));
		xdr_free((xdrproc_t)xdr_mountres3, (char *)&res);
		return NFSC_ERR_MOUNT;
	}
	ok = &res.mountres3_u.mountinfo;
	if (ok->fhandle.fhandle3_len > NFSC_FHSIZE ||
	    ok->fhandle.fhandle3_len == 0) {
		xdr_free((xdrproc_t)xdr_mountres3, (char *)&res);
		return nfsc_seterr(nc, "MNT", nc->url.export, NFSC_ERR_MOUNT,
		    "bad root handle length");
	}
	root->len = ok->fhandle.fhandle3_len;
	memcpy(root->data, ok->fhandle.fhandle3_val, root->len);
	xdr_free((xdrproc_t)xdr_mountres3, (char *)&res);
	return 0;
}

/* UMNT, tried once: the server's mount list is advisory. */
int
nfsc_mount_umnt(struct nfsc *nc)
{
	struct nfsc_conn mc;
	dirpath dp = nc->url.export;
	int st;

	mount_conn(nc, &mc, 0);
	st = nfsc_conn_call(&mc, NULL, MOUNTPROC3_UMNT, (xdrproc_t)xdr_dirpath,
	    &dp, (xdrproc_t)xdr_nothing, NULL);
	nfsc_conn_close(&mc);
	if (st != 0)
		return nfsc_seterr(nc, "UMNT", nc->url.export, st, mc.detail);
	return 0;
}
