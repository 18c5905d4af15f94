/*
 * main.c - nfsbench, an NFSv3 load generator on libnfs's async raw API:
 * the command line, the order of things (mount, connect, the work
 * directory, each workload's setup, warm-up and measured run) and the
 * results (RESULT lines or JSON, then a table).
 */
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfsbench.h"

#define TOOL		"nfsbench"
#define MAX_WORKLOADS	32
#define MAX_SECS	86400.0
#define MAX_OPS		1000000000000ull
#define MAX_FILE	(1ull << 40)

struct bench B;

static const struct workload *const workloads[] = {
	&wl_null, &wl_getattr, &wl_lookup, &wl_read, &wl_write,
	&wl_seqwrite, &wl_seqread, &wl_deliver, &wl_pop, &wl_listing,
	&wl_mix,
};
#define NWORKLOADS	(sizeof(workloads) / sizeof(workloads[0]))

static void	 usage(FILE *, int) __attribute__((noreturn));
static void	 die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static void
usage(FILE *f, int status)
{
	fprintf(f,
"usage: nfsbench [options] HOST:/EXPORT\n"
"\n"
"Measures an NFSv3 server (any: ours, nfs-ganesha, a kernel nfsd) over\n"
"TCP with libnfs: N connections with D requests in flight on each, a\n"
"warm-up, then a fixed number of operations (or until a time cap).\n"
"Each workload's files are made first in a work directory inside the\n"
"export (not timed).  It reports, per workload, the operations per\n"
"second, MiB/s, the latency of one operation (p50, p99, max) and the\n"
"errors (non-OK replies and failed calls; they are counted, not fatal).\n"
"\n"
"Workloads (-w, comma-separated, or \"all\"):\n"
"  null      NFSPROC3_NULL: the RPC round trip, no file system work\n"
"  getattr   GETATTR of one file\n"
"  lookup    LOOKUP of random existing names in a directory of 1,000 files\n"
"  read      READ of 4 KiB at random offsets of a --file-size file\n"
"  write     WRITE (UNSTABLE) of 4 KiB at random offsets of that file\n"
"  seqwrite  1 MiB UNSTABLE WRITEs in order over a --seq-size file per\n"
"            connection, COMMIT after each pass and at the end (timed)\n"
"  seqread   1 MiB READs in order over a --seq-size file\n"
"  deliver   Maildir delivery into --mailboxes Maildirs; one operation\n"
"            is one message: CREATE (GUARDED) tmp/NAME, WRITE --msg-size,\n"
"            COMMIT (or FILE_SYNC writes), RENAME tmp/NAME new/NAME\n"
"            (or LINK + REMOVE with --link)\n"
"  pop       one operation is one message fetched and removed:\n"
"            READDIRPLUS of a new/ when its list is used up, READ the\n"
"            message, RENAME it into cur/, REMOVE it (the messages are\n"
"            put there first, untimed)\n"
"  listing   one operation is a full READDIRPLUS listing of a directory\n"
"            of --entries files; a wrong entry count is an error\n"
"  mix       SPEC SFS2008's mix over 1,000 files holding --file-size in all:\n"
"            GETATTR 26%%, LOOKUP 24%%, READ 18%%, ACCESS 11%%, WRITE 10%%,\n"
"            SETATTR 4%%, CREATE 2%%, REMOVE 2%%, READDIRPLUS 2%%, FSSTAT 1%%\n"
"            (READ and WRITE: 4 KiB; one operation is one RPC)\n"
"\n"
"Options:\n"
"  -w, --workload LIST    workloads to run, in order (default null)\n"
"  -c, --conns N          TCP connections (default 1)\n"
"  -d, --depth D          requests in flight per connection (default 1)\n"
"  -j, --jobs N           worker processes sharing the connections, each\n"
"                         with its own poll loop (default: one per CPU,\n"
"                         at most one per connection; 1: one loop\n"
"                         drives them all)\n"
"  -n, --ops N            operations per workload after warm-up\n"
"                         (default 100000)\n"
"  -T, --time SECS        time cap per workload (default 30)\n"
"  -W, --warmup SECS      warm-up per workload, not measured (default 1;\n"
"                         operations still in flight at its end count)\n"
"  -p, --nfsport P        the server's NFS port (default: ask the\n"
"                         portmapper)\n"
"  -m, --mountport P      the server's MOUNT port (default: portmapper)\n"
"  -u, --uid U, -g, --gid G   AUTH_UNIX identity (default 0 0)\n"
"      --dir NAME         work directory in the export (default\n"
"                         nfsbench.PID), removed at the end\n"
"      --keep             keep the work directory, and reuse what is\n"
"                         in it (the listing directory, the seq file)\n"
"      --file-size BYTES  file for read/write (default 64M)\n"
"      --seq-size BYTES   file for seqwrite/seqread (default 512M)\n"
"      --entries N        listing directory size (default 100000)\n"
"      --mailboxes N      Maildirs for deliver/pop (default 100)\n"
"      --msg-size BYTES   message size for deliver/pop (default 4096)\n"
"      --sync commit|filesync  deliver: UNSTABLE WRITE + COMMIT\n"
"                         (default) or FILE_SYNC WRITE\n"
"      --link             deliver: LINK + REMOVE instead of RENAME\n"
"      --json             one JSON object per workload instead of\n"
"                         RESULT lines\n"
"  -q, --quiet            no progress line on stderr\n"
"  -h, --help             this text\n"
"BYTES take a K, M or G suffix (KiB, MiB, GiB).\n"
"\n"
"Output (stdout), one line per workload, then a table:\n"
"  RESULT tool=nfsbench target=HOST:/EXPORT workload=W conns=N depth=D\n"
"    ops=N errors=N secs=S ops_s=R mib_s=R p50_us=L p99_us=L max_us=L\n"
"Exit status: 0, or 1 if the server is unreachable or setup failed,\n"
"2 for bad usage.\n"
"\n"
"Example, against nfsd on this machine (exports: /srv/x -maproot=root\n"
"127.0.0.1):\n"
"  nfsbench -w null,getattr,deliver -c 4 -d 16 -n 200000 \\\n"
"      -p 2049 -m 20048 127.0.0.1:/srv/x\n");
	exit(status);
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs(TOOL ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t
parse_u64(const char *s, const char *what, uint64_t min, uint64_t max,
    bool suffix)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0 || *s == '-')
		die("%s: not a number: %s", what, s);
	if (suffix && *end != '\0' && end[1] == '\0') {
		unsigned shift = *end == 'K' || *end == 'k' ? 10 :
		    *end == 'M' || *end == 'm' ? 20 :
		    *end == 'G' || *end == 'g' ? 30 : 0;

		if (shift == 0 || v > (ULLONG_MAX >> shift))
			die("%s: bad size: %s", what, s);
		v <<= shift;
		end++;
	}
	if (*end != '\0' || v < min || v > max)
		die("%s: %s is not in %llu..%llu", what, s,
		    (unsigned long long)min, (unsigned long long)max);
	return v;
}

