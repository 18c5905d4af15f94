/*
 * wl_mail.c - the Maildir workloads.
 *
 * deliver: one operation is one message delivered the Maildir way into
 * a random mailbox: CREATE (GUARDED) tmp/NAME, WRITE --msg-size (UNSTABLE
 * then COMMIT, or FILE_SYNC), then RENAME tmp/NAME new/NAME, or LINK
 * new/NAME and REMOVE tmp/NAME (--link).
 *
 * pop: one operation is one message fetched and removed, as a POP3
 * server does it: a mailbox is taken (one operation at a time in it,
 * like a POP3 lock); when its list is used up, READDIRPLUS of its new/
 * until EOF (inside the operation); READ the message, RENAME it into
 * cur/, REMOVE it.  The messages are put into new/ first, untimed:
 * enough for the warm-up (limited in operations) and -n.
 */
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"

#define POP_WARMUP_MAX	50000u
#define POP_WARMUP_PER_SLOT 4u

/* ------------------------------------------------------------ deliver */

static void	 dlv_finish(struct slot *);

static void
cb_dlv_done(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;

	(void)rpc;
	if (reply_ok(s, status, data, s->step == 1 ? "REMOVE" : "RENAME"))
		op_done(s, true, B.o.msg_size);
}

static void
cb_dlv_link(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	struct mailbox *b = &MB.boxes[s->box];
	REMOVE3args a;

	(void)rpc;
	if (!reply_ok(s, status, data, "LINK"))
		return;
	s->step = 1;
	fh_arg(&a.object.dir, &b->tmp);
	a.object.name = s->name;
	if (rpc_nfs3_remove_async(s->conn->rpc, cb_dlv_done, &a, s) != 0)
		op_error(s, "REMOVE", -1);
}

/* The message is durable: make it visible in new/. */
static void
dlv_finish(struct slot *s)
{
	struct mailbox *b = &MB.boxes[s->box];
	int rc;

	if (B.o.link) {
		LINK3args a;

		fh_arg(&a.file, &s->fh);
		fh_arg(&a.link.dir, &b->new);
		a.link.name = s->name;
		rc = rpc_nfs3_link_async(s->conn->rpc, cb_dlv_link, &a, s);
	} else {
		RENAME3args a;

		fh_arg(&a.from.dir, &b->tmp);
		a.from.name = s->name;
		fh_arg(&a.to.dir, &b->new);
		a.to.name = s->name;
		rc = rpc_nfs3_rename_async(s->conn->rpc, cb_dlv_done, &a, s);
	}
	if (rc != 0)
		op_error(s, B.o.link ? "LINK" : "RENAME", -1);
}

static void
cb_dlv_commit(struct rpc_context *rpc, int status, void *data, void *pd)
{
	(void)rpc;
	if (reply_ok(pd, status, data, "COMMIT"))
		dlv_finish(pd);
}

static void
cb_dlv_write(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	WRITE3res *res = data;
	COMMIT3args a;

	(void)rpc;
	if (!reply_ok(s, status, data, "WRITE"))
		return;
	if (res->WRITE3res_u.resok.count != s->count) {
		op_error(s, "short WRITE", NB_ECHECK);
		return;
	}
	if (B.o.sync == SYNC_FILESYNC &&
	    res->WRITE3res_u.resok.committed != FILE_SYNC) {
		op_error(s, "FILE_SYNC WRITE answered as not stable", NB_ECHECK);
		return;
	}
	if (s->left > 0) {
		msg_write(s, cb_dlv_write,
		    B.o.sync == SYNC_FILESYNC ? FILE_SYNC : UNSTABLE);
		return;
	}
	if (B.o.sync == SYNC_FILESYNC) {
		dlv_finish(s);
		return;
	}
	memset(&a, 0, sizeof(a));
	fh_arg(&a.file, &s->fh);
	if (rpc_nfs3_commit_async(s->conn->rpc, cb_dlv_commit, &a, s) != 0)
		op_error(s, "COMMIT", -1);
}

