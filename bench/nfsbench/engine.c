/*
 * engine.c - the one poll() loop that drives every connection: fills
 * each connection's slots with operations of a job, runs the warm-up,
 * the measured phase (a fixed operation count, a time cap) and the
 * drain, and keeps the latency of every measured operation.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "nfsbench.h"

#define POLL_MS			100
#define PROGRESS_NS		1000000000ull
#define DRAIN_TIMEOUT_NS	(60ull * 1000000000ull)
#define NS_PER_SEC		1e9

static struct run *cur;		/* the run in progress */

uint64_t
rnd(void)
{
	/* xorshift64*: cheap, good enough to pick offsets and names. */
	B.rng ^= B.rng >> 12;
	B.rng ^= B.rng << 25;
	B.rng ^= B.rng >> 27;
	return B.rng * 0x2545F4914F6CDD1Dull;
}

uint64_t
rnd_below(uint64_t n)
{
	return n > 0 ? rnd() % n : 0;
}

bool
run_stopping(const struct run *r)
{
	return r->phase == PH_STOP;
}

/* No further operation will be started in this run. */
bool
run_issuing_done(const struct run *r)
{
	return r->phase == PH_STOP ||
	    (r->phase == PH_MEASURE && r->issued >= r->p.ops);
}

/* A transfer size the server takes (FSINFO), at most want. */
uint32_t
write_xfer(uint32_t want)
{
	return B.wtmax > 0 && B.wtmax < want ? B.wtmax : want;
}

uint32_t
read_xfer(uint32_t want)
{
	return B.rtmax > 0 && B.rtmax < want ? B.rtmax : want;
}

/*
 * The measured phase starts: operations still in flight from the
 * warm-up count as measured ones that complete in it (a long operation,
 * a listing of 100,000 entries at depth 16, may outlast a short -T).
 */
static void
begin_measure(struct run *r, uint64_t t)
{
	r->phase = PH_MEASURE;
	r->t_measure = t;
	r->t_last = t;
	for (unsigned i = 0; i < B.nconns; i++)
		for (unsigned j = 0; j < r->depth; j++) {
			struct slot *s = &B.conns[i].slots[j];

			if (s->state == SLOT_BUSY && !s->measured &&
			    r->issued < r->p.ops) {
				s->measured = true;
				r->issued++;
			}
		}
}

/* Count an error of the run (the first one is kept for the report). */
static void
note_error(struct run *r, struct slot *s, const char *what, int status)
{
	static char buf[256];

	if (r->first_error != NULL)
		return;
	if (status >= 0)
		snprintf(buf, sizeof(buf), "%s %s: %s", r->job->name, what,
		    nfsstat_str(status));
	else if (status == NB_ECHECK)
		snprintf(buf, sizeof(buf), "%s: %s", r->job->name, what);
	else
		snprintf(buf, sizeof(buf), "%s %s: %s", r->job->name, what,
		    s->conn->rpc != NULL && rpc_get_error(s->conn->rpc) ?
		    rpc_get_error(s->conn->rpc) : "RPC failed");
	r->first_error = buf;
}

static void
slot_wait(struct run *r, struct slot *s)
{
	if (s->state != SLOT_WAIT)
		r->waiting++;
	s->state = SLOT_WAIT;
}

static void
slot_rest(struct run *r, struct slot *s)
{
	if (s->state == SLOT_WAIT)
		r->waiting--;
	s->state = SLOT_IDLE;
}

/* Start the slot's next operation, if the run wants one; t is now. */
static void
slot_issue_at(struct slot *s, uint64_t t)
{
	struct run *r = s->run;
	int rc;

	if (s->conn->dead || r->phase == PH_STOP) {
		slot_rest(r, s);
		return;
	}
	if (r->phase == PH_WARMUP && r->p.warmup_ops > 0 &&
	    r->seq >= r->p.warmup_ops)
		begin_measure(r, t);
	if (r->phase == PH_MEASURE && r->issued >= r->p.ops) {
		r->phase = PH_STOP;
		slot_rest(r, s);
		return;
	}
	s->measured = r->phase == PH_MEASURE;
	s->seqno = r->seq;
	s->step = 0;
	s->t0 = t;
	rc = r->job->start(s);
	if (rc == START_WAIT) {
		slot_wait(r, s);
		return;
	}
	r->seq++;
	if (s->measured)
		r->issued++;
	if (rc == START_FAIL) {
		/* Not sent: an error; the slot tries again next turn. */
		note_error(r, s, "send", -1);
		if (s->measured) {
			r->done++;
			r->errors++;
		} else if (r->p.setup) {
			r->errors++;
		}
		slot_wait(r, s);
		return;
	}
	slot_rest(r, s);
	s->state = SLOT_BUSY;
	r->busy++;
}

