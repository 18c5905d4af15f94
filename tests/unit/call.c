/*
 * call.c - building RPC call messages for the tests, field by field,
 * so that each malformed variant is easy to write.
 */
#include <string.h>

#include "unit.h"

void
cb_u32(struct callbuf *c, uint32_t v)
{
	c->b[c->n++] = (uint8_t)(v >> 24);
	c->b[c->n++] = (uint8_t)(v >> 16);
	c->b[c->n++] = (uint8_t)(v >> 8);
	c->b[c->n++] = (uint8_t)v;
}

void
cb_opaque(struct callbuf *c, const void *data, size_t len)
{
	cb_u32(c, (uint32_t)len);
	memcpy(c->b + c->n, data, len);
	c->n += len;
	while (c->n % 4 != 0)
		c->b[c->n++] = 0;
}

void
cb_head(struct callbuf *c, uint32_t xid, uint32_t rpcvers, uint32_t prog,
    uint32_t vers, uint32_t proc)
{
	c->n = 0;
	cb_u32(c, xid);
	cb_u32(c, 0);
	cb_u32(c, rpcvers);
	cb_u32(c, prog);
	cb_u32(c, vers);
	cb_u32(c, proc);
}

void
cb_authsys(struct callbuf *c, const char *machine, uint32_t uid,
    uint32_t gid, uint32_t ngids)
{
	struct callbuf body = { .n = 0 };
	uint32_t i;

	cb_u32(&body, 12345);
	cb_opaque(&body, machine, strlen(machine));
	cb_u32(&body, uid);
	cb_u32(&body, gid);
	cb_u32(&body, ngids);
	for (i = 0; i < ngids; i++)
		cb_u32(&body, 100 + i);
	cb_u32(c, 1);
	cb_opaque(c, body.b, body.n);
	cb_u32(c, 0);
	cb_u32(c, 0);
}

void
cb_authnone(struct callbuf *c)
{
	cb_u32(c, 0);
	cb_u32(c, 0);
	cb_u32(c, 0);
	cb_u32(c, 0);
}
