#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_crash.sh - crash safety: SIGKILL the server under Maildir delivery.
#
# Run by tests/integration/run.sh.  Starts nfsd (fixed ports, no
# rpcbind, a fixed state directory) exporting a directory on a real
# disk (not tmpfs, so that the server's fsyncs reach a disk), runs
# crash_deliver (a libnfs raw-RPC client, see crash_deliver.c: 8
# threads delivering messages, GUARDED or EXCLUSIVE creates, FILE_SYNC
# writes or UNSTABLE writes + COMMIT with the write verifier checked,
# RENAME tmp/ -> new/, then an fsync'd line in an ack file) and, at
# random moments 0.3-1.5 s apart, kills nfsd with SIGKILL 5 times and
# starts it again with the same state directory and export.  The
# clients reconnect and retry on their own.  It proves that
#  - every message the clients saw acknowledged (a FILE_SYNC reply,
#    or a COMMIT reply with the verifier of the writes) and renamed is
#    in new/, whole, once the clients are done;
#  - nothing partial or corrupt is ever in new/: checked at the end and
#    also at each kill, while the server is down and its disk still;
#  - the clients finish every message they began (the server's file
#    handles survive a restart, a retried delivery copes with what the
#    killed attempt left: tmp/ files, a rename already done);
#  - the write verifier changes with each restart (otherwise a client
#    could not tell that its UNSTABLE writes may be lost);
#  - the server keeps running and exits cleanly afterwards.
# Files left in tmp/ by killed attempts are allowed.
#
# What it does NOT prove: durability across a power loss.  SIGKILL
# ends the server process, not the machine: what nfsd wrote and did not
# fsync is still in the page cache, and is not lost.  So this test
# proves the protocol logic (write verifiers, retries against a
# restarted server, rename only after the data is durable), not that
# nfsd's fsyncs are complete; that needs a power cut (a VM killed
# with the disk in writeback mode), which is not done here.
set -eu
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
it_setup

DELIVER=${INTEROP_BIN:-build/interop}/crash_deliver
KILLS=5
THREADS=8
NFS_PORT=20490
MOUNT_PORT=20491
DISK_BASE=${CRASH_DISK_DIR:-/var/tmp}
T0=$SECONDS

[ -x "$DELIVER" ] || fail "no $DELIVER (make builds it with nfsd)"

DISK=
DPID=
crash_cleanup() {
	local rc=$?
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null || :
		wait "$DPID" 2>/dev/null || :
	fi
	if [ -n "$DISK" ]; then
		# Thousands of fsync'd files: a plain rm -rf unlinks them one
		# by one and takes half a minute on some disks; in parallel
		# batches it takes a second.
		find "$DISK" -type f -print0 2>/dev/null |
		    xargs -0 -r -P 4 -n 500 rm -f 2>/dev/null || :
		rm -rf "$DISK"
	fi
	(exit "$rc")
	it_cleanup
}
trap crash_cleanup EXIT

# The export: on a real disk (run.sh's TMPDIR is a tmpfs).
DISK=$(mktemp -d "$DISK_BASE/nfsd-crash.XXXXXX") ||
    fail "cannot make a directory in $DISK_BASE"
mkdir "$DISK/export"
say "  export $DISK/export on a $(stat -f -c %T "$DISK") file system"
write_file "$W/exports" <<EOF
# test_crash.sh
$DISK/export -maproot=root -network 127.0.0.0/8
EOF
NFSD_ARGS=(-N -p "$NFS_PORT" -m "$MOUNT_PORT")
MAILDIR=$DISK/export/Maildir
ACKS=$W/acks
STOP=$W/stop
: >"$ACKS"

acked_now() { wc -l <"$ACKS"; }

start_nfsd "$W/exports" "$W/state" "${NFSD_ARGS[@]}"
RUNS=1

say "== $THREADS threads deliver; nfsd is killed $KILLS times"
"$DELIVER" deliver -t "$THREADS" -T 45 -S "$STOP" -p "$NFS_PORT" \
    -m "$MOUNT_PORT" 127.0.0.1 "$DISK/export" Maildir "$ACKS" \
    >"$W/deliver.out" 2>&1 &
DPID=$!

# Kill only once the load is on.
for ((i = 0; i < 100; i++)); do
	[ "$(acked_now)" -ge 20 ] && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
if [ "$(acked_now)" -lt 20 ]; then
	show <"$W/deliver.out"
	fail "crash_deliver acknowledged $(acked_now) messages in 10 s" \
	    "(20 expected before the first kill)"
fi

