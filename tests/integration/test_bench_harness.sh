#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_bench_harness.sh - a smoke run of `make bench`'s harness
# (bench/run.sh) with tiny settings.
#
# Proves that
#  - bench/run.sh starts our nfsd and nfs-ganesha (in its own network
#    namespace), runs nfsbench against both (and diskbench, the
#    responder when built) and exits 0;
#  - raw.csv has a good row per server, workload and concurrency: exit
#    0, operations done, no errors, server CPU per operation and peak
#    RSS from the kernel's accounting;
#  - medians.csv, table.txt and both PNG plots are written, and no
#    sanitizer report is in any log (make check SAN=1);
#  - listing is also measured by directory size (1x1): listing_scale.csv
#    has every size's time per entry for each target, and table.txt
#    shows them with the verdict on linearity;
#  - meta.txt names the data directory's file system, and for ext4
#    whether it has a journal (checked on two loop-mounted ext4
#    images, one made without); without one, the table's notes and
#    the run's output say the mail workloads will be noisy;
#  - nothing is left behind: no cgroup, no data directory, no
#    ganesha.nfsd, nfsd or rpcbind of the harness;
#  - a server that will not start ends the run with exit 1 and its log,
#    and that too leaves nothing behind.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

ROOT=$(cd "$IT_DIR/../.." && pwd)
BUILD=$(cd "$(dirname "$NFSD")" && pwd)
[ -x "$BUILD/bench/nfsbench" ] || fail "no $BUILD/bench/nfsbench (make)"
command -v ganesha.nfsd >/dev/null || fail "no ganesha.nfsd (make deps)"
# Results and data on the build's filesystem: the harness refuses tmpfs.
OUT=$(mktemp -d "$BUILD/bench-harness.XXXXXX")
IT_RMDIRS+=("$OUT")

WORKLOADS=null,getattr,read,listing
CONCS="1x1 4x16"

