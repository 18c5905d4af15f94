/*
 * mount3.c - the MOUNT program (RFC 1813 Appendix I): version 3 for
 * NFSv3 clients, and versions 1 and 2 for the tools that ask them
 * (showmount).  MNT checks the export's access list for the caller's
 * address on every call and answers with the root handle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "mount3_prot.h"
#include "mountlist.h"
#include "nfsd.h"

#define RESERVED_PORT_MAX	1023

/*
 * MOUNT works on the server's own behalf (paths, the state directory):
 * the worker may still hold the credentials of its last NFS caller.
 */
static int
as_server(void)
{
	if (vfs_cred_root() == -1) {
		log_warn("becoming root again");
		return -1;
	}
	return 0;
}

/* The caller's address as the mount list records it. */
static void
peer_host(const struct rpc_req *req, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6;
	struct in_addr v4;

	if (req->peer->sa_family == AF_INET) {
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)req->peer)->sin_addr, buf,
		    (socklen_t)len);
		return;
	}
	s6 = (const struct sockaddr_in6 *)req->peer;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(&v4, s6->sin6_addr.s6_addr + 12, sizeof(v4));
		inet_ntop(AF_INET, &v4, buf, (socklen_t)len);
	} else
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
}

/*
 * Normalize a client's path without touching the filesystem: must be
 * absolute; "//" and "/." collapse; ".." is refused.
 */
static int
path_normalize(const char *in, char *out, size_t outlen)
{
	const char *p = in, *end;
	size_t n = 0, seg;

	if (*p != '/')
		return -1;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, '/');
		seg = end ? (size_t)(end - p) : strlen(p);
		if (seg == 1 && p[0] == '.') {
			p += seg;
			continue;
		}
		if (seg == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (n + 1 + seg >= outlen)
			return -1;
		out[n++] = '/';
		memcpy(out + n, p, seg);
		n += seg;
		p += seg;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

static bool
path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0');
}

static mountstat3
errno_to_mnt(int err)
{
	switch (err) {
	case ENOENT:
		return MNT3ERR_NOENT;
	case ENOTDIR:
		return MNT3ERR_NOTDIR;
	case EACCES:
	case EPERM:
		return MNT3ERR_ACCES;
	case ENAMETOOLONG:
		return MNT3ERR_NAMETOOLONG;
	default:
		return MNT3ERR_IO;
	}
}

/*
 * A subdirectory of an -alldirs export: it must really be a directory
 * inside the export, on the export's filesystem, after symlinks.
 */
static mountstat3
resolve_subdir(const struct export *exp, const char *path, char *real)
{
	struct stat st;

	if (realpath(path, real) == NULL)
		return errno_to_mnt(errno);
	if (!path_inside(real, exp->path))
		return MNT3ERR_ACCES;
	if (stat(real, &st) == -1)
		return errno_to_mnt(errno);
	if (!S_ISDIR(st.st_mode))
		return MNT3ERR_NOTDIR;
	if (st.st_dev != exp->dev)
		return MNT3ERR_ACCES;
	return MNT3_OK;
}

static mountstat3
mnt_handle(struct rpc_req *req, const struct export *exp, const char *path,
    mountres3_ok *ok)
{
	struct nfsd *d = req->ctx;
	struct handle h;
	uint8_t *fh;
	int len;

	if (handle_from_path(path, exp->id, &h) == -1) {
		log_warn("MNT %s: cannot make a handle", path);
		return errno_to_mnt(errno);
	}
	if ((fh = rpc_alloc(req, HANDLE_MAX)) == NULL ||
	    (len = handle_encode(&d->key, &h, fh)) == -1)
		return MNT3ERR_SERVERFAULT;
	ok->fhandle.fhandle3_len = (u_int)len;
	ok->fhandle.fhandle3_val = (char *)fh;
	if ((ok->auth_flavors.auth_flavors_val = rpc_alloc(req,
	    sizeof(int))) == NULL)
		return MNT3ERR_SERVERFAULT;
	ok->auth_flavors.auth_flavors_val[0] = RPC_AUTH_SYS;
	ok->auth_flavors.auth_flavors_len = 1;
	return MNT3_OK;
}

