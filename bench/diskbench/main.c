/*
 * main.c - diskbench: the local-disk ceiling beside nfsbench's figures.
 * Parses the options (nfsbench's, where they apply), makes the work
 * directory, runs the chosen workloads one after the other and prints
 * one RESULT line (or JSON object) each, then the human table.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diskbench.h"

#define DEF_OPS		100000
#define DEF_TIME_CAP	30.0
#define DEF_WARMUP	1.0
#define DIR_PREFIX	"diskbench."
#define DEF_FILE_SIZE	(64ull * 1024 * 1024)
#define DEF_SEQ_SIZE	(512ull * 1024 * 1024)
#define DEF_ENTRIES	100000u
#define DEF_MAILBOXES	100u
#define DEF_MSG_SIZE	4096u
#define MAX_SECS	86400.0
#define MAX_FILE_SIZE	(1ull << 40)
#define FDS_OTHERS	1040		/* mix's 1,000 files, fixtures, stdio */
#define FDS_SPARE	1024
#define FDS_PER_BOX	4
#define HELP_WIDTH	78
#define HELP_INDENT	14

struct diskbench D = { .workfd = -1 };

static const struct workload *const workloads[] = {
	&wl_getattr, &wl_lookup, &wl_read, &wl_write, &wl_seqwrite,
	&wl_seqread, &wl_deliver, &wl_pop, &wl_listing, &wl_mix,
};
#define NWORKLOADS	(sizeof(workloads) / sizeof(workloads[0]))

enum {
	OPT_DIR = 256, OPT_KEEP, OPT_FILE_SIZE, OPT_SEQ_SIZE, OPT_ENTRIES,
	OPT_MAILBOXES, OPT_MSG_SIZE, OPT_SYNC, OPT_LINK, OPT_JSON
};

static const struct option longopts[] = {
	{ "workloads",	required_argument, NULL, 'w' },
	{ "conns",	required_argument, NULL, 'c' },
	{ "depth",	required_argument, NULL, 'd' },
	{ "ops",	required_argument, NULL, 'n' },
	{ "time",	required_argument, NULL, 'T' },
	{ "warmup",	required_argument, NULL, 'W' },
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
	{ NULL, 0, NULL, 0 }
};

/* Text at a column, wrapped at HELP_WIDTH. */
static void
print_wrapped(FILE *f, const char *text, int indent)
{
	int col = indent, len;

	while (*text != '\0') {
		len = (int)strcspn(text, " ");
		if (col > indent && col + 1 + len > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", len, text);
		col += len;
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: diskbench [options] DIR\n"
"\n"
"The local-disk ceiling: nfsbench's workloads done with plain syscalls\n"
"in DIR (a work directory is made inside it and removed after), with the\n"
"durability an NFS server owes its clients (namespace changes fsynced\n"
"before the \"reply\").  Print it beside nfsbench's figures for the same\n"
"file system.  Output: one RESULT line per workload (tool=diskbench\n"
"target=DIR), or JSON with --json, then the human table (on stderr with\n"
"--json).\n"
"\n"
"  -w LIST       workloads, comma-separated, or all (default all):\n");
	for (size_t i = 0; i < NWORKLOADS; i++) {
		fprintf(f, "    %-9s ", workloads[i]->name);
		print_wrapped(f, workloads[i]->help, HELP_INDENT);
	}
	fprintf(f,
"    (null has no local equivalent and is skipped)\n"
"  -c N          \"connections\" (default 1); -d D requests in flight on\n"
"                each (default 1): N*D threads (at most %u), each one\n"
"                operation at a time; seqwrite writes one file per N\n"
"  -n N          operations to measure per workload (default %u)\n"
"  -T SECS       time cap of the measured phase (default %.0f)\n"
"  -W SECS       warm-up before measuring, not counted (default %.0f)\n"
"  --dir NAME    work directory inside DIR (default %sPID)\n"
"  --keep        leave the work directory (its fixtures are reused)\n"
"  --file-size S read/write file (default 64M; K, M, G suffixes)\n"
"  --seq-size S  seqwrite/seqread file (default 512M)\n"
"  --entries N   listing directory size (default %u)\n"
"  --mailboxes N deliver/pop mailboxes (default %u)\n"
"  --msg-size S  deliver/pop message size (default %u)\n"
"  --sync commit|filesync\n"
"                deliver's durability: commit = write, then fdatasync\n"
"                (UNSTABLE + COMMIT; default); filesync = the message\n"
"                file opened O_DSYNC (FILE_SYNC writes)\n"
"  --link        deliver with link + unlink instead of rename\n"
"  --json        one JSON object per workload instead of RESULT lines\n"
"  -q            no progress line on stderr\n"
"  -h            this help\n",
	    DB_MAX_THREADS, DEF_OPS, DEF_TIME_CAP, DEF_WARMUP, DIR_PREFIX,
	    DEF_ENTRIES, DEF_MAILBOXES, DEF_MSG_SIZE);
}

static int
bad(const char *opt, const char *arg)
{
	fprintf(stderr, "diskbench: bad %s '%s' (see diskbench -h)\n", opt,
	    arg);
	return -1;
}

/* A count in [min, max]. */
static int
parse_count(const char *opt, const char *arg, uint64_t min, uint64_t max,
    uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' ||
	    v < min || v > max)
		return bad(opt, arg);
	*out = v;
	return 0;
}

