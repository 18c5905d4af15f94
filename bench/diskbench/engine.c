/*
 * engine.c - runs one workload on conns x depth threads: the warm-up,
 * the measured phase (a fixed operation count, a time cap), the timed
 * finish (e.g. seqwrite's final fsync), the progress line on stderr,
 * and the merged latency histogram.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diskbench.h"

#define TICK_NS		100000000ull	/* the main thread wakes */
#define PROGRESS_NS	1000000000ull
#define NS_PER_SEC	1e9

enum phase { PH_WARMUP, PH_MEASURE, PH_STOP };

static struct {
	const struct workload *wl;
	_Atomic int	 phase;
	_Atomic uint64_t seq;		/* every op started (names) */
	_Atomic uint64_t issued;	/* measured ops started */
	_Atomic uint64_t done;		/* measured ops finished */
	_Atomic uint64_t errors;
	_Atomic uint64_t t_measure;	/* ns, when the measured phase began */
	_Atomic unsigned running;	/* threads not yet finished */
	uint64_t	 t_end;		/* the last thread's finish done */
	int		 fin;		/* the workload's finish() result */
	uint64_t	 t_start;
	uint64_t	 warmup_ns;
	uint64_t	 cap_ns;
	pthread_mutex_t	 err_lock;
	char		 first_error[256];
} R = { .err_lock = PTHREAD_MUTEX_INITIALIZER };

