# shellcheck shell=bash
# lib.sh - helpers for the shell integration tests (bash).
#
# A test does:
#	. "$(dirname "$0")/lib.sh"
#	it_setup			# temp dir $W, cleanup trap
#	...
#	it_finish			# exit 0, or 1 if any expect_* failed
#
# Sourcing only defines things; run.sh sources it for the rpcbind helpers.  Everything here talks to 127.0.0.0/8 inside run.sh's
# private network namespace.

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NFSD=${NFSD:-build/nfsd}
IT_PIDDIR=${IT_PIDDIR:-}
IT_FAILS=0
IT_CHECKS=0
IT_FINISHED=0
NFSD_PID=
NFSD_LOG=
NFSD_NFS_PORT=2049
NFSD_MOUNT_PORT=20048
IT_MOUNTS=()
IT_PIDS=()
IT_RMDIRS=()	# removed at exit too (beside $W)

# ------------------------------------------------------------- reporting

say() { printf '%s\n' "$*"; }

# fail MESSAGE: a fatal failure; the test stops here.
fail() {
	say "FAIL: $*"
	IT_FAILS=$((IT_FAILS + 1))
	exit 1
}

# A non-fatal failure: reported, counted, the test goes on.
soft_fail() {
	say "  FAIL $1"
	shift
	local l
	for l in "$@"; do say "         $l"; done
	IT_FAILS=$((IT_FAILS + 1))
	IT_LAST_OK=0
}

ok() { say "  ok   $*"; IT_LAST_OK=1; }

# Indent a block of text (command output) for diagnostics.
show() { sed 's/^/         | /'; }

# The expect_* helpers never return non-zero (so set -e does not stop
# the test at the first mismatch); IT_LAST_OK is 1 or 0 afterwards.
IT_LAST_OK=1

# expect_eq SEEN EXPECTED WHAT
expect_eq() {
	IT_CHECKS=$((IT_CHECKS + 1))
	if [ "$1" = "$2" ]; then
		ok "$3"
	elif [ "${1//$'\n'/}" = "$1" ] && [ "${2//$'\n'/}" = "$2" ]; then
		soft_fail "$3" "expected: '$2'" "seen:     '$1'"
	else
		soft_fail "$3" "expected:"
		printf '%s\n' "$2" | show
		say "         seen:"
		printf '%s\n' "$1" | show
	fi
}

# expect_contains TEXT NEEDLE WHAT  (fixed string)
expect_contains() {
	IT_CHECKS=$((IT_CHECKS + 1))
	if printf '%s\n' "$1" | grep -qF -- "$2"; then
		ok "$3"
	else
		soft_fail "$3" "expected to contain: '$2'" "seen:"
		printf '%s\n' "$1" | show
	fi
}

# expect_not_contains TEXT NEEDLE WHAT  (fixed string)
expect_not_contains() {
	IT_CHECKS=$((IT_CHECKS + 1))
	if printf '%s\n' "$1" | grep -qF -- "$2"; then
		soft_fail "$3" "expected NOT to contain: '$2'" "seen:"
		printf '%s\n' "$1" | show
	else
		ok "$3"
	fi
}

# expect_match TEXT ERE WHAT  (extended regex, any line)
expect_match() {
	IT_CHECKS=$((IT_CHECKS + 1))
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		ok "$3"
	else
		soft_fail "$3" "expected a line matching: /$2/" "seen:"
		printf '%s\n' "$1" | show
	fi
}

# expect_no_match TEXT ERE WHAT
expect_no_match() {
	IT_CHECKS=$((IT_CHECKS + 1))
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		soft_fail "$3" "expected no line matching: /$2/" "seen:"
		printf '%s\n' "$1" | show
	else
		ok "$3"
	fi
}

# expect_true WHAT CMD...: CMD exits 0.
expect_true() {
	local what=$1 rc
	shift
	IT_CHECKS=$((IT_CHECKS + 1))
	"$@" && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then
		ok "$what"
	else
		soft_fail "$what" "command failed (status $rc): $*"
	fi
}

