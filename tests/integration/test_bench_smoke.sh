#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_bench_smoke.sh - nfsbench (bench/nfsbench) runs every workload
# against nfsd, with tiny counts.
#
# Run by tests/integration/run.sh.  Proves that
#  - every workload (null, getattr, lookup, read, write, seqwrite,
#    seqread, deliver, pop, listing, mix) completes exactly the -n
#    operations asked with no error, at 1 connection x 1 in flight and
#    at 2 x 4 (one poll loop: -j 1), with the ports given (no
#    portmapper) and, at 1 x 1, found through rpcbind, and with -j 2
#    (two worker processes sharing the connections and operations);
#    listing's count of entries is checked by nfsbench itself (a wrong
#    count is an error);
#  - --json prints one object per workload, each with errors 0;
#  - the work directory is removed at the end, and with --keep it stays
#    with what the workloads left: deliver puts exactly -n messages into
#    new/ (none left in tmp/), also with --link and --sync filesync; the
#    listing directory holds --entries files and is reused by a second
#    run (same inodes);
#  - an unreachable server or an unexported path is exit status 1;
#  - no sanitizer report (make check SAN=1).
# Speed is measured by `make bench`, never here.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

NB=${CLIENT_BUILD:-build}/bench/nfsbench
[ -x "$NB" ] || fail "no $NB (make builds it)"

EXP=$W/exp
mkdir -p "$EXP"
write_file "$W/exports" <<EOF
$EXP -maproot=root 127.0.0.1
EOF
start_nfsd "$W/exports" "$W/state"

TARGET=127.0.0.1:$EXP
PORTS=(-p "$NFSD_NFS_PORT" -m "$NFSD_MOUNT_PORT")
SMALL=(-q -W 0 --entries 200 --seq-size 2M --file-size 1M --mailboxes 4
    --msg-size 5000)
WORKLOADS=(null getattr lookup read write seqwrite seqread deliver pop
    listing mix)
CHECKED=("${WORKLOADS[@]}")

# check_results OUTPUT OPS CONNS DEPTH WHAT: a RESULT line per workload
# in CHECKED, each with exactly OPS operations and no error.
check_results() {
	local out=$1 ops=$2 c=$3 d=$4 what=$5 w line
	for w in "${CHECKED[@]}"; do
		line=$(printf '%s\n' "$out" |
		    grep -E "^RESULT tool=nfsbench target=$TARGET workload=$w " ||
		    true)
		expect_match "$line" \
		    " conns=$c depth=$d ops=$ops errors=0 secs=[0-9.]+ " \
		    "$what: $w did $ops operations, no error"
	done
}

say "== every workload, 1 x 1, ports from rpcbind (at ${SECONDS}s)"
run_capture out rc timeout 60 "$NB" "${SMALL[@]}" -w all -n 20 -c 1 -d 1 \
    "$TARGET"
expect_eq "$rc" 0 "nfsbench 1x1 exits 0"
[ "$IT_LAST_OK" = 1 ] || printf '%s\n' "$out" | show
check_results "$out" 20 1 1 "1x1"
expect_match "$out" '^workload +conns +depth +ops +ops/s' "the table follows"
expect_no_sanitizer "$out" "no sanitizer report (1x1)"
expect_eq "$(ls -A "$EXP")" "" "the work directory is removed"

say "== every workload, 2 x 4, one poll loop, fixed ports (at ${SECONDS}s)"
run_capture out rc timeout 60 "$NB" "${SMALL[@]}" "${PORTS[@]}" -w all \
    -n 40 -c 2 -d 4 -j 1 "$TARGET"
expect_eq "$rc" 0 "nfsbench 2x4 exits 0"
[ "$IT_LAST_OK" = 1 ] || printf '%s\n' "$out" | show
check_results "$out" 40 2 4 "2x4"
expect_no_sanitizer "$out" "no sanitizer report (2x4)"

say "== -j 2: workers share out connections and state (at ${SECONDS}s)"
# (the workloads whose state the workers share out)
CHECKED=(null seqwrite seqread deliver pop mix)
run_capture out rc timeout 60 "$NB" "${SMALL[@]}" "${PORTS[@]}" \
    -w "$(IFS=,; echo "${CHECKED[*]}")" -n 25 -c 4 -d 2 -j 2 "$TARGET"
