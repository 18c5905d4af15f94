/*
 * workers.c - -j N: one workload run by N worker processes, each with
 * its share of the connections and of the operations and its own poll
 * loop (for when one core cannot drive the load).  The parent made the
 * fixtures; each worker opens its own connections, runs the job, and
 * sends back its counts and latencies, which the parent merges.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfsbench.h"

#define KEEPALIVE_NS	(60ull * 1000000000ull)
#define WAIT_MS		1000
#define PROGRESS_NS	1000000000ull

/* What a worker sends back through its pipe. */
struct wresult {
	int		 status;	/* 0, or -1: err says why */
	uint64_t	 done, errors, bytes;
	uint64_t	 t_measure, t_last;
	char		 first_error[256];
	char		 err[256];
	struct lat_hist	 lat;
};

struct worker {
	pid_t		 pid;
	int		 fd;
	size_t		 got;
	struct wresult	 res;
};

static void
share_of(uint64_t total, unsigned k, unsigned n, uint64_t *count,
    uint64_t *base)
{
	*count = total / n + (k < total % n);
	*base = (uint64_t)k * (total / n) + (k < total % n ? k : total % n);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* In the worker: its connections, its part of the job, the result. */
static void __attribute__((noreturn))
worker_main(const struct workload *w, struct run_params p, unsigned k,
    int fd)
{
	static struct wresult res;
	uint64_t conns, base, ops, skip;
	struct run r;

	memset(&res, 0, sizeof(res));
	share_of(B.o.conns, k, B.o.jobs, &conns, &base);
	share_of(p.ops, k, B.o.jobs, &ops, &skip);
	conns_close();			/* the parent's, not ours */
	B.o.conns = (unsigned)conns;
	B.conn_base = (unsigned)base;
	B.job_id = k;
	B.rng ^= (k + 1) * 0x9E3779B97F4A7C15ull;
	p.ops = ops;
	p.warmup_ops /= B.o.jobs;
	p.progress = false;
	lat_init(&res.lat);
	p.lat = &res.lat;
	res.status = -1;
	if (conns_open(false) != 0 ||
	    (w->worker_init != NULL && w->worker_init() != 0)) {
		snprintf(res.err, sizeof(res.err), "worker %u: %.200s", k,
		    B.err);
	} else if (run_job(w->job, &p, &r) != 0) {
		snprintf(res.err, sizeof(res.err), "worker %u: %.200s", k,
		    B.err);
	} else {
		res.status = 0;
		res.done = r.done;
		res.errors = r.errors;
		res.bytes = r.bytes;
		res.t_measure = r.t_measure;
		res.t_last = r.t_last;
		if (r.first_error != NULL)
			snprintf(res.first_error, sizeof(res.first_error),
			    "%s", r.first_error);
	}
	conns_close();
	_exit(write_all(fd, &res, sizeof(res)) == 0 ? 0 : 1);
}

static int
spawn(struct worker *ws, const struct workload *w,
    const struct run_params *p, volatile struct wshare *share)
{
	for (unsigned k = 0; k < B.o.jobs; k++) {
		int pfd[2];

		if (pipe(pfd) != 0) {
			seterr("pipe: %s", strerror(errno));
			return -1;
		}
		fflush(NULL);
		ws[k].pid = fork();
		if (ws[k].pid < 0) {
			seterr("fork: %s", strerror(errno));
			close(pfd[0]);
			close(pfd[1]);
			return -1;
		}
		if (ws[k].pid == 0) {
			close(pfd[0]);
			for (unsigned j = 0; j < k; j++)
				close(ws[j].fd);
			B.share = &share[k];
			worker_main(w, *p, k, pfd[1]);
		}
		close(pfd[1]);
		ws[k].fd = pfd[0];
	}
	return 0;
}

/* Read what came from worker k; false once its pipe is done. */
static bool
collect(struct worker *wk)
{
	ssize_t n = read(wk->fd, (char *)&wk->res + wk->got,
	    sizeof(wk->res) - wk->got);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(wk->fd);
		wk->fd = -1;
		return false;
	}
	wk->got += (size_t)n;
	return true;
}