static void
cb_dlv_create(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	CREATE3res *res = data;

	(void)rpc;
	if (!reply_ok(s, status, data, "CREATE"))
		return;
	if (!res->CREATE3res_u.resok.obj.handle_follows) {
		op_error(s, "CREATE (no handle)", NB_ECHECK);
		return;
	}
	fh_set(&s->fh, &res->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
	s->off = 0;
	s->left = B.o.msg_size;
	msg_write(s, cb_dlv_write,
	    B.o.sync == SYNC_FILESYNC ? FILE_SYNC : UNSTABLE);
}

static int
start_deliver(struct slot *s)
{
	CREATE3args a;

	s->box = (unsigned)rnd_below(MB.n);
	maildir_name(s->name, sizeof(s->name));
	memset(&a, 0, sizeof(a));
	fh_arg(&a.where.dir, &MB.boxes[s->box].tmp);
	a.where.name = s->name;
	a.how.mode = GUARDED;
	a.how.createhow3_u.obj_attributes.mode.set_it = 1;
	a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = 0600;
	return rpc_nfs3_create_async(s->conn->rpc, cb_dlv_create, &a, s) ==
	    0 ? START_SENT : START_FAIL;
}

static const struct job job_deliver = { "deliver", start_deliver, NULL };
const struct workload wl_deliver = {
	.name = "deliver",
	.help = "Maildir delivery: CREATE tmp/, WRITE, COMMIT or FILE_SYNC, "
	    "RENAME (or LINK + REMOVE) into new/",
	.prepare = maildirs_open,
	.job = &job_deliver,
};

/* ------------------------------------------------------------ pop */

static bool	 pop_list(struct slot *);
static bool	 pop_read(struct slot *);

/* A mailbox nobody is in that may have mail; -1 if none now. */
/* -j: each worker process has its own mailboxes (i % jobs). */
static bool
box_mine(unsigned i)
{
	return i % B.o.jobs == B.job_id;
}

static int
box_take(void)
{
	for (unsigned k = 0; k < MB.n; k++) {
		unsigned i = (MB.rr + k) % MB.n;
		struct mailbox *b = &MB.boxes[i];

		if (box_mine(i) && !b->busy && !b->empty) {
			b->busy = true;
			MB.rr = i + 1;
			return (int)i;
		}
	}
	return -1;
}

static bool
boxes_all_empty(void)
{
	for (unsigned i = 0; i < MB.n; i++)
		if (box_mine(i) && !MB.boxes[i].empty)
			return false;
	return true;
}

/* The operation failed: leave the mailbox (skipping the message). */
static void
pop_fail(struct slot *s, const char *what, int status)
{
	struct mailbox *b = &MB.boxes[s->box];

	if (b->next < b->nmsgs)
		b->next++;
	b->busy = false;
	op_error(s, what, status);
}

static bool
pop_ok(struct slot *s, int status, void *data, const char *what)
{
	int st = reply_status(status, data);

	if (st != NFS3_OK) {
		pop_fail(s, what, st);
		return false;
	}
	return true;
}

static void
cb_pop_remove(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	struct mailbox *b = &MB.boxes[s->box];

	(void)rpc;
	if (!pop_ok(s, status, data, "REMOVE"))
		return;
	b->next++;
	b->busy = false;
	op_done(s, true, s->count);
}

static void
cb_pop_rename(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	struct mailbox *b = &MB.boxes[s->box];
	REMOVE3args a;

	(void)rpc;
	if (!pop_ok(s, status, data, "RENAME"))
		return;
	fh_arg(&a.object.dir, &b->cur);
	a.object.name = b->msgs[b->next].name;
	if (rpc_nfs3_remove_async(s->conn->rpc, cb_pop_remove, &a, s) != 0)
		pop_fail(s, "REMOVE", -1);
}

static void
pop_rename(struct slot *s)
{
	struct mailbox *b = &MB.boxes[s->box];
	RENAME3args a;

	fh_arg(&a.from.dir, &b->new);
	a.from.name = b->msgs[b->next].name;
	fh_arg(&a.to.dir, &b->cur);
	a.to.name = b->msgs[b->next].name;
	if (rpc_nfs3_rename_async(s->conn->rpc, cb_pop_rename, &a, s) != 0)
		pop_fail(s, "RENAME", -1);
}

static void
cb_pop_read(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	READ3res *res = data;

	(void)rpc;
	if (!pop_ok(s, status, data, "READ"))
		return;
	s->count += res->READ3res_u.resok.count;
	s->off += res->READ3res_u.resok.count;
	if (res->READ3res_u.resok.eof || res->READ3res_u.resok.count == 0)
		pop_rename(s);
	else if (!pop_read(s))
		pop_fail(s, "READ", -1);
}

/* Send the next READ of the message; false if it could not be sent. */
static bool
pop_read(struct slot *s)
{
	struct mailbox *b = &MB.boxes[s->box];
	READ3args a;

	fh_arg(&a.file, &b->msgs[b->next].fh);
	a.offset = s->off;
	a.count = read_xfer(NB_SEQ_XFER);
	return rpc_nfs3_read_async(s->conn->rpc, cb_pop_read, &a, s) == 0;
}

/* new/ listed empty: try the next mailbox within the same operation. */
static void
pop_next_box(struct slot *s)
{
	int i;

	MB.boxes[s->box].empty = true;
	MB.boxes[s->box].busy = false;
	if ((i = box_take()) < 0) {
		if (boxes_all_empty())
			op_error(s, "no message left in any mailbox",
			    NB_ECHECK);
		else
			op_park(s);	/* the others are busy: wait */
		return;
	}
	s->box = (unsigned)i;
	s->step = 0;
	if (!pop_list(s))
		pop_fail(s, "READDIRPLUS", -1);
}

/* A parked pop operation: try for a mailbox again. */
static void
resume_pop(struct slot *s)
{
	int i;

	if ((i = box_take()) < 0) {
		if (boxes_all_empty())
			op_error(s, "no message left in any mailbox",
			    NB_ECHECK);
		else
			op_park(s);
		return;
	}
	s->box = (unsigned)i;
	s->step = 0;
	if (!pop_list(s))
		pop_fail(s, "READDIRPLUS", -1);
}

static void
cb_pop_list(struct rpc_context *rpc, int status, void *data, void *pd)
{
	struct slot *s = pd;
	struct mailbox *b = &MB.boxes[s->box];
	READDIRPLUS3res *res = data;
	const entryplus3 *e;
	entryplus3 ent;

	(void)rpc;
	if (!pop_ok(s, status, data, "READDIRPLUS"))
		return;
	memcpy(s->cookieverf, res->READDIRPLUS3res_u.resok.cookieverf,
	    sizeof(s->cookieverf));
	for (e = entry_get(res->READDIRPLUS3res_u.resok.reply.entries, &ent);
	    e != NULL; e = entry_get(ent.nextentry, &ent)) {
		struct fh f;

		s->cookie = e->cookie;
		if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
			continue;
		if (!e->name_handle.handle_follows) {
			pop_fail(s, "READDIRPLUS entry without a handle", NB_ECHECK);
			return;
		}
		fh_set(&f, &e->name_handle.post_op_fh3_u.handle);
		if (box_add(b, e->name, &f) != 0) {
			pop_fail(s, "listing too large", NB_ECHECK);
			return;
		}
	}
	if (!res->READDIRPLUS3res_u.resok.reply.eof) {
		if (!pop_list(s))
			pop_fail(s, "READDIRPLUS", -1);
	} else if (b->nmsgs == 0) {
		pop_next_box(s);
	} else if (!pop_read(s)) {
		pop_fail(s, "READ", -1);
	}
}

/* Send the next READDIRPLUS of new/ (from the start at step 0). */
static bool
pop_list(struct slot *s)
{
	struct mailbox *b = &MB.boxes[s->box];
	READDIRPLUS3args a;

	if (s->step == 0) {
		box_forget(b);
		s->cookie = 0;
		memset(s->cookieverf, 0, sizeof(s->cookieverf));
		s->step = 1;
	}
	memset(&a, 0, sizeof(a));
	fh_arg(&a.dir, &b->new);
	a.cookie = s->cookie;
	memcpy(a.cookieverf, s->cookieverf, sizeof(a.cookieverf));
	a.dircount = NB_DIR_DIRCOUNT;
	a.maxcount = NB_DIR_MAXCOUNT;
	return rpc_nfs3_readdirplus_async(s->conn->rpc, cb_pop_list, &a, s) ==
	    0;
}

static int
start_pop(struct slot *s)
{
	struct mailbox *b;
	int i;

	if ((i = box_take()) < 0)
		return boxes_all_empty() ? START_FAIL : START_WAIT;
	s->box = (unsigned)i;
	s->off = 0;
	s->count = 0;
	b = &MB.boxes[i];
	if (b->next < b->nmsgs ? pop_read(s) : pop_list(s))
		return START_SENT;
	b->busy = false;
	return START_FAIL;
}

static int
prepare_pop(void)
{
	uint64_t slots = (uint64_t)B.o.conns * B.o.depth, warm = 0, pool;

	if (B.o.mailboxes < B.o.jobs) {
		seterr("pop: fewer --mailboxes (%u) than --jobs (%u)",
		    B.o.mailboxes, B.o.jobs);
		return -1;
	}
	if (maildirs_open() != 0)
		return -1;
	for (unsigned i = 0; i < MB.n; i++) {
		box_forget(&MB.boxes[i]);
		MB.boxes[i].busy = MB.boxes[i].empty = false;
	}
	if (B.o.warmup > 0) {
		warm = B.o.ops / 10;
		if (warm < slots * POP_WARMUP_PER_SLOT)
			warm = slots * POP_WARMUP_PER_SLOT;
		if (warm > POP_WARMUP_MAX)
			warm = POP_WARMUP_MAX;
	}
	B.warmup_ops = warm;
	/* Every operation finds a message, even with uneven mailboxes. */
	pool = B.o.ops + warm + slots + MB.n;
	return maildirs_fill(pool);
}

static void
cleanup_pop(void)
{
	for (unsigned i = 0; i < MB.n; i++)
		box_forget(&MB.boxes[i]);
}

static const struct job job_pop = { "pop", start_pop, resume_pop };
const struct workload wl_pop = {
	.name = "pop",
	.help = "per message: READDIRPLUS new/ (when needed), READ, RENAME "
	    "into cur/, REMOVE",
	.prepare = prepare_pop,
	.job = &job_pop,
	.cleanup = cleanup_pop,
};