static void
slot_issue(struct slot *s)
{
	slot_issue_at(s, now_ns());
}

void
op_done(struct slot *s, bool ok, uint64_t bytes)
{
	struct run *r = s->run;
	uint64_t t = now_ns();

	if (s->state != SLOT_BUSY)
		return;
	s->state = SLOT_IDLE;
	r->busy--;
	if (s->measured) {
		r->done++;
		r->bytes += bytes;
		if (!ok)
			r->errors++;
		if (r->lat != NULL)
			lat_record(r->lat, t - s->t0);
		r->t_last = t;
	} else if (!ok && r->p.setup) {
		r->errors++;
	}
	if (!ok && s->conn->dead)
		return;
	slot_issue_at(s, t);
}

void
op_error(struct slot *s, const char *what, int status)
{
	note_error(s->run, s, what, status);
	op_done(s, false, 0);
}

int
reply_status(int status, const void *data)
{
	if (status != RPC_STATUS_SUCCESS || data == NULL)
		return -1;
	return (int)*(const nfsstat3 *)data;	/* every result starts so */
}

bool
reply_ok(struct slot *s, int status, const void *data, const char *what)
{
	int st = reply_status(status, data);

	if (st != NFS3_OK) {
		op_error(s, what, st);
		return false;
	}
	return true;
}

/*
 * The operation in s cannot go on now (a resource is busy): it stays
 * in flight and the job's resume() is called on a later loop turn.
 */
void
op_park(struct slot *s)
{
	if (!s->parked) {
		s->parked = true;
		s->run->parked++;
	}
}

static void
slot_resume_parked(struct run *r)
{
	for (unsigned i = 0; i < B.nconns && r->parked > 0; i++)
		for (unsigned j = 0; j < r->depth; j++) {
			struct slot *s = &B.conns[i].slots[j];

			if (!s->parked)
				continue;
			s->parked = false;
			r->parked--;
			if (s->conn->dead)
				op_done(s, false, 0);
			else
				r->job->resume(s);
		}
}

/* Slots that had to wait (a resource busy) try again. */
void
slot_retry_waiting(struct run *r)
{
	for (unsigned i = 0; i < B.nconns && r->waiting > 0; i++)
		for (unsigned j = 0; j < r->depth; j++) {
			struct slot *s = &B.conns[i].slots[j];

			if (s->state == SLOT_WAIT)
				slot_issue(s);
		}
}

static unsigned
alive_conns(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < B.nconns; i++)
		n += !B.conns[i].dead;
	return n;
}

/* Phase changes by the clock. */
static void
run_tick(struct run *r, uint64_t t)
{
	if (r->phase == PH_WARMUP &&
	    t - r->t_start >= (uint64_t)(r->p.warmup * NS_PER_SEC))
		begin_measure(r, t);
	if (r->phase == PH_MEASURE &&
	    t - r->t_measure >= (uint64_t)(r->p.cap * NS_PER_SEC))
		r->phase = PH_STOP;
}

/*
 * libnfs sends each queued call with its own send(): with several in
 * flight, cork the socket around the sending so that they leave in as
 * few segments as possible (on loopback the sender pays for the
 * receiver's TCP processing of every segment).
 */
