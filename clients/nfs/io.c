/*
 * io.c - WRITE, COMMIT and READ, in pieces of the server's wtmax and
 * rtmax (FSINFO at open).  A reply that claims more than was asked is
 * an error (NFS3ERR_IO), never trusted.
 */
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

static stable_how
stable_to(enum nfsc_stable s)
{
	switch (s) {
	case NFSC_UNSTABLE:
		return UNSTABLE;
	case NFSC_DATA_SYNC:
		return DATA_SYNC;
	case NFSC_FILE_SYNC:
	default:
		return FILE_SYNC;
	}
}

static enum nfsc_stable
stable_from(stable_how s)
{
	switch (s) {
	case UNSTABLE:
		return NFSC_UNSTABLE;
	case DATA_SYNC:
		return NFSC_DATA_SYNC;
	case FILE_SYNC:
	default:
		return NFSC_FILE_SYNC;
	}
}

/* One WRITE of n bytes; *done is what the server took. */
static int
write_piece(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, uint64_t off, const uint8_t *p, uint32_t n,
    enum nfsc_stable stable, uint32_t *done, enum nfsc_stable *got,
    uint8_t verf[8])
{
	WRITE3args a;
	WRITE3res r;
	WRITE3resok *ok;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	nfsc_fh3(&a.file, fh);
	a.offset = off;
	a.count = n;
	a.stable = stable_to(stable);
	a.data.data_len = n;
	a.data.data_val = (char *)(uintptr_t)p;
	st = nfsc_call(nc, cred, NFSPROC3_WRITE, (xdrproc_t)xdr_WRITE3args,
	    &a, (xdrproc_t)xdr_WRITE3res, &r);
	if (st == NFS3_OK) {
		ok = &r.WRITE3res_u.resok;
		if (ok->count > n || (ok->count == 0 && n > 0))
			st = NFS3ERR_IO;
		*done = ok->count;
		*got = stable_from(ok->committed);
		memcpy(verf, ok->verf, NFS3_WRITEVERFSIZE);
	}
	xdr_free((xdrproc_t)xdr_WRITE3res, (char *)&r);
	return st;
}

int
nfsc_write(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, uint64_t off, const void *buf, size_t len,
    enum nfsc_stable stable, enum nfsc_stable *committed, uint8_t verf[8])
{
	enum nfsc_stable least = NFSC_FILE_SYNC, got;
	uint8_t v[NFS3_WRITEVERFSIZE], none = 0;
	const uint8_t *p = buf != NULL ? buf : &none;
	size_t pos = 0;
	uint32_t n, done;
	int st;

	nfsc_lock(nc);
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(fh)) != NFS3_OK)
		goto out;
	if ((buf == NULL && len > 0) || len > UINT64_MAX - off) {
		st = NFSC_ERR_TOOBIG;
		goto out;
	}
	do {
		n = len - pos > nc->wtmax ? nc->wtmax : (uint32_t)(len - pos);
		st = write_piece(nc, cred, fh, off + pos,
		    p + pos, n, stable, &done, &got, v);
		if (st != NFS3_OK)
			goto out;
		if (got < least)
			least = got;
		pos += done;
	} while (pos < len);
	if (committed != NULL)
		*committed = least;
	if (verf != NULL)
		memcpy(verf, v, sizeof(v));
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "WRITE", fh, NULL, st);
	nfsc_unlock(nc);
	return st;
}

int
nfsc_commit(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, uint8_t verf[8])
{
	COMMIT3args a;
	COMMIT3res r;
	int st;

	nfsc_lock(nc);
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(fh)) != NFS3_OK)
		goto out;
	nfsc_fh3(&a.file, fh);
	a.offset = 0;
	a.count = 0;		/* to the end of the file */
	st = nfsc_call(nc, cred, NFSPROC3_COMMIT, (xdrproc_t)xdr_COMMIT3args,
	    &a, (xdrproc_t)xdr_COMMIT3res, &r);
	if (st == NFS3_OK && verf != NULL)
		memcpy(verf, r.COMMIT3res_u.resok.verf, NFS3_WRITEVERFSIZE);
	xdr_free((xdrproc_t)xdr_COMMIT3res, (char *)&r);
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "COMMIT", fh, NULL, st);
	nfsc_unlock(nc);
	return st;
}

/* One READ of up to n bytes into p. */
static int
read_piece(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, uint64_t off, uint8_t *p, uint32_t n,
    uint32_t *got, bool *eof)
{
	READ3args a;
	READ3res r;
	READ3resok *ok;
	int st;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	nfsc_fh3(&a.file, fh);
	a.offset = off;
	a.count = n;
	st = nfsc_call(nc, cred, NFSPROC3_READ, (xdrproc_t)xdr_READ3args, &a,
	    (xdrproc_t)xdr_READ3res, &r);
	if (st == NFS3_OK) {
		ok = &r.READ3res_u.resok;
		if (ok->count > n || ok->data.data_len != ok->count)
			st = NFS3ERR_IO;
		else {
			if (ok->count > 0)
				memcpy(p, ok->data.data_val, ok->count);
			*got = ok->count;
			*eof = ok->eof;
		}
	}
	xdr_free((xdrproc_t)xdr_READ3res, (char *)&r);
	return st;
}

int
nfsc_read(struct nfsc *nc, const struct nfsc_cred *cred,
    const struct nfsc_fh *fh, uint64_t off, void *buf, size_t len,
    size_t *n, bool *eof)
{
	size_t pos = 0;
	uint32_t want, got;
	uint8_t none = 0, *p = buf != NULL ? buf : &none;
	bool end = false;
	int st;

	nfsc_lock(nc);
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_check_fh(fh)) != NFS3_OK)
		goto out;
	if ((buf == NULL && len > 0) || len > UINT64_MAX - off) {
		st = NFSC_ERR_TOOBIG;
		goto out;
	}
	do {
		want = len - pos > nc->rtmax ? nc->rtmax :
		    (uint32_t)(len - pos);
		st = read_piece(nc, cred, fh, off + pos, p + pos, want, &got,
		    &end);
		if (st != NFS3_OK)
			goto out;
		pos += got;
	} while (!end && got > 0 && pos < len);
	if (n != NULL)
		*n = pos;
	if (eof != NULL)
		*eof = end;
out:
	if (st != NFS3_OK)
		nfsc_fail(nc, "READ", fh, NULL, st);
	nfsc_unlock(nc);
	return st;
}
