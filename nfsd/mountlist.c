/*
 * mountlist.c - the MOUNT protocol's list of mounts.  Each change is
 * written to "rmtab" in the state directory (one "host path" line per
 * mount) through a temporary file, fsync and rename, so a crash leaves
 * either the old list or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mountlist.h"

struct mount_entry {
	char	host[MOUNTLIST_HOST_MAX];
	char	path[MOUNTLIST_PATH_MAX + 1];
};

struct mountlist {
	pthread_mutex_t		 lock;
	int			 dirfd;
	struct mount_entry	*entries;
	size_t			 n;
};

static int
entry_set(struct mount_entry *e, const char *host, const char *path)
{
	if (strlen(host) >= sizeof(e->host) ||
	    strlen(path) >= sizeof(e->path))
		return -1;
	memcpy(e->host, host, strlen(host) + 1);
	memcpy(e->path, path, strlen(path) + 1);
	return 0;
}

/* Read "host path" lines; a line that does not parse is skipped. */
static void
mountlist_load(struct mountlist *ml)
{
	char line[MOUNTLIST_HOST_MAX + MOUNTLIST_PATH_MAX + 8], *sp, *nl;
	FILE *f;
	int fd;

	fd = openat(ml->dirfd, MOUNTLIST_FILE, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno != ENOENT)
			log_warn("%s", MOUNTLIST_FILE);
		return;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while (ml->n < MOUNTLIST_MAX && fgets(line, sizeof(line), f)) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		if (entry_set(&ml->entries[ml->n], line, sp + 1) == 0)
			ml->n++;
	}
	fclose(f);
}

struct mountlist *
mountlist_open(const char *dir)
{
	struct mountlist *ml;

	if ((ml = calloc(1, sizeof(*ml))) == NULL)
		return NULL;
	ml->entries = calloc(MOUNTLIST_MAX, sizeof(*ml->entries));
	ml->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ml->entries == NULL || ml->dirfd == -1) {
		log_warn("mount list in %s", dir);
		if (ml->dirfd != -1)
			close(ml->dirfd);
		free(ml->entries);
		free(ml);
		return NULL;
	}
	pthread_mutex_init(&ml->lock, NULL);
	mountlist_load(ml);
	return ml;
}

void
mountlist_close(struct mountlist **mlp)
{
	struct mountlist *ml = *mlp;

	if (ml == NULL)
		return;
	close(ml->dirfd);
	pthread_mutex_destroy(&ml->lock);
	free(ml->entries);
	free(ml);
	*mlp = NULL;
}

/* Write the whole list durably; caller holds the lock. */
static int
mountlist_save(struct mountlist *ml)
{
	const char *tmp = MOUNTLIST_FILE ".new";
	FILE *f;
	size_t i;
	int fd;

	fd = openat(ml->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_warn("%s", tmp);
		if (fd != -1)
			close(fd);
		return -1;
	}
	for (i = 0; i < ml->n; i++)
		fprintf(f, "%s %s\n", ml->entries[i].host,
		    ml->entries[i].path);
	if (fflush(f) == EOF || ferror(f) || fsync(fileno(f)) == -1) {
		log_warn("%s", tmp);
		fclose(f);
		return -1;
	}
	if (fclose(f) == EOF ||
	    renameat(ml->dirfd, tmp, ml->dirfd, MOUNTLIST_FILE) == -1) {
		log_warn("%s", MOUNTLIST_FILE);
		return -1;
	}
	return fsync(ml->dirfd);
}

static ssize_t
mountlist_find(struct mountlist *ml, const char *host, const char *path)
{
	size_t i;

	for (i = 0; i < ml->n; i++)
		if (strcmp(ml->entries[i].host, host) == 0 &&
		    strcmp(ml->entries[i].path, path) == 0)
			return (ssize_t)i;
	return -1;
}

int
mountlist_add(struct mountlist *ml, const char *host, const char *path)
{
	int rc = 0;

	pthread_mutex_lock(&ml->lock);
	if (mountlist_find(ml, host, path) >= 0)
		goto out;
	if (ml->n == MOUNTLIST_MAX) {
		log_warnx("mount list full (%d), not recording %s %s",
		    MOUNTLIST_MAX, host, path);
		rc = -1;
		goto out;
	}
	if ((rc = entry_set(&ml->entries[ml->n], host, path)) == 0) {
		ml->n++;
		rc = mountlist_save(ml);
	}
out:
	pthread_mutex_unlock(&ml->lock);
	return rc;
}

static void
mountlist_delete(struct mountlist *ml, size_t i)
{
	ml->entries[i] = ml->entries[ml->n - 1];
	ml->n--;
}

int
mountlist_remove(struct mountlist *ml, const char *host, const char *path)
{
	ssize_t i;
	int rc = 0;

	pthread_mutex_lock(&ml->lock);
	if ((i = mountlist_find(ml, host, path)) >= 0) {
		mountlist_delete(ml, (size_t)i);
		rc = mountlist_save(ml);
	}
	pthread_mutex_unlock(&ml->lock);
	return rc;
}

int
mountlist_remove_host(struct mountlist *ml, const char *host)
{
	size_t i = 0;
	bool changed = false;
	int rc = 0;

	pthread_mutex_lock(&ml->lock);
	while (i < ml->n) {
		if (strcmp(ml->entries[i].host, host) == 0) {
			mountlist_delete(ml, i);
			changed = true;
		} else
			i++;
	}
	if (changed)
		rc = mountlist_save(ml);
	pthread_mutex_unlock(&ml->lock);
	return rc;
}

void
mountlist_walk(struct mountlist *ml, mountlist_cb cb, void *arg)
{
	size_t i;

	pthread_mutex_lock(&ml->lock);
	for (i = 0; i < ml->n; i++)
		cb(ml->entries[i].host, ml->entries[i].path, arg);
	pthread_mutex_unlock(&ml->lock);
}
