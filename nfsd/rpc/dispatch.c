/*
 * dispatch.c - from a call record to a reply: decode the call header
 * and find program, version and procedure (once, rpc_call_find: the
 * loop routes the call by what it found), then check the credential
 * flavor, decode the arguments, run the handler and encode its
 * results.  Every RPC-level error of RFC 5531 section 9 is answered
 * here.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "drc.h"
#include "log.h"
#include "stats.h"
#include "svc.h"

static const struct rpc_prog *
find_prog(const struct rpc_prog *progs, size_t nprogs, uint32_t prog)
{
	size_t i;

	for (i = 0; i < nprogs; i++)
		if (progs[i].prog == prog)
			return &progs[i];
	return NULL;
}

static const struct rpc_vers *
find_vers(const struct rpc_prog *p, uint32_t vers)
{
	size_t i;

	for (i = 0; i < p->nvers; i++)
		if (p->vers[i].vers == vers)
			return &p->vers[i];
	return NULL;
}

static const struct rpc_proc *
find_proc(const struct rpc_vers *v, uint32_t proc)
{
	if (proc >= v->nprocs || v->procs[proc].handler == NULL)
		return NULL;
	return &v->procs[proc];
}

/* AUTH_NONE and AUTH_SYS are served; AUTH_SYS where the proc needs it. */
static bool
flavor_ok(const struct rpc_proc *proc, uint32_t flavor)
{
	if (flavor == RPC_AUTH_SYS)
		return true;
	return flavor == RPC_AUTH_NONE &&
	    (proc->flags & RPC_PROC_AUTH_SYS) == 0;
}

static enum rpc_disp
reply_error(struct rpc_req *req, enum rpc_status st, uint8_t *out,
    size_t *outlen)
{
	uint32_t xid = req->hdr->xid;

	switch (st) {
	case RPC_ERR_GARBAGE:
		stats_event(req->stats, STATS_GARBAGE);
		*outlen = rpc_reply_accepted(out, xid, ACC_GARBAGE_ARGS);
		break;
	case RPC_ERR_TOOWEAK:
		stats_event(req->stats, STATS_AUTH_ERROR);
		*outlen = rpc_reply_auth_error(out, xid, RPC_AUTH_TOOWEAK);
		break;
	case RPC_DROP:
		return RPC_DISP_DROP;
	default:
		*outlen = rpc_reply_accepted(out, xid, ACC_SYSTEM_ERR);
		break;
	}
	return RPC_DISP_REPLY;
}

static void
run_cleanup(struct rpc_req *req)
{
	if (req->cleanup != NULL)
		req->cleanup(req->cleanup_arg);
	req->cleanup = NULL;
}

/* Decode args, call the handler, encode the results after the header. */
static enum rpc_disp
run_proc(const struct rpc_call *call, struct rpc_req *req, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	const struct rpc_proc *proc = call->proc;
	size_t off = call->hdr.args_off;
	enum rpc_status st;
	XDR xdrs;
	void *args, *res;
	size_t hlen;
	bool encoded;

	args = rpc_alloc(req, proc->args_size);
	res = rpc_alloc(req, proc->res_size);
	if (args == NULL || res == NULL)
		return reply_error(req, RPC_ERR_SYSTEM, out, outlen);

	xdrmem_create(&xdrs, (char *)(uintptr_t)(call->rec + off),
	    (u_int)(call->len - off), XDR_DECODE);
	if (!proc->xdr_args(&xdrs, args)) {
		xdr_free(proc->xdr_args, args);
		return reply_error(req, RPC_ERR_GARBAGE, out, outlen);
	}
	st = proc->handler(req, args, res);
	xdr_free(proc->xdr_args, args);
	if (st != RPC_OK) {
		run_cleanup(req);
		return reply_error(req, st, out, outlen);
	}

	hlen = rpc_reply_accepted(out, call->hdr.xid, ACC_SUCCESS);
	xdrmem_create(&xdrs, (char *)out + hlen, (u_int)(outcap - hlen),
	    XDR_ENCODE);
	encoded = proc->xdr_res(&xdrs, res);
	run_cleanup(req);
	if (!encoded) {
		if (req->tail != NULL)
			rpc_tail_drop(req->tail);
		log_warnx("%s: reply does not fit %zu bytes", proc->name,
		    outcap);
		return reply_error(req, RPC_ERR_SYSTEM, out, outlen);
	}
	*outlen = hlen + xdr_getpos(&xdrs);
	return RPC_DISP_REPLY;
}

/*
 * A non-idempotent call: answered from the duplicate request cache if
 * it was executed before, dropped while its first copy still runs.
 */