# harness_now: ganesha.nfsd, this build's nfsd and bench tools running,
# and the harness's cgroups, one per line.
harness_now() {
	local d
	pgrep -x ganesha.nfsd || :
	pgrep -f "^$BUILD/nfsd " || :
	pgrep -f "^$BUILD/bench/" || :
	for d in /sys/fs/cgroup/mailnfs-bench.* \
	    /sys/fs/cgroup/*/mailnfs-bench.*; do
		[ -e "$d" ] && echo "$d"
	done
	return 0
}

# What was there before this test (another `make bench` running, say)
# is not this test's to answer for.
HARNESS_BEFORE=$(harness_now | sort)

# harness_left: what the harness left running or made since (empty:
# none).
harness_left() {
	comm -13 <(echo "$HARNESS_BEFORE") <(harness_now | sort)
}

# fs_note PATH: the harness's own description of PATH's file system.
fs_note() {
	PYTHONPATH=$ROOT/bench python3 -c \
	    'import sys, bench; print(bench.fs_note(sys.argv[1]))' "$1"
}

say "== the harness tells ext4 with a journal from ext4 without"
for kind in with without; do
	img=$W/$kind.img
	opt=()
	[ "$kind" = without ] && opt=(-O ^has_journal)
	truncate -s 32M "$img"
	mkfs.ext4 -q -F "${opt[@]}" "$img" >/dev/null 2>&1 ||
	    fail "mkfs.ext4 $img"
	mkdir -p "$W/$kind"
	if ! mount -o loop "$img" "$W/$kind" 2>/dev/null; then
		say "  (no loop device here: only the build's file system is checked)"
		break
	fi
	IT_MOUNTS+=("$W/$kind")
	expect_eq "$(fs_note "$W/$kind")" "ext4, $kind a journal" \
	    "an ext4 image made $kind a journal"
done
tmpfs_on "$W/tmp" size=1m
expect_eq "$(fs_note "$W/tmp")" "tmpfs" "tmpfs"

say "== a tiny run: $WORKLOADS at ${CONCS// /, }, one round"
run_capture out rc env BENCH_OUT="$OUT/results" BENCH_DIR="$OUT/data" \
    BENCH_QUICK=1 BENCH_ROUNDS=1 BENCH_SECS=0.3 BENCH_WARMUP=0.1 \
    BENCH_LOCAL_SECS=0.2 BENCH_WORKLOADS=$WORKLOADS \
    BENCH_CONC="${CONCS// /,}" BENCH_MAIL=0 \
    timeout -k 5 100 "$ROOT/bench/run.sh" "$BUILD"
expect_eq "$rc" 0 "bench/run.sh exits 0"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -40 | show
expect_contains "$out" "nfs-ganesha is up" "ganesha started in its namespace"
expect_contains "$out" "nfsbench -w null answered by ours, ganesha" \
    "both servers answered NULL before measuring"
for srv in ours ganesha; do
	expect_contains "$out" "made the listing directory for $srv" \
	    "the listing directory for $srv made locally"
done

RAW=$OUT/results/raw.csv
expect_true "raw.csv written" test -s "$RAW"
for wl in ${WORKLOADS//,/ }; do
	for conc in $CONCS; do
		for srv in ours ganesha; do
			# rc=0, ops>0, errors=0, cpu_us_op and peak_rss set.
			row=$(awk -F, -v w="$wl" -v c="$conc" -v t="$srv" '
			    $2 == w && $3 == c && $6 == t &&
			    $8 == 0 && $9 > 0 && $10 == 0 && $18 > 0 &&
			    $20 > 0 { print }' "$RAW" 2>/dev/null)
			expect_match "$row" "^1,$wl,$conc," \
			    "raw.csv: $srv $wl $conc done, no errors, CPU/op and RSS"
		done
	done
done
if [ -x "$BUILD/bench/diskbench" ]; then
	row=$(awk -F, '$2 == "getattr" && $6 == "local" && $8 == 0 &&
	    $9 > 0' "$RAW" 2>/dev/null)
	expect_match "$row" "getattr" "raw.csv: the local ceiling was measured"
fi
if [ -x "$BUILD/bench/responder" ]; then
	row=$(awk -F, '$2 == "null" && $6 == "floor" && $8 == 0 &&
	    $9 > 0' "$RAW" 2>/dev/null)
	expect_match "$row" "null" "raw.csv: the floor was measured"
fi

med=$(cat "$OUT/results/medians.csv" 2>/dev/null || :)
expect_match "$med" "^getattr,4x16,[0-9]" "medians.csv has getattr at 4x16"
table=$(cat "$OUT/results/table.txt" 2>/dev/null || :)
expect_match "$table" "^null +4x16 +[0-9]+ +[0-9]+ +[0-9.]+ .*x" \
    "table.txt: null at 4x16 with both servers, the ratio and a target"
expect_match "$table" "^listing by directory size" \
    "table.txt: the listing-by-size table"
expect_match "$table" "^ours per entry at 2,000 / at 200: [0-9.]+ \((met|MISSED) linear" \
    "table.txt: its verdict on linearity"
scale=$(tr -d '\r' < "$OUT/results/listing_scale.csv" 2>/dev/null || :)
for n in 200 2000; do
	expect_match "$scale" "^$n,[0-9.]+,[0-9.]+,[0-9.]+,1,1,1$" \
	    "listing_scale.csv: $n entries, per entry for ours, ganesha, local"
done
for png in throughput latency; do
	magic=$(head -c 4 "$OUT/results/$png.png" 2>/dev/null | tail -c 3)
	expect_eq "$magic" "PNG" "$png.png is a PNG"
done
expect_true "ganesha's log kept" test -s "$OUT/results/logs/ganesha.log"
san=$(cat "$OUT"/results/raw/*.err "$OUT"/results/logs/nfsd.log \
    "$OUT"/results/logs/responder.log 2>/dev/null || :)
expect_no_sanitizer "$san" "no sanitizer report from nfsd or the bench tools"
meta=$(grep '^data dir: ' "$OUT/results/meta.txt" 2>/dev/null || :)
note=$(fs_note "$BUILD")
say "  the data directory's file system: $note"
expect_eq "$meta" "data dir: $OUT/data ($note)" \
    "meta.txt names the data directory's file system"
if [ "$note" = "ext4, without a journal" ]; then
	expect_contains "$table" "BENCH_DIR is on ext4 without a journal" \
	    "table.txt says the mail workloads are noisy on it"
	expect_contains "$out" "is on ext4 without a journal" \
	    "and so does the run"
else
	expect_false "no journal note in table.txt" \
	    grep -q "without a journal" "$OUT/results/table.txt"
fi
expect_false "the data directory is removed" test -e "$OUT/data"
expect_eq "$(harness_left)" "" "nothing left running, no cgroup left"

say "== our nfsd refuses to start: exit 1, its log, nothing left"
run_capture out rc env BENCH_OUT="$OUT/results2" BENCH_DIR="$OUT/data2" \
    BENCH_QUICK=1 BENCH_ROUNDS=1 BENCH_WORKLOADS=null BENCH_CONC=1x1 \
    BENCH_MAIL=0 BENCH_NFSD_OPTS=no-such-limit=1 \
    timeout -k 5 60 "$ROOT/bench/run.sh" "$BUILD"
expect_eq "$rc" 1 "bench/run.sh exits 1"
expect_contains "$out" "FAILED: our nfsd" "the failure names our nfsd"
expect_contains "$out" "nfsd.log:" "and shows its log"
expect_eq "$(harness_left)" "" "nothing left running, no cgroup left"

say "== a bad setting is refused before anything starts"
run_capture out rc env BENCH_OUT="$OUT/results3" BENCH_WORKLOADS=nosuch \
    BENCH_MAIL=0 timeout -k 5 30 "$ROOT/bench/run.sh" "$BUILD"
expect_eq "$rc" 1 "BENCH_WORKLOADS=nosuch: exit 1"
expect_contains "$out" "unknown 'nosuch'" "the message names the word"
run_capture out rc env BENCH_OUT="$OUT/results4" BENCH_LISTING_SCALE=1k \
    BENCH_MAIL=0 timeout -k 5 30 "$ROOT/bench/run.sh" "$BUILD"
expect_eq "$rc" 1 "BENCH_LISTING_SCALE=1k: exit 1"
expect_contains "$out" "'1k' is not a directory size" \
    "the message names the word"

it_finish