static double
parse_secs(const char *s, const char *what, double min)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= min) ||
	    v > MAX_SECS)
		die("%s: bad number of seconds: %s", what, s);
	return v;
}

/* HOST:/EXPORT, or [V6ADDR]:/EXPORT. */
static void
parse_target(const char *t)
{
	const char *colon;
	size_t hl;

	if (t[0] == '[') {
		const char *rb = strchr(t, ']');

		if (rb == NULL || rb[1] != ':')
			die("target must be HOST:/EXPORT: %s", t);
		hl = (size_t)(rb - t - 1);
		t++;
		colon = rb + 1;
	} else {
		if ((colon = strchr(t, ':')) == NULL)
			die("target must be HOST:/EXPORT: %s", t);
		hl = (size_t)(colon - t);
	}
	if (hl == 0 || hl >= sizeof(B.o.host) || colon[1] != '/' ||
	    strlen(colon + 1) >= sizeof(B.o.export))
		die("target must be HOST:/EXPORT: %s", t);
	memcpy(B.o.host, t, hl);
	B.o.host[hl] = '\0';
	snprintf(B.o.export, sizeof(B.o.export), "%s", colon + 1);
}

static const struct workload *
find_workload(const char *name)
{
	for (size_t i = 0; i < NWORKLOADS; i++)
		if (strcmp(workloads[i]->name, name) == 0)
			return workloads[i];
	return NULL;
}

