#!/bin/bash
# run.sh - the integration test suite of nfsd (run by `make check`).
#
# usage: tests/integration/run.sh [BUILD_DIR] [TEST...]
#	BUILD_DIR	where nfsd was built (default $BUILD or "build");
#			the daemon under test is BUILD_DIR/nfsd
#	TEST		run only these tests (file names, e.g. test_hostile.py)
# env:	IT_VERBOSE=1 prints every test's output, not only a failing one's
#	IT_TIMEOUT   seconds per test (default 120)
#
# Runs as root.  Re-executes itself in private network, mount and PID
# namespaces, so the tests never touch the host's rpcbind, ports or
# files: inside, only lo is up, /run is a fresh tmpfs with our own
# rpcbind, and when the suite ends the kernel kills anything left over.
# Prints "PASS name (N s)" / "FAIL name" per test and then "N passed,
# M failed (N s)"; exits 1 if any test failed.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------- outside

if [ "${NFSD_IT_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] ||
	    die "must run as root (needs network/mount namespaces, a tmpfs" \
		"on /run and rpcbind on port 111); not running the tests"
	command -v unshare >/dev/null ||
	    die "unshare (util-linux) not found; not running the tests"
	for tool in rpcbind rpcinfo showmount nfs-ls python3 ip timeout; do
		command -v "$tool" >/dev/null ||
		    die "required tool '$tool' not found; not running the tests"
	done
	if ! err=$(unshare --net --mount --pid --fork true 2>&1); then
		die "cannot create namespaces (unshare: $err);" \
		    "not running the tests"
	fi
	export NFSD_IT_INSIDE=1
	# shellcheck disable=SC2093  # (exec only returns if it fails)
	exec unshare --net --mount --propagation private --pid --fork \
	    --mount-proc "$0" "$@"
	die "exec unshare failed"
fi

# ------------------------------------------------------------- inside

BUILD=${BUILD:-build}
if [ $# -gt 0 ] && [ -d "$1" ]; then
	BUILD=$1
	shift
elif [ $# -gt 0 ] && [ -d "$ROOT/$1" ]; then
	BUILD=$ROOT/$1
	shift
fi
[ -d "$BUILD" ] || [ ! -d "$ROOT/$BUILD" ] || BUILD=$ROOT/$BUILD
NFSD=$(cd "$BUILD" 2>/dev/null && pwd)/nfsd
[ -x "$NFSD" ] || die "no executable $BUILD/nfsd (build it with make first)"
export NFSD
# The independent clients of tests/interop, built by make.
INTEROP_BIN=$(cd "$BUILD" && pwd)/interop
export INTEROP_BIN
# The front ends (build/mailctl, ...) and their test programs.
CLIENT_BUILD=$(cd "$BUILD" && pwd)
CTEST_BIN=$CLIENT_BUILD/ctest
export CLIENT_BUILD CTEST_BIN

IT_TIMEOUT=${IT_TIMEOUT:-120}
IT_VERBOSE=${IT_VERBOSE:-0}

# Collect the tests: the ones named, or every test_*.sh / test_*.py.
TESTS=()
if [ $# -gt 0 ]; then
	for t in "$@"; do
		t=${t##*/}
		if [ -f "$HERE/$t" ]; then
			TESTS+=("$HERE/$t")
		elif [ -f "$ROOT/tests/interop/$t" ]; then
			TESTS+=("$ROOT/tests/interop/$t")
		else
			die "no test $t in $HERE or $ROOT/tests/interop"
		fi
	done
else
	for t in "$HERE"/test_*.sh "$HERE"/test_*.py \
	    "$ROOT"/tests/interop/test_*.sh "$ROOT"/tests/interop/test_*.py; do
		[ -f "$t" ] && TESTS+=("$t")
	done
fi
mapfile -t TESTS < <(printf '%s\n' "${TESTS[@]}" | sort)
[ ${#TESTS[@]} -gt 0 ] || die "no tests found in $HERE"

# Private loopback, /run and scratch space.
ip link set lo up || die "ip link set lo up failed"
mount -t tmpfs -o mode=0755 nfsd-it-run /run || die "mount tmpfs on /run failed"
mkdir -p /run/rpcbind /run/nfsd-it/tmp /run/nfsd-it/pids
export TMPDIR=/run/nfsd-it/tmp
export IT_PIDDIR=/run/nfsd-it/pids
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH=$HERE${PYTHONPATH:+:$PYTHONPATH}

. "$HERE/lib.sh"		# for start_rpcbind, stop_rpcbind, pid_gone

# Kill every daemon a test started and left behind (by the pids the
# helpers recorded, checking it really is our nfsd).  Prints what it did.
reap_nfsd() {
	local f pid
	for f in "$IT_PIDDIR"/nfsd.*; do
		[ -e "$f" ] || continue
		pid=${f##*/nfsd.}
		rm -f "$f"
		pid_gone "$pid" && continue
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$NFSD" ] ||
		    continue
		echo "  (left-over nfsd pid $pid killed)"
		kill -KILL "$pid" 2>/dev/null
	done
}

cleanup() {
	reap_nfsd >/dev/null
	stop_rpcbind >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "nfsd integration tests: $NFSD"
suite_start=$SECONDS
passed=0
failed=0
for t in "${TESTS[@]}"; do
	name=${t##*/}
	# Every test gets a fresh rpcbind: no registrations left over.
	stop_rpcbind >/dev/null 2>&1
	if ! start_rpcbind; then
		echo "FAIL $name (rpcbind would not start)"
		failed=$((failed + 1))
		continue
	fi
	out=$TMPDIR/$name.out
	case $t in
	*.py) cmd=(python3 "$t") ;;
	*)    cmd=(bash "$t") ;;
	esac
	start=$SECONDS
	timeout -k 5 "$IT_TIMEOUT" "${cmd[@]}" >"$out" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 124 ] || [ $rc -eq 137 ] &&
	    echo "  (timed out after ${IT_TIMEOUT}s)" >>"$out"
	reap_nfsd >>"$out"
	secs=$((SECONDS - start))
	if [ $rc -eq 0 ]; then
		echo "PASS $name (${secs} s)"
		passed=$((passed + 1))
		[ "$IT_VERBOSE" = 1 ] && sed 's/^/    /' "$out"
	else
		echo "FAIL $name"
		echo "    (exit status $rc after ${secs}s; its output follows)"
		failed=$((failed + 1))
		sed 's/^/    /' "$out"
	fi
done

echo "$passed passed, $failed failed ($((SECONDS - suite_start)) s)"
[ $failed -eq 0 ]
