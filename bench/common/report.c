/*
 * report.c - latency histogram and result printing shared by the
 * benchmark programs (see report.h for the line format).
 */
#include <string.h>
#include <time.h>

#include "report.h"

void
lat_init(struct lat_hist *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned
lat_bucket(uint64_t ns)
{
	unsigned power, sub;

	if (ns < LAT_SUB)
		return (unsigned)ns;
	power = 63 - (unsigned)__builtin_clzll(ns);	/* ns >= 16: power >= 4 */
	sub = (unsigned)(ns >> (power - 4)) & (LAT_SUB - 1);
	if (power - 3 >= LAT_POWERS)
		return LAT_BUCKETS - 1;
	return (power - 3) * LAT_SUB + sub;
}

/* The upper edge of a bucket, in nanoseconds. */
static uint64_t
lat_bucket_ns(unsigned b)
{
	unsigned power, sub;

	if (b < LAT_SUB)
		return b;
	power = b / LAT_SUB + 3;
	sub = b % LAT_SUB;
	return ((uint64_t)(LAT_SUB + sub + 1) << (power - 4)) - 1;
}

void
lat_record(struct lat_hist *h, uint64_t ns)
{
	h->buckets[lat_bucket(ns)]++;
	h->count++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void
lat_merge(struct lat_hist *dst, const struct lat_hist *src)
{
	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t
lat_quantile(const struct lat_hist *h, double q)
{
	uint64_t want, seen = 0;
	uint64_t edge;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(q * (double)h->count + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= want) {
			edge = lat_bucket_ns(i);
			return edge < h->max_ns ? edge : h->max_ns;
		}
	}
	return h->max_ns;
}

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
per_sec(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0.0;
}

/* The derived figures every format prints. */
struct figures {
	double	ops_s, mib_s, p50_us, p99_us, max_us;
};

static struct figures
figures_of(const struct bench_result *r)
{
	struct figures f;

	f.ops_s = per_sec(r->ops, r->secs);
	f.mib_s = per_sec(r->bytes, r->secs) / (1024.0 * 1024.0);
	f.p50_us = (double)lat_quantile(&r->lat, 0.50) / 1e3;
	f.p99_us = (double)lat_quantile(&r->lat, 0.99) / 1e3;
	f.max_us = (double)r->lat.max_ns / 1e3;
	return f;
}

void
result_print_line(FILE *f, const struct bench_result *r)
{
	struct figures g = figures_of(r);

	fprintf(f, "RESULT tool=%s target=%s workload=%s conns=%u depth=%u "
	    "ops=%llu errors=%llu secs=%.3f ops_s=%.1f mib_s=%.2f "
	    "p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
	    r->tool, r->target, r->workload, r->conns, r->depth,
	    (unsigned long long)r->ops, (unsigned long long)r->errors,
	    r->secs, g.ops_s, g.mib_s, g.p50_us, g.p99_us, g.max_us);
}

void
result_print_json(FILE *f, const struct bench_result *r)
{
	struct figures g = figures_of(r);

	fprintf(f, "{\"tool\":\"%s\",\"target\":\"%s\",\"workload\":\"%s\","
	    "\"conns\":%u,\"depth\":%u,\"ops\":%llu,\"errors\":%llu,"
	    "\"secs\":%.3f,\"ops_s\":%.1f,\"mib_s\":%.2f,\"p50_us\":%.1f,"
	    "\"p99_us\":%.1f,\"max_us\":%.1f}\n",
	    r->tool, r->target, r->workload, r->conns, r->depth,
	    (unsigned long long)r->ops, (unsigned long long)r->errors,
	    r->secs, g.ops_s, g.mib_s, g.p50_us, g.p99_us, g.max_us);
}

void
result_print_header(FILE *f)
{
	fprintf(f, "%-10s %5s %5s %10s %11s %9s %9s %9s %10s %7s\n",
	    "workload", "conns", "depth", "ops", "ops/s", "MiB/s",
	    "p50 us", "p99 us", "max us", "errors");
}

void
result_print_row(FILE *f, const struct bench_result *r)
{
	struct figures g = figures_of(r);

	fprintf(f, "%-10s %5u %5u %10llu %11.1f %9.2f %9.1f %9.1f %10.1f "
	    "%7llu\n", r->workload, r->conns, r->depth,
	    (unsigned long long)r->ops, g.ops_s, g.mib_s, g.p50_us, g.p99_us,
	    g.max_us, (unsigned long long)r->errors);
}
