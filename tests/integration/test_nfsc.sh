#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_nfsc.sh - the front ends' NFSv3 client library (clients/nfs)
# against nfsd, through build/ctest/nfsc_check.
#
# Proves that
#  - with no ports in the URL, rpcbind is asked (GETPORT) for NFS and
#    MOUNT, and every procedure the library offers works and fails
#    with the right nfsstat3 and a message naming the path
#    (nfsc_check full: see its top comment for the list);
#  - the client goes on with its handles and its handle cache after
#    nfsd is restarted with the same state directory, and retries
#    (with backoff) through a few seconds without any server;
#  - with explicit ports (nfs://host:port/export?mountport=N) it works
#    against an nfsd that is not registered with rpcbind (-N), with a
#    small max-record so that READ/WRITE go in many pieces;
#  - IPv6 ([::1]) when the loopback has it;
#  - opening fails with a clear error for an unexported path, a port
#    nobody listens on, a program rpcbind does not know, a bad URL.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

CHECK=${CTEST_BIN:-build/ctest}/nfsc_check
[ -x "$CHECK" ] || fail "no $CHECK (make builds it)"

mkfs_dir "$W/exp"
chmod 0755 "$W/exp"
write_file "$W/exports" <<EOF2
$W/exp -maproot=root -network 127.0.0.0/8
$W/exp -maproot=root ::1
EOF2
STATE=$W/state
SYNC=$W/sync
mkdir -p "$SYNC"

# wait_file NAME: until $SYNC/NAME exists or the checker has exited.
wait_file() {
	local i
	for ((i = 0; i < 900; i++)); do
		[ -e "$SYNC/$1" ] && return 0
		kill -0 "$CPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

say "== every procedure, ports from rpcbind, across restarts"
start_nfsd "$W/exports" "$STATE"
"$CHECK" full "nfs://127.0.0.1$W/exp" "$SYNC" full >"$W/full.out" 2>&1 &
CPID=$!
if wait_file ready1; then
	say "  checker paused: restarting nfsd with the same state dir"
	stop_nfsd
	start_nfsd "$W/exports" "$STATE"
	touch "$SYNC/go1"
fi
if wait_file ready2; then
	say "  checker paused: stopping nfsd, its next calls find no server"
	stop_nfsd
	touch "$SYNC/go2"
	sleep 1.5
	start_nfsd "$W/exports" "$STATE"
fi
wait "$CPID" && rc=0 || rc=$?
show <"$W/full.out"
expect_eq "$rc" 0 "nfsc_check full exits 0"
out=$(cat "$W/full.out")
expect_no_match "$out" '^FAIL' "no check failed"
expect_match "$out" '^ok - restart: READ of big with the old handle' \
    "the old handles work after a restart"
expect_match "$out" '^ok - down: READ of big with the old handle' \
    "and after calls that found no server"
expect_no_sanitizer "$out" "no sanitizer report from the client"

if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	say "== IPv6: nfs://[::1]/..."
	run_capture out rc timeout 60 "$CHECK" quick "nfs://[::1]$W/exp" v6
	printf '%s\n' "$out" | show
	expect_eq "$rc" 0 "nfsc_check quick over IPv6 exits 0"
	expect_no_sanitizer "$out" "no sanitizer report (IPv6)"
else
	say "  (no ::1 on lo: IPv6 not tested)"
fi

say "== opening fails clearly"
run_capture out rc "$CHECK" openfail "nfs://127.0.0.1$W/nope" \
    "MNT $W/nope: NFSC_ERR_MOUNT (MNT3ERR_"
printf '%s\n' "$out" | show
expect_eq "$rc" 0 "an unexported path: MNT fails, named"
run_capture out rc "$CHECK" openfail "nfs://127.0.0.1:1/x?mountport=1" \
    "NFSC_ERR_RPC (connect 127.0.0.1 port 1: Connection refused)"
printf '%s\n' "$out" | show
expect_eq "$rc" 0 "a closed port: NFSC_ERR_RPC, connection refused"
run_capture out rc "$CHECK" openfail "nfs://127.0.0.1:2049$W/exp?port=1" \
    "unknown option 'port=1'"
printf '%s\n' "$out" | show
expect_eq "$rc" 0 "a bad URL"
stop_nfsd

say "== explicit ports, no rpcbind registration (-N), small pieces"
start_nfsd "$W/exports" "$STATE" -N -p 12049 -m 12048 \
    -o max-record=65536
run_capture out rc timeout 100 "$CHECK" quick \
    "nfs://127.0.0.1:12049$W/exp?mountport=12048" ports
printf '%s\n' "$out" | show
expect_eq "$rc" 0 "nfsc_check quick with explicit ports exits 0"
expect_no_sanitizer "$out" "no sanitizer report (explicit ports)"
run_capture out rc "$CHECK" openfail "nfs://127.0.0.1$W/exp" \
    "is not registered with rpcbind"
printf '%s\n' "$out" | show
expect_eq "$rc" 0 "without ports, an unregistered server is named so"
stop_nfsd

it_finish
