/*
 * main.c - nfsd: command line, start-up (exports, state directory,
 * sockets, rpcbind), daemonizing, signals, and a clean shutdown that
 * takes our programs off rpcbind again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mountlist.h"
#include "nfsd.h"
#include "rpcbind.h"

struct options {
	bool		 foreground;
	bool		 no_rpcbind;
	bool		 check_only;
	bool		 show_stats;
	bool		 verbose;
	const char	*exports;
	const char	*statedir;
	const char	*bind;
	uint16_t	 nfs_port;
	uint16_t	 mount_port;
	struct rpc_server_config cfg;	/* -o tunables */
};

enum tunable_type {
	TUNE_INT,
	TUNE_UNSIGNED,
	TUNE_SIZE,
};

/* The -o tunables: name, the field it sets, its bounds. */
static const struct tunable {
	const char		*name;
	enum tunable_type	 type;
	size_t			 off;
	unsigned long		 min, max;
	const char		*what;
} tunables[] = {
#define T(n, t, f, lo, hi, w) \
	{ n, t, offsetof(struct rpc_server_config, f), lo, hi, w }
	T("workers", TUNE_INT, nworkers, 1, 256,
	    "worker threads (calls that flush to disk)"),
	T("loops", TUNE_UNSIGNED, nloops, 0, RPC_LOOPS_MAX,
	    "event loop threads (0: one per CPU)"),
	T("quick-inline", TUNE_UNSIGNED, quick_inline, 0, 1,
	    "1: loops run quick calls themselves; 0: all to workers"),
	T("max-conns", TUNE_SIZE, max_conns, 1, 65536, "TCP connections"),
	T("max-inflight", TUNE_UNSIGNED, max_inflight, 1, 65536,
	    "calls in progress per connection"),
	T("max-record", TUNE_SIZE, max_record, 65536, RPC_MAX_RECORD,
	    "bytes in one RPC record (READ/WRITE sizes follow)"),
	T("idle-timeout", TUNE_UNSIGNED, idle_timeout, 0, 86400,
	    "seconds before an idle connection is closed (0: never)"),
	T("drc-entries", TUNE_SIZE, drc_entries, 16, 1 << 20,
	    "replies kept by the duplicate request cache"),
#undef T
};
#define NTUNABLES	(sizeof(tunables) / sizeof(tunables[0]))

/* MOUNT versions served and registered; NFS is version 3 only. */
static const uint32_t mount_vers[] = { 1, 2, 3 };
#define NMOUNT_VERS	(sizeof(mount_vers) / sizeof(mount_vers[0]))
#define NFS_VERS	3
#define FD_SPARE	64	/* besides the cache and the connections */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: nfsd [-fNStv] [-e exports] [-s statedir] [-p nfsport] [-m mountport]\n"
"            [-b address] [-o name=value,...]\n"
"  -f            stay in the foreground, log to stderr\n"
"  -e exports    exports file, FreeBSD exports(5) syntax (%s)\n"
"  -s statedir   handle key, mount list, pid file (%s)\n"
"  -p nfsport    NFS port, TCP and UDP (%d)\n"
"  -m mountport  MOUNT port, TCP and UDP (%d)\n"
"  -b address    listen on this address only (default: all)\n"
"  -N            do not register with rpcbind\n"
"  -o name=value[,name=value...]  limits (see nfsd -o help)\n"
"  -t            check the exports file and exit\n"
"  -S            print the running server's statistics (of -s statedir)\n"
"  -v            verbose (debug) logging\n"
"  -h            this help\n"
"Signals: SIGHUP re-reads the exports file; SIGUSR1 writes statistics\n"
"to statedir/stats and the log; SIGTERM/SIGINT stop.\n",
	    NFSD_DEFAULT_EXPORTS, NFSD_DEFAULT_STATEDIR,
	    NFSD_DEFAULT_NFS_PORT, NFSD_DEFAULT_MOUNT_PORT);
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static void
tunables_help(FILE *f)
{
	size_t i;

	fprintf(f, "nfsd -o tunables:\n");
	for (i = 0; i < NTUNABLES; i++)
		fprintf(f, "  %-13s %s (%lu..%lu)\n", tunables[i].name,
		    tunables[i].what, tunables[i].min, tunables[i].max);
}

