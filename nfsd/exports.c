/*
 * exports.c - the live exports table.  Requests hold a reference to
 * the generation they started with; SIGHUP parses the file again and
 * swaps in the new table only if the whole file is valid.
 */
#include <stdlib.h>

#include "vfs.h"

#include "log.h"
#include "nfsd.h"

static struct exports_ref *
exports_parse(const char *file)
{
	struct exports_ref *ref;
	char err[512];

	if ((ref = calloc(1, sizeof(*ref))) == NULL) {
		log_warn("exports");
		return NULL;
	}
	if (export_parse_file(file, &ref->table, err, sizeof(err)) == -1) {
		log_error("%s", err);
		free(ref);
		return NULL;
	}
	if (vfs_exports_open(ref->table, &ref->ve) == -1) {
		log_warn("%s: opening the exported directories", file);
		export_table_free(&ref->table);
		free(ref);
		return NULL;
	}
	atomic_init(&ref->refs, 1);
	return ref;
}

int
nfsd_exports_load(struct nfsd *d)
{
	pthread_mutex_init(&d->exports_lock, NULL);
	if ((d->exports = exports_parse(d->exports_file)) == NULL)
		return -1;
	log_info("%s: %zu exports", d->exports_file,
	    d->exports->table->nexports);
	return 0;
}

int
nfsd_exports_reload(struct nfsd *d)
{
	struct exports_ref *ref, *old;

	if ((ref = exports_parse(d->exports_file)) == NULL) {
		log_warnx("%s: keeping the exports in use", d->exports_file);
		return -1;
	}
	pthread_mutex_lock(&d->exports_lock);
	old = d->exports;
	d->exports = ref;
	pthread_mutex_unlock(&d->exports_lock);
	nfsd_exports_drop(old);
	log_info("%s: reloaded, %zu exports", d->exports_file,
	    ref->table->nexports);
	return 0;
}

struct exports_ref *
nfsd_exports_hold(struct nfsd *d)
{
	struct exports_ref *ref;

	pthread_mutex_lock(&d->exports_lock);
	ref = d->exports;
	atomic_fetch_add(&ref->refs, 1);
	pthread_mutex_unlock(&d->exports_lock);
	return ref;
}

void
nfsd_exports_drop(struct exports_ref *ref)
{
	if (ref == NULL || atomic_fetch_sub(&ref->refs, 1) != 1)
		return;
	vfs_exports_close(ref->ve, ref->table->nexports);
	export_table_free(&ref->table);
	free(ref);
}

void
nfsd_exports_free(struct nfsd *d)
{
	nfsd_exports_drop(d->exports);
	d->exports = NULL;
	pthread_mutex_destroy(&d->exports_lock);
}
