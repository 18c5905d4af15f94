/*
 * path.c - handles by path under the export root, through the cache
 * of directory handles: the longest cached prefix of the path is
 * looked up from, every directory found on the way is cached.  A
 * cached handle the server calls STALE is forgotten and the path is
 * looked up again from the root (once); a STALE root is mounted again.
 * Errors name the path as far as it was looked up:
 * "LOOKUP 12/34/tevie: NFS3ERR_ACCES".
 */
#include <stdio.h>
#include <string.h>

#include "nfs3_prot.h"
#include "nfsc_int.h"

#define LOOKUP_TRIES	2	/* the first, and once after a STALE */

int
nfsc_path_norm(const char *path, char *out, size_t outlen)
{
	const char *p = path, *e;
	size_t n = 0, clen;

	if (path == NULL || outlen == 0)
		return NFS3ERR_INVAL;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		clen = (size_t)(e - p);
		if (clen > NFSC_NAMELEN)
			return NFSC_ERR_TOOBIG;
		if (clen == 2 && p[0] == '.' && p[1] == '.')
			return NFS3ERR_INVAL;
		if (!(clen == 1 && p[0] == '.')) {
			if (n + (n > 0) + clen >= outlen || n + clen >=
			    NFSC_PATHLEN)
				return NFSC_ERR_TOOBIG;
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, clen);
			n += clen;
		}
		p = e;
	}
	out[n] = '\0';
	return NFS3_OK;
}

/* The longest cached prefix of path: its length (0: the root). */
static size_t
cached_prefix(struct nfsc *nc, char *path, struct nfsc_fh *fh)
{
	size_t len = strlen(path);
	char save;

	while (len > 0) {
		save = path[len];
		path[len] = '\0';
		if (fhc_get(nc->fc, path, fh)) {
			path[len] = save;
			return len;
		}
		path[len] = save;
		while (len > 0 && path[len - 1] != '/')
			len--;
		if (len > 0)
			len--;		/* the '/' */
	}
	*fh = nc->root;
	return 0;
}

struct walk {
	struct nfsc_fh	 fh;
	struct nfsc_attr attr;
	bool		 have;
	size_t		 failed_at;	/* end of the failing prefix */
	bool		 from_cache;	/* the failing handle was cached */
};

/* From the longest cached prefix to the end of path. */
static int
walk_path(struct nfsc *nc, const struct nfsc_cred *cred, char *path,
    bool want_attr, struct walk *w)
{
	size_t pos, end, len = strlen(path);
	struct nfsc_fh next;
	char save;
	int st;

	pos = cached_prefix(nc, path, &w->fh);
	w->from_cache = true;
	w->have = false;
	if (pos == len) {
		w->failed_at = len;
		if (!want_attr)
			return NFS3_OK;
		st = nfsc_getattr_raw(nc, cred, &w->fh, &w->attr);
		w->have = st == NFS3_OK;
		return st;
	}
	while (pos < len) {
		if (path[pos] == '/')
			pos++;
		for (end = pos; end < len && path[end] != '/'; end++)
			;
		save = path[end];
		path[end] = '\0';
		st = nfsc_lookup_raw(nc, cred, &w->fh, path + pos, &next,
		    &w->attr, &w->have);
		if (st == NFS3_OK && w->have && w->attr.type == NFSC_DIR)
			(void)fhc_put(nc->fc, path, &next);
		path[end] = save;
		if (st != NFS3_OK) {
			w->failed_at = end;
			return st;
		}
		w->fh = next;
		w->from_cache = false;
		pos = end;
	}
	w->failed_at = len;
	if (want_attr && !w->have) {
		st = nfsc_getattr_raw(nc, cred, &w->fh, &w->attr);
		w->have = st == NFS3_OK;
		return st;
	}
	return NFS3_OK;
}

/* After a STALE from a cached handle: forget it, or re-MNT the root. */
static int
drop_stale(struct nfsc *nc, const struct walk *w)
{
	const char *p;

	if (w->fh.len == nc->root.len &&
	    memcmp(w->fh.data, nc->root.data, w->fh.len) == 0)
		return nfsc_mount_mnt(nc, &nc->root);
	if ((p = fhc_path_of(nc->fc, &w->fh)) != NULL) {
		char copy[NFSC_PATHLEN + 1];

		snprintf(copy, sizeof(copy), "%s", p);
		fhc_forget(nc->fc, copy);
	}
	return 0;
}

int
nfsc_lookup_path(struct nfsc *nc, const struct nfsc_cred *cred,
    const char *path, struct nfsc_fh *out, struct nfsc_attr *attr)
{
	char norm[NFSC_PATHLEN + 1];
	struct walk w;
	int st, try;

	nfsc_lock(nc);
	memset(&w, 0, sizeof(w));
	if ((st = nfsc_check_cred(cred)) != NFS3_OK ||
	    (st = nfsc_path_norm(path, norm, sizeof(norm))) != NFS3_OK) {
		nfsc_seterr(nc, "LOOKUP", path != NULL ? path : "(null)", st,
		    NULL);
		nfsc_unlock(nc);
		return st;
	}
	for (try = 0; try < LOOKUP_TRIES; try++) {
		st = walk_path(nc, cred, norm, attr != NULL, &w);
		if (st != NFS3ERR_STALE || !w.from_cache)
			break;
		if (drop_stale(nc, &w) != 0) {
			nfsc_unlock(nc);	/* nc->err names the MNT */
			return NFS3ERR_STALE;
		}
	}
	if (st != NFS3_OK) {
		nfsc_seterr(nc, "LOOKUP", w.failed_at > 0 ? norm : "/", st,
		    st == NFSC_ERR_RPC ? nc->nfs.detail : NULL);
		/* the text was cut at the failing component */
		if (w.failed_at > 0 && w.failed_at < strlen(norm)) {
			norm[w.failed_at] = '\0';
			nfsc_seterr(nc, "LOOKUP", norm, st, st == NFSC_ERR_RPC ?
			    nc->nfs.detail : NULL);
		}
		nfsc_unlock(nc);
		return st;
	}
	if (norm[0] != '\0')
		nfsc_names_note(&nc->names, &w.fh, NULL, norm);
	if (out != NULL)
		*out = w.fh;
	if (attr != NULL)
		*attr = w.attr;
	nfsc_unlock(nc);
	return NFS3_OK;
}

void
nfsc_forget_path(struct nfsc *nc, const char *path)
{
	char norm[NFSC_PATHLEN + 1];

	nfsc_lock(nc);
	if (nfsc_path_norm(path, norm, sizeof(norm)) == NFS3_OK)
		fhc_forget(nc->fc, norm);
	nfsc_unlock(nc);
}
