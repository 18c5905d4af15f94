/*
 * pool.c - open stores kept for reuse, shared by the threads of a
 * daemon: a session takes a store (an idle one of the same URL, else a
 * newly opened one) and gives it back when it ends, so the next session
 * finds the NFS connection made, the export mounted and the directory
 * handles cached, instead of a MOUNT and a walk down the tree each
 * time.  A store still serves one thread at a time: while taken it is
 * the taker's alone.  Bounded: at most MAILDIR_POOL_IDLE idle stores
 * (more are closed when given back), and one idle for longer than
 * MAILDIR_POOL_IDLE_SECS is closed instead of reused.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "backend.h"

static pthread_mutex_t	 pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct maildir_store *pool_head;	/* most recently given first */
static size_t		 pool_n;

static time_t
now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Unlink the idle stores given back before cutoff (under pool_mu). */
static struct maildir_store *
unlink_expired(time_t cutoff)
{
	struct maildir_store **pp = &pool_head, *s, *old = NULL;

	while ((s = *pp) != NULL) {
		if (s->pool_since >= cutoff) {
			pp = &s->pool_next;
			continue;
		}
		*pp = s->pool_next;
		s->pool_next = old;
		old = s;
		pool_n--;
	}
	return old;
}

static void
close_list(struct maildir_store *s)
{
	struct maildir_store *next;

	for (; s != NULL; s = next) {
		next = s->pool_next;
		s->pool_next = NULL;
		maildir_store_close(&s);
	}
}

struct maildir_store *
maildir_pool_take(const char *url, char *err, size_t errlen)
{
	struct maildir_store **pp, *s = NULL, *old;

	pthread_mutex_lock(&pool_mu);
	old = unlink_expired(now_secs() - MAILDIR_POOL_IDLE_SECS);
	for (pp = &pool_head; *pp != NULL; pp = &(*pp)->pool_next) {
		if (strcmp((*pp)->url, url) == 0) {
			s = *pp;
			*pp = s->pool_next;
			s->pool_next = NULL;
			pool_n--;
			break;
		}
	}
	pthread_mutex_unlock(&pool_mu);
	close_list(old);
	if (s != NULL)
		return s;
	return maildir_store_open(url, err, errlen);
}

void
maildir_pool_give(struct maildir_store **sp)
{
	struct maildir_store *s = *sp, *old;
	time_t now = now_secs();

	if (s == NULL)
		return;
	*sp = NULL;
	pthread_mutex_lock(&pool_mu);
	old = unlink_expired(now - MAILDIR_POOL_IDLE_SECS);
	if (pool_n < MAILDIR_POOL_IDLE) {
		s->pool_since = now;
		s->pool_next = pool_head;
		pool_head = s;
		pool_n++;
		s = NULL;
	}
	pthread_mutex_unlock(&pool_mu);
	close_list(old);
	maildir_store_close(&s);
}

void
maildir_pool_drain(void)
{
	struct maildir_store *all;

	pthread_mutex_lock(&pool_mu);
	all = pool_head;
	pool_head = NULL;
	pool_n = 0;
	pthread_mutex_unlock(&pool_mu);
	close_list(all);
}