static size_t
parse_workloads(const char *list, const struct workload **out)
{
	char buf[512], *save = NULL, *w;
	size_t n = 0;

	if (strcmp(list, "all") == 0) {
		for (size_t i = 0; i < NWORKLOADS; i++)
			out[n++] = workloads[i];
		return n;
	}
	if (strlen(list) >= sizeof(buf))
		die("workload list too long");
	snprintf(buf, sizeof(buf), "%s", list);
	for (w = strtok_r(buf, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save)) {
		if (n == MAX_WORKLOADS)
			die("too many workloads");
		if ((out[n] = find_workload(w)) == NULL)
			die("unknown workload: %s (see --help)", w);
		n++;
	}
	if (n == 0)
		die("no workload given");
	return n;
}

enum {
	OPT_DIR = 256, OPT_KEEP, OPT_FILE_SIZE, OPT_SEQ_SIZE, OPT_ENTRIES,
	OPT_MAILBOXES, OPT_MSG_SIZE, OPT_SYNC, OPT_LINK, OPT_JSON,
};

static const struct option longopts[] = {
	{ "workload",	required_argument, NULL, 'w' },
	{ "conns",	required_argument, NULL, 'c' },
	{ "depth",	required_argument, NULL, 'd' },
	{ "jobs",	required_argument, NULL, 'j' },
	{ "ops",	required_argument, NULL, 'n' },
	{ "time",	required_argument, NULL, 'T' },
	{ "warmup",	required_argument, NULL, 'W' },
	{ "nfsport",	required_argument, NULL, 'p' },
	{ "mountport",	required_argument, NULL, 'm' },
	{ "uid",	required_argument, NULL, 'u' },
	{ "gid",	required_argument, NULL, 'g' },
	{ "dir",	required_argument, NULL, OPT_DIR },
	{ "keep",	no_argument,	   NULL, OPT_KEEP },
	{ "file-size",	required_argument, NULL, OPT_FILE_SIZE },
	{ "seq-size",	required_argument, NULL, OPT_SEQ_SIZE },
	{ "entries",	required_argument, NULL, OPT_ENTRIES },
	{ "mailboxes",	required_argument, NULL, OPT_MAILBOXES },
	{ "msg-size",	required_argument, NULL, OPT_MSG_SIZE },
	{ "sync",	required_argument, NULL, OPT_SYNC },
	{ "link",	no_argument,	   NULL, OPT_LINK },
	{ "json",	no_argument,	   NULL, OPT_JSON },
	{ "quiet",	no_argument,	   NULL, 'q' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL,		0,		   NULL, 0 },
};

static void
set_defaults(struct nb_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->conns = 1;
	o->depth = 1;
	o->jobs = 0;			/* one per CPU, at most one per conn */
	o->ops = 100000;
	o->time_cap = 30;
	o->warmup = 1;
	o->file_size = 64ull << 20;
	o->seq_size = 512ull << 20;
	o->entries = 100000;
	o->mailboxes = 100;
	o->msg_size = 4096;
	o->sync = SYNC_COMMIT;
	snprintf(o->dir, sizeof(o->dir), "nfsbench.%ld", (long)getpid());
}

