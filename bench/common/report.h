/*
 * report.h - what every benchmark program here measures and prints:
 * a latency histogram and one result per workload, as a machine-readable
 * line, JSON, or a row of the human table.  Shared by nfsbench and
 * diskbench so bench/run.sh parses one format.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

/* Log-linear buckets: 16 sub-buckets per power of two of nanoseconds,
 * so a percentile is within ~6% of the truth from 1 ns to ~68 s. */
#define LAT_SUB		16
#define LAT_POWERS	37
#define LAT_BUCKETS	(LAT_SUB * LAT_POWERS)

struct lat_hist {
	uint64_t	count;
	uint64_t	max_ns;
	uint64_t	buckets[LAT_BUCKETS];
};

struct bench_result {
	const char	*tool;		/* "nfsbench", "diskbench" */
	const char	*target;	/* server:/export or a directory */
	const char	*workload;	/* "getattr", "deliver", ... */
	unsigned	 conns;		/* connections (or threads) */
	unsigned	 depth;		/* requests in flight per connection */
	uint64_t	 ops;		/* completed operations (after warm-up) */
	uint64_t	 errors;	/* operations that failed */
	uint64_t	 bytes;		/* payload moved (READ/WRITE data) */
	double		 secs;		/* measured wall time */
	struct lat_hist	 lat;		/* per-operation latency */
};

void	 lat_init(struct lat_hist *);
void	 lat_record(struct lat_hist *, uint64_t ns);
void	 lat_merge(struct lat_hist *dst, const struct lat_hist *src);
/* Latency at quantile q (0 < q <= 1), in nanoseconds; 0 if empty. */
uint64_t lat_quantile(const struct lat_hist *, double q);

uint64_t now_ns(void);		/* CLOCK_MONOTONIC */

/*
 * One line per workload, key=value, no spaces inside values:
 * RESULT tool=nfsbench target=127.0.0.1:/x workload=getattr conns=4
 *   depth=16 ops=100000 errors=0 secs=1.234 ops_s=81037.3 mib_s=0.00
 *   p50_us=612.0 p99_us=1480.2 max_us=5012.7
 */
void	 result_print_line(FILE *, const struct bench_result *);
/* One JSON object (no trailing newline handling needed: one per line). */
void	 result_print_json(FILE *, const struct bench_result *);
/* The human table: a header once, then one row per result. */
void	 result_print_header(FILE *);
void	 result_print_row(FILE *, const struct bench_result *);

#endif