# expect_false WHAT CMD...: CMD exits non-zero.
expect_false() {
	local what=$1 rc
	shift
	IT_CHECKS=$((IT_CHECKS + 1))
	"$@" && rc=0 || rc=$?
	if [ "$rc" != 0 ]; then
		ok "$what"
	else
		soft_fail "$what" "command succeeded but should not have: $*"
	fi
}

# expect_no_sanitizer TEXT WHAT: no AddressSanitizer, LeakSanitizer or
# UBSan report in TEXT (make check SAN=1; ASan's exit status 1 would
# otherwise look like an ordinary "exit 1").
SAN_RE='ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer|==[0-9]+== (Invalid |Conditional jump|Use of uninit|Syscall param|Mismatched free|.*definitely lost)'
expect_no_sanitizer() {
	expect_no_match "$1" "$SAN_RE" "$2"
}

# Final verdict.  A test that never reaches it_finish fails (see trap).
it_finish() {
	IT_FINISHED=1
	if [ "$IT_CHECKS" -eq 0 ]; then
		say "FAIL: no checks ran"
		exit 1
	fi
	if [ "$IT_FAILS" -ne 0 ]; then
		say "$IT_FAILS of $IT_CHECKS checks failed"
		exit 1
	fi
	say "all $IT_CHECKS checks passed"
	exit 0
}

# ------------------------------------------------------------- work dir