static size_t
parse_args(int argc, char **argv, const struct workload **wl)
{
	struct nb_opts *o = &B.o;
	const char *list = "null";
	int ch;

	set_defaults(o);
	while ((ch = getopt_long(argc, argv, "w:c:d:j:n:T:W:p:m:u:g:qh",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'w': list = optarg; break;
		case 'c': o->conns = (unsigned)parse_u64(optarg, "--conns", 1,
		    NB_MAX_CONNS, false); break;
		case 'd': o->depth = (unsigned)parse_u64(optarg, "--depth", 1,
		    NB_MAX_DEPTH, false); break;
		case 'j': o->jobs = (unsigned)parse_u64(optarg, "--jobs", 1,
		    NB_MAX_JOBS, false); break;
		case 'n': o->ops = parse_u64(optarg, "--ops", 1, MAX_OPS,
		    false); break;
		case 'T': o->time_cap = parse_secs(optarg, "--time", 0.001);
		    break;
		case 'W': o->warmup = parse_secs(optarg, "--warmup", 0); break;
		case 'p': o->nfsport = (int)parse_u64(optarg, "--nfsport", 1,
		    65535, false); break;
		case 'm': o->mountport = (int)parse_u64(optarg, "--mountport",
		    1, 65535, false); break;
		case 'u': o->uid = (uint32_t)parse_u64(optarg, "--uid", 0,
		    UINT32_MAX, false); break;
		case 'g': o->gid = (uint32_t)parse_u64(optarg, "--gid", 0,
		    UINT32_MAX, false); break;
		case OPT_DIR:
			if (optarg[0] == '\0' || strchr(optarg, '/') ||
			    strlen(optarg) >= sizeof(o->dir) ||
			    strcmp(optarg, ".") == 0 ||
			    strcmp(optarg, "..") == 0)
				die("--dir: a single name, no '/': %s", optarg);
			snprintf(o->dir, sizeof(o->dir), "%s", optarg);
			break;
		case OPT_KEEP: o->keep = true; break;
		case OPT_FILE_SIZE: o->file_size = parse_u64(optarg,
		    "--file-size", NB_IO_XFER, MAX_FILE, true); break;
		case OPT_SEQ_SIZE: o->seq_size = parse_u64(optarg,
		    "--seq-size", 1, MAX_FILE, true); break;
		case OPT_ENTRIES: o->entries = (unsigned)parse_u64(optarg,
		    "--entries", 1, NB_MAX_ENTRIES, false); break;
		case OPT_MAILBOXES: o->mailboxes = (unsigned)parse_u64(optarg,
		    "--mailboxes", 1, NB_MAX_MAILBOXES, false); break;
		case OPT_MSG_SIZE: o->msg_size = (uint32_t)parse_u64(optarg,
		    "--msg-size", 1, NB_MAX_MSG, true); break;
		case OPT_SYNC:
			if (strcmp(optarg, "commit") == 0)
				o->sync = SYNC_COMMIT;
			else if (strcmp(optarg, "filesync") == 0)
				o->sync = SYNC_FILESYNC;
			else
				die("--sync: commit or filesync, not %s",
				    optarg);
			break;
		case OPT_LINK: o->link = true; break;
		case OPT_JSON: o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout, 0);
		default: usage(stderr, 2);
		}
	}
	if (optind != argc - 1)
		usage(stderr, 2);
	if (o->jobs == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		o->jobs = cpus < 1 ? 1 : cpus > NB_MAX_JOBS ? NB_MAX_JOBS :
		    (unsigned)cpus;
		if (o->jobs > o->conns)
			o->jobs = o->conns;
	}
	if (o->jobs > o->conns)
		die("--jobs %u: more worker processes than connections (%u)",
		    o->jobs, o->conns);
	o->target = argv[optind];
	parse_target(o->target);
	if ((o->nfsport == 0) != (o->mountport == 0))
		fprintf(stderr, TOOL ": note: only one of --nfsport and "
		    "--mountport given; the other comes from the portmapper\n");
	return parse_workloads(list, wl);
}

