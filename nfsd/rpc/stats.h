/*
 * stats.h - what the server has done: calls and latency per procedure
 * (a histogram in powers of two of microseconds), RPC-level errors,
 * refused connections and duplicate-request-cache hits.  Counters are
 * updated lock-free by the workers and read while running.
 */
#ifndef RPC_STATS_H
#define RPC_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STATS_BUCKETS	24	/* 1 us .. 8 s, then everything slower */

struct rpc_prog;

struct stats_proc {
	atomic_ullong	calls;
	atomic_ullong	usec;		/* total time */
	atomic_ullong	hist[STATS_BUCKETS];	/* bucket i: < 2^i us */
};

enum stats_event {
	STATS_AUTH_ERROR,	/* AUTH_ERROR replies */
	STATS_GARBAGE,		/* GARBAGE_ARGS replies */
	STATS_UNAVAIL,		/* PROG/VERS/PROC unavailable */
	STATS_NOT_RPC,		/* records that were not calls: closed */
	STATS_DRC_HIT,		/* answered from the reply cache */
	STATS_DRC_DROP,		/* dropped: the original still running */
	STATS_CONN_REFUSED,	/* over max-conns */
	STATS_NEVENTS,
};

struct rpc_stats;

struct rpc_stats *stats_create(const struct rpc_prog *progs, size_t nprogs);
void	stats_free(struct rpc_stats **st);
/* The counters of procedure proc of progs[prog].vers[vers]. */
struct stats_proc *stats_proc(struct rpc_stats *st, size_t prog, size_t vers,
	    uint32_t proc);
void	stats_call(struct stats_proc *p, uint64_t usec);
void	stats_event(struct rpc_stats *st, enum stats_event ev);
/* A report, one line per procedure that was called. */
void	stats_print(struct rpc_stats *st, FILE *f);

#endif
