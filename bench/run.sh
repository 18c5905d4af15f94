#!/bin/bash
# run.sh - `make bench`: our nfsd side by side with nfs-ganesha, the
# local-disk ceiling and the transport floor (bench/bench.py does the
# work), then the mail benchmark (bench/mail/run.sh), then a summary.
#
# usage: bench/run.sh [BUILD_DIR]      (default $BUILD or "build")
# env:	BENCH_OUT	results (default BUILD_DIR/bench/results)
#	BENCH_QUICK=1	a short run (small fixtures, short runs)
#	BENCH_MAIL=0	skip the mail benchmark
#	and the rest in bench/README.md (BENCH_ROUNDS, BENCH_WORKLOADS,
#	BENCH_CONC, BENCH_SECS, BENCH_DIR, BENCH_KEEP, ...)
#
# Runs as root.  The NFS part re-executes this script in private
# network, mount and PID namespaces: only lo is up, /run is a fresh
# tmpfs with our own rpcbind, ganesha gets a network namespace of its
# own inside, and when it ends the kernel kills anything left over.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------- inside

if [ "${BENCH_INSIDE:-}" = 1 ]; then
	ip link set lo up || die "ip link set lo up failed"
	mount -t tmpfs -o mode=0755 bench-run /run ||
	    die "mount tmpfs on /run failed"
	mkdir -p /run/rpcbind
	export PYTHONDONTWRITEBYTECODE=1
	# Not exec: this shell stays the namespace's init and reaps, and
	# passes Ctrl-C or SIGTERM on to bench.py as SIGTERM (it then stops
	# everything it started and writes what was measured).
	python3 "$HERE/bench.py" run "$1" &
	py=$!
	trap 'kill -TERM $py 2>/dev/null' INT TERM
	while :; do
		wait $py
		rc=$?
		kill -0 $py 2>/dev/null || break
	done
	exit "$rc"
fi

# ------------------------------------------------------------- outside

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, cgroups," \
    "rpcbind on port 111)"
for tool in unshare nsenter rpcbind rpcinfo nfs-ls ip python3 gnuplot \
    ganesha.nfsd; do
	command -v "$tool" >/dev/null ||
	    die "required tool '$tool' not found (make deps)"
done

BUILD=${1:-${BUILD:-build}}
[ -d "$BUILD" ] || [ ! -d "$ROOT/$BUILD" ] || BUILD=$ROOT/$BUILD
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || die "no build directory $1"
BENCH_OUT=${BENCH_OUT:-$BUILD/bench/results}
mkdir -p "$BENCH_OUT" || die "cannot make $BENCH_OUT"
BENCH_OUT=$(cd "$BENCH_OUT" && pwd)
export BENCH_OUT
# The cgroups bench.py makes; removed here too, whatever happens inside.
export BENCH_CGROUP=mailnfs-bench.$$

remove_cgroups() {
	local d
	for d in "/sys/fs/cgroup/$BENCH_CGROUP" /sys/fs/cgroup/*/"$BENCH_CGROUP"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}
trap remove_cgroups EXIT

# The NFS part.  Ctrl-C or SIGTERM here is passed to the namespace's
# init (unshare itself ignores them), which passes it to bench.py.
interrupted=0
BENCH_INSIDE=1 unshare --net --mount --propagation private --pid --fork \
    --mount-proc "$0" "$BUILD" &
ns=$!
# shellcheck disable=SC2317  # (run by the trap)
stop_inside() {
	interrupted=1
	local init
	init=$(pgrep -P "$ns" 2>/dev/null) && kill -TERM "$init" 2>/dev/null
}
trap stop_inside INT TERM
while :; do
	wait $ns
	rc=$?
	kill -0 $ns 2>/dev/null || break
done
remove_cgroups
[ "$interrupted" = 1 ] && exit 130

if [ "${BENCH_MAIL:-1}" = 0 ]; then
	echo "bench: mail benchmark skipped (BENCH_MAIL=0)"
elif [ -x "$HERE/mail/run.sh" ]; then
	echo "bench: mail end to end (bench/mail/run.sh)"
	"$HERE/mail/run.sh" "$BUILD" "$BENCH_OUT" || {
		echo "bench: the mail benchmark failed (exit $?)"
		[ "$rc" -eq 0 ] && rc=1
	}
else
	echo "bench: mail benchmark skipped (no executable bench/mail/run.sh)"
fi
[ "$interrupted" = 1 ] && exit 130

python3 "$HERE/bench.py" summary "$BENCH_OUT"
exit "$rc"