/* A size with an optional K, M or G (binary) suffix, in [min, max]. */
static int
parse_size(const char *opt, const char *arg, uint64_t min, uint64_t max,
    uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || arg[0] == '-')
		return bad(opt, arg);
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end != '\0' || v > max / mul || v * mul < min)
		return bad(opt, arg);
	*out = v * mul;
	return 0;
}

static int
parse_secs(const char *opt, const char *arg, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(v >= min) ||
	    v > MAX_SECS)
		return bad(opt, arg);
	*out = v;
	return 0;
}

static void
opts_default(struct db_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->conns = 1;
	o->depth = 1;
	o->ops = DEF_OPS;
	o->time_cap = DEF_TIME_CAP;
	o->warmup = DEF_WARMUP;
	snprintf(o->dir, sizeof(o->dir), "%s%ld", DIR_PREFIX,
	    (long)getpid());
	o->file_size = DEF_FILE_SIZE;
	o->seq_size = DEF_SEQ_SIZE;
	o->entries = DEF_ENTRIES;
	o->mailboxes = DEF_MAILBOXES;
	o->msg_size = DEF_MSG_SIZE;
	o->sync = SYNC_COMMIT;
}

static int
parse_dir(const char *arg, struct db_opts *o)
{
	if (arg[0] == '\0' || strchr(arg, '/') != NULL ||
	    strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0 ||
	    strlen(arg) >= sizeof(o->dir))
		return bad("--dir", arg);
	snprintf(o->dir, sizeof(o->dir), "%s", arg);
	return 0;
}

static int
parse_sync(const char *arg, struct db_opts *o)
{
	if (strcmp(arg, "commit") == 0)
		o->sync = SYNC_COMMIT;
	else if (strcmp(arg, "filesync") == 0)
		o->sync = SYNC_FILESYNC;
	else
		return bad("--sync", arg);
	return 0;
}