/* Decide MNT of path for this caller, filling ok on success. */
static mountstat3
mnt_check(struct rpc_req *req, const struct export_table *table,
    const char *dirpath, mountres3_ok *ok)
{
	char path[PATH_MAX], real[PATH_MAX];
	const struct export *exp;
	const struct export_group *grp;
	mountstat3 st;

	if (path_normalize(dirpath, path, sizeof(path)) == -1)
		return MNT3ERR_NOENT;
	if ((exp = export_containing(table, path)) == NULL)
		return MNT3ERR_NOENT;
	if ((grp = export_match(exp, req->peer, req->peerlen)) == NULL)
		return MNT3ERR_ACCES;
	if (grp->opts.resvport && rpc_peer_port(req) > RESERVED_PORT_MAX)
		return MNT3ERR_ACCES;
	if (strcmp(path, exp->path) == 0)
		return mnt_handle(req, exp, exp->path, ok);
	if (!grp->opts.alldirs)
		return MNT3ERR_ACCES;
	if ((st = resolve_subdir(exp, path, real)) != MNT3_OK)
		return st;
	return mnt_handle(req, exp, real, ok);
}

static enum rpc_status
mount_null(struct rpc_req *req, void *args, void *res)
{
	(void)req;
	(void)args;
	(void)res;
	return RPC_OK;
}

static enum rpc_status
mount_mnt(struct rpc_req *req, void *argp, void *resp)
{
	struct nfsd *d = req->ctx;
	dirpath *args = argp;
	mountres3 *res = resp;
	struct exports_ref *ref;
	char host[INET6_ADDRSTRLEN];

	if (as_server() == -1)
		return RPC_ERR_SYSTEM;
	peer_host(req, host, sizeof(host));
	ref = nfsd_exports_hold(d);
	res->fhs_status = mnt_check(req, ref->table, *args,
	    &res->mountres3_u.mountinfo);
	nfsd_exports_drop(ref);
	if (res->fhs_status != MNT3_OK) {
		log_info("MNT %s from %s refused (%d)", *args, host,
		    res->fhs_status);
		return RPC_OK;
	}
	log_info("MNT %s from %s", *args, host);
	(void)mountlist_add(d->mounts, host, *args);
	return RPC_OK;
}

struct dump_build {
	struct rpc_req	*req;
	mountlist	*tail;
	bool		 failed;
};

static void
dump_add(const char *host, const char *path, void *arg)
{
	struct dump_build *b = arg;
	struct mountbody *m;

	if (b->failed)
		return;
	if ((m = rpc_alloc(b->req, sizeof(*m))) == NULL ||
	    (m->ml_hostname = rpc_strdup(b->req, host)) == NULL ||
	    (m->ml_directory = rpc_strdup(b->req, path)) == NULL) {
		b->failed = true;
		return;
	}
	*b->tail = m;
	b->tail = &m->ml_next;
}

static enum rpc_status
mount_dump(struct rpc_req *req, void *args, void *resp)
{
	struct nfsd *d = req->ctx;
	struct dump_build b = { req, resp, false };

	(void)args;
	mountlist_walk(d->mounts, dump_add, &b);
	return b.failed ? RPC_ERR_SYSTEM : RPC_OK;
}

static enum rpc_status
mount_umnt(struct rpc_req *req, void *argp, void *res)
{
	struct nfsd *d = req->ctx;
	dirpath *args = argp;
	char host[INET6_ADDRSTRLEN];

	(void)res;
	if (as_server() == -1)
		return RPC_ERR_SYSTEM;
	peer_host(req, host, sizeof(host));
	(void)mountlist_remove(d->mounts, host, *args);
	return RPC_OK;
}

static enum rpc_status
mount_umntall(struct rpc_req *req, void *args, void *res)
{
	struct nfsd *d = req->ctx;
	char host[INET6_ADDRSTRLEN];

	(void)args;
	(void)res;
	if (as_server() == -1)
		return RPC_ERR_SYSTEM;
	peer_host(req, host, sizeof(host));
	(void)mountlist_remove_host(d->mounts, host);
	return RPC_OK;
}