expect_eq "$rc" 0 "nfsbench -j 2 exits 0"
[ "$IT_LAST_OK" = 1 ] || printf '%s\n' "$out" | show
check_results "$out" 25 4 2 "-j 2"
expect_no_sanitizer "$out" "no sanitizer report (-j 2)"

say "== --json (at ${SECONDS}s)"
run_capture out rc timeout 30 "$NB" "${SMALL[@]}" "${PORTS[@]}" --json \
    -w null,getattr,listing -n 20 -c 2 -d 2 "$TARGET"
expect_eq "$rc" 0 "nfsbench --json exits 0"
expect_eq "$(printf '%s\n' "$out" | grep -c \
    '^{"tool":"nfsbench",.*"ops":20,"errors":0,')" 3 \
    "one JSON object per workload, 20 ops, no error"

say "== --keep: what deliver and listing leave (at ${SECONDS}s)"
# count_files DIR...: regular files in them.
count_files() { find "$@" -type f | wc -l; }
for v in "rename commit" "link commit" "rename filesync"; do
	set -- $v
	d=keep-$1-$2
	extra=(--sync "$2")
	[ "$1" = link ] && extra+=(--link)
	run_capture out rc timeout 30 "$NB" "${SMALL[@]}" "${PORTS[@]}" \
	    --keep --dir "$d" -w deliver -n 50 -c 2 -d 3 "${extra[@]}" "$TARGET"
	expect_eq "$rc" 0 "deliver ($v) exits 0"
	expect_match "$out" "workload=deliver .* ops=50 errors=0 " \
	    "deliver ($v): 50 messages, no error"
	expect_eq "$(count_files "$EXP/$d"/mail/mb*/new)" 50 \
	    "deliver ($v): 50 files in new/"
	expect_eq "$(count_files "$EXP/$d"/mail/mb*/tmp)" 0 \
	    "deliver ($v): none left in tmp/"
	expect_eq "$(find "$EXP/$d"/mail/mb*/new -type f -size 5000c |
	    wc -l)" 50 "deliver ($v): each message is --msg-size bytes"
done
run_capture out rc timeout 30 "$NB" "${SMALL[@]}" "${PORTS[@]}" --keep \
    --dir keep-list -w listing -n 5 "$TARGET"
expect_eq "$rc" 0 "listing --keep exits 0"
expect_eq "$(count_files "$EXP/keep-list/list.200")" 200 \
    "the listing directory holds --entries files"
before=$(stat -c %i "$EXP/keep-list/list.200/e7")
run_capture out rc timeout 30 "$NB" "${SMALL[@]}" "${PORTS[@]}" --keep \
    --dir keep-list -w listing -n 5 "$TARGET"
expect_match "$out" "workload=listing .* ops=5 errors=0 " \
    "a second listing run reuses it, no error"
expect_eq "$(stat -c %i "$EXP/keep-list/list.200/e7")" "$before" \
    "the reused listing directory was not made again"
touch "$EXP/keep-list/list.200/intruder"
run_capture out rc timeout 30 "$NB" "${SMALL[@]}" "${PORTS[@]}" --keep \
    --dir keep-list -w listing -n 5 "$TARGET"
expect_match "$out" "workload=listing .* ops=5 errors=0 " \
    "a listing directory with an extra file is made again"
expect_eq "$(count_files "$EXP/keep-list/list.200")" 200 \
    "and holds --entries files again"

say "== failures (at ${SECONDS}s)"
run_capture out rc timeout 30 "$NB" -q -p 1 -m 1 -w null "$TARGET"
expect_eq "$rc" 1 "nothing listening: exit status 1"
run_capture out rc timeout 30 "$NB" -q "${PORTS[@]}" -w getattr \
    "127.0.0.1:$W/not-exported"
expect_eq "$rc" 1 "an unexported path: exit status 1"
expect_contains "$out" "MNT" "the error names the MOUNT call"

stop_nfsd
it_finish
