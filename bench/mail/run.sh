#!/bin/bash
# run.sh - mail end to end: postal (SMTP) against mxd -> nfsd and
# against Exim on local Maildirs, then rabid (POP3) against pop3d ->
# nfsd and against Dovecot on local Maildirs; messages per minute,
# server CPU time and peak RSS side by side (bench/mail/mailbench.py
# does the work; this script gives it its private namespaces).
#
# usage: bench/mail/run.sh BUILD OUTDIR
#	BUILD	where nfsd, mxd, pop3d and mailctl were built
#	OUTDIR	results: OUTDIR/mail.csv, OUTDIR/mail.txt, and a scratch
#		OUTDIR/mail-work (on this filesystem, never tmpfs; removed
#		at the end unless MB_KEEP=1)
# env:	BENCH_QUICK=1	a short run (about two minutes in all)
#	MB_SMTP_SECS, MB_POP_SECS, MB_USERS, MB_SIZE_KB: override the plan
#
# Runs as root.  Re-executes itself in private network, mount and PID
# namespaces: only lo is up, /run is a fresh tmpfs with our own
# rpcbind, and when the run ends the kernel kills anything left over.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)

die() { printf 'bench/mail/run.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: bench/mail/run.sh BUILD OUTDIR"

if [ "${MB_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, cgroups," \
	    "rpcbind on port 111, Exim and Dovecot)"
	for tool in unshare rpcbind rpcinfo ip python3 postal rabid \
	    exim4 dovecot; do
		command -v "$tool" >/dev/null ||
		    die "required tool '$tool' not found (make deps)"
	done
	mkdir -p "$2" || die "cannot make $2"
	BUILD_ABS=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
	OUT_ABS=$(cd "$2" && pwd)
	for prog in nfsd mxd pop3d mailctl; do
		[ -x "$BUILD_ABS/$prog" ] || die "no $BUILD_ABS/$prog (make)"
	done
	export MB_INSIDE=1
	exec unshare --net --mount --propagation private --pid --fork \
	    --mount-proc "$0" "$BUILD_ABS" "$OUT_ABS"
	die "exec unshare failed"
fi

# ------------------------------------------------------------- inside
ip link set lo up || die "ip link set lo up failed"
mount -t tmpfs -o mode=0755 mailbench-run /run || die "tmpfs on /run failed"
mkdir -p /run/rpcbind /run/lock
rpcbind -w || die "rpcbind would not start"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && break
	sleep 0.2
done
export PYTHONDONTWRITEBYTECODE=1
python3 "$HERE/mailbench.py" "$1" "$2"
rc=$?
# The kernel ends whatever is left when this, the namespace's init, exits.
exit $rc
