/*
 * conn.c - nfsbench's TCP connections: MOUNT the export once for its
 * root handle, then open N connections to the NFS program (a fixed
 * port, or the portmapper's), each with its own AUTH_UNIX identity and
 * its request slots, and learn the server's transfer sizes (FSINFO).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfsbench.h"

#define CONNECT_TIMEOUT_MS	10000
#define AUTH_MACHINE		"nfsbench"

struct connect_wait {
	bool	 done;
	int	 status;
	char	 err[256];
};

static void
cb_connect(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct connect_wait *w = pd;

	(void)rpc;
	w->done = true;
	w->status = status;
	if (status != RPC_STATUS_SUCCESS && data != NULL)
		snprintf(w->err, sizeof(w->err), "%s", (const char *)data);
}

/* A connected context to prog/vers at port (0: the portmapper's). */
static struct rpc_context *
connect_to(int port, int prog, int vers)
{
	struct connect_wait w;
	struct rpc_context *rpc;
	struct AUTH *auth;
	int rc;

	memset(&w, 0, sizeof(w));
	if ((rpc = rpc_init_context()) == NULL) {
		seterr("rpc_init_context failed");
		return NULL;
	}
	auth = libnfs_authunix_create(AUTH_MACHINE, B.o.uid, B.o.gid, 0, NULL);
	if (auth == NULL) {
		seterr("cannot make AUTH_UNIX credentials");
		rpc_destroy_context(rpc);
		return NULL;
	}
	rpc_set_auth(rpc, auth);
	if (port > 0)
		rc = rpc_connect_port_async(rpc, B.o.host, port, prog, vers,
		    cb_connect, &w);
	else
		rc = rpc_connect_program_async(rpc, B.o.host, prog, vers,
		    cb_connect, &w);
	if (rc != 0 || !sync_wait(rpc, &w.done, CONNECT_TIMEOUT_MS) ||
	    w.status != RPC_STATUS_SUCCESS) {
		seterr("cannot connect to %s program %d version %d%s: %s",
		    B.o.host, prog, vers, port > 0 ? " (fixed port)" :
		    " (portmapper)", w.err[0] ? w.err :
		    rpc_get_error(rpc) ? rpc_get_error(rpc) : "no answer");
		rpc_destroy_context(rpc);
		return NULL;
	}
	return rpc;
}

/* MNT the export on a short-lived MOUNT connection. */
static int
mount_root(void)
{
	struct rpc_context *mrpc;
	int rc;

	if ((mrpc = connect_to(B.o.mountport, MOUNT_PROGRAM, MOUNT_V3)) ==
	    NULL)
		return -1;
	rc = sync_mnt(mrpc, B.o.export, &B.root);
	rpc_destroy_context(mrpc);
	return rc;
}

static int
conn_init(struct conn *c, unsigned id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	if ((c->rpc = connect_to(B.o.nfsport, NFS_PROGRAM, NFS_V3)) == NULL)
		return -1;
	c->slots = calloc(B.slots_per_conn, sizeof(*c->slots));
	if (c->slots == NULL) {
		seterr("out of memory");
		return -1;
	}
	for (unsigned i = 0; i < B.slots_per_conn; i++) {
		c->slots[i].conn = c;
		c->slots[i].id = id * B.slots_per_conn + i;
	}
	return 0;
}

/* Connect; with fs, MOUNT the export first and learn its sizes. */
int
conns_open(bool fs)
{
	B.slots_per_conn = B.o.depth > NB_SETUP_DEPTH ? B.o.depth :
	    NB_SETUP_DEPTH;
	if (fs && mount_root() != 0)
		return -1;
	for (unsigned i = 0; i < B.o.conns; i++) {
		if (conn_init(&B.conns[i], i) != 0)
			return -1;
		B.nconns = i + 1;
	}
	if (fs && sync_fsinfo(&B.root, &B.rtmax, &B.wtmax) != NFS3_OK) {
		seterr("FSINFO of the export root failed: %s", B.err);
		return -1;
	}
	return 0;
}

/* A connection that failed: its pending calls are cancelled (errors). */
void
conn_drop(struct conn *c, const char *why)
{
	struct rpc_context *rpc = c->rpc;

	if (c->dead)
		return;
	c->dead = true;
	fprintf(stderr, "nfsbench: connection %u failed: %s\n", c->id,
	    why != NULL ? why : "?");
	c->rpc = NULL;
	if (rpc != NULL)
		rpc_destroy_context(rpc);
}

void
conns_close(void)
{
	for (unsigned i = 0; i < B.nconns; i++) {
		struct conn *c = &B.conns[i];

		if (c->rpc != NULL)
			rpc_destroy_context(c->rpc);
		c->rpc = NULL;
		free(c->slots);
		c->slots = NULL;
	}
	B.nconns = 0;
}