static enum rpc_disp
run_once(const struct rpc_call *call, struct rpc_req *req, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	const struct rpc_call_hdr *h = &call->hdr;
	struct drc_entry *ent;
	struct drc_key key;
	enum rpc_disp disp;

	drc_key_make(&key, req->peer, req->transport == RPC_UDP, h->xid,
	    h->prog, h->vers, h->proc, call->rec + h->args_off,
	    call->len - h->args_off);
	switch (drc_begin(req->drc, &key, out, outcap, outlen, &ent)) {
	case DRC_HIT:
		stats_event(req->stats, STATS_DRC_HIT);
		log_debug("%s xid %08x: answered from the reply cache",
		    call->proc->name, h->xid);
		return RPC_DISP_REPLY;
	case DRC_BUSY:
		stats_event(req->stats, STATS_DRC_DROP);
		return RPC_DISP_DROP;
	case DRC_NEW:
		break;
	}
	disp = run_proc(call, req, out, outcap, outlen);
	drc_finish(req->drc, ent, disp == RPC_DISP_REPLY ? out : NULL,
	    *outlen);
	return disp;
}

static uint64_t
elapsed_usec(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
	    (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns / 1000 : 0;
}

bool_t
rpc_xdr_void(XDR *xdrs, void *unused)
{
	(void)xdrs;
	(void)unused;
	return TRUE;
}

void *
rpc_alloc(struct rpc_req *req, size_t size)
{
	return arena_alloc(req->arena, size);
}

char *
rpc_strdup(struct rpc_req *req, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = rpc_alloc(req, n)) != NULL)
		memcpy(p, s, n);
	return p;
}

uint16_t
rpc_peer_port(const struct rpc_req *req)
{
	const struct sockaddr *sa = req->peer;

	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void
rpc_call_find(const struct rpc_prog *progs, size_t nprogs,
    const uint8_t *rec, size_t len, struct rpc_call *call)
{
	call->rec = rec;
	call->len = len;
	call->prog = NULL;
	call->vers = NULL;
	call->proc = NULL;
	if ((call->decoded = rpc_call_decode(rec, len, &call->hdr)) !=
	    RPC_DECODE_OK ||
	    (call->prog = find_prog(progs, nprogs, call->hdr.prog)) == NULL ||
	    (call->vers = find_vers(call->prog, call->hdr.vers)) == NULL)
		return;
	call->proc = find_proc(call->vers, call->hdr.proc);
}

bool
rpc_call_quick(const struct rpc_call *call)
{
	const struct rpc_proc *proc = call->proc;
	size_t off = call->hdr.args_off;

	if (call->decoded != RPC_DECODE_OK || proc == NULL)
		return true;		/* an error reply, or nothing */
	if (proc->quick != NULL)
		return proc->quick(call->rec + off, call->len - off);
	return (proc->flags & RPC_PROC_QUICK) != 0;
}

enum rpc_disp
rpc_dispatch(const struct rpc_prog *progs, struct rpc_req *req,
    const struct rpc_call *call, uint8_t *out, size_t outcap,
    size_t *outlen)
{
	const struct rpc_call_hdr *h = &call->hdr;
	const struct rpc_prog *prog = call->prog;
	const struct rpc_vers *vers = call->vers;
	const struct rpc_proc *proc = call->proc;
	struct timespec t0, t1;
	enum rpc_disp disp;

	req->hdr = h;
	switch (call->decoded) {
	case RPC_DECODE_OK:
		break;
	case RPC_DECODE_MISMATCH:
		*outlen = rpc_reply_rpc_mismatch(out, h->xid);
		return RPC_DISP_REPLY;
	case RPC_DECODE_AUTH:
		stats_event(req->stats, STATS_AUTH_ERROR);
		*outlen = rpc_reply_auth_error(out, h->xid, h->auth_stat);
		return RPC_DISP_REPLY;
	default:
		stats_event(req->stats, STATS_NOT_RPC);
		return RPC_DISP_CLOSE;
	}
	if (prog == NULL) {
		stats_event(req->stats, STATS_UNAVAIL);
		*outlen = rpc_reply_accepted(out, h->xid, ACC_PROG_UNAVAIL);
		return RPC_DISP_REPLY;
	}
	if (vers == NULL) {
		stats_event(req->stats, STATS_UNAVAIL);
		*outlen = rpc_reply_prog_mismatch(out, h->xid,
		    prog->vers[0].vers, prog->vers[prog->nvers - 1].vers);
		return RPC_DISP_REPLY;
	}
	if (proc == NULL) {
		stats_event(req->stats, STATS_UNAVAIL);
		*outlen = rpc_reply_accepted(out, h->xid, ACC_PROC_UNAVAIL);
		return RPC_DISP_REPLY;
	}
	if (!flavor_ok(proc, h->cred_flavor)) {
		stats_event(req->stats, STATS_AUTH_ERROR);
		*outlen = rpc_reply_auth_error(out, h->xid, RPC_AUTH_TOOWEAK);
		return RPC_DISP_REPLY;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (req->drc != NULL && (proc->flags & RPC_PROC_NONIDEM)) {
		req->tail = NULL;	/* the cache keeps whole replies */
		disp = run_once(call, req, out, outcap, outlen);
	} else
		disp = run_proc(call, req, out, outcap, outlen);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats_call(stats_proc(req->stats, (size_t)(prog - progs),
	    (size_t)(vers - prog->vers), h->proc), elapsed_usec(&t0, &t1));
	return disp;
}
