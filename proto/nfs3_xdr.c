/*
 * nfs3_xdr.c - the XDR routines of the two NFSv3 types nearly every
 * call and reply carries, written here in place of rpcgen's (which the
 * build renames *_rpcgen, and which these fall back on):
 *
 * - fattr3, the attributes of RFC 1813, in every post_op_attr and per
 *   READDIRPLUS entry, is encoded in one pass into the stream's buffer,
 *   where rpcgen's routine makes 21 calls through the stream's
 *   operations for its 84 bytes.
 * - nfs_fh3, the file handle in every call: decoded into malloc'ed
 *   memory where libtirpc's xdr_bytes callocs (calloc bypasses glibc's
 *   per-thread cache; xdr_free frees either), and encoded in one pass.
 */
#include <stdlib.h>
#include <string.h>

#include <rpc/rpc.h>

#include "nfs3_prot.h"

#define FATTR3_WIRE	84		/* 13 fields: 5 words, 8 pairs */

bool_t	xdr_fattr3_rpcgen(XDR *, fattr3 *);
bool_t	xdr_nfs_fh3_rpcgen(XDR *, nfs_fh3 *);

static int32_t *
put_u64(int32_t *p, uint64_t v)
{
	IXDR_PUT_U_INT32(p, (uint32_t)(v >> 32));
	IXDR_PUT_U_INT32(p, (uint32_t)v);
	return p;
}

static int32_t *
put_time(int32_t *p, const nfstime3 *t)
{
	IXDR_PUT_U_INT32(p, t->seconds);
	IXDR_PUT_U_INT32(p, t->nseconds);
	return p;
}

bool_t
xdr_fattr3(XDR *xdrs, fattr3 *objp)
{
	int32_t *p;

	if (xdrs->x_op != XDR_ENCODE ||
	    (p = XDR_INLINE(xdrs, FATTR3_WIRE)) == NULL)
		return xdr_fattr3_rpcgen(xdrs, objp);
	IXDR_PUT_U_INT32(p, (uint32_t)objp->type);
	IXDR_PUT_U_INT32(p, objp->mode);
	IXDR_PUT_U_INT32(p, objp->nlink);
	IXDR_PUT_U_INT32(p, objp->uid);
	IXDR_PUT_U_INT32(p, objp->gid);
	p = put_u64(p, objp->size);
	p = put_u64(p, objp->used);
	IXDR_PUT_U_INT32(p, objp->rdev.specdata1);
	IXDR_PUT_U_INT32(p, objp->rdev.specdata2);
	p = put_u64(p, objp->fsid);
	p = put_u64(p, objp->fileid);
	p = put_time(p, &objp->atime);
	p = put_time(p, &objp->mtime);
	(void)put_time(p, &objp->ctime);
	return TRUE;
}

static bool_t
fh_decode(XDR *xdrs, nfs_fh3 *objp)
{
	u_int len;

	if (!xdr_u_int(xdrs, &len) || len > NFS3_FHSIZE)
		return FALSE;
	objp->data.data_len = len;
	if (len == 0)
		return TRUE;
	/* xdr_free frees what is here, whether or not the bytes came. */
	if ((objp->data.data_val = malloc(len)) == NULL)
		return FALSE;
	return xdr_opaque(xdrs, objp->data.data_val, len);
}

static bool_t
fh_encode(XDR *xdrs, const nfs_fh3 *objp)
{
	u_int len = objp->data.data_len, padded = RNDUP(len);
	int32_t *p;

	if (len > NFS3_FHSIZE || (p = XDR_INLINE(xdrs, 4 + padded)) == NULL)
		return FALSE;
	IXDR_PUT_U_INT32(p, len);
	if (len > 0)
		memcpy(p, objp->data.data_val, len);
	memset((char *)p + len, 0, padded - len);
	return TRUE;
}

bool_t
xdr_nfs_fh3(XDR *xdrs, nfs_fh3 *objp)
{
	if (xdrs->x_op == XDR_DECODE && objp->data.data_val == NULL)
		return fh_decode(xdrs, objp);
	if (xdrs->x_op == XDR_ENCODE && fh_encode(xdrs, objp))
		return TRUE;
	return xdr_nfs_fh3_rpcgen(xdrs, objp);
}