/* One option; 0, -1 (bad), or 1 (help printed). */
static int
parse_one(int ch, const char *arg, struct db_opts *o, const char **wl)
{
	uint64_t v;
	int rc = 0;

	switch (ch) {
	case 'w': *wl = arg; break;
	case 'c':
		if ((rc = parse_count("-c", arg, 1, DB_MAX_CONNS, &v)) == 0)
			o->conns = (unsigned)v;
		break;
	case 'd':
		if ((rc = parse_count("-d", arg, 1, DB_MAX_DEPTH, &v)) == 0)
			o->depth = (unsigned)v;
		break;
	case 'n': rc = parse_count("-n", arg, 1, DB_MAX_OPS, &o->ops); break;
	case 'T': rc = parse_secs("-T", arg, 0.001, &o->time_cap); break;
	case 'W': rc = parse_secs("-W", arg, 0.0, &o->warmup); break;
	case OPT_DIR: rc = parse_dir(arg, o); break;
	case OPT_KEEP: o->keep = true; break;
	case OPT_FILE_SIZE:
		rc = parse_size("--file-size", arg, DB_IO_XFER, MAX_FILE_SIZE,
		    &o->file_size);
		break;
	case OPT_SEQ_SIZE:
		rc = parse_size("--seq-size", arg, DB_SEQ_XFER, MAX_FILE_SIZE,
		    &o->seq_size);
		break;
	case OPT_ENTRIES:
		if ((rc = parse_count("--entries", arg, 1, DB_MAX_ENTRIES,
		    &v)) == 0)
			o->entries = (unsigned)v;
		break;
	case OPT_MAILBOXES:
		if ((rc = parse_count("--mailboxes", arg, 1, DB_MAX_MAILBOXES,
		    &v)) == 0)
			o->mailboxes = (unsigned)v;
		break;
	case OPT_MSG_SIZE:
		if ((rc = parse_size("--msg-size", arg, 1, DB_MAX_MSG,
		    &v)) == 0)
			o->msg_size = (uint32_t)v;
		break;
	case OPT_SYNC: rc = parse_sync(arg, o); break;
	case OPT_LINK: o->link = true; break;
	case OPT_JSON: o->json = true; break;
	case 'q': o->quiet = true; break;
	case 'h': usage(stdout); return 1;
	default: usage(stderr); return -1;
	}
	return rc;
}

static int
parse_opts(int argc, char **argv, struct db_opts *o, const char **wl)
{
	int ch, rc;

	opts_default(o);
	*wl = "all";
	while ((ch = getopt_long(argc, argv, "w:c:d:n:T:W:qh", longopts,
	    NULL)) != -1)
		if ((rc = parse_one(ch, optarg, o, wl)) != 0)
			return rc;
	if (optind != argc - 1) {
		fprintf(stderr, "diskbench: one directory expected "
		    "(see diskbench -h)\n");
		return -1;
	}
	o->target = argv[optind];
	if (o->conns * o->depth > DB_MAX_THREADS) {
		fprintf(stderr, "diskbench: -c x -d is at most %u threads\n",
		    DB_MAX_THREADS);
		return -1;
	}
	return 0;
}

/* The workloads named in list, in order; null is skipped. */
static int
pick_workloads(const char *list, const struct workload **out, size_t *n)
{
	char buf[512], *tok, *save = NULL;
	size_t i;

	*n = 0;
	if (strcmp(list, "all") == 0) {
		for (i = 0; i < NWORKLOADS; i++)
			out[(*n)++] = workloads[i];
		return 0;
	}
	if (strlen(list) >= sizeof(buf))
		return bad("-w", list);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "null") == 0) {
			fprintf(stderr, "diskbench: null skipped (no local "
			    "equivalent of an RPC round trip)\n");
			continue;
		}
		for (i = 0; i < NWORKLOADS; i++)
			if (strcmp(tok, workloads[i]->name) == 0)
				break;
		if (i == NWORKLOADS || *n == NWORKLOADS)
			return bad("workload", tok);
		out[(*n)++] = workloads[i];
	}
	return 0;
}