static int
set_tunable(struct rpc_server_config *cfg, const char *name, size_t len,
    const char *value)
{
	const struct tunable *t;
	unsigned long v;
	char *end, *field;
	size_t i;

	for (i = 0; i < NTUNABLES; i++) {
		t = &tunables[i];
		if (strlen(t->name) != len || strncmp(t->name, name, len) != 0)
			continue;
		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno != 0 || end == value || (*end != '\0' &&
		    *end != ',') || value[0] == '-' || v < t->min ||
		    v > t->max) {
			fprintf(stderr, "nfsd: -o %s: wants %lu..%lu\n",
			    t->name, t->min, t->max);
			return -1;
		}
		field = (char *)cfg + t->off;
		switch (t->type) {
		case TUNE_INT:
			*(int *)(void *)field = (int)v;
			break;
		case TUNE_UNSIGNED:
			*(unsigned *)(void *)field = (unsigned)v;
			break;
		case TUNE_SIZE:
			*(size_t *)(void *)field = v;
			break;
		}
		return 0;
	}
	fprintf(stderr, "nfsd: -o %.*s: unknown (nfsd -o help lists them)\n",
	    (int)len, name);
	return -1;
}

/* -o workers=16,idle-timeout=600 */
static int
parse_tunables(struct rpc_server_config *cfg, const char *arg)
{
	const char *p = arg, *eq, *comma;

	if (strcmp(arg, "help") == 0) {
		tunables_help(stdout);
		exit(0);
	}
	while (*p != '\0') {
		eq = strchr(p, '=');
		comma = strchr(p, ',');
		if (eq == NULL || (comma != NULL && comma < eq)) {
			fprintf(stderr, "nfsd: -o %s: wants name=value\n", p);
			return -1;
		}
		if (set_tunable(cfg, p, (size_t)(eq - p), eq + 1) == -1)
			return -1;
		p = comma != NULL ? comma + 1 : eq + strlen(eq);
	}
	return 0;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->exports = NFSD_DEFAULT_EXPORTS;
	o->statedir = NFSD_DEFAULT_STATEDIR;
	o->nfs_port = NFSD_DEFAULT_NFS_PORT;
	o->mount_port = NFSD_DEFAULT_MOUNT_PORT;
	o->cfg.max_record = RPC_MAX_RECORD;
	o->cfg.nworkers = RPC_WORKERS_DEFAULT;
	o->cfg.quick_inline = 1;
	o->cfg.max_conns = RPC_MAX_CONNS_DEFAULT;
	o->cfg.max_inflight = RPC_MAX_INFLIGHT_DEFAULT;
	o->cfg.idle_timeout = RPC_IDLE_TIMEOUT_DEFAULT;
	while ((ch = getopt(argc, argv, "fe:s:p:m:b:o:NStvh")) != -1) {
		switch (ch) {
		case 'f':
			o->foreground = true;
			break;
		case 'e':
			o->exports = optarg;
			break;
		case 's':
			o->statedir = optarg;
			break;
		case 'p':
		case 'm':
			if (parse_port(optarg, ch == 'p' ? &o->nfs_port :
			    &o->mount_port) == -1) {
				fprintf(stderr, "nfsd: -%c %s: not a port\n",
				    ch, optarg);
				exit(2);
			}
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'N':
			o->no_rpcbind = true;
			break;
		case 'o':
			if (parse_tunables(&o->cfg, optarg) == -1)
				exit(2);
			break;
		case 't':
			o->check_only = true;
			break;
		case 'S':
			o->show_stats = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/* nfsd -t: like nginx -t, check the file and say so. */
static int
check_exports(const char *file)
{
	struct export_table *t;
	char err[512];

	if (export_parse_file(file, &t, err, sizeof(err)) == -1) {
		fprintf(stderr, "nfsd: %s\n", err);
		fprintf(stderr, "nfsd: %s: test failed\n", file);
		return 1;
	}
	printf("nfsd: %s: syntax is ok, %zu exports\n", file, t->nexports);
	export_table_free(&t);
	return 0;
}

static int
statedir_prepare(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("state directory %s", dir);
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("state directory %s: not a directory", dir);
		return -1;
	}
	return 0;
}

static void
rpcbind_unset_all(void)
{
	size_t i;

	rpcbind_unset(NFS_PROGRAM_NUM, NFS_VERS);
	for (i = 0; i < NMOUNT_VERS; i++)
		rpcbind_unset(MOUNT_PROGRAM_NUM, mount_vers[i]);
}

/* Register NFS on the NFS port's sockets, MOUNT on the MOUNT port's. */
static int
rpcbind_register(struct rpc_server *srv, const struct options *o)
{
	const struct rpc_listener *ls;
	size_t n, i, v;
	char err[256];

	if (rpcbind_check(err, sizeof(err)) == -1) {
		log_error("%s; start rpcbind, or run with -N", err);
		return -1;
	}
	rpcbind_unset_all();	/* stale entries of an earlier run */
	n = rpc_server_listeners(srv, &ls);
	for (i = 0; i < n; i++) {
		if (ls[i].port == o->nfs_port &&
		    rpcbind_set(NFS_PROGRAM_NUM, NFS_VERS, &ls[i]) == -1)
			goto fail;
		for (v = 0; v < NMOUNT_VERS && ls[i].port == o->mount_port;
		    v++)
			if (rpcbind_set(MOUNT_PROGRAM_NUM, mount_vers[v],
			    &ls[i]) == -1)
				goto fail;
	}
	return 0;
fail:
	rpcbind_unset_all();
	return -1;
}

static int
pidfile_write(const char *dir)
{
	char path[4096], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, NFSD_PIDFILE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("%s", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_warn("%s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
pidfile_remove(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, NFSD_PIDFILE);
	(void)unlink(path);
}

/*
 * SIGUSR1: the report into STATEDIR/stats (written aside, then renamed
 * into place) and into the log.
 */
static int
stats_write(struct rpc_server *srv, const char *dir)
{
	char path[4096], tmp[4096], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, NFSD_STATSFILE);
	snprintf(tmp, sizeof(tmp), "%s/%s.new", dir, NFSD_STATSFILE);
	if ((f = fopen(tmp, "w+e")) == NULL) {
		log_warn("%s", tmp);
		return -1;
	}
	rpc_server_report(srv, f);
	if (fflush(f) == EOF || ferror(f) || rename(tmp, path) == -1) {
		log_warn("%s", path);
		fclose(f);
		return -1;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		log_info("stats: %s", line);
	}
	fclose(f);
	return 0;
}

/* nfsd -S: ask the running server for its report and print it. */
static int
stats_show(const char *dir)
{
	char path[4096], buf[4096];
	struct stat before, after;
	FILE *f;
	long pid;
	int i;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, NFSD_PIDFILE);
	if ((f = fopen(path, "re")) == NULL || fscanf(f, "%ld", &pid) != 1) {
		fprintf(stderr, "nfsd: %s: no running server\n", path);
		if (f != NULL)
			fclose(f);
		return 1;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, NFSD_STATSFILE);
	if (stat(path, &before) == -1)
		memset(&before, 0, sizeof(before));
	if (kill((pid_t)pid, SIGUSR1) == -1) {
		fprintf(stderr, "nfsd: pid %ld: %s\n", pid, strerror(errno));
		return 1;
	}
	for (i = 0; i < 50; i++) {	/* up to 5 s */
		if (stat(path, &after) == 0 &&
		    (after.st_ino != before.st_ino ||
		    after.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
		    after.st_mtim.tv_sec != before.st_mtim.tv_sec))
			break;
		usleep(100000);
	}
	if (i == 50) {
		fprintf(stderr, "nfsd: pid %ld wrote no statistics within 5 s\n",
		    pid);
		return 1;
	}
	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "nfsd: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

struct sigctx {
	struct rpc_server	*srv;
	struct nfsd		*d;
};

static void
on_signal(int fd, void *arg)
{
	struct sigctx *s = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: re-reading %s", s->d->exports_file);
			(void)nfsd_exports_reload(s->d);
		} else if (si.ssi_signo == SIGUSR1) {
			(void)stats_write(s->srv, s->d->statedir);
		} else {
			log_info("signal %u: shutting down", si.ssi_signo);
			rpc_server_stop(s->srv);
		}
	}
}

/* Block the signals in every thread; the loop reads them from a fd. */
static int
signals_setup(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static struct rpc_server *
server_start(struct nfsd *d, const struct options *o)
{
	static struct rpc_prog table[2];
	struct rpc_server *srv;

	table[0] = nfs_program;
	table[1] = mount_program;
	if ((srv = rpc_server_create(table, 2, d, &o->cfg)) == NULL) {
		log_warn("server");
		return NULL;
	}
	if (rpc_server_listen(srv, o->bind, o->nfs_port) == -1 ||
	    (o->mount_port != o->nfs_port &&
	    rpc_server_listen(srv, o->bind, o->mount_port) == -1)) {
		rpc_server_free(&srv);
		return NULL;
	}
	return srv;
}

/* Everything a run holds; nfsd_cleanup releases whatever was set up. */
struct run {
	struct options		 o;
	struct nfsd		 d;
	struct rpc_server	*srv;
	bool			 registered;
	bool			 pidfile;
	int			 sfd;
};

/*
 * The open-file cache keeps two descriptors per entry: take the hard
 * limit, and size the cache to what it allows beside the connections
 * and the READ data queued for them (tails).
 */
static size_t
fcache_size(size_t max_conns)
{
	size_t reserve = max_conns + RPC_TAILS_MAX + FD_SPARE, spare;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return VFS_FCACHE_SIZE / 16;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	spare = rl.rlim_cur > reserve + FD_SPARE ? rl.rlim_cur - reserve :
	    FD_SPARE;
	if (spare / 2 < VFS_FCACHE_SIZE) {
		log_warnx("%zu open-file cache entries only: raise the "
		    "descriptor limit", spare / 2);
		return spare / 2;
	}
	return VFS_FCACHE_SIZE;
}

/* Make *path absolute (it stays allocated for the run). */
static int
absolute(const char **path)
{
	char *real;

	if ((real = realpath(*path, NULL)) == NULL) {
		log_warn("%s", *path);
		return -1;
	}
	*path = real;
	return 0;
}

static int
nfsd_setup(struct run *r)
{
	struct nfsd *d = &r->d;

	/* daemon() moves to /: keep the paths meaning what they meant */
	if (absolute(&r->o.exports) == -1 ||
	    statedir_prepare(r->o.statedir) == -1 ||
	    absolute(&r->o.statedir) == -1)
		return -1;
	d->exports_file = r->o.exports;
	d->statedir = r->o.statedir;
	d->io_max = nfsd_io_max(r->o.cfg.max_record);
	umask(0);		/* clients give the modes of what they create */
	nfsd_verf_init(d);
	if (vfs_fcache_init(fcache_size(r->o.cfg.max_conns)) == -1) {
		log_warn("open-file cache");
		return -1;
	}
	if (nfsd_exports_load(d) == -1 ||
	    handle_key_load(r->o.statedir, &d->key) == -1 ||
	    (d->mounts = mountlist_open(r->o.statedir)) == NULL)
		return -1;
	if ((r->srv = server_start(d, &r->o)) == NULL)
		return -1;
	if (r->o.no_rpcbind)
		log_info("not registering with rpcbind: NFS on port %u, "
		    "MOUNT on port %u (tcp and udp)", r->o.nfs_port,
		    r->o.mount_port);
	else if (rpcbind_register(r->srv, &r->o) == -1)
		return -1;
	else
		r->registered = true;
	return 0;
}

static void
nfsd_cleanup(struct run *r)
{
	if (r->registered)
		rpcbind_unset_all();
	if (r->pidfile)
		pidfile_remove(r->o.statedir);
	rpc_server_free(&r->srv);
	if (r->sfd != -1)
		close(r->sfd);
	mountlist_close(&r->d.mounts);
	nfsd_exports_free(&r->d);
	vfs_readdir_close();
	vfs_fcache_free();
}

int
main(int argc, char **argv)
{
	static struct run r;
	struct sigctx sc;
	int rc = 1;

	parse_args(argc, argv, &r.o);
	if (r.o.check_only)
		return check_exports(r.o.exports);
	if (r.o.show_stats)
		return stats_show(r.o.statedir);
	log_init("nfsd", true, r.o.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	r.sfd = -1;
	if (nfsd_setup(&r) == -1)
		goto out;
	if (!r.o.foreground) {
		if (daemon(0, 0) == -1) {
			log_warn("daemon");
			goto out;
		}
		log_init("nfsd", false,
		    r.o.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	}
	r.pidfile = pidfile_write(r.o.statedir) == 0;
	if ((r.sfd = signals_setup()) == -1) {
		log_warn("signals");
		goto out;
	}
	sc.srv = r.srv;
	sc.d = &r.d;
	if (rpc_server_watch(r.srv, r.sfd, on_signal, &sc) == -1) {
		log_warn("watch signals");
		goto out;
	}
	log_info("ready: NFS v3 on port %u, MOUNT v1-3 on port %u",
	    r.o.nfs_port, r.o.mount_port);
	rc = rpc_server_run(r.srv) == 0 ? 0 : 1;
	log_info("stopped");
out:
	nfsd_cleanup(&r);
	return rc;
}
