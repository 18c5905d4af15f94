/*
 * msg.h - ONC RPC v2 call headers and reply headers (RFC 5531),
 * including the AUTH_SYS credential body.
 */
#ifndef RPC_MSG_H
#define RPC_MSG_H

#include <stddef.h>
#include <stdint.h>

#define RPC_VERS		2
#define RPC_CALL		0
#define RPC_REPLY		1
#define RPC_AUTH_MAX_BODY	400	/* opaque_auth body<400> */
#define RPC_AUTHSYS_MAX_MACHINE	255
#define RPC_AUTHSYS_MAX_GIDS	16
#define RPC_REPLY_HDR_MAX	32	/* largest reply header we write */

enum rpc_flavor {
	RPC_AUTH_NONE = 0,
	RPC_AUTH_SYS = 1,
	RPC_AUTH_SHORT = 2,
	RPC_AUTH_DH = 3,
	RPC_AUTH_GSS = 6,
};

enum rpc_accept_stat {
	ACC_SUCCESS = 0,
	ACC_PROG_UNAVAIL = 1,
	ACC_PROG_MISMATCH = 2,
	ACC_PROC_UNAVAIL = 3,
	ACC_GARBAGE_ARGS = 4,
	ACC_SYSTEM_ERR = 5,
};

enum rpc_auth_stat {
	RPC_AUTH_OK = 0,
	RPC_AUTH_BADCRED = 1,
	RPC_AUTH_REJECTEDCRED = 2,
	RPC_AUTH_BADVERF = 3,
	RPC_AUTH_REJECTEDVERF = 4,
	RPC_AUTH_TOOWEAK = 5,
};

/* What decoding a call header found. */
enum rpc_decode {
	RPC_DECODE_OK = 0,
	RPC_DECODE_DROP,	/* not a call we can answer: drop or close */
	RPC_DECODE_MISMATCH,	/* rpcvers != 2: MSG_DENIED RPC_MISMATCH */
	RPC_DECODE_AUTH,	/* MSG_DENIED AUTH_ERROR, see auth_stat */
};

struct rpc_authsys {
	uint32_t	stamp;
	char		machine[RPC_AUTHSYS_MAX_MACHINE + 1];
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	ngids;
	uint32_t	gids[RPC_AUTHSYS_MAX_GIDS];
};

struct rpc_call_hdr {
	uint32_t		xid;
	uint32_t		rpcvers;
	uint32_t		prog;
	uint32_t		vers;
	uint32_t		proc;
	uint32_t		cred_flavor;
	struct rpc_authsys	sys;		/* valid for RPC_AUTH_SYS */
	uint32_t		verf_flavor;
	size_t			args_off;	/* procedure arguments start */
	enum rpc_auth_stat	auth_stat;	/* for RPC_DECODE_AUTH */
};

enum rpc_decode rpc_call_decode(const uint8_t *buf, size_t len,
	    struct rpc_call_hdr *hdr);
/* Decode an AUTH_SYS body; -1 when malformed or over the limits. */
int	rpc_authsys_decode(const uint8_t *body, size_t len,
	    struct rpc_authsys *sys);

/*
 * Reply headers, written to out (at least RPC_REPLY_HDR_MAX bytes);
 * each returns the number of bytes written.
 */
size_t	rpc_reply_accepted(uint8_t *out, uint32_t xid,
	    enum rpc_accept_stat stat);
size_t	rpc_reply_prog_mismatch(uint8_t *out, uint32_t xid, uint32_t low,
	    uint32_t high);
size_t	rpc_reply_rpc_mismatch(uint8_t *out, uint32_t xid);
size_t	rpc_reply_auth_error(uint8_t *out, uint32_t xid,
	    enum rpc_auth_stat why);

#endif
