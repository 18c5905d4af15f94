/*
 * listdir.c - read a whole directory with READDIRPLUS (untimed): the
 * names, which are directories, and their handles; for removing the
 * work directory and checking reusable fixtures.
 */
#include <stdlib.h>
#include <string.h>

#include "nfsbench.h"

#define LIST_TIMEOUT_MS	60000
#define LIST_MAX	(NB_MAX_ENTRIES * 2)

struct list_wait {
	bool			 done;
	int			 rpcstat;
	int			 status;
	bool			 eof;
	bool			 oom;
	uint64_t		 cookie;
	char			 verf[NFS3_COOKIEVERFSIZE];
	struct dirent_list	*out;
};

/*
 * libnfs lays the decoded entries out at 4-byte alignment, so they are
 * read through an aligned copy; NULL at the end of the list.
 */
const entryplus3 *
entry_get(const entryplus3 *p, entryplus3 *copy)
{
	if (p == NULL)
		return NULL;
	memcpy(copy, p, sizeof(*copy));
	return copy;
}

static int
list_add(struct dirent_list *l, const entryplus3 *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **names;
		unsigned char *isdir;
		struct fh *fhs;

		if (cap > LIST_MAX)
			return -1;
		names = realloc(l->names, cap * sizeof(*names));
		if (names == NULL)
			return -1;
		l->names = names;
		isdir = realloc(l->isdir, cap * sizeof(*isdir));
		if (isdir == NULL)
			return -1;
		l->isdir = isdir;
		fhs = realloc(l->fhs, cap * sizeof(*fhs));
		if (fhs == NULL)
			return -1;
		l->fhs = fhs;
		l->cap = cap;
	}
	if ((l->names[l->n] = strdup(e->name)) == NULL)
		return -1;
	l->isdir[l->n] = e->name_attributes.attributes_follow &&
	    e->name_attributes.post_op_attr_u.attributes.type == NF3DIR;
	if (e->name_handle.handle_follows)
		fh_set(&l->fhs[l->n], &e->name_handle.post_op_fh3_u.handle);
	else
		l->fhs[l->n].len = 0;
	l->n++;
	return 0;
}

static void
cb_list(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct list_wait *w = pd;
	READDIRPLUS3res *res = data;
	const entryplus3 *e;
	entryplus3 ent;

	(void)rpc;
	w->done = true;
	w->rpcstat = status;
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		return;
	w->status = (int)res->status;
	if (res->status != NFS3_OK)
		return;
	memcpy(w->verf, res->READDIRPLUS3res_u.resok.cookieverf,
	    sizeof(w->verf));
	w->eof = res->READDIRPLUS3res_u.resok.reply.eof;
	for (e = entry_get(res->READDIRPLUS3res_u.resok.reply.entries, &ent);
	    e != NULL; e = entry_get(ent.nextentry, &ent)) {
		w->cookie = e->cookie;
		if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
			continue;
		if (!w->oom && list_add(w->out, e) != 0)
			w->oom = true;
	}
}

int
dir_list(const struct fh *dir, struct dirent_list *out)
{
	struct rpc_context *rpc = B.conns[0].rpc;
	struct list_wait w;
	READDIRPLUS3args a;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.out = out;
	if (rpc == NULL || B.conns[0].dead) {
		seterr("no connection");
		return -1;
	}
	while (!w.eof) {
		memset(&a, 0, sizeof(a));
		fh_arg(&a.dir, dir);
		a.cookie = w.cookie;
		memcpy(a.cookieverf, w.verf, sizeof(a.cookieverf));
		a.dircount = NB_DIR_DIRCOUNT;
		a.maxcount = NB_DIR_MAXCOUNT;
		w.done = false;
		if (rpc_nfs3_readdirplus_async(rpc, cb_list, &a, &w) != 0 ||
		    !sync_wait(rpc, &w.done, LIST_TIMEOUT_MS) ||
		    w.rpcstat != RPC_STATUS_SUCCESS) {
			seterr("READDIRPLUS: no reply");
			return -1;
		}
		if (w.status != NFS3_OK) {
			seterr("READDIRPLUS: %s", nfsstat_str(w.status));
			return w.status;
		}
		if (w.oom) {
			seterr("directory too large to list");
			return -1;
		}
	}
	return 0;
}

void
dir_list_free(struct dirent_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->isdir);
	free(l->fhs);
	memset(l, 0, sizeof(*l));
}
