/*
 * mailbox.c - the --mailboxes Maildirs (mail/mbN/{tmp,new,cur}) that
 * deliver and pop work in, their handles, unique Maildir-style names,
 * and filling new/ with messages for pop (untimed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "nfsbench.h"

struct maildirs MB;

static uint64_t name_seq;

/* A name no other delivery of this or another nfsbench uses. */
void
maildir_name(char *buf, size_t len)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(buf, len, "%lld.M%ldP%ldQ%llu.nfsbench", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(),
	    (unsigned long long)++name_seq);
}

int
maildirs_open(void)
{
	struct fh mail, box;
	char name[NB_NAME_MAX];

	if (MB.n == B.o.mailboxes)
		return 0;
	free(MB.boxes);
	MB.n = 0;
	MB.boxes = calloc(B.o.mailboxes, sizeof(*MB.boxes));
	if (MB.boxes == NULL) {
		seterr("out of memory");
		return -1;
	}
	if (ensure_dir(&B.work, "mail", &mail) != 0)
		return -1;
	for (unsigned i = 0; i < B.o.mailboxes; i++) {
		snprintf(name, sizeof(name), "mb%u", i);
		if (ensure_dir(&mail, name, &box) != 0 ||
		    ensure_dir(&box, "tmp", &MB.boxes[i].tmp) != 0 ||
		    ensure_dir(&box, "new", &MB.boxes[i].new) != 0 ||
		    ensure_dir(&box, "cur", &MB.boxes[i].cur) != 0)
			return -1;
	}
	MB.n = B.o.mailboxes;
	return 0;
}

void
maildirs_close(void)
{
	for (unsigned i = 0; i < MB.n; i++)
		box_forget(&MB.boxes[i]);
	free(MB.boxes);
	memset(&MB, 0, sizeof(MB));
}

void
box_forget(struct mailbox *b)
{
	for (size_t i = 0; i < b->nmsgs; i++)
		free(b->msgs[i].name);
	free(b->msgs);
	b->msgs = NULL;
	b->nmsgs = b->next = b->cap = 0;
}

int
box_add(struct mailbox *b, const char *name, const struct fh *f)
{
	if (b->nmsgs == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct message *m;

		if (cap > NB_MAX_ENTRIES)
			return -1;
		if ((m = realloc(b->msgs, cap * sizeof(*m))) == NULL)
			return -1;
		b->msgs = m;
		b->cap = cap;
	}
	if ((b->msgs[b->nmsgs].name = strdup(name)) == NULL)
		return -1;
	b->msgs[b->nmsgs].fh = *f;
	b->nmsgs++;
	return 0;
}

/* ------------------------------------------------- filling new/ */

static void
cb_fill_write(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;

	(void)rpc;
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		op_error(s, "fill WRITE", -1);
	else if (*(nfsstat3 *)data != NFS3_OK)
		op_error(s, "fill WRITE", (int)*(nfsstat3 *)data);
	else if (s->left > 0)
		msg_write(s, cb_fill_write, UNSTABLE);
	else
		op_done(s, true, 0);
}

static void
cb_fill_create(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	CREATE3res *res = data;

	(void)rpc;
	if (!reply_ok(s, status, data, "fill CREATE"))
		return;
	if (!res->CREATE3res_u.resok.obj.handle_follows) {
		op_error(s, "fill CREATE (no handle)", NB_ECHECK);
		return;
	}
	fh_set(&s->fh, &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
	s->off = 0;
	s->left = B.o.msg_size;
	msg_write(s, cb_fill_write, UNSTABLE);
}

/* WRITE the next piece of a message of s->left bytes at s->off. */
void
msg_write(struct slot *s, rpc_cb cb, stable_how how)
{
	uint32_t xfer = write_xfer(NB_SEQ_XFER);
	WRITE3args a;

	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &s->fh);
	a.offset = s->off;
	a.count = (count3)(s->left < xfer ? s->left : xfer);
	a.stable = how;
	a.data.data_len = a.count;
	a.data.data_val = B.wbuf;
	s->off += a.count;
	s->left -= a.count;
	s->count = a.count;
	if (rpc_nfs3_write_async(s->conn->rpc, cb, &a, s) != 0)
		op_error(s, "WRITE", -1);
}

/* Message k goes into new/ of mailbox k % n. */
static int
start_fill(struct slot *s)
{
	CREATE3args a;

	s->box = (unsigned)(s->seqno % MB.n);
	maildir_name(s->name, sizeof(s->name));
	memset(&a, 0, sizeof(a));
	fh_arg(&a.where.dir, &MB.boxes[s->box].new);
	a.where.name = s->name;
	a.how.mode = GUARDED;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0600;
	return rpc_nfs3_create_async(s->conn->rpc, cb_fill_create, &a, s) ==
	    0 ? START_SENT : START_FAIL;
}

static const struct job job_fill = { "pop-fill", start_fill, NULL };

/* Put n messages of --msg-size into the mailboxes' new/. */
int
maildirs_fill(uint64_t n)
{
	struct run_params p = { .ops = n, .cap = 1e9, .setup = true };
	struct run r;

	if (n == 0)
		return 0;
	if (run_job(&job_fill, &p, &r) != 0)
		return -1;
	if (r.errors > 0) {
		seterr("filling mailboxes: %llu errors (%s)",
		    (unsigned long long)r.errors,
		    r.first_error ? r.first_error : "?");
		return -1;
	}
	return 0;
}
