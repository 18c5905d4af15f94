/*
 * open.c - one struct nfsc: parse the URL, resolve the host, MNT for
 * the root handle, FSINFO once for the server's rtmax/wtmax; UMNT and
 * free on close.  Calls on one struct nfsc are serialized by its
 * mutex, which is recursive so that a READDIRPLUS callback may call
 * back into the same client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define NFSC_IOMIN	4096	/* below this a server's FSINFO is odd */

void
nfsc_lock(struct nfsc *nc)
{
	pthread_mutex_lock(&nc->mu);
}

void
nfsc_unlock(struct nfsc *nc)
{
	pthread_mutex_unlock(&nc->mu);
}

int
nfsc_call(struct nfsc *nc, const struct nfsc_cred *cred, rpcproc_t proc,
    xdrproc_t xargs, void *args, xdrproc_t xres, void *res)
{
	int st;

	if ((st = nfsc_conn_call(&nc->nfs, cred, proc, xargs, args, xres,
	    res)) != 0)
		return st;
	/* Every NFSv3 result starts with its nfsstat3. */
	return (int)*(nfsstat3 *)res;
}

static uint32_t
io_size(uint32_t server)
{
	if (server > NFSC_IOMAX)
		return NFSC_IOMAX;
	return server;
}

/* FSINFO of the root as this process: the read and write sizes. */
static int
ask_fsinfo(struct nfsc *nc)
{
	FSINFO3args a;
	FSINFO3res r;
	FSINFO3resok *ok;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.fsroot.data.data_len = nc->root.len;
	a.fsroot.data.data_val = (char *)nc->root.data;
	st = nfsc_call(nc, NULL, NFSPROC3_FSINFO, (xdrproc_t)xdr_FSINFO3args,
	    &a, (xdrproc_t)xdr_FSINFO3res, &r);
	if (st != NFS3_OK) {
		if (st != NFSC_ERR_RPC)
			xdr_free((xdrproc_t)xdr_FSINFO3res, (char *)&r);
		return nfsc_seterr(nc, "FSINFO", nc->url.export, st,
		    st == NFSC_ERR_RPC ? nc->nfs.detail : NULL);
	}
	ok = &r.FSINFO3res_u.resok;
	nc->rtmax = io_size(ok->rtmax);
	nc->wtmax = io_size(ok->wtmax);
	xdr_free((xdrproc_t)xdr_FSINFO3res, (char *)&r);
	if (nc->rtmax < NFSC_IOMIN || nc->wtmax < NFSC_IOMIN)
		return nfsc_seterr(nc, "FSINFO", nc->url.export, NFS3ERR_IO,
		    "rtmax or wtmax below 4096");
	return 0;
}

static int
init_mutex(pthread_mutex_t *mu)
{
	pthread_mutexattr_t ma;
	int rc;

	if (pthread_mutexattr_init(&ma) != 0)
		return -1;
	rc = pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	if (rc == 0)
		rc = pthread_mutex_init(mu, &ma);
	pthread_mutexattr_destroy(&ma);
	return rc == 0 ? 0 : -1;
}

static void
take_opts(const struct nfsc_opts *o, unsigned *timeout, unsigned *retries,
    size_t *cache)
{
	*timeout = NFSC_DEF_TIMEOUT_MS;
	*retries = NFSC_DEF_RETRIES;
	*cache = NFSC_DEF_FHCACHE;
	if (o == NULL)
		return;
	if (o->timeout_ms != 0)
		*timeout = o->timeout_ms;
	if (o->retries != 0)
		*retries = o->retries;
	if (o->fhcache != 0)
		*cache = o->fhcache;
}

struct nfsc *
nfsc_open(const char *url, const struct nfsc_opts *opts, char *err,
    size_t errlen)
{
	struct nfsc *nc;
	unsigned timeout, retries;
	size_t cache;
	char uerr[NFSC_DETAILLEN];

	take_opts(opts, &timeout, &retries, &cache);
	if (timeout > NFSC_MAX_TIMEOUT_MS || retries > NFSC_MAX_RETRIES ||
	    cache > NFSC_MAX_FHCACHE) {
		snprintf(err, errlen, "%s: options over their limits "
		    "(timeout %u ms, %u retries, %u handles)", url != NULL ?
		    url : "(null)", NFSC_MAX_TIMEOUT_MS, NFSC_MAX_RETRIES,
		    NFSC_MAX_FHCACHE);
		return NULL;
	}
	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (init_mutex(&nc->mu) != 0) {
		free(nc);
		snprintf(err, errlen, "pthread_mutex_init failed");
		return NULL;
	}
	if (nfsc_url_parse(url, &nc->url, uerr, sizeof(uerr)) != 0) {
		snprintf(err, errlen, "%s: %s", url != NULL ? url : "(null)",
		    uerr);
		goto fail;
	}
	if ((nc->fc = fhc_create(cache)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	nfsc_conn_init(&nc->nfs, NFS_PROGRAM, NFS_V3, nc->url.port, timeout,
	    retries);
	if (nfsc_conn_resolve(&nc->nfs, nc->url.host, err, errlen) != 0)
		goto fail;
	if (nfsc_mount_mnt(nc, &nc->root) != 0 || ask_fsinfo(nc) != 0) {
		snprintf(err, errlen, "%s", nc->err);
		goto fail;
	}
	nc->err[0] = '\0';
	return nc;
fail:
	nfsc_close(&nc);
	return NULL;
}

void
nfsc_close(struct nfsc **ncp)
{
	struct nfsc *nc = *ncp;

	if (nc == NULL)
		return;
	if (nc->root.len != 0)
		(void)nfsc_mount_umnt(nc);
	nfsc_conn_close(&nc->nfs);
	fhc_free(&nc->fc);
	nfsc_names_free(&nc->names);
	pthread_mutex_destroy(&nc->mu);
	free(nc);
	*ncp = NULL;
}

const struct nfsc_fh *
nfsc_root(const struct nfsc *nc)
{
	return &nc->root;
}
