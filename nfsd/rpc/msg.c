/*
 * msg.c - decoding of RPC call headers and encoding of reply headers
 * (RFC 5531 sections 8-9).  Every length is checked against the bytes
 * that remain before it is used; nothing here allocates.
 */
#include <string.h>

#include "msg.h"

#define RPC_MSG_ACCEPTED	0
#define RPC_MSG_DENIED		1
#define RPC_DENIED_MISMATCH	0
#define RPC_DENIED_AUTH		1

/* A bounds-checked reader over XDR bytes. */
struct xin {
	const uint8_t	*p;
	const uint8_t	*end;
};

static int
xin_u32(struct xin *x, uint32_t *v)
{
	if (x->end - x->p < 4)
		return -1;
	*v = (uint32_t)x->p[0] << 24 | (uint32_t)x->p[1] << 16 |
	    (uint32_t)x->p[2] << 8 | x->p[3];
	x->p += 4;
	return 0;
}

/* Variable-length opaque of at most max bytes; padding is skipped. */
static int
xin_opaque(struct xin *x, size_t max, const uint8_t **data, uint32_t *len)
{
	size_t padded;

	if (xin_u32(x, len) == -1 || *len > max)
		return -1;
	padded = ((size_t)*len + 3) & ~(size_t)3;
	if ((size_t)(x->end - x->p) < padded)
		return -1;
	*data = x->p;
	x->p += padded;
	return 0;
}

int
rpc_authsys_decode(const uint8_t *body, size_t len, struct rpc_authsys *sys)
{
	struct xin x = { body, body + len };
	const uint8_t *name;
	uint32_t namelen, i;

	if (xin_u32(&x, &sys->stamp) == -1 ||
	    xin_opaque(&x, RPC_AUTHSYS_MAX_MACHINE, &name, &namelen) == -1 ||
	    xin_u32(&x, &sys->uid) == -1 || xin_u32(&x, &sys->gid) == -1 ||
	    xin_u32(&x, &sys->ngids) == -1 ||
	    sys->ngids > RPC_AUTHSYS_MAX_GIDS)
		return -1;
	memcpy(sys->machine, name, namelen);
	sys->machine[namelen] = '\0';
	for (i = 0; i < sys->ngids; i++)
		if (xin_u32(&x, &sys->gids[i]) == -1)
			return -1;
	/* The body must be exactly the credential, nothing after it. */
	return x.p == x.end ? 0 : -1;
}

enum rpc_decode
rpc_call_decode(const uint8_t *buf, size_t len, struct rpc_call_hdr *hdr)
{
	struct xin x;
	const uint8_t *body;
	uint32_t mtype, bodylen;

	memset(hdr, 0, sizeof(*hdr));
	if (buf == NULL)	/* an empty record: rec_take gives no buffer */
		return RPC_DECODE_DROP;
	x.p = buf;
	x.end = buf + len;
	if (xin_u32(&x, &hdr->xid) == -1 || xin_u32(&x, &mtype) == -1 ||
	    mtype != RPC_CALL || xin_u32(&x, &hdr->rpcvers) == -1)
		return RPC_DECODE_DROP;
	if (hdr->rpcvers != RPC_VERS)
		return RPC_DECODE_MISMATCH;
	if (xin_u32(&x, &hdr->prog) == -1 || xin_u32(&x, &hdr->vers) == -1 ||
	    xin_u32(&x, &hdr->proc) == -1)
		return RPC_DECODE_DROP;

	hdr->auth_stat = RPC_AUTH_BADCRED;
	if (xin_u32(&x, &hdr->cred_flavor) == -1 ||
	    xin_opaque(&x, RPC_AUTH_MAX_BODY, &body, &bodylen) == -1)
		return RPC_DECODE_AUTH;
	if (hdr->cred_flavor == RPC_AUTH_SYS &&
	    rpc_authsys_decode(body, bodylen, &hdr->sys) == -1)
		return RPC_DECODE_AUTH;

	hdr->auth_stat = RPC_AUTH_BADVERF;
	if (xin_u32(&x, &hdr->verf_flavor) == -1 ||
	    xin_opaque(&x, RPC_AUTH_MAX_BODY, &body, &bodylen) == -1)
		return RPC_DECODE_AUTH;

	hdr->auth_stat = RPC_AUTH_OK;
	hdr->args_off = (size_t)(x.p - buf);
	return RPC_DECODE_OK;
}

static uint8_t *
xout_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* xid, REPLY, MSG_ACCEPTED, verifier AUTH_NONE with an empty body. */
static uint8_t *
reply_accepted_head(uint8_t *p, uint32_t xid)
{
	p = xout_u32(p, xid);
	p = xout_u32(p, RPC_REPLY);
	p = xout_u32(p, RPC_MSG_ACCEPTED);
	p = xout_u32(p, RPC_AUTH_NONE);
	return xout_u32(p, 0);
}

size_t
rpc_reply_accepted(uint8_t *out, uint32_t xid, enum rpc_accept_stat stat)
{
	uint8_t *p = reply_accepted_head(out, xid);

	p = xout_u32(p, stat);
	return (size_t)(p - out);
}

size_t
rpc_reply_prog_mismatch(uint8_t *out, uint32_t xid, uint32_t low,
    uint32_t high)
{
	uint8_t *p = reply_accepted_head(out, xid);

	p = xout_u32(p, ACC_PROG_MISMATCH);
	p = xout_u32(p, low);
	p = xout_u32(p, high);
	return (size_t)(p - out);
}

size_t
rpc_reply_rpc_mismatch(uint8_t *out, uint32_t xid)
{
	uint8_t *p = out;

	p = xout_u32(p, xid);
	p = xout_u32(p, RPC_REPLY);
	p = xout_u32(p, RPC_MSG_DENIED);
	p = xout_u32(p, RPC_DENIED_MISMATCH);
	p = xout_u32(p, RPC_VERS);
	p = xout_u32(p, RPC_VERS);
	return (size_t)(p - out);
}

size_t
rpc_reply_auth_error(uint8_t *out, uint32_t xid, enum rpc_auth_stat why)
{
	uint8_t *p = out;

	p = xout_u32(p, xid);
	p = xout_u32(p, RPC_REPLY);
	p = xout_u32(p, RPC_MSG_DENIED);
	p = xout_u32(p, RPC_DENIED_AUTH);
	p = xout_u32(p, why);
	return (size_t)(p - out);
}