/* The group names of one export; none means everyone may mount. */
static int
export_groups(struct rpc_req *req, const struct export *exp, groups *out)
{
	const struct export_target *t;
	struct groupnode *g;
	size_t i, j;

	*out = NULL;
	for (i = 0; i < exp->ngroups; i++)
		for (j = 0; j < exp->groups[i].ntargets; j++)
			if (exp->groups[i].targets[j].kind ==
			    EXPORT_TARGET_WORLD)
				return 0;
	for (i = 0; i < exp->ngroups; i++) {
		for (j = 0; j < exp->groups[i].ntargets; j++) {
			t = &exp->groups[i].targets[j];
			if ((g = rpc_alloc(req, sizeof(*g))) == NULL ||
			    (g->gr_name = rpc_strdup(req, t->name)) == NULL)
				return -1;
			*out = g;
			out = &g->gr_next;
		}
	}
	return 0;
}

static enum rpc_status
mount_export(struct rpc_req *req, void *args, void *resp)
{
	struct nfsd *d = req->ctx;
	struct exports_ref *ref;
	exports *tail = resp;
	struct exportnode *e;
	enum rpc_status st = RPC_OK;
	size_t i;

	(void)args;
	ref = nfsd_exports_hold(d);
	for (i = 0; i < ref->table->nexports; i++) {
		if ((e = rpc_alloc(req, sizeof(*e))) == NULL ||
		    (e->ex_dir = rpc_strdup(req,
		    ref->table->exports[i].path)) == NULL ||
		    export_groups(req, &ref->table->exports[i],
		    &e->ex_groups) == -1) {
			st = RPC_ERR_SYSTEM;
			break;
		}
		*tail = e;
		tail = &e->ex_next;
	}
	nfsd_exports_drop(ref);
	return st;
}

#define PROC(name, fn, xa, ta, xr, tr) \
	{ name, fn, (xdrproc_t)xa, sizeof(ta), (xdrproc_t)xr, sizeof(tr), 0, \
	    NULL }

/* Version 3; versions 1 and 2 are the same without MNT (no v2 handles). */
static const struct rpc_proc mount3_procs[] = {
	PROC("NULL", mount_null, rpc_xdr_void, char, rpc_xdr_void, char),
	PROC("MNT", mount_mnt, xdr_dirpath, dirpath, xdr_mountres3,
	    mountres3),
	PROC("DUMP", mount_dump, rpc_xdr_void, char, xdr_mountlist, mountlist),
	PROC("UMNT", mount_umnt, xdr_dirpath, dirpath, rpc_xdr_void, char),
	PROC("UMNTALL", mount_umntall, rpc_xdr_void, char, rpc_xdr_void, char),
	PROC("EXPORT", mount_export, rpc_xdr_void, char, xdr_exports, exports),
};

static const struct rpc_proc mount1_procs[] = {
	PROC("NULL", mount_null, rpc_xdr_void, char, rpc_xdr_void, char),
	{ "MNT", NULL, NULL, 0, NULL, 0, 0, NULL },
	PROC("DUMP", mount_dump, rpc_xdr_void, char, xdr_mountlist, mountlist),
	PROC("UMNT", mount_umnt, xdr_dirpath, dirpath, rpc_xdr_void, char),
	PROC("UMNTALL", mount_umntall, rpc_xdr_void, char, rpc_xdr_void, char),
	PROC("EXPORT", mount_export, rpc_xdr_void, char, xdr_exports, exports),
};

static const struct rpc_vers mount_versions[] = {
	{ 1, mount1_procs, sizeof(mount1_procs) / sizeof(mount1_procs[0]) },
	{ 2, mount1_procs, sizeof(mount1_procs) / sizeof(mount1_procs[0]) },
	{ 3, mount3_procs, sizeof(mount3_procs) / sizeof(mount3_procs[0]) },
};

const struct rpc_prog mount_program = {
	MOUNT_PROGRAM_NUM, "mount", mount_versions,
	sizeof(mount_versions) / sizeof(mount_versions[0]),
};
