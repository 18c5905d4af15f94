/*
 * fuzz_callhdr.c - libFuzzer harness for the RPC call header and
 * AUTH_SYS credential decoders (nfsd/rpc/msg.c).  The input is one
 * record: decoded as a call, answered with the reply header that the
 * dispatcher would write, and decoded again as a bare AUTH_SYS body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A decoded credential must be within the limits of RFC 5531. */
static void
check_sys(const struct rpc_authsys *sys)
{
	if (sys->ngids > RPC_AUTHSYS_MAX_GIDS ||
	    strnlen(sys->machine, sizeof(sys->machine)) >=
	    sizeof(sys->machine))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_call_hdr hdr;
	struct rpc_authsys sys;
	uint8_t out[RPC_REPLY_HDR_MAX];
	size_t n = 0;

	switch (rpc_call_decode(data, size, &hdr)) {
	case RPC_DECODE_OK:
		if (hdr.args_off > size || hdr.args_off % 4 != 0)
			abort();
		if (hdr.cred_flavor == RPC_AUTH_SYS)
			check_sys(&hdr.sys);
		n = rpc_reply_prog_mismatch(out, hdr.xid, 1, 3);
		break;
	case RPC_DECODE_MISMATCH:
		n = rpc_reply_rpc_mismatch(out, hdr.xid);
		break;
	case RPC_DECODE_AUTH:
		if (hdr.auth_stat == RPC_AUTH_OK)
			abort();
		n = rpc_reply_auth_error(out, hdr.xid, hdr.auth_stat);
		break;
	case RPC_DECODE_DROP:
		break;
	}
	if (n > sizeof(out))
		abort();
	if (rpc_authsys_decode(data, size, &sys) == 0)
		check_sys(&sys);
	return 0;
}
