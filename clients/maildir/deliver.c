/*
 * deliver.c - Maildir delivery, streaming (begin / write / commit or
 * abort, for SMTP DATA) or in one call: a unique name created
 * exclusively in tmp/, the message written through a bounded staging
 * buffer (each full buffer goes out durably), the file made durable,
 * then renamed into new/ as <name>,S=<size>,W=<crlf size>; only then
 * is it delivered.  The name carries ,W=<size> too: the size with CRLF line
 * ends and the last line ended (as POP3 sends it), counted on the way
 * through.  Any failure removes the tmp file (where possible) and
 * leaves nothing in new/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define CREATE_TRIES	8	/* fresh names after EXIST */

struct maildir_delivery {
	struct maildir	*md;
	struct md_file	 f;
	bool		 open;
	int		 status;	/* sticky: the first failure */
	uint64_t	 off;		/* bytes written out */
	uint64_t	 vsize;		/* CRLF size of what came so far */
	bool		 after_cr;	/* the last byte was a CR */
	bool		 line_start;	/* it was a LF, or none came yet */
	size_t		 nbuf;
	char		 name[MAILDIR_NAME_MAX + 1];	/* in tmp/ */
	char		 buf[MD_IO_CHUNK];
};

static void
reset_err(struct maildir *md)
{
	md->err.status = MAILDIR_OK;
	md->err.msg[0] = '\0';
}

struct maildir_delivery *
maildir_deliver_begin(struct maildir *md)
{
	struct maildir_store *s = md->store;
	struct maildir_delivery *d;
	int i, r = MAILDIR_EEXIST;

	reset_err(md);
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		md_seterr(&md->err, MAILDIR_ETEMP, "out of memory");
		return NULL;
	}
	d->md = md;
	d->line_start = true;
	for (i = 0; i < CREATE_TRIES && r == MAILDIR_EEXIST; i++) {
		if (maildir_uniq(d->name, sizeof(d->name)) != MAILDIR_OK) {
			r = md_seterr(&md->err, MAILDIR_ETOOBIG,
			    "unique name too long");
			break;
		}
		r = s->ops->create(s, &md->cred, md->tmp, d->name, &d->f,
		    &md->err);
	}
	if (r != MAILDIR_OK) {
		free(d);
		return NULL;
	}
	d->open = true;
	return d;
}

static int
flush(struct maildir_delivery *d)
{
	struct maildir *md = d->md;
	int r;

	if (d->nbuf == 0)
		return MAILDIR_OK;
	r = md->store->ops->write(md->store, &md->cred, &d->f, d->off, d->buf,
	    d->nbuf, &md->err);
	if (r != MAILDIR_OK)
		return r;
	d->off += d->nbuf;
	d->nbuf = 0;
	return MAILDIR_OK;
}

/* Count buf into the CRLF size: a bare LF goes out as CRLF. */
static void
count_vsize(struct maildir_delivery *d, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			d->vsize += d->after_cr ? 1 : 2;
		else
			d->vsize++;
		d->after_cr = p[i] == '\r';
	}
	if (len > 0)
		d->line_start = p[len - 1] == '\n';
}

/* The CRLF size once the last line, if unended, gets its line end. */
static uint64_t
final_vsize(const struct maildir_delivery *d)
{
	if (d->line_start)
		return d->vsize;
	return d->vsize + (d->after_cr ? 1 : 2);
}

int
maildir_deliver_write(struct maildir_delivery *d, const void *buf,
    size_t len)
{
	const char *p = buf;
	size_t n;

	if (d->status != MAILDIR_OK)
		return d->status;
	reset_err(d->md);
	if (len > MAILDIR_MSG_MAX - d->off - d->nbuf)
		return d->status = md_seterr(&d->md->err, MAILDIR_ETOOBIG,
		    "message over %llu bytes",
		    (unsigned long long)MAILDIR_MSG_MAX);
	count_vsize(d, buf, len);
	while (len > 0) {
		n = sizeof(d->buf) - d->nbuf;
		if (n > len)
			n = len;
		memcpy(d->buf + d->nbuf, p, n);
		d->nbuf += n;
		p += n;
		len -= n;
		if (d->nbuf == sizeof(d->buf) &&
		    (d->status = flush(d)) != MAILDIR_OK)
			return d->status;
	}
	return MAILDIR_OK;
}

