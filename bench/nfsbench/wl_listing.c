/*
 * wl_listing.c - listing: one operation is a whole READDIRPLUS listing
 * (cookie 0 until eof) of a directory of --entries files, and the
 * number of entries seen must be exactly --entries.  The directory
 * (list.N) is made once and reused with --keep when its count is right.
 */
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"

#define LIST_PREFIX	"e"

static struct fh list_dir;

static int
count_entries(const struct fh *dir, size_t *n)
{
	struct dirent_list l;
	int rc = dir_list(dir, &l);

	*n = l.n;
	dir_list_free(&l);
	return rc;
}

static int
prepare_listing(void)
{
	char name[NB_NAME_MAX];
	size_t n;

	snprintf(name, sizeof(name), "list.%u", B.o.entries);
	if (ensure_dir(&B.work, name, &list_dir) != 0)
		return -1;
	if (count_entries(&list_dir, &n) != 0)
		return -1;
	if (n == B.o.entries)
		return 0;		/* made before: reuse it */
	if (n > B.o.entries) {
		/* Something else is in there: start again. */
		if (remove_tree(&B.work, name) != 0 ||
		    ensure_dir(&B.work, name, &list_dir) != 0)
			return -1;
	}
	if (create_names(&list_dir, LIST_PREFIX, B.o.entries) != 0 ||
	    count_entries(&list_dir, &n) != 0)
		return -1;
	if (n != B.o.entries) {
		seterr("%s has %zu entries after making %u", name, n,
		    B.o.entries);
		return -1;
	}
	return 0;
}

static bool	 list_send(struct slot *);

static void
cb_listing(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	READDIRPLUS3res *res = data;
	const entryplus3 *e;
	entryplus3 ent;

	(void)rpc;
	if (!reply_ok(s, status, data, "READDIRPLUS"))
		return;
	memcpy(s->cookieverf, res->READDIRPLUS3res_u.resok.cookieverf,
	    sizeof(s->cookieverf));
	for (e = entry_get(res->READDIRPLUS3res_u.resok.reply.entries, &ent);
	    e != NULL; e = entry_get(ent.nextentry, &ent)) {
		s->cookie = e->cookie;
		if (strcmp(e->name, ".") != 0 && strcmp(e->name, "..") != 0)
			s->count++;
	}
	if (!res->READDIRPLUS3res_u.resok.reply.eof) {
		if (!list_send(s))
			op_error(s, "READDIRPLUS", -1);
	} else if (s->count != B.o.entries) {
		op_error(s, "listing: wrong number of entries", NB_ECHECK);
	} else {
		op_done(s, true, 0);
	}
}

static bool
list_send(struct slot *s)
{
	READDIRPLUS3args a;

	memset(&a, 0, sizeof(a));
	fh_arg(&a.dir, &list_dir);
	a.cookie = s->cookie;
	memcpy(a.cookieverf, s->cookieverf, sizeof(a.cookieverf));
	a.dircount = NB_DIR_DIRCOUNT;
	a.maxcount = NB_DIR_MAXCOUNT;
	return rpc_nfs3_readdirplus_async(s->conn->rpc, cb_listing, &a, s) ==
	    0;
}

static int
start_listing(struct slot *s)
{
	s->cookie = 0;
	s->count = 0;
	memset(s->cookieverf, 0, sizeof(s->cookieverf));
	return list_send(s) ? START_SENT : START_FAIL;
}

static const struct job job_listing = { "listing", start_listing, NULL };
const struct workload wl_listing = {
	.name = "listing",
	.help = "a whole READDIRPLUS listing of a --entries directory",
	.prepare = prepare_listing,
	.job = &job_listing,
};
