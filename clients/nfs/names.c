/*
 * names.c - the paths of the last few files named through the client
 * (created or looked up), so that an error on a file handle can name
 * the file.  A ring of NFSC_NAMES entries; for error messages only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfsc_int.h"

void
nfsc_names_note(struct nfsc_names *nm, const struct nfsc_fh *fh,
    const char *dir, const char *name)
{
	size_t dlen, nlen, i = nm->next;
	char *p;

	if (fh->len > NFSC_FHSIZE)
		return;
	dlen = dir != NULL ? strnlen(dir, NFSC_PATHLEN + 1) : 0;
	nlen = strnlen(name, NFSC_NAMELEN + 1);
	if (dlen > NFSC_PATHLEN || nlen > NFSC_NAMELEN)
		return;
	if ((p = malloc(dlen + nlen + 2)) == NULL)
		return;
	if (dlen > 0)
		snprintf(p, dlen + nlen + 2, "%s/%s", dir, name);
	else
		snprintf(p, nlen + 1, "%s", name);
	free(nm->path[i]);
	nm->path[i] = p;
	nm->fh[i] = *fh;
	nm->next = (i + 1) % NFSC_NAMES;
}

const char *
nfsc_names_find(const struct nfsc_names *nm, const struct nfsc_fh *fh)
{
	size_t i;

	for (i = 0; i < NFSC_NAMES; i++)
		if (nm->path[i] != NULL && nm->fh[i].len == fh->len &&
		    memcmp(nm->fh[i].data, fh->data, fh->len) == 0)
			return nm->path[i];
	return NULL;
}

void
nfsc_names_free(struct nfsc_names *nm)
{
	size_t i;

	for (i = 0; i < NFSC_NAMES; i++) {
		free(nm->path[i]);
		nm->path[i] = NULL;
	}
}