/* Close and remove the tmp file, free d; md->err keeps the cause. */
static void
discard(struct maildir_delivery **dp)
{
	struct maildir_delivery *d = *dp;
	struct maildir *md;
	struct md_err ignored;

	if (d == NULL)
		return;
	md = d->md;
	if (d->open) {
		md->store->ops->fclose(md->store, &d->f);
		(void)md->store->ops->remove(md->store, &md->cred, md->tmp,
		    d->name, &ignored);
	}
	free(d);
	*dp = NULL;
}

void
maildir_deliver_abort(struct maildir_delivery **dp)
{
	discard(dp);
}

/*
 * A RENAME retried after a server restart finds its source gone: the
 * first try did it.  The name is unique, so new/<final> is ours.
 */
static int
check_moved(struct maildir_delivery *d, const char *final)
{
	struct maildir *md = d->md;
	char path[MAILDIR_PATH_MAX];
	struct md_attr a;
	struct md_err e;

	if (md_join(path, sizeof(path), md->new, final, &e) != MAILDIR_OK ||
	    md->store->ops->stat(md->store, &md->cred, path, &a, &e) !=
	    MAILDIR_OK)
		return MAILDIR_ENOENT;
	if (d->f.fileid != 0 && a.fileid != d->f.fileid)
		return MAILDIR_ENOENT;
	return MAILDIR_OK;
}

static int
move_new(struct maildir_delivery *d, const char *final)
{
	struct maildir *md = d->md;
	struct maildir_store *s = md->store;
	struct md_err ignored;
	int r;

	r = s->ops->rename(s, &md->cred, md->tmp, d->name, md->new, final,
	    &md->err);
	if (r == MAILDIR_ENOENT && check_moved(d, final) == MAILDIR_OK)
		r = MAILDIR_OK;
	if (r != MAILDIR_OK)
		return r;
	d->open = false;	/* the tmp name is gone */
	if ((r = s->ops->syncdir(s, &md->cred, md->new, &md->err)) !=
	    MAILDIR_OK) {
		/* Not known to be durable: not delivered. */
		(void)s->ops->remove(s, &md->cred, md->new, final, &ignored);
		return r;
	}
	return MAILDIR_OK;
}

int
maildir_deliver_commit(struct maildir_delivery **dp, char *name,
    size_t namelen)
{
	struct maildir_delivery *d = *dp;
	struct maildir *md = d->md;
	struct maildir_store *s = md->store;
	char final[MAILDIR_NAME_MAX + 1];
	int r, n;

	if ((r = d->status) != MAILDIR_OK)
		goto fail;
	reset_err(md);
	if ((r = flush(d)) != MAILDIR_OK ||
	    (r = s->ops->sync(s, &md->cred, &d->f, &md->err)) != MAILDIR_OK)
		goto fail;
	n = snprintf(final, sizeof(final), "%s,S=%llu,W=%llu", d->name,
	    (unsigned long long)d->off, (unsigned long long)final_vsize(d));
	if (n < 0 || (size_t)n >= sizeof(final)) {
		r = md_seterr(&md->err, MAILDIR_ETOOBIG, "name too long: %s",
		    d->name);
		goto fail;
	}
	s->ops->fclose(s, &d->f);
	if ((r = move_new(d, final)) != MAILDIR_OK)
		goto fail;
	if (name != NULL && namelen > 0)
		(void)snprintf(name, namelen, "%s", final);
	discard(dp);
	return MAILDIR_OK;
fail:
	discard(dp);
	return r;
}

int
maildir_deliver(struct maildir *md, const void *buf, size_t len, char *name,
    size_t namelen)
{
	struct maildir_delivery *d;
	int r;

	if ((d = maildir_deliver_begin(md)) == NULL)
		return md->err.status;
	if ((r = maildir_deliver_write(d, buf, len)) != MAILDIR_OK) {
		maildir_deliver_abort(&d);
		return r;
	}
	return maildir_deliver_commit(&d, name, namelen);
}