static void
show_progress(const struct workload *w, const volatile struct wshare *share,
    uint64_t t0)
{
	struct run r;

	memset(&r, 0, sizeof(r));
	r.t_start = r.t_measure = t0;
	r.phase = PH_MEASURE;
	for (unsigned k = 0; k < B.o.jobs; k++) {
		r.done += share[k].done;
		r.errors += share[k].errors;
		if (share[k].measuring && share[k].t_measure > r.t_measure)
			r.t_measure = share[k].t_measure;
		if (!share[k].measuring)
			r.phase = PH_WARMUP;
	}
	progress_show(&r, w->name, now_ns(), false);
}

/* Merge the workers' results into r (and lat); -1 if one failed. */
static int
merge(struct worker *ws, struct run *r, struct lat_hist *lat)
{
	int rc = 0;

	memset(r, 0, sizeof(r[0]));
	r->t_measure = UINT64_MAX;
	for (unsigned k = 0; k < B.o.jobs; k++) {
		const struct wresult *x = &ws[k].res;
		static char first[256];

		if (ws[k].got != sizeof(*x) || x->status != 0) {
			seterr("%s", ws[k].got == sizeof(*x) ? x->err :
			    "a worker process died");
			rc = -1;
			continue;
		}
		r->done += x->done;
		r->errors += x->errors;
		r->bytes += x->bytes;
		if (x->t_measure < r->t_measure)
			r->t_measure = x->t_measure;
		if (x->t_last > r->t_last)
			r->t_last = x->t_last;
		if (lat != NULL)
			lat_merge(lat, &x->lat);
		if (r->first_error == NULL && x->first_error[0] != '\0') {
			snprintf(first, sizeof(first), "%s", x->first_error);
			r->first_error = first;
		}
	}
	if (r->t_measure == UINT64_MAX || r->t_last < r->t_measure)
		r->t_measure = r->t_last;
	return rc;
}

int
run_workers(const struct workload *w, const struct run_params *p,
    struct run *r)
{
	struct worker ws[NB_MAX_JOBS];
	volatile struct wshare *share;
	struct pollfd pfd[NB_MAX_JOBS];
	uint64_t t0 = now_ns(), last_ping = t0, next_progress = t0 + PROGRESS_NS;
	unsigned open;
	int rc;

	memset(ws, 0, sizeof(ws));
	share = mmap(NULL, sizeof(*share) * B.o.jobs, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (share == MAP_FAILED) {
		seterr("mmap: %s", strerror(errno));
		return -1;
	}
	memset((void *)share, 0, sizeof(*share) * B.o.jobs);
	rc = spawn(ws, w, p, share);
	open = 0;
	for (unsigned k = 0; k < B.o.jobs; k++)
		open += ws[k].pid > 0;
	while (rc == 0 && open > 0) {
		unsigned n = 0, map[NB_MAX_JOBS];

		for (unsigned k = 0; k < B.o.jobs; k++)
			if (ws[k].fd >= 0 && ws[k].pid > 0) {
				pfd[n].fd = ws[k].fd;
				pfd[n].events = POLLIN;
				map[n++] = k;
			}
		if (n == 0)
			break;
		if (poll(pfd, n, WAIT_MS) > 0)
			for (unsigned i = 0; i < n; i++)
				if (pfd[i].revents != 0 && !collect(&ws[map[i]]))
					open--;
		if (p->progress && now_ns() >= next_progress) {
			show_progress(w, share, t0);
			next_progress = now_ns() + PROGRESS_NS;
		}
		/* Our own idle connection must not time out meanwhile. */
		if (now_ns() - last_ping > KEEPALIVE_NS) {
			(void)sync_null();
			last_ping = now_ns();
		}
	}
	for (unsigned k = 0; k < B.o.jobs; k++) {
		if (ws[k].pid <= 0)
			continue;
		if (rc != 0)
			kill(ws[k].pid, SIGTERM);
		while (waitpid(ws[k].pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (ws[k].fd >= 0)
			close(ws[k].fd);
	}
	if (p->progress)
		progress_show(r, w->name, now_ns(), true);
	munmap((void *)share, sizeof(*share) * B.o.jobs);
	if (rc != 0)
		return rc;
	return merge(ws, r, p->lat);
}