for ((k = 1; k <= KILLS; k++)); do
	ms=$((300 + RANDOM % 1201))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	expect_true "kill $k: crash_deliver is still delivering" \
	    kill -0 "$DPID"
	if ! nfsd_alive; then
		nfsd_show_log
		fail "nfsd (pid $NFSD_PID) died on its own before kill $k"
	fi
	kill -KILL "$NFSD_PID"
	wait "$NFSD_PID" 2>/dev/null || :
	NFSD_PID=
	say "  kill $k: nfsd killed after $ms ms," \
	    "$(acked_now) messages acknowledged so far"
	# With the server dead its disk holds still: look at it now.
	t=$(date +%s%N)
	run_capture V_OUT V_RC "$DELIVER" verify -q "$ACKS" "$MAILDIR"
	say "  (verify $(( ($(date +%s%N) - t) / 1000000 )) ms)"
	expect_eq "$V_RC" 0 "kill $k: every acknowledged message is whole in new/, nothing partial in new/"
	[ "$IT_LAST_OK" = 1 ] || printf '%s\n' "$V_OUT" | show
	t=$(date +%s%N)
	start_nfsd "$W/exports" "$W/state" "${NFSD_ARGS[@]}"
	say "  (restart $(( ($(date +%s%N) - t) / 1000000 )) ms)"
	RUNS=$((RUNS + 1))
done

# Let the clients run on the last server a while, then finish.
sleep 1
touch "$STOP"
D_START=$SECONDS
wait "$DPID" && D_RC=0 || D_RC=$?
DPID=
show <"$W/deliver.out"
say "  (crash_deliver exit status $D_RC, $((SECONDS - D_START)) s after" \
    "it was told to stop)"
D_OUT=$(cat "$W/deliver.out")
expect_eq "$D_RC" 0 "crash_deliver delivered every message it began (exit status 0)"
expect_no_match "$D_OUT" '^FAIL' "crash_deliver prints no FAIL line"

# STATS key=value ... from crash_deliver
stat_of() {
	printf '%s\n' "$D_OUT" | awk -v k="$1" '$1 == "STATS" {
		for (i = 2; i <= NF; i++)
			if (index($i, k "=") == 1) print substr($i, length(k) + 2)
	}'
}
ACKED=$(stat_of acked)
RETRIED=$(stat_of retried)
RECONNECTS=$(stat_of reconnects)
VERIFIERS=$(stat_of verifiers)
MISMATCH=$(stat_of verf_mismatch)
REWRITTEN=$(stat_of rewritten)
UNSTABLE_CUT=$(stat_of unstable_cut)
expect_match "$ACKED" '^[0-9]+$' "crash_deliver reports its numbers"
[ "$IT_LAST_OK" = 1 ] || fail "no STATS line from crash_deliver"
expect_eq "$(acked_now)" "$ACKED" "the ack file holds the $ACKED acknowledged messages"
expect_true "the kills interrupted deliveries ($RETRIED retried)" \
    test "$RETRIED" -ge 1
expect_true "the clients reconnected after each kill ($RECONNECTS reconnects, $KILLS kills)" \
    test "$RECONNECTS" -ge "$KILLS"
expect_true "the write verifier changed across restarts ($VERIFIERS verifiers in $RUNS server runs)" \
    test "$VERIFIERS" -ge 2 -a "$VERIFIERS" -le "$RUNS"
# A kill between an UNSTABLE WRITE and its COMMIT: the retry's COMMIT,
# answered by the next server, must show a new verifier, so the data
# is written again.  (Whether a kill lands there is up to chance.)
if [ "$UNSTABLE_CUT" -gt 0 ]; then
	expect_true "after $UNSTABLE_CUT kills cut UNSTABLE writes before their COMMIT, a COMMIT showed a changed verifier ($MISMATCH times, $REWRITTEN chunks written again)" \
	    test "$MISMATCH" -ge 1
else
	say "  (no kill fell between an UNSTABLE WRITE and its COMMIT this time)"
fi

# The final state, on the server's own file system.
run_capture V_OUT V_RC "$DELIVER" verify "$ACKS" "$MAILDIR"
printf '%s\n' "$V_OUT" | show
expect_eq "$V_RC" 0 "at the end: every acknowledged message is whole in new/, nothing partial in new/, cur/ empty"
NEW=$(printf '%s\n' "$V_OUT" | sed -n 's/^VERIFY .* new=\([0-9]*\).*/\1/p')
expect_eq "$NEW" "$ACKED" "new/ holds exactly the acknowledged messages"

expect_true "nfsd is still running" nfsd_alive
stop_nfsd
say "  summary: $ACKED messages acknowledged, $RETRIED deliveries" \
    "retried, $KILLS kills, $RECONNECTS reconnects, $MISMATCH COMMITs" \
    "with a changed verifier ($REWRITTEN chunks written again)," \
    "$((SECONDS - T0)) s"
it_finish
