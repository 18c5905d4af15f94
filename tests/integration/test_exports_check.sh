#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_exports_check.sh - the exports file: nfsd -t and SIGHUP.
#
# Proves that
#  - nfsd -t accepts a file using every supported form (exit 0);
#  - nfsd -t rejects each kind of bad line with exit 1 and an error
#    "FILE:LINE: ..." naming the right line (unknown option, bad mask,
#    bad prefix, missing path, relative path, nested export on the same
#    file system);
#  - SIGHUP with a new valid file changes what showmount -e prints;
#  - SIGHUP with a broken file keeps the old exports and the daemon.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

mkfs_dir "$W/a"
mkfs_dir "$W/b"
mkfs_dir "$W/c"
mkfs_dir "$W/d"
mkdir -p "$W/a/sub/deeper"

say "== nfsd -t on a good file"
write_file "$W/good" <<EOF
# every form the daemon supports

$W/a -alldirs -network 127.0.1.0 -mask 255.255.255.0
$W/a -ro -network 127.0.0.0/8
$W/b -maproot=root 127.0.0.1 127.0.0.2
$W/c -resvport -ro
$W/d -maproot=0:0 -network 127.0.2.0/24
EOF
run_capture out rc timeout 10 "$NFSD" -t -e "$W/good"
expect_eq "$rc" 0 "nfsd -t -e good exits 0"
expect_no_sanitizer "$out" "good file: no sanitizer report"
[ "$rc" = 0 ] || printf '%s\n' "$out" | show

# bad NAME LINE_RE TEXT: nfsd -t on TEXT (written to $W/NAME) exits 1
# and prints "$W/NAME:LINE:" where LINE matches LINE_RE.
bad() {
	local name=$1 line=$2 f=$W/$1 out rc
	printf '%s\n' "$3" >"$f"
	run_capture out rc timeout 10 "$NFSD" -t -e "$f"
	expect_eq "$rc" 1 "nfsd -t rejects $name with exit 1"
	# The contract is that stderr contains "FILE:LINE: WORD: message"
	# (a "nfsd: " prefix before it is fine).
	expect_match "$out" "(^|[ :])$f:$line: [^ ]+: [^ ]" \
	    "$name: error contains \"$f:$line: WORD: message\""
	say "         (said: $(printf '%s' "$out" | head -n 3 | tr '\n' '|'))"
	expect_no_sanitizer "$out" "$name: no sanitizer report"
}

say "== nfsd -t on bad files (the bad line is line 3)"
G="$W/b 127.0.0.1"		# a good line 2, so line numbers are tested
bad unknown_option 3 "# c
$G
$W/a -bogus -network 127.0.0.0/8"
bad bad_mask 3 "# c
$G
$W/a -network 127.0.0.0 -mask 255.0.255.0"
bad bad_mask_value 3 "# c
$G
$W/a -network 127.0.0.0 -mask 255.255.256.0"
bad bad_prefix 3 "# c
$G
$W/a -network 127.0.0.0/33"
bad missing_path 3 "# c
$G
$W/no/such/dir -ro"
bad relative_path 3 "# c
$G
relative/dir -ro"
bad nested_same_fs '[23]' "# c
$W/a -network 127.0.0.0/8
$W/a/sub -network 127.0.0.0/8"
bad nested_child_first '[23]' "# c
$W/a/sub/deeper -ro
$W/a -ro"
expect_true "good file still accepted after the bad ones" \
    "$NFSD" -t -e "$W/good" 2>/dev/null

say "== SIGHUP with a new valid file"
write_file "$W/exports" <<EOF
$W/a -network 127.0.0.0/8
EOF
start_nfsd "$W/exports" "$W/state"
run_capture before rc timeout 10 showmount -e 127.0.0.1
printf '%s\n' "$before" | show
expect_match "$before" "^$W/a +127\.0\.0\.0/8\$" "first file: $W/a exported"
expect_no_match "$before" "^$W/b " "first file: $W/b not exported"

write_file "$W/exports" <<EOF
$W/b 127.0.0.1
$W/c -ro
EOF
kill -HUP "$NFSD_PID"
for ((i = 0; i < 50; i++)); do	# reload is asynchronous: poll 5 s
	after=$(timeout 10 showmount -e 127.0.0.1 2>&1 || :)
	printf '%s\n' "$after" | grep -q "^$W/b " && break
	sleep 0.1
done
printf '%s\n' "$after" | show
expect_match "$after" "^$W/b +127\.0\.0\.1\$" "after SIGHUP: $W/b exported"
expect_match "$after" "^$W/c +\(everyone\)\$" "after SIGHUP: $W/c exported"
expect_no_match "$after" "^$W/a " "after SIGHUP: $W/a no longer exported"
expect_true "nfsd still running after SIGHUP" nfsd_alive

say "== SIGHUP with a broken file keeps the old exports"
write_file "$W/exports" <<EOF
$W/a -network 127.0.0.0/8
$W/d -nonsense-option
EOF
kill -HUP "$NFSD_PID"
sleep 2
expect_true "nfsd still running after SIGHUP with a broken file" nfsd_alive
run_capture broken rc timeout 10 showmount -e 127.0.0.1
expect_eq "$broken" "$after" "showmount -e output unchanged"
expect_true "MOUNT still answers" rpc_null tcp 20048 100005 3

say "== a good file again is picked up (the broken one did not wedge reload)"
write_file "$W/exports" <<EOF
$W/d -network 127.0.0.0/8
EOF
kill -HUP "$NFSD_PID"
for ((i = 0; i < 50; i++)); do
	final=$(timeout 10 showmount -e 127.0.0.1 2>&1 || :)
	printf '%s\n' "$final" | grep -q "^$W/d " && break
	sleep 0.1
done
expect_match "$final" "^$W/d +127\.0\.0\.0/8\$" "third file: $W/d exported"
expect_no_match "$final" "^$W/b " "third file: $W/b no longer exported"

stop_nfsd
it_finish