static int
conn_service(struct conn *c, int revents)
{
	int fd = rpc_get_fd(c->rpc), on = 1, off = 0, rc;
	bool cork = (revents & POLLOUT) && cur != NULL && cur->depth > 1;

	if (cork)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
	rc = rpc_service(c->rpc, revents);
	if (cork && rc == 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
	return rc;
}

static int
poll_once(struct run *r)
{
	struct pollfd pfd[NB_MAX_CONNS];
	unsigned map[NB_MAX_CONNS], n = 0;
	int rc;

	for (unsigned i = 0; i < B.nconns; i++) {
		struct conn *c = &B.conns[i];

		if (c->dead || c->rpc == NULL)
			continue;
		pfd[n].fd = rpc_get_fd(c->rpc);
		pfd[n].events = (short)rpc_which_events(c->rpc);
		pfd[n].revents = 0;
		map[n++] = i;
	}
	if (n == 0)
		return -1;
	rc = poll(pfd, n, POLL_MS);
	if (rc == -1 && errno != EINTR) {
		seterr("poll: %s", strerror(errno));
		return -1;
	}
	for (unsigned k = 0; k < n; k++) {
		struct conn *c = &B.conns[map[k]];

		/* No libnfs timeouts are used: only sockets with events
		 * need servicing (rpc_service scans its queues). */
		if (c->dead || rc <= 0 || pfd[k].revents == 0)
			continue;
		if (conn_service(c, pfd[k].revents) < 0) {
			char why[256];

			snprintf(why, sizeof(why), "%s",
			    rpc_get_error(c->rpc) ? rpc_get_error(c->rpc) :
			    "connection lost");
			if (r->first_error == NULL)
				r->first_error = "connection lost";
			conn_drop(c, why);
		}
	}
	return 0;
}

/* Busy slots of a run that would not drain: their connections go. */
static void
drop_busy_conns(const struct run *r)
{
	for (unsigned i = 0; i < B.nconns; i++)
		for (unsigned j = 0; j < r->depth; j++)
			if (B.conns[i].slots[j].state == SLOT_BUSY) {
				conn_drop(&B.conns[i], "no reply in time");
				break;
			}
}

int
run_job(const struct job *job, const struct run_params *p, struct run *r)
{
	uint64_t t, next_progress, t_stop = 0;

	memset(r, 0, sizeof(*r));
	r->job = job;
	r->p = *p;
	r->lat = p->lat;
	/* Setup goes at least NB_SETUP_DEPTH deep, whatever -d says. */
	r->depth = p->setup && B.slots_per_conn > B.o.depth ?
	    B.slots_per_conn : B.o.depth;
	r->t_start = now_ns();
	r->phase = p->warmup > 0 ? PH_WARMUP : PH_MEASURE;
	r->t_measure = r->t_last = r->t_start;
	if (r->p.ops == 0)
		r->phase = PH_STOP;
	cur = r;
	next_progress = r->t_start + PROGRESS_NS;
	for (unsigned i = 0; i < B.nconns; i++)
		for (unsigned j = 0; j < B.slots_per_conn; j++) {
			B.conns[i].slots[j].run = r;
			B.conns[i].slots[j].state = SLOT_IDLE;
			B.conns[i].slots[j].parked = false;
		}
	for (unsigned j = 0; j < r->depth; j++)
		for (unsigned i = 0; i < B.nconns; i++)
			slot_issue(&B.conns[i].slots[j]);
	while (r->busy > 0 || (r->phase != PH_STOP && r->waiting > 0)) {
		if (alive_conns() == 0)
			break;
		if (poll_once(r) != 0)
			break;
		t = now_ns();
		run_tick(r, t);
		if (r->parked > 0)
			slot_resume_parked(r);
		if (r->waiting > 0)
			slot_retry_waiting(r);
		if (r->phase == PH_STOP) {
			if (t_stop == 0)
				t_stop = t;
			else if (t - t_stop > DRAIN_TIMEOUT_NS)
				drop_busy_conns(r);
		}
		if (B.share != NULL) {
			B.share->done = r->done;
			B.share->errors = r->errors;
			B.share->t_measure = r->t_measure;
			B.share->measuring = r->phase != PH_WARMUP;
		}
		if (p->progress && t >= next_progress) {
			progress_show(r, job->name, t, false);
			next_progress = t + PROGRESS_NS;
		}
	}
	if (p->progress)
		progress_show(r, job->name, now_ns(), true);
	cur = NULL;
	if (alive_conns() == 0) {
		seterr("%s: every connection failed (%s)", job->name,
		    r->first_error ? r->first_error : "?");
		return -1;
	}
	return 0;
}
