/*
 * stats.c - per-procedure call counts and latency histograms, and
 * counts of RPC-level events, laid out like the program tables so a
 * call's counters are found by index.
 */
#include <stdlib.h>

#include "stats.h"
#include "svc.h"

struct rpc_stats {
	const struct rpc_prog	 *progs;
	size_t			  nprogs;
	struct stats_proc	***procs;	/* [prog][vers][proc] */
	atomic_ullong		  events[STATS_NEVENTS];
};

static const char *const event_names[STATS_NEVENTS] = {
	[STATS_AUTH_ERROR] = "auth errors",
	[STATS_GARBAGE] = "garbage arguments",
	[STATS_UNAVAIL] = "unavailable program/version/procedure",
	[STATS_NOT_RPC] = "connections closed for garbage",
	[STATS_DRC_HIT] = "retransmissions answered from the cache",
	[STATS_DRC_DROP] = "retransmissions dropped (call in progress)",
	[STATS_CONN_REFUSED] = "connections refused (max-conns)",
};

struct rpc_stats *
stats_create(const struct rpc_prog *progs, size_t nprogs)
{
	struct rpc_stats *st;
	size_t i, j;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->progs = progs;
	st->nprogs = nprogs;
	if ((st->procs = calloc(nprogs, sizeof(*st->procs))) == NULL)
		goto fail;
	for (i = 0; i < nprogs; i++) {
		st->procs[i] = calloc(progs[i].nvers, sizeof(**st->procs));
		if (st->procs[i] == NULL)
			goto fail;
		for (j = 0; j < progs[i].nvers; j++)
			if ((st->procs[i][j] = calloc(progs[i].vers[j].nprocs,
			    sizeof(struct stats_proc))) == NULL)
				goto fail;
	}
	return st;
fail:
	stats_free(&st);
	return NULL;
}

void
stats_free(struct rpc_stats **stp)
{
	struct rpc_stats *st = *stp;
	size_t i, j;

	if (st == NULL)
		return;
	for (i = 0; st->procs != NULL && i < st->nprogs; i++) {
		for (j = 0; st->procs[i] != NULL && j < st->progs[i].nvers; j++)
			free(st->procs[i][j]);
		free(st->procs[i]);
	}
	free(st->procs);
	free(st);
	*stp = NULL;
}

struct stats_proc *
stats_proc(struct rpc_stats *st, size_t prog, size_t vers, uint32_t proc)
{
	if (st == NULL || prog >= st->nprogs ||
	    vers >= st->progs[prog].nvers ||
	    proc >= st->progs[prog].vers[vers].nprocs)
		return NULL;
	return &st->procs[prog][vers][proc];
}

static unsigned
bucket(uint64_t usec)
{
	unsigned b = 0;

	while (b < STATS_BUCKETS - 1 && usec >= (1ULL << b))
		b++;
	return b;
}

void
stats_call(struct stats_proc *p, uint64_t usec)
{
	if (p == NULL)
		return;
	atomic_fetch_add_explicit(&p->calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->usec, usec, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->hist[bucket(usec)], 1,
	    memory_order_relaxed);
}

void
stats_event(struct rpc_stats *st, enum stats_event ev)
{
	if (st != NULL && ev < STATS_NEVENTS)
		atomic_fetch_add_explicit(&st->events[ev], 1,
		    memory_order_relaxed);
}

/* The latency below which a fraction q of the calls completed. */
static uint64_t
quantile(const struct stats_proc *p, unsigned long long calls, double q)
{
	unsigned long long seen = 0;
	unsigned b;

	for (b = 0; b < STATS_BUCKETS; b++) {
		seen += atomic_load(&p->hist[b]);
		if ((double)seen >= q * (double)calls)
			return 1ULL << b;
	}
	return 1ULL << (STATS_BUCKETS - 1);
}

static void
print_proc(FILE *f, const char *prog, uint32_t vers, const char *name,
    const struct stats_proc *p)
{
	unsigned long long calls = atomic_load(&p->calls);

	if (calls == 0)
		return;
	fprintf(f, "%-6s v%u %-12s %10llu calls  avg %8llu us  "
	    "p50 < %llu us  p99 < %llu us\n", prog, vers, name, calls,
	    atomic_load(&p->usec) / calls,
	    (unsigned long long)quantile(p, calls, 0.50),
	    (unsigned long long)quantile(p, calls, 0.99));
}

void
stats_print(struct rpc_stats *st, FILE *f)
{
	const struct rpc_vers *v;
	size_t i, j, k;

	for (i = 0; i < st->nprogs; i++)
		for (j = 0; j < st->progs[i].nvers; j++) {
			v = &st->progs[i].vers[j];
			for (k = 0; k < v->nprocs; k++)
				if (v->procs[k].name != NULL)
					print_proc(f, st->progs[i].name,
					    v->vers, v->procs[k].name,
					    &st->procs[i][j][k]);
		}
	for (i = 0; i < STATS_NEVENTS; i++)
		fprintf(f, "%s: %llu\n", event_names[i],
		    atomic_load(&st->events[i]));
}
