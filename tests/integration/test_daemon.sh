#!/bin/bash
# shellcheck disable=SC2154  # run_capture sets variables by name
# test_daemon.sh - nfsd as a daemon (no -f), started with relative
# paths from another directory, as an admin's rc script might:
#  - it detaches and writes its pid file in the state directory;
#  - SIGHUP re-reads the exports file by its path as given (daemon()
#    moved the process to /, so nfsd must have made it absolute);
#  - nfsd -s STATEDIR -S prints the statistics (SIGUSR1);
#  - SIGTERM stops it and removes the pid file.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
it_setup

mkdir -p "$W/cfg/state" "$W/a" "$W/b"
echo "$W/a -network 127.0.0.0/8" >"$W/cfg/exports"
cd "$W/cfg"
run_capture out rc timeout 20 "$NFSD" -e exports -s state
expect_eq "$rc" 0 "nfsd detaches with status 0"
expect_no_match "$out" "(warn|error)" "and reports no problem starting"
for i in $(seq 50); do
	[ -s state/nfsd.pid ] && rpc_null tcp 2049 100003 3 && break
	sleep 0.1
done
pid=$(cat state/nfsd.pid 2>/dev/null || :)
[ -n "$pid" ] && : >"$IT_PIDDIR/nfsd.$pid"
expect_true "the pid file names a running nfsd" kill -0 "$pid"
expect_match "$(showmount -e 127.0.0.1 2>&1)" "^$W/a " "exports a"

cd /
echo "$W/b -network 127.0.0.0/8" >"$W/cfg/exports"
kill -HUP "$pid"
for i in $(seq 50); do
	showmount -e 127.0.0.1 2>/dev/null | grep -q "^$W/b " && break
	sleep 0.1
done
expect_match "$(showmount -e 127.0.0.1 2>&1)" "^$W/b " \
    "SIGHUP re-read the exports file given as a relative path"

run_capture out rc timeout 20 "$NFSD" -s "$W/cfg/state" -S
expect_eq "$rc" 0 "nfsd -S"
expect_match "$out" "^mount +v[13] +EXPORT" "it reports the EXPORT calls"
expect_true "the stats file is in the state directory" \
    test -s "$W/cfg/state/stats"

kill -TERM "$pid"
for i in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
expect_false "nfsd stopped on SIGTERM" kill -0 "$pid"
expect_false "its pid file is gone" test -e "$W/cfg/state/nfsd.pid"
it_finish