it_cleanup() {
	local rc=$? pid i
	trap - EXIT
	for pid in "${IT_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			say "  (cleanup: killing nfsd pid $pid)"
			kill -KILL "$pid" 2>/dev/null || :
			wait "$pid" 2>/dev/null || :
		fi
	done
	for ((i = ${#IT_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${IT_MOUNTS[$i]}" 2>/dev/null || :
	done
	[ -n "${W:-}" ] && rm -rf "$W"
	for i in "${IT_RMDIRS[@]}"; do
		rm -rf "$i"
	done
	if [ "$IT_FINISHED" != 1 ] && [ "$rc" -eq 0 ]; then
		say "FAIL: test exited early without a verdict"
		rc=1
	fi
	exit "$rc"
}

it_setup() {
	if [ "${NFSD_IT_INSIDE:-}" != 1 ]; then
		say "run this test through tests/integration/run.sh" \
		    "(it needs the private network namespace)"
		exit 1
	fi
	[ -x "$NFSD" ] || fail "no daemon at $NFSD"
	W=$(mktemp -d "${TMPDIR:-/tmp}/nfsd-it.XXXXXX")
	trap it_cleanup EXIT
	trap 'say "  error: command failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
	trap 'exit 143' TERM
	trap 'exit 130' INT
}

# tmpfs_on DIR OPTIONS: a tmpfs mounted with OPTIONS on DIR (made if
# need be), unmounted again by it_cleanup.
tmpfs_on() {
	mkdir -p "$1"
	mount -t tmpfs -o "$2" nfsd-it "$1" || fail "mount tmpfs on $1"
	IT_MOUNTS+=("$1")
}

# mkfs_dir DIR: DIR becomes the root of its own small tmpfs, so that it
# is a mount point of a file system of its own (for -alldirs and the
# one-export-per-file-system rules).
mkfs_dir() { tmpfs_on "$1" size=4m; }

# mount_tmpfs DIR SIZE: an export of its own, SIZE big, root 0755.
mount_tmpfs() { tmpfs_on "$1" "size=$2,mode=0755"; }

# write_file FILE: stdin to FILE.
write_file() { cat >"$1"; }

# ------------------------------------------------------------- rpcbind

rpcbind_up() { rpcinfo -p 127.0.0.1 >/dev/null 2>&1; }

# Start a fresh rpcbind (no warm-start state) and wait until it answers.
start_rpcbind() {
	local i
	rm -f /run/rpcbind/*.xdr
	mkdir -p /run/rpcbind
	rpcbind -w -f </dev/null >/dev/null 2>&1 &
	[ -n "$IT_PIDDIR" ] && echo $! >"$IT_PIDDIR/rpcbind.pid"
	for ((i = 0; i < 100; i++)); do
		rpcbind_up && return 0
		sleep 0.1
	done
	say "rpcbind did not answer rpcinfo -p 127.0.0.1 within 10 s"
	return 1
}

# pid_gone PID: not running (a zombie counts as gone).
pid_gone() {
	local st
	[ -e "/proc/$1" ] || return 0
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ]
}

stop_rpcbind() {
	local pid='' i
	[ -n "$IT_PIDDIR" ] && [ -f "$IT_PIDDIR/rpcbind.pid" ] &&
	    pid=$(cat "$IT_PIDDIR/rpcbind.pid")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || :
	for ((i = 0; i < 100; i++)); do
		pid_gone "$pid" && break
		sleep 0.1
	done
	pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || :
	rm -f "$IT_PIDDIR/rpcbind.pid" /run/rpcbind/*.xdr
	for ((i = 0; i < 50; i++)); do
		rpcbind_up || return 0
		sleep 0.1
	done
	say "rpcbind still answering after it was stopped"
	return 1
}

# ------------------------------------------------------------- nfsd

# rpc_null PROTO PORT PROG VERS: one NULL call straight to a port,
# without rpcbind (rpcinfo -n still asks rpcbind, so rpc.py does it).
rpc_null() {
	local udp=
	[ "$1" = udp ] && udp=--udp
	timeout 10 python3 "$IT_DIR/rpc.py" $udp --timeout 2 null 127.0.0.1 \
	    "$2" "$3" "$4" >/dev/null 2>&1
}

# registered PROG VERS PROTO PORT: rpcbind lists exactly that mapping.
registered() {
	rpcinfo -p 127.0.0.1 2>/dev/null |
	    awk -v p="$1" -v v="$2" -v t="$3" -v o="$4" \
		'$1 == p && $2 == v && $3 == t && $4 == o { f = 1 }
		 END { exit !f }'
}

# any_registered PROG: rpcbind lists any version of PROG.
any_registered() {
	rpcinfo -p 127.0.0.1 2>/dev/null | awk -v p="$1" \
	    '$1 == p { f = 1 } END { exit !f }'
}

nfsd_show_log() {
	say "  ---- nfsd log ($NFSD_LOG) ----"
	tail -n 60 "$NFSD_LOG" 2>/dev/null | sed 's/^/  | /'
	say "  ---- end of log ----"
}

# start_nfsd EXPORTS STATEDIR [EXTRA ARGS...]
# Starts "$NFSD -f -e EXPORTS -s STATEDIR EXTRA..." in the background
# with stderr in a log, and waits (10 s; 60 with NFSD_PREFIX) until NFS
# and MOUNT answer NULL on TCP and UDP, and, unless -N is given, until
# rpcbind lists NFS v3 and MOUNT v3.  Sets NFSD_PID, NFSD_LOG,
# NFSD_NFS_PORT, NFSD_MOUNT_PORT.
# Fails the test, showing the log, if the daemon exits or is never ready.
start_nfsd() {
	local exports=$1 state=$2 norpcbind=0 i a prev='' secs
	shift 2
	NFSD_NFS_PORT=2049
	NFSD_MOUNT_PORT=20048
	for a in "$@"; do
		case $prev in
		-p) NFSD_NFS_PORT=$a ;;
		-m) NFSD_MOUNT_PORT=$a ;;
		esac
		[ "$a" = -N ] && norpcbind=1
		prev=$a
	done
	mkdir -p "$state"
	NFSD_LOG=$(mktemp "$W/nfsd.log.XXXXXX")
	say "  starting: ${NFSD_PREFIX:+$NFSD_PREFIX }$NFSD -f -e $exports -s $state $*"
	# shellcheck disable=SC2086  # NFSD_PREFIX is a command and its words
	${NFSD_PREFIX:-} "$NFSD" -f -e "$exports" -s "$state" "$@" \
	    </dev/null >>"$NFSD_LOG" 2>&1 &
	NFSD_PID=$!
	IT_PIDS+=("$NFSD_PID")
	[ -n "$IT_PIDDIR" ] && : >"$IT_PIDDIR/nfsd.$NFSD_PID"
	# One python process polls the four NULL calls (one per call and
	# try cost a second or two per start on a busy machine); a server
	# under valgrind (NFSD_PREFIX) gets longer.
	secs=10
	[ -z "${NFSD_PREFIX:-}" ] || secs=60
	timeout $((secs + 20)) python3 "$IT_DIR/rpc.py" --timeout 2 ready \
	    127.0.0.1 "$NFSD_NFS_PORT" "$NFSD_MOUNT_PORT" "$NFSD_PID" "$secs" \
	    >/dev/null 2>&1 && i=0 || i=$?
	if ! kill -0 "$NFSD_PID" 2>/dev/null || pid_gone "$NFSD_PID"; then
		wait "$NFSD_PID" && a=0 || a=$?
		nfsd_show_log
		fail "nfsd exited with status $a during startup"
	fi
	if [ "$i" -ne 0 ]; then
		nfsd_show_log
		fail "nfsd (pid $NFSD_PID) did not answer NFS/MOUNT NULL on" \
		    "tcp+udp ports $NFSD_NFS_PORT/$NFSD_MOUNT_PORT within $secs s"
	fi
	[ "$norpcbind" = 1 ] && return 0
	for ((i = 0; i < 100; i++)); do
		registered 100003 3 tcp "$NFSD_NFS_PORT" &&
		    registered 100005 3 tcp "$NFSD_MOUNT_PORT" && return 0
		sleep 0.1
	done
	rpcinfo -p 127.0.0.1 2>&1 | show
	nfsd_show_log
	fail "nfsd answers but rpcbind does not list NFS v3 and MOUNT v3" \
	    "within 10 s"
}

# stop_nfsd: SIGTERM, wait up to 10 s, expect exit status 0.
stop_nfsd() {
	local i rc
	[ -n "$NFSD_PID" ] || return 0
	if ! kill -0 "$NFSD_PID" 2>/dev/null; then
		wait "$NFSD_PID" && rc=0 || rc=$?
		nfsd_show_log
		NFSD_PID=
		IT_CHECKS=$((IT_CHECKS + 1))
		soft_fail "nfsd still running before SIGTERM" \
		    "it had already exited with status $rc"
		return 0
	fi
	kill -TERM "$NFSD_PID"
	for ((i = 0; i < 100; i++)); do
		pid_gone "$NFSD_PID" && break
		sleep 0.1
	done
	if ! pid_gone "$NFSD_PID"; then
		kill -KILL "$NFSD_PID" 2>/dev/null || :
		wait "$NFSD_PID" 2>/dev/null || :
		nfsd_show_log
		NFSD_PID=
		IT_CHECKS=$((IT_CHECKS + 1))
		soft_fail "nfsd exits on SIGTERM" "still running after 10 s"
		return 0
	fi
	wait "$NFSD_PID" && rc=0 || rc=$?
	NFSD_PID=
	expect_eq "$rc" 0 "nfsd exit status after SIGTERM"
	[ "$IT_LAST_OK" = 1 ] || nfsd_show_log
	expect_no_sanitizer "$(cat "$NFSD_LOG")" "no sanitizer report in the nfsd log"
}

# nfsd_alive: the last started daemon is still running.
nfsd_alive() { [ -n "$NFSD_PID" ] && ! pid_gone "$NFSD_PID"; }

# run_capture VAR_OUT VAR_RC CMD...: stdout+stderr and status of CMD.
# shellcheck disable=SC2034  # (sets the caller's variables by name)
run_capture() {
	local __out __rc
	__out=$("${@:3}" 2>&1) && __rc=0 || __rc=$?
	printf -v "$1" '%s' "$__out"
	printf -v "$2" '%s' "$__rc"
}

# rpcpy ARGS...: the command-line face of rpc.py (mnt, umnt, dump, export).
rpcpy() { python3 "$IT_DIR/rpc.py" "$@"; }