static int
alloc_wbuf(void)
{
	B.wbuf_len = NB_SEQ_XFER;
	if ((B.wbuf = malloc(B.wbuf_len)) == NULL)
		return -1;
	/* Mail-like bytes: printable lines. */
	for (size_t i = 0; i < B.wbuf_len; i++)
		B.wbuf[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	return 0;
}

/* Set up, run and report one workload.  -1: setup failed. */
static int
run_workload(const struct workload *w, struct bench_result *res,
    struct lat_hist *lat)
{
	struct run_params p = { .ops = B.o.ops, .warmup = B.o.warmup,
	    .cap = B.o.time_cap, .progress = !B.o.quiet };
	struct run r;
	int rc;

	B.warmup_ops = 0;
	if (w->prepare() != 0) {
		fprintf(stderr, TOOL ": %s: setup failed: %s\n", w->name,
		    B.err);
		return -1;
	}
	lat_init(lat);
	p.lat = lat;
	p.warmup_ops = B.warmup_ops;
	if (B.o.jobs > 1)
		rc = run_workers(w, &p, &r);
	else
		rc = run_job(w->job, &p, &r);
	memset(res, 0, sizeof(*res));
	res->tool = TOOL;
	res->target = B.o.target;
	res->workload = w->name;
	res->conns = B.o.conns;
	res->depth = B.o.depth;
	res->ops = r.done;
	res->errors = r.errors;
	res->bytes = r.bytes;
	res->secs = (double)(r.t_last - r.t_measure) / 1e9;
	if (w->cleanup != NULL)
		w->cleanup();
	if (r.first_error != NULL)
		fprintf(stderr, TOOL ": %s: %llu errors; the first: %s\n",
		    w->name, (unsigned long long)r.errors, r.first_error);
	if (rc != 0) {
		fprintf(stderr, TOOL ": %s: %s\n", w->name, B.err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct workload *wl[MAX_WORKLOADS];
	static struct bench_result res[MAX_WORKLOADS];
	static struct lat_hist lat[MAX_WORKLOADS];
	size_t nwl, nres = 0;
	int status = 0;
	bool fs = false;
	struct timeval tv;

	nwl = parse_args(argc, argv, wl);
	B.tty = isatty(STDERR_FILENO);
	gettimeofday(&tv, NULL);
	B.stamp = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	B.rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^
	    0x9E3779B97F4A7C15ull;
	if (alloc_wbuf() != 0) {
		fprintf(stderr, TOOL ": out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < nwl; i++)
		fs |= !wl[i]->no_fs;
	if (conns_open(fs) != 0) {
		fprintf(stderr, TOOL ": %s: %s\n", B.o.target, B.err);
		conns_close();
		free(B.wbuf);
		return 1;
	}
	if (fs && work_open() != 0) {
		fprintf(stderr, TOOL ": work directory %s: %s\n", B.o.dir,
		    B.err);
		conns_close();
		free(B.wbuf);
		return 1;
	}
	for (size_t i = 0; i < nwl; i++) {
		if (run_workload(wl[i], &res[nres], &lat[nres]) != 0) {
			status = 1;
			break;
		}
		res[nres].lat = lat[nres];
		if (B.o.json)
			result_print_json(stdout, &res[nres]);
		else
			result_print_line(stdout, &res[nres]);
		fflush(stdout);
		nres++;
	}
	if (nres > 0) {
		putchar('\n');
		result_print_header(stdout);
		for (size_t i = 0; i < nres; i++)
			result_print_row(stdout, &res[i]);
	}
	if (fs && !B.o.keep && work_remove() != 0) {
		fprintf(stderr, TOOL ": removing %s: %s\n", B.o.dir, B.err);
		status = 1;
	}
	maildirs_close();
	conns_close();
	free(B.wbuf);
	return status;
}
