/*
 * list.c - listing a Maildir: the messages of new/ and cur/ with their
 * sizes (from ,S= or, failing that, a stat of each) and flags, oldest
 * first; and finding a message again by its unique part after another
 * session moved or flagged it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define LIST_INITIAL	64

struct collect {
	struct maildir		*md;
	struct maildir_list	*list;
	size_t			 cap;
	size_t			 max;
	enum maildir_sub	 sub;
	bool			*nosize;	/* sizes still to stat */
};

static int
grow(struct collect *c)
{
	struct maildir_msg *m;
	bool *ns;
	size_t cap;

	cap = c->cap == 0 ? LIST_INITIAL : c->cap * 2;
	if (cap > c->max)
		cap = c->max;
	if ((m = reallocarray(c->list->msgs, cap, sizeof(*m))) == NULL)
		return md_seterr(&c->md->err, MAILDIR_ETEMP, "out of memory");
	c->list->msgs = m;
	if ((ns = reallocarray(c->nosize, cap, sizeof(*ns))) == NULL)
		return md_seterr(&c->md->err, MAILDIR_ETEMP, "out of memory");
	c->nosize = ns;
	c->cap = cap;
	return MAILDIR_OK;
}

static int
on_entry(const char *name, const struct md_attr *a, void *arg)
{
	struct collect *c = arg;
	struct maildir_msg *m;
	int r;

	if (name[0] == '.' || !md_name_ok(name))
		return 0;
	if (c->list->n == c->max)
		return md_seterr(&c->md->err, MAILDIR_ETOOBIG,
		    "%s: more than %zu messages", c->md->home, c->max);
	if (c->list->n == c->cap && (r = grow(c)) != MAILDIR_OK)
		return r;
	m = &c->list->msgs[c->list->n];
	memset(m, 0, sizeof(*m));
	if ((m->name = strdup(name)) == NULL)
		return md_seterr(&c->md->err, MAILDIR_ETEMP, "out of memory");
	m->sub = c->sub;
	if (c->sub == MAILDIR_CUR &&
	    maildir_flags_parse(name, &m->flags) != MAILDIR_OK)
		m->flags = 0;
	c->nosize[c->list->n] = false;
	m->vsized = maildir_name_vsize(name, &m->vsize);
	if (!maildir_name_size(name, &m->size)) {
		if (a != NULL)
			m->size = a->size;
		else
			c->nosize[c->list->n] = true;
	}
	if (a != NULL)
		m->mtime = a->mtime;
	c->list->n++;
	return 0;
}

/* Sizes not in the name nor sent with the listing. */
static int
stat_sizes(struct collect *c)
{
	struct maildir *md = c->md;
	char path[MAILDIR_PATH_MAX];
	struct maildir_msg *m;
	struct md_attr a;
	size_t i;
	int r;

	for (i = 0; i < c->list->n; i++) {
		if (!c->nosize[i])
			continue;
		m = &c->list->msgs[i];
		if ((r = md_join(path, sizeof(path), md_subdir(md, m->sub),
		    m->name, &md->err)) != MAILDIR_OK)
			return r;
		r = md->store->ops->stat(md->store, &md->cred, path, &a,
		    &md->err);
		if (r == MAILDIR_ENOENT)
			continue;	/* moved meanwhile: size stays 0 */
		if (r != MAILDIR_OK)
			return r;
		m->size = a.size;
		m->mtime = a.mtime;
	}
	return MAILDIR_OK;
}

/* Delivery time first (the leading seconds), then the whole name. */
static int
cmp_msg(const void *va, const void *vb)
{
	const struct maildir_msg *a = va, *b = vb;
	unsigned long long ta, tb;

	ta = strtoull(a->name, NULL, 10);
	tb = strtoull(b->name, NULL, 10);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(a->name, b->name);
}

int
maildir_list(struct maildir *md, struct maildir_list *list, size_t max)
{
	struct maildir_store *s = md->store;
	struct collect c;
	int r;

	md->err.status = MAILDIR_OK;
	md->err.msg[0] = '\0';
	list->msgs = NULL;
	list->n = 0;
	memset(&c, 0, sizeof(c));
	c.md = md;
	c.list = list;
	c.max = max == 0 || max > MAILDIR_LIST_MAX ? MAILDIR_LIST_MAX : max;
	c.sub = MAILDIR_NEW;
	/* Names only: sizes are in them (,S=), stat_sizes asks for the rest. */
	r = s->ops->names(s, &md->cred, md->new, on_entry, &c, &md->err);
	if (r == MAILDIR_OK) {
		c.sub = MAILDIR_CUR;
		r = s->ops->names(s, &md->cred, md->cur, on_entry, &c,
		    &md->err);
	}
	if (r == MAILDIR_OK)
		r = stat_sizes(&c);
	free(c.nosize);
	if (r != MAILDIR_OK) {
		maildir_list_free(list);
		return r;
	}
	if (list->n > 0)
		qsort(list->msgs, list->n, sizeof(list->msgs[0]), cmp_msg);
	return MAILDIR_OK;
}

void
maildir_list_free(struct maildir_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->msgs[i].name);
	free(list->msgs);
	list->msgs = NULL;
	list->n = 0;
}

struct find {
	const char	*uniq;
	char		*found;
	size_t		 foundlen;
	bool		 hit;
};

static int
on_find(const char *name, const struct md_attr *a, void *arg)
{
	struct find *f = arg;
	size_t n;

	(void)a;
	n = strcspn(name, ":");
	if (n != strlen(f->uniq) || strncmp(name, f->uniq, n) != 0)
		return 0;
	if (strlen(name) >= f->foundlen)
		return 0;
	memcpy(f->found, name, strlen(name) + 1);
	f->hit = true;
	return MAILDIR_EEXIST;	/* any non-zero: stop */
}

int
md_find(struct maildir *md, const char *name, enum maildir_sub *sub,
    char *found, size_t foundlen)
{
	static const enum maildir_sub order[] = { MAILDIR_CUR, MAILDIR_NEW };
	char uniq[MAILDIR_NAME_MAX + 1];
	struct find f;
	struct md_err e;
	size_t i;
	int r;

	if (md_uniq_of(name, uniq, sizeof(uniq)) != MAILDIR_OK)
		return md_seterr(&md->err, MAILDIR_EINVAL, "bad name %s", name);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.uniq = uniq;
		f.found = found;
		f.foundlen = foundlen;
		e.status = MAILDIR_OK;
		e.msg[0] = '\0';
		r = md->store->ops->names(md->store, &md->cred,
		    md_subdir(md, order[i]), on_find, &f, &e);
		if (f.hit) {
			*sub = order[i];
			return MAILDIR_OK;
		}
		if (r != MAILDIR_OK) {
			md->err = e;
			return r;
		}
	}
	return md_seterr(&md->err, MAILDIR_ENOENT, "%s: no message %s",
	    md->home, uniq);
}