uint64_t
rnd(struct worker *w)
{
	/* xorshift64*: cheap, good enough to pick offsets and names. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1Dull;
}

uint64_t
rnd_below(struct worker *w, uint64_t n)
{
	return n > 0 ? rnd(w) % n : 0;
}

/* Keep the first error of the run, with errno's text. */
void
op_fail(struct worker *w, const char *what)
{
	int saved = errno;

	(void)w;
	pthread_mutex_lock(&R.err_lock);
	if (R.first_error[0] == '\0')
		snprintf(R.first_error, sizeof(R.first_error), "%s %s: %s",
		    R.wl->name, what, saved ? strerror(saved) : "failed");
	pthread_mutex_unlock(&R.err_lock);
	errno = saved;
}

const char *
run_first_error(void)
{
	return R.first_error[0] ? R.first_error : NULL;
}

/* The warm-up is over: the first thread to see it starts the clock. */
static void
phase_check_warmup(uint64_t now)
{
	int expect = PH_WARMUP;

	if (now - R.t_start < R.warmup_ns)
		return;
	if (atomic_compare_exchange_strong(&R.phase, &expect, PH_MEASURE))
		atomic_store(&R.t_measure, now);
}

static void
run_one_warmup(struct worker *w)
{
	uint64_t bytes = 0;
	uint64_t seq = atomic_fetch_add(&R.seq, 1);

	(void)R.wl->op(w, seq, &bytes);
	phase_check_warmup(now_ns());
}

/* One measured op; false when the run is over for this thread. */
static bool
run_one_measured(struct worker *w)
{
	uint64_t bytes = 0, t0, t1, seq;

	if (atomic_fetch_add(&R.issued, 1) >= D.o.ops) {
		atomic_store(&R.phase, PH_STOP);
		return false;
	}
	seq = atomic_fetch_add(&R.seq, 1);
	t0 = now_ns();
	if (R.wl->op(w, seq, &bytes) != 0) {
		w->errors++;
		atomic_fetch_add(&R.errors, 1);
	}
	t1 = now_ns();
	lat_record(&w->lat, t1 - t0);
	w->done++;
	w->bytes += bytes;
	atomic_fetch_add(&R.done, 1);
	if (t1 - atomic_load(&R.t_measure) >= R.cap_ns)
		atomic_store(&R.phase, PH_STOP);
	return true;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int ph;

	while ((ph = atomic_load(&R.phase)) != PH_STOP) {
		if (ph == PH_WARMUP)
			run_one_warmup(w);
		else if (!run_one_measured(w))
			break;
	}
	/* The last one out runs the timed finish and stops the clock. */
	if (atomic_fetch_sub(&R.running, 1) == 1) {
		R.fin = R.wl->finish != NULL ? R.wl->finish() : 0;
		if (R.fin != 0)
			op_fail(w, "finish");
		R.t_end = now_ns();
	}
	return NULL;
}

static void
progress_show(uint64_t now, bool final)
{
	bool warm = atomic_load(&R.phase) == PH_WARMUP;
	uint64_t done = atomic_load(&R.done);
	double secs;

	if (D.o.quiet)
		return;
	if (final) {
		if (D.tty)
			fputs("\r\033[K", stderr);
		return;
	}
	secs = (double)(now - (warm ? R.t_start : atomic_load(&R.t_measure))) /
	    NS_PER_SEC;
	fprintf(stderr, "%s%-10s %-8s %10llu ops %10.0f ops/s %7.1f s "
	    "%llu errors%s", D.tty ? "\r\033[K" : "", R.wl->name,
	    warm ? "warm-up" : "measured", (unsigned long long)done,
	    !warm && secs > 0 ? (double)done / secs : 0.0, secs,
	    (unsigned long long)atomic_load(&R.errors), D.tty ? "" : "\n");
	fflush(stderr);
}

/* Sleep until every worker is done, showing progress once a second. */
static void
wait_workers(void)
{
	struct timespec tick = { 0, (long)TICK_NS };
	uint64_t last = now_ns(), now;

	while (atomic_load(&R.running) > 0) {
		nanosleep(&tick, NULL);
		now = now_ns();
		if (atomic_load(&R.phase) == PH_WARMUP)
			phase_check_warmup(now);
		if (now - last >= PROGRESS_NS) {
			progress_show(now, false);
			last = now;
		}
	}
	progress_show(now_ns(), true);
}

static void
workers_reset(void)
{
	for (unsigned i = 0; i < D.nworkers; i++) {
		struct worker *w = &D.workers[i];

		lat_init(&w->lat);
		w->done = w->errors = w->bytes = 0;
		w->state = NULL;
	}
}

static void
run_reset(const struct workload *wl)
{
	R.wl = wl;
	R.first_error[0] = '\0';
	atomic_store(&R.seq, 0);
	atomic_store(&R.issued, 0);
	atomic_store(&R.done, 0);
	atomic_store(&R.errors, 0);
	R.warmup_ns = wl->no_warmup ? 0 : (uint64_t)(D.o.warmup * NS_PER_SEC);
	R.cap_ns = (uint64_t)(D.o.time_cap * NS_PER_SEC);
	R.fin = 0;
	R.t_start = now_ns();
	R.t_end = R.t_start;
	atomic_store(&R.t_measure, R.t_start);
	atomic_store(&R.phase, R.warmup_ns > 0 ? PH_WARMUP : PH_MEASURE);
}

static int
workers_start(void)
{
	unsigned i;
	int rc;

	atomic_store(&R.running, D.nworkers);
	for (i = 0; i < D.nworkers; i++) {
		rc = pthread_create(&D.workers[i].th, NULL, worker_main,
		    &D.workers[i]);
		if (rc != 0) {
			seterr("pthread_create: %s", strerror(rc));
			atomic_store(&R.phase, PH_STOP);
			atomic_fetch_sub(&R.running, D.nworkers - i);
			break;
		}
	}
	wait_workers();
	for (unsigned j = 0; j < i; j++)
		pthread_join(D.workers[j].th, NULL);
	return i == D.nworkers ? 0 : -1;
}

static void
result_collect(const struct workload *wl, struct bench_result *out,
    uint64_t t_end)
{
	memset(out, 0, sizeof(*out));
	out->tool = "diskbench";
	out->target = D.o.target;
	out->workload = wl->name;
	out->conns = D.o.conns;
	out->depth = D.o.depth;
	lat_init(&out->lat);
	for (unsigned i = 0; i < D.nworkers; i++) {
		out->ops += D.workers[i].done;
		out->errors += D.workers[i].errors;
		out->bytes += D.workers[i].bytes;
		lat_merge(&out->lat, &D.workers[i].lat);
	}
	out->secs = (double)(t_end - atomic_load(&R.t_measure)) / NS_PER_SEC;
}

int
run_workload(const struct workload *wl, struct bench_result *out)
{
	workers_reset();
	run_reset(wl);
	if (wl->prepare() != 0) {
		if (wl->cleanup != NULL)
			wl->cleanup();
		return -1;
	}
	run_reset(wl);			/* the clock starts after setup */
	if (workers_start() != 0) {
		if (wl->cleanup != NULL)
			wl->cleanup();
		return -1;
	}
	result_collect(wl, out, R.t_end);
	if (R.fin != 0)
		out->errors++;
	if (wl->cleanup != NULL)
		wl->cleanup();
	return 0;
}
