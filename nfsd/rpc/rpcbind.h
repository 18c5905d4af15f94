/*
 * rpcbind.h - registration of our programs with the local rpcbind
 * (RFC 1833), through libtirpc.
 */
#ifndef RPC_RPCBIND_H
#define RPC_RPCBIND_H

#include <stdint.h>

#include "svc.h"

/* 0 when a local rpcbind answers; -1 with a reason in err otherwise. */
int	rpcbind_check(char *err, size_t errlen);
/* Map (prog, vers) to the listener's transport and address. */
int	rpcbind_set(uint32_t prog, uint32_t vers,
	    const struct rpc_listener *l);
/* Remove every mapping of (prog, vers). */
void	rpcbind_unset(uint32_t prog, uint32_t vers);

#endif
