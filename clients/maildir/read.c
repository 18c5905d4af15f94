/*
 * read.c - reading a message in bounded pieces through a callback,
 * whole (POP3 RETR) or its header plus N body lines (POP3 TOP, the
 * maildir_topf filter), without ever holding all of it in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

void
maildir_topf_init(struct maildir_topf *t, unsigned long lines)
{
	memset(t, 0, sizeof(*t));
	t->body_lines = lines;
	t->line_start = true;
	t->line_blank = true;
}

size_t
maildir_topf_feed(struct maildir_topf *t, const char *buf, size_t len)
{
	size_t i;

	if (t->done)
		return 0;
	for (i = 0; i < len; i++) {
		if (t->line_start) {
			t->line_blank = true;
			t->line_start = false;
		}
		if (buf[i] != '\n') {
			if (buf[i] != '\r')
				t->line_blank = false;
			continue;
		}
		t->line_start = true;
		if (!t->in_body) {
			if (!t->line_blank)
				continue;
			t->in_body = true;	/* the empty line */
		} else
			t->body_lines--;
		if (t->body_lines == 0) {
			t->done = true;
			return i + 1;
		}
	}
	return len;
}

/* Open msg where it is, or where its unique part has gone meanwhile. */
static int
open_msg(struct maildir *md, const struct maildir_msg *msg,
    struct md_file *f)
{
	struct maildir_store *s = md->store;
	char path[MAILDIR_PATH_MAX], name[MAILDIR_NAME_MAX + 1];
	enum maildir_sub sub;
	int r;

	md->err.status = MAILDIR_OK;
	md->err.msg[0] = '\0';
	if (!md_name_ok(msg->name))
		return md_seterr(&md->err, MAILDIR_EINVAL, "bad name %s",
		    msg->name);
	if ((r = md_join(path, sizeof(path), md_subdir(md, msg->sub),
	    msg->name, &md->err)) != MAILDIR_OK)
		return r;
	r = s->ops->open(s, &md->cred, path, f, &md->err);
	if (r != MAILDIR_ENOENT)
		return r;
	if ((r = md_find(md, msg->name, &sub, name, sizeof(name))) !=
	    MAILDIR_OK ||
	    (r = md_join(path, sizeof(path), md_subdir(md, sub), name,
	    &md->err)) != MAILDIR_OK)
		return r;
	return s->ops->open(s, &md->cred, path, f, &md->err);
}

/* Pass the message to cb, through t when it is not NULL. */
static int
pass(struct maildir *md, const struct maildir_msg *msg,
    struct maildir_topf *t, maildir_read_cb cb, void *arg)
{
	struct maildir_store *s = md->store;
	struct md_file f;
	uint64_t off = 0;
	size_t n, k;
	char *buf;
	int r;

	if ((buf = malloc(MD_IO_CHUNK)) == NULL)
		return md_seterr(&md->err, MAILDIR_ETEMP, "out of memory");
	if ((r = open_msg(md, msg, &f)) != MAILDIR_OK) {
		free(buf);
		return r;
	}
	for (;;) {
		if (off >= MAILDIR_MSG_MAX) {
			r = md_seterr(&md->err, MAILDIR_ETOOBIG,
			    "%s: message over the size limit", msg->name);
			break;
		}
		r = s->ops->read(s, &md->cred, &f, off, buf, MD_IO_CHUNK, &n,
		    &md->err);
		if (r != MAILDIR_OK || n == 0)
			break;
		off += n;
		k = t == NULL ? n : maildir_topf_feed(t, buf, n);
		if (k > 0 && (r = cb(buf, k, arg)) != 0)
			break;
		if (t != NULL && t->done)
			break;
	}
	s->ops->fclose(s, &f);
	free(buf);
	return r;
}

int
maildir_read(struct maildir *md, const struct maildir_msg *msg,
    maildir_read_cb cb, void *arg)
{
	return pass(md, msg, NULL, cb, arg);
}

int
maildir_top(struct maildir *md, const struct maildir_msg *msg,
    unsigned long lines, maildir_read_cb cb, void *arg)
{
	struct maildir_topf t;

	maildir_topf_init(&t, lines);
	return pass(md, msg, &t, cb, arg);
}
