/*
 * fuzz_args.c - libFuzzer harness for the argument decoders of every
 * NFSv3 and MOUNT procedure, taken from the daemon's own program
 * tables (nfsd/nfs3.c, nfsd/mount3.c): the rpcgen routines and the
 * hand-written WRITE decoder.  No handler runs.
 *
 * The first byte picks the procedure: its top 3 bits the version
 * (0 NFS v3, 1-3 MOUNT v1-v3, modulo their number), its low 5 bits the
 * procedure (modulo the version's count).  The rest is the arguments,
 * decoded from an aligned copy and freed as rpc_dispatch does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

/* From nfsd/nfsd.h, which is internal to nfsd/. */
extern const struct rpc_prog nfs_program;
extern const struct rpc_prog mount_program;

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct rpc_proc *
pick(uint8_t b)
{
	const struct rpc_vers *v;
	size_t i = (size_t)(b >> 5) %
	    (nfs_program.nvers + mount_program.nvers);

	if (i < nfs_program.nvers)
		v = &nfs_program.vers[i];
	else
		v = &mount_program.vers[i - nfs_program.nvers];
	return &v->procs[(b & 0x1f) % v->nprocs];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rpc_proc *p;
	void *args;
	char *buf;
	XDR x;

	if (size < 1)
		return 0;
	p = pick(data[0]);
	if (p->handler == NULL)		/* PROC_UNAVAIL: never decoded */
		return 0;
	if ((buf = malloc(size)) == NULL ||
	    (args = calloc(1, p->args_size)) == NULL) {
		free(buf);
		return 0;
	}
	memcpy(buf, data + 1, size - 1);
	xdrmem_create(&x, buf, (u_int)(size - 1), XDR_DECODE);
	(void)p->xdr_args(&x, args);
	if (xdr_getpos(&x) > size - 1)
		abort();
	xdr_free(p->xdr_args, args);
	free(args);
	free(buf);
	return 0;
}
