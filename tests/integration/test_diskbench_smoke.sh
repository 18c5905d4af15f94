#!/bin/bash
# test_diskbench_smoke.sh - bench/diskbench (the local-disk ceiling) runs
# every workload with tiny counts and reports them honestly.
#
# Proves that
#  - every workload (-w all) at 1x1 and at 2x2 completes exactly the
#    operations asked for (-n), with no errors, one RESULT line each with
#    the conns/depth given, then the human table, and removes its work
#    directory;
#  - deliver with --link and with --sync filesync works too;
#  - --json prints one valid JSON object per workload;
#  - --keep leaves the fixtures (the listing directory list.N of
#    --entries N names, one per size: a run of another size leaves it);
#  - -T caps a run that -n would make long (fewer ops than asked);
#  - null is skipped with a word on stderr; bad options exit 2 and a
#    missing directory exits 1.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

DB=${CLIENT_BUILD:-build}/bench/diskbench
[ -x "$DB" ] || fail "no $DB (make BUILD=... bench-build builds it)"

OPS=40
WORKLOADS="getattr lookup read write seqwrite seqread deliver pop listing mix"
TINY=(-n "$OPS" -W 0 -q --entries 200 --seq-size 3M --file-size 1M
    --mailboxes 4 --msg-size 2K)
D=$W/disk
mkdir -p "$D"

# run_db NAME ARGS...: stdout in $W/NAME.out, stderr in $W/NAME.err,
# exit status in RC.
run_db() {
	local name=$1
	shift
	RC=0
	"$DB" "$@" >"$W/$name.out" 2>"$W/$name.err" || RC=$?
}

# check_all C D: every workload ran OPS ops without an error at CxD.
check_all() {
	local c=$1 d=$2 out wl
	run_db "all$c$d" -w all -c "$c" -d "$d" "${TINY[@]}" "$D"
	out=$(cat "$W/all$c$d.out")
	expect_eq "$RC" 0 "-w all at ${c}x$d exits 0"
	for wl in $WORKLOADS; do
		expect_match "$out" "^RESULT tool=diskbench target=$D workload=$wl conns=$c depth=$d ops=$OPS errors=0 secs=[0-9.]+ ops_s=[0-9.]+ " \
		    "$wl at ${c}x$d: $OPS ops, errors=0"
	done
	expect_eq "$(grep -c '^RESULT ' "$W/all$c$d.out")" 10 \
	    "one RESULT line per workload at ${c}x$d"
	expect_match "$out" '^workload +conns +depth +ops +ops/s' \
	    "the human table follows at ${c}x$d"
	expect_eq "$(ls -A "$D")" "" "the work directory is gone (${c}x$d)"
	expect_no_sanitizer "$(cat "$W/all$c$d.err")" "no sanitizer report"
}

check_all 1 1
check_all 2 2

run_db link -w deliver --link -c 2 -d 2 "${TINY[@]}" "$D"
expect_match "$(cat "$W/link.out")" \
    "^RESULT .*workload=deliver .*ops=$OPS errors=0 " "deliver --link"
run_db fsync -w deliver,seqwrite --sync filesync "${TINY[@]}" "$D"
expect_match "$(cat "$W/fsync.out")" \
    "^RESULT .*workload=deliver .*ops=$OPS errors=0 " \
    "deliver --sync filesync"

run_db json -w getattr,listing --json "${TINY[@]}" "$D"
expect_eq "$RC" 0 "--json exits 0"
expect_true "--json: one JSON object per workload, ops and errors right" \
    python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["workload"] for r in rows] == ["getattr", "listing"], rows
assert all(r["ops"] == int(sys.argv[2]) and r["errors"] == 0 and
           r["tool"] == "diskbench" for r in rows), rows
' "$W/json.out" "$OPS"

run_db keep -w listing --keep --dir kept "${TINY[@]}" "$D"
expect_eq "$(find "$D/kept/list.200" -type f | wc -l)" 200 \
    "--keep leaves the --entries listing directory"
ino=$(stat -c %i "$D/kept/list.200/e7")
run_db keep2 -w listing --keep --dir kept "${TINY[@]}" "$D"
expect_match "$(cat "$W/keep2.out")" "workload=listing .*ops=$OPS errors=0 " \
    "a second run reuses the kept directory"
run_db keep3 -w listing --keep --dir kept "${TINY[@]}" --entries 50 "$D"
expect_match "$(cat "$W/keep3.out")" "workload=listing .*ops=$OPS errors=0 " \
    "a run of another size"
expect_eq "$(find "$D/kept/list.50" -type f | wc -l)" 50 \
    "gets a directory of its own"
expect_eq "$(find "$D/kept/list.200" -type f | wc -l) \
$(stat -c %i "$D/kept/list.200/e7")" "200 $ino" \
    "and leaves the other size's as it was"
rm -rf "${D:?}/kept"

run_db cap -w getattr -n 1000000000 -T 0.2 -W 0 -q "$D"
expect_match "$(cat "$W/cap.out")" "workload=getattr .*errors=0 " \
    "-T: the capped run reports"
ops=$(sed -n 's/.*workload=getattr .* ops=\([0-9]*\) .*/\1/p' "$W/cap.out")
expect_true "-T stops the run before -n (ops=$ops)" \
    test "${ops:-0}" -gt 0 -a "${ops:-0}" -lt 1000000000

run_db null -w null,getattr "${TINY[@]}" "$D"
expect_contains "$(cat "$W/null.err")" "null skipped" "null is skipped"
expect_eq "$(grep -c '^RESULT ' "$W/null.out")" 1 "only getattr reported"

run_db bad -w nosuch "$D"
expect_eq "$RC" 2 "an unknown workload exits 2"
run_db bad2 -c 0 "$D"
expect_eq "$RC" 2 "-c 0 exits 2"
run_db missing -w getattr "${TINY[@]}" "$W/nonexistent"
expect_eq "$RC" 1 "a missing directory exits 1"
expect_match "$("$DB" -h)" "^usage: diskbench" "-h prints the usage"

it_finish
