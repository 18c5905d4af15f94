/*
 * progress.c - the progress line on stderr while a workload runs:
 * operations so far, their rate and the elapsed time; rewritten in
 * place on a terminal, one line a second otherwise.
 */
#include <stdio.h>

#include "nfsbench.h"

void
progress_show(const struct run *r, const char *label, uint64_t now,
    bool final)
{
	double secs;
	const char *phase;

	if (B.o.quiet)
		return;
	if (final) {
		if (B.tty)
			fputs("\r\033[K", stderr);
		return;
	}
	if (r->phase == PH_WARMUP) {
		phase = "warm-up";
		secs = (double)(now - r->t_start) / 1e9;
	} else {
		phase = "measured";
		secs = (double)(now - r->t_measure) / 1e9;
	}
	fprintf(stderr, "%s%-10s %-8s %10llu ops %10.0f ops/s %7.1f s "
	    "%llu errors%s", B.tty ? "\r\033[K" : "", label, phase,
	    (unsigned long long)r->done,
	    secs > 0 ? (double)r->done / secs : 0.0, secs,
	    (unsigned long long)r->errors, B.tty ? "" : "\n");
	fflush(stderr);
}
