/*
 * nfs3_fattr_xdr.c - fattr3 (RFC 1813, 2.6), the attributes nearly
 * every NFSv3 reply carries and READDIRPLUS carries per entry, encoded
 * in one pass into the stream's buffer: rpcgen's routine makes 21
 * calls through the stream's operations for its 84 bytes.  Decoding,
 * freeing, and a stream without 84 contiguous bytes left go to
 * rpcgen's routine, which the build renames xdr_fattr3_rpcgen.
 */
#include <rpc/rpc.h>

#include "nfs3_prot.h"

#define FATTR3_WIRE	84		/* 13 fields: 5 words, 8 pairs */

bool_t	xdr_fattr3_rpcgen(XDR *, fattr3 *);

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