/* Room for the mailboxes' directories, mix's files, one per thread. */
static int
raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t least = (rlim_t)D.o.mailboxes * FDS_PER_BOX + FDS_OTHERS +
	    (rlim_t)D.o.conns * D.o.depth;
	rlim_t want = least + FDS_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return -1;
	}
	if (rl.rlim_cur < least) {
		fprintf(stderr, "diskbench: --mailboxes %u and %u threads need "
		    "%llu open files, the limit is %llu\n", D.o.mailboxes,
		    D.o.conns * D.o.depth, (unsigned long long)least,
		    (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

static int
setup_buffers(void)
{
	D.wbuf_len = D.o.msg_size > DB_SEQ_XFER ? D.o.msg_size : DB_SEQ_XFER;
	if ((D.wbuf = malloc(D.wbuf_len)) == NULL)
		return -1;
	for (size_t i = 0; i < D.wbuf_len; i++)
		D.wbuf[i] = (char)('a' + i % 26);
	D.nworkers = D.o.conns * D.o.depth;
	if ((D.workers = calloc(D.nworkers, sizeof(*D.workers))) == NULL)
		return -1;
	for (unsigned i = 0; i < D.nworkers; i++) {
		struct worker *w = &D.workers[i];

		w->id = i;
		w->conn = i / D.o.depth;
		w->rng = 0x9E3779B97F4A7C15ull * (i + 1) ^ (uint64_t)getpid();
		if ((w->buf = malloc(DB_SEQ_XFER)) == NULL)
			return -1;
	}
	return 0;
}

static void
free_buffers(void)
{
	for (unsigned i = 0; i < D.nworkers && D.workers != NULL; i++)
		free(D.workers[i].buf);
	free(D.workers);
	free(D.wbuf);
}

static void
print_result(const struct bench_result *r)
{
	if (D.o.json)
		result_print_json(stdout, r);
	else
		result_print_line(stdout, r);
	fflush(stdout);
}

/* Run each; 0 if every one ran without an error. */
static int
run_all(const struct workload **wl, size_t n, struct bench_result *res,
    size_t *nres)
{
	const char *e;
	int rc = 0;

	*nres = 0;
	for (size_t i = 0; i < n; i++) {
		D.err[0] = '\0';
		if (run_workload(wl[i], &res[*nres]) != 0) {
			fprintf(stderr, "diskbench: %s: %s\n", wl[i]->name,
			    D.err[0] ? D.err : "failed");
			rc = -1;
			continue;
		}
		print_result(&res[*nres]);
		if (res[*nres].errors > 0 && (e = run_first_error()) != NULL) {
			fprintf(stderr, "diskbench: %s: %llu errors, the "
			    "first: %s\n", wl[i]->name,
			    (unsigned long long)res[*nres].errors, e);
			rc = -1;
		}
		(*nres)++;
	}
	return rc;
}

static void
print_table(const struct bench_result *res, size_t n)
{
	FILE *f = D.o.json ? stderr : stdout;

	if (n == 0 || (D.o.json && D.o.quiet))
		return;
	fprintf(f, "\n");
	result_print_header(f);
	for (size_t i = 0; i < n; i++)
		result_print_row(f, &res[i]);
}

int
main(int argc, char **argv)
{
	const struct workload *wl[NWORKLOADS];
	struct bench_result res[NWORKLOADS];
	const char *list;
	size_t n, nres = 0;
	int rc;

	if ((rc = parse_opts(argc, argv, &D.o, &list)) != 0)
		return rc > 0 ? 0 : 2;
	if (pick_workloads(list, wl, &n) != 0)
		return 2;
	D.tty = isatty(STDERR_FILENO);
	if (raise_fd_limit() != 0)
		return 1;
	if (setup_buffers() != 0) {
		fprintf(stderr, "diskbench: out of memory\n");
		free_buffers();
		return 1;
	}
	if (work_open() != 0) {
		fprintf(stderr, "diskbench: %s\n", D.err);
		free_buffers();
		return 1;
	}
	rc = run_all(wl, n, res, &nres);
	print_table(res, nres);
	if (!D.o.keep && work_remove() != 0) {
		fprintf(stderr, "diskbench: %s\n", D.err);
		rc = -1;
	}
	if (D.workfd != -1)
		close(D.workfd);
	free_buffers();
	return rc == 0 ? 0 : 1;
}
